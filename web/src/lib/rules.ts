// SPDX-License-Identifier: Apache-2.0
// Pure helpers of the rules, lists and alerts pages: who may change rules, the rule form <-> the
// API body, a stored transaction as a test body, list values from a textarea, the trace as a tree,
// and the days of a backtest chart.
import type { Role, RuleAction, RuleInput, RuleSeverity, RuleStatus, TestStep, Transaction } from '../api/types';

/** API.md "Roles": creating and changing rules and lists (and test, backtest) is RISK_LEAD and ADMIN. */
export function canManageRules(role: Role): boolean {
  return role === 'RISK_LEAD' || role === 'ADMIN';
}

export const RULE_STATUSES: readonly RuleStatus[] = ['draft', 'shadow', 'active', 'disabled'];
export const SEVERITIES: readonly RuleSeverity[] = ['low', 'medium', 'high', 'critical'];
export const ACTIONS: readonly RuleAction[] = ['alert', 'review', 'block'];

export function capitalize(word: string): string {
  return word ? word.charAt(0).toUpperCase() + word.slice(1).replace(/_/g, ' ') : word;
}

// --- The rule form -----------------------------------------------------------------------------

export type SuppressionUnit = 'minutes' | 'hours' | 'days';
const UNIT_SECONDS: Record<SuppressionUnit, number> = { minutes: 60, hours: 3600, days: 86400 };
export const MIN_SUPPRESSION_SECONDS = 60;
export const MAX_SUPPRESSION_SECONDS = 400 * 86400;

export interface RuleForm {
  name: string;
  description: string;
  expression: string;
  severity: RuleSeverity;
  action: RuleAction;
  /** As typed; checked by `ruleInputFromForm`. */
  score: string;
  status: RuleStatus;
  /** Empty: no suppression. */
  suppression: string;
  suppressionUnit: SuppressionUnit;
}

export const EMPTY_RULE_FORM: RuleForm = {
  name: '',
  description: '',
  expression: '',
  severity: 'medium',
  action: 'alert',
  score: '0',
  status: 'draft',
  suppression: '',
  suppressionUnit: 'hours',
};

/** Seconds in the largest whole unit: 7200 -> 2 hours, 5400 -> 90 minutes. */
export function suppressionToForm(seconds: number | null | undefined): { suppression: string; suppressionUnit: SuppressionUnit } {
  if (!seconds) return { suppression: '', suppressionUnit: 'hours' };
  for (const unit of ['days', 'hours', 'minutes'] as const) {
    if (seconds % UNIT_SECONDS[unit] === 0) return { suppression: String(seconds / UNIT_SECONDS[unit]), suppressionUnit: unit };
  }
  // Not a whole number of minutes (only the API can store that): minutes with a fraction.
  return { suppression: String(seconds / 60), suppressionUnit: 'minutes' };
}

/** "1 hour", "90 minutes", "none". */
export function formatSuppression(seconds: number | null | undefined): string {
  if (!seconds) return 'none';
  const { suppression, suppressionUnit } = suppressionToForm(seconds);
  const unit = suppression === '1' ? suppressionUnit.slice(0, -1) : suppressionUnit;
  return `${suppression} ${unit}`;
}

export interface FormProblem {
  field: 'score' | 'suppression_seconds';
  message: string;
}

/** The API body of a rule form, or the problems the form can see itself (the server checks the rest). */
export function ruleInputFromForm(form: RuleForm): { input: RuleInput; problems: FormProblem[] } {
  const problems: FormProblem[] = [];
  const scoreText = form.score.trim() === '' ? '0' : form.score.trim();
  const score = /^\d+$/.test(scoreText) ? Number(scoreText) : NaN;
  if (!(score >= 0 && score <= 100)) problems.push({ field: 'score', message: 'Enter a whole number from 0 to 100.' });
  let suppressionSeconds: number | null = null;
  if (form.suppression.trim() !== '') {
    const amount = Number(form.suppression.trim());
    const seconds = Math.round(amount * UNIT_SECONDS[form.suppressionUnit]);
    if (!Number.isFinite(amount) || amount <= 0) {
      problems.push({ field: 'suppression_seconds', message: 'Enter a positive number, or leave it empty for no suppression.' });
    } else if (seconds < MIN_SUPPRESSION_SECONDS || seconds > MAX_SUPPRESSION_SECONDS) {
      problems.push({ field: 'suppression_seconds', message: 'Suppression must be between 1 minute and 400 days.' });
    } else {
      suppressionSeconds = seconds;
    }
  }
  const description = form.description.trim();
  return {
    input: {
      name: form.name.trim(),
      description: description === '' ? null : description,
      expression: form.expression,
      severity: form.severity,
      action: form.action,
      score: Number.isNaN(score) ? 0 : score,
      status: form.status,
      suppression_seconds: suppressionSeconds,
    },
    problems,
  };
}

