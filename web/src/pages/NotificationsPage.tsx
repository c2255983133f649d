// SPDX-License-Identifier: Apache-2.0
// Notifications. `/settings/notifications` (every role, also in the account menu): the user's own
// mail settings (`GET/PUT /notifications/settings`: mail on or off, and for which events).
// `/settings/channels` (ADMIN): the organization's channels — create a signed webhook (its
// signing secret shown once, with Copy) or an email channel, send a test, read the delivery log,
// delete behind a confirmation. A webhook's allowed domains (`allowed_domains`: the DNS names its
// URL may point at, "any" when none) are set at creation, shown under its address, and an ADMIN
// changes them with `PATCH` (the server refuses a list that no longer allows the URL's host).
import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { useMe } from '../app/session';
import { notifications as notificationsApi } from '../api/endpoints';
import type { NotificationChannel, NotificationDelivery, RuleSeverity } from '../api/types';
import { ConfirmDialog, DialogFormFooter } from '../components/ConfirmDialog';
import { SecretOnceDialog } from '../components/KeyOnceDialog';
import { LoadMoreFooter } from '../components/LoadMore';
import { Modal } from '../components/Modal';
import { PageError } from '../components/PageError';
import { Alert, Badge, EmptyState, ErrorAlert, Icon, Loading, PageHeader, SelectField, TextAreaField, TextField } from '../components/ui';
import { useLoaded } from '../hooks/useLoaded';
import { usePagedList } from '../hooks/usePagedList';
import {
  allowedDomainsError,
  allowedDomainsText,
  CHANNEL_EVENTS,
  channelBody,
  formatAllowedDomains,
  MAX_ALLOWED_DOMAINS,
  parseAllowedDomains,
  PERSONAL_EVENTS,
  type ChannelForm,
} from '../lib/notifications';
import { capitalize, SEVERITIES } from '../lib/rules';
import { formatDateTime, formatRelative, formatShortDateTime } from '../lib/time';

