// SPDX-License-Identifier: Apache-2.0
// One case (`/cases/{id}`): the header (status, priority, assignee, environment, resolution), its
// alerts (add by id, remove), the related transactions (the alerts' own and the latest of their
// accounts), comments, evidence (upload within the server's limits, download), the timeline of
// every change, and closing (resolution + note; RISK_LEAD and ADMIN) or reopening (with a note).
// A case closed as `sar_filed` links to its suspicious-activity report document. A closed case is
// read-only; VIEWERs see no actions.
import { useId, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { cases as casesApi } from '../api/endpoints';
import type { CaseDetail, CasePriority, CaseResolution, CaseStatus } from '../api/types';
import { Link } from '../app/router';
import { useMe } from '../app/session';
import { DialogFormFooter } from '../components/ConfirmDialog';
import { Modal } from '../components/Modal';
import { DecisionForm } from '../components/Triage';
import { DetailFallback } from '../components/DetailFallback';
import { AlertStatusBadge, SeverityBadge } from '../components/RuleBadges';
import { Alert, EnvironmentBadge, ErrorAlert, PageHeader, TextAreaField } from '../components/ui';
import { useLoaded } from '../hooks/useLoaded';
import { useMembers } from '../hooks/useMembers';
import {
  CASE_PRIORITIES,
  caseStatusLabel,
  describeTimeline,
  evidenceContentType,
  evidenceHint,
  evidenceProblem,
  formatBytes,
  OPEN_CASE_STATUSES,
  RESOLUTIONS,
  resolutionLabel,
} from '../lib/cases';
import { formatMoney } from '../lib/money';
import { capitalize } from '../lib/rules';
import { formatDateTime, formatRelative, formatShortDateTime } from '../lib/time';
import { CaseStatusBadge, casesListHref } from './CasesPage';
import { DecisionBadge, Direction, typeLabel } from './TransactionsPage';

export function CasePage({ id }: { id: string }) {
  const me = useMe();
  const canWork = me.role !== 'VIEWER';
  const isLead = me.role === 'RISK_LEAD' || me.role === 'ADMIN';
  const members = useMembers();
  const loaded = useLoaded(() => casesApi.get(id), id);
  const theCase = loaded.value;
  const load = loaded.reload;
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState<'close' | 'reopen' | null>(null);

  /** Runs a change and reloads the case; a refusal is shown above the sections. */
  async function act(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setActionError(null);
    try {
      await action();
      await load();
      return true;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setActionError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }

  const back = (
    <Link to={casesListHref()} className="back-link">
      <span aria-hidden="true">←</span> All cases
    </Link>
  );
  if (!theCase) {
    return (
      <DetailFallback
        back={back}
        error={loaded.error}
        title="Case"
        noun="case"
        notFoundText="Check the address, or find the case in the list."
        onRetry={() => void load()}
      />
    );
  }
  const closed = theCase.status === 'closed';
  const editable = canWork && !closed;
  const nameOf = (userId: string | null | undefined) => (userId === me.user.id ? 'You' : members.nameOf(userId));
  /** The same within a sentence: "assigned it to you". */
  const nameInText = (userId: string | null | undefined) => (userId === me.user.id ? 'you' : members.nameOf(userId));
  return (
    <>
      {back}
      <PageHeader
        title={theCase.title}
        description={
          <>
            Case <code>{theCase.id}</code> · opened {formatRelative(theCase.created_at)} by {nameInText(theCase.created_by)} · updated{' '}
            {formatRelative(theCase.updated_at)}
          </>
        }
        actions={
          <>
            {closed && theCase.resolution === 'sar_filed' && isLead ? (
              <a className="btn btn-secondary" href={casesApi.reportHref(theCase.id)} target="_blank" rel="noopener">
                Suspicious-activity report
              </a>
            ) : null}
            {editable && isLead ? (
              <button type="button" className="btn btn-primary" onClick={() => setDialog('close')}>
                Close case…
              </button>
            ) : null}
            {closed && isLead ? (
              <button type="button" className="btn btn-secondary" onClick={() => setDialog('reopen')}>
                Reopen
              </button>
            ) : null}
          </>
        }
      />
      <ErrorAlert error={actionError} title="Nothing was changed" />
      {closed ? (
        <Alert tone="info" title={`Closed: ${resolutionLabel(theCase.resolution)}`}>
          {theCase.resolution_note ? <>“{theCase.resolution_note}” — </> : null}
          {nameOf(theCase.closed_by)}, {formatDateTime(theCase.closed_at)}. A closed case is read-only
          {isLead ? '; reopen it to change it.' : '.'}
        </Alert>
      ) : null}
      <section className="card summary-card case-header" aria-label="Case">
        <div className="summary-item">
          <span className="summary-label" id="case-status-label">
            Status
          </span>
          {editable ? (
            <select
              aria-labelledby="case-status-label"
              value={theCase.status}
              disabled={busy}
              onChange={(e) => void act(() => casesApi.update(theCase.id, { status: e.target.value as CaseStatus }))}
            >
              {OPEN_CASE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {caseStatusLabel(s)}
                </option>
              ))}
            </select>
          ) : (
            <span className="summary-value">
              <CaseStatusBadge status={theCase.status} />
            </span>
          )}
        </div>
        <div className="summary-item">
          <span className="summary-label" id="case-priority-label">
            Priority
          </span>
          {editable ? (
            <select
              aria-labelledby="case-priority-label"
              value={theCase.priority}
              disabled={busy}
              onChange={(e) => void act(() => casesApi.update(theCase.id, { priority: e.target.value as CasePriority }))}
            >
              {CASE_PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {capitalize(p)}
                </option>
              ))}
            </select>
          ) : (
            <span className="summary-value">
              <SeverityBadge severity={theCase.priority} />
            </span>
          )}
        </div>
        <div className="summary-item">
          <span className="summary-label" id="case-assignee-label">
            Assignee
          </span>
          {editable && isLead ? (
            <select
              aria-labelledby="case-assignee-label"
              value={theCase.assignee_id ?? ''}
              disabled={busy}
              onChange={(e) => void act(() => casesApi.update(theCase.id, { assignee_id: e.target.value || null }))}
            >
              <option value="">Unassigned</option>
              {members.list.map((m) => (
                <option key={m.user_id} value={m.user_id}>
                  {m.name || m.email}
                </option>
              ))}
            </select>
          ) : (
            <span className="summary-value">
              {nameOf(theCase.assignee_id)}
              {editable && !theCase.assignee_id ? (
                <button type="button" className="btn-link" disabled={busy} onClick={() => void act(() => casesApi.update(theCase.id, { assignee_id: me.user.id }))}>
                  {' '}
                  Take it
                </button>
              ) : null}
              {editable && theCase.assignee_id === me.user.id ? (
                <button type="button" className="btn-link" disabled={busy} onClick={() => void act(() => casesApi.update(theCase.id, { assignee_id: null }))}>
                  {' '}
                  Give back
                </button>
              ) : null}
            </span>
          )}
        </div>
        <div className="summary-item">
          <span className="summary-label">Environment</span>
          <span className="summary-value">{theCase.environment ? <EnvironmentBadge environment={theCase.environment} /> : '—'}</span>
        </div>
      </section>
      <div className="case-grid">
        <div className="case-main">
          <LinkedAlerts theCase={theCase} editable={editable} busy={busy} act={act} />
          <RelatedTransactions theCase={theCase} />
          <Comments theCase={theCase} editable={editable} act={act} nameOf={nameOf} />
        </div>
        <div className="case-side">
          <EvidenceCard theCase={theCase} editable={editable} act={act} nameOf={nameOf} />
          <Timeline theCase={theCase} nameOf={nameOf} nameInText={nameInText} />
        </div>
      </div>
      <Modal open={dialog === 'close'} title="Close case" onClose={() => setDialog(null)}>
        {dialog === 'close' ? (
          <DecisionForm
            legend="Resolution"
            field="resolution"
            choices={RESOLUTIONS}
            noteHint="The narrative of the decision; it goes on the timeline and into the report."
            submitLabel="Close case"
            errorTitle="The case was not closed"
            validate={(choice, note) => ({
              choice: choice ? undefined : 'Choose a resolution.',
              note: note.trim() ? undefined : 'The note is required.',
            })}
            onCancel={() => setDialog(null)}
            onSubmit={async (resolution, note) => {
              await casesApi.close(theCase.id, resolution as CaseResolution, note);
              setDialog(null);
              await load();
            }}
          />
        ) : null}
      </Modal>
      <Modal open={dialog === 'reopen'} title="Reopen case" size="small" onClose={() => setDialog(null)}>
        {dialog === 'reopen' ? (
          <NoteForm
            label="Why reopen it?"
            submitLabel="Reopen"
            onCancel={() => setDialog(null)}
            onSubmit={async (note) => {
              await casesApi.reopen(theCase.id, note);
              setDialog(null);
              await load();
            }}
          />
        ) : null}
      </Modal>
    </>
  );
}

