// SPDX-License-Identifier: Apache-2.0
// The frame of the pages outside the signed-in console (sign-in, password reset, invitation,
// the MFA enrolment gate): the product mark, one card, the notice at the bottom.
import type { ReactNode } from 'react';
import { Logo } from './Logo';

export function AuthScreen({ children, wide = false }: { children: ReactNode; wide?: boolean }) {
  return (
    <div className="auth-screen">
      <main className={`auth-card${wide ? ' auth-card-wide' : ''}`} aria-labelledby="auth-title">
        <div className="auth-brand">
          <Logo />
          <div>
            <p className="auth-product">WatchTower</p>
            <p className="auth-tagline">Transaction monitoring console</p>
          </div>
        </div>
        {children}
      </main>
      <p className="auth-footnote">Authorized personnel only. Sign-ins and changes are recorded in the audit log.</p>
    </div>
  );
}
