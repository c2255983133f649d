// SPDX-License-Identifier: Apache-2.0
// The deferred transaction references (storage migration 10) against brute force: seeded traffic
// through a real Writer with a tiny flush interval, so that at every comparison some rows have their
// references and the newest do not, and every answer of RefQuerySql / RefNextHourSql must equal a
// plain query on `transactions` exactly (same ids, same order, page by page).
#include "ingest/transaction_refs.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "../common/test_support.hpp"
#include "crypto/crypto.hpp"

namespace wt::ingest {
namespace {

using storage::Int;
using storage::Text;
using storage::Value;

constexpr UnixMicros kNow = 1'795'000'000'000'000;  // 2026-11-18
constexpr std::int64_t kMicrosPerHourRef = 3'600'000'000;
constexpr std::size_t kFlushEvery = 6;          // TransactionRefs: one table flushed every 3 stored rows
constexpr std::size_t kTurnEvery = kFlushEvery / 3 + 1;
constexpr int kPage = 7;
const std::array<std::string, 2> kEnvironments = {"production", "sandbox"};
constexpr std::array<const char*, 3> kRefNames = {"account", "customer", "hour"};
// "acc-a01" / "acc-b01" / "x01" and "cus-a07" / "cus-b07" share their last two characters, so their
// bucket too; "acc-never01" and "cus-never07" are never stored but fall in those same buckets.
// "konto-äü" ends in characters beyond ASCII (unicode() code points in the bucket).
const std::vector<std::string> kAccounts = {"acc-a01", "acc-b01", "x01", "acc-c02", "acc-7", "acc-zz", "konto-äü"};
const std::vector<std::string> kQueriedAccounts = {"acc-a01", "acc-b01", "x01",      "acc-c02",
                                                   "acc-7",   "acc-zz",  "konto-äü", "acc-never01"};
const std::vector<std::string> kCustomers = {"cus-a07", "cus-b07", "cus-9"};  // plus NULL
const std::vector<std::string> kQueriedCustomers = {"cus-a07", "cus-b07", "cus-9", "cus-never07"};
constexpr int kHoursSpread = 9;  // occurred_at falls in the 9 hours before kNow

// Decides by amount, so that a condition on `decision` selects part of every key's rows.
class AmountDecider final : public Decider {
  public:
    Result<void> Decide(storage::Transaction&, PendingWrite& item, std::vector<RaisedAlert>*) override {
        static constexpr std::array<const char*, 3> kDecisions = {"allow", "review", "block"};
        item.decision = kDecisions[item.transaction.amount_minor % 3];
        return {};
    }
    void GroupCommitted() override {}
    void GroupAborted() override {}
};

// Placed after the TransactionRefs observer: records, per group, which reference tables the refs
// observer flushed inside the group's transaction (their watermark moved), and fails one group
// BeforeCommit when armed.
class FlushSpy final : public GroupObserver {
  public:
    Result<void> BeforeCommit(storage::Transaction& tx, std::span<const StoredItem>) override {
        auto rows = tx.Query("SELECT ref, through_rowid FROM transaction_refs_state");
        if (!rows) return rows.error();
        pending_.clear();
        std::set<std::string> moved;
        for (const auto& row : *rows) {
            pending_[row.GetText(0)] = row.GetInt(1);
            if (committed_[row.GetText(0)] != row.GetInt(1)) moved.insert(row.GetText(0));
        }
        groups_.push_back(moved);
        if (fail_next_) {
            fail_next_ = false;
            return Error::Internal("FlushSpy: this group fails");
        }
        return {};
    }
    void AfterCommit() override { committed_ = pending_; }

    void FailNextGroup() { fail_next_ = true; }
    // The tables flushed in each group seen, failed ones included. Read it once the writes were answered.
    const std::vector<std::set<std::string>>& groups() const { return groups_; }

