// SPDX-License-Identifier: Apache-2.0
// Session lifetimes with the injectable clock, member management and recent authentication.
#include <gtest/gtest.h>

#include <memory>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

class ClockTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ServerConfig config;
        config.clock_file = true;
        auto server = std::make_unique<Server>(config);
        server->Start();
        server_ = server.release();
    }
    static void TearDownTestSuite() {
        if (!server_) return;
        EXPECT_EQ(server_->Stop(), 0);
        auto leaked = server_->LeakedSecrets();
        EXPECT_TRUE(leaked.empty()) << "secret in the logs: " << leaked.front();
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override {
        ASSERT_NE(server_, nullptr) << "the suite's server did not start";
        server_->SetClockOffset(0);
    }
    void TearDown() override {
        if (server_) server_->SetClockOffset(0);
    }
    int Me(const Session& session) { return server_->As(session, "GET", "/api/v1/auth/me").status; }
    // Every audit entry of `action` (admin session), newest first.
    json::array Audit(const Session& admin, const std::string& action) { return server_->AuditEntries(admin, action); }
    static Server* server_;
};
Server* ClockTest::server_ = nullptr;

TEST_F(ClockTest, AnIdleSessionDiesAfterThirtyMinutes) {
    auto idle = server_->MustLogin(server_->role_email.at("VIEWER"));
    auto busy = server_->MustLogin(server_->role_email.at("ANALYST"));
    ASSERT_EQ(Me(idle), 200);
    server_->SetClockOffset(28 * 60);
    ASSERT_EQ(Me(busy), 200) << "28 minutes idle is within the 30 minute default";
    server_->SetClockOffset(31 * 60);
    auto res = server_->As(idle, "GET", "/api/v1/auth/me");
    EXPECT_EQ(res.status, 401) << "31 minutes idle must end the session";
    EXPECT_EQ(res.Code(), "unauthenticated");
    EXPECT_EQ(Me(busy), 200) << "the session used 3 minutes ago must live on";
}

TEST_F(ClockTest, ASessionUsedEveryTenMinutesLivesPastThirtyMinutesButNotPastTwentyFourHours) {
    auto session = server_->MustLogin(server_->role_email.at("VIEWER"));
    long long offset = 0;
    for (offset = 600; offset < 24 * 3600; offset += 600) {
        server_->SetClockOffset(offset);
        int status = Me(session);
        ASSERT_EQ(status, 200) << "session ended after " << offset << " s although used every 10 minutes";
    }
    // offset is now 86400: the absolute lifetime has passed even though the last use was 10 min ago.
    server_->SetClockOffset(24 * 3600 + 60);
    auto res = server_->As(session, "GET", "/api/v1/auth/me");
    EXPECT_EQ(res.status, 401) << "a session must never outlive 24 hours";
    EXPECT_EQ(res.Code(), "unauthenticated");
}

TEST_F(ClockTest, RoleChangeIsAuditedAndEndsThatMembersSessions) {
    auto member_id = server_->AddUser(server_->acme_org_id, "role-change@acme.test", "ANALYST");
    auto member = server_->MustLogin("role-change@acme.test");
    auto admin = server_->MustLogin(server_->admin_email);
    ASSERT_EQ(Me(member), 200);

    auto res = server_->As(admin, "PATCH", "/api/v1/orgs/members/" + member_id,
                           json::serialize(json::object{{"role", "VIEWER"}}));
    ASSERT_EQ(res.status, 200) << res.body;
    auto body = res.Json().as_object();
    EXPECT_EQ(body.at("user_id").as_string(), member_id);
    EXPECT_EQ(body.at("role").as_string(), "VIEWER");
    EXPECT_EQ(Me(member), 401) << "a role change must end the member's sessions";
    EXPECT_EQ(Me(admin), 200) << "the admin's own session is unaffected";

    auto entries = Audit(admin, "member.role_changed");
    EXPECT_TRUE(HasAuditTarget(entries, "user:" + member_id)) << Dump(entries);
    auto again = server_->MustLogin("role-change@acme.test");
    EXPECT_EQ(again.body.at("role").as_string(), "VIEWER");
}

TEST_F(ClockTest, TheLastAdminCannotBeDemotedOrRemoved) {
    auto admin = server_->MustLogin(server_->admin_email);
    auto demote = server_->As(admin, "PATCH", "/api/v1/orgs/members/" + server_->admin_id,
                              json::serialize(json::object{{"role", "ANALYST"}}));
    EXPECT_EQ(demote.status, 409) << demote.body;
    EXPECT_EQ(demote.Code(), "conflict");
    auto remove = server_->As(admin, "DELETE", "/api/v1/orgs/members/" + server_->admin_id);
    EXPECT_EQ(remove.status, 409) << remove.body;
    EXPECT_EQ(remove.Code(), "conflict");
    auto me = server_->As(admin, "GET", "/api/v1/auth/me");
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(me.Json().at("role").as_string(), "ADMIN");
}

TEST_F(ClockTest, RemovingAMemberIsAuditedAndEndsTheirSessions) {
    auto member_id = server_->AddUser(server_->acme_org_id, "leaver@acme.test", "VIEWER");
    auto member = server_->MustLogin("leaver@acme.test");
    auto admin = server_->MustLogin(server_->admin_email);
    auto res = server_->As(admin, "DELETE", "/api/v1/orgs/members/" + member_id);
    ASSERT_EQ(res.status, 204) << res.body;
    EXPECT_EQ(Me(member), 401);
    auto members = server_->As(admin, "GET", "/api/v1/orgs/members?limit=500");
    ASSERT_EQ(members.status, 200);
    auto members_json = members.Json();
    for (const auto& m : members_json.at("data").as_array())
        EXPECT_NE(m.at("user_id").as_string(), member_id) << "removed member still listed";
    EXPECT_TRUE(HasAuditTarget(Audit(admin, "member.removed"), "user:" + member_id));
    auto twice = server_->As(admin, "DELETE", "/api/v1/orgs/members/" + member_id);
    EXPECT_EQ(twice.status, 404);
    EXPECT_EQ(twice.Code(), "not_found");
}

