// SPDX-License-Identifier: Apache-2.0
/// Fuzzes the request-to-JSON layer the console handlers sit on: the query string and percent
/// decoding, the Cookie header, `api::detail::ParseJsonBody` and a `JsonReader` over its result.
///
/// Input layout: `<request target>\n<Cookie header value>\n<body>`. A missing newline leaves the
/// later parts empty. CR, LF and NUL are removed from the Cookie value because Beast's parser never
/// hands such a header to a handler.
///
/// Invariants (abort on violation): no crash, leak or UB (ASan/UBSan), every Error has a code in
/// {kMalformedRequest, kUnsupportedMediaType, kValidationFailed}, a validation error names at
/// least one field, and a successful PercentDecode result holds no NUL and is no longer than its
/// input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/detail/support.hpp"
#include "common/json.hpp"
#include "http/message.hpp"

namespace {

using wt::Error;
using wt::ErrorCode;

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "fuzz_request_json: invariant violated: %s (%.*s)\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

void CheckError(const Error& error) {
    switch (error.code) {
        case ErrorCode::kMalformedRequest:
        case ErrorCode::kUnsupportedMediaType:
            break;
        case ErrorCode::kValidationFailed:
            if (error.fields.empty()) Fail("validation error without fields", error.detail);
            break;
        default:
            Fail("unexpected error code", wt::ErrorCodeName(error.code));
    }
    if (error.detail.empty()) Fail("error without detail", wt::ErrorCodeName(error.code));
}

std::string_view NextLine(std::string_view& rest) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    return line;
}

void CheckDecoded(std::string_view input, bool plus_as_space) {
    auto decoded = wt::http::PercentDecode(input, plus_as_space);
    if (!decoded) return;
    if (decoded->find('\0') != std::string::npos) Fail("PercentDecode returned a NUL");
    if (decoded->size() > input.size()) Fail("PercentDecode grew its input");
}

void ReadBody(const boost::json::value& body) {
    // The shape of a typical console body: strings with bounds, a bool, a bounded int, a nested
    // object read with its own prefixed reader.
    wt::JsonReader in(body);
    auto email = in.RequiredString("email", 1, 320);
    auto name = in.OptionalString("name", 0, 200);
    auto active = in.OptionalBool("active");
    auto limit = in.OptionalInt("limit", -1000, 1000);
    if (email && wt::Utf8Length(*email) > 320) Fail("RequiredString ignored max_len");
    if (limit && (*limit < -1000 || *limit > 1000)) Fail("OptionalInt ignored its bounds");
    (void)name;
    (void)active;
    if (const auto* settings = in.Raw("settings"); settings && !settings->is_null()) {
        wt::JsonReader nested(*settings, "settings");
        (void)nested.OptionalString("time_zone", 1, 64);
        (void)nested.OptionalInt("retention_days", 1, 3650);
        nested.RejectUnknown();
        if (auto status = nested.Finish(); !status.ok()) CheckError(status.error());
    }
    in.RejectUnknown();
    if (auto status = in.Finish(); !status.ok()) {
        CheckError(status.error());
    } else if (!email) {
        Fail("Finish ok without the required field");
    }
    // Responses echo bodies back; serialising what was parsed must work too.
    (void)wt::ToJson(body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    std::string_view target = NextLine(rest);
    std::string_view cookie_line = NextLine(rest);
    std::string_view body = rest;

    std::string cookie;
    for (char c : cookie_line)
        if (c != '\r' && c != '\n' && c != '\0') cookie.push_back(c);

    wt::http::BeastRequest raw{wt::http::Method::post, std::string(target), 11};
    raw.set(wt::http::beast_http::field::content_type, "application/json");
    if (!cookie.empty()) raw.set(wt::http::beast_http::field::cookie, cookie);
    raw.body() = std::string(body);
    raw.prepare_payload();
    wt::http::Request request(raw, "127.0.0.1", "fuzz");

    (void)request.path();
    CheckDecoded(request.query_string(), true);
    CheckDecoded(request.query_string(), false);
    CheckDecoded(target, false);
    for (std::string_view name : {"x", "limit", "since"}) {
        if (auto value = request.query(name); value && value->find('\0') != std::string::npos)
            Fail("query() returned a NUL");
    }
    if (auto limit = wt::api::detail::ParseLimit(request); !limit.ok()) CheckError(limit.error());
    if (auto since = wt::api::detail::ParseTimeParam(request, "since"); !since.ok()) CheckError(since.error());
    (void)request.cookie("wt_session");
    (void)request.cookie("__Host-wt_session");

    wt::api::ApiOptions options;
    auto parsed = wt::api::detail::ParseJsonBody(request, options);
    if (!parsed.ok()) {
        CheckError(parsed.error());
        return 0;
    }
    ReadBody(*parsed);
    return 0;
}
