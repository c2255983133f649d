// SPDX-License-Identifier: Apache-2.0
/// Single-use tokens sent by mail (SECURITY.md "Tokens for invitations and password reset"):
/// 256 random bits (crypto::NewToken), of which the server stores only a purpose-bound hash.
/// Private to src/auth/.
#pragma once

#include <string>
#include <string_view>

#include "crypto/crypto.hpp"

namespace wt::auth::detail {

/// Purposes of a token: a token made for one never matches a hash made for the other, even if
/// it were looked up in the wrong table.
inline constexpr std::string_view kInvitationPurpose = "invitation";
inline constexpr std::string_view kPasswordResetPurpose = "password_reset";

/// The stored form of `token`: hex(SHA-256(purpose ":" token)).
inline std::string OneTimeTokenHash(std::string_view purpose, std::string_view token) {
    std::string input(purpose);
    input += ':';
    input += token;
    return crypto::HexEncode(crypto::Sha256(input));
}

/// A token is 43 base64url characters; anything else is refused before a lookup.
inline bool PlausibleOneTimeToken(std::string_view token) {
    if (token.size() != 43) return false;
    for (char c : token) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace wt::auth::detail
