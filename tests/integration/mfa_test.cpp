// SPDX-License-Identifier: Apache-2.0
// MFA end to end against a real server: TOTP codes from Debian's oathtool (an implementation
// independent of the server's) at, before and after step edges of the server's test clock, drift,
// replay, the enrolment code, the sign-in challenge (single use, expiry, bound to the address),
// backup codes (once each, 20 parallel uses of one code, regeneration), turning MFA off, the MFA
// policy on every console route, re-authentication with a code, other sessions ended at
// enrolment, wrong codes in the account lock, and no code or secret in the logs.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

// An edge far from real time, so tests choose exactly where the server's clock stands.
constexpr long long kEdge = 2'000'000'010;  // a multiple of 30
static_assert(kEdge % 30 == 0);

ServerConfig MfaConfig() {
    ServerConfig config;
    config.clock_file = true;
    config.enrol_mfa = false;  // these tests drive enrolment themselves
    return config;
}

long long RealNow() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// Puts the server's clock at `unix_time` (to within the second the requests take).
void SetServerTime(Server& server, long long unix_time) { server.SetClockOffset(unix_time - RealNow()); }

std::string Body(json::object object) { return json::serialize(object); }

// The password step of a sign-in with MFA: the mfa_token.
std::string PasswordStep(Server& server, const std::string& email, const HeaderList& headers = {}) {
    auto res = server.Call("POST", "/api/v1/auth/login", Body({{"email", email}, {"password", kPassword}}), headers);
    EXPECT_EQ(res.status, 200) << res.body;
    auto body = res.Json();
    EXPECT_TRUE(body.is_object() && body.as_object().contains("mfa_required")) << res.body;
    EXPECT_FALSE(res.Header("Set-Cookie")) << "no session before the second factor";
    if (!body.is_object() || !body.as_object().contains("mfa_token")) throw std::runtime_error("no mfa_token");
    std::string token(body.at("mfa_token").as_string());
    server.RememberSecret(token);
    return token;
}

HttpResponse VerifyCode(Server& server, const std::string& token, const std::string& code,
                        const HeaderList& headers = {}) {
    if (code != "000000") server.RememberSecret(code);  // the wrong code is in every log's timestamps
    return server.Call("POST", "/api/v1/auth/mfa/verify", Body({{"mfa_token", token}, {"code", code}}), headers);
}

HttpResponse VerifyBackup(Server& server, const std::string& token, const std::string& backup_code) {
    return server.Call("POST", "/api/v1/auth/mfa/verify", Body({{"mfa_token", token}, {"backup_code", backup_code}}));
}

// A sign-in without MFA (the account has none yet): the session.
Session PlainLogin(Server& server, const std::string& email) { return server.MustLogin(email); }

// Signs `email` in (password) and enrols it; the session stays valid.
std::pair<Session, MfaAccount> LoginAndEnrol(Server& server, const std::string& email) {
    Session session = PlainLogin(server, email);
    MfaAccount account = server.EnrolMfa(session, email);
    return {session, account};
}

// A started server whose ADMIN signed in and enrolled ten minutes before kEdge on the server's
// clock: `session` stays valid, `account` holds the secret and backup codes.
struct EnrolledAdmin {
    explicit EnrolledAdmin(ServerConfig config = MfaConfig()) : server(std::move(config)) {
        server.Start();
        SetServerTime(server, kEdge - 600);
        session = server.MustLogin(server.admin_email);
        account = server.EnrolMfa(session, server.admin_email);
    }
    Server server;
    Session session;
    MfaAccount account;
};

std::string Code(const MfaAccount& account, long long unix_time) { return OathtoolCode(account.secret, unix_time); }

void ExpectNoLeaks(Server& server) {
    server.Stop();
    EXPECT_EQ(server.LeakedSecrets(), std::vector<std::string>{});
}

