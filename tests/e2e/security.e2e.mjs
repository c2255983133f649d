// SPDX-License-Identifier: Apache-2.0
// Account-security journey of the console in Chromium, against the real server started by
// tests/e2e/run (environment as in console.e2e.mjs, plus WT_SEC_* for "Initech", whose admin has
// no MFA yet, and WT_DATA_DIR where the server writes its mails as <data dir>/mail/*.eml).
//
// The Initech admin signs in and can reach nothing but the MFA enrolment; enrols by reading the
// secret from the page and computing the code with `otpauth` (a wrong code first), keeps the
// backup codes (the downloaded .txt holds them); signs out and in with a TOTP code, then with a
// backup code (a spent one is refused); makes new backup codes (an old one is then refused); invites a newcomer and revokes a second invitation; the
// newcomer accepts from the link in the mail (the token leaves the address; the revoked
// invitation's link is refused), signs in, starts and completes MFA on the Security page then
// turns it off (allowed for an analyst), changes the password, then resets it from the mailed
// link (the link works once); repeated failures make the sign-in page say how long to wait.
// Screenshots: the enrolment with the QR code, the backup codes,
// the two-step sign-in, the team's invitations, the invitation page, the Security page's QR code,
// and the reset page.
import { readFileSync } from 'node:fs';
import {
  BASE,
  assert,
  check,
  consoleApi,
  currentTotpStep,
  env,
  mailedLink,
  markTotpStepUsed,
  nextTotp,
  runSuite,
  screenshot,
  signIn,
  totpAt,
  waitForPath,
  withResponse,
} from './harness.mjs';

const ORG = env('WT_SEC_ORG_NAME', 'Initech');
const ADMIN = {
  email: env('WT_SEC_ADMIN_EMAIL'),
  password: env('WT_SEC_ADMIN_PASSWORD'),
  name: env('WT_SEC_ADMIN_NAME', 'Sam Secure'),
  totpSecret: null, // read from the page at enrolment
};
const random = () => Math.random().toString(36).slice(2, 12);
const NEWBIE = { email: 'nora.newbie@initech.test', name: 'Nora Newbie', password: `e2e-first-${random()}-${random()}` };
const REVOKED = { email: 'gone@initech.test' };

async function signOut(page) {
  await page.locator('.me-button').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await waitForPath(page, '/login');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

/** Submits email and password on /login and waits for the second step. */
async function startSignIn(page, user) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Two-factor authentication', exact: true }).waitFor();
}

/**
 * Signs the admin in with a backup code that must be refused (`refused`, described as `what`),
 * then with one that must work.
 */
async function refusedThenAccepted(page, refused, accepted, what) {
  await startSignIn(page, ADMIN);
  await page.getByRole('button', { name: 'Use a backup code instead' }).click();
  const attempt = async (code) => {
    await page.getByLabel('Backup code').fill(code);
    return withResponse(page, 'POST', '/api/v1/auth/mfa/verify', () => page.getByRole('button', { name: 'Verify' }).click());
  };
  const no = await attempt(refused);
  assert(no.status() === 401, `${what} answered ${no.status()}`);
  await page.locator('.field-error, .alert-error').first().waitFor();
  const yes = await attempt(accepted);
  assert(yes.status() === 200, `a good backup code answered ${yes.status()} after ${what}`);
  await page.locator('.topbar').waitFor();
}

