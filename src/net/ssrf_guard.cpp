// SPDX-License-Identifier: Apache-2.0
#include "net/ssrf_guard.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <future>
#include <thread>

namespace wt::net {

namespace {

struct RefusedRange {
    IpRange range;
    const char* reason;
};

IpRange V4Range(std::uint32_t network, int prefix) { return {IpAddr::FromV4(network), 96 + prefix}; }

IpRange V6Range(std::initializer_list<std::uint8_t> leading, int prefix) {
    IpRange range;
    std::copy(leading.begin(), leading.end(), range.network.bytes.begin());
    range.prefix_length = prefix;
    return range;
}

// Order matters only where ranges nest: the broadcast address comes before 240/4 so it gets the
// more precise reason.
const std::vector<RefusedRange>& RefusedRanges() {
    static const std::vector<RefusedRange> ranges = {
        {V4Range(0x00000000, 8), "an unspecified (\"this network\", 0.0.0.0/8) address"},
        {V4Range(0x0A000000, 8), "a private address (10.0.0.0/8)"},
        {V4Range(0x64400000, 10), "a carrier-grade NAT shared address (100.64.0.0/10)"},
        {V4Range(0x7F000000, 8), "a loopback address"},
        {V4Range(0xA9FE0000, 16), "a link-local address (169.254.0.0/16, where cloud metadata services live)"},
        {V4Range(0xAC100000, 12), "a private address (172.16.0.0/12)"},
        {V4Range(0xC0000000, 24), "an IETF protocol assignment address (192.0.0.0/24)"},
        {V4Range(0xC0A80000, 16), "a private address (192.168.0.0/16)"},
        {V4Range(0xC6120000, 15), "a benchmarking address (198.18.0.0/15)"},
        {V4Range(0xE0000000, 4), "a multicast address (224.0.0.0/4)"},
        {V4Range(0xFFFFFFFF, 32), "the broadcast address"},
        {V4Range(0xF0000000, 4), "a reserved address (240.0.0.0/4)"},
        {V6Range({}, 128), "the unspecified address"},
        {V6Range({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128), "a loopback address"},
        {V6Range({0xfc}, 7), "a unique local (private) address (fc00::/7)"},
        {V6Range({0xfe, 0x80}, 10), "a link-local address (fe80::/10)"},
        {V6Range({0xff}, 8), "a multicast address (ff00::/8)"},
    };
    return ranges;
}

std::uint32_t V4At(const std::array<std::uint8_t, 16>& bytes, std::size_t offset) {
    return (std::uint32_t{bytes[offset]} << 24) | (std::uint32_t{bytes[offset + 1]} << 16) |
           (std::uint32_t{bytes[offset + 2]} << 8) | std::uint32_t{bytes[offset + 3]};
}

bool HasPrefix(const std::array<std::uint8_t, 16>& bytes, std::initializer_list<std::uint8_t> prefix) {
    return std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

/// ::ffff:a.b.c.d, which is how IPv4 is held.
bool IsMapped(const std::array<std::uint8_t, 16>& bytes) {
    return HasPrefix(bytes, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff});
}

/// The IPv4 address an IPv6 transition form carries, with the name of the form.
std::optional<std::pair<IpAddr, const char*>> EmbeddedV4(const IpAddr& address) {
    if (address.v4) return std::nullopt;
    const auto& bytes = address.bytes;
    if (HasPrefix(bytes, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
        return std::pair{IpAddr::FromV4(V4At(bytes, 12)), "an IPv4-compatible"};
    if (HasPrefix(bytes, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}))
        return std::pair{IpAddr::FromV4(V4At(bytes, 12)), "a NAT64"};
    if (HasPrefix(bytes, {0x20, 0x02})) return std::pair{IpAddr::FromV4(V4At(bytes, 2)), "a 6to4"};
    return std::nullopt;
}

Result<std::vector<IpAddr>> LookUp(const std::string& host, std::chrono::milliseconds timeout) {
    // getaddrinfo cannot be cancelled, so it runs on its own thread and is abandoned at the
    // deadline; the thread ends by itself when the resolver gives up (resolv.conf timeouts).
    std::promise<Result<std::vector<IpAddr>>> promise;
    auto answer = promise.get_future();
    std::thread([promise = std::move(promise), host]() mutable {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* list = nullptr;
        const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
        if (rc != 0) {
            promise.set_value(Error::Make(ErrorCode::kUnavailable,
                                          fmt::format("'{}' could not be resolved: {}", host, gai_strerror(rc))));
            return;
        }
        std::vector<IpAddr> addresses;
        for (const addrinfo* entry = list; entry != nullptr; entry = entry->ai_next) {
            auto address = IpAddrFromSockaddr(entry->ai_addr);
            if (address && std::find(addresses.begin(), addresses.end(), *address) == addresses.end())
                addresses.push_back(*address);
        }
        freeaddrinfo(list);
        if (addresses.empty())
            promise.set_value(Error::Make(ErrorCode::kUnavailable, fmt::format("'{}' has no IP address", host)));
        else
            promise.set_value(std::move(addresses));
    }).detach();
    if (answer.wait_for(timeout) != std::future_status::ready)
        return Error::Make(ErrorCode::kUnavailable,
                           fmt::format("resolving '{}' took longer than {} ms", host, timeout.count()));
    return answer.get();
}

std::string_view TrimDot(std::string_view text) {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    return text;
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return text;
}

/// A strict address for configuration: dotted quad or IPv6 text (inet_pton).
std::optional<IpAddr> ParseStrict(const std::string& text) {
    IpAddr out;
    in_addr v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return IpAddr::FromV4(ntohl(v4.s_addr));
    if (inet_pton(AF_INET6, text.c_str(), out.bytes.data()) != 1) return std::nullopt;
    out.v4 = IsMapped(out.bytes);
    return out;
}

}  // namespace

IpAddr IpAddr::FromV4(std::uint32_t host_order) {
    IpAddr out;
    out.v4 = true;
    out.bytes[10] = 0xff;
    out.bytes[11] = 0xff;
    for (int shift = 0; shift < 4; ++shift)
        out.bytes[12 + shift] = static_cast<std::uint8_t>(host_order >> (24 - 8 * shift));
    return out;
}

std::string IpAddr::ToString() const {
    char text[INET6_ADDRSTRLEN] = {};
    if (v4) return fmt::format("{}.{}.{}.{}", bytes[12], bytes[13], bytes[14], bytes[15]);
    inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
    return text;
}

std::optional<IpAddr> ParseIpLiteral(std::string_view host) {
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed) host = host.substr(1, host.size() - 2);
    if (host.empty() || host.size() > 64) return std::nullopt;
    if (bracketed || host.find(':') != std::string_view::npos) {
        IpAddr out;
        if (inet_pton(AF_INET6, std::string(host).c_str(), out.bytes.data()) != 1) return std::nullopt;
        out.v4 = IsMapped(out.bytes);
        return out;
    }
    // inet_aton takes every spelling the resolver takes (decimal, hex, octal, 1 to 4 parts) but
    // also ignores anything after a space; only number characters are passed to it.
    const std::string text(TrimDot(host));
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == 'x' || c == 'X' || c == '.';
        }))
        return std::nullopt;
    in_addr v4{};
    if (inet_aton(text.c_str(), &v4) == 0) return std::nullopt;
    return IpAddr::FromV4(ntohl(v4.s_addr));
}

