// SPDX-License-Identifier: Apache-2.0
// The rules engine as the writer's Decider (engine/engine.hpp) on a real SQLite file: a group that
// fails leaves no trace (windows, first-seen times, stored hits and alerts), a committed group
// stays, two items of one group see each other, the window state grows with keys, and Start
// rebuilds it from the transactions stored by the real group-commit writer.
#include "engine/engine.hpp"

#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "../common/test_support.hpp"
#include "engine/catalog.hpp"
#include "ingest/writer.hpp"
#include "orgs/organizations.hpp"

namespace wt::engine {
namespace {

using testing::ManualClock;

RuleInput Input(const std::string& name, const std::string& expression, const std::string& action, int score) {
    RuleInput input;
    input.name = name;
    input.expression = expression;
    input.severity = "medium";
    input.action = action;
    input.score = score;
    input.status = "active";
    return input;
}

class EngineTest : public ::testing::Test {
protected:
    EngineTest() : clock_(std::make_shared<ManualClock>()) {}

    void SetUp() override {
        auto tx = db_.Write();
        auto acme = orgs::CreateOrganizationWithAdmin(*tx, "Acme", "admin@acme.test", "Ada", "hash-a", clock_->Now());
        ASSERT_TRUE(acme.ok()) << acme.error().detail;
        ASSERT_TRUE(tx->Commit().ok());
        org_ = acme->org.id;
        // review: the account has history in the last hour; alert (score 7): first seen > 10 min ago.
        AddRule(Input("history", "count(by: account_id, window: 1h) >= 1", "review", 30));
        AddRule(Input("old account", "account_age() > 10m", "alert", 7));
    }

    void AddRule(const RuleInput& input) {
        auto tx = db_.Write();
        auto rule = CreateRule(*tx, org_, input, Change{"", "", "engine-test", clock_->Now()});
        ASSERT_TRUE(rule.ok()) << rule.error().detail;
        ASSERT_TRUE(tx->Commit().ok());
    }

    std::unique_ptr<Engine> StartEngine() {
        auto engine = std::make_unique<Engine>(db_.db(), clock_, Engine::Options{});
        auto started = engine->Start();
        EXPECT_TRUE(started.ok()) << started.error().detail;
        return engine;
    }

    // A new item of `account`, occurred `minutes` after the clock's start.
    ingest::PendingWrite Item(const std::string& account, int minutes, const std::string& environment = "production") {
        ingest::PendingWrite item;
        item.org_id = org_;
        item.environment = environment;
        item.api_key_id = "key_test";
        item.transaction.external_id = "ext-" + std::to_string(++sequence_);
        item.transaction.occurred_at = start_ + minutes * 60 * kMicrosPerSecond;
        item.transaction.amount_minor = 1000;
        item.transaction.currency = "USD";
        item.transaction.account_id = account;
        item.idempotency_key = item.transaction.external_id;
        item.fingerprint = item.transaction.Fingerprint();
        item.received_at = clock_->Now();
        item.id = "txn_" + std::to_string(sequence_);
        return item;
    }

    // Decides `item` in `tx`; answers "decision/score/alerts".
    std::string Decide(Engine& engine, storage::Transaction& tx, ingest::PendingWrite& item) {
        std::vector<ingest::RaisedAlert> alerts;
        auto decided = engine.Decide(tx, item, &alerts);
        EXPECT_TRUE(decided.ok()) << decided.error().detail;
        return item.decision + "/" + std::to_string(item.score) + "/" + std::to_string(alerts.size());
    }

    std::int64_t CountRows(const char* table) {
        auto tx = db_.Read();
        auto row = tx->QueryOne(std::string("SELECT COUNT(*) FROM ") + table);
        EXPECT_TRUE(row.ok() && row->has_value());
        return row.ok() && row->has_value() ? (*row)->GetInt(0) : -1;
    }

