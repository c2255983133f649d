// SPDX-License-Identifier: Apache-2.0
// The audit log route (filters, pagination, shape) and the hash chain across processes.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <regex>
#include <thread>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;
const char* kProbeAgent = "WatchTower-Integration-Probe/1.0 (audit)";

class AuditLogTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto server = std::make_unique<Server>();
        server->Start();
        // Traffic to audit: one failed login of the viewer (custom user agent), successful logins.
        server->RememberSecret("wrong-password-for-audit");
        EXPECT_FALSE(server->Login(server->role_email.at("VIEWER"), "wrong-password-for-audit",
                                   {{"User-Agent", kProbeAgent}}));
        server->MustLogin(server->role_email.at("VIEWER"));
        server->MustLogin(server->role_email.at("ANALYST"));
        admin_ = new Session(server->MustLogin(server->admin_email));
        server_ = server.release();
    }
    static void TearDownTestSuite() {
        delete admin_;
        admin_ = nullptr;
        if (!server_) return;
        EXPECT_EQ(server_->Stop(), 0);
        auto leaked = server_->LeakedSecrets();
        EXPECT_TRUE(leaked.empty()) << "secret in the logs: " << leaked.front();
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(server_ && admin_) << "the suite's server did not start"; }

    HttpResponse Query(const std::string& query) {
        return server_->As(*admin_, "GET", "/api/v1/orgs/audit-logs" + query);
    }
    json::array Entries(const std::string& query) {
        auto res = Query(query);
        EXPECT_EQ(res.status, 200) << query << ": " << res.body;
        if (res.status != 200) return {};
        return res.Json().at("data").as_array();
    }
    static Server* server_;
    static Session* admin_;
};
Server* AuditLogTest::server_ = nullptr;
Session* AuditLogTest::admin_ = nullptr;

TEST_F(AuditLogTest, EntriesHaveTheDocumentedShape) {
    auto entries = Entries("?limit=500");
    ASSERT_FALSE(entries.empty());
    std::regex rfc3339(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$)");
    std::set<std::string> ids;
    for (const auto& value : entries) {
        const auto& entry = value.as_object();
        SCOPED_TRACE(Dump(entry));
        for (const char* key : {"id", "at", "actor", "action", "target", "ip", "user_agent", "details"})
            EXPECT_TRUE(entry.contains(key)) << "missing " << key;
        EXPECT_TRUE(ids.insert(std::string(entry.at("id").as_string())).second) << "duplicate id";
        EXPECT_TRUE(std::regex_match(std::string(entry.at("at").as_string()), rfc3339));
        std::string type(entry.at("actor").at("type").as_string());
        EXPECT_TRUE(type == "user" || type == "api_key" || type == "system") << type;
        EXPECT_TRUE(entry.at("details").is_object());
        EXPECT_NE(std::string(entry.at("action").as_string()).find('.'), std::string::npos);
    }
}

TEST_F(AuditLogTest, AFailedLoginIsRecordedWithIpAndUserAgent) {
    auto entries = Entries("?limit=500&action=auth.login.failed");
    ASSERT_FALSE(entries.empty());
    bool found = false;
    for (const auto& entry : entries) {
        EXPECT_EQ(entry.at("action").as_string(), "auth.login.failed");
        if (entry.at("target").as_string() != "user:" + server_->role_user_id.at("VIEWER")) continue;
        found = true;
        EXPECT_EQ(entry.at("ip").as_string(), "127.0.0.1");
        EXPECT_EQ(entry.at("user_agent").as_string(), kProbeAgent);
        // docs/security.md: a failed login has no authenticated actor; the account is the target.
        EXPECT_EQ(entry.at("actor").at("type").as_string(), "user");
        EXPECT_TRUE(entry.at("actor").at("id").is_null()) << Dump(entry);
        EXPECT_EQ(Dump(entry).find("wrong-password-for-audit"), std::string::npos) << "password in the audit log";
    }
    EXPECT_TRUE(found) << Dump(entries);
}

TEST_F(AuditLogTest, ActionFilterIsExactOrAPrefixEndingInADot) {
    auto succeeded = Entries("?limit=500&action=auth.login.succeeded");
    EXPECT_GE(succeeded.size(), 3u);
    for (const auto& e : succeeded) EXPECT_EQ(e.at("action").as_string(), "auth.login.succeeded");

    auto prefix = Entries("?limit=500&action=auth.");
    std::set<std::string> actions;
    for (const auto& e : prefix) {
        std::string action(e.at("action").as_string());
        EXPECT_EQ(action.rfind("auth.", 0), 0u) << action;
        actions.insert(action);
    }
    EXPECT_TRUE(actions.count("auth.login.succeeded"));
    EXPECT_TRUE(actions.count("auth.login.failed"));
    EXPECT_GT(prefix.size(), succeeded.size());
    // "auth.login" is neither an action nor a prefix ending in '.': no partial matches.
    EXPECT_TRUE(Entries("?limit=500&action=auth.login").empty());
    EXPECT_TRUE(Entries("?limit=500&action=no.such.action").empty());
}

