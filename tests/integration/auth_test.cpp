// SPDX-License-Identifier: Apache-2.0
// Sign-in, cookies, logout, fixation, CSRF, API keys on console routes, and secrets in the logs.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

class AuthTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto server = std::make_unique<Server>();
        server->Start();
        server_ = server.release();
    }
    static void TearDownTestSuite() {
        if (!server_) return;
        EXPECT_EQ(server_->Stop(), 0) << "the server did not stop gracefully";
        auto leaked = server_->LeakedSecrets();
        EXPECT_TRUE(leaked.empty()) << leaked.size() << " secret(s) found in the logs, e.g. " << leaked.front();
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override { ASSERT_NE(server_, nullptr) << "the suite's server did not start"; }
    static Server* server_;
};
Server* AuthTest::server_ = nullptr;

std::string LoginBody(const std::string& email, const std::string& password) {
    return json::serialize(json::object{{"email", email}, {"password", password}});
}

TEST_F(AuthTest, LoginAnswersTheDocumentedShapeAndSetsAStrictHttpOnlyCookie) {
    HttpResponse res;
    auto session = server_->Login(server_->admin_email, kPassword, {}, &res);
    ASSERT_EQ(res.status, 200) << res.body;
    ASSERT_TRUE(session);
    auto body = res.Json().as_object();
    const auto& user = body.at("user").as_object();
    EXPECT_EQ(user.at("id").as_string(), server_->admin_id);
    EXPECT_EQ(user.at("email").as_string(), server_->admin_email);
    EXPECT_EQ(user.at("name").as_string(), "Ada Admin");
    EXPECT_EQ(user.at("mfa_enabled").as_bool(), false);
    const auto& org = body.at("organization").as_object();
    EXPECT_EQ(org.at("id").as_string(), server_->acme_org_id);
    EXPECT_EQ(org.at("name").as_string(), "Acme Bank");
    EXPECT_EQ(body.at("role").as_string(), "ADMIN");
    EXPECT_GE(body.at("csrf_token").as_string().size(), 20u);
    const auto& memberships = body.at("memberships").as_array();
    ASSERT_EQ(memberships.size(), 1u);
    EXPECT_EQ(memberships[0].at("organization").at("id").as_string(), server_->acme_org_id);
    EXPECT_EQ(memberships[0].at("organization").at("name").as_string(), "Acme Bank");
    EXPECT_EQ(memberships[0].at("role").as_string(), "ADMIN");
    EXPECT_EQ(body.if_contains("password"), nullptr);

    auto cookies = res.Headers("Set-Cookie");
    ASSERT_EQ(cookies.size(), 1u);
    auto cookie = ParseSetCookie(cookies[0]);
    ASSERT_TRUE(cookie) << cookies[0];
    EXPECT_EQ(cookie->name, "wt_session");
    EXPECT_GE(cookie->value.size(), 43u) << "a 256-bit token needs at least 43 base64 characters";
    EXPECT_TRUE(cookie->Has("HttpOnly")) << cookies[0];
    EXPECT_TRUE(cookie->Has("SameSite=Strict")) << cookies[0];
    EXPECT_TRUE(cookie->Has("Path=/")) << cookies[0];
    EXPECT_FALSE(cookie->Has("Secure")) << "no Secure without TLS or cookie_secure: " << cookies[0];

    auto me = server_->As(*session, "GET", "/api/v1/auth/me", "", {}, false);
    ASSERT_EQ(me.status, 200) << me.body;
    auto me_body = me.Json().as_object();
    EXPECT_EQ(me_body.at("user").at("id").as_string(), server_->admin_id);
    EXPECT_EQ(me_body.at("csrf_token").as_string(), session->csrf);
    EXPECT_EQ(me_body.at("role").as_string(), "ADMIN");
    EXPECT_EQ(me_body.at("memberships").as_array().size(), 1u);
}

TEST_F(AuthTest, SecureCookieSettingRenamesTheCookieAndMarksItSecure) {
    ServerConfig config;
    config.members = false;
    config.env["WATCHTOWER_COOKIE_SECURE"] = "true";
    Server server(config);
    server.Start();
    HttpResponse res;
    auto session = server.Login(server.admin_email, kPassword, {}, &res);
    ASSERT_EQ(res.status, 200) << res.body;
    auto cookies = res.Headers("Set-Cookie");
    ASSERT_EQ(cookies.size(), 1u);
    auto cookie = ParseSetCookie(cookies[0]);
    ASSERT_TRUE(cookie);
    EXPECT_EQ(cookie->name, "__Host-wt_session");
    EXPECT_TRUE(cookie->Has("Secure")) << cookies[0];
    EXPECT_TRUE(cookie->Has("HttpOnly")) << cookies[0];
    EXPECT_TRUE(cookie->Has("SameSite=Strict")) << cookies[0];
    EXPECT_TRUE(cookie->Has("Path=/")) << cookies[0];
    EXPECT_FALSE(std::any_of(cookie->attributes.begin(), cookie->attributes.end(),
                             [](const std::string& a) { return a.rfind("Domain", 0) == 0; }))
        << "__Host- cookies must not carry Domain";
    ASSERT_TRUE(session);
    EXPECT_EQ(server.As(*session, "GET", "/api/v1/auth/me", "", {}, false).status, 200);
    // The plain name is not accepted in this mode.
    EXPECT_EQ(server.Get("/api/v1/auth/me", {{"Cookie", "wt_session=" + session->cookie}}).status, 401);
    EXPECT_EQ(server.Stop(), 0);
}