export function NotificationSettingsPage() {
  const loaded = useLoaded(() => notificationsApi.settings(), 'settings');
  const { value: settings, setValue: setSettings, error } = loaded;
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!settings) return;
    setBusy(true);
    setSaveError(null);
    setSaved(false);
    try {
      setSettings(await notificationsApi.saveSettings({ email: settings.email, events: settings.events }));
      setSaved(true);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setSaveError(err);
    } finally {
      setBusy(false);
    }
  }

  function toggle(event: string) {
    setSaved(false);
    if (settings) setSettings({ ...settings, events: settings.events.includes(event) ? settings.events.filter((e) => e !== event) : [...settings.events, event] });
  }

  return (
    <>
      <PageHeader title="Notifications" description="What WatchTower mails you about in this organization, at your account’s address." />
      {error ? (
        <PageError error={error} subject="your notification settings" onRetry={() => void loaded.reload()} />
      ) : !settings ? (
        <Loading />
      ) : (
        <form className="card card-body form-narrow" onSubmit={(e) => void save(e)}>
          <label className="checkbox-row">
            <input
              type="checkbox"
              checked={settings.email}
              onChange={(e) => {
                setSaved(false);
                setSettings({ ...settings, email: e.target.checked });
              }}
            />
            <span>
              <strong>Mail me</strong> <span className="muted">(turn off to receive nothing)</span>
            </span>
          </label>
          <fieldset className="checkbox-group" disabled={!settings.email}>
            <legend>For these events</legend>
            {PERSONAL_EVENTS.map((e) => (
              <label key={e.value} className="checkbox-row">
                <input type="checkbox" checked={settings.events.includes(e.value)} onChange={() => toggle(e.value)} />
                <span>
                  {e.label} <span className="muted">— {e.hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <p className="field-error">{saveError?.fieldErrors.map((f) => f.message).join('; ')}</p>
          {saveError && !saveError.fieldErrors.length ? <ErrorAlert error={saveError} title="Not saved" /> : null}
          {saved ? <Alert tone="success">Saved.</Alert> : null}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save'}
            </button>
          </div>
        </form>
      )}
    </>
  );
}

export function ChannelsPage() {
  const list = usePagedList((cursor) => notificationsApi.channels(cursor), 'channels');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<NotificationChannel | null>(null);
  const [deleting, setDeleting] = useState<NotificationChannel | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [logOf, setLogOf] = useState<NotificationChannel | null>(null);
  const [editingDomains, setEditingDomains] = useState<NotificationChannel | null>(null);
  const canEdit = useMe().role === 'ADMIN';

  async function remove(channel: NotificationChannel) {
    setDeleteBusy(true);
    setActionError(null);
    try {
      await notificationsApi.deleteChannel(channel.id);
      setNotice(`Channel “${channel.name}” deleted; its pending deliveries were dropped.`);
      setDeleting(null);
      await list.reload({ quiet: true });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setActionError(err);
      setDeleting(null);
    } finally {
      setDeleteBusy(false);
    }
  }

  async function test(channel: NotificationChannel) {
    setActionError(null);
    setNotice(null);
    try {
      await notificationsApi.testChannel(channel.id);
      setNotice(`Test sent to “${channel.name}”. Its delivery log shows the result.`);
      setLogOf(channel);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setActionError(err);
    }
  }

  const rows = list.rows;
  return (
    <>
      <PageHeader
        title="Notification channels"
        description="Where WatchTower sends the organization’s events: signed webhooks and email."
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            New channel
          </button>
        }
      />
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <ErrorAlert error={actionError} />
      {list.error ? (
        <PageError error={list.error} subject="the channels" onRetry={() => void list.reload()} />
      ) : rows === null ? (
        <Loading />
      ) : rows.length === 0 ? (
        <EmptyState icon={<Icon name="network" />} title="No channels yet" action={<button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>New channel</button>}>
          <p>Send alerts, assignments, escalations and SLA breaches to a webhook (signed) or to email addresses.</p>
        </EmptyState>
      ) : (
        <section className="card" aria-labelledby="channels-heading">
          <div className="card-header">
            <h2 id="channels-heading">Channels</h2>
            <span className="count">{rows.length}</span>
          </div>
          <div className="table-wrap">
            <table className="table table-dense">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Events</th>
                  <th scope="col">Minimum severity</th>
                  <th scope="col">Created</th>
                  <th scope="col" className="col-actions">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={c.id}>
                    <td className="cell-channel">
                      <div className="cell-primary">
                        {c.name} <Badge tone="info">{c.type === 'webhook' ? 'Webhook' : 'Email'}</Badge>
                      </div>
                      <div className="cell-secondary cell-id cell-ellipsis" title={channelTarget(c)}>
                        {channelTarget(c)}
                      </div>
                      {c.type === 'webhook' ? (
                        <div className="cell-secondary channel-domains">
                          <span className="channel-domains-list" title={formatAllowedDomains(c.allowed_domains)}>
                            Allowed domains: <span className="cell-id">{formatAllowedDomains(c.allowed_domains)}</span>
                          </span>
                          {canEdit ? (
                            <button type="button" className="btn-link" aria-label={`Edit the allowed domains of ${c.name}`} onClick={() => setEditingDomains(c)}>
                              Edit
                            </button>
                          ) : null}
                        </div>
                      ) : null}
                    </td>
                    <td className="cell-secondary">{c.events.join(', ')}</td>
                    <td>{c.min_severity ? capitalize(c.min_severity) : '—'}</td>
                    <td className="nowrap" title={formatDateTime(c.created_at)}>
                      {formatShortDateTime(c.created_at)}
                    </td>
                    <td className="col-actions">
                      <div className="row-actions">
                        <button type="button" className="btn btn-secondary btn-small" onClick={() => void test(c)}>
                          Send test
                        </button>
                        <button type="button" className="btn btn-secondary btn-small" onClick={() => setLogOf(c)}>
                          Deliveries
                        </button>
                        <button type="button" className="btn btn-ghost-danger btn-small" onClick={() => setDeleting(c)}>
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <Modal open={creating} title="New notification channel" size="wide" onClose={() => setCreating(false)}>
        {creating ? (
          <ChannelFormView
            onCancel={() => setCreating(false)}
            onCreated={(channel) => {
              setCreating(false);
              if (channel.secret) setCreated(channel);
              else setNotice(`Channel “${channel.name}” created.`);
              void list.reload({ quiet: true });
            }}
          />
        ) : null}
      </Modal>
      <Modal open={editingDomains !== null} title={editingDomains ? `Allowed domains of “${editingDomains.name}”` : 'Allowed domains'} onClose={() => setEditingDomains(null)}>
        {editingDomains ? (
          <AllowedDomainsEditor
            channel={editingDomains}
            onCancel={() => setEditingDomains(null)}
            onSaved={(channel) => {
              setEditingDomains(null);
              setNotice(`Allowed domains of “${channel.name}”: ${formatAllowedDomains(channel.allowed_domains)}.`);
              void list.reload({ quiet: true });
            }}
          />
        ) : null}
      </Modal>
      <SecretOnceDialog
        open={created !== null}
        title="Webhook created"
        confirmLabel="I have stored the secret"
        warning="Copy the signing secret now: it will not be shown again"
        explanation="Your receiver checks the X-WatchTower-Signature header of every delivery with it (docs/webhooks.md). To change it, delete the channel and create a new one."
        facts={created ? [['Name', created.name], ['URL', <code key="url">{created.url}</code>], ['Allowed domains', formatAllowedDomains(created.allowed_domains)]] : []}
        copy={created?.secret ? { id: 'webhook-secret', label: 'Signing secret', value: created.secret } : null}
        onClose={() => setCreated(null)}
      />
      <ConfirmDialog
        open={deleting !== null}
        title="Delete channel"
        confirmLabel="Delete channel"
        busyLabel="Deleting…"
        busy={deleteBusy}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && void remove(deleting)}
      >
        {deleting ? (
          <p>
            Delete <strong>{deleting.name}</strong>? Nothing more is sent to it, its pending deliveries are dropped
            {deleting.type === 'webhook' ? ' and its signing secret is erased' : ''}.
          </p>
        ) : null}
      </ConfirmDialog>
      <Modal open={logOf !== null} title={logOf ? `Deliveries of “${logOf.name}”` : 'Deliveries'} size="wide" onClose={() => setLogOf(null)} footer={<button type="button" className="btn btn-secondary" onClick={() => setLogOf(null)}>Close</button>}>
        {logOf ? <DeliveryLog channel={logOf} /> : null}
      </Modal>
    </>
  );
}

/** Where a channel sends: its webhook address, or its recipients. */
function channelTarget(channel: NotificationChannel): string {
  return channel.type === 'webhook' ? (channel.url ?? '') : (channel.recipients ?? []).join(', ');
}

const ALLOWED_DOMAINS_HINT = `Optional: up to ${MAX_ALLOWED_DOMAINS} DNS names (no IP addresses), separated by commas or spaces; example.com also allows hooks.example.com. Empty: any host.`;

/** The server's errors on `allowed_domains` / `allowed_domains[i]` for the list that was sent. */
function domainsErrorOf(error: ApiError | null, sent: readonly string[]) {
  return error ? allowedDomainsError(error.fieldErrors, sent) : undefined;
}

/** Changes a webhook's `allowed_domains` (PATCH); an empty field removes the restriction. */
function AllowedDomainsEditor({ channel, onCancel, onSaved }: { channel: NotificationChannel; onCancel: () => void; onSaved: (channel: NotificationChannel) => void }) {
  const [text, setText] = useState(allowedDomainsText(channel.allowed_domains));
  const [sent, setSent] = useState<string[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const domainsError = domainsErrorOf(error, sent);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const domains = parseAllowedDomains(text);
    setBusy(true);
    setError(null);
    setSent(domains);
    try {
      onSaved(await notificationsApi.updateChannel(channel.id, { allowed_domains: domains }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <p className="modal-lead">
        URL: <code>{channel.url}</code>
      </p>
      <TextField label="Allowed domains" value={text} onChange={(e) => setText(e.target.value)} error={domainsError} placeholder="example.com, hooks.partner.net" hint={`${ALLOWED_DOMAINS_HINT} The list must still allow the URL’s host.`} spellCheck={false} autoFocus />
      {error && !domainsError ? <ErrorAlert error={error} title="Not saved" /> : null}
      <DialogFormFooter busy={busy} submitLabel="Save" busyLabel="Saving…" onCancel={onCancel} />
    </form>
  );
}

function DeliveryLog({ channel }: { channel: NotificationChannel }) {
  const list = usePagedList((cursor) => notificationsApi.deliveries(channel.id, cursor), channel.id);
  const rows = list.rows;
  if (list.error) return <ErrorAlert error={list.error} />;
  if (!rows) return <Loading />;
  return (
    <>
      <div className="toolbar toolbar-end">
        <button type="button" className="btn-link" onClick={() => void list.reload({ quiet: true })}>
          Refresh
        </button>
      </div>
      {rows.length === 0 ? (
        <p className="section-empty">Nothing sent yet.</p>
      ) : (
        <div className="table-wrap table-scroll">
          <table className="table table-dense">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col" className="col-number">
                  Attempts
                </th>
                <th scope="col">Last answer</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <DeliveryRow key={d.id} delivery={d} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMoreFooter list={list} />
    </>
  );
}

function DeliveryRow({ delivery: d }: { delivery: NotificationDelivery }) {
  const tone = d.status === 'delivered' ? 'good' : d.status === 'failed' ? 'danger' : 'warn';
  return (
    <tr>
      <td className="cell-id">{d.event_type}</td>
      <td>
        <Badge tone={tone}>{capitalize(d.status)}</Badge>
        {d.status === 'pending' && d.next_attempt_at ? <div className="cell-secondary">next {formatRelative(d.next_attempt_at)}</div> : null}
      </td>
      <td className="col-number">{d.attempts}</td>
      <td className="cell-secondary">{d.last_status ? `HTTP ${d.last_status}` : ''} {d.last_error ?? ''}</td>
      <td className="nowrap" title={formatDateTime(d.delivered_at ?? d.last_attempt_at ?? d.created_at)}>
        {formatShortDateTime(d.delivered_at ?? d.last_attempt_at ?? d.created_at)}
      </td>
    </tr>
  );
}

function ChannelFormView({ onCancel, onCreated }: { onCancel: () => void; onCreated: (channel: NotificationChannel) => void }) {
  const [form, setForm] = useState<ChannelForm>({ type: 'webhook', name: '', url: '', recipients: '', events: ['alert.raised'], minSeverity: 'high', allowedDomains: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const [sentDomains, setSentDomains] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const typeName = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSentDomains(parseAllowedDomains(form.allowedDomains));
    try {
      onCreated(await notificationsApi.createChannel(channelBody(form)));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
    }
  }

  const set = (patch: Partial<ChannelForm>) => setForm((f) => ({ ...f, ...patch }));
  const recipientsError = error?.fieldErrors.find((f) => f.field === 'recipients' || f.field.startsWith('recipients['))?.message;
  const eventsError = error?.fieldErrors.find((f) => f.field === 'events' || f.field.startsWith('events['))?.message;
  const domainsError = domainsErrorOf(error, sentDomains);
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <fieldset className="choice-group choice-row">
        <legend>Type</legend>
        {(['webhook', 'email'] as const).map((t) => (
          <label key={t} className={`choice${form.type === t ? ' choice-selected' : ''}`}>
            <input type="radio" name={typeName} checked={form.type === t} onChange={() => set({ type: t })} />
            <span className="choice-text">
              <span className="choice-label">{t === 'webhook' ? 'Webhook' : 'Email'}</span>
              <span className="choice-description">{t === 'webhook' ? 'A signed JSON POST to your URL, retried with backoff.' : 'A mail to a few addresses.'}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <TextField label="Name" value={form.name} onChange={(e) => set({ name: e.target.value })} error={error?.fieldMessage('name')} maxLength={100} autoFocus />
      {form.type === 'webhook' ? (
        <>
          <TextField
            label="URL"
            value={form.url}
            onChange={(e) => set({ url: e.target.value })}
            error={error?.fieldMessage('url')}
            placeholder="https://hooks.example.com/watchtower"
            hint="http or https; private, loopback and link-local addresses are refused."
            spellCheck={false}
          />
          <TextField
            label="Allowed domains"
            value={form.allowedDomains}
            onChange={(e) => set({ allowedDomains: e.target.value })}
            error={domainsError}
            placeholder="example.com, hooks.partner.net"
            hint={ALLOWED_DOMAINS_HINT}
            spellCheck={false}
          />
        </>
      ) : (
        <TextAreaField
          label="Recipients"
          value={form.recipients}
          onChange={(e) => set({ recipients: e.target.value })}
          error={recipientsError}
          rows={2}
          hint="Email addresses, one per line or separated by commas (at most 20)."
        />
      )}
      <fieldset className="checkbox-group">
        <legend>Events</legend>
        {CHANNEL_EVENTS.map((ev) => (
          <label key={ev.value} className="checkbox-row">
            <input
              type="checkbox"
              checked={form.events.includes(ev.value)}
              onChange={() => set({ events: form.events.includes(ev.value) ? form.events.filter((x) => x !== ev.value) : [...form.events, ev.value] })}
            />
            <span>
              {ev.label} <span className="muted">— {ev.hint}</span>
            </span>
          </label>
        ))}
        {eventsError ? <p className="field-error">{eventsError}</p> : null}
      </fieldset>
      <SelectField label="Minimum severity" value={form.minSeverity} onChange={(e) => set({ minSeverity: e.target.value as RuleSeverity })} error={error?.fieldMessage('min_severity')} hint="Alerts (and case priorities) below it are not sent.">
        {SEVERITIES.map((s) => (
          <option key={s} value={s}>
            {capitalize(s)}
          </option>
        ))}
      </SelectField>
      {error && !error.fieldErrors.length ? <ErrorAlert error={error} title="The channel was not created" /> : null}
      <DialogFormFooter busy={busy} submitLabel="Create channel" busyLabel="Creating…" onCancel={onCancel} />
    </form>
  );
}
