// SPDX-License-Identifier: Apache-2.0
// Sign-in: email + password, then (when the account has MFA) a second step with a 6-digit
// authenticator code or a backup code. `429 rate_limited` disables the form for the
// `Retry-After` wait, counted down. "Forgot your password?" leads to /forgot-password.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import type { LoginResult } from '../api/types';
import { Link, navigate, safeNextPath, useLocation } from '../app/router';
import { useSession } from '../app/session';
import { RateLimitedAlert, isRateLimited, retryDeadline, useCountdown } from '../components/RateLimited';
import { AuthScreen } from '../components/AuthScreen';
import { Alert, ErrorAlert, TextField } from '../components/ui';

type Step = { kind: 'credentials' } | { kind: 'mfa'; mfaToken: string };

export function LoginPage() {
  const { state, reload } = useSession();
  const location = useLocation();
  const next = safeNextPath(location.search.get('next'));
  const [step, setStep] = useState<Step>({ kind: 'credentials' });
  const [notice, setNotice] = useState<string | null>(state.status === 'anonymous' ? state.notice : null);

  useEffect(() => {
    document.title = 'Sign in · WatchTower';
  }, []);

  async function signedIn() {
    await reload();
    navigate(next, { replace: true });
  }

  return (
    <AuthScreen>
      {step.kind === 'credentials' ? (
        <CredentialsStep
          notice={notice}
          onAttempt={() => setNotice(null)}
          onResult={(result) => {
            setNotice(null);
            if ('mfa_required' in result && result.mfa_required) {
              setStep({ kind: 'mfa', mfaToken: result.mfa_token });
            } else {
              void signedIn();
            }
          }}
        />
      ) : (
        <MfaStep
          mfaToken={step.mfaToken}
          onSignedIn={() => void signedIn()}
          onRestart={(message) => {
            setNotice(message);
            setStep({ kind: 'credentials' });
          }}
        />
      )}
    </AuthScreen>
  );
}

function CredentialsStep({
  notice,
  onAttempt,
  onResult,
}: {
  notice: string | null;
  onAttempt: () => void;
  onResult: (r: LoginResult) => void;
}) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [retryUntil, setRetryUntil] = useState<number | null>(null);
  const secondsLeft = useCountdown(retryUntil);
  const [missing, setMissing] = useState<{ email?: string; password?: string }>({});
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || secondsLeft > 0) return;
    const empty = {
      email: email.trim() === '' ? 'Enter your email address.' : undefined,
      password: password === '' ? 'Enter your password.' : undefined,
    };
    setMissing(empty);
    if (empty.email || empty.password) {
      (empty.email ? emailRef : passwordRef).current?.focus();
      return;
    }
    onAttempt();
    setBusy(true);
    setError(null);
    try {
      const result = await auth.login(email.trim(), password);
      onResult(result);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
      if (isRateLimited(err)) {
        setRetryUntil(retryDeadline(err));
      } else if (err.code === 'invalid_credentials') {
        setPassword('');
        passwordRef.current?.focus();
      }
    }
  }

  const rateLimited = isRateLimited(error);
  return (
    <form className="auth-form" onSubmit={submit} noValidate aria-describedby="auth-title">
      <h1 id="auth-title" className="auth-title">
        Sign in
      </h1>
      {notice ? <Alert tone="info">{notice}</Alert> : null}
      {rateLimited ? (
        <RateLimitedAlert secondsLeft={secondsLeft} />
      ) : error ? (
        <ErrorAlert error={error} title={error.code === 'invalid_credentials' ? 'Sign-in failed' : undefined} />
      ) : null}
      <TextField
        ref={emailRef}
        label="Email"
        type="email"
        name="email"
        autoComplete="username"
        autoFocus
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={missing.email ?? error?.fieldMessage('email')}
      />
      <TextField
        ref={passwordRef}
        label="Password"
        type="password"
        name="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={missing.password ?? error?.fieldMessage('password')}
      />
      <button type="submit" className="btn btn-primary btn-block" disabled={busy || secondsLeft > 0}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <div className="auth-links">
        <Link to="/forgot-password" className="btn-link">
          Forgot your password?
        </Link>
      </div>
    </form>
  );
}

function MfaStep({
  mfaToken,
  onSignedIn,
  onRestart,
}: {
  mfaToken: string;
  onSignedIn: () => void;
  onRestart: (message: string | null) => void;
}) {
  const [useBackup, setUseBackup] = useState(false);
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [retryUntil, setRetryUntil] = useState<number | null>(null);
  const secondsLeft = useCountdown(retryUntil);

  const cleaned = useBackup ? value.trim() : value.replace(/\s+/g, '');
  const valid = useBackup ? cleaned.length >= 6 : /^\d{6}$/.test(cleaned);

  const [invalid, setInvalid] = useState<string | undefined>(undefined);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || secondsLeft > 0) return;
    if (!valid) {
      setInvalid(useBackup ? 'Enter a backup code.' : 'Enter the 6 digits of the code.');
      return;
    }
    setInvalid(undefined);
    setBusy(true);
    setError(null);
    try {
      await auth.verifyMfa(mfaToken, useBackup ? { backup_code: cleaned } : { code: cleaned });
      onSignedIn();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setBusy(false);
      if (err.code === 'invalid_token' || err.code === 'unauthenticated') {
        onRestart('Your sign-in took too long. Enter your email and password again.');
        return;
      }
      if (isRateLimited(err)) {
        setRetryUntil(retryDeadline(err));
      }
      setError(err);
      setValue('');
    }
  }

  const rateLimited = isRateLimited(error);
  const fieldMessage = invalid ?? error?.fieldMessage(useBackup ? 'backup_code' : 'code');
  return (
    <form className="auth-form" onSubmit={submit} noValidate>
      <h1 id="auth-title" className="auth-title">
        Two-factor authentication
      </h1>
      <p className="auth-lead">
        {useBackup
          ? 'Enter one of the backup codes you saved when you set up two-factor authentication. Each code works once.'
          : 'Enter the 6-digit code from your authenticator app.'}
      </p>
      {rateLimited ? (
        <RateLimitedAlert secondsLeft={secondsLeft} />
      ) : error && !fieldMessage ? (
        <ErrorAlert error={error} />
      ) : null}
      {useBackup ? (
        <TextField
          key="backup"
          label="Backup code"
          name="backup_code"
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          autoFocus
          required
          value={value}
          onChange={(e) => setValue(e.target.value)}
          error={fieldMessage}
        />
      ) : (
        <TextField
          key="code"
          label="Authentication code"
          name="code"
          className="field-otp"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]*"
          maxLength={7}
          autoFocus
          required
          value={value}
          onChange={(e) => setValue(e.target.value)}
          error={fieldMessage}
          hint="6 digits"
        />
      )}
      <button type="submit" className="btn btn-primary btn-block" disabled={busy || secondsLeft > 0}>
        {busy ? 'Verifying…' : 'Verify'}
      </button>
      <div className="auth-links">
        <button
          type="button"
          className="btn-link"
          onClick={() => {
            setUseBackup(!useBackup);
            setValue('');
            setError(null);
            setInvalid(undefined);
          }}
        >
          {useBackup ? 'Use an authenticator code instead' : 'Use a backup code instead'}
        </button>
        <button type="button" className="btn-link" onClick={() => onRestart(null)}>
          Start over
        </button>
      </div>
    </form>
  );
}
