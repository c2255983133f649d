// SPDX-License-Identifier: Apache-2.0
#include "ingest/writer.hpp"

#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "../common/test_support.hpp"
#include "crypto/crypto.hpp"

namespace wt::ingest {
namespace {

constexpr UnixMicros kNow = 1'795'000'000'000'000;  // 2026-11-18

class WriterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        org_ = crypto::NewId("org");
        db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, 'Acme', '{}', 0)",
                    {storage::Text(org_)});
    }

    PendingWrite Item(const std::string& external_id, const std::string& amount = "10.00",
                      const std::string& environment = "production", std::string idempotency_key = "") {
        auto parsed = ParseTransaction(R"({"external_id":")" + external_id + R"(","amount":")" + amount +
                                           R"(","currency":"USD","direction":"outbound","account_id":"acc-1"})",
                                       kNow);
        EXPECT_TRUE(parsed.ok());
        PendingWrite item;
        item.org_id = org_;
        item.environment = environment;
        item.api_key_id = "key_test";
        item.idempotency_key = idempotency_key.empty() ? external_id : idempotency_key;
        item.transaction = *parsed;
        item.fingerprint = parsed->Fingerprint();
        item.received_at = kNow;
        return item;
    }

    // Submits and waits (bounded) for the answers.
    std::vector<Result<Written>> Write(std::vector<PendingWrite> items) {
        std::promise<std::vector<Result<Written>>> promise;
        auto future = promise.get_future();
        writer_.Submit(std::move(items),
                       [&promise](std::vector<Result<Written>> results) { promise.set_value(std::move(results)); });
        EXPECT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
        return future.get();
    }
    Result<Written> WriteOne(PendingWrite item) {
        std::vector<PendingWrite> items;
        items.push_back(std::move(item));
        return std::move(Write(std::move(items)).at(0));
    }

    std::int64_t Count(const std::string& where = "1 = 1") {
        auto tx = db_.Read();
        auto row = tx->QueryOne("SELECT COUNT(*) FROM transactions WHERE " + where);
        return row.ok() && row->has_value() ? (*row)->GetInt(0) : -1;
    }

    testing::TestDb db_;
    Writer writer_{db_.db()};
    std::string org_;
};

TEST_F(WriterTest, StoresATransactionAndAnswersOnlyAfterCommit) {
    auto written = WriteOne(Item("txn-1", "1250.10"));
    ASSERT_TRUE(written.ok()) << written.error().detail;
    EXPECT_FALSE(written->replayed);
    EXPECT_EQ(written->id.rfind("txn_", 0), 0u);
    EXPECT_EQ(written->external_id, "txn-1");
    EXPECT_EQ(written->decision, "allow");
    EXPECT_EQ(written->received_at, kNow);
    // The answer arrived, so a fresh read transaction sees the committed row, exactly.
    auto tx = db_.Read();
    auto row = tx->QueryOne(
        "SELECT amount_minor, currency, direction, type, account_id, occurred_at, metadata "
        "FROM transactions WHERE id = $1",
        {storage::Text(written->id)});
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ((*row)->GetInt(0), 125010);
    EXPECT_EQ((*row)->GetText(1), "USD");
    EXPECT_EQ((*row)->GetText(2), "outbound");
    EXPECT_EQ((*row)->GetText(3), "other");
    EXPECT_EQ((*row)->GetText(4), "acc-1");
    EXPECT_EQ((*row)->GetInt(5), kNow) << "occurred_at defaults to the time received";
    EXPECT_EQ((*row)->GetText(6), "{}");
}

TEST_F(WriterTest, SameKeySameBodyIsAReplayOfTheFirstAnswer) {
    auto first = WriteOne(Item("txn-1"));
    ASSERT_TRUE(first.ok());
    auto again = WriteOne(Item("txn-1"));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->replayed);
    EXPECT_EQ(again->id, first->id);
    EXPECT_EQ(again->received_at, first->received_at);
    EXPECT_EQ(Count(), 1);
}

TEST_F(WriterTest, SameKeyDifferentBodyIsAnIdempotencyConflict) {
    ASSERT_TRUE(WriteOne(Item("txn-1", "10.00")).ok());
    auto changed = WriteOne(Item("txn-1", "10.01"));
    ASSERT_FALSE(changed.ok());
    EXPECT_EQ(changed.error().code, ErrorCode::kIdempotencyConflict);
    EXPECT_EQ(Count(), 1);
}

