// SPDX-License-Identifier: Apache-2.0
#include "common/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace wt {

TokenBuckets::TokenBuckets(double rate, double burst, std::size_t max_keys)
    : rate_(std::max(rate, 1e-9)), burst_(std::max(burst, 1.0)), max_keys_(std::max<std::size_t>(max_keys, 1)) {}

void TokenBuckets::Refill(Bucket& bucket, UnixMicros now) const {
    if (now <= bucket.updated) return;
    const double elapsed = static_cast<double>(now - bucket.updated) / static_cast<double>(kMicrosPerSecond);
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_);
    bucket.updated = now;
}

std::optional<int> TokenBuckets::Take(std::string_view key, UnixMicros now, double cost) {
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(std::string(key));
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_keys_) Evict(now);
        it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
    } else {
        Refill(it->second, now);
    }
    Bucket& bucket = it->second;
    if (cost <= bucket.tokens) {
        bucket.tokens -= cost;
        return std::nullopt;
    }
    const double missing = std::min(cost, burst_) - bucket.tokens;
    const double wait = cost > burst_ ? burst_ / rate_ : missing / rate_;
    return std::max(1, static_cast<int>(std::ceil(wait)));
}

void TokenBuckets::Evict(UnixMicros now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        Refill(it->second, now);
        it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
    }
    if (buckets_.size() < max_keys_) return;
    std::vector<UnixMicros> touched;
    touched.reserve(buckets_.size());
    for (const auto& [key, bucket] : buckets_) touched.push_back(bucket.updated);
    auto middle = touched.begin() + static_cast<std::ptrdiff_t>(touched.size() / 2);
    std::nth_element(touched.begin(), middle, touched.end());
    const UnixMicros cutoff = *middle;
    for (auto it = buckets_.begin(); it != buckets_.end();)
        it = it->second.updated <= cutoff ? buckets_.erase(it) : std::next(it);
}

std::size_t TokenBuckets::size() const {
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

}  // namespace wt