std::optional<IpAddr> IpAddrFromSockaddr(const sockaddr* address) {
    IpAddr out;
    if (address->sa_family == AF_INET) {
        out = IpAddr::FromV4(ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
    } else if (address->sa_family == AF_INET6) {
        std::memcpy(out.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, 16);
        out.v4 = IsMapped(out.bytes);
    } else {
        return std::nullopt;
    }
    return out;
}

bool IpRange::Contains(const IpAddr& address) const {
    const int full_bytes = prefix_length / 8;
    if (!std::equal(network.bytes.begin(), network.bytes.begin() + full_bytes, address.bytes.begin())) return false;
    const int rest_bits = prefix_length % 8;
    if (rest_bits == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest_bits));
    return (network.bytes[full_bytes] & mask) == (address.bytes[full_bytes] & mask);
}

std::string IpRange::ToString() const {
    return fmt::format("{}/{}", network.ToString(), network.v4 ? prefix_length - 96 : prefix_length);
}

std::optional<std::string> RefusedReason(const IpAddr& address) {
    for (const auto& refused : RefusedRanges()) {
        if (refused.range.Contains(address)) return std::string(refused.reason);
    }
    if (auto embedded = EmbeddedV4(address)) {
        const auto& [v4, form] = *embedded;
        if (auto reason = RefusedReason(v4))
            return fmt::format("{} IPv6 address embedding {}, {}", form, v4.ToString(), *reason);
        if (std::string_view(form) == "an IPv4-compatible")
            return std::string("a deprecated IPv4-compatible IPv6 address");
    }
    return std::nullopt;
}

