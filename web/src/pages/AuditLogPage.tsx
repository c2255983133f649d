// SPDX-License-Identifier: Apache-2.0
// Settings › Audit log: the organization's append-only audit trail, newest first, with filters and
// cursor paging. Readable by risk leads and admins; others see a no-access state.
import { Fragment, useEffect, useId, useState, type FormEvent } from 'react';
import { orgs, type AuditFilters } from '../api/endpoints';
import type { AuditEntry } from '../api/types';
import { useMe } from '../app/session';
import { LoadMoreFooter } from '../components/LoadMore';
import { PageError } from '../components/PageError';
import { Alert, Badge, Loading, PageHeader, TextField } from '../components/ui';
import { usePagedList } from '../hooks/usePagedList';
import { formatDateTime, localInputToUtc, localTimeZone } from '../lib/time';

const KNOWN_ACTIONS = [
  'auth.login.succeeded',
  'auth.login.failed',
  'auth.logout',
  'auth.reauthenticated',
  'auth.reauthentication.failed',
  'auth.organization_switched',
  'auth.session.ended',
  'auth.mfa.enabled',
  'auth.mfa.disabled',
  'auth.password.changed',
  'member.added',
  'member.role_changed',
  'member.removed',
  'invitation.created',
  'api_key.created',
  'api_key.rotated',
  'api_key.revoked',
  'rule.created',
  'rule.updated',
];

const PAGE_SIZES = [25, 50, 100, 200];

interface FilterForm {
  action: string;
  actorId: string;
  from: string;
  to: string;
  limit: number;
}

const EMPTY_FORM: FilterForm = { action: '', actorId: '', from: '', to: '', limit: 50 };

function toFilters(form: FilterForm): AuditFilters {
  return {
    action: form.action.trim() || undefined,
    actorId: form.actorId.trim() || undefined,
    from: localInputToUtc(form.from),
    to: localInputToUtc(form.to),
    limit: form.limit,
  };
}

