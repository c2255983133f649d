// SPDX-License-Identifier: Apache-2.0
#include "auth/auth_limiter.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "common/rate_limiter.hpp"

namespace wt::auth {
namespace {

int CeilSeconds(UnixMicros micros) {
    return static_cast<int>(std::max<UnixMicros>(1, (micros + kMicrosPerSecond - 1) / kMicrosPerSecond));
}

Error Limited(int retry_after_seconds) {
    Error error = Error::Make(ErrorCode::kRateLimited, "too many attempts; try again later");
    error.retry_after_seconds = retry_after_seconds;
    return error;
}

class InProcessAuthLimiter final : public AuthLimiter {
  public:
    explicit InProcessAuthLimiter(const AuthLimits& limits)
        : limits_(limits),
          per_ip_(static_cast<double>(limits.attempts_per_ip_per_minute) / 60.0,
                  static_cast<double>(limits.attempts_per_ip_per_minute)) {}

    Result<Attempt> Admit(std::string_view ip, std::string_view account, UnixMicros now) override {
        std::lock_guard lock(mutex_);
        if (!account.empty()) {
            auto it = accounts_.find(std::string(account));
            if (it != accounts_.end()) {
                const State& state = it->second;
                if (state.locked_until > now) return Limited(CeilSeconds(state.locked_until - now));
                // Attempts in flight count as failures until settled: parallel guesses cannot
                // pass the threshold before the first of them fails. Once the threshold is
                // reached, an expired lock lets one attempt through at a time.
                const int budget = std::max(1, limits_.failures_before_lock - state.failures);
                if (state.in_flight >= budget) return Limited(1);
            }
        }
        if (auto wait = per_ip_.Take(ip, now)) return Limited(*wait);
        if (account.empty()) return Attempt();
        State& state = accounts_[std::string(account)];
        ++state.in_flight;
        if (accounts_.size() > kMaxAccounts) Forget(now);
        return Attempt(this, std::string(account));
    }

  protected:
    void Settle(const std::string& account, Outcome outcome, UnixMicros now) override {
        std::lock_guard lock(mutex_);
        auto it = accounts_.find(account);
        if (it == accounts_.end()) return;
        State& state = it->second;
        state.in_flight = std::max(0, state.in_flight - 1);
        switch (outcome) {
            case Outcome::kSucceeded:
                state.failures = 0;
                state.locked_until = 0;
                break;
            case Outcome::kFailed: {
                ++state.failures;
                const int beyond = state.failures - limits_.failures_before_lock;
                if (beyond >= 0) {
                    // 1 lock period at the threshold, doubling with each further failure, capped.
                    const std::int64_t seconds =
                        std::min<std::int64_t>(limits_.max_lock_seconds,
                                               static_cast<std::int64_t>(limits_.lock_seconds)
                                                   << std::min(beyond, 20));
                    state.locked_until = now + seconds * kMicrosPerSecond;
                }
                break;
            }
            case Outcome::kAbandoned:
                break;
        }
        if (state.failures == 0 && state.in_flight == 0) accounts_.erase(it);
    }

  private:
    struct State {
        int failures = 0;  // consecutive
        int in_flight = 0;
        UnixMicros locked_until = 0;
    };
    static constexpr std::size_t kMaxAccounts = 1'000'000;

    // REQUIRES: mutex_ held. Bounded memory: drops accounts that are neither locked nor in flight
    // (their failure counts restart, which can only lock later, never wrongly).
    void Forget(UnixMicros now) {
        std::erase_if(accounts_, [now](const auto& entry) {
            return entry.second.in_flight == 0 && entry.second.locked_until <= now;
        });
    }

    const AuthLimits limits_;
    TokenBuckets per_ip_;
    std::mutex mutex_;
    std::unordered_map<std::string, State> accounts_;  // GUARDED_BY(mutex_), by normalized email
};

}  // namespace

std::unique_ptr<AuthLimiter> MakeInProcessAuthLimiter(const AuthLimits& limits) {
    return std::make_unique<InProcessAuthLimiter>(limits);
}

}  // namespace wt::auth
