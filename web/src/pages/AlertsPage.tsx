// SPDX-License-Identifier: Apache-2.0
// The alert queue (`/alerts`, every role): views "My queue", "Unassigned", "All open", "Overdue"
// and "All"; filters (status, severity, rule, assignee, entity, created from/to) kept in the
// address; the SLA due time with an overdue badge; and, for those who triage (ANALYST, RISK_LEAD,
// ADMIN), row selection (checkboxes, shift-click ranges), a bulk toolbar (assign to me, to someone
// for RISK_LEAD and ADMIN, close with a disposition, create a case; at most 500 at once) and the
// keyboard: j/k move, x selects, Enter opens, a assigns to me, c closes, ? lists the shortcuts.
// VIEWERs see the same queue without any action.
import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { ApiError } from '../api/client';
import { alerts as alertsApi, rules as rulesApi, type AlertFilters } from '../api/endpoints';
import type { AlertStatus, AlertSummary, Disposition, Environment, Rule, RuleSeverity } from '../api/types';
import { Link, navigate, useLocation } from '../app/router';
import { useMe } from '../app/session';
import { LoadMoreFooter } from '../components/LoadMore';
import { PageError } from '../components/PageError';
import { AlertStatusBadge, SeverityBadge } from '../components/RuleBadges';
import { CloseAlertsDialog, CreateCaseDialog, DueBadge, ShortcutsDialog } from '../components/Triage';
import { Alert, EmptyState, ErrorAlert, Icon, Loading, PageHeader, SelectField, TextField } from '../components/ui';
import { ViewTabs } from '../components/ViewTabs';
import { useMembers } from '../hooks/useMembers';
import { usePagedList } from '../hooks/usePagedList';
import {
  ALERT_STATUSES,
  alertFiltersFromSearch,
  alertFiltersToSearch,
  bulkProblem,
  CLEARED_FILTERS,
  isNarrowed,
  moveCursor,
  QUEUE_VIEWS,
  shortcutAction,
  toggleSelection,
} from '../lib/alertFilters';
import { capitalize, SEVERITIES } from '../lib/rules';
import { formatDateTime, formatShortDateTime, localInputToUtc, utcToLocalInput } from '../lib/time';

let lastAlertsHref = '/alerts';

/** The queue as it was last shown (the alert page's way back). */
export function alertsListHref(): string {
  return lastAlertsHref;
}

type Dialog = { kind: 'close'; ids: string[] } | { kind: 'help' } | { kind: 'case'; alerts: AlertSummary[] } | null;

