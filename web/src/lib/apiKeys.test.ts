// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { describeListErrors, formatDuration, GRACE_OPTIONS, itemErrors, parseAddressList } from './apiKeys';

describe('parseAddressList', () => {
  it('splits on lines, commas and spaces and drops empties', () => {
    expect(parseAddressList('203.0.113.0/24\n 198.51.100.7 ,2001:db8::/32\n\n')).toEqual([
      '203.0.113.0/24',
      '198.51.100.7',
      '2001:db8::/32',
    ]);
    expect(parseAddressList('   ')).toEqual([]);
  });
});

describe('itemErrors', () => {
  const errors = [
    { field: 'console', message: 'does not include your own address (127.0.0.1)' },
    { field: 'console[1].cidr', message: 'must be a CIDR range' },
    { field: 'console[1].cidr', message: 'second message' },
    { field: 'console[2].label', message: 'at most 100 characters' },
    { field: 'ingestion[0].cidr', message: 'bad' },
    { field: 'allowed_ips[3]', message: 'not a range' },
  ];

  it('indexes the messages of one list and sub-field', () => {
    expect(itemErrors(errors, 'console', 'cidr')).toEqual({ 1: 'must be a CIDR range' });
    expect(itemErrors(errors, 'console', 'label')).toEqual({ 2: 'at most 100 characters' });
    expect(itemErrors(errors, 'ingestion', 'cidr')).toEqual({ 0: 'bad' });
    expect(itemErrors(errors, 'allowed_ips')).toEqual({ 3: 'not a range' });
    expect(itemErrors(errors, 'allowed_ips', 'cidr')).toEqual({});
  });

  it('describes a text box by the values typed', () => {
    expect(describeListErrors(errors, 'allowed_ips', ['a', 'b', 'c', '10.0.0.300'])).toBe('10.0.0.300: not a range');
    expect(describeListErrors([{ field: 'allowed_ips', message: 'too many' }], 'allowed_ips', [])).toBe('too many');
    expect(describeListErrors([], 'allowed_ips', [])).toBeUndefined();
  });
});

describe('grace periods', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0 seconds');
    expect(formatDuration(3_600)).toBe('1 hour');
    expect(formatDuration(86_400)).toBe('24 hours');
    expect(formatDuration(7 * 86_400)).toBe('7 days');
    expect(formatDuration(5_400)).toBe('90 minutes');
    expect(formatDuration(61)).toBe('61 seconds');
  });

  it('stay within what the server accepts', () => {
    for (const option of GRACE_OPTIONS) expect(option.seconds).toBeGreaterThanOrEqual(0);
    expect(Math.max(...GRACE_OPTIONS.map((o) => o.seconds))).toBe(2_592_000);
  });
});
