// SPDX-License-Identifier: Apache-2.0
// End-to-end journey of the investigation workflow (issue 7) in Chromium against the real server
// started by tests/e2e/run (environment as in console.e2e.mjs, plus WT_BIN: the server binary, for
// `watchtower simulate`). Runs last: it moves the server's test clock 9 hours forward.
//
// Set-up through the API as the Acme ADMIN (MFA): the starter pack of rules turned on, a production
// API key, and simulated traffic (`watchtower simulate`, fixed seed, suspicious patterns at 10 %,
// spread over the last 24 hours) that raises alerts; some alerts are given to the analyst and
// closed, so the dashboard has open work, medians and false-positive rates (its screenshot is
// taken then). The clock then moves 9 hours on, so high and critical alerts are overdue.
//
// The journey: the admin signs in again, works the alert queue with the keyboard (j/k move, x
// selects, a assigns to me, c closes with a disposition and a required note, ? lists shortcuts),
// opens one with Enter, selects alerts with a shift-click, creates a case from them, comments, uploads evidence (a
// refused type first), moves the status, closes the case with resolution `sar_filed` and a note
// (the timeline shows every step; the report document opens), reads the dashboard and the reports
// page (a CSV export), creates a webhook channel (a loopback URL refused at the field, then a URL
// outside the allowed domains typed with it refused at the URL field; the secret shown once), edits
// its allowed domains (a list that no longer allows the URL refused at the field) and sends a test.
// An ANALYST then sees no "assign to someone" and no case closing; a VIEWER sees the queue with no
// actions. Screenshots: dashboard.png, alert-queue.png, case.png (and
// cases.png, reports.png, channels.png, channel-deliveries.png).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { assert, BASE, check, consoleApi, env, openNav, runSuite, screenshot, signIn, waitForPath, withResponse } from './harness.mjs';

const run = promisify(execFile);
const BIN = env('WT_BIN');
const CLOCK_FILE = env('WT_CLOCK_FILE');
const ADMIN = {
  email: env('WT_ADMIN_EMAIL'),
  password: env('WT_ADMIN_PASSWORD'),
  name: env('WT_ADMIN_NAME', 'Ada Admin'),
  totpSecret: env('WT_ADMIN_TOTP_SECRET'),
};
const ANALYST = { email: env('WT_ANALYST_EMAIL'), password: env('WT_ANALYST_PASSWORD'), name: env('WT_ANALYST_NAME', 'Ann Analyst') };
const VIEWER = { email: env('WT_READER_EMAIL'), password: env('WT_READER_PASSWORD') };
const CASE_TITLE = 'Structuring and velocity on one account';

const queueRows = (page) => page.locator('table.table-queue tbody tr');

/** Moves the server's test clock forward by `seconds` (it only ever moves forward). */
function advanceClock(seconds) {
  const now = existsSync(CLOCK_FILE) ? Number(readFileSync(CLOCK_FILE, 'utf8').trim()) || 0 : 0;
  writeFileSync(CLOCK_FILE, `${now + seconds}\n`);
}

async function signOut(page) {
  await page.locator('.me-button').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await waitForPath(page, '/login');
}

/**
 * A screenshot of the whole page in a window as tall as `height` (a full-page capture would cut
 * the fixed navigation short), then the usual window again.
 */
async function tallScreenshot(page, name, height) {
  await page.setViewportSize({ width: 1280, height });
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, name);
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Presses a key with the focus on the page itself (not in a field). */
async function press(page, key) {
  await page.keyboard.press(key);
}

