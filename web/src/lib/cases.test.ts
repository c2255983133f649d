// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import {
  caseListFromSearch,
  caseListToSearch,
  caseQuery,
  describeContentTypes,
  describeTimeline,
  evidenceContentType,
  evidenceHint,
  evidenceProblem,
  formatBytes,
} from './cases';

describe('case list in the address', () => {
  it('reads views and filters, drops unknown values, and writes them back', () => {
    expect(caseListFromSearch(new URLSearchParams('view=mine&status=escalated&priority=high&assignee=usr_1'))).toEqual({
      view: 'mine',
      status: 'escalated',
      priority: 'high',
      assignee: 'usr_1',
    });
    expect(caseListFromSearch(new URLSearchParams('view=x&status=done&priority=urgent'))).toEqual({ view: 'open', status: '', priority: '', assignee: '' });
    expect(caseListToSearch({ view: 'open', status: '', priority: '', assignee: '' })).toBe('');
    expect(caseListToSearch({ view: 'closed', status: '', priority: 'low', assignee: 'none' })).toBe('?view=closed&priority=low&assignee=none');
  });

  it('a view becomes the status and assignee of GET /cases; explicit filters win', () => {
    expect(caseQuery({ view: 'mine', status: '', priority: '', assignee: '' })).toMatchObject({ assignee: 'me', status: 'open,investigating,pending_info,escalated' });
    expect(caseQuery({ view: 'closed', status: '', priority: '', assignee: '' })).toMatchObject({ status: 'closed', assignee: undefined });
    expect(caseQuery({ view: 'all', status: '', priority: 'high', assignee: '' })).toMatchObject({ status: undefined, priority: 'high' });
    expect(caseQuery({ view: 'mine', status: 'escalated', priority: '', assignee: 'usr_2' })).toMatchObject({ status: 'escalated', assignee: 'usr_2' });
  });
});

describe('evidence', () => {
  it('formats sizes', () => {
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(900)).toBe('900 bytes');
    expect(formatBytes(2048)).toBe('2 KB');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10 MB');
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MB');
  });

  it('takes the type from the browser, else from the extension', () => {
    expect(evidenceContentType({ name: 'a.pdf', type: 'application/pdf' })).toBe('application/pdf');
    expect(evidenceContentType({ name: 'notes.TXT', type: '' })).toBe('text/plain');
    expect(evidenceContentType({ name: 'x.exe', type: '' })).toBe('application/octet-stream');
  });

  // The limits of a case view as the server states them (GET /cases/{id} evidence_limits).
  const server = { max_bytes: 10 * 1024 * 1024, content_types: ['application/pdf', 'image/png', 'text/plain', 'text/csv'] };

  it('refuses empty, too large and unaccepted files by the limits the server stated, before sending', () => {
    expect(evidenceProblem({ name: 'a.pdf', size: 0, type: 'application/pdf' }, server)).toMatch(/empty/);
    expect(evidenceProblem({ name: 'a.pdf', size: 11 * 1024 * 1024, type: 'application/pdf' }, server)).toMatch(/up to 10 MB/);
    expect(evidenceProblem({ name: 'a.zip', size: 10, type: 'application/zip' }, server)).toBe('a.zip is not an accepted type (PDF, PNG, plain text or CSV).');
    expect(evidenceProblem({ name: 'a.png', size: 10, type: 'image/png' }, server)).toBeNull();
    // Other limits, other answers: nothing is taken from a copy in the console.
    expect(evidenceProblem({ name: 'a.png', size: 10, type: 'image/png' }, { max_bytes: 5, content_types: ['image/png'] })).toMatch(/up to 5 bytes/);
    expect(evidenceProblem({ name: 'a.gif', size: 10, type: 'image/gif' }, server)).toMatch(/not an accepted type/);
    expect(evidenceProblem({ name: 'a.gif', size: 10, type: 'image/gif' }, { content_types: ['image/gif'] })).toBeNull();
  });

  it('leaves to the server a limit it did not state', () => {
    expect(evidenceProblem({ name: 'big.bin', size: 50 * 1024 * 1024, type: '' }, undefined)).toBeNull();
    expect(evidenceProblem({ name: 'big.bin', size: 50 * 1024 * 1024, type: '' }, { content_types: [] })).toBeNull();
    expect(evidenceProblem({ name: 'a.txt', size: 0, type: 'text/plain' }, undefined)).toMatch(/empty/);
  });

  it('states the limits in words, unknown types as they are', () => {
    expect(describeContentTypes([])).toBe('');
    expect(describeContentTypes(['text/csv'])).toBe('CSV');
    expect(describeContentTypes(['application/pdf', 'application/x-custom', 'application/json'])).toBe('PDF, application/x-custom or JSON');
    expect(evidenceHint(server)).toBe('PDF, PNG, plain text or CSV, up to 10 MB.');
    expect(evidenceHint({ max_bytes: 2048 })).toBe('Up to 2 KB.');
    expect(evidenceHint({ content_types: ['image/gif'] })).toBe('GIF.');
    expect(evidenceHint(undefined)).toBe('');
  });
});

describe('timeline', () => {
  const nameOf = (id: string | null) => (id === 'usr_1' ? 'Ann' : String(id));
  const at = '2026-11-24T10:00:00Z';
  it('says what happened', () => {
    expect(describeTimeline({ at, actor: null, action: 'assigned', details: { from: null, to: 'usr_1' } }, nameOf)).toBe('assigned it to Ann');
    expect(describeTimeline({ at, actor: null, action: 'assigned', details: { from: 'usr_1', to: null } }, nameOf)).toBe('unassigned it');
    expect(describeTimeline({ at, actor: null, action: 'status_changed', details: { from: 'open', to: 'pending_info' } }, nameOf)).toBe(
      'changed the status from Open to Pending info',
    );
    expect(describeTimeline({ at, actor: null, action: 'closed', details: { resolution: 'sar_filed', note: 'filed' } }, nameOf)).toBe('closed it: SAR filed — “filed”');
    expect(describeTimeline({ at, actor: null, action: 'something_new', details: null }, nameOf)).toBe('something new');
    expect(describeTimeline({ at, actor: null, action: 'alert_added', details: { alert_id: 'alt_1' } }, nameOf, () => 'Structuring')).toBe('linked the alert “Structuring”');
    expect(describeTimeline({ at, actor: null, action: 'alert_removed', details: { alert_id: 'alt_2' } }, nameOf)).toBe('removed the alert “alt_2”');
  });
});