TEST_F(AuthTest, UnknownEmailAndWrongPasswordAreIndistinguishable) {
    auto timed_login = [&](const std::string& email, const std::string& password, HttpResponse& res) {
        server_->RememberSecret(password);
        auto start = std::chrono::steady_clock::now();
        res = server_->Call("POST", "/api/v1/auth/login", LoginBody(email, password));
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    };
    std::vector<double> unknown_ms, wrong_ms;
    std::vector<HttpResponse> answers;
    for (int round = 0; round < 3; ++round) {
        HttpResponse a, b;
        unknown_ms.push_back(timed_login("nobody-" + std::to_string(round) + "@acme.test", "some-guess-password-1", a));
        wrong_ms.push_back(timed_login(server_->role_email.at("VIEWER"), "some-guess-password-1", b));
        answers.push_back(a);
        answers.push_back(b);
    }
    for (const auto& res : answers) {
        EXPECT_EQ(res.status, 401);
        EXPECT_EQ(res.Code(), "invalid_credentials");
        EXPECT_EQ(res.body, answers[0].body) << "the bodies differ: an attacker can tell which emails exist";
        EXPECT_TRUE(res.Headers("Set-Cookie").empty());
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    double unknown = median(unknown_ms), wrong = median(wrong_ms);
    EXPECT_GE(unknown, 100.0) << "an unknown email must still pay for a bcrypt hash";
    EXPECT_GE(wrong, 100.0);
    EXPECT_LE(std::max(unknown, wrong) / std::min(unknown, wrong), 3.0)
        << "unknown email " << unknown << " ms vs wrong password " << wrong << " ms";
}

TEST_F(AuthTest, LogoutEndsTheSessionAndTheOldCookieIsNeverAcceptedAgain) {
    auto session = server_->MustLogin(server_->role_email.at("ANALYST"));
    ASSERT_EQ(server_->As(session, "GET", "/api/v1/auth/me").status, 200);
    auto out = server_->As(session, "POST", "/api/v1/auth/logout");
    ASSERT_EQ(out.status, 204) << out.body;
    auto cleared = ParseSetCookie(out.Header("Set-Cookie").value_or(""));
    ASSERT_TRUE(cleared) << "logout should clear the cookie";
    EXPECT_EQ(cleared->name, "wt_session");
    EXPECT_EQ(cleared->value, "");
    auto replay = server_->As(session, "GET", "/api/v1/auth/me");
    EXPECT_EQ(replay.status, 401);
    EXPECT_EQ(replay.Code(), "unauthenticated");
    EXPECT_EQ(server_->As(session, "POST", "/api/v1/auth/logout").status, 401);
}

TEST_F(AuthTest, LoginWithAnExistingCookieIssuesANewTokenAndKillsTheOldOne) {
    auto first = server_->MustLogin(server_->role_email.at("ANALYST"));
    HttpResponse res;
    auto second = server_->Login(server_->role_email.at("ANALYST"), kPassword, {{"Cookie", first.CookieHeader()}}, &res);
    ASSERT_TRUE(second) << res.status << " " << res.body;
    EXPECT_NE(second->cookie, first.cookie) << "session fixation: the server kept the presented token";
    EXPECT_NE(second->csrf, first.csrf);
    EXPECT_EQ(server_->As(first, "GET", "/api/v1/auth/me").status, 401);
    EXPECT_EQ(server_->As(*second, "GET", "/api/v1/auth/me").status, 200);
}

TEST_F(AuthTest, StateChangingRequestsNeedTheSessionsOwnCsrfToken) {
    auto session = server_->MustLogin(server_->role_email.at("VIEWER"));
    auto other = server_->MustLogin(server_->role_email.at("ANALYST"));

    auto missing = server_->As(session, "POST", "/api/v1/auth/logout", "", {}, false);
    EXPECT_EQ(missing.status, 403);
    EXPECT_EQ(missing.Code(), "csrf_failed");
    EXPECT_EQ(missing.Header("Content-Type").value_or(""), "application/problem+json");

    auto wrong = server_->As(session, "POST", "/api/v1/auth/logout", "", {{"X-CSRF-Token", "not-the-token"}}, false);
    EXPECT_EQ(wrong.status, 403);
    EXPECT_EQ(wrong.Code(), "csrf_failed");

    auto empty = server_->As(session, "POST", "/api/v1/auth/logout", "", {{"X-CSRF-Token", ""}}, false);
    EXPECT_EQ(empty.status, 403);

    auto borrowed = server_->As(session, "POST", "/api/v1/auth/logout", "", {{"X-CSRF-Token", other.csrf}}, false);
    EXPECT_EQ(borrowed.status, 403) << "another session's CSRF token was accepted";
    EXPECT_EQ(borrowed.Code(), "csrf_failed");

    // None of the refused attempts logged anybody out.
    EXPECT_EQ(server_->As(session, "GET", "/api/v1/auth/me").status, 200);
    EXPECT_EQ(server_->As(other, "GET", "/api/v1/auth/me").status, 200);

    auto right = server_->As(session, "POST", "/api/v1/auth/logout");
    EXPECT_EQ(right.status, 204) << right.body;
    EXPECT_EQ(server_->As(session, "GET", "/api/v1/auth/me").status, 401);
    EXPECT_EQ(server_->As(other, "GET", "/api/v1/auth/me").status, 200);
}

TEST_F(AuthTest, AnApiKeyOnAConsoleRouteIsUnauthenticatedEvenWithAValidCookie) {
    const std::string fake_key = "wt_live_" + std::string(43, 'A');
    auto alone = server_->Get("/api/v1/auth/me", {{"Authorization", "Bearer " + fake_key}});
    EXPECT_EQ(alone.status, 401);
    EXPECT_EQ(alone.Code(), "unauthenticated");

    auto session = server_->MustLogin(server_->role_email.at("VIEWER"));
    auto both = server_->As(session, "GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + fake_key}});
    EXPECT_EQ(both.status, 401);
    EXPECT_EQ(both.Code(), "unauthenticated");
    auto test_key = server_->As(session, "GET", "/api/v1/orgs/members", "",
                                {{"Authorization", "Bearer wt_test_" + std::string(43, 'B')}});
    EXPECT_EQ(test_key.status, 401);
    // Control: the cookie alone works.
    EXPECT_EQ(server_->As(session, "GET", "/api/v1/auth/me").status, 200);
}

// SECURITY.md: "a test greps the logs of a full test run for the secrets it used". This suite does
// every kind of credential exchange against its own server, stops it (flushing the access log) and
// greps both logs for every password, cookie and CSRF token it used.
TEST(SecretsNotLogged, PasswordsCookiesAndCsrfTokensNeverReachTheLogs) {
    Server server;
    server.Start();
    const std::string wrong_password = "definitely-wrong-password-77";
    const std::string unknown_password = "unknown-user-password-55";
    server.RememberSecret(wrong_password);
    server.RememberSecret(unknown_password);

    auto admin = server.MustLogin(server.admin_email);
    auto viewer = server.MustLogin(server.role_email.at("VIEWER"), kPassword, {{"User-Agent", "secrets-probe"}});
    EXPECT_EQ(server.As(admin, "GET", "/api/v1/auth/me").status, 200);
    EXPECT_EQ(server.As(admin, "GET", "/api/v1/auth/sessions").status, 200);
    EXPECT_FALSE(server.Login(server.role_email.at("ANALYST"), wrong_password));
    EXPECT_FALSE(server.Login("ghost@acme.test", unknown_password));
    EXPECT_EQ(server.As(admin, "POST", "/api/v1/auth/reauthenticate",
                        json::serialize(json::object{{"password", wrong_password}}))
                  .status,
              401);
    EXPECT_EQ(
        server.As(admin, "POST", "/api/v1/auth/reauthenticate", server.ReauthenticationBody(server.admin_email)).status,
        204);
    // A refused CSRF check and a request with the cookie in a query string (never logged either).
    EXPECT_EQ(server.As(viewer, "POST", "/api/v1/auth/logout", "", {}, false).status, 403);
    EXPECT_EQ(server.Get("/api/v1/auth/me?token=" + viewer.cookie).status, 401);
    EXPECT_EQ(server.As(viewer, "POST", "/api/v1/auth/logout").status, 204);
    EXPECT_EQ(server.As(admin, "POST", "/api/v1/auth/logout").status, 204);

    ASSERT_EQ(server.Stop(), 0);
    std::string access = ReadFile(server.access_log_path());
    std::string log = ReadFile(server.log_path());
    // Make sure the grep looks at real logs: both hold the traffic above.
    ASSERT_NE(access.find("/api/v1/auth/login"), std::string::npos) << "access log empty or not flushed";
    ASSERT_NE(log.find("failed sign-in"), std::string::npos) << "application log does not show the traffic";
    auto leaked = server.LeakedSecrets();
    EXPECT_GE(server.Secrets().size(), 7u);  // 4 passwords, 2 cookies, 2 CSRF tokens, minus duplicates
    for (const auto& secret : leaked) ADD_FAILURE() << "secret found in the logs: " << secret;
}

}  // namespace
}  // namespace wt::integration