// --- Test bodies -------------------------------------------------------------------------------

/** A stored transaction as a body of `POST /transactions` (for `POST /rules/test`): no nulls, no server fields. */
export function ingestionBody(transaction: Transaction): Record<string, unknown> {
  const body: Record<string, unknown> = {
    external_id: transaction.external_id,
    amount: transaction.amount,
    currency: transaction.currency,
    direction: transaction.direction,
    type: transaction.type,
    account_id: transaction.account_id,
    occurred_at: transaction.occurred_at,
  };
  const optional = ['customer_id', 'channel', 'country', 'ip', 'device_id'] as const;
  for (const key of optional) {
    if (transaction[key] !== null && transaction[key] !== undefined && transaction[key] !== '') body[key] = transaction[key];
  }
  if (transaction.counterparty) {
    const counterparty = Object.fromEntries(Object.entries(transaction.counterparty).filter(([, value]) => value !== null && value !== ''));
    if (Object.keys(counterparty).length > 0) body.counterparty = counterparty;
  }
  if (transaction.metadata && Object.keys(transaction.metadata).length > 0) body.metadata = transaction.metadata;
  return body;
}

/** A sample test body for an empty test panel. */
export function sampleTransactionBody(now: Date): Record<string, unknown> {
  return {
    external_id: 'test-0001',
    amount: '12500.00',
    currency: 'USD',
    direction: 'outbound',
    type: 'wire',
    account_id: 'acc-1001',
    customer_id: 'cus-2001',
    occurred_at: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    counterparty: { name: 'Example Trading Ltd', account: 'DE89370400440532013000', country: 'DE' },
    country: 'US',
  };
}

