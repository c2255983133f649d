// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the e2e suites run by tests/e2e/run: environment, named checks with a summary,
// the Chromium launch (Debian's chromium through playwright-core), screenshots, sign-in (with the
// TOTP step) and navigation, ingestion over HTTP with an API key, TOTP codes computed with
// `otpauth`, and the mails the server writes as .eml files. (console.e2e.mjs predates this file
// and still carries its own copies of the older helpers.)
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
const require = createRequire(path.join(repoRoot, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const OTPAuth = require('otpauth');

export function env(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') {
    console.error(`e2e: missing environment variable ${name}`);
    process.exit(2);
  }
  return value;
}

export const BASE = env('WT_BASE_URL').replace(/\/+$/, '');
export const STEP_TIMEOUT_MS = 15_000;
const SHOTS = path.resolve(
  repoRoot,
  process.env.WT_SCREENSHOT_DIR ||
    (process.env.WT_E2E_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'tests/e2e/artifacts/screenshots'),
);
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const results = [];
let stopRemaining = false;

/** Runs one named check; a failed `critical` check skips the rest (they depend on it). */
export async function check(name, fn, { critical = false } = {}) {
  if (stopRemaining) {
    results.push({ name, status: 'skipped' });
    console.log(`  skip  ${name}`);
    return;
  }
  const started = Date.now();
  try {
    await fn();
    results.push({ name, status: 'passed' });
    console.log(`  ok    ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    results.push({ name, status: 'failed', error: err });
    console.log(`  FAIL  ${name}\n        ${String(err?.message ?? err).split('\n').join('\n        ')}`);
    if (critical) stopRemaining = true;
  }
}

/** Lets the checks after this point run even when a critical one failed (final sanity checks). */
export function resumeChecks() {
  stopRemaining = false;
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export async function screenshot(page, name, { fullPage = false } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

/** Waits for the next console API call matching `method` and `pathPart` while `action` runs. */
export async function withResponse(page, method, pathPart, action) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname.includes(pathPart)),
    action(),
  ]);
  return response;
}

export async function waitForPath(page, pathname) {
  await page.waitForURL((url) => (pathname instanceof RegExp ? pathname.test(url.pathname) : url.pathname === pathname), {
    timeout: STEP_TIMEOUT_MS,
  });
}

/**
 * Signs in through the page. When the account has MFA the second step asks for a code: it is
 * computed from `user.totpSecret` (or `user.backupCode` is used when given).
 */
export async function signIn(page, user) {
  await page.goto(`${BASE}/login`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await passMfaStepIfAsked(page, user);
  await page.waitForURL((url) => url.pathname !== '/login', { timeout: STEP_TIMEOUT_MS });
  await page.locator('.topbar').waitFor();
}

/**
 * After "Sign in" was pressed: waits until the page either left /login or shows the second step,
 * and in that case enters a fresh TOTP code (or `user.backupCode`). Answers whether it was asked.
 */
export async function passMfaStepIfAsked(page, user) {
  const step = page.getByRole('heading', { name: 'Two-factor authentication', exact: true });
  // Whichever comes first; the other wait is dropped (its failure must not go unhandled).
  await Promise.race([
    step.waitFor().catch(() => undefined),
    page.waitForURL((url) => url.pathname !== '/login', { timeout: STEP_TIMEOUT_MS }).catch(() => undefined),
  ]);
  if (!(await step.isVisible())) return false;
  if (user.backupCode) {
    await page.getByRole('button', { name: 'Use a backup code instead' }).click();
    await page.getByLabel('Backup code').fill(user.backupCode);
  } else {
    assert(user.totpSecret, `${user.email} has MFA on but the test has no TOTP secret for it`);
    await page.getByLabel('Authentication code').fill(await nextTotp(user));
  }
  await page.getByRole('button', { name: 'Verify' }).click();
  return true;
}

/** Fills the "Confirm it is you" dialog: the password, and a fresh code when it asks for one. */
export async function fillReauth(dialog, user, { password = user.password } = {}) {
  await dialog.getByLabel('Password').fill(password);
  const code = dialog.getByLabel('Authentication code');
  if ((await code.count()) > 0) await code.fill(await nextTotp(user));
}

// ---- TOTP -----------------------------------------------------------------------------------
// The server accepts a time step at most once per user (and one step of drift either way), and
// its clock is the test clock (WT_CLOCK_FILE: seconds added to the real time). The last step used
// per account is kept in WT_TOTP_STATE, a JSON file shared by the suites of one run, so a later
// suite never replays a step; when the next unused step is too far ahead the helper waits.

const PERIOD_S = 30;

function serverNowSeconds() {
  const file = process.env.WT_CLOCK_FILE;
  let offset = 0;
  if (file && existsSync(file)) offset = Number(readFileSync(file, 'utf8').trim()) || 0;
  return Date.now() / 1000 + offset;
}

function totpState() {
  const file = process.env.WT_TOTP_STATE;
  if (!file || !existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8'));
}

function saveTotpStep(email, step) {
  const file = process.env.WT_TOTP_STATE;
  if (!file) return;
  writeFileSync(file, JSON.stringify({ ...totpState(), [email.toLowerCase()]: step }));
}

/** The code of a base32 secret at time step `step`. */
export function totpAt(secret, step) {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret.replace(/\s+/g, '')), digits: 6, period: PERIOD_S, algorithm: 'SHA1' });
  return totp.generate({ timestamp: step * PERIOD_S * 1000 });
}

/**
 * A code for `user` ({email, totpSecret}) the server has not seen yet: the step after the last
 * one used, no earlier than the server's current step minus one; waits while it is more than one
 * step ahead. Records the step as used.
 */
export async function nextTotp(user) {
  const key = user.email.toLowerCase();
  const last = totpState()[key] ?? -Infinity;
  for (;;) {
    const now = Math.floor(serverNowSeconds() / PERIOD_S);
    const step = Math.max(now - 1, last + 1);
    // A step about to fall out of the window is skipped; the one after is safer.
    const safeStep = step === now - 1 && serverNowSeconds() % PERIOD_S > 20 ? now : step;
    if (safeStep <= now + 1) {
      saveTotpStep(key, safeStep);
      return totpAt(user.totpSecret, safeStep);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Records that a step was used outside nextTotp (e.g. computed by a suite for enrolment). */
export function markTotpStepUsed(email, step) {
  saveTotpStep(email, step);
}

/** The server's current time step (test clock included). */
export function currentTotpStep() {
  return Math.floor(serverNowSeconds() / PERIOD_S);
}

// ---- Mail -----------------------------------------------------------------------------------
// With mail.transport=file the server writes one RFC 5322 message per mail under
// <data_dir>/mail/ (WT_DATA_DIR); delivery runs on its own thread, so readers poll.

function unfoldHeaders(text) {
  const headers = {};
  for (const line of text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function decodeQuotedPrintable(text) {
  const bytes = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i += 1) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodePart(headers, body) {
  const encoding = (headers['content-transfer-encoding'] || '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** Parses an .eml: its headers and the decoded text of every leaf part (multipart followed). */
export function parseEml(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = unfoldHeaders(split < 0 ? raw : raw.slice(0, split));
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const type = headers['content-type'] || 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || !boundary) return { headers, texts: [decodePart(headers, body)] };
  const texts = [];
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    texts.push(...parseEml(chunk.replace(/^\r?\n/, '')).texts);
  }
  return { headers, texts };
}

/**
 * Waits for a mail to `to` whose decoded text has a console link to `linkPath`
 * (`/accept-invitation` or `/reset-password`) that was not returned before, and answers the link.
 */
const seenMail = new Set();
export async function mailedLink(to, linkPath, { timeoutMs = STEP_TIMEOUT_MS } = {}) {
  const dir = path.join(env('WT_DATA_DIR'), 'mail');
  const pattern = new RegExp(`https?://[^\\s"'<>]+${linkPath}#token=[A-Za-z0-9._~%-]+`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = existsSync(dir)
      ? readdirSync(dir)
          .filter((name) => name.endsWith('.eml') && !seenMail.has(name))
          .map((name) => ({ name, at: statSync(path.join(dir, name)).mtimeMs }))
          .sort((a, b) => b.at - a.at)
      : [];
    for (const { name } of files) {
      const mail = parseEml(readFileSync(path.join(dir, name), 'utf8'));
      if (!(mail.headers.to || '').toLowerCase().includes(to.toLowerCase())) continue;
      const link = mail.texts.map((text) => pattern.exec(text)?.[0]).find(Boolean);
      if (link) {
        seenMail.add(name);
        return { link, subject: mail.headers.subject || '', file: name };
      }
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} with a ${linkPath} link in ${dir} (files: ${files.map((f) => f.name).join(', ') || 'none'})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function openNav(page, label, pathname) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  await waitForPath(page, pathname);
  await page.getByRole('heading', { level: 1, name: label }).waitFor();
}

/** POST /api/v1/transactions with an API key, from the test (not the browser). */
export async function ingest(key, body) {
  const response = await fetch(`${BASE}/api/v1/transactions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed };
}

/**
 * A console API call from the signed-in page (its cookie, and the CSRF token of `GET /auth/me`),
 * for set-up the journey does not cover in the UI. Answers {status, body}.
 */
export async function consoleApi(page, method, apiPath, body) {
  return page.evaluate(
    async ({ method, apiPath, body }) => {
      const me = await fetch('/api/v1/auth/me', { credentials: 'same-origin' }).then((r) => r.json());
      const response = await fetch(`/api/v1${apiPath}`, {
        method,
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
      return { status: response.status, body: parsed };
    },
    { method, apiPath, body },
  );
}

/**
 * Launches Chromium with a fresh profile, runs `scenario(page, context)` with a watchdog, prints
 * the summary and exits (1 on any failure, CSP violation or uncaught page error).
 */
export async function runSuite(title, scenario, { totalTimeoutMs = 240_000 } = {}) {
  const cspViolations = [];
  const pageErrors = [];
  const watchdog = setTimeout(() => {
    console.error(`e2e: ${title}: gave up after ${totalTimeoutMs / 1000} s`);
    process.exit(1);
  }, totalTimeoutMs);
  console.log(`e2e: ${title} at ${BASE}`);
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'wt-e2e-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: process.env.WT_E2E_HEADED !== '1',
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      locale: 'en-GB',
      timezoneId: 'UTC',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ].filter((arg) => arg !== '--headless' || process.env.WT_E2E_HEADED !== '1'),
    });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      const text = message.text();
      if (/Content[- ]Security[- ]Policy/i.test(text)) cspViolations.push(text);
    });
    page.on('pageerror', (error) => pageErrors.push(String(error?.message ?? error)));
    try {
      await scenario(page, context);
      resumeChecks();
      await check('no Content Security Policy violations', async () => {
        assert(cspViolations.length === 0, `CSP violations:\n${cspViolations.join('\n')}`);
      });
      await check('no uncaught errors in the page', async () => {
        assert(pageErrors.length === 0, `page errors:\n${pageErrors.join('\n')}`);
      });
    } finally {
      await context.close().catch(() => undefined);
    }
  } catch (err) {
    results.push({ name: 'test harness', status: 'failed', error: err });
    console.log(`  FAIL  test harness: ${err?.stack ?? err}`);
  } finally {
    rmSync(userDataDir, { recursive: true, force: true });
  }
  clearTimeout(watchdog);
  const passed = results.filter((r) => r.status === 'passed').length;
  const failed = results.filter((r) => r.status === 'failed').length;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  console.log(`e2e: ${title}: ${passed} passed, ${failed} failed${skipped ? ` (${skipped} not run)` : ''}`);
  process.exit(failed > 0 || skipped > 0 ? 1 : 0);
}
