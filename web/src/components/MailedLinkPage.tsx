// SPDX-License-Identifier: Apache-2.0
// The frame of a page opened from a mailed link (`/reset-password#token=...`,
// `/accept-invitation#token=...`): takes the token from the fragment (router.useFragmentToken,
// which also clears it from the address), checks it once with `verify` (the token goes in the
// request body), and shows "checking", the unusable-link page (`400 invalid_token`, or no token
// at all), or the page's own content with the answer of `verify`. A new link opened while the
// page is shown starts it over.
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { Link, useFragmentToken } from '../app/router';
import { fragmentToken } from '../lib/accountSecurity';
import { AuthScreen } from './AuthScreen';
import { isRateLimited, retryDeadline, useCountdown } from './RateLimited';
import { Alert, ErrorAlert, Loading } from './ui';

type Check<T> = { kind: 'checking' } | { kind: 'invalid'; error: ApiError | null } | { kind: 'ready'; value: T };

interface MailedLinkProps<T> {
  /** Heading while the link is checked, and the document title. */
  title: string;
  checkingLabel: string;
  invalidTitle: string;
  /** What to do about an unusable link (a button or a sentence). */
  invalidAction: ReactNode;
  verify: (token: string) => Promise<T>;
  /** The page once the link is good; `invalidate` shows the unusable-link page (a later 400). */
  children: (token: string, value: T, invalidate: (error: ApiError) => void) => ReactNode;
}

export function MailedLinkPage<T>(props: MailedLinkProps<T>) {
  const { token, visit } = useFragmentToken(fragmentToken);
  return (
    <AuthScreen>
      <MailedLinkFlow key={visit} token={token} {...props} />
    </AuthScreen>
  );
}

function MailedLinkFlow<T>({
  token,
  title,
  checkingLabel,
  invalidTitle,
  invalidAction,
  verify,
  children,
}: MailedLinkProps<T> & { token: string | null }) {
  const [check, setCheck] = useState<Check<T>>(token ? { kind: 'checking' } : { kind: 'invalid', error: null });

  useEffect(() => {
    document.title = `${title} · WatchTower`;
    if (!token) return;
    let live = true;
    verify(token)
      .then((value) => live && setCheck({ kind: 'ready', value }))
      .catch((err: unknown) => {
        if (!(err instanceof ApiError)) throw err;
        if (live) setCheck({ kind: 'invalid', error: err });
      });
    return () => {
      live = false;
    };
    // `verify` is left out on purpose: the check runs once per token, whatever the caller passes.
  }, [token, title]);

  if (check.kind === 'ready' && token) return children(token, check.value, (error) => setCheck({ kind: 'invalid', error }));
  if (check.kind === 'checking') {
    return (
      <div className="auth-form">
        <h1 id="auth-title" className="auth-title">
          {title}
        </h1>
        <Loading label={checkingLabel} />
      </div>
    );
  }
  const error = check.kind === 'invalid' ? check.error : null;
  return (
    <div className="auth-form">
      <h1 id="auth-title" className="auth-title">
        {invalidTitle}
      </h1>
      {error !== null && error.code !== 'invalid_token' ? (
        <ErrorAlert error={error} />
      ) : (
        <Alert tone="error">
          {error === null
            ? 'The link is incomplete. Open it again from the mail, or copy the whole address.'
            : 'The link has expired, has already been used, or was replaced by a newer one.'}
        </Alert>
      )}
      {invalidAction}
      <BackToSignIn />
    </div>
  );
}

export function BackToSignIn() {
  return (
    <div className="auth-links">
      <Link to="/login" className="btn-link">
        Back to sign-in
      </Link>
    </div>
  );
}

/** The last page of a mailed link: what was done, and the way to sign in. */
export function DoneSignInNext({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="auth-form">
      <h1 id="auth-title" className="auth-title">
        {title}
      </h1>
      <Alert tone="success">{children}</Alert>
      <Link to="/login" className="btn btn-primary btn-block">
        Sign in
      </Link>
    </div>
  );
}

/**
 * The submit of a mailed-link form: `run(action)` keeps `busy`, the server's `error` and the
 * `429` wait (`secondsLeft`), and hands `400 invalid_token` to `onInvalid` (the link died meanwhile).
 */
export function useLinkSubmit(onInvalid: (error: ApiError) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [retryUntil, setRetryUntil] = useState<number | null>(null);
  const secondsLeft = useCountdown(retryUntil);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.code === 'invalid_token') {
        onInvalid(err);
        return;
      }
      if (isRateLimited(err)) setRetryUntil(retryDeadline(err));
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, secondsLeft, blocked: busy || secondsLeft > 0, run };
}
