// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { formatDateTime, formatRelative, formatRelativeWithDate, formatUntil, localInputToUtc, utcToLocalInput } from './time';

describe('localInputToUtc', () => {
  it('converts local wall-clock time to RFC 3339 UTC without fractions', () => {
    const value = '2026-11-23T10:04';
    const expected = new Date(2026, 10, 23, 10, 4, 0).toISOString().replace('.000Z', 'Z');
    expect(localInputToUtc(value)).toBe(expected);
    // Any zone, including quarter-hour offsets such as Pacific/Chatham (+13:45).
    expect(localInputToUtc('2026-11-23T10:04:05')).toBe(new Date(2026, 10, 23, 10, 4, 5).toISOString().replace('.000Z', 'Z'));
  });

  it('refuses empty or partial input', () => {
    expect(localInputToUtc('')).toBeUndefined();
    expect(localInputToUtc('2026-11-23')).toBeUndefined();
  });
});

describe('formatRelative', () => {
  it('says how long ago', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(formatRelative('2026-11-23T09:59:50Z', now)).toBe('just now');
    expect(formatRelative('2026-11-23T09:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2026-11-23T07:00:00Z', now)).toBe('3 h ago');
    expect(formatRelative('2026-11-21T10:00:00Z', now)).toBe('2 days ago');
    expect(formatRelative(null, now)).toBe('—');
  });

  it('adds the full time once, not twice when the relative time is a date already', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(formatRelativeWithDate('2026-11-23T07:00:00Z', now)).toBe(`3 h ago (${formatDateTime('2026-11-23T07:00:00Z')})`);
    // Ahead of this browser's clock (a server whose clock runs ahead): the date alone.
    expect(formatRelativeWithDate('2026-11-23T11:00:00Z', now)).toBe(formatDateTime('2026-11-23T11:00:00Z'));
    expect(formatRelativeWithDate('2026-09-01T10:00:00Z', now)).toBe(formatDateTime('2026-09-01T10:00:00Z'));
  });
});

describe('utcToLocalInput', () => {
  it('is the reverse of localInputToUtc', () => {
    const utc = '2026-11-23T09:04:05Z';
    expect(localInputToUtc(utcToLocalInput(utc))).toBe(utc);
    expect(utcToLocalInput('2026-11-23T10:04:05+01:00')).toBe(utcToLocalInput(utc));
  });

  it('gives an empty value for missing or invalid times', () => {
    expect(utcToLocalInput(undefined)).toBe('');
    expect(utcToLocalInput('not a time')).toBe('');
  });
});

describe('formatUntil', () => {
  it('says how long until a time ahead', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(formatUntil('2026-11-23T10:00:30Z', now)).toBe('in less than a minute');
    expect(formatUntil('2026-11-23T10:59:00Z', now)).toBe('in 59 min');
    expect(formatUntil('2026-11-24T09:00:00Z', now)).toBe('in 23 h');
    expect(formatUntil('2026-11-30T10:00:00Z', now)).toBe('in 7 days');
    expect(formatUntil('2026-11-23T09:00:00Z', now)).toBe('expired');
    expect(formatUntil(null, now)).toBe('—');
  });
});
