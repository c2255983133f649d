// SPDX-License-Identifier: Apache-2.0
#include "auth/ip_allowlist.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wt::auth {
namespace {

IpAddress Ip(std::string_view text) {
    auto parsed = ParseIp(text);
    EXPECT_TRUE(parsed.has_value()) << "'" << text << "' must parse";
    return parsed.value_or(IpAddress{});
}

Cidr Range(std::string_view text) {
    auto parsed = ParseCidr(text, "cidr");
    EXPECT_TRUE(parsed.ok()) << "'" << text << "' must parse";
    return parsed.ok() ? *parsed : Cidr{};
}

std::vector<Cidr> Ranges(std::initializer_list<std::string_view> texts) {
    std::vector<Cidr> out;
    for (auto text : texts) out.push_back(Range(text));
    return out;
}

struct Spelling {
    std::string input;
    std::string canonical;
    bool v4;
};

TEST(ParseIpTest, AcceptsAndCanonicalisesGoodSpellings) {
    const std::vector<Spelling> cases = {
        {"0.0.0.0", "0.0.0.0", true},
        {"255.255.255.255", "255.255.255.255", true},
        {"203.0.113.7", "203.0.113.7", true},
        {"10.0.0.1", "10.0.0.1", true},
        {"100.64.0.0", "100.64.0.0", true},
        {"::", "::", false},
        {"::1", "::1", false},
        {"2001:db8::1", "2001:db8::1", false},
        {"2001:DB8::1", "2001:db8::1", false},
        {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", false},
        {"fe80::1", "fe80::1", false},
        // RFC 5952: one zero group is not compressed; the longest run is; the first of equal runs.
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", false},
        {"2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::", false},
        {"1:0:0:2:0:0:3:4", "1::2:0:0:3:4", false},
        {"1:0:0:2:0:0:0:3", "1:0:0:2::3", false},
        {"1::", "1::", false},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
        // IPv4-mapped: the same address as the dotted quad, shown as one.
        {"::ffff:192.0.2.1", "192.0.2.1", true},
        {"::FFFF:c000:0201", "192.0.2.1", true},
        {"0:0:0:0:0:ffff:192.0.2.1", "192.0.2.1", true},
        // Other embedded forms are IPv6 addresses and are printed in hex.
        {"::1.2.3.4", "::102:304", false},
        {"64:ff9b::192.0.2.33", "64:ff9b::c000:221", false},
        {"::ffff:0:1.2.3.4", "::ffff:0:102:304", false},
    };
    for (const auto& c : cases) {
        auto parsed = ParseIp(c.input);
        ASSERT_TRUE(parsed.has_value()) << c.input;
        EXPECT_EQ(parsed->ToString(), c.canonical) << c.input;
        EXPECT_EQ(parsed->v4, c.v4) << c.input;
        auto again = ParseIp(parsed->ToString());
        ASSERT_TRUE(again.has_value()) << c.canonical;
        EXPECT_EQ(*again, *parsed) << c.canonical;
    }
}

TEST(ParseIpTest, RefusesOddSpellings) {
    const std::vector<std::string> bad = {
        "",
        "127.1",
        "127.0.1",
        "2130706433",
        "0x7f000001",
        "0x7f.0.0.1",
        "010.0.0.1",
        "1.2.3.04",
        "00.0.0.0",
        "0177.0.0.1",
        "256.0.0.1",
        "1.2.3.256",
        "1.2.3",
        "1.2.3.4.5",
        "1..2.3",
        "1.2.3.",
        ".1.2.3",
        "1.2.3.-4",
        "+1.2.3.4",
        " 1.2.3.4",
        "1.2.3.4 ",
        "1.2.3.4\n",
        "1.2.3.4/32",
        "1.2.3.4:80",
        "1.2.3.4%eth0",
        "\xef\xbc\x91.2.3.4",  // a full-width digit
        std::string("1.2.3.4\0", 8),
        std::string("::1\0", 4),
        "fe80::1%eth0",
        "fe80::1%1",
        "[::1]",
        "[::1]:80",
        ":::",
        "::1::",
        "1::2::3",
        ":1",
        "1:",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7",
        "12345::",
        "::g",
        "::ffff:010.0.0.1",
        "::ffff:127.1",
        "::ffff:1.2.3.4.5",
        "::ffff:1.2.3.4:1",
        "::1.2.3",
        " ::1",
        "::1 ",
        "localhost",
        std::string(100, '1'),
        "1111:2222:3333:4444:5555:6666:255.255.255.2555",
    };
    for (const auto& text : bad) EXPECT_FALSE(ParseIp(text).has_value()) << "'" << text << "' must be refused";
}

TEST(ParseIpTest, MappedAndDottedAreTheSameAddress) {
    EXPECT_EQ(Ip("::ffff:203.0.113.7"), Ip("203.0.113.7"));
    EXPECT_NE(Ip("::203.0.113.7"), Ip("203.0.113.7"));
    EXPECT_NE(Ip("::1"), Ip("0.0.0.1"));
}

TEST(ParseIpTest, LongestValidTextParses) {
    EXPECT_EQ(Ip("1111:2222:3333:4444:5555:6666:255.255.255.255").ToString(),
              "1111:2222:3333:4444:5555:6666:ffff:ffff");
}

TEST(ParseCidrTest, CanonicalForms) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"10.0.0.0/8", "10.0.0.0/8"},
        {"203.0.113.0/24", "203.0.113.0/24"},
        {"203.0.113.7", "203.0.113.7/32"},
        {"203.0.113.7/32", "203.0.113.7/32"},
        {"0.0.0.0/0", "0.0.0.0/0"},
        {"2001:db8::/32", "2001:db8::/32"},
        {"2001:DB8:0::/32", "2001:db8::/32"},
        {"2001:db8::1", "2001:db8::1/128"},
        {"::/0", "::/0"},
        {"::1/128", "::1/128"},
        // IPv4 ranges written in mapped form are IPv4 ranges.
        {"::ffff:10.0.0.0/104", "10.0.0.0/8"},
        {"::ffff:0:0/96", "0.0.0.0/0"},
        {"::ffff:203.0.113.7", "203.0.113.7/32"},
        {"::/80", "::/80"},
    };
    for (const auto& [input, canonical] : cases) {
        auto parsed = ParseCidr(input, "cidr");
        ASSERT_TRUE(parsed.ok()) << input;
        EXPECT_EQ(parsed->ToString(), canonical) << input;
        auto again = ParseCidr(parsed->ToString(), "cidr");
        ASSERT_TRUE(again.ok()) << canonical;
        EXPECT_EQ(again->network, parsed->network);
        EXPECT_EQ(again->prefix_length, parsed->prefix_length);
    }
    EXPECT_EQ(Range("10.0.0.0/8").prefix_length, 8);
    EXPECT_TRUE(Range("10.0.0.0/8").network.v4);
    EXPECT_EQ(Range("::ffff:10.0.0.0/104").prefix_length, 8);
    EXPECT_EQ(Range("2001:db8::/32").prefix_length, 32);
}

