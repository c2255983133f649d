// SPDX-License-Identifier: Apache-2.0
// Alerts (`/alerts`, every role): the alerts raised by active rules, newest first, filtered by
// environment, status, severity and rule (kept in the address), with cursor paging; and one alert
// (`/alerts/{id}`): its transaction, the rule version that raised it, and the hit explained step
// by step, each step highlighted in the expression.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { alerts as alertsApi, rules as rulesApi, type AlertFilters } from '../api/endpoints';
import type { AlertDetail, AlertStatus, AlertSummary, Environment, ExplanationStep, Rule, RuleSeverity } from '../api/types';
import { Link, navigate, useLocation } from '../app/router';
import { PageError } from '../components/PageError';
import { AlertStatusBadge, ActionLabel, RuleStatusBadge, SeverityBadge, TraceValue } from '../components/RuleBadges';
import { RuleCodeView } from '../components/RuleCode';
import { Alert, EmptyState, EnvironmentBadge, ErrorAlert, Icon, Loading, PageHeader, SelectField } from '../components/ui';
import { ALERT_STATUSES, alertFiltersFromSearch, alertFiltersToSearch } from '../lib/alertFilters';
import { capitalize, SEVERITIES } from '../lib/rules';
import { spanOfStep, type Span } from '../lib/ruleSyntax';
import { formatDate, formatDateTime, formatRelative, formatTime } from '../lib/time';

let lastAlertsHref = '/alerts';

