// SPDX-License-Identifier: Apache-2.0
// Transactions: the explorer of stored transactions, newest first, for every role. The filters
// live in the page address (`/transactions?environment=sandbox&account_id=...`) so a view can be
// reloaded, shared, and returned to from a transaction's detail page; "Load more" follows the
// server's cursor.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { transactions } from '../api/endpoints';
import type { Decision, Environment, Transaction } from '../api/types';
import { Link, navigate, useLocation } from '../app/router';
import { useMe } from '../app/session';
import { LoadMoreFooter } from '../components/LoadMore';
import { PageError } from '../components/PageError';
import { Alert, Badge, EmptyState, Icon, Loading, PageHeader, SelectField, TextField, type BadgeTone } from '../components/ui';
import { usePagedList } from '../hooks/usePagedList';
import { countryName, formatAmount } from '../lib/money';
import { formatDate, formatTime, localTimeZone } from '../lib/time';
import {
  DECISIONS,
  filtersFromForm,
  filtersFromSearch,
  filtersToSearch,
  formFromFilters,
  hasNarrowingFilters,
  PAGE_SIZES,
  type FilterForm,
  type FilterFormError,
  type TransactionFilters,
} from '../lib/transactionFilters';

let lastListHref = '/transactions';

/** The explorer's address as last shown (with its filters), for the detail page's way back. */
export function transactionsListHref(): string {
  return lastListHref;
}

export function decisionTone(decision: string): BadgeTone {
  if (decision === 'allow') return 'good';
  if (decision === 'review') return 'warn';
  if (decision === 'block') return 'danger';
  return 'neutral';
}

export function DecisionBadge({ decision }: { decision: Decision | string }) {
  const label = decision ? decision.charAt(0).toUpperCase() + decision.slice(1) : '—';
  return <Badge tone={decisionTone(decision)}>{label}</Badge>;
}

