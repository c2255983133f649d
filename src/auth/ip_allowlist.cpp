// SPDX-License-Identifier: Apache-2.0
#include "auth/ip_allowlist.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace wt::auth {
namespace {

// The longest valid text: eight 4-digit groups and seven colons (39), or six groups with an
// embedded dotted quad (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`, 45).
constexpr std::size_t kMaxAddressText = 45;
// X-Forwarded-For elements looked at per request: no real proxy chain is this long, and the cap
// bounds the work an attacker can make us do with `,,,,,...`.
constexpr int kMaxForwardedElements = 32;

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool IsMapped(const std::array<std::uint8_t, 16>& bytes) {
    return std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes.begin());
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Exactly four decimal parts 0..255 without leading zeros. inet_pton(AF_INET) is strict on glibc
// already, but not every libc agrees on leading zeros (some read `010` as octal), so the spelling
// is checked here first and the answer does not depend on the platform.
bool IsStrictDottedQuad(std::string_view text) {
    int parts = 0;
    std::size_t pos = 0;
    while (true) {
        const std::size_t start = pos;
        int value = 0;
        while (pos < text.size() && IsDigit(text[pos]) && pos - start < 3) {
            value = value * 10 + (text[pos] - '0');
            ++pos;
        }
        const std::size_t length = pos - start;
        if (length == 0 || value > 255 || (length > 1 && text[start] == '0')) return false;
        ++parts;
        if (pos == text.size()) return parts == 4;
        if (text[pos] != '.' || parts == 4) return false;
        ++pos;
    }
}

// Only hex digits, colons and (for an embedded dotted quad) dots; the dotted quad, if any, must be
// strict too. Everything else (zone ids `%eth0`, brackets, spaces) is refused before inet_pton.
bool IsPlausibleIpv6Text(std::string_view text) {
    for (char c : text) {
        if (!(IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.')) return false;
    }
    if (text.find('.') == std::string_view::npos) return true;
    const auto last_colon = text.rfind(':');
    return last_colon != std::string_view::npos && IsStrictDottedQuad(text.substr(last_colon + 1));
}

// RFC 5952 section 4: lower-case hex without leading zeros, the longest run of two or more zero
// groups (the first of equal runs) replaced by `::`. Written out rather than left to inet_ntop so
// the text is the same on every libc and never uses the dotted form for non-mapped addresses.
std::string FormatIpv6(const std::array<std::uint8_t, 16>& bytes) {
    std::array<unsigned, 8> groups{};
    for (std::size_t group_idx = 0; group_idx < 8; ++group_idx) {
        groups[group_idx] = (unsigned{bytes[2 * group_idx]} << 8) | bytes[2 * group_idx + 1];
    }
    int best_start = -1;
    int best_length = 0;
    for (int start = 0; start < 8;) {
        if (groups[start] != 0) {
            ++start;
            continue;
        }
        int end = start;
        while (end < 8 && groups[end] == 0) ++end;
        if (end - start > best_length) {
            best_start = start;
            best_length = end - start;
        }
        start = end;
    }
    if (best_length < 2) best_start = -1;

    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(39);
    for (int group_idx = 0; group_idx < 8;) {
        if (group_idx == best_start) {
            out += "::";
            group_idx += best_length;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        const unsigned group = groups[group_idx];
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned digit = (group >> shift) & 0xf;
            if (digit != 0 || started || shift == 0) {
                out += kHex[digit];
                started = true;
            }
        }
        ++group_idx;
    }
    return out;
}

// Bits of the 16-byte form that a range fixes: an IPv4 prefix counts from bit 96.
int StoredPrefixBits(const Cidr& cidr) {
    const int bits = cidr.network.v4 ? 96 + cidr.prefix_length : cidr.prefix_length;
    return std::clamp(bits, 0, 128);
}

std::array<std::uint8_t, 16> Masked(const std::array<std::uint8_t, 16>& bytes, int bits) {
    std::array<std::uint8_t, 16> out{};
    for (int byte_idx = 0; byte_idx < 16; ++byte_idx) {
        const int remaining = bits - 8 * byte_idx;
        if (remaining >= 8) {
            out[byte_idx] = bytes[byte_idx];
        } else if (remaining > 0) {
            out[byte_idx] = static_cast<std::uint8_t>(bytes[byte_idx] & (0xff00u >> remaining));
        }
    }
    return out;
}

bool InAny(const std::vector<Cidr>& ranges, const IpAddress& address) {
    return std::any_of(ranges.begin(), ranges.end(), [&](const Cidr& range) { return range.Contains(address); });
}

std::string_view TrimOws(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace

std::string IpAddress::ToString() const {
    if (v4 || IsMapped(bytes)) {
        return std::to_string(bytes[12]) + "." + std::to_string(bytes[13]) + "." + std::to_string(bytes[14]) + "." +
               std::to_string(bytes[15]);
    }
    return FormatIpv6(bytes);
}

std::optional<IpAddress> ParseIp(std::string_view text) {
    if (text.empty() || text.size() > kMaxAddressText) return std::nullopt;
    // inet_pton reads a C string. An embedded NUL cannot cut the text short: the character
    // checks below refuse it before inet_pton runs.
    char buffer[kMaxAddressText + 1];
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';

    IpAddress address;
    if (text.find(':') == std::string_view::npos) {
        if (!IsStrictDottedQuad(text)) return std::nullopt;
        in_addr v4{};
        if (inet_pton(AF_INET, buffer, &v4) != 1) return std::nullopt;
        std::copy(kMappedPrefix.begin(), kMappedPrefix.end(), address.bytes.begin());
        std::memcpy(address.bytes.data() + 12, &v4, 4);
        address.v4 = true;
        return address;
    }
    if (!IsPlausibleIpv6Text(text)) return std::nullopt;
    in6_addr v6{};
    if (inet_pton(AF_INET6, buffer, &v6) != 1) return std::nullopt;
    std::memcpy(address.bytes.data(), &v6, 16);
    // `::ffff:a.b.c.d` is the IPv4 peer of a dual-stack socket: the same address as `a.b.c.d`.
    address.v4 = IsMapped(address.bytes);
    return address;
}

std::string Cidr::ToString() const { return network.ToString() + "/" + std::to_string(prefix_length); }

bool Cidr::Contains(const IpAddress& address) const {
    const int bits = StoredPrefixBits(*this);
    return Masked(address.bytes, bits) == Masked(network.bytes, bits);
}

Result<Cidr> ParseCidr(std::string_view text, std::string_view field) {
    const auto invalid = [&](std::string message) { return Error::Validation(std::string(field), std::move(message)); };
    const std::string kExpected = "must be an IP address or a CIDR range such as 203.0.113.0/24 or 2001:db8::/32";

    const auto slash = text.find('/');
    const std::string_view address_text = text.substr(0, slash);
    auto address = ParseIp(address_text);
    if (!address) return invalid(kExpected);
    const bool spelled_v6 = address_text.find(':') != std::string_view::npos;
    const int max_prefix = spelled_v6 ? 128 : 32;

    int prefix = max_prefix;
    if (slash != std::string_view::npos) {
        const std::string_view prefix_text = text.substr(slash + 1);
        if (prefix_text.empty() || prefix_text.size() > 3 ||
            !std::all_of(prefix_text.begin(), prefix_text.end(), IsDigit) ||
            (prefix_text.size() > 1 && prefix_text[0] == '0')) {
            return invalid(kExpected);
        }
        prefix = std::stoi(std::string(prefix_text));
        if (prefix > max_prefix) {
            return invalid(spelled_v6 ? "the prefix length of an IPv6 range is 0 to 128"
                                      : "the prefix length of an IPv4 range is 0 to 32");
        }
    }

    // Held in the family the range really covers: `::ffff:10.0.0.0/104` is the IPv4 range
    // 10.0.0.0/8; a mapped address with a prefix shorter than 96 is an IPv6 range.
    Cidr cidr;
    int stored_bits = prefix;
    if (spelled_v6) {
        cidr.network.v4 = address->v4 && prefix >= 96;
        cidr.prefix_length = cidr.network.v4 ? prefix - 96 : prefix;
    } else {
        cidr.network.v4 = true;
        cidr.prefix_length = prefix;
        stored_bits = 96 + prefix;
    }
    cidr.network.bytes = Masked(address->bytes, stored_bits);
    if (cidr.network.bytes != address->bytes) {
        return invalid("has host bits set after the prefix; did you mean " + cidr.ToString() + "?");
    }
    return cidr;
}

bool Allowed(const std::vector<Cidr>& ranges, const IpAddress& address) {
    return ranges.empty() || InAny(ranges, address);
}

IpAddress ClientAddress(const IpAddress& peer, std::string_view x_forwarded_for,
                        const std::vector<Cidr>& trusted_proxies) {
    // Anyone can send the header; only a proxy we run can vouch for the hop before it.
    if (!InAny(trusted_proxies, peer)) return peer;
    IpAddress last_trusted = peer;
    std::string_view rest = x_forwarded_for;
    for (int examined = 0; examined < kMaxForwardedElements && !rest.empty(); ++examined) {
        const auto comma = rest.rfind(',');
        const std::string_view element = TrimOws(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
        if (element.empty()) continue;  // `a,,b` and a trailing comma occur in the wild
        auto hop = ParseIp(element);
        // A malformed entry was written by someone we cannot vouch for (our proxies write
        // addresses): nothing to its left is believable, so the client is the last trusted hop.
        if (!hop) return last_trusted;
        if (!InAny(trusted_proxies, *hop)) return *hop;
        last_trusted = *hop;
    }
    return last_trusted;
}

}  // namespace wt::auth
