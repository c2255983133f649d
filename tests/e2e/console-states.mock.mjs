// SPDX-License-Identifier: Apache-2.0
// Console states that a fresh server cannot reach yet (MFA sign-in, several organizations,
// re-authentication, the last-admin conflict, rate limiting), driven in Chromium against the mock
// API (tests/e2e/mock-api.mjs, started here on a free port). A console check, not a server test.
//
//   node tests/e2e/console-states.mock.mjs        (web/dist must be built)
// Screenshots go to tests/e2e/artifacts/states/ (not committed).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const require = createRequire(path.join(repoRoot, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const PASSWORD = 'correct horse battery staple';
const SHOTS = path.join(here, 'artifacts', 'states');

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const BASE = `http://127.0.0.1:${port}`;
const mock = spawn(process.execPath, [path.join(here, 'mock-api.mjs'), '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => mock.stdout.once('data', resolve));

const results = [];
const csp = [];
async function check(name, fn) {
  try {
    await fn();
    results.push(true);
    console.log(`  ok    ${name}`);
  } catch (err) {
    results.push(false);
    console.log(`  FAIL  ${name}\n        ${String(err?.message ?? err).split('\n')[0]}`);
  }
}
const assert = (c, m) => {
  if (!c) throw new Error(m);
};

const userDataDir = mkdtempSync(path.join(tmpdir(), 'wt-e2e-states-'));
mkdirSync(SHOTS, { recursive: true });
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
context.setDefaultTimeout(10_000);
const page = context.pages()[0] ?? (await context.newPage());
page.on('console', (m) => /Content[- ]Security[- ]Policy/i.test(m.text()) && csp.push(m.text()));
const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

async function credentials(email, password) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

try {
  await check('empty submit shows field errors', async () => {
    await page.goto(`${BASE}/login`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Enter your email address.').waitFor();
    await page.getByText('Enter your password.').waitFor();
  });

  await check('MFA: second step with a code, wrong code shows the detail', async () => {
    await credentials('mfa@acme.test', PASSWORD);
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').getByText('The code is not valid.').waitFor();
    await shot('mfa-wrong-code');
    await page.getByLabel('Authentication code').fill('123456');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.locator('.topbar').getByText('Max Factor').waitFor();
  });

  await check('MFA: backup code', async () => {
    await context.clearCookies();
    await credentials('mfa@acme.test', PASSWORD);
    await page.getByRole('button', { name: 'Use a backup code instead' }).click();
    await page.getByLabel('Backup code').fill('backup-code-1');
    await shot('mfa-backup-code');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((u) => u.pathname === '/');
  });

  await check('organization switcher reloads the state', async () => {
    await context.clearCookies();
    await credentials('admin@acme.test', PASSWORD);
    await page.waitForURL((u) => u.pathname === '/');
    await page.goto(`${BASE}/settings/team`);
    await page.getByLabel('Organization').selectOption('org_globex');
    await page.locator('.topbar').getByText('Risk lead', { exact: true }).waitFor();
    await page.locator('tr', { hasText: 'admin@acme.test' }).waitFor();
    assert((await page.locator('tbody tr').count()) === 1, 'Globex should list one member');
    await shot('org-switched');
    await page.getByLabel('Organization').selectOption('org_acme');
    await page.locator('.topbar').getByText('Admin', { exact: true }).waitFor();
  });

  await check('role change asks for re-authentication, then retries', async () => {
    await page.getByRole('combobox', { name: 'Role for Ann Analyst' }).selectOption('VIEWER');
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor();
    await dialog.getByLabel('Password').fill('wrong password!');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.getByText('The password is incorrect.').waitFor();
    await shot('reauth-dialog');
    await dialog.getByLabel('Password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Role changed to Viewer.', { exact: false }).waitFor();
    assert((await page.getByRole('combobox', { name: 'Role for Ann Analyst' }).inputValue()) === 'VIEWER', 'role not updated');
  });

  await check('demoting the last admin shows the 409 detail inline', async () => {
    await page.getByRole('combobox', { name: 'Role for Ada Admin' }).selectOption('ANALYST');
    await page.getByText('The last admin of an organization cannot be demoted.').waitFor();
    assert((await page.getByRole('combobox', { name: 'Role for Ada Admin' }).inputValue()) === 'ADMIN', 'select not reverted');
    await shot('team-last-admin');
  });

  await check('remove asks for confirmation; cancel keeps the member', async () => {
    await page.getByRole('button', { name: 'Remove Max Factor' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove member' });
    await dialog.waitFor();
    await shot('team-remove-confirm');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Remove Max Factor' }).click();
    await page.getByRole('dialog', { name: 'Remove member' }).getByRole('button', { name: 'Remove member' }).click();
    await page.locator('tr', { hasText: 'mfa@acme.test' }).waitFor({ state: 'detached' });
  });

  await check('audit log: "from" after "to" is refused in the form; datetimes go out as UTC', async () => {
    await page.goto(`${BASE}/settings/audit-log`);
    await page.getByLabel('From', { exact: true }).fill('2026-11-23T10:00:00');
    await page.getByLabel('To', { exact: true }).fill('2026-11-22T10:00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Must be after “From”.').waitFor();
    await page.getByLabel('To', { exact: true }).fill('2026-11-24T10:00:00');
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/orgs/audit-logs')),
      page.getByRole('button', { name: 'Apply filters' }).click(),
    ]);
    const q = new URL(request.url()).searchParams;
    assert(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(q.get('from') ?? ''), `from=${q.get('from')}`);
    assert(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(q.get('to') ?? ''), `to=${q.get('to')}`);
    await page.getByRole('button', { name: 'Reset' }).click();
    await page.getByRole('button', { name: 'Details' }).first().click();
    await page.getByText('User agent').waitFor();
    await shot('audit-details');
  });

  await check('ending the current session signs out', async () => {
    await page.goto(`${BASE}/settings/sessions`);
    await page.getByRole('button', { name: 'End this session (sign out)' }).click();
    await page.getByRole('dialog', { name: 'End this session?' }).getByRole('button', { name: 'End and sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByText('You ended this session and have been signed out.').waitFor();
  });

  await check('rate limit shows the wait time and blocks the form', async () => {
    for (let attempt = 0; attempt < 6; attempt += 1) {
      await page.getByLabel('Email').fill('analyst@acme.test');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: /Sign in/ }).click();
      await page.getByRole('alert').or(page.getByRole('status').filter({ hasText: 'Too many' })).first().waitFor();
    }
    await page.getByText('Too many attempts').waitFor();
    await page.locator('.retry-countdown').waitFor();
    assert(await page.getByRole('button', { name: 'Sign in' }).isDisabled(), 'submit not disabled while rate limited');
    await shot('login-rate-limited');
  });

  await check('no CSP violations', async () => assert(csp.length === 0, csp.join('\n')));
} finally {
  await context.close().catch(() => undefined);
  rmSync(userDataDir, { recursive: true, force: true });
  mock.kill('SIGTERM');
}
const passed = results.filter(Boolean).length;
console.log(`e2e (mock states): ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
