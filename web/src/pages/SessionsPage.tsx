// SPDX-License-Identifier: Apache-2.0
// Settings › Sessions: the signed-in user's own sessions; any of them can be ended. Ending the
// current one signs out. The list (SessionsCard) is also part of Settings › Security.
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import type { SessionInfo } from '../api/types';
import { navigate } from '../app/router';
import { useMe, useSession } from '../app/session';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PageError } from '../components/PageError';
import { Alert, Badge, ErrorAlert, Loading, PageHeader } from '../components/ui';
import { formatDateTime, formatRelative } from '../lib/time';
import { describeUserAgent } from '../lib/userAgent';

function byRecency(a: SessionInfo, b: SessionInfo): number {
  if (a.current !== b.current) return a.current ? -1 : 1;
  const at = a.last_seen_at ?? a.created_at;
  const bt = b.last_seen_at ?? b.created_at;
  return at < bt ? 1 : at > bt ? -1 : 0;
}

export function SessionsPage() {
  const me = useMe();
  return (
    <>
      <PageHeader
        title="Sessions"
        description={`Where ${me.user.email} is signed in. End any session you do not recognise; ending this one signs you out.`}
      />
      <SessionsCard />
    </>
  );
}

/** The signed-in user's sessions, with End per session and "End all other sessions". */
export function SessionsCard() {
  const { ended } = useSession();
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<Set<string>>(new Set());
  const [confirmCurrent, setConfirmCurrent] = useState<SessionInfo | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const result = await auth.sessions();
      setSessions([...result.data].sort(byRecency));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  function markBusy(ids: string[], on: boolean) {
    setBusy((current) => {
      const next = new Set(current);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  }

  async function end(targets: SessionInfo[]) {
    setActionError(null);
    setNotice(null);
    markBusy(
      targets.map((s) => s.id),
      true,
    );
    let endedCount = 0;
    try {
      for (const session of targets) {
        await auth.endSession(session.id);
        endedCount += 1;
        if (session.current) {
          ended('You ended this session and have been signed out.');
          navigate('/login', { replace: true });
          return;
        }
        setSessions((current) => (current ?? []).filter((s) => s.id !== session.id));
      }
      setNotice(endedCount === 1 ? 'Session ended.' : `${endedCount} sessions ended.`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setActionError(err);
    } finally {
      markBusy(
        targets.map((s) => s.id),
        false,
      );
    }
  }

  const others = (sessions ?? []).filter((s) => !s.current);
  return (
    <>
      {error ? (
        <PageError error={error} subject="your sessions" onRetry={() => void load()} />
      ) : sessions === null ? (
        <Loading label="Loading sessions…" />
      ) : (
        <>
          <ErrorAlert error={actionError} title="Could not end the session" />
          {notice ? <Alert tone="success">{notice}</Alert> : null}
          <section className="card" aria-labelledby="sessions-heading">
            <div className="card-header">
              <h2 id="sessions-heading">Active sessions</h2>
              <div className="card-header-end">
                <span className="count">{sessions.length === 1 ? '1 session' : `${sessions.length} sessions`}</span>
                {others.length > 0 ? (
                  <button type="button" className="btn btn-secondary btn-small" onClick={() => void end(others)} disabled={busy.size > 0}>
                    End all other sessions
                  </button>
                ) : null}
              </div>
            </div>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Device</th>
                    <th scope="col">IP address</th>
                    <th scope="col">Signed in</th>
                    <th scope="col">Last active</th>
                    <th scope="col" className="col-actions">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {sessions.length === 0 ? (
                    <tr>
                      <td colSpan={5} className="table-empty">
                        No active sessions.
                      </td>
                    </tr>
                  ) : null}
                  {sessions.map((session) => (
                    <tr key={session.id} data-current={session.current ? 'true' : undefined}>
                      <td>
                        <div className="cell-primary">
                          {describeUserAgent(session.user_agent)}{' '}
                          {session.current ? <Badge tone="good">This session</Badge> : null}
                        </div>
                        <div className="cell-secondary ua" title={session.user_agent ?? undefined}>
                          {session.user_agent || 'No user agent recorded'}
                        </div>
                      </td>
                      <td className="cell-mono">{session.ip || '—'}</td>
                      <td className="nowrap" title={session.created_at}>
                        {formatDateTime(session.created_at)}
                      </td>
                      <td className="nowrap" title={session.last_seen_at ?? undefined}>
                        {session.current ? 'Now' : formatRelative(session.last_seen_at ?? session.created_at)}
                      </td>
                      <td className="col-actions">
                        <button
                          type="button"
                          className="btn btn-ghost-danger btn-small"
                          disabled={busy.has(session.id)}
                          aria-label={session.current ? 'End this session (sign out)' : `End session from ${describeUserAgent(session.user_agent)}, ${session.ip ?? 'unknown address'}`}
                          onClick={() => (session.current ? setConfirmCurrent(session) : void end([session]))}
                        >
                          {busy.has(session.id) ? 'Ending…' : 'End'}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
      <ConfirmDialog
        open={confirmCurrent !== null}
        title="End this session?"
        confirmLabel="End and sign out"
        onClose={() => setConfirmCurrent(null)}
        onConfirm={() => {
          const session = confirmCurrent;
          setConfirmCurrent(null);
          if (session) void end([session]);
        }}
      >
        <p>This is the session you are using now. Ending it signs you out of WatchTower on this browser.</p>
      </ConfirmDialog>
    </>
  );
}
