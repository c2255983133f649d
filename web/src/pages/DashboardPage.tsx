// SPDX-License-Identifier: Apache-2.0
// Dashboard (`/`, every role): `GET /dashboard` for a period (24 hours, 7, 30 or 90 days, kept in
// the address) and an environment: headline figures, transaction volume and value over time by
// decision, alerts over time by severity and by rule, open and overdue work by assignee, median
// times to triage and to close, and the false-positive rate per rule.
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { dashboard as dashboardApi } from '../api/endpoints';
import type { Dashboard, Environment } from '../api/types';
import { Link, navigate, useLocation } from '../app/router';
import { useMe } from '../app/session';
import { HBars, StackedBars } from '../components/Charts';
import { PageError } from '../components/PageError';
import { Loading, PageHeader } from '../components/ui';
import { useMembers } from '../hooks/useMembers';
import {
  amountNumber,
  bucketStarts,
  decisionCount,
  formatCount,
  formatDuration,
  formatRate,
  headlineMoney,
  mainCurrency,
  PERIOD_PRESETS,
  presetPeriod,
  stackSeries,
} from '../lib/dashboard';
import { formatMoney } from '../lib/money';
import { capitalize, SEVERITIES } from '../lib/rules';
import { formatDateTime } from '../lib/time';

const DECISIONS = ['allow', 'review', 'block'];
const DECISION_NAMES: Record<string, string> = { allow: 'Allowed', review: 'Review', block: 'Blocked' };
const SEVERITY_NAMES: Record<string, string> = { low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };

/** The period preset and environment in the address (`/?period=7d&environment=sandbox`). */
export function PeriodBar({ preset, environment, onChange }: { preset: string; environment: Environment; onChange: (next: { period?: string; environment?: Environment }) => void }) {
  return (
    <div className="period-bar">
      <div className="segmented" role="group" aria-label="Period">
        {PERIOD_PRESETS.map((p) => (
          <button key={p.key} type="button" className={`segment${preset === p.key ? ' segment-active' : ''}`} aria-pressed={preset === p.key} onClick={() => onChange({ period: p.key })}>
            {p.label}
          </button>
        ))}
      </div>
      <div className="segmented" role="group" aria-label="Environment">
        {(['production', 'sandbox'] as Environment[]).map((env) => (
          <button
            key={env}
            type="button"
            className={`segment${environment === env ? ` segment-active segment-${env}` : ''}`}
            aria-pressed={environment === env}
            onClick={() => onChange({ environment: env })}
          >
            {capitalize(env)}
          </button>
        ))}
      </div>
    </div>
  );
}

/** The period and environment of a page address; unknown values fall back to 30 days, production. */
export function usePeriodParams(basePath: string) {
  const location = useLocation();
  const preset = PERIOD_PRESETS.some((p) => p.key === location.search.get('period')) ? location.search.get('period')! : '30d';
  const environment: Environment = location.search.get('environment') === 'sandbox' ? 'sandbox' : 'production';
  const change = (next: { period?: string; environment?: Environment }) => {
    const params = new URLSearchParams();
    const period = next.period ?? preset;
    const env = next.environment ?? environment;
    if (period !== '30d') params.set('period', period);
    if (env !== 'production') params.set('environment', env);
    const text = params.toString();
    navigate(`${basePath}${text ? `?${text}` : ''}`);
  };
  return { preset, environment, change };
}

