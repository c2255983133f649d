// SPDX-License-Identifier: Apache-2.0
// One alert (`/alerts/{id}`): its status, assignee, SLA and case; the triage actions for those
// who may (take it, give it back, assign to anyone for RISK_LEAD and ADMIN, move its status,
// close with a disposition and a note, reopen for RISK_LEAD and ADMIN, create a case); its
// transaction; the rule version that raised it with the hit explained step by step; and its
// history from the server.
import { useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { alerts as alertsApi, transactions as transactionsApi, type AlertChange } from '../api/endpoints';
import type { AlertDetail, AlertEvent, AlertStatus, Disposition, ExplanationStep, Transaction } from '../api/types';
import { Link } from '../app/router';
import { useMe } from '../app/session';
import { DetailFallback } from '../components/DetailFallback';
import { ActionLabel, AlertStatusBadge, RuleStatusBadge, SeverityBadge, TraceValue } from '../components/RuleBadges';
import { RuleCodeView } from '../components/RuleCode';
import { CloseAlertsDialog, CreateCaseDialog, DueBadge } from '../components/Triage';
import { EnvironmentBadge, ErrorAlert, PageHeader } from '../components/ui';
import { useLoaded } from '../hooks/useLoaded';
import { useMembers } from '../hooks/useMembers';
import { capitalize } from '../lib/rules';
import { spanOfStep, type Span } from '../lib/ruleSyntax';
import { formatMoney } from '../lib/money';
import { formatDateTime, formatRelative, formatRelativeWithDate } from '../lib/time';
import { alertsListHref } from './AlertsPage';
import { DecisionBadge, Direction, typeLabel } from './TransactionsPage';

export function AlertDetailPage({ id }: { id: string }) {
  const me = useMe();
  const canWork = me.role !== 'VIEWER';
  const isLead = me.role === 'RISK_LEAD' || me.role === 'ADMIN';
  const members = useMembers();
  const loaded = useLoaded(() => alertsApi.get(id), id);
  const alert = loaded.value;
  const load = loaded.reload;
  const [transaction, setTransaction] = useState<Transaction | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState<'close' | 'case' | null>(null);
  const [assignTo, setAssignTo] = useState('');

  const transactionId = alert?.transaction_id;
  useEffect(() => {
    if (!transactionId) return;
    transactionsApi.get(transactionId).then(setTransaction, () => setTransaction(null));
  }, [transactionId]);

  async function change(body: AlertChange) {
    setBusy(true);
    setActionError(null);
    try {
      await alertsApi.update(id, body);
      await load();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setActionError(err);
    } finally {
      setBusy(false);
    }
  }

  async function closeAlert(disposition: Disposition, note: string) {
    await alertsApi.update(id, { status: 'closed', disposition, note });
    setDialog(null);
    await load();
  }

  const back = (
    <Link to={alertsListHref()} className="back-link">
      <span aria-hidden="true">←</span> Alert queue
    </Link>
  );
  if (!alert) {
    return (
      <DetailFallback
        back={back}
        error={loaded.error}
        title="Alert"
        noun="alert"
        notFoundText="Check the address, or find the alert in the queue."
        onRetry={() => void load()}
      />
    );
  }
  const closed = alert.status === 'closed';
  const mine = alert.assignee_id === me.user.id;
  return (
    <>
      {back}
      <PageHeader
        title={`Alert: ${alert.rule_name}`}
        description={
          <>
            Raised {formatRelativeWithDate(alert.created_at)} · ID <code>{alert.id}</code>
          </>
        }
      />
      <section className="card summary-card summary-card-rows" aria-label="Summary">
        <div className="summary-item">
          <span className="summary-label">Severity</span>
          <span className="summary-value">
            <SeverityBadge severity={alert.severity} />
          </span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Status</span>
          <span className="summary-value">
            <AlertStatusBadge status={alert.status} />
          </span>
          {alert.disposition ? <span className="summary-sub">{capitalize(alert.disposition)}</span> : null}
        </div>
        <div className="summary-item">
          <span className="summary-label">Assignee</span>
          <span className="summary-value">{mine ? 'You' : members.nameOf(alert.assignee_id)}</span>
        </div>
        <div className="summary-item">
          <span className="summary-label">SLA</span>
          <span className="summary-value">
            <DueBadge alert={alert} />
          </span>
          {alert.due_at ? <span className="summary-sub">due {formatDateTime(alert.due_at)}</span> : null}
        </div>
        <div className="summary-item">
          <span className="summary-label">Case</span>
          <span className="summary-value">
            {alert.case_id ? (
              <Link to={`/cases/${encodeURIComponent(alert.case_id)}`} className="cell-id">
                {alert.case_id}
              </Link>
            ) : (
              <span className="muted">None</span>
            )}
          </span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Transaction</span>
          <span className="summary-value">
            <Link to={`/transactions/${encodeURIComponent(alert.transaction_id)}`} className="cell-id">
              {alert.transaction_id}
            </Link>
          </span>
          <span className="summary-sub">occurred {formatDateTime(alert.occurred_at)}</span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Entity</span>
          <span className="summary-value cell-id">{alert.entity_key}</span>
          <span className="summary-sub">
            <EnvironmentBadge environment={alert.environment} />
          </span>
        </div>
      </section>
      {canWork ? (
        <section className="card" aria-labelledby="triage-heading">
          <div className="card-header">
            <h2 id="triage-heading">Triage</h2>
          </div>
          <div className="card-body triage-actions">
            <ErrorAlert error={actionError} title="Nothing was changed" />
            {closed ? (
              <>
                <p>
                  Closed {formatRelative(alert.closed_at)} by {members.nameOf(alert.closed_by)} as <strong>{capitalize(alert.disposition ?? '')}</strong>
                  {alert.note ? <>: “{alert.note}”</> : null}
                </p>
                {isLead ? (
                  <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => void change({ status: 'in_review' })}>
                    Reopen
                  </button>
                ) : (
                  <p className="muted">Reopening is for a risk lead or an admin.</p>
                )}
              </>
            ) : (
              <div className="toolbar">
                {!mine && (isLead || !alert.assignee_id) ? (
                  <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => void change({ assignee_id: me.user.id })}>
                    Assign to me
                  </button>
                ) : null}
                {alert.assignee_id && (mine || isLead) ? (
                  <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => void change({ assignee_id: null })}>
                    Unassign
                  </button>
                ) : null}
                {isLead ? (
                  <span className="bulk-assign">
                    <label className="visually-hidden" htmlFor="alert-assignee">
                      Assign to
                    </label>
                    <select id="alert-assignee" value={assignTo} onChange={(e) => setAssignTo(e.target.value)}>
                      <option value="">Assign to…</option>
                      {members.list.map((m) => (
                        <option key={m.user_id} value={m.user_id}>
                          {m.name || m.email}
                        </option>
                      ))}
                    </select>
                    <button type="button" className="btn btn-secondary" disabled={busy || !assignTo} onClick={() => void change({ assignee_id: assignTo })}>
                      Assign
                    </button>
                  </span>
                ) : null}
                {(['open', 'in_review', 'escalated'] as AlertStatus[])
                  .filter((s) => s !== alert.status)
                  .map((s) => (
                    <button key={s} type="button" className="btn btn-secondary" disabled={busy} onClick={() => void change({ status: s })}>
                      {s === 'open' ? 'Back to open' : s === 'in_review' ? 'Start review' : 'Escalate'}
                    </button>
                  ))}
                <button type="button" className="btn btn-primary" disabled={busy} onClick={() => setDialog('close')}>
                  Close…
                </button>
                {!alert.case_id ? (
                  <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => setDialog('case')}>
                    Create case
                  </button>
                ) : null}
              </div>
            )}
          </div>
        </section>
      ) : null}
      <TransactionCard alert={alert} transaction={transaction} />
      <HitExplained alert={alert} />
      <AlertHistory events={alert.events ?? []} nameOf={members.nameOf} />
      <CloseAlertsDialog open={dialog === 'close'} count={1} onClose={() => setDialog(null)} onSubmit={closeAlert} />
      <CreateCaseDialog open={dialog === 'case'} alerts={[alert]} onClose={() => setDialog(null)} />
    </>
  );
}

