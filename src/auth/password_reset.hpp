// SPDX-License-Identifier: Apache-2.0
/// Password reset by mailed token, and password change by the signed-in user (SECURITY.md
/// "Passwords", "Sessions", "Tokens for invitations and password reset").
///
/// Reset: RequestPasswordReset issues a single-use token (30 min; only its purpose-bound SHA-256
/// is stored) for a known email that belongs to at least one organization, revoking that user's
/// older unspent tokens; the caller queues the mail and answers the same `202` whatever happened.
/// CompletePasswordReset spends the token (exactly one of concurrent calls succeeds), sets the new
/// password, revokes every other reset token of the user and ends EVERY session of the user. MFA
/// is untouched: the next sign-in still asks for the second factor.
///
/// Change: ChangePassword needs the current password and ends the user's other sessions.
///
/// Every unusable token (unknown, expired, spent, revoked, made for another purpose) is the same
/// `kInvalidToken`. Audit entries go to each of the user's organizations, in the transaction of
/// the change.
///
/// Threading: free functions. The Prepare* functions compute bcrypt hashes: call them from the
/// password pool, never an I/O thread. The Apply* functions take the caller's write transaction,
/// so that the caller can queue the notification mail in it.
#pragma once

#include <optional>
#include <string>

#include "auth/accounts.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::auth {

inline constexpr UnixMicros kPasswordResetLifetime = 30 * kMicrosPerMinute;

/// Who acts and from where, for the audit entries.
struct PasswordActor {
    std::string ip;
    std::string user_agent;
};

struct IssuedReset {
    User user;          // password_hash cleared
    std::string token;  // for the mail only: never logged, never in an API answer
    UnixMicros expires_at = 0;
};

/// Inside `tx` (a write transaction): for a known email with at least one membership, a new token
/// (older unspent ones of the user revoked) and `auth.password_reset.requested` in each of the
/// user's organizations; nullopt otherwise (unknown email, account without organization). Hashes
/// nothing. Errors: storage errors only (an invalid email is simply unknown).
Result<std::optional<IssuedReset>> RequestPasswordReset(storage::Transaction& tx, std::string_view email,
                                                        const PasswordActor& actor, UnixMicros now);

/// The user that an unspent, unexpired reset token belongs to. kInvalidToken otherwise.
Result<User> FindUserByResetToken(storage::Transaction& tx, std::string_view token, UnixMicros now);

/// A new password checked and hashed for `user` (policy context: the user's email and the names
/// of their organizations, read in a transaction of its own). kValidationFailed on `field`.
Result<std::string> PrepareNewPassword(storage::Database& db, const User& user, std::string_view new_password,
                                       std::string_view field);

/// Spends `token` (which must still belong to `user_id`), sets `password_hash`, revokes the user's
/// other reset tokens and every session, audits `auth.password_reset.completed`. kInvalidToken
/// when the token was spent or revoked meanwhile (a concurrent completion won).
Status ApplyPasswordReset(storage::Transaction& tx, std::string_view token, std::string_view user_id,
                          std::string_view password_hash, const PasswordActor& actor, UnixMicros now);

/// Verifies `current_password` against the stored hash of `user_id` (kInvalidCredentials when
/// wrong; the error names no field), then PrepareNewPassword on `new_password`.
Result<std::string> PreparePasswordChange(storage::Database& db, std::string_view user_id,
                                          std::string_view current_password, std::string_view new_password);

/// Sets `password_hash`, ends the user's sessions other than `keep_session_id`, revokes unspent
/// reset tokens, audits `auth.password.changed`.
Status ApplyPasswordChange(storage::Transaction& tx, std::string_view user_id, std::string_view keep_session_id,
                           std::string_view password_hash, const PasswordActor& actor, UnixMicros now);

}  // namespace wt::auth
