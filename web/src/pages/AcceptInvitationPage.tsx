// SPDX-License-Identifier: Apache-2.0
// /accept-invitation#token=...: the mailed invitation. The token is taken from the fragment (and
// removed from the address) and checked with `POST /auth/invitations/verify`, which names the
// organization, the role and the invited email. A newcomer chooses a name and a password; someone
// who already has a WatchTower account enters that account's password. `POST
// /auth/invitations/accept` then adds the membership (and the account), and the page sends the
// user to sign in.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import { roleLabel, type InvitationPreview } from '../api/types';
import { Link, useFragmentToken } from '../app/router';
import { AuthScreen } from '../components/AuthScreen';
import { NewPasswordFields } from '../components/NewPasswordFields';
import { RateLimitedAlert, isRateLimited, retryDeadline, useCountdown } from '../components/RateLimited';
import { Alert, Badge, ErrorAlert, Loading, TextField } from '../components/ui';
import { fragmentToken, newPasswordProblem } from '../lib/accountSecurity';
import { InvalidLink } from './PasswordResetPages';

type State =
  | { kind: 'checking' }
  | { kind: 'invalid'; error: ApiError | null }
  | { kind: 'ready'; invitation: InvitationPreview }
  | { kind: 'done'; invitation: InvitationPreview; created: boolean };

export function AcceptInvitationPage() {
  const { token, visit } = useFragmentToken(fragmentToken);
  return <AcceptInvitationFlow key={visit} token={token} />;
}

function AcceptInvitationFlow({ token }: { token: string | null }) {
  const [state, setState] = useState<State>(token ? { kind: 'checking' } : { kind: 'invalid', error: null });

  useEffect(() => {
    document.title = 'Join an organization · WatchTower';
    if (!token) return;
    let live = true;
    auth
      .verifyInvitation(token)
      .then((invitation) => live && setState({ kind: 'ready', invitation }))
      .catch((err: unknown) => {
        if (!(err instanceof ApiError)) throw err;
        if (live) setState({ kind: 'invalid', error: err });
      });
    return () => {
      live = false;
    };
  }, [token]);

  return (
    <AuthScreen>
      {state.kind === 'checking' ? (
        <div className="auth-form">
          <h1 id="auth-title" className="auth-title">
            Join an organization
          </h1>
          <Loading label="Checking the invitation…" />
        </div>
      ) : state.kind === 'invalid' ? (
        <InvalidLink
          title="This invitation cannot be used"
          error={state.error}
          retry={<p className="auth-lead">Ask an administrator of the organization to invite you again.</p>}
        />
      ) : state.kind === 'done' ? (
        <div className="auth-form">
          <h1 id="auth-title" className="auth-title">
            Welcome to {state.invitation.organization.name}
          </h1>
          <Alert tone="success">
            {state.created ? 'Your account is ready. ' : ''}You are now a member of {state.invitation.organization.name} as{' '}
            {roleLabel(state.invitation.role)}. Sign in with {state.invitation.email} to continue.
          </Alert>
          <Link to="/login" className="btn btn-primary btn-block">
            Sign in
          </Link>
        </div>
      ) : (
        <AcceptForm
          token={token ?? ''}
          invitation={state.invitation}
          onDone={(created) => setState({ kind: 'done', invitation: state.invitation, created })}
          onInvalid={(error) => setState({ kind: 'invalid', error })}
        />
      )}
    </AuthScreen>
  );
}

function AcceptForm({
  token,
  invitation,
  onDone,
  onInvalid,
}: {
  token: string;
  invitation: InvitationPreview;
  onDone: (created: boolean) => void;
  onInvalid: (error: ApiError) => void;
}) {
  const [existing, setExisting] = useState(invitation.existing_user === true);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [local, setLocal] = useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [retryUntil, setRetryUntil] = useState<number | null>(null);
  const secondsLeft = useCountdown(retryUntil);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || secondsLeft > 0) return;
    const problem = existing
      ? password === ''
        ? { field: 'password', message: 'Enter the password of your account.' }
        : null
      : name.trim() === ''
        ? { field: 'name', message: 'Enter your name.' }
        : newPasswordProblem(password, confirmation);
    setLocal(problem);
    if (problem) return;
    setBusy(true);
    setError(null);
    try {
      await auth.acceptInvitation(token, existing ? '' : name.trim(), password);
      onDone(!existing);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setBusy(false);
      if (err.code === 'invalid_token') {
        onInvalid(err);
        return;
      }
      if (isRateLimited(err)) setRetryUntil(retryDeadline(err));
      setError(err);
    }
  }

  const message = (field: string) => (local?.field === field ? local.message : error?.fieldMessage(field));
  const passwordError = local?.field === 'new_password' ? local.message : message('password');
  const shownAtField = Boolean(message('name') || passwordError);
  return (
    <form className="auth-form" onSubmit={submit} noValidate>
      <h1 id="auth-title" className="auth-title">
        Join {invitation.organization.name}
      </h1>
      <dl className="invitation-facts">
        <dt>Organization</dt>
        <dd>{invitation.organization.name}</dd>
        <dt>Role</dt>
        <dd>
          <Badge tone="role">{roleLabel(invitation.role)}</Badge>
        </dd>
        <dt>Email</dt>
        <dd>{invitation.email}</dd>
      </dl>
      {isRateLimited(error) ? (
        <RateLimitedAlert secondsLeft={secondsLeft} />
      ) : error && !shownAtField ? (
        <ErrorAlert error={error} title={error.code === 'invalid_credentials' ? 'Wrong password' : undefined} />
      ) : null}
      <fieldset className="choice-group">
        <legend>Your WatchTower account</legend>
        <label className={`choice${existing ? '' : ' choice-selected'}`}>
          <input type="radio" name="account" checked={!existing} onChange={() => setExisting(false)} />
          I am new to WatchTower: create my account
        </label>
        <label className={`choice${existing ? ' choice-selected' : ''}`}>
          <input type="radio" name="account" checked={existing} onChange={() => setExisting(true)} />
          I already have an account with {invitation.email}
        </label>
      </fieldset>
      {existing ? (
        <TextField
          key="existing-password"
          label="Password of your account"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={passwordError}
        />
      ) : (
        <>
          <TextField
            label="Your name"
            name="name"
            autoComplete="name"
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={message('name')}
          />
          <NewPasswordFields
            label="Password"
            password={password}
            confirmation={confirmation}
            onPassword={setPassword}
            onConfirmation={setConfirmation}
            passwordError={passwordError}
            confirmationError={local?.field === 'confirm' ? local.message : undefined}
          />
        </>
      )}
      <button type="submit" className="btn btn-primary btn-block" disabled={busy || secondsLeft > 0}>
        {busy ? 'Joining…' : `Join ${invitation.organization.name}`}
      </button>
    </form>
  );
}
