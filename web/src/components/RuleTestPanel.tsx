// SPDX-License-Identifier: Apache-2.0
// The rule editor's test panel: a transaction as JSON (pasted, or taken from a recent one), run
// through the expression being edited with `POST /rules/test` (nothing is stored), and the trace:
// every sub-expression with its value, as a tree; pointing at a step highlights its span in the
// editor.
import { useEffect, useId, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { rules as rulesApi, transactions } from '../api/endpoints';
import type { Environment, TestResult, TestStep, Transaction } from '../api/types';
import { DEFAULT_PAGE_SIZE } from '../lib/transactionFilters';
import { ingestionBody, parseTestBody, sampleTransactionBody, traceTree, type TraceNode } from '../lib/rules';
import type { Span } from '../lib/ruleSyntax';
import { spanOfStep } from '../lib/ruleSyntax';
import { formatAmount } from '../lib/money';
import { formatDateTime } from '../lib/time';
import type { CodeError } from './RuleCode';
import { TraceValue } from './RuleBadges';
import { Alert, ErrorAlert } from './ui';

export function RuleTestPanel({
  expression,
  onHighlight,
  onExpressionError,
}: {
  expression: string;
  /** The span of the step pointed at, in the current expression (null: none). */
  onHighlight: (span: Span | null) => void;
  /** The server refused the expression: show it in the editor. */
  onExpressionError: (error: CodeError) => void;
}) {
  const bodyId = useId();
  const [environment, setEnvironment] = useState<Environment>('production');
  const [text, setText] = useState(() => JSON.stringify(sampleTransactionBody(new Date()), null, 2));
  const [recent, setRecent] = useState<Transaction[] | null>(null);
  const [recentError, setRecentError] = useState<ApiError | null>(null);
  const [picked, setPicked] = useState('');
  const [busy, setBusy] = useState(false);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<{ answer: TestResult; expression: string } | null>(null);

  useEffect(() => {
    let cancelled = false;
    setRecent(null);
    setPicked('');
    transactions
      .list({ environment, limit: DEFAULT_PAGE_SIZE })
      .then((page) => {
        if (!cancelled) setRecent(page.data);
      })
      .catch((err: unknown) => {
        if (!cancelled && err instanceof ApiError) setRecentError(err);
      });
    return () => {
      cancelled = true;
    };
  }, [environment]);

  function pick(id: string) {
    setPicked(id);
    const transaction = recent?.find((t) => t.id === id);
    if (transaction) {
      setText(JSON.stringify(ingestionBody(transaction), null, 2));
      setJsonError(null);
    }
  }

  async function run() {
    setError(null);
    const parsed = parseTestBody(text);
    if ('error' in parsed) {
      setJsonError(parsed.error);
      return;
    }
    setJsonError(null);
    if (expression.trim() === '') {
      setJsonError(null);
      setError(null);
      setResult(null);
      onExpressionError({ line: 1, column: 1, message: 'Write an expression first.' });
      return;
    }
    setBusy(true);
    try {
      const answer = await rulesApi.test(expression, parsed.body, environment);
      setResult({ answer, expression });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const expressionProblem = err.fieldErrors.find((f) => f.field === 'expression');
      if (expressionProblem && expressionProblem.line) {
        onExpressionError({ line: expressionProblem.line, column: expressionProblem.column ?? 1, message: expressionProblem.message });
      }
      setError(err);
      setResult(null);
    } finally {
      setBusy(false);
    }
  }

  const transactionProblems = error?.fieldErrors.filter((f) => f.field.startsWith('transaction')) ?? [];
  const stale = result !== null && result.expression !== expression;
  const highlightStep = (step: TestStep | null) => {
    if (!step || !result || stale) onHighlight(null);
    else onHighlight(spanOfStep(result.expression, step));
  };

  return (
    <section className="card rule-test" aria-labelledby="rule-test-heading">
      <div className="card-header">
        <h2 id="rule-test-heading">Test</h2>
        <span className="count">Runs the expression above on one transaction; nothing is stored</span>
      </div>
      <div className="card-body">
        <div className="test-grid">
          <div>
            <div className="test-controls">
              <label className="inline-field">
                Environment
                <select className="select-compact" value={environment} onChange={(e) => setEnvironment(e.target.value as Environment)}>
                  <option value="production">Production</option>
                  <option value="sandbox">Sandbox</option>
                </select>
              </label>
              <label className="inline-field inline-field-grow">
                Recent transaction
                <select className="select-compact" value={picked} onChange={(e) => pick(e.target.value)} disabled={!recent || recent.length === 0}>
                  <option value="">
                    {recent === null ? (recentError ? 'Could not load them' : 'Loading…') : recent.length === 0 ? 'None yet' : 'Choose one to fill in…'}
                  </option>
                  {(recent ?? []).map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.external_id} · {formatAmount(t.amount)} {t.currency} · {t.type} · {formatDateTime(t.occurred_at)}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <div className={`field${jsonError || transactionProblems.length ? ' field-invalid' : ''}`}>
              <label htmlFor={bodyId}>Transaction (JSON, a body of POST /transactions)</label>
              <textarea
                id={bodyId}
                className="json-input"
                rows={14}
                spellCheck={false}
                value={text}
                onChange={(e) => setText(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                    e.preventDefault();
                    void run();
                  }
                }}
                aria-invalid={jsonError ? true : undefined}
                aria-describedby={`${bodyId}-hint`}
              />
              <p className="field-hint" id={`${bodyId}-hint`}>
                Ctrl+Enter runs the test.
              </p>
              {jsonError ? <p className="field-error">{jsonError}</p> : null}
              {transactionProblems.map((problem) => (
                <p className="field-error" key={problem.field}>
                  <code>{problem.field.replace(/^transaction\.?/, '') || 'transaction'}</code>: {problem.message}
                </p>
              ))}
            </div>
            <div className="button-row">
              <button type="button" className="btn btn-primary" onClick={() => void run()} disabled={busy}>
                {busy ? 'Running…' : 'Run test'}
              </button>
            </div>
          </div>
          <div className="test-result" aria-live="polite">
            {error && transactionProblems.length === 0 ? <ErrorAlert error={error} title="The test did not run" /> : null}
            {result ? (
              <TestOutcome answer={result.answer} stale={stale} onPoint={highlightStep} />
            ) : !error ? (
              <p className="muted test-placeholder">
                Run the test to see whether the rule hits this transaction and the value of every part of the expression.
              </p>
            ) : null}
          </div>
        </div>
      </div>
    </section>
  );
}

