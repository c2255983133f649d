// SPDX-License-Identifier: Apache-2.0
// Settings › Team, for admins: invite someone by email with a role (the server mails a single-use
// link valid 72 hours; the token never reaches the console), and the pending invitations with
// revoke (behind a confirmation).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { orgs } from '../api/endpoints';
import { ROLES, roleLabel, type Invitation, type Member, type Role } from '../api/types';
import { useMe } from '../app/session';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Alert, Badge, ErrorAlert, Loading, SelectField, TextField } from '../components/ui';
import { formatDateTime, formatRelative } from '../lib/time';

function inviterName(invitation: Invitation, members: readonly Member[]): string {
  const by = invitation.invited_by;
  if (by && typeof by === 'object') return by.name || by.email || by.id;
  const member = members.find((m) => m.user_id === by);
  return member ? member.name || member.email : '—';
}

export function InvitationsCard({ members }: { members: readonly Member[] }) {
  const me = useMe();
  const [pending, setPending] = useState<Invitation[] | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('ANALYST');
  const [missing, setMissing] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const [revokeError, setRevokeError] = useState<ApiError | null>(null);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      setPending((await orgs.invitations()).data);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setLoadError(err);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  async function invite(event: FormEvent) {
    event.preventDefault();
    const address = email.trim();
    setMissing(address === '' ? 'Enter the email address to invite.' : undefined);
    if (address === '') return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const created = await orgs.invite(address, role);
      setEmail('');
      setNotice(`Invitation sent to ${created.email} as ${roleLabel(created.role)}. The link in the mail works once, for 72 hours.`);
      // A new invitation for the same email replaces the pending one.
      setPending((current) => [created, ...(current ?? []).filter((i) => i.email.toLowerCase() !== created.email.toLowerCase())]);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(invitation: Invitation) {
    setRevokeError(null);
    try {
      await orgs.revokeInvitation(invitation.id);
      setRevoking(null);
      setPending((current) => (current ?? []).filter((i) => i.id !== invitation.id));
      setNotice(`The invitation of ${invitation.email} was revoked: its link no longer works.`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setRevokeError(err);
    }
  }

  const emailError = missing ?? error?.fieldMessage('email');
  return (
    <section className="card" aria-labelledby="invitations-heading">
      <div className="card-header">
        <h2 id="invitations-heading">Invitations</h2>
        {pending ? <span className="count">{pending.length === 1 ? '1 pending' : `${pending.length} pending`}</span> : null}
      </div>
      <form className="card-body invite-form" onSubmit={invite} noValidate aria-label="Invite a member">
        <TextField
          label="Email"
          type="email"
          name="invite-email"
          autoComplete="off"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={emailError}
        />
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={error?.fieldMessage('role')}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {roleLabel(r)}
            </option>
          ))}
        </SelectField>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Sending…' : 'Send invitation'}
        </button>
      </form>
      <div className="card-body card-body-flush">
        {error?.code === 'reauthentication_required' ? (
          <Alert tone="warning">Nothing was sent: inviting needs your password, and it was not confirmed.</Alert>
        ) : error && !emailError ? (
          <ErrorAlert error={error} title="The invitation was not sent" />
        ) : null}
        {notice ? <Alert tone="success">{notice}</Alert> : null}
      </div>
      {loadError ? (
        <div className="card-body">
          <ErrorAlert error={loadError} title="Could not load the pending invitations" />
        </div>
      ) : pending === null ? (
        <Loading label="Loading invitations…" />
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Pending invitations">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Invited by</th>
                <th scope="col">Sent</th>
                <th scope="col">Expires</th>
                <th scope="col" className="col-actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pending.length === 0 ? (
                <tr>
                  <td colSpan={6} className="table-empty">
                    No pending invitations.
                  </td>
                </tr>
              ) : null}
              {pending.map((invitation) => (
                <tr key={invitation.id} data-invitation-id={invitation.id}>
                  <td className="cell-primary">{invitation.email}</td>
                  <td>
                    <Badge tone="role">{roleLabel(invitation.role)}</Badge>
                  </td>
                  <td>{inviterName(invitation, members)}</td>
                  <td title={formatDateTime(invitation.created_at)}>{formatRelative(invitation.created_at)}</td>
                  <td className="nowrap">{formatDateTime(invitation.expires_at)}</td>
                  <td className="col-actions">
                    <button
                      type="button"
                      className="btn btn-ghost-danger btn-small"
                      aria-label={`Revoke the invitation of ${invitation.email}`}
                      onClick={() => {
                        setRevokeError(null);
                        setRevoking(invitation);
                      }}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke invitation"
        confirmLabel="Revoke invitation"
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && void revoke(revoking)}
      >
        <ErrorAlert error={revokeError} />
        {revoking ? (
          <p>
            Revoke the invitation of <strong>{revoking.email}</strong> to {me.organization.name}? The link in their mail stops
            working at once.
          </p>
        ) : null}
      </ConfirmDialog>
    </section>
  );
}
