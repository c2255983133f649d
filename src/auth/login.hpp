// SPDX-License-Identifier: Apache-2.0
/// Signing in with email and password, and re-authenticating a live session.
///
/// Both spend a bcrypt verification (~210 ms of a core): call them from the password pool, never
/// an I/O thread. An unknown email verifies against a dummy hash so that it takes as long as a
/// wrong password, and both answer the same `kInvalidCredentials` error.
#pragma once

#include <optional>
#include <string>

#include "auth/accounts.hpp"
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
};

struct LoginOutcome {
    User user;
    Membership membership;                 // the organization the session works in
    std::vector<Membership> memberships;  // all of them
    SessionManager::Issued session;
};

/// Verifies the credentials, opens a session in the user's first organization and audits the
/// attempt (`auth.login.succeeded` / `auth.login.failed` in the user's organizations).
/// Errors: kInvalidCredentials (also for an account without any organization, so that the answer
/// never confirms a correct password), storage errors.
Result<LoginOutcome> Login(storage::Database& db, const SessionManager& sessions, const LoginInput& input);

/// Checks the password of the session's user and marks the session recently authenticated.
/// Errors: kInvalidCredentials (audited as `auth.reauthentication.failed`).
Status Reauthenticate(storage::Database& db, const SessionManager& sessions, const ResolvedSession& session,
                      std::string_view password, std::string_view ip, std::string_view user_agent);

}  // namespace wt::auth
