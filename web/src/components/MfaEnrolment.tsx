// SPDX-License-Identifier: Apache-2.0
// Two-factor enrolment, in three steps: the password (`POST /auth/mfa/setup` answers a pending
// secret), the QR code or the secret typed by hand, confirmed by a first code
// (`POST /auth/mfa/verify-setup`), then the backup codes, shown once. MFA takes effect at the
// confirmation; `onDone` is called only when the user leaves the codes, so they are not unmounted
// by a session reload before they are saved.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import type { MfaSetup } from '../api/types';
import { groupSecret, svgDataUri, totpInput } from '../lib/accountSecurity';
import { BackupCodesPanel } from './BackupCodesPanel';
import { CopyField } from './CopyField';
import { ErrorAlert, TextField } from './ui';

type Step = { kind: 'password' } | { kind: 'scan'; setup: MfaSetup } | { kind: 'codes'; codes: string[] };

export function MfaEnrolment({ email, onDone, onCancel }: { email: string; onDone: () => void; onCancel?: () => void }) {
  const [step, setStep] = useState<Step>({ kind: 'password' });
  if (step.kind === 'password') {
    return <PasswordStep onSetup={(setup) => setStep({ kind: 'scan', setup })} onCancel={onCancel} />;
  }
  if (step.kind === 'scan') {
    return (
      <ScanStep
        setup={step.setup}
        onConfirmed={(codes) => setStep({ kind: 'codes', codes })}
        onCancel={onCancel}
      />
    );
  }
  return (
    <div className="mfa-step">
      <p className="mfa-step-title">Step 3 of 3: save your backup codes</p>
      <p>Two-factor authentication is on. From now on, signing in asks for a code from your authenticator app.</p>
      <BackupCodesPanel codes={step.codes} email={email} />
      <div className="form-actions">
        <button type="button" className="btn btn-primary" onClick={onDone}>
          I have saved my backup codes
        </button>
      </div>
    </div>
  );
}

function PasswordStep({ onSetup, onCancel }: { onSetup: (setup: MfaSetup) => void; onCancel?: () => void }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password === '') {
      setError(new ApiError({ status: 422, detail: 'Enter your password.', errors: [{ field: 'password', message: 'Enter your password.' }] }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSetup(await auth.mfaSetup(password));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
    }
  }

  const fieldMessage = error?.fieldMessage('password');
  return (
    <form className="mfa-step" onSubmit={submit} noValidate>
      <p className="mfa-step-title">Step 1 of 3: confirm your password</p>
      {error && !fieldMessage ? <ErrorAlert error={error} /> : null}
      <TextField
        label="Current password"
        type="password"
        name="current-password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={fieldMessage}
      />
      <StepActions busy={busy} onCancel={onCancel} label="Continue" busyLabel="Checking…" />
    </form>
  );
}

function ScanStep({
  setup,
  onConfirmed,
  onCancel,
}: {
  setup: MfaSetup;
  onConfirmed: (codes: string[]) => void;
  onCancel?: () => void;
}) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [invalid, setInvalid] = useState<string | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const digits = totpInput(code);
    if (!digits) {
      setInvalid('Enter the 6 digits your app shows.');
      return;
    }
    setInvalid(undefined);
    setBusy(true);
    setError(null);
    try {
      const answer = await auth.mfaVerifySetup(digits);
      onConfirmed(answer.backup_codes);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
      setCode('');
    }
  }

  const fieldMessage =
    invalid ??
    error?.fieldMessage('code') ??
    (error?.code === 'invalid_mfa_code' ? 'That code is not right. Check the time on your phone and try the next code.' : undefined);
  return (
    <form className="mfa-step" onSubmit={submit} noValidate>
      <p className="mfa-step-title">Step 2 of 3: add WatchTower to your authenticator app</p>
      <div className="mfa-scan">
        <img className="mfa-qr" src={svgDataUri(setup.qr_svg)} alt="QR code to scan with your authenticator app" width={200} height={200} />
        <div className="mfa-scan-text">
          <p>Scan the QR code with an authenticator app (such as Google Authenticator, 1Password or Aegis).</p>
          <p className="muted">Cannot scan? Enter this secret in the app instead (time-based, 6 digits, 30 seconds):</p>
          <CopyField
            id="mfa-secret"
            label="Secret key"
            value={setup.secret}
            shown={groupSecret(setup.secret)}
            inputClassName="key-once-value mfa-secret"
            hint="Spaces do not matter."
          />
        </div>
      </div>
      {error && !fieldMessage ? <ErrorAlert error={error} /> : null}
      <TextField
        label="Code from the app"
        name="code"
        className="field-otp"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]*"
        maxLength={7}
        required
        value={code}
        onChange={(e) => setCode(e.target.value)}
        error={fieldMessage}
        hint="6 digits"
      />
      <StepActions busy={busy} onCancel={onCancel} label="Turn on two-factor authentication" busyLabel="Confirming…" />
    </form>
  );
}

/** Cancel (when the enrolment can be left) and the step's submit button. */
function StepActions({ busy, onCancel, label, busyLabel }: { busy: boolean; onCancel?: () => void; label: string; busyLabel: string }) {
  return (
    <div className="form-actions">
      {onCancel ? (
        <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      ) : null}
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}