TEST(ParseCidrTest, HostBitsSetNamesTheNetworkMeant) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"10.0.0.1/8", "10.0.0.0/8"},
        {"203.0.113.7/24", "203.0.113.0/24"},
        {"1.2.3.4/0", "0.0.0.0/0"},
        {"2001:db8::1/32", "2001:db8::/32"},
        {"::1/0", "::/0"},
        {"::ffff:10.1.0.0/104", "10.0.0.0/8"},
    };
    for (const auto& [input, meant] : cases) {
        auto parsed = ParseCidr(input, "ingestion[2].cidr");
        ASSERT_FALSE(parsed.ok()) << input;
        EXPECT_EQ(parsed.error().code, ErrorCode::kValidationFailed);
        ASSERT_EQ(parsed.error().fields.size(), 1u);
        EXPECT_EQ(parsed.error().fields[0].field, "ingestion[2].cidr");
        EXPECT_NE(parsed.error().fields[0].message.find("host bits"), std::string::npos) << input;
        EXPECT_NE(parsed.error().fields[0].message.find(meant), std::string::npos)
            << input << ": " << parsed.error().fields[0].message;
    }
}

TEST(ParseCidrTest, RefusesMalformedRanges) {
    const std::vector<std::string> bad = {
        "",
        "/8",
        "10.0.0.0/",
        "10.0.0.0/33",
        "10.0.0.0/99",
        "::/129",
        "::/1000",
        "10.0.0.0/08",
        "10.0.0.0/00",
        "10.0.0.0/-1",
        "10.0.0.0/+8",
        "10.0.0.0/ 8",
        "10.0.0.0 /8",
        "10.0.0.0/8 ",
        "10.0.0.0/8/8",
        "10.0.0.0/8a",
        "10.0.0.0/0x8",
        "10.0.0.0/99999999999999999999",
        "127.1/8",
        "10/8",
        "2130706433/32",
        "fe80::%eth0/64",
        "[2001:db8::]/32",
        "10.0.0.0-10.0.0.255",
        "any",
    };
    for (const auto& text : bad) {
        auto parsed = ParseCidr(text, "cidr");
        ASSERT_FALSE(parsed.ok()) << "'" << text << "' must be refused";
        EXPECT_EQ(parsed.error().code, ErrorCode::kValidationFailed);
        ASSERT_EQ(parsed.error().fields.size(), 1u);
        EXPECT_EQ(parsed.error().fields[0].field, "cidr");
    }
    auto too_long = ParseCidr("10.0.0.0/33", "cidr");
    ASSERT_FALSE(too_long.ok());
    EXPECT_NE(too_long.error().fields[0].message.find("0 to 32"), std::string::npos);
}