/** Parses the test panel's JSON: an object, or a message that says what is wrong. */
export function parseTestBody(text: string): { body: Record<string, unknown> } | { error: string } {
  if (text.trim() === '') return { error: 'Paste a transaction as JSON (a body of POST /transactions).' };
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { error: 'The transaction must be a JSON object, like a body of POST /transactions.' };
    }
    return { body: parsed as Record<string, unknown> };
  } catch (err) {
    return { error: `This is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

// --- Lists -------------------------------------------------------------------------------------

/** The values of the "one per line" textarea: trimmed, empty lines dropped, each once, in order. */
export function parseListValues(text: string): string[] {
  const seen = new Set<string>();
  const values: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const value = line.trim();
    if (value === '' || seen.has(value)) continue;
    seen.add(value);
    values.push(value);
  }
  return values;
}

// --- Traces ------------------------------------------------------------------------------------

export interface TraceNode {
  step: TestStep;
  children: TraceNode[];
}

/**
 * The trace steps (innermost first, each with its byte span) as a tree: a step contains the
 * steps whose spans lie inside its own. Roots come in source order.
 */
export function traceTree(steps: TestStep[]): TraceNode[] {
  // Outer spans first: by start, then longest first; equal spans keep the outer (later) one first.
  const ordered = steps
    .map((step, index) => ({ step, index }))
    .sort((a, b) => a.step.begin - b.step.begin || b.step.end - a.step.end || b.index - a.index);
  const roots: TraceNode[] = [];
  const stack: TraceNode[] = [];
  for (const { step } of ordered) {
    const node: TraceNode = { step, children: [] };
    while (stack.length > 0 && !(stack[stack.length - 1].step.begin <= step.begin && step.end <= stack[stack.length - 1].step.end)) {
      stack.pop();
    }
    if (stack.length > 0) stack[stack.length - 1].children.push(node);
    else roots.push(node);
    stack.push(node);
  }
  return roots;
}

/** The tone of a value in a trace: true, false, null, not evaluated, or anything else. */
export function valueTone(value: string, evaluated = true): 'true' | 'false' | 'null' | 'skipped' | 'value' {
  if (!evaluated) return 'skipped';
  if (value === 'true') return 'true';
  if (value === 'false') return 'false';
  if (value === 'null') return 'null';
  return 'value';
}

// --- Backtest chart ----------------------------------------------------------------------------

/** Every UTC day from `from` to `to` (RFC 3339 instants, `to` exclusive) with its hits; days without hits are 0. */
export function fillDays(byDay: { date: string; hits: number }[], from: string, to: string, maxDays = 400): { date: string; hits: number }[] {
  const hits = new Map(byDay.map((d) => [d.date, d.hits]));
  const start = Date.parse(from);
  const end = Date.parse(to);
  if (Number.isNaN(start) || Number.isNaN(end) || end <= start) return [...byDay];
  const days: { date: string; hits: number }[] = [];
  const day = new Date(start);
  day.setUTCHours(0, 0, 0, 0);
  while (day.getTime() < end && days.length < maxDays) {
    const date = day.toISOString().slice(0, 10);
    days.push({ date, hits: hits.get(date) ?? 0 });
    hits.delete(date);
    day.setUTCDate(day.getUTCDate() + 1);
  }
  // Days the server counted outside the period (should not happen) are not dropped silently.
  for (const [date, count] of hits) days.push({ date, hits: count });
  return days.sort((a, b) => a.date.localeCompare(b.date));
}

/** A round top for a chart's axis at or above `max` (whole counts up to 5, else 1, 2, 5 x 10^n) and its ticks. */
export function niceScale(max: number): { top: number; ticks: number[] } {
  if (!(max > 0)) return { top: 1, ticks: [0, 1] };
  if (max <= 5) {
    const top = Math.ceil(max);
    return { top, ticks: Array.from({ length: top + 1 }, (_, index) => index) };
  }
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const top = [1, 2, 5, 10].map((f) => f * magnitude).find((candidate) => candidate >= max) ?? 10 * magnitude;
  const step = top / 5;
  const ticks: number[] = [];
  for (let index = 0; index * step <= top; index++) ticks.push(index * step);
  return { top, ticks };
}

/** "12.5%" from a 0..1 rate, with more digits for small rates. */
export function formatRate(rate: number): string {
  if (!Number.isFinite(rate) || rate <= 0) return '0%';
  const percent = rate * 100;
  if (percent >= 10) return `${percent.toFixed(1)}%`;
  if (percent >= 0.1) return `${percent.toFixed(2)}%`;
  return `${percent.toPrecision(2)}%`;
}

/** The UTC date ("2026-03-07") `days` before `now`'s UTC day (0: that day). */
export function utcDateBefore(now: Date, days: number): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  day.setUTCDate(day.getUTCDate() - days);
  return day.toISOString().slice(0, 10);
}

/**
 * A backtest period from two UTC dates, both included: `from` at 00:00Z, `to` the next day at
 * 00:00Z (the API's `to` is exclusive). A message when the dates are missing, reversed, or span
 * more than the server's 400 days.
 */
export function backtestPeriod(fromDate: string, toDate: string): { from: string; to: string } | { error: string } {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/;
  if (!dateOnly.test(fromDate) || !dateOnly.test(toDate)) return { error: 'Choose both dates.' };
  const from = Date.parse(`${fromDate}T00:00:00Z`);
  const to = Date.parse(`${toDate}T00:00:00Z`) + 86_400_000;
  if (Number.isNaN(from) || Number.isNaN(to)) return { error: 'Choose both dates.' };
  if (to <= from) return { error: '“To” must be on or after “From”.' };
  if ((to - from) / 86_400_000 > 400) return { error: 'A backtest covers at most 400 days.' };
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { from: iso(from), to: iso(to) };
}
