// SPDX-License-Identifier: Apache-2.0
// The alert queue's filters <-> the page address (`/alerts?environment=sandbox&status=open&...`),
// so a filtered view can be reloaded, shared and returned to from an alert.
import type { AlertFilters } from '../api/endpoints';
import type { AlertStatus, RuleSeverity } from '../api/types';
import { SEVERITIES } from './rules';

export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'in_review', 'escalated', 'closed'];
export const ALERT_PAGE_SIZE = 50;

/** Unknown or bad values are dropped (production, any status...). */
export function alertFiltersFromSearch(search: URLSearchParams): AlertFilters {
  const status = search.get('status') ?? '';
  const severity = search.get('severity') ?? '';
  return {
    environment: search.get('environment') === 'sandbox' ? 'sandbox' : 'production',
    status: (ALERT_STATUSES as readonly string[]).includes(status) ? (status as AlertStatus) : '',
    severity: (SEVERITIES as readonly string[]).includes(severity) ? (severity as RuleSeverity) : '',
    ruleId: search.get('rule_id') ?? '',
    limit: ALERT_PAGE_SIZE,
  };
}

/** The query string (with its "?") of the filters; defaults are left out. */
export function alertFiltersToSearch(filters: AlertFilters): string {
  const params = new URLSearchParams();
  if (filters.environment !== 'production') params.set('environment', filters.environment);
  if (filters.status) params.set('status', filters.status);
  if (filters.severity) params.set('severity', filters.severity);
  if (filters.ruleId) params.set('rule_id', filters.ruleId);
  const text = params.toString();
  return text ? `?${text}` : '';
}