  private:
    std::map<std::string, std::int64_t> committed_;  // the watermarks as of the last commit
    std::map<std::string, std::int64_t> pending_;
    std::vector<std::set<std::string>> groups_;
    bool fail_next_ = false;
};

class TransactionRefsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        org_ = crypto::NewId("org");
        db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, 'Acme', '{}', 0)",
                    {Text(org_)});
    }

    static Writer::Options WriterOptions(Decider* decider, std::vector<GroupObserver*> observers) {
        Writer::Options options;
        options.decider = decider;
        options.observers = std::move(observers);
        return options;
    }

    // One random transaction: account, customer (a quarter NULL), environment, hour and amount drawn
    // from the seeded generator.
    PendingWrite RandomItem() {
        Transaction transaction;
        transaction.external_id = "ext-" + std::to_string(next_external_++);
        transaction.amount_minor = 1 + static_cast<std::int64_t>(rng_() % 100'000);
        transaction.currency = "USD";
        transaction.account_id = kAccounts[rng_() % kAccounts.size()];
        if (const std::size_t customer_idx = rng_() % (kCustomers.size() + 1); customer_idx < kCustomers.size())
            transaction.customer_id = kCustomers[customer_idx];
        transaction.occurred_at = kNow - static_cast<UnixMicros>(rng_() % (kHoursSpread * kMicrosPerHourRef));
        PendingWrite item;
        item.org_id = org_;
        item.environment = kEnvironments[rng_() % kEnvironments.size()];
        item.api_key_id = "key_test";
        item.idempotency_key = transaction.external_id;
        item.fingerprint = transaction.Fingerprint();
        item.transaction = std::move(transaction);
        item.received_at = kNow;
        return item;
    }

    // Submits every request before waiting for any, so the writer forms groups of several.
    // Returns every item's answer, in order.
    std::vector<Result<Written>> WriteRequests(const std::vector<std::size_t>& request_sizes) {
        std::vector<std::promise<std::vector<Result<Written>>>> promises(request_sizes.size());
        for (std::size_t request_idx = 0; request_idx < request_sizes.size(); ++request_idx) {
            std::vector<PendingWrite> items;
            for (std::size_t item_idx = 0; item_idx < request_sizes[request_idx]; ++item_idx)
                items.push_back(RandomItem());
            auto* promise = &promises[request_idx];
            writer_.Submit(std::move(items), [promise](std::vector<Result<Written>> results) {
                promise->set_value(std::move(results));
            });
        }
        std::vector<Result<Written>> answers;
        for (auto& promise : promises) {
            auto future = promise.get_future();
            EXPECT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
            for (auto& answer : future.get()) answers.push_back(std::move(answer));
        }
        return answers;
    }

    // A burst of 1 to 5 requests of 1 to 4 items each (half of them single items), all stored.
    void WriteRandomBurst() {
        std::vector<std::size_t> sizes(1 + rng_() % 5);
        for (auto& size : sizes) size = rng_() % 2 == 0 ? 1 : 1 + rng_() % 4;
        for (const auto& answer : WriteRequests(sizes)) ASSERT_TRUE(answer.ok()) << answer.error().detail;
    }

    std::vector<std::string> Ids(std::string_view sql, const std::vector<Value>& params) {
        auto tx = db_.Read();
        auto rows = tx->Query(sql, params);
        EXPECT_TRUE(rows.ok()) << sql << ": " << (rows.ok() ? "" : rows.error().internal);
        std::vector<std::string> ids;
        if (rows.ok())
            for (const auto& row : *rows) ids.push_back(row.GetText(0));
        return ids;
    }

    std::int64_t Number(std::string_view sql, const std::vector<Value>& params = {}) {
        auto tx = db_.Read();
        auto rows = tx->Query(sql, params);
        EXPECT_TRUE(rows.ok() && rows->size() == 1) << sql;
        return rows.ok() && rows->size() == 1 ? rows->front().GetInt(0) : -1;
    }

    std::int64_t Watermark(RefKey key) {
        return Number("SELECT through_rowid FROM transaction_refs_state WHERE ref = $1",
                      {Text(kRefNames[static_cast<std::size_t>(key)])});
    }

    // The column of `transactions` a key narrows (as brute-force SQL).
    static std::string_view KeyColumn(RefKey key) {
        switch (key) {
            case RefKey::kAccount: return "account_id";
            case RefKey::kCustomer: return "customer_id";
            case RefKey::kHour: return "occurred_at / 3600000000";
        }
        return "";
    }

    // Every key value the comparisons query, for one reference table.
    std::vector<Value> KeyValues(RefKey key) {
        std::vector<Value> values;
        if (key == RefKey::kAccount)
            for (const auto& account : kQueriedAccounts) values.push_back(Text(account));
        if (key == RefKey::kCustomer)
            for (const auto& customer : kQueriedCustomers) values.push_back(Text(customer));
        if (key == RefKey::kHour)
            for (std::int64_t hour = kNow / kMicrosPerHourRef - kHoursSpread - 1; hour <= kNow / kMicrosPerHourRef + 1;
                 ++hour)
                values.push_back(Int(hour));
        return values;
    }

    // Pages through RefQuerySql (page size 7, an `id` cursor) for one key value and returns every id,
    // checking each page's size on the way. `extra` conditions use placeholders from $5 on, bound to
    // `extra_values`.
    std::vector<std::string> PagedRefIds(RefKey key, const Value& key_value, const std::string& environment,
                                         bool newest_first, const std::vector<RefCondition>& extra,
                                         const std::vector<Value>& extra_values) {
        RefQuery query{key, "id, occurred_at", "$3", {{"id", newest_first ? "< $4" : "> $4"}}, newest_first,
                       std::to_string(kPage)};
        for (const auto& condition : extra) query.conditions.push_back(condition);
        const std::string sql = RefQuerySql(query);
        std::vector<std::string> ids;
        std::string cursor = newest_first ? "~" : "";  // every id "txn_..." sorts between the two
        while (true) {
            std::vector<Value> params = {Text(org_), Text(environment), key_value, Text(cursor)};
            params.insert(params.end(), extra_values.begin(), extra_values.end());
            const std::vector<std::string> page = Ids(sql, params);
            EXPECT_LE(page.size(), static_cast<std::size_t>(kPage));
            ids.insert(ids.end(), page.begin(), page.end());
            if (page.size() < static_cast<std::size_t>(kPage) || ids.size() > 100'000) return ids;
            cursor = page.back();
        }
    }

    std::vector<std::string> BruteForceIds(RefKey key, const Value& key_value, const std::string& environment,
                                           bool newest_first, const std::vector<RefCondition>& extra,
                                           const std::vector<Value>& extra_values) {
        // The same placeholders as the paged query ($4 is a cursor that lets every row through).
        std::string sql = fmt::format(
            "SELECT id FROM transactions WHERE org_id = $1 AND environment = $2 AND {} = $3 AND id {} $4",
            KeyColumn(key), newest_first ? "<" : ">");
        for (const auto& condition : extra) sql += fmt::format(" AND {} {}", condition.column, condition.op_and_operand);
        sql += newest_first ? " ORDER BY id DESC" : " ORDER BY id";
        std::vector<Value> params = {Text(org_), Text(environment), key_value, Text(newest_first ? "~" : "")};
        params.insert(params.end(), extra_values.begin(), extra_values.end());
        return Ids(sql, params);
    }

    // For every reference table, environment, key value, order and extra condition: the paged
    // RefQuerySql answer equals brute force. Also notes whether some answer mixed referenced rows
    // and rows above the watermark (`mixed_halves_`), so the tests can require both halves.
    void ExpectAllQueriesMatchBruteForce() {
        const std::int64_t newest_rowid = Number("SELECT COALESCE(MAX(rowid), 0) FROM transactions");
        const UnixMicros from = kNow - 5 * kMicrosPerHourRef - 1234, to = kNow - 2 * kMicrosPerHourRef + 99;
        const std::vector<std::pair<std::vector<RefCondition>, std::vector<Value>>> extras = {
            {{}, {}},
            {{{"decision", "= $5"}}, {Text("review")}},
            {{{"occurred_at", ">= $5"}, {"occurred_at", "< $6"}}, {Int(from), Int(to)}},
        };
        for (RefKey key : {RefKey::kAccount, RefKey::kCustomer, RefKey::kHour}) {
            const std::int64_t watermark = Watermark(key);
            for (const Value& key_value : KeyValues(key))
                for (const std::string& environment : kEnvironments)
                    for (bool newest_first : {true, false})
                        for (const auto& [conditions, values] : extras) {
                            const auto expected =
                                BruteForceIds(key, key_value, environment, newest_first, conditions, values);
                            ASSERT_EQ(PagedRefIds(key, key_value, environment, newest_first, conditions, values),
                                      expected)
                                << "ref " << kRefNames[static_cast<std::size_t>(key)] << ", " << environment
                                << (newest_first ? ", newest first" : ", oldest first") << ", "
                                << conditions.size() << " extra conditions, watermark " << watermark
                                << ", newest rowid " << newest_rowid;
                            if (conditions.empty() && newest_first) {
                                ASSERT_NO_FATAL_FAILURE(NoteHalves(key, key_value, environment, watermark));
                            }
                        }
        }
    }

    // Records that the rows of a key value lie on both sides of its table's watermark.
    void NoteHalves(RefKey key, const Value& key_value, const std::string& environment, std::int64_t watermark) {
        auto tx = db_.Read();
        auto halves = tx->Query(fmt::format("SELECT COALESCE(SUM(rowid <= $4), 0), COALESCE(SUM(rowid > $4), 0) FROM "
                                            "transactions WHERE org_id = $1 AND environment = $2 AND {} = $3",
                                            KeyColumn(key)),
                                {Text(org_), Text(environment), key_value, Int(watermark)});
        ASSERT_TRUE(halves.ok() && halves->size() == 1);
        if (halves->front().GetInt(0) > 0 && halves->front().GetInt(1) > 0) mixed_halves_.insert(key);
    }

    // RefNextHourSql for every ($3, $4] range around the traffic's hours equals brute-force MIN.
    void ExpectNextHourMatchesBruteForce() {
        const std::string sql = RefNextHourSql();
        const std::int64_t first = kNow / kMicrosPerHourRef - kHoursSpread - 2, last = kNow / kMicrosPerHourRef + 1;
        for (const std::string& environment : kEnvironments)
            for (std::int64_t after = first; after <= last; ++after)
                for (std::int64_t through = after; through <= last + 1; ++through) {
                    const std::vector<Value> params = {Text(org_), Text(environment), Int(after), Int(through)};
                    auto tx = db_.Read();
                    auto got = tx->Query(sql, params);
                    auto expected = tx->Query(
                        "SELECT MIN(occurred_at / 3600000000) FROM transactions WHERE org_id = $1 AND "
                        "environment = $2 AND occurred_at / 3600000000 > $3 AND occurred_at / 3600000000 <= $4",
                        params);
                    ASSERT_TRUE(got.ok() && expected.ok() && got->size() == 1 && expected->size() == 1);
                    ASSERT_EQ(got->front().GetOptInt(0), expected->front().GetOptInt(0))
                        << environment << " (" << after << ", " << through << "]";
                }
    }

    // Each reference table holds exactly the references of the rows up to its watermark.
    void ExpectRefTablesMatchWatermarks() {
        const std::string below = "rowid <= (SELECT through_rowid FROM transaction_refs_state WHERE ref = ";
        EXPECT_EQ(Ids("SELECT id || ' ' || environment || ' ' || account_id FROM transaction_account_refs "
                      "ORDER BY id",
                      {}),
                  Ids("SELECT id || ' ' || environment || ' ' || account_id FROM transactions WHERE " + below +
                          "'account') ORDER BY id",
                      {}));
        EXPECT_EQ(Ids("SELECT id || ' ' || environment || ' ' || customer_id FROM transaction_customer_refs "
                      "ORDER BY id",
                      {}),
                  Ids("SELECT id || ' ' || environment || ' ' || customer_id FROM transactions WHERE " + below +
                          "'customer') AND customer_id IS NOT NULL ORDER BY id",
                      {}));
        EXPECT_EQ(Ids("SELECT id || ' ' || environment || ' ' || hour FROM transaction_hour_refs ORDER BY id", {}),
                  Ids("SELECT id || ' ' || environment || ' ' || (occurred_at / 3600000000) FROM transactions "
                      "WHERE " + below + "'hour') ORDER BY id",
                      {}));
    }

    // After a migration or a rebuild: every table references every row, and names the newest.
    void ExpectEveryWatermarkAtTheNewestRow() {
        EXPECT_EQ(Ids("SELECT ref || ' ' || through_rowid || ' ' || through_id FROM transaction_refs_state "
                      "ORDER BY ref",
                      {}),
                  Ids("SELECT ref || ' ' || rowid || ' ' || id FROM (SELECT 'account' AS ref UNION ALL SELECT "
                      "'customer' UNION ALL SELECT 'hour') CROSS JOIN (SELECT rowid, id FROM transactions ORDER BY "
                      "rowid DESC LIMIT 1) ORDER BY ref",
                      {}));
    }

    void ExpectEverythingMatchesBruteForce() {
        ExpectRefTablesMatchWatermarks();
        ASSERT_NO_FATAL_FAILURE(ExpectAllQueriesMatchBruteForce());
        ASSERT_NO_FATAL_FAILURE(ExpectNextHourMatchesBruteForce());
    }

    // After a migration or a rebuild: every row referenced and exact answers, the start-up check has
    // nothing to do, and the writer goes on flushing from these watermarks.
    void ExpectCompleteAndConsistentThenWritesGoOn() {
        ExpectEveryWatermarkAtTheNewestRow();
        ASSERT_NO_FATAL_FAILURE(ExpectEverythingMatchesBruteForce());
        auto verified = VerifyTransactionRefs(db_.db());
        ASSERT_TRUE(verified.ok());
        EXPECT_FALSE(*verified) << "consistent: nothing to rebuild";
        ASSERT_NO_FATAL_FAILURE(WriteTraffic(8));
        ASSERT_NO_FATAL_FAILURE(ExpectEverythingMatchesBruteForce());
    }

    // Everything the reference tables and their state hold, as text, to compare before and after.
    std::vector<std::string> RefsSnapshot() {
        std::vector<std::string> snapshot;
        for (const char* sql :
             {"SELECT ref || ' ' || through_rowid || ' ' || COALESCE(through_id, '-') FROM transaction_refs_state "
              "ORDER BY ref",
              "SELECT org_id || environment || bucket || id || account_id FROM transaction_account_refs ORDER BY 1",
              "SELECT org_id || environment || bucket || id || customer_id FROM transaction_customer_refs ORDER BY 1",
              "SELECT org_id || environment || hour || id FROM transaction_hour_refs ORDER BY 1"}) {
            auto rows = Ids(sql, {});
            snapshot.insert(snapshot.end(), rows.begin(), rows.end());
        }
        return snapshot;
    }

    // Seeded traffic until every table has had several flushes.
    void WriteTraffic(int bursts) {
        for (int burst_idx = 0; burst_idx < bursts; ++burst_idx) ASSERT_NO_FATAL_FAILURE(WriteRandomBurst());
    }

    testing::TestDb db_;
    std::string org_;
    std::mt19937_64 rng_{20261124};
    int next_external_ = 0;
    std::set<RefKey> mixed_halves_;
    AmountDecider decider_;
    TransactionRefs refs_{kFlushEvery};
    FlushSpy spy_;
    Writer writer_{db_.db(), WriterOptions(&decider_, {&refs_, &spy_})};  // declared last: stopped first
};

// The core property: whatever was flushed when, every reader query answers exactly what a plain
// query on `transactions` answers, both halves (references, rows above the watermark) included.
TEST_F(TransactionRefsTest, QueriesEqualBruteForceWhileTrafficFlushesInTurn) {
    int compared_with_unflushed_rows = 0;
    for (int round_idx = 0; round_idx < 40; ++round_idx) {
        ASSERT_NO_FATAL_FAILURE(WriteTraffic(2));
        const std::int64_t newest_rowid = Number("SELECT MAX(rowid) FROM transactions");
        bool some_unflushed = false;
        for (RefKey key : {RefKey::kAccount, RefKey::kCustomer, RefKey::kHour})
            some_unflushed = some_unflushed || Watermark(key) < newest_rowid;
        compared_with_unflushed_rows += some_unflushed ? 1 : 0;
        ASSERT_NO_FATAL_FAILURE(ExpectEverythingMatchesBruteForce());
    }
    EXPECT_GE(Number("SELECT COUNT(*) FROM transactions"), 200);
    EXPECT_GT(compared_with_unflushed_rows, 20) << "most comparisons must see rows above some watermark";
    EXPECT_EQ(mixed_halves_, (std::set<RefKey>{RefKey::kAccount, RefKey::kCustomer, RefKey::kHour}))
        << "for every table, some answer must join references AND scan rows above the watermark";
    for (RefKey key : {RefKey::kAccount, RefKey::kCustomer, RefKey::kHour}) EXPECT_GT(Watermark(key), 0);
}

// The first group of a process flushes every table; then one table every flush_every / 3 + 1
// stored transactions, account, customer, hour in turn.
TEST_F(TransactionRefsTest, TablesAreFlushedInTurnEveryThirdOfTheInterval) {
    for (int write_idx = 0; write_idx < 1 + 3 * static_cast<int>(kTurnEvery) + 1; ++write_idx)
        for (const auto& answer : WriteRequests({1})) ASSERT_TRUE(answer.ok());
    std::vector<std::set<std::string>> expected(1 + 3 * kTurnEvery + 1);
    expected[0] = {"account", "customer", "hour"};
    expected[kTurnEvery] = {"account"};
    expected[2 * kTurnEvery] = {"customer"};
    expected[3 * kTurnEvery] = {"hour"};
    EXPECT_EQ(spy_.groups(), expected);
    ExpectRefTablesMatchWatermarks();
}

// A group that fails after the refs observer flushed inside it leaves neither references nor
// watermark behind, and the flush schedule does not advance: the next group of the same size
// flushes the same table, and every answer still equals brute force.
TEST_F(TransactionRefsTest, AFailedGroupLeavesNoTrace) {
    ASSERT_NO_FATAL_FAILURE(WriteTraffic(10));
    const std::vector<std::string> before = RefsSnapshot();
    const std::int64_t stored_before = Number("SELECT COUNT(*) FROM transactions");
    const std::size_t groups_before = spy_.groups().size();

    spy_.FailNextGroup();
    for (const auto& answer : WriteRequests({kTurnEvery})) {
        ASSERT_FALSE(answer.ok());
        EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
    }
    ASSERT_EQ(spy_.groups().size(), groups_before + 1);
    const std::set<std::string> flushed_in_failed_group = spy_.groups().back();
    ASSERT_EQ(flushed_in_failed_group.size(), 1u) << "a group of flush_every / 3 + 1 rows flushes one table";
    EXPECT_EQ(RefsSnapshot(), before);
    EXPECT_EQ(Number("SELECT COUNT(*) FROM transactions"), stored_before);

    for (const auto& answer : WriteRequests({kTurnEvery})) ASSERT_TRUE(answer.ok());
    EXPECT_EQ(spy_.groups().back(), flushed_in_failed_group) << "the turn did not move with the failed group";
    ExpectRefTablesMatchWatermarks();
    ASSERT_NO_FATAL_FAILURE(WriteTraffic(6));
    ASSERT_NO_FATAL_FAILURE(ExpectEverythingMatchesBruteForce());
}

TEST_F(TransactionRefsTest, VerifyChangesNothingOnAConsistentDatabase) {
    auto empty = VerifyTransactionRefs(db_.db());
    ASSERT_TRUE(empty.ok());
    EXPECT_FALSE(*empty) << "no transaction yet: watermarks at 0 are consistent";

    ASSERT_NO_FATAL_FAILURE(WriteTraffic(10));
    const std::vector<std::string> before = RefsSnapshot();
    auto verified = VerifyTransactionRefs(db_.db());
    ASSERT_TRUE(verified.ok()) << verified.error().internal;
    EXPECT_FALSE(*verified);
    EXPECT_EQ(RefsSnapshot(), before);
}

class TransactionRefsRebuildTest : public TransactionRefsTest,
                                   public ::testing::WithParamInterface<const char*> {};

// After a tampered watermark, a missing state row, or rowids renumbered under the watermarks (what a
// copy may do), the start-up check rebuilds every table: exactly the brute-force references, every
// watermark at the newest row, and the readers' answers exact again.
TEST_P(TransactionRefsRebuildTest, VerifyRebuildsAfterTampering) {
    ASSERT_NO_FATAL_FAILURE(WriteTraffic(12));
    // A reference that a rebuild must drop (no such transaction) and one it must restore.
    db_.ExecNow("DELETE FROM transaction_account_refs WHERE id = (SELECT MIN(id) FROM transaction_account_refs)");
    db_.ExecNow(GetParam());

    auto rebuilt = VerifyTransactionRefs(db_.db());
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().internal;
    EXPECT_TRUE(*rebuilt);
    ASSERT_NO_FATAL_FAILURE(ExpectCompleteAndConsistentThenWritesGoOn());
}

// Upgrade: a database at schema version 9 with stored transactions gets migration 10, whose SQL
// computes the buckets itself. Its references must be exactly what RefBucketSql and the hour
// expression look up, every watermark at the newest row, and the writer must go on from there.
TEST_F(TransactionRefsTest, MigrationTenReferencesTheRowsOfAVersionNineDatabase) {
    // Back to version 9: without the reference tables, with the three indexes migration 10 drops
    // (their columns do not matter to it).
    for (const char* statement :
         {"DROP TABLE transaction_account_refs", "DROP TABLE transaction_customer_refs",
          "DROP TABLE transaction_hour_refs", "DROP TABLE transaction_refs_state",
          "CREATE INDEX transactions_by_account_bucket ON transactions(account_id)",
          "CREATE INDEX transactions_by_customer_bucket ON transactions(customer_id)",
          "CREATE INDEX transactions_by_occurred_hour ON transactions(occurred_at)",
          "DELETE FROM schema_migrations WHERE version = 10"})
        db_.ExecNow(statement);
    {
        auto tx = db_.Write();
        for (int row_idx = 0; row_idx < 300; ++row_idx) {
            PendingWrite item = RandomItem();
            ASSERT_TRUE(decider_.Decide(*tx, item, nullptr).ok());
            const Transaction& transaction = item.transaction;
            auto inserted = tx->Exec(
                "INSERT INTO transactions (id, org_id, environment, external_id, idempotency_key, fingerprint, "
                "occurred_at, received_at, amount_minor, currency, direction, type, account_id, customer_id, metadata, "
                "decision, score, api_key_id) VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, 'USD', 'outbound', 'other', "
                "$9, $10, '{}', $11, 0, 'key_test')",
                {Text(crypto::NewId("txn")), Text(org_), Text(item.environment), Text(transaction.external_id),
                 Text(item.fingerprint), Int(*transaction.occurred_at), Int(item.received_at),
                 Int(transaction.amount_minor), Text(transaction.account_id),
                 storage::OptText(transaction.customer_id), Text(item.decision)});
            ASSERT_TRUE(inserted.ok()) << inserted.error().internal;
        }
        ASSERT_TRUE(tx->Commit().ok());
    }

    auto applied = db_.db().Migrate();
    ASSERT_TRUE(applied.ok()) << applied.error().internal;
    EXPECT_EQ(*applied, 1);
    ASSERT_NO_FATAL_FAILURE(ExpectCompleteAndConsistentThenWritesGoOn());
}

INSTANTIATE_TEST_SUITE_P(
    Tampering, TransactionRefsRebuildTest,
    ::testing::Values("UPDATE transaction_refs_state SET through_id = 'txn_bogus' WHERE ref = 'hour'",
                      "DELETE FROM transaction_refs_state WHERE ref = 'customer'",
                      // Every row moves above the watermarks, as if a copy had renumbered them.
                      "UPDATE transactions SET rowid = rowid + 100000"));

}  // namespace
}  // namespace wt::ingest
