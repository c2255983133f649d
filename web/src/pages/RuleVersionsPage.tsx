// SPDX-License-Identifier: Apache-2.0
// Rules › a rule › History (`/rules/{id}/versions`): every version, newest first, with who made it,
// when and why, the fields that changed and a line diff of the expression. RISK_LEAD and ADMIN
// restore a version (behind a confirmation); a restore is itself a new version.
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { orgs, rules as rulesApi } from '../api/endpoints';
import type { Rule, RuleVersion } from '../api/types';
import { Link } from '../app/router';
import { useMe } from '../app/session';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PageError } from '../components/PageError';
import { RuleStatusBadge } from '../components/RuleBadges';
import { Alert, EmptyState, ErrorAlert, Loading, PageHeader } from '../components/ui';
import { canManageRules, capitalize, formatSuppression } from '../lib/rules';
import { formatRelativeWithDate } from '../lib/time';

const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  description: 'Description',
  expression: 'Expression',
  severity: 'Severity',
  action: 'Action',
  score: 'Score',
  status: 'Status',
  suppression_seconds: 'Suppression',
};

export function RuleVersionsPage({ id }: { id: string }) {
  const me = useMe();
  const manage = canManageRules(me.role);
  const [rule, setRule] = useState<Rule | null>(null);
  const [versions, setVersions] = useState<RuleVersion[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [names, setNames] = useState<Record<string, string>>({});
  const [restoring, setRestoring] = useState<RuleVersion | null>(null);
  const [restoreError, setRestoreError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const [current, page] = await Promise.all([rulesApi.get(id), rulesApi.versions(id)]);
      setRule(current);
      setVersions(page.data);
      setNextCursor(page.next_cursor);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  // Author names; the page works without them.
  useEffect(() => {
    let cancelled = false;
    orgs
      .members()
      .then((page) => {
        if (!cancelled) setNames(Object.fromEntries(page.data.map((m) => [m.user_id, m.name || m.email])));
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);

  async function loadMore() {
    if (!nextCursor) return;
    setMoreError(null);
    try {
      const page = await rulesApi.versions(id, nextCursor);
      setVersions((current) => [...(current ?? []), ...page.data]);
      setNextCursor(page.next_cursor);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setMoreError(err);
    }
  }

  async function restore() {
    if (!restoring) return;
    setBusy(true);
    setRestoreError(null);
    try {
      const restored = await rulesApi.restore(id, restoring.version);
      await load();
      setRestoring(null);
      setNotice(`Version ${restoring.version} was restored as version ${restored.version}.`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setRestoreError(err);
    } finally {
      setBusy(false);
    }
  }

  function author(userId: string | null): string {
    if (!userId) return 'the system';
    if (userId === me.user.id) return 'you';
    return names[userId] ?? userId;
  }

  const back = (
    <Link to={`/rules/${encodeURIComponent(id)}`} className="back-link">
      <span aria-hidden="true">←</span> {rule ? rule.name : 'The rule'}
    </Link>
  );

  if (error) {
    return (
      <>
        {back}
        <PageHeader title="Version history" />
        {error.status === 404 ? (
          <EmptyState title="There is no such rule in this organization">
            <p>Check the address, or find the rule in the list.</p>
          </EmptyState>
        ) : (
          <PageError error={error} subject="the versions of this rule" onRetry={() => void load()} />
        )}
      </>
    );
  }
  if (!rule || !versions) {
    return (
      <>
        {back}
        <Loading label="Loading the versions…" />
      </>
    );
  }
  return (
    <>
      {back}
      <PageHeader
        title={`History of “${rule.name}”`}
        description={
          <>
            Every saved change is a version that never changes. Restoring an old version makes its fields current again as a
            new version, so a restore can itself be undone. Current: version {rule.version}.
          </>
        }
      />
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <ol className="version-list" aria-label="Versions, newest first">
        {versions.map((version) => {
          const current = version.version === rule.version;
          return (
            <li key={version.version} className={`card version${current ? ' version-current' : ''}`} data-version={version.version}>
              <div className="card-header version-header">
                <div>
                  <h2>
                    Version {version.version}
                    {current ? <span className="version-current-tag">current</span> : null}
                  </h2>
                  <p className="cell-secondary">
                    {capitalize(version.change)} by {author(version.author_id)} · {formatRelativeWithDate(version.created_at)}
                  </p>
                </div>
                <div className="version-actions">
                  <RuleStatusBadge status={version.status} />
                  {manage && !current ? (
                    <button
                      type="button"
                      className="btn btn-secondary btn-small"
                      onClick={() => {
                        setRestoreError(null);
                        setNotice(null);
                        setRestoring(version);
                      }}
                    >
                      Restore version {version.version}
                    </button>
                  ) : null}
                </div>
              </div>
              <div className="card-body">
                <VersionDiff version={version} />
              </div>
            </li>
          );
        })}
      </ol>
      {nextCursor || moreError ? (
        <div className="card-footer">
          <ErrorAlert error={moreError} />
          {nextCursor ? (
            <button type="button" className="btn btn-secondary" onClick={() => void loadMore()}>
              Load older versions
            </button>
          ) : null}
        </div>
      ) : null}

      <ConfirmDialog
        open={restoring !== null}
        title={restoring ? `Restore version ${restoring.version}?` : 'Restore'}
        size="wide"
        tone="primary"
        confirmLabel={`Restore version ${restoring?.version ?? ''}`}
        busyLabel="Restoring…"
        busy={busy}
        onClose={() => setRestoring(null)}
        onConfirm={() => void restore()}
      >
        {restoring ? (
          <>
            <p>
              The rule becomes version {rule.version + 1} with the fields of version {restoring.version}; it takes effect for
              the next transactions. Versions {restoring.version + 1}–{rule.version} stay in the history.
            </p>
            <dl className="details-list">
              <dt>Status</dt>
              <dd>{capitalize(restoring.status)}</dd>
              <dt>Action</dt>
              <dd>
                {capitalize(restoring.action)}, {restoring.severity}, score {restoring.score}
              </dd>
              <dt>Suppression</dt>
              <dd>{formatSuppression(restoring.suppression_seconds)}</dd>
              <dt>Expression</dt>
              <dd>
                <pre className="json">{restoring.expression}</pre>
              </dd>
            </dl>
            <ErrorAlert error={restoreError} title="Not restored" />
          </>
        ) : null}
      </ConfirmDialog>
    </>
  );
}

/** The changed fields (not the expression, shown as a line diff) and the expression's line diff. */
function VersionDiff({ version }: { version: RuleVersion }) {
  const fields = version.diff.filter((change) => change.field !== 'expression');
  const first = version.version === 1;
  return (
    <div className="version-diff">
      {fields.length > 0 ? (
        <table className="table diff-table">
          <thead>
            <tr>
              <th scope="col">Field</th>
              {first ? null : <th scope="col">Before</th>}
              <th scope="col">{first ? 'Value' : 'After'}</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((change) => (
              <tr key={change.field}>
                <th scope="row">{FIELD_LABELS[change.field] ?? change.field}</th>
                {first ? null : (
                  <td className="diff-from">
                    <FieldValue field={change.field} value={change.from} />
                  </td>
                )}
                <td className="diff-to">
                  <FieldValue field={change.field} value={change.to} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {version.expression_diff.length > 0 ? (
        <>
          <h3 className="subheading">{first ? 'Expression' : 'Expression changes'}</h3>
          <pre className="line-diff" aria-label="Expression line diff">
            {version.expression_diff.map((line, index) => (
              <span key={index} className={`diff-line diff-line-${line.op === '+' ? 'add' : line.op === '-' ? 'del' : 'same'}`}>
                <span className="diff-op" aria-label={line.op === '+' ? 'added' : line.op === '-' ? 'removed' : 'unchanged'}>
                  {line.op === ' ' ? ' ' : line.op}
                </span>
                {line.line || ' '}
                {'\n'}
              </span>
            ))}
          </pre>
        </>
      ) : fields.length === 0 ? (
        <p className="muted">No field changed.</p>
      ) : null}
    </div>
  );
}

function FieldValue({ field, value }: { field: string; value: unknown }) {
  if (value === null || value === undefined || value === '') return <span className="muted">none</span>;
  if (field === 'suppression_seconds' && typeof value === 'number') return <>{formatSuppression(value)}</>;
  if (typeof value === 'string') return <>{field === 'status' || field === 'severity' || field === 'action' ? capitalize(value) : value}</>;
  return <>{JSON.stringify(value)}</>;
}
