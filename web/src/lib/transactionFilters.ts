// SPDX-License-Identifier: Apache-2.0
// The transactions explorer's filters in their three forms: the page address (so a filtered view
// can be reloaded, shared and returned to from a transaction's detail), the filter form (local
// wall-clock times as `<input type="datetime-local">` values), and the API query of
// `GET /transactions`. Pure functions, no React.
import type { Decision, Environment } from '../api/types';
import { localInputToUtc, utcToLocalInput } from './time';

export const DECISIONS: readonly Decision[] = ['allow', 'review', 'block'];
export const PAGE_SIZES: readonly number[] = [25, 50, 100, 200];
export const DEFAULT_PAGE_SIZE = 50;

/** Applied filters, as the page address and the API carry them (times RFC 3339 UTC). */
export interface TransactionFilters {
  environment: Environment;
  accountId?: string;
  customerId?: string;
  decision?: Decision;
  /** Inclusive, on `occurred_at`. */
  from?: string;
  /** Exclusive, on `occurred_at`. */
  to?: string;
  limit: number;
}

/** The filter form's values; `from`/`to` are local `datetime-local` values. */
export interface FilterForm {
  accountId: string;
  customerId: string;
  decision: Decision | '';
  from: string;
  to: string;
  limit: number;
}

export type FilterFormError = { field: 'from' | 'to'; message: string } | null;

const nonEmpty = (value: string | null | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

function isDecision(value: string | undefined): value is Decision {
  return value !== undefined && (DECISIONS as readonly string[]).includes(value);
}

/**
 * Reads the filters from the page address (`?environment=sandbox&account_id=...`). Unknown or
 * malformed values fall back to the defaults (production, no filter, 50 a page), so an old or
 * hand-edited link still opens.
 */
export function filtersFromSearch(search: URLSearchParams): TransactionFilters {
  const filters: TransactionFilters = {
    environment: search.get('environment') === 'sandbox' ? 'sandbox' : 'production',
    limit: DEFAULT_PAGE_SIZE,
  };
  const accountId = nonEmpty(search.get('account_id'));
  if (accountId) filters.accountId = accountId;
  const customerId = nonEmpty(search.get('customer_id'));
  if (customerId) filters.customerId = customerId;
  const decision = nonEmpty(search.get('decision'));
  if (isDecision(decision)) filters.decision = decision;
  for (const key of ['from', 'to'] as const) {
    const value = nonEmpty(search.get(key));
    if (value && !Number.isNaN(Date.parse(value))) filters[key] = value;
  }
  const limit = Number(search.get('limit'));
  if (PAGE_SIZES.includes(limit)) filters.limit = limit;
  return filters;
}

/**
 * The page address's query for these filters, in a stable order, leaving out every default
 * ("" for production with no filter).
 */
export function filtersToSearch(filters: TransactionFilters): string {
  const params = new URLSearchParams();
  if (filters.environment !== 'production') params.set('environment', filters.environment);
  if (filters.accountId) params.set('account_id', filters.accountId);
  if (filters.customerId) params.set('customer_id', filters.customerId);
  if (filters.decision) params.set('decision', filters.decision);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.limit !== DEFAULT_PAGE_SIZE) params.set('limit', String(filters.limit));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The query of `GET /transactions` (the environment always explicit; absent values left out). */
export function transactionQuery(
  filters: TransactionFilters,
  cursor?: string | null,
): Record<string, string | number | undefined> {
  return {
    environment: filters.environment,
    account_id: filters.accountId,
    customer_id: filters.customerId,
    decision: filters.decision,
    from: filters.from,
    to: filters.to,
    limit: filters.limit,
    cursor: cursor ?? undefined,
  };
}

/** True when anything narrows the list beyond the environment. */
export function hasNarrowingFilters(filters: TransactionFilters): boolean {
  return Boolean(filters.accountId || filters.customerId || filters.decision || filters.from || filters.to);
}

export function formFromFilters(filters: TransactionFilters): FilterForm {
  return {
    accountId: filters.accountId ?? '',
    customerId: filters.customerId ?? '',
    decision: filters.decision ?? '',
    from: utcToLocalInput(filters.from),
    to: utcToLocalInput(filters.to),
    limit: filters.limit,
  };
}

/**
 * Checks the form and turns it into filters for `environment`. Refuses (without asking the
 * server) an incomplete date-time and a "to" that is not after "from".
 */
export function filtersFromForm(
  form: FilterForm,
  environment: Environment,
): { filters: TransactionFilters; error: null } | { filters: null; error: NonNullable<FilterFormError> } {
  const from = localInputToUtc(form.from);
  const to = localInputToUtc(form.to);
  if (form.from.trim() && !from) return { filters: null, error: { field: 'from', message: 'Enter a complete date and time.' } };
  if (form.to.trim() && !to) return { filters: null, error: { field: 'to', message: 'Enter a complete date and time.' } };
  if (from && to && Date.parse(to) <= Date.parse(from)) {
    return { filters: null, error: { field: 'to', message: 'Must be after “From”.' } };
  }
  const filters: TransactionFilters = { environment, limit: PAGE_SIZES.includes(form.limit) ? form.limit : DEFAULT_PAGE_SIZE };
  const accountId = nonEmpty(form.accountId);
  if (accountId) filters.accountId = accountId;
  const customerId = nonEmpty(form.customerId);
  if (customerId) filters.customerId = customerId;
  if (form.decision) filters.decision = form.decision;
  if (from) filters.from = from;
  if (to) filters.to = to;
  return { filters, error: null };
}
