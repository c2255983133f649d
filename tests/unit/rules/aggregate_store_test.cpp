// SPDX-License-Identifier: Apache-2.0
// AggregateStore against a brute-force recomputation (test_context.hpp): seeded random streams
// with out-of-order times inside the lateness, events exactly on the window edges, null keys,
// multi-part keys and filters, short (exact) and long (bucketed) windows; plus rebuilds in
// shuffled order, journal rollback, Sweep and the per-key event cap; snapshots (Serialize/Restore)
// round-tripped, restored into other sets of specs, and corrupted byte by byte.
#include "rules/aggregate_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "snapshot_forge.hpp"
#include "test_context.hpp"

namespace wt::rules {
namespace {

using testing::BruteForceContext;
using testing::Reseal;
using testing::ViewOf;

constexpr UnixMicros kStart = 1'767'225'600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kMinute = kMicrosPerMinute;
constexpr std::int64_t kLateness = 30 * kMinute;

// Short windows: exact state (the store's exact limit is 2h in these tests).
const std::vector<std::string> kExactRules = {
    "count(by: account_id, window: 10m) >= 0",
    "sum(amount, by: account_id, window: 1h) >= 0",
    "avg(amount, by: [account_id, counterparty.country], window: 30m, where: direction == \"outbound\") > 0",
    "min(amount, by: customer_id, window: 1h) > 0",
    "max(amount, by: account_id, window: 45m, where: type == \"cash\") > 0",
    "distinct_count(counterparty.country, by: account_id, window: 1h) > 0",
    "distinct_count(metadata.tag, by: account_id, window: 20m) > 0",
    "sum(metadata.score, by: account_id, window: 1h) > 0",
    "avg(metadata.score, by: [account_id, channel], window: 2h, where: amount > 500) > 0",
    "count(by: [account_id, channel], window: 2h, where: amount > 500) > 0",
    "sum(amount, by: account_id, window: 2h, where: currency == \"USD\") > 0",  // one scale: prefix sums
    "avg(amount, by: account_id, window: 30m, where: currency == \"JPY\") > 0",
};
const std::vector<std::int64_t> kExactWindows = {10 * kMinute, 20 * kMinute, 30 * kMinute,
                                                 45 * kMinute, 60 * kMinute, 120 * kMinute};

// Long windows: bucketed (16 buckets per window: 6h -> 23-minute buckets, 1d -> 90, 5h -> 19, 12h -> 45).
const std::vector<std::string> kBucketedRules = {
    "count(by: account_id, window: 6h) >= 0",
    "sum(amount, by: account_id, window: 1d) >= 0",
    "avg(amount, by: [account_id, counterparty.country], window: 5h) > 0",
    "min(amount, by: customer_id, window: 12h, where: direction == \"inbound\") > 0",
    "max(amount, by: account_id, window: 6h) > 0",
    "distinct_count(counterparty.country, by: account_id, window: 12h) > 0",
    "distinct_count(amount, by: customer_id, window: 5h) > 0",  // rarely a repeated value
};
const std::vector<std::int64_t> kBucketedWindows = {5 * 60 * kMinute, 6 * 60 * kMinute, 12 * 60 * kMinute,
                                                    24 * 60 * kMinute};

AggregateStore::Options TestOptions() {
    AggregateStore::Options options;
    options.exact_window_limit_micros = 2 * kMicrosPerHour;
    options.buckets_per_window = 16;
    options.lateness_micros = kLateness;
    return options;
}

/// The store's bucket width, computed independently: window / 16 to the nearest minute.
std::int64_t WidthOf(const AggregateSpec& spec) {
    std::int64_t per_bucket = spec.window_micros / 16;
    return std::max<std::int64_t>(1, (per_bucket + kMinute / 2) / kMinute) * kMinute;
}

std::vector<CompiledRule> CompileAll(const std::vector<std::string>& sources) {
    std::vector<CompiledRule> rules;
    for (const std::string& source : sources) {
        auto rule = Compile(source);
        EXPECT_TRUE(rule.ok()) << source << ": " << (rule.ok() ? "" : rule.error().fields[0].message);
        if (rule.ok()) rules.push_back(*rule);
    }
    return rules;
}

/// A seeded stream of transactions: a few accounts (so keys collect many events), optional
/// customer/country/channel (null keys), three currency exponents (mixed decimal scales), metadata
/// of varying JSON types. Times advance with the stream; some arrive late (within the lateness),
/// some land exactly one window after an earlier event of the same account, some repeat a time.
class StreamMaker {
  public:
    StreamMaker(std::uint32_t seed, std::int64_t mean_step, std::vector<std::int64_t> edge_windows)
        : rng_(seed), mean_step_(mean_step), edge_windows_(std::move(edge_windows)) {}

