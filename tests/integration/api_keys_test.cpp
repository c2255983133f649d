// SPDX-License-Identifier: Apache-2.0
// /orgs/api-keys and /orgs/allowed-ips against a real server: the key is shown once, rotation and
// revocation, audit entries, recent authentication, the console lock-out guard.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

class ApiKeysTest : public ::testing::Test {
protected:
    void SetUp() override {
        ServerConfig config;
        config.clock_file = true;
        server_ = std::make_unique<Server>(config);
        server_->Start();
        admin_ = server_->MustLogin(server_->admin_email);
    }
    void TearDown() override {
        ASSERT_EQ(server_->Stop(), 0);
        auto leaked = server_->LeakedSecrets();
        EXPECT_TRUE(leaked.empty()) << "secret in the logs: " << leaked.front();
    }

    HttpResponse Create(const std::string& name, const std::string& environment, json::array allowed_ips = {}) {
        auto res = server_->As(admin_, "POST", "/api/v1/orgs/api-keys",
                               json::serialize(json::object{
                                   {"name", name}, {"environment", environment}, {"allowed_ips", allowed_ips}}));
        if (res.status == 201) server_->RememberSecret(std::string(res.Json().at("key").as_string()));
        return res;
    }
    json::array ListKeys() {
        auto res = server_->As(admin_, "GET", "/api/v1/orgs/api-keys");
        EXPECT_EQ(res.status, 200) << res.body;
        return res.status == 200 ? res.Json().at("data").as_array() : json::array{};
    }
    std::vector<std::string> AuditActions() {
        auto res = server_->As(admin_, "GET", "/api/v1/orgs/audit-logs?action=api_key.");
        EXPECT_EQ(res.status, 200) << res.body;
        std::vector<std::string> actions;
        auto body = res.Json();
        for (const auto& entry : body.at("data").as_array()) actions.emplace_back(entry.at("action").as_string());
        return actions;
    }

    std::unique_ptr<Server> server_;
    Session admin_;
};

TEST_F(ApiKeysTest, CreateShowsTheKeyOnceWithItsEnvironmentPrefix) {
    auto live = Create("core banking", "production", json::array{"203.0.113.0/24", "2001:db8::/32"});
    ASSERT_EQ(live.status, 201) << live.body;
    auto created = live.Json();
    std::string key(created.at("key").as_string());
    EXPECT_EQ(key.rfind("wt_live_", 0), 0u);
    EXPECT_EQ(key.size(), 8u + 43u) << "wt_live_ + base64url of 32 random bytes";
    EXPECT_EQ(key.rfind(std::string(created.at("prefix").as_string()), 0), 0u) << "the prefix is the key's start";
    EXPECT_EQ(created.at("status").as_string(), "active");
    EXPECT_EQ(created.at("allowed_ips").as_array().size(), 2u);

    auto sandbox = Create("tests", "sandbox");
    ASSERT_EQ(sandbox.status, 201) << sandbox.body;
    EXPECT_EQ(std::string(sandbox.Json().at("key").as_string()).rfind("wt_test_", 0), 0u);

    // Never again: not in the list, not in any field of any key.
    auto keys = ListKeys();
    ASSERT_EQ(keys.size(), 2u);
    for (const auto& listed : keys) {
        EXPECT_EQ(listed.as_object().if_contains("key"), nullptr);
        EXPECT_EQ(json::serialize(listed).find(key), std::string::npos);
    }
    EXPECT_EQ(keys[0].at("name").as_string(), "tests") << "newest first";
    EXPECT_EQ(AuditActions(), (std::vector<std::string>{"api_key.created", "api_key.created"}));
}

TEST_F(ApiKeysTest, BadBodiesNameTheField) {
    auto res = server_->As(admin_, "POST", "/api/v1/orgs/api-keys",
                           R"({"name": "", "environment": "staging", "allowed_ips": ["10.0.0.1/8", "nope"], "x": 1})");
    ASSERT_EQ(res.status, 422) << res.body;
    std::set<std::string> fields;
    auto body = res.Json();
    for (const auto& error : body.at("errors").as_array()) fields.emplace(error.at("field").as_string());
    EXPECT_EQ(fields, (std::set<std::string>{"name", "environment", "allowed_ips[0]", "allowed_ips[1]", "x"}));
}

