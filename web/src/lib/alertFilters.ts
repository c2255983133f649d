// SPDX-License-Identifier: Apache-2.0
// The alert queue's state in the page address (`/alerts?view=mine&severity=high&...`), so a view
// can be reloaded, shared and returned to from an alert; the API query of a view and its filters
// (docs/investigations.md "Queue views and filters"); and the pure parts of working the queue:
// row selection with shift-click ranges, the keyboard shortcuts, and the bulk limit.
import type { AlertFilters } from '../api/endpoints';
import type { AlertStatus, RuleSeverity } from '../api/types';
import { SEVERITIES } from './rules';

export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'in_review', 'escalated', 'closed'];
export const OPEN_STATUSES = 'open,in_review,escalated';
export const ALERT_PAGE_SIZE = 50;
/** The most alerts one `POST /alerts/bulk` takes. */
export const BULK_LIMIT = 500;

/** The queue's preset views; `all` is every alert, narrowed only by the filters. */
export type QueueView = 'mine' | 'unassigned' | 'open' | 'overdue' | 'all';

export const QUEUE_VIEWS: readonly { view: QueueView; label: string }[] = [
  { view: 'mine', label: 'My queue' },
  { view: 'unassigned', label: 'Unassigned' },
  { view: 'open', label: 'All open' },
  { view: 'overdue', label: 'Overdue' },
  { view: 'all', label: 'All' },
];

/** Unknown or bad values are dropped (production, the "All open" view, any status...). */
export function alertFiltersFromSearch(search: URLSearchParams): AlertFilters {
  const status = search.get('status') ?? '';
  const severity = search.get('severity') ?? '';
  const view = search.get('view') ?? '';
  return {
    environment: search.get('environment') === 'sandbox' ? 'sandbox' : 'production',
    view: QUEUE_VIEWS.some((v) => v.view === view) ? (view as QueueView) : 'open',
    status: (ALERT_STATUSES as readonly string[]).includes(status) ? (status as AlertStatus) : '',
    severity: (SEVERITIES as readonly string[]).includes(severity) ? (severity as RuleSeverity) : '',
    ruleId: search.get('rule_id') ?? '',
    assignee: search.get('assignee') ?? '',
    entity: search.get('entity') ?? '',
    from: search.get('from') ?? '',
    to: search.get('to') ?? '',
    limit: ALERT_PAGE_SIZE,
  };
}