    const ingest::Transaction& Next() {
        clock_ += UniformTime(0, 2 * mean_step_);
        ingest::Transaction txn;
        txn.external_id = "t" + std::to_string(made_.size());
        txn.account_id = "acc-" + std::to_string(Uniform(0, 5));
        if (Uniform(0, 4) != 0) txn.customer_id = "cus-" + std::to_string(Uniform(0, 3));
        static const char* const kCountries[] = {"DE", "FR", "IR", "US", "GB"};
        if (Uniform(0, 5) != 0) txn.counterparty_country = kCountries[Uniform(0, 4)];
        if (Uniform(0, 2) != 0) txn.channel = Uniform(0, 1) ? "web" : "branch";
        static const char* const kCurrencies[] = {"USD", "USD", "USD", "EUR", "JPY", "BHD"};
        txn.currency = kCurrencies[Uniform(0, 5)];
        txn.currency_exponent = txn.currency == "JPY" ? 0 : txn.currency == "BHD" ? 3 : 2;
        txn.amount_minor = Uniform(1, 200'000);
        txn.direction = Uniform(0, 1) ? ingest::Direction::kInbound : ingest::Direction::kOutbound;
        txn.type = Uniform(0, 2) == 0 ? ingest::TransactionType::kCash : ingest::TransactionType::kTransfer;
        switch (Uniform(0, 4)) {
            case 0:
                txn.metadata_json = "{\"tag\":\"x" + std::to_string(Uniform(0, 3)) +
                                    "\",\"score\":" + std::to_string(Uniform(0, 99)) + ".5}";
                break;
            case 1:
                txn.metadata_json = "{\"tag\":" + std::to_string(Uniform(0, 3)) + ",\"score\":\"high\"}";
                break;
            case 2:
                txn.metadata_json = "{\"tag\":true,\"score\":" + std::to_string(Uniform(0, 9)) + "}";
                break;
            case 3:
                txn.metadata_json = "{\"tag\":null}";
                break;
            default:
                txn.metadata_json = "{}";
                break;
        }
        UnixMicros at = clock_;
        const int kind = Uniform(0, 19);
        if (kind < 4) {
            at = clock_ - UniformTime(0, kLateness);  // late, within the lateness
        } else if (kind < 7 && !made_.empty()) {
            // Exactly one window after (or at the same time as) an earlier event of its account, so
            // that event sits on the excluded edge of this one's window.
            const ingest::Transaction& earlier =
                made_[made_.size() - 1 - Uniform(0, std::min<int>(40, made_.size() - 1))];
            const std::int64_t shift = kind == 6 ? 0 : edge_windows_[Uniform(0, edge_windows_.size() - 1)];
            const UnixMicros edge = *earlier.occurred_at + shift;
            if (edge <= clock_ && edge >= clock_ - kLateness) {
                at = edge;
                txn.account_id = earlier.account_id;
                txn.customer_id = earlier.customer_id;
            }
        }
        txn.occurred_at = at;
        made_.push_back(std::move(txn));
        return made_.back();
    }

    UnixMicros clock() const { return clock_; }
    int Uniform(std::int64_t low, std::int64_t high) {
        return static_cast<int>(std::uniform_int_distribution<std::int64_t>(low, high)(rng_));
    }
    std::int64_t UniformTime(std::int64_t low, std::int64_t high) {
        return std::uniform_int_distribution<std::int64_t>(low, high)(rng_);
    }
    const std::deque<ingest::Transaction>& made() const { return made_; }
    std::mt19937& rng() { return rng_; }

  private:
    std::mt19937 rng_;
    std::int64_t mean_step_;
    std::vector<std::int64_t> edge_windows_;
    UnixMicros clock_ = kStart;
    std::deque<ingest::Transaction> made_;  // a deque: views into earlier elements stay valid
};

/// Equal as the store promises: count/sum/avg/distinct_count spelled the same (type, value and
/// scale); min/max equal in value (equal values of different scales may be either spelling).
::testing::AssertionResult SameAnswer(const AggregateSpec& spec, const Value& store, const Value& brute) {
    if (store.type != brute.type)
        return ::testing::AssertionFailure()
               << "store " << FormatValue(store) << " vs brute force " << FormatValue(brute);
    if (store.is_null()) return ::testing::AssertionSuccess();
    const bool by_value = spec.function == AggregateFunction::kMin || spec.function == AggregateFunction::kMax;
    if (by_value ? Compare(store.decimal, brute.decimal) == 0 : FormatValue(store) == FormatValue(brute))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "store " << FormatValue(store) << " vs brute force " << FormatValue(brute);
}

struct Tracked {
    const CompiledRule* rule;
    AggregateStore::SpecId id;
};

std::vector<Tracked> TrackAll(AggregateStore& store, const std::vector<CompiledRule>& rules) {
    std::vector<Tracked> tracked;
    for (const CompiledRule& rule : rules) tracked.push_back({&rule, store.Track(rule, 0)});
    return tracked;
}

/// Compares the store with the brute force for `current`'s keys at time `at`; answers the number
/// of comparisons made.
int CompareAt(const AggregateStore& store, const std::vector<Tracked>& tracked, BruteForceContext& brute,
              TransactionView current, UnixMicros at, const std::string& where) {
    current.occurred_at = at;
    int compared = 0;
    std::string key;
    for (const Tracked& t : tracked) {
        if (!AggregateKey(*t.rule, 0, current, brute, &key)) continue;
        const AggregateSpec& spec = t.rule->aggregates()[0];
        Value expected = brute.Aggregate(*t.rule, 0, key, current);
        Value actual = store.Query(t.id, key, at);
        EXPECT_TRUE(SameAnswer(spec, actual, expected)) << where << " " << spec.canonical << " key " << key;
        ++compared;
    }
    return compared;
}

/// Drops brute-force history no query at or after `now - kLateness` can see (it only speeds the
/// brute force up; every answer is still recomputed from the events themselves).
void TrimHistory(BruteForceContext& brute, UnixMicros now, std::int64_t longest_reach) {
    const UnixMicros oldest_needed = now - kLateness - longest_reach;
    std::erase_if(brute.history, [&](const TransactionView& view) { return view.occurred_at <= oldest_needed; });
}

struct Snapshot {
    std::vector<std::string> answers;
    AggregateStore::Stats stats;
};

/// Every tracked aggregate for every key of the recent transactions, at several times within the
/// lateness: a fingerprint of what the store answers.
/// The keys are those of the 60 transactions before `made[end]`. `deep` adds times long before
/// the lateness (only stores in the very same state must agree there).
Snapshot TakeSnapshot(const AggregateStore& store, const std::vector<Tracked>& tracked, BruteForceContext& context,
                      const std::deque<ingest::Transaction>& made, std::size_t end, UnixMicros now, bool deep = false) {
    Snapshot snapshot;
    snapshot.stats = store.GetStats();
    std::string key;
    const std::size_t from = end > 60 ? end - 60 : 0;
    for (std::size_t index = from; index < end; ++index) {
        TransactionView view = ViewOf(made[index]);
        for (const Tracked& t : tracked) {
            if (!AggregateKey(*t.rule, 0, view, context, &key)) continue;
            for (std::int64_t back :
                 {std::int64_t{0}, 7 * kMinute, kLateness, 3 * kMicrosPerHour, 20 * kMicrosPerHour}) {
                if (back > kLateness && !deep) break;
                snapshot.answers.push_back(key + "@" + std::to_string(back) + "=" +
                                           FormatValue(store.Query(t.id, key, now - back)));
            }
        }
    }
    return snapshot;
}

void ExpectSameStats(const AggregateStore::Stats& a, const AggregateStore::Stats& b) {
    EXPECT_EQ(a.aggregates, b.aggregates);
    EXPECT_EQ(a.keys, b.keys);
    EXPECT_EQ(a.bytes, b.bytes);
    EXPECT_EQ(a.events, b.events);
    EXPECT_EQ(a.buckets, b.buckets);
    EXPECT_EQ(a.truncated_keys, b.truncated_keys);
}

/// Runs a stream through store and brute force, comparing every answer (at the transaction's own
/// time, and at a random earlier time within the lateness).
void RunAgainstBruteForce(const std::vector<std::string>& sources, std::uint32_t seed, int transactions,
                          std::int64_t mean_step, const std::vector<std::int64_t>& windows, bool bucketed) {
    std::vector<CompiledRule> rules = CompileAll(sources);
    ASSERT_EQ(rules.size(), sources.size());
    AggregateStore store(TestOptions());
    std::vector<Tracked> tracked = TrackAll(store, rules);
    BruteForceContext brute;
    if (bucketed)
        brute.in_window = [](const AggregateSpec& spec, UnixMicros past, UnixMicros current) {
            return testing::BucketedWindow(WidthOf(spec))(spec, past, current);
        };
    StreamMaker maker(seed, mean_step, windows);
    const std::int64_t reach = windows.back() + (bucketed ? windows.back() / 8 : 0);
    int compared = 0;
    for (int index = 0; index < transactions; ++index) {
        const ingest::Transaction& txn = maker.Next();
        TransactionView view = ViewOf(txn);
        const std::string where = "seed " + std::to_string(seed) + " txn " + std::to_string(index);
        compared += CompareAt(store, tracked, brute, view, view.occurred_at, where);
        const UnixMicros earlier = maker.clock() - maker.UniformTime(0, kLateness);
        compared += CompareAt(store, tracked, brute, view, earlier, where + " (earlier time)");
        store.Record(view, brute, nullptr);
        brute.history.push_back(view);
        if (index % 50 == 0) TrimHistory(brute, maker.clock(), reach);
        if (::testing::Test::HasFailure()) return;  // one failing stream is enough to read
    }
    EXPECT_GT(compared, transactions * static_cast<int>(sources.size()) / 2);
    AggregateStore::Stats stats = store.GetStats();
    EXPECT_EQ(stats.aggregates, sources.size());
    EXPECT_GT(stats.keys, 0u);
    EXPECT_GT(stats.bytes, stats.keys * 64);
    if (bucketed) {
        EXPECT_GT(stats.buckets, 0u);
        EXPECT_EQ(stats.events, 0u);
    } else {
        EXPECT_GT(stats.events, 0u);
        EXPECT_EQ(stats.buckets, 0u);
    }
}

TEST(AggregateStoreTest, ExactWindowsEqualBruteForce) {
    for (std::uint32_t seed : {1u, 2u, 3u})
        RunAgainstBruteForce(kExactRules, seed, 700, 2 * kMinute, kExactWindows, false);
}

TEST(AggregateStoreTest, ExactWindowsEqualBruteForceWithDenseKeys) {
    // Many events per key and window (steps of seconds): prefix sums, long scans, many late inserts.
    RunAgainstBruteForce(kExactRules, 7, 500, 10 * kMicrosPerSecond, kExactWindows, false);
}

TEST(AggregateStoreTest, BucketedWindowsEqualBucketAwareBruteForce) {
    for (std::uint32_t seed : {11u, 12u})
        RunAgainstBruteForce(kBucketedRules, seed, 500, 5 * kMinute, kBucketedWindows, true);
}

TEST(AggregateStoreTest, BucketedCountIsWithinOneBucketOfExact) {
    std::vector<CompiledRule> rules = CompileAll({"count(by: account_id, window: 6h) >= 0"});
    ASSERT_EQ(rules.size(), 1u);
    AggregateStore store(TestOptions());
    const AggregateStore::SpecId id = store.Track(rules[0], 0);
    const std::int64_t width = 23 * kMinute;  // 6h / 16 = 22.5 minutes, rounded
    BruteForceContext brute;
    StreamMaker maker(21, 3 * kMinute, kBucketedWindows);
    std::string key;
    int differing = 0;
    for (int index = 0; index < 800; ++index) {
        TransactionView view = ViewOf(maker.Next());
        ASSERT_TRUE(AggregateKey(rules[0], 0, view, brute, &key));
        const std::int64_t bucketed = *store.Query(id, key, view.occurred_at).decimal.ToInt64();
        // Exact over (T - w + width, T] <= bucketed <= exact over (T - w, T + width).
        brute.in_window = [&](const AggregateSpec& spec, UnixMicros past, UnixMicros current) {
            return past > current - spec.window_micros + width && past <= current;
        };
        const std::int64_t inner = *brute.Aggregate(rules[0], 0, key, view).decimal.ToInt64();
        brute.in_window = [&](const AggregateSpec& spec, UnixMicros past, UnixMicros current) {
            return past > current - spec.window_micros && past < current + width;
        };
        const std::int64_t outer = *brute.Aggregate(rules[0], 0, key, view).decimal.ToInt64();
        brute.in_window = nullptr;
        const std::int64_t exact = *brute.Aggregate(rules[0], 0, key, view).decimal.ToInt64();
        EXPECT_LE(inner, bucketed) << "txn " << index;
        EXPECT_LE(bucketed, outer) << "txn " << index;
        if (bucketed != exact) ++differing;
        store.Record(view, brute, nullptr);
        brute.history.push_back(view);
    }
    EXPECT_GT(differing, 0);  // the bound is real: bucketing does change some answers
}

TEST(AggregateStoreTest, WindowEdgesStartExcludedEndIncluded) {
    std::vector<CompiledRule> rules =
        CompileAll({"sum(amount, by: account_id, window: 1h) > 0", "count(by: account_id, window: 1d) > 0"});
    ASSERT_EQ(rules.size(), 2u);
    AggregateStore store(TestOptions());
    const AggregateStore::SpecId exact = store.Track(rules[0], 0);
    const AggregateStore::SpecId bucketed = store.Track(rules[1], 0);  // 90-minute buckets
    BruteForceContext context;
    ingest::Transaction txn;
    txn.account_id = "a";
    txn.amount_minor = 100;
    const UnixMicros base = kStart;  // on a 90-minute bucket boundary
    ASSERT_EQ(base % (90 * kMinute), 0);
    for (UnixMicros at : {base, base + 1, base + kMicrosPerHour}) {
        txn.occurred_at = at;
        store.Record(ViewOf(txn), context, nullptr);
    }
    std::string key;
    ASSERT_TRUE(AggregateKey(rules[0], 0, ViewOf(txn), context, &key));
    // At base + 1h: base is on the excluded start, base + 1 and base + 1h are in.
    EXPECT_EQ(FormatValue(store.Query(exact, key, base + kMicrosPerHour)), "2.00");
    EXPECT_EQ(FormatValue(store.Query(exact, key, base + kMicrosPerHour - 1)), "2.00");  // base+1h not yet
    EXPECT_EQ(FormatValue(store.Query(exact, key, base)), "1.00");                       // only base itself
    EXPECT_EQ(FormatValue(store.Query(exact, key, base - 1)), "0");
    EXPECT_EQ(FormatValue(store.Query(exact, key, base + kMicrosPerHour + 1)), "1.00");
    // Bucketed: a query sees whole buckets, so the later event in the current bucket counts too.
    const std::int64_t width = 90 * kMinute;
    const UnixMicros bucket_end = (testing::BucketOf(base + kMicrosPerHour, width) + 1) * width;
    EXPECT_EQ(FormatValue(store.Query(bucketed, key, bucket_end - 1)), "3");
    EXPECT_EQ(FormatValue(store.Query(bucketed, key, base + kMicrosPerHour)), "3");
    EXPECT_EQ(FormatValue(store.Query(bucketed, key, base)), "3");
    EXPECT_EQ(FormatValue(store.Query(bucketed, key, base - 1)), "0");
    EXPECT_EQ(FormatValue(store.Query(bucketed, key, base + 24 * kMicrosPerHour - 1)), "3");
    EXPECT_EQ(FormatValue(store.Query(bucketed, key, base + 24 * kMicrosPerHour)), "0");  // its bucket left
}

TEST(AggregateStoreTest, RebuildInShuffledOrderAnswersTheSame) {
    std::vector<CompiledRule> rules = CompileAll(kExactRules);
    std::vector<CompiledRule> long_rules = CompileAll(kBucketedRules);
    rules.insert(rules.end(), long_rules.begin(), long_rules.end());
    AggregateStore original(TestOptions());
    std::vector<Tracked> tracked = TrackAll(original, rules);
    BruteForceContext context;
    StreamMaker maker(31, 3 * kMinute, kExactWindows);
    for (int index = 0; index < 1200; ++index) original.Record(ViewOf(maker.Next()), context, nullptr);

    std::vector<TransactionView> history;
    for (const ingest::Transaction& txn : maker.made()) history.push_back(ViewOf(txn));
    std::shuffle(history.begin(), history.end(), maker.rng());
    AggregateStore rebuilt(TestOptions());
    std::vector<Tracked> rebuilt_tracked = TrackAll(rebuilt, rules);
    // Half through Record, half through RecordInto (the backfill path).
    for (std::size_t index = 0; index < history.size(); ++index) {
        if (index % 2 == 0) {
            rebuilt.Record(history[index], context, nullptr);
        } else {
            for (const Tracked& t : rebuilt_tracked) rebuilt.RecordInto(t.id, history[index], context);
        }
    }
    Snapshot a = TakeSnapshot(original, tracked, context, maker.made(), maker.made().size(), maker.clock());
    Snapshot b = TakeSnapshot(rebuilt, rebuilt_tracked, context, maker.made(), maker.made().size(), maker.clock());
    ASSERT_GT(a.answers.size(), 100u);
    EXPECT_EQ(a.answers, b.answers);
}

TEST(AggregateStoreTest, RollbackRestoresExactlyTheStateBefore) {
    std::vector<CompiledRule> rules = CompileAll(kExactRules);
    std::vector<CompiledRule> long_rules = CompileAll(kBucketedRules);
    rules.insert(rules.end(), long_rules.begin(), long_rules.end());
    AggregateStore::Options options = TestOptions();
    options.max_exact_events_per_key = 12;  // so batches also truncate keys
    AggregateStore store(options);
    AggregateStore reference(options);  // never journaled
    std::vector<Tracked> tracked = TrackAll(store, rules);
    std::vector<Tracked> reference_tracked = TrackAll(reference, rules);
    BruteForceContext context;
    StreamMaker maker(41, kMinute, kExactWindows);
    auto both = [&](int count) {
        for (int index = 0; index < count; ++index) {
            TransactionView view = ViewOf(maker.Next());
            store.Record(view, context, nullptr);
            reference.Record(view, context, nullptr);
        }
    };
    both(300);
    for (int round = 0; round < 6; ++round) {
        const std::size_t before_count = maker.made().size();
        const UnixMicros before_clock = maker.clock();
        Snapshot before = TakeSnapshot(store, tracked, context, maker.made(), before_count, before_clock, true);
        AggregateStore::Journal journal;
        EXPECT_TRUE(journal.empty());
        // A batch: the last round jumps far ahead (new keys, and the old events and buckets of
        // existing keys expire).
        const int batch = 20 + 40 * round;
        for (int index = 0; index < batch; ++index) {
            ingest::Transaction& txn = const_cast<ingest::Transaction&>(maker.Next());
            if (round == 5) {
                *txn.occurred_at += 8 * kMicrosPerHour;
                if (index % 2 == 1) txn.account_id += "-new";
            }
            store.Record(ViewOf(txn), context, &journal);
        }
        EXPECT_FALSE(journal.empty());
        store.Rollback(journal);
        EXPECT_TRUE(journal.empty());
        Snapshot after = TakeSnapshot(store, tracked, context, maker.made(), before_count, before_clock, true);
        EXPECT_EQ(before.answers, after.answers) << "round " << round;
        ExpectSameStats(before.stats, after.stats);
        // The same as the reference, which never saw the batch, down to what Sweep drops (it
        // depends on the store's newest time, which the rollback restores too).
        store.Sweep();
        reference.Sweep();
        Snapshot swept = TakeSnapshot(store, tracked, context, maker.made(), before_count, before_clock, true);
        Snapshot reference_swept =
            TakeSnapshot(reference, reference_tracked, context, maker.made(), before_count, before_clock, true);
        EXPECT_EQ(swept.answers, reference_swept.answers) << "round " << round;
        ExpectSameStats(swept.stats, reference_swept.stats);
        // The rolled-back store goes on exactly like one that never saw the batch: both record the
        // batch for real (the shifted batch included) and must agree.
        AggregateStore::Journal committed;
        for (std::size_t index = before_count; index < maker.made().size(); ++index) {
            TransactionView view = ViewOf(maker.made()[index]);
            store.Record(view, context, &committed);
            reference.Record(view, context, nullptr);
        }
        store.Commit(committed);
        EXPECT_TRUE(committed.empty());
        Snapshot mine = TakeSnapshot(store, tracked, context, maker.made(), maker.made().size(), maker.clock());
        Snapshot theirs =
            TakeSnapshot(reference, reference_tracked, context, maker.made(), maker.made().size(), maker.clock());
        EXPECT_EQ(mine.answers, theirs.answers) << "round " << round;
        ExpectSameStats(mine.stats, theirs.stats);
        both(50);
    }
    EXPECT_GT(store.GetStats().truncated_keys, 0u);
}

TEST(AggregateStoreTest, RollbackOfFirstRecordsLeavesAnEmptyStore) {
    std::vector<CompiledRule> rules = CompileAll(kExactRules);
    AggregateStore store(TestOptions());
    std::vector<Tracked> tracked = TrackAll(store, rules);
    const AggregateStore::Stats empty = store.GetStats();
    BruteForceContext context;
    StreamMaker maker(51, kMinute, kExactWindows);
    AggregateStore::Journal journal;
    for (int index = 0; index < 100; ++index) store.Record(ViewOf(maker.Next()), context, &journal);
    EXPECT_GT(store.GetStats().keys, 0u);
    store.Rollback(journal);
    ExpectSameStats(store.GetStats(), empty);
    EXPECT_EQ(store.GetStats().keys, 0u);
}

TEST(AggregateStoreTest, SweepDropsWhatLeftEveryWindowAndKeepsAnswers) {
    std::vector<CompiledRule> rules = CompileAll(kExactRules);
    std::vector<CompiledRule> long_rules = CompileAll(kBucketedRules);
    rules.insert(rules.end(), long_rules.begin(), long_rules.end());
    AggregateStore store(TestOptions());
    std::vector<Tracked> tracked = TrackAll(store, rules);
    BruteForceContext context;
    StreamMaker maker(61, 40 * kMicrosPerSecond, kExactWindows);
    // A key that goes quiet early: it must be swept once it left every window.
    ingest::Transaction quiet;
    quiet.account_id = "quiet";
    quiet.amount_minor = 5;
    quiet.occurred_at = kStart;
    store.Record(ViewOf(quiet), context, nullptr);
    for (int index = 0; index < 3000; ++index) store.Record(ViewOf(maker.Next()), context, nullptr);
    ASSERT_GT(maker.clock() - kStart, 24 * kMicrosPerHour + 2 * kLateness);  // past the longest window

    Snapshot before = TakeSnapshot(store, tracked, context, maker.made(), maker.made().size(), maker.clock());
    store.Sweep();
    Snapshot after = TakeSnapshot(store, tracked, context, maker.made(), maker.made().size(), maker.clock());
    EXPECT_EQ(before.answers, after.answers);
    EXPECT_LT(after.stats.keys, before.stats.keys);
    EXPECT_LT(after.stats.events, before.stats.events);
    EXPECT_LT(after.stats.bytes, before.stats.bytes);
    std::string key;
    for (const Tracked& t : tracked) {
        if (!AggregateKey(*t.rule, 0, ViewOf(quiet), context, &key)) continue;
        EXPECT_EQ(FormatValue(store.Query(t.id, key, maker.clock())),
                  FormatValue(store.Query(t.id, "no such key", maker.clock())));
    }
    // Everything leaves once time moves past every window.
    ingest::Transaction later;
    later.account_id = "later";
    later.amount_minor = 1;
    later.occurred_at = maker.clock() + 48 * kMicrosPerHour;
    later.customer_id = "c";
    store.Record(ViewOf(later), context, nullptr);
    store.Sweep();
    const AggregateStore::Stats stats = store.GetStats();
    EXPECT_LE(stats.keys, tracked.size());  // only "later"'s keys remain
    EXPECT_GE(stats.keys, 1u);
    EXPECT_LE(stats.events, tracked.size());
}

TEST(AggregateStoreTest, EventCapDropsTheOldestAndCountsTruncatedKeys) {
    std::vector<CompiledRule> rules =
        CompileAll({"count(by: account_id, window: 1d) > 0", "sum(amount, by: account_id, window: 1d) > 0"});
    ASSERT_EQ(rules.size(), 2u);
    AggregateStore::Options options = TestOptions();
    options.exact_window_limit_micros = 2 * 24 * kMicrosPerHour;  // 1d is exact here
    options.max_exact_events_per_key = 16;
    AggregateStore store(options);
    const AggregateStore::SpecId count_id = store.Track(rules[0], 0);
    const AggregateStore::SpecId sum_id = store.Track(rules[1], 0);
    BruteForceContext context;
    std::deque<std::int64_t> model;  // amounts kept, oldest first: beyond 16, down to 14
    ingest::Transaction txn;
    txn.account_id = "busy";
    std::string key;
    for (int index = 0; index < 100; ++index) {
        txn.occurred_at = kStart + index * kMinute;
        txn.amount_minor = index + 1;
        store.Record(ViewOf(txn), context, nullptr);
        model.push_back(index + 1);
        if (model.size() > 16)
            model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(model.size() - 14));
        ASSERT_TRUE(AggregateKey(rules[0], 0, ViewOf(txn), context, &key));
        std::int64_t total = 0;
        for (std::int64_t amount : model) total += amount;
        EXPECT_EQ(FormatValue(store.Query(count_id, key, *txn.occurred_at)), std::to_string(model.size()));
        EXPECT_EQ(store.Query(sum_id, key, *txn.occurred_at).decimal.mantissa(), total);
    }
    EXPECT_EQ(store.GetStats().truncated_keys, 2u);
    EXPECT_LE(store.GetStats().events, 32u);
}

TEST(AggregateStoreTest, MinMaxAndSumOverThousandsOfEventsInOneKey) {
    // One hot key with ~3,600 events in its window: min/max through block and superblock
    // summaries, sum through prefix sums with two decimal scales, all with late inserts and a
    // rolled-back batch in the middle.
    std::vector<CompiledRule> rules =
        CompileAll({"min(amount, by: account_id, window: 1h) > 0", "max(amount, by: account_id, window: 1h) > 0",
                    "sum(amount, by: account_id, window: 50m) > 0"});
    ASSERT_EQ(rules.size(), 3u);
    AggregateStore store(TestOptions());
    std::vector<Tracked> tracked = TrackAll(store, rules);
    BruteForceContext brute;
    std::mt19937 rng(71);
    std::deque<ingest::Transaction> made;
    auto make = [&](UnixMicros at) -> TransactionView {
        ingest::Transaction& txn = made.emplace_back();
        txn.account_id = "hot";
        txn.amount_minor = std::uniform_int_distribution<std::int64_t>(1, 1'000'000)(rng);
        txn.currency_exponent = made.size() % 500 == 0 ? 3 : 2;
        txn.occurred_at = at;
        return ViewOf(txn);
    };
    UnixMicros clock = kStart;
    auto next_time = [&] {
        clock += kMicrosPerSecond;
        return rng() % 5 == 0 ? clock - std::uniform_int_distribution<std::int64_t>(0, kLateness)(rng) : clock;
    };
    for (int index = 0; index < 9000; ++index) {
        TransactionView view = make(next_time());
        if (index % 331 == 0) CompareAt(store, tracked, brute, view, view.occurred_at, "txn " + std::to_string(index));
        store.Record(view, brute, nullptr);
        brute.history.push_back(view);
    }
    ASSERT_GT(store.GetStats().events, 3u * 3000u);
    std::vector<UnixMicros> times;
    for (int probe = 0; probe < 40; ++probe)
        times.push_back(clock - std::uniform_int_distribution<std::int64_t>(0, kLateness)(rng));
    auto answers = [&] {
        std::vector<std::string> out;
        for (UnixMicros at : times)
            for (const Tracked& t : tracked) out.push_back(FormatValue(store.Query(t.id, "s3:hot\x1f", at)));
        return out;
    };
    for (std::size_t probe = 0; probe < 12; ++probe)
        CompareAt(store, tracked, brute, ViewOf(made.back()), times[probe], "probe");
    const std::vector<std::string> before = answers();
    EXPECT_EQ(std::count(before.begin(), before.end(), "null"), 0);
    const AggregateStore::Stats stats_before = store.GetStats();
    AggregateStore::Journal journal;
    const UnixMicros clock_before = clock;
    for (int index = 0; index < 2000; ++index) store.Record(make(next_time()), brute, &journal);
    EXPECT_LT(store.GetStats().events, stats_before.events + 3 * 2000);  // the batch pruned too
    store.Rollback(journal);
    clock = clock_before;
    EXPECT_EQ(answers(), before);
    ExpectSameStats(store.GetStats(), stats_before);
}

TEST(AggregateStoreTest, ReadersQueryWhileTheWriterRecords) {
    // The threading contract: Query and GetStats from other threads during Record, Rollback and
    // Sweep (run under ASan; a data race would show as garbage answers or a crash).
    std::vector<CompiledRule> rules = CompileAll(kExactRules);
    std::vector<CompiledRule> long_rules = CompileAll(kBucketedRules);
    rules.insert(rules.end(), long_rules.begin(), long_rules.end());
    AggregateStore store(TestOptions());
    std::vector<Tracked> tracked = TrackAll(store, rules);
    BruteForceContext context;
    StreamMaker maker(81, kMinute, kExactWindows);
    std::atomic<bool> done = false;
    std::atomic<UnixMicros> now = kStart;
    std::atomic<int> bad = 0;
    auto reader = [&](int seed) {
        std::mt19937 rng(static_cast<std::uint32_t>(seed));
        std::size_t queries = 0;
        while (!done.load() || queries < 1000) {
            const Tracked& t = tracked[rng() % tracked.size()];
            const std::string key = "s5:acc-" + std::to_string(rng() % 6) + "\x1f";
            Value value = store.Query(t.id, key, now.load());
            const AggregateFunction function = t.rule->aggregates()[0].function;
            const bool may_be_null = function == AggregateFunction::kAvg || function == AggregateFunction::kMin ||
                                     function == AggregateFunction::kMax;
            if (!(value.type == Type::kDecimal || (may_be_null && value.is_null()))) ++bad;
            if (++queries % 64 == 0 && store.GetStats().aggregates != tracked.size()) ++bad;
        }
    };
    std::thread first(reader, 1);
    std::thread second(reader, 2);
    for (int batch = 0; batch < 30; ++batch) {
        AggregateStore::Journal journal;
        for (int index = 0; index < 40; ++index) {
            TransactionView view = ViewOf(maker.Next());
            store.Record(view, context, &journal);
            now = maker.clock();
        }
        if (batch % 3 == 2)
            store.Rollback(journal);
        else
            store.Commit(journal);
        if (batch % 10 == 9) store.Sweep();
    }
    done = true;
    first.join();
    second.join();
    EXPECT_EQ(bad.load(), 0);
}

TEST(AggregateStoreTest, EqualSpecsFromDifferentRulesShareOneState) {
    auto first = Compile("count(by: account_id, window: 60m, where: direction == \"outbound\") > 5");
    auto second = Compile("amount > 1 and count ( by:account_id,window:1h , where:(direction=='outbound') ) >= 2");
    auto other = Compile("count(by: account_id, window: 61m, where: direction == \"outbound\") > 5");
    ASSERT_TRUE(first.ok() && second.ok() && other.ok());
    AggregateStore store;
    EXPECT_FALSE(store.IsTracked(first->aggregates()[0]));
    const AggregateStore::SpecId a = store.Track(*first, 0);
    EXPECT_TRUE(store.IsTracked(second->aggregates()[0]));
    EXPECT_FALSE(store.IsTracked(other->aggregates()[0]));
    const AggregateStore::SpecId b = store.Track(*second, 0);
    const AggregateStore::SpecId c = store.Track(*other, 0);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_EQ(store.GetStats().aggregates, 2u);
    // One Record feeds the shared state once: both rules see one event.
    BruteForceContext context;
    ingest::Transaction txn;
    txn.account_id = "a";
    txn.amount_minor = 500;
    txn.direction = ingest::Direction::kOutbound;
    txn.occurred_at = kStart;
    store.Record(ViewOf(txn), context, nullptr);
    std::string key;
    ASSERT_TRUE(AggregateKey(*second, 0, ViewOf(txn), context, &key));
    EXPECT_EQ(FormatValue(store.Query(b, key, kStart)), "1");
    EXPECT_EQ(FormatValue(store.Query(c, key, kStart)), "1");
    EXPECT_TRUE(store.Query(99, key, kStart).is_null());  // unknown id
}

TEST(AggregateStoreTest, TooLateTransactionsAreNotRecorded) {
    std::vector<CompiledRule> rules = CompileAll({"count(by: account_id, window: 1h) > 0"});
    AggregateStore store(TestOptions());
    const AggregateStore::SpecId id = store.Track(rules[0], 0);
    BruteForceContext context;
    ingest::Transaction txn;
    txn.account_id = "a";
    txn.amount_minor = 1;
    txn.occurred_at = kStart + 10 * kMicrosPerHour;
    store.Record(ViewOf(txn), context, nullptr);
    txn.occurred_at = kStart + 10 * kMicrosPerHour - kMicrosPerHour - kLateness;  // exactly on the horizon
    store.Record(ViewOf(txn), context, nullptr);
    txn.occurred_at = kStart + 10 * kMicrosPerHour - kMicrosPerHour - kLateness + 1;  // just inside
    store.Record(ViewOf(txn), context, nullptr);
    EXPECT_EQ(store.GetStats().events, 2u);
    std::string key;
    ASSERT_TRUE(AggregateKey(rules[0], 0, ViewOf(txn), context, &key));
    EXPECT_EQ(FormatValue(store.Query(id, key, kStart + 10 * kMicrosPerHour - kLateness)), "1");
}

// ---------------------------------------------------------------------------------------------
// Snapshots.

std::vector<CompiledRule> AllRules() {
    std::vector<CompiledRule> rules = CompileAll(kExactRules);
    std::vector<CompiledRule> long_rules = CompileAll(kBucketedRules);
    rules.insert(rules.end(), long_rules.begin(), long_rules.end());
    return rules;
}

std::string SerializeOf(const AggregateStore& store) {
    std::string blob;
    store.Serialize(&blob);
    return blob;
}

/// Everything a store shows: its blob (the same store serializes to the same bytes), its Stats and
/// its answers for the recent keys.
struct Observed {
    std::string blob;
    Snapshot snapshot;
};
Observed Observe(const AggregateStore& store, const std::vector<Tracked>& tracked, BruteForceContext& context,
                 const StreamMaker& maker) {
    return {SerializeOf(store),
            TakeSnapshot(store, tracked, context, maker.made(), maker.made().size(), maker.clock(), true)};
}
void ExpectUnchanged(const Observed& before, const Observed& after, const std::string& where) {
    EXPECT_TRUE(before.blob == after.blob) << where;
    EXPECT_EQ(before.snapshot.answers, after.snapshot.answers) << where;
    ExpectSameStats(before.snapshot.stats, after.snapshot.stats);
}

TEST(AggregateStoreSnapshotTest, RoundTripAnswersAndGoesOnLikeTheOriginal) {
    std::vector<CompiledRule> rules = AllRules();
    AggregateStore::Options options = TestOptions();
    options.max_exact_events_per_key = 40;  // truncated keys too
    AggregateStore original(options);
    std::vector<Tracked> tracked = TrackAll(original, rules);
    BruteForceContext context;
    StreamMaker maker(91, 40 * kMicrosPerSecond, kExactWindows);
    for (int index = 0; index < 2500; ++index) {
        original.Record(ViewOf(maker.Next()), context, nullptr);
        if (index == 1200) original.Sweep();  // capacities left loose by drops, then shrunk
    }
    {
        AggregateStore::Journal journal;  // leaves restored vector capacities behind
        for (int index = 0; index < 30; ++index) original.Record(ViewOf(maker.Next()), context, &journal);
        original.Rollback(journal);
    }
    ASSERT_GT(original.GetStats().truncated_keys, 0u);

    const std::string blob = SerializeOf(original);
    // Tracked in the reverse order: the ids differ from the original's, the canonical texts match.
    AggregateStore restored(options);
    for (auto rule = rules.rbegin(); rule != rules.rend(); ++rule) restored.Track(*rule, 0);
    std::vector<Tracked> restored_tracked = TrackAll(restored, rules);  // Track answers the existing ids
    auto ids = restored.Restore(blob);
    ASSERT_TRUE(ids.ok()) << ids.error().fields[0].message;
    std::vector<AggregateStore::SpecId> expected_ids;
    for (const Tracked& t : restored_tracked) expected_ids.push_back(t.id);
    std::sort(expected_ids.begin(), expected_ids.end());
    EXPECT_EQ(*ids, expected_ids);

    auto expect_same = [&](const std::string& where) {
        Snapshot a = TakeSnapshot(original, tracked, context, maker.made(), maker.made().size(), maker.clock(), true);
        Snapshot b =
            TakeSnapshot(restored, restored_tracked, context, maker.made(), maker.made().size(), maker.clock(), true);
        ASSERT_GT(a.answers.size(), 500u);
        EXPECT_EQ(a.answers, b.answers) << where;
        ExpectSameStats(a.stats, b.stats);
    };
    expect_same("restored");
    // Serialize appends; the restored store's blob has the original's size (the key order may differ).
    std::string appended = "head";
    restored.Serialize(&appended);
    EXPECT_EQ(appended.size(), 4 + blob.size());
    EXPECT_EQ(appended.substr(0, 4), "head");

    // Both go on with the same stream: a rolled-back batch, committed batches, Sweeps, and a jump
    // far ahead (new keys, old state expiring). distinct_count agreeing here means the restored
    // store hashes new values under the saved key.
    for (int round = 0; round < 5; ++round) {
        const std::size_t before_count = maker.made().size();
        AggregateStore::Journal journal_a;
        AggregateStore::Journal journal_b;
        for (int index = 0; index < 60; ++index) {
            ingest::Transaction& txn = const_cast<ingest::Transaction&>(maker.Next());
            if (round == 4) {
                *txn.occurred_at += 8 * kMicrosPerHour;
                if (index % 2 == 1) txn.account_id += "-new";
            }
            original.Record(ViewOf(txn), context, &journal_a);
            restored.Record(ViewOf(txn), context, &journal_b);
        }
        expect_same("batch of round " + std::to_string(round));
        original.Rollback(journal_a);
        restored.Rollback(journal_b);
        expect_same("rolled back in round " + std::to_string(round));
        for (std::size_t index = before_count; index < maker.made().size(); ++index) {
            original.Record(ViewOf(maker.made()[index]), context, nullptr);
            restored.Record(ViewOf(maker.made()[index]), context, nullptr);
        }
        for (int index = 0; index < 100; ++index) {
            TransactionView view = ViewOf(maker.Next());
            original.Record(view, context, nullptr);
            restored.Record(view, context, nullptr);
        }
        if (round % 2 == 1) {
            original.Sweep();
            restored.Sweep();
        }
        expect_same("round " + std::to_string(round));
        if (::testing::Test::HasFailure()) return;
    }
}

TEST(AggregateStoreSnapshotTest, RestoresIntoASubsetAndASupersetOfTheSpecs) {
    std::vector<CompiledRule> rules = AllRules();
    AggregateStore original(TestOptions());
    std::vector<Tracked> tracked = TrackAll(original, rules);
    BruteForceContext context;
    StreamMaker maker(92, kMinute, kExactWindows);
    for (int index = 0; index < 800; ++index) original.Record(ViewOf(maker.Next()), context, nullptr);
    const std::string blob = SerializeOf(original);
    auto snapshot_of = [&](const AggregateStore& store, const std::vector<Tracked>& which) {
        return TakeSnapshot(store, which, context, maker.made(), maker.made().size(), maker.clock(), true).answers;
    };

    // A subset: every other spec. The others in the blob are skipped.
    {
        std::vector<CompiledRule> some;
        std::vector<Tracked> original_some;
        for (std::size_t rule_idx = 0; rule_idx < rules.size(); rule_idx += 2) {
            some.push_back(rules[rule_idx]);
            original_some.push_back(tracked[rule_idx]);
        }
        AggregateStore subset(TestOptions());
        std::vector<Tracked> subset_tracked = TrackAll(subset, some);
        auto ids = subset.Restore(blob);
        ASSERT_TRUE(ids.ok()) << ids.error().fields[0].message;
        EXPECT_EQ(ids->size(), some.size());
        EXPECT_EQ(snapshot_of(subset, subset_tracked), snapshot_of(original, original_some));
        EXPECT_EQ(subset.GetStats().aggregates, some.size());
    }

    // A superset: two specs the blob does not have, one with state of its own (it stays), one
    // distinct_count left empty (so the store may adopt the blob's hash key).
    std::vector<CompiledRule> extra = CompileAll(
        {"count(by: account_id, window: 15m) > 0", "distinct_count(channel, by: customer_id, window: 40m) > 0"});
    ASSERT_EQ(extra.size(), 2u);
    {
        AggregateStore superset(TestOptions());
        std::vector<Tracked> superset_tracked = TrackAll(superset, rules);
        std::vector<Tracked> extra_tracked = TrackAll(superset, extra);
        for (std::size_t index = 0; index < 300; ++index)
            superset.RecordInto(extra_tracked[0].id, ViewOf(maker.made()[maker.made().size() - 300 + index]), context);
        const std::vector<std::string> extra_before = snapshot_of(superset, extra_tracked);
        auto ids = superset.Restore(blob);
        ASSERT_TRUE(ids.ok()) << ids.error().fields[0].message;
        EXPECT_EQ(ids->size(), rules.size());
        for (const Tracked& t : extra_tracked) EXPECT_EQ(std::count(ids->begin(), ids->end(), t.id), 0);
        EXPECT_EQ(snapshot_of(superset, superset_tracked), snapshot_of(original, tracked));
        EXPECT_EQ(snapshot_of(superset, extra_tracked), extra_before);
        // The untouched key map still finds its keys after the store adopted the blob's hash key,
        // and the new distinct_count aggregate backfills like in a fresh store.
        AggregateStore fresh(TestOptions());
        std::vector<Tracked> fresh_tracked = TrackAll(fresh, extra);
        for (std::size_t index = 0; index < 300; ++index) {
            TransactionView view = ViewOf(maker.made()[maker.made().size() - 300 + index]);
            fresh.RecordInto(fresh_tracked[0].id, view, context);
            fresh.RecordInto(fresh_tracked[1].id, view, context);
            superset.RecordInto(extra_tracked[1].id, view, context);
        }
        EXPECT_EQ(snapshot_of(superset, extra_tracked), snapshot_of(fresh, fresh_tracked));
    }

    // A distinct_count spec outside the blob with state under another hash key: refused, unchanged.
    {
        AggregateStore conflicting(TestOptions());
        std::vector<Tracked> conflicting_tracked = TrackAll(conflicting, rules);
        const AggregateStore::SpecId distinct = conflicting.Track(extra[1], 0);
        for (std::size_t index = 0; index < 200; ++index)
            conflicting.RecordInto(distinct, ViewOf(maker.made()[index]), context);
        const Observed before = Observe(conflicting, conflicting_tracked, context, maker);
        auto refused = conflicting.Restore(blob);
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().code, ErrorCode::kValidationFailed);
        ExpectUnchanged(before, Observe(conflicting, conflicting_tracked, context, maker), "hash key conflict");
    }

