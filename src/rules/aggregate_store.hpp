// SPDX-License-Identifier: Apache-2.0
/// `AggregateStore`: the in-memory window state behind the rules language's aggregates
/// (`count(by: account_id, window: 1h)` ...) for one organization and environment.
///
/// Every accepted transaction is recorded once (`Record`); a rule asks for the value of one of its
/// aggregates over the history before the current transaction (`Query`). Each distinct aggregate
/// (equal `AggregateSpec::canonical` texts share one state, whatever rule wrote them) keeps, per
/// key (the text AggregateKey writes), either:
/// - exact state (windows up to `Options::exact_window_limit_micros`): the events (occurred_at,
///   value) sorted by occurred_at; a query counts exactly the events in (T - window, T];
/// - bucketed state (longer windows): per-bucket count/sum/min/max (and distinct values per
///   bucket), buckets of `window / Options::buckets_per_window` rounded to whole minutes (at least
///   one minute); bucket(t) = floor(t / width); a query takes the buckets whose index lies in
///   (bucket(T - window), bucket(T)], so each edge of the window is exact to one bucket
///   (documented in docs/rules-language.md "Aggregates").
///
/// What an event holds: `count` keeps every transaction that passes the filter and has a key;
/// `sum`/`avg`/`min`/`max` keep only those whose value is a decimal (others cannot contribute);
/// `distinct_count` keeps those whose value is not null, as a 64-bit keyed hash (SipHash-1-3 with a
/// random per-store key) of the value's AppendCanonical text: two different values count as one
/// only on a hash collision, about n^2 / 2^65 for n distinct values in one window (1e-10 for
/// n = 100,000), and the random key keeps anyone from choosing colliding values on purpose.
/// Keys are hashed with the same keyed hash (no hash flooding through chosen account ids).
///
/// Windows run on occurred_at, in any arrival order: an event with a later occurred_at than the
/// current transaction is not in its window. Events at or before the key's newest occurred_at minus
/// (window + `Options::lateness_micros`) may be dropped (lazily, when they are a quarter of the
/// key's events), and a transaction that old is not recorded at all: a transaction arriving later
/// than the lateness sees less history (documented). Keys whose newest event left every window
/// are dropped by `Sweep`. A key holding more than `max_exact_events_per_key` exact events drops
/// its oldest down to 7/8 of the cap (amortising the shift) and counts as truncated.
///
/// Costs (n events of the key in the window): Record is a binary search and an append (an
/// out-of-order event also shifts the later ones); Query is O(log n) for count, sum and avg
/// (prefix sums), O(log n + n / 1024) for min/max (block summaries), O(log d) for distinct_count
/// over d distinct values when the window reaches the key's newest event (a sort of the window's
/// hashes otherwise, e.g. for a late transaction); bucketed queries walk the window's non-empty
/// buckets (at most buckets_per_window + 1) except distinct_count, O(log d) likewise.
///
/// Results are exactly those of a recomputation over the kept events (EvalContext::Aggregate):
/// count and distinct_count are integers, sum is the exact total (0 when empty; null when it
/// leaves the Decimal range), avg is Div(sum, count of values), min/max the extreme value (among
/// values that compare equal but are spelled with different scales, 5.0 vs 5.00, the earliest by
/// occurred_at).
///
/// Staging: `Record` applies at once and appends what it changed to a `Journal`; `Rollback`
/// restores the exact state before the journaled records (a group commit that failed), including
/// keys they created, events they pruned, vector capacities and the store's newest time; `Commit`
/// just forgets the journal.
///
/// Snapshots: `Serialize` writes the whole state into a versioned binary blob and `Restore` puts it
/// back into a store tracking the same aggregates (the engine saves each store periodically and at
/// shutdown, and at start restores it and replays only the transactions stored after it). The
/// restored state is the saved one, down to vector capacities and key-map bucket counts, so it
/// answers, counts (Stats), prunes, sweeps and rolls back exactly like the store that was saved.
///
/// Threading: one writer (Record/RecordInto/Rollback/Commit/Track/Sweep/Restore, each under the
/// exclusive lock, key/filter/value expressions evaluated inside it) and any number of concurrent
/// readers (Query/IsTracked/GetStats/Serialize, under the shared lock); internally synchronised
/// with a std::shared_mutex. Nothing here fails except by std::bad_alloc, and Restore on a blob it
/// refuses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "rules/language.hpp"

