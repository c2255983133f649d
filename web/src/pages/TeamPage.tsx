// SPDX-License-Identifier: Apache-2.0
// Settings › Team: the organization's members; admins change roles, remove members, and invite
// people (TeamInvitations.tsx).
import { useState } from 'react';
import { ApiError } from '../api/client';
import { orgs } from '../api/endpoints';
import { ROLES, roleLabel, type Member, type Role } from '../api/types';
import { useMe, useSession } from '../app/session';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { LoadMoreFooter } from '../components/LoadMore';
import { PageError } from '../components/PageError';
import { Alert, Badge, Loading, PageHeader } from '../components/ui';
import { usePagedList } from '../hooks/usePagedList';
import { formatDate, formatDateTime, formatRelative } from '../lib/time';
import { InvitationsCard } from './TeamInvitations';

interface RowState {
  busy?: boolean;
  error?: ApiError | null;
  notice?: string | null;
}

export function TeamPage() {
  const me = useMe();
  const { reload } = useSession();
  const isAdmin = me.role === 'ADMIN';
  const list = usePagedList((cursor) => orgs.members(cursor), 'members');
  const { rows: members, setRows: setMembers, error: loadError } = list;
  const [rows, setRows] = useState<Record<string, RowState>>({});
  const [removing, setRemoving] = useState<Member | null>(null);

  function setRow(userId: string, state: RowState) {
    setRows((current) => ({ ...current, [userId]: state }));
  }

  async function changeRole(member: Member, role: Role) {
    if (role === member.role) return;
    setRow(member.user_id, { busy: true });
    try {
      const updated = await orgs.changeRole(member.user_id, role);
      const newRole = updated && typeof updated === 'object' && 'role' in updated ? updated.role : role;
      setMembers((current) => current.map((m) => (m.user_id === member.user_id ? { ...m, role: newRole } : m)));
      setRow(member.user_id, { notice: `Role changed to ${roleLabel(newRole)}. Their sessions in this organization were ended.` });
      if (member.user_id === me.user.id) await reload();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setRow(member.user_id, { error: err });
    }
  }

  async function remove(member: Member) {
    setRemoving(null);
    setRow(member.user_id, { busy: true });
    try {
      await orgs.removeMember(member.user_id);
      setMembers((current) => current.filter((m) => m.user_id !== member.user_id));
      setRow(member.user_id, {});
      if (member.user_id === me.user.id) await reload();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setRow(member.user_id, { error: err });
    }
  }

  const columns = isAdmin ? 6 : 5;
  return (
    <>
      <PageHeader
        title="Team"
        description={
          isAdmin
            ? `People who can sign in to ${me.organization.name}. As an admin you can change their roles, remove them, or invite someone.`
            : `People who can sign in to ${me.organization.name}. Only admins can change roles.`
        }
      />
      {loadError ? (
        <PageError error={loadError} subject="the team" onRetry={() => void list.reload()} />
      ) : members === null ? (
        <Loading label="Loading members…" />
      ) : (
        <section className="card" aria-labelledby="members-heading">
          <div className="card-header">
            <h2 id="members-heading">Members</h2>
            <span className="count">{members.length === 1 ? '1 member' : `${members.length} members`}</span>
          </div>
          <div className="table-wrap">
            <table className="table" aria-describedby="members-heading">
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Role</th>
                  <th scope="col">Two-factor</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Member since</th>
                  {isAdmin ? (
                    <th scope="col" className="col-actions">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {members.length === 0 ? (
                  <tr>
                    <td colSpan={columns} className="table-empty">
                      No members.
                    </td>
                  </tr>
                ) : null}
                {members.map((member) => {
                  const row = rows[member.user_id] ?? {};
                  const self = member.user_id === me.user.id;
                  return (
                    <MemberRow
                      key={member.user_id}
                      member={member}
                      self={self}
                      isAdmin={isAdmin}
                      row={row}
                      columns={columns}
                      onRoleChange={(role) => void changeRole(member, role)}
                      onRemove={() => setRemoving(member)}
                    />
                  );
                })}
              </tbody>
            </table>
          </div>
          <LoadMoreFooter list={list} />
        </section>
      )}
      {isAdmin && members !== null ? <InvitationsCard members={members} /> : null}
      <ConfirmDialog
        open={removing !== null}
        title="Remove member"
        confirmLabel="Remove member"
        onClose={() => setRemoving(null)}
        onConfirm={() => removing && void remove(removing)}
      >
        {removing ? (
          <p>
            Remove <strong>{removing.name || removing.email}</strong> ({removing.email}) from {me.organization.name}? They
            lose access at once and their sessions in this organization end.
          </p>
        ) : null}
      </ConfirmDialog>
    </>
  );
}

function MemberRow({
  member,
  self,
  isAdmin,
  row,
  columns,
  onRoleChange,
  onRemove,
}: {
  member: Member;
  self: boolean;
  isAdmin: boolean;
  row: RowState;
  columns: number;
  onRoleChange: (role: Role) => void;
  onRemove: () => void;
}) {
  const displayName = member.name || member.email;
  const messageId = `member-${member.user_id}-message`;
  const hasMessage = Boolean(row.error || row.notice);
  return (
    <>
      <tr className={hasMessage ? 'row-has-message' : undefined} data-user-id={member.user_id}>
        <td>
          <div className="cell-primary">
            {displayName} {self ? <Badge tone="info">You</Badge> : null}
          </div>
          <div className="cell-secondary">{member.email}</div>
        </td>
        <td>
          {isAdmin ? (
            <select
              className="select-compact"
              aria-label={`Role for ${displayName}`}
              aria-describedby={hasMessage ? messageId : undefined}
              value={member.role}
              disabled={row.busy}
              onChange={(e) => onRoleChange(e.target.value as Role)}
            >
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {roleLabel(role)}
                </option>
              ))}
            </select>
          ) : (
            <Badge tone="role">{roleLabel(member.role)}</Badge>
          )}
        </td>
        <td>{member.mfa_enabled ? <Badge tone="good">Enabled</Badge> : <Badge tone="warn">Not set up</Badge>}</td>
        <td title={formatDateTime(member.last_login_at)}>
          {member.last_login_at ? formatRelative(member.last_login_at) : <span className="muted">Never</span>}
        </td>
        <td title={formatDateTime(member.created_at)}>{formatDate(member.created_at)}</td>
        {isAdmin ? (
          <td className="col-actions">
            <button
              type="button"
              className="btn btn-ghost-danger btn-small"
              onClick={onRemove}
              disabled={row.busy}
              aria-label={`Remove ${displayName}`}
            >
              Remove
            </button>
          </td>
        ) : null}
      </tr>
      {hasMessage ? (
        <tr className="row-message">
          <td colSpan={columns} id={messageId}>
            {row.error?.code === 'reauthentication_required' ? (
              // The password dialog was cancelled: the server's detail names an API route.
              <Alert tone="warning">Nothing was changed: the change needs your password, and it was not confirmed.</Alert>
            ) : row.error ? (
              <Alert tone="error" title={row.error.code === 'conflict' ? 'Change refused' : undefined}>
                {row.error.detail}
              </Alert>
            ) : (
              <Alert tone="success">{row.notice}</Alert>
            )}
          </td>
        </tr>
      ) : null}
    </>
  );
}
