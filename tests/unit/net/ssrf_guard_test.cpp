// SPDX-License-Identifier: Apache-2.0
/// The SSRF decisions: every refused range in the spellings a resolver accepts, public addresses
/// allowed, the operator's allow list, domain allow lists and Resolve. No network access: the
/// only name resolved is `localhost` (from /etc/hosts).
#include "net/ssrf_guard.hpp"

#include <gtest/gtest.h>

namespace wt::net {
namespace {

struct RefusedCase {
    const char* host;
    const char* message;
};

std::string RefusalOf(const OutboundPolicy& policy, std::string_view host) {
    auto status = policy.CheckLiteralHost(host);
    if (status) return "allowed";
    EXPECT_EQ(status.error().code, ErrorCode::kValidationFailed);
    EXPECT_EQ(status.error().fields.at(0).field, "url");
    return status.error().fields.at(0).message;
}

/// Resolve `url` under a policy allowing `allow`.
Result<PinnedTarget> ResolveAllowing(std::string_view allow, std::string_view url) {
    auto policy = OutboundPolicy::FromConfig(allow);
    EXPECT_TRUE(policy) << allow;
    auto parsed = ParseOutboundUrl(url);
    EXPECT_TRUE(parsed) << url;
    if (!policy || !parsed) return Error::Internal("bad test input");
    return policy->Resolve(*parsed);
}

constexpr const char* kSuffix = "; outbound calls to it are refused";

TEST(SsrfGuardTest, RefusesEverySpellingOfEveryRefusedRange) {
    const RefusedCase cases[] = {
        {"127.0.0.1", "127.0.0.1 is a loopback address"},
        {"[::1]", "::1 is a loopback address"},
        {"::1", "::1 is a loopback address"},
        {"0.0.0.0", "0.0.0.0 is an unspecified (\"this network\", 0.0.0.0/8) address"},
        {"0", "'0' is 0.0.0.0, an unspecified (\"this network\", 0.0.0.0/8) address"},
        {"[::]", ":: is the unspecified address"},
        {"2130706433", "'2130706433' is 127.0.0.1, a loopback address"},
        {"0x7f000001", "'0x7f000001' is 127.0.0.1, a loopback address"},
        {"0x7f.0.0.1", "'0x7f.0.0.1' is 127.0.0.1, a loopback address"},
        {"0177.0.0.1", "'0177.0.0.1' is 127.0.0.1, a loopback address"},
        {"127.1", "'127.1' is 127.0.0.1, a loopback address"},
        {"127.0.0.1.", "127.0.0.1 is a loopback address"},
        {"127.255.255.254", "127.255.255.254 is a loopback address"},
        {"::ffff:127.0.0.1", "'::ffff:127.0.0.1' is 127.0.0.1, a loopback address"},
        {"[::ffff:7f00:1]", "'[::ffff:7f00:1]' is 127.0.0.1, a loopback address"},
        {"::127.0.0.1", "::127.0.0.1 is an IPv4-compatible IPv6 address embedding 127.0.0.1, a loopback address"},
        {"64:ff9b::127.0.0.1",
         "'64:ff9b::127.0.0.1' is 64:ff9b::7f00:1, a NAT64 IPv6 address embedding 127.0.0.1, a loopback address"},
        {"64:ff9b::a9fe:a9fe",
         "64:ff9b::a9fe:a9fe is a NAT64 IPv6 address embedding 169.254.169.254, a link-local "
         "address (169.254.0.0/16, where cloud metadata services live)"},
        {"2002:7f00:1::1", "2002:7f00:1::1 is a 6to4 IPv6 address embedding 127.0.0.1, a loopback address"},
        {"2002:c0a8:101::",
         "2002:c0a8:101:: is a 6to4 IPv6 address embedding 192.168.1.1, a private address (192.168.0.0/16)"},
        {"169.254.169.254",
         "169.254.169.254 is a link-local address (169.254.0.0/16, where cloud metadata services live)"},
        {"::ffff:169.254.169.254",
         "'::ffff:169.254.169.254' is 169.254.169.254, a link-local address (169.254.0.0/16, where cloud metadata "
         "services live)"},
        {"10.1.2.3", "10.1.2.3 is a private address (10.0.0.0/8)"},
        {"172.16.0.1", "172.16.0.1 is a private address (172.16.0.0/12)"},
        {"172.31.255.255", "172.31.255.255 is a private address (172.16.0.0/12)"},
        {"192.168.1.1", "192.168.1.1 is a private address (192.168.0.0/16)"},
        {"3232235777", "'3232235777' is 192.168.1.1, a private address (192.168.0.0/16)"},
        {"100.64.0.1", "100.64.0.1 is a carrier-grade NAT shared address (100.64.0.0/10)"},
        {"100.127.255.255", "100.127.255.255 is a carrier-grade NAT shared address (100.64.0.0/10)"},
        {"192.0.0.170", "192.0.0.170 is an IETF protocol assignment address (192.0.0.0/24)"},
        {"198.18.0.1", "198.18.0.1 is a benchmarking address (198.18.0.0/15)"},
        {"198.19.255.255", "198.19.255.255 is a benchmarking address (198.18.0.0/15)"},
        {"224.0.0.1", "224.0.0.1 is a multicast address (224.0.0.0/4)"},
        {"239.255.255.250", "239.255.255.250 is a multicast address (224.0.0.0/4)"},
        {"240.0.0.1", "240.0.0.1 is a reserved address (240.0.0.0/4)"},
        {"255.255.255.255", "255.255.255.255 is the broadcast address"},
        {"fc00::1", "fc00::1 is a unique local (private) address (fc00::/7)"},
        {"fd00:ec2::254", "fd00:ec2::254 is a unique local (private) address (fc00::/7)"},
        {"fe80::1", "fe80::1 is a link-local address (fe80::/10)"},
        {"febf::1", "febf::1 is a link-local address (fe80::/10)"},
        {"ff02::1", "ff02::1 is a multicast address (ff00::/8)"},
        {"::8.8.8.8", "::8.8.8.8 is a deprecated IPv4-compatible IPv6 address"},
    };
    const OutboundPolicy policy;
    for (const auto& refused : cases) {
        EXPECT_EQ(RefusalOf(policy, refused.host), std::string(refused.message) + kSuffix) << refused.host;
    }
}

TEST(SsrfGuardTest, AllowsPublicAddressesAndNames) {
    const OutboundPolicy policy;
    for (const char* host : {"8.8.8.8", "1.1.1.1", "2606:4700::1111", "[2606:4700::1111]", "::ffff:8.8.8.8",
                             "64:ff9b::808:808", "2002:808:808::1", "172.32.0.1", "100.128.0.1", "192.0.1.1",
                             "198.20.0.1", "223.255.255.255", "fec0::1", "hooks.example.com", "localhost"}) {
        EXPECT_EQ(RefusalOf(policy, host), "allowed") << host;
    }
}

TEST(SsrfGuardTest, CheckLiteralHostRefusesMalformedHosts) {
    const OutboundPolicy policy;
    EXPECT_EQ(RefusalOf(policy, "127.0.0.1 x"), "'127.0.0.1 x' is not a valid host name");
    EXPECT_EQ(RefusalOf(policy, "[127.0.0.1]"), "'[127.0.0.1]' is not a valid IPv6 address");
    EXPECT_EQ(RefusalOf(policy, ""), "the URL has no host");
}

TEST(SsrfGuardTest, OperatorAllowListLetsExactlyItsRangeThrough) {
    auto policy = OutboundPolicy::FromConfig("127.0.0.1/32");
    ASSERT_TRUE(policy);
    EXPECT_EQ(RefusalOf(*policy, "127.0.0.1"), "allowed");
    EXPECT_EQ(RefusalOf(*policy, "2130706433"), "allowed");
    EXPECT_EQ(RefusalOf(*policy, "::ffff:127.0.0.1"), "allowed");
    EXPECT_EQ(RefusalOf(*policy, "127.0.0.2"), std::string("127.0.0.2 is a loopback address") + kSuffix);
    EXPECT_NE(RefusalOf(*policy, "::1"), "allowed");
    EXPECT_NE(RefusalOf(*policy, "64:ff9b::7f00:1"), "allowed");

    policy = OutboundPolicy::FromConfig(" 10.1.0.0/16 , fd00::/8,192.168.5.5");
    ASSERT_TRUE(policy);
    ASSERT_EQ(policy->allowed().size(), 3u);
    EXPECT_EQ(policy->allowed()[0].ToString(), "10.1.0.0/16");
    EXPECT_EQ(policy->allowed()[1].ToString(), "fd00::/8");
    EXPECT_EQ(policy->allowed()[2].ToString(), "192.168.5.5/32");
    EXPECT_EQ(RefusalOf(*policy, "10.1.200.3"), "allowed");
    EXPECT_NE(RefusalOf(*policy, "10.2.0.1"), "allowed");
    EXPECT_EQ(RefusalOf(*policy, "fd12::1"), "allowed");
    EXPECT_NE(RefusalOf(*policy, "fc00::1"), "allowed");
    EXPECT_EQ(RefusalOf(*policy, "192.168.5.5"), "allowed");
    EXPECT_NE(RefusalOf(*policy, "192.168.5.6"), "allowed");
}

TEST(SsrfGuardTest, OperatorAllowListIsParsedStrictly) {
    const std::pair<const char*, const char*> bad[] = {
        {"127.1/32", "'127.1/32' is not an IP address or CIDR range"},
        {"localhost", "'localhost' is not an IP address or CIDR range"},
        {"10.0.0.0/33", "'10.0.0.0/33' has an invalid prefix length"},
        {"10.0.0.0/", "'10.0.0.0/' has an invalid prefix length"},
        {"10.0.0.1/8", "'10.0.0.1/8' has host bits set; did you mean 10.0.0.0/8?"},
        {"fd00::1/8", "'fd00::1/8' has host bits set; did you mean fd00::/8?"},
    };
    for (const auto& [text, message] : bad) {
        auto policy = OutboundPolicy::FromConfig(text);
        ASSERT_FALSE(policy) << text;
        EXPECT_EQ(policy.error().fields.at(0).field, "outbound.allow");
        EXPECT_EQ(policy.error().fields.at(0).message, message);
    }
    auto empty = OutboundPolicy::FromConfig(" , ");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->allowed().empty());
}

TEST(SsrfGuardTest, ResolveRefusesANameThatResolvesToLoopback) {
    const OutboundPolicy policy;
    auto url = ParseOutboundUrl("http://localhost:8080/hook");
    ASSERT_TRUE(url);
    auto target = policy.Resolve(*url);
    ASSERT_FALSE(target);
    EXPECT_EQ(target.error().code, ErrorCode::kValidationFailed);
    EXPECT_EQ(target.error().fields.at(0).field, "url");
    EXPECT_TRUE(target.error().fields.at(0).message.starts_with("'localhost' resolves to "))
        << target.error().fields.at(0).message;
    EXPECT_NE(target.error().fields.at(0).message.find("a loopback address"), std::string::npos);
}

TEST(SsrfGuardTest, ResolveRefusesIfAnyAddressIsRefused) {
    // localhost may resolve to both 127.0.0.1 and ::1: allowing only the IPv4 loopback must not
    // let the call through when the name also has ::1.
    auto target = ResolveAllowing("127.0.0.1/32", "http://localhost/");
    auto all_allowed = ResolveAllowing("127.0.0.0/8, ::1", "http://localhost/");
    ASSERT_TRUE(all_allowed) << all_allowed.error().fields.at(0).message;
    const bool has_v6 = std::any_of(all_allowed->addresses.begin(), all_allowed->addresses.end(),
                                    [](const IpAddr& address) { return !address.v4; });
    EXPECT_EQ(static_cast<bool>(target), !has_v6);
    EXPECT_EQ(all_allowed->host, "localhost");
    EXPECT_EQ(all_allowed->port, 80);
}

TEST(SsrfGuardTest, ResolvePinsLiteralsWithoutDns) {
    auto target = ResolveAllowing("127.0.0.1/32", "http://2130706433:9/");
    ASSERT_TRUE(target);
    ASSERT_EQ(target->addresses.size(), 1u);
    EXPECT_EQ(target->addresses[0].ToString(), "127.0.0.1");
    EXPECT_EQ(target->port, 9);

    EXPECT_FALSE(ResolveAllowing("127.0.0.1/32", "http://127.0.0.2/"));
}

TEST(SsrfGuardTest, DomainAllowListIsCheckedBeforeResolving) {
    EXPECT_TRUE(DomainAllowed("hooks.example.com", {"example.com"}));
    EXPECT_TRUE(DomainAllowed("Example.COM.", {"example.com"}));
    EXPECT_TRUE(DomainAllowed("anything", {}));
    EXPECT_FALSE(DomainAllowed("badexample.com", {"example.com"}));
    EXPECT_FALSE(DomainAllowed("example.com.evil.net", {"example.com"}));
    EXPECT_FALSE(DomainAllowed("example.com", {""}));

    const OutboundPolicy policy;
    // Not in the list: refused with that reason (and no lookup of a name that does not exist).
    auto url = ParseOutboundUrl("https://hooks.invalid/");
    ASSERT_TRUE(url);
    auto target = policy.Resolve(*url, {"example.com"});
    ASSERT_FALSE(target);
    EXPECT_EQ(target.error().fields.at(0).message, "'hooks.invalid' is not in this channel's list of allowed domains");
}

}  // namespace
}  // namespace wt::net
