// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { alertFiltersFromSearch, alertFiltersToSearch } from './alertFilters';

describe('alert filters in the address', () => {
  it('reads the filters and drops unknown values', () => {
    expect(alertFiltersFromSearch(new URLSearchParams('environment=sandbox&status=in_review&severity=high&rule_id=rul_1'))).toEqual({
      environment: 'sandbox',
      status: 'in_review',
      severity: 'high',
      ruleId: 'rul_1',
      limit: 50,
    });
    expect(alertFiltersFromSearch(new URLSearchParams('environment=staging&status=new&severity=extreme'))).toEqual({
      environment: 'production',
      status: '',
      severity: '',
      ruleId: '',
      limit: 50,
    });
  });

  it('writes only what differs from the defaults, and reads back the same', () => {
    expect(alertFiltersToSearch({ environment: 'production', status: '', severity: '', ruleId: '' })).toBe('');
    const search = alertFiltersToSearch({ environment: 'sandbox', status: 'open', severity: 'critical', ruleId: 'rul_9' });
    expect(search).toBe('?environment=sandbox&status=open&severity=critical&rule_id=rul_9');
    expect(alertFiltersToSearch(alertFiltersFromSearch(new URLSearchParams(search.slice(1))))).toBe(search);
  });
});
