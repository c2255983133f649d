// SPDX-License-Identifier: Apache-2.0
// Set-up step of tests/e2e/run: turns on MFA for an account through the API (login, then
// `POST /auth/mfa/setup` and `POST /auth/mfa/verify-setup` with a code computed by `otpauth`), so
// the suites that predate MFA can sign in as the Acme admin, who must have it (ADMIN, and
// RISK_LEAD in Globex). Prints the base32 secret on stdout; the step it used is recorded in
// WT_TOTP_STATE so no suite replays it. The security suite enrols its own admin through the page.
//
//   WT_BASE_URL=... WT_TOTP_STATE=... node tests/e2e/enrol-mfa.mjs <email> <password-file>
import { readFileSync } from 'node:fs';
import { BASE, currentTotpStep, markTotpStepUsed, totpAt } from './harness.mjs';

const [email, passwordFile] = process.argv.slice(2);
if (!email || !passwordFile) {
  console.error('usage: enrol-mfa.mjs <email> <password-file>');
  process.exit(2);
}
const password = readFileSync(passwordFile, 'utf8');

async function call(method, apiPath, body, session) {
  const headers = { 'Content-Type': 'application/json' };
  if (session) {
    headers.Cookie = session.cookie;
    headers['X-CSRF-Token'] = session.csrf;
  }
  const response = await fetch(`${BASE}/api/v1${apiPath}`, { method, headers, body: JSON.stringify(body) });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) {
    // The problem's code and detail only: the request body holds the password.
    throw new Error(`${method} ${apiPath} answered ${response.status} ${parsed?.code ?? ''}: ${parsed?.detail ?? ''}`);
  }
  return { response, body: parsed };
}

const login = await call('POST', '/auth/login', { email, password });
if (login.body.mfa_required) throw new Error(`${email} already has MFA`);
const cookie = (login.response.headers.getSetCookie?.() ?? [login.response.headers.get('set-cookie')])
  .filter(Boolean)
  .map((c) => c.split(';')[0])
  .join('; ');
const session = { cookie, csrf: login.body.csrf_token };
const setup = await call('POST', '/auth/mfa/setup', { password }, session);
const { secret } = setup.body;
const step = currentTotpStep();
const confirmed = await call('POST', '/auth/mfa/verify-setup', { code: totpAt(secret, step) }, session);
if (!Array.isArray(confirmed.body.backup_codes) || confirmed.body.backup_codes.length !== 10) {
  throw new Error(`verify-setup answered ${JSON.stringify(Object.keys(confirmed.body ?? {}))}, expected 10 backup codes`);
}
markTotpStepUsed(email, step);
process.stdout.write(secret);
