// SPDX-License-Identifier: Apache-2.0
// The command line, black box: exit codes, output, password files, data-dir selection.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

// A temporary directory removed at the end of the test unless it failed.
class TempDir {
public:
    explicit TempDir(const std::string& tag) : path_(MakeTempDir(tag)) {}
    ~TempDir() {
        if (::testing::Test::HasFailure()) {
            std::cerr << "[harness] keeping " << path_ << "\n";
        } else {
            RemoveTree(path_);
        }
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

int LineCount(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

std::vector<std::string> InitArgs(const std::string& data_dir, const std::string& password_file) {
    std::vector<std::string> args = {"--data-dir", data_dir, "init",  "--org", "Acme Bank", "--email",
                                     "admin@acme.test", "--name", "Ada Admin", "--json"};
    if (!password_file.empty()) {
        args.push_back("--password-file");
        args.push_back(password_file);
    }
    return args;
}

TEST(CliTest, InitTwiceFailsWithExitCode3AndOneLine) {
    TempDir dir("cli-init");
    std::string password_file = dir.path() + "/pw";
    WriteFile(password_file, kPassword);
    auto first = RunWatchtower(InitArgs(dir.path() + "/data", password_file));
    ASSERT_EQ(first.exit_code, 0) << first.err;
    auto out = json::parse(first.out).as_object();
    EXPECT_EQ(out.at("email").as_string(), "admin@acme.test");
    EXPECT_EQ(out.at("role").as_string(), "ADMIN");
    EXPECT_EQ(out.at("created_user").as_bool(), true);
    EXPECT_EQ(std::string(out.at("organization_id").as_string()).empty(), false);
    EXPECT_FALSE(out.contains("password")) << "a password from a file is never echoed";
    EXPECT_EQ(first.out.find(kPassword), std::string::npos);

    auto second = RunWatchtower(InitArgs(dir.path() + "/data", password_file));
    EXPECT_EQ(second.exit_code, 3) << second.out << second.err;
    EXPECT_EQ(LineCount(second.err), 1) << second.err;
    EXPECT_NE(second.err.find("already initialised"), std::string::npos) << second.err;
    EXPECT_TRUE(second.out.empty()) << second.out;
}

TEST(CliTest, ServeRefusesABadOutboundAllowListNamingTheOption) {
    TempDir dir("cli-outbound");
    std::string password_file = dir.path() + "/pw";
    WriteFile(password_file, kPassword);
    ASSERT_EQ(RunWatchtower(InitArgs(dir.path() + "/data", password_file)).exit_code, 0);
    // Host bits set: a typo that must stop the start rather than change what outbound calls reach.
    auto refused = RunWatchtower({"--data-dir", dir.path() + "/data", "serve", "--listen", "127.0.0.1:0"},
                                 {{"WATCHTOWER_OUTBOUND_ALLOW", "127.0.0.1/32, 10.1.2.3/8"}}, 30s);
    EXPECT_EQ(refused.exit_code, 1) << refused.err;
    EXPECT_NE(refused.err.find("outbound.allow"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("10.1.2.3/8"), std::string::npos) << "the bad entry is named: " << refused.err;
}

TEST(CliTest, GeneratedAndFilePasswordsWorkForLogin) {
    ServerConfig config;
    config.seed = false;
    Server server(config);
    auto init = server.Cli({"init", "--org", "Acme Bank", "--email", "admin@acme.test", "--name", "Ada Admin", "--json"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    auto out = json::parse(init.out).as_object();
    ASSERT_TRUE(out.contains("password")) << "a generated password must be printed: " << init.out;
    std::string generated(out.at("password").as_string());
    server.RememberSecret(generated);
    EXPECT_GE(generated.size(), 12u);
    EXPECT_EQ(LineCount(init.out), 1);
    EXPECT_EQ(init.out.find(generated), init.out.rfind(generated)) << "printed more than once";
    EXPECT_EQ(init.err.find(generated), std::string::npos);

    // A password file with a trailing newline: the newline is not part of the password.
    std::string newline_file = server.data_dir() + "/newline-password";
    WriteFile(newline_file, std::string(kPassword) + "\n");
    auto org = server.Cli({"org", "create", "--name", "Newline Org", "--admin-email", "nl@newline.test",
                           "--password-file", newline_file, "--json"});
    ASSERT_EQ(org.exit_code, 0) << org.err;
    EXPECT_EQ(json::parse(org.out).as_object().contains("password"), false);

    server.Start();
    HttpResponse res;
    EXPECT_TRUE(server.Login("admin@acme.test", generated, {}, &res)) << res.status << " " << res.body;
    EXPECT_TRUE(server.Login("nl@newline.test", kPassword, {}, &res)) << res.status << " " << res.body;
    EXPECT_FALSE(server.Login("nl@newline.test", std::string(kPassword) + "\n", {}, &res));
    EXPECT_EQ(res.status, 401);
    EXPECT_FALSE(server.Login("admin@acme.test", generated + "x"));
    EXPECT_EQ(server.Stop(), 0);
    for (const auto& leaked : server.LeakedSecrets()) ADD_FAILURE() << "secret in the logs: " << leaked;
    EXPECT_EQ(ReadFile(server.log_path()).find(generated), std::string::npos);
}

TEST(CliTest, ATooShortPasswordIsRefusedWithOneLineNamingTheRule) {
    TempDir dir("cli-short");
    std::string password_file = dir.path() + "/pw";
    WriteFile(password_file, "short-pw-1\n");
    auto result = RunWatchtower(InitArgs(dir.path() + "/data", password_file));
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_EQ(LineCount(result.err), 1) << result.err;
    EXPECT_NE(result.err.find("12"), std::string::npos) << "the message must name the 12-character rule: " << result.err;
    EXPECT_EQ(result.err.find("short-pw-1"), std::string::npos) << "the password itself must not be echoed";

    // A common password and one containing the email are refused the same way.
    WriteFile(password_file, "password1234");
    auto common = RunWatchtower(InitArgs(dir.path() + "/data", password_file));
    EXPECT_EQ(common.exit_code, 1) << common.out;
    EXPECT_EQ(LineCount(common.err), 1) << common.err;
}

TEST(CliTest, UserAddWithABadRoleFails) {
    TempDir dir("cli-role");
    std::string password_file = dir.path() + "/pw";
    WriteFile(password_file, kPassword);
    auto init = RunWatchtower(InitArgs(dir.path() + "/data", password_file));
    ASSERT_EQ(init.exit_code, 0) << init.err;
    std::string org_id(json::parse(init.out).at("organization_id").as_string());
    auto bad = RunWatchtower({"--data-dir", dir.path() + "/data", "user", "add", "--org", org_id, "--email",
                              "someone@acme.test", "--role", "SUPERUSER", "--password-file", password_file});
    EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
    EXPECT_NE(bad.err.find("role"), std::string::npos) << bad.err;
    EXPECT_EQ(LineCount(bad.err), 1) << bad.err;
    auto unknown_org = RunWatchtower({"--data-dir", dir.path() + "/data", "user", "add", "--org", "org_nope",
                                      "--email", "someone@acme.test", "--role", "VIEWER", "--password-file",
                                      password_file});
    EXPECT_NE(unknown_org.exit_code, 0);
    auto good = RunWatchtower({"--data-dir", dir.path() + "/data", "user", "add", "--org", org_id, "--email",
                               "someone@acme.test", "--role", "VIEWER", "--password-file", password_file, "--json"});
    EXPECT_EQ(good.exit_code, 0) << good.err;
}

TEST(CliTest, MigrateAndAuditVerifyTakeTheDataDirFromTheFlagOrTheEnvironment) {
    TempDir dir("cli-migrate");
    std::regex applied(R"((\d+) migration\(s\) applied)");
    auto count_applied = [&](const CommandResult& result) {
        std::smatch match;
        if (!std::regex_search(result.out, match, applied)) {
            ADD_FAILURE() << "no migration count in: " << result.out << result.err;
            return -1;
        }
        return std::stoi(match[1]);
    };
    const std::string by_flag = dir.path() + "/by-flag";
    auto first = RunWatchtower({"--data-dir", by_flag, "migrate"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_GE(count_applied(first), 1);
    auto again = RunWatchtower({"--data-dir", by_flag, "migrate"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(count_applied(again), 0);
    EXPECT_TRUE(std::filesystem::exists(by_flag + "/watchtower.db"));

    const std::string by_env = dir.path() + "/by-env";
    auto env_first = RunWatchtower({"migrate"}, {{"WATCHTOWER_DATA_DIR", by_env}});
    ASSERT_EQ(env_first.exit_code, 0) << env_first.err;
    EXPECT_GE(count_applied(env_first), 1);
    EXPECT_EQ(count_applied(env_first), count_applied(first));
    auto env_again = RunWatchtower({"migrate"}, {{"WATCHTOWER_DATA_DIR", by_env}});
    EXPECT_EQ(count_applied(env_again), 0);
    EXPECT_TRUE(std::filesystem::exists(by_env + "/watchtower.db"));

    auto verify_flag = RunWatchtower({"--data-dir", by_flag, "audit", "verify"});
    EXPECT_EQ(verify_flag.exit_code, 0) << verify_flag.out << verify_flag.err;
    EXPECT_NE(verify_flag.out.find("chain intact"), std::string::npos) << verify_flag.out;
    auto verify_env = RunWatchtower({"audit", "verify"}, {{"WATCHTOWER_DATA_DIR", by_env}});
    EXPECT_EQ(verify_env.exit_code, 0) << verify_env.out << verify_env.err;
    EXPECT_NE(verify_env.out.find("chain intact"), std::string::npos) << verify_env.out;
    // The flag wins over the environment.
    auto both = RunWatchtower({"--data-dir", by_flag, "migrate"}, {{"WATCHTOWER_DATA_DIR", dir.path() + "/unused"}});
    EXPECT_EQ(both.exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/unused/watchtower.db"));
}

}  // namespace
}  // namespace wt::integration
