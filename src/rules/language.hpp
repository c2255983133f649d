// SPDX-License-Identifier: Apache-2.0
/// The rules language: compile an analyst's expression once, evaluate it per transaction.
/// The language itself (grammar, types, null semantics, functions, aggregates) is documented in
/// docs/rules-language.md; this header is the contract for the engine that embeds it.
///
///   auto rule = Compile("amount > 1000 and currency == \"USD\"", {});
///   if (!rule) return rule.error();                  // 422 with line and column
///   Value hit = Evaluate(*rule, view, context);      // hit.boolean
///
/// Compile never throws on any input (only std::bad_alloc escapes) and refuses expressions longer
/// than 64 KiB or nested deeper than 64 levels. Evaluate never fails: anything that cannot be
/// computed (a missing field, a division by zero, an overflow, a metadata value of the wrong type)
/// is null, and null counts as false where a condition is needed.
///
/// Aggregates (`count(by: account_id, window: 1h)`) describe the history BEFORE the current
/// transaction: the compiler extracts each into an `AggregateSpec`, and evaluation asks the
/// `EvalContext` for its value over the window for the key computed from the current transaction.
///
/// Threading: a CompiledRule is immutable after Compile and may be evaluated from many threads at
/// once (copies share the compiled program). Evaluation uses a thread-local scratch area for
/// computed text, so it does not allocate on the common path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "rules/time_zone.hpp"
#include "rules/transaction_view.hpp"
#include "rules/value.hpp"

namespace wt::rules {

namespace detail {
struct Program;
}

/// The smallest and largest aggregate window.
inline constexpr std::int64_t kMinWindowMicros = kMicrosPerMinute;
inline constexpr std::int64_t kMaxWindowMicros = 400LL * 24 * kMicrosPerHour;

enum class AggregateFunction : std::uint8_t { kCount, kSum, kAvg, kMin, kMax, kDistinctCount };
std::string_view AggregateFunctionName(AggregateFunction function);

/// One windowed aggregate of a rule, e.g. `sum(amount, by: customer_id, window: 24h, where: type
/// == "cash")`. The expressions live in the rule's program: evaluate them on a history transaction
/// with AggregateValue / AggregateKey / AggregateFilter below.
struct AggregateSpec {
    AggregateFunction function = AggregateFunction::kCount;
    bool has_value = false;  // false for count
    std::size_t key_count = 0;
    bool has_filter = false;
    std::int64_t window_micros = 0;
    /// A canonical text of function, value, keys, window and filter (whitespace, keyword case and
    /// number spelling normalised): equal specs in different rules have equal texts, so the
    /// aggregate store can keep one state for them. `hash` is FNV-1a 64 of the text.
    std::string canonical;
    std::uint64_t hash = 0;
    int line = 0;  // where the aggregate is written
    int column = 0;
};

/// A compile error: 1-based line and column (columns count Unicode code points) and a message for
/// a risk analyst. `ToString()` is "line:column: message".
struct CompileError {
    int line = 1;
    int column = 1;
    std::string message;
    std::string ToString() const;
};

struct CompileOptions {
    /// When set, `list("name")` is refused at compile time unless this returns true for the name.
    std::function<bool(std::string_view name)> list_exists;
};

struct CompileOptions;
struct CompileError;
class CompiledRule;
Result<CompiledRule> Compile(std::string_view expression, const CompileOptions& options, CompileError* error_out);

class CompiledRule {
  public:
    CompiledRule() = default;
    const std::vector<AggregateSpec>& aggregates() const;
    /// The names of the named lists the rule uses (sorted, unique).
    const std::vector<std::string>& lists() const;
    const std::string& source() const;

  private:
    friend Result<CompiledRule> Compile(std::string_view, const CompileOptions&, CompileError*);
    friend const detail::Program* ProgramOf(const CompiledRule& rule);
    std::shared_ptr<const detail::Program> program_;
};

/// Parses, type-checks and compiles `expression`. On failure the Error is kValidationFailed with
/// one field "expression" whose message is "line:column: message"; `error_out`, when given,
/// receives the same as separate line, column and message.
Result<CompiledRule> Compile(std::string_view expression, const CompileOptions& options = {},
                             CompileError* error_out = nullptr);

/// What evaluation needs from outside the transaction. The engine implements it over its
/// aggregate store and list cache; tests use a brute-force implementation.
class EvalContext {
  public:
    virtual ~EvalContext() = default;
    /// The value of `rule.aggregates()[spec_index]` over the history before `current` whose key is
    /// `key` (the encoding of AggregateKey): count and distinct_count as integers, sum as the
    /// total (0 when nothing matches), avg/min/max of the non-null values (null when none).
    /// Windows: earlier transactions with occurred_at in (current.occurred_at - window,
    /// current.occurred_at]. Returning null is allowed (unknown / not available).
    virtual Value Aggregate(const CompiledRule& rule, std::size_t spec_index, std::string_view key,
                            const TransactionView& current) = 0;
    /// Membership of `value` in the named list; nullopt when no such list exists (the test is
    /// then null, i.e. false).
    virtual std::optional<bool> ListContains(std::string_view list, std::string_view value) = 0;
    /// The items of a named list (for `similarity(x, list("..."))`), null when no such list.
    virtual const std::vector<std::string>* ListItems(std::string_view list) = 0;
    /// When the account's first transaction occurred, nullopt when it has none before this one.
    virtual std::optional<UnixMicros> AccountFirstSeen(std::string_view account_id) = 0;
    /// The organization's time zone for hour_of_day and day_of_week. UTC unless overridden.
    virtual const TimeZone& time_zone() const;
};

/// Evaluates a compiled rule: always a boolean Value (null counts as false). A default-constructed
/// CompiledRule evaluates to false.
Value Evaluate(const CompiledRule& rule, const TransactionView& transaction, EvalContext& context);

/// One sub-expression of a traced evaluation.
struct TraceStep {
    int line = 0;
    int column = 0;
    std::size_t begin = 0;  // byte offsets of the sub-expression in the source
    std::size_t end = 0;
    std::string text;   // the source text of the sub-expression
    std::string value;  // FormatValue of its value, or "not evaluated" (skipped by and/or)
    bool evaluated = false;
};

struct Trace {
    Value result;                  // as Evaluate answers it (texts are not kept: see `steps`)
    std::vector<TraceStep> steps;  // every sub-expression except literals, innermost first
};

/// Evaluate, recording every sub-expression's source span and value (for POST /rules/test).
/// Slower than Evaluate and allocates; not for the ingestion path.
Trace EvaluateWithTrace(const CompiledRule& rule, const TransactionView& transaction, EvalContext& context);

/// For aggregate stores: evaluate the parts of `rule.aggregates()[spec_index]` on a transaction
/// (a history transaction when maintaining state, the current one when asking).
/// AggregateKey writes the key into *key and answers false when a key part is null (the
/// transaction then belongs to no key). AggregateFilter is the `where:` condition (true when
/// absent). AggregateValue is the aggregated expression (null for count, or when it is null);
/// its text, if any, is valid until the next evaluation on this thread.
bool AggregateKey(const CompiledRule& rule, std::size_t spec_index, const TransactionView& transaction,
                  EvalContext& context, std::string* key);
bool AggregateFilter(const CompiledRule& rule, std::size_t spec_index, const TransactionView& transaction,
                     EvalContext& context);
Value AggregateValue(const CompiledRule& rule, std::size_t spec_index, const TransactionView& transaction,
                     EvalContext& context);

}  // namespace wt::rules
