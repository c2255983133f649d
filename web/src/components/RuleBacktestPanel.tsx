// SPDX-License-Identifier: Apache-2.0
// The rule editor's backtest panel: replays the stored transactions of a period (UTC days, at most
// 400) through the expression being edited (`POST /rules/backtest`, nothing is stored) and shows
// the totals, the hits per day as a bar chart, and the latest hits linking to their transactions.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { rules as rulesApi } from '../api/endpoints';
import type { BacktestResult, Environment } from '../api/types';
import { Link } from '../app/router';
import { backtestPeriod, fillDays, formatRate, utcDateBefore } from '../lib/rules';
import { BarChart } from './BarChart';
import type { CodeError } from './RuleCode';
import { ErrorAlert, TextField } from './ui';

const PRESETS = [7, 30, 90] as const;

export function RuleBacktestPanel({ expression, onExpressionError }: { expression: string; onExpressionError: (error: CodeError) => void }) {
  const [fromDate, setFromDate] = useState(() => utcDateBefore(new Date(), 29));
  const [toDate, setToDate] = useState(() => utcDateBefore(new Date(), 0));
  const [environment, setEnvironment] = useState<Environment>('production');
  const [periodError, setPeriodError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<{ answer: BacktestResult; from: string; to: string; expression: string } | null>(null);

  function preset(days: number) {
    setFromDate(utcDateBefore(new Date(), days - 1));
    setToDate(utcDateBefore(new Date(), 0));
  }

  async function run(event: FormEvent) {
    event.preventDefault();
    const period = backtestPeriod(fromDate, toDate);
    if ('error' in period) {
      setPeriodError(period.error);
      return;
    }
    setPeriodError(null);
    setError(null);
    if (expression.trim() === '') {
      onExpressionError({ line: 1, column: 1, message: 'Write an expression first.' });
      return;
    }
    setBusy(true);
    try {
      const answer = await rulesApi.backtest({ expression, from: period.from, to: period.to, environment });
      setResult({ answer, from: period.from, to: period.to, expression });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const problem = err.fieldErrors.find((f) => f.field === 'expression');
      if (problem?.line) onExpressionError({ line: problem.line, column: problem.column ?? 1, message: problem.message });
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const days = result ? fillDays(result.answer.by_day, result.from, result.to) : [];
  return (
    <section className="card rule-backtest" aria-labelledby="rule-backtest-heading">
      <div className="card-header">
        <h2 id="rule-backtest-heading">Backtest</h2>
        <span className="count">Replays stored transactions of a period in the order they occurred; nothing is stored</span>
      </div>
      <form className="card-body" onSubmit={(e) => void run(e)} noValidate>
        <div className="backtest-controls">
          <TextField label="From (UTC day)" type="date" value={fromDate} onChange={(e) => setFromDate(e.target.value)} error={periodError ?? undefined} />
          <TextField label="Through (UTC day)" type="date" value={toDate} onChange={(e) => setToDate(e.target.value)} />
          <div className="field">
            <label htmlFor="backtest-environment">Environment</label>
            <select id="backtest-environment" value={environment} onChange={(e) => setEnvironment(e.target.value as Environment)}>
              <option value="production">Production</option>
              <option value="sandbox">Sandbox</option>
            </select>
          </div>
          <div className="backtest-presets" role="group" aria-label="The last days">
            <span className="muted" aria-hidden="true">
              Last
            </span>
            {PRESETS.map((days) => (
              <button key={days} type="button" className="btn btn-ghost btn-small" onClick={() => preset(days)} aria-label={`Last ${days} days`}>
                {days} days
              </button>
            ))}
          </div>
          <button type="submit" className="btn btn-primary backtest-run" disabled={busy}>
            {busy ? 'Running…' : 'Run backtest'}
          </button>
        </div>
      </form>
      <div className="card-body backtest-result" aria-live="polite">
        <ErrorAlert error={error} title="The backtest did not run" />
        {busy ? <p className="muted">Replaying the transactions of the period… this can take a while for long periods.</p> : null}
        {result ? (
          <>
            {result.expression !== expression ? (
              <p className="muted">This result is for an earlier version of the expression. Run the backtest again.</p>
            ) : null}
            <div className="stat-row">
              <div className="stat">
                <span className="stat-label">Transactions evaluated</span>
                <span className="stat-value" data-stat="evaluated">
                  {result.answer.evaluated.toLocaleString()}
                </span>
              </div>
              <div className="stat">
                <span className="stat-label">Hits</span>
                <span className="stat-value" data-stat="hits">
                  {result.answer.hits.toLocaleString()}
                </span>
              </div>
              <div className="stat">
                <span className="stat-label">Hit rate</span>
                <span className="stat-value" data-stat="hit-rate">
                  {formatRate(result.answer.hit_rate)}
                </span>
              </div>
            </div>
            <h3 className="subheading">Hits per day (UTC)</h3>
            <BarChart days={days} label="Hits per day" />
            <h3 className="subheading">Latest hits</h3>
            {result.answer.samples.length === 0 ? (
              <p className="muted">No transaction of the period hits.</p>
            ) : (
              <ul className="sample-list">
                {result.answer.samples.map((sample) => (
                  <li key={sample.transaction_id}>
                    <Link to={`/transactions/${encodeURIComponent(sample.transaction_id)}`} className="cell-id">
                      {sample.external_id}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </>
        ) : null}
      </div>
    </section>
  );
}
