// SPDX-License-Identifier: Apache-2.0
// Flags of `watchtower simulate`: durations, rates, URLs and every validation message.
#include <gtest/gtest.h>

#include <string>

#include "simulate/simulate.hpp"

namespace wt::simulate {
namespace {

using std::chrono::milliseconds;

const UnixMicros kNow = *ParseRfc3339("2026-11-23T12:00:00.750Z");

SimulateArgs Valid() {
    SimulateArgs args;
    args.api_key = "wt_test_abc";
    return args;
}

// The message for `field`, or "" when that flag has none.
std::string MessageFor(const Error& error, std::string_view field) {
    for (const auto& item : error.fields)
        if (item.field == field) return item.message;
    return "";
}

TEST(ParseDurationTest, AcceptsUnitsCombinationsAndBareSeconds) {
    EXPECT_EQ(*ParseDuration("20s"), milliseconds(20'000));
    EXPECT_EQ(*ParseDuration("2m"), milliseconds(120'000));
    EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5'400'000));
    EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
    EXPECT_EQ(*ParseDuration("1.5s"), milliseconds(1'500));
    EXPECT_EQ(*ParseDuration("90"), milliseconds(90'000));
    EXPECT_EQ(*ParseDuration("2M"), milliseconds(120'000));
}

TEST(ParseDurationTest, RefusesGarbageZeroAndNegative) {
    for (const char* text : {"", "abc", "10x", "s", "-5s", "1h-", "1..5s", "5 s"}) {
        auto parsed = ParseDuration(text, "duration");
        ASSERT_FALSE(parsed.ok()) << text;
        EXPECT_EQ(parsed.error().fields.at(0).field, "duration");
        EXPECT_NE(parsed.error().fields.at(0).message.find("20s"), std::string::npos) << "shows an example";
    }
    EXPECT_FALSE(ParseDuration("0").ok());
    EXPECT_FALSE(ParseDuration("0s").ok());
    EXPECT_FALSE(ParseDuration("400d").ok());
}

TEST(ParseRateTest, MaxAndZeroMeanUnpaced) {
    EXPECT_EQ(*ParseRate("max"), 0.0);
    EXPECT_EQ(*ParseRate("MAX"), 0.0);
    EXPECT_EQ(*ParseRate("0"), 0.0);
    EXPECT_EQ(*ParseRate("250"), 250.0);
    EXPECT_EQ(*ParseRate("0.5"), 0.5);
    for (const char* text : {"-1", "fast", "", "1e3", "10/s"}) {
        auto parsed = ParseRate(text);
        ASSERT_FALSE(parsed.ok()) << text;
        EXPECT_NE(parsed.error().fields.at(0).message.find("max"), std::string::npos);
    }
}

TEST(ParseUrlTest, HostsPortsPrefixesAndRefusals) {
    auto plain = ParseUrl("http://127.0.0.1:8080");
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->host, "127.0.0.1");
    EXPECT_EQ(plain->port, 8080);
    EXPECT_EQ(plain->path_prefix, "");
    EXPECT_EQ(plain->HostHeader(), "127.0.0.1:8080");

    auto named = ParseUrl("http://localhost/");
    ASSERT_TRUE(named.ok());
    EXPECT_EQ(named->port, 80);
    EXPECT_EQ(named->HostHeader(), "localhost");

    auto v6 = ParseUrl("HTTP://[::1]:9000/watchtower/");
    ASSERT_TRUE(v6.ok());
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->path_prefix, "/watchtower");
    EXPECT_EQ(v6->HostHeader(), "[::1]:9000");

    auto https = ParseUrl("https://example.com");
    ASSERT_FALSE(https.ok());
    EXPECT_NE(https.error().fields.at(0).message.find("not supported yet"), std::string::npos);
    for (const char* url : {"ftp://x", "127.0.0.1:8080", "http://", "http://:80", "http://h:0", "http://h:70000",
                            "http://h:8a", "http://u@h", "http://h/?q=1", "http://[::1", "http://h:"}) {
        EXPECT_FALSE(ParseUrl(url).ok()) << url;
    }
}

TEST(ResolveOptionsTest, DefaultsAreDocumented) {
    auto options = ResolveOptions(Valid(), kNow, 1234);
    ASSERT_TRUE(options.ok());
    EXPECT_EQ(options->endpoint.port, 8080);
    EXPECT_EQ(options->rate, 100.0);
    EXPECT_EQ(options->duration, milliseconds(kDefaultDuration));
    EXPECT_FALSE(options->count.has_value());
    EXPECT_EQ(options->concurrency, 8);
    EXPECT_EQ(options->batch, 1);
    EXPECT_EQ(options->seed, 1234u) << "the random seed";
    EXPECT_EQ(options->start, *ParseRfc3339("2026-11-23T12:00:00Z")) << "now, whole seconds";
    EXPECT_EQ(options->patterns.size(), static_cast<std::size_t>(kPatternCount));
    EXPECT_EQ(options->pattern_rate, 0.02);
    EXPECT_EQ(options->timeout, milliseconds(10'000));
}

TEST(ResolveOptionsTest, ExplicitValues) {
    SimulateArgs args = Valid();
    args.rate = "max";
    args.count = "200";
    args.concurrency = "4";
    args.batch = "50";
    args.seed = "0xff";
    args.patterns = "structuring,dormant";
    args.pattern_rate = "0.1";
    args.start = "2026-11-23T11:00:00+01:00";
    args.timeout = "2s";
    auto options = ResolveOptions(args, kNow, 1);
    ASSERT_TRUE(options.ok()) << options.error().fields.at(0).message;
    EXPECT_EQ(options->rate, 0.0);
    EXPECT_EQ(options->count, 200u);
    EXPECT_FALSE(options->duration.has_value()) << "a count alone has no duration";
    EXPECT_EQ(options->concurrency, 4);
    EXPECT_EQ(options->batch, 50);
    EXPECT_EQ(options->seed, 255u);
    EXPECT_EQ(options->patterns, (std::vector<Pattern>{Pattern::kStructuring, Pattern::kDormant}));
    EXPECT_EQ(options->start, *ParseRfc3339("2026-11-23T10:00:00Z"));
    EXPECT_EQ(options->timeout, milliseconds(2'000));
}

TEST(ResolveOptionsTest, EveryBadFlagIsNamedAtOnce) {
    SimulateArgs args;
    args.url = "https://watchtower.example";
    args.rate = "-3";
    args.duration = "soon";
    args.count = "0";
    args.concurrency = "0";
    args.batch = "1001";
    args.seed = "abc";
    args.patterns = "structuring,smurfing";
    args.pattern_rate = "1.5";
    args.start = "yesterday";
    args.timeout = "0s";
    auto options = ResolveOptions(args, kNow, 1);
    ASSERT_FALSE(options.ok());
    const Error& error = options.error();
    EXPECT_EQ(error.code, ErrorCode::kValidationFailed);
    for (const char* field : {"url", "api-key", "rate", "duration", "count", "concurrency", "batch", "seed", "patterns",
                              "pattern-rate", "start", "timeout"}) {
        EXPECT_FALSE(MessageFor(error, field).empty()) << field;
    }
    EXPECT_NE(MessageFor(error, "url").find("https is not supported yet"), std::string::npos);
    EXPECT_NE(MessageFor(error, "api-key").find("WATCHTOWER_API_KEY"), std::string::npos);
    EXPECT_NE(MessageFor(error, "batch").find("1 to 1000"), std::string::npos);
    EXPECT_NE(MessageFor(error, "start").find("RFC 3339"), std::string::npos);
}

TEST(ResolveOptionsTest, StartMayNotBeMoreThanFiveMinutesAhead) {
    SimulateArgs args = Valid();
    args.start = "2026-11-23T12:04:00Z";
    EXPECT_TRUE(ResolveOptions(args, kNow, 1).ok());
    args.start = "2026-11-23T12:06:00Z";
    auto options = ResolveOptions(args, kNow, 1);
    ASSERT_FALSE(options.ok());
    EXPECT_NE(MessageFor(options.error(), "start").find("future"), std::string::npos);
}

TEST(ResolveOptionsTest, ApiKeyWithControlCharactersIsRefused) {
    SimulateArgs args = Valid();
    args.api_key = "wt_test_a\r\nX-Evil: 1";
    auto options = ResolveOptions(args, kNow, 1);
    ASSERT_FALSE(options.ok());
    EXPECT_FALSE(MessageFor(options.error(), "api-key").empty());
}

}  // namespace
}  // namespace wt::simulate
