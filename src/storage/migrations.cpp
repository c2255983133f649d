// SPDX-License-Identifier: Apache-2.0
#include "storage/migrations.hpp"

namespace wt::storage {
namespace {

// Times are BIGINT microseconds since the epoch (UTC). Booleans are INTEGER 0/1. Ids are
// application-generated, time-ordered text (crypto::NewId), so inserts append to the index.
constexpr const char* kV1Foundation = R"SQL(
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_normalized TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    mfa_enabled INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_login_at BIGINT
);
CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships(user_id);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    org_id TEXT NOT NULL REFERENCES organizations(id),
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    reauthenticated_at BIGINT,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    revoked_at BIGINT,
    revoked_reason TEXT
);
CREATE INDEX sessions_by_user ON sessions(user_id, org_id);
CREATE TABLE audit_log (
    org_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    at BIGINT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    target TEXT,
    ip TEXT,
    user_agent TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_log_by_action ON audit_log(org_id, action, seq);
CREATE INDEX audit_log_by_actor ON audit_log(org_id, actor_id, seq);
CREATE TABLE audit_heads (
    org_id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
)SQL";

// Ingestion. `transactions` is keyed by a time-ordered id, so inserts append; the lookups by
// caller-chosen keys (idempotency key, external id, account, customer) are the random-key indexes.
// Every row carries org_id and environment: sandbox and production data never mix.
constexpr const char* kV2Ingestion = R"SQL(
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    environment TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    allowed_ips TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    expires_at BIGINT,
    revoked_at BIGINT,
    replaced_by TEXT,
    last_used_at BIGINT,
    last_used_ip TEXT
);
CREATE INDEX api_keys_by_org ON api_keys(org_id, created_at);
CREATE TABLE allowed_ips (
    org_id TEXT NOT NULL REFERENCES organizations(id),
    surface TEXT NOT NULL,
    position INTEGER NOT NULL,
    cidr TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (org_id, surface, position)
);
CREATE TABLE transactions (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    environment TEXT NOT NULL,
    external_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    direction TEXT NOT NULL,
    type TEXT NOT NULL,
    account_id TEXT NOT NULL,
    customer_id TEXT,
    counterparty_name TEXT,
    counterparty_account TEXT,
    counterparty_country TEXT,
    channel TEXT,
    country TEXT,
    ip TEXT,
    device_id TEXT,
    metadata TEXT NOT NULL,
    decision TEXT NOT NULL,
    score INTEGER NOT NULL,
    api_key_id TEXT NOT NULL
);
CREATE UNIQUE INDEX transactions_by_idempotency_key ON transactions(org_id, environment, idempotency_key);
CREATE UNIQUE INDEX transactions_by_external_id ON transactions(org_id, environment, external_id);
CREATE INDEX transactions_by_account ON transactions(org_id, environment, account_id, id);
CREATE INDEX transactions_by_customer ON transactions(org_id, environment, customer_id, id);
CREATE INDEX transactions_by_org ON transactions(org_id, environment, id)
)SQL";

// Ingestion write cost (docs/performance.md "Ingestion"). Every index entry that lands at a random
// place of a large index dirties one page of its own per row, and each dirty page is a 4 KiB WAL
// frame written at commit and again at checkpoint: the v2 account and customer indexes (10,000
// accounts make 10,000 distinct insertion points) cost more than everything else of an insert.
//
// 1. The account and customer indexes become bucketed: the leading key is a 64-way bucket computed
//    from the last two characters of the id (built-in deterministic functions only, so any SQLite
//    client, the sqlite3 CLI included, maintains it; PostgreSQL gets the same expression with
//    ascii/right), then the time-ordered id, then the account id itself as a covered column. New rows append to the
//    tail of one of 64 buckets (at most 64 hot pages per index, whatever the number of accounts). A filtered console
//    list reads one bucket newest first and keeps the index entries whose account matches, without touching the table
//    for the others. Its WHERE clause must repeat the bucket expression literally (see ingest_routes.cpp).
// 2. The idempotency index holds only rows whose key differs from their external_id. When the key
//    IS the external_id (every batch item, and single requests without Idempotency-Key) the
//    external_id index already finds it, so those rows no longer pay for a second random-key
//    index. The writer looks a key up in both (ingest/writer.cpp).
constexpr const char* kV3IngestionIndexes = R"SQL(
DROP INDEX transactions_by_account;
DROP INDEX transactions_by_customer;
DROP INDEX transactions_by_idempotency_key;
CREATE INDEX transactions_by_account_bucket ON transactions(org_id, environment,
    ((unicode(substr(account_id, -1)) * 31 + unicode(substr(account_id, -2))) % 64), id, account_id);
