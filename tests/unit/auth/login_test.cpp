// SPDX-License-Identifier: Apache-2.0
// Each Login / Reauthenticate spends one bcrypt verification (~0.25 s); the password is hashed
// once for the whole suite.
#include "auth/login.hpp"

#include <gtest/gtest.h>

#include <string>

#include "../common/test_support.hpp"
#include "audit/audit_log.hpp"
#include "auth/mfa.hpp"
#include "auth/password.hpp"
#include "auth/totp.hpp"
#include "crypto/crypto.hpp"
#include "crypto/seal.hpp"

namespace wt::auth {
namespace {

using testing::ManualClock;

const std::string kPassword = "a long and unusual passphrase";

class LoginTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto hash = HashPassword(kPassword);
        ASSERT_TRUE(hash.ok());
        password_hash_ = new std::string(*hash);
    }
    static void TearDownTestSuite() {
        delete password_hash_;
        password_hash_ = nullptr;
    }

    LoginTest() : clock_(std::make_shared<ManualClock>()), sessions_(std::string(32, 's'), clock_) {}

    void SetUp() override {
        ASSERT_NE(password_hash_, nullptr);
        org_a_ = AddOrg("Acme");
        org_b_ = AddOrg("Beta");
        auto tx = db_.Write();
        auto user = CreateUser(*tx, "Ada@Example.com", "Ada", *password_hash_, clock_->Now());
        ASSERT_TRUE(user.ok());
        user_ = user->id;
        ASSERT_TRUE(AddMembership(*tx, org_a_, user_, Role::kAnalyst, clock_->Now()).ok());
        ASSERT_TRUE(AddMembership(*tx, org_b_, user_, Role::kAdmin, clock_->Now() + 1).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }

    std::string AddOrg(const std::string& name) {
        std::string id = crypto::NewId("org");
        db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, $2, '{}', 0)",
                    {storage::Text(id), storage::Text(name)});
        return id;
    }

    LoginInput Input(std::string email, std::string password) {
        return LoginInput{std::move(email), std::move(password), "192.0.2.10", "unit-browser", std::nullopt};
    }

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
        EXPECT_TRUE(row.ok() && row->has_value());
        return row.ok() && row->has_value() ? (*row)->GetInt(0) : -1;
    }

    static std::string* password_hash_;
    testing::TestDb db_;
    std::shared_ptr<ManualClock> clock_;
    SessionManager sessions_;
    std::string org_a_, org_b_, user_;
};

std::string* LoginTest::password_hash_ = nullptr;

TEST_F(LoginTest, SuccessOpensASessionInTheFirstOrganizationAndAudits) {
    auto outcome = Login(db_.db(), sessions_, Input("  ada@EXAMPLE.com ", kPassword));
    ASSERT_TRUE(outcome.ok()) << ErrorCodeName(outcome.error().code) << " " << outcome.error().detail;
    EXPECT_EQ(outcome->user.id, user_);
    EXPECT_EQ(outcome->user.password_hash, "") << "the hash never leaves Login";
    EXPECT_EQ(outcome->user.last_login_at, clock_->Now());
    EXPECT_EQ(outcome->membership.org_id, org_a_);
    EXPECT_EQ(outcome->membership.role, Role::kAnalyst);
    ASSERT_EQ(outcome->memberships.size(), 2u);
    EXPECT_EQ(outcome->session.record.reauthenticated_at, clock_->Now()) << "a login counts as recent authentication";

    auto resolved = sessions_.Resolve(db_.db(), outcome->session.cookie_value);
    ASSERT_TRUE(resolved.ok());
    EXPECT_EQ(resolved->session.org_id, org_a_);
    EXPECT_EQ(resolved->session.ip, "192.0.2.10");

    auto entries = AuditOf(org_a_);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].event.action, "auth.login.succeeded");
    EXPECT_EQ(entries[0].event.actor.type, audit::ActorType::kUser);
    EXPECT_EQ(entries[0].event.actor.id, user_);
    EXPECT_EQ(entries[0].event.ip, "192.0.2.10");
    EXPECT_EQ(entries[0].event.details, (boost::json::object{{"session_id", outcome->session.record.id}}));
    EXPECT_TRUE(AuditOf(org_b_).empty()) << "the success is audited where the session works";

    auto tx = db_.Read();
    auto user = FindUserById(*tx, user_);
    ASSERT_TRUE(user.ok() && user->has_value());
    EXPECT_EQ((*user)->last_login_at, clock_->Now());
}

