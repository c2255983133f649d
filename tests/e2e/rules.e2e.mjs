// SPDX-License-Identifier: Apache-2.0
// End-to-end journey through the rules engine's console pages (rules, lists, alerts), in Chromium
// against a running `watchtower serve`. Run by tests/e2e/run after console.e2e.mjs, with the same
// environment (WT_BASE_URL, WT_ADMIN_*, WT_ANALYST_*; see console.e2e.mjs).
//
// The ADMIN creates a list and adds values; writes a rule with a mistake first (the error marker
// sits on the wrong word, on line 2), fixes it, tests it on a transaction (trace; pointing at a
// step highlights it in the editor) and saves it active; the test sends transactions with an API
// key it creates, and one hits: the alert is in the queue and its detail explains the hit; the
// transaction shows the hit; a backtest counts the hits per day; an edit makes version 2, the
// history shows the diff, and version 1 is restored (as version 3). An ANALYST then sees rules
// and lists read-only.
import {
  assert,
  BASE,
  check,
  consoleApi,
  env,
  ingest,
  openNav,
  runSuite,
  screenshot,
  signIn,
  waitForPath,
  withResponse,
} from './harness.mjs';

const ADMIN = {
  email: env('WT_ADMIN_EMAIL'),
  password: env('WT_ADMIN_PASSWORD'),
  name: env('WT_ADMIN_NAME', 'Ada Admin'),
  totpSecret: env('WT_ADMIN_TOTP_SECRET'), // MFA on (run enrols the admin); signIn enters a fresh code
};
const ANALYST = { email: env('WT_ANALYST_EMAIL'), password: env('WT_ANALYST_PASSWORD') };

const LIST = 'e2e_blocked_countries';
const RULE = 'E2E high-risk wire';
const BAD_EXPRESSION = '# wires to blocked countries\ntype == "wire" and amont > 1000';
const EXPRESSION = `# wires to blocked countries\ntype == "wire" and amount > 1000\n  and counterparty.country in list("${LIST}")`;
const EDITED_EXPRESSION = `# wires to blocked countries\ntype == "wire" and amount > 2500\n  and counterparty.country in list("${LIST}")`;
const DAY_MS = 86_400_000;

/** The trace or explanation step whose source text is exactly `text`. */
function stepOf(scope, text) {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return scope.locator('.trace-step').filter({ has: scope.page().locator('.trace-text', { hasText: exact }) }).first();
}

