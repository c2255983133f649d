// SPDX-License-Identifier: Apache-2.0
/// The rules engine at run time: each organization's compiled rule set and named lists, the
/// aggregate window state per organization and environment, and the decision of every new
/// transaction (ARCHITECTURE.md "Request paths", steps 4-5).
///
/// It is the ingestion writer's `Decider`: every transaction is evaluated on the writer thread in
/// commit order, against windows that hold exactly the transactions stored before it (committed,
/// or earlier in its own group), so two concurrent transactions of one account see each other as
/// if processed one after the other. Its effect on the windows is staged and undone if its group
/// fails to commit. Decision and score (API.md "Rule language"): active rules that hit contribute
/// their score (sum capped at 100) and their action; `alert` leaves the decision at allow, `review`
/// and `block` set it, the strongest wins. Shadow rules are evaluated and their hits recorded,
/// without alert or effect. Hits and alerts are written in the transaction's own commit.
///
/// Changes made through the catalog (console routes) take effect with `RulesChanged` /
/// `ListsChanged`, which reload the organization's rules or lists from storage; a rule that brings
/// a new aggregate has its window state backfilled from stored transactions first.
///
/// Threading: `Decide`/`GroupCommitted`/`GroupAborted` run on the writer thread; every other member
/// is thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "ingest/transaction.hpp"
#include "ingest/writer.hpp"
#include "rules/aggregate_store.hpp"
#include "rules/language.hpp"
#include "storage/database.hpp"

namespace wt::engine {

class Engine : public ingest::Decider {
  public:
    struct Options {
        /// Windows keep events for a week beyond their length: transactions that arrive up to 7
        /// days late (in occurred_at, behind the newest of their key) still see complete windows.
        rules::AggregateStore::Options aggregates = [] {
            rules::AggregateStore::Options options;
            options.lateness_micros = 7 * 24 * kMicrosPerHour;
            return options;
        }();
        /// Where the window state is saved (SaveSnapshot) and restored from at Start; empty: no
        /// snapshots, every start rebuilds from all stored transactions.
        std::string snapshot_path;
        /// A backtest sorts each hour of occurred_at in memory: an hour holding more transactions
        /// of the organization and environment is refused (kValidationFailed).
        std::size_t max_backtest_rows_per_hour = 2'000'000;
    };

    Engine(storage::Database& db, std::shared_ptr<Clock> clock, Options options);
    ~Engine() override;
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Loads every organization's rules and lists and rebuilds the window state: from the snapshot
    /// when one is valid (then only the transactions stored after it are replayed), else from every
    /// stored transaction. Call once before the writer starts.
    Status Start();

    /// Saves the window state of every organization and environment to Options::snapshot_path
    /// (written to a temporary file, fsynced, renamed): the state of exactly the transactions
    /// committed so far, with the last one's id and their count, so a start can check that storage
    /// still holds exactly those and replay only later ones. Waits for the writer's open group and
    /// holds it off while the state is serialized. No-op without a path.
    Status SaveSnapshot();

    /// Reloads the organization's rules (after a committed change). Thread-safe.
    Status RulesChanged(const std::string& org_id);
    /// Reloads the organization's named lists (after a committed change). Thread-safe.
    Status ListsChanged(const std::string& org_id);
    /// Reloads the organization's settings the rules use (its time zone) after a committed change.
    Status OrganizationChanged(const std::string& org_id);

    struct TestResult {
        rules::Trace trace;
        /// Canonical texts of aggregates no shadow or active rule tracks: no live window state
        /// exists for them, so they evaluate to null here.
        std::vector<std::string> untracked_aggregates;
    };
    /// POST /rules/test: evaluates `rule` against `transaction` (not stored) with the live windows
    /// and lists of the organization and environment, and returns the trace.
    Result<TestResult> Test(const std::string& org_id, std::string_view environment, const rules::CompiledRule& rule,
                            const ingest::Transaction& transaction);

    /// Whether the organization has a named list of this name (compile checks of POST /rules/test).
    bool HasList(const std::string& org_id, std::string_view name);

    struct BacktestResult {
        std::int64_t evaluated = 0;  // transactions with occurred_at in [from, to)
        std::int64_t hits = 0;
        std::vector<std::pair<std::string, std::int64_t>> by_day;  // (YYYY-MM-DD in the org's zone, hits)
        std::vector<std::pair<std::string, std::string>> samples;  // (transaction id, external id), latest hits
    };
    /// POST /rules/backtest: replays the stored transactions of [from - longest window, to) in
    /// occurred_at order through fresh window state for `rule`'s aggregates (exact, whatever the
    /// window length), evaluating those in [from, to). Reads storage page by page; runs on the
    /// calling thread (callers use a worker pool). kUnavailable past `deadline`.
    Result<BacktestResult> Backtest(const std::string& org_id, std::string_view environment,
                                    const rules::CompiledRule& rule, UnixMicros from, UnixMicros to,
                                    std::chrono::steady_clock::time_point deadline);

    /// Window state memory of every organization and environment together.
    rules::AggregateStore::Stats AggregateStats() const;

    /// Drops window state that left every window (AggregateStore::Sweep on every store). Waits for
    /// the writer's open group, so no staged change is swept. For the server's upkeep timer.
    void Sweep();

    // ingest::Decider
    Result<void> Decide(storage::Transaction& tx, ingest::PendingWrite& item,
                        std::vector<ingest::RaisedAlert>* alerts) override;
    void GroupCommitted() override;
    void GroupAborted() override;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// A view of an ingest::Transaction for the rules language (no copies; `transaction` must outlive
/// the view). `received_at` stands in for a missing occurred_at.
rules::TransactionView ViewOf(const ingest::Transaction& transaction, UnixMicros received_at);

}  // namespace wt::engine
