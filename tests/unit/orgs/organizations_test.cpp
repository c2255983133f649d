// SPDX-License-Identifier: Apache-2.0
#include "orgs/organizations.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "../common/test_support.hpp"
#include "auth/sessions.hpp"
#include "crypto/crypto.hpp"

namespace wt::orgs {
namespace {

using testing::ManualClock;
namespace json = boost::json;

// --- Settings ------------------------------------------------------------------------------

std::map<std::string, std::string> PatchErrors(const std::string& patch_text) {
    auto applied = ApplySettingsPatch(Settings{}, json::parse(patch_text));
    std::map<std::string, std::string> out;
    if (applied.ok()) return out;
    EXPECT_EQ(applied.error().code, ErrorCode::kValidationFailed);
    for (const auto& field : applied.error().fields) out[field.field] = field.message;
    return out;
}

TEST(SettingsTest, DefaultsAndJsonShape) {
    Settings defaults;
    EXPECT_EQ(SettingsToJson(defaults), (json::object{{"require_mfa_for_all", false},
                                                      {"session_idle_minutes", 30},
                                                      {"session_max_hours", 24},
                                                      {"time_zone", "UTC"},
                                                      {"alert_sla_hours", json::object{{"low", 72},
                                                                                       {"medium", 24},
                                                                                       {"high", 8},
                                                                                       {"critical", 2}}}}));
    Settings parsed = SettingsFromText(
        R"({"require_mfa_for_all":true,"session_idle_minutes":45,"session_max_hours":8,"time_zone":"Europe/Berlin"})");
    EXPECT_TRUE(parsed.require_mfa_for_all);
    EXPECT_EQ(parsed.session_idle_minutes, 45);
    EXPECT_EQ(parsed.session_max_hours, 8);
    EXPECT_EQ(parsed.time_zone, "Europe/Berlin");
    EXPECT_EQ(SettingsFromText("not json").session_idle_minutes, 30);
}

TEST(SettingsTest, PatchChangesOnlyWhatItNames) {
    Settings current;
    current.session_max_hours = 12;
    auto applied = ApplySettingsPatch(current, json::parse(R"({"session_idle_minutes":60})"));
    ASSERT_TRUE(applied.ok());
    EXPECT_EQ(applied->session_idle_minutes, 60);
    EXPECT_EQ(applied->session_max_hours, 12);
    EXPECT_EQ(applied->time_zone, "UTC");
    EXPECT_FALSE(applied->require_mfa_for_all);
}

TEST(SettingsTest, EveryBoundIsInclusiveAndEnforced) {
    for (const char* ok : {R"({"session_idle_minutes":5})", R"({"session_idle_minutes":720})",
                           R"({"session_max_hours":1})", R"({"session_max_hours":24})",
                           R"({"require_mfa_for_all":true})", R"({"time_zone":"UTC"})", "{}"}) {
        EXPECT_TRUE(PatchErrors(ok).empty()) << ok;
    }
    EXPECT_EQ(PatchErrors(R"({"session_idle_minutes":4})"),
              (std::map<std::string, std::string>{{"settings.session_idle_minutes", "must be between 5 and 720"}}));
    EXPECT_EQ(PatchErrors(R"({"session_idle_minutes":721})").count("settings.session_idle_minutes"), 1u);
    EXPECT_EQ(PatchErrors(R"({"session_max_hours":0})"),
              (std::map<std::string, std::string>{{"settings.session_max_hours", "must be between 1 and 24"}}));
    EXPECT_EQ(PatchErrors(R"({"session_max_hours":25})").count("settings.session_max_hours"), 1u);
    EXPECT_EQ(PatchErrors(R"({"session_max_hours":"8"})").count("settings.session_max_hours"), 1u);
    EXPECT_EQ(PatchErrors(R"({"require_mfa_for_all":"yes"})").count("settings.require_mfa_for_all"), 1u);
    EXPECT_EQ(PatchErrors(R"({"time_zone":""})").count("settings.time_zone"), 1u);
    EXPECT_EQ(PatchErrors(R"({"time_zone":7})").count("settings.time_zone"), 1u);
}

TEST(SettingsTest, UnknownKeyAndNonObjectAreRefused) {
    EXPECT_EQ(PatchErrors(R"({"session_timeout":10})"),
              (std::map<std::string, std::string>{{"settings.session_timeout", "is not a known field"}}));
    EXPECT_EQ(PatchErrors("[]").count("settings"), 1u);
    EXPECT_EQ(PatchErrors("42").count("settings"), 1u);
}

TEST(SettingsTest, AllProblemsReportedTogether) {
    auto errors = PatchErrors(
        R"({"session_idle_minutes":1,"session_max_hours":99,"time_zone":"Nowhere/City","extra":true})");
    EXPECT_EQ(errors.size(), 4u);
    EXPECT_EQ(errors.count("settings.session_idle_minutes"), 1u);
    EXPECT_EQ(errors.count("settings.session_max_hours"), 1u);
    EXPECT_EQ(errors.count("settings.time_zone"), 1u);
    EXPECT_EQ(errors.count("settings.extra"), 1u);
}

TEST(SettingsTest, AlertSlaHoursArePatchedPerSeverityAndValidated) {
    auto applied = ApplySettingsPatch(Settings{}, json::parse(R"({"alert_sla_hours":{"high":4,"critical":1}})"));
    ASSERT_TRUE(applied.ok());
    const AlertSla& sla = applied->alert_sla_hours;
    EXPECT_EQ(sla.low, 72);
    EXPECT_EQ(sla.medium, 24);
    EXPECT_EQ(sla.high, 4);
    EXPECT_EQ(sla.critical, 1);
    EXPECT_EQ(sla.HoursOf("low"), 72);
    EXPECT_EQ(sla.HoursOf("high"), 4);
    EXPECT_EQ(sla.HoursOf("critical"), 1);
    // The stored JSON reads back the same.
    Settings round = SettingsFromText(json::serialize(SettingsToJson(*applied)));
    EXPECT_EQ(round.alert_sla_hours.high, 4);
    EXPECT_EQ(round.alert_sla_hours.critical, 1);
    // Settings stored before the SLA existed read as the defaults.
    EXPECT_EQ(SettingsFromText(R"({"session_idle_minutes":45})").alert_sla_hours.medium, 24);

    EXPECT_TRUE(PatchErrors(R"({"alert_sla_hours":{"low":1,"medium":8760}})").empty());
    EXPECT_EQ(PatchErrors(R"({"alert_sla_hours":{"low":0}})"),
              (std::map<std::string, std::string>{{"settings.alert_sla_hours.low", "must be between 1 and 8760"}}));
    EXPECT_EQ(PatchErrors(R"({"alert_sla_hours":{"medium":8761}})").count("settings.alert_sla_hours.medium"), 1u);
    EXPECT_EQ(PatchErrors(R"({"alert_sla_hours":{"high":"8"}})").count("settings.alert_sla_hours.high"), 1u);
    EXPECT_EQ(PatchErrors(R"({"alert_sla_hours":{"urgent":1}})"),
              (std::map<std::string, std::string>{{"settings.alert_sla_hours.urgent", "is not a known field"}}));
    EXPECT_EQ(PatchErrors(R"({"alert_sla_hours":8})").count("settings.alert_sla_hours"), 1u);
}

TEST(SettingsTest, TimeZones) {
    for (const char* known : {"UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "America/Argentina/Buenos_Aires",
                              "Etc/GMT+5"}) {
        EXPECT_TRUE(IsKnownTimeZone(known)) << known;
        EXPECT_TRUE(PatchErrors(std::string(R"({"time_zone":")") + known + "\"}").empty()) << known;
    }
    for (const char* unknown : {"", "Mars/Olympus_Mons", "Europe", "Europe/", "../etc/passwd", "/etc/passwd",
                                "Europe/../../../etc/passwd", "..", "Europe/Berlin\n", "Europe/Berlin ",
                                "Europe\\Berlin", "zone.tab", "utc", "leapseconds", "tzdata.zi"}) {
        EXPECT_FALSE(IsKnownTimeZone(unknown)) << "'" << unknown << "'";
    }
    auto errors = PatchErrors(R"({"time_zone":"../etc/passwd"})");
    ASSERT_EQ(errors.count("settings.time_zone"), 1u);
    EXPECT_EQ(errors["settings.time_zone"], "must be an IANA time zone name such as \"Europe/Berlin\"");
}

// --- Organizations and members ---------------------------------------------------------------

class OrgsTest : public ::testing::Test {
protected:
    OrgsTest() : clock_(std::make_shared<ManualClock>()), sessions_(std::string(32, 'k'), clock_) {}

