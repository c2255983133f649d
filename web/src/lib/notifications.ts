// SPDX-License-Identifier: Apache-2.0
// Notification events with their labels (docs/webhooks.md), and the channel form -> the body of
// `POST /orgs/notification-channels`.
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
}

export function splitRecipients(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((r) => r.trim())
    .filter(Boolean);
}

export function channelBody(form: ChannelForm): Record<string, unknown> {
  const common = { type: form.type, name: form.name.trim(), events: form.events, min_severity: form.minSeverity };
  return form.type === 'webhook' ? { ...common, url: form.url.trim() } : { ...common, recipients: splitRecipients(form.recipients) };
}
