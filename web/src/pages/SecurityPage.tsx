// SPDX-License-Identifier: Apache-2.0
// Settings › Security: the signed-in user's own account security.
// - Two-factor authentication: its status; enrolment (components/MfaEnrolment); new backup codes
//   (password + code, shown once); turning it off (password + code), which is not offered to a
//   role that must keep it (the server refuses it anyway with 403).
// - Password change (current password, new one twice); the server ends the other sessions.
// - The user's sessions (the same list as Settings › Sessions).
// These changes are sensitive: the API client asks for the password again on
// `403 reauthentication_required` and retries once.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { auth, orgs } from '../api/endpoints';
import { roleLabel } from '../api/types';
import { useMe, useSession } from '../app/session';
import { BackupCodesPanel } from '../components/BackupCodesPanel';
import { MfaEnrolment } from '../components/MfaEnrolment';
import { Modal } from '../components/Modal';
import { NewPasswordFields } from '../components/NewPasswordFields';
import { Alert, Badge, ErrorAlert, PageHeader, TextField } from '../components/ui';
import { mfaRequiredFor, newPasswordProblem, totpInput } from '../lib/accountSecurity';
import { SessionsCard } from './SessionsPage';

export function SecurityPage() {
  const me = useMe();
  return (
    <>
      <PageHeader
        title="Security"
        description={`Two-factor authentication, password and sessions of ${me.user.email}. These apply to every organization you belong to.`}
      />
      <TwoFactorCard />
      <ChangePasswordCard />
      <SessionsCard />
    </>
  );
}

type FactorAction = 'codes' | 'disable' | null;

