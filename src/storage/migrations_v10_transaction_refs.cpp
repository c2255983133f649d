// SPDX-License-Identifier: Apache-2.0
// Storage migration 10: the transactions' scattered indexes become deferred reference tables
// (docs/performance.md "Ingestion", "Deferred indexes").
//
// Every b-tree a commit touches costs one 4 KiB WAL frame per page it dirties. Three indexes of
// `transactions` had many insertion points at once: the account and customer buckets (64 tails
// each, migration 3) and the occurred_at hours (one tail per hour that traffic falls in, migration
// 4). With single requests (about 25 transactions per group commit) they dirtied ~100 of the ~135
// pages of every commit, and removing them took the single-request rate from ~12,000 to ~23,000
// per second on the benchmark machine.
//
// They are replaced by three WITHOUT ROWID tables holding the same keys, written by the ingestion
// writer NOT in every group but every ~1,000 stored transactions (ingest/transaction_refs.hpp), in
// the same write transaction as that group: one flush touches each hot tail once for a thousand
// rows. `transaction_refs_state` says how far each table goes (one row per table: account,
// customer, hour): every transaction whose rowid is at most `through_rowid` has its reference,
// the others (at most a flush interval of the newest rows) do not, and readers add them by scanning
// `transactions` from `through_rowid` on (the rowid is the table's own b-tree key, so that scan
// reads only the newest rows). `through_id` is the id of the row at `through_rowid`: if a copy of
// the database renumbered the rowids (only possible after rows were deleted), the start-up check
// sees the mismatch and rebuilds the references. SQLite only: a PostgreSQL backend needs an
// ingestion sequence column in place of the rowid.
//
// Upgrade cost: one pass over `transactions` per table (each sorted), like building an index.
namespace wt::storage {

extern const char kV10TransactionRefs[] = R"SQL(
CREATE TABLE transaction_account_refs (
    org_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (org_id, environment, bucket, id)
) WITHOUT ROWID;
CREATE TABLE transaction_customer_refs (
    org_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (org_id, environment, bucket, id)
) WITHOUT ROWID;
CREATE TABLE transaction_hour_refs (
    org_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    hour BIGINT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (org_id, environment, hour, id)
) WITHOUT ROWID;
CREATE TABLE transaction_refs_state (
    ref TEXT PRIMARY KEY,
    through_rowid BIGINT NOT NULL,
    through_id TEXT
);
INSERT INTO transaction_account_refs (org_id, environment, bucket, id, account_id)
    SELECT org_id, environment, (unicode(substr(account_id, -1)) * 31 + unicode(substr(account_id, -2))) % 64, id,
           account_id
    FROM transactions ORDER BY 1, 2, 3, 4;
INSERT INTO transaction_customer_refs (org_id, environment, bucket, id, customer_id)
    SELECT org_id, environment, (unicode(substr(customer_id, -1)) * 31 + unicode(substr(customer_id, -2))) % 64, id,
           customer_id
    FROM transactions WHERE customer_id IS NOT NULL ORDER BY 1, 2, 3, 4;
INSERT INTO transaction_hour_refs (org_id, environment, hour, id)
    SELECT org_id, environment, occurred_at / 3600000000, id FROM transactions ORDER BY 1, 2, 3, 4;
INSERT INTO transaction_refs_state (ref, through_rowid, through_id)
    SELECT refs.ref, COALESCE((SELECT MAX(rowid) FROM transactions), 0),
           (SELECT id FROM transactions ORDER BY rowid DESC LIMIT 1)
    FROM (SELECT 'account' AS ref UNION ALL SELECT 'customer' UNION ALL SELECT 'hour') refs;
DROP INDEX transactions_by_account_bucket;
DROP INDEX transactions_by_customer_bucket;
DROP INDEX transactions_by_occurred_hour
)SQL";

}  // namespace wt::storage