Result<OutboundPolicy> OutboundPolicy::FromConfig(std::string_view outbound_allow, std::string_view field) {
    OutboundPolicy policy;
    std::string_view rest = outbound_allow;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view entry = Trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (entry.empty()) continue;
        const auto slash = entry.find('/');
        const auto address = ParseStrict(std::string(entry.substr(0, slash)));
        if (!address)
            return Error::Validation(std::string(field), fmt::format("'{}' is not an IP address or CIDR range", entry));
        const int width = address->v4 ? 32 : 128;
        int prefix = width;
        if (slash != std::string_view::npos) {
            const std::string_view digits = entry.substr(slash + 1);
            if (digits.empty() || digits.size() > 3 ||
                !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
                std::stoi(std::string(digits)) > width)
                return Error::Validation(std::string(field), fmt::format("'{}' has an invalid prefix length", entry));
            prefix = std::stoi(std::string(digits));
        }
        IpRange range{*address, prefix + (address->v4 ? 96 : 0)};
        IpRange network = range;
        for (int bit = range.prefix_length; bit < 128; ++bit)
            network.network.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
        if (network.network != range.network)
            return Error::Validation(
                std::string(field), fmt::format("'{}' has host bits set; did you mean {}?", entry, network.ToString()));
        policy.allowed_.push_back(range);
    }
    return policy;
}

Status OutboundPolicy::CheckAddress(const IpAddr& address, std::string_view host, std::string_view field) const {
    if (std::any_of(allowed_.begin(), allowed_.end(), [&](const IpRange& range) { return range.Contains(address); }))
        return Ok();
    const auto reason = RefusedReason(address);
    if (!reason) return Ok();
    const std::string text = address.ToString();
    std::string message;
    if (TrimDot(host) == text || host == "[" + text + "]")
        message = fmt::format("{} is {}", text, *reason);
    else if (ParseIpLiteral(host))
        message = fmt::format("'{}' is {}, {}", host, text, *reason);
    else
        message = fmt::format("'{}' resolves to {}, {}", host, text, *reason);
    return Error::Validation(std::string(field), message + "; outbound calls to it are refused");
}

Status OutboundPolicy::CheckLiteralHost(std::string_view host, std::string_view field) const {
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (const auto address = ParseIpLiteral(host)) return CheckAddress(*address, host, field);
    if (bracketed) return Error::Validation(std::string(field), fmt::format("'{}' is not a valid IPv6 address", host));
    return ValidateHostSyntax(host, field);
}

Result<PinnedTarget> OutboundPolicy::Resolve(const OutboundUrl& url, const std::vector<std::string>& allowed_domains,
                                             std::chrono::milliseconds timeout, std::string_view field) const {
    if (!DomainAllowed(url.host, allowed_domains))
        return Error::Validation(std::string(field),
                                 fmt::format("'{}' is not in this channel's list of allowed domains", url.host));
    PinnedTarget target{url.host, url.port, {}};
    if (const auto literal = ParseIpLiteral(url.host)) {
        target.addresses.push_back(*literal);
    } else {
        WT_RETURN_IF_ERROR(ValidateHostSyntax(url.host, field));
        WT_ASSIGN_OR_RETURN(target.addresses, LookUp(url.host, timeout));
    }
    for (const auto& address : target.addresses) WT_RETURN_IF_ERROR(CheckAddress(address, url.host, field));
    return target;
}

bool DomainAllowed(std::string_view host, const std::vector<std::string>& domains) {
    if (domains.empty()) return true;
    auto lower = [](std::string_view text) {
        std::string out(TrimDot(text));
        std::transform(out.begin(), out.end(), out.begin(),
                       [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
        return out;
    };
    const std::string name = lower(host);
    return std::any_of(domains.begin(), domains.end(), [&](const std::string& domain) {
        const std::string allowed = lower(domain);
        if (allowed.empty()) return false;
        return name == allowed || (name.size() > allowed.size() && name.ends_with(allowed) &&
                                   name[name.size() - allowed.size() - 1] == '.');
    });
}

}  // namespace wt::net