function TwoFactorCard() {
  const me = useMe();
  const { reload } = useSession();
  const [enrolling, setEnrolling] = useState(false);
  const [action, setAction] = useState<FactorAction>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [orgRequiresAll, setOrgRequiresAll] = useState(false);
  const required = mfaRequiredFor(me.role, orgRequiresAll);
  const enabled = me.user.mfa_enabled;

  useEffect(() => {
    // Whether the organization requires MFA for every role; when it cannot be read, the server
    // still refuses turning it off (403), and the dialog shows that.
    let live = true;
    orgs
      .current()
      .then((org) => live && setOrgRequiresAll(org.settings?.require_mfa_for_all === true))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);

  return (
    <section className="card" aria-labelledby="mfa-heading">
      <div className="card-header">
        <h2 id="mfa-heading">Two-factor authentication</h2>
        {enabled ? <Badge tone="good">On</Badge> : <Badge tone="warn">Off</Badge>}
      </div>
      <div className="card-body">
        {notice ? <Alert tone="success">{notice}</Alert> : null}
        {enabled ? (
          <>
            <p>
              Signing in asks for a code from your authenticator app, or one of your backup codes when you cannot use the
              app.
            </p>
            <div className="form-actions form-actions-start">
              <button type="button" className="btn btn-secondary" onClick={() => setAction('codes')}>
                Create new backup codes
              </button>
              {required ? null : (
                <button type="button" className="btn btn-ghost-danger" onClick={() => setAction('disable')}>
                  Turn off two-factor authentication
                </button>
              )}
            </div>
            {required ? (
              <p className="muted mfa-required-note">
                {orgRequiresAll && !mfaRequiredFor(me.role)
                  ? `It cannot be turned off: ${me.organization.name} requires two-factor authentication for everyone.`
                  : `It cannot be turned off: ${roleLabel(me.role)} accounts in ${me.organization.name} must use two-factor authentication.`}
              </p>
            ) : null}
          </>
        ) : enrolling ? (
          <MfaEnrolment
            email={me.user.email}
            onCancel={() => setEnrolling(false)}
            onDone={() => {
              setEnrolling(false);
              setNotice('Two-factor authentication is on. Your other sessions were ended.');
              void reload();
            }}
          />
        ) : (
          <>
            <p>
              Protect your account with a second step at sign-in: a 6-digit code from an authenticator app on your phone or
              computer.
            </p>
            <div className="form-actions form-actions-start">
              <button type="button" className="btn btn-primary" onClick={() => setEnrolling(true)}>
                Set up two-factor authentication
              </button>
            </div>
          </>
        )}
      </div>
      <FactorDialog
        action={action}
        onClose={() => setAction(null)}
        onDisabled={() => {
          setAction(null);
          setNotice('Two-factor authentication is off. Your other sessions were ended.');
          void reload();
        }}
      />
    </section>
  );
}

/** New backup codes or turning MFA off: both need the password and a current code. */
function FactorDialog({ action, onClose, onDisabled }: { action: FactorAction; onClose: () => void; onDisabled: () => void }) {
  const me = useMe();
  const [codes, setCodes] = useState<string[] | null>(null);
  const title = action === 'disable' ? 'Turn off two-factor authentication' : 'Create new backup codes';

  function close() {
    setCodes(null);
    onClose();
  }

  return (
    <Modal
      open={action !== null}
      title={codes ? 'Your new backup codes' : title}
      onClose={close}
      size={codes ? 'wide' : 'normal'}
      footer={
        codes ? (
          <button type="button" className="btn btn-primary" onClick={close}>
            I have saved my backup codes
          </button>
        ) : undefined
      }
    >
      {codes ? (
        <BackupCodesPanel codes={codes} email={me.user.email} />
      ) : action ? (
        <FactorForm
          action={action}
          onCancel={close}
          onCodes={setCodes}
          onDisabled={() => {
            setCodes(null);
            onDisabled();
          }}
        />
      ) : null}
    </Modal>
  );
}

function FactorForm({
  action,
  onCancel,
  onCodes,
  onDisabled,
}: {
  action: 'codes' | 'disable';
  onCancel: () => void;
  onCodes: (codes: string[]) => void;
  onDisabled: () => void;
}) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [local, setLocal] = useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const digits = totpInput(code);
    const problem =
      password === ''
        ? { field: 'password', message: 'Enter your password.' }
        : digits
          ? null
          : { field: 'code', message: 'Enter the 6 digits your app shows.' };
    setLocal(problem);
    if (problem || !digits) return;
    setBusy(true);
    setError(null);
    try {
      if (action === 'codes') onCodes((await auth.newBackupCodes(password, digits)).backup_codes);
      else {
        await auth.mfaDisable(password, digits);
        onDisabled();
      }
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
      setCode('');
    }
  }

  const message = (field: string) => (local?.field === field ? local.message : error?.fieldMessage(field));
  const codeError = message('code') ?? (error?.code === 'invalid_mfa_code' ? 'That code is not right.' : undefined);
  return (
    <form onSubmit={submit} noValidate>
      <p className="modal-lead">
        {action === 'codes'
          ? 'New codes replace the old ones at once: the codes you saved before stop working.'
          : 'Signing in will ask for your password only. Your other sessions end.'}
      </p>
      {error && !message('password') && !codeError ? <ErrorAlert error={error} /> : null}
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        autoFocus
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={message('password')}
      />
      <TextField
        label="Authentication code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]*"
        maxLength={7}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        error={codeError}
        hint="The 6-digit code from your authenticator app."
      />
      <div className="form-actions">
        <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className={action === 'codes' ? 'btn btn-primary' : 'btn btn-danger'} disabled={busy}>
          {busy ? 'Working…' : action === 'codes' ? 'Create new codes' : 'Turn off'}
        </button>
      </div>
    </form>
  );
}

function ChangePasswordCard() {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [local, setLocal] = useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem =
      current === '' ? { field: 'current_password', message: 'Enter your current password.' } : newPasswordProblem(password, confirmation);
    setLocal(problem);
    setDone(false);
    if (problem) return;
    setBusy(true);
    setError(null);
    try {
      await auth.changePassword(current, password);
      setCurrent('');
      setPassword('');
      setConfirmation('');
      setDone(true);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const message = (field: string) => (local?.field === field ? local.message : error?.fieldMessage(field));
  const currentError =
    message('current_password') ?? (error?.code === 'invalid_credentials' ? 'This is not your current password.' : undefined);
  const shownAtField = Boolean(currentError || message('new_password'));
  return (
    <section className="card" aria-labelledby="password-heading">
      <div className="card-header">
        <h2 id="password-heading">Password</h2>
      </div>
      <form className="card-body form-narrow" onSubmit={submit} noValidate>
        {done ? <Alert tone="success">Password changed. Your other sessions were ended.</Alert> : null}
        {error && !shownAtField ? <ErrorAlert error={error} title="The password was not changed" /> : null}
        <TextField
          label="Current password"
          type="password"
          name="current-password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          error={currentError}
        />
        <NewPasswordFields
          password={password}
          confirmation={confirmation}
          onPassword={setPassword}
          onConfirmation={setConfirmation}
          passwordError={message('new_password')}
          confirmationError={message('confirm')}
        />
        <div className="form-actions form-actions-start">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}
