// SPDX-License-Identifier: Apache-2.0
/// Deferred references of stored transactions (storage migration 10): by account, by customer and
/// by occurred_at hour.
///
/// An index with many insertion points (64 account buckets, 64 customer buckets, one tail per
/// occurred hour) dirties one page per insertion point in every commit, and every dirty page is a
/// 4 KiB WAL frame: with group commits of a few dozen transactions those three indexes were three
/// quarters of the WAL written (docs/performance.md "Deferred references"). So the ingestion writer
/// adds these references not in every group but about once per `flush_every` stored transactions
/// per table, in a group's own write transaction: each hot page is then written once per thousand
/// rows instead of once per group. The three tables take turns (one flush every third of the
/// interval), so a group pays for one table's flush at most.
///
/// The cost moves to readers, bounded: `transaction_refs_state.through_rowid` says, per table,
/// which rows have references (rowid at most it); the rest, at most about a flush interval of the
/// newest rows, are found by scanning `transactions` from that rowid on. `RefQuerySql` writes both
/// halves for the caller; both read the same snapshot, so a row is found exactly once whether it
/// was flushed or not.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "ingest/writer.hpp"
#include "storage/database.hpp"

namespace wt::ingest {

/// Which reference narrows the rows.
enum class RefKey {
    kAccount,   // account_id = the value
    kCustomer,  // customer_id = the value
    kHour,      // occurred_at / 3600000000 (hours since the epoch, UTC) = the value
};

/// A condition on a column of `transactions`, e.g. {"decision", "= $4"}. A condition on `id` also
/// bounds the range read in the reference table.
struct RefCondition {
    std::string_view column;
    std::string op_and_operand;
};

/// One page of an organization environment's transactions narrowed by a reference. Placeholders
/// $1 and $2 are the organization and the environment; the caller binds every placeholder named here.
struct RefQuery {
    RefKey key = RefKey::kAccount;
    /// Plain column names of `transactions`, comma-separated, the first being `id`.
    std::string_view columns;
    /// The placeholder of the account id, customer id or hour number, e.g. "$3".
    std::string_view value;
    std::vector<RefCondition> conditions;
    bool newest_first = true;  // ORDER BY id DESC, else ascending
    /// Placeholder or literal of the page size.
    std::string limit;
};

/// SELECT <columns> ... ORDER BY id [DESC] LIMIT <limit>: the referenced rows (reference table
/// joined to `transactions`, stopping at the page size) and the newest rows without references.
std::string RefQuerySql(const RefQuery& query);

/// The smallest occurred_at hour number h with `$3 < h <= $4` among the organization
/// environment's transactions ($1, $2): one row, NULL when there is none.
std::string RefNextHourSql();

/// The bucket of an account or customer id in the reference tables: SQL of `of` (a column or a
/// placeholder).
std::string RefBucketSql(std::string_view of);

/// Adds the `key` references of every transaction stored after that table's `through_rowid` and
/// moves it to the newest row. Call inside a write transaction.
Result<void> FlushTransactionRefs(storage::Transaction& tx, RefKey key);

/// Start-up check: each table's `through_id` must still name the row at its `through_rowid`. A copy
/// that renumbered rowids (possible only after rows were deleted) fails it: the references are then
/// rebuilt from every stored transaction, in one write transaction. Returns whether they were.
Result<bool> VerifyTransactionRefs(storage::Database& db);

/// The writer's observer that flushes each reference table about every `flush_every` stored
/// transactions, the three in turn.
class TransactionRefs final : public GroupObserver {
  public:
    static constexpr std::size_t kDefaultFlushEvery = 1536;
    explicit TransactionRefs(std::size_t flush_every = kDefaultFlushEvery) : turn_every_(flush_every / 3 + 1) {}

    Result<void> BeforeCommit(storage::Transaction& tx, std::span<const StoredItem> stored) override;
    void AfterCommit() override;

  private:
    std::size_t turn_every_;
    // Writer thread only. The first group of a process flushes every table: what an earlier
    // process stored since its last flushes.
    bool first_ = true;
    std::size_t unflushed_ = 0;  // stored since the last flush of any table
    std::size_t turn_ = 0;       // the table whose flush is next
    // What BeforeCommit did, applied by AfterCommit (a group that fails leaves no trace).
    std::size_t unflushed_if_committed_ = 0;
    std::size_t turn_if_committed_ = 0;
};

}  // namespace wt::ingest
