// SPDX-License-Identifier: Apache-2.0
/// The group-commit writer of ingestion (ARCHITECTURE.md "Request paths", step 5).
///
/// One thread owns every transaction insert. Requests queue their items; whenever the thread is
/// free it takes everything queued (up to `max_group_items`), applies it in ONE storage write
/// transaction — one fsync for many requests — and only after the commit completes each
/// request. There is no fixed commit window: under light load a group is one request, under heavy
/// load groups grow by themselves.
///
/// Idempotency is decided here, inside the write transaction, so it is exact: per organization and
/// environment, an item whose idempotency key is stored with the same fingerprint is a replay (the
/// stored answer, `replayed`), with another fingerprint `kIdempotencyConflict`; a new key whose
/// external_id is stored is `kConflict`. Two duplicates in one group see each other (the second
/// reads the first's uncommitted row), and duplicates in later groups read committed rows, so a
/// transaction is never stored twice, whatever the number of connections sending it.
///
/// Failure: a storage error fails the whole group with kUnavailable (503) and nothing of it is
/// acknowledged; a request's items are answered only after the transaction holding them committed.
///
/// Threading: `Submit` is thread-safe; completions run on the writer thread (callers post them to
/// their own executor). `Stop` drains what is queued, then joins.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "ingest/transaction.hpp"
#include "storage/database.hpp"

namespace wt::ingest {

/// One transaction to store, with what the ingestion request decided about it.
struct PendingWrite {
    std::string org_id;
    std::string environment;  // "sandbox" | "production" (from the API key)
    std::string api_key_id;
    std::string idempotency_key;  // the Idempotency-Key header, or the external_id
    Transaction transaction;
    std::string fingerprint;  // transaction.Fingerprint()
    UnixMicros received_at = 0;
    std::string decision = "allow";
    int score = 0;
    /// The id the row gets if it is stored. Set by `Submit`, on the caller's thread (id generation
    /// draws randomness, which the one writer thread should not spend time on), in queue order.
    std::string id;
};

/// An alert raised for a transaction (API.md "Answer 201", `alerts`).
struct RaisedAlert {
    std::string id;
    std::string rule_id;
    std::string rule_name;
    std::string severity;
};

/// The stored answer of one transaction (API.md "Answer 201").
struct Written {
    std::string id;
    std::string external_id;
    std::string environment;
    std::string decision;
    int score = 0;
    UnixMicros received_at = 0;
    bool replayed = false;  // an earlier request stored it: answer 200 with Idempotent-Replayed
    std::vector<RaisedAlert> alerts;
};

/// The rules engine's place in the writer (ARCHITECTURE.md "Request paths", steps 4-5). Every
/// call runs on the writer thread, in commit order, so a rule sees every transaction queued
/// before its own, committed or in its group, and none after: evaluation is serializable.
class Decider {
  public:
    virtual ~Decider() = default;
    /// Called for each NEW item (idempotency already checked), inside the group's write
    /// transaction, before the item's row is inserted: sets `item.decision` and `item.score`,
    /// writes the rule hits and alerts through `tx`, fills `alerts`, and stages the item's effect
    /// on in-memory state (aggregate windows). An error fails the whole group.
    virtual Result<void> Decide(storage::Transaction& tx, PendingWrite& item, std::vector<RaisedAlert>* alerts) = 0;
    /// The group's transaction committed: staged effects become permanent.
    virtual void GroupCommitted() = 0;
    /// The group's transaction failed: every staged effect since the last commit is undone, so a
    /// transaction that was not stored leaves no trace.
    virtual void GroupAborted() = 0;
};

/// One transaction of a group that was stored by it (not a replay, not refused), as the observers
/// see it: the item with its decision and the alerts raised for it.
struct StoredItem {
    const PendingWrite& item;
    const Written& written;
};

/// Sees every group inside its write transaction, after its items were applied and before the
/// commit: what it writes through `tx` commits (or fails) with the transactions themselves, so a
/// rollup or an outbox row can never disagree with what was acknowledged. Runs on the writer
/// thread; keep it to a few statements per group (aggregate in memory first).
class GroupObserver {
  public:
    virtual ~GroupObserver() = default;
    /// An error fails the whole group (nothing of it is acknowledged).
    virtual Result<void> BeforeCommit(storage::Transaction& tx, std::span<const StoredItem> stored) = 0;
    /// The group committed (e.g. wake a deliverer). Not called for a failed group.
    virtual void AfterCommit() {}
};

class Writer {
  public:
    struct Options {
        std::size_t max_group_items = 2000;
        /// Items waiting at most (not counting the group being written). A request that would go
        /// beyond is answered at once with kUnavailable (503, Retry-After) instead of queueing:
        /// memory and latency stay bounded when clients send faster than storage commits.
        std::size_t max_queued_items = 100'000;
        /// Decides each new transaction; nullptr: every decision is `allow` with score 0.
        Decider* decider = nullptr;
        /// Called for every group with at least one stored item, in this order.
        std::vector<GroupObserver*> observers;
    };
    /// Called once per Submit, on the writer thread, with one result per item in order.
    using Completion = std::function<void(std::vector<Result<Written>>)>;

    /// Starts the writer thread. `db` must outlive the writer.
    Writer(storage::Database& db, Options options);
    Writer(storage::Database& db) : Writer(db, Options{}) {}
    ~Writer();  // Stop()
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    /// Queues `items` (all of one request). After Stop, or when the queue is full
    /// (Options::max_queued_items), completes at once with kUnavailable.
    void Submit(std::vector<PendingWrite> items, Completion done);

    /// Finishes everything queued, then stops the thread. Idempotent.
    void Stop();

    /// Groups committed and items written so far (for metrics and tests).
    std::uint64_t groups_committed() const;
    std::uint64_t items_committed() const;

  private:
    struct Request {
        std::vector<PendingWrite> items;
        Completion done;
    };
    void Run();
    void ApplyGroup(std::vector<Request>& group);

    storage::Database& db_;
    Options options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Request> queue_;  // GUARDED_BY(mutex_)
    std::size_t queued_items_ = 0;  // GUARDED_BY(mutex_): items in queue_
    bool stopping_ = false;      // GUARDED_BY(mutex_)
    std::uint64_t groups_ = 0;   // GUARDED_BY(mutex_)
    std::uint64_t items_ = 0;    // GUARDED_BY(mutex_)
    std::thread thread_;
};

}  // namespace wt::ingest