    // Nothing tracked: nothing restored. An empty store's blob restores nothing either.
    AggregateStore empty(TestOptions());
    auto none = empty.Restore(blob);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
    AggregateStore target(TestOptions());
    TrackAll(target, rules);
    auto from_empty = target.Restore(SerializeOf(empty));
    ASSERT_TRUE(from_empty.ok());
    EXPECT_TRUE(from_empty->empty());
}

/// A small store with every kind of state (exact and bucketed; count, sum, min, max, avg,
/// distinct_count), for the byte-by-byte tests.
struct SmallFixture {
    SmallFixture() {
        rules = CompileAll({"count(by: account_id, window: 10m) >= 0", "sum(amount, by: account_id, window: 1h) > 0",
                            "max(amount, by: account_id, window: 45m) > 0",
                            "distinct_count(counterparty.country, by: account_id, window: 1h) > 0",
                            "avg(amount, by: account_id, window: 1d) > 0",
                            "distinct_count(counterparty.country, by: customer_id, window: 12h) > 0"});
        for (int index = 0; index < 14; ++index) {
            const ingest::Transaction& txn = maker.Next();
            if (index < 10) saved_views.push_back(ViewOf(txn));
        }
        AggregateStore saved(TestOptions());
        TrackAll(saved, rules);
        for (const TransactionView& view : saved_views) saved.Record(view, context, nullptr);
        blob = SerializeOf(saved);
    }
    /// A store tracking the same rules with state of its own (the last 4 transactions).
    std::unique_ptr<AggregateStore> Target(std::vector<Tracked>* tracked) {
        auto store = std::make_unique<AggregateStore>(TestOptions());
        *tracked = TrackAll(*store, rules);
        for (std::size_t index = 10; index < maker.made().size(); ++index)
            store->Record(ViewOf(maker.made()[index]), context, nullptr);
        return store;
    }

