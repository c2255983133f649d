// SPDX-License-Identifier: Apache-2.0
#include "auth/accounts.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../common/test_support.hpp"
#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

constexpr UnixMicros kT0 = 1'795'428'000 * kMicrosPerSecond;

TEST(NormalizeEmailTest, TrimsAndLowerCases) {
    EXPECT_EQ(NormalizeEmail("Ada@Example.COM"), "ada@example.com");
    EXPECT_EQ(NormalizeEmail("  ada@example.com\t"), "ada@example.com");
    EXPECT_EQ(NormalizeEmail("\t ADA@X.IO  "), "ada@x.io");
    EXPECT_EQ(NormalizeEmail(""), "");
    // Only ASCII letters are folded; other bytes are kept as they are.
    EXPECT_EQ(NormalizeEmail("\xC3\x89MILE@X.IO"), "\xC3\x89mile@x.io");
}

TEST(ValidateEmailTest, AcceptsPlausibleAddresses) {
    for (const std::string& email : std::vector<std::string>{"a@b.co", "ada@example.com", "first.last+tag@sub.example.org",
                                                              "x_y-z@a-b.c.de",
                                                              std::string(64, 'l') + "@" + std::string(185, 'd') + ".com"}) {
        auto status = ValidateEmail(email);
        EXPECT_TRUE(status.ok()) << email << ": " << (status.ok() ? "" : status.error().fields.at(0).message);
    }
    EXPECT_EQ((std::string(64, 'l') + "@" + std::string(185, 'd') + ".com").size(), 254u);
}

TEST(ValidateEmailTest, RefusesImplausibleAddresses) {
    const std::string too_long = std::string(64, 'l') + "@" + std::string(186, 'd') + ".com";  // 255
    for (std::string email : {std::string(""), std::string("plain"), std::string("@example.com"), std::string("ada@"),
                              std::string("ada@example"), std::string("ada@.com"), std::string("ada@example.com."),
                              std::string("ada@@example.com"), std::string("ada@b@example.com"),
                              std::string("a da@example.com"), std::string("ada@exa mple.com"),
                              std::string("ada\n@example.com"), std::string("ada@example.com\r"),
                              std::string("ada\x7F@example.com"), std::string("ada\0@example.com", 16),
                              std::string(" ada@example.com"), std::string("ada@b."), too_long}) {
        auto status = ValidateEmail(email);
        ASSERT_FALSE(status.ok()) << "'" << email << "'";
        EXPECT_EQ(status.error().code, ErrorCode::kValidationFailed);
        ASSERT_EQ(status.error().fields.size(), 1u);
        EXPECT_EQ(status.error().fields[0].field, "email");
    }
}

TEST(ValidateEmailTest, NamesTheGivenField) {
    auto status = ValidateEmail("nope", "invitation.email");
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().fields.at(0).field, "invitation.email");
}

class AccountsTest : public ::testing::Test {
protected:
    void SetUp() override {
        org_a_ = AddOrg("Acme");
        org_b_ = AddOrg("Beta Bank");
    }
    std::string AddOrg(const std::string& name) {
        std::string id = crypto::NewId("org");
        db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, $2, '{}', $3)",
                    {storage::Text(id), storage::Text(name), storage::Int(kT0)});
        return id;
    }
    User Create(const std::string& email, UnixMicros at = kT0) {
        auto tx = db_.Write();
        auto user = CreateUser(*tx, email, "Ada", "hash-of-" + email, at);
        EXPECT_TRUE(user.ok());
        EXPECT_TRUE(tx->Commit().ok());
        return user.ok() ? *user : User{};
    }

    testing::TestDb db_;
    std::string org_a_;
    std::string org_b_;
};

