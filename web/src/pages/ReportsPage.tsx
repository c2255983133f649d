// SPDX-License-Identifier: Apache-2.0
// Reports (`/reports`, every role reads): `GET /reports/summary` for a period (a preset, or UTC
// days from/to, kept in the address) and an environment — transactions by decision with their
// value, alerts raised and closed (by severity, by disposition), cases opened and closed (by
// resolution, SARs filed), triage times — and the CSV exports of transactions, alerts, cases and
// the audit log for the same period (RISK_LEAD and ADMIN; the server streams and audits them).
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../api/client';
import { reports as reportsApi, type ExportKind } from '../api/endpoints';
import type { ReportSummary } from '../api/types';
import { useMe } from '../app/session';
import { PageError } from '../components/PageError';
import { Alert, Loading, PageHeader, TextField } from '../components/ui';
import { formatCount, formatDuration, presetPeriod } from '../lib/dashboard';
import { formatMoney } from '../lib/money';
import { capitalize } from '../lib/rules';
import { resolutionLabel } from '../lib/cases';
import { formatDateTime } from '../lib/time';
import { PeriodBar, usePeriodParams } from './DashboardPage';

const EXPORTS: readonly { kind: ExportKind; label: string; what: string }[] = [
  { kind: 'transactions', label: 'Transactions', what: 'every transaction received in the period, with decision and score' },
  { kind: 'alerts', label: 'Alerts', what: 'alerts raised in the period, with status, assignee and disposition' },
  { kind: 'cases', label: 'Cases', what: 'cases opened in the period, with status and resolution' },
  { kind: 'audit', label: 'Audit log', what: 'every audited action in the period' },
];

