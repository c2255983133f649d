// SPDX-License-Identifier: Apache-2.0
/// Outbound URLs (webhooks and other calls WatchTower makes to the outside), parsed strictly.
///
/// Only `http://` and `https://` URLs with a host are accepted. Refused, each with a message for
/// the caller's field: other schemes (`file:`, `gopher:`, `ftp:` ...), userinfo (`user:pw@host`:
/// it would put a credential in a stored URL and is a classic way to disguise the real host),
/// non-ASCII hosts (no IDNA here: the caller must give the `xn--` form), zone ids and percent
/// signs in the host, ports outside 1..65535, control characters, spaces and backslashes anywhere,
/// and URLs longer than kMaxOutboundUrlLength. The fragment is dropped (it is never sent).
///
/// Parsing does not look at the address a host stands for: see net/ssrf_guard.hpp for that.
///
/// Threading: pure functions and immutable values, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace wt::net {

inline constexpr std::size_t kMaxOutboundUrlLength = 2048;

struct OutboundUrl {
    std::string scheme;         // "http" or "https" (lower case)
    std::string host;           // lower case; an IPv6 literal without its brackets
    bool ipv6_literal = false;  // the host was written `[...]`
    std::uint16_t port = 0;     // the explicit port, else 80 / 443
    std::string target;         // path and query, "/" when the URL has none

    /// The host as it goes into a URL or a Host header: IPv6 literals in brackets.
    std::string HostForUrl() const;
    /// `scheme://host:port/target`, the normalized URL.
    std::string ToString() const;
};

/// Parses `text` as described above. Errors are Error::Validation on `field`.
Result<OutboundUrl> ParseOutboundUrl(std::string_view text, std::string_view field = "url");

/// Checks the text of a host as it may appear in an outbound URL (without brackets): a DNS name
/// (ASCII letters, digits, `-`, `_`, `.`; at most 253 characters) or an IP literal. Errors are
/// Error::Validation on `field` naming the host.
Status ValidateHostSyntax(std::string_view host, std::string_view field = "url");

}  // namespace wt::net
