// SPDX-License-Identifier: Apache-2.0
/// Cryptographic building blocks from OpenSSL 3 (EVP, RAND_bytes). Everything here is
/// thread-safe and stateless. Failures of the OpenSSL RNG are fatal (std::abort): a process that
/// cannot get randomness must not issue tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace wt::crypto {

/// `n` bytes from the OS CSPRNG (RAND_bytes).
std::string RandomBytes(std::size_t n);

/// SHA-256 digest (32 raw bytes).
std::string Sha256(std::string_view data);

/// HMAC-SHA256 (32 raw bytes).
std::string HmacSha256(std::string_view key, std::string_view data);

/// HMAC-SHA1 (20 raw bytes). Only for protocols that fix SHA-1, such as TOTP (RFC 6238 as
/// authenticator apps implement it); HMAC-SHA1 has no known weakness as a MAC.
std::string HmacSha1(std::string_view key, std::string_view data);

/// PBKDF2-HMAC-SHA256 (RFC 8018) of `secret` with `salt`: `length` raw bytes. For short
/// machine-made secrets (backup codes) where bcrypt's cost per check would be too slow.
/// REQUIRES: iterations >= 1.
std::string Pbkdf2HmacSha256(std::string_view secret, std::string_view salt, int iterations, std::size_t length);

/// Compares in time that depends only on the lengths, not on the contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string HexEncode(std::string_view bytes);
std::string Base64Encode(std::string_view bytes);  // standard alphabet, padded
Result<std::string> Base64Decode(std::string_view text);
std::string Base64UrlEncode(std::string_view bytes);  // RFC 4648 §5, unpadded
Result<std::string> Base64UrlDecode(std::string_view text);

/// A random token for URLs/cookies: 32 random bytes (256 bits), base64url, 43 characters.
std::string NewToken();

/// A new opaque, time-ordered id: `<prefix>_` + 26 Crockford-base32 characters encoding a 48-bit
/// millisecond timestamp and 80 random bits (ULID layout). Ids made later sort after earlier ones.
/// The base32 digits are lower-case (`0-9a-hjkmnp-tv-z`). Within one process ids are strictly
/// increasing, even inside one millisecond or when the wall clock steps back (the process keeps
/// the last id under a mutex and adds a random step to its random part).
std::string NewId(std::string_view prefix);

}  // namespace wt::crypto