/** Steps through the enrolment of the page (password, secret, code); answers the secret and the codes. */
async function enrolOnPage(page, scope, user, { screenshotName } = {}) {
  await scope.getByLabel('Current password').fill(user.password);
  await withResponse(page, 'POST', '/api/v1/auth/mfa/setup', () => scope.getByRole('button', { name: 'Continue' }).click());
  const qr = scope.getByRole('img', { name: 'QR code to scan with your authenticator app' });
  await qr.waitFor();
  const src = (await qr.getAttribute('src')) ?? '';
  assert(src.startsWith('data:image/svg+xml;base64,'), `QR image source: ${src.slice(0, 40)}`);
  const svg = Buffer.from(src.slice('data:image/svg+xml;base64,'.length), 'base64').toString('utf8');
  assert(/<svg[\s>]/.test(svg), 'the QR image is not an SVG document');
  const secret = (await scope.getByLabel('Secret key').inputValue()).replace(/\s+/g, '');
  assert(/^[A-Z2-7]{16,}$/.test(secret), `the secret shown is not base32: ${secret.length} characters`);
  if (screenshotName) await screenshot(page, screenshotName);

  // A code of another time step is refused at the field, and MFA stays off.
  await scope.getByLabel('Code from the app').fill(totpAt(secret, currentTotpStep() + 20));
  const wrong = await withResponse(page, 'POST', '/api/v1/auth/mfa/verify-setup', () =>
    scope.getByRole('button', { name: 'Turn on two-factor authentication' }).click(),
  );
  assert(wrong.status() === 401 || wrong.status() === 422, `a wrong code answered ${wrong.status()}`);
  await scope.locator('.field-error').first().waitFor();

  const step = currentTotpStep();
  await scope.getByLabel('Code from the app').fill(totpAt(secret, step));
  const ok = await withResponse(page, 'POST', '/api/v1/auth/mfa/verify-setup', () =>
    scope.getByRole('button', { name: 'Turn on two-factor authentication' }).click(),
  );
  assert(ok.status() === 200, `verify-setup answered ${ok.status()}`);
  markTotpStepUsed(user.email, step);
  const list = scope.getByRole('list', { name: 'Backup codes' });
  await list.waitFor();
  const codes = (await list.locator('li').allInnerTexts()).map((c) => c.trim());
  assert(codes.length === 10 && new Set(codes).size === 10, `backup codes shown: ${codes.length}`);
  return { secret, codes };
}

