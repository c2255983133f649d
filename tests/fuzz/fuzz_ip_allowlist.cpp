// SPDX-License-Identifier: Apache-2.0
/// Fuzzes `ParseIp`, `ParseCidr` and `ClientAddress`: no crash or UB on any input, and
///  - a parsed address prints canonically: ToString parses back to the same address and prints
///    the same text again; the address parses as a /32 or /128 range that contains it;
///  - a parsed range contains its own network address, prints canonically (ToString -> ParseCidr
///    gives the same range and the same text) and has a prefix length valid for its family; a
///    refused range is a validation error on the field given;
///  - ClientAddress (input split at newlines: trusted proxies as comma-separated ranges, the peer,
///    the X-Forwarded-For value) answers the peer when the peer is not a trusted proxy, and
///    otherwise the peer or one of the addresses in the header.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "auth/ip_allowlist.hpp"

namespace {

using wt::auth::Cidr;
using wt::auth::IpAddress;

[[noreturn]] void Fail(const char* what, std::string_view input, std::string_view detail) {
    std::fprintf(stderr, "fuzz_ip_allowlist: %s: input '%.*s' (%.*s)\n", what, static_cast<int>(input.size()),
                 input.data(), static_cast<int>(detail.size()), detail.data());
    std::abort();
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    while (true) {
        const auto pos = text.find(separator);
        parts.push_back(text.substr(0, pos));
        if (pos == std::string_view::npos) return parts;
        text.remove_prefix(pos + 1);
    }
}

void CheckAddress(std::string_view text) {
    auto parsed = wt::auth::ParseIp(text);
    if (!parsed) return;
    const std::string printed = parsed->ToString();
    auto reparsed = wt::auth::ParseIp(printed);
    if (!reparsed) Fail("printed address does not parse", text, printed);
    if (!(*reparsed == *parsed)) Fail("address round trip changed the value", text, printed);
    if (reparsed->ToString() != printed) Fail("printed address is not canonical", text, printed);
    if (parsed->v4 == (printed.find(':') != std::string::npos)) Fail("family and text disagree", text, printed);
    auto single = wt::auth::ParseCidr(text, "field");
    if (!single) Fail("address does not parse as a range", text, printed);
    if (single->prefix_length != (single->network.v4 ? 32 : 128))
        Fail("bare address is not a host range", text, printed);
    if (!single->Contains(*parsed)) Fail("host range does not contain its address", text, printed);
}

void CheckRange(std::string_view text) {
    auto parsed = wt::auth::ParseCidr(text, "field");
    if (!parsed) {
        const auto& error = parsed.error();
        if (error.code != wt::ErrorCode::kValidationFailed || error.fields.size() != 1 ||
            error.fields[0].field != "field") {
            Fail("a refused range is not a validation error on the field", text, error.detail);
        }
        return;
    }
    const std::string printed = parsed->ToString();
    const int max_prefix = parsed->network.v4 ? 32 : 128;
    if (parsed->prefix_length < 0 || parsed->prefix_length > max_prefix)
        Fail("prefix length out of range", text, printed);
    if (!parsed->Contains(parsed->network)) Fail("range does not contain its network", text, printed);
    if (!wt::auth::Allowed({*parsed}, parsed->network)) Fail("Allowed disagrees with Contains", text, printed);
    auto reparsed = wt::auth::ParseCidr(printed, "field");
    if (!reparsed) Fail("printed range does not parse", text, printed);
    if (!(reparsed->network == parsed->network) || reparsed->prefix_length != parsed->prefix_length) {
        Fail("range round trip changed the value", text, printed);
    }
    if (reparsed->ToString() != printed) Fail("printed range is not canonical", text, printed);
}

void CheckClientAddress(std::string_view input) {
    const auto lines = Split(input, '\n');
    if (lines.size() < 3) return;
    std::vector<Cidr> trusted;
    for (auto part : Split(lines[0], ',')) {
        if (auto range = wt::auth::ParseCidr(Trim(part), "trusted_proxies")) trusted.push_back(*range);
    }
    auto peer = wt::auth::ParseIp(lines[1]);
    if (!peer) return;
    const std::string_view header = input.substr(lines[0].size() + lines[1].size() + 2);
    const IpAddress client = wt::auth::ClientAddress(*peer, header, trusted);

    bool peer_trusted = false;
    for (const auto& range : trusted) peer_trusted = peer_trusted || range.Contains(*peer);
    if (!peer_trusted) {
        if (!(client == *peer)) Fail("header believed from an untrusted peer", input, client.ToString());
        return;
    }
    if (client == *peer) return;
    for (auto element : Split(header, ',')) {
        auto hop = wt::auth::ParseIp(Trim(element));
        if (hop && *hop == client) return;
    }
    Fail("client address is neither the peer nor in the header", input, client.ToString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    CheckAddress(input);
    CheckRange(input);
    CheckClientAddress(input);
    return 0;
}
