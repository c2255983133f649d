// SPDX-License-Identifier: Apache-2.0
/// Test support for the rules language: a brute-force EvalContext (history kept in a vector,
/// every aggregate recomputed from it on each call: slow, obviously right) and helpers that build
/// TransactionViews from ingestion JSON bodies. Header-only; not thread-safe.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "ingest/transaction.hpp"
#include "rules/language.hpp"

namespace wt::rules::testing {

/// 2100-01-01T00:00:00Z: "now" for parsing test transactions (none is in its future).
inline constexpr UnixMicros kParseNow = 4102444800LL * kMicrosPerSecond;

/// A view of an ingest::Transaction (which must outlive it): the engine's own conversion, so the
/// tests see transactions exactly as rules do in the server.
inline TransactionView ViewOf(const ingest::Transaction& txn, UnixMicros default_time = 0) {
    return engine::ViewOf(txn, default_time);
}

class BruteForceContext : public EvalContext {
  public:
    /// Transactions processed before the current one, in processing order.
    std::vector<TransactionView> history;
    std::map<std::string, std::vector<std::string>, std::less<>> lists;
    TimeZone zone;
    int aggregate_calls = 0;
    /// When set, replaces the window test (the default is occurred_at in (current - window,
    /// current]): e.g. a bucket-aware window for the aggregate store's long windows.
    std::function<bool(const AggregateSpec& spec, UnixMicros past, UnixMicros current)> in_window;

    Value Aggregate(const CompiledRule& rule, std::size_t spec_index, std::string_view key,
                    const TransactionView& current) override {
        ++aggregate_calls;
        const AggregateSpec& spec = rule.aggregates().at(spec_index);
        const std::string wanted(key);
        std::int64_t count = 0;
        Decimal sum;
        bool overflow = false;
        std::optional<Decimal> best;
        std::set<std::string> distinct;
        for (const TransactionView& past : history) {
            // The window: (t - window, t], earlier-processed transactions only.
            if (in_window) {
                if (!in_window(spec, past.occurred_at, current.occurred_at)) continue;
            } else {
                if (past.occurred_at > current.occurred_at) continue;
                if (past.occurred_at <= current.occurred_at - spec.window_micros) continue;
            }
            std::string past_key;
            if (!AggregateKey(rule, spec_index, past, *this, &past_key) || past_key != wanted) continue;
            if (!AggregateFilter(rule, spec_index, past, *this)) continue;
            if (spec.function == AggregateFunction::kCount) {
                ++count;
                continue;
            }
            Value value = AggregateValue(rule, spec_index, past, *this);
            if (value.is_null()) continue;
            if (spec.function == AggregateFunction::kDistinctCount) {
                std::string canonical;
                AppendCanonical(value, &canonical);
                distinct.insert(canonical);
                continue;
            }
            if (value.type != Type::kDecimal) continue;
            ++count;
            auto next = Add(sum, value.decimal);
            if (!next)
                overflow = true;
            else
                sum = *next;
            if (!best || (spec.function == AggregateFunction::kMin ? Compare(value.decimal, *best) < 0
                                                                   : Compare(value.decimal, *best) > 0))
                best = value.decimal;
        }
        switch (spec.function) {
            case AggregateFunction::kCount:
                return Value::Dec(Decimal::FromInt(count));
            case AggregateFunction::kDistinctCount:
                return Value::Dec(Decimal::FromInt(static_cast<std::int64_t>(distinct.size())));
            case AggregateFunction::kSum:
                return overflow ? Value::Null() : Value::Dec(sum);
            case AggregateFunction::kAvg: {
                if (count == 0 || overflow) return Value::Null();
                auto avg = Div(sum, Decimal::FromInt(count));
                return avg ? Value::Dec(*avg) : Value::Null();
            }
            case AggregateFunction::kMin:
            case AggregateFunction::kMax:
                return best ? Value::Dec(*best) : Value::Null();
        }
        return Value::Null();
    }

    std::optional<bool> ListContains(std::string_view list, std::string_view value) override {
        auto found = lists.find(list);
        if (found == lists.end()) return std::nullopt;
        return std::find(found->second.begin(), found->second.end(), value) != found->second.end();
    }

    const std::vector<std::string>* ListItems(std::string_view list) override {
        auto found = lists.find(list);
        return found == lists.end() ? nullptr : &found->second;
    }

    std::optional<UnixMicros> AccountFirstSeen(std::string_view account_id) override {
        std::optional<UnixMicros> first;
        for (const TransactionView& past : history)
            if (past.account_id == account_id && (!first || past.occurred_at < *first)) first = past.occurred_at;
        return first;
    }

    const TimeZone& time_zone() const override { return zone; }
};

/// floor(t / width), also for negative t.
inline std::int64_t BucketOf(UnixMicros t, std::int64_t width) {
    std::int64_t bucket = t / width;
    if (t % width != 0 && t < 0) --bucket;
    return bucket;
}

/// The bucket-aware window of the aggregate store's long windows: the events whose bucket index
/// lies in (bucket(current - window), bucket(current)] for buckets `width_micros` wide. For
/// BruteForceContext::in_window.
inline std::function<bool(const AggregateSpec&, UnixMicros, UnixMicros)> BucketedWindow(std::int64_t width_micros) {
    return [width_micros](const AggregateSpec& spec, UnixMicros past, UnixMicros current) {
        std::int64_t bucket = BucketOf(past, width_micros);
        return bucket > BucketOf(current - spec.window_micros, width_micros) &&
               bucket <= BucketOf(current, width_micros);
    };
}

}  // namespace wt::rules::testing
