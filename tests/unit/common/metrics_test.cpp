// SPDX-License-Identifier: Apache-2.0
#include "common/metrics.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace wt {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) out.push_back(line);
    return out;
}

TEST(RenderLabelsTest, EmptyAndEscaped) {
    EXPECT_EQ(RenderLabels({}), "");
    EXPECT_EQ(RenderLabels({{"a", "x"}, {"b", "y"}}), R"({a="x",b="y"})");
    // Prometheus text format: backslash, double quote and line feed are escaped in label values.
    EXPECT_EQ(RenderLabels({{"path", "a\"b\\c\nd"}}), R"({path="a\"b\\c\nd"})");
}

TEST(MetricsTest, CounterRendering) {
    Metrics metrics;
    metrics.Increment("wt_requests_total", "Requests", {{"route", "/x"}, {"status", "200"}});
    metrics.Increment("wt_requests_total", "Requests", {{"route", "/x"}, {"status", "200"}}, 2);
    metrics.Increment("wt_requests_total", "Requests", {{"route", "/y"}, {"status", "404"}});
    metrics.Increment("wt_plain_total", "No labels", {});
    std::string text = metrics.Render();
    EXPECT_TRUE(Contains(text, "# HELP wt_requests_total Requests\n# TYPE wt_requests_total counter\n")) << text;
    EXPECT_TRUE(Contains(text, "wt_requests_total{route=\"/x\",status=\"200\"} 3\n")) << text;
    EXPECT_TRUE(Contains(text, "wt_requests_total{route=\"/y\",status=\"404\"} 1\n")) << text;
    EXPECT_TRUE(Contains(text, "# TYPE wt_plain_total counter\nwt_plain_total 1\n")) << text;
    EXPECT_EQ(LinesStartingWith(text, "# TYPE wt_requests_total").size(), 1u) << "one TYPE line per family";
}

TEST(MetricsTest, EscapedLabelValuesInRender) {
    Metrics metrics;
    metrics.Increment("wt_odd_total", "Odd labels", {{"v", "say \"hi\"\\\n"}});
    EXPECT_TRUE(Contains(metrics.Render(), "wt_odd_total{v=\"say \\\"hi\\\"\\\\\\n\"} 1\n")) << metrics.Render();
}

TEST(MetricsTest, HistogramRendering) {
    Metrics metrics;
    // Values exactly representable in binary so the sum is exact.
    for (double seconds : {0.125, 0.25, 0.5, 3.0})
        metrics.Observe("wt_latency_seconds", "Latency", {{"route", "/x"}}, seconds);
    std::string text = metrics.Render();
    EXPECT_TRUE(Contains(text, "# HELP wt_latency_seconds Latency\n# TYPE wt_latency_seconds histogram\n")) << text;
    auto buckets = LinesStartingWith(text, "wt_latency_seconds_bucket{route=\"/x\",le=");
    ASSERT_EQ(buckets.size(), Histogram::kBucketsSeconds.size() + 1) << text;
    EXPECT_EQ(buckets.front(), "wt_latency_seconds_bucket{route=\"/x\",le=\"0.0001\"} 0");
    EXPECT_TRUE(Contains(text, "wt_latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 0\n")) << text;
    EXPECT_TRUE(Contains(text, "wt_latency_seconds_bucket{route=\"/x\",le=\"0.25\"} 2\n")) << text;
    EXPECT_TRUE(Contains(text, "wt_latency_seconds_bucket{route=\"/x\",le=\"0.5\"} 3\n")) << text;
    EXPECT_TRUE(Contains(text, "wt_latency_seconds_bucket{route=\"/x\",le=\"2.5\"} 3\n")) << text;
    EXPECT_EQ(buckets.back(), "wt_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4");
    EXPECT_TRUE(Contains(text, "wt_latency_seconds_sum{route=\"/x\"} 3.875\n")) << text;
    EXPECT_TRUE(Contains(text, "wt_latency_seconds_count{route=\"/x\"} 4\n")) << text;
    // Cumulative buckets never decrease.
    std::uint64_t previous = 0;
    for (const auto& line : buckets) {
        std::uint64_t value = std::stoull(line.substr(line.rfind(' ') + 1));
        EXPECT_GE(value, previous) << line;
        previous = value;
    }
}

// 0.000249 s is 249 us; 0.000249 * 1e6 is 248.99999999999997 in binary floating point, so the sum
// must round to the nearest microsecond rather than truncate.
TEST(MetricsTest, HistogramSumDoesNotLoseAMicrosecondPerObservation) {
    Metrics metrics;
    for (int n = 0; n < 10; ++n) metrics.Observe("wt_small_seconds", "Small", {}, 0.000249);
    std::string text = metrics.Render();
    EXPECT_TRUE(Contains(text, "wt_small_seconds_sum 0.00249\n")) << text;
}

TEST(MetricsTest, HistogramWithoutLabels) {
    Metrics metrics;
    metrics.Observe("wt_ping_seconds", "Ping", {}, 0.5);
    std::string text = metrics.Render();
    EXPECT_TRUE(Contains(text, "wt_ping_seconds_bucket{le=\"+Inf\"} 1\n")) << text;
    EXPECT_TRUE(Contains(text, "wt_ping_seconds_sum 0.5\n")) << text;
    EXPECT_TRUE(Contains(text, "wt_ping_seconds_count 1\n")) << text;
}

TEST(MetricsTest, Gauges) {
    Metrics metrics;
    metrics.SetGauge("wt_open_connections", "Open connections", 5);
    metrics.AddGauge("wt_open_connections", "Open connections", -2);
    std::string text = metrics.Render();
    EXPECT_TRUE(Contains(text, "# TYPE wt_open_connections gauge\nwt_open_connections 3\n")) << text;
}

TEST(MetricsTest, ConcurrentIncrementsSumExactly) {
    Metrics metrics;
    constexpr int kThreads = 4;
    constexpr int kPerThread = 20'000;
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
        threads.emplace_back([&metrics, thread_idx] {
            for (int n = 0; n < kPerThread; ++n) {
                metrics.Increment("wt_shared_total", "Shared", {{"k", "same"}});
                // Also create series concurrently: each thread its own, plus one shared histogram.
                metrics.Increment("wt_shared_total", "Shared", {{"k", "t" + std::to_string(thread_idx)}});
                if (n % 10 == 0) metrics.Observe("wt_shared_seconds", "Shared histogram", {}, 0.001);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    std::string text = metrics.Render();
    EXPECT_TRUE(Contains(text, "wt_shared_total{k=\"same\"} " + std::to_string(kThreads * kPerThread) + "\n"))
        << text;
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx)
        EXPECT_TRUE(Contains(text, "wt_shared_total{k=\"t" + std::to_string(thread_idx) + "\"} " +
                                       std::to_string(kPerThread) + "\n"));
    EXPECT_TRUE(Contains(text, "wt_shared_seconds_count " + std::to_string(kThreads * kPerThread / 10) + "\n")) << text;
}

}  // namespace
}  // namespace wt
