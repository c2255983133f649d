// SPDX-License-Identifier: Apache-2.0
/// Password hashing and policy (SECURITY.md "Passwords").
///
/// Hash: bcrypt cost 12 (`$2b$12$`, libxcrypt `crypt_r`) of a pre-hash: base64(SHA-256(password
/// UTF-8 bytes)). The pre-hash means bcrypt's 72-byte limit never truncates a password. No pepper.
/// Hashing costs ~210 ms of one core: call these from the password pool, never an I/O thread.
///
/// Thread-safety: all functions are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace wt::auth {

inline constexpr int kBcryptCost = 12;
inline constexpr std::size_t kMinPasswordLength = 12;   // in code points
inline constexpr std::size_t kMaxPasswordLength = 128;  // in code points

/// Returns a `$2b$12$...` hash. Fails only if the system RNG or crypt_r fails (kInternal).
Result<std::string> HashPassword(std::string_view password);

/// Checks `password` against `stored_hash` in constant time. False on malformed hashes.
bool VerifyPassword(std::string_view password, std::string_view stored_hash);

/// Spends the same time as VerifyPassword against a real hash, for unknown emails, so that
/// "no such user" and "wrong password" cannot be told apart by timing.
void VerifyDummyPassword(std::string_view password);

/// Context the policy needs to refuse passwords derived from the user or the organization.
struct PasswordContext {
    std::string email;
    std::vector<std::string> organization_names;
};

/// The policy: valid UTF-8, 12..128 code points, not the email (or its local part), not an
/// organization name, not "watchtower", not in the common-password list (case-insensitive).
/// Returns kValidationFailed with field `field_name` and a message that says which rule failed.
Status CheckPasswordPolicy(std::string_view password, const PasswordContext& context,
                           std::string_view field_name = "password");

/// Generates a strong random password (for `init` without a password file): 20 characters.
std::string GeneratePassword();

/// True if `password` (lower-cased) is in the built-in common-password list.
bool IsCommonPassword(std::string_view password);

/// Number of entries in the built-in common-password list (a test checks it is >= 3000).
std::size_t CommonPasswordCount();

}  // namespace wt::auth
