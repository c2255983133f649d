// SPDX-License-Identifier: Apache-2.0
// The enrolment gate: an ADMIN or RISK_LEAD (or anyone, when the organization requires it)
// without two-factor authentication can use nothing of the console but this enrolment and
// sign-out, because the server answers `403 mfa_enrollment_required` everywhere else.
import { useEffect, useState } from 'react';
import { roleLabel } from '../api/types';
import { useMe, useSession } from '../app/session';
import { AuthScreen } from '../components/AuthScreen';
import { MfaEnrolment } from '../components/MfaEnrolment';
import { Alert } from '../components/ui';
import { mfaRequiredFor } from '../lib/accountSecurity';

export function MfaRequiredPage() {
  const me = useMe();
  const { reload, signOut } = useSession();
  const [signingOut, setSigningOut] = useState(false);

  useEffect(() => {
    document.title = 'Set up two-factor authentication · WatchTower';
  }, []);

  const why = mfaRequiredFor(me.role)
    ? `As ${/^[aeiou]/i.test(roleLabel(me.role)) ? 'an' : 'a'} ${roleLabel(me.role)} in ${me.organization.name}, you must use two-factor authentication.`
    : `${me.organization.name} requires two-factor authentication for everyone.`;
  return (
    <AuthScreen wide>
      <div className="auth-form">
        <h1 id="auth-title" className="auth-title">
          Two-factor authentication required
        </h1>
        <Alert tone="info">
          {why} Set it up now to continue: nothing else of WatchTower is available until it is on.
        </Alert>
        <p className="auth-lead">
          Signed in as <strong>{me.user.email}</strong>. You need an authenticator app on your phone or computer.
        </p>
        <MfaEnrolment email={me.user.email} onDone={() => void reload()} />
        <div className="auth-links">
          <button
            type="button"
            className="btn-link"
            disabled={signingOut}
            onClick={() => {
              setSigningOut(true);
              void signOut();
            }}
          >
            {signingOut ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      </div>
    </AuthScreen>
  );
}
