// SPDX-License-Identifier: Apache-2.0
#include "app/master_key.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../common/test_support.hpp"
#include "crypto/crypto.hpp"
#include "env_guard.hpp"

namespace wt::app {
namespace {

class MasterKeyTest : public ::testing::Test {
protected:
    Config Dev() {
        Config config;
        config.data_dir = dir_.path();
        return config;
    }
    Config Prod() {
        Config config = Dev();
        config.environment = "production";
        return config;
    }
    std::string KeyPath() { return dir_.path() + "/master.key"; }

    testing::EnvGuard env_;
    wt::testing::TempDir dir_;
};

TEST_F(MasterKeyTest, GeneratesAPrivateFileOnceAndThenReadsIt) {
    auto first = LoadMasterKey(Dev());
    ASSERT_TRUE(first.ok()) << first.error().detail;
    EXPECT_TRUE(first->generated);
    EXPECT_EQ(first->bytes.size(), 32u);
    EXPECT_EQ(first->source, KeyPath());

    struct stat st {};
    ASSERT_EQ(::stat(KeyPath().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << std::oct << (st.st_mode & 0777);
    std::ifstream in(KeyPath());
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), crypto::Base64Encode(first->bytes) + "\n");

    auto second = LoadMasterKey(Dev());
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(second->generated);
    EXPECT_EQ(second->bytes, first->bytes);
    EXPECT_EQ(second->source, KeyPath());
    // No temporary files are left behind.
    int files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_.path())) ++files;
    EXPECT_EQ(files, 1);
}

TEST_F(MasterKeyTest, KeyFromTheEnvironmentWins) {
    std::string bytes = crypto::RandomBytes(32);
    env_.Set("WATCHTOWER_MASTER_KEY", crypto::Base64Encode(bytes));
    auto key = LoadMasterKey(Dev());
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->bytes, bytes);
    EXPECT_EQ(key->source, "environment");
    EXPECT_FALSE(key->generated);
    EXPECT_FALSE(std::filesystem::exists(KeyPath())) << "no file is written when the environment has the key";
}

TEST_F(MasterKeyTest, MalformedEnvironmentKeyIsRefused) {
    for (std::string bad : {std::string("not base64 !!"), crypto::Base64Encode(crypto::RandomBytes(16)),
                            crypto::Base64Encode(crypto::RandomBytes(33)), std::string("AAAA")}) {
        env_.Set("WATCHTOWER_MASTER_KEY", bad);
        auto key = LoadMasterKey(Dev());
        ASSERT_FALSE(key.ok()) << bad;
        EXPECT_EQ(key.error().code, ErrorCode::kValidationFailed);
        EXPECT_NE(key.error().detail.find("WATCHTOWER_MASTER_KEY"), std::string::npos) << key.error().detail;
        EXPECT_EQ(key.error().detail.find(bad), std::string::npos) << "the bad key itself is never echoed";
    }
    EXPECT_FALSE(std::filesystem::exists(KeyPath()));
}

TEST_F(MasterKeyTest, ProductionWithoutAnEnvironmentKeyIsAnError) {
    auto key = LoadMasterKey(Prod());
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().code, ErrorCode::kValidationFailed);
    EXPECT_NE(key.error().detail.find("WATCHTOWER_MASTER_KEY"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(KeyPath())) << "production never generates a key file";

    env_.Set("WATCHTOWER_MASTER_KEY", crypto::Base64Encode(crypto::RandomBytes(32)));
    EXPECT_TRUE(LoadMasterKey(Prod()).ok());
}

TEST_F(MasterKeyTest, CorruptKeyFileIsRefused) {
    {
        std::ofstream out(KeyPath());
        out << "c2hvcnQ=\n";
    }
    auto key = LoadMasterKey(Dev());
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().code, ErrorCode::kValidationFailed);
    EXPECT_NE(key.error().detail.find(KeyPath()), std::string::npos);
}

TEST_F(MasterKeyTest, MissingDataDirIsUnavailable) {
    Config config = Dev();
    config.data_dir = dir_.path() + "/does/not/exist";
    auto key = LoadMasterKey(config);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().code, ErrorCode::kUnavailable);
}

TEST_F(MasterKeyTest, DerivedKeysDependOnPurposeAndKey) {
    MasterKey key{std::string(32, 'm'), "test", false};
    MasterKey other{std::string(32, 'n'), "test", false};
    std::string sessions = DeriveKey(key, "sessions");
    EXPECT_EQ(sessions.size(), 32u);
    EXPECT_EQ(sessions, DeriveKey(key, "sessions"));
    EXPECT_EQ(sessions, crypto::HmacSha256(key.bytes, "watchtower/sessions"));
    EXPECT_NE(sessions, DeriveKey(key, "csrf"));
    EXPECT_NE(sessions, DeriveKey(other, "sessions"));
}

// --- the keyring and the rotation steps ---------------------------------------------------------

class MasterKeyringTest : public MasterKeyTest {
  protected:
    void SetUp() override { env_.Set("WATCHTOWER_PREVIOUS_MASTER_KEYS", ""); }

    void WritePrivate(const std::string& path, const std::string& key) {
        {
            std::ofstream out(path);
            out << EncodeKey(key) << "\n";
        }
        ::chmod(path.c_str(), 0600);
    }
};