TEST_F(WriterTest, NewKeyWithAStoredExternalIdIsAConflict) {
    ASSERT_TRUE(WriteOne(Item("txn-1", "10.00", "production", "key-a")).ok());
    auto other_key = WriteOne(Item("txn-1", "10.00", "production", "key-b"));
    ASSERT_FALSE(other_key.ok());
    EXPECT_EQ(other_key.error().code, ErrorCode::kConflict);
    EXPECT_EQ(Count(), 1);
}

// Keys equal to their external_id are found through the external_id index, other keys through the
// idempotency index (storage migration 3): both must still see every stored key.
TEST_F(WriterTest, AnIdempotencyKeyHeaderIsReplayedAndConflictsLikeAnyKey) {
    auto first = WriteOne(Item("txn-1", "10.00", "production", "key-a"));
    ASSERT_TRUE(first.ok());
    auto again = WriteOne(Item("txn-1", "10.00", "production", "key-a"));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->replayed);
    EXPECT_EQ(again->id, first->id);
    auto changed = WriteOne(Item("txn-1", "10.01", "production", "key-a"));
    ASSERT_FALSE(changed.ok());
    EXPECT_EQ(changed.error().code, ErrorCode::kIdempotencyConflict);
    EXPECT_EQ(Count(), 1);
}

TEST_F(WriterTest, AKeyThatIsAnotherRowsExternalIdAndKeyIsThatRowsKey) {
    ASSERT_TRUE(WriteOne(Item("txn-1")).ok());  // key = external_id = txn-1 (a batch item)
    auto other_body = WriteOne(Item("txn-2", "10.00", "production", "txn-1"));
    ASSERT_FALSE(other_body.ok());
    EXPECT_EQ(other_body.error().code, ErrorCode::kIdempotencyConflict);
    EXPECT_EQ(Count(), 1);
}

TEST_F(WriterTest, AKeyThatIsOnlyAnotherRowsExternalIdIsANewKey) {
    ASSERT_TRUE(WriteOne(Item("txn-1", "10.00", "production", "key-a")).ok());
    auto second = WriteOne(Item("txn-2", "10.00", "production", "txn-1"));
    ASSERT_TRUE(second.ok()) << second.error().detail;
    EXPECT_FALSE(second->replayed);
    auto replay = WriteOne(Item("txn-2", "10.00", "production", "txn-1"));
    ASSERT_TRUE(replay.ok());
    EXPECT_TRUE(replay->replayed);
    EXPECT_EQ(replay->id, second->id);
    // Its own key is now taken: the row keyed by its external_id "txn-2" cannot be stored.
    auto by_external_id = WriteOne(Item("txn-2"));
    ASSERT_FALSE(by_external_id.ok());
    EXPECT_EQ(by_external_id.error().code, ErrorCode::kConflict);
    EXPECT_EQ(Count(), 2);
}

TEST_F(WriterTest, EnvironmentsNeverMix) {
    auto production = WriteOne(Item("txn-1", "10.00", "production"));
    auto sandbox = WriteOne(Item("txn-1", "99.00", "sandbox"));
    ASSERT_TRUE(production.ok());
    ASSERT_TRUE(sandbox.ok()) << "the same key in the other environment is another transaction";
    EXPECT_FALSE(sandbox->replayed);
    EXPECT_NE(production->id, sandbox->id);
    EXPECT_EQ(Count("environment = 'sandbox'"), 1);
    EXPECT_EQ(Count("environment = 'production'"), 1);
}

TEST_F(WriterTest, DuplicatesInsideOneRequestSeeEachOther) {
    std::vector<PendingWrite> items;
    items.push_back(Item("txn-1", "10.00"));
    items.push_back(Item("txn-1", "10.00"));
    items.push_back(Item("txn-1", "20.00"));
    items.push_back(Item("txn-2", "20.00"));
    auto results = Write(std::move(items));
    ASSERT_EQ(results.size(), 4u);
    ASSERT_TRUE(results[0].ok());
    ASSERT_TRUE(results[1].ok());
    EXPECT_TRUE(results[1]->replayed);
    EXPECT_EQ(results[1]->id, results[0]->id);
    ASSERT_FALSE(results[2].ok());
    EXPECT_EQ(results[2].error().code, ErrorCode::kIdempotencyConflict);
    ASSERT_TRUE(results[3].ok());
    EXPECT_EQ(Count(), 2);
}