    void SetUp() override {
        auto tx = db_.Write();
        auto boot = CreateOrganizationWithAdmin(*tx, "Acme", "admin@acme.test", "Ada Admin", "hash-a", Now());
        ASSERT_TRUE(boot.ok()) << boot.error().detail;
        ASSERT_TRUE(tx->Commit().ok());
        acme_ = boot->org.id;
        admin_ = boot->admin.id;
        auto tx2 = db_.Write();
        auto other = CreateOrganizationWithAdmin(*tx2, "Beta", "admin@beta.test", "Bea Admin", "hash-b", Now());
        ASSERT_TRUE(other.ok());
        ASSERT_TRUE(tx2->Commit().ok());
        beta_ = other->org.id;
        beta_admin_ = other->admin.id;
    }

    UnixMicros Now() {
        clock_->Advance(1);  // distinct times keep orderings deterministic
        return clock_->Now();
    }

    std::string Add(const std::string& org, const std::string& email, auth::Role role) {
        auto tx = db_.Write();
        auto added = AddUser(*tx, org, email, "Member " + email, role, "hash", Actor(), Now());
        EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().detail);
        EXPECT_TRUE(tx->Commit().ok());
        return added.ok() ? added->user.id : "";
    }

    ActorContext Actor() { return ActorContext{{audit::ActorType::kUser, admin_}, "203.0.113.1", "console"}; }

