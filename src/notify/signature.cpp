// SPDX-License-Identifier: Apache-2.0
#include "notify/signature.hpp"

#include <charconv>
#include <cstdint>

#include "crypto/crypto.hpp"

namespace wt::notify {

namespace {

std::string Mac(std::string_view secret, std::string_view t, std::string_view body) {
    std::string signed_text;
    signed_text.reserve(t.size() + 1 + body.size());
    signed_text.append(t).append(".").append(body);
    return crypto::HexEncode(crypto::HmacSha256(secret, signed_text));
}

}  // namespace

std::string SignatureHeader(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
    const std::string t = std::to_string(unix_seconds);
    return "t=" + t + ",v1=" + Mac(secret, t, body);
}

bool VerifySignature(std::string_view header, std::string_view secret, std::string_view body, std::int64_t now_seconds,
                     std::int64_t tolerance_seconds) {
    if (!header.starts_with("t=")) return false;
    const auto comma = header.find(",v1=");
    if (comma == std::string_view::npos) return false;
    const std::string_view t = header.substr(2, comma - 2);
    const std::string_view given = header.substr(comma + 4);
    std::int64_t at = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), at);
    if (ec != std::errc() || end != t.data() + t.size() || t.empty()) return false;
    // |now - t| in unsigned arithmetic: the difference of two int64 may not fit one (a hostile or
    // garbled `t`), and a wrapped difference could look small.
    const std::uint64_t distance = now_seconds >= at
                                       ? static_cast<std::uint64_t>(now_seconds) - static_cast<std::uint64_t>(at)
                                       : static_cast<std::uint64_t>(at) - static_cast<std::uint64_t>(now_seconds);
    if (tolerance_seconds < 0 || distance > static_cast<std::uint64_t>(tolerance_seconds)) return false;
    return crypto::ConstantTimeEquals(Mac(secret, t, body), given);
}

}  // namespace wt::notify