TEST_F(MasterKeyringTest, EmbeddedRingHoldsPendingAndRetiredKeys) {
    auto fresh = LoadMasterKeyring(Dev());
    ASSERT_TRUE(fresh.ok()) << fresh.error().detail;
    EXPECT_TRUE(fresh->previous.empty());
    EXPECT_FALSE(fresh->rotation_pending);
    EXPECT_FALSE(fresh->environment_mode());
    const std::string current = fresh->current.bytes;

    const std::string pending(32, 'p'), retired(32, 'r');
    WritePrivate(PendingKeyPath(Dev()), pending);
    WritePrivate(RetiredKeyPath(Dev(), crypto::Keyring::KeyId(retired)), retired);
    WritePrivate(RetiredKeyPath(Dev(), crypto::Keyring::KeyId(current)), current);  // a duplicate is left out
    auto ring = LoadMasterKeyring(Dev());
    ASSERT_TRUE(ring.ok()) << ring.error().detail;
    EXPECT_TRUE(ring->rotation_pending);
    EXPECT_EQ(ring->previous, (std::vector<std::string>{pending, retired}));
    // The current key seals; every key opens.
    const crypto::Keyring keyring = ring->Ring();
    EXPECT_EQ(keyring.current_id(), crypto::Keyring::KeyId(current));
    EXPECT_TRUE(keyring.Open(crypto::Keyring({retired}).Seal("v", "c"), "c").ok());
    EXPECT_TRUE(keyring.Open(crypto::Keyring({pending}).Seal("v", "c"), "c").ok());
}

TEST_F(MasterKeyringTest, KeyFilesReadableByOthersAreRefused) {
    ASSERT_TRUE(LoadMasterKey(Dev()).ok());
    const std::string retired = RetiredKeyPath(Dev(), "0011223344556677");
    WritePrivate(retired, std::string(32, 'r'));
    ::chmod(retired.c_str(), 0644);
    auto ring = LoadMasterKeyring(Dev());
    ASSERT_FALSE(ring.ok());
    EXPECT_NE(ring.error().detail.find(retired + " must be a regular file readable by its owner only"),
              std::string::npos)
        << ring.error().detail;
}

TEST_F(MasterKeyringTest, PreviousKeysFromTheEnvironment) {
    const std::string current(32, 'c'), first(32, '1'), second(32, '2');
    env_.Set("WATCHTOWER_MASTER_KEY", EncodeKey(current));
    env_.Set("WATCHTOWER_PREVIOUS_MASTER_KEYS",
             " " + EncodeKey(first) + " ,," + EncodeKey(second) + "," + EncodeKey(current) + ",");
    // The environment mode reads no key file, not even a leftover master.key.new.
    WritePrivate(PendingKeyPath(Dev()), std::string(32, 'p'));
    auto ring = LoadMasterKeyring(Prod());
    ASSERT_TRUE(ring.ok()) << ring.error().detail;
    EXPECT_TRUE(ring->environment_mode());
    EXPECT_FALSE(ring->rotation_pending);
    EXPECT_EQ(ring->previous, (std::vector<std::string>{first, second}));

    env_.Set("WATCHTOWER_PREVIOUS_MASTER_KEYS", EncodeKey(first) + ",c2VjcmV0LWJ1dC1zaG9ydA==");
    auto bad = LoadMasterKeyring(Prod());
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().detail.find("WATCHTOWER_PREVIOUS_MASTER_KEYS (key 2)"), std::string::npos)
        << bad.error().detail;
    EXPECT_EQ(bad.error().detail.find("c2VjcmV0LWJ1dC1zaG9ydA=="), std::string::npos) << "a key is never echoed";
}

TEST_F(MasterKeyringTest, PendingKeyIsWrittenOnceThenResumedAndInstalled) {
    auto old_key = LoadMasterKey(Dev());
    ASSERT_TRUE(old_key.ok());
    auto pending = PreparePendingKey(Dev());
    ASSERT_TRUE(pending.ok()) << pending.error().detail;
    EXPECT_FALSE(pending->resumed);
    struct stat st {};
    ASSERT_EQ(::stat(PendingKeyPath(Dev()).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto again = PreparePendingKey(Dev());
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->resumed);
    EXPECT_EQ(again->bytes, pending->bytes);

    ASSERT_TRUE(InstallPendingKey(Dev(), old_key->bytes).ok());
    auto installed = LoadMasterKeyring(Dev());
    ASSERT_TRUE(installed.ok());
    EXPECT_EQ(installed->current.bytes, pending->bytes);
    EXPECT_EQ(installed->previous, std::vector<std::string>{old_key->bytes});
    EXPECT_FALSE(installed->rotation_pending);
    EXPECT_FALSE(std::filesystem::exists(PendingKeyPath(Dev())));
    // Only the keys are left: no temporary file.
    int files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_.path())) ++files;
    EXPECT_EQ(files, 2);
}

TEST_F(MasterKeyringTest, DataDirLockIsSharedByServersAndExclusiveForRotation) {
    {
        auto server = LockDataDir(Dev(), /*exclusive=*/false);
        ASSERT_TRUE(server.ok());
        auto another_server = LockDataDir(Dev(), /*exclusive=*/false);
        EXPECT_TRUE(another_server.ok());
        auto rotation = LockDataDir(Dev(), /*exclusive=*/true);
        ASSERT_FALSE(rotation.ok());
        EXPECT_EQ(rotation.error().code, ErrorCode::kUnavailable);
        EXPECT_NE(rotation.error().detail.find("stop it first"), std::string::npos);
    }
    auto rotation = LockDataDir(Dev(), /*exclusive=*/true);
    ASSERT_TRUE(rotation.ok()) << "released with the last holder";
    auto server = LockDataDir(Dev(), /*exclusive=*/false);
    ASSERT_FALSE(server.ok());
    EXPECT_NE(server.error().detail.find("a key rotation is running"), std::string::npos);
}

}  // namespace
}  // namespace wt::app