    std::string OpenSession(const std::string& user, const std::string& org) {
        auto tx = db_.Write();
        auto issued = sessions_.Create(*tx, user, org, "ip", "ua", std::nullopt, {});
        EXPECT_TRUE(issued.ok());
        EXPECT_TRUE(tx->Commit().ok());
        return issued.ok() ? issued->cookie_value : "";
    }
    bool Resolves(const std::string& cookie) { return sessions_.Resolve(db_.db(), cookie).ok(); }

    std::vector<audit::Entry> AuditOf(const std::string& org) {
        audit::Query query;
        query.org_id = org;
        query.limit = 100;
        auto page = audit::List(db_.db(), query);
        EXPECT_TRUE(page.ok());
        return page.ok() ? page->entries : std::vector<audit::Entry>{};
    }

    std::int64_t Count(const std::string& sql) {
        auto tx = db_.Read();
        auto row = tx->QueryOne(sql);
        return row.ok() && row->has_value() ? (*row)->GetInt(0) : -1;
    }

    template <typename Fn>
    auto InWrite(Fn fn) {
        auto tx = db_.Write();
        auto result = fn(*tx);
        if (result.ok()) {
            EXPECT_TRUE(tx->Commit().ok());
        }
        return result;
    }

    testing::TestDb db_;
    std::shared_ptr<ManualClock> clock_;
    auth::SessionManager sessions_;
    std::string acme_, admin_, beta_, beta_admin_;
};

TEST_F(OrgsTest, CreateOrganizationWithAdminMakesOrgUserMembershipAndAudit) {
    auto tx = db_.Read();
    auto org = FindOrganization(*tx, acme_);
    ASSERT_TRUE(org.ok() && org->has_value());
    EXPECT_EQ((*org)->name, "Acme");
    EXPECT_EQ(SettingsToJson((*org)->settings), SettingsToJson(Settings{}));
    auto role = auth::FindRole(*tx, acme_, admin_);
    ASSERT_TRUE(role.ok());
    EXPECT_EQ(*role, auth::Role::kAdmin);
    auto count = CountOrganizations(*tx);
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, 2);
    auto entries = AuditOf(acme_);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[1].event.action, "org.created");
    EXPECT_EQ(entries[1].event.actor.type, audit::ActorType::kSystem);
    EXPECT_EQ(entries[0].event.action, "member.added");
    EXPECT_EQ(entries[0].event.target, "user:" + admin_);
}