namespace wt::rules {

class AggregateStore {
  public:
    struct Options {
        /// Windows up to this length are exact; longer ones are bucketed.
        std::int64_t exact_window_limit_micros = 2 * 24 * kMicrosPerHour;
        int buckets_per_window = 256;
        /// How late (in occurred_at, behind the newest transaction recorded) a transaction may
        /// arrive and still see its full window.
        std::int64_t lateness_micros = 24 * kMicrosPerHour;
        /// Exact events kept per key and aggregate at most; beyond this the oldest are dropped
        /// (counted in Stats::truncated_keys).
        std::size_t max_exact_events_per_key = 100'000;
    };

    /// A tracked aggregate: index into the store's table (stable for the store's life).
    using SpecId = std::uint32_t;

    /// One undo log of staged records.
    class Journal {
      public:
        Journal();
        ~Journal();
        Journal(Journal&&) noexcept;
        Journal& operator=(Journal&&) noexcept;
        /// True when Rollback would change nothing (no Record has used this journal since it was
        /// created, rolled back or committed).
        bool empty() const;

      private:
        friend class AggregateStore;
        struct Entry;
        std::vector<Entry> entries_;
        bool started_ = false;          // a Record used this journal
        UnixMicros newest_before_ = 0;  // the store's newest occurred_at before the first Record
    };

    struct Stats {
        std::size_t aggregates = 0;      // tracked specs
        std::size_t keys = 0;            // (spec, key) pairs with state
        std::size_t bytes = 0;           // approximate heap bytes of all state
        std::size_t events = 0;          // exact events held
        std::size_t buckets = 0;         // non-empty buckets held
        std::size_t truncated_keys = 0;  // keys that hit max_exact_events_per_key
        double bytes_per_key() const { return keys ? static_cast<double>(bytes) / keys : 0.0; }
    };

    explicit AggregateStore(Options options);
    AggregateStore() : AggregateStore(Options{}) {}
    ~AggregateStore();
    AggregateStore(const AggregateStore&) = delete;
    AggregateStore& operator=(const AggregateStore&) = delete;

    /// Tracks `rule.aggregates()[spec_index]` (the rule is kept to evaluate key, filter and
    /// value). A spec whose canonical text is already tracked answers the existing id. A newly
    /// tracked spec starts empty: the caller backfills it by recording history with
    /// `RecordInto`.
    SpecId Track(const CompiledRule& rule, std::size_t spec_index);
    /// Whether a spec with this canonical text is tracked. When it is not, `Track` creates empty
    /// state that the caller must backfill.
    bool IsTracked(const AggregateSpec& spec) const;

    /// Records one stored transaction into every tracked aggregate whose filter it passes and
    /// whose key it has. `context` serves lists/time zone to key, filter and value expressions.
    /// `journal` (optional) receives the undo information.
    void Record(const TransactionView& transaction, EvalContext& context, Journal* journal);
    /// Records into one aggregate only (backfilling a newly tracked spec). Not journaled.
    void RecordInto(SpecId spec, const TransactionView& transaction, EvalContext& context);

    /// The aggregate's value for `key` over (occurred_at - window, occurred_at], as
    /// EvalContext::Aggregate specifies (count/distinct_count integers; sum 0 when empty;
    /// avg/min/max null when empty). Bucketed specs answer over whole buckets (see above). An
    /// unknown spec id answers null. Does not allocate, except that distinct_count grows a
    /// per-thread scratch vector to the largest window it has seen.
    Value Query(SpecId spec, std::string_view key, UnixMicros occurred_at) const;

