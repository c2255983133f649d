// SPDX-License-Identifier: Apache-2.0
// Lists (`/lists`, and one list at `/lists/{id}`): the named value lists rules test with
// `list("name")`. Every role reads; RISK_LEAD and ADMIN create lists, add values (one per line)
// and remove them. A list shows the rules that use it; a change applies to them at once.
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { lists as listsApi } from '../api/endpoints';
import type { NamedList, NamedListDetail } from '../api/types';
import { Link, navigate } from '../app/router';
import { useMe } from '../app/session';
import { Modal } from '../components/Modal';
import { PageError } from '../components/PageError';
import { RuleStatusBadge } from '../components/RuleBadges';
import { Alert, EmptyState, ErrorAlert, Icon, Loading, PageHeader, TextAreaField, TextField } from '../components/ui';
import { canManageRules, parseListValues } from '../lib/rules';
import { formatDate, formatDateTime, formatRelative } from '../lib/time';

const ITEMS_PAGE = 50;

export function ListsPage() {
  const me = useMe();
  const manage = canManageRules(me.role);
  const [rows, setRows] = useState<NamedList[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [creating, setCreating] = useState(false);

  const load = useCallback(async (cursor?: string | null) => {
    setError(null);
    try {
      const page = await listsApi.list(cursor);
      setRows((current) => (cursor ? [...(current ?? []), ...page.data] : page.data));
      setNextCursor(page.next_cursor);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const newList = manage ? (
    <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
      New list
    </button>
  ) : null;

  return (
    <>
      <Link to="/rules" className="back-link">
        <span aria-hidden="true">←</span> Rules
      </Link>
      <PageHeader
        title="Lists"
        description={
          <>
            Named lists of values (countries, names, accounts…) that rules test with <code>list("name")</code>, for example{' '}
            <code>counterparty.country in list("high_risk_countries")</code>. A change applies at once to every rule that uses
            the list.
          </>
        }
        actions={newList}
      />
      {error ? (
        <PageError error={error} subject="lists" onRetry={() => void load()} />
      ) : rows === null ? (
        <Loading label="Loading lists…" />
      ) : rows.length === 0 ? (
        <EmptyState icon={<Icon name="rules" />} title="No lists yet" action={newList}>
          <p>Create a list, add its values, then use it in a rule.</p>
        </EmptyState>
      ) : (
        <section className="card" aria-labelledby="lists-heading">
          <div className="card-header">
            <h2 id="lists-heading">Lists</h2>
            <span className="count">{rows.length === 1 ? '1 list' : `${rows.length} lists`}</span>
          </div>
          <div className="table-wrap">
            <table className="table table-lists">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Description</th>
                  <th scope="col" className="col-number">
                    Values
                  </th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((list) => (
                  <tr key={list.id} data-list-id={list.id}>
                    <td className="cell-link">
                      <Link to={`/lists/${encodeURIComponent(list.id)}`} className="cell-id cell-primary">
                        {list.name}
                      </Link>
                    </td>
                    <td>{list.description ?? <span className="muted">—</span>}</td>
                    <td className="col-number">{list.item_count.toLocaleString()}</td>
                    <td className="nowrap" title={formatDateTime(list.updated_at)}>
                      {formatDate(list.updated_at)}
                      <div className="cell-secondary">{formatRelative(list.updated_at)}</div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {nextCursor ? (
            <div className="card-footer">
              <button type="button" className="btn btn-secondary" onClick={() => void load(nextCursor)}>
                Load more
              </button>
            </div>
          ) : null}
        </section>
      )}
      <CreateListDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(list) => {
          setCreating(false);
          navigate(`/lists/${encodeURIComponent(list.id)}`);
        }}
      />
    </>
  );
}

function CreateListDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (list: NamedList) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const formId = useId();

  useEffect(() => {
    if (open) {
      setName('');
      setDescription('');
      setError(null);
    }
  }, [open]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await listsApi.create({ name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}) });
      onCreated(created);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const nameError = error?.fieldMessage('name') ?? (error?.status === 409 ? error.detail : undefined);
  return (
    <Modal
      open={open}
      title="New list"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form={formId} className="btn btn-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create list'}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          autoFocus
          spellCheck={false}
          autoComplete="off"
          placeholder="high_risk_countries"
          hint={
            <>
              Lower-case letters, digits, <code>_</code> and <code>-</code>; rules write it as <code>list("{name.trim() || 'name'}")</code>.
            </>
          }
          error={nameError}
        />
        <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} error={error?.fieldMessage('description')} />
        {error && !nameError && !error.fieldMessage('description') ? <ErrorAlert error={error} title="The list was not created" /> : null}
      </form>
    </Modal>
  );
}

export function ListDetailPage({ id }: { id: string }) {
  const me = useMe();
  const manage = canManageRules(me.role);
  const [list, setList] = useState<NamedListDetail | null>(null);
  const [items, setItems] = useState<NamedListDetail['items']>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [values, setValues] = useState('');
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<{ text: string; undo?: string } | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const detail = await listsApi.get(id, null, ITEMS_PAGE);
      setList(detail);
      setItems(detail.items);
      setNextCursor(detail.next_cursor);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  async function loadMore() {
    if (!nextCursor) return;
    setMoreError(null);
    try {
      const detail = await listsApi.get(id, nextCursor, ITEMS_PAGE);
      setItems((current) => [...current, ...detail.items]);
      setNextCursor(detail.next_cursor);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setMoreError(err);
    }
  }

  async function add(event: FormEvent) {
    event.preventDefault();
    const parsed = parseListValues(values);
    setAddError(null);
    setNotice(null);
    if (parsed.length === 0) {
      setAddError(new ApiError({ status: 422, detail: 'Enter at least one value, one per line.', errors: [{ field: 'values', message: 'Enter at least one value, one per line.' }] }));
      return;
    }
    setAdding(true);
    try {
      await listsApi.addItems(id, parsed);
      await load();
      setValues('');
      setNotice({ text: parsed.length === 1 ? `Added “${parsed[0]}” (values already in the list are kept once).` : `Added ${parsed.length} values (values already in the list are kept once).` });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setAddError(err);
    } finally {
      setAdding(false);
    }
  }

  async function remove(value: string) {
    setActionError(null);
    setNotice(null);
    try {
      await listsApi.removeItem(id, value);
      await load();
      setNotice({ text: `Removed “${value}”.`, undo: value });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setActionError(err);
    }
  }

  async function undo(value: string) {
    setNotice(null);
    try {
      await listsApi.addItems(id, [value]);
      await load();
      setNotice({ text: `“${value}” is back in the list.` });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setActionError(err);
    }
  }

  const back = (
    <Link to="/lists" className="back-link">
      <span aria-hidden="true">←</span> All lists
    </Link>
  );
  if (error) {
    return (
      <>
        {back}
        <PageHeader title="List" />
        {error.status === 404 ? (
          <EmptyState title="There is no such list in this organization">
            <p>Check the address, or find the list among all lists.</p>
          </EmptyState>
        ) : (
          <PageError error={error} subject="this list" onRetry={() => void load()} />
        )}
      </>
    );
  }
  if (!list) {
    return (
      <>
        {back}
        <Loading label="Loading the list…" />
      </>
    );
  }
  const valuesError = addError?.fieldErrors.map((f) => (f.field === 'values' ? f.message : `${f.field}: ${f.message}`)).join(' ');
  return (
    <>
      {back}
      <PageHeader
        title={list.name}
        description={
          <>
            {list.description ? `${list.description} · ` : ''}
            {list.item_count.toLocaleString()} {list.item_count === 1 ? 'value' : 'values'} · rules write it as{' '}
            <code>list("{list.name}")</code> · updated {formatRelative(list.updated_at)}
          </>
        }
      />
      {notice ? (
        <Alert tone="success">
          {notice.text}
          {notice.undo !== undefined && manage ? (
            <>
              {' '}
              <button type="button" className="btn-link" onClick={() => void undo(notice.undo as string)}>
                Add it back
              </button>
            </>
          ) : null}
        </Alert>
      ) : null}
      <ErrorAlert error={actionError} title="The value was not removed" />
      <div className="detail-grid list-detail-grid">
        <section className="card" aria-labelledby="list-items-heading">
          <div className="card-header">
            <h2 id="list-items-heading">Values</h2>
            <span className="count">
              {items.length < list.item_count ? `${items.length} of ${list.item_count.toLocaleString()} shown` : `${list.item_count.toLocaleString()}`}
            </span>
          </div>
          {items.length === 0 ? (
            <p className="section-empty">The list is empty. Rules that test it find nothing in it.</p>
          ) : (
            <div className="table-wrap">
              <table className="table table-items">
                <thead>
                  <tr>
                    <th scope="col">Value</th>
                    <th scope="col">Added</th>
                    {manage ? (
                      <th scope="col" className="col-actions">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {items.map((item) => (
                    <tr key={item.value}>
                      <td className="cell-id">{item.value}</td>
                      <td className="nowrap cell-secondary" title={formatDateTime(item.added_at)}>
                        {formatRelative(item.added_at)}
                      </td>
                      {manage ? (
                        <td className="col-actions">
                          <button type="button" className="btn btn-ghost-danger btn-small" onClick={() => void remove(item.value)} aria-label={`Remove ${item.value}`}>
                            Remove
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {nextCursor || moreError ? (
            <div className="card-footer">
              <ErrorAlert error={moreError} />
              {nextCursor ? (
                <button type="button" className="btn btn-secondary" onClick={() => void loadMore()}>
                  Load more values
                </button>
              ) : null}
            </div>
          ) : null}
        </section>
        <div>
          {manage ? (
            <section className="card" aria-labelledby="list-add-heading">
              <div className="card-header">
                <h2 id="list-add-heading">Add values</h2>
              </div>
              <form className="card-body" onSubmit={(e) => void add(e)} noValidate>
                <TextAreaField
                  label="Values, one per line"
                  rows={8}
                  spellCheck={false}
                  value={values}
                  onChange={(e) => setValues(e.target.value)}
                  hint="Each value is trimmed; matching is exact and case-sensitive. Up to 10,000 at a time."
                  error={valuesError || (addError && !addError.fieldErrors.length ? addError.detail : undefined)}
                />
                <div className="button-row">
                  <button type="submit" className="btn btn-primary" disabled={adding}>
                    {adding ? 'Adding…' : (() => {
                      const count = parseListValues(values).length;
                      return count > 1 ? `Add ${count} values` : 'Add value';
                    })()}
                  </button>
                </div>
              </form>
            </section>
          ) : null}
          <section className="card" aria-labelledby="list-used-heading">
            <div className="card-header">
              <h2 id="list-used-heading">Used by</h2>
              <span className="count">{list.used_by.length === 1 ? '1 rule' : `${list.used_by.length} rules`}</span>
            </div>
            {list.used_by.length === 0 ? (
              <p className="section-empty">No rule uses this list yet.</p>
            ) : (
              <ul className="used-by">
                {list.used_by.map((rule) => (
                  <li key={rule.id}>
                    <Link to={`/rules/${encodeURIComponent(rule.id)}`}>{rule.name}</Link> <RuleStatusBadge status={rule.status} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      </div>
    </>
  );
}
