// SPDX-License-Identifier: Apache-2.0
/// Signing in with email and password (and the second step when the account has MFA), and
/// re-authenticating a live session.
///
/// Login and Reauthenticate spend a bcrypt verification (~210 ms of a core), CompleteMfaSignIn
/// with a backup code a few PBKDF2 hashes: call them from the password pool, never an I/O thread.
/// An unknown email verifies against a dummy hash so that it takes as long as a wrong password,
/// and both answer the same `kInvalidCredentials` error. Brute-force limits are the caller's
/// (auth/auth_limiter.hpp), checked before these run.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "auth/accounts.hpp"
#include "auth/mfa.hpp"
#include "auth/sessions.hpp"
#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::auth {

struct LoginInput {
    std::string email;
    std::string password;
    std::string ip;
    std::string user_agent;
    /// The session cookie the request carried, if any: it is ended at login (no fixation).
    std::optional<std::string> previous_cookie;
    /// Called inside the write transaction that opens a session when the user already had
    /// sessions but none from `ip` (the "new sign-in" mail goes into the same commit). May be empty.
    std::function<Status(storage::Transaction&, const User&)> on_new_address;
};

struct LoginOutcome {
    User user;
    Membership membership;                // the organization the session works in
    std::vector<Membership> memberships;  // all of them
    SessionManager::Issued session;
    /// Set when the password was right and the account has MFA: no session was opened (`session`
    /// is empty) and the client continues with this token at POST /auth/mfa/verify.
    std::string mfa_token;
};

/// Verifies the credentials. Without MFA: opens a session in the user's first organization
/// (counted as a recent authentication) and audits `auth.login.succeeded`. With MFA: opens a
/// sign-in challenge bound to the user and `input.ip` instead (LoginOutcome::mfa_token). Wrong
/// passwords are audited as `auth.login.failed` in the user's organizations.
/// Errors: kInvalidCredentials (also for an account without any organization, so that the answer
/// never confirms a correct password), storage errors.
Result<LoginOutcome> Login(storage::Database& db, const SessionManager& sessions, const LoginInput& input);

/// The second factor of a sign-in step 2.
struct SecondFactor {
    enum class Kind { kTotp, kBackupCode };
    Kind kind = Kind::kTotp;
    std::string value;
};

/// The second step of a sign-in with MFA: checks `factor` for the challenge's user (a TOTP step
/// or a backup code is spent at most once), spends the challenge and opens the session like
/// Login (audit `auth.login.succeeded` with `mfa: totp|backup_code`). `input.email` and
/// `input.password` are not used. Errors: kInvalidMfaCode for a wrong, replayed or spent code
/// (audited as `auth.mfa.failed`; the challenge stays usable), kInvalidToken when the challenge
/// was spent meanwhile, storage errors.
Result<LoginOutcome> CompleteMfaSignIn(storage::Database& db, const SessionManager& sessions,
                                       const crypto::Keyring& keyring, const MfaChallenge& challenge,
                                       const SecondFactor& factor, const LoginInput& input);

/// Checks the password of the session's user (and, when the user has MFA, the TOTP `code`,
/// spending its step) and marks the session recently authenticated.
/// Errors: kInvalidCredentials for a wrong password, kValidationFailed on `code` when MFA is on
/// and no code was given, kInvalidMfaCode for a wrong code (both failures audited as
/// `auth.reauthentication.failed`).
Status Reauthenticate(storage::Database& db, const SessionManager& sessions, const crypto::Keyring* keyring,
                      const ResolvedSession& session, std::string_view password, const std::optional<std::string>& code,
                      std::string_view ip, std::string_view user_agent);

}  // namespace wt::auth
