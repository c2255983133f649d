// SPDX-License-Identifier: Apache-2.0
// Invitations and password-reset tokens against a real SQLite database: what is stored, the
// lifetimes, purpose binding, the atomic claim. Accepting for a new account hashes one password
// (~0.25 s); the existing account's hash is made once for the suite.
#include "auth/invitations.hpp"

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "../common/test_support.hpp"
#include "audit/audit_log.hpp"
#include "auth/password.hpp"
#include "auth/password_reset.hpp"
#include "auth/sessions.hpp"
#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

using testing::ManualClock;

const std::string kPassword = "a long and unusual passphrase";

// The accounts' hash, made once for the whole suite.
const std::string& PasswordHash() {
    static const std::string hash = HashPassword(kPassword).value();
    return hash;
}

class TokenTest : public ::testing::Test {
  protected:
    TokenTest() : clock_(std::make_shared<ManualClock>()), sessions_(std::string(32, 's'), clock_) {}

    void SetUp() override {
        org_ = AddOrg("Acme");
        other_org_ = AddOrg("Beta");
        admin_ = AddUser("admin@acme.test", org_, Role::kAdmin);
        other_admin_ = AddUser("admin@beta.test", other_org_, Role::kAdmin);
    }

    std::string AddOrg(const std::string& name) {
        std::string id = crypto::NewId("org");
        db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, $2, '{}', 0)",
                    {storage::Text(id), storage::Text(name)});
        return id;
    }
    std::string AddUser(const std::string& email, const std::string& org, Role role) {
        auto tx = db_.Write();
        auto user = CreateUser(*tx, email, "Someone", PasswordHash(), clock_->Now());
        EXPECT_TRUE(user.ok());
        EXPECT_TRUE(AddMembership(*tx, org, user->id, role, clock_->Now()).ok());
        EXPECT_TRUE(tx->Commit().ok());
        return user->id;
    }
    IssuedInvitation Invite(const std::string& email, Role role) {
        auto tx = db_.Write();
        auto issued = CreateInvitation(*tx, org_, email, role, {admin_, "192.0.2.1", "unit"}, clock_->Now());
        EXPECT_TRUE(issued.ok()) << (issued.ok() ? "" : issued.error().detail);
        EXPECT_TRUE(tx->Commit().ok());
        return *issued;
    }
    Result<InvitationView> Find(const std::string& token) {
        auto tx = db_.Read();
        return FindInvitationByToken(*tx, token, clock_->Now());
    }
    Result<AcceptedInvitation> Accept(const std::string& token, const std::string& name, const std::string& password) {
        return AcceptInvitation(db_.db(), {token, name, password, "192.0.2.2", "unit"}, clock_->Now());
    }
    std::optional<IssuedReset> RequestReset(const std::string& email) {
        auto tx = db_.Write();
        auto issued = RequestPasswordReset(*tx, email, {"192.0.2.3", "unit"}, clock_->Now());
        EXPECT_TRUE(issued.ok());
        EXPECT_TRUE(tx->Commit().ok());
        return *issued;
    }
    std::int64_t Count(const std::string& sql) {
        auto tx = db_.Read();
        auto rows = tx->Query(sql);
        EXPECT_TRUE(rows.ok());
        return (*rows)[0].GetInt(0);
    }

    testing::TestDb db_;
    std::shared_ptr<ManualClock> clock_;
    SessionManager sessions_;
    std::string org_, other_org_, admin_, other_admin_;
};

TEST_F(TokenTest, OnlyAPurposeBoundHashOfTheTokenIsStored) {
    auto invitation = Invite("new@acme.test", Role::kAnalyst);
    auto reset = RequestReset("admin@acme.test");
    ASSERT_TRUE(reset.has_value());
    EXPECT_EQ(invitation.token.size(), 43u);
    auto tx = db_.Read();
    auto stored = tx->QueryOne("SELECT token_hash FROM invitations");
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ((*stored)->GetText(0), crypto::HexEncode(crypto::Sha256("invitation:" + invitation.token)));
    auto stored_reset = tx->QueryOne("SELECT token_hash FROM password_resets");
    ASSERT_TRUE(stored_reset.ok() && stored_reset->has_value());
    EXPECT_EQ((*stored_reset)->GetText(0), crypto::HexEncode(crypto::Sha256("password_reset:" + reset->token)));
    // Neither token opens the other's table.
    EXPECT_EQ(FindUserByResetToken(*tx, invitation.token, clock_->Now()).error().code, ErrorCode::kInvalidToken);
    EXPECT_EQ(FindInvitationByToken(*tx, reset->token, clock_->Now()).error().code, ErrorCode::kInvalidToken);
}

TEST_F(TokenTest, AnInvitationExpiresAfterSeventyTwoHours) {
    auto invitation = Invite("new@acme.test", Role::kViewer);
    clock_->Advance(kInvitationLifetime - 1);
    EXPECT_TRUE(Find(invitation.token).ok());
    clock_->Advance(1);
    EXPECT_EQ(Find(invitation.token).error().code, ErrorCode::kInvalidToken);
    EXPECT_EQ(Accept(invitation.token, "New", kPassword).error().code, ErrorCode::kInvalidToken);
}

