// SPDX-License-Identifier: Apache-2.0
/// Fuzzes AggregateStore::Restore (the aggregate store's snapshots). The first input byte picks how
/// the rest is used:
/// - 0: the bytes as a blob, as they are (the header, version and checksum checks);
/// - 1: the bytes as a blob with its trailer rewritten to the right checksum (the parser proper);
/// - otherwise: edits to a genuine blob of a small store with every kind of state (exact and
///   bucketed; count, sum, avg, max, distinct_count), as (u16 offset, u8 xor) triples, an optional
///   truncation, then the checksum rewritten: deep coverage without a corpus.
/// No crash, UB, leak or exception on any input, and:
/// - a refused blob is kValidationFailed and leaves the store as it was (same blob from Serialize);
/// - after an accepted blob the store queries, records (journaled), rolls back, sweeps, counts
///   and serializes safely, and its own blob restores into another store.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/aggregate_store.hpp"
#include "rules/language.hpp"
#include "../unit/rules/snapshot_forge.hpp"

namespace {

using namespace wt::rules;

[[noreturn]] void Fail(const char* what) {
    std::fprintf(stderr, "fuzz_aggregate_snapshot: invariant violated: %s\n", what);
    std::abort();
}

using testing::Reseal;

class Context : public EvalContext {
  public:
    Value Aggregate(const CompiledRule&, std::size_t, std::string_view, const TransactionView&) override {
        return Value::Null();
    }
    std::optional<bool> ListContains(std::string_view, std::string_view) override { return std::nullopt; }
    const std::vector<std::string>* ListItems(std::string_view) override { return nullptr; }
    std::optional<wt::UnixMicros> AccountFirstSeen(std::string_view) override { return std::nullopt; }
};

AggregateStore::Options SmallOptions() {
    AggregateStore::Options options;
    options.exact_window_limit_micros = 2 * wt::kMicrosPerHour;
    options.buckets_per_window = 16;
    options.lateness_micros = 30 * wt::kMicrosPerMinute;
    options.max_exact_events_per_key = 6;  // truncated keys too
    return options;
}

struct World {
    World() {
        for (const char* source :
             {"count(by: account_id, window: 10m) >= 0", "sum(amount, by: account_id, window: 1h) > 0",
              "avg(amount, by: [account_id, channel], window: 30m) > 0", "max(amount, by: account_id, window: 45m) > 0",
              "distinct_count(counterparty.country, by: account_id, window: 1h) > 0",
              "sum(amount, by: account_id, window: 1d) > 0", "min(amount, by: account_id, window: 6h) > 0",
              "distinct_count(counterparty.country, by: account_id, window: 12h) > 0"}) {
            auto rule = Compile(source);
            if (!rule.ok()) Fail("a fixed rule does not compile");
            rules.push_back(*rule);
        }
        static const char* const kAccounts[] = {"a", "b", "c"};
        static const char* const kCountries[] = {"DE", "FR", "US", "IR"};
        static const char* const kChannels[] = {"web", "branch"};
        for (int index = 0; index < 24; ++index) {
            TransactionView view;
            view.account_id = kAccounts[index % 3];
            view.counterparty_country = kCountries[(index * 7) % 4];
            view.channel = kChannels[index % 2];
            view.currency = index % 5 == 0 ? "JPY" : "EUR";
            view.currency_exponent = index % 5 == 0 ? 0 : 2;
            view.amount_minor = 100 + 37 * index;
            view.occurred_at = 1'767'225'600LL * wt::kMicrosPerSecond + index * 4 * wt::kMicrosPerMinute -
                               (index % 4 == 3 ? 9 * wt::kMicrosPerMinute : 0);
            views.push_back(view);
        }
        AggregateStore saved(SmallOptions());
        for (const CompiledRule& rule : rules) saved.Track(rule, 0);
        for (const TransactionView& view : views) saved.Record(view, context, nullptr);
        saved.Serialize(&genuine);
        std::unique_ptr<AggregateStore> check = Target();
        if (!check->Restore(genuine).ok()) Fail("the genuine blob is refused");
        std::string resealed = genuine;
        Reseal(resealed);
        if (resealed != genuine) Fail("the trailer is not XXH64 of the body");
    }
    /// A store tracking the rules, with state of its own.
    std::unique_ptr<AggregateStore> Target() {
        auto store = std::make_unique<AggregateStore>(SmallOptions());
        for (const CompiledRule& rule : rules) store->Track(rule, 0);  // ids 0, 1, ... in rule order
        for (std::size_t index = 0; index < views.size(); index += 5) store->Record(views[index], context, nullptr);
        return store;
    }

    std::vector<CompiledRule> rules;
    std::vector<TransactionView> views;
    Context context;
    std::string genuine;
};

void Exercise(AggregateStore& store, World& world) {
    std::string key;
    for (std::size_t rule_idx = 0; rule_idx < world.rules.size(); ++rule_idx) {
        const AggregateStore::SpecId id = static_cast<AggregateStore::SpecId>(rule_idx);  // tracked in order
        for (const TransactionView& view : world.views) {
            if (!AggregateKey(world.rules[rule_idx], 0, view, world.context, &key)) continue;
            (void)store.Query(id, key, view.occurred_at);
            (void)store.Query(id, key, view.occurred_at - 20 * wt::kMicrosPerMinute);
            (void)store.Query(id, key, view.occurred_at + 3 * wt::kMicrosPerHour);
        }
    }
    AggregateStore::Journal journal;
    for (const TransactionView& view : world.views) store.Record(view, world.context, &journal);
    store.Rollback(journal);
    for (std::size_t index = 0; index < world.views.size(); index += 3)
        store.Record(world.views[index], world.context, nullptr);
    store.Sweep();
    (void)store.GetStats();
    std::string blob;
    store.Serialize(&blob);
    std::unique_ptr<AggregateStore> other = world.Target();
    if (!other->Restore(blob).ok()) Fail("an accepted store's own blob is refused");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    if (size == 0) return 0;
    const std::uint8_t mode = data[0];
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::string blob;
    if (mode == 0) {
        blob.assign(rest);
    } else if (mode == 1) {
        blob.assign(rest);
        Reseal(blob);
    } else {
        blob = world.genuine;
        std::size_t at = 0;
        for (; at + 3 <= rest.size(); at += 3) {
            const std::size_t offset =
                static_cast<std::uint8_t>(rest[at]) | std::size_t{static_cast<std::uint8_t>(rest[at + 1])} << 8;
            if (offset < blob.size()) blob[offset] = static_cast<char>(blob[offset] ^ rest[at + 2]);
        }
        // A leftover byte with the mode's high bit set truncates (the trailer is then rewritten).
        if ((mode & 0x80) && at < rest.size())
            blob.resize(8 + (blob.size() - 8) * static_cast<std::uint8_t>(rest[at]) / 256);
        Reseal(blob);
    }
    std::unique_ptr<AggregateStore> store = world.Target();
    std::string before;
    store->Serialize(&before);
    auto result = store->Restore(blob);
    if (!result.ok()) {
        if (result.error().code != wt::ErrorCode::kValidationFailed) Fail("a refusal that is not kValidationFailed");
        std::string after;
        store->Serialize(&after);
        if (after != before) Fail("a refused blob changed the store");
        return 0;
    }
    Exercise(*store, world);
    return 0;
}
