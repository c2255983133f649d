// SPDX-License-Identifier: Apache-2.0
// The rollup observer behind the real ingest writer on a real SQLite file: after random traffic the
// rollups equal a GROUP BY over the stored rows (the query migration 8 backfills with), a failed
// group leaves no trace in them; and CsvExport pages through stored rows exactly once each.
#include "reports/rollups.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <future>
#include <map>
#include <random>
#include <set>

#include "../common/test_support.hpp"
#include "crypto/crypto.hpp"
#include "reports/csv.hpp"
#include "reports/exports.hpp"

namespace wt::reports {
namespace {

constexpr UnixMicros kNow = 1'795'000'000'000'000;  // 2026-11-18

// Decides from the amount (deterministic) and raises one alert for big amounts, without writing
// anything: the observer only reads what the writer tells it.
class AmountDecider : public ingest::Decider {
  public:
    Result<void> Decide(storage::Transaction&, ingest::PendingWrite& item,
                        std::vector<ingest::RaisedAlert>* alerts) override {
        const auto minor = item.transaction.amount_minor;
        item.decision = minor % 3 == 0 ? "allow" : minor % 3 == 1 ? "review" : "block";
        if (minor > 50'000) {
            const std::string rule = minor % 2 == 0 ? "rul_even" : "rul_odd";
            const std::string severity = minor % 5 == 0 ? "high" : "low";
            alerts->push_back({crypto::NewId("alr"), rule, "big", severity});
            ++expected_alerts[{item.org_id, item.environment, HourOf(*item.transaction.occurred_at), rule, severity}];
        }
        return {};
    }
    void GroupCommitted() override {}
    void GroupAborted() override {}
    std::map<std::tuple<std::string, std::string, std::int64_t, std::string, std::string>, std::int64_t>
        expected_alerts;
};

class FailingObserver : public ingest::GroupObserver {
  public:
    Result<void> BeforeCommit(storage::Transaction&, std::span<const ingest::StoredItem>) override {
        if (fail) return Error::Internal("injected");
        return {};
    }
    bool fail = false;
};

class RollupTest : public ::testing::Test {
  protected:
    void SetUp() override {
        org_ = crypto::NewId("org");
        db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, 'Acme', '{}', 0)",
                    {storage::Text(org_)});
    }

    ingest::PendingWrite Item(const std::string& external_id, std::int64_t cents, const std::string& currency,
                              const std::string& environment, UnixMicros occurred_at,
                              const std::string& counterparty = "ACME") {
        std::string body = fmt::format(
            R"({{"external_id":"{}","amount":"{}.{:02}","currency":"{}","direction":"outbound","account_id":"acc-1",)"
            R"("occurred_at":"{}","counterparty":{{"name":{}}}}})",
            external_id, cents / 100, cents % 100, currency, FormatRfc3339(occurred_at),
            boost::json::serialize(boost::json::value(counterparty)));
        auto parsed = ingest::ParseTransaction(body, kNow);
        EXPECT_TRUE(parsed.ok()) << body;
        ingest::PendingWrite item;
        item.org_id = org_;
        item.environment = environment;
        item.api_key_id = "key_test";
        item.idempotency_key = external_id;
        item.transaction = *parsed;
        item.fingerprint = parsed->Fingerprint();
        item.received_at = kNow;
        return item;
    }

    std::vector<Result<ingest::Written>> Write(std::vector<ingest::PendingWrite> items) {
        std::promise<std::vector<Result<ingest::Written>>> promise;
        auto future = promise.get_future();
        writer_->Submit(std::move(items), [&promise](std::vector<Result<ingest::Written>> results) {
            promise.set_value(std::move(results));
        });
        EXPECT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
        return future.get();
    }

    storage::Rows Query(std::string_view sql) {
        auto tx = db_.Read();
        auto rows = tx->Query(sql);
        EXPECT_TRUE(rows.ok()) << rows.error().internal;
        return rows.ok() ? *rows : storage::Rows{};
    }

    std::string Dump(const storage::Rows& rows) {
        std::string out;
        for (const auto& row : rows) {
            for (std::size_t col = 0; col < row.size(); ++col) {
                const auto& value = row.at(col);
                if (auto* text = std::get_if<std::string>(&value))
                    out += *text;
                else if (auto* number = std::get_if<std::int64_t>(&value))
                    out += std::to_string(*number);
                out += '|';
            }
            out += '\n';
        }
        return out;
    }

