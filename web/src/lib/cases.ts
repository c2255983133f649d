// SPDX-License-Identifier: Apache-2.0
// Pure helpers of the case pages: statuses, priorities and resolutions with their labels, the
// case list's filters in the address, a timeline entry in words, file sizes, and the check of an
// evidence file against the server's stated limits before it is sent (the server checks again).
import type { CaseFilters } from '../api/endpoints';
import type { CasePriority, CaseResolution, CaseStatus, EvidenceLimits, TimelineEntry } from '../api/types';

export const CASE_STATUSES: readonly CaseStatus[] = ['open', 'investigating', 'pending_info', 'escalated', 'closed'];
export const OPEN_CASE_STATUSES: readonly CaseStatus[] = ['open', 'investigating', 'pending_info', 'escalated'];
export const CASE_PRIORITIES: readonly CasePriority[] = ['low', 'medium', 'high', 'critical'];

export const RESOLUTIONS: readonly { value: CaseResolution; label: string; hint: string }[] = [
  { value: 'no_action', label: 'No action', hint: 'Investigated; nothing to report or change.' },
  { value: 'sar_filed', label: 'SAR filed', hint: 'A suspicious-activity report was filed; the case can print it.' },
  { value: 'customer_exited', label: 'Customer exited', hint: 'The relationship with the customer was ended.' },
  { value: 'other', label: 'Other', hint: 'Explain in the note.' },
];

const STATUS_LABELS: Record<string, string> = {
  open: 'Open',
  investigating: 'Investigating',
  pending_info: 'Pending info',
  escalated: 'Escalated',
  closed: 'Closed',
};

export function caseStatusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

export function resolutionLabel(resolution: string | null | undefined): string {
  if (!resolution) return '—';
  return RESOLUTIONS.find((r) => r.value === resolution)?.label ?? resolution;
}

/** The list's views: my open cases, all open cases, closed ones, every case. */
export type CaseView = 'mine' | 'open' | 'closed' | 'all';

export const CASE_VIEWS: readonly { view: CaseView; label: string }[] = [
  { view: 'mine', label: 'My cases' },
  { view: 'open', label: 'All open' },
  { view: 'closed', label: 'Closed' },
  { view: 'all', label: 'All' },
];

export interface CaseListState {
  view: CaseView;
  status: CaseStatus | '';
  priority: CasePriority | '';
  assignee: string;
}

export function caseListFromSearch(search: URLSearchParams): CaseListState {
  const view = search.get('view') ?? '';
  const status = search.get('status') ?? '';
  const priority = search.get('priority') ?? '';
  return {
    view: CASE_VIEWS.some((v) => v.view === view) ? (view as CaseView) : 'open',
    status: (CASE_STATUSES as readonly string[]).includes(status) ? (status as CaseStatus) : '',
    priority: (CASE_PRIORITIES as readonly string[]).includes(priority) ? (priority as CasePriority) : '',
    assignee: search.get('assignee') ?? '',
  };
}

