// SPDX-License-Identifier: Apache-2.0
// The latency histogram: percentiles within the bucket precision, in bounded memory.
#include "simulate/histogram.hpp"

#include <gtest/gtest.h>

namespace wt::simulate {
namespace {

TEST(LatencyHistogramTest, EmptyIsZero) {
    LatencyHistogram histogram;
    EXPECT_EQ(histogram.count(), 0u);
    EXPECT_EQ(histogram.Percentile(0.5), 0);
    EXPECT_EQ(histogram.max(), 0);
    EXPECT_EQ(histogram.mean(), 0.0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
    LatencyHistogram histogram;
    for (int value = 1; value <= 100; ++value) histogram.Record(value);
    EXPECT_EQ(histogram.Percentile(0.5), 50);
    EXPECT_EQ(histogram.Percentile(0.99), 99);
    EXPECT_EQ(histogram.Percentile(1.0), 100);
    EXPECT_EQ(histogram.Percentile(0.0), 1);
    EXPECT_DOUBLE_EQ(histogram.mean(), 50.5);
}

TEST(LatencyHistogramTest, LargeValuesWithinTwoPercent) {
    LatencyHistogram histogram;
    for (std::int64_t value = 1; value <= 1'000'000; ++value) histogram.Record(value);
    for (double q : {0.5, 0.9, 0.99, 0.999}) {
        double expected = q * 1'000'000;
        EXPECT_NEAR(static_cast<double>(histogram.Percentile(q)), expected, expected * 0.02) << q;
        EXPECT_GE(static_cast<double>(histogram.Percentile(q)), expected) << "rounded up, never down";
    }
    EXPECT_EQ(histogram.Percentile(1.0), 1'000'000);
    EXPECT_EQ(histogram.max(), 1'000'000);
}

TEST(LatencyHistogramTest, ExtremesAreClampedAndMergeAdds) {
    LatencyHistogram a, b;
    a.Record(-5);
    a.Record(std::int64_t{1} << 50);
    b.Record(1000);
    a.Merge(b);
    EXPECT_EQ(a.count(), 3u);
    EXPECT_EQ(a.Percentile(0.0), 0);
    EXPECT_EQ(a.max(), std::int64_t{1} << 40);
    a.Reset();
    EXPECT_EQ(a.count(), 0u);
}

}  // namespace
}  // namespace wt::simulate