    testing::TestDb db_;
    AmountDecider decider_;
    RollupObserver rollups_;
    FailingObserver failing_;
    std::unique_ptr<ingest::Writer> writer_ = std::make_unique<ingest::Writer>(
        db_.db(), ingest::Writer::Options{2000, 100'000, &decider_, {&rollups_, &failing_}});
    std::string org_;
};

TEST_F(RollupTest, RollupsEqualAGroupByOfTheStoredRowsAfterRandomTraffic) {
    std::mt19937 random(7);
    const std::vector<std::string> currencies = {"USD", "EUR", "JPY"};
    int next_id = 0;
    for (int group_idx = 0; group_idx < 40; ++group_idx) {
        std::vector<ingest::PendingWrite> items;
        const int size = 1 + static_cast<int>(random() % 60);
        for (int item_idx = 0; item_idx < size; ++item_idx) {
            const std::string currency = currencies[random() % currencies.size()];
            std::int64_t cents = 1 + static_cast<std::int64_t>(random() % 100'000);
            if (currency == "JPY") cents = cents / 100 * 100;  // no minor units
            if (cents == 0) cents = 100;
            const UnixMicros occurred = kNow - static_cast<UnixMicros>(random() % (72 * 3600)) * 1'000'000;
            items.push_back(Item("t" + std::to_string(next_id++), cents, currency,
                                 random() % 4 == 0 ? "sandbox" : "production", occurred));
        }
        // A replay of an earlier item is not stored again, so it must not be counted again.
        if (next_id > 5) items.push_back(Item("t0", 1, "USD", "production", kNow));
        Write(std::move(items));
    }
    const auto expected = Query(
        "SELECT org_id, environment, occurred_at / 3600000000, decision, currency, COUNT(*), SUM(amount_minor) FROM "
        "transactions GROUP BY org_id, environment, occurred_at / 3600000000, decision, currency ORDER BY 1, 2, 3, 4, 5");
    const auto actual = Query(
        "SELECT org_id, environment, hour, decision, currency, tx_count, amount_minor FROM rollup_transactions_hourly "
        "ORDER BY 1, 2, 3, 4, 5");
    ASSERT_GT(expected.size(), 20u);
    EXPECT_EQ(Dump(actual), Dump(expected));

    std::string expected_alerts;
    for (const auto& [key, count] : decider_.expected_alerts) {
        const auto& [org_id, environment, hour, rule, severity] = key;
        expected_alerts += fmt::format("{}|{}|{}|{}|{}|{}|\n", org_id, environment, hour, rule, severity, count);
    }
    ASSERT_FALSE(expected_alerts.empty());
    EXPECT_EQ(Dump(Query("SELECT org_id, environment, hour, rule_id, severity, raised FROM rollup_alerts_hourly "
                         "ORDER BY 1, 2, 3, 4, 5")),
              expected_alerts);
}

TEST_F(RollupTest, AFailedGroupLeavesTheRollupsUntouched) {
    Write({Item("a", 1000, "USD", "production", kNow)});
    const auto before = Dump(Query("SELECT * FROM rollup_transactions_hourly ORDER BY 1, 2, 3, 4, 5"));
    failing_.fail = true;
    auto results = Write({Item("b", 4000, "USD", "production", kNow), Item("c", 60'001, "EUR", "production", kNow)});
    ASSERT_FALSE(results.at(0).ok());
    EXPECT_EQ(Dump(Query("SELECT * FROM rollup_transactions_hourly ORDER BY 1, 2, 3, 4, 5")), before);
    EXPECT_TRUE(Query("SELECT * FROM rollup_alerts_hourly").empty());
    failing_.fail = false;
    Write({Item("b", 4000, "USD", "production", kNow)});
    EXPECT_EQ(Dump(Query("SELECT tx_count, amount_minor FROM rollup_transactions_hourly WHERE decision = 'review'")),
              "2|5000|\n");  // 1000 and 4000 cents: both % 3 == 1 (review)
}

TEST_F(RollupTest, ExportPagesThroughEveryRowOfThePeriodOnceAcrossHours) {
    std::set<std::string> inside;
    std::vector<ingest::PendingWrite> items;
    for (int idx = 0; idx < 23; ++idx) {
        const UnixMicros occurred = kNow - static_cast<UnixMicros>(idx % 5) * 7200 * 1'000'000LL - idx;
        items.push_back(Item("x" + std::to_string(idx), 100 + idx, "USD", "production", occurred,
                             idx == 3 ? "=cmd|' /C calc'!A0" : "Zoë, \"Ärger\""));
        inside.insert("x" + std::to_string(idx));
    }
    items.push_back(Item("outside", 100, "USD", "production", kNow - 30 * kMicrosPerHour));
    items.push_back(Item("sandbox", 100, "USD", "sandbox", kNow));
    Write(std::move(items));

    Period period{kNow - 9 * kMicrosPerHour, kNow + 1, "production", Bucket::kDay};
    CsvExport csv(db_.db(), org_, ExportKind::kTransactions, period, /*page_rows=*/4);
    std::string out;
    int chunks = 0;
    for (;;) {
        std::string chunk;
        auto more = csv.Next(chunk);
        ASSERT_TRUE(more.ok()) << more.error().internal;
        if (!*more) break;
        EXPECT_LE(std::count(chunk.begin(), chunk.end(), '\n'), 4 + 1) << "a page holds at most page_rows rows";
        out += chunk;
        ASSERT_LT(++chunks, 100);
    }
    EXPECT_EQ(csv.rows(), 23);
    EXPECT_EQ(out.rfind("id,external_id,environment,occurred_at,", 0), 0u);
    std::set<std::string> seen;
    for (const auto& id : inside) {
        const auto at = out.find("," + id + ",production,");
        EXPECT_NE(at, std::string::npos) << id;
        EXPECT_EQ(out.find("," + id + ",production,", at + 1), std::string::npos) << id << " twice";
    }
    EXPECT_EQ(out.find(",outside,"), std::string::npos);
    EXPECT_EQ(out.find(",sandbox,"), std::string::npos);
    EXPECT_NE(out.find(",'=cmd|' /C calc'!A0,"), std::string::npos);
    EXPECT_NE(out.find(",\"Zoë, \"\"Ärger\"\"\","), std::string::npos);
    EXPECT_NE(out.find(",1.03,USD,"), std::string::npos);  // amounts as decimal strings
    EXPECT_EQ(ExportFileName(ExportKind::kTransactions, period), "watchtower-transactions-20261118T020640Z-20261118T110640Z.csv");
}

}  // namespace
}  // namespace wt::reports