    std::vector<CompiledRule> rules;
    BruteForceContext context;
    StreamMaker maker{93, 3 * kMinute, kExactWindows};
    std::vector<TransactionView> saved_views;
    std::string blob;
};

TEST(AggregateStoreSnapshotTest, CorruptOrTruncatedBlobsAreRefusedAndChangeNothing) {
    SmallFixture fixture;
    std::vector<Tracked> tracked;
    auto target = fixture.Target(&tracked);
    const Observed before = Observe(*target, tracked, fixture.context, fixture.maker);
    ASSERT_GT(fixture.blob.size(), 500u);
    ASSERT_LT(fixture.blob.size(), 20'000u);
    int refused = 0;
    for (std::size_t at = 0; at < fixture.blob.size(); ++at) {
        for (unsigned char mask : {0x01, 0x80, 0xff}) {
            std::string corrupt = fixture.blob;
            corrupt[at] = static_cast<char>(corrupt[at] ^ mask);
            auto result = target->Restore(corrupt);
            ASSERT_FALSE(result.ok()) << "byte " << at << " ^ " << int{mask};
            EXPECT_EQ(result.error().code, ErrorCode::kValidationFailed);
            ++refused;
        }
    }
    for (std::size_t size = 0; size < fixture.blob.size(); ++size) {
        auto result = target->Restore(std::string_view(fixture.blob).substr(0, size));
        ASSERT_FALSE(result.ok()) << "truncated to " << size;
        EXPECT_EQ(result.error().code, ErrorCode::kValidationFailed);
        ++refused;
    }
    ExpectUnchanged(before, Observe(*target, tracked, fixture.context, fixture.maker), "after every refusal");
    EXPECT_EQ(refused, static_cast<int>(4 * fixture.blob.size()));
    // Another format version (checked before the checksum, so the message says so).
    std::string other_version = fixture.blob;
    other_version[8] = 2;
    Reseal(other_version);
    auto result = target->Restore(other_version);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().fields[0].message.find("version 2"), std::string::npos);
    // The genuine blob restores.
    EXPECT_TRUE(target->Restore(fixture.blob).ok());
}

TEST(AggregateStoreSnapshotTest, ForgedBlobsWithAValidChecksumAreRefusedOrLeaveAWorkingStore) {
    // Every single-byte change with the checksum recomputed: the parser's own checks. A blob it
    // accepts (a changed time, amount or key text ...) must leave a store that queries, records,
    // sweeps and rolls back safely (ASan/UBSan); a refused one must leave the store unchanged.
    SmallFixture fixture;
    std::vector<Tracked> tracked;
    auto target = fixture.Target(&tracked);
    Observed before = Observe(*target, tracked, fixture.context, fixture.maker);
    int accepted = 0;
    int refused = 0;
    for (std::size_t at = 8; at + 8 < fixture.blob.size(); ++at) {
        for (unsigned char mask : {0x01, 0xff}) {
            std::string forged = fixture.blob;
            forged[at] = static_cast<char>(forged[at] ^ mask);
            Reseal(forged);
            auto result = target->Restore(forged);
            if (!result.ok()) {
                EXPECT_EQ(result.error().code, ErrorCode::kValidationFailed);
                ++refused;
                continue;
            }
            ++accepted;
            AggregateStore::Journal journal;
            std::string key;
            for (const Tracked& t : tracked) {
                for (const TransactionView& view : fixture.saved_views) {
                    if (!AggregateKey(*t.rule, 0, view, fixture.context, &key)) continue;
                    (void)target->Query(t.id, key, view.occurred_at);
                    (void)target->Query(t.id, key, view.occurred_at + 30 * kMinute);
                }
            }
            for (const TransactionView& view : fixture.saved_views) target->Record(view, fixture.context, &journal);
            target->Rollback(journal);
            target->Sweep();
            (void)target->GetStats();
            // A fresh store (a new hash key, so a new `before`) for the next change.
            target = fixture.Target(&tracked);
            before = Observe(*target, tracked, fixture.context, fixture.maker);
        }
    }
    ExpectUnchanged(before, Observe(*target, tracked, fixture.context, fixture.maker), "after the forgeries");
    EXPECT_GT(refused, 0);
    EXPECT_GT(accepted, 0);
}

TEST(AggregateStoreSnapshotTest, OtherOptionsAreRefused) {
    SmallFixture fixture;
    auto with = [&](auto change) {
        AggregateStore::Options options = TestOptions();
        change(options);
        return options;
    };
    const std::vector<AggregateStore::Options> others = {
        with([](auto& o) { o.exact_window_limit_micros += kMinute; }),
        with([](auto& o) { o.buckets_per_window = 32; }),
        with([](auto& o) { o.lateness_micros = 2 * kLateness; }),
        with([](auto& o) { o.max_exact_events_per_key = 1000; }),
    };
    for (const AggregateStore::Options& options : others) {
        AggregateStore store(options);
        std::vector<Tracked> tracked = TrackAll(store, fixture.rules);
        for (std::size_t index = 10; index < fixture.maker.made().size(); ++index)
            store.Record(ViewOf(fixture.maker.made()[index]), fixture.context, nullptr);
        const Observed before = Observe(store, tracked, fixture.context, fixture.maker);
        auto result = store.Restore(fixture.blob);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code, ErrorCode::kValidationFailed);
        EXPECT_NE(result.error().fields[0].message.find("options"), std::string::npos);
        ExpectUnchanged(before, Observe(store, tracked, fixture.context, fixture.maker), "other options");
    }
}

}  // namespace
}  // namespace wt::rules
