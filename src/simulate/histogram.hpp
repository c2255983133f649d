// SPDX-License-Identifier: Apache-2.0
/// A latency histogram in fixed memory (about 18 KB), HdrHistogram-style: values (microseconds)
/// below 128 are exact; above, each power of two is split into 64 buckets, so a recorded value is
/// known within 1/64 (1.6%). Values above 2^40 us (12 days) count as 2^40 us.
/// Threading: not synchronised; one owner.
#pragma once

#include <array>
#include <cstdint>

namespace wt::simulate {

class LatencyHistogram {
  public:
    /// REQUIRES: micros >= 0 (negative values count as 0).
    void Record(std::int64_t micros);
    void Merge(const LatencyHistogram& other);
    void Reset();

    std::uint64_t count() const { return count_; }
    std::int64_t max() const { return max_; }
    double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
    /// The smallest value v such that a fraction `quantile` (0..1) of the samples is <= v, rounded up
    /// to its bucket's upper bound and capped by the maximum recorded. 0 when empty.
    std::int64_t Percentile(double quantile) const;

    static constexpr int kBuckets = 128 + 34 * 64;

  private:
    static int BucketOf(std::int64_t micros);
    static std::int64_t UpperBound(int bucket);

    std::array<std::uint64_t, kBuckets> buckets_{};
    std::uint64_t count_ = 0;
    std::int64_t sum_ = 0;
    std::int64_t max_ = 0;
};

}  // namespace wt::simulate