TEST(CidrContainsTest, Ipv4Ranges) {
    const Cidr ten = Range("10.0.0.0/8");
    EXPECT_TRUE(ten.Contains(Ip("10.0.0.0")));
    EXPECT_TRUE(ten.Contains(Ip("10.255.255.255")));
    EXPECT_FALSE(ten.Contains(Ip("11.0.0.0")));
    EXPECT_FALSE(ten.Contains(Ip("9.255.255.255")));
    // A dual-stack socket reports IPv4 peers in mapped form.
    EXPECT_TRUE(ten.Contains(Ip("::ffff:10.1.2.3")));
    EXPECT_FALSE(ten.Contains(Ip("::10.1.2.3")));
    EXPECT_FALSE(ten.Contains(Ip("a00::")));

    const Cidr host = Range("203.0.113.7/32");
    EXPECT_TRUE(host.Contains(Ip("203.0.113.7")));
    EXPECT_FALSE(host.Contains(Ip("203.0.113.6")));
    EXPECT_FALSE(host.Contains(Ip("203.0.113.8")));

    const Cidr odd = Range("192.168.0.0/23");
    EXPECT_TRUE(odd.Contains(Ip("192.168.1.255")));
    EXPECT_FALSE(odd.Contains(Ip("192.168.2.0")));

    // Every IPv4 address, and no IPv6 one.
    const Cidr all_v4 = Range("0.0.0.0/0");
    EXPECT_TRUE(all_v4.Contains(Ip("0.0.0.0")));
    EXPECT_TRUE(all_v4.Contains(Ip("255.255.255.255")));
    EXPECT_TRUE(all_v4.Contains(Ip("::ffff:1.2.3.4")));
    EXPECT_FALSE(all_v4.Contains(Ip("::1")));
    EXPECT_FALSE(all_v4.Contains(Ip("2001:db8::1")));
}