/** A `YYYY-MM-DD` input as the RFC 3339 start of that UTC day; `end` adds one day (exclusive). */
export function dayBound(value: string, end = false): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms + (end ? 86_400_000 : 0)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function ReportsPage() {
  const me = useMe();
  const canExport = me.role === 'RISK_LEAD' || me.role === 'ADMIN';
  const { preset, environment, change } = usePeriodParams('/reports');
  const [fromDay, setFromDay] = useState('');
  const [toDay, setToDay] = useState('');
  const custom = !!(dayBound(fromDay) && dayBound(toDay, true));
  const period = useMemo(
    () => (custom ? { from: dayBound(fromDay)!, to: dayBound(toDay, true)! } : presetPeriod(preset)),
    [custom, fromDay, toDay, preset],
  );
  const [summary, setSummary] = useState<ReportSummary | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const load = useCallback(async () => {
    setError(null);
    setSummary(null);
    try {
      setSummary(await reportsApi.summary({ ...period, environment }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    }
  }, [period, environment]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <>
      <PageHeader
        title="Reports"
        description="A summary of a period, and CSV exports of its transactions, alerts, cases and audit log."
        actions={
          <PeriodBar
            preset={custom ? '' : preset}
            environment={environment}
            onChange={(next) => {
              if (next.period) {
                setFromDay('');
                setToDay('');
              }
              change(next);
            }}
          />
        }
      />
      <div className="card filters" role="group" aria-label="Custom period">
        <div className="filters-grid filters-grid-alerts">
          <TextField label="From (UTC day)" type="date" value={fromDay} onChange={(e) => setFromDay(e.target.value)} />
          <TextField label="To (UTC day, included)" type="date" value={toDay} onChange={(e) => setToDay(e.target.value)} min={fromDay || undefined} />
          <p className="field-hint filters-note">
            {custom ? 'Custom period in use.' : 'Pick both days for a custom period; otherwise the preset above applies.'}
          </p>
        </div>
      </div>
      {error ? (
        error.status === 422 ? (
          <Alert tone="error" title="Check the period">
            {error.fieldErrors.map((e) => `${e.field}: ${e.message}`).join('; ') || error.detail}
          </Alert>
        ) : (
          <PageError error={error} subject="the summary" onRetry={() => void load()} />
        )
      ) : !summary ? (
        <Loading label="Loading the summary…" />
      ) : (
        <SummaryView summary={summary} />
      )}
      <section className="card" aria-labelledby="exports-heading">
        <div className="card-header">
          <h2 id="exports-heading">Exports (CSV)</h2>
          <span className="count">
            {formatDateTime(period.from)} – {period.to ? formatDateTime(period.to) : 'now'}, {environment}
          </span>
        </div>
        {canExport ? (
          <ul className="export-list">
            {EXPORTS.map((e) => (
              <li key={e.kind}>
                <a className="btn btn-secondary" href={reportsApi.exportHref(e.kind, { ...period, environment })} download>
                  Download {e.label.toLowerCase()}
                </a>
                <span className="muted">{e.what}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="section-empty">Exports are for risk leads and admins.</p>
        )}
        <p className="field-hint card-body">
          RFC 4180 CSV in UTF-8. Cells that a spreadsheet would run as a formula (starting with =, +, - or @) are prefixed
          with a quote. Every export is recorded in the audit log.
        </p>
      </section>
    </>
  );
}

function SummaryView({ summary }: { summary: ReportSummary }) {
  return (
    <div className="report-grid">
      <section className="card report-wide" aria-labelledby="sum-tx-heading">
        <div className="card-header">
          <h2 id="sum-tx-heading">Transactions</h2>
          <span className="count">{formatCount(summary.transactions.count)}</span>
        </div>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Decision</th>
              <th scope="col" className="col-number">
                Count
              </th>
              <th scope="col" className="col-number">
                Value
              </th>
            </tr>
          </thead>
          <tbody>
            {summary.transactions.by_decision.map((d) => (
              <tr key={d.decision}>
                <td>{capitalize(d.decision)}</td>
                <td className="col-number">{formatCount(d.count)}</td>
                <td className="col-number amount" title={d.value.map((v) => formatMoney(v.amount, v.currency)).join('\n')}>
                  {d.value.length === 0 ? '—' : null}
                  {d.value.slice(0, 3).map((v) => (
                    <div key={v.currency}>{formatMoney(v.amount, v.currency)}</div>
                  ))}
                  {d.value.length > 3 ? <div className="cell-secondary">and {d.value.length - 3} other currencies</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" aria-labelledby="sum-alerts-heading">
        <div className="card-header">
          <h2 id="sum-alerts-heading">Alerts</h2>
          <span className="count">
            {formatCount(summary.alerts.raised.total)} raised · {formatCount(summary.alerts.closed.total)} closed
          </span>
        </div>
        <dl className="details-list details-flat">
          {summary.alerts.raised.by_severity.map((s) => (
            <Pair key={`r-${s.severity}`} label={`Raised, ${s.severity}`} value={formatCount(s.count)} />
          ))}
          {summary.alerts.closed.by_disposition.map((d) => (
            <Pair key={`d-${d.disposition}`} label={capitalize(d.disposition)} value={formatCount(d.count)} />
          ))}
          <Pair label="Median to triage" value={formatDuration(summary.triage.median_seconds_to_triage)} />
          <Pair label="Median to close" value={formatDuration(summary.triage.median_seconds_to_close)} />
        </dl>
      </section>
      <section className="card" aria-labelledby="sum-cases-heading">
        <div className="card-header">
          <h2 id="sum-cases-heading">Cases</h2>
          <span className="count">
            {formatCount(summary.cases.opened)} opened · {formatCount(summary.cases.closed.total)} closed · {formatCount(summary.cases.sar_filed)} SAR
            {summary.cases.sar_filed === 1 ? '' : 's'} filed
          </span>
        </div>
        <dl className="details-list details-flat">
          {summary.cases.closed.by_resolution.map((r) => (
            <Pair key={r.resolution} label={resolutionLabel(r.resolution)} value={formatCount(r.count)} />
          ))}
          {summary.cases.closed.by_resolution.length === 0 ? <Pair label="Closed" value="none" /> : null}
        </dl>
      </section>
    </div>
  );
}

function Pair({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}
