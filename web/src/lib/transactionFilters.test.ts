// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import {
  filtersFromForm,
  filtersFromSearch,
  filtersToSearch,
  formFromFilters,
  hasNarrowingFilters,
  transactionQuery,
  type FilterForm,
} from './transactionFilters';
import { utcToLocalInput } from './time';

const EMPTY_FORM: FilterForm = { accountId: '', customerId: '', decision: '', from: '', to: '', limit: 50 };

describe('filtersFromSearch', () => {
  it('defaults to production, no filter, 50 a page', () => {
    expect(filtersFromSearch(new URLSearchParams(''))).toEqual({ environment: 'production', limit: 50 });
  });

  it('reads every filter', () => {
    const search = new URLSearchParams(
      'environment=sandbox&account_id=acc-77&customer_id=cus-12&decision=review&from=2026-11-23T09:00:00Z&to=2026-11-24T09:00:00Z&limit=100',
    );
    expect(filtersFromSearch(search)).toEqual({
      environment: 'sandbox',
      accountId: 'acc-77',
      customerId: 'cus-12',
      decision: 'review',
      from: '2026-11-23T09:00:00Z',
      to: '2026-11-24T09:00:00Z',
      limit: 100,
    });
  });

  it('ignores unknown or malformed values instead of failing', () => {
    const search = new URLSearchParams('environment=staging&decision=maybe&from=yesterday&limit=7&account_id=%20%20');
    expect(filtersFromSearch(search)).toEqual({ environment: 'production', limit: 50 });
  });
});

describe('filtersToSearch', () => {
  it('leaves out the defaults', () => {
    expect(filtersToSearch({ environment: 'production', limit: 50 })).toBe('');
  });

  it('round-trips through filtersFromSearch, encoding what needs it', () => {
    const filters = {
      environment: 'sandbox' as const,
      accountId: 'acc 77&x=1',
      decision: 'block' as const,
      from: '2026-11-23T09:00:00Z',
      limit: 25,
    };
    const search = filtersToSearch(filters);
    expect(search).toBe('?environment=sandbox&account_id=acc+77%26x%3D1&decision=block&from=2026-11-23T09%3A00%3A00Z&limit=25');
    expect(filtersFromSearch(new URLSearchParams(search))).toEqual(filters);
  });
});

describe('transactionQuery', () => {
  it('names the API parameters and always sends the environment', () => {
    expect(transactionQuery({ environment: 'production', limit: 50 })).toEqual({
      environment: 'production',
      account_id: undefined,
      customer_id: undefined,
      decision: undefined,
      from: undefined,
      to: undefined,
      limit: 50,
      cursor: undefined,
    });
    expect(
      transactionQuery(
        { environment: 'sandbox', accountId: 'acc-1', customerId: 'cus-1', decision: 'allow', from: 'F', to: 'T', limit: 25 },
        'txn_9',
      ),
    ).toEqual({
      environment: 'sandbox',
      account_id: 'acc-1',
      customer_id: 'cus-1',
      decision: 'allow',
      from: 'F',
      to: 'T',
      limit: 25,
      cursor: 'txn_9',
    });
  });
});

describe('filtersFromForm', () => {
  it('trims, drops empties and converts local times to UTC', () => {
    const from = utcToLocalInput('2026-11-23T09:00:00Z');
    const to = utcToLocalInput('2026-11-23T10:30:00Z');
    const result = filtersFromForm(
      { ...EMPTY_FORM, accountId: '  acc-77 ', customerId: '   ', decision: 'review', from, to, limit: 100 },
      'sandbox',
    );
    expect(result).toEqual({
      error: null,
      filters: {
        environment: 'sandbox',
        accountId: 'acc-77',
        decision: 'review',
        from: '2026-11-23T09:00:00Z',
        to: '2026-11-23T10:30:00Z',
        limit: 100,
      },
    });
  });

  it('refuses a "to" that is not after "from", and incomplete times', () => {
    const at = utcToLocalInput('2026-11-23T09:00:00Z');
    expect(filtersFromForm({ ...EMPTY_FORM, from: at, to: at }, 'production').error).toEqual({
      field: 'to',
      message: 'Must be after “From”.',
    });
    expect(filtersFromForm({ ...EMPTY_FORM, from: '2026-11-23' }, 'production').error?.field).toBe('from');
    expect(filtersFromForm({ ...EMPTY_FORM, to: 'soon' }, 'production').error?.field).toBe('to');
  });

  it('is the reverse of formFromFilters', () => {
    const filters = {
      environment: 'production' as const,
      customerId: 'cus-12',
      from: '2026-01-02T03:04:05Z',
      limit: 200,
    };
    expect(filtersFromForm(formFromFilters(filters), 'production')).toEqual({ filters, error: null });
  });
});

describe('hasNarrowingFilters', () => {
  it('does not count the environment or the page size', () => {
    expect(hasNarrowingFilters({ environment: 'sandbox', limit: 200 })).toBe(false);
    expect(hasNarrowingFilters({ environment: 'production', limit: 50, decision: 'block' })).toBe(true);
  });
});