TEST(CidrContainsTest, Ipv6Ranges) {
    const Cidr doc = Range("2001:db8::/32");
    EXPECT_TRUE(doc.Contains(Ip("2001:db8::")));
    EXPECT_TRUE(doc.Contains(Ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
    EXPECT_FALSE(doc.Contains(Ip("2001:db9::")));
    EXPECT_FALSE(doc.Contains(Ip("203.0.113.7")));

    const Cidr host = Range("2001:db8::7/128");
    EXPECT_TRUE(host.Contains(Ip("2001:db8::7")));
    EXPECT_FALSE(host.Contains(Ip("2001:db8::6")));
    EXPECT_FALSE(host.Contains(Ip("2001:db8::8")));

    const Cidr odd = Range("2001:db8:8000::/33");
    EXPECT_TRUE(odd.Contains(Ip("2001:db8:ffff::1")));
    EXPECT_FALSE(odd.Contains(Ip("2001:db8:7fff::1")));

    // `::/0` is every address, IPv4 ones included.
    const Cidr all = Range("::/0");
    EXPECT_TRUE(all.Contains(Ip("::")));
    EXPECT_TRUE(all.Contains(Ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
    EXPECT_TRUE(all.Contains(Ip("10.0.0.1")));
}

TEST(AllowedTest, EmptyListAllowsEverything) {
    EXPECT_TRUE(Allowed({}, Ip("203.0.113.7")));
    EXPECT_TRUE(Allowed({}, Ip("::1")));
    const auto ranges = Ranges({"10.0.0.0/8", "2001:db8::/32"});
    EXPECT_TRUE(Allowed(ranges, Ip("10.1.1.1")));
    EXPECT_TRUE(Allowed(ranges, Ip("::ffff:10.1.1.1")));
    EXPECT_TRUE(Allowed(ranges, Ip("2001:db8::5")));
    EXPECT_FALSE(Allowed(ranges, Ip("192.0.2.1")));
    EXPECT_FALSE(Allowed(ranges, Ip("2001:db9::5")));
}

TEST(ClientAddressTest, HeaderIgnoredWithoutTrustedProxies) {
    const IpAddress peer = Ip("198.51.100.9");
    EXPECT_EQ(ClientAddress(peer, "", {}), peer);
    EXPECT_EQ(ClientAddress(peer, "203.0.113.7", {}), peer);
    EXPECT_EQ(ClientAddress(peer, "10.0.0.1, 203.0.113.7", {}), peer);
}

TEST(ClientAddressTest, HeaderIgnoredFromAnUntrustedPeer) {
    const auto trusted = Ranges({"10.0.0.0/8"});
    const IpAddress peer = Ip("198.51.100.9");
    EXPECT_EQ(ClientAddress(peer, "203.0.113.7", trusted), peer);
    EXPECT_EQ(ClientAddress(peer, "10.0.0.5", trusted), peer);
}

TEST(ClientAddressTest, TrustedPeerIsBelieved) {
    const auto trusted = Ranges({"10.0.0.0/8"});
    EXPECT_EQ(ClientAddress(Ip("10.0.0.2"), "203.0.113.7", trusted), Ip("203.0.113.7"));
    EXPECT_EQ(ClientAddress(Ip("::ffff:10.0.0.2"), "203.0.113.7", trusted), Ip("203.0.113.7"));
    EXPECT_EQ(ClientAddress(Ip("10.0.0.2"), "2001:db8::7", trusted), Ip("2001:db8::7"));
    EXPECT_EQ(ClientAddress(Ip("10.0.0.2"), "::ffff:203.0.113.7", trusted), Ip("203.0.113.7"));
    // No header at all: the proxy itself is the last hop we know.
    EXPECT_EQ(ClientAddress(Ip("10.0.0.2"), "", trusted), Ip("10.0.0.2"));
}

TEST(ClientAddressTest, ChainsOfProxiesAreSkippedFromTheRight) {
    const auto trusted = Ranges({"10.0.0.0/8", "2001:db8:aaaa::/48"});
    EXPECT_EQ(ClientAddress(Ip("10.0.0.2"), "203.0.113.7, 10.0.0.3, 10.0.0.4", trusted), Ip("203.0.113.7"));
    EXPECT_EQ(ClientAddress(Ip("10.0.0.2"), "203.0.113.7,2001:db8:aaaa::1", trusted), Ip("203.0.113.7"));
    // Every hop is a proxy: the left-most one is the best we know.
    EXPECT_EQ(ClientAddress(Ip("10.0.0.2"), "10.0.0.9, 10.0.0.3", trusted), Ip("10.0.0.9"));
}

TEST(ClientAddressTest, SpoofedLeftMostEntriesAreNotBelieved) {
    const auto trusted = Ranges({"10.0.0.0/8"});
    // The client sent `X-Forwarded-For: 1.1.1.1`; our proxy appended the address it saw.
    EXPECT_EQ(ClientAddress(Ip("10.0.0.2"), "1.1.1.1, 203.0.113.7", trusted), Ip("203.0.113.7"));
    // A client that claims to be one of our proxies gains nothing beyond its own hop.
    EXPECT_EQ(ClientAddress(Ip("10.0.0.2"), "1.1.1.1, 10.0.0.3, 203.0.113.7", trusted), Ip("203.0.113.7"));
}

TEST(ClientAddressTest, ToleratesSpacesAndEmptyElements) {
    const auto trusted = Ranges({"10.0.0.0/8"});
    const IpAddress proxy = Ip("10.0.0.2");
    EXPECT_EQ(ClientAddress(proxy, "  203.0.113.7  ", trusted), Ip("203.0.113.7"));
    EXPECT_EQ(ClientAddress(proxy, "203.0.113.7,", trusted), Ip("203.0.113.7"));
    EXPECT_EQ(ClientAddress(proxy, "203.0.113.7, ,\t,10.0.0.3", trusted), Ip("203.0.113.7"));
    EXPECT_EQ(ClientAddress(proxy, ",,,", trusted), proxy);
    EXPECT_EQ(ClientAddress(proxy, " ", trusted), proxy);
}

TEST(ClientAddressTest, GarbageStopsAtTheLastTrustedHop) {
    const auto trusted = Ranges({"10.0.0.0/8"});
    const IpAddress proxy = Ip("10.0.0.2");
    EXPECT_EQ(ClientAddress(proxy, "garbage", trusted), proxy);
    EXPECT_EQ(ClientAddress(proxy, "203.0.113.7, garbage", trusted), proxy);
    EXPECT_EQ(ClientAddress(proxy, "203.0.113.7, garbage, 10.0.0.3", trusted), Ip("10.0.0.3"));
    EXPECT_EQ(ClientAddress(proxy, "203.0.113.7:443", trusted), proxy);
    EXPECT_EQ(ClientAddress(proxy, "[2001:db8::1]", trusted), proxy);
    EXPECT_EQ(ClientAddress(proxy, "127.1", trusted), proxy);
    EXPECT_EQ(ClientAddress(proxy, "fe80::1%eth0", trusted), proxy);
    EXPECT_EQ(ClientAddress(proxy, std::string("203.0.113.7\0", 12), trusted), proxy);
    // Garbage left of the client does not matter: the walk stops at the client.
    EXPECT_EQ(ClientAddress(proxy, "garbage, 203.0.113.7", trusted), Ip("203.0.113.7"));
}

TEST(ClientAddressTest, LongChainsAreCut) {
    const auto trusted = Ranges({"10.0.0.0/8"});
    const IpAddress proxy = Ip("10.0.0.2");
    std::string header = "203.0.113.7";
    for (int hop_idx = 0; hop_idx < 100; ++hop_idx) header += ", 10.0.0." + std::to_string(hop_idx % 250 + 1);
    // The client is beyond the elements examined: the walk ends at a trusted hop, never at a
    // forged entry further left.
    const IpAddress client = ClientAddress(proxy, header, trusted);
    EXPECT_TRUE(trusted.front().Contains(client)) << client.ToString();

    std::string short_chain = "203.0.113.7";
    for (int hop_idx = 0; hop_idx < 10; ++hop_idx) short_chain += ",10.0.0.9";
    EXPECT_EQ(ClientAddress(proxy, short_chain, trusted), Ip("203.0.113.7"));

    EXPECT_EQ(ClientAddress(proxy, "203.0.113.7" + std::string(100'000, ','), trusted), proxy);
}

}  // namespace
}  // namespace wt::auth
