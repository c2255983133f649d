// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import type { TestStep, Transaction } from '../api/types';
import {
  backtestPeriod,
  canManageRules,
  EMPTY_RULE_FORM,
  fillDays,
  formatRate,
  formatSuppression,
  ingestionBody,
  niceScale,
  parseListValues,
  parseTestBody,
  ruleInputFromForm,
  suppressionToForm,
  traceTree,
  utcDateBefore,
} from './rules';

describe('roles', () => {
  it('lets only risk leads and admins change rules', () => {
    expect(canManageRules('ADMIN')).toBe(true);
    expect(canManageRules('RISK_LEAD')).toBe(true);
    expect(canManageRules('ANALYST')).toBe(false);
    expect(canManageRules('VIEWER')).toBe(false);
  });
});

describe('rule form', () => {
  it('builds the API body: trimmed name, no empty description, score and suppression in seconds', () => {
    const { input, problems } = ruleInputFromForm({
      ...EMPTY_RULE_FORM,
      name: '  Large wire ',
      description: '   ',
      expression: 'amount > 1',
      score: '40',
      suppression: '2',
      suppressionUnit: 'hours',
    });
    expect(problems).toEqual([]);
    expect(input).toEqual({
      name: 'Large wire',
      description: null,
      expression: 'amount > 1',
      severity: 'medium',
      action: 'alert',
      score: 40,
      status: 'draft',
      suppression_seconds: 7200,
    });
  });

  it('reports a bad score and a suppression out of range at their fields', () => {
    expect(ruleInputFromForm({ ...EMPTY_RULE_FORM, score: '101' }).problems.map((p) => p.field)).toEqual(['score']);
    expect(ruleInputFromForm({ ...EMPTY_RULE_FORM, score: '4.5' }).problems.map((p) => p.field)).toEqual(['score']);
    expect(ruleInputFromForm({ ...EMPTY_RULE_FORM, score: '' }).input.score).toBe(0);
    const tooShort = ruleInputFromForm({ ...EMPTY_RULE_FORM, suppression: '0.5', suppressionUnit: 'minutes' });
    expect(tooShort.problems).toEqual([{ field: 'suppression_seconds', message: 'Suppression must be between 1 minute and 400 days.' }]);
    expect(ruleInputFromForm({ ...EMPTY_RULE_FORM, suppression: '401', suppressionUnit: 'days' }).problems).toHaveLength(1);
    expect(ruleInputFromForm({ ...EMPTY_RULE_FORM, suppression: 'abc' }).problems).toHaveLength(1);
  });

  it('shows suppression in the largest whole unit', () => {
    expect(suppressionToForm(null)).toEqual({ suppression: '', suppressionUnit: 'hours' });
    expect(suppressionToForm(172800)).toEqual({ suppression: '2', suppressionUnit: 'days' });
    expect(suppressionToForm(5400)).toEqual({ suppression: '90', suppressionUnit: 'minutes' });
    expect(suppressionToForm(3600)).toEqual({ suppression: '1', suppressionUnit: 'hours' });
    expect(formatSuppression(3600)).toBe('1 hour');
    expect(formatSuppression(5400)).toBe('90 minutes');
    expect(formatSuppression(null)).toBe('none');
  });
});

describe('test bodies', () => {
  const stored: Transaction = {
    id: 'txn_1',
    external_id: 'ext-1',
    environment: 'production',
    occurred_at: '2026-03-01T10:00:00Z',
    received_at: '2026-03-01T10:00:01Z',
    amount: '90071992547409.93',
    currency: 'USD',
    direction: 'outbound',
    type: 'wire',
    account_id: 'acc-1',
    customer_id: null,
    counterparty: { name: 'ACME', account: null, country: 'IR' },
    channel: null,
    country: 'US',
    ip: null,
    device_id: null,
    metadata: { mcc: '7995' },
    decision: 'allow',
    score: 0,
    api_key_id: 'key_1',
  };

  it('turns a stored transaction into an ingestion body without nulls or server fields', () => {
    expect(ingestionBody(stored)).toEqual({
      external_id: 'ext-1',
      amount: '90071992547409.93',
      currency: 'USD',
      direction: 'outbound',
      type: 'wire',
      account_id: 'acc-1',
      occurred_at: '2026-03-01T10:00:00Z',
      country: 'US',
      counterparty: { name: 'ACME', country: 'IR' },
      metadata: { mcc: '7995' },
    });
    expect(ingestionBody({ ...stored, counterparty: { name: null, account: null, country: null }, metadata: {} })).not.toHaveProperty('counterparty');
  });

  it('parses the JSON of the test panel with a readable message', () => {
    expect(parseTestBody('{"amount": "1"}')).toEqual({ body: { amount: '1' } });
    expect(parseTestBody('')).toHaveProperty('error');
    expect(parseTestBody('[1]')).toEqual({ error: 'The transaction must be a JSON object, like a body of POST /transactions.' });
    const broken = parseTestBody('{"amount": }');
    expect('error' in broken && broken.error.startsWith('This is not valid JSON')).toBe(true);
  });
});