TEST(MfaTest, SetupAnswersSecretUriAndSelfContainedSvg) {
    Server server(MfaConfig());
    server.Start();
    Session admin = PlainLogin(server, server.admin_email);
    EXPECT_FALSE(admin.body.at("user").at("mfa_enabled").as_bool());

    auto wrong = server.As(admin, "POST", "/api/v1/auth/mfa/setup", Body({{"password", "not the password at all"}}));
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    EXPECT_EQ(wrong.Code(), "invalid_credentials");
    auto missing = server.As(admin, "POST", "/api/v1/auth/mfa/setup", Body({}));
    EXPECT_EQ(missing.status, 422);
    EXPECT_NE(missing.body.find("\"password\""), std::string::npos) << missing.body;

    auto setup = server.As(admin, "POST", "/api/v1/auth/mfa/setup", Body({{"password", kPassword}}));
    ASSERT_EQ(setup.status, 200) << setup.body;
    auto body = setup.Json();
    std::string secret(body.at("secret").as_string());
    server.RememberSecret(secret);
    EXPECT_EQ(secret.size(), 32u) << "20 random bytes in unpadded base32";
    EXPECT_EQ(secret.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos) << secret;
    std::string uri(body.at("otpauth_uri").as_string());
    EXPECT_EQ(uri.rfind("otpauth://totp/WatchTower:admin%40acme.test?", 0), 0u) << uri;
    EXPECT_NE(uri.find("secret=" + secret), std::string::npos);
    EXPECT_NE(uri.find("issuer=WatchTower"), std::string::npos);
    std::string svg(body.at("qr_svg").as_string());
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u) << svg.substr(0, 80);
    EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
    for (const char* forbidden : {"href", "<script", "<image", "url(", "style="})
        EXPECT_EQ(svg.find(forbidden), std::string::npos) << forbidden;
    // The same secret twice gives the same code: oathtool agrees with the URI's secret.
    EXPECT_EQ(OathtoolCode(secret, kEdge), OathtoolCode(secret, kEdge + 29));

    // A pending enrolment is not MFA yet: the next sign-in has no second step.
    auto me = server.As(admin, "GET", "/api/v1/auth/me");
    EXPECT_FALSE(me.Json().at("user").at("mfa_enabled").as_bool());
    EXPECT_TRUE(me.Json().at("mfa_enrollment_required").as_bool());
    ExpectNoLeaks(server);
}

TEST(MfaTest, OathtoolCodesAtBeforeAndAfterStepEdges) {
    EnrolledAdmin enrolled;
    Server& server = enrolled.server;
    MfaAccount& account = enrolled.account;

    // The server's clock in the middle of the step that ends at kEdge: step t = kEdge/30 - 1.
    SetServerTime(server, kEdge - 15);
    // Two steps away on either side: refused.
    for (long long when : {kEdge - 61, kEdge + 30}) {
        auto res = VerifyCode(server, PasswordStep(server, server.admin_email), Code(account, when));
        EXPECT_EQ(res.status, 401) << "code of " << when << ": " << res.body;
        EXPECT_EQ(res.Code(), "invalid_mfa_code");
    }
    // The last second before the previous edge (t-1), the last second of this step (t), and the
    // first second after the edge (t+1): each accepted once, in that order.
    for (long long when : {kEdge - 31, kEdge - 1, kEdge}) {
        auto res = VerifyCode(server, PasswordStep(server, server.admin_email), Code(account, when));
        EXPECT_EQ(res.status, 200) << "code of " << when << ": " << res.body;
        EXPECT_TRUE(res.Header("Set-Cookie")) << when;
    }
    // One second after the edge is the same step as the edge: already used.
    auto replay = VerifyCode(server, PasswordStep(server, server.admin_email), Code(account, kEdge + 1));
    EXPECT_EQ(replay.status, 401) << replay.body;
    EXPECT_EQ(replay.Code(), "invalid_mfa_code");
    // The first second of the step before (t-1) is the step already used: refused as well.
    auto older = VerifyCode(server, PasswordStep(server, server.admin_email), Code(account, kEdge - 60));
    EXPECT_EQ(older.status, 401) << older.body;

    // After the edge the window moves with the clock: t+1 of before is now t; t+2 is now t+1.
    SetServerTime(server, kEdge + 15);
    auto next = VerifyCode(server, PasswordStep(server, server.admin_email), Code(account, kEdge + 30));
    EXPECT_EQ(next.status, 200) << next.body;
    ExpectNoLeaks(server);
}

