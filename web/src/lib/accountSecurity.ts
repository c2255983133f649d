// SPDX-License-Identifier: Apache-2.0
// Pure helpers of the account-security pages: the token of a mailed link (it travels in the URL
// fragment, never to the server), the QR code as a data: URI (the CSP allows `img-src data:` but
// no inline markup), backup codes for display, copy and download, the wait after a
// `429 rate_limited`, and which roles must keep two-factor authentication.

/**
 * The `token` of a fragment such as `#token=abc` (the form of the reset and invitation links).
 * Answers null when the fragment has no non-empty token.
 */
export function fragmentToken(hash: string): string | null {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  if (body === '') return null;
  let token: string | null;
  try {
    token = new URLSearchParams(body).get('token');
  } catch {
    return null;
  }
  const trimmed = token?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

/** UTF-8 safe base64 of a string (btoa alone takes Latin-1 only). */
function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** An SVG document as `data:image/svg+xml;base64,...`, for an `<img src>` under the CSP. */
export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;base64,${base64Utf8(svg)}`;
}

/** A base32 secret in groups of four for reading and typing (`JBSW Y3DP EHPK 3PXP`). */
export function groupSecret(secret: string): string {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

/** The text file of a set of backup codes: what they are, for whom, then one code a line. */
export function backupCodesFile(codes: readonly string[], account: { email: string; issuedAt: Date }): string {
  return [
    'WatchTower backup codes',
    `Account: ${account.email}`,
    `Created: ${account.issuedAt.toISOString().slice(0, 19)}Z`,
    '',
    'Each code signs you in once when you cannot use your authenticator app.',
    'Creating new codes voids these. Keep them somewhere safe.',
    '',
    ...codes,
    '',
  ].join('\n');
}

/** File name of the backup-codes download, e.g. `watchtower-backup-codes-ada-example.com.txt`. */
export function backupCodesFileName(email: string): string {
  const safe = email.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `watchtower-backup-codes${safe ? `-${safe}` : ''}.txt`;
}

/** What a user typed as a TOTP code, without spaces; null unless it is exactly 6 digits. */
export function totpInput(value: string): string | null {
  const cleaned = value.replace(/\s+/g, '');
  return /^\d{6}$/.test(cleaned) ? cleaned : null;
}

/** A wait in words: "1 second", "45 seconds", "3 minutes" (2 minutes and more, rounded up). */
export function waitText(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  if (whole >= 120) return `${Math.ceil(whole / 60)} minutes`;
  return whole === 1 ? '1 second' : `${whole} seconds`;
}

/** The sentence shown after `429 rate_limited`, from its `Retry-After` (null: not given). */
export function tooManyAttemptsText(retryAfterSeconds: number | null): string {
  if (retryAfterSeconds === null) return 'Too many attempts. Wait a moment and try again.';
  if (retryAfterSeconds <= 0) return 'Too many attempts. You can try again now.';
  return `Too many attempts. Try again in ${waitText(retryAfterSeconds)}.`;
}

/** Roles that must keep two-factor authentication on (SECURITY.md), whatever the organization says. */
export const MFA_REQUIRED_ROLES: readonly string[] = ['ADMIN', 'RISK_LEAD'];

/** Whether a role must keep two-factor authentication; `orgRequiresAll` when the organization requires it for everyone. */
export function mfaRequiredFor(role: string, orgRequiresAll = false): boolean {
  return orgRequiresAll || MFA_REQUIRED_ROLES.includes(role);
}

/** Local checks of a new password before it is sent (the server applies the full policy). */
export function newPasswordProblem(password: string, confirmation: string): { field: 'new_password' | 'confirm'; message: string } | null {
  if (password.length < 12) return { field: 'new_password', message: 'Use at least 12 characters.' };
  if (password.length > 128) return { field: 'new_password', message: 'Use at most 128 characters.' };
  if (password !== confirmation) return { field: 'confirm', message: 'The two passwords differ.' };
  return null;
}