export function TransactionsPage() {
  const me = useMe();
  const location = useLocation();
  const search = location.search.toString();
  // The applied filters are the address; a new address is a new query.
  const filters = useMemo(() => filtersFromSearch(new URLSearchParams(search)), [search]);
  const [form, setForm] = useState<FilterForm>(() => formFromFilters(filters));
  const [formError, setFormError] = useState<FilterFormError>(null);
  const list = usePagedList((cursor) => transactions.list(filters, cursor), search);
  const { rows, nextCursor, error } = list;
  useEffect(() => {
    lastListHref = `/transactions${filtersToSearch(filters)}`;
  }, [filters]);

  useEffect(() => {
    setForm(formFromFilters(filters));
    setFormError(null);
  }, [filters]);

  function apply(next: TransactionFilters) {
    navigate(`/transactions${filtersToSearch(next)}`);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const result = filtersFromForm(form, filters.environment);
    if (result.error) {
      setFormError(result.error);
      return;
    }
    setFormError(null);
    // The same filters again: load again (new transactions may have arrived).
    if (filtersToSearch(result.filters) === filtersToSearch(filters)) void list.reload();
    else apply(result.filters);
  }

  function switchEnvironment(environment: Environment) {
    if (environment === filters.environment) return;
    apply({ ...filters, environment });
  }

  const serverField = (name: string) => (error?.status === 422 ? error.fieldMessage(name) : undefined);
  const narrowed = hasNarrowingFilters(filters);
  return (
    <>
      <PageHeader
        title="Transactions"
        description={`Sent to ${me.organization.name} with its API keys, newest first, with the rules’ decision and score.`}
        actions={<EnvironmentSwitch value={filters.environment} onChange={switchEnvironment} />}
      />
      {filters.environment === 'sandbox' ? (
        <Alert tone="info" title="Sandbox">
          You are looking at test data sent with <code>wt_test_</code> keys. It never mixes with production.
        </Alert>
      ) : null}
      <form className="card filters" onSubmit={submit} aria-label="Filter transactions" noValidate>
        <div className="filters-grid filters-grid-transactions">
          <TextField
            label="Account"
            placeholder="account_id"
            autoComplete="off"
            spellCheck={false}
            value={form.accountId}
            onChange={(e) => setForm({ ...form, accountId: e.target.value })}
            error={serverField('account_id')}
          />
          <TextField
            label="Customer"
            placeholder="customer_id"
            autoComplete="off"
            spellCheck={false}
            value={form.customerId}
            onChange={(e) => setForm({ ...form, customerId: e.target.value })}
            error={serverField('customer_id')}
          />
          <SelectField
            label="Decision"
            value={form.decision}
            onChange={(e) => setForm({ ...form, decision: e.target.value as Decision | '' })}
            error={serverField('decision')}
          >
            <option value="">Any</option>
            {DECISIONS.map((d) => (
              <option key={d} value={d}>
                {d.charAt(0).toUpperCase() + d.slice(1)}
              </option>
            ))}
          </SelectField>
          <TextField
            label="From"
            type="datetime-local"
            step={1}
            value={form.from}
            onChange={(e) => setForm({ ...form, from: e.target.value })}
            error={formError?.field === 'from' ? formError.message : serverField('from')}
          />
          <TextField
            label="To"
            type="datetime-local"
            step={1}
            value={form.to}
            onChange={(e) => setForm({ ...form, to: e.target.value })}
            error={formError?.field === 'to' ? formError.message : serverField('to')}
          />
        </div>
        <div className="filters-actions">
          <div className="filters-hints">
            <label className="inline-field">
              Page size
              <select
                className="select-compact select-narrow"
                value={form.limit}
                onChange={(e) => setForm({ ...form, limit: Number(e.target.value) })}
              >
                {PAGE_SIZES.map((size) => (
                  <option key={size} value={size}>
                    {size}
                  </option>
                ))}
              </select>
            </label>
            <p className="field-hint">
              Times are when the transaction occurred, in your time zone ({localTimeZone()}); “To” is exclusive.
            </p>
          </div>
          <div className="button-row">
            <button
              type="button"
              className="btn btn-secondary"
              onClick={() => apply({ environment: filters.environment, limit: filters.limit })}
            >
              Reset
            </button>
            <button type="submit" className="btn btn-primary">
              Apply filters
            </button>
          </div>
        </div>
      </form>
      {error ? (
        error.status === 422 || error.status === 400 ? (
          <Alert tone="error" title="Check the filters">
            {error.detail}
          </Alert>
        ) : (
          <PageError error={error} subject="transactions" onRetry={() => void list.reload()} />
        )
      ) : rows === null ? (
        <Loading label="Loading transactions…" />
      ) : rows.length === 0 && !narrowed ? (
        <FirstTransaction environment={filters.environment} isAdmin={me.role === 'ADMIN'} />
      ) : (
        <section className="card" aria-labelledby="transactions-heading">
          <div className="card-header">
            <h2 id="transactions-heading">{filters.environment === 'sandbox' ? 'Sandbox transactions' : 'Transactions'}</h2>
            <span className="count">
              {rows.length === 1 ? '1 transaction' : `${rows.length} transactions`}
              {nextCursor ? ' shown, more available' : ''}
            </span>
          </div>
          {rows.length === 0 ? (
            <div className="table-empty">
              <p>No transactions match these filters.</p>
              <button
                type="button"
                className="btn-link"
                onClick={() => apply({ environment: filters.environment, limit: filters.limit })}
              >
                Clear the filters
              </button>
            </div>
          ) : (
            <TransactionTable rows={rows} />
          )}
          <LoadMoreFooter list={list} />
        </section>
      )}
    </>
  );
}