export function AlertsPage() {
  const location = useLocation();
  const search = location.search.toString();
  const filters = useMemo(() => alertFiltersFromSearch(new URLSearchParams(search)), [search]);
  const [rows, setRows] = useState<AlertSummary[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [ruleOptions, setRuleOptions] = useState<Rule[]>([]);
  const request = useRef(0);

  useEffect(() => {
    lastAlertsHref = `/alerts${alertFiltersToSearch(filters)}`;
  }, [filters]);

  const load = useCallback(async (applied: AlertFilters) => {
    const ticket = ++request.current;
    setError(null);
    setRows(null);
    setMoreError(null);
    try {
      const page = await alertsApi.list(applied);
      if (ticket !== request.current) return;
      setRows(page.data);
      setNextCursor(page.next_cursor);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (ticket === request.current) setError(err);
    }
  }, []);

  useEffect(() => {
    void load(filters);
  }, [load, filters]);

  useEffect(() => {
    let cancelled = false;
    rulesApi
      .list({ limit: 100 })
      .then((page) => {
        if (!cancelled) setRuleOptions(page.data);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);

  async function loadMore() {
    if (!nextCursor) return;
    const ticket = request.current;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await alertsApi.list(filters, nextCursor);
      if (ticket !== request.current) return;
      setRows((current) => [...(current ?? []), ...page.data]);
      setNextCursor(page.next_cursor);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setMoreError(err);
    } finally {
      setLoadingMore(false);
    }
  }

  function apply(next: Partial<AlertFilters>) {
    navigate(`/alerts${alertFiltersToSearch({ ...filters, ...next })}`);
  }

  const narrowed = !!(filters.status || filters.severity || filters.ruleId);
  const ruleKnown = !filters.ruleId || ruleOptions.some((r) => r.id === filters.ruleId);
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Raised by active rules when they hit a transaction, newest first. Open one to see why the rule hit."
        actions={
          <div className="segmented" role="group" aria-label="Environment">
            {(['production', 'sandbox'] as Environment[]).map((env) => (
              <button
                key={env}
                type="button"
                className={`segment${filters.environment === env ? ` segment-active segment-${env}` : ''}`}
                aria-pressed={filters.environment === env}
                onClick={() => apply({ environment: env })}
              >
                {capitalize(env)}
              </button>
            ))}
          </div>
        }
      />
      <div className="card filters" role="group" aria-label="Filter alerts">
        <div className="filters-grid filters-grid-alerts">
          <SelectField label="Status" value={filters.status} onChange={(e) => apply({ status: e.target.value as AlertStatus | '' })}>
            <option value="">Any</option>
            {ALERT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {capitalize(s)}
              </option>
            ))}
          </SelectField>
          <SelectField label="Severity" value={filters.severity} onChange={(e) => apply({ severity: e.target.value as RuleSeverity | '' })}>
            <option value="">Any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {capitalize(s)}
              </option>
            ))}
          </SelectField>
          <SelectField label="Rule" value={filters.ruleId} onChange={(e) => apply({ ruleId: e.target.value })}>
            <option value="">Any</option>
            {!ruleKnown ? <option value={filters.ruleId}>{filters.ruleId}</option> : null}
            {ruleOptions.map((rule) => (
              <option key={rule.id} value={rule.id}>
                {rule.name}
              </option>
            ))}
          </SelectField>
          <div className="filters-reset">
            <button
              type="button"
              className="btn btn-secondary"
              disabled={!narrowed}
              onClick={() => apply({ status: '', severity: '', ruleId: '' })}
            >
              Clear filters
            </button>
          </div>
        </div>
      </div>
      {filters.environment === 'sandbox' ? (
        <Alert tone="info" title="Sandbox">
          Alerts raised for test transactions sent with <code>wt_test_</code> keys.
        </Alert>
      ) : null}
      {error ? (
        error.status === 422 ? (
          <Alert tone="error" title="Check the filters">
            {error.detail}
          </Alert>
        ) : (
          <PageError error={error} subject="alerts" onRetry={() => void load(filters)} />
        )
      ) : rows === null ? (
        <Loading label="Loading alerts…" />
      ) : rows.length === 0 && !narrowed ? (
        <EmptyState icon={<Icon name="alerts" />} title="No alerts">
          <p>
            Alerts appear here when an <strong>active</strong> rule hits a transaction. Shadow rules record hits without
            raising alerts. <Link to="/rules">Review the rules</Link>.
          </p>
        </EmptyState>
      ) : (
        <section className="card" aria-labelledby="alerts-heading">
          <div className="card-header">
            <h2 id="alerts-heading">Alerts</h2>
            <span className="count">
              {rows.length === 1 ? '1 alert' : `${rows.length} alerts`}
              {nextCursor ? ' shown, more available' : ''}
            </span>
          </div>
          {rows.length === 0 ? (
            <div className="table-empty">
              <p>No alerts match these filters.</p>
              <button type="button" className="btn-link" onClick={() => apply({ status: '', severity: '', ruleId: '' })}>
                Clear the filters
              </button>
            </div>
          ) : (
            <div className="table-wrap">
              <table className="table table-alerts">
                <thead>
                  <tr>
                    <th scope="col">Raised</th>
                    <th scope="col">Alert</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Status</th>
                    <th scope="col">Entity</th>
                    <th scope="col">Transaction</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((alert) => (
                    <tr key={alert.id} data-alert-id={alert.id}>
                      <td className="nowrap" title={formatDateTime(alert.created_at)}>
                        <div>{formatDate(alert.created_at)}</div>
                        <div className="cell-secondary">{formatTime(alert.created_at)}</div>
                      </td>
                      <td className="cell-link">
                        <Link to={`/alerts/${encodeURIComponent(alert.id)}`} className="cell-primary">
                          {alert.rule_name}
                        </Link>
                        <div className="cell-secondary">version {alert.rule_version}</div>
                      </td>
                      <td>
                        <SeverityBadge severity={alert.severity} />
                      </td>
                      <td>
                        <AlertStatusBadge status={alert.status} />
                      </td>
                      <td className="cell-id">{alert.entity_key}</td>
                      <td className="nowrap">
                        <Link to={`/transactions/${encodeURIComponent(alert.transaction_id)}`} className="cell-id">
                          {alert.transaction_id}
                        </Link>
                      </td>
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
                <button type="button" className="btn btn-secondary" onClick={() => void loadMore()} disabled={loadingMore}>
                  {loadingMore ? 'Loading…' : 'Load more'}
                </button>
              ) : null}
            </div>
          ) : null}
        </section>
      )}
    </>
  );
}

