// SPDX-License-Identifier: Apache-2.0
// Settings › Allowed IPs (ADMIN): the organization's two address lists, one for the console and
// one for ingestion. Both are replaced together (`PUT /orgs/allowed-ips`); the server validates
// every range and refuses a console list that would lock the admin out, and its messages are shown
// at the row or the list they are about.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, type FieldError } from '../api/client';
import { auth, orgs } from '../api/endpoints';
import type { AllowedIpEntry, AllowedIps } from '../api/types';
import { Link } from '../app/router';
import { useMe } from '../app/session';
import { PageError } from '../components/PageError';
import { Alert, Loading, PageHeader } from '../components/ui';
import { itemErrors } from '../lib/apiKeys';

type Surface = keyof AllowedIps;

/** A row of the form; `key` keeps React's identity stable while rows are added and removed. */
interface Row extends AllowedIpEntry {
  key: number;
}

type FormLists = Record<Surface, Row[]>;

let nextRowKey = 1;
const toRows = (entries: AllowedIpEntry[]): Row[] => entries.map((e) => ({ cidr: e.cidr, label: e.label, key: nextRowKey++ }));
const isBlank = (row: Row) => row.cidr.trim() === '' && row.label.trim() === '';

/** What is sent: blank rows dropped, the rest trimmed. `sent[i]` is the form row of item i. */
function toRequest(lists: FormLists): { body: AllowedIps; sent: Record<Surface, number[]> } {
  const body: AllowedIps = { console: [], ingestion: [] };
  const sent: Record<Surface, number[]> = { console: [], ingestion: [] };
  for (const surface of ['console', 'ingestion'] as const) {
    lists[surface].forEach((row, rowIndex) => {
      if (isBlank(row)) return;
      body[surface].push({ cidr: row.cidr.trim(), label: row.label.trim() });
      sent[surface].push(rowIndex);
    });
  }
  return { body, sent };
}

function sameLists(a: FormLists, b: AllowedIps): boolean {
  const { body } = toRequest(a);
  return JSON.stringify(body) === JSON.stringify(b);
}

/** A field message as a sentence ("must be ..." -> "Must be ..."). */
function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

const SURFACES: { surface: Surface; title: string; description: string }[] = [
  {
    surface: 'console',
    title: 'Console',
    description:
      'Where members may use this console from: signing in and every page and API call made with a session. ' +
      'You cannot save a list that leaves out your own address.',
  },
  {
    surface: 'ingestion',
    title: 'Ingestion',
    description:
      'Where transactions may be sent from with any of the organization’s API keys. A key with its own allowed IPs ' +
      'must pass both lists.',
  },
];

