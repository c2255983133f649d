// SPDX-License-Identifier: Apache-2.0
/// Rules engine micro benchmarks: ns per transaction to evaluate 1, 10 and 50 rules without
/// aggregates and with aggregates (Evaluate through an EvalContext backed by the AggregateStore,
/// then Record), over a synthetic stream: 10,000 accounts with Zipf-like activity (s = 1.1), one
/// transaction every 0.5 s of occurred_at (about 170,000 a day), 2% of them up to 10 minutes
/// late, after a warm-up of 200,000 transactions (27 hours, so the 1h and 24h windows are full).
/// Counters: keys, bytes per key, exact events and buckets held. Also the store's Record and
/// Query per aggregate, prefix sums vs a scan for a dense key, and snapshot Serialize/Restore MB/s.
/// Run: build/release/bench/wt_rules_benchmark
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "rules/aggregate_store.hpp"
#include "rules/language.hpp"

namespace {

using wt::UnixMicros;
using wt::rules::AggregateStore;
using wt::rules::CompiledRule;
using wt::rules::TransactionView;
using wt::rules::Value;

constexpr UnixMicros kStart = 1'767'225'600LL * wt::kMicrosPerSecond;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kSpacing = wt::kMicrosPerSecond / 2;
constexpr int kAccounts = 10'000;
constexpr std::size_t kStreamSize = 1 << 16;
constexpr int kWarmup = 200'000;

/// The owned strings behind a TransactionView.
struct Owned {
    std::string external_id, account_id, customer_id, counterparty_name, counterparty_account, counterparty_country,
        country, device_id, channel;
    std::int64_t amount_minor = 0;
    std::string_view currency, direction, type;
    int currency_exponent = 2;
};

class Stream {
  public:
    Stream() {
        std::mt19937_64 rng(42);
        // Zipf-like: P(account k) ~ 1 / (k + 1)^1.1.
        std::vector<double> cdf(kAccounts);
        double total = 0;
        for (int k = 0; k < kAccounts; ++k) cdf[k] = total += 1.0 / std::pow(k + 1, 1.1);
        for (double& c : cdf) c /= total;
        std::uniform_real_distribution<double> unit(0, 1);
        std::lognormal_distribution<double> amount(7.0, 1.5);  // median ~ 11.00 in major units
        static const char* const kCountries[] = {"DE", "FR", "GB", "US", "NL", "ES",
                                                 "IT", "PL", "IR", "AE", "CH", "TR"};
        static const char* const kTypes[] = {"card", "card", "card", "transfer", "transfer", "cash", "wire", "ach"};
        owned_.resize(kStreamSize);
        views_.resize(kStreamSize);
        for (std::size_t index = 0; index < kStreamSize; ++index) {
            Owned& o = owned_[index];
            const int account = static_cast<int>(std::lower_bound(cdf.begin(), cdf.end(), unit(rng)) - cdf.begin());
            o.external_id = "txn-" + std::to_string(index);
            o.account_id = "acc-" + std::to_string(account);
            o.customer_id = "cus-" + std::to_string(account / 2);
            const int counterparty = static_cast<int>(unit(rng) * 50'000);
            o.counterparty_name = "Counterparty " + std::to_string(counterparty) + " Ltd";
            o.counterparty_account = "DE" + std::to_string(1'000'000 + counterparty);
            o.counterparty_country = kCountries[static_cast<std::size_t>(unit(rng) * 12)];
            o.country = kCountries[account % 4];
            o.device_id = "dev-" + std::to_string(account % 7'000);
            o.channel = unit(rng) < 0.6 ? "web" : "branch";
            o.amount_minor = std::max<std::int64_t>(1, static_cast<std::int64_t>(amount(rng)));
            o.currency = account % 20 == 0 ? "EUR" : "USD";
            o.direction = unit(rng) < 0.5 ? "inbound" : "outbound";
            o.type = kTypes[static_cast<std::size_t>(unit(rng) * 8)];
            TransactionView& v = views_[index];
            v.external_id = o.external_id;
            v.amount_minor = o.amount_minor;
            v.currency_exponent = o.currency_exponent;
            v.currency = o.currency;
            v.direction = o.direction;
            v.type = o.type;
            v.account_id = o.account_id;
            v.customer_id = o.customer_id;
            v.counterparty_name = o.counterparty_name;
            v.counterparty_account = o.counterparty_account;
            v.counterparty_country = o.counterparty_country;
            v.channel = o.channel;
            v.country = o.country;
            v.device_id = o.device_id;
            late_.push_back(unit(rng) < 0.02 ? static_cast<std::int64_t>(unit(rng) * 10 * wt::kMicrosPerMinute) : 0);
        }
    }

    /// The n-th transaction of the endless stream (fields cycle, time moves on).
    TransactionView At(std::int64_t n) const {
        TransactionView view = views_[static_cast<std::size_t>(n) % kStreamSize];
        view.occurred_at = kStart + n * kSpacing - late_[static_cast<std::size_t>(n) % kStreamSize];
        return view;
    }

  private:
    std::vector<Owned> owned_;
    std::vector<TransactionView> views_;
    std::vector<std::int64_t> late_;
};

const Stream& TheStream() {
    static const Stream stream;
    return stream;
}

// Rules without aggregates: typical screening conditions.
const std::vector<std::string> kPlainRules = {
    "amount > 10000 and currency == \"USD\"",
    "counterparty.country in [\"IR\", \"KP\", \"SY\", \"CU\"] or country in [\"IR\", \"KP\", \"SY\", \"CU\"]",
    "type == \"cash\" and amount between 8000 and 9999.99",
    "direction == \"outbound\" and channel == \"web\" and amount > 5000",
    "amount >= 5000 and round(amount / 1000) * 1000 == amount",
    "matches(counterparty.name, \"(?i)\\\\b(holdings?|trading|offshore)\\\\b.*\\\\b(ltd|limited|inc)\\\\b\")",
    "lower(counterparty.name) == \"acme corp\" or starts_with(counterparty.account, \"IR\")",
    "direction == \"outbound\" and counterparty.country != country and amount > 2500",
    "hour_of_day(occurred_at) between 0 and 4 and type == \"transfer\"",
    "coalesce(channel, \"none\") == \"branch\" and amount > 9000",
};

// Rules with one aggregate each; the pool of 10 distinct aggregates is reused with other
// thresholds beyond 10 rules, as rule sets do (equal specs share one state).
const std::vector<std::string> kAggregateRules = {
    "direction == \"outbound\" and count(by: account_id, window: 1h, where: direction == \"outbound\") >= {N}",
    "sum(amount, by: customer_id, window: 24h, where: type == \"cash\") + amount > {N}000",
    "amount > {N} * avg(amount, by: account_id, window: 30d)",
    "distinct_count(counterparty.country, by: account_id, window: 7d) > {N}",
    "count(by: [account_id, counterparty.account], window: 180d) == 0 and amount > {N}000",
    "amount > {N} * max(amount, by: account_id, window: 24h)",
    "sum(amount, by: account_id, window: 1h) > {N}0000",
    "count(by: device_id, window: 24h) > {N}0",
    "direction == \"outbound\" and sum(amount, by: account_id, window: 24h, where: direction == \"inbound\") >= 0.{N} "
    "* amount",
    "distinct_count(account_id, by: device_id, window: 24h) > {N}",
};

std::vector<CompiledRule> CompileRules(const std::vector<std::string>& pool, int count) {
    std::vector<CompiledRule> rules;
    for (int index = 0; index < count; ++index) {
        std::string source = pool[static_cast<std::size_t>(index) % pool.size()];
        const std::string n = std::to_string(3 + index / static_cast<int>(pool.size()));
        for (std::size_t at = source.find("{N}"); at != std::string::npos; at = source.find("{N}"))
            source.replace(at, 3, n);
        auto rule = wt::rules::Compile(source);
        if (!rule.ok()) {
            std::fprintf(stderr, "benchmark rule does not compile: %s: %s\n", source.c_str(),
                         rule.error().fields[0].message.c_str());
            std::abort();
        }
        rules.push_back(*rule);
    }
    return rules;
}

/// The engine's side of evaluation: aggregates from the store (the spec ids of the rule being
/// evaluated are set before each Evaluate), no lists, every account known since the stream began.
class StoreContext : public wt::rules::EvalContext {
  public:
    explicit StoreContext(const AggregateStore* store) : store_(store) {}
    const std::vector<AggregateStore::SpecId>* ids = nullptr;

    Value Aggregate(const CompiledRule&, std::size_t spec_index, std::string_view key,
                    const TransactionView& current) override {
        return store_->Query((*ids)[spec_index], key, current.occurred_at);
    }
    std::optional<bool> ListContains(std::string_view, std::string_view) override { return std::nullopt; }
    const std::vector<std::string>* ListItems(std::string_view) override { return nullptr; }
    std::optional<UnixMicros> AccountFirstSeen(std::string_view) override { return kStart; }

  private:
    const AggregateStore* store_;
};

struct Engine {
    explicit Engine(std::vector<CompiledRule> compiled) : rules(std::move(compiled)), context(&store) {
        for (const CompiledRule& rule : rules) {
            std::vector<AggregateStore::SpecId> rule_ids;
            for (std::size_t spec = 0; spec < rule.aggregates().size(); ++spec)
                rule_ids.push_back(store.Track(rule, spec));
            ids.push_back(std::move(rule_ids));
        }
    }
    /// Evaluates every rule on the transaction (history before it), then records it.
    int Process(const TransactionView& view) {
        int hits = 0;
        for (std::size_t rule_idx = 0; rule_idx < rules.size(); ++rule_idx) {
            context.ids = &ids[rule_idx];
            hits += wt::rules::Evaluate(rules[rule_idx], view, context).IsTrue();
        }
        store.Record(view, context, nullptr);
        return hits;
    }

    std::vector<CompiledRule> rules;
    std::vector<std::vector<AggregateStore::SpecId>> ids;
    AggregateStore store;
    StoreContext context;
};

void ReportStore(benchmark::State& state, const AggregateStore& store) {
    const AggregateStore::Stats stats = store.GetStats();
    state.counters["keys"] = static_cast<double>(stats.keys);
    state.counters["bytes_per_key"] = stats.bytes_per_key();
    state.counters["MiB"] = static_cast<double>(stats.bytes) / (1024.0 * 1024.0);
    state.counters["events"] = static_cast<double>(stats.events);
    state.counters["buckets"] = static_cast<double>(stats.buckets);
}

void BM_EvaluateNoAggregates(benchmark::State& state) {
    Engine engine(CompileRules(kPlainRules, static_cast<int>(state.range(0))));
    const Stream& stream = TheStream();
    std::int64_t n = 0;
    for (auto _ : state) benchmark::DoNotOptimize(engine.Process(stream.At(n++)));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateNoAggregates)->Arg(1)->Arg(10)->Arg(50);

void BM_EvaluateWithAggregates(benchmark::State& state) {
    Engine engine(CompileRules(kAggregateRules, static_cast<int>(state.range(0))));
    const Stream& stream = TheStream();
    std::int64_t n = 0;
    for (; n < kWarmup; ++n) engine.Process(stream.At(n));
    for (auto _ : state) benchmark::DoNotOptimize(engine.Process(stream.At(n++)));
    state.SetItemsProcessed(state.iterations());
    engine.store.Sweep();
    ReportStore(state, engine.store);
}
BENCHMARK(BM_EvaluateWithAggregates)->Arg(1)->Arg(10)->Arg(50)->Iterations(200'000);  // one run: the warm-up is costly

/// Record alone, one tracked aggregate (the argument indexes kAggregateRules).
void BM_StoreRecordOneAggregate(benchmark::State& state) {
    Engine engine(CompileRules({kAggregateRules[static_cast<std::size_t>(state.range(0))]}, 1));
    const Stream& stream = TheStream();
    std::int64_t n = 0;
    for (; n < kWarmup; ++n) engine.store.Record(stream.At(n), engine.context, nullptr);
    for (auto _ : state) engine.store.Record(stream.At(n++), engine.context, nullptr);
    state.SetLabel(engine.rules[0].aggregates()[0].canonical);
    ReportStore(state, engine.store);
}
BENCHMARK(BM_StoreRecordOneAggregate)->DenseRange(0, 9)->Iterations(200'000);

/// Query alone (after the warm-up), one tracked aggregate, the keys of the stream.
void BM_StoreQueryOneAggregate(benchmark::State& state) {
    Engine engine(CompileRules({kAggregateRules[static_cast<std::size_t>(state.range(0))]}, 1));
    const Stream& stream = TheStream();
    std::int64_t n = 0;
    for (; n < kWarmup; ++n) engine.store.Record(stream.At(n), engine.context, nullptr);
    std::vector<std::string> keys;
    std::string key;
    for (std::int64_t k = 0; k < 4096; ++k)
        if (wt::rules::AggregateKey(engine.rules[0], 0, stream.At(n + k), engine.context, &key)) keys.push_back(key);
    const UnixMicros at = stream.At(n).occurred_at;
    const AggregateStore::SpecId id = engine.ids[0][0];
    std::size_t next = 0;
    for (auto _ : state) benchmark::DoNotOptimize(engine.store.Query(id, keys[next++ % keys.size()], at));
    state.SetLabel(engine.rules[0].aggregates()[0].canonical);
}
BENCHMARK(BM_StoreQueryOneAggregate)->DenseRange(0, 9)->Iterations(1'000'000);

/// sum over 1h for one key with 3,600 events in the window: all in one currency (prefix sums,
/// O(log n)) or in two currencies with different decimal places (prefix sums, and the window's
/// scales scanned up to the first value with the largest; it was a scan adding every value, 71 us).
void BM_StoreQueryDenseSum(benchmark::State& state) {
    const bool mixed_scales = state.range(0) != 0;
    auto rule = wt::rules::Compile("sum(amount, by: account_id, window: 1h) > 0");
    AggregateStore store;
    const AggregateStore::SpecId id = store.Track(*rule, 0);
    StoreContext context(&store);
    TransactionView view;
    view.account_id = "hot";
    view.currency = "USD";
    for (int second = 0; second < 7200; ++second) {
        view.occurred_at = kStart + second * wt::kMicrosPerSecond;
        view.amount_minor = 100 + second;
        view.currency_exponent = mixed_scales && second % 2 ? 0 : 2;
        store.Record(view, context, nullptr);
    }
    std::string key;
    wt::rules::AggregateKey(*rule, 0, view, context, &key);
    for (auto _ : state) benchmark::DoNotOptimize(store.Query(id, key, view.occurred_at));
    state.SetLabel(mixed_scales ? "two scales: prefix sums, scales scanned" : "one scale: prefix sums");
}
BENCHMARK(BM_StoreQueryDenseSum)->Arg(0)->Arg(1);

/// Snapshots (the engine's fast restart): Serialize (arg 0) and Restore (arg 1) of the store of the
/// 10 aggregates after the warm-up and a sweep (~110,000 keys, ~200 MiB of state). Bytes are the
/// blob's; Restore's time includes validating it and building every key (store creation and
/// destruction are not timed).
void BM_StoreSnapshot(benchmark::State& state) {
    static Engine* const warm = [] {
        auto* engine = new Engine(CompileRules(kAggregateRules, 10));  // kept for both args
        const Stream& stream = TheStream();
        for (std::int64_t n = 0; n < kWarmup; ++n) engine->store.Record(stream.At(n), engine->context, nullptr);
        engine->store.Sweep();
        return engine;
    }();
    const bool restore = state.range(0) != 0;
    std::string blob;
    warm->store.Serialize(&blob);
    if (!restore) {
        for (auto _ : state) {
            std::string out;
            warm->store.Serialize(&out);
            benchmark::DoNotOptimize(out.data());
        }
    } else {
        for (auto _ : state) {
            state.PauseTiming();
            auto fresh = std::make_unique<AggregateStore>();
            for (const CompiledRule& rule : warm->rules) fresh->Track(rule, 0);
            state.ResumeTiming();
            auto restored = fresh->Restore(blob);
            if (!restored.ok()) {
                state.SkipWithError("Restore refused the blob");
                break;
            }
            state.PauseTiming();
            fresh.reset();
            state.ResumeTiming();
        }
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(blob.size()));
    state.SetLabel(restore ? "Restore" : "Serialize");
    state.counters["blob_MiB"] = static_cast<double>(blob.size()) / (1024.0 * 1024.0);
    ReportStore(state, warm->store);
}
BENCHMARK(BM_StoreSnapshot)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
