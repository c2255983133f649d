// SPDX-License-Identifier: Apache-2.0
/// The signature of a webhook delivery (SECURITY.md "Outbound calls", docs/webhooks.md):
///
///   X-WatchTower-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
///
/// The key is the channel's secret exactly as shown at creation (its ASCII text, `whsec_...`);
/// the signed string is the decimal timestamp, a dot, and the body bytes as sent. A receiver
/// recomputes the HMAC, compares in constant time, and refuses a `t` far from its own clock
/// (replays). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wt::notify {

inline constexpr std::string_view kSignatureHeader = "X-WatchTower-Signature";

/// The header value for `body` signed with `secret` at `unix_seconds`.
std::string SignatureHeader(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

/// True when `header` is a valid signature of `body` under `secret` with a `t` within
/// `tolerance_seconds` of `now_seconds` (what a receiver does; used by tests and docs).
bool VerifySignature(std::string_view header, std::string_view secret, std::string_view body, std::int64_t now_seconds,
                     std::int64_t tolerance_seconds = 300);

}  // namespace wt::notify
