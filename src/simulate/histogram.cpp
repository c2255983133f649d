// SPDX-License-Identifier: Apache-2.0
#include "simulate/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace wt::simulate {

namespace {
constexpr std::int64_t kLargest = std::int64_t{1} << 40;
}

int LatencyHistogram::BucketOf(std::int64_t micros) {
    auto value = static_cast<std::uint64_t>(std::clamp<std::int64_t>(micros, 0, kLargest));
    if (value < 128) return static_cast<int>(value);
    int msb = 63 - std::countl_zero(value);
    int shift = msb - 6;  // keeps 7 significant bits: value >> shift is in [64, 128)
    return 128 + (shift - 1) * 64 + static_cast<int>((value >> shift) - 64);
}

std::int64_t LatencyHistogram::UpperBound(int bucket) {
    if (bucket < 128) return bucket;
    int shift = (bucket - 128) / 64 + 1;
    std::int64_t mantissa = (bucket - 128) % 64 + 64;
    return ((mantissa + 1) << shift) - 1;
}

void LatencyHistogram::Record(std::int64_t micros) {
    micros = std::clamp<std::int64_t>(micros, 0, kLargest);
    ++buckets_[static_cast<std::size_t>(BucketOf(micros))];
    ++count_;
    sum_ += micros;
    max_ = std::max(max_, micros);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
    for (std::size_t idx = 0; idx < buckets_.size(); ++idx) buckets_[idx] += other.buckets_[idx];
    count_ += other.count_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
}

void LatencyHistogram::Reset() { *this = LatencyHistogram(); }

std::int64_t LatencyHistogram::Percentile(double quantile) const {
    if (count_ == 0) return 0;
    quantile = std::clamp(quantile, 0.0, 1.0);
    auto rank = static_cast<std::uint64_t>(std::ceil(quantile * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (int bucket = 0; bucket < kBuckets; ++bucket) {
        seen += buckets_[static_cast<std::size_t>(bucket)];
        if (seen >= rank) return std::min(UpperBound(bucket), max_);
    }
    return max_;
}

}  // namespace wt::simulate
