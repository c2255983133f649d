// SPDX-License-Identifier: Apache-2.0
// Date helpers. The API speaks RFC 3339 UTC; the console shows the browser's local time.

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

const dateOnly = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: '2-digit' });

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function parse(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "23 Nov 2026, 10:04:05" in local time, or "—" when absent. */
export function formatDateTime(value: string | null | undefined): string {
  const date = parse(value);
  return date ? dateTime.format(date) : '—';
}

export function formatDate(value: string | null | undefined): string {
  const date = parse(value);
  return date ? dateOnly.format(date) : '—';
}

/** "10:04:05" in local time, or "—" when absent. */
export function formatTime(value: string | null | undefined): string {
  const date = parse(value);
  return date ? timeOnly.format(date) : '—';
}

/** "just now", "5 min ago", "3 h ago", "2 days ago"; falls back to the date after a month. */
export function formatRelative(value: string | null | undefined, now: number = Date.now()): string {
  const date = parse(value);
  if (!date) return '—';
  const seconds = Math.round((now - date.getTime()) / 1000);
  if (seconds < 45) return seconds < -45 ? formatDateTime(value) : 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 31) return days === 1 ? 'yesterday' : `${days} days ago`;
  return formatDate(value);
}

/**
 * "3 h ago (24 Nov 2026, 10:04:00)": the relative time with the full one; only the full one when
 * the relative time is a date already (a time in the future, or older than a month).
 */
export function formatRelativeWithDate(value: string | null | undefined, now: number = Date.now()): string {
  const relative = formatRelative(value, now);
  const full = formatDateTime(value);
  return relative === full || relative === '—' || relative === formatDate(value) ? full : `${relative} (${full})`;
}

/**
 * Converts the value of an `<input type="datetime-local">` ("2026-11-23T10:04" or with seconds),
 * which is local wall-clock time, to RFC 3339 UTC without fractional seconds
 * ("2026-11-23T09:04:00Z"). Empty or invalid input gives undefined.
 */
export function localInputToUtc(value: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? '0'));
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The reverse of localInputToUtc: an RFC 3339 time as the value of an
 * `<input type="datetime-local" step="1">` in local wall-clock time ("2026-11-23T10:04:05").
 * Empty or invalid input gives "".
 */
export function utcToLocalInput(value: string | null | undefined): string {
  const date = parse(value);
  if (!date) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** The browser's time zone name, for labels ("Europe/Berlin"). */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  } catch {
    return 'local time';
  }
}

/** "in 5 min", "in 3 h", "in 2 days" for a time ahead; "expired" once it has passed. */
export function formatUntil(value: string | null | undefined, now: number = Date.now()): string {
  const date = parse(value);
  if (!date) return '—';
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (seconds <= 0) return 'expired';
  if (seconds < 60) return 'in less than a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `in ${hours} h`;
  return `in ${Math.round(hours / 24)} days`;
}

/** "24 Nov 09:05" in local time, for dense tables (the full time goes in a title). */
export function formatShortDateTime(value: string | null | undefined): string {
  const date = parse(value);
  if (!date) return '—';
  return date.toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).replace(',', '');
}