export function AuditLogPage() {
  const me = useMe();
  const [form, setForm] = useState<FilterForm>(EMPTY_FORM);
  const [applied, setApplied] = useState<AuditFilters>(toFilters(EMPTY_FORM));
  const [formError, setFormError] = useState<{ field: 'from' | 'to'; message: string } | null>(null);
  // Every "Apply" loads again, also with the same filters.
  const [applyCount, setApplyCount] = useState(0);
  const list = usePagedList((cursor) => orgs.auditLogs(applied, cursor), `${JSON.stringify(applied)}#${applyCount}`);
  const { rows: entries, nextCursor, error } = list;
  const [names, setNames] = useState<Record<string, string>>(() =>
    Object.fromEntries(me.memberships.map((m) => [m.organization.id, m.organization.name])),
  );
  const datalistId = useId();

  // Member names make actors readable; the log works without them.
  useEffect(() => {
    let cancelled = false;
    orgs
      .members()
      .then((page) => {
        if (cancelled) return;
        setNames((current) => ({ ...current, ...Object.fromEntries(page.data.map((m) => [m.user_id, m.name || m.email])) }));
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);

  function submit(event: FormEvent) {
    event.preventDefault();
    const filters = toFilters(form);
    if (form.from && !filters.from) {
      setFormError({ field: 'from', message: 'Enter a complete date and time.' });
      return;
    }
    if (form.to && !filters.to) {
      setFormError({ field: 'to', message: 'Enter a complete date and time.' });
      return;
    }
    if (filters.from && filters.to && filters.from > filters.to) {
      setFormError({ field: 'to', message: 'Must be after “From”.' });
      return;
    }
    setFormError(null);
    setApplied(filters);
    setApplyCount((n) => n + 1);
  }

  function reset() {
    setForm(EMPTY_FORM);
    setFormError(null);
    setApplied(toFilters(EMPTY_FORM));
    setApplyCount((n) => n + 1);
  }

  const forbidden = error !== null && error.status === 403;
  const serverField = (name: string) => error?.fieldMessage(name);
  return (
    <>
      <PageHeader
        title="Audit log"
        description={`Every sign-in and sensitive change in ${me.organization.name}, newest first. Entries are append-only and hash-chained.`}
      />
      {forbidden ? (
        <PageError error={error} subject="the audit log" allowedRoles={['RISK_LEAD', 'ADMIN']} />
      ) : (
        <>
          <form className="card filters" onSubmit={submit} aria-label="Filter audit entries" noValidate>
            <div className="filters-grid">
              <TextField
                label="Action"
                list={datalistId}
                placeholder="e.g. auth.login.failed"
                autoComplete="off"
                spellCheck={false}
                value={form.action}
                onChange={(e) => setForm({ ...form, action: e.target.value })}
                error={serverField('action')}
              />
              <datalist id={datalistId}>
                {KNOWN_ACTIONS.map((a) => (
                  <option key={a} value={a} />
                ))}
              </datalist>
              <TextField
                label="Actor ID"
                autoComplete="off"
                spellCheck={false}
                value={form.actorId}
                onChange={(e) => setForm({ ...form, actorId: e.target.value })}
                error={serverField('actor_id')}
              />
              <TextField
                label="From"
                type="datetime-local"
                step={1}
                value={form.from}
                onChange={(e) => setForm({ ...form, from: e.target.value })}
                error={formError?.field === 'from' ? formError.message : serverField('from')}
              />
              <TextField
                label="To"
                type="datetime-local"
                step={1}
                value={form.to}
                onChange={(e) => setForm({ ...form, to: e.target.value })}
                error={formError?.field === 'to' ? formError.message : serverField('to')}
              />
              <PageSize value={form.limit} onChange={(limit) => setForm({ ...form, limit })} />
            </div>
            <div className="filters-actions">
              <p className="field-hint">Times are in your time zone ({localTimeZone()}) and sent to the server in UTC.</p>
              <div className="button-row">
                <button type="button" className="btn btn-secondary" onClick={reset}>
                  Reset
                </button>
                <button type="submit" className="btn btn-primary">
                  Apply filters
                </button>
              </div>
            </div>
          </form>
          {error ? (
            error.status === 422 || error.status === 400 ? (
              <Alert tone="error" title="Check the filters">
                {error.detail}
              </Alert>
            ) : (
              <PageError error={error} subject="the audit log" onRetry={() => void list.reload()} />
            )
          ) : entries === null ? (
            <Loading label="Loading audit entries…" />
          ) : (
            <section className="card" aria-labelledby="audit-heading">
              <div className="card-header">
                <h2 id="audit-heading">Entries</h2>
                <span className="count">
                  {entries.length === 1 ? '1 entry' : `${entries.length} entries`}
                  {nextCursor ? ' shown, more available' : ''}
                </span>
              </div>
              <AuditTable
                entries={entries}
                names={names}
                selfId={me.user.id}
                onFilterActor={(actorId) => {
                  const next = { ...form, actorId };
                  setForm(next);
                  setFormError(null);
                  setApplied(toFilters(next));
                  setApplyCount((n) => n + 1);
                }}
              />
              <LoadMoreFooter list={list} />
            </section>
          )}
        </>
      )}
    </>
  );
}

function PageSize({ value, onChange }: { value: number; onChange: (value: number) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Page size</label>
      <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {PAGE_SIZES.map((size) => (
          <option key={size} value={size}>
            {size}
          </option>
        ))}
      </select>
    </div>
  );
}

function actionTone(action: string): 'good' | 'warn' | 'neutral' {
  if (/(failed|denied|refused|locked|revoked|removed)$/.test(action)) return 'warn';
  if (/succeeded$/.test(action)) return 'good';
  return 'neutral';
}

/** A target as `{primary, secondary}`: "user:usr_1" shows the member's name when it is known. */
function describeTarget(
  target: unknown,
  names: Record<string, string>,
): { primary: string; secondary?: string; raw: string; isId: boolean } {
  if (target === null || target === undefined || target === '') return { primary: '—', raw: '', isId: false };
  let type: string | undefined;
  let id: string | undefined;
  if (typeof target === 'string') {
    const at = target.indexOf(':');
    if (at > 0) {
      type = target.slice(0, at);
      id = target.slice(at + 1);
    }
  } else if (typeof target === 'object') {
    const t = target as Record<string, unknown>;
    if (typeof t.type === 'string' && (typeof t.id === 'string' || typeof t.id === 'number')) {
      type = t.type;
      id = String(t.id);
    }
  }
  const raw = typeof target === 'string' ? target : JSON.stringify(target);
  if (type && id && names[id]) return { primary: names[id], secondary: type, raw, isId: false };
  if (type && id) return { primary: id, secondary: type, raw, isId: true };
  return { primary: raw, raw, isId: true };
}

function hasDetails(entry: AuditEntry): boolean {
  const d = entry.details;
  if (d === null || d === undefined) return Boolean(entry.user_agent);
  if (typeof d === 'object' && Object.keys(d as object).length === 0) return Boolean(entry.user_agent);
  return true;
}

function AuditTable({
  entries,
  names,
  selfId,
  onFilterActor,
}: {
  entries: AuditEntry[];
  names: Record<string, string>;
  selfId: string;
  onFilterActor: (actorId: string) => void;
}) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  function toggle(id: string) {
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }
  if (entries.length === 0) {
    return <p className="table-empty">No audit entries match these filters.</p>;
  }
  return (
    <div className="table-wrap">
      <table className="table table-audit">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Action</th>
            <th scope="col">Actor</th>
            <th scope="col">Target</th>
            <th scope="col">IP address</th>
            <th scope="col" className="col-actions">
              <span className="visually-hidden">Details</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => {
            const expanded = open.has(entry.id);
            const detailsId = `audit-${entry.id}-details`;
            const actorId = entry.actor?.id ?? null;
            const actorName = actorId ? names[actorId] : undefined;
            const target = describeTarget(entry.target, names);
            return (
              <Fragment key={entry.id}>
                <tr data-action={entry.action}>
                  <td className="nowrap" title={entry.at}>
                    {formatDateTime(entry.at)}
                  </td>
                  <td>
                    <Badge tone={actionTone(entry.action)}>
                      <code>{entry.action}</code>
                    </Badge>
                  </td>
                  <td title={actorId ?? undefined}>
                    {/* No actor id on a user entry (e.g. a failed sign-in): nobody was authenticated. */}
                    {!actorId && entry.actor?.type !== 'system' ? (
                      <div className="cell-primary">
                        <span className="muted">Not signed in</span>
                      </div>
                    ) : (
                      <div className={actorName || entry.actor?.type === 'system' ? 'cell-primary' : 'cell-primary cell-id'}>
                        {actorName ?? (entry.actor?.type === 'system' ? 'System' : actorId)}
                        {actorId && actorId === selfId ? <span className="muted"> (you)</span> : null}
                      </div>
                    )}
                    {actorId && entry.actor?.type && entry.actor.type !== 'system' ? (
                      <div className="cell-secondary">{entry.actor.type.replace('_', ' ')}</div>
                    ) : null}
                  </td>
                  <td title={target.raw}>
                    <div className={target.isId ? 'cell-id' : undefined}>
                      {target.primary}
                    </div>
                    {target.secondary ? <div className="cell-secondary">{target.secondary.replace('_', ' ')}</div> : null}
                  </td>
                  <td className="cell-mono">{entry.ip || '—'}</td>
                  <td className="col-actions">
                    {hasDetails(entry) ? (
                      <button
                        type="button"
                        className="btn btn-ghost btn-small"
                        aria-expanded={expanded}
                        aria-controls={expanded ? detailsId : undefined}
                        onClick={() => toggle(entry.id)}
                      >
                        {expanded ? 'Hide' : 'Details'}
                      </button>
                    ) : null}
                  </td>
                </tr>
                {expanded ? (
                  <tr className="row-details">
                    <td colSpan={6} id={detailsId}>
                      <dl className="details-list">
                        <dt>Entry ID</dt>
                        <dd>
                          <code>{entry.id}</code>
                        </dd>
                        <dt>Time (UTC)</dt>
                        <dd>
                          <code>{entry.at}</code>
                        </dd>
                        <dt>Actor</dt>
                        <dd>
                          {entry.actor?.type ?? '—'}
                          {actorId ? (
                            <>
                              {' '}
                              <code>{actorId}</code>{' '}
                              <button type="button" className="btn-link" onClick={() => onFilterActor(actorId)}>
                                Show only this actor
                              </button>
                            </>
                          ) : null}
                        </dd>
                        <dt>Target</dt>
                        <dd>
                          <code>{target.raw || '—'}</code>
                        </dd>
                        <dt>User agent</dt>
                        <dd>{entry.user_agent || '—'}</dd>
                        <dt>Details</dt>
                        <dd>
                          <pre className="json">{JSON.stringify(entry.details ?? null, null, 2)}</pre>
                        </dd>
                      </dl>
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