TEST_F(AuditLogTest, ActorFilterReturnsOnlyThatActor) {
    const std::string viewer = server_->role_user_id.at("VIEWER");
    auto entries = Entries("?limit=500&actor_id=" + viewer);
    ASSERT_GE(entries.size(), 1u) << "the viewer's successful login";
    bool login_seen = false;
    for (const auto& e : entries) {
        EXPECT_EQ(e.at("actor").at("id").as_string(), viewer);
        if (e.at("action").as_string() == "auth.login.succeeded") login_seen = true;
    }
    EXPECT_TRUE(login_seen) << Dump(entries);
    EXPECT_LT(entries.size(), Entries("?limit=500").size());
}

TEST_F(AuditLogTest, TimeFiltersTakeRfc3339AndRefuseAnythingElse) {
    size_t all = Entries("?limit=500").size();
    ASSERT_GT(all, 0u);
    EXPECT_EQ(Entries("?limit=500&from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z").size(), all);
    EXPECT_TRUE(Entries("?limit=500&from=2999-01-01T00:00:00Z").empty());
    EXPECT_TRUE(Entries("?limit=500&to=2000-01-01T00:00:00Z").empty());

    auto bad = Query("?from=yesterday");
    EXPECT_EQ(bad.status, 422) << bad.body;
    EXPECT_EQ(bad.Code(), "validation_failed");
    auto body = bad.Json();
    ASSERT_TRUE(body.as_object().contains("errors")) << bad.body;
    EXPECT_EQ(body.at("errors").as_array().at(0).at("field").as_string(), "from");
    auto bad_to = Query("?to=2026-13-45");
    EXPECT_EQ(bad_to.status, 422) << bad_to.body;
}

TEST_F(AuditLogTest, LimitMustBeBetweenOneAndFiveHundred) {
    for (const char* limit : {"0", "501", "-1", "ten"}) {
        auto res = Query(std::string("?limit=") + limit);
        EXPECT_EQ(res.status, 422) << limit << ": " << res.body;
        EXPECT_EQ(res.Code(), "validation_failed");
        auto body = res.Json();
        if (body.is_object() && body.as_object().contains("errors")) {
            EXPECT_EQ(body.at("errors").as_array().at(0).at("field").as_string(), "limit");
        }
    }
    EXPECT_EQ(Entries("?limit=1").size(), 1u);
    EXPECT_EQ(Query("?limit=500").status, 200);
}

TEST_F(AuditLogTest, CursorPaginationWalksEveryEntryNewestFirstWithoutDuplicates) {
    // A distinctive newest entry: a failed login of the risk lead.
    server_->RememberSecret("another-wrong-password");
    EXPECT_FALSE(server_->Login(server_->role_email.at("RISK_LEAD"), "another-wrong-password"));
    auto everything = Entries("?limit=500");
    ASSERT_GE(everything.size(), 5u);
    EXPECT_EQ(everything[0].at("action").as_string(), "auth.login.failed");
    EXPECT_EQ(everything[0].at("target").as_string(), "user:" + server_->role_user_id.at("RISK_LEAD"));

    std::vector<std::string> walked;
    std::string cursor;
    for (int page = 0; page < 200; ++page) {
        auto res = Query("?limit=2" + (cursor.empty() ? std::string() : "&cursor=" + cursor));
        ASSERT_EQ(res.status, 200) << res.body;
        auto body = res.Json().as_object();
        const auto& data = body.at("data").as_array();
        EXPECT_LE(data.size(), 2u);
        for (const auto& e : data) walked.emplace_back(e.at("id").as_string());
        if (body.at("next_cursor").is_null()) break;
        ASSERT_TRUE(body.at("next_cursor").is_string());
        cursor = std::string(body.at("next_cursor").as_string());
        ASSERT_FALSE(data.empty()) << "a page with a next cursor must not be empty";
    }
    std::vector<std::string> expected;
    for (const auto& e : everything) expected.emplace_back(e.at("id").as_string());
    EXPECT_EQ(walked, expected) << "pagination must visit every entry once, newest first";
    std::set<std::string> unique(walked.begin(), walked.end());
    EXPECT_EQ(unique.size(), walked.size());

    auto bad_cursor = Query("?cursor=not-a-cursor");
    EXPECT_EQ(bad_cursor.status, 422) << bad_cursor.body;
}

// ---------------------------------------------------------------------------------------------

int Sqlite(const std::string& db, const std::string& sql) {
    std::string script = db + ".sql";
    WriteFile(script, sql);
    std::string command = "sqlite3 -bail '" + db + "' < '" + script + "' > /dev/null 2>&1";
    int rc = std::system(command.c_str());
    std::remove(script.c_str());
    return rc;
}

