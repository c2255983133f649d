// SPDX-License-Identifier: Apache-2.0
/// Fuzzes the parsers of notification input from the console (src/notify): the channel body
/// (`ParseNewChannel` under the default SSRF policy), the channel PATCH body and the per-user
/// settings body, plus the webhook signature. No crash or UB on any input, and
///  - an accepted channel is a webhook whose normalized URL parses again and whose host passes the
///    literal check, or an email channel with 1..20 distinct bare addresses; its events are known,
///    distinct and non-empty, and its min_severity is a severity;
///  - an accepted webhook's allowed_domains are at most 10 distinct entries in stored form (lower
///    case, normalizing again changes nothing), none an IP literal or a wildcard, and they allow
///    the URL's host; the raw input as one entry obeys the same rules when accepted;
///  - accepted settings name only personal events, once each, and survive a save/load round trip;
///  - a body signed at time t verifies at t under its secret and not under another.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "net/ssrf_guard.hpp"
#include "net/url.hpp"
#include "notify/channels.hpp"
#include "notify/events.hpp"
#include "notify/settings.hpp"
#include "notify/signature.hpp"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view input) {
    std::fprintf(stderr, "fuzz_notify_channel: %s: input '%.*s'\n", what, static_cast<int>(input.size()), input.data());
    std::abort();
}

bool Distinct(const std::vector<std::string>& items) {
    return std::set<std::string>(items.begin(), items.end()).size() == items.size();
}

/// An accepted allowed_domains entry is in stored form: normalizing again keeps it, and it is
/// neither an IP literal nor a wildcard.
void CheckDomain(const std::string& domain, std::string_view input) {
    auto again = wt::notify::NormalizeAllowedDomain(domain);
    if (!again || *again != domain) Fail("an allowed domain is not in stored form", input);
    if (wt::net::ParseIpLiteral(domain) || domain.find('*') != std::string::npos ||
        domain.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
        Fail("an allowed domain is an address, a wildcard or not lower case", input);
}

void CheckChannel(const boost::json::value& body, std::string_view input) {
    static const wt::net::OutboundPolicy policy;
    auto channel = wt::notify::ParseNewChannel(body, policy);
    if (!channel) return;
    if (channel->events.empty() || !Distinct(channel->events)) Fail("events empty or repeated", input);
    for (const auto& event : channel->events)
        if (!wt::notify::IsEventType(event)) Fail("an unknown event was accepted", input);
    if (wt::notify::SeverityRank(channel->min_severity) < 0) Fail("an unknown severity was accepted", input);
    if (channel->type == "webhook") {
        auto url = wt::net::ParseOutboundUrl(channel->url);
        if (!url || url->ToString() != channel->url) Fail("the stored URL does not parse back", input);
        if (!policy.CheckLiteralHost(url->ipv6_literal ? url->HostForUrl() : url->host).ok())
            Fail("a refused literal host was accepted", input);
        if (channel->allowed_domains.size() > wt::notify::kMaxAllowedDomains || !Distinct(channel->allowed_domains))
            Fail("allowed_domains out of bounds or repeated", input);
        for (const auto& domain : channel->allowed_domains) CheckDomain(domain, input);
        if (wt::notify::OutsideAllowedDomains(url->host, channel->allowed_domains))
            Fail("a URL outside allowed_domains was accepted", input);
    } else if (channel->type == "email") {
        if (!channel->allowed_domains.empty()) Fail("an email channel with allowed_domains", input);
        if (channel->recipients.empty() || channel->recipients.size() > wt::notify::kMaxRecipients ||
            !Distinct(channel->recipients))
            Fail("recipients out of bounds", input);
    } else {
        Fail("an unknown type was accepted", input);
    }
}

void CheckSettings(const boost::json::value& body, std::string_view input) {
    auto settings = wt::notify::ParseSettings(body);
    if (!settings) return;
    if (!Distinct(settings->events)) Fail("settings events repeated", input);
    for (const auto& event : settings->events)
        if (!wt::notify::IsPersonalEventType(event)) Fail("a non-personal event was accepted", input);
    const auto again =
        wt::notify::SettingsFromText(boost::json::serialize(wt::notify::SettingsToJson(*settings)));
    if (again.email != settings->email || again.events != settings->events) Fail("settings do not round-trip", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string header = wt::notify::SignatureHeader("whsec_fuzz", 1'800'000'000, input);
    if (!wt::notify::VerifySignature(header, "whsec_fuzz", input, 1'800'000'000) ||
        wt::notify::VerifySignature(header, "whsec_other", input, 1'800'000'000))
        Fail("the signature does not verify as it should", input);
    (void)wt::notify::VerifySignature(input, "whsec_fuzz", "{}", 1'800'000'000);
    if (auto domain = wt::notify::NormalizeAllowedDomain(input)) CheckDomain(*domain, input);
    boost::system::error_code ec;
    boost::json::parse_options options;
    options.max_depth = 32;
    const auto body = boost::json::parse(input, ec, {}, options);
    if (ec) return 0;
    CheckChannel(body, input);
    (void)wt::notify::ParseChannelPatch(body);
    CheckSettings(body, input);
    return 0;
}