TEST_F(ClockTest, AdminCanEndAllOfAMembersSessions) {
    auto member_id = server_->AddUser(server_->acme_org_id, "revokee@acme.test", "ANALYST");
    auto first = server_->MustLogin("revokee@acme.test");
    auto second = server_->MustLogin("revokee@acme.test");
    auto bystander = server_->MustLogin(server_->role_email.at("VIEWER"));
    auto admin = server_->MustLogin(server_->admin_email);
    auto res = server_->As(admin, "POST", "/api/v1/orgs/members/" + member_id + "/sessions/revoke");
    ASSERT_EQ(res.status, 204) << res.body;
    EXPECT_EQ(Me(first), 401);
    EXPECT_EQ(Me(second), 401);
    EXPECT_EQ(Me(bystander), 200);
    EXPECT_EQ(Me(admin), 200);
    // The member can sign in again.
    auto back = server_->MustLogin("revokee@acme.test");
    EXPECT_EQ(Me(back), 200);
}

TEST_F(ClockTest, OrganizationSettingsAreValidated) {
    auto admin = server_->MustLogin(server_->admin_email);
    auto patch = [&](json::object settings) {
        return server_->As(admin, "PATCH", "/api/v1/orgs/current",
                           json::serialize(json::object{{"settings", std::move(settings)}}));
    };
    auto fields_of = [](const HttpResponse& res) {
        std::vector<std::string> fields;
        auto body = res.Json();
        if (const auto* errors = body.is_object() ? body.as_object().if_contains("errors") : nullptr)
            for (const auto& e : errors->as_array()) fields.emplace_back(e.at("field").as_string());
        return fields;
    };
    auto too_short = patch({{"session_idle_minutes", 4}});
    EXPECT_EQ(too_short.status, 422) << too_short.body;
    EXPECT_EQ(too_short.Code(), "validation_failed");
    EXPECT_EQ(fields_of(too_short), std::vector<std::string>{"settings.session_idle_minutes"});

    auto mars = patch({{"time_zone", "Mars/Olympus"}});
    EXPECT_EQ(mars.status, 422) << mars.body;
    EXPECT_EQ(fields_of(mars), std::vector<std::string>{"settings.time_zone"});

    auto berlin = patch({{"time_zone", "Europe/Berlin"}});
    ASSERT_EQ(berlin.status, 200) << berlin.body;
    EXPECT_EQ(berlin.Json().at("settings").at("time_zone").as_string(), "Europe/Berlin");
    auto current = server_->As(admin, "GET", "/api/v1/orgs/current");
    ASSERT_EQ(current.status, 200);
    auto settings = current.Json().at("settings").as_object();
    EXPECT_EQ(settings.at("time_zone").as_string(), "Europe/Berlin");
    EXPECT_EQ(settings.at("session_idle_minutes").as_int64(), 30) << "the refused patch must not have applied";
    EXPECT_EQ(patch({{"time_zone", "UTC"}}).status, 200);
}

TEST_F(ClockTest, SensitiveChangesNeedARecentAuthentication) {
    auto member_id = server_->AddUser(server_->acme_org_id, "reauth-target@acme.test", "VIEWER");
    auto admin = server_->MustLogin(server_->admin_email);
    // Keep the session alive (used every 10 minutes) while it grows older than 15 minutes.
    for (long long offset : {600LL, 1200LL}) {
        server_->SetClockOffset(offset);
        ASSERT_EQ(Me(admin), 200) << "at +" << offset << " s";
    }
    const std::string change = json::serialize(json::object{{"role", "ANALYST"}});
    auto stale = server_->As(admin, "PATCH", "/api/v1/orgs/members/" + member_id, change);
    EXPECT_EQ(stale.status, 403) << stale.body;
    EXPECT_EQ(stale.Code(), "reauthentication_required");

    server_->RememberSecret("not-my-password-at-all");
    auto wrong = server_->As(admin, "POST", "/api/v1/auth/reauthenticate",
                             json::serialize(json::object{{"password", "not-my-password-at-all"}}));
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    EXPECT_EQ(wrong.Code(), "invalid_credentials");
    EXPECT_EQ(Me(admin), 200) << "a wrong re-authentication password must not end the session";
    EXPECT_EQ(server_->As(admin, "PATCH", "/api/v1/orgs/members/" + member_id, change).Code(),
              "reauthentication_required");

    auto right = server_->As(admin, "POST", "/api/v1/auth/reauthenticate",
                             server_->ReauthenticationBody(server_->admin_email));
    EXPECT_EQ(right.status, 204) << right.body;
    auto fresh = server_->As(admin, "PATCH", "/api/v1/orgs/members/" + member_id, change);
    EXPECT_EQ(fresh.status, 200) << fresh.body;
    EXPECT_EQ(fresh.Json().at("role").as_string(), "ANALYST");

    // 16 minutes after the re-authentication it is stale again.
    server_->SetClockOffset(1200 + 16 * 60);
    auto later = server_->As(admin, "PATCH", "/api/v1/orgs/members/" + member_id,
                             json::serialize(json::object{{"role", "VIEWER"}}));
    EXPECT_EQ(later.Code(), "reauthentication_required") << later.status << " " << later.body;
}

}  // namespace
}  // namespace wt::integration
