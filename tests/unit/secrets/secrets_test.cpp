// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "../common/test_support.hpp"
#include "crypto/crypto.hpp"
#include "crypto/seal.hpp"
#include "secrets/rotate.hpp"
#include "secrets/sealed_columns.hpp"
#include "secrets/server_secrets.hpp"

namespace wt::secrets {
namespace {

const std::string kOldKey(32, 'o');
const std::string kNewKey(32, 'n');

class SecretsTest : public ::testing::Test {
  protected:
    // A user with an active and a pending TOTP secret, one outbox message, the SMTP password and a
    // webhook channel's signing secret, all sealed under `ring` with the contexts of sealed_columns.hpp.
    void SealOneOfEach(const crypto::Keyring& ring) {
        db_.ExecNow(
            "INSERT INTO users (id, email, email_normalized, name, password_hash, created_at, totp_secret_sealed, "
            "totp_pending_sealed) VALUES ('usr_1', 'a@x.test', 'a@x.test', 'A', 'h', 1, $1, $2)",
            {storage::Text(ring.Seal("active-secret", SealContext("users", "totp_secret_sealed", "usr_1"))),
             storage::Text(ring.Seal("pending-secret", SealContext("users", "totp_pending_sealed", "usr_1")))});
        db_.ExecNow(
            "INSERT INTO users (id, email, email_normalized, name, password_hash, created_at) "
            "VALUES ('usr_2', 'b@x.test', 'b@x.test', 'B', 'h', 1)");
        db_.ExecNow(
            "INSERT INTO mail_outbox (id, kind, recipient, message_sealed, created_at, next_attempt_at) "
            "VALUES ('mail_1', 'invitation', 'b@x.test', $1, 1, 1)",
            {storage::Text(ring.Seal("Subject: hi", SealContext("mail_outbox", "message_sealed", "mail_1")))});
        auto tx = db_.Write();
        ASSERT_TRUE(SetServerSecret(*tx, ring, kSmtpPassword, "hunter2", 5).ok());
        ASSERT_TRUE(tx->Commit().ok());
        db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ('org_1', 'O', '{}', 1)");
        db_.ExecNow(
            "INSERT INTO notification_channels (id, org_id, type, name, url, secret_sealed, events, min_severity, "
            "created_at, created_by, updated_at) VALUES ('nch_1', 'org_1', 'webhook', 'W', 'https://h.example/', $1, "
            "'[]', 'low', 1, 'usr_1', 1)",
            {storage::Text(ring.Seal("whsec_x", SealContext("notification_channels", "secret_sealed", "nch_1")))});
    }

    std::string Column(std::string_view sql) {
        auto tx = db_.Read();
        auto row = tx->QueryOne(sql);
        EXPECT_TRUE(row.ok() && row->has_value()) << sql;
        return row.ok() && row->has_value() ? (*row)->GetText(0) : std::string();
    }