function TransactionCard({ alert, transaction }: { alert: AlertDetail; transaction: Transaction | null }) {
  const href = `/transactions/${encodeURIComponent(alert.transaction_id)}`;
  return (
    <section className="card" aria-labelledby="alert-transaction-heading">
      <div className="card-header">
        <h2 id="alert-transaction-heading">Transaction</h2>
        <Link to={href} className="count">
          Open the transaction
        </Link>
      </div>
      {!transaction ? (
        <p className="section-empty">
          <Link to={href} className="cell-id">
            {alert.transaction_id}
          </Link>{' '}
          occurred {formatDateTime(alert.occurred_at)}
        </p>
      ) : (
        <dl className="details-list details-inline">
          <dt>Amount</dt>
          <dd className="amount">{formatMoney(transaction.amount, transaction.currency)}</dd>
          <dt>Type</dt>
          <dd>
            {typeLabel(transaction.type)} · <Direction direction={transaction.direction} />
          </dd>
          <dt>Counterparty</dt>
          <dd>{transaction.counterparty?.name ?? '—'}</dd>
          <dt>Decision</dt>
          <dd>
            <DecisionBadge decision={transaction.decision} /> score {transaction.score}
          </dd>
          <dt>Account</dt>
          <dd className="cell-id">{transaction.account_id}</dd>
          <dt>Occurred</dt>
          <dd>{formatDateTime(transaction.occurred_at)}</dd>
        </dl>
      )}
    </section>
  );
}