TEST_F(ApiKeysTest, RotateIssuesASuccessorAndRevokeEndsAKey) {
    auto created = Create("core", "production");
    ASSERT_EQ(created.status, 201);
    std::string id(created.Json().at("id").as_string());

    auto rotated = server_->As(admin_, "POST", "/api/v1/orgs/api-keys/" + id + "/rotate", R"({"grace_seconds": 3600})");
    ASSERT_EQ(rotated.status, 201) << rotated.body;
    server_->RememberSecret(std::string(rotated.Json().at("key").as_string()));
    EXPECT_NE(rotated.Json().at("id").as_string(), id);
    EXPECT_NE(rotated.Json().at("key").as_string(), created.Json().at("key").as_string());

    auto again = server_->As(admin_, "POST", "/api/v1/orgs/api-keys/" + id + "/rotate", R"({"grace_seconds": 0})");
    EXPECT_EQ(again.status, 409) << "a rotating key is not rotated twice: " << again.body;

    auto too_long = server_->As(admin_, "POST", "/api/v1/orgs/api-keys/" + std::string(rotated.Json().at("id").as_string()) +
                                                    "/rotate",
                                R"({"grace_seconds": 99999999})");
    EXPECT_EQ(too_long.status, 422) << too_long.body;

    std::map<std::string, std::string> status;
    for (const auto& key : ListKeys()) status[std::string(key.at("id").as_string())] = key.at("status").as_string();
    EXPECT_EQ(status[id], "rotating");

    EXPECT_EQ(server_->As(admin_, "DELETE", "/api/v1/orgs/api-keys/" + id).status, 204);
    for (const auto& key : ListKeys()) {
        if (key.at("id").as_string() == id) {
            EXPECT_EQ(key.at("status").as_string(), "revoked");
        }
    }
    EXPECT_EQ(server_->As(admin_, "DELETE", "/api/v1/orgs/api-keys/key_unknown").status, 404);
    EXPECT_EQ(AuditActions(),
              (std::vector<std::string>{"api_key.revoked", "api_key.rotated", "api_key.created"}));
}

TEST_F(ApiKeysTest, KeyChangesNeedARecentAuthentication) {
    server_->SetClockOffset(16 * 60);
    auto res = server_->As(admin_, "POST", "/api/v1/orgs/api-keys",
                           R"({"name": "late", "environment": "sandbox"})");
    EXPECT_EQ(res.status, 403) << res.body;
    EXPECT_EQ(res.Code(), "reauthentication_required");
    EXPECT_EQ(server_->As(admin_, "GET", "/api/v1/orgs/api-keys").status, 200) << "reading needs no re-authentication";
}

TEST_F(ApiKeysTest, AllowedIpsRoundTripAndTheAdminCannotLockThemselvesOut) {
    auto empty = server_->As(admin_, "GET", "/api/v1/orgs/allowed-ips");
    ASSERT_EQ(empty.status, 200) << empty.body;
    EXPECT_EQ(json::serialize(empty.Json()), R"({"console":[],"ingestion":[]})");

    auto locked_out = server_->As(admin_, "PUT", "/api/v1/orgs/allowed-ips",
                                  R"({"console": [{"cidr": "203.0.113.0/24", "label": "office"}], "ingestion": []})");
    ASSERT_EQ(locked_out.status, 422) << locked_out.body;
    EXPECT_EQ(locked_out.Json().at("errors").at(0).at("field").as_string(), "console");

    auto saved = server_->As(admin_, "PUT", "/api/v1/orgs/allowed-ips",
                             R"({"console": [{"cidr": "127.0.0.0/8", "label": "loopback"}],)"
                             R"( "ingestion": [{"cidr": "2001:db8::/32", "label": "v6"}, {"cidr": "198.51.100.7"}]})");
    ASSERT_EQ(saved.status, 200) << saved.body;
    auto read = server_->As(admin_, "GET", "/api/v1/orgs/allowed-ips");
    ASSERT_EQ(read.status, 200);
    EXPECT_EQ(json::serialize(read.Json()),
              R"({"console":[{"cidr":"127.0.0.0/8","label":"loopback"}],"ingestion":[{"cidr":"2001:db8::/32","label":"v6"},)"
              R"({"cidr":"198.51.100.7/32","label":""}]})");

    auto bad = server_->As(admin_, "PUT", "/api/v1/orgs/allowed-ips", R"({"console": [{"cidr": "10.0.0.1/8"}]})");
    ASSERT_EQ(bad.status, 422) << bad.body;
    std::set<std::string> fields;
    auto body = bad.Json();
    for (const auto& error : body.at("errors").as_array()) fields.emplace(error.at("field").as_string());
    EXPECT_EQ(fields, (std::set<std::string>{"console[0].cidr", "ingestion"}));

    auto audit = server_->As(admin_, "GET", "/api/v1/orgs/audit-logs?action=allowed_ips.changed");
    ASSERT_EQ(audit.status, 200);
    EXPECT_EQ(audit.Json().at("data").as_array().size(), 1u) << "one successful change, audited";
}