TEST_F(LoginTest, WrongPasswordIsInvalidCredentialsAuditedInEveryOrganization) {
    auto outcome = Login(db_.db(), sessions_, Input("ada@example.com", kPassword + "!"));
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::kInvalidCredentials);
    for (const auto& org : {org_a_, org_b_}) {
        auto entries = AuditOf(org);
        ASSERT_EQ(entries.size(), 1u) << org;
        EXPECT_EQ(entries[0].event.action, "auth.login.failed");
        EXPECT_EQ(entries[0].event.target, "user:" + user_);
        EXPECT_EQ(entries[0].event.details, (boost::json::object{{"reason", "wrong_password"}}));
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM sessions"), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM users WHERE last_login_at IS NOT NULL"), 0);
}

TEST_F(LoginTest, UnknownEmailLooksLikeAWrongPasswordAndIsNotAudited) {
    auto wrong = Login(db_.db(), sessions_, Input("ada@example.com", "definitely wrong password"));
    auto unknown = Login(db_.db(), sessions_, Input("nobody@example.com", kPassword));
    ASSERT_FALSE(wrong.ok());
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidCredentials);
    EXPECT_EQ(unknown.error().detail, wrong.error().detail) << "the answers must not tell the two apart";
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), 2) << "only the wrong password (one per org) is audited";
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE target LIKE '%nobody%'"), 0);
}

TEST_F(LoginTest, PreviousCookieIsRevokedAtLogin) {
    auto first = Login(db_.db(), sessions_, Input("ada@example.com", kPassword));
    ASSERT_TRUE(first.ok());
    LoginInput again = Input("ada@example.com", kPassword);
    again.previous_cookie = first->session.cookie_value;
    auto second = Login(db_.db(), sessions_, again);
    ASSERT_TRUE(second.ok());
    EXPECT_NE(second->session.cookie_value, first->session.cookie_value);
    EXPECT_FALSE(sessions_.Resolve(db_.db(), first->session.cookie_value).ok()) << "no session fixation";
    EXPECT_TRUE(sessions_.Resolve(db_.db(), second->session.cookie_value).ok());
    EXPECT_EQ(Count("SELECT COUNT(*) FROM sessions WHERE revoked_reason = 'replaced_by_login'"), 1);
}

// An account that belongs to no organization cannot sign in, and the answer is the same as for a
// wrong password, so it never confirms that the password was right.
TEST_F(LoginTest, AccountWithoutOrganizationCannotSignIn) {
    {
        auto tx = db_.Write();
        ASSERT_TRUE(CreateUser(*tx, "loner@example.com", "Loner", *password_hash_, clock_->Now()).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    auto outcome = Login(db_.db(), sessions_, Input("loner@example.com", kPassword));
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::kInvalidCredentials);
    auto wrong = Login(db_.db(), sessions_, Input("loner@example.com", "not the password at all"));
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(outcome.error().detail, wrong.error().detail);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM sessions"), 0);
}

TEST_F(LoginTest, ReauthenticateOkAndWrong) {
    // Open a session without a login's bcrypt cost.
    ResolvedSession session;
    {
        auto tx = db_.Write();
        auto issued = sessions_.Create(*tx, user_, org_b_, "192.0.2.10", "ua", std::nullopt, {});
        ASSERT_TRUE(issued.ok());
        ASSERT_TRUE(tx->Commit().ok());
        auto resolved = sessions_.Resolve(db_.db(), issued->cookie_value);
        ASSERT_TRUE(resolved.ok());
        session = *resolved;
    }
    EXPECT_FALSE(sessions_.RecentlyAuthenticated(session.session));

    auto wrong =
        Reauthenticate(db_.db(), sessions_, nullptr, session, "not the password", std::nullopt, "192.0.2.11", "ua2");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidCredentials);
    auto entries = AuditOf(org_b_);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].event.action, "auth.reauthentication.failed");
    EXPECT_EQ(entries[0].event.ip, "192.0.2.11");

    clock_->Advance(kMicrosPerMinute);
    ASSERT_TRUE(
        Reauthenticate(db_.db(), sessions_, nullptr, session, kPassword, std::nullopt, "192.0.2.11", "ua2").ok());
    auto tx = db_.Read();
    auto row =
        tx->QueryOne("SELECT reauthenticated_at FROM sessions WHERE id = $1", {storage::Text(session.session.id)});
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ((*row)->GetOptInt(0), clock_->Now());
    entries = AuditOf(org_b_);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].event.action, "auth.reauthenticated");
    EXPECT_EQ(entries[0].event.actor.id, user_);
}

