// SPDX-License-Identifier: Apache-2.0
// Focused tests where data files are awkward: decimal limits, aggregate specs and their canonical
// texts, time zones, limits on expression size and depth, traces, allocation-free evaluation,
// concurrent evaluation.
#include "rules/language.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>

#include "rules/decimal.hpp"
#include "test_context.hpp"

// Counts allocations so that a test can show the evaluation hot path does not allocate.
namespace {
std::atomic<long> g_allocations{0};
}
void* operator new(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace wt::rules {
namespace {

Decimal D(std::string_view text) {
    auto value = Decimal::Parse(text);
    EXPECT_TRUE(value.has_value()) << text;
    return value.value_or(Decimal());
}

TEST(DecimalTest, ParseAndFormat) {
    EXPECT_EQ(D("1250.10").ToString(), "1250.1");  // trailing zeros dropped by Parse
    EXPECT_EQ(D("-0.001").ToString(), "-0.001");
    EXPECT_EQ(D("1.5e3").ToString(), "1500");
    EXPECT_EQ(D("15e-1").ToString(), "1.5");
    EXPECT_EQ(D("0007").ToString(), "7");
    EXPECT_EQ(Decimal::Make(125010, 2)->ToString(), "1250.10");
    for (std::string_view bad : {"", "-", "1.", ".5", "1e", "abc", "1.2.3", "1 ", "+1", "1e-400"})
        EXPECT_FALSE(Decimal::Parse(bad).has_value()) << bad;
    EXPECT_TRUE(Decimal::Parse(std::string(36, '9')).has_value());
    EXPECT_FALSE(Decimal::Parse(std::string(37, '9')).has_value());
    EXPECT_FALSE(Decimal::Parse("1e40").has_value());
}

TEST(DecimalTest, ExactArithmetic) {
    EXPECT_EQ(*Add(D("0.1"), D("0.2")), D("0.3"));
    EXPECT_EQ(*Mul(D("1.1"), D("1.1")), D("1.21"));
    EXPECT_EQ(Div(D("1"), D("3"))->ToString(), "0.333333333333");
    EXPECT_EQ(Div(D("-2"), D("3"))->ToString(), "-0.666666666667");
    EXPECT_EQ(Div(*Decimal::Make(1000, 2), D("4"))->ToString(), "2.50");
    EXPECT_FALSE(Div(D("1"), D("0")).has_value());
    EXPECT_EQ(D("2.345").Round(2)->ToString(), "2.35");
    EXPECT_EQ(D("-2.5").Round(0)->ToString(), "-3");
    EXPECT_EQ(D("2.5").Round(0)->ToString(), "3");
}

TEST(DecimalTest, OverflowIsNulloptNeverUb) {
    Decimal max = D(std::string(36, '9'));
    EXPECT_FALSE(Add(max, D("1")).has_value());
    EXPECT_FALSE(Sub(max.Negate().value(), D("1")).has_value());
    EXPECT_FALSE(Mul(max, max).has_value());
    EXPECT_FALSE(Mul(max, D("10")).has_value());
    EXPECT_TRUE(Mul(max, D("0")).has_value());
    EXPECT_FALSE(Div(max, D("0.000000000000000001")).has_value());
    EXPECT_EQ(*Div(D("0.000000000000000001"), max), D("0"));
}

TEST(DecimalTest, CompareAcrossScalesAndSigns) {
    Decimal max = D(std::string(36, '9'));
    Decimal tiny = D("0.000000000000000001");
    EXPECT_GT(Compare(max, tiny), 0);
    EXPECT_LT(Compare(tiny, max), 0);
    EXPECT_LT(Compare(max.Negate().value(), tiny.Negate().value()), 0);
    EXPECT_EQ(Compare(D("1000"), *Decimal::Make(100000, 2)), 0);
    EXPECT_LT(Compare(D("-1"), D("0")), 0);
}

TEST(CompileTest, ErrorCarriesLineAndColumn) {
    CompileError error;
    auto rule = Compile("amount > 1000\n  and curency == \"USD\"", {}, &error);
    ASSERT_FALSE(rule.ok());
    EXPECT_EQ(error.line, 2);
    EXPECT_EQ(error.column, 7);
    EXPECT_EQ(rule.error().code, ErrorCode::kValidationFailed);
    EXPECT_EQ(rule.error().fields.at(0).message, "2:7: unknown field \"curency\"; did you mean \"currency\"?");
}

TEST(CompileTest, ColumnsCountCodePoints) {
    CompileError error;
    ASSERT_FALSE(Compile("\"é\" == amount", {}, &error).ok());
    EXPECT_EQ(error.column, 5);
}

TEST(CompileTest, LimitsOnSizeAndDepth) {
    CompileError error;
    std::string long_text(70000, ' ');
    long_text += "true";
    EXPECT_FALSE(Compile(long_text, {}, &error).ok());
    EXPECT_EQ(error.message, "the expression is too long (at most 65536 bytes)");

    // A long left-deep chain without parentheses is bounded too (the evaluator recurses).
    std::string chain = "1";
    for (int term = 0; term < 5000; ++term) chain += " + 1";
    chain += " > 0";
    EXPECT_FALSE(Compile(chain, {}, &error).ok());
    EXPECT_EQ(error.message, "the expression is nested too deeply (at most 64 levels)");

    std::string wide = "currency in [";
    for (int item = 0; item < 2000; ++item) wide += "\"X" + std::to_string(item) + "\", ";
    wide += "\"USD\"]";
    EXPECT_TRUE(Compile(wide).ok());
}

TEST(CompileTest, ListsAreCollected) {
    auto rule = Compile("country in list(\"b\") or country in list(\"a\") or similarity(country, list(\"b\")) > 0.9");
    ASSERT_TRUE(rule.ok());
    EXPECT_EQ(rule->lists(), (std::vector<std::string>{"a", "b"}));
}

TEST(AggregateSpecTest, EqualSpecsShareCanonicalTextAndHash) {
    auto first = Compile("count(by: account_id, window: 60m, where: direction == \"outbound\") > 5");
    auto second = Compile("count ( by:account_id,window:1h , where:(direction=='outbound') ) >= 2 and amount > 1");
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(second.ok()) << second.error().fields[0].message;
    ASSERT_EQ(first->aggregates().size(), 1u);
    ASSERT_EQ(second->aggregates().size(), 1u);
    const AggregateSpec& a = first->aggregates()[0];
    const AggregateSpec& b = second->aggregates()[0];
    EXPECT_EQ(a.canonical, "count(by: [account_id], window: 1h, where: (direction == \"outbound\"))");
    EXPECT_EQ(a.canonical, b.canonical);
    EXPECT_EQ(a.hash, b.hash);
    EXPECT_EQ(a.window_micros, kMicrosPerHour);
    EXPECT_EQ(a.line, 1);
    EXPECT_EQ(a.column, 1);
    EXPECT_TRUE(a.has_filter);
    EXPECT_FALSE(a.has_value);
    EXPECT_EQ(a.key_count, 1u);
}

TEST(AggregateSpecTest, DifferentSpecsDiffer) {
    auto rule = Compile(
        "sum(amount, by: customer_id, window: 24h) > 1.0 and sum(amount, by: customer_id, window: 25h) > 1 and "
        "distinct_count(counterparty.country, by: [account_id, counterparty.account], window: 7d) > 3 and "
        "amount > 5 * avg(amount, by: account_id, window: 30d)");
    ASSERT_TRUE(rule.ok());
    const auto& specs = rule->aggregates();
    ASSERT_EQ(specs.size(), 4u);
    EXPECT_EQ(specs[0].canonical, "sum(amount, by: [customer_id], window: 1d)");
    EXPECT_EQ(specs[1].canonical, "sum(amount, by: [customer_id], window: 1d1h)");
    EXPECT_EQ(specs[2].canonical,
              "distinct_count(counterparty.country, by: [account_id, counterparty.account], window: 7d)");
    EXPECT_EQ(specs[2].function, AggregateFunction::kDistinctCount);
    EXPECT_EQ(specs[2].key_count, 2u);
    EXPECT_EQ(specs[3].function, AggregateFunction::kAvg);
    EXPECT_NE(specs[0].hash, specs[1].hash);
}

TEST(AggregateSpecTest, HelpersEvaluateSpecPartsOnAnyTransaction) {
    auto rule =
        Compile("sum(amount, by: [account_id, lower(counterparty.name)], window: 1d, where: type == \"cash\") > 0");
    ASSERT_TRUE(rule.ok());
    ingest::Transaction txn;
    txn.external_id = "x";
    txn.account_id = "acc-1";
    txn.counterparty_name = "ACME";
    txn.amount_minor = 1234;
    txn.type = ingest::TransactionType::kCash;
    TransactionView view = testing::ViewOf(txn);
    testing::BruteForceContext context;
    std::string key;
    ASSERT_TRUE(AggregateKey(*rule, 0, view, context, &key));
    EXPECT_EQ(key, "s5:acc-1\x1fs4:acme\x1f");
    EXPECT_TRUE(AggregateFilter(*rule, 0, view, context));
    Value value = AggregateValue(*rule, 0, view, context);
    ASSERT_EQ(value.type, Type::kDecimal);
    EXPECT_EQ(value.decimal.ToString(), "12.34");
    txn.counterparty_name.reset();
    view = testing::ViewOf(txn);
    EXPECT_FALSE(AggregateKey(*rule, 0, view, context, &key));
    EXPECT_FALSE(AggregateKey(*rule, 7, view, context, &key));
}

TEST(TimeZoneTest, FindsIanaZonesAndRefusesOthers) {
    EXPECT_TRUE(TimeZone::Find("Europe/Berlin").ok());
    EXPECT_TRUE(TimeZone::Find("UTC").ok());
    EXPECT_FALSE(TimeZone::Find("Mars/Olympus").ok());
    EXPECT_FALSE(TimeZone::Find("").ok());
    auto berlin = TimeZone::Find("Europe/Berlin");
    ASSERT_TRUE(berlin.ok());
    // 2026-03-29T01:00:00Z is 03:00 CEST; one microsecond earlier 01:59:59.999999 CET.
    UnixMicros edge = 1'774'746'000LL * kMicrosPerSecond;
    EXPECT_EQ(berlin->ToLocal(edge) - edge, 2 * kMicrosPerHour);
    EXPECT_EQ(berlin->ToLocal(edge - 1) - (edge - 1), kMicrosPerHour);
    EXPECT_EQ(TimeZone().ToLocal(edge), edge);
}

ingest::Transaction SampleTransaction() {
    ingest::Transaction txn;
    txn.external_id = "t-1";
    txn.occurred_at = 1'773'144'000LL * kMicrosPerSecond;
    txn.amount_minor = 150000;
    txn.currency = "USD";
    txn.account_id = "acc-1";
    txn.counterparty_name = "Acme Trading Ltd";
    txn.counterparty_country = "IR";
    txn.metadata_json = R"({"mcc":"5411","score":42})";
    return txn;
}

TEST(EvaluateTest, TraceListsSubExpressionsWithSpans) {
    auto rule = Compile("amount > 1000 and\n  counterparty.country in [\"IR\", \"KP\"]");
    ASSERT_TRUE(rule.ok());
    ingest::Transaction txn = SampleTransaction();
    testing::BruteForceContext context;
    Trace trace = EvaluateWithTrace(*rule, testing::ViewOf(txn), context);
    EXPECT_TRUE(trace.result.IsTrue());
    ASSERT_EQ(trace.steps.size(), 5u);
    EXPECT_EQ(trace.steps[0].text, "amount");
    EXPECT_EQ(trace.steps[0].value, "1500.00");
    EXPECT_EQ(trace.steps[1].text, "amount > 1000");
    EXPECT_EQ(trace.steps[2].text, "counterparty.country");
    EXPECT_EQ(trace.steps[2].line, 2);
    EXPECT_EQ(trace.steps[2].column, 3);
    EXPECT_EQ(trace.steps[2].value, "\"IR\"");
    EXPECT_EQ(trace.steps[3].text, "counterparty.country in [\"IR\", \"KP\"]");
    EXPECT_EQ(trace.steps[4].value, "true");
    EXPECT_EQ(trace.steps[4].begin, 0u);
}

TEST(EvaluateTest, DefaultRuleIsFalse) {
    CompiledRule empty;
    ingest::Transaction txn = SampleTransaction();
    testing::BruteForceContext context;
    EXPECT_FALSE(Evaluate(empty, testing::ViewOf(txn), context).IsTrue());
    EXPECT_TRUE(empty.aggregates().empty());
}

TEST(EvaluateTest, SteadyStateDoesNotAllocate) {
    auto rule = Compile(
        "amount > 1000 and lower(counterparty.name) == \"acme trading ltd\" and metadata.mcc == \"5411\" and "
        "counterparty.country in [\"IR\", \"KP\"] and hour_of_day(occurred_at) >= 0 and "
        "count(by: account_id, window: 1h) == 0");
    ASSERT_TRUE(rule.ok());
    ingest::Transaction txn = SampleTransaction();
    TransactionView view = testing::ViewOf(txn);
    testing::BruteForceContext context;                    // no history: Aggregate allocates nothing either
    ASSERT_TRUE(Evaluate(*rule, view, context).IsTrue());  // warms the thread's scratch area
    long before = g_allocations.load();
    for (int round = 0; round < 100; ++round) ASSERT_TRUE(Evaluate(*rule, view, context).IsTrue());
    EXPECT_EQ(g_allocations.load() - before, 0);
}

TEST(EvaluateTest, ConcurrentEvaluationOfOneRule) {
    auto rule = Compile(
        "lower(counterparty.name) == \"acme trading ltd\" and similarity(counterparty.name, \"ACME Trading\") > 0.8");
    ASSERT_TRUE(rule.ok());
    ingest::Transaction txn = SampleTransaction();
    TransactionView view = testing::ViewOf(txn);
    std::atomic<int> hits{0};
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
        threads.emplace_back([&] {
            testing::BruteForceContext context;
            for (int round = 0; round < 500; ++round)
                if (Evaluate(*rule, view, context).IsTrue()) hits.fetch_add(1);
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(hits.load(), 2000);
}

TEST(EvaluateTest, AggregateAsksContextWithKeyOfCurrentTransaction) {
    auto rule = Compile("count(by: [account_id, counterparty.country], window: 1h) == 0");
    ASSERT_TRUE(rule.ok());
    ingest::Transaction txn = SampleTransaction();
    testing::BruteForceContext context;
    EXPECT_TRUE(Evaluate(*rule, testing::ViewOf(txn), context).IsTrue());
    EXPECT_EQ(context.aggregate_calls, 1);
}

}  // namespace
}  // namespace wt::rules
