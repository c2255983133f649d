// SPDX-License-Identifier: Apache-2.0
// Rules (`/rules`, every role reads; RISK_LEAD and ADMIN change): the organization's rules with
// status, action, severity, score and hits, filtered by status (kept in the address), and the
// starter pack of documented templates when the server offers it (`GET /rules/starter-pack`; a
// 404 hides the panel).
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../api/client';
import { rules as rulesApi } from '../api/endpoints';
import type { Environment, Rule, RuleStatus, StarterPackResult, StarterTemplate } from '../api/types';
import { Link, navigate, useLocation } from '../app/router';
import { useMe } from '../app/session';
import { LoadMoreFooter } from '../components/LoadMore';
import { PageError } from '../components/PageError';
import { ActionLabel, RuleStatusBadge, SeverityBadge } from '../components/RuleBadges';
import { Alert, EmptyState, ErrorAlert, Icon, Loading, PageHeader } from '../components/ui';
import { usePagedList } from '../hooks/usePagedList';
import { canManageRules, capitalize, RULE_STATUSES } from '../lib/rules';
import { formatDate, formatDateTime, formatRelative } from '../lib/time';

function statusFromSearch(search: URLSearchParams): RuleStatus | '' {
  const status = search.get('status') ?? '';
  return (RULE_STATUSES as readonly string[]).includes(status) ? (status as RuleStatus) : '';
}

function environmentFromSearch(search: URLSearchParams): Environment {
  return search.get('environment') === 'sandbox' ? 'sandbox' : 'production';
}

function rulesHref(status: RuleStatus | '', environment: Environment): string {
  const params = new URLSearchParams();
  if (status) params.set('status', status);
  if (environment !== 'production') params.set('environment', environment);
  const text = params.toString();
  return `/rules${text ? `?${text}` : ''}`;
}

export function RulesPage() {
  const me = useMe();
  const manage = canManageRules(me.role);
  const location = useLocation();
  const search = location.search.toString();
  const status = useMemo(() => statusFromSearch(new URLSearchParams(search)), [search]);
  const environment = useMemo(() => environmentFromSearch(new URLSearchParams(search)), [search]);
  const list = usePagedList((cursor) => rulesApi.list({ status, environment, limit: 100, cursor }), `${status}|${environment}`);
  const { rows, nextCursor, error } = list;
  const [notice, setNotice] = useState<string | null>(null);
  const newRule = manage ? (
    <Link to="/rules/new" className="btn btn-primary">
      <Icon name="rules" />
      New rule
    </Link>
  ) : null;

  return (
    <>
      <PageHeader
        title="Rules"
        description={
          <>
            Each rule is an expression in the rules language, evaluated for every new transaction. Shadow rules record hits without effect; active rules raise
            alerts and set the decision.
          </>
        }
        actions={
          <>
            <Link to="/lists" className="btn btn-secondary">
              Lists
            </Link>
            {newRule}
          </>
        }
      />
      {!manage ? (
        <Alert tone="info" title="Read only">
          Your role ({capitalize(me.role.toLowerCase())}) can read rules. Risk leads and administrators create, change,
          test and backtest them.
        </Alert>
      ) : null}
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <div className="toolbar" role="group" aria-label="Filter rules">
        <div className="segmented" role="group" aria-label="Status">
          {(['', ...RULE_STATUSES] as const).map((value) => (
            <button
              key={value || 'all'}
              type="button"
              className={`segment${status === value ? ' segment-active' : ''}`}
              aria-pressed={status === value}
              onClick={() => navigate(rulesHref(value, environment))}
            >
              {value ? capitalize(value) : 'All'}
            </button>
          ))}
        </div>
        <label className="inline-field">
          Hits in
          <select
            className="select-compact"
            value={environment}
            onChange={(e) => navigate(rulesHref(status, e.target.value as Environment))}
          >
            <option value="production">Production</option>
            <option value="sandbox">Sandbox</option>
          </select>
        </label>
      </div>
      {error ? (
        <PageError error={error} subject="rules" onRetry={() => void list.reload()} />
      ) : rows === null ? (
        <Loading label="Loading rules…" />
      ) : rows.length === 0 && !status ? (
        <EmptyState icon={<Icon name="rules" />} title="No rules yet" action={newRule}>
          <p>
            Write a rule such as <code>amount &gt; 10000 and type == "wire"</code>, test it against a transaction,
            backtest it on the last weeks, and start it in <strong>shadow</strong> to see what it would catch.
            {rows.length === 0 && manage ? ' Or start from the starter pack below.' : ''}
          </p>
        </EmptyState>
      ) : (
        <section className="card" aria-labelledby="rules-heading">
          <div className="card-header">
            <h2 id="rules-heading">{status ? `${capitalize(status)} rules` : 'All rules'}</h2>
            <span className="count">
              {rows.length === 1 ? '1 rule' : `${rows.length} rules`}
              {nextCursor ? ' shown, more available' : ''}
            </span>
          </div>
          {rows.length === 0 ? (
            <div className="table-empty">
              <p>No {status} rules.</p>
              <button type="button" className="btn-link" onClick={() => navigate(rulesHref('', environment))}>
                Show all rules
              </button>
            </div>
          ) : (
            <RulesTable rows={rows} environment={environment} />
          )}
          <LoadMoreFooter list={list} />
        </section>
      )}
      {error ? null : (
        <StarterPack
          manage={manage}
          open={rows !== null && rows.length === 0 && !status}
          onEnabled={(result) => {
            const created = result.created.length;
            const parts = [
              created === 1 ? '1 rule was added' : `${created} rules were added`,
              result.lists_created.length > 0 ? `lists created: ${result.lists_created.join(', ')}` : '',
              result.skipped.length > 0 ? `${result.skipped.length} skipped (a rule of that name exists)` : '',
            ].filter(Boolean);
            setNotice(`${parts.join('; ')}.`);
            void list.reload();
          }}
        />
      )}
    </>
  );
}

