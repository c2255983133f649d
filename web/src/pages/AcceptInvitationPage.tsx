// SPDX-License-Identifier: Apache-2.0
// /accept-invitation#token=...: the mailed invitation. The token is taken from the fragment (and
// removed from the address) and checked with `POST /auth/invitations/verify`, which names the
// organization, the role and the invited email. A newcomer chooses a name and a password; someone
// who already has a WatchTower account enters that account's password. `POST
// /auth/invitations/accept` then adds the membership (and the account), and the page sends the
// user to sign in.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import { roleLabel, type InvitationPreview } from '../api/types';
import { DoneSignInNext, MailedLinkPage, useLinkSubmit } from '../components/MailedLinkPage';
import { NewPasswordFields } from '../components/NewPasswordFields';
import { RateLimitedAlert, isRateLimited } from '../components/RateLimited';
import { Badge, ErrorAlert, TextField } from '../components/ui';
import { newPasswordProblem } from '../lib/accountSecurity';

export function AcceptInvitationPage() {
  return (
    <MailedLinkPage
      title="Join an organization"
      checkingLabel="Checking the invitation…"
      invalidTitle="This invitation cannot be used"
      invalidAction={<p className="auth-lead">Ask an administrator of the organization to invite you again.</p>}
      verify={auth.verifyInvitation}
    >
      {(token, invitation, invalidate) => <AcceptForm token={token} invitation={invitation} onInvalid={invalidate} />}
    </MailedLinkPage>
  );
}

function AcceptForm({
  token,
  invitation,
  onInvalid,
}: {
  token: string;
  invitation: InvitationPreview;
  onInvalid: (error: ApiError) => void;
}) {
  const [joined, setJoined] = useState<{ created: boolean } | null>(null);
  const [existing, setExisting] = useState(invitation.existing_user === true);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [local, setLocal] = useState<{ field: string; message: string } | null>(null);
  const { busy, error, secondsLeft, blocked, run } = useLinkSubmit(onInvalid);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (blocked) return;
    const problem = existing
      ? password === ''
        ? { field: 'password', message: 'Enter the password of your account.' }
        : null
      : name.trim() === ''
        ? { field: 'name', message: 'Enter your name.' }
        : newPasswordProblem(password, confirmation);
    setLocal(problem);
    if (problem) return;
    await run(async () => {
      await auth.acceptInvitation(token, existing ? '' : name.trim(), password);
      setJoined({ created: !existing });
    });
  }

  const message = (field: string) => (local?.field === field ? local.message : error?.fieldMessage(field));
  const passwordError = local?.field === 'new_password' ? local.message : message('password');
  const shownAtField = Boolean(message('name') || passwordError);
  if (joined) {
    return (
      <DoneSignInNext title={`Welcome to ${invitation.organization.name}`}>
        {joined.created ? 'Your account is ready. ' : ''}You are now a member of {invitation.organization.name} as{' '}
        {roleLabel(invitation.role)}. Sign in with {invitation.email} to continue.
      </DoneSignInNext>
    );
  }
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
      <button type="submit" className="btn btn-primary btn-block" disabled={blocked}>
        {busy ? 'Joining…' : `Join ${invitation.organization.name}`}
      </button>
    </form>
  );
}
