// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { channelBody, splitRecipients } from './notifications';

describe('channel form', () => {
  it('splits recipients on commas, semicolons, spaces and lines', () => {
    expect(splitRecipients(' a@x.test, b@x.test;c@x.test\nd@x.test  ')).toEqual(['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test']);
    expect(splitRecipients('  ')).toEqual([]);
  });

  it('sends the URL of a webhook and the recipients of an email channel, never both', () => {
    const form = { name: ' Ops ', url: ' https://h.test/x ', recipients: 'a@x.test', events: ['alert.raised'], minSeverity: 'high' as const };
    expect(channelBody({ ...form, type: 'webhook' })).toEqual({ type: 'webhook', name: 'Ops', url: 'https://h.test/x', events: ['alert.raised'], min_severity: 'high' });
    expect(channelBody({ ...form, type: 'email' })).toEqual({ type: 'email', name: 'Ops', recipients: ['a@x.test'], events: ['alert.raised'], min_severity: 'high' });
  });
});