TEST_F(AccountsTest, CreateAndFindUser) {
    User created = Create("Ada@Example.com");
    EXPECT_EQ(created.id.rfind("usr", 0), 0u) << created.id;
    EXPECT_EQ(created.email, "Ada@Example.com") << "the address is kept as typed";
    EXPECT_FALSE(created.mfa_enabled);
    EXPECT_EQ(created.created_at, kT0);
    EXPECT_FALSE(created.last_login_at.has_value());

    auto tx = db_.Read();
    auto by_email = FindUserByEmail(*tx, "  ADA@example.COM ");
    ASSERT_TRUE(by_email.ok());
    ASSERT_TRUE(by_email->has_value());
    EXPECT_EQ((*by_email)->id, created.id);
    EXPECT_EQ((*by_email)->password_hash, "hash-of-Ada@Example.com");
    auto by_id = FindUserById(*tx, created.id);
    ASSERT_TRUE(by_id.ok());
    ASSERT_TRUE(by_id->has_value());
    EXPECT_EQ((*by_id)->email, "Ada@Example.com");
    auto missing = FindUserByEmail(*tx, "nobody@example.com");
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
    auto missing_id = FindUserById(*tx, "usr_missing");
    ASSERT_TRUE(missing_id.ok());
    EXPECT_FALSE(missing_id->has_value());
}

TEST_F(AccountsTest, DuplicateEmailIsAConflictWhateverItsCase) {
    Create("ada@example.com");
    for (const char* again : {"ada@example.com", "ADA@EXAMPLE.COM", " Ada@Example.com "}) {
        auto tx = db_.Write();
        auto duplicate = CreateUser(*tx, again, "Other", "h", kT0);
        ASSERT_FALSE(duplicate.ok()) << again;
        EXPECT_EQ(duplicate.error().code, ErrorCode::kConflict) << again;
    }
    auto tx = db_.Read();
    auto count = tx->QueryOne("SELECT COUNT(*) FROM users");
    ASSERT_TRUE(count.ok());
    EXPECT_EQ((*count)->GetInt(0), 1);
}

TEST_F(AccountsTest, PasswordHashAndLastLogin) {
    User user = Create("ada@example.com");
    {
        auto tx = db_.Write();
        ASSERT_TRUE(SetPasswordHash(*tx, user.id, "new-hash").ok());
        ASSERT_TRUE(RecordLogin(*tx, user.id, kT0 + 5).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    auto tx = db_.Read();
    auto found = FindUserById(*tx, user.id);
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ((*found)->password_hash, "new-hash");
    EXPECT_EQ((*found)->last_login_at, kT0 + 5);
}

TEST_F(AccountsTest, Memberships) {
    User user = Create("ada@example.com");
    User other = Create("bob@example.com");
    {
        auto tx = db_.Write();
        ASSERT_TRUE(AddMembership(*tx, org_b_, user.id, Role::kAnalyst, kT0 + 2).ok());
        ASSERT_TRUE(AddMembership(*tx, org_a_, user.id, Role::kAdmin, kT0 + 1).ok());
        ASSERT_TRUE(AddMembership(*tx, org_a_, other.id, Role::kViewer, kT0 + 3).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    {
        auto tx = db_.Write();
        auto again = AddMembership(*tx, org_a_, user.id, Role::kViewer, kT0 + 4);
        ASSERT_FALSE(again.ok());
        EXPECT_EQ(again.error().code, ErrorCode::kConflict);
    }
    auto tx = db_.Read();
    auto memberships = ListMemberships(*tx, user.id);
    ASSERT_TRUE(memberships.ok());
    ASSERT_EQ(memberships->size(), 2u);
    EXPECT_EQ((*memberships)[0].org_id, org_a_) << "oldest first";
    EXPECT_EQ((*memberships)[0].org_name, "Acme");
    EXPECT_EQ((*memberships)[0].role, Role::kAdmin);
    EXPECT_EQ((*memberships)[0].created_at, kT0 + 1);
    EXPECT_EQ((*memberships)[1].org_id, org_b_);
    EXPECT_EQ((*memberships)[1].org_name, "Beta Bank");
    EXPECT_EQ((*memberships)[1].role, Role::kAnalyst);

    auto role_a = FindRole(*tx, org_a_, user.id);
    ASSERT_TRUE(role_a.ok());
    EXPECT_EQ(*role_a, Role::kAdmin);
    auto role_other_b = FindRole(*tx, org_b_, other.id);
    ASSERT_TRUE(role_other_b.ok());
    EXPECT_EQ(*role_other_b, std::nullopt) << "bob is not a member of Beta Bank";

    auto none = ListMemberships(*tx, "usr_missing");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace wt::auth