    testing::TestDb db_;
    std::shared_ptr<ManualClock> clock_;
    const UnixMicros start_ = 1'780'000'000 * kMicrosPerSecond;
    std::string org_;
    int sequence_ = 0;
};

TEST_F(EngineTest, AnAbortedGroupLeavesNoTrace) {
    auto engine = StartEngine();
    const auto before = engine->AggregateStats();
    {
        auto tx = db_.Write();
        auto first = Item("acc-a", 0);
        auto second = Item("acc-a", 30);
        EXPECT_EQ(Decide(*engine, *tx, first), "allow/0/0");
        // In the same group the second sees the first: history, and first seen 30 min earlier.
        EXPECT_EQ(Decide(*engine, *tx, second), "review/37/2");
        EXPECT_GT(engine->AggregateStats().events, before.events);
        // The group's transaction is rolled back (never committed), then the engine is told.
    }
    engine->GroupAborted();
    EXPECT_EQ(CountRows("rule_hits"), 0);
    EXPECT_EQ(CountRows("alerts"), 0);
    const auto after = engine->AggregateStats();
    EXPECT_EQ(after.keys, before.keys);
    EXPECT_EQ(after.events, before.events);

    // The next decision of the account sees the window and the account as before the group: empty
    // history, a new account (account_age 0s).
    auto tx = db_.Write();
    auto third = Item("acc-a", 45);
    EXPECT_EQ(Decide(*engine, *tx, third), "allow/0/0");
    ASSERT_TRUE(tx->Commit().ok());
    engine->GroupCommitted();
}

TEST_F(EngineTest, ACommittedGroupStays) {
    auto engine = StartEngine();
    {
        auto tx = db_.Write();
        auto first = Item("acc-b", 0);
        EXPECT_EQ(Decide(*engine, *tx, first), "allow/0/0");
        ASSERT_TRUE(tx->Commit().ok());
        engine->GroupCommitted();
    }
    const auto committed = engine->AggregateStats();
    {
        // A later aborted group does not take the committed one with it.
        auto tx = db_.Write();
        auto doomed = Item("acc-b", 5);
        EXPECT_EQ(Decide(*engine, *tx, doomed), "review/30/1");
    }
    engine->GroupAborted();
    EXPECT_EQ(engine->AggregateStats().events, committed.events);

    auto tx = db_.Write();
    auto second = Item("acc-b", 20);
    EXPECT_EQ(Decide(*engine, *tx, second), "review/37/2") << "the first is history, first seen 20 min earlier";
    ASSERT_TRUE(tx->Commit().ok());
    engine->GroupCommitted();
    EXPECT_EQ(CountRows("alerts"), 2);
    EXPECT_EQ(CountRows("rule_hits"), 2);
    // Other accounts and the other environment have their own history.
    auto tx2 = db_.Write();
    auto other = Item("acc-c", 21);
    EXPECT_EQ(Decide(*engine, *tx2, other), "allow/0/0");
    auto sandbox = Item("acc-b", 22, "sandbox");
    EXPECT_EQ(Decide(*engine, *tx2, sandbox), "allow/0/0");
    ASSERT_TRUE(tx2->Commit().ok());
    engine->GroupCommitted();
}

TEST_F(EngineTest, TwoItemsOfOneGroupSeeEachOther) {
    auto engine = StartEngine();
    auto tx = db_.Write();
    auto first = Item("acc-d", 0);
    auto second = Item("acc-d", 1);
    auto third = Item("acc-e", 1);
    EXPECT_EQ(Decide(*engine, *tx, first), "allow/0/0");
    EXPECT_EQ(Decide(*engine, *tx, second), "review/30/1");
    EXPECT_EQ(Decide(*engine, *tx, third), "allow/0/0");
    ASSERT_TRUE(tx->Commit().ok());
    engine->GroupCommitted();
}

TEST_F(EngineTest, AggregateStatsGrowWithKeys) {
    auto engine = StartEngine();
    const auto before = engine->AggregateStats();
    EXPECT_GE(before.aggregates, 1u) << "the history rule's count is tracked";
    constexpr int kAccounts = 25;
    auto tx = db_.Write();
    for (int idx = 0; idx < kAccounts; ++idx) {
        auto item = Item("acc-stats-" + std::to_string(idx), idx);
        Decide(*engine, *tx, item);
    }
    ASSERT_TRUE(tx->Commit().ok());
    engine->GroupCommitted();
    const auto after = engine->AggregateStats();
    EXPECT_EQ(after.keys, before.keys + kAccounts);
    EXPECT_EQ(after.events, before.events + kAccounts);
    EXPECT_GT(after.bytes, before.bytes);
    EXPECT_EQ(after.aggregates, before.aggregates);
}

TEST_F(EngineTest, StartRebuildsTheWindowsFromWhatTheWriterStored) {
    auto engine = StartEngine();
    {
        ingest::Writer::Options options;
        options.decider = engine.get();
        ingest::Writer writer(db_.db(), options);
        std::vector<ingest::PendingWrite> items = {Item("acc-r", 0), Item("acc-r", 1)};
        std::promise<std::vector<Result<ingest::Written>>> done;
        auto answered = done.get_future();
        writer.Submit(std::move(items), [&done](std::vector<Result<ingest::Written>> results) {
            done.set_value(std::move(results));
        });
        ASSERT_EQ(answered.wait_for(std::chrono::seconds(20)), std::future_status::ready);
        auto results = answered.get();
        ASSERT_EQ(results.size(), 2u);
        ASSERT_TRUE(results[0].ok() && results[1].ok());
        EXPECT_EQ(results[0]->decision, "allow");
        EXPECT_EQ(results[1]->decision, "review");
        writer.Stop();
    }
    engine.reset();
    auto restarted = StartEngine();
    auto tx = db_.Write();
    auto next = Item("acc-r", 15);
    EXPECT_EQ(Decide(*restarted, *tx, next), "review/37/2") << "two stored in the hour, first seen 15 min ago";
    ASSERT_TRUE(tx->Commit().ok());
    restarted->GroupCommitted();
}

TEST_F(EngineTest, ABacktestRefusesAnHourWithMoreTransactionsThanItSortsInMemory) {
    Engine::Options options;
    options.max_backtest_rows_per_hour = 2;
    Engine engine(db_.db(), clock_, options);
    ASSERT_TRUE(engine.Start().ok());
    {
        auto tx = db_.Write();
        for (int minute : {1, 2, 3, 70}) {  // three in the first hour, one in the next
            auto item = Item("acc-bt", minute);
            Decide(engine, *tx, item);
            ASSERT_TRUE(tx->Exec("INSERT INTO transactions (id, org_id, environment, external_id, idempotency_key, "
                                 "fingerprint, occurred_at, received_at, amount_minor, currency, direction, type, "
                                 "account_id, metadata, decision, score, api_key_id) VALUES ($1, $2, 'production', "
                                 "$3, $3, 'f', $4, $4, 1000, 'USD', 'outbound', 'other', 'acc-bt', '{}', 'allow', 0, "
                                 "'key_test')",
                                 {storage::Text(item.id), storage::Text(org_), storage::Text(item.transaction.external_id),
                                  storage::Int(*item.transaction.occurred_at)})
                            .ok());
        }
        ASSERT_TRUE(tx->Commit().ok());
        engine.GroupCommitted();
    }
    auto rule = rules::Compile("amount > 1");
    ASSERT_TRUE(rule.ok());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    const UnixMicros hour = 3600 * kMicrosPerSecond;
    const UnixMicros first_hour = start_ / hour * hour;
    auto refused = engine.Backtest(org_, "production", *rule, first_hour, first_hour + 2 * hour, deadline);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kValidationFailed);
    ASSERT_EQ(refused.error().fields.size(), 1u);
    EXPECT_EQ(refused.error().fields[0].field, "from");
    // The later hour alone holds one: within the limit.
    auto later = engine.Backtest(org_, "production", *rule, first_hour + hour, first_hour + 2 * hour, deadline);
    ASSERT_TRUE(later.ok()) << later.error().detail;
    EXPECT_EQ(later->evaluated, 1);
    EXPECT_EQ(later->hits, 1);
}

}  // namespace
}  // namespace wt::engine
