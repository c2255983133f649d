// SPDX-License-Identifier: Apache-2.0
// The brute-force limits of SECURITY.md "Abuse limits": per address, per account with a
// progressive lock, and attempts in flight counted before they fail.
#include "auth/auth_limiter.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace wt::auth {
namespace {

constexpr UnixMicros kT0 = 1'800'000'000LL * kMicrosPerSecond;

AuthLimits Limits() { return AuthLimits{30, 10, 60, 900}; }

// Fails `n` attempts on `account` at `now`, from distinct addresses (so only the account limit acts).
void FailTimes(AuthLimiter& limiter, const std::string& account, int n, UnixMicros now) {
    for (int i = 0; i < n; ++i) {
        auto attempt = limiter.Admit("10.0.0." + std::to_string(i), account, now);
        ASSERT_TRUE(attempt.ok()) << "attempt " << i;
        attempt->Failed(now);
    }
}

TEST(AuthLimiter, AddressLimitCountsEveryAttempt) {
    auto limiter = MakeInProcessAuthLimiter(Limits());
    for (int i = 0; i < 30; ++i) {
        auto attempt = limiter->Admit("203.0.113.7", "user" + std::to_string(i) + "@x.test", kT0);
        ASSERT_TRUE(attempt.ok()) << i;
        attempt->Succeeded(kT0);  // successes count against the address too
    }
    auto refused = limiter->Admit("203.0.113.7", "another@x.test", kT0);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kRateLimited);
    EXPECT_GE(refused.error().retry_after_seconds, 1);
    EXPECT_LE(refused.error().retry_after_seconds, 2);
    // Another address is unaffected; the bucket refills at 30 a minute (one every 2 s).
    EXPECT_TRUE(limiter->Admit("203.0.113.8", "another@x.test", kT0).ok());
    EXPECT_TRUE(limiter->Admit("203.0.113.7", "another@x.test", kT0 + 2 * kMicrosPerSecond).ok());
}

TEST(AuthLimiter, TokenOnlyAttemptsUseTheAddressLimitOnly) {
    auto limiter = MakeInProcessAuthLimiter(AuthLimits{3, 10, 60, 900});
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter->Admit("198.51.100.1", "", kT0).ok());
    EXPECT_FALSE(limiter->Admit("198.51.100.1", "", kT0).ok());
}

TEST(AuthLimiter, TenConsecutiveFailuresLockTheAccountForAMinute) {
    auto limiter = MakeInProcessAuthLimiter(Limits());
    FailTimes(*limiter, "a@x.test", 9, kT0);
    EXPECT_TRUE(limiter->Admit("192.0.2.1", "a@x.test", kT0).ok()) << "nine failures do not lock";
    FailTimes(*limiter, "a@x.test", 1, kT0);
    auto locked = limiter->Admit("192.0.2.1", "a@x.test", kT0 + kMicrosPerSecond);
    ASSERT_FALSE(locked.ok());
    EXPECT_EQ(locked.error().code, ErrorCode::kRateLimited);
    EXPECT_EQ(locked.error().retry_after_seconds, 59);
    // Other accounts are not affected.
    EXPECT_TRUE(limiter->Admit("192.0.2.1", "b@x.test", kT0 + kMicrosPerSecond).ok());
    // The lock ends after 60 s.
    EXPECT_FALSE(limiter->Admit("192.0.2.2", "a@x.test", kT0 + 59 * kMicrosPerSecond).ok());
    EXPECT_TRUE(limiter->Admit("192.0.2.2", "a@x.test", kT0 + 60 * kMicrosPerSecond).ok());
}

TEST(AuthLimiter, EachFurtherFailureDoublesTheLockUpTo15Minutes) {
    auto limiter = MakeInProcessAuthLimiter(Limits());
    UnixMicros now = kT0;
    FailTimes(*limiter, "a@x.test", 10, now);
    const std::vector<int> expected = {120, 240, 480, 900, 900};
    for (int lock : expected) {
        // Wait out the current lock, fail once more: the next lock is twice as long (capped).
        now += 901 * kMicrosPerSecond;
        auto attempt = limiter->Admit("192.0.2.9", "a@x.test", now);
        ASSERT_TRUE(attempt.ok());
        attempt->Failed(now);
        auto refused = limiter->Admit("192.0.2.9", "a@x.test", now);
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().retry_after_seconds, lock);
    }
}

TEST(AuthLimiter, ASuccessResetsTheCount) {
    auto limiter = MakeInProcessAuthLimiter(Limits());
    FailTimes(*limiter, "a@x.test", 9, kT0);
    auto ok = limiter->Admit("192.0.2.1", "a@x.test", kT0);
    ASSERT_TRUE(ok.ok());
    ok->Succeeded(kT0);
    FailTimes(*limiter, "a@x.test", 9, kT0);
    EXPECT_TRUE(limiter->Admit("192.0.2.1", "a@x.test", kT0).ok()) << "the count restarted at the success";
}

TEST(AuthLimiter, AfterALockOnlyOneAttemptAtATime) {
    auto limiter = MakeInProcessAuthLimiter(Limits());
    FailTimes(*limiter, "a@x.test", 10, kT0);
    const UnixMicros later = kT0 + 61 * kMicrosPerSecond;
    auto first = limiter->Admit("192.0.2.1", "a@x.test", later);
    ASSERT_TRUE(first.ok());
    EXPECT_FALSE(limiter->Admit("192.0.2.2", "a@x.test", later).ok()) << "a second guess waits for the first";
    first->Succeeded(later);
    EXPECT_TRUE(limiter->Admit("192.0.2.2", "a@x.test", later).ok());
}

TEST(AuthLimiter, ParallelAttemptsCannotPassTheThreshold) {
    // 200 attempts admitted "at once" (none settled yet): only 10 get through.
    auto limiter = MakeInProcessAuthLimiter(AuthLimits{1000, 10, 60, 900});
    std::vector<AuthLimiter::Attempt> in_flight;
    int refused = 0;
    for (int i = 0; i < 200; ++i) {
        auto attempt = limiter->Admit("10.1.0." + std::to_string(i % 250), "victim@x.test", kT0);
        if (attempt.ok())
            in_flight.push_back(std::move(*attempt));
        else
            ++refused;
    }
    EXPECT_EQ(in_flight.size(), 10u);
    EXPECT_EQ(refused, 190);
    for (auto& attempt : in_flight) attempt.Failed(kT0);
    EXPECT_FALSE(limiter->Admit("10.2.0.1", "victim@x.test", kT0).ok()) << "locked once they failed";
}

TEST(AuthLimiter, AnAbandonedAttemptFreesItsPlaceWithoutCounting) {
    auto limiter = MakeInProcessAuthLimiter(AuthLimits{1000, 1, 60, 900});
    {
        auto attempt = limiter->Admit("10.0.0.1", "a@x.test", kT0);
        ASSERT_TRUE(attempt.ok());
        EXPECT_FALSE(limiter->Admit("10.0.0.2", "a@x.test", kT0).ok()) << "the single place is taken";
    }  // destroyed unsettled: an error path, neither success nor failure
    auto next = limiter->Admit("10.0.0.2", "a@x.test", kT0);
    ASSERT_TRUE(next.ok()) << "an abandoned attempt is not a failure";
    next->Failed(kT0);
    EXPECT_FALSE(limiter->Admit("10.0.0.3", "a@x.test", kT0).ok()) << "one real failure locks at threshold 1";
}

}  // namespace
}  // namespace wt::auth
