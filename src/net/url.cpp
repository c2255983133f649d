// SPDX-License-Identifier: Apache-2.0
#include "net/url.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace wt::net {

namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string ToLower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), Lower);
    return out;
}

bool IsHostChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_'; }

Error Invalid(std::string_view field, std::string message) {
    return Error::Validation(std::string(field), std::move(message));
}

}  // namespace

std::string OutboundUrl::HostForUrl() const { return ipv6_literal ? "[" + host + "]" : host; }

std::string OutboundUrl::ToString() const { return fmt::format("{}://{}:{}{}", scheme, HostForUrl(), port, target); }

Status ValidateHostSyntax(std::string_view host, std::string_view field) {
    if (host.empty()) return Invalid(field, "the URL has no host");
    if (std::any_of(host.begin(), host.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
        return Invalid(field, "non-ASCII host names are not supported: use the punycode (xn--) form");
    if (host.size() > 253) return Invalid(field, "the host name is longer than 253 characters");
    if (!std::all_of(host.begin(), host.end(), IsHostChar))
        return Invalid(field, fmt::format("'{}' is not a valid host name", host));
    return Ok();
}

Result<OutboundUrl> ParseOutboundUrl(std::string_view text, std::string_view field) {
    if (text.size() > kMaxOutboundUrlLength)
        return Invalid(field, fmt::format("the URL is longer than {} characters", kMaxOutboundUrlLength));
    // Spaces, controls and backslashes are refused outright rather than escaped: resolvers and
    // HTTP libraries disagree about them, and that disagreement is what SSRF filters get past.
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f || c == '\\') {
            return Invalid(field, "the URL contains a space, a control character or a backslash");
        }
    }
    OutboundUrl url;
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) {
        const auto colon = text.find(':');
        if (colon != std::string_view::npos && colon > 0)
            return Invalid(field, fmt::format("the scheme '{}' is not allowed: only http and https",
                                              ToLower(text.substr(0, std::min<std::size_t>(colon, 32)))));
        return Invalid(field, "the URL must start with http:// or https://");
    }
    url.scheme = ToLower(text.substr(0, scheme_end));
    if (url.scheme != "http" && url.scheme != "https")
        return Invalid(field, fmt::format("the scheme '{}' is not allowed: only http and https",
                                          url.scheme.substr(0, std::min<std::size_t>(url.scheme.size(), 32))));
    std::string_view rest = text.substr(scheme_end + 3);
    if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    const auto authority_end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view target = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
    if (authority.find('@') != std::string_view::npos)
        return Invalid(field, "credentials in the URL (user@host) are not allowed");

    std::string_view host;
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return Invalid(field, "the IPv6 address has no closing ']'");
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return Invalid(field, "unexpected text after the IPv6 address");
            port_text = after.substr(1);
        }
        in6_addr parsed{};
        const std::string host_text(host);
        if (inet_pton(AF_INET6, host_text.c_str(), &parsed) != 1)
            return Invalid(field, fmt::format("'[{}]' is not a valid IPv6 address (zone ids are not allowed)", host));
        url.ipv6_literal = true;
    } else {
        const auto colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
        WT_RETURN_IF_ERROR(ValidateHostSyntax(host, field));
    }
    url.host = ToLower(host);

    url.port = url.scheme == "https" ? 443 : 80;
    if (authority.find(':', url.ipv6_literal ? authority.find(']') : 0) != std::string_view::npos) {
        if (port_text.empty() || port_text.size() > 5 ||
            !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return Invalid(field, "the port must be a number from 1 to 65535");
        const int port = std::stoi(std::string(port_text));
        if (port < 1 || port > 65535) return Invalid(field, "the port must be a number from 1 to 65535");
        url.port = static_cast<std::uint16_t>(port);
    }
    url.target = target.empty() ? "/" : std::string(target);
    if (url.target.front() == '?') url.target.insert(0, "/");
    return url;
}

}  // namespace wt::net
