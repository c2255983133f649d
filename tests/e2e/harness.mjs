// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the e2e suites run by tests/e2e/run: environment, named checks with a summary,
// the Chromium launch (Debian's chromium through playwright-core), screenshots, sign-in and
// navigation, and ingestion over HTTP with an API key. (console.e2e.mjs predates this file and
// still carries its own copies.)
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
const require = createRequire(path.join(repoRoot, 'web', 'package.json'));
const { chromium } = require('playwright-core');

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

export async function signIn(page, user) {
  await page.goto(`${BASE}/login`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login', { timeout: STEP_TIMEOUT_MS });
  await page.locator('.topbar').waitFor();
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
