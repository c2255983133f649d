// SPDX-License-Identifier: Apache-2.0
#include "reports/period.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include "reports/dashboard.hpp"

namespace wt::reports {
namespace {

const UnixMicros kNow = *ParseRfc3339("2026-11-23T10:17:42Z");

TEST(PeriodTest, DefaultsToTheLast30DaysOfProduction) {
    auto period = ParsePeriod({}, kNow);
    ASSERT_TRUE(period.ok());
    EXPECT_EQ(period->to, kNow);
    EXPECT_EQ(period->from, kNow - 30 * kMicrosPerDay);
    EXPECT_EQ(period->environment, "production");
    EXPECT_EQ(period->bucket, Bucket::kDay);
}

TEST(PeriodTest, RollupPeriodsAreWidenedToWholeHours) {
    auto period = ParseRollupPeriod({"2026-11-23T08:30:00Z", "2026-11-23T10:00:00Z", "sandbox", std::nullopt}, kNow);
    ASSERT_TRUE(period.ok());
    EXPECT_EQ(FormatRfc3339(period->from), "2026-11-23T08:00:00Z");
    EXPECT_EQ(FormatRfc3339(period->to), "2026-11-23T10:00:00Z");  // already whole: unchanged
    EXPECT_EQ(period->environment, "sandbox");
    EXPECT_EQ(period->bucket, Bucket::kHour);  // up to 72 hours
    auto rounded_up = ParseRollupPeriod({"2026-11-23T08:00:00Z", "2026-11-23T09:00:01Z", {}, {}}, kNow);
    ASSERT_TRUE(rounded_up.ok());
    EXPECT_EQ(FormatRfc3339(rounded_up->to), "2026-11-23T10:00:00Z");
    // An exact period (exports) is left alone.
    auto exact = ParsePeriod({"2026-11-23T08:30:00Z", "2026-11-23T09:00:01Z", {}, {}}, kNow);
    ASSERT_TRUE(exact.ok());
    EXPECT_EQ(exact->to - exact->from, 30 * 60 * 1'000'000LL + 1'000'000);
}

void ExpectField(const Result<Period>& period, const std::string& field) {
    ASSERT_FALSE(period.ok());
    EXPECT_EQ(period.error().code, ErrorCode::kValidationFailed);
    ASSERT_FALSE(period.error().fields.empty());
    EXPECT_EQ(period.error().fields.front().field, field);
}

TEST(PeriodTest, BadParametersNameTheirField) {
    ExpectField(ParsePeriod({"yesterday", {}, {}, {}}, kNow), "from");
    ExpectField(ParsePeriod({{}, "2026-13-01T00:00:00Z", {}, {}}, kNow), "to");
    ExpectField(ParsePeriod({{}, {}, "staging", {}}, kNow), "environment");
    ExpectField(ParsePeriod({{}, {}, {}, "week"}, kNow), "bucket");
    ExpectField(ParsePeriod({"2026-11-23T10:00:00Z", "2026-11-23T10:00:00Z", {}, {}}, kNow), "to");
    ExpectField(ParsePeriod({"2024-01-01T00:00:00Z", "2026-01-01T00:00:00Z", {}, {}}, kNow), "from");
    ExpectField(ParsePeriod({"2026-09-01T00:00:00Z", "2026-11-01T00:00:00Z", {}, "hour"}, kNow), "bucket");
}

TEST(PeriodTest, BucketFollowsTheSpanUnlessGiven) {
    auto three_days = ParsePeriod({"2026-11-20T10:00:00Z", "2026-11-23T10:00:00Z", {}, {}}, kNow);
    ASSERT_TRUE(three_days.ok());
    EXPECT_EQ(three_days->bucket, Bucket::kHour);
    auto longer = ParsePeriod({"2026-11-20T09:00:00Z", "2026-11-23T10:00:00Z", {}, {}}, kNow);
    ASSERT_TRUE(longer.ok());
    EXPECT_EQ(longer->bucket, Bucket::kDay);
    auto asked = ParsePeriod({"2026-11-20T09:00:00Z", "2026-11-23T10:00:00Z", {}, "hour"}, kNow);
    ASSERT_TRUE(asked.ok());
    EXPECT_EQ(asked->bucket, Bucket::kHour);
}

// Medians are whole seconds and JSON integers (a double would print as 6E0).
TEST(MedianSecondsTest, WholeSecondsWithAHalfRoundedUp) {
    EXPECT_TRUE(MedianSeconds({}).is_null());
    EXPECT_EQ(MedianSeconds({6}), boost::json::value(std::int64_t{6}));
    EXPECT_TRUE(MedianSeconds({1, 6, 90}).is_int64());
    EXPECT_EQ(MedianSeconds({1, 6, 90}), boost::json::value(std::int64_t{6}));
    EXPECT_EQ(MedianSeconds({5, 6}), boost::json::value(std::int64_t{6}));
    EXPECT_EQ(MedianSeconds({1, 4, 8, 100}), boost::json::value(std::int64_t{6}));
    EXPECT_EQ(boost::json::serialize(MedianSeconds({2, 9})), "6");
}

}  // namespace
}  // namespace wt::reports