CREATE INDEX transactions_by_customer_bucket ON transactions(org_id, environment,
    ((unicode(substr(customer_id, -1)) * 31 + unicode(substr(customer_id, -2))) % 64), id, customer_id);
CREATE UNIQUE INDEX transactions_by_own_idempotency_key ON transactions(org_id, environment, idempotency_key)
    WHERE idempotency_key <> external_id
)SQL";
constexpr const char* kV3IngestionIndexesPostgres = R"SQL(
DROP INDEX transactions_by_account;
DROP INDEX transactions_by_customer;
DROP INDEX transactions_by_idempotency_key;
CREATE INDEX transactions_by_account_bucket ON transactions(org_id, environment,
    ((ascii(right(account_id, 1)) * 31 + ascii(right(account_id, 2))) % 64), id, account_id);
CREATE INDEX transactions_by_customer_bucket ON transactions(org_id, environment,
    ((ascii(right(customer_id, 1)) * 31 + ascii(right(customer_id, 2))) % 64), id, customer_id);
CREATE UNIQUE INDEX transactions_by_own_idempotency_key ON transactions(org_id, environment, idempotency_key)
    WHERE idempotency_key <> external_id
)SQL";

// Rules engine (docs/rules-language.md, API.md "Console reads and work"). Rules belong to the
// organization and apply to both environments; everything they produce (hits, alerts) carries the
// environment of its transaction. `rule_versions` is immutable: every change of a rule appends a
// full copy, so any version can be shown, compared and restored. `rule_hits` records every hit of
// an active or shadow rule with the transaction (same storage transaction); `alerts` are raised by
// active rules only. `occurred_at` on alerts is the transaction's, for per-rule suppression windows.
// A hit's `explanation` is the evaluation trace at decision time (JSON), so an alert can show why
// its rule hit with the window values of that moment. Backtests replay stored transactions in
// occurred_at order hour by hour: transactions_by_occurred_hour keys each row by its occurred_at hour
// and then its time-ordered id, so inserts append to the tail of one of the few hours traffic
// currently falls in (an index on occurred_at itself is a random-key index for traffic that arrives
// out of order, and halved batched ingestion: ~52,000 -> ~26,000 rows/s here).
constexpr const char* kV4Rules = R"SQL(
CREATE TABLE rules (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    description TEXT,
    expression TEXT NOT NULL,
    severity TEXT NOT NULL,
    action TEXT NOT NULL,
    score INTEGER NOT NULL,
    status TEXT NOT NULL,
    suppression_seconds BIGINT,
    version INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
CREATE UNIQUE INDEX rules_by_name ON rules(org_id, name);
CREATE TABLE rule_versions (
    rule_id TEXT NOT NULL REFERENCES rules(id),
    version INTEGER NOT NULL,
    org_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    expression TEXT NOT NULL,
    severity TEXT NOT NULL,
    action TEXT NOT NULL,
    score INTEGER NOT NULL,
    status TEXT NOT NULL,
    suppression_seconds BIGINT,
    author_id TEXT,
    created_at BIGINT NOT NULL,
    change TEXT NOT NULL,
    PRIMARY KEY (rule_id, version)
);
CREATE TRIGGER rule_versions_no_update BEFORE UPDATE ON rule_versions
BEGIN SELECT RAISE(ABORT, 'rule_versions is append-only'); END;
CREATE TRIGGER rule_versions_no_delete BEFORE DELETE ON rule_versions
BEGIN SELECT RAISE(ABORT, 'rule_versions is append-only'); END;
CREATE TABLE lists (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    description TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX lists_by_name ON lists(org_id, name);
CREATE TABLE list_items (
    list_id TEXT NOT NULL REFERENCES lists(id),
    value TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    added_by TEXT,
    PRIMARY KEY (list_id, value)
);
CREATE TABLE rule_hits (
    transaction_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    status TEXT NOT NULL,
    action TEXT NOT NULL,
    score INTEGER NOT NULL,
    alert_id TEXT,
    occurred_at BIGINT NOT NULL,
    explanation TEXT NOT NULL,
    PRIMARY KEY (transaction_id, rule_id)
);
CREATE INDEX rule_hits_by_rule ON rule_hits(org_id, rule_id, environment, occurred_at, transaction_id);
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    environment TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    rule_name TEXT NOT NULL,
    severity TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    assignee_id TEXT,
    disposition TEXT,
    note TEXT,
    case_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX alerts_by_org ON alerts(org_id, environment, id);
CREATE INDEX alerts_by_transaction ON alerts(transaction_id);
CREATE INDEX alerts_by_rule_entity ON alerts(org_id, environment, rule_id, entity_key, occurred_at);
CREATE INDEX transactions_by_occurred_hour ON transactions(org_id, environment, (occurred_at / 3600000000), id)
)SQL";


// Account security (SECURITY.md "MFA", "Tokens", "Secrets at rest"). Every `*_sealed` column holds
// a crypto::Seal envelope ("wtseal1.<key id>.<base64url>"); `watchtower keys rotate` re-seals
// exactly the columns listed in crypto/sealed_columns.hpp. Tokens are stored as hex SHA-256 only.
constexpr const char* kV5AccountSecurity = R"SQL(
ALTER TABLE users ADD COLUMN totp_secret_sealed TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE users ADD COLUMN totp_pending_sealed TEXT;
ALTER TABLE users ADD COLUMN totp_pending_at BIGINT;
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;
CREATE TABLE backup_codes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX backup_codes_by_user ON backup_codes(user_id);
CREATE TABLE mfa_challenges (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    email TEXT NOT NULL,
    email_normalized TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX invitations_by_org ON invitations(org_id, created_at);
CREATE INDEX invitations_by_email ON invitations(email_normalized);
CREATE TABLE password_resets (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX password_resets_by_user ON password_resets(user_id);
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    org_id TEXT,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    message_sealed TEXT,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT,
    failed_at BIGINT,
    last_error TEXT
);
CREATE INDEX mail_outbox_pending ON mail_outbox(sent_at, failed_at, next_attempt_at);
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value_sealed TEXT NOT NULL,
    updated_at BIGINT NOT NULL
)
)SQL";

