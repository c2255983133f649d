// SPDX-License-Identifier: Apache-2.0
/// Hourly rollups of ingestion, maintained as transactions commit (storage migration 8), so the
/// dashboard reads a few hundred rollup rows instead of scanning millions of transactions.
///
/// `RollupObserver` is an ingest::GroupObserver: inside each group's write transaction, before
/// the commit, it adds the group to
/// - `rollup_transactions_hourly` (org, environment, occurred_at hour, decision, currency):
///   count and sum of amount_minor, and
/// - `rollup_alerts_hourly` (org, environment, occurred_at hour, rule, severity): alerts raised.
/// It aggregates the group in memory first and writes one multi-row UPSERT per table (a few
/// hundred keys per statement), so the cost per group grows with its distinct keys, not with its
/// transactions. A rollup therefore commits, or fails, with exactly the transactions it counts.
///
/// Threading: called on the ingest writer thread only; holds no state between groups.
/// Failure: a storage error is returned, which fails the whole group (nothing acknowledged).
#pragma once

#include <cstdint>
#include <span>

#include "common/clock.hpp"
#include "ingest/writer.hpp"

namespace wt::reports {

inline constexpr std::int64_t kMicrosPerHour = 3'600'000'000;

/// The rollup hour of a time: whole hours since the epoch (UTC), as the SQL `t / 3600000000`
/// computes it (truncation), so the migration's backfill and the observer agree.
inline std::int64_t HourOf(UnixMicros at) { return at / kMicrosPerHour; }

class RollupObserver final : public ingest::GroupObserver {
  public:
    Result<void> BeforeCommit(storage::Transaction& tx, std::span<const ingest::StoredItem> stored) override;
};

}  // namespace wt::reports
