// SPDX-License-Identifier: Apache-2.0
/// Time-based one-time passwords as authenticator apps implement them: HOTP (RFC 4226) over
/// HMAC-SHA1, TOTP (RFC 6238) with 30-second steps from the Unix epoch and 6 digits, secrets
/// exchanged in RFC 4648 base32 (unpadded, upper case, no spaces) inside an `otpauth://` URI.
///
/// Pure functions: no storage, no clock (time is passed in). Which steps a server accepts and the
/// replay rule (a step at most once) live in auth/mfa.hpp. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace wt::auth {

inline constexpr int kTotpDigits = 6;
inline constexpr std::int64_t kTotpStepSeconds = 30;
inline constexpr std::size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226's recommendation
inline constexpr std::string_view kTotpIssuer = "WatchTower";

/// RFC 4648 base32 (alphabet A-Z 2-7), without padding.
std::string Base32Encode(std::string_view bytes);
/// Strict inverse of Base32Encode: upper or lower case letters, no padding, no spaces, and the
/// unused low bits of the last character zero. kValidationFailed otherwise.
Result<std::string> Base32Decode(std::string_view text);

/// The HOTP value of `counter` (RFC 4226 §5.3), `digits` decimal digits with leading zeros.
/// REQUIRES: 1 <= digits <= 9.
std::string HotpCode(std::string_view key, std::uint64_t counter, int digits = kTotpDigits);
/// The time step that `unix_seconds` falls in: floor(unix_seconds / 30).
std::int64_t TotpStep(std::int64_t unix_seconds);
/// The time step of `now`.
std::int64_t TotpStepAt(UnixMicros now);
/// The TOTP value at `unix_seconds` (RFC 6238 with SHA-1).
std::string TotpCode(std::string_view key, std::int64_t unix_seconds, int digits = kTotpDigits);

/// The step among `step - drift .. step + drift` whose code equals `code`, trying `step` first,
/// then the older steps, then the newer ones; nullopt when none matches or `code` is not
/// `kTotpDigits` decimal digits. Compared in constant time.
std::optional<std::int64_t> MatchTotpStep(std::string_view key, std::string_view code, std::int64_t step,
                                          int drift = 1);

/// A new secret: kTotpSecretBytes from the CSPRNG.
std::string NewTotpSecret();

/// `otpauth://totp/WatchTower:<account>?secret=<base32>&issuer=WatchTower&algorithm=SHA1&digits=6&period=30`
/// with the label and parameters percent-encoded.
std::string OtpauthUri(std::string_view secret_base32, std::string_view account);

}  // namespace wt::auth
