// SPDX-License-Identifier: Apache-2.0
// Password recovery, outside the signed-in console.
// - /forgot-password: asks for the email; the answer is always the same neutral confirmation
//   (the server never says whether the address has an account).
// - /reset-password#token=...: the mailed link. The token is taken from the fragment (and removed
//   from the address), checked with `POST /auth/password-reset/verify`, then the new password is
//   entered twice and sent with the token to `POST /auth/password-reset/complete`, which ends
//   every session of the account.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import { Link } from '../app/router';
import { AuthScreen } from '../components/AuthScreen';
import { BackToSignIn, DoneSignInNext, MailedLinkPage, useLinkSubmit } from '../components/MailedLinkPage';
import { NewPasswordFields } from '../components/NewPasswordFields';
import { RateLimitedAlert, isRateLimited, retryDeadline, useCountdown } from '../components/RateLimited';
import { Alert, ErrorAlert, TextField } from '../components/ui';
import { newPasswordProblem } from '../lib/accountSecurity';

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [missing, setMissing] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [retryUntil, setRetryUntil] = useState<number | null>(null);
  const secondsLeft = useCountdown(retryUntil);

  useEffect(() => {
    document.title = 'Reset your password · WatchTower';
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || secondsLeft > 0) return;
    const address = email.trim();
    if (address === '') {
      setMissing('Enter your email address.');
      return;
    }
    setMissing(undefined);
    setBusy(true);
    setError(null);
    try {
      await auth.requestPasswordReset(address);
      setSentTo(address);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (isRateLimited(err)) setRetryUntil(retryDeadline(err));
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthScreen>
      {sentTo ? (
        <div className="auth-form">
          <h1 id="auth-title" className="auth-title">
            Check your email
          </h1>
          <Alert tone="success">
            If <strong>{sentTo}</strong> belongs to a WatchTower account, a link to choose a new password is on its way.
            The link works once, for 30 minutes.
          </Alert>
          <p className="auth-lead">No mail after a few minutes? Check the spam folder, or ask an administrator.</p>
          <BackToSignIn />
        </div>
      ) : (
        <form className="auth-form" onSubmit={submit} noValidate>
          <h1 id="auth-title" className="auth-title">
            Reset your password
          </h1>
          <p className="auth-lead">Enter the email address of your account. We will mail you a link to choose a new password.</p>
          {isRateLimited(error) ? <RateLimitedAlert secondsLeft={secondsLeft} /> : <ErrorAlert error={error} />}
          <TextField
            label="Email"
            type="email"
            name="email"
            autoComplete="username"
            autoFocus
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={missing ?? error?.fieldMessage('email')}
          />
          <button type="submit" className="btn btn-primary btn-block" disabled={busy || secondsLeft > 0}>
            {busy ? 'Sending…' : 'Send the link'}
          </button>
          <BackToSignIn />
        </form>
      )}
    </AuthScreen>
  );
}

export function ResetPasswordPage() {
  return (
    <MailedLinkPage
      title="Choose a new password"
      checkingLabel="Checking the link…"
      invalidTitle="This reset link cannot be used"
      invalidAction={
        <Link to="/forgot-password" className="btn btn-primary btn-block">
          Ask for a new link
        </Link>
      }
      verify={auth.verifyPasswordReset}
    >
      {(token, _valid, invalidate) => <ResetForm token={token} onInvalid={invalidate} />}
    </MailedLinkPage>
  );
}

function ResetForm({ token, onInvalid }: { token: string; onInvalid: (error: ApiError) => void }) {
  const [done, setDone] = useState(false);
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [problem, setProblem] = useState<ReturnType<typeof newPasswordProblem>>(null);
  const { busy, error, secondsLeft, blocked, run } = useLinkSubmit(onInvalid);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (blocked) return;
    const local = newPasswordProblem(password, confirmation);
    setProblem(local);
    if (local) return;
    await run(async () => {
      await auth.completePasswordReset(token, password);
      setDone(true);
    });
  }

  const passwordError = problem?.field === 'new_password' ? problem.message : error?.fieldMessage('new_password');
  if (done) {
    return (
      <DoneSignInNext title="Password changed">
        Your new password is set, and every session of your account was ended. Sign in with the new password.
      </DoneSignInNext>
    );
  }
  return (
    <form className="auth-form" onSubmit={submit} noValidate>
      <h1 id="auth-title" className="auth-title">
        Choose a new password
      </h1>
      {isRateLimited(error) ? (
        <RateLimitedAlert secondsLeft={secondsLeft} />
      ) : error && !passwordError ? (
        <ErrorAlert error={error} />
      ) : null}
      <NewPasswordFields
        password={password}
        confirmation={confirmation}
        onPassword={setPassword}
        onConfirmation={setConfirmation}
        passwordError={passwordError}
        confirmationError={problem?.field === 'confirm' ? problem.message : undefined}
      />
      <button type="submit" className="btn btn-primary btn-block" disabled={blocked}>
        {busy ? 'Saving…' : 'Set the new password'}
      </button>
    </form>
  );
}