    wt::testing::TestDb db_;
};

TEST(SealedColumnsTest, ContextConvention) {
    EXPECT_EQ(SealContext("users", "totp_secret_sealed", "usr_1"), "users.totp_secret_sealed:usr_1");
    EXPECT_EQ(SealContext(kSealedColumns[3], "smtp_password"), "server_secrets.value_sealed:smtp_password");
}

TEST_F(SecretsTest, ServerSecretRoundTripAndReplace) {
    const crypto::Keyring ring({kOldKey});
    {
        auto tx = db_.Read();
        auto missing = GetServerSecret(*tx, ring, kSmtpPassword);
        ASSERT_TRUE(missing.ok());
        EXPECT_FALSE(missing->has_value());
    }
    {
        auto tx = db_.Write();
        ASSERT_TRUE(SetServerSecret(*tx, ring, kSmtpPassword, "first", 1).ok());
        ASSERT_TRUE(SetServerSecret(*tx, ring, kSmtpPassword, "second", 2).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    auto tx = db_.Read();
    auto value = GetServerSecret(*tx, ring, kSmtpPassword);
    ASSERT_TRUE(value.ok()) << value.error().detail;
    ASSERT_TRUE(value->has_value());
    EXPECT_EQ(**value, "second");
    // Stored sealed: the plaintext is not in the row.
    const std::string stored = Column("SELECT value_sealed FROM server_secrets WHERE name = 'smtp_password'");
    EXPECT_EQ(stored.find("second"), std::string::npos);
    EXPECT_EQ(crypto::Keyring::EnvelopeKeyId(stored), ring.current_id());
    EXPECT_EQ(Column("SELECT CAST(updated_at AS TEXT) FROM server_secrets"), "2");
}

TEST_F(SecretsTest, ServerSecretSealedForAnotherNameDoesNotOpen) {
    const crypto::Keyring ring({kOldKey});
    db_.ExecNow("INSERT INTO server_secrets (name, value_sealed, updated_at) VALUES ('smtp_password', $1, 1)",
                {storage::Text(ring.Seal("x", SealContext("server_secrets", "value_sealed", "other")))});
    auto tx = db_.Read();
    auto value = GetServerSecret(*tx, ring, kSmtpPassword);
    ASSERT_FALSE(value.ok());
    EXPECT_EQ(value.error().detail, "sealed value failed authentication");
}

TEST_F(SecretsTest, KnownNames) {
    EXPECT_TRUE(IsKnownServerSecret("smtp_password"));
    EXPECT_FALSE(IsKnownServerSecret("SMTP_PASSWORD"));
    EXPECT_FALSE(IsKnownServerSecret(""));
}

TEST_F(SecretsTest, RotationResealsEveryColumnUnderTheNewKey) {
    const crypto::Keyring old_ring({kOldKey});
    ASSERT_NO_FATAL_FAILURE(SealOneOfEach(old_ring));
    const crypto::Keyring new_ring({kNewKey});

    auto report = ResealAll(db_.db(), old_ring, new_ring);
    ASSERT_TRUE(report.ok()) << report.error().detail;
    EXPECT_EQ(report->old_key_id, old_ring.current_id());
    EXPECT_EQ(report->new_key_id, new_ring.current_id());
    ASSERT_EQ(report->resealed.size(), std::size(kSealedColumns));
    for (const ColumnCount& column : report->resealed) EXPECT_EQ(column.count, 1) << column.table << column.column;

    // Everything opens under the new key alone, and nothing under the old one.
    auto inventory = Inventory(db_.db(), new_ring);
    ASSERT_TRUE(inventory.ok());
    for (const ColumnInventory& column : *inventory) {
        EXPECT_TRUE(column.failures.empty()) << column.failures.front();
        ASSERT_EQ(column.count_by_key_id.size(), 1u) << column.table << "." << column.column;
        EXPECT_EQ(column.count_by_key_id.begin()->first, new_ring.current_id());
        EXPECT_EQ(column.count_by_key_id.begin()->second, 1);
    }
    auto tx = db_.Read();
    auto smtp = GetServerSecret(*tx, new_ring, kSmtpPassword);
    ASSERT_TRUE(smtp.ok() && smtp->has_value());
    EXPECT_EQ(**smtp, "hunter2");
    EXPECT_FALSE(GetServerSecret(*tx, old_ring, kSmtpPassword).ok());
    auto active = new_ring.Open(Column("SELECT totp_secret_sealed FROM users WHERE id = 'usr_1'"),
                                "users.totp_secret_sealed:usr_1");
    ASSERT_TRUE(active.ok());
    EXPECT_EQ(*active, "active-secret");
    auto pending = new_ring.Open(Column("SELECT totp_pending_sealed FROM users WHERE id = 'usr_1'"),
                                 "users.totp_pending_sealed:usr_1");
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(*pending, "pending-secret");
    auto message = new_ring.Open(Column("SELECT message_sealed FROM mail_outbox WHERE id = 'mail_1'"),
                                 "mail_outbox.message_sealed:mail_1");
    ASSERT_TRUE(message.ok());
    EXPECT_EQ(*message, "Subject: hi");
}

TEST_F(SecretsTest, RotationOpensWithEveryKeyOfTheOldRing) {
    // Values under two different keys (a rotation that was interrupted earlier) both move.
    ASSERT_NO_FATAL_FAILURE(SealOneOfEach(crypto::Keyring({kOldKey})));
    const std::string middle_key(32, 'm');
    db_.ExecNow(
        "UPDATE server_secrets SET value_sealed = $1",
        {storage::Text(crypto::Keyring({middle_key}).Seal("hunter2", "server_secrets.value_sealed:smtp_password"))});
    const crypto::Keyring new_ring({kNewKey});
    auto report = ResealAll(db_.db(), crypto::Keyring({middle_key, kOldKey}), new_ring);
    ASSERT_TRUE(report.ok()) << report.error().detail;
    auto tx = db_.Read();
    auto smtp = GetServerSecret(*tx, new_ring, kSmtpPassword);
    ASSERT_TRUE(smtp.ok() && smtp->has_value());
    EXPECT_EQ(**smtp, "hunter2");
}

TEST_F(SecretsTest, TamperedValueAbortsTheWholeRotation) {
    const crypto::Keyring old_ring({kOldKey});
    ASSERT_NO_FATAL_FAILURE(SealOneOfEach(old_ring));
    // Swap the pending secret into the active column: authentic ciphertext, wrong place.
    db_.ExecNow("UPDATE users SET totp_secret_sealed = totp_pending_sealed WHERE id = 'usr_1'");
    const std::string smtp_before = Column("SELECT value_sealed FROM server_secrets");
    const std::string mail_before = Column("SELECT message_sealed FROM mail_outbox");

    auto report = ResealAll(db_.db(), old_ring, crypto::Keyring({kNewKey}));
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().detail, "users.totp_secret_sealed of row usr_1: sealed value failed authentication");
    // Nothing changed, including columns that come after the failing one.
    EXPECT_EQ(Column("SELECT value_sealed FROM server_secrets"), smtp_before);
    EXPECT_EQ(Column("SELECT message_sealed FROM mail_outbox"), mail_before);
}

TEST_F(SecretsTest, ValueUnderAnUnknownKeyAbortsTheRotationNamingTheRow) {
    const crypto::Keyring old_ring({kOldKey});
    ASSERT_NO_FATAL_FAILURE(SealOneOfEach(old_ring));
    const std::string stray_key(32, 's');
    db_.ExecNow("UPDATE mail_outbox SET message_sealed = $1",
                {storage::Text(crypto::Keyring({stray_key}).Seal("m", "mail_outbox.message_sealed:mail_1"))});
    auto report = ResealAll(db_.db(), old_ring, crypto::Keyring({kNewKey}));
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().detail, "mail_outbox.message_sealed of row mail_1: sealed with an unknown key " +
                                         crypto::Keyring::KeyId(stray_key));
    EXPECT_EQ(crypto::Keyring::EnvelopeKeyId(Column("SELECT value_sealed FROM server_secrets")), old_ring.current_id());
}

TEST_F(SecretsTest, InventoryCountsByKeyIdAndNamesWhatDoesNotOpen) {
    const crypto::Keyring ring({kOldKey});
    ASSERT_NO_FATAL_FAILURE(SealOneOfEach(ring));
    db_.ExecNow("UPDATE users SET totp_pending_sealed = 'garbage' WHERE id = 'usr_1'");
    auto inventory = Inventory(db_.db(), ring);
    ASSERT_TRUE(inventory.ok());
    ASSERT_EQ(inventory->size(), std::size(kSealedColumns));
    EXPECT_EQ((*inventory)[0].count_by_key_id.at(crypto::Keyring::KeyId(kOldKey)), 1);
    EXPECT_TRUE((*inventory)[0].failures.empty());
    EXPECT_EQ((*inventory)[1].column, "totp_pending_sealed");
    EXPECT_EQ((*inventory)[1].count_by_key_id.at("malformed"), 1);
    EXPECT_EQ((*inventory)[1].failures,
              std::vector<std::string>{"users.totp_pending_sealed of row usr_1: sealed value is malformed"});
    // Under a ring without the key, every value is a failure naming its row.
    auto foreign = Inventory(db_.db(), crypto::Keyring({kNewKey}));
    ASSERT_TRUE(foreign.ok());
    EXPECT_EQ((*foreign)[3].failures, std::vector<std::string>{"server_secrets.value_sealed of row smtp_password: "
                                                               "sealed with an unknown key " +
                                                               crypto::Keyring::KeyId(kOldKey)});
}

TEST_F(SecretsTest, RotationOfAnEmptyDatabaseCountsZero) {
    auto report = ResealAll(db_.db(), crypto::Keyring({kOldKey}), crypto::Keyring({kNewKey}));
    ASSERT_TRUE(report.ok());
    for (const ColumnCount& column : report->resealed) EXPECT_EQ(column.count, 0);
}

}  // namespace
}  // namespace wt::secrets