TEST(MfaTest, DriftOfOneStepAcceptedTwoRefused) {
    EnrolledAdmin enrolled;
    Server& server = enrolled.server;
    MfaAccount& account = enrolled.account;
    const long long middle = kEdge + 15;
    SetServerTime(server, middle);
    for (long long steps : {-2, 2}) {
        auto res = VerifyCode(server, PasswordStep(server, server.admin_email), Code(account, middle + 30 * steps));
        EXPECT_EQ(res.status, 401) << steps << " steps: " << res.body;
    }
    for (long long steps : {-1, 1}) {
        // Each in a later window, so that -1 is still above the last accepted step.
        const long long now = middle + 300 * (steps + 2);
        SetServerTime(server, now);
        auto res = VerifyCode(server, PasswordStep(server, server.admin_email), Code(account, now + 30 * steps));
        EXPECT_EQ(res.status, 200) << steps << " step: " << res.body;
    }
}

TEST(MfaTest, ReplayAndTheEnrolmentCodeAreRefused) {
    Server server(MfaConfig());
    server.Start();
    SetServerTime(server, kEdge + 5);
    Session admin = PlainLogin(server, server.admin_email);
    auto setup = server.As(admin, "POST", "/api/v1/auth/mfa/setup", Body({{"password", kPassword}}));
    ASSERT_EQ(setup.status, 200) << setup.body;
    MfaAccount account{std::string(setup.Json().at("secret").as_string()), {}, -1};
    server.RememberSecret(account.secret);
    const std::string enrolment_code = Code(account, kEdge + 5);
    server.RememberSecret(enrolment_code);
    auto wrong = server.As(admin, "POST", "/api/v1/auth/mfa/verify-setup", Body({{"code", Code(account, kEdge + 95)}}));
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    EXPECT_EQ(wrong.Code(), "invalid_mfa_code");
    auto confirmed = server.As(admin, "POST", "/api/v1/auth/mfa/verify-setup", Body({{"code", enrolment_code}}));
    ASSERT_EQ(confirmed.status, 200) << confirmed.body;
    EXPECT_EQ(confirmed.Json().at("backup_codes").as_array().size(), 10u);
    EXPECT_EQ(std::string(confirmed.Json().at("csrf_token").as_string()), admin.csrf) << "the session stays";
    const json::value confirmed_body = confirmed.Json();
    for (const auto& code : confirmed_body.at("backup_codes").as_array())
        server.RememberSecret(std::string(code.as_string()));

    // The code that confirmed enrolment does not also sign in.
    auto reuse = VerifyCode(server, PasswordStep(server, server.admin_email), enrolment_code);
    EXPECT_EQ(reuse.status, 401) << reuse.body;
    EXPECT_EQ(reuse.Code(), "invalid_mfa_code");
    // The next step's code does, once.
    const std::string next = Code(account, kEdge + 35);
    EXPECT_EQ(VerifyCode(server, PasswordStep(server, server.admin_email), next).status, 200);
    auto replay = VerifyCode(server, PasswordStep(server, server.admin_email), next);
    EXPECT_EQ(replay.status, 401) << replay.body;
    // Two sign-ins racing with one code: exactly one session.
    std::string token_a = PasswordStep(server, server.admin_email);
    std::string token_b = PasswordStep(server, server.admin_email);
    SetServerTime(server, kEdge + 95);
    const std::string racing = Code(account, kEdge + 95);
    std::atomic<int> ok{0};
    std::thread first([&] { ok += VerifyCode(server, token_a, racing).status == 200; });
    std::thread second([&] { ok += VerifyCode(server, token_b, racing).status == 200; });
    first.join();
    second.join();
    EXPECT_EQ(ok.load(), 1);
    ExpectNoLeaks(server);
}

