// SPDX-License-Identifier: Apache-2.0
// Settings › API keys (ADMIN): the organization's ingestion keys. Create (the key is shown once),
// rotate with a grace period (the new key shown once), revoke. Every change needs a recent
// authentication; the API client brings up the password dialog when the server asks for it.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { orgs } from '../api/endpoints';
import type { ApiKey, Environment, IssuedApiKey } from '../api/types';
import { Link } from '../app/router';
import { useMe } from '../app/session';
import { KeyOnceDialog, type ReplacedKey } from '../components/KeyOnceDialog';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Modal } from '../components/Modal';
import { PageError } from '../components/PageError';
import { Alert, Badge, EmptyState, EnvironmentBadge, ErrorAlert, Icon, Loading, PageHeader, TextAreaField, TextField } from '../components/ui';
import { DEFAULT_GRACE_SECONDS, describeListErrors, formatDuration, GRACE_OPTIONS, parseAddressList } from '../lib/apiKeys';
import { formatDate, formatDateTime, formatRelative, formatUntil } from '../lib/time';

/** What the page says when the password dialog was dismissed: the server's detail names a route. */
function notConfirmed(what: string): string {
  return `Nothing was ${what}: this change needs your password, and it was not confirmed.`;
}

export function ApiKeysPage() {
  const me = useMe();
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [names, setNames] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [rotating, setRotating] = useState<ApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  // The one copy of a newly issued key; dropped when its dialog closes.
  const [issued, setIssued] = useState<{
    key: IssuedApiKey;
    title: string;
    replaces: { key: ApiKey; graceSeconds: number } | null;
  } | null>(null);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      const page = await orgs.apiKeys();
      // Keys in use first (newest first, as the server sends them), revoked ones after.
      setKeys([...page.data].sort((a, b) => Number(a.status === 'revoked') - Number(b.status === 'revoked')));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setLoadError(err);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  // Member names for "created by"; the table works without them.
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

  function creatorName(userId: string | null): string {
    if (!userId) return 'a former member';
    if (userId === me.user.id) return 'you';
    return names[userId] ?? userId;
  }

  // The rotated key as the reloaded list shows it (its grace period ends at expires_at).
  const replacedNow = issued?.replaces ? keys?.find((k) => k.id === issued.replaces?.key.id) : undefined;
  const replaced: ReplacedKey | null = issued?.replaces
    ? {
        prefix: issued.replaces.key.prefix,
        graceSeconds: issued.replaces.graceSeconds,
        expiresAt: replacedNow?.status === 'rotating' ? replacedNow.expires_at : null,
      }
    : null;
  const activeCount = (keys ?? []).filter((k) => k.status !== 'revoked').length;

  return (
    <>
      <PageHeader
        title="API keys"
        description={
          <>
            Keys let your systems send transactions to {me.organization.name} (<code>POST /api/v1/transactions</code>).
            Production and sandbox keys write to separate data. A key is shown once, when it is created or rotated.
          </>
        }
        actions={
          loadError ? null : (
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              <Icon name="key" />
              Create API key
            </button>
          )
        }
      />
      {loadError ? (
        <PageError error={loadError} subject="API keys" allowedRoles={['ADMIN']} onRetry={() => void load()} />
      ) : keys === null ? (
        <Loading label="Loading API keys…" />
      ) : (
        <>
          {notice ? <Alert tone="success">{notice}</Alert> : null}
          {keys.length === 0 ? (
            <EmptyState
              icon={<Icon name="key" />}
              title="No API keys yet"
              action={
                <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
                  Create API key
                </button>
              }
            >
              <p>
                Create a key for each system that sends transactions. Start with a <strong>sandbox</strong> key to try the
                integration; its data never mixes with production.
              </p>
            </EmptyState>
          ) : (
            <section className="card" aria-labelledby="keys-heading">
              <div className="card-header">
                <h2 id="keys-heading">Keys</h2>
                <span className="count">
                  {activeCount === 1 ? '1 in use' : `${activeCount} in use`}
                  {keys.length > activeCount ? `, ${keys.length - activeCount} revoked` : ''}
                </span>
              </div>
              <div className="table-wrap">
                <table className="table table-keys">
                  <thead>
                    <tr>
                      <th scope="col">Key</th>
                      <th scope="col">Environment</th>
                      <th scope="col">Status</th>
                      <th scope="col">Created</th>
                      <th scope="col">Last used</th>
                      <th scope="col">Expires</th>
                      <th scope="col" className="col-actions">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {keys.map((key) => (
                      <KeyRow
                        key={key.id}
                        apiKey={key}
                        creator={creatorName(key.created_by)}
                        onRotate={() => {
                          setNotice(null);
                          setRotating(key);
                        }}
                        onRevoke={() => {
                          setNotice(null);
                          setRevoking(key);
                        }}
                      />
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          )}
          <p className="page-footnote">
            Keys are also limited by the organization’s{' '}
            <Link to="/settings/allowed-ips">allowed IPs for ingestion</Link>. Every change here is recorded in the{' '}
            <Link to="/settings/audit-log">audit log</Link>.
          </p>
        </>
      )}

      <CreateKeyDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(key) => {
          setCreating(false);
          setIssued({ key, title: 'API key created', replaces: null });
          setNotice(null);
          void load();
        }}
      />
      <RotateKeyDialog
        apiKey={rotating}
        onClose={() => setRotating(null)}
        onRotated={(key, old, graceSeconds) => {
          setRotating(null);
          setIssued({ key, title: 'API key rotated', replaces: { key: old, graceSeconds } });
          void load();
        }}
      />
      <RevokeKeyDialog
        apiKey={revoking}
        onClose={() => setRevoking(null)}
        onRevoked={(old) => {
          setRevoking(null);
          setNotice(`“${old.name}” (${old.prefix}…) is revoked. Requests with it are refused from now on.`);
          void load();
        }}
      />
      <KeyOnceDialog
        issued={issued?.key ?? null}
        title={issued?.title ?? ''}
        replaced={replaced}
        onClose={() => setIssued(null)}
      />
    </>
  );
}

function statusBadge(key: ApiKey) {
  if (key.status === 'active') return <Badge tone="good">Active</Badge>;
  if (key.status === 'rotating') return <Badge tone="warn">Rotating</Badge>;
  return <Badge tone="neutral">Revoked</Badge>;
}

function KeyRow({
  apiKey: key,
  creator,
  onRotate,
  onRevoke,
}: {
  apiKey: ApiKey;
  creator: string;
  onRotate: () => void;
  onRevoke: () => void;
}) {
  const revoked = key.status === 'revoked';
  return (
    <tr data-key-id={key.id} data-status={key.status} className={revoked ? 'row-inactive' : undefined}>
      <td>
        <div className="cell-primary">{key.name}</div>
        <div className="key-meta">
          <code className="key-prefix">{key.prefix}…</code>
          <span className="cell-secondary">
            {key.allowed_ips.length === 0 ? (
              'any address'
            ) : (
              <span title={key.allowed_ips.join(', ')}>
                from <code>{key.allowed_ips[0]}</code>
                {key.allowed_ips.length > 1 ? ` +${key.allowed_ips.length - 1}` : ''}
              </span>
            )}
          </span>
        </div>
      </td>
      <td>
        <EnvironmentBadge environment={key.environment} />
      </td>
      <td>{statusBadge(key)}</td>
      <td title={formatDateTime(key.created_at)}>
        <div className="nowrap">{formatDate(key.created_at)}</div>
        <div className="cell-secondary nowrap">by {creator}</div>
      </td>
      <td title={key.last_used_at ? formatDateTime(key.last_used_at) : undefined}>
        {key.last_used_at ? (
          <>
            <div className="nowrap">{formatRelative(key.last_used_at)}</div>
            <div className="cell-secondary cell-mono-secondary">{key.last_used_ip ?? '—'}</div>
          </>
        ) : (
          <span className="muted">Never</span>
        )}
      </td>
      <td title={key.expires_at ? formatDateTime(key.expires_at) : undefined}>
        {key.expires_at && !revoked ? (
          <>
            <div className="nowrap expires-soon">{formatUntil(key.expires_at)}</div>
            <div className="cell-secondary nowrap">{formatDateTime(key.expires_at)}</div>
          </>
        ) : key.expires_at ? (
          <span className="muted nowrap">{formatDate(key.expires_at)}</span>
        ) : revoked ? (
          <span className="muted">—</span>
        ) : (
          <span className="muted">Never</span>
        )}
      </td>
      <td className="col-actions">
        {revoked ? null : (
          <div className="row-actions">
            {key.status === 'active' ? (
              <button type="button" className="btn btn-ghost btn-small" onClick={onRotate} aria-label={`Rotate ${key.name}`}>
                Rotate
              </button>
            ) : null}
            <button type="button" className="btn btn-ghost-danger btn-small" onClick={onRevoke} aria-label={`Revoke ${key.name}`}>
              Revoke
            </button>
          </div>
        )}
      </td>
    </tr>
  );
}

const ENVIRONMENTS: { value: Environment; label: string; description: string }[] = [
  {
    value: 'sandbox',
    label: 'Sandbox',
    description: 'A wt_test_ key for trying the integration. Its transactions stay in the sandbox.',
  },
  {
    value: 'production',
    label: 'Production',
    description: 'A wt_live_ key for real traffic. Its transactions are screened and can raise alerts.',
  },
];

function CreateKeyDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (key: IssuedApiKey) => void;
}) {
  return (
    <Modal open={open} title="Create API key" onClose={onClose}>
      {/* Mounted only while open: every opening starts with an empty form. */}
      <CreateKeyForm onCancel={onClose} onCreated={onCreated} />
    </Modal>
  );
}

function CreateKeyForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (key: IssuedApiKey) => void }) {
  const [name, setName] = useState('');
  const [environment, setEnvironment] = useState<Environment>('sandbox');
  const [ips, setIps] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) {
      setNameError('Enter a name, such as the system that will use the key.');
      return;
    }
    setNameError(undefined);
    setBusy(true);
    setError(null);
    try {
      onCreated(await orgs.createApiKey({ name: name.trim(), environment, allowed_ips: parseAddressList(ips) }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
    }
  }

  const addresses = parseAddressList(ips);
  const fieldErrors = error?.fieldErrors ?? [];
  return (
    <form onSubmit={submit} noValidate aria-label="Create API key">
      {error?.code === 'reauthentication_required' ? (
        <Alert tone="warning">{notConfirmed('created')}</Alert>
      ) : error ? (
        <Alert tone="error" title="The key was not created">
          {error.detail}
        </Alert>
      ) : null}
      <TextField
        label="Name"
        autoFocus
        required
        maxLength={100}
        autoComplete="off"
        placeholder="e.g. Payments gateway"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={nameError ?? error?.fieldMessage('name')}
        hint="Who or what uses the key; shown in this list and in the audit log."
      />
      <fieldset className="field choice-group">
        <legend>Environment</legend>
        {ENVIRONMENTS.map((option) => (
          <label key={option.value} className={`choice${environment === option.value ? ' choice-selected' : ''}`}>
            <input
              type="radio"
              name="environment"
              value={option.value}
              checked={environment === option.value}
              onChange={() => setEnvironment(option.value)}
            />
            <span className="choice-text">
              <span className="choice-label">{option.label}</span>
              <span className="choice-description">{option.description}</span>
            </span>
          </label>
        ))}
        {error?.fieldMessage('environment') ? <p className="field-error">{error.fieldMessage('environment')}</p> : null}
      </fieldset>
      <TextAreaField
        label="Allowed IPs (optional)"
        rows={3}
        spellCheck={false}
        autoComplete="off"
        placeholder={'203.0.113.0/24\n2001:db8::/32'}
        value={ips}
        onChange={(e) => setIps(e.target.value)}
        error={error ? describeListErrors(fieldErrors, 'allowed_ips', addresses) : undefined}
        hint="Addresses or CIDR ranges, one per line. Empty: any address (the organization’s ingestion list still applies)."
      />
      <div className="form-actions">
        <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}

function RotateKeyDialog({
  apiKey,
  onClose,
  onRotated,
}: {
  apiKey: ApiKey | null;
  onClose: () => void;
  onRotated: (key: IssuedApiKey, old: ApiKey, graceSeconds: number) => void;
}) {
  return (
    <Modal open={apiKey !== null} title="Rotate API key" onClose={onClose}>
      {apiKey ? <RotateKeyForm apiKey={apiKey} onCancel={onClose} onRotated={onRotated} /> : null}
    </Modal>
  );
}

function RotateKeyForm({
  apiKey,
  onCancel,
  onRotated,
}: {
  apiKey: ApiKey;
  onCancel: () => void;
  onRotated: (key: IssuedApiKey, old: ApiKey, graceSeconds: number) => void;
}) {
  const [grace, setGrace] = useState(DEFAULT_GRACE_SECONDS);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onRotated(await orgs.rotateApiKey(apiKey.id, grace), apiKey, grace);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Rotate API key">
      <p className="modal-lead">
        A new key replaces <strong>{apiKey.name}</strong> (<code>{apiKey.prefix}…</code>), with the same environment and
        allowed IPs. Give your systems time to switch: the current key keeps working until the grace period ends.
      </p>
      {error?.code === 'reauthentication_required' ? (
        <Alert tone="warning">{notConfirmed('rotated')}</Alert>
      ) : (
        <ErrorAlert error={error} title="The key was not rotated" />
      )}
      <fieldset className="field choice-group choice-compact">
        <legend>Grace period for the current key</legend>
        {GRACE_OPTIONS.map((option) => (
          <label key={option.seconds} className={`choice${grace === option.seconds ? ' choice-selected' : ''}`}>
            <input
              type="radio"
              name="grace"
              value={option.seconds}
              checked={grace === option.seconds}
              onChange={() => setGrace(option.seconds)}
            />
            <span className="choice-text">
              <span className="choice-label">{option.label}</span>
            </span>
          </label>
        ))}
        {error?.fieldMessage('grace_seconds') ? <p className="field-error">{error.fieldMessage('grace_seconds')}</p> : null}
      </fieldset>
      <p className="field-hint">
        {grace === 0
          ? 'Requests with the current key are refused as soon as you rotate.'
          : `The current key stops working ${formatDuration(grace)} after you rotate.`}
      </p>
      <div className="form-actions">
        <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Rotating…' : 'Rotate key'}
        </button>
      </div>
    </form>
  );
}

function RevokeKeyDialog({
  apiKey,
  onClose,
  onRevoked,
}: {
  apiKey: ApiKey | null;
  onClose: () => void;
  onRevoked: (old: ApiKey) => void;
}) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setError(null);
    setBusy(false);
  }, [apiKey]);

  async function revoke() {
    if (!apiKey) return;
    setBusy(true);
    setError(null);
    try {
      await orgs.revokeApiKey(apiKey.id);
      onRevoked(apiKey);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
    }
  }

  return (
    <ConfirmDialog
      open={apiKey !== null}
      title="Revoke API key"
      confirmLabel="Revoke key"
      busyLabel="Revoking…"
      busy={busy}
      onClose={onClose}
      onConfirm={() => void revoke()}
    >
      {apiKey ? (
        <>
          <p>
            Revoke <strong>{apiKey.name}</strong> (<code>{apiKey.prefix}…</code>, {apiKey.environment})? Requests with it are
            refused at once. This cannot be undone.
          </p>
          {error?.code === 'reauthentication_required' ? (
            <Alert tone="warning">{notConfirmed('revoked')}</Alert>
          ) : (
            <ErrorAlert error={error} title="The key was not revoked" />
          )}
        </>
      ) : null}
    </ConfirmDialog>
  );
}