function TestOutcome({ answer, stale, onPoint }: { answer: TestResult; stale: boolean; onPoint: (step: TestStep | null) => void }) {
  const tree = traceTree(answer.steps);
  return (
    <>
      <div className={`test-verdict test-verdict-${answer.result === true ? 'hit' : 'miss'}`} data-result={String(answer.result)}>
        <span className="test-verdict-label">{answer.result === true ? 'The rule hits' : 'The rule does not hit'}</span>
        <span className="muted">
          The expression is <TraceValue value={answer.value} />
        </span>
      </div>
      {stale ? (
        <Alert tone="warning">The expression has changed since this test. Run it again to see the new values.</Alert>
      ) : null}
      {answer.untracked_aggregates.length > 0 ? (
        <Alert tone="info" title="History not tracked yet">
          These aggregates are not part of a saved rule, so no history is kept for them and they are computed from no
          earlier transactions: <code>{answer.untracked_aggregates.join(', ')}</code>. Save the rule (shadow is enough) to
          start tracking them, or use a backtest.
        </Alert>
      ) : null}
      <h3 className="subheading">Evaluation trace</h3>
      {tree.length === 0 ? (
        <p className="muted">The expression is a single value.</p>
      ) : (
        <TraceList nodes={tree} onPoint={onPoint} root />
      )}
    </>
  );
}

function TraceList({ nodes, onPoint, root = false }: { nodes: TraceNode[]; onPoint: (step: TestStep | null) => void; root?: boolean }): ReactNode {
  return (
    <ul className={root ? 'trace trace-root' : 'trace'} aria-label={root ? 'Evaluation trace' : undefined}>
      {nodes.map((node, index) => (
        <li key={`${node.step.begin}-${node.step.end}-${index}`}>
          <button
            type="button"
            className={`trace-step${node.step.evaluated ? '' : ' trace-step-skipped'}`}
            onMouseEnter={() => onPoint(node.step)}
            onMouseLeave={() => onPoint(null)}
            onFocus={() => onPoint(node.step)}
            onBlur={() => onPoint(null)}
            title={`Line ${node.step.line}, column ${node.step.column}`}
          >
            <code className="trace-text">{node.step.text}</code>
            <span className="trace-arrow" aria-hidden="true">
              →
            </span>
            <TraceValue value={node.step.value} evaluated={node.step.evaluated} />
          </button>
          {node.children.length > 0 ? <TraceList nodes={node.children} onPoint={onPoint} /> : null}
        </li>
      ))}
    </ul>
  );
}