TEST(MfaTest, TheSignInChallengeIsSingleUseShortLivedAndBoundToTheAddress) {
    ServerConfig config = MfaConfig();
    config.env["WATCHTOWER_TRUSTED_PROXIES"] = "127.0.0.1/32";
    EnrolledAdmin enrolled(config);
    Server& server = enrolled.server;
    MfaAccount& account = enrolled.account;
    SetServerTime(server, kEdge + 15);

    const HeaderList from_a{{"X-Forwarded-For", "203.0.113.10"}};
    const HeaderList from_b{{"X-Forwarded-For", "203.0.113.11"}};
    std::string token = PasswordStep(server, server.admin_email, from_a);
    auto elsewhere = VerifyCode(server, token, Code(account, kEdge + 15), from_b);
    EXPECT_EQ(elsewhere.status, 400) << elsewhere.body;
    EXPECT_EQ(elsewhere.Code(), "invalid_token");
    auto ok = VerifyCode(server, token, Code(account, kEdge + 15), from_a);
    EXPECT_EQ(ok.status, 200) << ok.body;
    auto again = VerifyCode(server, token, Code(account, kEdge + 45), from_a);
    EXPECT_EQ(again.status, 400) << again.body;
    EXPECT_EQ(again.Code(), "invalid_token");

    // Five minutes and it is gone.
    std::string late = PasswordStep(server, server.admin_email, from_a);
    SetServerTime(server, kEdge + 15 + 301);
    auto expired = VerifyCode(server, late, Code(account, kEdge + 15 + 301), from_a);
    EXPECT_EQ(expired.status, 400) << expired.body;
    EXPECT_EQ(expired.Code(), "invalid_token");

    // Five wrong codes and the challenge dies, even for the right code.
    std::string guessed = PasswordStep(server, server.admin_email, from_a);
    for (int wrong_idx = 0; wrong_idx < 5; ++wrong_idx) {
        auto res = VerifyCode(server, guessed, "000000", from_a);
        EXPECT_EQ(res.status, 401) << res.body;
    }
    auto dead = VerifyCode(server, guessed, Code(account, kEdge + 15 + 301), from_a);
    EXPECT_EQ(dead.status, 400) << dead.body;

    // Exactly one of code / backup_code, named in the problem.
    auto neither = server.Call("POST", "/api/v1/auth/mfa/verify", Body({{"mfa_token", "x"}}), from_a);
    EXPECT_EQ(neither.status, 422) << neither.body;
    EXPECT_NE(neither.body.find("\"code\""), std::string::npos) << neither.body;
    auto unknown = VerifyCode(server, "not-a-token", "123456", from_a);
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.Code(), "invalid_token");
    ExpectNoLeaks(server);
}