    /// Undoes every Record made with `journal` since it was created or last committed/rolled back,
    /// newest first, and empties the journal. REQUIRES: no Sweep or RecordInto since those
    /// records, and the journals of later records already rolled back or committed.
    void Rollback(Journal& journal);
    /// Keeps the journaled records and empties the journal.
    void Commit(Journal& journal);

    /// Drops events and keys that left every window, relative to the newest occurred_at recorded
    /// (minus lateness), and gives back vector capacity that is more than twice what is used.
    /// Call periodically (the engine's upkeep); it walks every key.
    void Sweep();

    /// Counts held state; walks every key (for metrics, not per transaction).
    Stats GetStats() const;

    /// Appends the whole state to *out in a versioned binary format: the options, the store's newest
    /// time and hash key, and per tracked aggregate its canonical text and every key's state. Takes
    /// the shared lock (consistent with concurrent readers; the caller keeps writers out). Writes
    /// about the bytes the state holds (Stats::bytes minus what is derived: prefix sums, min/max
    /// summaries, the sorted distinct times), at memory speed.
    ///
    /// Format (version 1, little endian, no padding; each count is bounded by what is left of the
    /// blob when read): "WTAGSNAP", u32 version, u32 0, the four Options as 64-bit integers, i64
    /// newest, u64 k0, u64 k1, u64 aggregate count, then per aggregate: u64 bytes of the rest of its
    /// record (so an untracked one is skipped whole), u32 length + canonical text, u8 function, u8
    /// bucketed, u16 0, i64 window, i64 bucket width, u64 keys, u64 key-map bucket count, and per key
    /// u32 length + key text, i64 newest, u8 flags (1 truncated, 2 prefix sums valid), u64 events or
    /// buckets, u64 distinct values, u64 capacity of each vector the aggregate uses, then the columns
    /// in bulk (times; decimal mantissas as i128 then scales as u8; the first prefix sum; value
    /// hashes; (hash, newest time) pairs) or the buckets (index, count, overflow, sum/min/max when the
    /// aggregate keeps values, distinct hashes with their vector's capacity). Trailer: u64 XXH64
    /// (seed 0) of everything before it.
    void Serialize(std::string* out) const;

    /// Restores aggregates saved by Serialize into the aggregates tracked NOW whose canonical text is
    /// equal (aggregates in the blob no longer tracked are skipped; tracked ones absent from the blob
    /// stay as they are, and are not in the answer); a restored aggregate's state replaces what it
    /// held. Answers the ids restored, ascending. The store's newest time becomes the later of its
    /// own and the blob's.
    ///
    /// The store adopts the blob's hash key: distinct_count keeps only keyed hashes of its values,
    /// which cannot be recomputed without the values, so the saved hashes stay valid only under the
    /// saved key (key maps of aggregates not restored are rebuilt under it). Hence a tracked
    /// distinct_count aggregate absent from the blob that already holds state under a different
    /// key makes Restore fail (never the case at the engine's start, where the store is empty).
    ///
    /// A blob that is corrupt (checksum, or any length, order or value out of its invariants),
    /// truncated, of another format version, or saved with different Options is kValidationFailed
    /// and leaves the store exactly as it was: everything is parsed and validated first (under the
    /// shared lock), then swapped in under the exclusive lock. Every length read is bounded by the
    /// bytes left, so no blob crashes the store or makes it allocate much more than the blob's size
    /// (vector capacities beyond the sizes are restored within a budget of 8 times the blob's size
    /// plus 1 MiB, which real stores stay within; past it they are tight, which changes only
    /// Stats::bytes).
    /// REQUIRES: no uncommitted Journal (Rollback would undo into state that is gone).
    [[nodiscard]] Result<std::vector<SpecId>> Restore(std::string_view blob);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wt::rules
