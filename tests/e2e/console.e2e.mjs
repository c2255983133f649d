// SPDX-License-Identifier: Apache-2.0
// End-to-end test of the WatchTower console in Chromium (playwright-core driving Debian's
// chromium), against a running `watchtower serve` that serves web/dist.
//
// Run by tests/e2e/run, which starts the server and provides:
//   WT_BASE_URL                          e.g. http://127.0.0.1:41234
//   WT_ORG_NAME                          organization created by `watchtower init`
//   WT_ADMIN_EMAIL, WT_ADMIN_PASSWORD, WT_ADMIN_NAME
//   WT_ANALYST_EMAIL, WT_ANALYST_PASSWORD, WT_ANALYST_NAME
// Optional:
//   WT_SCREENSHOT_DIR   where page screenshots go (default: docs/screenshots)
//   CHROMIUM_PATH       browser binary (default: /usr/bin/chromium)
//   WT_E2E_HEADED=1     show the browser
//
// Prints one line per check and a summary `e2e: N passed, M failed`; exits 1 on any failure.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
};
const ANALYST = {
  email: env('WT_ANALYST_EMAIL'),
  password: env('WT_ANALYST_PASSWORD'),
  name: env('WT_ANALYST_NAME', 'Ann Analyst'),
};
const SHOTS = path.resolve(repoRoot, process.env.WT_SCREENSHOT_DIR || 'docs/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 15_000;
const TOTAL_TIMEOUT_MS = 150_000;

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
  const content = page.locator('table.table, .empty-state, .page-error').first();
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
        await waitForPath(page, '/settings/team'); // back to where the anonymous visit started
        const topbar = page.locator('.topbar');
        await topbar.getByText(ADMIN.name, { exact: true }).waitFor();
        const org = await currentOrganization(page);
        assert(org === ORG, `top bar organization is "${org}", expected "${ORG}"`);
        await topbar.getByText('Admin', { exact: true }).waitFor();
      },
      { critical: true },
    );

    await check('unbuilt sections show a coming-soon state', async () => {
      await openNav(page, 'Alerts', '/alerts');
      await page.getByRole('heading', { name: 'Alerts is coming soon' }).waitFor();
      await openNav(page, 'Dashboard', '/');
      await page.getByRole('heading', { name: 'Dashboard is coming soon' }).waitFor();
    });

    await check('Team lists both members with their roles', async () => {
      await openNav(page, 'Team', '/settings/team');
      await failOnMfaGate(page);
      const adminRow = page.locator('tr', { hasText: ADMIN.email });
      const analystRow = page.locator('tr', { hasText: ANALYST.email });
      await adminRow.waitFor();
      await analystRow.waitFor();
      await adminRow.getByText(ADMIN.name).waitFor();
      await analystRow.getByText(ANALYST.name).waitFor();
      // An admin sees a role select per member.
      const adminRole = await adminRow.getByRole('combobox', { name: `Role for ${ADMIN.name}` }).inputValue();
      const analystRole = await analystRow.getByRole('combobox', { name: `Role for ${ANALYST.name}` }).inputValue();
      assert(adminRole === 'ADMIN', `admin row role is ${adminRole}`);
      assert(analystRole === 'ANALYST', `analyst row role is ${analystRole}`);
      await screenshot(page, 'team');
    });

    await check('demoting the last admin shows the 409 detail inline', async () => {
      const select = page.getByRole('combobox', { name: `Role for ${ADMIN.name}` });
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/api/v1/orgs/members/')),
        select.selectOption('ANALYST'),
      ]);
      assert(response.status() === 409, `PATCH /orgs/members/{admin} answered ${response.status()}, expected 409`);
      const detail = (await response.json()).detail;
      await page.locator('tr.row-message').getByText(detail).waitFor();
      assert((await select.inputValue()) === 'ADMIN', 'the select did not return to Admin');
    });

    await check('Audit log shows successful and failed sign-ins', async () => {
      await openNav(page, 'Audit log', '/settings/audit-log');
      await failOnMfaGate(page);
      const table = page.locator('table.table-audit');
      await table.waitFor();
      await table.locator('tr[data-action="auth.login.succeeded"]').first().waitFor();
      await table.locator('tr[data-action="auth.login.failed"]').first().waitFor();
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

    await check('Sessions (from the account menu) shows the current session', async () => {
      await page.getByRole('button', { name: new RegExp(ADMIN.name) }).click();
      await page.getByRole('menu').getByText(ADMIN.email).waitFor();
      await page.getByRole('menuitem', { name: 'Sessions' }).click();
      await waitForPath(page, '/settings/sessions');
      await page.getByRole('heading', { level: 1, name: 'Sessions' }).waitFor();
      const current = page.locator('tr[data-current="true"]');
      await current.waitFor();
      await current.getByText('This session').waitFor();
      await screenshot(page, 'sessions');
    });

    await check(
      'sign out lands on /login and ends the session on the server',
      async () => {
        await page.getByRole('button', { name: new RegExp(ADMIN.name) }).click();
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