export function AlertsPage() {
  const me = useMe();
  const canWork = me.role !== 'VIEWER';
  const canAssignOthers = me.role === 'RISK_LEAD' || me.role === 'ADMIN';
  const location = useLocation();
  const search = location.search.toString();
  const filters = useMemo(() => alertFiltersFromSearch(new URLSearchParams(search)), [search]);
  const list = usePagedList((cursor) => alertsApi.list(filters, cursor), search);
  const rows = list.rows;
  const members = useMembers();
  const [ruleOptions, setRuleOptions] = useState<Rule[]>([]);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [anchor, setAnchor] = useState<string | null>(null);
  const [cursor, setCursor] = useState(-1);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [assignTo, setAssignTo] = useState('');
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const rowRefs = useRef(new Map<string, HTMLTableRowElement>());

  useEffect(() => {
    lastAlertsHref = `/alerts${alertFiltersToSearch(filters)}`;
    setSelected(new Set());
    setAnchor(null);
    setCursor(-1);
    setNotice(null);
    setActionError(null);
  }, [filters]);

  useEffect(() => {
    let cancelled = false;
    rulesApi
      .list({ limit: 100 })
      .then((page) => {
        if (!cancelled) setRuleOptions(page.data);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);

  function apply(next: Partial<AlertFilters>) {
    navigate(`/alerts${alertFiltersToSearch({ ...filters, ...next })}`);
  }

  /** The alerts an action applies to: the selection, or else the row under the cursor. */
  function targets(): AlertSummary[] {
    if (!rows) return [];
    if (selected.size > 0) return rows.filter((r) => selected.has(r.id));
    return cursor >= 0 && cursor < rows.length ? [rows[cursor]] : [];
  }

  function replaceRows(changed: AlertSummary[]) {
    const byId = new Map(changed.map((a) => [a.id, a]));
    list.setRows((current) => current.map((row) => byId.get(row.id) ?? row));
  }

  async function assign(ids: string[], assigneeId: string | null) {
    const problem = bulkProblem(ids.length);
    if (problem) {
      setNotice(problem);
      return;
    }
    setBusy(true);
    setActionError(null);
    setNotice(null);
    try {
      const result = await alertsApi.bulkAssign(ids, assigneeId);
      replaceRows(result.alerts);
      const who = assigneeId === me.user.id ? 'you' : assigneeId ? members.nameOf(assigneeId) : 'nobody';
      setNotice(`${plural(result.updated, 'alert')} assigned to ${who}.`);
      setSelected(new Set());
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setActionError(err);
    } finally {
      setBusy(false);
    }
  }

  async function close(ids: string[], disposition: Disposition, note: string) {
    const result = await alertsApi.bulkClose(ids, disposition, note);
    replaceRows(result.alerts);
    setDialog(null);
    setSelected(new Set());
    setNotice(`${plural(result.updated, 'alert')} closed as ${disposition.replace('_', ' ')}.`);
  }

  function openClose(ids: string[]) {
    const problem = bulkProblem(ids.length);
    if (problem) setNotice(problem);
    else setDialog({ kind: 'close', ids });
  }

  // The keyboard, read through a ref so the listener sees the current rows, cursor and selection.
  const keyState = useRef({ rows, cursor, dialog, canWork, targets, assign, openClose });
  keyState.current = { rows, cursor, dialog, canWork, targets, assign, openClose };
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const s = keyState.current;
      const target = event.target as HTMLElement | null;
      const inField =
        !!target &&
        (target.isContentEditable ||
          target.tagName === 'TEXTAREA' ||
          target.tagName === 'SELECT' ||
          (target.tagName === 'INPUT' && !['checkbox', 'radio'].includes((target as HTMLInputElement).type)) ||
          !!target.closest('dialog[open]'));
      const action = shortcutAction({ key: event.key, ctrlKey: event.ctrlKey, altKey: event.altKey, metaKey: event.metaKey, targetIsField: inField || s.dialog !== null });
      if (!action || !s.rows) return;
      const count = s.rows.length;
      if (action === 'down' || action === 'up') {
        const next = moveCursor(s.cursor, action === 'down' ? 1 : -1, count);
        setCursor(next);
        if (next >= 0) rowRefs.current.get(s.rows[next].id)?.scrollIntoView({ block: 'nearest' });
      } else if (action === 'select') {
        if (s.cursor < 0 || !s.canWork) return;
        const id = s.rows[s.cursor].id;
        setSelected((current) => toggleSelection([], current, id, null, false));
        setAnchor(id);
      } else if (action === 'open') {
        // Enter on a focused link or button is theirs (follow, press), not the queue's.
        if (s.cursor < 0 || (target && (target.tagName === 'A' || target.tagName === 'BUTTON'))) return;
        navigate(`/alerts/${encodeURIComponent(s.rows[s.cursor].id)}`);
      } else if (action === 'assign') {
        if (!s.canWork) return;
        const ids = s.targets().map((a) => a.id);
        if (ids.length) void s.assign(ids, me.user.id);
      } else if (action === 'close') {
        if (!s.canWork) return;
        const ids = s.targets().filter((a) => a.status !== 'closed').map((a) => a.id);
        if (ids.length) s.openClose(ids);
      } else if (action === 'help') {
        setDialog({ kind: 'help' });
      } else {
        return;
      }
      event.preventDefault();
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [me.user.id]);

  function onCheck(event: MouseEvent<HTMLInputElement>, id: string) {
    if (!rows) return;
    const ids = rows.map((r) => r.id);
    setSelected((current) => toggleSelection(ids, current, id, anchor, event.shiftKey));
    setAnchor(id);
    setCursor(ids.indexOf(id));
  }

  const narrowed = isNarrowed(filters);
  const ruleKnown = !filters.ruleId || ruleOptions.some((r) => r.id === filters.ruleId);
  const chosen = rows ? rows.filter((r) => selected.has(r.id)) : [];
  const allChecked = !!rows && rows.length > 0 && rows.every((r) => selected.has(r.id));
  const selectionProblem = selected.size > 0 ? bulkProblem(selected.size) : null;
  return (
    <>
      <PageHeader
        title="Alerts"
        description={
          canWork ? (
            <>
              Work the queue from the keyboard: <kbd>j</kbd> <kbd>k</kbd> move, <kbd>x</kbd> selects, <kbd>a</kbd> takes, <kbd>c</kbd> closes,{' '}
              <kbd>?</kbd> lists them all.
            </>
          ) : (
            'Raised by active rules when they hit a transaction. Your role reads alerts; triage needs an analyst.'
          )
        }
        actions={
          <div className="segmented" role="group" aria-label="Environment">
            {(['production', 'sandbox'] as Environment[]).map((env) => (
              <button
                key={env}
                type="button"
                className={`segment${filters.environment === env ? ` segment-active segment-${env}` : ''}`}
                aria-pressed={filters.environment === env}
                onClick={() => apply({ environment: env })}
              >
                {capitalize(env)}
              </button>
            ))}
          </div>
        }
      />
      <ViewTabs views={QUEUE_VIEWS} current={filters.view ?? 'open'} label="Queue views" onSelect={(view) => apply({ view })} />
      <QueueFilters filters={filters} rules={ruleOptions} ruleKnown={ruleKnown} members={members.list} apply={apply} />
      {filters.environment === 'sandbox' ? (
        <Alert tone="info" title="Sandbox">
          Alerts raised for test transactions sent with <code>wt_test_</code> keys.
        </Alert>
      ) : null}
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <ErrorAlert error={actionError} title="Nothing was changed" />
      {list.error ? (
        list.error.status === 422 ? (
          <Alert tone="error" title="Check the filters">
            {list.error.detail}
          </Alert>
        ) : (
          <PageError error={list.error} subject="alerts" onRetry={() => void list.reload()} />
        )
      ) : rows === null ? (
        <Loading label="Loading alerts…" />
      ) : rows.length === 0 && !narrowed && filters.view === 'all' ? (
        <EmptyState icon={<Icon name="alerts" />} title="No alerts">
          <p>
            Alerts appear here when an <strong>active</strong> rule hits a transaction. Shadow rules record hits without
            raising alerts. <Link to="/rules">Review the rules</Link>.
          </p>
        </EmptyState>
      ) : (
        <section className="card" aria-labelledby="alerts-heading">
          <div className="card-header">
            <h2 id="alerts-heading">{QUEUE_VIEWS.find((v) => v.view === filters.view)?.label ?? 'Alerts'}</h2>
            <span className="count">
              {plural(rows.length, 'alert')}
              {list.nextCursor ? ' shown, more available' : ''}
            </span>
          </div>
          {canWork ? (
            <div className="bulk-bar" role="toolbar" aria-label="Selected alerts">
              <span className="bulk-count" aria-live="polite">
                {selected.size === 0 ? 'No alert selected' : `${plural(selected.size, 'alert')} selected`}
              </span>
              <button type="button" className="btn btn-secondary btn-small" disabled={busy || selected.size === 0} onClick={() => void assign([...selected], me.user.id)}>
                Assign to me
              </button>
              {canAssignOthers ? (
                <span className="bulk-assign">
                  <label className="visually-hidden" htmlFor="bulk-assignee">
                    Assign the selected alerts to
                  </label>
                  <select id="bulk-assignee" value={assignTo} onChange={(e) => setAssignTo(e.target.value)} disabled={selected.size === 0}>
                    <option value="">Assign to…</option>
                    <option value="none">Nobody (unassign)</option>
                    {members.list.map((m) => (
                      <option key={m.user_id} value={m.user_id}>
                        {m.name || m.email}
                      </option>
                    ))}
                  </select>
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    disabled={busy || selected.size === 0 || assignTo === ''}
                    onClick={() => void assign([...selected], assignTo === 'none' ? null : assignTo)}
                  >
                    Assign
                  </button>
                </span>
              ) : null}
              <button
                type="button"
                className="btn btn-secondary btn-small"
                disabled={busy || selected.size === 0}
                onClick={() => openClose(chosen.filter((a) => a.status !== 'closed').map((a) => a.id))}
              >
                Close…
              </button>
              <button type="button" className="btn btn-secondary btn-small" disabled={busy || selected.size === 0} onClick={() => setDialog({ kind: 'case', alerts: chosen })}>
                Create case
              </button>
              {selected.size > 0 ? (
                <button type="button" className="btn-link" onClick={() => setSelected(new Set())}>
                  Clear selection
                </button>
              ) : null}
              {selectionProblem ? <span className="field-error">{selectionProblem}</span> : null}
              <span className="bulk-spacer" />
              <button type="button" className="btn-link" onClick={() => setDialog({ kind: 'help' })}>
                Shortcuts <kbd>?</kbd>
              </button>
            </div>
          ) : null}
          {rows.length === 0 ? (
            <div className="table-empty">
              <p>{narrowed ? 'No alerts match these filters.' : 'Nothing here: this view is empty.'}</p>
              {narrowed ? (
                <button type="button" className="btn-link" onClick={() => apply(CLEARED_FILTERS)}>
                  Clear the filters
                </button>
              ) : null}
            </div>
          ) : (
            <div className="table-wrap">
              <table className="table table-alerts table-queue table-dense" aria-label="Alert queue">
                <thead>
                  <tr>
                    {canWork ? (
                      <th scope="col" className="col-check">
                        <input
                          type="checkbox"
                          aria-label="Select every alert shown"
                          checked={allChecked}
                          onChange={() => setSelected(allChecked ? new Set() : new Set(rows.map((r) => r.id)))}
                        />
                      </th>
                    ) : null}
                    <th scope="col">Raised</th>
                    <th scope="col">Alert</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Status</th>
                    <th scope="col">Assignee</th>
                    <th scope="col">SLA</th>
                    <th scope="col">Account</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((alert, index) => (
                    <tr
                      key={alert.id}
                      ref={(el) => {
                        if (el) rowRefs.current.set(alert.id, el);
                        else rowRefs.current.delete(alert.id);
                      }}
                      data-alert-id={alert.id}
                      className={`${index === cursor ? 'row-cursor' : ''}${selected.has(alert.id) ? ' row-selected' : ''}`}
                      aria-current={index === cursor ? 'true' : undefined}
                      onClick={() => setCursor(index)}
                    >
                      {canWork ? (
                        <td className="col-check">
                          <input
                            type="checkbox"
                            aria-label={`Select alert ${alert.rule_name} on ${alert.entity_key}`}
                            checked={selected.has(alert.id)}
                            onClick={(e) => onCheck(e, alert.id)}
                            onChange={() => undefined}
                          />
                        </td>
                      ) : null}
                      <td className="nowrap" title={formatDateTime(alert.created_at)}>
                        {formatShortDateTime(alert.created_at)}
                      </td>
                      <td className="cell-link cell-rule">
                        <Link to={`/alerts/${encodeURIComponent(alert.id)}`} className="cell-primary" title={`${alert.rule_name} (version ${alert.rule_version})`}>
                          {alert.rule_name}
                        </Link>
                      </td>
                      <td>
                        <SeverityBadge severity={alert.severity} />
                      </td>
                      <td>
                        <AlertStatusBadge status={alert.status} />
                        {alert.disposition ? <div className="cell-secondary">{capitalize(alert.disposition)}</div> : null}
                        {alert.case_id ? (
                          <div className="cell-secondary">
                            <Link to={`/cases/${encodeURIComponent(alert.case_id)}`}>in a case</Link>
                          </div>
                        ) : null}
                      </td>
                      <td className={`nowrap${alert.assignee_id ? '' : ' muted'}`}>{alert.assignee_id === me.user.id ? 'You' : members.nameOf(alert.assignee_id)}</td>
                      <td className="nowrap">
                        <DueBadge alert={alert} />
                      </td>
                      <td className="cell-id nowrap" title={alert.entity_key}>
                        {alert.entity_key.replace(/^account:/, '')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <LoadMoreFooter list={list} />
        </section>
      )}
      <CloseAlertsDialog
        open={dialog?.kind === 'close'}
        count={dialog?.kind === 'close' ? dialog.ids.length : 0}
        onClose={() => setDialog(null)}
        onSubmit={(disposition, note) => close(dialog?.kind === 'close' ? dialog.ids : [], disposition, note)}
      />
      <ShortcutsDialog open={dialog?.kind === 'help'} canWork={canWork} onClose={() => setDialog(null)} />
      <CreateCaseDialog open={dialog?.kind === 'case'} alerts={dialog?.kind === 'case' ? dialog.alerts : []} onClose={() => setDialog(null)} />
    </>
  );
}

function plural(n: number, word: string): string {
  return n === 1 ? `1 ${word}` : `${n} ${word}s`;
}

/** The filters card: selects apply at once; the entity applies on Enter or when leaving the field. */
function QueueFilters({
  filters,
  rules,
  ruleKnown,
  members,
  apply,
}: {
  filters: AlertFilters;
  rules: Rule[];
  ruleKnown: boolean;
  members: { user_id: string; name: string; email: string }[];
  apply: (next: Partial<AlertFilters>) => void;
}) {
  const [entity, setEntity] = useState(filters.entity ?? '');
  useEffect(() => setEntity(filters.entity ?? ''), [filters.entity]);
  const assigneeKnown = !filters.assignee || ['me', 'none'].includes(filters.assignee) || members.some((m) => m.user_id === filters.assignee);
  return (
    <form
      className="card filters"
      role="group"
      aria-label="Filter alerts"
      onSubmit={(e) => {
        e.preventDefault();
        apply({ entity: entity.trim() });
      }}
    >
      <div className="filters-grid filters-grid-queue">
        <SelectField label="Status" value={filters.status} onChange={(e) => apply({ status: e.target.value as AlertStatus | '' })}>
          <option value="">{filters.view === 'all' || filters.view === 'overdue' ? 'Any' : 'Any open'}</option>
          {ALERT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {capitalize(s)}
            </option>
          ))}
        </SelectField>
        <SelectField label="Severity" value={filters.severity} onChange={(e) => apply({ severity: e.target.value as RuleSeverity | '' })}>
          <option value="">Any</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {capitalize(s)}
            </option>
          ))}
        </SelectField>
        <SelectField label="Rule" value={filters.ruleId} onChange={(e) => apply({ ruleId: e.target.value })}>
          <option value="">Any</option>
          {!ruleKnown ? <option value={filters.ruleId}>{filters.ruleId}</option> : null}
          {rules.map((rule) => (
            <option key={rule.id} value={rule.id}>
              {rule.name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Assignee" value={filters.assignee} onChange={(e) => apply({ assignee: e.target.value })}>
          <option value="">{filters.view === 'mine' ? 'Me (view)' : filters.view === 'unassigned' ? 'Nobody (view)' : 'Anyone'}</option>
          <option value="me">Me</option>
          <option value="none">Unassigned</option>
          {!assigneeKnown ? <option value={filters.assignee}>{filters.assignee}</option> : null}
          {members.map((m) => (
            <option key={m.user_id} value={m.user_id}>
              {m.name || m.email}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Entity"
          value={entity}
          placeholder="account id"
          onChange={(e) => setEntity(e.target.value)}
          onBlur={() => entity.trim() !== (filters.entity ?? '') && apply({ entity: entity.trim() })}
          spellCheck={false}
          autoComplete="off"
        />
        <TextField
          label="Raised from"
          type="datetime-local"
          step={1}
          value={utcToLocalInput(filters.from)}
          onChange={(e) => apply({ from: localInputToUtc(e.target.value) ?? '' })}
        />
        <TextField
          label="Raised before"
          type="datetime-local"
          step={1}
          value={utcToLocalInput(filters.to)}
          onChange={(e) => apply({ to: localInputToUtc(e.target.value) ?? '' })}
        />
        <div className="filters-reset">
          <button type="button" className="btn btn-secondary" disabled={!isNarrowed(filters)} onClick={() => apply(CLEARED_FILTERS)}>
            Clear filters
          </button>
        </div>
      </div>
    </form>
  );
}
