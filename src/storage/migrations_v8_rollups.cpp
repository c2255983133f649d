// SPDX-License-Identifier: Apache-2.0
// Migration 8: dashboard rollups (issue 7 part 3). Portable SQL (SQLite and PostgreSQL), statements separated by ';'.
//
// The dashboard (reports/dashboard.hpp) must answer in well under 200 ms over millions of stored
// transactions, so it never scans `transactions`: reports::RollupObserver adds every committed
// ingestion group to two hourly rollups inside the group's own write transaction (one UPSERT per
// distinct key), and this migration fills them once from the rows stored before it.
//
// Hours are `occurred_at / 3600000000` (hours since the epoch, UTC), the transaction's own time:
// the transaction list, its `from`/`to` filter, backtests and rule windows all speak occurred_at,
// so a dashboard period means the same rows as the list of that period. Alerts are counted in the
// hour of their transaction's occurred_at (alerts.occurred_at) for the same reason.
//
// Amounts are summed per currency (never across currencies), in minor units.
//
// The indexes serve the live parts of the dashboard, which are bounded by the number of alerts
// worked in the period or still open, not by traffic: medians of time to triage and to close,
// false-positive rates per rule (closed in the period), open work by assignee; and the alert export
// (keyset pages by created_at, id).
namespace wt::storage {

extern const char kV8Rollups[] = R"SQL(
CREATE TABLE rollup_transactions_hourly (
    org_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    hour BIGINT NOT NULL,
    decision TEXT NOT NULL,
    currency TEXT NOT NULL,
    tx_count BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (org_id, environment, hour, decision, currency)
);
CREATE TABLE rollup_alerts_hourly (
    org_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    hour BIGINT NOT NULL,
    rule_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    raised BIGINT NOT NULL,
    PRIMARY KEY (org_id, environment, hour, rule_id, severity)
);
INSERT INTO rollup_transactions_hourly (org_id, environment, hour, decision, currency, tx_count, amount_minor)
    SELECT org_id, environment, occurred_at / 3600000000, decision, currency, COUNT(*), SUM(amount_minor)
    FROM transactions GROUP BY org_id, environment, occurred_at / 3600000000, decision, currency;
INSERT INTO rollup_alerts_hourly (org_id, environment, hour, rule_id, severity, raised)
    SELECT org_id, environment, occurred_at / 3600000000, rule_id, severity, COUNT(*)
    FROM alerts GROUP BY org_id, environment, occurred_at / 3600000000, rule_id, severity;
CREATE INDEX alerts_by_triaged ON alerts(org_id, environment, triaged_at, created_at);
CREATE INDEX alerts_by_closed ON alerts(org_id, environment, closed_at, created_at, rule_id, disposition, severity);
CREATE INDEX alerts_open_work ON alerts(org_id, environment, status, assignee_id, severity, created_at);
CREATE INDEX alerts_by_created ON alerts(org_id, environment, created_at, id)
)SQL";

}  // namespace wt::storage
