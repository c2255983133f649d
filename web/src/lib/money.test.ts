// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { countryName, formatAmount, formatMoney } from './money';

describe('formatAmount', () => {
  it('groups thousands and keeps every decimal exactly', () => {
    expect(formatAmount('1250.00')).toBe('1,250.00');
    expect(formatAmount('0.5')).toBe('0.5');
    expect(formatAmount('999')).toBe('999');
    expect(formatAmount('1000')).toBe('1,000');
    expect(formatAmount('12345678901234567890.123')).toBe('12,345,678,901,234,567,890.123');
    expect(formatAmount('-1234.5')).toBe('-1,234.5');
  });

  it('leaves anything else alone', () => {
    expect(formatAmount('')).toBe('');
    expect(formatAmount('1e5')).toBe('1e5');
    expect(formatAmount('12,50')).toBe('12,50');
  });
});

describe('formatMoney', () => {
  it('adds the currency code after the exact amount', () => {
    expect(formatMoney('1250.00', 'USD')).toBe('1,250.00 USD');
    expect(formatMoney('1250', 'JPY')).toBe('1,250 JPY');
    expect(formatMoney('0.001', 'BHD')).toBe('0.001 BHD');
    // A value a float cannot hold exactly stays exact.
    expect(formatMoney('90071992547409.93', 'USD')).toBe('90,071,992,547,409.93 USD');
    expect(formatMoney('0.10', '')).toBe('0.10');
  });
});

describe('countryName', () => {
  it('names ISO 3166-1 alpha-2 codes', () => {
    expect(countryName('DE')).toBe('Germany');
    expect(countryName(null)).toBeNull();
    expect(countryName('')).toBeNull();
  });
});
