// SPDX-License-Identifier: Apache-2.0
#include "common/clock.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "../common/test_support.hpp"

namespace wt {
namespace {

constexpr UnixMicros kNov23 = 1'795'428'000 * kMicrosPerSecond;  // 2026-11-23T10:00:00Z (date -u -d ... +%s)

TEST(FormatRfc3339Test, Epoch) {
    EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(FormatRfc3339(0, true), "1970-01-01T00:00:00.000Z");
}

TEST(FormatRfc3339Test, KnownInstantWithAndWithoutMillis) {
    EXPECT_EQ(FormatRfc3339(kNov23), "2026-11-23T10:00:00Z");
    EXPECT_EQ(FormatRfc3339(kNov23 + 123'456), "2026-11-23T10:00:00Z") << "no fraction unless asked";
    EXPECT_EQ(FormatRfc3339(kNov23 + 123'456, true), "2026-11-23T10:00:00.123Z");
    EXPECT_EQ(FormatRfc3339(kNov23 + 999'999, true), "2026-11-23T10:00:00.999Z") << "truncates, never rounds up";
}

TEST(FormatRfc3339Test, BeforeTheEpoch) {
    EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59Z");
    EXPECT_EQ(FormatRfc3339(-1, true), "1969-12-31T23:59:59.999Z");
}

TEST(ParseRfc3339Test, UtcInstant) {
    EXPECT_EQ(ParseRfc3339("2026-11-23T10:00:00Z"), kNov23);
    EXPECT_EQ(ParseRfc3339("2026-11-23t10:00:00z"), kNov23) << "RFC 3339 allows lower-case T and Z";
}

TEST(ParseRfc3339Test, RoundTripsThroughFormat) {
    for (UnixMicros t : {UnixMicros{0}, kNov23, kNov23 + 59 * kMicrosPerSecond, UnixMicros{951'782'400} * kMicrosPerSecond,
                         UnixMicros{4'102'444'799} * kMicrosPerSecond}) {
        EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t) << FormatRfc3339(t);
    }
    // Millisecond precision survives a round trip with_millis.
    UnixMicros with_ms = kNov23 + 457'000;
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(with_ms, true)), with_ms);
}

TEST(ParseRfc3339Test, NumericOffsets) {
    EXPECT_EQ(ParseRfc3339("2026-11-23T11:30:00+01:30"), kNov23);
    EXPECT_EQ(ParseRfc3339("2026-11-23T05:00:00-05:00"), kNov23);
    EXPECT_EQ(ParseRfc3339("2026-11-23T10:00:00+00:00"), kNov23);
    EXPECT_EQ(ParseRfc3339("2026-11-23T10:00:00-00:00"), kNov23);
    // The offset can carry the instant across a day boundary.
    EXPECT_EQ(ParseRfc3339("2026-11-22T23:00:00-11:00"), kNov23);
}

TEST(ParseRfc3339Test, Fractions) {
    EXPECT_EQ(ParseRfc3339("2026-11-23T10:00:00.5Z"), kNov23 + 500'000);
    EXPECT_EQ(ParseRfc3339("2026-11-23T10:00:00.123Z"), kNov23 + 123'000);
    EXPECT_EQ(ParseRfc3339("2026-11-23T10:00:00.123456Z"), kNov23 + 123'456);
    EXPECT_EQ(ParseRfc3339("2026-11-23T10:00:00.123456789Z"), kNov23 + 123'456) << "nanoseconds are truncated";
    EXPECT_EQ(ParseRfc3339("2026-11-23T11:00:00.25+01:00"), kNov23 + 250'000);
    EXPECT_EQ(ParseRfc3339("2026-11-23T10:00:00.Z"), std::nullopt) << "a dot needs digits";
    EXPECT_EQ(ParseRfc3339("2026-11-23T10:00:00.1234567890Z"), std::nullopt) << "more than 9 digits";
}

TEST(ParseRfc3339Test, LeapDays) {
    EXPECT_EQ(ParseRfc3339("2024-02-29T12:00:00Z"), UnixMicros{1'709'208'000} * kMicrosPerSecond);
    EXPECT_EQ(ParseRfc3339("2000-02-29T00:00:00Z"), UnixMicros{951'782'400} * kMicrosPerSecond);
    EXPECT_EQ(ParseRfc3339("2023-02-29T12:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseRfc3339("2100-02-29T12:00:00Z"), std::nullopt) << "century years are not leap years";
    EXPECT_EQ(ParseRfc3339("2024-02-30T12:00:00Z"), std::nullopt);
    EXPECT_EQ(ParseRfc3339("2026-04-31T00:00:00Z"), std::nullopt);
}

TEST(ParseRfc3339Test, EdgesOfTheUsefulRange) {
    EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(ParseRfc3339("2099-12-31T23:59:59Z"), UnixMicros{4'102'444'799} * kMicrosPerSecond);
    EXPECT_EQ(FormatRfc3339(UnixMicros{4'102'444'799} * kMicrosPerSecond), "2099-12-31T23:59:59Z");
    EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59.999999Z"), -1);
}

TEST(ParseRfc3339Test, RefusesGarbage) {
    const char* bad[] = {
        "",
        "garbage",
        "2026-11-23",
        "2026-11-23T10:00:00",        // no zone
        "2026-11-23T10:00Z",          // no seconds
        "2026-11-23X10:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z",
        "2026-11-00T00:00:00Z",
        "2026-11-23T24:00:00Z",
        "2026-11-23T10:60:00Z",
        "2026-11-23T10:00:60Z",
        "2026-11-23T10:00:00+0100",   // offset without colon
        "2026-11-23T10:00:00+01",
        "2026-11-23T10:00:00+24:00",
        "2026-11-23T10:00:00+01:60",
        "2026-11-23T10:00:00ZZ",
        "2026-11-23T10:00:00Z ",
        " 2026-11-23T10:00:00Z",
        "2026-1a-23T10:00:00Z",
        "-026-11-23T10:00:00Z",
        "2026-11-23T1 :00:00Z",
        "2026/11/23T10:00:00Z",
    };
    for (const char* text : bad) EXPECT_EQ(ParseRfc3339(text), std::nullopt) << "'" << text << "'";
}

// --- FileOffsetClock -------------------------------------------------------------------------

void WriteFile(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

TEST(FileOffsetClockTest, MissingFileIsRealTime) {
    testing::TempDir dir;
    auto clock = FileOffsetClock(dir.path() + "/no-such-file");
    UnixMicros before = SystemClock()->Now();
    UnixMicros shifted = clock->Now();
    UnixMicros after = SystemClock()->Now();
    EXPECT_GE(shifted, before);
    EXPECT_LE(shifted, after);
}

TEST(FileOffsetClockTest, FileShiftsByItsSecondsAndIsReReadOnEveryCall) {
    testing::TempDir dir;
    const std::string path = dir.path() + "/offset";
    auto clock = FileOffsetClock(path);

    WriteFile(path, "3600\n");
    UnixMicros before = SystemClock()->Now();
    UnixMicros shifted = clock->Now();
    UnixMicros after = SystemClock()->Now();
    EXPECT_GE(shifted, before + kMicrosPerHour);
    EXPECT_LE(shifted, after + kMicrosPerHour);

    WriteFile(path, "-120");
    before = SystemClock()->Now();
    shifted = clock->Now();
    after = SystemClock()->Now();
    EXPECT_GE(shifted, before - 2 * kMicrosPerMinute);
    EXPECT_LE(shifted, after - 2 * kMicrosPerMinute);
}

TEST(FileOffsetClockTest, UnreadableContentCountsAsZero) {
    testing::TempDir dir;
    const std::string path = dir.path() + "/offset";
    WriteFile(path, "not a number");
    auto clock = FileOffsetClock(path);
    UnixMicros before = SystemClock()->Now();
    UnixMicros shifted = clock->Now();
    UnixMicros after = SystemClock()->Now();
    EXPECT_GE(shifted, before);
    EXPECT_LE(shifted, after);
}

}  // namespace
}  // namespace wt