await runSuite('account security', async (page) => {
  const admin = { codes: [] };
  let acceptedLink = null;

  await check(
    'an admin without MFA signs in and can reach only the enrolment',
    async () => {
      await page.goto(`${BASE}/login`);
      await page.getByLabel('Email').fill(ADMIN.email);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Two-factor authentication required' }).waitFor();
      await page.getByText(`As an Admin in ${ORG}, you must use two-factor authentication.`, { exact: false }).waitFor();
      assert((await page.locator('.sidenav').count()) === 0, 'the navigation is shown before enrolment');
      const members = await consoleApi(page, 'GET', '/orgs/members');
      assert(
        members.status === 403 && members.body.code === 'mfa_enrollment_required',
        `GET /orgs/members answered ${members.status} ${members.body?.code}`,
      );
      await page.goto(`${BASE}/settings/team`);
      await page.getByRole('heading', { name: 'Two-factor authentication required' }).waitFor();
      assert((await page.locator('.sidenav').count()) === 0, 'a console page is reachable before enrolment');
    },
    { critical: true },
  );

  await check(
    'enrolment: QR code and secret on the page; a wrong code is refused; the computed code turns MFA on',
    async () => {
      await page.setViewportSize({ width: 1280, height: 1000 });
      const { secret, codes } = await enrolOnPage(page, page.locator('main'), ADMIN, { screenshotName: 'mfa-enrol' });
      ADMIN.totpSecret = secret;
      admin.codes = codes;
      await screenshot(page, 'mfa-backup-codes');
      await page.setViewportSize({ width: 1280, height: 800 });
    },
    { critical: true },
  );

  await check('the backup codes download as a .txt file holding every code', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download .txt' }).click(),
    ]);
    assert(/\.txt$/.test(download.suggestedFilename()), `file name ${download.suggestedFilename()}`);
    const text = readFileSync(await download.path(), 'utf8');
    for (const code of admin.codes) assert(text.includes(code), 'a backup code is missing from the file');
    assert(text.includes(ADMIN.email), 'the file does not name the account');
  });

  await check(
    'leaving the codes opens the console; Security shows MFA on and no way to turn it off for an admin',
    async () => {
      await page.getByRole('button', { name: 'I have saved my backup codes' }).click();
      await page.locator('.sidenav').waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security', exact: true }).click();
      await waitForPath(page, '/settings/security');
      const card = page.getByRole('region', { name: 'Two-factor authentication' });
      await card.getByText('On', { exact: true }).waitFor();
      await card.getByText('It cannot be turned off', { exact: false }).waitFor();
      assert(
        (await page.getByRole('button', { name: 'Turn off two-factor authentication' }).count()) === 0,
        'an admin is offered to turn MFA off',
      );
      assert(!(await page.content()).includes(admin.codes[0]), 'a backup code is still in the page');
    },
    { critical: true },
  );

  await check('sign out, then sign in with a TOTP code (a wrong code first)', async () => {
    await signOut(page);
    await startSignIn(page, ADMIN);
    await page.getByLabel('Authentication code').fill(totpAt(ADMIN.totpSecret, currentTotpStep() + 20));
    const wrong = await withResponse(page, 'POST', '/api/v1/auth/mfa/verify', () => page.getByRole('button', { name: 'Verify' }).click());
    assert(wrong.status() === 401, `a wrong code answered ${wrong.status()}`);
    await page.locator('.field-error, .alert-error').first().waitFor();
    await screenshot(page, 'login-two-step');
    await page.getByLabel('Authentication code').fill(await nextTotp(ADMIN));
    const ok = await withResponse(page, 'POST', '/api/v1/auth/mfa/verify', () => page.getByRole('button', { name: 'Verify' }).click());
    assert(ok.status() === 200, `POST /auth/mfa/verify answered ${ok.status()}`);
    await page.locator('.topbar').getByText(ADMIN.name, { exact: true }).waitFor();
  });

  await check('sign in with a backup code; the same code is refused the second time', async () => {
    await signOut(page);
    await signIn(page, { ...ADMIN, backupCode: admin.codes[0] });
    await signOut(page);
    await refusedThenAccepted(page, admin.codes[0], admin.codes[1], 'a spent backup code');
  });

  await check('new backup codes (password + code) replace the old ones', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security', exact: true }).click();
    await waitForPath(page, '/settings/security');
    await page.getByRole('button', { name: 'Create new backup codes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create new backup codes' });
    await dialog.getByLabel('Password').fill(ADMIN.password);
    await dialog.getByLabel('Authentication code').fill(await nextTotp(ADMIN));
    const made = await withResponse(page, 'POST', '/api/v1/auth/mfa/backup-codes', () =>
      dialog.getByRole('button', { name: 'Create new codes' }).click(),
    );
    assert(made.status() === 200, `POST /auth/mfa/backup-codes answered ${made.status()}`);
    const shown = page.getByRole('dialog', { name: 'Your new backup codes' });
    const codes = (await shown.getByRole('list', { name: 'Backup codes' }).locator('li').allInnerTexts()).map((c) => c.trim());
    assert(codes.length === 10 && !codes.some((c) => admin.codes.includes(c)), 'the new codes are not 10 fresh ones');
    await shown.getByRole('button', { name: 'I have saved my backup codes' }).click();
    await shown.waitFor({ state: 'hidden' });

    // An old code no longer signs in; a new one does.
    await signOut(page);
    await refusedThenAccepted(page, admin.codes[2], codes[0], 'a voided backup code');
  });

  await check('Team: invite a member, see it pending (no token in the answer), revoke another', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team', exact: true }).click();
    await waitForPath(page, '/settings/team');
    const form = page.getByRole('form', { name: 'Invite a member' });
    await form.waitFor();
    // An empty email is refused in the form.
    await form.getByRole('button', { name: 'Send invitation' }).click();
    await form.getByText('Enter the email address to invite.').waitFor();

    const invite = async (email, role) => {
      await form.getByLabel('Email').fill(email);
      await form.getByLabel('Role').selectOption(role);
      const response = await withResponse(page, 'POST', '/api/v1/orgs/invitations', () =>
        form.getByRole('button', { name: 'Send invitation' }).click(),
      );
      // Signed in with the second factor a moment ago: recent enough, no password prompt.
      assert(response.status() === 201, `POST /orgs/invitations answered ${response.status()}`);
      const body = await response.json();
      assert(!JSON.stringify(body).toLowerCase().includes('token'), 'the invitation answer carries a token');
    };
    await invite(NEWBIE.email, 'ANALYST');
    await invite(REVOKED.email, 'VIEWER');
    const pending = page.getByRole('table', { name: 'Pending invitations' });
    await pending.getByText(NEWBIE.email).waitFor();
    await pending.getByText(REVOKED.email).waitFor();
    await page.getByText(`Invitation sent to ${REVOKED.email} as Viewer.`, { exact: false }).waitFor();
    await page.getByRole('region', { name: 'Invitations' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'team-invitations');

    await page.getByRole('button', { name: `Revoke the invitation of ${REVOKED.email}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke invitation' });
    const revoked = await withResponse(page, 'DELETE', '/api/v1/orgs/invitations/', () =>
      dialog.getByRole('button', { name: 'Revoke invitation' }).click(),
    );
    assert(revoked.status() === 204, `DELETE /orgs/invitations/{id} answered ${revoked.status()}`);
    await pending.getByText(REVOKED.email).waitFor({ state: 'detached' });
    await page.reload();
    await page.getByRole('table', { name: 'Pending invitations' }).getByText(NEWBIE.email).waitFor();
    assert(
      (await page.getByRole('table', { name: 'Pending invitations' }).getByText(REVOKED.email).count()) === 0,
      'the revoked invitation is listed after a reload',
    );
  });

  await check('the invitee accepts from the mailed link (token read from the fragment, then cleared)', async () => {
    const { link } = await mailedLink(NEWBIE.email, '/accept-invitation');
    acceptedLink = link;
    assert(link.startsWith(`${BASE}/accept-invitation#token=`), `mailed link: ${link.replace(/#.*/, '#…')}`);
    await signOut(page);
    await page.goto(link);
    await page.getByRole('heading', { name: `Join ${ORG}` }).waitFor();
    assert(!page.url().includes('#') && !page.url().includes('token'), 'the token stays in the address');
    const facts = await page.locator('.invitation-facts').innerText();
    assert(facts.includes(ORG) && facts.includes('Analyst') && facts.includes(NEWBIE.email), `invitation shows: ${facts}`);
    await page.getByLabel('Your name').fill(NEWBIE.name);
    await page.getByLabel('Password', { exact: true }).fill(NEWBIE.password);
    await page.getByLabel('Password again').fill(NEWBIE.password);
    await screenshot(page, 'accept-invitation');
    const accepted = await withResponse(page, 'POST', '/api/v1/auth/invitations/accept', () =>
      page.getByRole('button', { name: `Join ${ORG}` }).click(),
    );
    assert(accepted.status() === 201, `POST /auth/invitations/accept answered ${accepted.status()}`);
    await page.getByRole('heading', { name: `Welcome to ${ORG}` }).waitFor();
    await signIn(page, NEWBIE);
    await page.locator('.topbar').getByText('Analyst', { exact: true }).waitFor();
  });

  await check('the revoked invitation and a spent one are refused', async () => {
    const { link } = await mailedLink(REVOKED.email, '/accept-invitation');
    await page.goto(link);
    await page.getByRole('heading', { name: 'This invitation cannot be used' }).waitFor();
    assert(acceptedLink, 'no accepted invitation link to try again');
    await page.goto(acceptedLink);
    await page.getByRole('heading', { name: 'This invitation cannot be used' }).waitFor();
    await page.goto(`${BASE}/settings/security`);
  });

  await check('an analyst enrols on the Security page (QR shown), then turns MFA off', async () => {
    await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
    const card = page.getByRole('region', { name: 'Two-factor authentication' });
    await card.getByText('Off', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    await page.setViewportSize({ width: 1280, height: 1000 });
    const { secret } = await enrolOnPage(page, card, NEWBIE, { screenshotName: 'security-page-qr' });
    await page.setViewportSize({ width: 1280, height: 800 });
    NEWBIE.totpSecret = secret;
    await card.getByRole('button', { name: 'I have saved my backup codes' }).click();
    await card.getByText('On', { exact: true }).waitFor();

    await card.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    const dialog = page.getByRole('dialog', { name: 'Turn off two-factor authentication' });
    await dialog.getByLabel('Password').fill(NEWBIE.password);
    await dialog.getByLabel('Authentication code').fill(await nextTotp(NEWBIE));
    const off = await withResponse(page, 'POST', '/api/v1/auth/mfa/disable', () => dialog.getByRole('button', { name: 'Turn off' }).click());
    assert(off.status() === 204, `POST /auth/mfa/disable answered ${off.status()}`);
    await card.getByText('Off', { exact: true }).waitFor();
    NEWBIE.totpSecret = null;
  });

  await check('change password on the Security page (a wrong current password first)', async () => {
    const card = page.getByRole('region', { name: 'Password' });
    const next = `e2e-second-${random()}-${random()}`;
    await card.getByLabel('Current password').fill(`${NEWBIE.password}-wrong`);
    await card.getByLabel('New password', { exact: true }).fill(next);
    await card.getByLabel('New password again').fill(next);
    const refused = await withResponse(page, 'POST', '/api/v1/auth/change-password', () =>
      card.getByRole('button', { name: 'Change password' }).click(),
    );
    assert(refused.status() >= 400 && refused.status() < 500, `a wrong current password answered ${refused.status()}`);
    await card.locator('.field-error, .alert-error').first().waitFor();
    await card.getByLabel('Current password').fill(NEWBIE.password);
    const changed = await withResponse(page, 'POST', '/api/v1/auth/change-password', () =>
      card.getByRole('button', { name: 'Change password' }).click(),
    );
    assert(changed.status() === 204, `POST /auth/change-password answered ${changed.status()}`);
    await card.getByText('Password changed.', { exact: false }).waitFor();
    NEWBIE.password = next;
    await signOut(page);
    await signIn(page, NEWBIE);
  });

  await check('forgot password: the same neutral answer for any address; reset from the mailed link, once', async () => {
    await signOut(page);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await waitForPath(page, '/forgot-password');
    await page.getByLabel('Email').fill('nobody-here@initech.test');
    await page.getByRole('button', { name: 'Send the link' }).click();
    const neutral = page.getByRole('heading', { name: 'Check your email' });
    await neutral.waitFor();
    await page.goto(`${BASE}/forgot-password`);
    await page.getByLabel('Email').fill(NEWBIE.email);
    const requested = await withResponse(page, 'POST', '/api/v1/auth/password-reset/request', () =>
      page.getByRole('button', { name: 'Send the link' }).click(),
    );
    assert(requested.status() === 202, `password-reset/request answered ${requested.status()}`);
    await neutral.waitFor();

    const { link } = await mailedLink(NEWBIE.email, '/reset-password');
    assert(link.startsWith(`${BASE}/reset-password#token=`), `mailed link: ${link.replace(/#.*/, '#…')}`);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).waitFor();
    assert(!page.url().includes('#') && !page.url().includes('token'), 'the token stays in the address');
    const reset = `e2e-third-${random()}-${random()}`;
    await page.getByLabel('New password', { exact: true }).fill(reset);
    await page.getByLabel('New password again').fill(`${reset}x`);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('The two passwords differ.').waitFor();
    await page.getByLabel('New password again').fill(reset);
    await screenshot(page, 'reset-password');
    const completed = await withResponse(page, 'POST', '/api/v1/auth/password-reset/complete', () =>
      page.getByRole('button', { name: 'Set the new password' }).click(),
    );
    assert(completed.status() === 204, `password-reset/complete answered ${completed.status()}`);
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();
    NEWBIE.password = reset;

    await page.goto(link);
    await page.getByRole('heading', { name: 'This reset link cannot be used' }).waitFor();
    await signIn(page, NEWBIE);
    await page.locator('.topbar').getByText(NEWBIE.name, { exact: true }).waitFor();
  });

  await check('after repeated failures the sign-in page says how long to wait (429 + Retry-After)', async () => {
    // Failures for an address without an account count like any other (the lock reveals nothing).
    const email = 'nobody-locked@initech.test';
    let last = null;
    for (let attempt = 0; attempt < 12 && last?.status !== 429; attempt += 1) {
      last = await fetch(`${BASE}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: `wrong-password-${attempt}` }),
      });
    }
    assert(last?.status === 429, `no 429 after repeated failures (last ${last?.status})`);
    await signOut(page);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong-password-again');
    const limited = await withResponse(page, 'POST', '/api/v1/auth/login', () => page.getByRole('button', { name: 'Sign in' }).click());
    assert(limited.status() === 429, `the sign-in answered ${limited.status()}`);
    const retryAfter = Number(await limited.headerValue('retry-after'));
    assert(retryAfter > 0, `Retry-After: ${await limited.headerValue('retry-after')}`);
    const text = await page.locator('.retry-countdown').innerText();
    assert(/^Too many attempts\. Try again in \d+ (seconds?|minutes)\.$/.test(text), `the page says: ${text}`);
    assert(await page.getByRole('button', { name: 'Sign in' }).isDisabled(), 'Sign in stays enabled while locked');
    await screenshot(page, 'login-rate-limited');
  });
});
