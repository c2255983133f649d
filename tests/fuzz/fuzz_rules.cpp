// SPDX-License-Identifier: Apache-2.0
/// Fuzzes the rules language end to end: lexer, parser, type checker and compiler on the input
/// text, then evaluation (plain and traced) on a fixed transaction with a context that answers
/// aggregates, lists, first-seen and a DST time zone, and the aggregate-spec helpers a store calls.
/// No crash, UB, leak or exception on any input, and:
/// - a failure is 422 validation_failed on field "expression" with a message "line:col: text",
///   line and column >= 1 and inside the input;
/// - Evaluate answers a boolean, EvaluateWithTrace the same boolean;
/// - every aggregate spec has a window within 1m..400d and a non-empty canonical text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rules/language.hpp"

namespace {

using namespace wt::rules;

[[noreturn]] void Fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "fuzz_rules: invariant violated: %s: '%.*s'\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

class FixedContext : public EvalContext {
  public:
    FixedContext() {
        auto zone = TimeZone::Find("Europe/Berlin");
        if (zone.ok()) zone_ = *zone;
    }
    Value Aggregate(const CompiledRule& rule, std::size_t spec_index, std::string_view key,
                    const TransactionView& current) override {
        // Exercise the helpers a store uses on the "history" (here: the current transaction).
        std::string own_key;
        (void)AggregateKey(rule, spec_index, current, *this, &own_key);
        (void)AggregateFilter(rule, spec_index, current, *this);
        (void)AggregateValue(rule, spec_index, current, *this);
        return Value::Dec(Decimal::FromInt(static_cast<std::int64_t>(key.size() % 7)));
    }
    std::optional<bool> ListContains(std::string_view list, std::string_view value) override {
        if (list == "unknown") return std::nullopt;
        return value.size() % 2 == 0;
    }
    const std::vector<std::string>* ListItems(std::string_view list) override {
        return list == "unknown" ? nullptr : &items_;
    }
    std::optional<wt::UnixMicros> AccountFirstSeen(std::string_view) override {
        return 1'772'000'000LL * wt::kMicrosPerSecond;
    }
    const TimeZone& time_zone() const override { return zone_; }

  private:
    TimeZone zone_;
    std::vector<std::string> items_{"Ivan Petrov", "José O'Brien-Müller", "", "金正恩"};
};

TransactionView FixedTransaction() {
    TransactionView view;
    view.external_id = "t-1";
    view.occurred_at = 1'774'746'000LL * wt::kMicrosPerSecond;  // 2026-03-29T01:00:00Z, Berlin DST edge
    view.amount_minor = 125010;
    view.currency_exponent = 2;
    view.currency = "USD";
    view.direction = "outbound";
    view.type = "transfer";
    view.account_id = "acc-1";
    view.customer_id = "cus-1";
    view.counterparty_name = "Acme Trading Ltd";
    view.counterparty_country = "IR";
    view.channel = "web";
    view.metadata_json =
        R"({"mcc":"5411","score":42,"ratio":0.25,"vip":true,"a":{"b":{"c":"d\u00e9"}},"l":[1,{"x":"]"}]})";
    return view;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    CompileOptions options;
    options.list_exists = [](std::string_view name) { return name != "refused"; };
    CompileError error;
    auto rule = Compile(text, options, &error);
    if (!rule.ok()) {
        const wt::Error& failure = rule.error();
        if (failure.code != wt::ErrorCode::kValidationFailed || failure.fields.size() != 1 ||
            failure.fields[0].field != "expression")
            Fail("error shape", failure.detail);
        if (error.message.empty() || error.line < 1 || error.column < 1) Fail("error position/message", text);
        if (failure.fields[0].message != error.ToString()) Fail("error text", failure.fields[0].message);
        if (static_cast<std::size_t>(error.line) > size + 1 || static_cast<std::size_t>(error.column) > size + 1)
            Fail("error position outside the input", error.ToString());
        return 0;
    }
    for (const AggregateSpec& spec : rule->aggregates()) {
        if (spec.window_micros < kMinWindowMicros || spec.window_micros > kMaxWindowMicros)
            Fail("window", spec.canonical);
        if (spec.canonical.empty()) Fail("canonical", text);
    }
    static const TransactionView kTransaction = FixedTransaction();
    FixedContext context;
    Value result = Evaluate(*rule, kTransaction, context);
    if (result.type != Type::kBool) Fail("result not boolean", text);
    Trace trace = EvaluateWithTrace(*rule, kTransaction, context);
    if (trace.result.type != Type::kBool || trace.result.boolean != result.boolean) Fail("trace disagrees", text);
    return 0;
}
