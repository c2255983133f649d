// SPDX-License-Identifier: Apache-2.0
// Pure helpers of the dashboard and the reports page: the period presets, the `GET /dashboard`
// series laid out on every bucket of the period (missing buckets are zeros) and stacked by a key
// (decision, severity), durations and rates in words, and the main currency of a period.
import type { Dashboard, DashboardSeriesPoint } from '../api/types';

export const PERIOD_PRESETS: readonly { key: string; label: string; hours: number }[] = [
  { key: '24h', label: '24 hours', hours: 24 },
  { key: '7d', label: '7 days', hours: 7 * 24 },
  { key: '30d', label: '30 days', hours: 30 * 24 },
  { key: '90d', label: '90 days', hours: 90 * 24 },
];

/** RFC 3339 UTC without fractions. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The period of a preset: `from` only (the start of the hour `hours` before the next whole hour);
 * the end is left to the server, whose clock says what "now" is.
 */
export function presetPeriod(key: string, now: number = Date.now()): { from: string; to?: string } {
  const preset = PERIOD_PRESETS.find((p) => p.key === key) ?? PERIOD_PRESETS[2];
  const hour = 3_600_000;
  const to = Math.ceil(now / hour) * hour;
  return { from: rfc3339(to - preset.hours * hour) };
}

/**
 * The start of every bucket that overlaps [from, to): hours, or days. Day buckets are the days of
 * the organization's time zone (their starts need not be UTC midnights, and daylight saving moves
 * them by an hour), so the grid is anchored on the starts the server sent (`known`), and each next
 * start within two hours of a known one is that one (the grid follows it). Without any, UTC days.
 */
export function bucketStarts(from: string, to: string, bucket: 'hour' | 'day', known: readonly string[] = []): string[] {
  const step = bucket === 'hour' ? 3_600_000 : 86_400_000;
  const start = Date.parse(from);
  const end = Date.parse(to);
  if (Number.isNaN(start) || Number.isNaN(end)) return [];
  const knownTimes = [...new Set(known.map((k) => Date.parse(k)).filter((t) => !Number.isNaN(t)))].sort((a, b) => a - b);
  let t = knownTimes.length > 0 ? knownTimes[0] : Math.floor(start / step) * step;
  while (t > start) t -= step;
  if (t + step <= start) t += step;
  // Hours are whole UTC hours; a day's start moves by at most an hour (daylight saving).
  const tolerance = bucket === 'day' ? 2 * 3_600_000 : 0;
  const times: number[] = [];
  while (times.length < 2000) {
    const candidate = t;
    t = knownTimes.find((k) => Math.abs(k - candidate) <= tolerance) ?? candidate;
    if (t >= end) break;
    times.push(t);
    t += step;
  }
  return times.map(rfc3339);
}

export interface Stack {
  key: string;
  values: number[];
}

/**
 * Points (`{start, <key>, ...}`) summed per bucket and key, in the order of `keys` (keys not in it
 * are added after them); every bucket present, zero when the server sent nothing for it.
 */
export function stackSeries<P extends { start: string }>(
  points: readonly P[],
  starts: readonly string[],
  keyOf: (point: P) => string,
  valueOf: (point: P) => number,
  keys: readonly string[] = [],
): Stack[] {
  const index = new Map(starts.map((s, i) => [Date.parse(s), i]));
  const stacks = new Map<string, number[]>(keys.map((k) => [k, new Array(starts.length).fill(0)]));
  for (const point of points) {
    const at = index.get(Date.parse(point.start));
    if (at === undefined) continue;
    const key = keyOf(point);
    if (!stacks.has(key)) stacks.set(key, new Array(starts.length).fill(0));
    stacks.get(key)![at] += valueOf(point);
  }
  return [...stacks.entries()].map(([key, values]) => ({ key, values }));
}

/** The currency with the most transactions in the series (value charts show one currency). */
export function mainCurrency(points: readonly DashboardSeriesPoint[]): string | null {
  const counts = new Map<string, number>();
  for (const p of points) if (p.currency) counts.set(p.currency, (counts.get(p.currency) ?? 0) + p.count);
  let best: string | null = null;
  for (const [currency, count] of counts) if (best === null || count > (counts.get(best) ?? 0)) best = currency;
  return best;
}

/** "42 s", "18 min", "3 h 5 min", "2 d 4 h"; "—" for null. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(s / 3600);
  if (hours < 48) {
    const rest = Math.round((s - hours * 3600) / 60);
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const days = Math.floor(s / 86400);
  const restHours = Math.round((s - days * 86400) / 3600);
  return restHours ? `${days} d ${restHours} h` : `${days} d`;
}

/** 0.125 -> "12.5 %"; 1 -> "100 %". */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  const percent = rate * 100;
  return `${percent >= 10 || percent === 0 ? Math.round(percent) : percent.toFixed(1).replace(/\.0$/, '')} %`;
}

/** 1234567 -> "1,234,567". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return Math.round(n).toLocaleString('en-US');
}

/** A decimal amount string as a number for charts only (display keeps the string). */
export function amountNumber(amount: string | number): number {
  const n = typeof amount === 'number' ? amount : Number(amount);
  return Number.isFinite(n) ? n : 0;
}

/** The transaction count of one decision in a dashboard. */
export function decisionCount(dashboard: Dashboard, decision: string): number {
  return dashboard.transactions.by_decision.find((d) => d.decision === decision)?.count ?? 0;
}

/**
 * A headline amount: exact up to a billion ("1,413,342.77 USD"), compact beyond ("90.1T USD"),
 * where the exact figure would not fit (the caller puts it in a title).
 */
export function headlineMoney(amount: string, currency: string, exact: (amount: string, currency: string) => string): string {
  const whole = amount.replace(/^-/, '').split('.')[0];
  if (whole.length <= 9) return exact(amount, currency);
  return `${compactNumber(Number(amount))} ${currency}`;
}

/** 1200 -> "1.2k", 3500000 -> "3.5M", 9.2e9 -> "9.2B", 9e13 -> "90T". */
export function compactNumber(n: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  const abs = Math.abs(n);
  for (const [size, unit] of units) {
    if (abs >= size) {
      const value = n / size;
      return `${Math.abs(value) >= 100 ? Math.round(value) : Number(value.toFixed(1))}${unit}`;
    }
  }
  return String(Math.round(n * 100) / 100);
}
