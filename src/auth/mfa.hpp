// SPDX-License-Identifier: Apache-2.0
/// Second factors (SECURITY.md "MFA"): TOTP enrolment and verification, one-time backup codes,
/// the sign-in challenge between the password step and the second step, and the MFA policy.
///
/// Storage (migration 5): the active secret in `users.totp_secret_sealed`, a pending enrolment in
/// `users.totp_pending_sealed` + `totp_pending_at`, both sealed with the server's Keyring under
/// the contexts `users.totp_secret_sealed:<user id>` and `users.totp_pending_sealed:<user id>`.
/// `users.totp_last_step` is the last accepted time step: a code is accepted only for a step
/// above it, and the update is a compare-and-set (`... AND totp_last_step < step`), so two
/// requests with the same code cannot both pass. Backup codes are stored as PBKDF2-HMAC-SHA256
/// with a per-code salt; spending one is a compare-and-set on `used_at`. Challenges are stored as
/// SHA-256 of their token, bound to the user and the client address of the password step.
///
/// Functions taking a `storage::Transaction&` run inside the caller's transaction (a write
/// transaction where they change anything): the caller adds its audit entries and mails to the
/// same commit. Hashing backup codes is slow on purpose (a few ms each): NewBackupCodes and
/// FindBackupCode belong on the password pool. Thread-safe (no shared state).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/accounts.hpp"
#include "auth/roles.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "crypto/seal.hpp"
#include "storage/database.hpp"

namespace wt::auth {

inline constexpr UnixMicros kMfaPendingLifetime = 15 * kMicrosPerMinute;   // setup -> verify-setup
inline constexpr UnixMicros kMfaChallengeLifetime = 5 * kMicrosPerMinute;  // login -> mfa/verify
inline constexpr int kMfaChallengeMaxAttempts = 5;  // wrong codes on one challenge before it dies
inline constexpr int kBackupCodeCount = 10;
inline constexpr int kBackupCodeIterations = 10'000;  // PBKDF2 rounds: a few ms per code

// ---------------------------------------------------------------------------------------------
// Policy

/// Whether `role` in an organization with `org_settings_json` must use MFA: ADMIN and RISK_LEAD
/// always, every role when the settings say `require_mfa_for_all: true`.
bool MfaRequired(Role role, std::string_view org_settings_json);
/// Whether any of the user's memberships requires MFA (then it cannot be turned off).
Result<bool> MfaRequiredInAnyOrganization(storage::Transaction& tx, std::string_view user_id);

// ---------------------------------------------------------------------------------------------
// TOTP

struct TotpEnrolment {
    std::string secret;       // base32, unpadded, no spaces
    std::string otpauth_uri;  // issuer WatchTower, account = the user's email
    std::string qr_svg;       // the URI as a QR code, a self-contained SVG document
};

/// Starts (or restarts) an enrolment: a new secret stored sealed as the user's pending secret.
/// MFA is not on until ConfirmTotpEnrolment. Works for a user who already has MFA too (a
/// re-enrolment replaces the active secret once confirmed).
Result<TotpEnrolment> BeginTotpEnrolment(storage::Transaction& tx, const crypto::Keyring& keyring, const User& user,
                                         UnixMicros now);

/// Checks `code` against the pending secret (steps t-1..t+1) and makes it the active secret:
/// `mfa_enabled` on, the matched step stored as the last accepted one (the confirming code cannot
/// also sign in). Errors: kValidationFailed on field `code` when no enrolment is pending or it is
/// older than kMfaPendingLifetime; kInvalidMfaCode for a wrong code.
Status ConfirmTotpEnrolment(storage::Transaction& tx, const crypto::Keyring& keyring, std::string_view user_id,
                            std::string_view code, UnixMicros now);

/// Checks a code of an enrolled user and spends its time step. kInvalidMfaCode when the code is
/// wrong, outside t-1..t+1, or its step was already accepted; kInvalidMfaCode too when the user
/// has no active secret.
Status VerifyTotp(storage::Transaction& tx, const crypto::Keyring& keyring, std::string_view user_id,
                  std::string_view code, UnixMicros now);

/// Turns MFA off: secret, pending enrolment, last step and backup codes removed.
Status DisableMfa(storage::Transaction& tx, std::string_view user_id);

/// `otpauth_uri` as an SVG QR code (error correction M, 4-module quiet zone, one path, no
/// external references): safe to inline under the console's CSP.
std::string QrCodeSvg(std::string_view otpauth_uri);

// ---------------------------------------------------------------------------------------------
// Backup codes

struct BackupCodeSet {
    std::vector<std::string> codes;   // shown once: `xxxxx-xxxxx`, 10 base32 characters (50 bits)
    std::vector<std::string> hashes;  // what is stored
};
/// kBackupCodeCount fresh codes and their hashes. Slow (PBKDF2): call from the password pool.
BackupCodeSet NewBackupCodes();
/// Replaces the user's backup codes by `set` (the old ones stop working at once).
Status StoreBackupCodes(storage::Transaction& tx, std::string_view user_id, const BackupCodeSet& set, UnixMicros now);
/// The id of the user's unused backup code equal to `code` (case, spaces and dashes ignored), or
/// nullopt. Slow (one PBKDF2 per unused code): call from the password pool.
Result<std::optional<std::string>> FindBackupCode(storage::Database& db, std::string_view user_id,
                                                  std::string_view code);
/// Spends backup code `code_id`: true when this call spent it, false when it was already used.
Result<bool> ClaimBackupCode(storage::Transaction& tx, std::string_view code_id, UnixMicros now);
/// How many unused backup codes the user has.
Result<int> UnusedBackupCodes(storage::Transaction& tx, std::string_view user_id);

// ---------------------------------------------------------------------------------------------
// Sign-in challenges

struct MfaChallenge {
    std::string id;
    std::string user_id;
    std::string email;  // the user's, for the brute-force limiter's account key
    std::string ip;
};
/// A new challenge for `user_id` signing in from `ip`: the token (shown once, as `mfa_token`).
Result<std::string> CreateMfaChallenge(storage::Transaction& tx, std::string_view user_id, std::string_view ip,
                                       std::string_view user_agent, UnixMicros now);
/// The live challenge of `token` presented from `ip`. kInvalidToken when unknown, spent, expired
/// or made for another address (never says which).
Result<MfaChallenge> FindMfaChallenge(storage::Transaction& tx, std::string_view token, std::string_view ip,
                                      UnixMicros now);
/// Spends the challenge: true when this call spent it, false when it was already spent.
Result<bool> SpendMfaChallenge(storage::Transaction& tx, std::string_view challenge_id, UnixMicros now);

}  // namespace wt::auth