TEST_F(OrgsTest, CreateOrganizationWithAdminReusesAnExistingAccount) {
    auto boot = InWrite([&](storage::Transaction& tx) {
        return CreateOrganizationWithAdmin(tx, "Gamma", "ADMIN@acme.test", "ignored", "other-hash", Now());
    });
    ASSERT_TRUE(boot.ok());
    EXPECT_FALSE(boot->created_user);
    EXPECT_EQ(boot->admin.id, admin_);
    auto tx = db_.Read();
    auto user = auth::FindUserById(*tx, admin_);
    ASSERT_TRUE(user.ok() && user->has_value());
    EXPECT_EQ((*user)->password_hash, "hash-a") << "the existing password is left unchanged";
    auto memberships = auth::ListMemberships(*tx, admin_);
    ASSERT_TRUE(memberships.ok());
    EXPECT_EQ(memberships->size(), 2u);
}

TEST_F(OrgsTest, CreateOrganizationWithAdminValidates) {
    auto bad_email = InWrite([&](storage::Transaction& tx) {
        return CreateOrganizationWithAdmin(tx, "Delta", "not-an-email", "x", "h", Now());
    });
    ASSERT_FALSE(bad_email.ok());
    EXPECT_EQ(bad_email.error().code, ErrorCode::kValidationFailed);
    for (std::string name : {std::string(""), std::string("   "), std::string(121, 'n'), std::string("a\nb")}) {
        auto bad_name = InWrite([&](storage::Transaction& tx) {
            return CreateOrganizationWithAdmin(tx, name, "x@delta.test", "x", "h", Now());
        });
        ASSERT_FALSE(bad_name.ok()) << "'" << name << "'";
        EXPECT_EQ(bad_name.error().code, ErrorCode::kValidationFailed);
        EXPECT_EQ(bad_name.error().fields.at(0).field, "name");
    }
    EXPECT_TRUE(ValidateOrganizationName(std::string(120, 'n')).ok());
    EXPECT_EQ(Count("SELECT COUNT(*) FROM organizations"), 2);
}