/** RFC 3339 without milliseconds, `days` before now (and a few minutes, to stay in the past). */
function daysAgo(days) {
  return new Date(Date.now() - days * DAY_MS - 5 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function wire(externalId, country, amount, occurredAt) {
  return {
    external_id: externalId,
    occurred_at: occurredAt,
    amount,
    currency: 'USD',
    direction: 'outbound',
    type: 'wire',
    account_id: 'acc-e2e-rules',
    customer_id: 'cus-e2e-rules',
    counterparty: { name: 'Example Trading', account: 'XX00-e2e', country },
    country: 'US',
  };
}

await runSuite('rules, lists and alerts', async (page) => {
  const state = { listId: null, ruleId: null, alertId: null, transactionId: null };
  const editor = () => page.getByRole('textbox', { name: 'Expression', exact: true });

  await check(
    'the admin signs in and opens Rules',
    async () => {
      await signIn(page, ADMIN);
      await openNav(page, 'Rules', '/rules');
      await page.getByRole('link', { name: 'New rule' }).first().waitFor();
    },
    { critical: true },
  );

  await check(
    'the admin creates a list and adds values, one per line',
    async () => {
      await openNav(page, 'Lists', '/lists');
      await page.getByRole('button', { name: 'New list' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'New list' });
      await dialog.getByLabel('Name', { exact: true }).fill('Bad Name');
      await dialog.getByRole('button', { name: 'Create list' }).click();
      await dialog.locator('.field-error').waitFor();
      await dialog.getByLabel('Name', { exact: true }).fill(LIST);
      await dialog.getByLabel('Description').fill('Countries we do not wire to');
      await dialog.getByRole('button', { name: 'Create list' }).click();
      await waitForPath(page, /^\/lists\/[^/]+$/);
      state.listId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
      await page.getByRole('heading', { level: 1, name: LIST }).waitFor();
      await page.getByLabel('Values, one per line').fill('IR\nKP\n  SY  \n\nIR');
      await page.getByRole('button', { name: 'Add 3 values' }).click();
      await page.getByText('Added 3 values').waitFor();
      const values = await page.locator('table.table-items tbody td.cell-id').allInnerTexts();
      assert(JSON.stringify(values) === JSON.stringify(['IR', 'KP', 'SY']), `values shown: ${JSON.stringify(values)}`);
      await page.getByRole('button', { name: 'Remove SY' }).click();
      await page.getByText('Removed “SY”.').waitFor();
      await page.locator('table.table-items tbody tr', { hasText: 'SY' }).waitFor({ state: 'detached' });
    },
    { critical: true },
  );

  await check(
    'a mistake in a new rule is marked at its line and column while typing',
    async () => {
      await page.goto(`${BASE}/rules/new`);
      await page.getByRole('heading', { level: 1, name: 'New rule' }).waitFor();
      await page.getByLabel('Name', { exact: true }).fill(RULE);
      await page.getByLabel('Description').fill('Wires above 1,000 USD to a country on the blocked list.');
      await editor().fill(BAD_EXPRESSION);
      await page.locator('[data-validation="invalid"]').waitFor();
      const marker = page.locator('.code-editor .tok-error');
      await marker.first().waitFor();
      const marked = await marker.allInnerTexts();
      assert(marked.join('') === 'amont', `the marker covers "${marked.join('')}", expected "amont"`);
      const line = await marker.first().evaluate((el) => el.closest('.code-line')?.getAttribute('data-line'));
      assert(line === '2', `the marker is on line ${line}, expected 2`);
      const message = await page.locator('.code-error').innerText();
      assert(/Line 2, column 20/.test(message), `error position: "${message}"`);
      assert(/unknown field "amont"/.test(message) && /amount/.test(message), `error message: "${message}"`);
      // "Go to the error" puts the caret on it.
      await page.getByRole('button', { name: 'Go to the error' }).click();
      const caret = await editor().evaluate((el) => [el.selectionStart, document.activeElement === el]);
      assert(caret[0] === BAD_EXPRESSION.indexOf('amont') && caret[1], `caret after "Go to the error": ${JSON.stringify(caret)}`);
      await page.locator('.code-editor').scrollIntoViewIfNeeded();
      await page.evaluate(() => window.scrollBy(0, -120));
      await screenshot(page, 'rule-editor');
    },
    { critical: true },
  );

  await check(
    'the fixed rule is valid, and a test on a transaction shows the trace',
    async () => {
      await editor().fill(EXPRESSION);
      await page.locator('[data-validation="valid"]').waitFor();
      assert((await page.locator('.code-editor .tok-error').count()) === 0, 'an error marker is left');
      await page.getByText(`Uses the list ${LIST}`).waitFor();
      const body = {
        external_id: 'test-ir-1',
        amount: '5000.00',
        currency: 'USD',
        direction: 'outbound',
        type: 'wire',
        account_id: 'acc-1001',
        counterparty: { name: 'Example Trading', country: 'IR' },
      };
      await page.getByLabel('Transaction (JSON, a body of POST /transactions)').fill(JSON.stringify(body, null, 2));
      const answer = await withResponse(page, 'POST', '/api/v1/rules/test', () => page.getByRole('button', { name: 'Run test' }).click());
      assert(answer.status() === 200, `POST /rules/test answered ${answer.status()}`);
      await page.locator('.test-verdict[data-result="true"]').waitFor();
      const step = stepOf(page.locator('.rule-test'), `counterparty.country in list("${LIST}")`);
      await step.waitFor();
      assert(/true/.test(await step.locator('.trace-value').innerText()), 'the list step is not true');
      await step.hover();
      const highlighted = await page.locator('.code-editor .tok-highlight').allInnerTexts();
      assert(highlighted.join('') === `counterparty.country in list("${LIST}")`, `highlighted: "${highlighted.join('')}"`);
      await page.locator('.rule-test').scrollIntoViewIfNeeded();
      await page.evaluate(() => document.querySelector('.rule-test')?.scrollIntoView({ block: 'start' }));
      await page.evaluate(() => window.scrollBy(0, -300));
      await step.hover();
      await screenshot(page, 'rule-test');
    },
    { critical: true },
  );

  await check(
    'the rule is saved active as version 1',
    async () => {
      await page.getByLabel('Status', { exact: true }).selectOption('active');
      await page.getByLabel('Action', { exact: true }).selectOption('review');
      await page.getByLabel('Severity', { exact: true }).selectOption('high');
      await page.getByLabel('Score', { exact: true }).fill('40');
      const created = await withResponse(page, 'POST', '/api/v1/rules', () => page.getByRole('button', { name: 'Create rule' }).click());
      assert(created.status() === 201, `POST /rules answered ${created.status()}: ${await created.text()}`);
      await waitForPath(page, /^\/rules\/rul_[^/]+$/);
      state.ruleId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
      await page.getByRole('heading', { level: 1, name: RULE }).waitFor();
      await page.getByText('created as version 1 (active)').waitFor();
    },
    { critical: true },
  );

  await check(
    'a transaction sent with an API key hits the rule and raises an alert',
    async () => {
      const key = await consoleApi(page, 'POST', '/orgs/api-keys', { name: 'e2e rules', environment: 'production', allowed_ips: [] });
      assert(key.status === 201 && key.body?.key, `POST /orgs/api-keys answered ${key.status}: ${JSON.stringify(key.body)}`);
      const sent = [
        wire('e2e-rules-hit-1', 'IR', '5000.00', daysAgo(0)),
        wire('e2e-rules-miss-1', 'DE', '5000.00', daysAgo(0)),
        wire('e2e-rules-hit-2', 'KP', '1500.00', daysAgo(2)),
        wire('e2e-rules-hit-3', 'IR', '7000.00', daysAgo(5)),
        wire('e2e-rules-miss-2', 'IR', '900.00', daysAgo(5)),
      ];
      const answers = [];
      for (const body of sent) answers.push(await ingest(key.body.key, body));
      for (const [index, answer] of answers.entries()) {
        assert(answer.status === 201, `ingesting ${sent[index].external_id} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
      const hit = answers[0].body;
      assert(hit.decision === 'review', `the hit's decision is ${hit.decision}, expected review`);
      assert(hit.score === 40, `the hit's score is ${hit.score}, expected 40`);
      assert(hit.alerts?.length === 1 && hit.alerts[0].rule_name === RULE, `alerts: ${JSON.stringify(hit.alerts)}`);
      assert(answers[1].body.decision === 'allow' && answers[1].body.alerts.length === 0, `the miss: ${JSON.stringify(answers[1].body)}`);
      state.alertId = hit.alerts[0].id;
      state.transactionId = hit.id;
    },
    { critical: true },
  );

  await check('a backtest counts the hits per day', async () => {
    await page.goto(`${BASE}/rules/${encodeURIComponent(state.ruleId)}`);
    await page.getByRole('heading', { level: 1, name: RULE }).waitFor();
    const answer = await withResponse(page, 'POST', '/api/v1/rules/backtest', () => page.getByRole('button', { name: 'Run backtest' }).click());
    assert(answer.status() === 200, `POST /rules/backtest answered ${answer.status()}: ${await answer.text()}`);
    await page.locator('[data-stat="hits"]').waitFor();
    const hits = Number((await page.locator('[data-stat="hits"]').innerText()).replace(/\D/g, ''));
    const evaluated = Number((await page.locator('[data-stat="evaluated"]').innerText()).replace(/\D/g, ''));
    assert(hits === 3, `backtest hits ${hits}, expected 3`);
    assert(evaluated >= 5, `backtest evaluated ${evaluated}, expected at least 5`);
    const bars = await page.locator('.bar-chart .chart-bar-fill').count();
    assert(bars === 3, `${bars} bars drawn, expected 3 (three days with hits)`);
    const days = await page.locator('.bar-chart .chart-bar').count();
    assert(days === 30, `${days} days in the chart, expected 30`);
    const samples = await page.locator('.sample-list a').allInnerTexts();
    for (const id of ['e2e-rules-hit-1', 'e2e-rules-hit-2', 'e2e-rules-hit-3']) {
      assert(samples.includes(id), `sample ${id} missing from ${JSON.stringify(samples)}`);
    }
    await page.evaluate(() => document.querySelector('.rule-backtest')?.scrollIntoView({ block: 'start' }));
    await page.evaluate(() => window.scrollBy(0, -16));
    await screenshot(page, 'rule-backtest');
  });

  await check('the alert is in the queue, and its detail explains the hit', async () => {
    await openNav(page, 'Alerts', '/alerts');
    const row = page.locator(`tr[data-alert-id="${state.alertId}"]`);
    await row.waitFor();
    assert((await row.innerText()).includes(RULE), 'the alert row does not name the rule');
    // Filters live in the address; a severity that does not match empties the list.
    await page.getByLabel('Severity', { exact: true }).selectOption('low');
    await page.waitForURL((url) => url.searchParams.get('severity') === 'low');
    await page.getByText('No alerts match these filters.').waitFor();
    await page.getByLabel('Severity', { exact: true }).selectOption('high');
    await row.waitFor();
    await page.getByLabel('Rule', { exact: true }).selectOption({ label: RULE });
    await page.waitForURL((url) => url.searchParams.get('rule_id') === state.ruleId);
    await row.waitFor();
    await screenshot(page, 'alerts');
    await row.getByRole('link', { name: RULE }).click();
    await waitForPath(page, `/alerts/${state.alertId}`);
    await page.getByRole('heading', { level: 1, name: `Alert: ${RULE}` }).waitFor();
    const steps = page.locator('.explanation .trace-step');
    await steps.first().waitFor();
    const texts = await steps.allInnerTexts();
    assert(texts.some((t) => t.includes(`counterparty.country in list("${LIST}")`) && /true/.test(t)), `steps: ${JSON.stringify(texts)}`);
    assert(texts.some((t) => t.startsWith('amount') && /5000/.test(t)), `no amount step with its value: ${JSON.stringify(texts)}`);
    await stepOf(page.locator('.explanation'), 'amount > 1000').hover();
    const highlighted = await page.locator('.code-view .tok-highlight').allInnerTexts();
    assert(highlighted.join('') === 'amount > 1000', `highlighted in the expression: "${highlighted.join('')}"`);
    // The whole alert (its header, transaction and the explanation) in a taller window, the step
    // still highlighted; then the usual window again.
    await page.setViewportSize({ width: 1280, height: 1200 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await stepOf(page.locator('.explanation'), 'amount > 1000').hover();
    try {
      await screenshot(page, 'alert-detail');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  await check('the transaction shows its rule hit and alert', async () => {
    await page.locator('.summary-card').getByRole('link', { name: state.transactionId }).click();
    await waitForPath(page, `/transactions/${state.transactionId}`);
    const hitRow = page.locator(`table.table-hits tr[data-rule-id="${state.ruleId}"]`);
    await hitRow.waitFor();
    const text = await hitRow.innerText();
    assert(text.includes(RULE) && /Active/.test(text) && /Review/.test(text), `hit row: ${text}`);
    await page.locator(`tr[data-alert-id="${state.alertId}"]`).waitFor();
  });

  await check('an edit makes version 2; the history shows the diff; version 1 is restored', async () => {
    await page.goto(`${BASE}/rules/${encodeURIComponent(state.ruleId)}`);
    await page.getByRole('heading', { level: 1, name: RULE }).waitFor();
    await editor().fill(EDITED_EXPRESSION);
    await page.locator('[data-validation="valid"]').waitFor();
    await page.getByLabel('Score', { exact: true }).fill('55');
    const saved = await withResponse(page, 'PUT', `/api/v1/rules/${state.ruleId}`, () => page.getByRole('button', { name: 'Save rule' }).click());
    assert(saved.status() === 200, `PUT /rules/{id} answered ${saved.status()}: ${await saved.text()}`);
    await page.getByText('Saved as version 2.').waitFor();
    // A stale edit (version 1 sent again) is refused with 409.
    const stale = await consoleApi(page, 'PUT', `/rules/${encodeURIComponent(state.ruleId)}`, {
      name: RULE,
      expression: EXPRESSION,
      severity: 'high',
      action: 'review',
      status: 'active',
      version: 1,
    });
    assert(stale.status === 409, `a stale PUT answered ${stale.status}`);

    await page.getByRole('link', { name: 'History' }).click();
    await waitForPath(page, `/rules/${state.ruleId}/versions`);
    await page.locator('li.version').nth(1).waitFor();
    assert((await page.locator('li.version').count()) === 2, 'not two versions');
    const latest = page.locator('li.version[data-version="2"]');
    assert((await latest.locator('.diff-line-del').innerText()).includes('amount > 1000'), 'removed line missing');
    assert((await latest.locator('.diff-line-add').innerText()).includes('amount > 2500'), 'added line missing');
    const scoreRow = await latest.locator('.diff-table tr', { hasText: 'Score' }).innerText();
    assert(/40/.test(scoreRow) && /55/.test(scoreRow), `score diff: ${scoreRow}`);
    await screenshot(page, 'rule-versions');
    await page.getByRole('button', { name: 'Restore version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore version 1?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Restore version 1' }).click();
    await page.getByText('Version 1 was restored as version 3.').waitFor();
    await page.locator('li.version[data-version="3"]').waitFor();
    assert((await page.locator('li.version').count()) === 3, 'not three versions after the restore');
    assert(/restored from version 1/i.test(await page.locator('li.version[data-version="3"]').innerText()), 'version 3 does not say it was restored');
    await page.goto(`${BASE}/rules/${encodeURIComponent(state.ruleId)}`);
    await editor().waitFor();
    assert((await editor().inputValue()) === EXPRESSION, 'the restored expression is not version 1');
  });

  await check('a save over a change made meanwhile is refused, and the current version can be loaded', async () => {
    await page.goto(`${BASE}/rules/${encodeURIComponent(state.ruleId)}`);
    await page.getByText('Version 3 ·').waitFor();
    // Someone else saves the rule meanwhile (through the API, as another console would).
    const current = (await consoleApi(page, 'GET', `/rules/${encodeURIComponent(state.ruleId)}`)).body;
    const fields = ['name', 'description', 'expression', 'severity', 'action', 'status', 'suppression_seconds'];
    const body = Object.fromEntries(fields.map((field) => [field, current[field]]));
    const other = await consoleApi(page, 'PUT', `/rules/${encodeURIComponent(state.ruleId)}`, { ...body, score: 45, version: 3 });
    assert(other.status === 200 && other.body.version === 4, `the concurrent PUT answered ${other.status}: ${JSON.stringify(other.body)}`);
    await page.getByLabel('Score', { exact: true }).fill('60');
    const refused = await withResponse(page, 'PUT', `/api/v1/rules/${state.ruleId}`, () => page.getByRole('button', { name: 'Save rule' }).click());
    assert(refused.status() === 409, `the stale save answered ${refused.status()}`);
    await page.getByText('Not saved: the rule changed meanwhile').waitFor();
    await page.getByRole('button', { name: /Load the current version/ }).click();
    await page.getByText('Version 4 ·').waitFor();
    const score = await page.getByLabel('Score', { exact: true }).inputValue();
    assert(score === '45', `the score after loading the current version is ${score}`);
  });

  await check('the rules list shows the rule with its hits', async () => {
    await openNav(page, 'Rules', '/rules');
    const row = page.locator(`tr[data-rule-id="${state.ruleId}"]`);
    await row.waitFor();
    const text = await row.innerText();
    assert(/Active/.test(text) && /Review/.test(text) && /High/.test(text), `rule row: ${text}`);
    await page.getByRole('button', { name: 'Disabled', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('status') === 'disabled');
    await page.getByText('No disabled rules.').waitFor();
    await page.getByRole('button', { name: 'All', exact: true }).click();
    await row.waitFor();
    await screenshot(page, 'rules');
  });

  await check('the starter pack adds a template as a draft (when the server offers it)', async () => {
    const pack = await consoleApi(page, 'GET', '/rules/starter-pack');
    if (pack.status === 404) {
      assert((await page.locator('.starter-pack').count()) === 0, 'starter pack panel shown without the route');
      return;
    }
    assert(pack.status === 200 && pack.body.data.length > 0, `GET /rules/starter-pack answered ${pack.status}`);
    const template = pack.body.data.find((t) => !t.enabled);
    await page.locator('.starter-pack > summary').click();
    await page.getByLabel(`Add ${template.name}`).check();
    await page.locator('.starter-pack').getByLabel('Add as').selectOption('draft');
    await page.getByRole('button', { name: 'Add 1 rule' }).click();
    await page.getByText('1 rule was added').waitFor();
    await page.locator('tr', { hasText: template.name }).first().waitFor();
  });

  await check('the lists show their value counts, and a list the rule that uses it', async () => {
    await openNav(page, 'Lists', '/lists');
    const row = page.locator(`tr[data-list-id="${state.listId}"]`);
    await row.waitFor();
    assert(/\b2\b/.test(await row.locator('td.col-number').innerText()), 'the list does not count 2 values');
    await screenshot(page, 'lists');
    await row.getByRole('link', { name: LIST }).click();
    await waitForPath(page, `/lists/${state.listId}`);
    await page.locator('.used-by').getByRole('link', { name: RULE }).waitFor();
    await screenshot(page, 'list-detail');
  });

  await check('an analyst sees rules and lists read-only', async () => {
    await page.context().clearCookies();
    await signIn(page, ANALYST);
    await openNav(page, 'Rules', '/rules');
    await page.getByText('Read only').first().waitFor();
    assert((await page.getByRole('link', { name: 'New rule' }).count()) === 0, '"New rule" shown to an analyst');
    await page.locator(`tr[data-rule-id="${state.ruleId}"]`).getByRole('link', { name: RULE }).click();
    await page.getByRole('heading', { level: 1, name: RULE }).waitFor();
    assert(await page.getByLabel('Name', { exact: true }).evaluate((el) => el.readOnly), 'the name is editable');
    assert(await editor().evaluate((el) => el.readOnly), 'the expression is editable');
    assert((await page.getByRole('button', { name: /Save rule|Create rule/ }).count()) === 0, 'a save button is shown');
    assert((await page.getByRole('heading', { name: 'Test', exact: true }).count()) === 0, 'the test panel is shown');
    assert((await page.getByRole('heading', { name: 'Backtest', exact: true }).count()) === 0, 'the backtest panel is shown');
    await page.getByRole('link', { name: 'History' }).click();
    await page.locator('li.version').first().waitFor();
    assert((await page.getByRole('button', { name: /^Restore version/ }).count()) === 0, 'restore buttons shown');
    await page.goto(`${BASE}/lists/${encodeURIComponent(state.listId)}`);
    await page.locator('table.table-items').waitFor();
    assert((await page.getByRole('button', { name: /^Remove / }).count()) === 0, 'remove buttons shown');
    assert((await page.getByLabel('Values, one per line').count()) === 0, 'the add form is shown');
    // The server refuses anyway.
    const refused = await consoleApi(page, 'POST', `/lists/${encodeURIComponent(state.listId)}/items`, { values: ['CU'] });
    assert(refused.status === 403, `an analyst's POST /lists/{id}/items answered ${refused.status}`);
    await page.goto(`${BASE}/alerts/${encodeURIComponent(state.alertId)}`);
    await page.locator('.explanation .trace-step').first().waitFor();
  });
});
