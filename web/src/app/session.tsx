// SPDX-License-Identifier: Apache-2.0
// Who is signed in: loads `GET /auth/me` at start, and offers sign-in completion, organization
// switching and sign-out to the rest of the console. It also keeps the MFA enrolment gate: when
// `GET /auth/me` says `mfa_enrollment_required`, or any call answers `403 mfa_enrollment_required`,
// `me.mfa_enrollment_required` is true and the console shows only the enrolment (App.tsx).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError, api } from '../api/client';
import { auth } from '../api/endpoints';
import type { Me } from '../api/types';
import { navigate } from './router';

export type SessionState =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'anonymous'; notice: string | null }
  | { status: 'authenticated'; me: Me };

interface SessionApi {
  state: SessionState;
  /** Loads `GET /auth/me` again (after sign-in, organization switch, role change). */
  reload: () => Promise<void>;
  switchOrganization: (organizationId: string) => Promise<void>;
  /** Ends the session on the server (best effort) and goes to the sign-in page. */
  signOut: () => Promise<void>;
  /** The session ended on the server side (e.g. it was ended from the Sessions page). */
  ended: (notice: string | null) => void;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const stateRef = useRef(state);
  stateRef.current = state;

  const reload = useCallback(async () => {
    try {
      const me = await auth.me();
      setState({ status: 'authenticated', me });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setState({ status: 'anonymous', notice: null });
      } else if (err instanceof ApiError) {
        setState({ status: 'error', error: err });
      } else {
        throw err;
      }
    }
  }, []);

  const ended = useCallback((notice: string | null) => {
    api.setCsrfToken(null);
    setState({ status: 'anonymous', notice });
  }, []);

  useEffect(() => {
    api.setHooks({
      unauthenticated: () => {
        if (stateRef.current.status === 'authenticated') {
          ended('Your session has ended. Sign in again to continue.');
        }
      },
      mfaEnrollmentRequired: () => {
        const current = stateRef.current;
        if (current.status === 'authenticated' && !current.me.mfa_enrollment_required) {
          setState({ status: 'authenticated', me: { ...current.me, mfa_enrollment_required: true } });
        }
      },
    });
    void reload();
  }, [reload, ended]);

  const switchOrganization = useCallback(
    async (organizationId: string) => {
      await auth.switchOrganization(organizationId);
      await reload();
    },
    [reload],
  );

  const signOut = useCallback(async () => {
    try {
      await auth.logout();
    } catch {
      // The session is dropped on this side whatever the server said.
    }
    ended(null);
    navigate('/login', { replace: true });
  }, [ended]);

  const value = useMemo(
    () => ({ state, reload, switchOrganization, signOut, ended }),
    [state, reload, switchOrganization, signOut, ended],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in user's state; only for components rendered inside the signed-in layout. */
export function useMe(): Me {
  const { state } = useSession();
  if (state.status !== 'authenticated') throw new Error('useMe without a session');
  return state.me;
}