/** The query string (with its "?") of the filters; defaults are left out. */
export function alertFiltersToSearch(filters: AlertFilters): string {
  const params = new URLSearchParams();
  if (filters.environment !== 'production') params.set('environment', filters.environment);
  if (filters.view && filters.view !== 'open') params.set('view', filters.view);
  if (filters.status) params.set('status', filters.status);
  if (filters.severity) params.set('severity', filters.severity);
  if (filters.ruleId) params.set('rule_id', filters.ruleId);
  if (filters.assignee) params.set('assignee', filters.assignee);
  if (filters.entity) params.set('entity', filters.entity);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Whether any filter beyond the view narrows the list. */
export function isNarrowed(filters: AlertFilters): boolean {
  return !!(filters.status || filters.severity || filters.ruleId || filters.assignee || filters.entity || filters.from || filters.to);
}

export const CLEARED_FILTERS: Partial<AlertFilters> = { status: '', severity: '', ruleId: '', assignee: '', entity: '', from: '', to: '' };

/**
 * `GET /alerts` parameters of a view and its filters. A view sets the assignee and the open
 * statuses; an explicit filter wins over the view's default. An entity typed without a kind is
 * taken as an account id (`account:<id>`, the only entity kind alerts carry).
 */
export function alertQuery(filters: AlertFilters): Record<string, string | number | undefined> {
  const view = filters.view ?? 'open';
  let status: string | undefined = filters.status || undefined;
  let assignee: string | undefined = filters.assignee || undefined;
  let overdue: string | undefined;
  if (view === 'mine') assignee = assignee ?? 'me';
  if (view === 'unassigned') assignee = assignee ?? 'none';
  if (view === 'overdue') overdue = 'true';
  if (view !== 'all' && view !== 'overdue') status = status ?? OPEN_STATUSES;
  const entity = filters.entity?.trim();
  return {
    environment: filters.environment,
    status,
    severity: filters.severity || undefined,
    rule_id: filters.ruleId || undefined,
    assignee_id: assignee,
    entity_key: entity ? (entity.includes(':') ? entity : `account:${entity}`) : undefined,
    from: filters.from || undefined,
    to: filters.to || undefined,
    overdue,
    limit: filters.limit,
  };
}

/**
 * The selection after a click on row `target` (ids in display order). A plain click toggles the
 * row; a shift-click sets every row between the anchor (the last row clicked) and the target to
 * the target's new state, as file managers and mail clients do.
 */
export function toggleSelection(
  ids: readonly string[],
  selected: ReadonlySet<string>,
  target: string,
  anchor: string | null,
  shift: boolean,
): Set<string> {
  const next = new Set(selected);
  const on = !selected.has(target);
  const from = anchor === null ? -1 : ids.indexOf(anchor);
  const to = ids.indexOf(target);
  if (shift && from >= 0 && to >= 0) {
    const [lo, hi] = from < to ? [from, to] : [to, from];
    for (let i = lo; i <= hi; i += 1) {
      if (on) next.add(ids[i]);
      else next.delete(ids[i]);
    }
  } else if (on) {
    next.add(target);
  } else {
    next.delete(target);
  }
  return next;
}

/** The keyboard of the queue, shown by `?` and matched by `shortcutAction`. */
export const QUEUE_SHORTCUTS: readonly { keys: string; action: QueueAction; label: string; worker?: boolean }[] = [
  { keys: 'j', action: 'down', label: 'Next alert' },
  { keys: 'k', action: 'up', label: 'Previous alert' },
  { keys: 'x', action: 'select', label: 'Select or unselect the alert' },
  { keys: 'Enter', action: 'open', label: 'Open the alert' },
  { keys: 'a', action: 'assign', label: 'Assign the alert (or the selected ones) to me', worker: true },
  { keys: 'c', action: 'close', label: 'Close the alert (or the selected ones)', worker: true },
  { keys: '?', action: 'help', label: 'Show these shortcuts' },
];

export type QueueAction = 'down' | 'up' | 'select' | 'open' | 'assign' | 'close' | 'help';

/**
 * The queue action of a key press, or null. Keys typed into a field, or with Ctrl/Alt/Meta, are
 * not shortcuts.
 */
export function shortcutAction(event: { key: string; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean; targetIsField?: boolean }): QueueAction | null {
  if (event.ctrlKey || event.altKey || event.metaKey || event.targetIsField) return null;
  const hit = QUEUE_SHORTCUTS.find((s) => s.keys === event.key);
  return hit ? hit.action : null;
}

/** The row index after moving `delta` from `index` within `count` rows (stays in range). */
export function moveCursor(index: number, delta: number, count: number): number {
  if (count === 0) return -1;
  if (index < 0) return delta > 0 ? 0 : count - 1;
  return Math.max(0, Math.min(count - 1, index + delta));
}

/** Why a bulk action on `count` alerts cannot be sent, or null. */
export function bulkProblem(count: number): string | null {
  if (count === 0) return 'Select alerts first.';
  if (count > BULK_LIMIT) return `Select at most ${BULK_LIMIT} alerts (${count} are selected).`;
  return null;
}

export const DISPOSITIONS = [
  { value: 'false_positive', label: 'False positive', hint: 'The activity is legitimate; the rule hit but nothing is wrong.' },
  { value: 'true_positive', label: 'True positive', hint: 'The activity is what the rule looks for.' },
  { value: 'duplicate', label: 'Duplicate', hint: 'The same matter is already covered by another alert.' },
] as const;

/** The closing form's own check (the server checks again): a disposition and a note of 1..4000. */
export function closeFormErrors(disposition: string, note: string): { disposition?: string; note?: string } {
  const errors: { disposition?: string; note?: string } = {};
  if (!DISPOSITIONS.some((d) => d.value === disposition)) errors.disposition = 'Choose a disposition.';
  if (note.trim() === '') errors.note = 'Say why: the note is required.';
  else if (note.length > 4000) errors.note = `At most 4000 characters (${note.length} now).`;
  return errors;
}
