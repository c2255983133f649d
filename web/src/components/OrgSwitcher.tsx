// SPDX-License-Identifier: Apache-2.0
// The organization name in the top bar; a switcher when the user belongs to several.
import { useId, useState } from 'react';
import { ApiError } from '../api/client';
import { roleLabel } from '../api/types';
import { useMe, useSession } from '../app/session';

export function OrgSwitcher({ onError }: { onError: (error: ApiError | null) => void }) {
  const me = useMe();
  const { switchOrganization } = useSession();
  const [busy, setBusy] = useState(false);
  const id = useId();

  if (me.memberships.length <= 1) {
    return (
      <div className="org-current">
        <span className="org-label">Organization</span>
        <span className="org-name">{me.organization.name}</span>
      </div>
    );
  }

  async function change(organizationId: string) {
    if (organizationId === me.organization.id) return;
    setBusy(true);
    onError(null);
    try {
      await switchOrganization(organizationId);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      onError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="org-switcher">
      <label htmlFor={id} className="org-label">
        Organization
      </label>
      <select id={id} value={me.organization.id} disabled={busy} onChange={(e) => void change(e.target.value)}>
        {me.memberships.map((m) => (
          <option key={m.organization.id} value={m.organization.id}>
            {m.organization.name} ({roleLabel(m.role)})
          </option>
        ))}
      </select>
    </div>
  );
}
