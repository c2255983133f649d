// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import {
  alertFiltersFromSearch,
  alertFiltersToSearch,
  alertQuery,
  bulkProblem,
  closeFormErrors,
  moveCursor,
  shortcutAction,
  toggleSelection,
} from './alertFilters';

describe('alert queue in the address', () => {
  it('reads the view and the filters and drops unknown values', () => {
    expect(
      alertFiltersFromSearch(
        new URLSearchParams('environment=sandbox&view=mine&status=in_review&severity=high&rule_id=rul_1&assignee=usr_2&entity=acc-9&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z'),
      ),
    ).toEqual({
      environment: 'sandbox',
      view: 'mine',
      status: 'in_review',
      severity: 'high',
      ruleId: 'rul_1',
      assignee: 'usr_2',
      entity: 'acc-9',
      from: '2026-11-01T00:00:00Z',
      to: '2026-11-02T00:00:00Z',
      limit: 50,
    });
    const bad = alertFiltersFromSearch(new URLSearchParams('environment=staging&view=everything&status=new&severity=extreme'));
    expect(bad).toMatchObject({ environment: 'production', view: 'open', status: '', severity: '' });
  });

  it('writes only what differs from the defaults, and reads back the same', () => {
    expect(alertFiltersToSearch(alertFiltersFromSearch(new URLSearchParams('')))).toBe('');
    const search = '?environment=sandbox&view=overdue&status=open&severity=critical&rule_id=rul_9&assignee=none&entity=acc-1';
    expect(alertFiltersToSearch(alertFiltersFromSearch(new URLSearchParams(search.slice(1))))).toBe(search);
  });
});

describe('the API query of a view', () => {
  const base = alertFiltersFromSearch(new URLSearchParams(''));

  it('"My queue" and "Unassigned" are the open statuses of me / nobody', () => {
    expect(alertQuery({ ...base, view: 'mine' })).toMatchObject({ assignee_id: 'me', status: 'open,in_review,escalated', overdue: undefined });
    expect(alertQuery({ ...base, view: 'unassigned' })).toMatchObject({ assignee_id: 'none', status: 'open,in_review,escalated' });
  });

  it('"Overdue" asks the server for overdue alerts of any status; "All" narrows nothing', () => {
    expect(alertQuery({ ...base, view: 'overdue' })).toMatchObject({ overdue: 'true', status: undefined, assignee_id: undefined });
    expect(alertQuery({ ...base, view: 'all' })).toMatchObject({ overdue: undefined, status: undefined, assignee_id: undefined });
  });

  it('explicit filters win over the view, and a bare entity is an account', () => {
    const q = alertQuery({ ...base, view: 'mine', status: 'closed', assignee: 'usr_7', entity: ' acc-1 ', severity: 'high', ruleId: 'rul_1' });
    expect(q).toMatchObject({ status: 'closed', assignee_id: 'usr_7', entity_key: 'account:acc-1', severity: 'high', rule_id: 'rul_1' });
    expect(alertQuery({ ...base, entity: 'account:acc-2' }).entity_key).toBe('account:acc-2');
  });
});

describe('selection', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];

  it('a click toggles one row', () => {
    expect([...toggleSelection(ids, new Set(), 'c', null, false)]).toEqual(['c']);
    expect([...toggleSelection(ids, new Set(['c']), 'c', 'c', false)]).toEqual([]);
  });

  it('a shift-click selects the range from the anchor, in either direction', () => {
    expect([...toggleSelection(ids, new Set(['b']), 'd', 'b', true)].sort()).toEqual(['b', 'c', 'd']);
    expect([...toggleSelection(ids, new Set(['e']), 'b', 'e', true)].sort()).toEqual(['b', 'c', 'd', 'e']);
  });

  it('a shift-click on a selected row unselects the range; without an anchor it is a click', () => {
    expect([...toggleSelection(ids, new Set(['a', 'b', 'c', 'd']), 'c', 'a', true)].sort()).toEqual(['d']);
    expect([...toggleSelection(ids, new Set(), 'd', null, true)]).toEqual(['d']);
  });
});

describe('keyboard', () => {
  it('maps the shortcuts, and ignores keys in fields or with modifiers', () => {
    expect(shortcutAction({ key: 'j' })).toBe('down');
    expect(shortcutAction({ key: 'k' })).toBe('up');
    expect(shortcutAction({ key: 'x' })).toBe('select');
    expect(shortcutAction({ key: 'Enter' })).toBe('open');
    expect(shortcutAction({ key: 'a' })).toBe('assign');
    expect(shortcutAction({ key: 'c' })).toBe('close');
    expect(shortcutAction({ key: '?' })).toBe('help');
    expect(shortcutAction({ key: 'j', targetIsField: true })).toBeNull();
    expect(shortcutAction({ key: 'c', ctrlKey: true })).toBeNull();
    expect(shortcutAction({ key: 'q' })).toBeNull();
  });

  it('moves the cursor within the rows', () => {
    expect(moveCursor(-1, 1, 3)).toBe(0);
    expect(moveCursor(-1, -1, 3)).toBe(2);
    expect(moveCursor(2, 1, 3)).toBe(2);
    expect(moveCursor(0, -1, 3)).toBe(0);
    expect(moveCursor(0, 1, 0)).toBe(-1);
  });
});

describe('bulk and close checks', () => {
  it('allows 1..500 alerts', () => {
    expect(bulkProblem(0)).toMatch(/Select alerts/);
    expect(bulkProblem(1)).toBeNull();
    expect(bulkProblem(500)).toBeNull();
    expect(bulkProblem(501)).toMatch(/at most 500/);
  });

  it('needs a disposition and a non-blank note of at most 4000 characters', () => {
    expect(closeFormErrors('', '')).toEqual({ disposition: 'Choose a disposition.', note: 'Say why: the note is required.' });
    expect(closeFormErrors('false_positive', '   ')).toHaveProperty('note');
    expect(closeFormErrors('true_positive', 'x'.repeat(4001)).note).toMatch(/4000/);
    expect(closeFormErrors('duplicate', 'same as alt_1')).toEqual({});
    expect(closeFormErrors('fraud', 'x')).toHaveProperty('disposition');
  });
});
