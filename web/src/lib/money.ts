// SPDX-License-Identifier: Apache-2.0
// Money as the API sends it: a decimal string in the currency's units ("1250.00") plus an ISO 4217
// code. Amounts are never turned into floating-point numbers, so what is shown is exactly what
// was stored.

/**
 * "1250.00" -> "1,250.00": groups the whole part by thousands and keeps every decimal the server
 * sent. Anything that is not a plain decimal string is returned unchanged.
 */
export function formatAmount(amount: string): string {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(amount.trim());
  if (!match) return amount;
  const [, sign, whole, fraction = ''] = match;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${fraction}`;
}

let regionNames: Intl.DisplayNames | null | undefined;

/** "DE" -> "Germany" (English names), or null when the code is unknown or absent. */
export function countryName(code: string | null | undefined): string | null {
  if (!code) return null;
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      regionNames = null;
    }
  }
  try {
    const name = regionNames?.of(code.toUpperCase());
    return name && name !== code.toUpperCase() ? name : null;
  } catch {
    return null;
  }
}

/** "1250.00", "EUR" -> "1,250.00 EUR": the exact amount, grouped, with its ISO 4217 code. */
export function formatMoney(amount: string, currency: string): string {
  return currency ? `${formatAmount(amount)} ${currency}` : formatAmount(amount);
}
