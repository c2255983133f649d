// SPDX-License-Identifier: Apache-2.0
// Re-authentication dialog. When a call answers `403 reauthentication_required`, the API client
// asks this provider; it shows a dialog for the password (and a TOTP code when the user has MFA),
// sends `POST /auth/reauthenticate`, and tells the client whether to retry the original call.
// Calls that need it at the same time share one dialog.
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, api } from '../api/client';
import { auth } from '../api/endpoints';
import { Modal } from '../components/Modal';
import { ErrorAlert, TextField } from '../components/ui';
import { useSession } from './session';

export function ReauthProvider({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const [open, setOpen] = useState(false);
  const pending = useRef<{ promise: Promise<boolean>; resolve: (ok: boolean) => void } | null>(null);
  const mfaEnabled = state.status === 'authenticated' && state.me.user.mfa_enabled;
  const signedIn = state.status === 'authenticated';
  const signedInRef = useRef(signedIn);
  signedInRef.current = signedIn;

  const ask = useCallback((): Promise<boolean> => {
    if (!signedInRef.current) return Promise.resolve(false);
    if (pending.current) return pending.current.promise;
    let resolve!: (ok: boolean) => void;
    const promise = new Promise<boolean>((r) => (resolve = r));
    pending.current = { promise, resolve };
    setOpen(true);
    return promise;
  }, []);

  const finish = useCallback((ok: boolean) => {
    setOpen(false);
    pending.current?.resolve(ok);
    pending.current = null;
  }, []);

  useEffect(() => {
    api.setHooks({ reauthenticate: ask });
  }, [ask]);

  useEffect(() => {
    if (!signedIn && pending.current) finish(false);
  }, [signedIn, finish]);

  return (
    <>
      {children}
      <Modal open={open} title="Confirm it is you" onClose={() => finish(false)} size="small">
        <ReauthForm mfaEnabled={mfaEnabled} onDone={finish} />
      </Modal>
    </>
  );
}

function ReauthForm({ mfaEnabled, onDone }: { mfaEnabled: boolean; onDone: (ok: boolean) => void }) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await auth.reauthenticate(password, mfaEnabled ? code.replace(/\s+/g, '') : undefined);
      onDone(true);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
      setCode(''); // a code is good once: the next attempt needs a fresh one
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <p className="modal-lead">
        This change is sensitive. Enter your password{mfaEnabled ? ' and a code from your authenticator app' : ''} to
        continue.
      </p>
      <ErrorAlert error={error} />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        autoFocus
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={error?.fieldMessage('password')}
      />
      {mfaEnabled ? (
        <TextField
          label="Authentication code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]*"
          maxLength={6}
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={error?.fieldMessage('code')}
          hint="The 6-digit code from your authenticator app."
        />
      ) : null}
      <div className="form-actions">
        <button type="button" className="btn btn-secondary" onClick={() => onDone(false)} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || password === ''}>
          {busy ? 'Confirming…' : 'Confirm'}
        </button>
      </div>
    </form>
  );
}