export function caseListToSearch(state: CaseListState): string {
  const params = new URLSearchParams();
  if (state.view !== 'open') params.set('view', state.view);
  if (state.status) params.set('status', state.status);
  if (state.priority) params.set('priority', state.priority);
  if (state.assignee) params.set('assignee', state.assignee);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** `GET /cases` filters of a view; an explicit status or assignee wins over the view's. */
export function caseQuery(state: CaseListState): CaseFilters {
  let status: string | undefined = state.status || undefined;
  let assignee: string | undefined = state.assignee || undefined;
  if (state.view === 'mine') assignee = assignee ?? 'me';
  if (state.view === 'mine' || state.view === 'open') status = status ?? OPEN_CASE_STATUSES.join(',');
  if (state.view === 'closed') status = status ?? 'closed';
  return { status, priority: state.priority || undefined, assignee, limit: 50 };
}

/** "1.5 MB", "820 KB", "12 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}

/**
 * The console keeps no copy of the evidence limits: it shows and checks the ones the case view
 * states (`evidence_limits` of GET /cases/{id}), so they cannot drift from the server's.
 * Short names of the content types the server is known to accept; any other is shown as it is. */
const TYPE_NAMES: Record<string, string> = {
  'application/pdf': 'PDF',
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'image/gif': 'GIF',
  'text/plain': 'plain text',
  'text/csv': 'CSV',
  'application/json': 'JSON',
};

/** "PDF, PNG or plain text": the accepted types in words, in the server's order; '' for none. */
export function describeContentTypes(types: readonly string[]): string {
  const names = types.map((t) => TYPE_NAMES[t] ?? t);
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** The hint under the upload button: "PDF or CSV, up to 10 MB." from the server's limits; '' when it stated none. */
export function evidenceHint(limits: EvidenceLimits | undefined): string {
  const types = describeContentTypes(limits?.content_types ?? []);
  const size = limits?.max_bytes ? `up to ${formatBytes(limits.max_bytes)}` : '';
  const hint = [types, size].filter(Boolean).join(', ');
  return hint ? `${hint.charAt(0).toUpperCase()}${hint.slice(1)}.` : '';
}

const EXTENSION_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  txt: 'text/plain',
  log: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
};

/** The type to send a file as: the browser's, or else the one of its extension. */
export function evidenceContentType(file: { name: string; type: string }): string {
  if (file.type) return file.type.split(';')[0].trim().toLowerCase();
  const extension = file.name.includes('.') ? file.name.split('.').pop()!.toLowerCase() : '';
  return EXTENSION_TYPES[extension] ?? 'application/octet-stream';
}

/**
 * Why a file cannot be uploaded as evidence, or null. Checks the limits the server stated; a limit
 * it did not state is left to the server (its 413 or 415 is shown like any other problem).
 */
export function evidenceProblem(file: { name: string; size: number; type: string }, limits: EvidenceLimits | undefined): string | null {
  if (file.size === 0) return `${file.name} is empty.`;
  const max = limits?.max_bytes;
  if (max && file.size > max) return `${file.name} is ${formatBytes(file.size)}; files up to ${formatBytes(max)} are accepted.`;
  const types = limits?.content_types;
  if (types && types.length > 0 && !types.includes(evidenceContentType(file))) {
    return `${file.name} is not an accepted type (${describeContentTypes(types)}).`;
  }
  return null;
}

function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'nobody';
  return String(value);
}

/**
 * A timeline entry in words. `nameOf` turns user ids into names; `alertLabel` alert ids into
 * something readable (the rule's name when the alert is still in the case).
 */
export function describeTimeline(
  entry: TimelineEntry,
  nameOf: (id: string | null) => string,
  alertLabel: (id: string) => string = (id) => id,
): string {
  const d = (entry.details ?? {}) as Record<string, unknown>;
  switch (entry.action) {
    case 'created':
      return `opened the case${typeof d.title === 'string' ? ` “${d.title}”` : ''}`;
    case 'assigned':
      return d.to ? `assigned it to ${nameOf(d.to as string)}` : 'unassigned it';
    case 'status_changed':
      return `changed the status from ${caseStatusLabel(text(d.from))} to ${caseStatusLabel(text(d.to))}`;
    case 'priority_changed':
      return `changed the priority from ${text(d.from)} to ${text(d.to)}`;
    case 'title_changed':
      return `renamed it to “${text(d.to)}”`;
    case 'alert_added':
      return `linked the alert “${alertLabel(text(d.alert_id))}”`;
    case 'alert_removed':
      return `removed the alert “${alertLabel(text(d.alert_id))}”`;
    case 'commented':
      return 'commented';
    case 'evidence_added':
      return `added evidence ${typeof d.filename === 'string' ? d.filename : ''}`.trim();
    case 'closed':
      return `closed it: ${resolutionLabel(d.resolution as string)}${typeof d.note === 'string' ? ` — “${d.note}”` : ''}`;
    case 'reopened':
      return `reopened it${typeof d.note === 'string' && d.note ? ` — “${d.note}”` : ''}`;
    case 'report_generated':
      return 'generated the suspicious-activity report';
    default:
      return entry.action.replace(/_/g, ' ');
  }
}
