// SPDX-License-Identifier: Apache-2.0
/// Micro benchmarks of per-request helpers: RFC 3339 parse/format, percent decoding, and a
/// JsonReader pass over a typical console body. Run: build/release/bench/wt_micro_benchmark.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <string>

#include "common/clock.hpp"
#include "common/json.hpp"
#include "http/message.hpp"

namespace {

void BM_ParseRfc3339(benchmark::State& state) {
    const std::string text = "2026-11-23T10:00:00.123456+05:30";
    for (auto _ : state) benchmark::DoNotOptimize(wt::ParseRfc3339(text));
}
BENCHMARK(BM_ParseRfc3339);

void BM_FormatRfc3339(benchmark::State& state) {
    wt::UnixMicros t = 1'795'428'000'123'456;
    for (auto _ : state) benchmark::DoNotOptimize(wt::FormatRfc3339(t, true));
}
BENCHMARK(BM_FormatRfc3339);

void BM_PercentDecode(benchmark::State& state) {
    const std::string text = "since=2026-11-23T10%3A00%3A00Z&q=caf%C3%A9+au+lait&limit=50";
    for (auto _ : state) benchmark::DoNotOptimize(wt::http::PercentDecode(text, true));
}
BENCHMARK(BM_PercentDecode);

void BM_JsonReaderConsoleBody(benchmark::State& state) {
    const std::string text =
        R"({"email":"ada@example.com","name":"Ada Lovelace","active":true,"limit":50,"role":"ANALYST"})";
    for (auto _ : state) {
        boost::json::value body = boost::json::parse(text);
        wt::JsonReader in(body);
        auto email = in.RequiredString("email", 1, 320);
        auto name = in.OptionalString("name", 0, 200);
        auto active = in.OptionalBool("active");
        auto limit = in.OptionalInt("limit", 1, 500);
        auto role = in.RequiredString("role", 1, 32);
        in.RejectUnknown();
        auto status = in.Finish();
        benchmark::DoNotOptimize(email);
        benchmark::DoNotOptimize(name);
        benchmark::DoNotOptimize(active);
        benchmark::DoNotOptimize(limit);
        benchmark::DoNotOptimize(role);
        benchmark::DoNotOptimize(status.ok());
    }
}
BENCHMARK(BM_JsonReaderConsoleBody);

}  // namespace