TEST(MfaTest, BackupCodesWorkOnceAndRegeneratingVoidsTheOldOnes) {
    EnrolledAdmin enrolled;
    Server& server = enrolled.server;
    MfaAccount& account = enrolled.account;
    ASSERT_EQ(account.backup_codes.size(), 10u);
    for (const auto& code : account.backup_codes) EXPECT_EQ(code.size(), 11u) << "xxxxx-xxxxx: " << code;

    const std::string first = account.backup_codes[0];
    auto used = VerifyBackup(server, PasswordStep(server, server.admin_email), first);
    ASSERT_EQ(used.status, 200) << used.body;
    auto again = VerifyBackup(server, PasswordStep(server, server.admin_email), first);
    EXPECT_EQ(again.status, 401) << again.body;
    EXPECT_EQ(again.Code(), "invalid_mfa_code");
    // Spelling does not matter: upper case, without the dash.
    std::string shouted = account.backup_codes[1];
    shouted.erase(5, 1);
    for (auto& c : shouted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(VerifyBackup(server, PasswordStep(server, server.admin_email), shouted).status, 200);

    // Twenty sign-ins race with one code: exactly one gets in.
    const std::string contested = account.backup_codes[2];
    std::vector<std::string> tokens;
    for (int token_idx = 0; token_idx < 20; ++token_idx) tokens.push_back(PasswordStep(server, server.admin_email));
    std::atomic<int> ok{0}, refused{0};
    std::vector<std::thread> threads;
    for (const auto& token : tokens) {
        threads.emplace_back([&, token] {
            // One address gets a few places on the password pool at a time (429 beyond): retry.
            auto res = VerifyBackup(server, token, contested);
            for (int retry = 0; retry < 100 && res.status == 429; ++retry) {
                std::this_thread::sleep_for(50ms);
                res = VerifyBackup(server, token, contested);
            }
            if (res.status == 200) ++ok;
            if (res.status == 401 && res.Code() == "invalid_mfa_code") ++refused;
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(refused.load(), 19);

    // New codes: password and a current code; the old unused ones stop working.
    SetServerTime(server, kEdge + 15);
    Session fresh = server.MustLogin(server.admin_email);  // the harness's own second step
    auto regenerated = server.As(fresh, "POST", "/api/v1/auth/mfa/backup-codes",
                                 Body({{"password", kPassword}, {"code", *server.NextTotpCode(server.admin_email)}}));
    ASSERT_EQ(regenerated.status, 200) << regenerated.body;
    auto codes = regenerated.Json().at("backup_codes").as_array();
    ASSERT_EQ(codes.size(), 10u);
    for (const auto& code : codes) server.RememberSecret(std::string(code.as_string()));
    auto old = VerifyBackup(server, PasswordStep(server, server.admin_email), account.backup_codes[3]);
    EXPECT_EQ(old.status, 401) << old.body;
    auto renewed = VerifyBackup(server, PasswordStep(server, server.admin_email), std::string(codes[0].as_string()));
    EXPECT_EQ(renewed.status, 200) << renewed.body;
    // Regenerating needs the code too.
    auto no_code = server.As(fresh, "POST", "/api/v1/auth/mfa/backup-codes", Body({{"password", kPassword}}));
    EXPECT_EQ(no_code.status, 422) << no_code.body;
    ExpectNoLeaks(server);
}

TEST(MfaTest, DisableIsRefusedWhileARoleRequiresMfaAndEndsOtherSessionsOtherwise) {
    EnrolledAdmin enrolled;
    Server& server = enrolled.server;
    Session& admin = enrolled.session;
    auto refused = server.As(admin, "POST", "/api/v1/auth/mfa/disable",
                             Body({{"password", kPassword}, {"code", *server.NextTotpCode(server.admin_email)}}));
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(refused.Code(), "forbidden");

    // An analyst may turn it off (password and code); their other sessions end.
    const std::string analyst_email = server.role_email.at("ANALYST");
    auto [analyst, analyst_mfa] = LoginAndEnrol(server, analyst_email);
    Session other = server.MustLogin(analyst_email);
    auto wrong =
        server.As(analyst, "POST", "/api/v1/auth/mfa/disable", Body({{"password", kPassword}, {"code", "000000"}}));
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    SetServerTime(server, kEdge + 15);  // fresh steps, rather than waiting for one
    auto off = server.As(analyst, "POST", "/api/v1/auth/mfa/disable",
                         Body({{"password", kPassword}, {"code", *server.NextTotpCode(analyst_email)}}));
    EXPECT_EQ(off.status, 204) << off.body;
    server.ForgetMfa(analyst_email);
    EXPECT_EQ(server.As(other, "GET", "/api/v1/auth/me").status, 401);
    EXPECT_EQ(server.As(analyst, "GET", "/api/v1/auth/me").status, 200);
    HttpResponse raw;
    auto plain = server.Login(analyst_email, kPassword, {}, &raw);
    ASSERT_TRUE(plain) << raw.body;
    EXPECT_FALSE(plain->cookie.empty()) << "no second step any more";
}

TEST(MfaTest, EnrolmentEndsTheUsersOtherSessionsAndKeepsThisOne) {
    Server server(MfaConfig());
    server.Start();
    const std::string email = server.role_email.at("VIEWER");
    Session first = PlainLogin(server, email);
    Session second = PlainLogin(server, email);
    server.EnrolMfa(first, email);
    EXPECT_EQ(server.As(second, "GET", "/api/v1/auth/me").status, 401);
    auto me = server.As(first, "GET", "/api/v1/auth/me");
    ASSERT_EQ(me.status, 200);
    EXPECT_TRUE(me.Json().at("user").at("mfa_enabled").as_bool());
    // The same CSRF token still works for a state change.
    auto logout = server.As(first, "POST", "/api/v1/auth/logout");
    EXPECT_EQ(logout.status, 204) << logout.body;
}

TEST(MfaTest, ReauthenticationNeedsTheCodeWhenMfaIsOn) {
    EnrolledAdmin enrolled;
    Server& server = enrolled.server;
    Session& admin = enrolled.session;
    auto missing = server.As(admin, "POST", "/api/v1/auth/reauthenticate", Body({{"password", kPassword}}));
    EXPECT_EQ(missing.status, 422) << missing.body;
    EXPECT_NE(missing.body.find("\"code\""), std::string::npos) << missing.body;
    auto wrong =
        server.As(admin, "POST", "/api/v1/auth/reauthenticate", Body({{"password", kPassword}, {"code", "000000"}}));
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    EXPECT_EQ(wrong.Code(), "invalid_mfa_code");
    auto ok = server.As(admin, "POST", "/api/v1/auth/reauthenticate",
                        Body({{"password", kPassword}, {"code", *server.NextTotpCode(server.admin_email)}}));
    EXPECT_EQ(ok.status, 204) << ok.body;
    ExpectNoLeaks(server);
}

TEST(MfaTest, WrongSecondFactorsCountTowardTheAccountLock) {
    ServerConfig config = MfaConfig();
    config.env["WATCHTOWER_AUTH_FAILURES_BEFORE_LOCK"] = "3";
    EnrolledAdmin enrolled(config);
    Server& server = enrolled.server;
    MfaAccount& account = enrolled.account;
    SetServerTime(server, kEdge + 15);
    std::string token = PasswordStep(server, server.admin_email);
    for (int wrong_idx = 0; wrong_idx < 3; ++wrong_idx) {
        auto res = VerifyCode(server, token, "000000");
        EXPECT_EQ(res.status, 401) << res.body;
    }
    // Locked: the right code and the right password alike are refused for now.
    auto locked = VerifyCode(server, token, Code(account, kEdge + 15));
    EXPECT_EQ(locked.status, 429) << locked.body;
    EXPECT_EQ(locked.Code(), "rate_limited");
    EXPECT_TRUE(locked.Header("Retry-After"));
    auto password =
        server.Call("POST", "/api/v1/auth/login", Body({{"email", server.admin_email}, {"password", kPassword}}));
    EXPECT_EQ(password.status, 429) << password.body;
    // Another account is not affected.
    auto other = server.Call("POST", "/api/v1/auth/login",
                             Body({{"email", server.role_email.at("VIEWER")}, {"password", kPassword}}));
    EXPECT_EQ(other.status, 200) << other.body;
}

TEST(MfaTest, RequireMfaForAllExtendsThePolicyToEveryRole) {
    EnrolledAdmin enrolled;
    Server& server = enrolled.server;
    Session& admin = enrolled.session;
    Session viewer = PlainLogin(server, server.role_email.at("VIEWER"));
    EXPECT_EQ(server.As(viewer, "GET", "/api/v1/alerts").status, 200);
    auto patched = server.As(admin, "PATCH", "/api/v1/orgs/current",
                             Body({{"settings", json::object{{"require_mfa_for_all", true}}}}));
    ASSERT_EQ(patched.status, 200) << patched.body;
    auto refused = server.As(viewer, "GET", "/api/v1/alerts");
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(refused.Code(), "mfa_enrollment_required");
    auto me = server.As(viewer, "GET", "/api/v1/auth/me");
    ASSERT_EQ(me.status, 200);
    EXPECT_TRUE(me.Json().at("mfa_enrollment_required").as_bool());
    server.EnrolMfa(viewer, server.role_email.at("VIEWER"));
    EXPECT_EQ(server.As(viewer, "GET", "/api/v1/alerts").status, 200);
    EXPECT_FALSE(server.As(viewer, "GET", "/api/v1/auth/me").Json().at("mfa_enrollment_required").as_bool());
    // Now the viewer's role requires MFA in this organization: turning it off is refused.
    auto disable =
        server.As(viewer, "POST", "/api/v1/auth/mfa/disable",
                  Body({{"password", kPassword}, {"code", *server.NextTotpCode(server.role_email.at("VIEWER"))}}));
    EXPECT_EQ(disable.status, 403) << disable.body;
}

// Every console route of the OpenAPI document, for an ADMIN and a RISK_LEAD without MFA: 403
// mfa_enrollment_required except the routes API.md exempts (which are exactly those marked
// x-mfa-exempt). Exempt routes are not called here (logout would end the session); their
// behaviour is covered by the tests above.
TEST(MfaTest, AdminsAndRiskLeadsWithoutMfaAreStoppedOnEveryConsoleRouteButTheExemptOnes) {
    Server server(MfaConfig());
    server.Start();
    auto openapi = server.Get("/api/v1/openapi.json");
    ASSERT_EQ(openapi.status, 200);
    const std::set<std::string> api_md_exempt = {
        "GET /api/v1/auth/me",
        "POST /api/v1/auth/logout",
        "POST /api/v1/auth/reauthenticate",
        "POST /api/v1/auth/mfa/setup",
        "POST /api/v1/auth/mfa/verify-setup",
        "POST /api/v1/auth/change-password",
        "POST /api/v1/auth/switch-organization",
    };
    struct Route {
        std::string method, path;
    };
    std::vector<Route> guarded;
    std::set<std::string> exempt;
    const json::value document = openapi.Json();
    for (const auto& [path, operations] : document.at("paths").as_object()) {
        for (const auto& [method, operation] : operations.as_object()) {
            const auto& op = operation.as_object();
            const auto* security = op.if_contains("security");
            if (!security || security->as_array().empty() ||
                !security->as_array()[0].as_object().contains("sessionCookie"))
                continue;
            std::string upper(method);
            for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            const auto* flag = op.if_contains("x-mfa-exempt");
            ASSERT_TRUE(flag && flag->is_bool()) << upper << " " << path << " documents x-mfa-exempt";
            if (flag->as_bool()) {
                exempt.insert(upper + " " + std::string(path));
            } else {
                guarded.push_back({upper, std::string(path)});
            }
        }
    }
    EXPECT_EQ(exempt, api_md_exempt);
    ASSERT_GT(guarded.size(), 30u);
    for (const char* role : {"ADMIN", "RISK_LEAD"}) {
        Session session = PlainLogin(server, server.role_email.at(role));
        EXPECT_TRUE(server.As(session, "GET", "/api/v1/auth/me").Json().at("mfa_enrollment_required").as_bool());
        for (const auto& route : guarded) {
            std::string target = route.path;
            for (auto open = target.find('{'); open != std::string::npos; open = target.find('{'))
                target.replace(open, target.find('}', open) - open + 1, "x_missing");
            auto res = server.As(session, route.method, target, route.method == "GET" ? "" : "{}");
            EXPECT_EQ(res.status, 403) << role << " " << route.method << " " << route.path << ": " << res.body;
            EXPECT_EQ(res.Code(), "mfa_enrollment_required") << role << " " << route.method << " " << route.path;
        }
        // Enrolled, the same session passes the policy (the role's own permissions apply again).
        server.EnrolMfa(session, server.role_email.at(role));
        EXPECT_EQ(server.As(session, "GET", "/api/v1/alerts").status, 200) << role;
    }
    // Other roles are not asked to enrol.
    Session analyst = PlainLogin(server, server.role_email.at("ANALYST"));
    EXPECT_EQ(server.As(analyst, "GET", "/api/v1/alerts").status, 200);
    ExpectNoLeaks(server);
}

// Mails of the file transport (<data_dir>/mail/*.eml) to `to` with `subject`.
int MailsWith(const Server& server, const std::string& to, const std::string& subject) {
    int count = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(server.data_dir() + "/mail", ec)) {
        if (entry.path().extension() != ".eml") continue;
        std::string mail = ReadFile(entry.path().string());
        if (mail.find(to) != std::string::npos && mail.find("Subject: " + subject) != std::string::npos) ++count;
    }
    return count;
}

void ExpectMails(const Server& server, const std::string& to, const std::string& subject, int expected) {
    PollUntil([&] { return MailsWith(server, to, subject) >= expected; }, 10s);
    EXPECT_EQ(MailsWith(server, to, subject), expected) << subject;
}

TEST(MfaTest, FactorChangesAndSignInsFromANewAddressAreMailed) {
    ServerConfig config = MfaConfig();
    config.env["WATCHTOWER_TRUSTED_PROXIES"] = "127.0.0.1/32";
    Server server(config);
    server.Start();
    const std::string email = server.role_email.at("ANALYST");
    const std::string kNewSignIn = "New sign-in to WatchTower";
    auto from = [](const std::string& ip) { return HeaderList{{"X-Forwarded-For", ip}}; };
    Session first = server.MustLogin(email, kPassword, from("203.0.113.20"));
    server.MustLogin(email, kPassword, from("203.0.113.20"));
    server.MustLogin(email, kPassword, from("203.0.113.21"));
    ExpectMails(server, email, kNewSignIn, 1);  // the first sign-in ever and a known address are no news

    server.EnrolMfa(first, email);
    ExpectMails(server, email, "Two-factor authentication is now on", 1);
    auto codes = server.As(first, "POST", "/api/v1/auth/mfa/backup-codes",
                           Body({{"password", kPassword}, {"code", *server.NextTotpCode(email)}}));
    ASSERT_EQ(codes.status, 200) << codes.body;
    const json::value codes_body = codes.Json();
    for (const auto& code : codes_body.at("backup_codes").as_array())
        server.RememberSecret(std::string(code.as_string()));
    ExpectMails(server, email, "New WatchTower backup codes", 1);

    // A sign-in with its second step from a third address.
    SetServerTime(server, kEdge + 15);
    Session mfa = server.MustLogin(email, kPassword, from("203.0.113.22"));
    ExpectMails(server, email, kNewSignIn, 2);
    auto off = server.As(mfa, "POST", "/api/v1/auth/mfa/disable",
                         Body({{"password", kPassword}, {"code", *server.NextTotpCode(email)}}));
    ASSERT_EQ(off.status, 204) << off.body;
    ExpectMails(server, email, "Two-factor authentication was turned off", 1);
    ExpectNoLeaks(server);
}

TEST(MfaTest, SignInAttemptsAreLimitedPerAddressBeforeAnyPasswordHash) {
    ServerConfig config = MfaConfig();
    config.env["WATCHTOWER_AUTH_ATTEMPTS_PER_IP_PER_MINUTE"] = "5";
    Server server(config);
    server.Start();
    const std::string wrong = "not the password of anyone";
    server.RememberSecret(wrong);
    for (int attempt_idx = 0; attempt_idx < 5; ++attempt_idx) {
        auto res =
            server.Call("POST", "/api/v1/auth/login",
                        Body({{"email", "nobody" + std::to_string(attempt_idx) + "@acme.test"}, {"password", wrong}}));
        EXPECT_EQ(res.status, 401) << res.body;
    }
    // The sixth: refused before any lookup or bcrypt (a bcrypt alone takes ~200 ms).
    auto started = std::chrono::steady_clock::now();
    auto limited =
        server.Call("POST", "/api/v1/auth/login", Body({{"email", server.admin_email}, {"password", kPassword}}));
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_EQ(limited.Code(), "rate_limited");
    EXPECT_TRUE(limited.Header("Retry-After"));
    EXPECT_LT(took, 100ms);
    auto verify = VerifyCode(server, "whatever-token", "123456");
    EXPECT_EQ(verify.status, 429) << "the second step counts against the same address: " << verify.body;
}

}  // namespace
}  // namespace wt::integration
