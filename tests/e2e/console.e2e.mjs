// SPDX-License-Identifier: Apache-2.0
// End-to-end test of the WatchTower console in Chromium (playwright-core driving Debian's
// chromium), against a running `watchtower serve` that serves web/dist.
//
// Run by tests/e2e/run, which starts the server and provides:
//   WT_BASE_URL                          e.g. http://127.0.0.1:41234
//   WT_CLOCK_FILE                        the server's WATCHTOWER_TEST_CLOCK_FILE (offset in seconds)
//   WT_ORG_NAME, WT_ORG_ID               organization created by `watchtower init`
//   WT_ADMIN_EMAIL, WT_ADMIN_PASSWORD, WT_ADMIN_NAME
//   WT_ADMIN_TOTP_SECRET                 the admin's TOTP secret (run enrols the admin through the API)
//   WT_TOTP_STATE                        the last TOTP step used per account (shared by the suites)
//   WT_ANALYST_EMAIL, WT_ANALYST_PASSWORD, WT_ANALYST_NAME
//   WT_VIEWER_EMAIL, WT_VIEWER_PASSWORD, WT_VIEWER_NAME
//                                        a VIEWER (sees Transactions, not API keys) whose role the
//                                        test later changes (re-authentication)
//   WT_TEMP_EMAIL, WT_TEMP_NAME          a VIEWER the test removes
//   WT_SECOND_ORG_NAME, WT_SECOND_ORG_ID, WT_SECOND_ADMIN_EMAIL
//                                        a second organization the admin belongs to (RISK_LEAD)
// Optional:
//   WT_E2E_UPDATE_SCREENSHOTS=1  write screenshots to docs/screenshots/ (tracked); by default
//                       they go to tests/e2e/artifacts/screenshots/ (git-ignored)
//   WT_SCREENSHOT_DIR   another place for the screenshots (overrides both)
//   CHROMIUM_PATH       browser binary (default: /usr/bin/chromium)
//   WT_E2E_HEADED=1     show the browser
//
// Prints one line per check and a summary `e2e: N passed, M failed`; exits 1 on any failure.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fillReauth, passMfaStepIfAsked } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const require = createRequire(path.join(repoRoot, 'web', 'package.json'));
const { chromium } = require('playwright-core');

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') {
    console.error(`e2e: missing environment variable ${name}`);
    process.exit(2);
  }
  return value;
};

const BASE = env('WT_BASE_URL').replace(/\/+$/, '');
const ORG = env('WT_ORG_NAME', 'Acme Bank');
const ADMIN = {
  email: env('WT_ADMIN_EMAIL'),
  password: env('WT_ADMIN_PASSWORD'),
  name: env('WT_ADMIN_NAME', 'Ada Admin'),
  totpSecret: env('WT_ADMIN_TOTP_SECRET'),
};
const ANALYST = {
  email: env('WT_ANALYST_EMAIL'),
  password: env('WT_ANALYST_PASSWORD'),
  name: env('WT_ANALYST_NAME', 'Ann Analyst'),
};
const VIEWER = {
  email: env('WT_VIEWER_EMAIL'),
  password: env('WT_VIEWER_PASSWORD'),
  name: env('WT_VIEWER_NAME', 'Vic Viewer'),
};
const TEMP = { email: env('WT_TEMP_EMAIL'), name: env('WT_TEMP_NAME', 'Tom Temp') };
// A viewer no suite changes (investigation.e2e.mjs signs in with it).
const READER = { email: env('WT_READER_EMAIL'), name: env('WT_READER_NAME', 'Rita Reader') };
const ORG_ID = env('WT_ORG_ID');
const SECOND_ORG = {
  id: env('WT_SECOND_ORG_ID'),
  name: env('WT_SECOND_ORG_NAME', 'Globex Payments'),
  adminEmail: env('WT_SECOND_ADMIN_EMAIL'),
};
const CLOCK_FILE = env('WT_CLOCK_FILE');
const SHOTS = path.resolve(
  repoRoot,
  process.env.WT_SCREENSHOT_DIR ||
    (process.env.WT_E2E_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'tests/e2e/artifacts/screenshots'),
);
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 15_000;
const TOTAL_TIMEOUT_MS = 240_000;

const results = [];
const cspViolations = [];
const pageErrors = [];
let stopRemaining = false;

/** Runs one named check; a failed `critical` check skips the rest (they depend on it). */
async function check(name, fn, { critical = false } = {}) {
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

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  // Let fonts/layout settle and no focus ring flash mid-transition.
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

/**
 * Moves the server's test clock forward to `seconds` after the real time (the server reads the
 * file on every call). Offsets only ever grow within a run.
 */
let clockOffset = 0;
function setServerClock(seconds) {
  if (seconds < clockOffset) throw new Error(`the test clock only moves forward (${clockOffset} -> ${seconds})`);
  writeFileSync(CLOCK_FILE, `${seconds}\n`);
  clockOffset = seconds;
}

/** Waits for the next console API call matching `method` and `pathPart` while `action` runs. */
async function withResponse(page, method, pathPart, action) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname.includes(pathPart)),
    action(),
  ]);
  return response;
}

async function waitForPath(page, pathname) {
  await page.waitForURL((url) => url.pathname === pathname, { timeout: STEP_TIMEOUT_MS });
}

async function signIn(page, user) {
  await page.goto(`${BASE}/login`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login', { timeout: STEP_TIMEOUT_MS });
  await page.locator('.topbar').waitFor();
}

/**
 * API.md: ADMIN and RISK_LEAD without MFA get `403 mfa_enrollment_required` on most routes. The
 * accounts made by `watchtower init` have no MFA; say so plainly instead of timing out.
 */
async function failOnMfaGate(page) {
  const gate = page.getByRole('heading', { name: 'Two-factor authentication required' });
  const content = page.locator('table.table, .empty-state, .page-error, h1:has-text("Two-factor authentication required")').first();
  await content.waitFor();
  if (await gate.isVisible()) {
    throw new Error('the server answered 403 mfa_enrollment_required for the fresh ADMIN (no MFA yet); ' +
      'the scenario must enrol MFA first once the server enforces it');
  }
}

/** The organization shown in the top bar: plain text, or the selected option of the switcher. */
async function currentOrganization(page) {
  const topbar = page.locator('.topbar');
  await topbar.locator('.org-name, .org-switcher select').first().waitFor();
  if ((await topbar.locator('.org-switcher select').count()) > 0) {
    const label = await topbar.locator('.org-switcher select option:checked').innerText();
    return label.replace(/\s*\([^)]*\)\s*$/, '').trim();
  }
  return (await topbar.locator('.org-name').innerText()).trim();
}

