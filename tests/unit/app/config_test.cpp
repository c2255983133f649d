// SPDX-License-Identifier: Apache-2.0
#include "app/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "../common/test_support.hpp"
#include "env_guard.hpp"

namespace wt::app {
namespace {

class ConfigTest : public ::testing::Test {
protected:
    std::string WriteToml(const std::string& text) {
        std::string path = dir_.path() + "/watchtower.toml";
        std::ofstream out(path, std::ios::trunc);
        out << text;
        return path;
    }

    // The failed option's name (the field of a kValidationFailed), or "" when loading succeeded.
    std::string FailedOption(const Overrides& overrides) {
        auto config = LoadConfig(overrides);
        if (config.ok()) return "";
        EXPECT_EQ(config.error().code, ErrorCode::kValidationFailed);
        if (config.error().fields.empty()) return "<detail> " + config.error().detail;
        const auto& field = config.error().fields[0];
        EXPECT_EQ(field.message.rfind(field.field, 0), 0u) << "the message names the option: " << field.message;
        return field.field;
    }

    testing::EnvGuard env_;
    wt::testing::TempDir dir_;
};

TEST_F(ConfigTest, Defaults) {
    auto config = LoadConfig({});
    ASSERT_TRUE(config.ok()) << config.error().detail;
    EXPECT_EQ(config->listen, "127.0.0.1:8080");
    EXPECT_EQ(config->data_dir, "data");
    EXPECT_EQ(config->environment, "development");
    EXPECT_FALSE(config->production());
    EXPECT_FALSE(config->cookie_secure);
    EXPECT_EQ(config->max_connections, 4096);
    EXPECT_EQ(config->password_threads, 2);
    EXPECT_EQ(config->config_file, "");
    EXPECT_EQ(config->DatabaseUrl(), "sqlite://data/watchtower.db");
    EXPECT_EQ(config->PublicUrl(), "http://127.0.0.1:8080");
}

TEST_F(ConfigTest, DatabaseUrlFollowsTheDataDirUnlessSet) {
    auto config = LoadConfig({{"data_dir", "/var/lib/watchtower"}});
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->DatabaseUrl(), "sqlite:///var/lib/watchtower/watchtower.db");
    config = LoadConfig({{"data_dir", "/var/lib/watchtower"}, {"database", "sqlite:///elsewhere/wt.db"}});
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->DatabaseUrl(), "sqlite:///elsewhere/wt.db");
}

TEST_F(ConfigTest, PrecedenceDefaultsFileEnvironmentOverrides) {
    std::string file = WriteToml(R"(
listen = "0.0.0.0:9000"
data_dir = "/from/file"
cookie_secure = true
public_url = "https://file.example"

[limits]
max_connections = 100
header_timeout_ms = 2000

[log]
level = "debug"
)");
    // File only.
    auto config = LoadConfig({{"config_file", file}});
    ASSERT_TRUE(config.ok()) << config.error().detail;
    EXPECT_EQ(config->config_file, file);
    EXPECT_EQ(config->listen, "0.0.0.0:9000");
    EXPECT_EQ(config->data_dir, "/from/file");
    EXPECT_TRUE(config->cookie_secure);
    EXPECT_EQ(config->max_connections, 100);
    EXPECT_EQ(config->header_timeout_ms, 2000);
    EXPECT_EQ(config->log_level, "debug");
    EXPECT_EQ(config->idle_timeout_ms, 60'000) << "options the file does not name keep their defaults";

    // The environment beats the file.
    env_.Set("WATCHTOWER_LISTEN", "127.0.0.1:9100");
    env_.Set("WATCHTOWER_MAX_CONNECTIONS", "200");
    env_.Set("WATCHTOWER_COOKIE_SECURE", "false");
    config = LoadConfig({{"config_file", file}});
    ASSERT_TRUE(config.ok()) << config.error().detail;
    EXPECT_EQ(config->listen, "127.0.0.1:9100");
    EXPECT_EQ(config->max_connections, 200);
    EXPECT_FALSE(config->cookie_secure);
    EXPECT_EQ(config->data_dir, "/from/file");

    // Overrides (flags) beat the environment.
    config = LoadConfig({{"config_file", file}, {"listen", "127.0.0.1:9200"}, {"limits.max_connections", "300"}});
    ASSERT_TRUE(config.ok()) << config.error().detail;
    EXPECT_EQ(config->listen, "127.0.0.1:9200");
    EXPECT_EQ(config->max_connections, 300);
    EXPECT_EQ(config->log_level, "debug");
}

TEST_F(ConfigTest, ConfigFileFromTheEnvironment) {
    std::string file = WriteToml("data_dir = \"/env/named/file\"\n");
    env_.Set("WATCHTOWER_CONFIG", file);
    auto config = LoadConfig({});
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->data_dir, "/env/named/file");
    EXPECT_EQ(config->config_file, file);
}