await runSuite(
  'investigation: queue, case, dashboard, reports, channels',
  async (page) => {
    const state = { analystId: null, adminId: null, caseId: null, closedAlertId: null, caseAlertIds: [] };

    await check(
      'set-up: the starter pack on, an API key, simulated traffic that raises alerts',
      async () => {
        await signIn(page, ADMIN);
        const pack = await consoleApi(page, 'POST', '/rules/starter-pack', { status: 'active' });
        assert(pack.status === 200 || pack.status === 201, `POST /rules/starter-pack answered ${pack.status}: ${JSON.stringify(pack.body)}`);
        const key = await consoleApi(page, 'POST', '/orgs/api-keys', { name: 'e2e simulator', environment: 'production', allowed_ips: [] });
        assert(key.status === 201, `POST /orgs/api-keys answered ${key.status}: ${JSON.stringify(key.body)}`);
        const sim = await run(
          BIN,
          ['simulate', '--url', BASE, '--api-key', key.body.key, '--count', '3000', '--pattern-rate', '0.1', '--seed', '11', '--batch', '100', '--concurrency', '2', '--quiet', '--json'],
          { timeout: 120_000 },
        );
        const summary = JSON.parse(sim.stdout);
        assert(summary.transactions.created === 3000, `simulate: ${JSON.stringify(summary.transactions)}`);
        const members = await consoleApi(page, 'GET', '/orgs/members');
        state.analystId = members.body.data.find((m) => m.email === ANALYST.email)?.user_id;
        state.adminId = members.body.data.find((m) => m.email === ADMIN.email)?.user_id;
        assert(state.analystId && state.adminId, 'the analyst and the admin are members');
        const open = await consoleApi(page, 'GET', '/alerts?status=open&limit=200');
        assert(open.status === 200 && open.body.data.length >= 46, `only ${open.body.data?.length} open alerts after the traffic`);
        const ids = open.body.data.map((a) => a.id);
        // Work for the dashboard: every third of the newest 30 for the analyst, some closed as
        // false or true positives.
        const give = await consoleApi(page, 'POST', '/alerts/bulk', {
          alert_ids: ids.slice(0, 30).filter((_, i) => i % 3 === 1),
          action: 'assign',
          assignee_id: state.analystId,
        });
        assert(give.status === 200, `bulk assign answered ${give.status}: ${JSON.stringify(give.body)}`);
        const fp = await consoleApi(page, 'POST', '/alerts/bulk', {
          alert_ids: ids.slice(30, 42),
          action: 'close',
          disposition: 'false_positive',
          note: 'Payroll run to known payees',
        });
        assert(fp.status === 200 && fp.body.updated === 12, `bulk close answered ${fp.status}: ${JSON.stringify(fp.body)}`);
        const tp = await consoleApi(page, 'POST', '/alerts/bulk', { alert_ids: ids.slice(42, 46), action: 'close', disposition: 'true_positive', note: 'Confirmed with the customer' });
        assert(tp.status === 200, `bulk close answered ${tp.status}`);
      },
      { critical: true },
    );

    await check('the dashboard: figures and charts of the traffic (screenshot before the clock moves)', async () => {
      await page.goto(`${BASE}/?period=24h`);
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      await page.locator('.stat-grid').waitFor();
      const tx = await page.locator('.stat', { hasText: 'Transactions' }).locator('.stat-value').textContent();
      // The simulator spread its 3,000 transactions over the 24 hours before it ran; the period
      // starts at a whole hour, so part of the first hour's are outside it (and other suites may
      // have sent a few).
      const shown = Number(tx.replace(/,/g, ''));
      assert(shown > 2000 && shown <= 3100, `the dashboard shows ${tx} transactions`);
      assert((await page.locator('svg.bar-chart rect.series').count()) > 20, 'the charts have no bars');
      await page.locator('.hbar-row', { hasText: ANALYST.name }).first().waitFor();
      assert((await page.locator('.hbar-row').count()) >= 6, 'few rankings (rules, assignees, false positives)');
      await tallScreenshot(page, 'dashboard', 1330);
    });

    await check('the clock moves 9 hours: high and critical alerts become overdue', async () => {
      advanceClock(9 * 3600);
    });

    await check(
      'the admin signs in again and opens the queue: views, SLA and overdue badges',
      async () => {
        await signIn(page, ADMIN);
        await openNav(page, 'Alerts', '/alerts');
        await queueRows(page).first().waitFor();
        await page.getByRole('button', { name: 'Overdue', exact: true }).click();
        await waitForPath(page, '/alerts');
        await page.waitForURL((u) => u.search.includes('view=overdue'));
        await queueRows(page).first().waitFor();
        const overdue = await page.locator('table.table-queue .badge-danger', { hasText: 'Overdue' }).count();
        assert(overdue > 0, 'no Overdue badge in the Overdue view');
        await page.getByRole('button', { name: 'Unassigned', exact: true }).click();
        await page.waitForURL((u) => u.search.includes('view=unassigned'));
        await queueRows(page).first().waitFor();
      },
      { critical: true },
    );

    await check('? lists the shortcuts', async () => {
      await page.locator('h1').focus();
      await press(page, '?');
      const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await dialog.waitFor();
      assert((await dialog.getByText('Assign the alert (or the selected ones) to me').count()) === 1, 'the shortcut list lacks "a"');
      await dialog.getByRole('button', { name: 'Done' }).click();
      await dialog.waitFor({ state: 'hidden' });
    });

    await check(
      'keyboard: j moves, x selects two, a assigns them to me',
      async () => {
        await page.locator('h1').focus();
        await press(page, 'j');
        await page.locator('tr.row-cursor').first().waitFor();
        const first = await queueRows(page).nth(0).getAttribute('data-alert-id');
        assert((await queueRows(page).nth(0).getAttribute('class')).includes('row-cursor'), 'j did not put the cursor on the first row');
        await press(page, 'x');
        await press(page, 'j');
        const second = await queueRows(page).nth(1).getAttribute('data-alert-id');
        await press(page, 'x');
        await page.getByText('2 alerts selected').waitFor();
        const response = await withResponse(page, 'POST', '/api/v1/alerts/bulk', () => press(page, 'a'));
        assert(response.status() === 200, `bulk assign answered ${response.status()}`);
        await page.getByText('2 alerts assigned to you.').waitFor();
        for (const id of [first, second]) {
          const alert = await consoleApi(page, 'GET', `/alerts/${id}`);
          assert(alert.body.assignee_id === state.adminId, `alert ${id} is assigned to ${alert.body.assignee_id}`);
        }
      },
      { critical: true },
    );

    await check(
      'My queue: c closes the alert under the cursor with a disposition and a required note',
      async () => {
        await page.getByRole('button', { name: 'My queue', exact: true }).click();
        await page.waitForURL((u) => u.search.includes('view=mine'));
        await queueRows(page).first().waitFor();
        const count = await queueRows(page).count();
        assert(count >= 2, `my queue has ${count} alerts`);
        await page.locator('h1').focus();
        await press(page, 'j');
        state.closedAlertId = await page.locator('tr.row-cursor').getAttribute('data-alert-id');
        await press(page, 'c');
        const dialog = page.getByRole('dialog', { name: 'Close alert' });
        await dialog.waitFor();
        await dialog.getByRole('button', { name: 'Close alert' }).click();
        await dialog.getByText('Choose a disposition.').waitFor();
        await dialog.getByText('Say why: the note is required.').waitFor();
        await dialog.getByLabel(/^False positive/).check();
        await dialog.getByRole('textbox', { name: 'Note' }).fill('Salary payment to a long-standing payee');
        const response = await withResponse(page, 'POST', '/api/v1/alerts/bulk', () => dialog.getByRole('button', { name: 'Close alert' }).click());
        assert(response.status() === 200, `closing answered ${response.status()}`);
        await page.getByText('1 alert closed as false positive.').waitFor();
        const alert = await consoleApi(page, 'GET', `/alerts/${state.closedAlertId}`);
        assert(alert.body.status === 'closed' && alert.body.disposition === 'false_positive', `the alert is ${alert.body.status}/${alert.body.disposition}`);
        const closed = alert.body.events.find((e) => e.action === 'alert.closed');
        assert(closed && closed.details.note === 'Salary payment to a long-standing payee', 'the history lacks the closing note');
      },
      { critical: true },
    );

    await check('Enter opens the alert under the cursor; its page has the triage actions and the history', async () => {
      await page.locator('h1').focus();
      await press(page, 'j');
      const id = await page.locator('tr.row-cursor').getAttribute('data-alert-id');
      await press(page, 'Enter');
      await waitForPath(page, `/alerts/${id}`);
      await page.locator('#triage-heading').waitFor();
      await page.locator('#alert-history-heading').waitFor();
      await page.getByRole('link', { name: 'Alert queue' }).click();
      await page.waitForURL((u) => u.pathname === '/alerts' && u.search.includes('view=mine'));
      await queueRows(page).first().waitFor();
    });

    await check(
      'All open: checkbox and shift-click select a range; the queue screenshot',
      async () => {
        await page.getByRole('button', { name: 'All open', exact: true }).click();
        await page.waitForURL((u) => !u.search.includes('view='));
        await queueRows(page).nth(4).waitFor();
        await queueRows(page).nth(1).locator('input[type=checkbox]').click();
        await queueRows(page).nth(3).locator('input[type=checkbox]').click({ modifiers: ['Shift'] });
        await page.getByText('3 alerts selected').waitFor();
        state.caseAlertIds = [];
        for (const i of [1, 2, 3]) state.caseAlertIds.push(await queueRows(page).nth(i).getAttribute('data-alert-id'));
        await tallScreenshot(page, 'alert-queue', 1000);
      },
      { critical: true },
    );

    await check(
      'Create case from the selection opens the case page',
      async () => {
        await page.getByRole('button', { name: 'Create case' }).click();
        const dialog = page.getByRole('dialog', { name: 'Create case from 3 alerts' });
        await dialog.waitFor();
        await dialog.getByLabel('Title').fill(CASE_TITLE);
        await dialog.getByLabel('Priority').selectOption('high');
        const response = await withResponse(page, 'POST', '/api/v1/cases', () => dialog.getByRole('button', { name: 'Create case' }).click());
        assert(response.status() === 201, `POST /cases answered ${response.status()}: ${await response.text()}`);
        state.caseId = (await response.json()).id;
        await waitForPath(page, `/cases/${state.caseId}`);
        await page.getByRole('heading', { level: 1, name: CASE_TITLE }).waitFor();
        assert((await page.locator('#case-alerts-heading').count()) === 1, 'no Alerts section');
        for (const id of state.caseAlertIds) await page.getByText(id, { exact: true }).waitFor();
      },
      { critical: true },
    );

    await check('the case: a comment, evidence (a refused type first), status Investigating, assigned to me', async () => {
      await page.getByLabel('New comment').fill('Three deposits just under the threshold within an hour; asked the branch for the KYC file.');
      await withResponse(page, 'POST', `/api/v1/cases/${state.caseId}/comments`, () => page.getByRole('button', { name: 'Add comment' }).click());
      await page.locator('.comment-body', { hasText: 'asked the branch for the KYC file' }).waitFor();

      // The upload hint states the limits of the case view (evidence_limits), not a copy in the console.
      const limits = await page.evaluate(async (id) => (await (await fetch(`/api/v1/cases/${id}`)).json()).evidence_limits, state.caseId);
      const hint = (await page.locator('.evidence-upload .field-hint').textContent()) ?? '';
      assert(
        limits && limits.content_types.length > 0 && hint.includes(`up to ${limits.max_bytes / (1024 * 1024)} MB`),
        `evidence hint "${hint}" for the server's limits ${JSON.stringify(limits)}`,
      );
      const upload = page.locator('input[type=file]');
      await upload.setInputFiles({ name: 'tool.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') });
      await page.getByText('tool.exe is not an accepted type').waitFor();
      await withResponse(page, 'POST', `/api/v1/cases/${state.caseId}/evidence`, () =>
        upload.setInputFiles({ name: 'kyc-notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Customer since 2019; declared income 42,000 EUR.\n') }),
      );
      const link = page.getByRole('link', { name: 'kyc-notes.txt' });
      await link.waitFor();
      const href = await link.getAttribute('href');
      const file = await page.evaluate(async (h) => (await fetch(h)).text(), href);
      assert(file.includes('declared income 42,000 EUR'), `the evidence download answered: ${file.slice(0, 80)}`);

      await withResponse(page, 'PATCH', `/api/v1/cases/${state.caseId}`, () => page.getByLabel('Status', { exact: true }).selectOption('investigating'));
      await page.locator('.timeline-entry', { hasText: 'changed the status from Open to Investigating' }).waitFor();
      await withResponse(page, 'PATCH', `/api/v1/cases/${state.caseId}`, () => page.getByLabel('Assignee', { exact: true }).selectOption({ label: ADMIN.name }));
      await page.locator('.timeline-entry', { hasText: 'assigned it to you' }).waitFor();
      await tallScreenshot(page, 'case', 1500);
    });

    await check(
      'the case closes with resolution SAR filed; the timeline has every step; the report opens',
      async () => {
        await page.getByRole('button', { name: 'Close case…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Close case' });
        await dialog.waitFor();
        await dialog.getByLabel(/^SAR filed/).check();
        await dialog.getByRole('textbox', { name: 'Note' }).fill('Structuring pattern confirmed; SAR filed with the FIU.');
        const response = await withResponse(page, 'POST', `/api/v1/cases/${state.caseId}/close`, () => dialog.getByRole('button', { name: 'Close case' }).click());
        assert(response.status() === 200, `close answered ${response.status()}: ${await response.text()}`);
        await page.getByText('Closed: SAR filed').waitFor();
        for (const action of ['created', 'alert_added', 'commented', 'evidence_added', 'status_changed', 'closed']) {
          assert((await page.locator(`.timeline-entry[data-action="${action}"]`).count()) > 0, `no ${action} on the timeline`);
        }
        assert((await page.getByRole('button', { name: 'Add comment' }).count()) === 0, 'a closed case still offers comments');
        const href = await page.getByRole('link', { name: 'Suspicious-activity report' }).getAttribute('href');
        const report = await page.evaluate(async (h) => {
          const r = await fetch(h);
          return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
        }, href);
        assert(report.status === 200 && report.text.includes('SAR filed with the FIU'), `the report answered ${report.status} ${report.type}`);
        const audit = await consoleApi(page, 'GET', '/orgs/audit-logs?action=case.closed');
        assert(audit.body.data.some((e) => JSON.stringify(e.target).includes(state.caseId)), 'case.closed is not in the audit log');
      },
      { critical: true },
    );

    await check('the case list shows it closed', async () => {
      await openNav(page, 'Cases', '/cases');
      await page.getByRole('button', { name: 'Closed', exact: true }).click();
      await page.locator(`tr[data-case-id="${state.caseId}"]`, { hasText: 'SAR filed' }).waitFor();
      await screenshot(page, 'cases');
    });

    await check('the dashboard counts the overdue alerts and the closed case', async () => {
      await openNav(page, 'Dashboard', '/');
      const overdue = page.locator('.stat', { hasText: 'Open alerts' }).getByRole('link', { name: /overdue/ });
      await overdue.waitFor();
      assert(Number((await overdue.textContent()).split(' ')[0]) > 0, 'no overdue alerts on the dashboard');
      await page.locator('.stat', { hasText: 'Median time to close' }).waitFor();
    });

    await check('reports: the summary and a CSV export', async () => {
      await openNav(page, 'Reports', '/reports');
      await page.locator('#sum-tx-heading').waitFor();
      const href = await page.getByRole('link', { name: 'Download alerts' }).getAttribute('href');
      const csv = await page.evaluate(async (h) => {
        const r = await fetch(h);
        return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
      }, href);
      assert(csv.status === 200 && /text\/csv/.test(csv.type), `the export answered ${csv.status} ${csv.type}`);
      assert(csv.text.split('\n').length > 40, 'the alerts export has few rows');
      await tallScreenshot(page, 'reports', 1000);
    });

    await check('channels: a loopback webhook and a URL outside its allowed domains are refused at the URL field; a webhook shows its secret once; its allowed domains are edited; a test is sent', async () => {
      await page.goto(`${BASE}/settings/channels`);
      await page.getByRole('heading', { level: 1, name: 'Notification channels' }).waitFor();
      await page.getByRole('button', { name: 'New channel' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'New notification channel' });
      await dialog.getByLabel('Name').fill('Ops webhook');
      const url = dialog.getByRole('textbox', { name: 'URL' });
      await url.fill('http://127.0.0.1:9/hook');
      await dialog.getByRole('button', { name: 'Create channel' }).click();
      await dialog.locator('.field-invalid .field-error').first().waitFor();
      await url.fill('https://hooks.example.test/watchtower');
      const domains = dialog.getByRole('textbox', { name: 'Allowed domains' });
      await domains.fill('partner.test');
      await dialog.getByRole('button', { name: 'Create channel' }).click();
      const urlError = dialog.locator('.field-invalid', { has: page.getByRole('textbox', { name: 'URL' }) }).locator('.field-error');
      await urlError.waitFor();
      const urlMessage = await urlError.textContent();
      assert(/hooks\.example\.test.*allowed_domains/.test(urlMessage), `the URL field says: ${urlMessage}`);
      await domains.fill('example.test');
      await dialog.getByRole('button', { name: 'Create channel' }).click();
      const secretDialog = page.getByRole('dialog', { name: 'Webhook created' });
      await secretDialog.waitFor();
      const secret = await secretDialog.getByLabel('Signing secret').inputValue();
      assert(/^whsec_/.test(secret), `the secret shown is ${secret.slice(0, 8)}…`);
      await secretDialog.getByRole('button', { name: 'I have stored the secret' }).click();
      assert((await page.content()).indexOf(secret) < 0, 'the secret stays in the page after the dialog closed');
      await page.locator('.channel-domains .cell-id', { hasText: /^example\.test$/ }).waitFor();
      await page.getByRole('button', { name: 'Edit the allowed domains of Ops webhook' }).click();
      const edit = page.getByRole('dialog', { name: /^Allowed domains of/ });
      const editField = edit.getByRole('textbox', { name: 'Allowed domains' });
      await editField.fill('partner.test');
      await edit.getByRole('button', { name: 'Save' }).click();
      const editError = edit.locator('.field-invalid .field-error');
      await editError.waitFor();
      assert(/hooks\.example\.test/.test(await editError.textContent()), 'the edit dialog does not say which host is left out');
      await editField.fill('example.test, partner.test');
      await edit.getByRole('button', { name: 'Save' }).click();
      await edit.waitFor({ state: 'hidden' });
      await page.locator('.channel-domains .cell-id', { hasText: /^example\.test, partner\.test$/ }).waitFor();
      await page.getByRole('button', { name: 'Send test' }).first().click();
      const log = page.getByRole('dialog', { name: /^Deliveries of/ });
      await log.getByText('test', { exact: true }).first().waitFor();
      await screenshot(page, 'channel-deliveries');
      await log.getByRole('button', { name: 'Close' }).click();
      await log.waitFor({ state: 'hidden' });
      await screenshot(page, 'channels');
    });

    await check('an analyst: no "assign to someone", no closing of cases', async () => {
      await signOut(page);
      await signIn(page, ANALYST);
      await openNav(page, 'Alerts', '/alerts');
      await queueRows(page).first().waitFor();
      assert((await page.getByRole('toolbar', { name: 'Selected alerts' }).count()) === 1, 'the analyst has no bulk toolbar');
      assert((await page.getByLabel('Assign the selected alerts to').count()) === 0, 'the analyst may assign to someone else');
      await page.goto(`${BASE}/cases/${state.caseId}`);
      await page.getByRole('heading', { level: 1, name: CASE_TITLE }).waitFor();
      assert((await page.getByRole('button', { name: 'Reopen' }).count()) === 0, 'the analyst may reopen the case');
    });

    await check('the analyst asks to be mailed about escalated cases (Notifications in the account menu)', async () => {
      await page.locator('.me-button').click();
      await page.getByRole('menuitem', { name: 'Notifications' }).click();
      await waitForPath(page, '/settings/notifications');
      const escalated = page.getByRole('checkbox', { name: /A case is escalated/ });
      await escalated.waitFor();
      const before = await escalated.isChecked();
      await escalated.setChecked(!before);
      const response = await withResponse(page, 'PUT', '/api/v1/notifications/settings', () => page.getByRole('button', { name: 'Save' }).click());
      assert(response.status() === 200, `PUT /notifications/settings answered ${response.status()}`);
      await page.getByText('Saved.').waitFor();
      const saved = await consoleApi(page, 'GET', '/notifications/settings');
      assert(saved.body.events.includes('case.escalated') === !before, `settings after saving: ${JSON.stringify(saved.body)}`);
    });

    await check('a viewer: the queue without selection, toolbar or shortcuts to triage', async () => {
      await signOut(page);
      await signIn(page, VIEWER);
      await openNav(page, 'Alerts', '/alerts');
      await queueRows(page).first().waitFor();
      assert((await page.getByRole('toolbar', { name: 'Selected alerts' }).count()) === 0, 'the viewer has a bulk toolbar');
      assert((await page.locator('table.table-queue input[type=checkbox]').count()) === 0, 'the viewer can select alerts');
      await queueRows(page).first().getByRole('link').first().click();
      await waitForPath(page, /^\/alerts\/.+/);
      await page.locator('#alert-history-heading').waitFor();
      assert((await page.locator('#triage-heading').count()) === 0, 'the viewer sees triage actions');
    });
  },
  { totalTimeoutMs: 280_000 },
);
