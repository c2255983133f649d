// SPDX-License-Identifier: Apache-2.0
/// The SSRF guard for outbound calls (SECURITY.md "Outbound calls"): a URL's host is resolved
/// once, every address it resolves to is checked, and the caller connects only to those pinned
/// addresses (net/http_client.hpp does), so a name cannot point at a public address when checked
/// and at an internal one when connected to (DNS rebinding).
///
/// Refused ranges, each with the reason shown to the caller:
///   IPv4  0.0.0.0/8 "this network"/unspecified; 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16
///         private (RFC 1918); 100.64.0.0/10 carrier-grade NAT shared space (RFC 6598);
///         127.0.0.0/8 loopback; 169.254.0.0/16 link-local, where cloud metadata services live
///         (169.254.169.254); 192.0.0.0/24 IETF protocol assignments (RFC 6890);
///         198.18.0.0/15 benchmarking (RFC 2544); 224.0.0.0/4 multicast; 255.255.255.255
///         broadcast; 240.0.0.0/4 reserved.
///   IPv6  :: unspecified; ::1 loopback; fc00::/7 unique local (private; includes AWS's
///         fd00:ec2::254 metadata address); fe80::/10 link-local; ff00::/8 multicast.
///   IPv6 forms that carry an IPv4 address are judged by that address: IPv4-mapped
///         (::ffff:a.b.c.d, how IPv4 is stored here anyway), IPv4-compatible (::a.b.c.d; refused
///         even when the embedded address is public: the form is deprecated and nothing
///         legitimate uses it), NAT64 64:ff9b::/96 (RFC 6052) and 6to4 2002::/16 (RFC 3056).
/// An address in a range of the operator's `outbound.allow` list is allowed whatever its class
/// (tests allow a loopback canary, `127.0.0.1/32`). The allow list matches the address itself:
/// allowing 127.0.0.1 does not allow 64:ff9b::7f00:1.
///
/// IPv4 literals are read the way the system resolver reads them (inet_aton): `2130706433`,
/// `0x7f000001`, `0x7f.0.0.1`, `0177.0.0.1` and `127.1` are all 127.0.0.1 and refused as such.
///
/// Errors are Error::Validation on field `url` (or the field given), naming the host and the
/// reason: "'localhost' resolves to 127.0.0.1, a loopback address". A name that does not resolve
/// in time or at all is ErrorCode::kUnavailable (a delivery may retry it).
///
/// Threading: an OutboundPolicy is immutable after construction; all methods are const and
/// thread-safe. Resolve blocks the calling thread for at most the timeout given.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "net/url.hpp"

struct sockaddr;

namespace wt::net {

/// An IPv4 or IPv6 address; IPv4 is held as IPv4-mapped IPv6 so one range type serves both.
struct IpAddr {
    std::array<std::uint8_t, 16> bytes{};
    bool v4 = false;
    /// Dotted quad for IPv4, RFC 5952 text for IPv6.
    std::string ToString() const;
    static IpAddr FromV4(std::uint32_t host_order);
    friend bool operator==(const IpAddr&, const IpAddr&) = default;
};

/// Parses an IP literal in any spelling the system resolver accepts (see above); IPv6 may be in
/// brackets. Nullopt for anything else (a host name).
std::optional<IpAddr> ParseIpLiteral(std::string_view host);

/// The address of an AF_INET or AF_INET6 socket address (IPv4-mapped IPv6 becomes IPv4);
/// nullopt for other families.
std::optional<IpAddr> IpAddrFromSockaddr(const sockaddr* address);

struct IpRange {
    IpAddr network;
    int prefix_length = 0;  // over the 128-bit form: an IPv4 /8 is stored as /104
    bool Contains(const IpAddr& address) const;
    std::string ToString() const;
};

/// Why `address` is refused ("a loopback address"), or nullopt when it is a public address. The
/// operator's allow list is not consulted here.
std::optional<std::string> RefusedReason(const IpAddr& address);

/// Where a checked call may connect: the URL's host and port and the addresses it resolved to.
struct PinnedTarget {
    std::string host;  // as in the URL (no brackets)
    std::uint16_t port = 0;
    std::vector<IpAddr> addresses;  // never empty; every one checked
};

class OutboundPolicy {
  public:
    /// Refuses every range above and allows nothing extra.
    OutboundPolicy() = default;
    /// From the `outbound.allow` setting: comma-separated CIDRs (`127.0.0.1/32, 10.1.0.0/16`) or
    /// bare addresses; spaces around entries are ignored. Errors are Error::Validation on
    /// `field`; the entries must be strict dotted quads or IPv6 text with no host bits set.
    static Result<OutboundPolicy> FromConfig(std::string_view outbound_allow,
                                             std::string_view field = "outbound.allow");

    /// The decision for one address: Ok when public or inside an allowed range, else the error
    /// "'<host>' <how>, <reason>" on `field`.
    Status CheckAddress(const IpAddr& address, std::string_view host, std::string_view field = "url") const;

    /// For validation when a URL is saved: a host that is an IP literal (any spelling) is checked
    /// now; a host name passes (it is checked at every Resolve). Also refuses malformed hosts.
    Status CheckLiteralHost(std::string_view host, std::string_view field = "url") const;

    /// Resolves the URL's host once (getaddrinfo on a helper thread, abandoned after `timeout`),
    /// and checks every address. When `allowed_domains` is not empty the host must be one of them
    /// or a subdomain of one (`example.com` allows `hooks.example.com`), checked before any DNS
    /// query. If ANY address the name resolves to is refused, the whole call is refused: a name
    /// that points partly inward is either a misconfiguration or an attack, and connecting to
    /// the "good" subset would still let its owner steer traffic by reordering records.
    Result<PinnedTarget> Resolve(const OutboundUrl& url, const std::vector<std::string>& allowed_domains = {},
                                 std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                 std::string_view field = "url") const;

    const std::vector<IpRange>& allowed() const { return allowed_; }

  private:
    std::vector<IpRange> allowed_;
};

/// True when `host` is one of `domains` or a subdomain of one (case-insensitive; a trailing dot
/// on either side is ignored). An empty list allows every host.
bool DomainAllowed(std::string_view host, const std::vector<std::string>& domains);

}  // namespace wt::net
