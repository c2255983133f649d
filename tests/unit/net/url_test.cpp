// SPDX-License-Identifier: Apache-2.0
/// ParseOutboundUrl: what is accepted and normalized, and every refusal with its message.
#include "net/url.hpp"

#include <gtest/gtest.h>

namespace wt::net {
namespace {

std::string RefusalOf(std::string_view text) {
    auto url = ParseOutboundUrl(text);
    if (url) return "accepted";
    EXPECT_EQ(url.error().code, ErrorCode::kValidationFailed);
    EXPECT_EQ(url.error().fields.at(0).field, "url");
    return url.error().fields.at(0).message;
}

TEST(OutboundUrlTest, ParsesAndNormalizes) {
    auto url = ParseOutboundUrl("HTTPS://Hooks.Example.COM/path/x?a=1#frag");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->scheme, "https");
    EXPECT_EQ(url->host, "hooks.example.com");
    EXPECT_EQ(url->port, 443);
    EXPECT_EQ(url->target, "/path/x?a=1");
    EXPECT_EQ(url->ToString(), "https://hooks.example.com:443/path/x?a=1");

    url = ParseOutboundUrl("http://example.com:8080");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->port, 8080);
    EXPECT_EQ(url->target, "/");

    url = ParseOutboundUrl("http://[2606:4700::1111]:81?q");
    ASSERT_TRUE(url);
    EXPECT_TRUE(url->ipv6_literal);
    EXPECT_EQ(url->host, "2606:4700::1111");
    EXPECT_EQ(url->target, "/?q");
    EXPECT_EQ(url->HostForUrl(), "[2606:4700::1111]");
}

TEST(OutboundUrlTest, RefusesOtherSchemes) {
    for (const char* text : {"file:///etc/passwd", "gopher://example.com/", "ftp://example.com/x",
                             "javascript:alert(1)", "dict://example.com:11211/"}) {
        EXPECT_NE(RefusalOf(text).find("is not allowed: only http and https"), std::string::npos) << text;
    }
    EXPECT_EQ(RefusalOf("example.com/x"), "the URL must start with http:// or https://");
}

TEST(OutboundUrlTest, RefusesUserinfo) {
    EXPECT_EQ(RefusalOf("http://user:pw@example.com/"), "credentials in the URL (user@host) are not allowed");
    EXPECT_EQ(RefusalOf("http://example.com@127.0.0.1/"), "credentials in the URL (user@host) are not allowed");
}

TEST(OutboundUrlTest, RefusesBadHostsAndPorts) {
    const std::string port_message = "the port must be a number from 1 to 65535";
    const std::string character_message = "the URL contains a space, a control character or a backslash";
    const std::pair<std::string, std::string> cases[] = {
        {"http://bücher.example/", "non-ASCII host names are not supported: use the punycode (xn--) form"},
        {"http:///x", "the URL has no host"},
        {"http://exa%6dple.com/", "'exa%6dple.com' is not a valid host name"},
        {"http://[fe80::1%25eth0]/", "'[fe80::1%25eth0]' is not a valid IPv6 address (zone ids are not allowed)"},
        {"http://[::1/", "the IPv6 address has no closing ']'"},
        {"http://[::1]x/", "unexpected text after the IPv6 address"},
        {"http://example.com:0/", port_message},
        {"http://example.com:65536/", port_message},
        {"http://example.com:/", port_message},
        {"http://example.com:8o/", port_message},
        {"http://example.com /", character_message},
        {"http://example.com\\@evil/", character_message},
        {"http://example.com/\x01", character_message},
        {"http://example.com/" + std::string(3000, 'a'), "the URL is longer than 2048 characters"},
    };
    for (const auto& [text, message] : cases) EXPECT_EQ(RefusalOf(text), message) << text;
}

}  // namespace
}  // namespace wt::net