TEST_F(WriterTest, FiftyConcurrentIdenticalRequestsStoreOneRow) {
    constexpr int kRequests = 50;
    std::vector<std::future<Result<Written>>> answers;
    for (int request_idx = 0; request_idx < kRequests; ++request_idx)
        answers.push_back(std::async(std::launch::async, [this] { return WriteOne(Item("txn-dup")); }));
    int created = 0, replayed = 0;
    std::set<std::string> ids;
    for (auto& answer : answers) {
        auto written = answer.get();
        ASSERT_TRUE(written.ok()) << written.error().detail;
        (written->replayed ? replayed : created)++;
        ids.insert(written->id);
    }
    EXPECT_EQ(created, 1);
    EXPECT_EQ(replayed, kRequests - 1);
    EXPECT_EQ(ids.size(), 1u) << "every answer names the one stored transaction";
    EXPECT_EQ(Count(), 1);
}

TEST_F(WriterTest, ConcurrentRequestsAreGroupCommitted) {
    constexpr int kThreads = 8, kPerThread = 100;
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
        threads.emplace_back([this, thread_idx] {
            for (int item_idx = 0; item_idx < kPerThread; ++item_idx) {
                auto written = WriteOne(Item("t" + std::to_string(thread_idx) + "-" + std::to_string(item_idx)));
                EXPECT_TRUE(written.ok());
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(Count(), kThreads * kPerThread);
    EXPECT_EQ(writer_.items_committed(), static_cast<std::uint64_t>(kThreads * kPerThread));
    // 800 requests from 8 concurrent senders need far fewer than 800 commits.
    EXPECT_LT(writer_.groups_committed(), static_cast<std::uint64_t>(kThreads * kPerThread));
}

TEST_F(WriterTest, AfterStopSubmissionsAreRefusedNotLost) {
    ASSERT_TRUE(WriteOne(Item("txn-1")).ok());
    writer_.Stop();
    auto refused = WriteOne(Item("txn-2"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(Count(), 1);
}

TEST_F(WriterTest, AFullQueueRefusesAtOnceAndStoresWhatItAccepted) {
    // The write lock is held by another connection: the writer's first group waits in BEGIN while
    // later requests queue up behind it, up to the bound.
    Writer::Options options;
    options.max_queued_items = 3;
    Writer bounded(db_.db(), options);
    auto blocker = db_.Write();
    std::vector<std::future<std::vector<Result<Written>>>> answers;
    std::vector<std::shared_ptr<std::promise<std::vector<Result<Written>>>>> promises;
    auto submit = [&](const std::string& external_id) {
        auto promise = std::make_shared<std::promise<std::vector<Result<Written>>>>();
        answers.push_back(promise->get_future());
        std::vector<PendingWrite> items;
        items.push_back(Item(external_id));
        bounded.Submit(std::move(items), [promise](auto results) { promise->set_value(std::move(results)); });
    };
    submit("q-0");  // taken by the writer into a group (waiting for the lock), or still queued
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (int idx = 1; idx <= 5; ++idx) submit("q-" + std::to_string(idx));
    // q-1..q-3 fit the queue; q-4 and q-5 are refused at once, before anything is committed.
    for (int idx = 4; idx <= 5; ++idx) {
        ASSERT_EQ(answers[idx].wait_for(std::chrono::seconds(1)), std::future_status::ready) << "q-" << idx;
        auto refused = answers[idx].get();
        ASSERT_EQ(refused.size(), 1u);
        ASSERT_FALSE(refused[0].ok());
        EXPECT_EQ(refused[0].error().code, ErrorCode::kUnavailable);
        EXPECT_EQ(refused[0].error().retry_after_seconds, 1);
    }
    blocker.reset();
    for (int idx = 0; idx <= 3; ++idx) {
        ASSERT_EQ(answers[idx].wait_for(std::chrono::seconds(30)), std::future_status::ready) << "q-" << idx;
        auto stored = answers[idx].get();
        EXPECT_TRUE(stored.at(0).ok()) << "q-" << idx;
    }
    bounded.Stop();
    EXPECT_EQ(Count(), 4);
}

TEST_F(WriterTest, AStorageFailureFailsTheWholeGroupAndStoresNothing) {
    // Another writer holds the write lock past the busy timeout: the group cannot begin.
    auto opened = storage::Open(db_.dir() + "/watchtower.db", storage::OpenOptions{50, 2, false});
    ASSERT_TRUE(opened.ok());
    Writer impatient(**opened);
    auto blocker = db_.Write();
    std::vector<PendingWrite> items;
    items.push_back(Item("txn-1"));
    items.push_back(Item("txn-2"));
    std::promise<std::vector<Result<Written>>> promise;
    auto future = promise.get_future();
    impatient.Submit(std::move(items), [&promise](auto results) { promise.set_value(std::move(results)); });
    ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    auto results = future.get();
    blocker.reset();
    ASSERT_EQ(results.size(), 2u);
    for (const auto& result : results) {
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
    }
    EXPECT_EQ(Count(), 0);
}

// Records what it saw, and writes one row of its own in the group's transaction.
class RecordingObserver : public GroupObserver {
  public:
    explicit RecordingObserver(bool fail) : fail_(fail) {}
    Result<void> BeforeCommit(storage::Transaction& tx, std::span<const StoredItem> stored) override {
        for (const auto& entry : stored) seen.push_back(entry.written.external_id + "/" + entry.item.org_id);
        if (fail_) return Error::Make(ErrorCode::kUnavailable, "observer refused the group");
        auto marked = tx.Exec("UPDATE organizations SET name = $1", {storage::Text("seen " + std::to_string(stored.size()))});
        if (!marked) return marked.error();
        return {};
    }
    void AfterCommit() override { ++commits; }
    std::vector<std::string> seen;
    int commits = 0;

  private:
    bool fail_;
};

TEST_F(WriterTest, ObserversSeeOnlyStoredItemsInsideTheGroupsTransaction) {
    RecordingObserver observer(false);
    Writer::Options options;
    options.observers.push_back(&observer);
    Writer observed(db_.db(), options);
    auto write = [&](std::vector<PendingWrite> items) {
        std::promise<std::vector<Result<Written>>> promise;
        auto future = promise.get_future();
        observed.Submit(std::move(items), [&promise](auto results) { promise.set_value(std::move(results)); });
        EXPECT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
        return future.get();
    };
    std::vector<PendingWrite> first;
    first.push_back(Item("txn-1"));
    first.push_back(Item("txn-2"));
    ASSERT_TRUE(write(std::move(first)).at(1).ok());
    // A replay and a conflict store nothing: the observer is not called for that group.
    std::vector<PendingWrite> second;
    second.push_back(Item("txn-1"));
    second.push_back(Item("txn-2", "99.00"));
    auto answers = write(std::move(second));
    EXPECT_TRUE(answers.at(0)->replayed);
    EXPECT_FALSE(answers.at(1).ok());
    observed.Stop();
    EXPECT_EQ(observer.seen, (std::vector<std::string>{"txn-1/" + org_, "txn-2/" + org_}));
    EXPECT_EQ(observer.commits, 1);
    auto tx = db_.Read();
    auto name = tx->QueryOne("SELECT name FROM organizations WHERE id = $1", {storage::Text(org_)});
    ASSERT_TRUE(name.ok() && name->has_value());
    EXPECT_EQ((*name)->GetText(0), "seen 2") << "the observer's write committed with the group";
}

TEST_F(WriterTest, AnObserverErrorFailsTheWholeGroupAndStoresNothing) {
    RecordingObserver observer(true);
    Writer::Options options;
    options.observers.push_back(&observer);
    Writer observed(db_.db(), options);
    std::vector<PendingWrite> items;
    items.push_back(Item("txn-1"));
    items.push_back(Item("txn-2"));
    std::promise<std::vector<Result<Written>>> promise;
    auto future = promise.get_future();
    observed.Submit(std::move(items), [&promise](auto results) { promise.set_value(std::move(results)); });
    ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    for (const auto& result : future.get()) {
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
    }
    observed.Stop();
    EXPECT_EQ(observer.commits, 0);
    EXPECT_EQ(Count(), 0);
}

}  // namespace
}  // namespace wt::ingest