function RulesTable({ rows, environment }: { rows: Rule[]; environment: Environment }) {
  return (
    <div className="table-wrap">
      <table className="table table-rules">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Status</th>
            <th scope="col">Action</th>
            <th scope="col">Severity</th>
            <th scope="col" className="col-number">
              Score
            </th>
            <th scope="col" className="col-number" title={`Hits in ${environment}: last 24 hours / all time`}>
              Hits 24h / total
            </th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((rule) => (
            <tr key={rule.id} data-rule-id={rule.id}>
              <td className="cell-link">
                <Link to={`/rules/${encodeURIComponent(rule.id)}`} className="cell-primary">
                  {rule.name}
                </Link>
                <div className="cell-secondary rule-expression-preview" title={rule.expression}>
                  <code>{firstLine(rule.expression)}</code>
                </div>
              </td>
              <td>
                <RuleStatusBadge status={rule.status} />
              </td>
              <td>
                <ActionLabel action={rule.action} />
              </td>
              <td>
                <SeverityBadge severity={rule.severity} />
              </td>
              <td className="col-number">{rule.score}</td>
              <td className="col-number nowrap">
                <strong>{rule.hits_24h ?? 0}</strong> <span className="muted">/ {rule.hits_total ?? 0}</span>
              </td>
              <td className="nowrap" title={formatDateTime(rule.updated_at)}>
                <div>{formatDate(rule.updated_at)}</div>
                <div className="cell-secondary">
                  v{rule.version} · {formatRelative(rule.updated_at)}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The first non-comment line of an expression, shortened, for the table. */
function firstLine(expression: string): string {
  const line = expression.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#')) ?? expression.trim();
  const more = expression.trim().includes('\n');
  return line.length > 90 ? `${line.slice(0, 89)}…` : more ? `${line} …` : line;
}

/** The starter pack: documented templates to add as rules in one step. Hidden when the server has no such route. */
function StarterPack({ manage, open, onEnabled }: { manage: boolean; open: boolean; onEnabled: (result: StarterPackResult) => void }) {
  const [templates, setTemplates] = useState<StarterTemplate[] | null>(null);
  const [hidden, setHidden] = useState(false);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [status, setStatus] = useState<RuleStatus>('shadow');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const load = useCallback(async () => {
    try {
      const answer = await rulesApi.starterPack();
      setTemplates(answer.data);
      setLoadError(null);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 404 || err.status === 405) setHidden(true);
      else setLoadError(err);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  if (hidden) return null;
  if (loadError) return <ErrorAlert error={loadError} title="Could not load the starter pack" />;
  if (!templates) return null;
  const available = templates.filter((t) => !t.enabled);

  async function enable() {
    setBusy(true);
    setError(null);
    try {
      const result = await rulesApi.enableStarterPack({ templates: [...selected], status });
      setSelected(new Set());
      onEnabled(result);
      void load();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  function toggle(key: string) {
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }

  return (
    <details className="card starter-pack" open={open || undefined}>
      <summary className="card-header starter-pack-summary">
        <h2>Starter pack</h2>
        <span className="count">
          {templates.length} templates for common typologies, {templates.length - available.length} added
        </span>
      </summary>
      <div className="card-body">
        <p className="card-lead">
          Documented rules for structuring, velocity, high-risk geography and more. They are added as ordinary rules
          (and the lists they use are created empty), so you can edit, test and backtest them like your own.
        </p>
        <ErrorAlert error={error} title="The templates were not added" />
      </div>
      <div className="table-wrap">
        <table className="table table-starter">
          <thead>
            <tr>
              {manage ? (
                <th scope="col" className="col-check">
                  <span className="visually-hidden">Select</span>
                </th>
              ) : null}
              <th scope="col">Template</th>
              <th scope="col">Typology</th>
              <th scope="col">Severity</th>
              <th scope="col">Action</th>
              <th scope="col" className="col-number">
                Score
              </th>
            </tr>
          </thead>
          <tbody>
            {templates.map((template) => (
              <tr key={template.key} className={template.enabled ? 'row-inactive' : undefined}>
                {manage ? (
                  <td className="col-check">
                    <input
                      type="checkbox"
                      aria-label={`Add ${template.name}`}
                      disabled={template.enabled || busy}
                      checked={template.enabled || selected.has(template.key)}
                      onChange={() => toggle(template.key)}
                    />
                  </td>
                ) : null}
                <td>
                  <div className="cell-primary">
                    {template.name}
                    {template.enabled ? <span className="muted"> · added</span> : null}
                  </div>
                  <div className="cell-secondary">{template.description}</div>
                  <div className="cell-secondary rule-expression-preview" title={template.expression}>
                    <code>{firstLine(template.expression)}</code>
                  </div>
                </td>
                <td>{capitalize(template.typology)}</td>
                <td>
                  <SeverityBadge severity={template.severity} />
                </td>
                <td>
                  <ActionLabel action={template.action} />
                </td>
                <td className="col-number">{template.score}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {manage && available.length > 0 ? (
        <div className="card-footer card-footer-row">
          <label className="inline-field">
            Add as
            <select className="select-compact" value={status} onChange={(e) => setStatus(e.target.value as RuleStatus)}>
              {RULE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {capitalize(s)}
                </option>
              ))}
            </select>
          </label>
          <div className="button-row">
            <button
              type="button"
              className="btn btn-secondary"
              onClick={() => setSelected(new Set(available.map((t) => t.key)))}
              disabled={busy}
            >
              Select all
            </button>
            <button type="button" className="btn btn-primary" onClick={() => void enable()} disabled={busy || selected.size === 0}>
              {busy ? 'Adding…' : selected.size === 1 ? 'Add 1 rule' : `Add ${selected.size} rules`}
            </button>
          </div>
        </div>
      ) : null}
    </details>
  );
}
