// SPDX-License-Identifier: Apache-2.0
// Transactions › one transaction (`/transactions/{id}`): every stored field, the counterparty,
// the sender's metadata, and what the rules made of it: the rule hits (active and shadow, each with
// its explanation) and the alerts raised, linking to the rules and the alerts.
import { Fragment, type ReactNode } from 'react';
import { transactions } from '../api/endpoints';
import type { RuleHit, TransactionAlert } from '../api/types';
import { Link } from '../app/router';
import { DetailFallback } from '../components/DetailFallback';
import { ActionLabel, AlertStatusBadge, RuleStatusBadge, SeverityBadge, TraceValue } from '../components/RuleBadges';
import { EnvironmentBadge, Icon, PageHeader } from '../components/ui';
import { useLoaded } from '../hooks/useLoaded';
import { countryName, formatAmount } from '../lib/money';
import { formatDateTime } from '../lib/time';
import { DecisionBadge, Direction, transactionsListHref, typeLabel } from './TransactionsPage';

export function TransactionDetailPage({ id }: { id: string }) {
  const loaded = useLoaded(() => transactions.get(id), id);
  const transaction = loaded.value;

  const back = (
    <Link to={transactionsListHref()} className="back-link">
      <span aria-hidden="true">←</span> All transactions
    </Link>
  );

  if (!transaction) {
    return (
      <DetailFallback
        back={back}
        error={loaded.error}
        title="Transaction"
        notFoundTitle="Transaction not found"
        noun="transaction"
        notFoundText="Check the address. Transactions of another organization are never shown here; switch organization first if it belongs to one you are a member of."
        onRetry={() => void loaded.reload()}
      />
    );
  }
  const t = transaction;
  const metadataEmpty = !t.metadata || Object.keys(t.metadata).length === 0;
  return (
    <>
      {back}
      <PageHeader
        title={`Transaction ${t.external_id}`}
        description={
          <>
            Occurred {formatDateTime(t.occurred_at)} · ID <code>{t.id}</code>
          </>
        }
      />
      <section className="card summary-card" aria-label="Summary">
        <div className="summary-item summary-amount">
          <span className="summary-label">Amount</span>
          <span className="summary-value">
            <span className="amount">{formatAmount(t.amount)}</span> <span className="currency">{t.currency}</span>
          </span>
          <span className="summary-sub">
            <Direction direction={t.direction} /> · {typeLabel(t.type)}
          </span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Decision</span>
          <span className="summary-value">
            <DecisionBadge decision={t.decision} />
          </span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Score</span>
          <span className="summary-value">
            <ScoreMeter score={t.score} />
          </span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Environment</span>
          <span className="summary-value">
            <EnvironmentBadge environment={t.environment} />
          </span>
        </div>
      </section>

      <div className="detail-grid">
        <section className="card" aria-labelledby="tx-fields">
          <div className="card-header">
            <h2 id="tx-fields">Transaction</h2>
          </div>
          <dl className="field-list">
            <Field label="External ID" mono>
              {t.external_id}
            </Field>
            <Field label="WatchTower ID" mono>
              {t.id}
            </Field>
            <Field label="Occurred">
              <div>{formatDateTime(t.occurred_at)}</div>
              <div className="muted cell-mono-secondary">{t.occurred_at}</div>
            </Field>
            <Field label="Received">
              <div>{formatDateTime(t.received_at)}</div>
              <div className="muted cell-mono-secondary">{t.received_at}</div>
            </Field>
            <Field label="Amount">
              <span className="amount">{formatAmount(t.amount)}</span> {t.currency}
            </Field>
            <Field label="Direction">
              <Direction direction={t.direction} />
            </Field>
            <Field label="Type">
              {typeLabel(t.type)}
            </Field>
            <Field label="Channel">{t.channel}</Field>
            <Field label="API key" mono>
              {t.api_key_id}
            </Field>
          </dl>
        </section>

        <section className="card" aria-labelledby="tx-parties">
          <div className="card-header">
            <h2 id="tx-parties">Parties and origin</h2>
          </div>
          <dl className="field-list">
            <Field label="Account" mono>
              {t.account_id}
            </Field>
            <Field label="Customer" mono>
              {t.customer_id}
            </Field>
            <Field label="Country">{countryLabel(t.country)}</Field>
            <Field label="IP address" mono>
              {t.ip}
            </Field>
            <Field label="Device" mono>
              {t.device_id}
            </Field>
          </dl>
          <h3 className="subheading">Counterparty</h3>
          {t.counterparty ? (
            <dl className="field-list">
              <Field label="Name">{t.counterparty.name}</Field>
              <Field label="Account" mono>
                {t.counterparty.account}
              </Field>
              <Field label="Country">{countryLabel(t.counterparty.country)}</Field>
            </dl>
          ) : (
            <p className="section-empty">No counterparty was sent.</p>
          )}
        </section>
      </div>

      <section className="card" aria-labelledby="tx-metadata">
        <div className="card-header">
          <h2 id="tx-metadata">Metadata</h2>
          <span className="count">{metadataEmpty ? 'none' : `${Object.keys(t.metadata).length} fields`}</span>
        </div>
        {metadataEmpty ? (
          <p className="section-empty">The sender attached no metadata.</p>
        ) : (
          <div className="card-body">
            <pre className="json json-tall">{JSON.stringify(t.metadata, null, 2)}</pre>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="tx-rule-hits">
        <div className="card-header">
          <h2 id="tx-rule-hits">Rule hits</h2>
          <span className="count">{t.rule_hits.length}</span>
        </div>
        {t.rule_hits.length === 0 ? (
          <SectionEmpty icon="rules" title="No rule matched this transaction">
            The decision is <strong>{t.decision}</strong> with a score of {t.score}. Rules that match (active and shadow)
            are listed here with the action and score they contributed and why they hit.
          </SectionEmpty>
        ) : (
          <RuleHits hits={t.rule_hits} />
        )}
      </section>

      <section className="card" aria-labelledby="tx-alerts">
        <div className="card-header">
          <h2 id="tx-alerts">Alerts</h2>
          <span className="count">{t.alerts.length}</span>
        </div>
        {t.alerts.length === 0 ? (
          <SectionEmpty icon="alerts" title="No alerts were raised">
            Alerts raised by rules for this transaction appear here and in the alert queue.
          </SectionEmpty>
        ) : (
          <AlertsTable alerts={t.alerts} />
        )}
      </section>
    </>
  );
}

function countryLabel(code: string | null | undefined): ReactNode {
  if (!code) return null;
  const name = countryName(code);
  return name ? (
    <>
      {name} <span className="muted">({code})</span>
    </>
  ) : (
    code
  );
}

/** One row of a definition list; an absent value reads "Not sent". */
function Field({ label, mono, children }: { label: string; mono?: boolean; children: ReactNode }) {
  const empty = children === null || children === undefined || children === '';
  return (
    <div className="field-row">
      <dt>{label}</dt>
      <dd className={mono && !empty ? 'cell-id' : undefined}>{empty ? <span className="muted">Not sent</span> : children}</dd>
    </div>
  );
}

function ScoreMeter({ score }: { score: number }) {
  const clamped = Math.max(0, Math.min(100, Math.round(score)));
  const level = clamped >= 70 ? 'high' : clamped >= 30 ? 'medium' : 'low';
  return (
    <span className="score">
      <span className="score-number">{clamped}</span>
      <span className="score-scale">/ 100</span>
      <meter className={`score-meter score-${level}`} min={0} max={100} low={30} high={70} optimum={0} value={clamped}>
        {clamped} of 100
      </meter>
    </span>
  );
}

function SectionEmpty({ icon, title, children }: { icon: 'rules' | 'alerts'; title: string; children: ReactNode }) {
  return (
    <div className="section-empty section-empty-rich">
      <span className="section-empty-icon" aria-hidden="true">
        <Icon name={icon} />
      </span>
      <div>
        <p className="section-empty-title">{title}</p>
        <p className="muted">{children}</p>
      </div>
    </div>
  );
}

function RuleHits({ hits }: { hits: RuleHit[] }) {
  return (
    <div className="table-wrap">
      <table className="table table-hits">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Hit as</th>
            <th scope="col">Action</th>
            <th scope="col" className="col-number">
              Score
            </th>
            <th scope="col">Alert</th>
          </tr>
        </thead>
        <tbody>
          {hits.map((hit) => (
            <Fragment key={hit.rule_id}>
              <tr className={hit.explanation.length > 0 ? 'row-has-message' : undefined} data-rule-id={hit.rule_id}>
                <td>
                  <Link to={`/rules/${encodeURIComponent(hit.rule_id)}`} className="cell-primary">
                    {hit.rule_name ?? hit.rule_id}
                  </Link>
                  <div className="cell-secondary">version {hit.rule_version}</div>
                </td>
                <td>
                  <RuleStatusBadge status={hit.status} />
                </td>
                <td>
                  <ActionLabel action={hit.action} />
                </td>
                <td className="col-number">
                  {hit.status === 'shadow' ? (
                    <span className="muted" title="Shadow hits do not count">
                      ({hit.score})
                    </span>
                  ) : (
                    hit.score
                  )}
                </td>
                <td className="nowrap">
                  {hit.alert_id ? (
                    <Link to={`/alerts/${encodeURIComponent(hit.alert_id)}`} className="cell-id">
                      {hit.alert_id}
                    </Link>
                  ) : (
                    <span className="muted">{hit.status === 'shadow' ? 'none (shadow)' : 'none (suppressed)'}</span>
                  )}
                </td>
              </tr>
              {hit.explanation.length > 0 ? (
                <tr className="row-details">
                  <td colSpan={5}>
                    <details className="hit-why">
                      <summary>
                        Why it hit ({hit.explanation.length} {hit.explanation.length === 1 ? 'step' : 'steps'})
                      </summary>
                      <ol className="explanation explanation-compact">
                        {hit.explanation.map((step, index) => (
                          <li key={index} className="explanation-step">
                            <code className="trace-text">{step.text}</code>
                            <span className="trace-arrow" aria-hidden="true">
                              →
                            </span>
                            <TraceValue value={step.value} />
                          </li>
                        ))}
                      </ol>
                    </details>
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AlertsTable({ alerts }: { alerts: TransactionAlert[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Alert</th>
            <th scope="col">Rule</th>
            <th scope="col">Severity</th>
            <th scope="col">Status</th>
            <th scope="col">Raised</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((alert) => (
            <tr key={alert.id} data-alert-id={alert.id}>
              <td>
                <Link to={`/alerts/${encodeURIComponent(alert.id)}`} className="cell-id">
                  {alert.id}
                </Link>
              </td>
              <td>
                {alert.rule_name} <span className="cell-secondary">v{alert.rule_version}</span>
              </td>
              <td>
                <SeverityBadge severity={alert.severity} />
              </td>
              <td>
                <AlertStatusBadge status={alert.status} />
              </td>
              <td className="nowrap">{formatDateTime(alert.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
