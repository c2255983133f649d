// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { bucketStarts, compactNumber, formatDuration, formatRate, headlineMoney, mainCurrency, presetPeriod, stackSeries } from './dashboard';

describe('periods and buckets', () => {
  it('a preset starts its length before the next whole hour and ends when the server says', () => {
    const now = Date.parse('2026-11-24T10:20:00Z');
    expect(presetPeriod('24h', now)).toEqual({ from: '2026-11-23T11:00:00Z' });
    expect(presetPeriod('nonsense', now).from).toBe('2026-10-25T11:00:00Z');
  });

  it('lists every bucket start in [from, to)', () => {
    expect(bucketStarts('2026-11-24T08:00:00Z', '2026-11-24T11:00:00Z', 'hour')).toEqual([
      '2026-11-24T08:00:00Z',
      '2026-11-24T09:00:00Z',
      '2026-11-24T10:00:00Z',
    ]);
    expect(bucketStarts('2026-11-22T05:00:00Z', '2026-11-24T05:00:00Z', 'day')).toEqual(['2026-11-22T00:00:00Z', '2026-11-23T00:00:00Z', '2026-11-24T00:00:00Z']);
  });

  it('keeps every hour when the server sent some of them', () => {
    expect(bucketStarts('2026-11-24T08:00:00Z', '2026-11-24T12:00:00Z', 'hour', ['2026-11-24T09:00:00Z', '2026-11-24T11:00:00Z'])).toEqual([
      '2026-11-24T08:00:00Z',
      '2026-11-24T09:00:00Z',
      '2026-11-24T10:00:00Z',
      '2026-11-24T11:00:00Z',
    ]);
  });

  it('anchors day buckets on the days the server sent (a time zone), across a daylight-saving change', () => {
    // New York: midnight is 04:00Z before 1 November 2026 and 05:00Z after.
    const known = ['2026-10-31T04:00:00Z', '2026-11-02T05:00:00Z'];
    expect(bucketStarts('2026-10-30T04:00:00Z', '2026-11-03T05:00:00Z', 'day', known)).toEqual([
      '2026-10-30T04:00:00Z',
      '2026-10-31T04:00:00Z',
      '2026-11-01T04:00:00Z',
      '2026-11-02T05:00:00Z',
    ]);
  });
});

describe('stacking', () => {
  const starts = ['2026-11-24T08:00:00Z', '2026-11-24T09:00:00Z'];
  it('sums points per bucket and key, zeros for missing buckets, keys in the given order first', () => {
    const points = [
      { start: '2026-11-24T09:00:00Z', decision: 'block', n: 2 },
      { start: '2026-11-24T08:00:00Z', decision: 'allow', n: 5 },
      { start: '2026-11-24T08:00:00.000Z', decision: 'allow', n: 1 },
      { start: '2026-11-24T07:00:00Z', decision: 'allow', n: 99 },
      { start: '2026-11-24T09:00:00Z', decision: 'other', n: 1 },
    ];
    expect(stackSeries(points, starts, (p) => p.decision, (p) => p.n, ['allow', 'review', 'block'])).toEqual([
      { key: 'allow', values: [6, 0] },
      { key: 'review', values: [0, 0] },
      { key: 'block', values: [0, 2] },
      { key: 'other', values: [0, 1] },
    ]);
  });

  it('picks the currency with the most transactions', () => {
    const p = (currency: string, count: number) => ({ start: starts[0], decision: 'allow', currency, count, amount: '1.00' });
    expect(mainCurrency([p('EUR', 3), p('USD', 2), p('USD', 2)])).toBe('USD');
    expect(mainCurrency([])).toBeNull();
  });
});

describe('figures in words', () => {
  it('durations', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(18 * 60)).toBe('18 min');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3 h 5 min');
    expect(formatDuration(2 * 86400 + 4 * 3600)).toBe('2 d 4 h');
  });

  it('rates', () => {
    expect(formatRate(null)).toBe('—');
    expect(formatRate(0)).toBe('0 %');
    expect(formatRate(0.125)).toBe('13 %');
    expect(formatRate(0.025)).toBe('2.5 %');
    expect(formatRate(1)).toBe('100 %');
  });
});

describe('big numbers', () => {
  it('compacts axis ticks', () => {
    expect(compactNumber(40)).toBe('40');
    expect(compactNumber(1200)).toBe('1.2k');
    expect(compactNumber(160000)).toBe('160k');
    expect(compactNumber(3_500_000)).toBe('3.5M');
    expect(compactNumber(9.2e9)).toBe('9.2B');
    expect(compactNumber(9.007e13)).toBe('90.1T');
  });

  it('keeps headline amounts exact up to a billion', () => {
    const exact = (a: string, c: string) => `${a} ${c}`;
    expect(headlineMoney('1413342.77', 'USD', exact)).toBe('1413342.77 USD');
    expect(headlineMoney('90071992547409.93', 'USD', exact)).toBe('90.1T USD');
  });
});