async function openNav(page, label, pathname) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  await waitForPath(page, pathname);
  await page.getByRole('heading', { level: 1, name: label }).waitFor();
}

/** POST /api/v1/transactions with an API key, from the test (not the browser). */
async function ingest(key, body) {
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

async function main() {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'wt-e2e-chromium-'));
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
  // The show-once key dialog's Copy button; without the grant it falls back to selecting the key.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE }).catch(() => undefined);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    const text = message.text();
    if (/Content[- ]Security[- ]Policy/i.test(text)) cspViolations.push(text);
  });
  page.on('pageerror', (error) => pageErrors.push(String(error?.message ?? error)));

  try {
    await check(
      'console is served with the CSP of SECURITY.md',
      async () => {
        const response = await page.goto(`${BASE}/`);
        assert(response && response.ok(), `GET / answered ${response?.status()}`);
        const csp = (await response.headerValue('content-security-policy')) || '';
        for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]) {
          assert(csp.includes(directive), `Content-Security-Policy lacks "${directive}" (got "${csp}")`);
        }
      },
      { critical: true },
    );

    await check(
      'anonymous visit redirects to the sign-in page',
      async () => {
        await page.goto(`${BASE}/settings/team`);
        await waitForPath(page, '/login');
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        assert(new URL(page.url()).searchParams.get('next') === '/settings/team', `next= not kept: ${page.url()}`);
        await screenshot(page, 'login');
      },
      { critical: true },
    );

    await check('an empty sign-in form shows field errors without calling the server', async () => {
      const logins = [];
      const onRequest = (r) => r.url().includes('/api/v1/auth/login') && logins.push(r.url());
      page.on('request', onRequest);
      try {
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByText('Enter your email address.').waitFor();
        await page.getByText('Enter your password.').waitFor();
      } finally {
        page.off('request', onRequest);
      }
      assert(logins.length === 0, 'POST /auth/login was sent for an empty form');
    });

    await check('a wrong password shows the server error', async () => {
      await page.getByLabel('Email').fill(ADMIN.email);
      await page.getByLabel('Password').fill(`${ADMIN.password}-wrong`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      const text = (await alert.innerText()).trim();
      assert(/sign-in failed/i.test(text), `error alert does not read as a failed sign-in: "${text}"`);
      assert(text.replace(/sign-in failed/i, '').replace(/!/g, '').trim().length > 0, 'error alert carries no detail');
      assert(new URL(page.url()).pathname === '/login', 'left the sign-in page');
      await screenshot(page, 'login-error');
    });

    await check(
      'admin signs in and sees name, organization and role',
      async () => {
        await page.getByLabel('Password').fill(ADMIN.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        // The admin has MFA (run enrolled it): the second step asks for a code.
        assert(await passMfaStepIfAsked(page, ADMIN), 'the admin (MFA on) was not asked for a code');
        await waitForPath(page, '/settings/team'); // back to where the anonymous visit started
        const topbar = page.locator('.topbar');
        await topbar.getByText(ADMIN.name, { exact: true }).waitFor();
        const org = await currentOrganization(page);
        assert(org === ORG, `top bar organization is "${org}", expected "${ORG}"`);
        await topbar.getByText('Admin', { exact: true }).waitFor();
      },
      { critical: true },
    );

    await check('Cases, Reports and the Dashboard open their pages', async () => {
      await openNav(page, 'Cases', '/cases');
      await page.getByRole('button', { name: 'My cases', exact: true }).waitFor();
      await openNav(page, 'Reports', '/reports');
      await page.getByRole('heading', { name: 'Exports (CSV)' }).waitFor();
      await openNav(page, 'Dashboard', '/');
      await page.getByRole('heading', { name: 'Transactions by decision' }).waitFor();
    });

    await check('Team lists the members with their roles', async () => {
      await openNav(page, 'Team', '/settings/team');
      await failOnMfaGate(page);
      const expected = [
        [ADMIN, 'ADMIN'],
        [ANALYST, 'ANALYST'],
        [VIEWER, 'VIEWER'],
        [TEMP, 'VIEWER'],
        [READER, 'VIEWER'],
      ];
      for (const [user, role] of expected) {
        const row = page.locator('tr', { hasText: user.email });
        await row.getByText(user.name).waitFor();
        // An admin sees a role select per member.
        const shown = await row.getByRole('combobox', { name: `Role for ${user.name}` }).inputValue();
        assert(shown === role, `${user.email}: role shown is ${shown}, expected ${role}`);
      }
      const rows = await page.locator('table.table tbody tr[data-user-id]').count();
      assert(rows === expected.length, `${rows} member rows, expected ${expected.length}`);
      assert(
        (await page.locator('tr', { hasText: SECOND_ORG.adminEmail }).count()) === 0,
        `a member of ${SECOND_ORG.name} is listed in ${ORG}`,
      );
      await screenshot(page, 'team');
    });

    await check('demoting the last admin shows the 409 detail inline', async () => {
      const select = page.getByRole('combobox', { name: `Role for ${ADMIN.name}` });
      const response = await withResponse(page, 'PATCH', '/api/v1/orgs/members/', () => select.selectOption('ANALYST'));
      assert(response.status() === 409, `PATCH /orgs/members/{admin} answered ${response.status()}, expected 409`);
      const detail = (await response.json()).detail;
      await page.locator('tr.row-message').getByText(detail).waitFor();
      assert((await select.inputValue()) === 'ADMIN', 'the select did not return to Admin');
    });

    await check('removing a member asks first; Cancel keeps them, Remove removes them', async () => {
      const row = page.locator('tr[data-user-id]', { hasText: TEMP.email });
      await page.getByRole('button', { name: `Remove ${TEMP.name}` }).click();
      const dialog = page.getByRole('dialog', { name: 'Remove member' });
      await dialog.getByText(TEMP.email, { exact: false }).waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      assert((await row.count()) === 1, 'the member went away although the dialog was dismissed');
      await page.getByRole('button', { name: `Remove ${TEMP.name}` }).click();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert((await row.count()) === 1, 'the member went away after Cancel');
      await page.getByRole('button', { name: `Remove ${TEMP.name}` }).click();
      const response = await withResponse(page, 'DELETE', '/api/v1/orgs/members/', () =>
        dialog.getByRole('button', { name: 'Remove member' }).click(),
      );
      assert(response.status() === 204, `DELETE /orgs/members/{id} answered ${response.status()}, expected 204`);
      // Signed in minutes ago: no password prompt for this sensitive change.
      assert((await page.getByRole('dialog', { name: 'Confirm it is you' }).count()) === 0, 'asked to re-authenticate');
      await row.waitFor({ state: 'detached' });
      await page.reload();
      await page.locator('tr[data-user-id]', { hasText: ANALYST.email }).waitFor();
      assert((await row.count()) === 0, 'the removed member is listed again after a reload');
    });

    await check('Audit log shows successful and failed sign-ins', async () => {
      await openNav(page, 'Audit log', '/settings/audit-log');
      await failOnMfaGate(page);
      const table = page.locator('table.table-audit');
      await table.waitFor();
      await table.locator('tr[data-action="auth.login.succeeded"]').first().waitFor();
      const failed = table.locator('tr[data-action="auth.login.failed"]').first();
      await failed.getByText('Not signed in').waitFor(); // a failed sign-in has no authenticated actor
      await failed.getByText(ADMIN.name).waitFor(); // ... only its target
      await table.locator('tr[data-action="member.removed"]').first().waitFor();
      await screenshot(page, 'audit-log');
    });

    await check('Audit log filters by action', async () => {
      await page.getByLabel('Action').fill('auth.login.failed');
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.url().includes('/api/v1/orgs/audit-logs')),
        page.getByRole('button', { name: 'Apply filters' }).click(),
      ]);
      assert(new URL(request.url()).searchParams.get('action') === 'auth.login.failed', `query: ${request.url()}`);
      const table = page.locator('table.table-audit');
      await table.locator('tr[data-action="auth.login.failed"]').first().waitFor();
      const actions = await table.locator('tbody tr[data-action]').evaluateAll((rows) => rows.map((r) => r.dataset.action));
      assert(actions.length > 0 && actions.every((a) => a === 'auth.login.failed'), `rows after filter: ${actions.join(', ')}`);
    });

    await check('Audit log: "To" before "From" is refused in the form; times go out in UTC; details open', async () => {
      const local = (ms) => new Date(ms).toISOString().slice(0, 19); // the browser runs in UTC
      await page.getByRole('button', { name: 'Reset' }).click();
      await page.getByLabel('From', { exact: true }).fill(local(Date.now() + 3_600_000));
      await page.getByLabel('To', { exact: true }).fill(local(Date.now() - 3_600_000));
      const sent = [];
      const onRequest = (r) => r.url().includes('/api/v1/orgs/audit-logs') && sent.push(r.url());
      page.on('request', onRequest);
      try {
        await page.getByRole('button', { name: 'Apply filters' }).click();
        await page.getByText('Must be after “From”.').waitFor();
      } finally {
        page.off('request', onRequest);
      }
      assert(sent.length === 0, `a request went out for an impossible range: ${sent.join(', ')}`);
      await page.getByLabel('From', { exact: true }).fill(local(Date.now() - 3_600_000));
      await page.getByLabel('To', { exact: true }).fill(local(Date.now() + 3_600_000));
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.url().includes('/api/v1/orgs/audit-logs')),
        page.getByRole('button', { name: 'Apply filters' }).click(),
      ]);
      const q = new URL(request.url()).searchParams;
      for (const key of ['from', 'to']) {
        assert(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(q.get(key) ?? ''), `${key}=${q.get(key)}`);
      }
      const table = page.locator('table.table-audit');
      await table.locator('tr[data-action="auth.login.succeeded"]').first().waitFor();
      await table.getByRole('button', { name: 'Details' }).first().click();
      const details = page.locator('tr.row-details').first();
      await details.getByText('User agent').waitFor();
      await details.getByText('Time (UTC)').waitFor();
      await page.getByRole('button', { name: 'Reset' }).click();
    });

    // ---- API keys, ingestion with a key, the transactions explorer, allowed IPs ----
    // Within 15 minutes of the sign-in (the server clock is not moved yet): no password prompts.
    const keys = {};

    await check('Transactions starts empty and tells how to send the first transaction', async () => {
      await openNav(page, 'Transactions', '/transactions');
      const empty = page.getByRole('region', { name: 'No transactions yet' });
      await empty.waitFor();
      const example = await empty.getByLabel('Example request').innerText();
      assert(example.includes(`${BASE}/api/v1/transactions`), `curl example does not name the route: ${example}`);
      assert(example.includes('Authorization: Bearer'), 'curl example lacks the Authorization header');
      await empty.getByRole('link', { name: 'Create an API key' }).waitFor();
      await screenshot(page, 'transactions-empty');
    });

    await check('ADMIN creates an API key: field errors from the server, then the key shown once', async () => {
      await openNav(page, 'API keys', '/settings/api-keys');
      await failOnMfaGate(page);
      await page.getByRole('heading', { name: 'No API keys yet' }).waitFor();
      await page.getByRole('button', { name: 'Create API key' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Create API key' });
      await dialog.waitFor();
      // An empty name is refused in the form, without a request.
      await dialog.getByRole('button', { name: 'Create key' }).click();
      await dialog.getByText('Enter a name', { exact: false }).waitFor();
      // A bad range: the server's message appears at the field.
      await dialog.getByLabel('Name').fill('Payments gateway');
      await dialog.getByRole('radio', { name: /Production/ }).check();
      await dialog.getByLabel('Allowed IPs (optional)').fill('127.0.0.0/8\n10.0.0.300');
      const refused = await withResponse(page, 'POST', '/api/v1/orgs/api-keys', () =>
        dialog.getByRole('button', { name: 'Create key' }).click(),
      );
      assert(refused.status() === 422, `POST /orgs/api-keys with a bad range answered ${refused.status()}`);
      const problem = await refused.json();
      const rangeError = problem.errors?.find((e) => e.field === 'allowed_ips[1]');
      assert(rangeError, `no allowed_ips[1] error in ${JSON.stringify(problem)}`);
      await dialog.locator('.field-error').getByText(`10.0.0.300: ${rangeError.message}`).waitFor();
      await dialog.getByRole('alert').getByText(problem.detail).waitFor();

      await dialog.getByLabel('Allowed IPs (optional)').fill('127.0.0.0/8');
      const created = await withResponse(page, 'POST', '/api/v1/orgs/api-keys', () =>
        dialog.getByRole('button', { name: 'Create key' }).click(),
      );
      assert(created.status() === 201, `POST /orgs/api-keys answered ${created.status()}, expected 201`);
      const issued = await created.json();
      assert(/^wt_live_/.test(issued.key ?? ''), `unexpected key ${issued.key}`);
      keys.live = issued;

      const once = page.getByRole('dialog', { name: 'API key created' });
      await once.waitFor();
      assert((await once.getByLabel('API key', { exact: true }).inputValue()) === issued.key, 'the dialog does not show the issued key');
      await once.getByText('it will not be shown again', { exact: false }).waitFor();
      const copy = once.getByRole('button', { name: 'Copy' });
      await copy.waitFor();
      await screenshot(page, 'api-keys-created');
      await copy.click();
      const status = once.locator('#key-once-status');
      await page.waitForFunction(
        (el) => /Copied to the clipboard|Copying is not available/.test(el.textContent ?? ''),
        await status.elementHandle(),
      );
      if ((await status.innerText()).includes('Copied')) {
        const clip = await page.evaluate(() => navigator.clipboard.readText().catch(() => null));
        assert(clip === null || clip === issued.key, 'the clipboard does not hold the key');
      }
      await once.getByRole('button', { name: 'I have stored the key' }).click();
      await once.waitFor({ state: 'hidden' });

      const row = page.locator(`tr[data-key-id="${issued.id}"]`);
      await row.waitFor();
      await row.getByText(`${issued.prefix}…`).waitFor();
      await row.getByText('Production').waitFor();
      await row.getByText('Active').waitFor();
      const html = await page.content();
      const values = await page.locator('input, textarea').evaluateAll((els) => els.map((el) => el.value));
      const text = await page.evaluate(() => document.body.innerText);
      assert(!html.includes(issued.key) && !text.includes(issued.key), 'the full key is still in the page');
      assert(!values.some((v) => v.includes(issued.key)), 'the full key is still in a form field');
      assert(!html.includes(issued.key.slice(issued.prefix.length)), 'the secret part of the key is in the page');
    });

    await check('ADMIN creates a sandbox key', async () => {
      await page.getByRole('button', { name: 'Create API key' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Create API key' });
      await dialog.getByLabel('Name').fill('Integration tests');
      await dialog.getByRole('radio', { name: /Sandbox/ }).check();
      const created = await withResponse(page, 'POST', '/api/v1/orgs/api-keys', () =>
        dialog.getByRole('button', { name: 'Create key' }).click(),
      );
      assert(created.status() === 201, `POST /orgs/api-keys answered ${created.status()}`);
      keys.test = await created.json();
      assert(/^wt_test_/.test(keys.test.key ?? ''), `unexpected sandbox key ${keys.test.key}`);
      const once = page.getByRole('dialog', { name: 'API key created' });
      await once.getByText('Sandbox', { exact: true }).waitFor();
      await once.getByRole('button', { name: 'I have stored the key' }).click();
      await page.locator(`tr[data-key-id="${keys.test.id}"]`).getByText('Sandbox').waitFor();
    });

    const sent = [
      {
        external_id: 'e2e-wire-0001',
        amount: '1250.00',
        currency: 'USD',
        direction: 'outbound',
        type: 'wire',
        account_id: 'acc-77',
        customer_id: 'cus-12',
        counterparty: { name: 'ACME GmbH', account: 'DE89370400440532013000', country: 'DE' },
        channel: 'online',
        country: 'US',
        ip: '203.0.113.7',
        device_id: 'dev-9',
        metadata: { mcc: '6011', risk_notes: ['new payee'], session: { id: 's-42', mfa: true } },
      },
      { external_id: 'e2e-card-0002', amount: '90071992547409.93', currency: 'USD', direction: 'outbound', type: 'card', account_id: 'acc-77', country: 'GB' },
      { external_id: 'e2e-ach-0003', amount: '98765.43', currency: 'EUR', direction: 'inbound', type: 'ach', account_id: 'acc-12', customer_id: 'cus-3', country: 'DE' },
      { external_id: 'e2e-cash-0004', amount: '15000', currency: 'JPY', direction: 'inbound', type: 'cash', account_id: 'acc-99', country: 'JP' },
    ];
    const stored = {};

    await check('the new key sends transactions (POST /api/v1/transactions with Bearer)', async () => {
      for (const body of sent) {
        const answer = await ingest(keys.live.key, body);
        assert(answer.status === 201, `POST /transactions ${body.external_id} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        assert(answer.body.environment === 'production', `environment ${answer.body.environment}`);
        stored[body.external_id] = answer.body.id;
      }
      const sandbox = await ingest(keys.test.key, {
        external_id: 'e2e-sandbox-0001', amount: '1.00', currency: 'USD', direction: 'outbound', account_id: 'acc-sbx',
      });
      assert(sandbox.status === 201 && sandbox.body.environment === 'sandbox', `sandbox POST: ${sandbox.status} ${JSON.stringify(sandbox.body)}`);
      // A session cookie is not an API key.
      const withCookie = await page.request.post(`${BASE}/api/v1/transactions`, { data: sent[0] });
      assert(withCookie.status() === 401, `POST /transactions with the session cookie answered ${withCookie.status()}`);
    });

    await check('Transactions lists them with exact amounts; filters by account; opens the detail', async () => {
      await openNav(page, 'Transactions', '/transactions');
      const table = page.locator('table.table-transactions');
      await table.waitFor();
      const rows = table.locator('tbody tr[data-transaction-id]');
      await page.waitForFunction(() => document.querySelectorAll('table.table-transactions tbody tr').length >= 4);
      assert((await rows.count()) === sent.length, `${await rows.count()} rows, expected ${sent.length}`);
      // Exactly the decimal string, grouped: a float would print 90071992547409.94 or 9.007e13.
      const big = table.locator(`tr[data-transaction-id="${stored['e2e-card-0002']}"]`);
      const bigAmount = (await big.locator('.col-amount').innerText()).replace(/\s+/g, ' ').trim();
      assert(bigAmount === '90,071,992,547,409.93 USD', `amount shown as "${bigAmount}"`);
      const jpy = (await table.locator(`tr[data-transaction-id="${stored['e2e-cash-0004']}"] .col-amount`).innerText()).replace(/\s+/g, ' ').trim();
      assert(jpy === '15,000 JPY', `JPY amount shown as "${jpy}"`);
      const wire = table.locator(`tr[data-transaction-id="${stored['e2e-wire-0001']}"]`);
      await wire.getByText('Allow').waitFor();
      const direction = (await wire.locator('.direction').innerText()).trim();
      assert(/Out$/.test(direction), `direction shown as "${direction}"`);
      assert(!(await table.innerText()).includes('e2e-sandbox-0001'), 'a sandbox transaction is listed in production');
      await screenshot(page, 'transactions');

      await page.getByLabel('Account').fill('acc-77');
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.url().includes('/api/v1/transactions?')),
        page.getByRole('button', { name: 'Apply filters' }).click(),
      ]);
      const q = new URL(request.url()).searchParams;
      assert(q.get('account_id') === 'acc-77' && q.get('environment') === 'production', `query: ${request.url()}`);
      await page.waitForFunction(() => {
        const shown = [...document.querySelectorAll('table.table-transactions tbody tr')];
        return shown.length > 0 && shown.every((r) => r.dataset.accountId === 'acc-77');
      });
      assert((await rows.count()) === 2, `${await rows.count()} rows for acc-77, expected 2`);
      assert(new URL(page.url()).searchParams.get('account_id') === 'acc-77', `filters not in the address: ${page.url()}`);

      await wire.getByRole('link', { name: 'e2e-wire-0001' }).click();
      await waitForPath(page, `/transactions/${stored['e2e-wire-0001']}`);
      await page.getByRole('heading', { level: 1, name: 'Transaction e2e-wire-0001' }).waitFor();
      const summary = page.getByRole('region', { name: 'Summary' });
      await summary.getByText('1,250.00').waitFor();
      await page.getByText('ACME GmbH').waitFor();
      await page.getByText('Germany').first().waitFor();
      await page.getByText('DE89370400440532013000').waitFor();
      await page.getByText('dev-9').waitFor();
      await page.getByText(keys.live.id).waitFor();
      const metadata = await page.locator('pre.json').innerText();
      assert(metadata.includes('"mcc": "6011"') && metadata.includes('"mfa": true'), `metadata shown as: ${metadata}`);
      await page.getByText('No rule matched this transaction').waitFor();
      await page.getByText('No alerts were raised').waitFor();
      await page.setViewportSize({ width: 1280, height: 1500 });
      try {
        await screenshot(page, 'transaction-detail');
      } finally {
        await page.setViewportSize({ width: 1280, height: 800 });
      }
      await page.getByRole('link', { name: 'All transactions' }).click();
      await waitForPath(page, '/transactions');
      assert(new URL(page.url()).searchParams.get('account_id') === 'acc-77', `back link lost the filters: ${page.url()}`);
      assert((await page.getByLabel('Account').inputValue()) === 'acc-77', 'the filter form lost the account');
    });

    await check('the environment switch shows sandbox data only', async () => {
      await page.getByRole('button', { name: 'Reset' }).click();
      await page.waitForURL((url) => url.pathname === '/transactions' && url.search === '');
      await page.getByRole('group', { name: 'Environment' }).getByRole('button', { name: 'Sandbox' }).click();
      await page.waitForURL((url) => url.searchParams.get('environment') === 'sandbox');
      const table = page.locator('table.table-transactions');
      await table.getByText('e2e-sandbox-0001').waitFor();
      assert((await table.locator('tbody tr').count()) === 1, 'sandbox lists more than its one transaction');
      await page.getByRole('group', { name: 'Environment' }).getByRole('button', { name: 'Production' }).click();
      await page.waitForURL((url) => url.pathname === '/transactions' && url.search === '');
      await table.getByText('e2e-wire-0001').waitFor();
    });

    await check('rotating a key shows the new key once; the old one works during the grace period', async () => {
      await openNav(page, 'API keys', '/settings/api-keys');
      const oldRow = page.locator(`tr[data-key-id="${keys.live.id}"]`);
      await oldRow.getByRole('button', { name: 'Rotate Payments gateway' }).click();
      const dialog = page.getByRole('dialog', { name: 'Rotate API key' });
      await dialog.getByRole('radio', { name: '1 hour' }).check();
      const rotated = await withResponse(page, 'POST', '/rotate', () => dialog.getByRole('button', { name: 'Rotate key' }).click());
      assert(rotated.status() === 201, `POST /orgs/api-keys/{id}/rotate answered ${rotated.status()}`);
      const next = await rotated.json();
      assert(next.key && next.key !== keys.live.key && next.id !== keys.live.id, 'rotation did not issue a new key');
      const once = page.getByRole('dialog', { name: 'API key rotated' });
      assert((await once.getByLabel('API key', { exact: true }).inputValue()) === next.key, 'the rotated key is not shown');
      await once.getByText(`The previous key (${keys.live.prefix}…) keeps working until`, { exact: false }).waitFor();
      await once.getByRole('button', { name: 'I have stored the key' }).click();
      await once.waitFor({ state: 'hidden' });
      await page.locator(`tr[data-key-id="${next.id}"][data-status="active"]`).waitFor();
      await oldRow.getByText('Rotating').waitFor();
      await oldRow.getByText(/^in (59 min|1 h)$/).waitFor();
      assert(!(await page.content()).includes(next.key), 'the rotated key is still in the page');
      const old = await ingest(keys.live.key, { ...sent[3], external_id: 'e2e-old-key-0005' });
      assert(old.status === 201, `the old key during its grace period answered ${old.status}`);
      const fresh = await ingest(next.key, { ...sent[3], external_id: 'e2e-new-key-0006' });
      assert(fresh.status === 201, `the new key answered ${fresh.status}`);
      keys.rotated = next;
    });

    await check('revoking asks first; the key is refused at once (401)', async () => {
      const row = page.locator(`tr[data-key-id="${keys.rotated.id}"]`);
      await row.getByRole('button', { name: 'Revoke Payments gateway' }).click();
      const dialog = page.getByRole('dialog', { name: 'Revoke API key' });
      await dialog.getByText(`${keys.rotated.prefix}…`, { exact: false }).waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert((await row.getAttribute('data-status')) === 'active', 'Cancel revoked the key');
      await row.getByRole('button', { name: 'Revoke Payments gateway' }).click();
      const response = await withResponse(page, 'DELETE', '/api/v1/orgs/api-keys/', () =>
        dialog.getByRole('button', { name: 'Revoke key' }).click(),
      );
      assert(response.status() === 204, `DELETE /orgs/api-keys/{id} answered ${response.status()}`);
      await page.locator(`tr[data-key-id="${keys.rotated.id}"][data-status="revoked"]`).getByText('Revoked').waitFor();
      await page.getByText(`“Payments gateway” (${keys.rotated.prefix}…) is revoked.`, { exact: false }).waitFor();
      assert((await row.getByRole('button').count()) === 0, 'a revoked key still offers actions');
      const refused = await ingest(keys.rotated.key, { ...sent[3], external_id: 'e2e-revoked-0007' });
      assert(refused.status === 401, `a request with the revoked key answered ${refused.status}, expected 401`);
      await screenshot(page, 'api-keys');
    });

    await check('Allowed IPs: server messages at the row and at the list; saving with my address works', async () => {
      await openNav(page, 'Allowed IPs', '/settings/allowed-ips');
      const consoleList = page.locator('section[data-surface="console"]');
      const ingestionList = page.locator('section[data-surface="ingestion"]');
      await consoleList.getByText('No ranges: every address is allowed.').waitFor();
      await consoleList.getByRole('button', { name: 'Add console range' }).click();
      await page.getByLabel('Console range 1', { exact: true }).fill('10.0.0.0/8');
      await page.getByLabel('Console range 1 label').fill('Office');
      await ingestionList.getByRole('button', { name: 'Add ingestion range' }).click();
      await page.getByLabel('Ingestion range 1', { exact: true }).fill('1.2.3.4/33');

      const first = await withResponse(page, 'PUT', '/api/v1/orgs/allowed-ips', () =>
        page.getByRole('button', { name: 'Save changes' }).click(),
      );
      assert(first.status() === 422, `PUT /orgs/allowed-ips with a bad range answered ${first.status()}`);
      const rowProblem = (await first.json()).errors?.find((e) => e.field === 'ingestion[0].cidr');
      assert(rowProblem, 'no ingestion[0].cidr error');
      await ingestionList.locator('.range-row:not(.range-row-head)').first().getByText(rowProblem.message).waitFor();
      assert(
        (await page.getByLabel('Ingestion range 1', { exact: true }).getAttribute('aria-invalid')) === 'true',
        'the bad range is not marked invalid',
      );

      await page.getByLabel('Ingestion range 1', { exact: true }).fill('127.0.0.0/8');
      const second = await withResponse(page, 'PUT', '/api/v1/orgs/allowed-ips', () =>
        page.getByRole('button', { name: 'Save changes' }).click(),
      );
      assert(second.status() === 422, `PUT with a console list without my address answered ${second.status()}`);
      const lockout = (await second.json()).errors?.find((e) => e.field === 'console');
      assert(lockout && /your own address/.test(lockout.message), `no lock-out message: ${JSON.stringify(lockout)}`);
      await consoleList.getByRole('alert').getByText(lockout.message).waitFor();
      await screenshot(page, 'allowed-ips-error');

      await consoleList.getByRole('button', { name: /^Add my address/ }).click();
      const saved = await withResponse(page, 'PUT', '/api/v1/orgs/allowed-ips', () =>
        page.getByRole('button', { name: 'Save changes' }).click(),
      );
      assert(saved.status() === 200, `PUT /orgs/allowed-ips answered ${saved.status()}`);
      await page.getByText('Saved. The lists apply from the next request.').waitFor();
      assert((await consoleList.locator('.field-error').count()) === 0, 'errors stay after saving');
      await page.reload();
      await page.getByLabel('Console range 2', { exact: true }).waitFor();
      const ranges = await page.locator('.range-row input.mono-input').evaluateAll((els) => els.map((el) => el.value));
      assert(
        JSON.stringify(ranges) === JSON.stringify(['10.0.0.0/8', '127.0.0.1/32', '127.0.0.0/8']),
        `saved ranges: ${JSON.stringify(ranges)}`,
      );
      await screenshot(page, 'allowed-ips');
      // The ingestion list allows this address: keys keep working.
      const still = await ingest(keys.test.key, { external_id: 'e2e-sandbox-0002', amount: '2.00', currency: 'USD', direction: 'outbound', account_id: 'acc-sbx' });
      assert(still.status === 201, `ingestion from an allowed address answered ${still.status}`);
    });

    await check('a VIEWER sees Transactions but not API keys or Allowed IPs', async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
      try {
        const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
        const viewerPage = await viewerContext.newPage();
        viewerPage.on('pageerror', (error) => pageErrors.push(`viewer: ${String(error?.message ?? error)}`));
        await signIn(viewerPage, VIEWER);
        await viewerPage.locator('.topbar').getByText('Viewer', { exact: true }).waitFor();
        const nav = viewerPage.getByRole('navigation', { name: 'Main' });
        await nav.getByRole('link', { name: 'Transactions', exact: true }).waitFor();
        assert((await nav.getByRole('link', { name: 'API keys' }).count()) === 0, 'API keys in a viewer’s navigation');
        assert((await nav.getByRole('link', { name: 'Allowed IPs' }).count()) === 0, 'Allowed IPs in a viewer’s navigation');
        await openNav(viewerPage, 'Transactions', '/transactions');
        await viewerPage.locator('table.table-transactions').getByText('e2e-wire-0001').waitFor();
        const keysAnswer = await withResponse(viewerPage, 'GET', '/api/v1/orgs/api-keys', () =>
          viewerPage.goto(`${BASE}/settings/api-keys`),
        );
        assert(keysAnswer.status() === 403, `GET /orgs/api-keys as a viewer answered ${keysAnswer.status()}`);
        await viewerPage.getByRole('heading', { name: 'You do not have access' }).waitFor();
        assert((await viewerPage.getByRole('button', { name: 'Create API key' }).count()) === 0, 'create offered to a viewer');
      } finally {
        await browser.close();
      }
    });

    await check('Sessions (from the account menu) shows the current session', async () => {
      await page.getByRole('button', { name: new RegExp(`^${ADMIN.name}`) }).click();
      await page.getByRole('menu').getByText(ADMIN.email).waitFor();
      await page.getByRole('menuitem', { name: 'Sessions' }).click();
      await waitForPath(page, '/settings/sessions');
      await page.getByRole('heading', { level: 1, name: 'Sessions' }).waitFor();
      const current = page.locator('tr[data-current="true"]');
      await current.waitFor();
      await current.getByText('This session').waitFor();
      await screenshot(page, 'sessions');
    });

    // From here on the server's clock runs ahead of the browser's (WATCHTOWER_TEST_CLOCK_FILE).
    await check('a role change 16 minutes after sign-in asks for the password, then retries once', async () => {
      await openNav(page, 'Team', '/settings/team');
      const viewerRow = page.locator('tr[data-user-id]', { hasText: VIEWER.email });
      // Age the sign-in past the 15-minute window while keeping the session alive (idle timeout
      // 30 min): each reload is activity at the new time.
      for (const offset of [600, 1000]) {
        setServerClock(offset);
        const members = await withResponse(page, 'GET', '/api/v1/orgs/members', () => page.reload());
        assert(members.status() === 200, `GET /orgs/members at clock +${offset} s answered ${members.status()}`);
        await viewerRow.waitFor();
      }
      const patches = [];
      const onResponse = (r) => {
        if (r.request().method() === 'PATCH' && r.url().includes('/api/v1/orgs/members/')) patches.push(r);
      };
      page.on('response', onResponse);
      try {
        const select = page.getByRole('combobox', { name: `Role for ${VIEWER.name}` });
        const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
        const first = await withResponse(page, 'PATCH', '/api/v1/orgs/members/', () => select.selectOption('ANALYST'));
        assert(first.status() === 403, `PATCH /orgs/members/{viewer} answered ${first.status()}, expected 403`);
        const code = (await first.json()).code;
        assert(code === 'reauthentication_required', `PATCH answered code "${code}", expected reauthentication_required`);
        await dialog.waitFor();

        await fillReauth(dialog, ADMIN, { password: `${ADMIN.password}-wrong` });
        const wrong = await withResponse(page, 'POST', '/api/v1/auth/reauthenticate', () =>
          dialog.getByRole('button', { name: 'Confirm' }).click(),
        );
        assert(wrong.status() === 401, `POST /auth/reauthenticate with a wrong password answered ${wrong.status()}`);
        const wrongDetail = (await wrong.json()).detail;
        await dialog.getByRole('alert').getByText(wrongDetail).waitFor();
        assert(patches.length === 1, `the change was retried after a failed confirmation (${patches.length} PATCHes)`);
        await screenshot(page, 'reauth-dialog');

        await dialog.getByLabel('Authentication code').waitFor(); // MFA on: the dialog asks for a code too
        await fillReauth(dialog, ADMIN);
        const [ok, retried] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/api/v1/auth/reauthenticate')),
          page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/api/v1/orgs/members/')),
          dialog.getByRole('button', { name: 'Confirm' }).click(),
        ]);
        assert(ok.status() === 204, `POST /auth/reauthenticate answered ${ok.status()}, expected 204`);
        assert(retried.status() === 200, `the retried PATCH answered ${retried.status()}, expected 200`);
        await dialog.waitFor({ state: 'hidden' });
        await viewerRow.locator('xpath=following-sibling::tr[1]').getByText('Role changed to Analyst.', { exact: false }).waitFor();
        assert((await select.inputValue()) === 'ANALYST', `role shown is ${await select.inputValue()}, expected ANALYST`);
        await page.waitForTimeout(300);
        assert(patches.length === 2, `${patches.length} PATCH requests, expected the original and one retry`);
      } finally {
        page.off('response', onResponse);
      }
      // The server kept the change.
      await page.reload();
      const shown = await page.getByRole('combobox', { name: `Role for ${VIEWER.name}` }).inputValue();
      assert(shown === 'ANALYST', `after a reload the role shown is ${shown}`);
    });

    await check('the audit log records the role change and both confirmations', async () => {
      await openNav(page, 'Audit log', '/settings/audit-log');
      const table = page.locator('table.table-audit');
      await table.waitFor();
      await page.getByLabel('Action').fill('member.role_changed');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      const row = table.locator('tr[data-action="member.role_changed"]').first();
      await row.waitFor();
      const actions = await table.locator('tbody tr[data-action]').evaluateAll((rows) => rows.map((r) => r.dataset.action));
      assert(actions.every((a) => a === 'member.role_changed'), `rows after filter: ${actions.join(', ')}`);
      await row.getByRole('button', { name: 'Details' }).click();
      const details = (await page.locator('tr.row-details').first().innerText()).toUpperCase();
      assert(details.includes('VIEWER') && details.includes('ANALYST'), `details do not name the roles: ${details}`);
      await page.getByLabel('Action').fill('auth.reauthentication.failed');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await table.locator('tr[data-action="auth.reauthentication.failed"]').first().waitFor();
      await page.getByLabel('Action').fill('auth.reauthenticated');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await table.locator('tr[data-action="auth.reauthenticated"]').first().waitFor();
      await page.getByRole('button', { name: 'Reset' }).click();
    });

    await check(`the organization switcher moves to ${SECOND_ORG.name} and back`, async () => {
      await openNav(page, 'Team', '/settings/team');
      const topbar = page.locator('.topbar');
      const switcher = topbar.getByLabel('Organization');
      await switcher.waitFor();
      const options = (await switcher.locator('option').allInnerTexts()).map((t) => t.trim());
      assert(
        options.length === 2 && options.includes(`${ORG} (Admin)`) && options.includes(`${SECOND_ORG.name} (Risk lead)`),
        `switcher options: ${JSON.stringify(options)}`,
      );
      const toSecond = await withResponse(page, 'POST', '/api/v1/auth/switch-organization', () =>
        switcher.selectOption(SECOND_ORG.id),
      );
      assert(toSecond.status() === 200, `POST /auth/switch-organization answered ${toSecond.status()}`);
      await topbar.getByText('Risk lead', { exact: true }).waitFor();
      let org = await currentOrganization(page);
      assert(org === SECOND_ORG.name, `top bar organization is "${org}" after the switch`);
      await page.getByRole('navigation', { name: 'Main' }).getByText(`Signed in to ${SECOND_ORG.name}`).waitFor();
      // Team now shows the second organization's people, read-only (the admin is RISK_LEAD there).
      await page.getByRole('heading', { level: 1, name: 'Team' }).waitFor();
      await failOnMfaGate(page);
      await page.locator('tr[data-user-id]', { hasText: SECOND_ORG.adminEmail }).waitFor();
      await page.locator('tr[data-user-id]', { hasText: ADMIN.email }).waitFor();
      const emails = await page.locator('table.table tbody tr[data-user-id] .cell-secondary').allInnerTexts();
      assert(
        emails.length === 2 && !emails.includes(ANALYST.email),
        `${SECOND_ORG.name} lists: ${emails.join(', ')}`,
      );
      assert((await page.locator('table.table').getByRole('combobox').count()) === 0, 'role selects shown to a risk lead');
      await page.getByText(`People who can sign in to ${SECOND_ORG.name}.`, { exact: false }).waitFor();
      await screenshot(page, 'org-switcher');

      const back = await withResponse(page, 'POST', '/api/v1/auth/switch-organization', () => switcher.selectOption(ORG_ID));
      assert(back.status() === 200, `POST /auth/switch-organization (back) answered ${back.status()}`);
      await topbar.getByText('Admin', { exact: true }).waitFor();
      org = await currentOrganization(page);
      assert(org === ORG, `top bar organization is "${org}" after switching back`);
      await page.locator('tr[data-user-id]', { hasText: ANALYST.email }).waitFor();
      await page.getByRole('combobox', { name: `Role for ${ANALYST.name}` }).waitFor();
      assert(
        (await page.locator('tr[data-user-id]', { hasText: SECOND_ORG.adminEmail }).count()) === 0,
        `${SECOND_ORG.name}'s admin listed after switching back`,
      );
    });

    await check('after an organization switch a role change asks for the password again; Cancel keeps the role', async () => {
      // The new session of a switch is not recently authenticated (the server does not carry it over).
      const select = page.getByRole('combobox', { name: `Role for ${VIEWER.name}` });
      assert((await select.inputValue()) === 'ANALYST', `role shown is ${await select.inputValue()}`);
      const first = await withResponse(page, 'PATCH', '/api/v1/orgs/members/', () => select.selectOption('VIEWER'));
      assert(first.status() === 403, `PATCH after a switch answered ${first.status()}, expected 403`);
      const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const row = page.locator('tr[data-user-id]', { hasText: VIEWER.email });
      await row
        .locator('xpath=following-sibling::tr[1]')
        .getByText('Nothing was changed: the change needs your password, and it was not confirmed.')
        .waitFor();
      await screenshot(page, 'reauth-cancelled');
      assert((await select.inputValue()) === 'ANALYST', `after Cancel the role shown is ${await select.inputValue()}`);
      await page.reload();
      const shown = await page.getByRole('combobox', { name: `Role for ${VIEWER.name}` }).inputValue();
      assert(shown === 'ANALYST', `after Cancel and a reload the role is ${shown}`);
    });

    await check('revoking a key without a recent sign-in asks for the password; Cancel changes nothing', async () => {
      // Still the session of the organization switch: not recently authenticated.
      await openNav(page, 'API keys', '/settings/api-keys');
      const row = page.locator(`tr[data-key-id="${keys.test.id}"]`);
      await row.getByRole('button', { name: 'Revoke Integration tests' }).click();
      const dialog = page.getByRole('dialog', { name: 'Revoke API key' });
      const reauth = page.getByRole('dialog', { name: 'Confirm it is you' });
      const first = await withResponse(page, 'DELETE', '/api/v1/orgs/api-keys/', () =>
        dialog.getByRole('button', { name: 'Revoke key' }).click(),
      );
      assert(first.status() === 403, `DELETE /orgs/api-keys/{id} answered ${first.status()}, expected 403`);
      await reauth.waitFor();
      await reauth.getByRole('button', { name: 'Cancel' }).click();
      await reauth.waitFor({ state: 'hidden' });
      await dialog.getByText('Nothing was revoked: this change needs your password, and it was not confirmed.').waitFor();
      assert((await row.getAttribute('data-status')) === 'active', 'the key changed although the password was not confirmed');

      await reauth.waitFor({ state: 'detached' }).catch(() => undefined);
      const [confirmed, retried] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/api/v1/auth/reauthenticate')),
        page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().includes('/api/v1/orgs/api-keys/') && r.status() !== 403),
        (async () => {
          await dialog.getByRole('button', { name: 'Revoke key' }).click();
          await fillReauth(reauth, ADMIN);
          await reauth.getByRole('button', { name: 'Confirm' }).click();
        })(),
      ]);
      assert(confirmed.status() === 204, `POST /auth/reauthenticate answered ${confirmed.status()}`);
      assert(retried.status() === 204, `the retried DELETE answered ${retried.status()}`);
      await page.locator(`tr[data-key-id="${keys.test.id}"][data-status="revoked"]`).waitFor();
      const refused = await ingest(keys.test.key, { external_id: 'e2e-sandbox-0003', amount: '3.00', currency: 'USD', direction: 'outbound', account_id: 'acc-sbx' });
      assert(refused.status === 401, `the revoked sandbox key answered ${refused.status}`);
    });

    await check(
      'sign out lands on /login and ends the session on the server',
      async () => {
        await page.getByRole('button', { name: new RegExp(`^${ADMIN.name}`) }).click();
        await page.getByRole('menuitem', { name: 'Sign out' }).click();
        await waitForPath(page, '/login');
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        const me = await page.request.get(`${BASE}/api/v1/auth/me`);
        assert(me.status() === 401, `GET /auth/me after sign-out answered ${me.status()}`);
      },
      { critical: true },
    );

    await check('an analyst sees the no-access state on the audit log', async () => {
      await signIn(page, ANALYST);
      await page.locator('.topbar').getByText('Analyst', { exact: true }).waitFor();
      assert((await page.locator('.topbar .org-switcher').count()) === 0, 'switcher shown for a single membership');
      await openNav(page, 'Audit log', '/settings/audit-log');
      await page.getByRole('heading', { name: 'You do not have access' }).waitFor();
      assert((await page.locator('table.table-audit').count()) === 0, 'audit entries shown to an analyst');
      await screenshot(page, 'analyst-no-access');
    });

    await check('an analyst sees Team read-only', async () => {
      await openNav(page, 'Team', '/settings/team');
      await page.locator('tr', { hasText: ADMIN.email }).waitFor();
      assert((await page.getByRole('combobox').count()) === 0, 'role selects shown to an analyst');
      assert((await page.getByRole('button', { name: /^Remove / }).count()) === 0, 'remove buttons shown to an analyst');
    });

    await check('ending the current session on Sessions signs out', async () => {
      await page.getByRole('button', { name: new RegExp(`^${ANALYST.name}`) }).click();
      await page.getByRole('menuitem', { name: 'Sessions' }).click();
      await waitForPath(page, '/settings/sessions');
      await page.getByRole('button', { name: 'End this session (sign out)' }).click();
      await page.getByRole('dialog', { name: 'End this session?' }).getByRole('button', { name: 'End and sign out' }).click();
      await waitForPath(page, '/login');
      await page.getByText('You ended this session and have been signed out.').waitFor();
      const me = await page.request.get(`${BASE}/api/v1/auth/me`);
      assert(me.status() === 401, `GET /auth/me after ending the session answered ${me.status()}`);
    });

    stopRemaining = false;
    await check('no Content Security Policy violations', async () => {
      assert(cspViolations.length === 0, `CSP violations:\n${cspViolations.join('\n')}`);
    });
    await check('no uncaught errors in the page', async () => {
      assert(pageErrors.length === 0, `page errors:\n${pageErrors.join('\n')}`);
    });
  } finally {
    await context.close().catch(() => undefined);
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  console.error(`e2e: gave up after ${TOTAL_TIMEOUT_MS / 1000} s`);
  console.log(`e2e: ${results.filter((r) => r.status === 'passed').length} passed, ${results.filter((r) => r.status !== 'passed').length + 1} failed`);
  process.exit(1);
}, TOTAL_TIMEOUT_MS);

try {
  console.log(`e2e: console at ${BASE}`);
  await main();
} catch (err) {
  results.push({ name: 'test harness', status: 'failed', error: err });
  console.log(`  FAIL  test harness: ${err?.stack ?? err}`);
}
clearTimeout(watchdog);
const passed = results.filter((r) => r.status === 'passed').length;
const failed = results.filter((r) => r.status === 'failed').length;
const skipped = results.filter((r) => r.status === 'skipped').length;
console.log(`e2e: ${passed} passed, ${failed} failed${skipped ? ` (${skipped} not run)` : ''}`);
process.exit(failed > 0 || skipped > 0 ? 1 : 0);