/** A history entry in words: "assigned to Ann", "closed as false positive: …". */
export function describeAlertEvent(event: AlertEvent, nameOf: (id: string | null) => string): string {
  const d = (event.details ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? capitalize(v) : v === null || v === undefined ? 'nobody' : String(v));
  switch (event.action) {
    case 'alert.assigned':
      return `assigned to ${d.to ? nameOf(d.to as string) : 'nobody'}${d.from ? ` (was ${nameOf(d.from as string)})` : ''}`;
    case 'alert.updated':
      return `moved from ${text(d.from)} to ${text(d.to)}`;
    case 'alert.closed':
      return `closed as ${text(d.disposition)}${d.note ? `: “${String(d.note)}”` : ''}`;
    case 'alert.reopened':
      return `reopened (${text(d.to)}), was ${text(d.disposition)}`;
    default:
      return event.action;
  }
}

function AlertHistory({ events, nameOf }: { events: AlertEvent[]; nameOf: (id: string | null) => string }) {
  return (
    <section className="card" aria-labelledby="alert-history-heading">
      <div className="card-header">
        <h2 id="alert-history-heading">History</h2>
        <span className="count">{events.length === 1 ? '1 change' : `${events.length} changes`}</span>
      </div>
      {events.length === 0 ? (
        <p className="section-empty">Nobody has changed this alert yet.</p>
      ) : (
        <ol className="timeline" aria-label="Alert history, oldest first">
          {events.map((event, index) => (
            <li key={index} className="timeline-entry">
              <time dateTime={event.at} title={formatDateTime(event.at)}>
                {formatDateTime(event.at)}
              </time>
              <span className="timeline-actor">{nameOf(event.actor_id)}</span>
              <span className="timeline-text">{describeAlertEvent(event, nameOf)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** The rule version that raised the alert, and the stored explanation of its hit. */
export function HitExplained({ alert }: { alert: AlertDetail }) {
  const [highlight, setHighlight] = useState<Span | null>(null);
  const rule = alert.rule;
  const hit = alert.rule_hit;
  const steps = hit?.explanation ?? [];
  return (
    <section className="card" aria-labelledby="alert-rule-heading">
      <div className="card-header">
        <h2 id="alert-rule-heading">Why the rule hit</h2>
        {rule ? (
          <span className="count">
            <Link to={`/rules/${encodeURIComponent(rule.id)}`}>{rule.name}</Link>, version {rule.version}
            {rule.current_version !== rule.version ? ` (now version ${rule.current_version})` : ' (current)'}
          </span>
        ) : null}
      </div>
      {!rule ? (
        <p className="section-empty">The rule that raised this alert is no longer available.</p>
      ) : (
        <div className="card-body explain-grid">
          <div>
            <div className="explain-rule-meta">
              <RuleStatusBadge status={rule.status} />
              {hit ? (
                <span className="muted">
                  Action <ActionLabel action={hit.action} /> · score {hit.score} · hit as {hit.status}
                </span>
              ) : null}
              {rule.current_version !== rule.version ? (
                <Link to={`/rules/${encodeURIComponent(rule.id)}/versions`} className="btn-link">
                  Compare versions
                </Link>
              ) : null}
            </div>
            <RuleCodeView source={rule.expression} highlight={highlight} label={`Expression of ${rule.name}, version ${rule.version}`} />
            <p className="field-hint">Point at or focus a step to see its part of the expression.</p>
          </div>
          <div>
            <h3 className="subheading subheading-flush">Evaluated steps</h3>
            {steps.length === 0 ? (
              <p className="muted">No explanation was recorded for this hit.</p>
            ) : (
              <ExplanationList steps={steps} source={rule.expression} onPoint={setHighlight} />
            )}
          </div>
        </div>
      )}
    </section>
  );
}

/** The explanation steps, outermost first, indented by how deep they sit in the expression. */
export function ExplanationList({
  steps,
  source,
  onPoint,
}: {
  steps: ExplanationStep[];
  source: string;
  onPoint: (span: Span | null) => void;
}) {
  const spans = steps.map((step) => spanOfStep(source, step));
  const depth = spans.map((span, index) => spans.slice(0, index).filter((outer) => outer.start <= span.start && span.end <= outer.end && outer.end > outer.start).length);
  return (
    <ol className="explanation" aria-label="Evaluated steps, outermost first">
      {steps.map((step, index) => (
        <li key={index} className={`explanation-step explanation-depth-${Math.min(depth[index], 6)}`}>
          <button
            type="button"
            className="trace-step"
            onMouseEnter={() => onPoint(spans[index])}
            onMouseLeave={() => onPoint(null)}
            onFocus={() => onPoint(spans[index])}
            onBlur={() => onPoint(null)}
            title={`Line ${step.line}, column ${step.column}`}
          >
            <code className="trace-text">{step.text}</code>
            <span className="trace-arrow" aria-hidden="true">
              →
            </span>
            <TraceValue value={step.value} />
          </button>
        </li>
      ))}
    </ol>
  );
}