type Act = (action: () => Promise<unknown>) => Promise<boolean>;

function LinkedAlerts({ theCase, editable, busy, act }: { theCase: CaseDetail; editable: boolean; busy: boolean; act: Act }) {
  const [ids, setIds] = useState('');
  const inputId = useId();
  const alerts = theCase.alerts;
  return (
    <section className="card" aria-labelledby="case-alerts-heading">
      <div className="card-header">
        <h2 id="case-alerts-heading">Alerts</h2>
        <span className="count">{alerts.length === 1 ? '1 alert' : `${alerts.length} alerts`}</span>
      </div>
      <div className="table-wrap">
        <table className="table table-dense">
          <thead>
            <tr>
              <th scope="col">Alert</th>
              <th scope="col">Severity</th>
              <th scope="col">Status</th>
              <th scope="col">Account</th>
              {editable ? (
                <th scope="col" className="col-actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.id}>
                <td className="cell-link">
                  <Link to={`/alerts/${encodeURIComponent(a.id)}`} className="cell-primary">
                    {a.rule_name}
                  </Link>
                  <div className="cell-secondary cell-ellipsis" title={a.id}>
                    {a.id}
                  </div>
                </td>
                <td>
                  <SeverityBadge severity={a.severity} />
                </td>
                <td>
                  <AlertStatusBadge status={a.status} />
                </td>
                <td className="cell-id nowrap" title={a.entity_key}>
                  {a.entity_key.replace(/^account:/, '')}
                </td>
                {editable ? (
                  <td className="col-actions">
                    {alerts.length > 1 ? (
                      <button
                        type="button"
                        className="btn btn-ghost-danger btn-small"
                        disabled={busy}
                        aria-label={`Remove alert ${a.id} from the case`}
                        onClick={() => void act(() => casesApi.removeAlert(theCase.id, a.id))}
                      >
                        Remove
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {editable ? (
        <form
          className="card-footer card-footer-row"
          onSubmit={(e) => {
            e.preventDefault();
            const list = ids.split(/[\s,]+/).filter(Boolean);
            if (list.length === 0) return;
            void act(() => casesApi.addAlerts(theCase.id, list)).then((ok) => ok && setIds(''));
          }}
        >
          <label htmlFor={inputId} className="inline-label">
            Add alerts by id
          </label>
          <input id={inputId} className="inline-input" value={ids} onChange={(e) => setIds(e.target.value)} placeholder="alt_…, alt_…" spellCheck={false} />
          <button type="submit" className="btn btn-secondary btn-small" disabled={busy || ids.trim() === ''}>
            Add
          </button>
        </form>
      ) : null}
    </section>
  );
}

function RelatedTransactions({ theCase }: { theCase: CaseDetail }) {
  const rows = theCase.transactions;
  return (
    <section className="card" aria-labelledby="case-transactions-heading">
      <div className="card-header">
        <h2 id="case-transactions-heading">Related transactions</h2>
        <span className="count">the alerts’ own and the latest of their accounts</span>
      </div>
      {rows.length === 0 ? (
        <p className="section-empty">No transactions.</p>
      ) : (
        <div className="table-wrap table-scroll">
          <table className="table table-dense">
            <thead>
              <tr>
                <th scope="col">Occurred</th>
                <th scope="col" className="col-number">
                  Amount
                </th>
                <th scope="col">Account</th>
                <th scope="col">Counterparty</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.id} className={t.linked ? 'row-linked' : ''}>
                  <td className="nowrap" title={formatDateTime(t.occurred_at)}>
                    <Link to={`/transactions/${encodeURIComponent(t.id)}`}>{formatShortDateTime(t.occurred_at)}</Link>
                    {t.linked ? <div className="cell-secondary">alerted</div> : null}
                  </td>
                  <td className="col-number">
                    <div className="amount nowrap">{formatMoney(t.amount, t.currency)}</div>
                    <div className="cell-secondary nowrap">
                      {typeLabel(t.type)} <Direction direction={t.direction} short />
                    </div>
                  </td>
                  <td className="cell-id nowrap">{t.account_id}</td>
                  <td>{t.counterparty?.name ?? '—'}</td>
                  <td>
                    <DecisionBadge decision={t.decision} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Comments({ theCase, editable, act, nameOf }: { theCase: CaseDetail; editable: boolean; act: Act; nameOf: (id: string | null) => string }) {
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | undefined>();
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (body.trim() === '') {
      setError('Write something first.');
      return;
    }
    setError(undefined);
    if (await act(() => casesApi.comment(theCase.id, body.trim()))) setBody('');
  }
  return (
    <section className="card" aria-labelledby="case-comments-heading">
      <div className="card-header">
        <h2 id="case-comments-heading">Comments</h2>
        <span className="count">{theCase.comments.length}</span>
      </div>
      {theCase.comments.length === 0 ? <p className="section-empty">No comments yet.</p> : null}
      <ol className="comment-list">
        {theCase.comments.map((c) => (
          <li key={c.id} className="comment">
            <div className="comment-meta">
              <strong>{c.author_name || nameOf(c.author_id)}</strong> <time dateTime={c.created_at}>{formatDateTime(c.created_at)}</time>
            </div>
            <p className="comment-body">{c.body}</p>
          </li>
        ))}
      </ol>
      {editable ? (
        <form className="card-body comment-form" onSubmit={(e) => void submit(e)} noValidate>
          <TextAreaField label="New comment" value={body} onChange={(e) => setBody(e.target.value)} rows={3} maxLength={10000} error={error} />
          <button type="submit" className="btn btn-primary btn-small">
            Add comment
          </button>
        </form>
      ) : null}
    </section>
  );
}

function EvidenceCard({ theCase, editable, act, nameOf }: { theCase: CaseDetail; editable: boolean; act: Act; nameOf: (id: string | null) => string }) {
  const limits = theCase.evidence_limits;
  const hint = evidenceHint(limits);
  const [problem, setProblem] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const files = theCase.evidence ?? [];

  async function onFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    const why = evidenceProblem(file, limits);
    setProblem(why);
    if (why) return;
    const typed = file.type ? file : new File([file], file.name, { type: evidenceContentType(file) });
    await act(() => casesApi.uploadEvidence(theCase.id, typed));
  }

  return (
    <section className="card" aria-labelledby="case-evidence-heading">
      <div className="card-header">
        <h2 id="case-evidence-heading">Evidence</h2>
        <span className="count">{files.length === 1 ? '1 file' : `${files.length} files`}</span>
      </div>
      {files.length === 0 ? (
        <p className="section-empty">No files yet.</p>
      ) : (
        <ul className="evidence-list">
          {files.map((f) => (
            <li key={f.id}>
              <a href={casesApi.evidenceHref(theCase.id, f.id)} download={f.filename}>
                {f.filename}
              </a>
              <span className="cell-secondary">
                {formatBytes(f.size)} · {nameOf(f.uploaded_by ?? null)} · {formatDateTime(f.created_at)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {editable ? (
        <div className="card-body evidence-upload">
          <label htmlFor={inputId} className="btn btn-secondary btn-small">
            Upload a file…
          </label>
          <input id={inputId} ref={input} type="file" className="visually-hidden" accept={limits?.content_types?.join(',')} onChange={(e) => void onFile(e)} />
          {hint ? <p className="field-hint">{hint}</p> : null}
          {problem ? <p className="field-error">{problem}</p> : null}
        </div>
      ) : null}
    </section>
  );
}

function Timeline({
  theCase,
  nameOf,
  nameInText,
}: {
  theCase: CaseDetail;
  nameOf: (id: string | null) => string;
  nameInText: (id: string | null) => string;
}) {
  const alertLabel = (id: string) => theCase.alerts.find((a) => a.id === id)?.rule_name ?? id;
  return (
    <section className="card" aria-labelledby="case-timeline-heading">
      <div className="card-header">
        <h2 id="case-timeline-heading">Timeline</h2>
        <span className="count">{theCase.timeline.length}</span>
      </div>
      <ol className="timeline timeline-compact" aria-label="Timeline, oldest first">
        {theCase.timeline.map((entry, index) => (
          <li key={index} className="timeline-entry" data-action={entry.action}>
            <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
            <span>
              <span className="timeline-actor">{entry.actor?.name || nameOf(entry.actor?.id ?? null)}</span> {describeTimeline(entry, nameInText, alertLabel)}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function NoteForm({
  label,
  submitLabel,
  onCancel,
  onSubmit,
}: {
  label: string;
  submitLabel: string;
  onCancel: () => void;
  onSubmit: (note: string) => Promise<void>;
}) {
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(note.trim());
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <TextAreaField label={label} value={note} onChange={(e) => setNote(e.target.value)} rows={3} maxLength={4000} error={error?.fieldMessage('note')} autoFocus />
      {error && !error.fieldMessage('note') ? <ErrorAlert error={error} /> : null}
      <DialogFormFooter busy={busy} submitLabel={submitLabel} busyLabel={submitLabel} onCancel={onCancel} />
    </form>
  );
}