// ---------------------------------------------------------------------------------------------
// With MFA: the password step, the second step, the enrolment rules.

class MfaLoginTest : public LoginTest {
  protected:
    MfaLoginTest() : keyring_({std::string(32, 'k')}) {}

    // Enrols the user at the clock's time; returns the raw secret.
    std::string Enrol() {
        auto user = [&] {
            auto tx = db_.Read();
            return *FindUserById(*tx, user_).value();
        }();
        auto tx = db_.Write();
        auto enrolment = BeginTotpEnrolment(*tx, keyring_, user, clock_->Now());
        EXPECT_TRUE(enrolment.ok());
        auto secret = Base32Decode(enrolment->secret);
        EXPECT_TRUE(secret.ok());
        EXPECT_TRUE(ConfirmTotpEnrolment(*tx, keyring_, user_, CodeAt(*secret, 0), clock_->Now()).ok());
        EXPECT_TRUE(tx->Commit().ok());
        return *secret;
    }
    // The code `steps` steps from the clock's.
    std::string CodeAt(const std::string& secret, int steps) {
        return HotpCode(secret, static_cast<std::uint64_t>(TotpStepAt(clock_->Now()) + steps));
    }
    MfaChallenge Challenge(const std::string& token, const std::string& ip = "192.0.2.10") {
        auto tx = db_.Read();
        auto challenge = FindMfaChallenge(*tx, token, ip, clock_->Now());
        EXPECT_TRUE(challenge.ok());
        return challenge.ok() ? *challenge : MfaChallenge{};
    }

    crypto::Keyring keyring_;
};

TEST_F(MfaLoginTest, ThePasswordStepOpensAChallengeBoundToTheAddressNotASession) {
    Enrol();
    auto outcome = Login(db_.db(), sessions_, Input("ada@example.com", kPassword));
    ASSERT_TRUE(outcome.ok());
    EXPECT_FALSE(outcome->mfa_token.empty());
    EXPECT_TRUE(outcome->session.cookie_value.empty());
    EXPECT_EQ(Count("SELECT COUNT(*) FROM sessions"), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM mfa_challenges WHERE token_hash = '" + outcome->mfa_token + "'"), 0)
        << "stored hashed";
    auto tx = db_.Read();
    auto elsewhere = FindMfaChallenge(*tx, outcome->mfa_token, "192.0.2.99", clock_->Now());
    ASSERT_FALSE(elsewhere.ok());
    EXPECT_EQ(elsewhere.error().code, ErrorCode::kInvalidToken);
    auto late = FindMfaChallenge(*tx, outcome->mfa_token, "192.0.2.10", clock_->Now() + kMfaChallengeLifetime);
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().code, ErrorCode::kInvalidToken);
    EXPECT_TRUE(FindMfaChallenge(*tx, outcome->mfa_token, "192.0.2.10", clock_->Now()).ok());
}

TEST_F(MfaLoginTest, TheSecondStepOpensTheSessionOnceAndAuditsTheFactor) {
    const std::string secret = Enrol();
    clock_->Advance(kTotpStepSeconds * kMicrosPerSecond);
    auto first = Login(db_.db(), sessions_, Input("ada@example.com", kPassword));
    ASSERT_TRUE(first.ok());
    const MfaChallenge challenge = Challenge(first->mfa_token);
    LoginInput input = Input("", "");

    // A wrong code: refused, audited in both organizations, the challenge still usable.
    auto wrong = CompleteMfaSignIn(db_.db(), sessions_, keyring_, challenge,
                                   {SecondFactor::Kind::kTotp, CodeAt(secret, 2)}, input);
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidMfaCode);
    EXPECT_EQ(AuditOf(org_a_)[0].event.action, "auth.mfa.failed");
    EXPECT_EQ(AuditOf(org_b_)[0].event.action, "auth.mfa.failed");

    auto ok = CompleteMfaSignIn(db_.db(), sessions_, keyring_, challenge,
                                {SecondFactor::Kind::kTotp, CodeAt(secret, 0)}, input);
    ASSERT_TRUE(ok.ok());
    EXPECT_FALSE(ok->session.cookie_value.empty());
    auto entries = AuditOf(org_a_);
    EXPECT_EQ(entries[0].event.action, "auth.login.succeeded");
    EXPECT_EQ(entries[0].event.details.at("mfa").as_string(), "totp");

    // The challenge is spent; a new one refuses the step already used.
    auto again = CompleteMfaSignIn(db_.db(), sessions_, keyring_, challenge,
                                   {SecondFactor::Kind::kTotp, CodeAt(secret, 1)}, input);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kInvalidToken);
    auto second = Login(db_.db(), sessions_, Input("ada@example.com", kPassword));
    ASSERT_TRUE(second.ok());
    auto replay = CompleteMfaSignIn(db_.db(), sessions_, keyring_, Challenge(second->mfa_token),
                                    {SecondFactor::Kind::kTotp, CodeAt(secret, 0)}, input);
    ASSERT_FALSE(replay.ok());
    EXPECT_EQ(replay.error().code, ErrorCode::kInvalidMfaCode);
}

