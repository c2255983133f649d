// SPDX-License-Identifier: Apache-2.0
/// Rate limits as token buckets keyed by a string (an API key id, an IP address, ...).
///
/// `RateLimiter` is the interface the request paths use, so that a shared implementation (Redis,
/// for several nodes) can replace the in-process one without touching them. `TokenBuckets` is the
/// in-process implementation: each key has a bucket of `burst` tokens that refills at `rate` tokens
/// a second; a request takes `cost` tokens or is refused with the whole seconds after which it
/// would succeed (at least 1, for `Retry-After`).
///
/// Memory: at most `max_keys` buckets. When a new key would exceed it, buckets that are full again
/// (idle keys: forgetting them changes nothing) are dropped first; if every bucket is still in use,
/// the oldest-touched half is dropped, which can only let those keys through early, never refuse
/// anyone wrongly.
///
/// Time is passed in (`now`, UnixMicros) so tests need no sleeping; a clock that steps backwards
/// is treated as no time passing.
///
/// Threading: thread-safe (one mutex; the critical section is a hash lookup and a few arithmetic
/// operations).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.hpp"

namespace wt {

class RateLimiter {
  public:
    virtual ~RateLimiter() = default;
    /// Takes `cost` tokens of `key`'s bucket. nullopt: allowed. Otherwise refused, and the value is
    /// the number of seconds (>= 1) until `cost` tokens will be available.
    virtual std::optional<int> Take(std::string_view key, UnixMicros now, double cost = 1.0) = 0;
};

class TokenBuckets final : public RateLimiter {
  public:
    /// `rate` tokens a second (> 0), buckets of `burst` tokens (>= 1; a cost above it is always
    /// refused, with the time a full bucket would take).
    TokenBuckets(double rate, double burst, std::size_t max_keys = 100'000);

    std::optional<int> Take(std::string_view key, UnixMicros now, double cost = 1.0) override;

    std::size_t size() const;

  private:
    struct Bucket {
        double tokens;
        UnixMicros updated;
    };
    void Refill(Bucket& bucket, UnixMicros now) const;
    void Evict(UnixMicros now);  // REQUIRES: mutex_ held

    const double rate_;
    const double burst_;
    const std::size_t max_keys_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mutex_)
};

}  // namespace wt