TEST_F(OrgsTest, SaveOrganizationPersistsSettings) {
    {
        auto tx = db_.Write();
        auto org = FindOrganization(*tx, acme_);
        ASSERT_TRUE(org.ok() && org->has_value());
        Organization changed = **org;
        auto patched = ApplySettingsPatch(changed.settings, json::parse(R"({"session_max_hours":6,"time_zone":"Asia/Tokyo"})"));
        ASSERT_TRUE(patched.ok());
        changed.settings = *patched;
        ASSERT_TRUE(SaveOrganization(*tx, changed).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    auto tx = db_.Read();
    auto org = FindOrganization(*tx, acme_);
    ASSERT_TRUE(org.ok() && org->has_value());
    EXPECT_EQ((*org)->settings.session_max_hours, 6);
    EXPECT_EQ((*org)->settings.time_zone, "Asia/Tokyo");
    EXPECT_EQ(ToJson(**org).at("settings").as_object().at("session_max_hours"), 6);
    auto beta = FindOrganization(*tx, beta_);
    ASSERT_TRUE(beta.ok() && beta->has_value());
    EXPECT_EQ((*beta)->settings.session_max_hours, 24);
}

TEST_F(OrgsTest, LastAdminCannotBeDemotedOrRemoved) {
    auto demote = InWrite([&](storage::Transaction& tx) {
        return ChangeRole(tx, acme_, admin_, auth::Role::kViewer, Actor(), Now());
    });
    ASSERT_FALSE(demote.ok());
    EXPECT_EQ(demote.error().code, ErrorCode::kConflict);
    auto remove = InWrite([&](storage::Transaction& tx) { return RemoveMember(tx, acme_, admin_, Actor(), Now()); });
    ASSERT_FALSE(remove.ok());
    EXPECT_EQ(remove.error().code, ErrorCode::kConflict);

    // With a second ADMIN the first may step down; then the second is the last one.
    std::string second = Add(acme_, "second@acme.test", auth::Role::kAdmin);
    auto stepped_down = InWrite([&](storage::Transaction& tx) {
        return ChangeRole(tx, acme_, admin_, auth::Role::kRiskLead, Actor(), Now());
    });
    ASSERT_TRUE(stepped_down.ok());
    EXPECT_EQ(stepped_down->role, auth::Role::kRiskLead);
    auto remove_second =
        InWrite([&](storage::Transaction& tx) { return RemoveMember(tx, acme_, second, Actor(), Now()); });
    ASSERT_FALSE(remove_second.ok());
    EXPECT_EQ(remove_second.error().code, ErrorCode::kConflict);
    // Demoting a non-admin never trips the rule.
    auto demote_lead = InWrite([&](storage::Transaction& tx) {
        return ChangeRole(tx, acme_, admin_, auth::Role::kViewer, Actor(), Now());
    });
    EXPECT_TRUE(demote_lead.ok());
}

TEST_F(OrgsTest, RoleChangeEndsThatUsersSessionsInThatOrganizationOnly) {
    std::string user = Add(acme_, "ana@acme.test", auth::Role::kAnalyst);
    {
        auto tx = db_.Write();
        ASSERT_TRUE(auth::AddMembership(*tx, beta_, user, auth::Role::kAnalyst, Now()).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    std::string in_acme = OpenSession(user, acme_);
    std::string in_acme_too = OpenSession(user, acme_);
    std::string in_beta = OpenSession(user, beta_);
    std::string admin_session = OpenSession(admin_, acme_);

    auto changed = InWrite([&](storage::Transaction& tx) {
        return ChangeRole(tx, acme_, user, auth::Role::kRiskLead, Actor(), Now());
    });
    ASSERT_TRUE(changed.ok());
    EXPECT_EQ(changed->role, auth::Role::kRiskLead);
    EXPECT_FALSE(Resolves(in_acme));
    EXPECT_FALSE(Resolves(in_acme_too));
    EXPECT_TRUE(Resolves(in_beta)) << "a role change in Acme must not end the session in Beta";
    EXPECT_TRUE(Resolves(admin_session));

    auto entries = AuditOf(acme_);
    ASSERT_FALSE(entries.empty());
    EXPECT_EQ(entries[0].event.action, "member.role_changed");
    EXPECT_EQ(entries[0].event.actor.id, admin_);
    EXPECT_EQ(entries[0].event.details,
              (json::object{{"from", "ANALYST"}, {"to", "RISK_LEAD"}, {"sessions_ended", 2}}));
    for (const auto& entry : AuditOf(beta_)) EXPECT_NE(entry.event.action, "member.role_changed");
}

TEST_F(OrgsTest, ChangeToTheSameRoleIsANoOp) {
    std::string user = Add(acme_, "ana@acme.test", auth::Role::kAnalyst);
    std::string session = OpenSession(user, acme_);
    auto before = AuditOf(acme_).size();
    auto same = InWrite([&](storage::Transaction& tx) {
        return ChangeRole(tx, acme_, user, auth::Role::kAnalyst, Actor(), Now());
    });
    ASSERT_TRUE(same.ok());
    EXPECT_TRUE(Resolves(session));
    EXPECT_EQ(AuditOf(acme_).size(), before);
}

TEST_F(OrgsTest, RemoveMemberEndsSessionsThereAndAudits) {
    std::string user = Add(acme_, "ana@acme.test", auth::Role::kAnalyst);
    {
        auto tx = db_.Write();
        ASSERT_TRUE(auth::AddMembership(*tx, beta_, user, auth::Role::kViewer, Now()).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    std::string in_acme = OpenSession(user, acme_);
    std::string in_beta = OpenSession(user, beta_);
    ASSERT_TRUE(InWrite([&](storage::Transaction& tx) { return RemoveMember(tx, acme_, user, Actor(), Now()); }).ok());
    EXPECT_FALSE(Resolves(in_acme));
    EXPECT_TRUE(Resolves(in_beta));
    auto tx = db_.Read();
    auto member = FindMember(*tx, acme_, user);
    ASSERT_TRUE(member.ok());
    EXPECT_FALSE(member->has_value());
    auto entries = AuditOf(acme_);
    EXPECT_EQ(entries.at(0).event.action, "member.removed");
    EXPECT_EQ(entries.at(0).event.details,
              (json::object{{"email", "ana@acme.test"}, {"role", "ANALYST"}, {"sessions_ended", 1}}));
}

TEST_F(OrgsTest, RevokeMemberSessions) {
    std::string user = Add(acme_, "ana@acme.test", auth::Role::kAnalyst);
    std::string first = OpenSession(user, acme_);
    std::string second = OpenSession(user, acme_);
    auto ended = InWrite([&](storage::Transaction& tx) { return RevokeMemberSessions(tx, acme_, user, Actor(), Now()); });
    ASSERT_TRUE(ended.ok());
    EXPECT_EQ(*ended, 2);
    EXPECT_FALSE(Resolves(first));
    EXPECT_FALSE(Resolves(second));
    EXPECT_EQ(AuditOf(acme_).at(0).event.action, "session.revoked_by_admin");
}

TEST_F(OrgsTest, AnotherOrganizationsMemberIsNotFound) {
    std::string acme_only = Add(acme_, "ana@acme.test", auth::Role::kAnalyst);
    std::string session = OpenSession(acme_only, acme_);
    auto tx = db_.Write();
    auto member = FindMember(*tx, beta_, acme_only);
    ASSERT_TRUE(member.ok());
    EXPECT_FALSE(member->has_value());
    auto changed = ChangeRole(*tx, beta_, acme_only, auth::Role::kAdmin, Actor(), Now());
    ASSERT_FALSE(changed.ok());
    EXPECT_EQ(changed.error().code, ErrorCode::kNotFound);
    auto removed = RemoveMember(*tx, beta_, acme_only, Actor(), Now());
    ASSERT_FALSE(removed.ok());
    EXPECT_EQ(removed.error().code, ErrorCode::kNotFound);
    auto revoked = RevokeMemberSessions(*tx, beta_, acme_only, Actor(), Now());
    ASSERT_FALSE(revoked.ok());
    EXPECT_EQ(revoked.error().code, ErrorCode::kNotFound);
    auto nobody = ChangeRole(*tx, acme_, "usr_does_not_exist", auth::Role::kAdmin, Actor(), Now());
    ASSERT_FALSE(nobody.ok());
    EXPECT_EQ(nobody.error().code, ErrorCode::kNotFound) << "same answer as for another org's member";
    tx.reset();
    EXPECT_TRUE(Resolves(session));
    auto read = db_.Read();
    auto role = auth::FindRole(*read, acme_, acme_only);
    ASSERT_TRUE(role.ok());
    EXPECT_EQ(*role, auth::Role::kAnalyst);
}

TEST_F(OrgsTest, AddUserWithAnExistingAccountAddsOnlyAMembership) {
    auto users_before = Count("SELECT COUNT(*) FROM users");
    auto added = InWrite([&](storage::Transaction& tx) {
        return AddUser(tx, acme_, "Admin@Beta.test", "ignored", auth::Role::kViewer, "new-hash", Actor(), Now());
    });
    ASSERT_TRUE(added.ok());
    EXPECT_FALSE(added->created_user);
    EXPECT_EQ(added->user.id, beta_admin_);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM users"), users_before);
    auto tx = db_.Read();
    auto user = auth::FindUserById(*tx, beta_admin_);
    ASSERT_TRUE(user.ok() && user->has_value());
    EXPECT_EQ((*user)->password_hash, "hash-b");
    auto role = auth::FindRole(*tx, acme_, beta_admin_);
    ASSERT_TRUE(role.ok());
    EXPECT_EQ(*role, auth::Role::kViewer);
}

TEST_F(OrgsTest, AddUserNewAccountAndErrors) {
    auto added = InWrite([&](storage::Transaction& tx) {
        return AddUser(tx, acme_, "new@acme.test", "New", auth::Role::kAnalyst, "h", Actor(), Now());
    });
    ASSERT_TRUE(added.ok());
    EXPECT_TRUE(added->created_user);
    EXPECT_EQ(AuditOf(acme_).at(0).event.action, "member.added");

    auto again = InWrite([&](storage::Transaction& tx) {
        return AddUser(tx, acme_, "new@acme.test", "New", auth::Role::kAnalyst, "h", Actor(), Now());
    });
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
    auto no_org = InWrite([&](storage::Transaction& tx) {
        return AddUser(tx, "org_missing", "x@acme.test", "X", auth::Role::kAnalyst, "h", Actor(), Now());
    });
    ASSERT_FALSE(no_org.ok());
    EXPECT_EQ(no_org.error().code, ErrorCode::kNotFound);
    auto bad_email = InWrite([&](storage::Transaction& tx) {
        return AddUser(tx, acme_, "bad email", "X", auth::Role::kAnalyst, "h", Actor(), Now());
    });
    ASSERT_FALSE(bad_email.ok());
    EXPECT_EQ(bad_email.error().code, ErrorCode::kValidationFailed);
}

TEST_F(OrgsTest, ListMembersPaginatesNewestFirst) {
    std::vector<std::string> added;
    for (int n = 0; n < 5; ++n) added.push_back(Add(acme_, "m" + std::to_string(n) + "@acme.test", auth::Role::kViewer));
    // Two memberships with the same created_at: the user id breaks the tie.
    std::string tie_a = Add(beta_, "tie-a@beta.test", auth::Role::kViewer);
    std::string tie_b = Add(beta_, "tie-b@beta.test", auth::Role::kViewer);
    UnixMicros same = Now();
    {
        auto tx = db_.Write();
        ASSERT_TRUE(auth::AddMembership(*tx, acme_, tie_a, auth::Role::kViewer, same).ok());
        ASSERT_TRUE(auth::AddMembership(*tx, acme_, tie_b, auth::Role::kViewer, same).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    std::vector<std::string> seen;
    std::optional<std::string> cursor;
    int pages = 0;
    auto tx = db_.Read();
    do {
        auto page = ListMembers(*tx, acme_, 3, cursor);
        ASSERT_TRUE(page.ok());
        ASSERT_LE(page->members.size(), 3u);
        for (const auto& member : page->members) seen.push_back(member.user_id);
        cursor = page->next_cursor;
        ASSERT_LT(++pages, 10) << "pagination does not terminate";
    } while (cursor);
    EXPECT_EQ(pages, 3);  // 8 members: 3 + 3 + 2
    ASSERT_EQ(seen.size(), 8u);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 8u) << "no member twice";
    // Newest first: the tied pair, then the five in reverse, then the admin.
    EXPECT_EQ(seen[0], std::max(tie_a, tie_b));
    EXPECT_EQ(seen[1], std::min(tie_a, tie_b));
    EXPECT_EQ(seen[2], added[4]);
    EXPECT_EQ(seen[6], added[0]);
    EXPECT_EQ(seen[7], admin_);
}

TEST_F(OrgsTest, ListMembersRefusesAGarbageCursor) {
    auto tx = db_.Read();
    for (std::string cursor : {std::string("!!!"), std::string("not base64 at all"),
                               crypto::Base64UrlEncode("no-colon-here"), crypto::Base64UrlEncode("abc:usr_x"),
                               crypto::Base64UrlEncode("99999999999999999999999:usr_x")}) {
        auto page = ListMembers(*tx, acme_, 10, cursor);
        ASSERT_FALSE(page.ok()) << cursor;
        EXPECT_EQ(page.error().code, ErrorCode::kValidationFailed);
        EXPECT_EQ(page.error().fields.at(0).field, "cursor");
    }
}

TEST_F(OrgsTest, MemberJsonShape) {
    std::string user = Add(acme_, "ana@acme.test", auth::Role::kAnalyst);
    auto tx = db_.Read();
    auto member = FindMember(*tx, acme_, user);
    ASSERT_TRUE(member.ok() && member->has_value());
    json::object out = ToJson(**member);
    EXPECT_EQ(out.at("user_id"), json::value(user));
    EXPECT_EQ(out.at("email"), "ana@acme.test");
    EXPECT_EQ(out.at("role"), "ANALYST");
    EXPECT_EQ(out.at("mfa_enabled"), false);
    EXPECT_TRUE(out.at("last_login_at").is_null());
    EXPECT_EQ(out.at("created_at"), json::value(FormatRfc3339((*member)->created_at)));
    EXPECT_EQ(out.size(), 7u);
    auto names = OrganizationNamesOf(*tx, admin_);
    ASSERT_TRUE(names.ok());
    EXPECT_EQ(*names, std::vector<std::string>{"Acme"});
}

}  // namespace
}  // namespace wt::orgs
