// SPDX-License-Identifier: Apache-2.0
#include "common/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace wt {
namespace {

constexpr UnixMicros kT0 = 1'800'000'000 * kMicrosPerSecond;

TEST(TokenBucketsTest, AFullBucketAllowsTheBurstThenRefuses) {
    TokenBuckets limiter(/*rate=*/10, /*burst=*/5);
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.Take("key", kT0).has_value()) << i;
    auto refused = limiter.Take("key", kT0);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(*refused, 1);  // one token comes back after 0.1 s: Retry-After rounds up to 1 s
}

TEST(TokenBucketsTest, TokensComeBackAtTheRate) {
    TokenBuckets limiter(/*rate=*/10, /*burst=*/10);
    for (int i = 0; i < 10; ++i) ASSERT_FALSE(limiter.Take("key", kT0).has_value());
    EXPECT_TRUE(limiter.Take("key", kT0 + 50'000).has_value());    // 0.05 s: half a token
    EXPECT_FALSE(limiter.Take("key", kT0 + 100'000).has_value());  // 0.1 s: one token
    EXPECT_TRUE(limiter.Take("key", kT0 + 100'000).has_value());
    // After a long pause the bucket is full again, never fuller.
    const UnixMicros later = kT0 + 3600 * kMicrosPerSecond;
    for (int i = 0; i < 10; ++i) EXPECT_FALSE(limiter.Take("key", later).has_value()) << i;
    EXPECT_TRUE(limiter.Take("key", later).has_value());
}

TEST(TokenBucketsTest, KeysHaveTheirOwnBuckets) {
    TokenBuckets limiter(/*rate=*/1, /*burst=*/1);
    EXPECT_FALSE(limiter.Take("a", kT0).has_value());
    EXPECT_TRUE(limiter.Take("a", kT0).has_value());
    EXPECT_FALSE(limiter.Take("b", kT0).has_value());
}

TEST(TokenBucketsTest, RetryAfterIsTheTimeUntilTheCostIsAvailable) {
    TokenBuckets limiter(/*rate=*/2, /*burst=*/20);
    EXPECT_FALSE(limiter.Take("key", kT0, 20).has_value());
    auto refused = limiter.Take("key", kT0, 7);  // 7 tokens at 2/s: 3.5 s -> 4
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(*refused, 4);
    EXPECT_TRUE(limiter.Take("key", kT0 + 3 * kMicrosPerSecond, 7).has_value());
    EXPECT_FALSE(limiter.Take("key", kT0 + 4 * kMicrosPerSecond, 7).has_value());
    // A cost above the burst can never be paid.
    auto never = limiter.Take("other", kT0, 21);
    ASSERT_TRUE(never.has_value());
    EXPECT_EQ(*never, 10);
}

TEST(TokenBucketsTest, AClockSteppingBackwardsAddsNoTokens) {
    TokenBuckets limiter(/*rate=*/1, /*burst=*/1);
    EXPECT_FALSE(limiter.Take("key", kT0).has_value());
    EXPECT_TRUE(limiter.Take("key", kT0 - 10 * kMicrosPerSecond).has_value());
    EXPECT_TRUE(limiter.Take("key", kT0 + 500'000).has_value());
    EXPECT_FALSE(limiter.Take("key", kT0 + kMicrosPerSecond).has_value());
}

TEST(TokenBucketsTest, MemoryStaysBoundedAndIdleKeysGoFirst) {
    TokenBuckets limiter(/*rate=*/1, /*burst=*/2, /*max_keys=*/100);
    const UnixMicros busy_at = kT0 + 5000 * kMicrosPerSecond;
    EXPECT_FALSE(limiter.Take("busy", busy_at, 2).has_value());  // emptied; refills by busy_at + 2 s
    for (int i = 0; i < 1000; ++i) {
        // One key a second, each taking one token: a key is full (idle) again a second later.
        (void)limiter.Take("idle-" + std::to_string(i), kT0 + i * kMicrosPerSecond);
        EXPECT_LE(limiter.size(), 100u);
    }
    // The busy key was not forgotten (its bucket is still empty), although 1000 keys passed.
    EXPECT_TRUE(limiter.Take("busy", busy_at).has_value());
    // Without idle keys to drop, the oldest-touched half goes: still bounded.
    TokenBuckets crowded(/*rate=*/1e-6, /*burst=*/1, /*max_keys=*/10);
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(crowded.Take("k" + std::to_string(i), kT0 + i).has_value());
        EXPECT_LE(crowded.size(), 10u);
    }
    EXPECT_TRUE(crowded.Take("k99", kT0 + 100).has_value());  // the newest key is remembered
}

TEST(TokenBucketsTest, ConcurrentTakersNeverExceedTheBurst) {
    TokenBuckets limiter(/*rate=*/1e-6, /*burst=*/1000);
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i)
                if (!limiter.Take("key", kT0)) allowed.fetch_add(1);
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(allowed.load(), 1000);
}

}  // namespace
}  // namespace wt
