// SPDX-License-Identifier: Apache-2.0
// Notification events with their labels (docs/webhooks.md), the channel form -> the body of
// `POST /orgs/notification-channels`, and a webhook's `allowed_domains` (parsed from the form's
// text, shown in the list, its server errors put back on the field).
import type { RuleSeverity } from '../api/types';

export const CHANNEL_EVENTS: readonly { value: string; label: string; hint: string }[] = [
  { value: 'alert.raised', label: 'Alert raised', hint: 'an active rule raised an alert at or above the minimum severity' },
  { value: 'alert.assigned', label: 'Alert assigned', hint: 'an alert was assigned to someone' },
  { value: 'case.assigned', label: 'Case assigned', hint: 'a case was assigned to someone' },
  { value: 'case.escalated', label: 'Case escalated', hint: 'a case moved to escalated' },
  { value: 'alert.sla_overdue', label: 'SLA overdue', hint: 'an alert passed its due time unclosed' },
];

/** The events a user may ask to be mailed about (their own work). */
export const PERSONAL_EVENTS: readonly { value: string; label: string; hint: string }[] = [
  { value: 'alert.assigned', label: 'An alert is assigned to me', hint: 'not when you take it yourself' },
  { value: 'case.assigned', label: 'A case is assigned to me', hint: 'not when you take it yourself' },
  { value: 'alert.sla_overdue', label: 'One of my alerts is overdue', hint: 'past its SLA due time' },
  { value: 'case.escalated', label: 'A case is escalated', hint: 'any case of the organization' },
];

export interface ChannelForm {
  type: 'webhook' | 'email';
  name: string;
  url: string;
  /** Addresses separated by commas, semicolons, spaces or new lines. */
  recipients: string;
  events: string[];
  minSeverity: RuleSeverity;
  /** Webhooks only: DNS names separated by commas or spaces; empty = no restriction. */
  allowedDomains: string;
}

export function splitRecipients(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((r) => r.trim())
    .filter(Boolean);
}

export function channelBody(form: ChannelForm): Record<string, unknown> {
  const common = { type: form.type, name: form.name.trim(), events: form.events, min_severity: form.minSeverity };
  if (form.type === 'email') return { ...common, recipients: splitRecipients(form.recipients) };
  // An empty field sends nothing (absent = no restriction), keeping the body as before.
  const domains = parseAllowedDomains(form.allowedDomains);
  return domains.length ? { ...common, url: form.url.trim(), allowed_domains: domains } : { ...common, url: form.url.trim() };
}

/** At most this many entries in a webhook's `allowed_domains` (docs/webhooks.md). */
export const MAX_ALLOWED_DOMAINS = 10;

/**
 * The "Allowed domains" field -> `allowed_domains`: names separated by commas, spaces or new lines,
 * in the order typed. Nothing else is changed (the server lower-cases, refuses IP addresses,
 * wildcards and repeats, and names the entry it refused as `allowed_domains[i]`, i being the index
 * in this list), so the server's index always points at what the user typed.
 */
export function parseAllowedDomains(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((d) => d.trim())
    .filter(Boolean);
}

/** A channel's `allowed_domains` for display: "any" when the list is empty or absent. */
export function formatAllowedDomains(domains: readonly string[] | null | undefined): string {
  return domains && domains.length ? domains.join(', ') : 'any';
}

/** A channel's `allowed_domains` back into the text of the field (for editing). */
export function allowedDomainsText(domains: readonly string[] | null | undefined): string {
  return (domains ?? []).join(', ');
}

/**
 * The server's errors on `allowed_domains` and `allowed_domains[i]` as one line for the field.
 * The server's per-entry messages do not repeat the entry, so each is prefixed with the entry it
 * is about (taken from `sent`, the list that was sent), e.g. "“10.0.0.8”: must be a DNS name, not
 * an IP address". `undefined` when there is no such error.
 */
export function allowedDomainsError(errors: readonly { field: string; message: string }[], sent: readonly string[]): string | undefined {
  const messages: string[] = [];
  for (const e of errors) {
    if (e.field === 'allowed_domains') {
      messages.push(e.message);
      continue;
    }
    const match = /^allowed_domains\[(\d+)\]$/.exec(e.field);
    if (!match) continue;
    const entry = sent[Number(match[1])];
    messages.push(entry === undefined ? `entry ${Number(match[1]) + 1}: ${e.message}` : `“${entry}”: ${e.message}`);
  }
  return messages.length ? messages.join('; ') : undefined;
}
