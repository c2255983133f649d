// SPDX-License-Identifier: Apache-2.0
/// IP addresses, CIDR ranges and the client address of a request (SECURITY.md "API keys",
/// API.md "allowed IPs").
///
/// Addresses are held as 16 bytes (IPv4 as IPv4-mapped IPv6), so one comparison serves both
/// families: an IPv4 range matches an IPv4 peer whether the socket reports `203.0.113.7` or
/// `::ffff:203.0.113.7`.
///
/// Threading: pure functions and immutable values, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace wt::auth {

struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 is stored as ::ffff:a.b.c.d
    bool v4 = false;
    /// Canonical text: dotted quad for IPv4 (also when the peer was `::ffff:a.b.c.d`), RFC 5952
    /// for IPv6.
    std::string ToString() const;
    friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

/// A strict textual address: dotted quad (no leading zeros, no shorthand such as `127.1` or
/// `2130706433`) or RFC 4291 IPv6 text (no zone id). Nullopt otherwise.
std::optional<IpAddress> ParseIp(std::string_view text);

struct Cidr {
    IpAddress network;
    int prefix_length = 0;  // 0..32 for IPv4, 0..128 for IPv6
    /// Canonical text, `10.0.0.0/8`, `2001:db8::/32`.
    std::string ToString() const;
    bool Contains(const IpAddress& address) const;
};

/// `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128). Host bits set after the
/// prefix (`10.0.0.1/8`) is an error that names the network meant. Errors are messages for the
/// caller's field (Error::Validation with field `field`).
Result<Cidr> ParseCidr(std::string_view text, std::string_view field);

/// True when `ranges` is empty (no restriction) or one of them contains `address`.
bool Allowed(const std::vector<Cidr>& ranges, const IpAddress& address);

/// The address of the client behind a request. `peer` is the socket's remote address.
/// `X-Forwarded-For` is believed only when the peer is one of `trusted_proxies`: then the list is
/// walked from the right, skipping addresses that are themselves trusted proxies, and the first
/// untrusted one is the client. Malformed entries stop the walk (the last trusted hop is used).
/// With no trusted proxies the header is ignored entirely.
IpAddress ClientAddress(const IpAddress& peer, std::string_view x_forwarded_for, const std::vector<Cidr>& trusted_proxies);

}  // namespace wt::auth
