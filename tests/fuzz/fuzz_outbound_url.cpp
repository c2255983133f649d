// SPDX-License-Identifier: Apache-2.0
/// Fuzzes `ParseOutboundUrl`, `ParseIpLiteral`, `OutboundPolicy::CheckLiteralHost` and
/// `OutboundPolicy::FromConfig`: no crash or UB on any input, and
///  - an accepted URL is http or https with a port and a target starting with `/`, and its
///    normalized text parses back to the same URL;
///  - an IP literal prints canonically (ToString parses back to the same address), and the
///    default policy refuses it exactly when RefusedReason names a reason;
///  - the host of an accepted URL gets a decision from CheckLiteralHost without crashing;
///  - an accepted allow list contains the network address of each of its ranges.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/ssrf_guard.hpp"
#include "net/url.hpp"

namespace {

using wt::net::OutboundPolicy;

[[noreturn]] void Fail(const char* what, std::string_view input) {
    std::fprintf(stderr, "fuzz_outbound_url: %s: input '%.*s'\n", what, static_cast<int>(input.size()), input.data());
    std::abort();
}

void CheckLiteral(std::string_view host) {
    static const OutboundPolicy policy;
    const auto status = policy.CheckLiteralHost(host);
    const auto address = wt::net::ParseIpLiteral(host);
    if (!address) return;
    const auto again = wt::net::ParseIpLiteral(address->ToString());
    if (!again || !(*again == *address)) Fail("an address does not print canonically", host);
    if (status.ok() == wt::net::RefusedReason(*address).has_value())
        Fail("the decision disagrees with the reason", host);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    CheckLiteral(input);
    if (auto url = wt::net::ParseOutboundUrl(input)) {
        if ((url->scheme != "http" && url->scheme != "https") || url->port == 0 || url->target.empty() ||
            url->target.front() != '/')
            Fail("an accepted URL is malformed", input);
        auto again = wt::net::ParseOutboundUrl(url->ToString());
        if (!again || again->scheme != url->scheme || again->host != url->host || again->port != url->port ||
            again->target != url->target || again->ipv6_literal != url->ipv6_literal)
            Fail("the normalized URL does not parse back to the same URL", input);
        CheckLiteral(url->ipv6_literal ? url->HostForUrl() : url->host);
    }
    if (auto policy = OutboundPolicy::FromConfig(input)) {
        for (const auto& range : policy->allowed()) {
            if (!range.Contains(range.network)) Fail("an allowed range does not contain its network", input);
        }
    }
    return 0;
}