// Alert triage (issue 7): when an alert first left `open`, when and by whom it was closed, its
// history, and the queue views' indexes (status, assignee). The SLA due time is not stored: it is
// created_at plus the organization's current `alert_sla_hours` of the severity, computed when read.
constexpr const char* kV6AlertTriage = R"SQL(
ALTER TABLE alerts ADD COLUMN triaged_at BIGINT;
ALTER TABLE alerts ADD COLUMN closed_at BIGINT;
ALTER TABLE alerts ADD COLUMN closed_by TEXT;
CREATE TABLE alert_events (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    alert_id TEXT NOT NULL REFERENCES alerts(id),
    at BIGINT NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX alert_events_by_alert ON alert_events(alert_id, at);
CREATE INDEX alerts_by_status ON alerts(org_id, environment, status, id);
CREATE INDEX alerts_by_assignee ON alerts(org_id, environment, assignee_id, id)
)SQL";

}  // namespace

// Migrations 7 and later live in their own files (migrations_v7_cases.cpp, ...).
extern const char kV7Cases[];
extern const char kV8Rollups[];
extern const char kV9Notifications[];
extern const char kV10TransactionRefs[];

namespace {

constexpr Migration kMigrations[] = {
    {1, "foundation: organizations, users, memberships, sessions, audit log", kV1Foundation, nullptr},
    {2, "ingestion: api keys, allowed ips, transactions", kV2Ingestion, nullptr},
    {3, "ingestion: append-friendly account/customer indexes, idempotency index without external_id keys",
     kV3IngestionIndexes, kV3IngestionIndexesPostgres},
    {4, "rules engine: rules, immutable rule versions, lists and items, rule hits, alerts", kV4Rules, nullptr},
    {5, "account security: TOTP, backup codes, MFA challenges, invitations, password resets, mail outbox, sealed "
        "server secrets",
     kV5AccountSecurity, nullptr},
    {6, "alert triage: triage and closing times, alert history, queue indexes", kV6AlertTriage, nullptr},
    {7, "cases: cases, linked alerts, comments, timeline, evidence files", kV7Cases, nullptr},
    {8, "dashboard: rollups maintained as transactions and alerts commit", kV8Rollups, nullptr},
    {9, "notifications: channels, per-user settings, deliveries", kV9Notifications, nullptr},
    {10, "ingestion: deferred account, customer and occurred-hour references instead of scattered indexes",
     kV10TransactionRefs, nullptr},
};

}  // namespace

std::span<const Migration> AllMigrations() { return kMigrations; }

}  // namespace wt::storage