TEST_F(ConfigTest, EmptyEnvironmentVariablesAreIgnored) {
    env_.Set("WATCHTOWER_LISTEN", "");
    auto config = LoadConfig({});
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->listen, "127.0.0.1:8080");
}

TEST_F(ConfigTest, BadValuesNameTheOption) {
    env_.Set("WATCHTOWER_THREADS", "abc");
    EXPECT_EQ(FailedOption({}), "threads");
    env_.Set("WATCHTOWER_THREADS", "12x");
    EXPECT_EQ(FailedOption({}), "threads");
    env_.Set("WATCHTOWER_THREADS", "257");
    EXPECT_EQ(FailedOption({}), "threads");
    env_.Set("WATCHTOWER_THREADS", "256");
    EXPECT_EQ(FailedOption({}), "");
    env_.Set("WATCHTOWER_THREADS", "0");

    EXPECT_EQ(FailedOption({{"limits.max_connections", "0"}}), "limits.max_connections");
    EXPECT_EQ(FailedOption({{"limits.header_bytes", "1023"}}), "limits.header_bytes");
    EXPECT_EQ(FailedOption({{"auth.password_threads", "65"}}), "auth.password_threads");
    EXPECT_EQ(FailedOption({{"cookie_secure", "maybe"}}), "cookie_secure");
    EXPECT_EQ(FailedOption({{"environment", "staging"}}), "environment");
    EXPECT_EQ(FailedOption({{"log.level", "verbose"}}), "log.level");
    EXPECT_EQ(FailedOption({{"log.access", "syslog"}}), "log.access");
    EXPECT_EQ(FailedOption({{"data_dir", ""}}), "data_dir");

    env_.Set("WATCHTOWER_COOKIE_SECURE", "yes please");
    EXPECT_EQ(FailedOption({}), "cookie_secure");
}

TEST_F(ConfigTest, BadFileValuesNameTheOption) {
    std::string file = WriteToml("[limits]\nmax_connections = \"many\"\n");
    EXPECT_EQ(FailedOption({{"config_file", file}}), "limits.max_connections");
    file = WriteToml("threads = [1, 2]\n");
    auto config = LoadConfig({{"config_file", file}});
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, ErrorCode::kValidationFailed);
    EXPECT_NE(config.error().detail.find("threads"), std::string::npos) << config.error().detail;
}

TEST_F(ConfigTest, MalformedOrMissingFileIsRefused) {
    std::string file = WriteToml("listen = \"unterminated\n");
    auto config = LoadConfig({{"config_file", file}});
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, ErrorCode::kValidationFailed);
    EXPECT_NE(config.error().detail.find(file), std::string::npos) << config.error().detail;
    auto missing = LoadConfig({{"config_file", dir_.path() + "/absent.toml"}});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kValidationFailed);
}

TEST_F(ConfigTest, ProductionRefusesTestOnlyOptions) {
    EXPECT_EQ(FailedOption({{"environment", "production"}}), "");
    EXPECT_EQ(FailedOption({{"environment", "production"}, {"testing.clock_file", "/tmp/clock"}}), "testing.clock_file");
    EXPECT_EQ(FailedOption({{"environment", "production"}, {"testing.fault_routes", "true"}}), "testing.fault_routes");
    env_.Set("WATCHTOWER_ENV", "production");
    env_.Set("WATCHTOWER_TEST_CLOCK_FILE", "/tmp/clock");
    EXPECT_EQ(FailedOption({}), "testing.clock_file");
    // In development both are allowed.
    auto dev = LoadConfig({{"environment", "development"}, {"testing.fault_routes", "1"}});
    ASSERT_TRUE(dev.ok());
    EXPECT_EQ(dev->test_clock_file, "/tmp/clock");
    EXPECT_TRUE(dev->test_fault_routes);
    EXPECT_FALSE(dev->production());
}

TEST_F(ConfigTest, UnknownOverrideIsAProgrammingError) {
    auto config = LoadConfig({{"no_such_option", "1"}});
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, ErrorCode::kInternal);
}

TEST_F(ConfigTest, DescribeOptionsListsEveryOptionOnce) {
    auto options = DescribeOptions();
    std::set<std::string> names, envs;
    for (const auto& option : options) {
        EXPECT_TRUE(names.insert(option.name).second) << option.name;
        EXPECT_TRUE(envs.insert(option.env).second) << option.env;
        EXPECT_EQ(option.env.rfind("WATCHTOWER_", 0), 0u) << option.env;
        EXPECT_FALSE(option.description.empty()) << option.name;
    }
    EXPECT_TRUE(names.count("listen"));
    EXPECT_TRUE(names.count("testing.clock_file"));
    for (const auto& option : options) {
        if (option.name == "limits.max_connections") {
            EXPECT_EQ(option.default_value, "4096");
        }
    }
}

}  // namespace
}  // namespace wt::app