TEST_F(MfaLoginTest, TheEnrolmentCodeIsSpentAndAPendingEnrolmentExpires) {
    const std::string secret = Enrol();
    {
        auto tx = db_.Write();
        auto replay = VerifyTotp(*tx, keyring_, user_, CodeAt(secret, 0), clock_->Now());
        ASSERT_FALSE(replay.ok()) << "the enrolment code cannot be used again";
        EXPECT_EQ(replay.error().code, ErrorCode::kInvalidMfaCode);
        EXPECT_TRUE(VerifyTotp(*tx, keyring_, user_, CodeAt(secret, 1), clock_->Now()).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    // A new enrolment left waiting for more than 15 minutes is gone.
    auto tx = db_.Write();
    auto user = *FindUserById(*tx, user_).value();
    auto enrolment = BeginTotpEnrolment(*tx, keyring_, user, clock_->Now());
    ASSERT_TRUE(enrolment.ok());
    auto pending = *Base32Decode(enrolment->secret);
    clock_->Advance(kMfaPendingLifetime + kMicrosPerSecond);
    auto expired = ConfirmTotpEnrolment(*tx, keyring_, user_, CodeAt(pending, 0), clock_->Now());
    ASSERT_FALSE(expired.ok());
    EXPECT_EQ(expired.error().code, ErrorCode::kValidationFailed);
    ASSERT_EQ(expired.error().fields.size(), 1u);
    EXPECT_EQ(expired.error().fields[0].field, "code");
}

TEST_F(MfaLoginTest, ABackupCodeSignsInOnce) {
    Enrol();
    BackupCodeSet set = NewBackupCodes();
    ASSERT_EQ(set.codes.size(), 10u);
    {
        auto tx = db_.Write();
        ASSERT_TRUE(StoreBackupCodes(*tx, user_, set, clock_->Now()).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    for (const auto& hash : set.hashes)
        for (const auto& code : set.codes) EXPECT_EQ(hash.find(code), std::string::npos) << "stored hashed";
    auto first = Login(db_.db(), sessions_, Input("ada@example.com", kPassword));
    ASSERT_TRUE(first.ok());
    auto ok = CompleteMfaSignIn(db_.db(), sessions_, keyring_, Challenge(first->mfa_token),
                                {SecondFactor::Kind::kBackupCode, set.codes[4]}, Input("", ""));
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(AuditOf(org_a_)[0].event.details.at("mfa").as_string(), "backup_code");
    auto second = Login(db_.db(), sessions_, Input("ada@example.com", kPassword));
    ASSERT_TRUE(second.ok());
    auto again = CompleteMfaSignIn(db_.db(), sessions_, keyring_, Challenge(second->mfa_token),
                                   {SecondFactor::Kind::kBackupCode, set.codes[4]}, Input("", ""));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kInvalidMfaCode);
    auto tx = db_.Read();
    EXPECT_EQ(*UnusedBackupCodes(*tx, user_), 9);
}

TEST_F(MfaLoginTest, ReauthenticationAsksForTheCode) {
    const std::string secret = Enrol();
    ResolvedSession session;
    {
        auto tx = db_.Write();
        auto issued = sessions_.Create(*tx, user_, org_b_, "192.0.2.10", "ua", std::nullopt, SessionPolicy{});
        ASSERT_TRUE(issued.ok());
        ASSERT_TRUE(tx->Commit().ok());
        session = *sessions_.Resolve(db_.db(), issued->cookie_value);
    }
    auto missing = Reauthenticate(db_.db(), sessions_, &keyring_, session, kPassword, std::nullopt, "ip", "ua");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kValidationFailed);
    auto wrong = Reauthenticate(db_.db(), sessions_, &keyring_, session, kPassword, CodeAt(secret, 3), "ip", "ua");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidMfaCode);
    EXPECT_TRUE(Reauthenticate(db_.db(), sessions_, &keyring_, session, kPassword, CodeAt(secret, 1), "ip", "ua").ok());
}

}  // namespace
}  // namespace wt::auth