function EnvironmentSwitch({ value, onChange }: { value: Environment; onChange: (value: Environment) => void }) {
  const options: { value: Environment; label: string }[] = [
    { value: 'production', label: 'Production' },
    { value: 'sandbox', label: 'Sandbox' },
  ];
  return (
    <div className="segmented" role="group" aria-label="Environment">
      {options.map((option) => (
        <button
          key={option.value}
          type="button"
          className={`segment${value === option.value ? ` segment-active segment-${option.value}` : ''}`}
          aria-pressed={value === option.value}
          onClick={() => onChange(option.value)}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}

function TransactionTable({ rows }: { rows: Transaction[] }) {
  return (
    <div className="table-wrap">
      <table className="table table-transactions">
        <thead>
          <tr>
            <th scope="col">Occurred</th>
            <th scope="col">External ID</th>
            <th scope="col">Account</th>
            <th scope="col" className="col-amount">
              Amount
            </th>
            <th scope="col">Direction</th>
            <th scope="col">Type</th>
            <th scope="col">Country</th>
            <th scope="col">Decision</th>
            <th scope="col" className="col-number">
              Score
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.id} data-transaction-id={t.id} data-account-id={t.account_id}>
              <td className="nowrap" title={t.occurred_at}>
                <div>{formatDate(t.occurred_at)}</div>
                <div className="cell-secondary">{formatTime(t.occurred_at)}</div>
              </td>
              <td className="cell-link">
                <Link to={`/transactions/${encodeURIComponent(t.id)}`} className="cell-id">
                  {t.external_id}
                </Link>
              </td>
              <td>
                <div className="cell-id">{t.account_id}</div>
                {t.customer_id ? <div className="cell-secondary cell-id">{t.customer_id}</div> : null}
              </td>
              <td className="col-amount">
                <span className="amount">{formatAmount(t.amount)}</span> <span className="currency">{t.currency}</span>
              </td>
              <td>
                <Direction direction={t.direction} short />
              </td>
              <td>{typeLabel(t.type)}</td>
              <td title={countryName(t.country) ?? undefined}>{t.country ?? <span className="muted">—</span>}</td>
              <td>
                <DecisionBadge decision={t.decision} />
              </td>
              <td className="col-number">{t.score}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const TYPE_LABELS: Record<string, string> = {
  card: 'Card',
  transfer: 'Transfer',
  wire: 'Wire',
  ach: 'ACH',
  cash: 'Cash',
  check: 'Check',
  crypto: 'Crypto',
  other: 'Other',
};

/** "ach" -> "ACH"; an unknown type is shown as sent. */
export function typeLabel(type: string): string {
  return TYPE_LABELS[type] ?? type;
}

/** Outbound / inbound with an arrow; `short` says "Out" / "In" (the table). */
export function Direction({ direction, short = false }: { direction: string; short?: boolean }) {
  const outbound = direction === 'outbound';
  const inbound = direction === 'inbound';
  const label = outbound ? (short ? 'Out' : 'Outbound') : inbound ? (short ? 'In' : 'Inbound') : direction;
  return (
    <span className={`direction direction-${outbound ? 'out' : 'in'}`} title={short ? direction : undefined}>
      <span aria-hidden="true">{outbound ? '↗' : '↙'}</span> {label}
    </span>
  );
}

/** The empty explorer: how to send the first transaction. */
function FirstTransaction({ environment, isAdmin }: { environment: Environment; isAdmin: boolean }) {
  const origin = typeof window === 'undefined' ? 'https://watchtower.example' : window.location.origin;
  const prefix = environment === 'sandbox' ? 'wt_test_' : 'wt_live_';
  const example = [
    `curl -X POST ${origin}/api/v1/transactions \\`,
    `  -H "Authorization: Bearer $WATCHTOWER_API_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -H "Idempotency-Key: txn-000123" \\`,
    `  -d '{"external_id": "txn-000123", "amount": "1250.00", "currency": "USD",`,
    `       "direction": "outbound", "type": "wire", "account_id": "acc-77",`,
    `       "customer_id": "cus-12", "country": "US"}'`,
  ].join('\n');
  return (
    <EmptyState
      compact
      icon={<Icon name="transactions" />}
      title={environment === 'sandbox' ? 'No sandbox transactions yet' : 'No transactions yet'}
      action={
        isAdmin ? (
          <Link to="/settings/api-keys" className="btn btn-primary">
            <Icon name="key" />
            Create an API key
          </Link>
        ) : null
      }
    >
      <p>
        Send transactions from your systems with an API key of this environment (<code>{prefix}…</code>).
        {isAdmin ? ' Create one under Settings › API keys, then:' : ' An administrator of your organization can create one; then:'}
      </p>
      <pre className="code-block" aria-label="Example request">
        {example}
      </pre>
      <p className="muted">
        The answer (<code>201</code>) carries the decision and score. Required fields: <code>external_id</code>,{' '}
        <code>amount</code> (a decimal string), <code>currency</code>, <code>direction</code>, <code>account_id</code>.
      </p>
    </EmptyState>
  );
}
