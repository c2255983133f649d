// SPDX-License-Identifier: Apache-2.0
// Sealed secrets and the master key, black box: `secrets set`, `keys rotate` (embedded and
// environment modes, tampering, an interrupted rotation), `keys status`, and the server starting
// on what a rotation left. The database is inspected and edited with the sqlite3 command.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "crypto/crypto.hpp"
#include "crypto/seal.hpp"
#include "harness.hpp"

extern char** environ;

namespace wt::integration {
namespace {

namespace json = boost::json;

const std::string kSmtpPassword = "smtp-pass-7f3a9c-never-in-a-log";
constexpr const char* kSmtpContext = "server_secrets.value_sealed:smtp_password";

// `watchtower args...` with `input` on stdin (RunWatchtower gives /dev/null), the environment
// cleaned of WATCHTOWER_* variables as the harness does, then `env` added.
CommandResult RunWithStdin(const std::vector<std::string>& args, const std::string& input,
                           const std::map<std::string, std::string>& env = {}) {
    const std::string dir = MakeTempDir("stdin");
    WriteFile(dir + "/in", input);
    std::vector<std::string> argv_text{WT_SERVER_BIN};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<std::string> env_text;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        if (std::string_view(*entry).starts_with("WATCHTOWER_")) continue;
        env_text.emplace_back(*entry);
    }
    for (const auto& [name, value] : env) env_text.push_back(name + "=" + value);
    std::vector<char*> argv, envp;
    for (auto& arg : argv_text) argv.push_back(arg.data());
    argv.push_back(nullptr);
    for (auto& entry : env_text) envp.push_back(entry.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, (dir + "/in").c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, (dir + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, (dir + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    CommandResult result;
    int status = 0;
    if (spawned == 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    result.out = ReadFile(dir + "/out");
    result.err = ReadFile(dir + "/err");
    RemoveTree(dir);
    return result;
}

// One SQL script through the sqlite3 command; its output (one line per row, `|` between columns).
std::string Sql(const std::string& db_path, const std::string& sql) {
    const std::string dir = MakeTempDir("sql");
    WriteFile(dir + "/script.sql", sql + ";\n");
    const std::string command = "sqlite3 -batch '" + db_path + "' < '" + dir + "/script.sql' 2>&1";
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buffer[4096];
        std::size_t got = 0;
        while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, got);
        ::pclose(pipe);
    }
    RemoveTree(dir);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::string DecodeKeyText(const std::string& text) {
    auto key = crypto::Base64Decode(text.substr(0, text.find_last_not_of("\r\n ") + 1));
    if (!key || key->size() != 32) throw std::runtime_error("not a key: " + text);
    return *key;
}

std::string Str(const json::value& value) {
    return value.is_string() ? std::string(value.as_string()) : json::serialize(value);
}

std::string NewKeyText() { return crypto::Base64Encode(crypto::RandomBytes(32)); }

class KeysTest : public ::testing::Test {
  protected:
    KeysTest() : server_(ServerConfig{.seed = false}) {}

    std::string Dir() const { return server_.data_dir(); }
    std::string Db() const { return Dir() + "/watchtower.db"; }
    std::string MasterKeyFile() const { return Dir() + "/master.key"; }
    std::string MasterKey() const { return DecodeKeyText(ReadFile(MasterKeyFile())); }
    std::string Query(const std::string& sql) const { return Sql(Db(), sql); }

    CommandResult SetSmtpPassword(const std::string& value, const std::map<std::string, std::string>& env = {}) {
        return RunWithStdin({"--data-dir", Dir(), "secrets", "set", "smtp_password"}, value + "\n", env);
    }

    // Rows in every sealed column besides the SMTP password, sealed under `key` as the server
    // would seal them (contexts `<table>.<column>:<row id>`). The message waits for a retry in
    // 2100, so a server started by the test does not deliver (and clear) it.
    void SealRowsUnder(const std::string& key) {
        const crypto::Keyring ring({key});
        ASSERT_EQ(
            Query("INSERT INTO users (id, email, email_normalized, name, password_hash, created_at, "
                  "totp_secret_sealed, totp_pending_sealed) VALUES ('usr_k1', 'k@x.test', 'k@x.test', 'K', 'h', 1, '" +
                  ring.Seal("TOTPACTIVE", "users.totp_secret_sealed:usr_k1") + "', '" +
                  ring.Seal("TOTPPENDING", "users.totp_pending_sealed:usr_k1") + "')"),
            "");
        ASSERT_EQ(Query("INSERT INTO mail_outbox (id, kind, recipient, message_sealed, created_at, next_attempt_at) "
                        "VALUES ('mail_k1', 'invitation', 'k@x.test', '" +
                        ring.Seal("Subject: hello", "mail_outbox.message_sealed:mail_k1") + "', 1, 4102444800000000)"),
                  "");
    }

    // Every sealed value of the database, one per line: "<where>|<envelope>".
    std::string Envelopes() const {
        return Query(
            "SELECT 'totp:' || id, totp_secret_sealed FROM users WHERE totp_secret_sealed IS NOT NULL "
            "UNION ALL SELECT 'pending:' || id, totp_pending_sealed FROM users WHERE totp_pending_sealed IS NOT NULL "
            "UNION ALL SELECT 'mail:' || id, message_sealed FROM mail_outbox WHERE message_sealed IS NOT NULL "
            "UNION ALL SELECT 'secret:' || name, value_sealed FROM server_secrets ORDER BY 1");
    }

    void ExpectEveryEnvelopeUnder(const std::string& key, int expected_values) const {
        const std::string envelopes = Envelopes();
        int count = 0;
        std::istringstream lines(envelopes);
        for (std::string line; std::getline(lines, line); ++count)
            EXPECT_EQ(crypto::Keyring::EnvelopeKeyId(line.substr(line.find('|') + 1)), crypto::Keyring::KeyId(key))
                << line;
        EXPECT_EQ(count, expected_values) << envelopes;
    }

    std::string OpenSmtpPassword(const crypto::Keyring& ring) const {
        auto opened =
            ring.Open(Query("SELECT value_sealed FROM server_secrets WHERE name = 'smtp_password'"), kSmtpContext);
        return opened ? *opened : "<does not open: " + opened.error().detail + ">";
    }

    void ExpectStatusOpensEverything(const std::map<std::string, std::string>& env = {}) {
        auto status = RunWatchtower({"--data-dir", Dir(), "keys", "status", "--json"}, env);
        EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
        auto parsed = json::parse(status.out);
        EXPECT_TRUE(parsed.at("failures").as_array().empty()) << status.out;
    }

    // The server starts on the data directory and logs that nothing fails to open.
    void ExpectServerStartsCleanly() {
        server_.Start();
        EXPECT_EQ(server_.Stop(), 0);
        const std::string log = ReadFile(server_.log_path());
        EXPECT_EQ(log.find("does not open"), std::string::npos) << log;
        EXPECT_EQ(log.find(kSmtpPassword), std::string::npos) << "a secret reached the log";
    }

    Server server_;
};

TEST_F(KeysTest, GenerateRotateAndTheSecretStillOpens) {
    auto generated = RunWatchtower({"keys", "generate"});
    ASSERT_EQ(generated.exit_code, 0) << generated.err;
    EXPECT_EQ(generated.out.size(), 45u);  // 44 base64 characters and a newline
    EXPECT_NO_THROW(DecodeKeyText(generated.out));
    EXPECT_NE(RunWatchtower({"keys", "generate"}).out, generated.out);

    auto set = SetSmtpPassword(kSmtpPassword);
    ASSERT_EQ(set.exit_code, 0) << set.err;
    EXPECT_EQ(set.out.find(kSmtpPassword), std::string::npos);
    struct stat key_stat {};
    ASSERT_EQ(::stat(MasterKeyFile().c_str(), &key_stat), 0) << "the embedded key is generated once";
    EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
    const std::string old_key = MasterKey();
    ASSERT_NO_FATAL_FAILURE(SealRowsUnder(old_key));
    EXPECT_EQ(Query("SELECT count(*) FROM server_secrets WHERE value_sealed LIKE '%" + kSmtpPassword + "%'"), "0");
    ExpectEveryEnvelopeUnder(old_key, 4);
    EXPECT_EQ(OpenSmtpPassword(crypto::Keyring({old_key})), kSmtpPassword);

    auto rotated = server_.Cli({"keys", "rotate", "--json"});
    ASSERT_EQ(rotated.exit_code, 0) << rotated.out << rotated.err;
    auto report = json::parse(rotated.out).as_object();
    const std::string new_key = MasterKey();
    ASSERT_NE(new_key, old_key);
    EXPECT_EQ(Str(report.at("mode")), "embedded");
    EXPECT_EQ(Str(report.at("old_key_id")), crypto::Keyring::KeyId(old_key));
    EXPECT_EQ(Str(report.at("new_key_id")), crypto::Keyring::KeyId(new_key));
    EXPECT_EQ(report.at("resumed"), false);
    for (const char* column : {"users.totp_secret_sealed", "users.totp_pending_sealed", "mail_outbox.message_sealed",
                               "server_secrets.value_sealed"})
        EXPECT_EQ(report.at("resealed").at(column), 1) << column;

    // Every envelope carries the new key id and opens under the new key alone.
    ExpectEveryEnvelopeUnder(new_key, 4);
    EXPECT_EQ(OpenSmtpPassword(crypto::Keyring({new_key})), kSmtpPassword);
    auto totp = crypto::Keyring({new_key}).Open(Query("SELECT totp_secret_sealed FROM users WHERE id = 'usr_k1'"),
                                                "users.totp_secret_sealed:usr_k1");
    ASSERT_TRUE(totp.ok());
    EXPECT_EQ(*totp, "TOTPACTIVE");
    // The old key is kept, private, as a retired key; no rotation is left pending.
    const std::string retired = Dir() + "/master.key.retired." + crypto::Keyring::KeyId(old_key);
    EXPECT_EQ(DecodeKeyText(ReadFile(retired)), old_key);
    ASSERT_EQ(::stat(retired.c_str(), &key_stat), 0);
    EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
    EXPECT_FALSE(std::filesystem::exists(Dir() + "/master.key.new"));

    ExpectStatusOpensEverything();
    ExpectServerStartsCleanly();
    EXPECT_NE(ReadFile(server_.log_path()).find("master key " + crypto::Keyring::KeyId(new_key)), std::string::npos);
    // A second rotation moves everything again.
    auto again = server_.Cli({"keys", "rotate"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    ExpectEveryEnvelopeUnder(MasterKey(), 4);
    EXPECT_EQ(OpenSmtpPassword(crypto::Keyring({MasterKey()})), kSmtpPassword);
}

TEST_F(KeysTest, TamperedEnvelopeAbortsTheRotationAndNothingChanges) {
    ASSERT_EQ(SetSmtpPassword(kSmtpPassword).exit_code, 0);
    const std::string key = MasterKey();
    ASSERT_NO_FATAL_FAILURE(SealRowsUnder(key));
    // Flip one character of the mail's ciphertext (the last one: keeps valid base64url).
    std::string envelope = Query("SELECT message_sealed FROM mail_outbox WHERE id = 'mail_k1'");
    envelope[envelope.size() - 5] = envelope[envelope.size() - 5] == 'A' ? 'B' : 'A';
    Query("UPDATE mail_outbox SET message_sealed = '" + envelope + "' WHERE id = 'mail_k1'");
    const std::string before = Envelopes();

    auto status = server_.Cli({"keys", "status"});
    EXPECT_EQ(status.exit_code, 1);
    EXPECT_NE(status.err.find("mail_outbox.message_sealed of row mail_k1: sealed value failed authentication"),
              std::string::npos)
        << status.err;

    auto rotated = server_.Cli({"keys", "rotate"});
    EXPECT_EQ(rotated.exit_code, 1);
    EXPECT_NE(rotated.err.find("key rotation aborted, nothing changed: mail_outbox.message_sealed of row mail_k1: "
                               "sealed value failed authentication"),
              std::string::npos)
        << rotated.err;
    EXPECT_EQ(Envelopes(), before);
    EXPECT_EQ(MasterKey(), key);
    EXPECT_FALSE(std::filesystem::exists(Dir() + "/master.key.new"));
    EXPECT_FALSE(std::filesystem::exists(Dir() + "/master.key.retired." + crypto::Keyring::KeyId(key)));

    // The server still starts, and names the row it cannot open (not its content).
    server_.Start();
    EXPECT_EQ(server_.Stop(), 0);
    const std::string log = ReadFile(server_.log_path());
    EXPECT_NE(log.find("sealed value does not open: mail_outbox.message_sealed of row mail_k1"), std::string::npos)
        << log;
    EXPECT_EQ(log.find("Subject: hello"), std::string::npos);
}

TEST_F(KeysTest, CrashAfterTheNewKeyWasWrittenLosesNothing) {
    // State after step 1 (master.key.new written) with nothing re-sealed yet.
    ASSERT_EQ(SetSmtpPassword(kSmtpPassword).exit_code, 0);
    const std::string old_key = MasterKey();
    ASSERT_NO_FATAL_FAILURE(SealRowsUnder(old_key));
    const std::string pending_text = NewKeyText();
    const std::string pending_key = DecodeKeyText(pending_text);
    WriteFile(Dir() + "/master.key.new", pending_text + "\n");
    ::chmod((Dir() + "/master.key.new").c_str(), 0600);

    auto status = server_.Cli({"keys", "status", "--json"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    EXPECT_EQ(json::parse(status.out).at("rotation_pending"), true);
    ExpectServerStartsCleanly();
    EXPECT_NE(ReadFile(server_.log_path()).find("an interrupted key rotation left"), std::string::npos);

    // Running the rotation again finishes it with that same key.
    auto rotated = server_.Cli({"keys", "rotate", "--json"});
    ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
    EXPECT_EQ(json::parse(rotated.out).at("resumed"), true);
    EXPECT_EQ(MasterKey(), pending_key);
    ExpectEveryEnvelopeUnder(pending_key, 4);
    EXPECT_FALSE(std::filesystem::exists(Dir() + "/master.key.new"));
}

TEST_F(KeysTest, CrashAfterTheResealBeforeTheKeyWasInstalledLosesNothing) {
    // State after step 2: everything re-sealed under master.key.new, master.key still the old key.
    ASSERT_EQ(SetSmtpPassword(kSmtpPassword).exit_code, 0);
    const std::string old_key = MasterKey();
    const std::string pending_text = NewKeyText();
    const std::string pending_key = DecodeKeyText(pending_text);
    ASSERT_NO_FATAL_FAILURE(SealRowsUnder(pending_key));
    Query("UPDATE server_secrets SET value_sealed = '" +
          crypto::Keyring({pending_key}).Seal(kSmtpPassword, kSmtpContext) + "'");
    WriteFile(Dir() + "/master.key.new", pending_text + "\n");
    ::chmod((Dir() + "/master.key.new").c_str(), 0600);

    // Everything still opens (the new key opens, the old one seals), for the CLI and the server.
    ExpectStatusOpensEverything();
    ExpectServerStartsCleanly();
    // A value set now is sealed under the still-current old key; the finished rotation moves it.
    ASSERT_EQ(SetSmtpPassword(kSmtpPassword + "-2").exit_code, 0);
    EXPECT_EQ(OpenSmtpPassword(crypto::Keyring({old_key})), kSmtpPassword + "-2");

    auto rotated = server_.Cli({"keys", "rotate"});
    ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
    EXPECT_EQ(MasterKey(), pending_key);
    ExpectEveryEnvelopeUnder(pending_key, 4);
    EXPECT_EQ(OpenSmtpPassword(crypto::Keyring({pending_key})), kSmtpPassword + "-2");
    EXPECT_EQ(DecodeKeyText(ReadFile(Dir() + "/master.key.retired." + crypto::Keyring::KeyId(old_key))), old_key);
}

TEST_F(KeysTest, RotationRefusesBesideARunningServer) {
    ASSERT_EQ(SetSmtpPassword(kSmtpPassword).exit_code, 0);
    const std::string key = MasterKey();
    server_.Start();
    auto rotated = server_.Cli({"keys", "rotate"});
    EXPECT_EQ(server_.Stop(), 0);
    EXPECT_EQ(rotated.exit_code, 1);
    EXPECT_NE(rotated.err.find("stop it first"), std::string::npos) << rotated.err;
    EXPECT_EQ(MasterKey(), key);
    ExpectEveryEnvelopeUnder(key, 1);
    EXPECT_FALSE(std::filesystem::exists(Dir() + "/master.key.new"));
}

TEST_F(KeysTest, EnvironmentModeRotation) {
    const std::string old_text = NewKeyText(), new_text = NewKeyText();
    const std::map<std::string, std::string> old_env{{"WATCHTOWER_MASTER_KEY", old_text}};
    ASSERT_EQ(SetSmtpPassword(kSmtpPassword, old_env).exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(MasterKeyFile())) << "no key file in the environment mode";
    ExpectEveryEnvelopeUnder(DecodeKeyText(old_text), 1);

    auto without_new = RunWatchtower({"--data-dir", Dir(), "keys", "rotate"}, old_env);
    EXPECT_EQ(without_new.exit_code, 1);
    EXPECT_NE(without_new.err.find("WATCHTOWER_NEW_MASTER_KEY is not set"), std::string::npos) << without_new.err;
    auto bad_new = RunWatchtower({"--data-dir", Dir(), "keys", "rotate"},
                                 {{"WATCHTOWER_MASTER_KEY", old_text}, {"WATCHTOWER_NEW_MASTER_KEY", "c2hvcnQ="}});
    EXPECT_EQ(bad_new.exit_code, 1);
    EXPECT_NE(bad_new.err.find("WATCHTOWER_NEW_MASTER_KEY: the master key must be 32 random bytes"), std::string::npos);
    EXPECT_EQ(bad_new.err.find("c2hvcnQ="), std::string::npos) << "a key is never echoed";

    auto rotated = RunWatchtower({"--data-dir", Dir(), "keys", "rotate", "--json"},
                                 {{"WATCHTOWER_MASTER_KEY", old_text}, {"WATCHTOWER_NEW_MASTER_KEY", new_text}});
    ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
    auto report = json::parse(rotated.out);
    EXPECT_EQ(Str(report.at("mode")), "environment");
    EXPECT_EQ(Str(report.at("new_key_id")), crypto::Keyring::KeyId(DecodeKeyText(new_text)));
    EXPECT_EQ(rotated.out.find(new_text), std::string::npos);
    ExpectEveryEnvelopeUnder(DecodeKeyText(new_text), 1);

    // With only the old key, the value no longer opens; with the new key (and the old as previous) it does.
    auto stale = RunWatchtower({"--data-dir", Dir(), "keys", "status"}, old_env);
    EXPECT_EQ(stale.exit_code, 1);
    EXPECT_NE(stale.err.find("sealed with an unknown key " + crypto::Keyring::KeyId(DecodeKeyText(new_text))),
              std::string::npos)
        << stale.err;
    ExpectStatusOpensEverything({{"WATCHTOWER_MASTER_KEY", new_text}, {"WATCHTOWER_PREVIOUS_MASTER_KEYS", old_text}});
    auto bad_previous = RunWatchtower(
        {"--data-dir", Dir(), "keys", "status"},
        {{"WATCHTOWER_MASTER_KEY", new_text}, {"WATCHTOWER_PREVIOUS_MASTER_KEYS", old_text + ",not-a-key"}});
    EXPECT_EQ(bad_previous.exit_code, 1);
    EXPECT_NE(bad_previous.err.find("WATCHTOWER_PREVIOUS_MASTER_KEYS (key 2)"), std::string::npos) << bad_previous.err;
}

TEST_F(KeysTest, ProductionWithoutAMasterKeyRefusesEveryKeyCommand) {
    const std::map<std::string, std::string> production{{"WATCHTOWER_ENV", "production"}};
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"keys", "rotate"}, std::vector<std::string>{"keys", "status"}}) {
        std::vector<std::string> args{"--data-dir", Dir()};
        args.insert(args.end(), command.begin(), command.end());
        auto result = RunWatchtower(args, production);
        EXPECT_EQ(result.exit_code, 1) << command[1];
        EXPECT_NE(result.err.find("WATCHTOWER_MASTER_KEY is not set: production mode needs a master key"),
                  std::string::npos)
            << result.err;
    }
    auto set = SetSmtpPassword(kSmtpPassword, production);
    EXPECT_EQ(set.exit_code, 1);
    EXPECT_NE(set.err.find("WATCHTOWER_MASTER_KEY is not set"), std::string::npos) << set.err;
    EXPECT_FALSE(std::filesystem::exists(MasterKeyFile())) << "production never generates a key file";
}

TEST_F(KeysTest, SecretsSetTakesKnownNamesFromStdinOnly) {
    ASSERT_EQ(server_.Cli({"keys", "status"}).exit_code, 0);  // creates the database, empty
    auto unknown = RunWithStdin({"--data-dir", Dir(), "secrets", "set", "db_password"}, "x\n");
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.err.find("unknown secret db_password; known: smtp_password"), std::string::npos) << unknown.err;
    auto empty = RunWithStdin({"--data-dir", Dir(), "secrets", "set", "smtp_password"}, "");
    EXPECT_EQ(empty.exit_code, 1);
    EXPECT_NE(empty.err.find("read from stdin and must not be empty"), std::string::npos) << empty.err;
    auto extra = RunWithStdin({"--data-dir", Dir(), "secrets", "set", "smtp_password", "value-in-argv"}, "x\n");
    EXPECT_EQ(extra.exit_code, 2) << "a value on the command line is refused";
    EXPECT_EQ(Query("SELECT count(*) FROM server_secrets"), "0");
    // Set twice: the second value replaces the first.
    ASSERT_EQ(SetSmtpPassword("first").exit_code, 0);
    ASSERT_EQ(SetSmtpPassword(kSmtpPassword).exit_code, 0);
    EXPECT_EQ(Query("SELECT count(*) FROM server_secrets"), "1");
    EXPECT_EQ(OpenSmtpPassword(crypto::Keyring({MasterKey()})), kSmtpPassword);
}

}  // namespace
}  // namespace wt::integration
