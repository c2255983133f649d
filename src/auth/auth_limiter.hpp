// SPDX-License-Identifier: Apache-2.0
/// Brute-force limits on authentication (SECURITY.md "Abuse limits"): sign-in, MFA verification,
/// password-reset request and completion, invitation acceptance.
///
/// Two limits, both checked by Admit() before any credential is looked at or any password hash is
/// computed:
///  - per client address: `attempts_per_ip_per_minute` attempts (token bucket), every attempt counted;
///  - per account: after `failures_before_lock` consecutive failures the account is locked for
///    `lock_seconds`, doubling with each further failure up to `max_lock_seconds`; a success
///    resets it. Attempts in flight count as failures until they are settled, so N parallel wrong
///    attempts cannot get past the threshold before the first one fails.
/// The account key is the normalized email for every kind of attempt (an unknown email is counted
/// exactly like a known one), so wrong second factors count toward the same lock as wrong
/// passwords. Refusals are `429 rate_limited` with Retry-After and say nothing about the account.
///
/// `AuthLimiter` is the interface the routes use; `InProcessAuthLimiter` the single-node
/// implementation (a Redis one can follow for several nodes). Time is passed in.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace wt::auth {

struct AuthLimits {
    int attempts_per_ip_per_minute = 30;
    int failures_before_lock = 10;
    int lock_seconds = 60;
    int max_lock_seconds = 900;
};

class AuthLimiter {
  public:
    enum class Outcome { kSucceeded, kFailed, kAbandoned };

    /// One admitted attempt. Settle it exactly once with Succeeded() or Failed(); an attempt
    /// destroyed unsettled (an error path) is settled as neither (the in-flight count drops).
    class Attempt {
      public:
        Attempt() = default;
        Attempt(AuthLimiter* limiter, std::string account) : limiter_(limiter), account_(std::move(account)) {}
        Attempt(Attempt&& other) noexcept : limiter_(other.limiter_), account_(std::move(other.account_)) {
            other.limiter_ = nullptr;
        }
        Attempt& operator=(Attempt&&) = delete;
        ~Attempt() {
            if (limiter_ != nullptr) limiter_->Settle(account_, Outcome::kAbandoned, 0);
        }
        void Succeeded(UnixMicros now) { Finish(Outcome::kSucceeded, now); }
        void Failed(UnixMicros now) { Finish(Outcome::kFailed, now); }

      private:
        void Finish(Outcome outcome, UnixMicros now) {
            if (limiter_ != nullptr) limiter_->Settle(account_, outcome, now);
            limiter_ = nullptr;
        }
        AuthLimiter* limiter_ = nullptr;
        std::string account_;
    };

    virtual ~AuthLimiter() = default;
    /// `ip`: the client address; `account`: the normalized email (empty when the attempt has no
    /// account, e.g. a token-only request: then only the address limit applies).
    /// kRateLimited (with retry_after_seconds) when either limit refuses.
    virtual Result<Attempt> Admit(std::string_view ip, std::string_view account, UnixMicros now) = 0;

  protected:
    virtual void Settle(const std::string& account, Outcome outcome, UnixMicros now) = 0;
};

std::unique_ptr<AuthLimiter> MakeInProcessAuthLimiter(const AuthLimits& limits);

}  // namespace wt::auth