export function DashboardPage() {
  const me = useMe();
  const { preset, environment, change } = usePeriodParams('/');
  const members = useMembers();
  const [data, setData] = useState<Dashboard | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const load = useCallback(async () => {
    setError(null);
    setData(null);
    try {
      setData(await dashboardApi.get({ ...presetPeriod(preset), environment }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    }
  }, [preset, environment]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <>
      <PageHeader
        title="Dashboard"
        description={
          data
            ? `${formatDateTime(data.from)} – ${formatDateTime(data.to)} (${data.bucket === 'hour' ? 'hours' : 'days'}${data.bucket === 'day' ? ` of ${data.time_zone ?? 'UTC'}` : ''})`
            : 'Volumes, decisions, alerts and open work at a glance.'
        }
        actions={<PeriodBar preset={preset} environment={environment} onChange={change} />}
      />
      {error ? <PageError error={error} subject="the dashboard" onRetry={() => void load()} /> : !data ? <Loading label="Loading the dashboard…" /> : <DashboardBody data={data} nameOf={(id) => (id === me.user.id ? 'You' : members.nameOf(id))} />}
    </>
  );
}

function DashboardBody({ data, nameOf }: { data: Dashboard; nameOf: (id: string | null) => string }) {
  const starts = useMemo(
    () => bucketStarts(data.from, data.to, data.bucket, [...data.series.map((p) => p.start), ...data.alerts.series.map((p) => p.start)]),
    [data],
  );
  const currency = useMemo(() => mainCurrency(data.series), [data]);
  const volume = useMemo(() => stackSeries(data.series, starts, (p) => p.decision, (p) => p.count, DECISIONS), [data, starts]);
  const value = useMemo(
    () => stackSeries(data.series.filter((p) => p.currency === currency), starts, (p) => p.decision, (p) => amountNumber(p.amount), DECISIONS),
    [data, starts, currency],
  );
  const alertSeries = useMemo(() => stackSeries(data.alerts.series, starts, (p) => p.severity, (p) => p.count, SEVERITIES), [data, starts]);
  const mainValue = data.transactions.value.find((v) => v.currency === currency);
  const reviewed = decisionCount(data, 'review') + decisionCount(data, 'block');
  const byRule = [...data.alerts.by_rule].sort((a, b) => b.count - a.count).slice(0, 8);
  const work = [...data.open_work.alerts.by_assignee].sort((a, b) => b.open - a.open).slice(0, 8);
  const fpRates = [...data.false_positive_rate].filter((r) => r.closed > 0).sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0)).slice(0, 8);
  return (
    <>
      <section className="stat-grid" aria-label="Headline figures">
        <Stat label="Transactions" value={formatCount(data.transactions.count)} sub={`${formatCount(reviewed)} reviewed or blocked`} />
        <Stat
          label="Value"
          value={mainValue ? <span title={formatMoney(mainValue.amount, mainValue.currency)}>{headlineMoney(mainValue.amount, mainValue.currency, formatMoney)}</span> : '—'} sub={data.transactions.value.length > 1 ? `and ${data.transactions.value.length - 1} other currencies` : currency ?? 'no transactions'} />
        <Stat label="Alerts raised" value={formatCount(data.alerts.raised)} sub={<Link to="/alerts">Open the queue</Link>} />
        <Stat
          label="Open alerts"
          value={formatCount(data.open_work.alerts.open)}
          sub={
            data.open_work.alerts.overdue > 0 ? (
              <Link to="/alerts?view=overdue" className="stat-danger">
                {formatCount(data.open_work.alerts.overdue)} overdue
              </Link>
            ) : (
              'none overdue'
            )
          }
        />
        <Stat label="Open cases" value={formatCount(data.open_work.cases.open)} sub={<Link to="/cases">Cases</Link>} />
        <Stat label="Median time to triage" value={formatDuration(data.triage.median_seconds_to_triage)} sub={`${formatCount(data.triage.triaged)} alerts triaged`} />
        <Stat label="Median time to close" value={formatDuration(data.triage.median_seconds_to_close)} sub={`${formatCount(data.triage.closed)} alerts closed`} />
      </section>
      <div className="dashboard-grid">
        <ChartCard id="volume-heading" title="Transactions by decision">
          <StackedBars starts={starts} stacks={volume} bucket={data.bucket} label="Transactions by decision" names={DECISION_NAMES} />
        </ChartCard>
        <ChartCard id="value-heading" title={`Value by decision${currency ? ` (${currency})` : ''}`}>
          <StackedBars
            starts={starts}
            stacks={value}
            bucket={data.bucket}
            label={`Value by decision in ${currency ?? '—'}`}
            names={DECISION_NAMES}
            format={(n) => n.toLocaleString('en-US', { maximumFractionDigits: 0 })}
          />
        </ChartCard>
        <ChartCard id="alerts-series-heading" title="Alerts by severity">
          <StackedBars starts={starts} stacks={alertSeries} bucket={data.bucket} label="Alerts raised by severity" names={SEVERITY_NAMES} />
        </ChartCard>
        <ChartCard id="alerts-rule-heading" title="Alerts by rule">
          <HBars
            label="Alerts raised per rule"
            empty="No alerts in this period."
            rows={byRule.map((r) => ({
              key: r.rule_id,
              label: (
                <Link to={`/alerts?view=all&rule_id=${encodeURIComponent(r.rule_id)}`} title={r.rule_name}>
                  {r.rule_name}
                </Link>
              ),
              parts: [{ series: r.severity, value: r.count, title: `${r.rule_name}: ${r.count} alerts` }],
              figure: formatCount(r.count),
            }))}
          />
        </ChartCard>
        <ChartCard id="work-heading" title="Open work by assignee" note="alerts: open and overdue">
          <HBars
            label="Open and overdue alerts per assignee"
            empty="No open alerts."
            rows={work.map((w) => ({
              key: w.assignee_id ?? 'none',
              label: w.assignee_id ? nameOf(w.assignee_id) : <span className="muted">Unassigned</span>,
              parts: [
                { series: 'overdue', value: w.overdue, title: `${w.overdue} overdue` },
                { series: 'open', value: w.open - w.overdue, title: `${w.open - w.overdue} on time` },
              ],
              figure: (
                <>
                  {formatCount(w.open)}
                  {w.overdue ? <span className="stat-danger"> ({w.overdue} late)</span> : null}
                </>
              ),
            }))}
          />
          {data.open_work.cases.by_assignee.length > 0 ? (
            <p className="field-hint">
              Open cases:{' '}
              {data.open_work.cases.by_assignee
                .map((c) => `${c.assignee_id ? nameOf(c.assignee_id) : 'unassigned'} ${c.open}`)
                .join(' · ')}
            </p>
          ) : null}
        </ChartCard>
        <ChartCard id="fp-heading" title="False-positive rate per rule" note="of the alerts closed in the period">
          <HBars
            label="False-positive rate per rule"
            empty="No alerts were closed in this period."
            rows={fpRates.map((r) => ({
              key: r.rule_id,
              label: <span title={r.rule_name}>{r.rule_name}</span>,
              parts: [
                { series: 'fp', value: (r.rate ?? 0) * 100, title: `${r.false_positive} false positives` },
                { series: 'tp', value: 100 - (r.rate ?? 0) * 100, title: `${r.closed - r.false_positive} other dispositions` },
              ],
              figure: `${formatRate(r.rate)} of ${r.closed}`,
            }))}
          />
        </ChartCard>
      </div>
    </>
  );
}

function Stat({ label, value, sub }: { label: string; value: ReactNode; sub?: ReactNode }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
      {sub ? <span className="stat-sub">{sub}</span> : null}
    </div>
  );
}

/** A dashboard card: a heading, an optional note beside it, and the chart. */
function ChartCard({ id, title, note, children }: { id: string; title: string; note?: string; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={id}>
      <div className="card-header">
        <h2 id={id}>{title}</h2>
        {note ? <span className="count">{note}</span> : null}
      </div>
      <div className="card-body">{children}</div>
    </section>
  );
}