// A copy of the (stopped) server's database in a new data directory.
std::string CopyDatabase(const std::string& data_dir, const std::string& tag) {
    std::string dir = MakeTempDir(tag);
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::string from = data_dir + "/watchtower.db" + suffix;
        if (std::filesystem::exists(from)) std::filesystem::copy_file(from, dir + "/watchtower.db" + suffix);
    }
    return dir;
}

TEST(AuditChainTest, CliWritersAndServerShareOneChainAndTamperingIsDetected) {
    ServerConfig config;
    config.members = false;
    Server server(config);
    server.Start();

    std::atomic<int> logins_ok{0};
    std::thread logins([&] {
        for (int round = 0; round < 10; ++round) {
            try {
                if (server.Login(server.admin_email)) ++logins_ok;
            } catch (const std::exception& e) {
                ADD_FAILURE() << "login during CLI writes: " << e.what();
            }
        }
    });
    std::vector<CommandResult> added(5);
    std::vector<std::thread> writers;
    for (int idx = 0; idx < 5; ++idx) {
        writers.emplace_back([&, idx] {
            added[idx] = server.Cli({"user", "add", "--org", server.acme_org_id, "--email",
                                     "concurrent" + std::to_string(idx) + "@acme.test", "--role", "ANALYST",
                                     "--password-file", server.data_dir() + "/password.txt", "--json"});
        });
    }
    for (auto& writer : writers) writer.join();
    logins.join();
    EXPECT_EQ(logins_ok.load(), 10);
    for (const auto& result : added) EXPECT_EQ(result.exit_code, 0) << result.err;

    auto verify = server.Cli({"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_NE(verify.out.find("chain intact"), std::string::npos) << verify.out;
    // 1 member.added (init) + 10 logins + 5 member.added, at least.
    std::smatch count;
    ASSERT_TRUE(std::regex_search(verify.out, count, std::regex(R"((\d+) entries)"))) << verify.out;
    EXPECT_GE(std::stoi(count[1]), 16);
    ASSERT_EQ(server.Stop(), 0);

    const std::string drop_triggers =
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;\n";
    const std::string org = server.acme_org_id;
    std::vector<std::string> copies;

    {  // (a) an edited entry
        std::string dir = CopyDatabase(server.data_dir(), "edit");
        copies.push_back(dir);
        ASSERT_EQ(Sqlite(dir + "/watchtower.db",
                         drop_triggers + "UPDATE audit_log SET details = '{\"tampered\":true}' WHERE org_id = '" + org +
                             "' AND seq = 3;"),
                  0);
        auto result = RunWatchtower({"--data-dir", dir, "audit", "verify"});
        EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
        EXPECT_NE(result.out.find("entry 3 "), std::string::npos) << "the report must name the entry: " << result.out;
        EXPECT_EQ(result.out.find("chain intact"), std::string::npos);
    }
    {  // (b) a deleted middle entry
        std::string dir = CopyDatabase(server.data_dir(), "delete-middle");
        copies.push_back(dir);
        ASSERT_EQ(Sqlite(dir + "/watchtower.db",
                         drop_triggers + "DELETE FROM audit_log WHERE org_id = '" + org + "' AND seq = 5;"),
                  0);
        auto result = RunWatchtower({"--data-dir", dir, "audit", "verify"});
        EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
        EXPECT_NE(result.out.find("TAMPERED"), std::string::npos) << result.out;
        EXPECT_NE(result.out.find(org), std::string::npos) << result.out;
    }
    {  // (c) the last entry deleted
        std::string dir = CopyDatabase(server.data_dir(), "delete-last");
        copies.push_back(dir);
        ASSERT_EQ(Sqlite(dir + "/watchtower.db",
                         drop_triggers + "DELETE FROM audit_log WHERE org_id = '" + org +
                             "' AND seq = (SELECT MAX(seq) FROM audit_log WHERE org_id = '" + org + "');"),
                  0);
        auto result = RunWatchtower({"--data-dir", dir, "audit", "verify"});
        EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
        EXPECT_NE(result.out.find("TAMPERED"), std::string::npos) << result.out;
    }
    {  // control: an untouched copy still verifies, so the failures above are the tampering
        std::string dir = CopyDatabase(server.data_dir(), "untouched");
        copies.push_back(dir);
        auto result = RunWatchtower({"--data-dir", dir, "audit", "verify"});
        EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    }
    // The triggers themselves refuse edits on the original.
    EXPECT_NE(Sqlite(server.data_dir() + "/watchtower.db", "UPDATE audit_log SET details = '{}' WHERE seq = 1;"), 0);
    if (!::testing::Test::HasFailure())
        for (const auto& dir : copies) RemoveTree(dir);
}

}  // namespace
}  // namespace wt::integration
