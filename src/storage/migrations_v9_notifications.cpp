// SPDX-License-Identifier: Apache-2.0
// Migration 9: notifications (issue 7 part 5). Portable SQL (SQLite and PostgreSQL), statements separated by ';'.
//
// notification_channels: an organization's webhook and email channels. A webhook's signing secret
// is sealed (secret_sealed, context `notification_channels.secret_sealed:<id>`, listed in
// secrets/sealed_columns.hpp) and erased when the channel is deleted; a deleted channel keeps its
// row (deleted_at) so that its delivery log still names it. `events` and `recipients` are JSON arrays;
// `allowed_domains` is a webhook's domain allowlist (JSON array of lower-case DNS names; NULL: none).
// notification_settings: one row per user and organization (JSON); no row means the defaults.
// notification_deliveries: the outbox, one row per (event, channel) or (event, user), written in
// the transaction of the change that caused the event; the dispatcher claims due rows with a
// lease (next_attempt_at) and records every attempt's outcome. `payload` is the event as sent,
// without secrets. alerts.sla_notified_at: the SLA scan notifies each overdue alert once; the partial
// index alerts_sla_pending holds only the alerts it still has to look at.
namespace wt::storage {

extern const char kV9Notifications[] = R"SQL(
CREATE TABLE notification_channels (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    url TEXT,
    secret_sealed TEXT,
    recipients TEXT,
    events TEXT NOT NULL,
    min_severity TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT,
    allowed_domains TEXT
);
CREATE INDEX notification_channels_by_org ON notification_channels(org_id, deleted_at, id);
CREATE TABLE notification_settings (
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    settings TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE TABLE notification_deliveries (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    channel_id TEXT,
    user_id TEXT,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_attempt_at BIGINT,
    last_status INTEGER,
    last_error TEXT,
    delivered_at BIGINT,
    failed_at BIGINT
);
CREATE INDEX notification_deliveries_pending ON notification_deliveries(delivered_at, failed_at, next_attempt_at);
CREATE INDEX notification_deliveries_by_channel ON notification_deliveries(org_id, channel_id, id);
ALTER TABLE alerts ADD COLUMN sla_notified_at BIGINT;
CREATE INDEX alerts_sla_pending ON alerts(org_id, created_at) WHERE sla_notified_at IS NULL AND status <> 'closed'
)SQL";

}  // namespace wt::storage
