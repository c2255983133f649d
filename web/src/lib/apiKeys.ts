// SPDX-License-Identifier: Apache-2.0
// Pure helpers of the API-key and allowed-IP pages: address lists typed as text, the server's
// per-item field errors (`allowed_ips[2]`, `console[0].cidr`), and the rotation grace periods.
import type { FieldError } from '../api/client';

/** Choices for the grace period of a rotation (the server accepts 0..2,592,000 s = 30 days). */
export const GRACE_OPTIONS: readonly { seconds: number; label: string }[] = [
  { seconds: 0, label: 'None: the old key stops at once' },
  { seconds: 3_600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
  { seconds: 7 * 86_400, label: '7 days' },
  { seconds: 30 * 86_400, label: '30 days (the longest)' },
];

export const DEFAULT_GRACE_SECONDS = 86_400;

/**
 * Splits what was typed into an address-list box into entries: one per line or separated by
 * commas or spaces, trimmed, empties dropped, duplicates kept (the server reports each by index,
 * so indexes must match what is sent).
 */
export function parseAddressList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * The server's messages about the items of a list field, by index: `allowed_ips[1]` or
 * `console[0].cidr` -> {1: "..."}; `subField` picks e.g. "cidr" or "label" of object items
 * (absent: messages about the item itself). The list's own message (`allowed_ips`) is not included.
 */
export function itemErrors(errors: readonly FieldError[], field: string, subField?: string): Record<number, string> {
  const out: Record<number, string> = {};
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${escaped}\\[(\\d+)\\]${subField ? `\\.${subField}` : ''}$`);
  for (const error of errors) {
    const match = pattern.exec(error.field);
    if (!match) continue;
    const index = Number(match[1]);
    if (out[index] === undefined) out[index] = error.message;
  }
  return out;
}

/**
 * One line for a list box's error: the messages of its items named by what was typed
 * ("10.0.0.300: not a valid CIDR range"), then the list's own message.
 */
export function describeListErrors(
  errors: readonly FieldError[],
  field: string,
  items: readonly string[],
): string | undefined {
  const messages: string[] = [];
  for (const error of errors) {
    if (error.field === field) messages.push(error.message);
  }
  const byItem = itemErrors(errors, field);
  for (const [index, message] of Object.entries(byItem)) {
    const item = items[Number(index)];
    messages.push(item !== undefined ? `${item}: ${message}` : message);
  }
  return messages.length > 0 ? messages.join(' · ') : undefined;
}

/** "1 hour", "24 hours", "7 days", "90 minutes", "0 seconds": for grace periods. */
export function formatDuration(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds % 86_400 === 0 && seconds >= 2 * 86_400) return plural(seconds / 86_400, 'day');
  if (seconds % 3_600 === 0 && seconds > 0) return plural(seconds / 3_600, 'hour');
  if (seconds % 60 === 0 && seconds > 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}