export function AlertDetailPage({ id }: { id: string }) {
  const [alert, setAlert] = useState<AlertDetail | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      setAlert(await alertsApi.get(id));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  const back = (
    <Link to={lastAlertsHref} className="back-link">
      <span aria-hidden="true">←</span> All alerts
    </Link>
  );
  if (error) {
    return (
      <>
        {back}
        <PageHeader title="Alert" />
        {error.status === 404 ? (
          <EmptyState title="There is no such alert in this organization">
            <p>Check the address, or find the alert in the list.</p>
          </EmptyState>
        ) : (
          <PageError error={error} subject="this alert" onRetry={() => void load()} />
        )}
      </>
    );
  }
  if (!alert) {
    return (
      <>
        {back}
        <Loading label="Loading the alert…" />
      </>
    );
  }
  return (
    <>
      {back}
      <PageHeader
        title={`Alert: ${alert.rule_name}`}
        description={
          <>
            Raised {formatRelative(alert.created_at)} ({formatDateTime(alert.created_at)}) · ID <code>{alert.id}</code>
          </>
        }
      />
      <section className="card summary-card" aria-label="Summary">
        <div className="summary-item">
          <span className="summary-label">Severity</span>
          <span className="summary-value">
            <SeverityBadge severity={alert.severity} />
          </span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Status</span>
          <span className="summary-value">
            <AlertStatusBadge status={alert.status} />
          </span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Transaction</span>
          <span className="summary-value">
            <Link to={`/transactions/${encodeURIComponent(alert.transaction_id)}`} className="cell-id">
              {alert.transaction_id}
            </Link>
          </span>
          <span className="summary-sub">occurred {formatDateTime(alert.occurred_at)}</span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Entity</span>
          <span className="summary-value cell-id">{alert.entity_key}</span>
          <span className="summary-sub">
            <EnvironmentBadge environment={alert.environment} />
          </span>
        </div>
      </section>
      <HitExplained alert={alert} />
    </>
  );
}

/** The rule version that raised the alert, and the stored explanation of its hit. */
export function HitExplained({ alert }: { alert: AlertDetail }) {
  const [highlight, setHighlight] = useState<Span | null>(null);
  const rule = alert.rule;
  const hit = alert.rule_hit;
  const steps = hit?.explanation ?? [];
  return (
    <section className="card" aria-labelledby="alert-rule-heading">
      <div className="card-header">
        <h2 id="alert-rule-heading">Why the rule hit</h2>
        {rule ? (
          <span className="count">
            <Link to={`/rules/${encodeURIComponent(rule.id)}`}>{rule.name}</Link>, version {rule.version}
            {rule.current_version !== rule.version ? ` (now version ${rule.current_version})` : ' (current)'}
          </span>
        ) : null}
      </div>
      {!rule ? (
        <p className="section-empty">The rule that raised this alert is no longer available.</p>
      ) : (
        <div className="card-body explain-grid">
          <div>
            <div className="explain-rule-meta">
              <RuleStatusBadge status={rule.status} />
              {hit ? (
                <span className="muted">
                  Action <ActionLabel action={hit.action} /> · score {hit.score} · hit as {hit.status}
                </span>
              ) : null}
              {rule.current_version !== rule.version ? (
                <Link to={`/rules/${encodeURIComponent(rule.id)}/versions`} className="btn-link">
                  Compare versions
                </Link>
              ) : null}
            </div>
            <RuleCodeView source={rule.expression} highlight={highlight} label={`Expression of ${rule.name}, version ${rule.version}`} />
            <p className="field-hint">Point at or focus a step to see its part of the expression.</p>
          </div>
          <div>
            <h3 className="subheading subheading-flush">Evaluated steps</h3>
            {steps.length === 0 ? (
              <p className="muted">No explanation was recorded for this hit.</p>
            ) : (
              <ExplanationList steps={steps} source={rule.expression} onPoint={setHighlight} />
            )}
          </div>
        </div>
      )}
    </section>
  );
}

/** The explanation steps, outermost first, indented by how deep they sit in the expression. */
export function ExplanationList({
  steps,
  source,
  onPoint,
}: {
  steps: ExplanationStep[];
  source: string;
  onPoint: (span: Span | null) => void;
}) {
  const spans = steps.map((step) => spanOfStep(source, step));
  const depth = spans.map((span, index) => spans.slice(0, index).filter((outer) => outer.start <= span.start && span.end <= outer.end && outer.end > outer.start).length);
  return (
    <ol className="explanation" aria-label="Evaluated steps, outermost first">
      {steps.map((step, index) => (
        <li key={index} className={`explanation-step explanation-depth-${Math.min(depth[index], 6)}`}>
          <button
            type="button"
            className="trace-step"
            onMouseEnter={() => onPoint(spans[index])}
            onMouseLeave={() => onPoint(null)}
            onFocus={() => onPoint(spans[index])}
            onBlur={() => onPoint(null)}
            title={`Line ${step.line}, column ${step.column}`}
          >
            <code className="trace-text">{step.text}</code>
            <span className="trace-arrow" aria-hidden="true">
              →
            </span>
            <TraceValue value={step.value} />
          </button>
        </li>
      ))}
    </ol>
  );
}