describe('list values', () => {
  it('takes one value per line, trimmed, once, in order', () => {
    expect(parseListValues(' IR \r\nKP\n\n  \nIR\nSY')).toEqual(['IR', 'KP', 'SY']);
    expect(parseListValues('')).toEqual([]);
  });
});

describe('traceTree', () => {
  const step = (begin: number, end: number, text: string, value = 'true'): TestStep => ({
    line: 1,
    column: begin + 1,
    begin,
    end,
    text,
    value,
    evaluated: true,
  });

  it('nests the steps by their spans, outermost first, in source order', () => {
    // amount > 1000 and currency == "USD"   (innermost first, as the server sends them)
    const steps = [
      step(0, 6, 'amount', '5000'),
      step(0, 13, 'amount > 1000'),
      step(18, 26, 'currency', '"USD"'),
      step(18, 35, 'currency == "USD"'),
      step(0, 35, 'amount > 1000 and currency == "USD"'),
    ];
    const tree = traceTree(steps);
    expect(tree).toHaveLength(1);
    expect(tree[0].step.text).toBe('amount > 1000 and currency == "USD"');
    expect(tree[0].children.map((n) => n.step.text)).toEqual(['amount > 1000', 'currency == "USD"']);
    expect(tree[0].children[0].children.map((n) => n.step.text)).toEqual(['amount']);
    expect(tree[0].children[1].children.map((n) => n.step.text)).toEqual(['currency']);
  });

  it('puts a step with the same span as its parent under it', () => {
    // (amount > 1): the parenthesised expression and its content have different spans; a
    // function of one field may share a span only with itself.
    const tree = traceTree([step(0, 6, 'amount'), step(0, 6, 'amount', 'x')]);
    expect(tree).toHaveLength(1);
    expect(tree[0].children).toHaveLength(1);
  });
});

describe('backtest', () => {
  it('fills the days without hits with zero, in UTC', () => {
    const days = fillDays([{ date: '2026-03-02', hits: 4 }], '2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z');
    expect(days).toEqual([
      { date: '2026-03-01', hits: 0 },
      { date: '2026-03-02', hits: 4 },
      { date: '2026-03-03', hits: 0 },
    ]);
  });

  it('builds a period of whole UTC days, both included, and refuses bad ones', () => {
    expect(backtestPeriod('2026-03-01', '2026-03-07')).toEqual({ from: '2026-03-01T00:00:00Z', to: '2026-03-08T00:00:00Z' });
    expect(backtestPeriod('2026-03-07', '2026-03-01')).toHaveProperty('error');
    expect(backtestPeriod('', '2026-03-01')).toHaveProperty('error');
    expect(backtestPeriod('2025-01-01', '2026-03-01')).toEqual({ error: 'A backtest covers at most 400 days.' });
    expect(utcDateBefore(new Date('2026-03-10T23:30:00Z'), 29)).toBe('2026-02-09');
  });

  it('rounds the chart axis up and formats rates', () => {
    expect(niceScale(0)).toEqual({ top: 1, ticks: [0, 1] });
    expect(niceScale(3)).toEqual({ top: 3, ticks: [0, 1, 2, 3] });
    expect(niceScale(7)).toEqual({ top: 10, ticks: [0, 2, 4, 6, 8, 10] });
    expect(niceScale(130).top).toBe(200);
    expect(formatRate(0.125)).toBe('12.5%');
    expect(formatRate(0.0123)).toBe('1.23%');
    expect(formatRate(0.00001)).toBe('0.0010%');
    expect(formatRate(0)).toBe('0%');
  });
});
