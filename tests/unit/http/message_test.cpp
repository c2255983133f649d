// SPDX-License-Identifier: Apache-2.0
#include "http/message.hpp"

#include <gtest/gtest.h>

#include <string>

#include "http/server.hpp"

namespace wt::http {
namespace {

namespace json = boost::json;

BeastRequest MakeRaw(Method method, std::string target) { return BeastRequest{method, target, 11}; }

// --- Request ---------------------------------------------------------------------------------

TEST(RequestTest, PathAndQueryString) {
    auto raw = MakeRaw(Method::get, "/api/v1/orgs/audit-logs?action=auth.&limit=5");
    Request request(raw, "192.0.2.1", "req-1");
    EXPECT_EQ(request.path(), "/api/v1/orgs/audit-logs");
    EXPECT_EQ(request.query_string(), "action=auth.&limit=5");
    EXPECT_EQ(request.remote_ip(), "192.0.2.1");
    EXPECT_EQ(request.request_id(), "req-1");
    EXPECT_EQ(request.route(), "unmatched");

    auto plain = MakeRaw(Method::get, "/healthz");
    Request no_query(plain, "", "");
    EXPECT_EQ(no_query.path(), "/healthz");
    EXPECT_EQ(no_query.query_string(), "");
    EXPECT_EQ(no_query.query("anything"), std::nullopt);
}

TEST(RequestTest, CookiesWithSeveralPairsAndSpaces) {
    auto raw = MakeRaw(Method::get, "/");
    raw.set(beast_http::field::cookie, "theme=dark;  wt_session=abc.def ;lang=en; xwt_session=nope; tok=a=b");
    Request request(raw, "", "");
    EXPECT_EQ(request.cookie("theme"), "dark");
    EXPECT_EQ(request.cookie("lang"), "en");
    EXPECT_EQ(request.cookie("tok"), "a=b") << "only the first '=' separates name and value";
    EXPECT_EQ(request.cookie("session"), std::nullopt) << "names match exactly, not as suffixes";
    EXPECT_EQ(request.cookie("missing"), std::nullopt);
    auto session = request.cookie("wt_session");
    ASSERT_TRUE(session.has_value());
    EXPECT_EQ(session->substr(0, 7), "abc.def");
}

TEST(RequestTest, CookiesFromSeveralHeaders) {
    auto raw = MakeRaw(Method::get, "/");
    raw.insert(beast_http::field::cookie, "a=1");
    raw.insert(beast_http::field::cookie, "b=2; wt_session=s.t");
    Request request(raw, "", "");
    EXPECT_EQ(request.cookie("a"), "1");
    EXPECT_EQ(request.cookie("b"), "2");
    EXPECT_EQ(request.cookie("wt_session"), "s.t");
}

TEST(RequestTest, NoCookieHeader) {
    auto raw = MakeRaw(Method::get, "/");
    Request request(raw, "", "");
    EXPECT_EQ(request.cookie("wt_session"), std::nullopt);
}

TEST(RequestTest, QueryParameters) {
    auto raw = MakeRaw(Method::get, "/p?name=John+Smith&city=New%20York&empty=&flag&dup=1&dup=2&na%6De2=x&bad=%zz&"
                                    "email=a%2Bb%40x.io");
    Request request(raw, "", "");
    EXPECT_EQ(request.query("name"), "John Smith");
    EXPECT_EQ(request.query("city"), "New York");
    EXPECT_EQ(request.query("empty"), "");
    EXPECT_EQ(request.query("flag"), "");
    EXPECT_EQ(request.query("dup"), "1") << "the first one wins";
    EXPECT_EQ(request.query("name2"), "x") << "names are decoded too";
    EXPECT_EQ(request.query("bad"), std::nullopt);
    EXPECT_EQ(request.query("email"), "a+b@x.io");
    EXPECT_EQ(request.query("missing"), std::nullopt);
}

TEST(RequestTest, HeadersAndParams) {
    auto raw = MakeRaw(Method::post, "/x");
    raw.set("X-CSRF-Token", "tok");
    raw.set(beast_http::field::user_agent, "ua/1");
    Request request(raw, "", "");
    EXPECT_EQ(request.header("x-csrf-token"), "tok") << "header names are case-insensitive";
    EXPECT_EQ(request.header(beast_http::field::user_agent), "ua/1");
    EXPECT_EQ(request.header("X-Missing"), "");
    request.SetRoute("/x/{id}", {{"id", "42"}});
    EXPECT_EQ(request.route(), "/x/{id}");
    EXPECT_EQ(request.param("id"), "42");
    EXPECT_EQ(request.param("other"), "");
    EXPECT_FALSE(request.tls());
    request.SetTls(true);
    EXPECT_TRUE(request.tls());
}

// --- PercentDecode ---------------------------------------------------------------------------

TEST(PercentDecodeTest, ValidInput) {
    EXPECT_EQ(PercentDecode("", false), "");
    EXPECT_EQ(PercentDecode("plain", false), "plain");
    EXPECT_EQ(PercentDecode("a%20b", false), "a b");
    EXPECT_EQ(PercentDecode("%41%62", false), "Ab");
    EXPECT_EQ(PercentDecode("%c3%a9", false), "\xC3\xA9") << "lower-case hex";
    EXPECT_EQ(PercentDecode("%C3%A9", false), "\xC3\xA9");
    EXPECT_EQ(PercentDecode("%F0%9F%98%80", false), "\xF0\x9F\x98\x80");
    EXPECT_EQ(PercentDecode("a+b", false), "a+b");
    EXPECT_EQ(PercentDecode("a+b", true), "a b");
    EXPECT_EQ(PercentDecode("%2B", true), "+") << "an escaped plus stays a plus";
    EXPECT_EQ(PercentDecode("%25", false), "%");
}

TEST(PercentDecodeTest, InvalidEscapes) {
    for (const char* text : {"%", "%4", "a%", "100%", "%zz", "%g0", "%0g", "%%41"})
        EXPECT_EQ(PercentDecode(text, false), std::nullopt) << text;
}

TEST(PercentDecodeTest, NulIsRefused) {
    EXPECT_EQ(PercentDecode("a%00b", false), std::nullopt);
    EXPECT_EQ(PercentDecode(std::string_view("a\0b", 3), false), std::nullopt);
}

TEST(PercentDecodeTest, InvalidUtf8IsRefused) {
    for (const char* text : {"%FF", "%C3", "%C3%28", "%C0%AF", "%E0%80%AF", "%ED%A0%80", "%F4%90%80%80", "%F8%88%80%80%80",
                             "%80", "\xFF"})
        EXPECT_EQ(PercentDecode(text, false), std::nullopt) << text;
    EXPECT_EQ(PercentDecode("%F4%8F%BF%BF", false), "\xF4\x8F\xBF\xBF") << "U+10FFFF is the last valid code point";
}

// --- Problem details -------------------------------------------------------------------------

json::object Body(const Response& res) { return json::parse(res.body()).as_object(); }

TEST(ProblemResponseTest, StatusForEveryCode) {
    const std::pair<ErrorCode, int> expected[] = {
        {ErrorCode::kInvalidCredentials, 401}, {ErrorCode::kMfaRequired, 401},
        {ErrorCode::kMfaEnrollmentRequired, 403}, {ErrorCode::kInvalidMfaCode, 401},
        {ErrorCode::kUnauthenticated, 401},    {ErrorCode::kForbidden, 403},
        {ErrorCode::kCsrfFailed, 403},         {ErrorCode::kReauthenticationRequired, 403},
        {ErrorCode::kIpNotAllowed, 403},       {ErrorCode::kRateLimited, 429},
        {ErrorCode::kMalformedRequest, 400},   {ErrorCode::kValidationFailed, 422},
        {ErrorCode::kNotFound, 404},           {ErrorCode::kMethodNotAllowed, 405},
        {ErrorCode::kConflict, 409},           {ErrorCode::kIdempotencyConflict, 409},
        {ErrorCode::kPayloadTooLarge, 413},    {ErrorCode::kHeadersTooLarge, 431},
        {ErrorCode::kUnsupportedMediaType, 415}, {ErrorCode::kInvalidToken, 400},
        {ErrorCode::kUnavailable, 503},        {ErrorCode::kInternal, 500},
    };
    ASSERT_EQ(std::size(expected), static_cast<std::size_t>(ErrorCode::kInternal) + 1);
    for (const auto& [code, status] : expected) {
        SCOPED_TRACE(std::string(ErrorCodeName(code)));
        EXPECT_EQ(static_cast<int>(StatusFor(code)), status);
        Response res = ProblemResponse(Error::Make(code, "the detail"));
        EXPECT_EQ(res.result_int(), static_cast<unsigned>(status));
        EXPECT_EQ(res[beast_http::field::content_type], "application/problem+json");
        json::object body = Body(res);
        EXPECT_EQ(body.at("status"), status);
        EXPECT_EQ(body.at("code"), json::value(ErrorCodeName(code)));
        EXPECT_EQ(body.at("type"), json::value("https://watchtower.dev/problems/" + std::string(ErrorCodeName(code))));
        EXPECT_TRUE(body.at("title").is_string());
        EXPECT_FALSE(body.at("title").as_string().empty());
        EXPECT_FALSE(body.contains("errors"));
        if (code != ErrorCode::kInternal) {
            EXPECT_EQ(body.at("detail"), "the detail");
        }
        EXPECT_EQ(res[beast_http::field::content_length], std::to_string(res.body().size()));
    }
}

TEST(ProblemResponseTest, InternalDetailIsHidden) {
    Error error = Error::Make(ErrorCode::kInternal, "SELECT * FROM users failed: secret-detail");
    error.internal = "sqlite: disk I/O error at /var/lib/secret-path";
    Response res = ProblemResponse(error);
    EXPECT_EQ(res.result_int(), 500u);
    EXPECT_EQ(Body(res).at("detail"), "internal error");
    EXPECT_EQ(res.body().find("secret"), std::string::npos) << res.body();
    // `internal` never reaches the client for any code.
    Error conflict = Error::Make(ErrorCode::kConflict, "taken");
    conflict.internal = "UNIQUE constraint failed: secret-column";
    EXPECT_EQ(ProblemResponse(conflict).body().find("secret"), std::string::npos);
}

TEST(ProblemResponseTest, ValidationErrorsArray) {
    Response res = ProblemResponse(Error::Validation({{"email", "is required"}, {"settings.time_zone", "bad"}}));
    EXPECT_EQ(res.result_int(), 422u);
    json::object body = Body(res);
    EXPECT_EQ(body.at("errors"), (json::array{json::object{{"field", "email"}, {"message", "is required"}},
                                              json::object{{"field", "settings.time_zone"}, {"message", "bad"}}}));
}

// A rule expression's compile error carries its position as separate members (API.md: `errors:
// [{field: "expression", message, line, column}]`); other field errors keep the two-member shape.
TEST(ProblemResponseTest, FieldErrorsCarryLineAndColumnWhenGiven) {
    Error error = Error::Validation({{"expression", "unknown field \"amont\"", 2, 7}, {"name", "must not be empty"}});
    json::object body = Body(ProblemResponse(error));
    EXPECT_EQ(body.at("errors"),
              (json::array{json::object{{"field", "expression"}, {"message", "unknown field \"amont\""}, {"line", 2},
                                        {"column", 7}},
                           json::object{{"field", "name"}, {"message", "must not be empty"}}}));
}

TEST(ProblemResponseTest, RetryAfterForRateLimitsAndUnavailability) {
    Error limited = Error::Make(ErrorCode::kRateLimited, "slow down");
    limited.retry_after_seconds = 30;
    EXPECT_EQ(ProblemResponse(limited)[beast_http::field::retry_after], "30");
    Error busy = Error::Make(ErrorCode::kUnavailable, "busy");
    busy.retry_after_seconds = 1;
    EXPECT_EQ(ProblemResponse(busy)[beast_http::field::retry_after], "1");
    Error no_hint = Error::Make(ErrorCode::kRateLimited, "slow down");
    EXPECT_EQ(ProblemResponse(no_hint).count(beast_http::field::retry_after), 0u);
    Error other = Error::Make(ErrorCode::kConflict, "no");
    other.retry_after_seconds = 5;
    EXPECT_EQ(ProblemResponse(other).count(beast_http::field::retry_after), 0u);
}

TEST(ResponseHelpersTest, JsonAndEmpty) {
    Response json_res = JsonResponse(HttpStatus::created, json::object{{"id", "x"}});
    EXPECT_EQ(json_res.result_int(), 201u);
    EXPECT_EQ(json_res[beast_http::field::content_type], "application/json");
    EXPECT_EQ(json_res.body(), R"({"id":"x"})");
    EXPECT_EQ(json_res[beast_http::field::content_length], "10");
    Response empty = EmptyResponse(HttpStatus::no_content);
    EXPECT_EQ(empty.result_int(), 204u);
    EXPECT_TRUE(empty.body().empty());
    EXPECT_EQ(empty.count(beast_http::field::content_type), 0u);
    Response accepted = EmptyResponse(HttpStatus::accepted);
    EXPECT_EQ(accepted.body(), "{}");
}

// --- Security headers ------------------------------------------------------------------------

TEST(SecurityHeadersTest, ExactValuesWithoutTls) {
    Response res{HttpStatus::ok, 11};
    AddSecurityHeaders(res, false);
    EXPECT_EQ(res["X-Frame-Options"], "DENY");
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(res["Referrer-Policy"], "no-referrer");
    EXPECT_EQ(res["Permissions-Policy"], "camera=(), microphone=(), geolocation=()");
    EXPECT_EQ(res["Content-Security-Policy"],
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
              "base-uri 'none'; frame-ancestors 'none'");
    EXPECT_EQ(res.count(beast_http::field::strict_transport_security), 0u) << "no HSTS without TLS";
}

TEST(SecurityHeadersTest, HstsOnlyWithTls) {
    Response res{HttpStatus::ok, 11};
    AddSecurityHeaders(res, true);
    EXPECT_EQ(res[beast_http::field::strict_transport_security], "max-age=31536000; includeSubDomains");
    EXPECT_EQ(res["X-Frame-Options"], "DENY");
    // Applying twice does not duplicate headers.
    AddSecurityHeaders(res, true);
    EXPECT_EQ(res.count("Content-Security-Policy"), 1u);
    EXPECT_EQ(res.count(beast_http::field::strict_transport_security), 1u);
}

}  // namespace
}  // namespace wt::http
