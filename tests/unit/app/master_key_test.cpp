// SPDX-License-Identifier: Apache-2.0
#include "app/master_key.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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

}  // namespace
}  // namespace wt::app