TEST_F(TokenTest, InvitingAMemberIsAConflictAndRevokingIsPerOrganization) {
    auto tx = db_.Write();
    auto member = CreateInvitation(*tx, org_, "ADMIN@acme.test", Role::kViewer, {admin_, "", ""}, clock_->Now());
    ASSERT_FALSE(member.ok());
    EXPECT_EQ(member.error().code, ErrorCode::kConflict);
    tx.reset();
    auto invitation = Invite("new@acme.test", Role::kViewer);
    {
        auto write = db_.Write();
        EXPECT_EQ(RevokeInvitation(*write, other_org_, invitation.invitation.id, {other_admin_, "", ""}, clock_->Now())
                      .error()
                      .code,
                  ErrorCode::kNotFound);
    }
    EXPECT_TRUE(Find(invitation.token).ok()) << "another organization cannot revoke it";
    auto write = db_.Write();
    EXPECT_TRUE(RevokeInvitation(*write, org_, invitation.invitation.id, {admin_, "", ""}, clock_->Now()).ok());
    EXPECT_TRUE(write->Commit().ok());
    EXPECT_EQ(Find(invitation.token).error().code, ErrorCode::kInvalidToken);
}

TEST_F(TokenTest, AnExistingAccountJoinsWithItsOwnPasswordExactlyOnceUnderParallelAccepts) {
    auto invitation = Invite("admin@beta.test", Role::kRiskLead);
    EXPECT_EQ(Accept(invitation.token, "", "wrong password, long enough").error().code, ErrorCode::kInvalidCredentials);
    std::vector<std::future<Result<AcceptedInvitation>>> accepts;
    for (int call_idx = 0; call_idx < 8; ++call_idx)
        accepts.push_back(std::async(std::launch::async, [&] { return Accept(invitation.token, "", kPassword); }));
    int accepted = 0, refused = 0;
    for (auto& f : accepts) {
        auto result = f.get();
        if (result.ok()) {
            ++accepted;
            EXPECT_FALSE(result->created_user);
            EXPECT_EQ(result->user.id, other_admin_);
        } else {
            EXPECT_EQ(result.error().code, ErrorCode::kInvalidToken);
            ++refused;
        }
    }
    EXPECT_EQ(accepted, 1);
    EXPECT_EQ(refused, 7);
    auto tx = db_.Read();
    auto role = FindRole(*tx, org_, other_admin_);
    ASSERT_TRUE(role.ok() && role->has_value());
    EXPECT_EQ(**role, Role::kRiskLead);
}

TEST_F(TokenTest, AResetIsSpentOnceAndEndsEverySession) {
    std::string user = AddUser("user@acme.test", org_, Role::kAnalyst);
    {
        auto tx = db_.Write();
        ASSERT_TRUE(sessions_.Create(*tx, user, org_, "192.0.2.9", "a", std::nullopt, {}).ok());
        ASSERT_TRUE(sessions_.Create(*tx, user, org_, "192.0.2.9", "b", std::nullopt, {}).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    EXPECT_FALSE(RequestReset("nobody@acme.test").has_value());
    EXPECT_EQ(Count("SELECT COUNT(*) FROM password_resets"), 0) << "nothing written for an unknown email";
    auto older = RequestReset("USER@acme.test");
    auto reset = RequestReset("user@acme.test");
    ASSERT_TRUE(older && reset);
    EXPECT_EQ(reset->expires_at, clock_->Now() + kPasswordResetLifetime);
    {
        auto tx = db_.Read();
        EXPECT_EQ(FindUserByResetToken(*tx, older->token, clock_->Now()).error().code, ErrorCode::kInvalidToken)
            << "a newer token revokes the older";
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto tx = db_.Write();
        Status applied = ApplyPasswordReset(*tx, reset->token, user, "$2b$12$new", {"", ""}, clock_->Now());
        if (attempt == 0) {
            ASSERT_TRUE(applied.ok());
            ASSERT_TRUE(tx->Commit().ok());
        } else {
            EXPECT_EQ(applied.error().code, ErrorCode::kInvalidToken) << "spent";
        }
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL"), 0);
    EXPECT_EQ(
        Count("SELECT COUNT(*) FROM users WHERE password_hash = '$2b$12$new' AND password_changed_at IS NOT NULL"), 1);
}

TEST_F(TokenTest, AResetTokenExpiresAfterThirtyMinutes) {
    auto reset = RequestReset("admin@acme.test");
    ASSERT_TRUE(reset.has_value());
    clock_->Advance(kPasswordResetLifetime);
    auto tx = db_.Write();
    EXPECT_EQ(ApplyPasswordReset(*tx, reset->token, admin_, "$2b$12$x", {"", ""}, clock_->Now()).error().code,
              ErrorCode::kInvalidToken);
}

}  // namespace
}  // namespace wt::auth
