// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { allowedDomainsError, allowedDomainsText, channelBody, formatAllowedDomains, parseAllowedDomains, splitRecipients } from './notifications';

describe('channel form', () => {
  it('splits recipients on commas, semicolons, spaces and lines', () => {
    expect(splitRecipients(' a@x.test, b@x.test;c@x.test\nd@x.test  ')).toEqual(['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test']);
    expect(splitRecipients('  ')).toEqual([]);
  });

  it('sends the URL of a webhook and the recipients of an email channel, never both', () => {
    const form = { name: ' Ops ', url: ' https://h.test/x ', recipients: 'a@x.test', events: ['alert.raised'], minSeverity: 'high' as const, allowedDomains: '' };
    expect(channelBody({ ...form, type: 'webhook' })).toEqual({ type: 'webhook', name: 'Ops', url: 'https://h.test/x', events: ['alert.raised'], min_severity: 'high' });
    expect(channelBody({ ...form, type: 'email' })).toEqual({ type: 'email', name: 'Ops', recipients: ['a@x.test'], events: ['alert.raised'], min_severity: 'high' });
  });
});

describe('allowed domains', () => {
  it('splits the field on commas, spaces and lines, keeping what was typed in order', () => {
    expect(parseAllowedDomains(' example.com, hooks.Partner.net\n*.x.test  10.0.0.8,,')).toEqual(['example.com', 'hooks.Partner.net', '*.x.test', '10.0.0.8']);
    expect(parseAllowedDomains(' , \n ')).toEqual([]);
  });

  it('sends allowed_domains for a webhook only when some are given, never for email', () => {
    const form = { name: 'Ops', url: 'https://hooks.example.com/x', recipients: 'a@x.test', events: ['alert.raised'], minSeverity: 'low' as const };
    expect(channelBody({ ...form, type: 'webhook', allowedDomains: 'example.com partner.net' })).toEqual({
      type: 'webhook',
      name: 'Ops',
      url: 'https://hooks.example.com/x',
      events: ['alert.raised'],
      min_severity: 'low',
      allowed_domains: ['example.com', 'partner.net'],
    });
    expect(channelBody({ ...form, type: 'webhook', allowedDomains: '  ' })).not.toHaveProperty('allowed_domains');
    expect(channelBody({ ...form, type: 'email', allowedDomains: 'example.com' })).not.toHaveProperty('allowed_domains');
  });

  it('shows "any" for no restriction and round-trips the list through the edit field', () => {
    expect(formatAllowedDomains([])).toBe('any');
    expect(formatAllowedDomains(undefined)).toBe('any');
    expect(formatAllowedDomains(['example.com', 'partner.net'])).toBe('example.com, partner.net');
    expect(allowedDomainsText(['example.com', 'partner.net'])).toBe('example.com, partner.net');
    expect(parseAllowedDomains(allowedDomainsText(['example.com', 'partner.net']))).toEqual(['example.com', 'partner.net']);
    expect(allowedDomainsText(null)).toBe('');
  });

  it('puts the server errors on the field, naming the entry of allowed_domains[i]', () => {
    const sent = ['example.com', '10.0.0.8'];
    expect(
      allowedDomainsError(
        [
          { field: 'url', message: 'not this one' },
          { field: 'allowed_domains[1]', message: 'must be a DNS name, not an IP address' },
          { field: 'allowed_domains', message: 'at most 10' },
        ],
        sent,
      ),
    ).toBe('“10.0.0.8”: must be a DNS name, not an IP address; at most 10');
    expect(allowedDomainsError([{ field: 'allowed_domains[7]', message: 'bad' }], sent)).toBe('entry 8: bad');
    expect(allowedDomainsError([{ field: 'allowed_domains_x', message: 'no' }, { field: 'url', message: 'no' }], sent)).toBeUndefined();
  });
});