export function AllowedIpsPage() {
  const me = useMe();
  const [saved, setSaved] = useState<AllowedIps | null>(null);
  const [lists, setLists] = useState<FormLists | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [errorRows, setErrorRows] = useState<Record<Surface, number[]>>({ console: [], ingestion: [] });
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [myAddress, setMyAddress] = useState<string | null>(null);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      const current = await orgs.allowedIps();
      setSaved(current);
      setLists({ console: toRows(current.console), ingestion: toRows(current.ingestion) });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setLoadError(err);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  // The address the server sees for this session, to offer it and to explain the lock-out rule.
  useEffect(() => {
    let cancelled = false;
    auth
      .sessions()
      .then((result) => {
        const ip = result.data.find((s) => s.current)?.ip ?? null;
        if (!cancelled) setMyAddress(ip);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);

  function update(surface: Surface, change: (rows: Row[]) => Row[]) {
    setNotice(null);
    setLists((current) => (current ? { ...current, [surface]: change(current[surface]) } : current));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!lists) return;
    const { body, sent } = toRequest(lists);
    setBusy(true);
    setSaveError(null);
    setNotice(null);
    try {
      const result = await orgs.saveAllowedIps(body);
      setSaved(result);
      setLists({ console: toRows(result.console), ingestion: toRows(result.ingestion) });
      setNotice('Saved. The lists apply from the next request.');
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setSaveError(err);
      setErrorRows(sent);
    } finally {
      setBusy(false);
    }
  }

  function discard() {
    if (!saved) return;
    setLists({ console: toRows(saved.console), ingestion: toRows(saved.ingestion) });
    setSaveError(null);
    setNotice(null);
  }

  const dirty = lists !== null && saved !== null && !sameLists(lists, saved);
  return (
    <>
      <PageHeader
        title="Allowed IPs"
        description={
          <>
            Limit where {me.organization.name} can be reached from. An empty list allows every address. Enter single
            addresses (<code>203.0.113.7</code>) or CIDR ranges (<code>203.0.113.0/24</code>, <code>2001:db8::/32</code>).
          </>
        }
      />
      {loadError ? (
        <PageError error={loadError} subject="the allowed IPs" allowedRoles={['ADMIN']} onRetry={() => void load()} />
      ) : lists === null ? (
        <Loading label="Loading allowed IPs…" />
      ) : (
        <form onSubmit={submit} noValidate aria-label="Allowed IPs">
          {notice ? <Alert tone="success">{notice}</Alert> : null}
          {saveError?.code === 'reauthentication_required' ? (
            <Alert tone="warning">Nothing was saved: this change needs your password, and it was not confirmed.</Alert>
          ) : saveError ? (
            <Alert tone="error" title="The lists were not saved">
              {sentence(saveError.detail)}
            </Alert>
          ) : null}
          {SURFACES.map(({ surface, title, description }) => (
            <SurfaceList
              key={surface}
              surface={surface}
              title={title}
              description={description}
              rows={lists[surface]}
              errors={saveError?.fieldErrors ?? []}
              sentRows={errorRows[surface]}
              myAddress={myAddress}
              disabled={busy}
              onChange={(change) => update(surface, change)}
            />
          ))}
          <div className="sticky-actions">
            <p className="field-hint">
              {dirty ? 'You have unsaved changes.' : 'No unsaved changes.'} Saving needs a recent sign-in and is recorded in
              the <Link to="/settings/audit-log">audit log</Link>.
            </p>
            <div className="button-row">
              <button type="button" className="btn btn-secondary" onClick={discard} disabled={!dirty || busy}>
                Discard changes
              </button>
              <button type="submit" className="btn btn-primary" disabled={!dirty || busy}>
                {busy ? 'Saving…' : 'Save changes'}
              </button>
            </div>
          </div>
        </form>
      )}
    </>
  );
}

function SurfaceList({
  surface,
  title,
  description,
  rows,
  errors,
  sentRows,
  myAddress,
  disabled,
  onChange,
}: {
  surface: Surface;
  title: string;
  description: string;
  rows: Row[];
  errors: readonly FieldError[];
  /** Form row of each item of the request that failed, to place the server's `console[i]` messages. */
  sentRows: number[];
  myAddress: string | null;
  disabled: boolean;
  onChange: (change: (rows: Row[]) => Row[]) => void;
}) {
  const headingId = `allowed-${surface}-heading`;
  const listError = errors
    .filter((e) => e.field === surface)
    .map((e) => sentence(e.message))
    .join(' ');
  const byRow = (sub: string): Record<number, string> => {
    const out: Record<number, string> = {};
    for (const [item, message] of Object.entries(itemErrors(errors, surface, sub))) {
      const row = sentRows[Number(item)];
      if (row !== undefined) out[row] = sentence(message);
    }
    return out;
  };
  const cidrErrors = byRow('cidr');
  const labelErrors = byRow('label');
  const hasMine =
    myAddress !== null && rows.some((r) => [myAddress, `${myAddress}/32`, `${myAddress}/128`].includes(r.cidr.trim()));

  function add(cidr = '', label = '') {
    onChange((current) => [...current, { cidr, label, key: nextRowKey++ }]);
  }

  return (
    <section className={`card allowed-list${listError ? ' allowed-list-invalid' : ''}`} aria-labelledby={headingId} data-surface={surface}>
      <div className="card-header">
        <h2 id={headingId}>{title}</h2>
        <span className="count">
          {rows.filter((r) => !isBlank(r)).length === 0
            ? 'Any address'
            : `${rows.filter((r) => !isBlank(r)).length} ${rows.filter((r) => !isBlank(r)).length === 1 ? 'range' : 'ranges'}`}
        </span>
      </div>
      <div className="card-body">
        <p className="card-lead">{description}</p>
        {listError ? (
          <p className="field-error list-error" role="alert" id={`allowed-${surface}-error`}>
            {listError}
          </p>
        ) : null}
        {rows.length === 0 ? (
          <p className="list-empty">No ranges: every address is allowed.</p>
        ) : (
          <div className="range-rows" role="list">
            <div className="range-row range-row-head" aria-hidden="true">
              <span>Address or range</span>
              <span>Label (optional)</span>
              <span />
            </div>
            {rows.map((row, index) => {
              const n = index + 1;
              const cidrError = cidrErrors[index];
              const labelError = labelErrors[index];
              return (
                <div className="range-row" role="listitem" key={row.key}>
                  <div className={`field${cidrError ? ' field-invalid' : ''}`}>
                    <input
                      aria-label={`${title} range ${n}`}
                      aria-invalid={cidrError ? true : undefined}
                      aria-describedby={cidrError ? `allowed-${surface}-${row.key}-cidr` : undefined}
                      className="mono-input"
                      spellCheck={false}
                      autoComplete="off"
                      placeholder="203.0.113.0/24"
                      value={row.cidr}
                      disabled={disabled}
                      onChange={(e) => {
                        const cidr = e.target.value;
                        onChange((current) => current.map((r) => (r.key === row.key ? { ...r, cidr } : r)));
                      }}
                    />
                    {cidrError ? (
                      <p className="field-error" id={`allowed-${surface}-${row.key}-cidr`}>
                        {cidrError}
                      </p>
                    ) : null}
                  </div>
                  <div className={`field${labelError ? ' field-invalid' : ''}`}>
                    <input
                      aria-label={`${title} range ${n} label`}
                      aria-invalid={labelError ? true : undefined}
                      maxLength={100}
                      autoComplete="off"
                      placeholder="e.g. Head office VPN"
                      value={row.label}
                      disabled={disabled}
                      onChange={(e) => {
                        const label = e.target.value;
                        onChange((current) => current.map((r) => (r.key === row.key ? { ...r, label } : r)));
                      }}
                    />
                    {labelError ? <p className="field-error">{labelError}</p> : null}
                  </div>
                  <button
                    type="button"
                    className="btn btn-ghost-danger btn-small"
                    aria-label={`Remove ${title.toLowerCase()} range ${n}${row.cidr ? ` (${row.cidr})` : ''}`}
                    disabled={disabled}
                    onClick={() => onChange((current) => current.filter((r) => r.key !== row.key))}
                  >
                    Remove
                  </button>
                </div>
              );
            })}
          </div>
        )}
        <div className="list-actions">
          <button type="button" className="btn btn-secondary btn-small" onClick={() => add()} disabled={disabled}>
            Add {surface === 'console' ? 'console' : 'ingestion'} range
          </button>
          {surface === 'console' && myAddress && !hasMine ? (
            <button type="button" className="btn btn-ghost btn-small" onClick={() => add(myAddress, 'My address')} disabled={disabled}>
              Add my address ({myAddress})
            </button>
          ) : null}
          {surface === 'console' && myAddress ? (
            <span className="field-hint">The server sees you at {myAddress}.</span>
          ) : null}
        </div>
      </div>
    </section>
  );
}