// limits.ingest_rate_per_key: a key past its bucket gets 429 with Retry-After, other keys are
// unaffected, and tokens come back with time. A 401 names the Bearer scheme (RFC 6750).
TEST(IngestionLimitsTest, PerKeyRateLimitAnswers429WithRetryAfter) {
    ServerConfig config;
    config.clock_file = true;
    config.env["WATCHTOWER_INGEST_RATE_PER_KEY"] = "1";
    config.env["WATCHTOWER_INGEST_BURST_PER_KEY"] = "5";
    Server server(config);
    server.Start();
    auto admin = server.MustLogin(server.admin_email);
    auto new_key = [&](const std::string& name) {
        auto res = server.As(admin, "POST", "/api/v1/orgs/api-keys",
                             json::serialize(json::object{{"name", name}, {"environment", "sandbox"}}));
        EXPECT_EQ(res.status, 201) << res.body;
        std::string key(res.Json().at("key").as_string());
        server.RememberSecret(key);
        return "Bearer " + key;
    };
    const std::string first = new_key("limited");
    const std::string second = new_key("neighbour");
    int sequence = 0;
    auto send = [&](const std::string& bearer) {
        return server.Call("POST", "/api/v1/transactions",
                           json::serialize(json::object{{"external_id", "rl-" + std::to_string(++sequence)},
                                                        {"amount", "1.00"},
                                                        {"currency", "EUR"},
                                                        {"direction", "inbound"},
                                                        {"account_id", "acc-1"}}),
                           {{"Authorization", bearer}});
    };
    for (int i = 0; i < 5; ++i) EXPECT_EQ(send(first).status, 201) << "request " << i << " is within the burst";
    auto limited = send(first);
    ASSERT_EQ(limited.status, 429) << limited.body;
    EXPECT_EQ(limited.Code(), "rate_limited");
    ASSERT_TRUE(limited.Header("Retry-After").has_value());
    EXPECT_EQ(*limited.Header("Retry-After"), "1");
    EXPECT_EQ(send(second).status, 201) << "another key has its own bucket";
    // The refused request stored nothing: 5 + 1 rows.
    auto listed = server.As(admin, "GET", "/api/v1/transactions?environment=sandbox&limit=100");
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_EQ(listed.Json().at("data").as_array().size(), 6u);
    server.SetClockOffset(10);  // ten seconds later: the bucket refilled (one a second, five at most)
    EXPECT_TRUE(PollUntil([&] { return send(first).status == 201; }, 5s));

    auto anonymous = server.Call("POST", "/api/v1/transactions", "{}");
    EXPECT_EQ(anonymous.status, 401);
    EXPECT_EQ(anonymous.Header("WWW-Authenticate").value_or(""), "Bearer realm=\"watchtower\"");
    auto wrong = server.Call("POST", "/api/v1/transactions", "{}", {{"Authorization", "Bearer wt_test_nope"}});
    EXPECT_EQ(wrong.status, 401);
    EXPECT_TRUE(wrong.Header("WWW-Authenticate").has_value());
    EXPECT_EQ(server.Stop(), 0);
    auto leaked = server.LeakedSecrets();
    EXPECT_TRUE(leaked.empty()) << "secret in the logs: " << leaked.front();
}

}  // namespace
}  // namespace wt::integration
