// SPDX-License-Identifier: Apache-2.0
// The ingestion surface against a real server (API.md "Ingestion surface (API key)" and "Console
// reads"; SECURITY.md "API keys"): key lifecycle, authentication shape, environments, key and
// organization allowlists (IPv4, IPv6, X-Forwarded-For from trusted proxies only), body limits and
// validation, the answers, idempotency (also under 50 concurrent duplicates), batches, and the
// console list and detail.
#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <latch>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

constexpr const char* kTransactions = "/api/v1/transactions";
constexpr const char* kBatch = "/api/v1/transactions/batch";
constexpr const char* kBearerChallenge = "Bearer realm=\"watchtower\"";

// ---------------------------------------------------------------------------------------------
// Helpers

std::string Rfc3339(Clock::time_point at) {
    std::time_t seconds = Clock::to_time_t(at);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// "YYYY-MM-DDTHH:MM:SSZ" (the server's format), or nullopt.
std::optional<Clock::time_point> ParseTime(const std::string& text) {
    std::tm tm{};
    char zone = 0;
    if (text.size() != 20 ||
        std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &zone) != 7 ||
        zone != 'Z')
        return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return Clock::from_time_t(timegm(&tm));
}

// A minimal valid body.
json::object Txn(const std::string& external_id, const std::string& account_id, const std::string& amount = "10.00",
                 const std::string& currency = "USD") {
    return {{"external_id", external_id},
            {"amount", amount},
            {"currency", currency},
            {"direction", "outbound"},
            {"account_id", account_id}};
}

std::string Str(const json::object& body) { return json::serialize(body); }

HeaderList WithKey(const std::string& key, HeaderList headers = {}) {
    headers.emplace_back("Authorization", "Bearer " + key);
    return headers;
}

HttpResponse Post(const Server& server, const std::string& key, const std::string& body, HeaderList headers = {},
                  const std::string& path = kTransactions) {
    return server.Call("POST", path, body, WithKey(key, std::move(headers)));
}

// The `field` of every `errors[]` entry of a problem, sorted (the order is not part of the API).
std::vector<std::string> ErrorFields(const json::value& problem) {
    std::vector<std::string> fields;
    const auto* errors = problem.is_object() ? problem.as_object().if_contains("errors") : nullptr;
    if (errors && errors->is_array())
        for (const auto& error : errors->as_array()) fields.push_back(StringAt(error, "field"));
    std::sort(fields.begin(), fields.end());
    return fields;
}

std::vector<std::string> Sorted(std::vector<std::string> values) {
    std::sort(values.begin(), values.end());
    return values;
}

// Every row of GET /transactions?<query> across all pages (limit 500), newest first. Bounded.
json::array ListAll(const Server& server, const Session& session, const std::string& query = "") {
    json::array rows;
    std::string cursor;
    for (int page = 0; page < 200; ++page) {
        std::string target = std::string(kTransactions) + "?limit=500" + (query.empty() ? "" : "&" + query) +
                             (cursor.empty() ? "" : "&cursor=" + cursor);
        auto res = server.As(session, "GET", target);
        EXPECT_EQ(res.status, 200) << target << ": " << res.body;
        if (res.status != 200) return rows;
        auto body = res.Json();
        for (const auto& row : body.at("data").as_array()) rows.push_back(row);
        const auto& next = body.at("next_cursor");
        if (next.is_null()) return rows;
        cursor = std::string(next.as_string());
    }
    ADD_FAILURE() << "more than 200 pages of transactions";
    return rows;
}

std::vector<std::string> ExternalIds(const json::array& rows) {
    std::vector<std::string> ids;
    for (const auto& row : rows) ids.push_back(StringAt(row, "external_id"));
    return ids;
}

// The API-key list entry of `id` (null when absent).
json::value KeyEntry(const Server& server, const Session& admin, const std::string& id) {
    auto res = server.As(admin, "GET", "/api/v1/orgs/api-keys");
    EXPECT_EQ(res.status, 200) << res.body;
    if (res.status != 200) return nullptr;
    auto body = res.Json();
    for (const auto& entry : body.at("data").as_array())
        if (StringAt(entry, "id") == id) return entry;
    return nullptr;
}

// Polls GET /orgs/api-keys (at most 6 s: usage is flushed every second) until `id` shows a use.
json::value WaitForUse(const Server& server, const Session& admin, const std::string& id) {
    json::value entry;
    PollUntil(
        [&] {
            entry = KeyEntry(server, admin, id);
            return entry.is_object() && entry.as_object().contains("last_used_at") &&
                   !entry.at("last_used_at").is_null();
        },
        6s);
    return entry;
}

void ExpectProblem(const HttpResponse& res, int status, const std::string& code, const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_EQ(res.status, status) << res.body;
    EXPECT_EQ(res.Code(), code) << res.body;
    EXPECT_EQ(res.Header("Content-Type").value_or(""), "application/problem+json") << res.body;
}

// Reverts the organization's allowed-IP lists to "allow all" when a test ends, however it ends.
struct AllowedIpsReset {
    const Server& server;
    const Session& admin;
    HeaderList headers;
    ~AllowedIpsReset() {
        auto res = server.As(admin, "PUT", "/api/v1/orgs/allowed-ips", R"({"console": [], "ingestion": []})", headers);
        EXPECT_EQ(res.status, 200) << "resetting the allowed IPs: " << res.body;
    }
};

// ---------------------------------------------------------------------------------------------
// The main server: seeded members, a test clock, a production and a sandbox key.

class IngestTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        ServerConfig config;
        config.clock_file = true;
        auto server = std::make_unique<Server>(config);
        server->Start();
        admin_ = new Session(server->MustLogin(server->admin_email));
        live_ = server->CreateApiKey(*admin_, "production", {}, "suite production");
        sandbox_ = server->CreateApiKey(*admin_, "sandbox", {}, "suite sandbox");
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
    void SetUp() override { ASSERT_NE(server_, nullptr) << "the suite's server did not start"; }
    void TearDown() override {
        if (server_) server_->SetClockOffset(0);
    }

    static Server& S() { return *server_; }
    static const Session& Admin() { return *admin_; }
    static HttpResponse Ingest(const std::string& key, const json::object& body, HeaderList headers = {}) {
        return Post(*server_, key, Str(body), std::move(headers));
    }
    static json::array Rows(const std::string& query) { return ListAll(*server_, *admin_, query); }

    static Server* server_;
    static Session* admin_;
    static ApiKey live_;
    static ApiKey sandbox_;
};
Server* IngestTest::server_ = nullptr;
Session* IngestTest::admin_ = nullptr;
ApiKey IngestTest::live_;
ApiKey IngestTest::sandbox_;

// ---- 1. Key lifecycle over ingestion ----------------------------------------------------------

TEST_F(IngestTest, ACreatedKeyIngestsAndIsNeverShownAgain) {
    auto key = S().CreateApiKey(Admin(), "production", {}, "lifecycle");
    ASSERT_EQ(key.key.rfind("wt_live_", 0), 0u) << key.key;
    auto res = Ingest(key.key, Txn("life-1", "acc-life"));
    EXPECT_EQ(res.status, 201) << res.body;

    auto entry = KeyEntry(S(), Admin(), key.id);
    ASSERT_TRUE(entry.is_object()) << "the new key is not listed";
    EXPECT_EQ(entry.as_object().if_contains("key"), nullptr);
    EXPECT_EQ(key.key.rfind(StringAt(entry, "prefix"), 0), 0u) << "the prefix is the start of the key";
    EXPECT_LT(StringAt(entry, "prefix").size(), key.key.size() / 2) << "the prefix is short";
    auto list = S().As(Admin(), "GET", "/api/v1/orgs/api-keys");
    EXPECT_EQ(list.body.find(key.key), std::string::npos) << "the full key is listed";
    EXPECT_EQ(list.body.find(key.key.substr(8)), std::string::npos) << "the key's random part is listed";

    auto audit = S().As(Admin(), "GET", "/api/v1/orgs/audit-logs?limit=500");
    ASSERT_EQ(audit.status, 200) << audit.body;
    EXPECT_NE(audit.body.find("api_key.created"), std::string::npos) << "the creation is audited";
    EXPECT_EQ(audit.body.find(key.key.substr(8)), std::string::npos) << "the key is in the audit log";
    // The server logs are searched for every key at the end of the suite (LeakedSecrets).
}

TEST_F(IngestTest, ARevokedKeyIsRefusedOnTheVeryNextRequest) {
    auto key = S().CreateApiKey(Admin(), "production", {}, "to revoke");
    ASSERT_EQ(Ingest(key.key, Txn("revoke-1", "acc-revoke")).status, 201) << "the key works (and is now cached)";
    ASSERT_EQ(S().As(Admin(), "DELETE", "/api/v1/orgs/api-keys/" + key.id).status, 204);
    auto refused = Ingest(key.key, Txn("revoke-2", "acc-revoke"));
    ExpectProblem(refused, 401, "unauthenticated", "first request after the revocation");
    EXPECT_EQ(refused.Header("WWW-Authenticate").value_or("<missing>"), kBearerChallenge);
    auto batch = Post(S(), key.key, Str({{"transactions", json::array{Txn("revoke-3", "acc-revoke")}}}), {}, kBatch);
    ExpectProblem(batch, 401, "unauthenticated", "the batch route after the revocation");
    EXPECT_EQ(ExternalIds(Rows("account_id=acc-revoke")), std::vector<std::string>{"revoke-1"});
}

TEST_F(IngestTest, ARotatedKeyAndItsSuccessorBothWorkUntilTheGraceEnds) {
    auto old_key = S().CreateApiKey(Admin(), "production", {}, "to rotate");
    ASSERT_EQ(Ingest(old_key.key, Txn("rot-0", "acc-rot")).status, 201);
    auto rotated =
        S().As(Admin(), "POST", "/api/v1/orgs/api-keys/" + old_key.id + "/rotate", R"({"grace_seconds": 120})");
    ASSERT_EQ(rotated.status, 201) << rotated.body;
    std::string new_key(rotated.Json().at("key").as_string());
    std::string new_id(rotated.Json().at("id").as_string());
    S().RememberSecret(new_key);

    EXPECT_EQ(Ingest(old_key.key, Txn("rot-1", "acc-rot")).status, 201) << "old key during the grace";
    EXPECT_EQ(Ingest(new_key, Txn("rot-2", "acc-rot")).status, 201) << "new key during the grace";
    S().SetClockOffset(100);
    EXPECT_EQ(Ingest(old_key.key, Txn("rot-3", "acc-rot")).status, 201) << "old key 100 s into a 120 s grace";
    EXPECT_EQ(StringAt(KeyEntry(S(), Admin(), old_key.id), "status"), "rotating");

    S().SetClockOffset(125);
    auto late = Ingest(old_key.key, Txn("rot-4", "acc-rot"));
    ExpectProblem(late, 401, "unauthenticated", "old key after the grace");
    EXPECT_EQ(Ingest(new_key, Txn("rot-5", "acc-rot")).status, 201) << "new key after the grace";
    EXPECT_EQ(StringAt(KeyEntry(S(), Admin(), old_key.id), "status"), "revoked");
    EXPECT_EQ(StringAt(KeyEntry(S(), Admin(), new_id), "status"), "active");
    EXPECT_EQ(Sorted(ExternalIds(Rows("account_id=acc-rot"))),
              (std::vector<std::string>{"rot-0", "rot-1", "rot-2", "rot-3", "rot-5"}));
}

TEST_F(IngestTest, LastUsedAtAndIpAppearWithinSeconds) {
    auto key = S().CreateApiKey(Admin(), "production", {}, "usage");
    auto before = KeyEntry(S(), Admin(), key.id);
    ASSERT_TRUE(before.is_object());
    EXPECT_TRUE(before.at("last_used_at").is_null()) << Dump(before);
    EXPECT_TRUE(before.at("last_used_ip").is_null()) << Dump(before);

    auto sent_at = Clock::now();
    ASSERT_EQ(Ingest(key.key, Txn("usage-1", "acc-usage")).status, 201);
    auto entry = WaitForUse(S(), Admin(), key.id);
    ASSERT_TRUE(entry.is_object() && !entry.at("last_used_at").is_null()) << "no last_used_at after 6 s";
    EXPECT_EQ(StringAt(entry, "last_used_ip"), "127.0.0.1");
    auto used_at = ParseTime(StringAt(entry, "last_used_at"));
    ASSERT_TRUE(used_at) << Dump(entry);
    EXPECT_LE(std::chrono::abs(*used_at - sent_at), std::chrono::seconds(5)) << Dump(entry);
}

// ---- 2. Authentication shape ------------------------------------------------------------------

TEST_F(IngestTest, IngestionWithoutAValidBearerKeyIs401WithABearerChallenge) {
    auto viewer = S().MustLogin(S().role_email.at("VIEWER"));
    std::string unknown_live = "wt_live_" + std::string(43, 'A');
    std::string retagged = "wt_test_" + live_.key.substr(8);  // a real key's random part, other environment
    const std::vector<std::pair<std::string, HeaderList>> cases = {
        {"no Authorization", {}},
        {"Basic", {{"Authorization", "Basic dXNlcjpwYXNzd29yZA=="}}},
        {"Bearer garbage", {{"Authorization", "Bearer garbage"}}},
        {"Bearer empty", {{"Authorization", "Bearer "}}},
        {"the key without a scheme", {{"Authorization", live_.key}}},
        {"an unknown well-formed key", {{"Authorization", "Bearer " + unknown_live}}},
        {"a real key's random part with the other tag", {{"Authorization", "Bearer " + retagged}}},
        {"an admin session cookie with CSRF", {{"Cookie", Admin().CookieHeader()}, {"X-CSRF-Token", Admin().csrf}}},
        {"a viewer session cookie with CSRF", {{"Cookie", viewer.CookieHeader()}, {"X-CSRF-Token", viewer.csrf}}},
        {"a valid key next to a session cookie",
         {{"Authorization", "Bearer " + live_.key}, {"Cookie", Admin().CookieHeader()}}},
    };
    for (const auto& [what, headers] : cases) {
        for (const char* path : {kTransactions, kBatch}) {
            std::string body = path == std::string(kBatch)
                                   ? Str({{"transactions", json::array{Txn("auth-x", "acc-auth")}}})
                                   : Str(Txn("auth-x", "acc-auth"));
            auto res = S().Call("POST", path, body, headers);
            ExpectProblem(res, 401, "unauthenticated", what + " on " + path);
            EXPECT_EQ(res.Header("WWW-Authenticate").value_or("<missing>"), kBearerChallenge) << what;
        }
    }
    EXPECT_TRUE(Rows("account_id=acc-auth").empty()) << "a refused request stored something";

    // The scheme is case-insensitive (RFC 9110 11.1); an API key never works on a console route.
    EXPECT_EQ(
        S().Call("POST", kTransactions, Str(Txn("auth-ok", "acc-auth")), {{"Authorization", "bearer " + live_.key}})
            .status,
        201);
    auto console = S().Get(std::string(kTransactions), WithKey(live_.key));
    ExpectProblem(console, 401, "unauthenticated", "an API key on GET /transactions");
}

// ---- 3. Environments --------------------------------------------------------------------------

TEST_F(IngestTest, SandboxAndProductionDataNeverMix) {
    EXPECT_EQ(sandbox_.key.rfind("wt_test_", 0), 0u);
    auto in_sandbox = Ingest(sandbox_.key, Txn("env-1", "acc-env"));
    ASSERT_EQ(in_sandbox.status, 201) << in_sandbox.body;
    EXPECT_EQ(StringAt(in_sandbox.Json(), "environment"), "sandbox");

    EXPECT_TRUE(Rows("account_id=acc-env").empty()) << "the list defaults to production";
    EXPECT_TRUE(Rows("environment=production&account_id=acc-env").empty());
    auto sandbox_rows = Rows("environment=sandbox&account_id=acc-env");
    ASSERT_EQ(sandbox_rows.size(), 1u);
    EXPECT_EQ(StringAt(sandbox_rows[0], "environment"), "sandbox");
    EXPECT_EQ(StringAt(sandbox_rows[0], "id"), StringAt(in_sandbox.Json(), "id"));

    // The same external_id (and the same body) once in each environment: both are new.
    auto in_production = Ingest(live_.key, Txn("env-1", "acc-env"));
    ASSERT_EQ(in_production.status, 201) << "production must not replay a sandbox transaction: " << in_production.body;
    EXPECT_EQ(StringAt(in_production.Json(), "environment"), "production");
    EXPECT_NE(StringAt(in_production.Json(), "id"), StringAt(in_sandbox.Json(), "id"));

    ASSERT_EQ(Ingest(live_.key, Txn("env-2", "acc-env")).status, 201);
    auto replayed_elsewhere = Ingest(sandbox_.key, Txn("env-2", "acc-env"));
    EXPECT_EQ(replayed_elsewhere.status, 201) << "sandbox must not replay a production transaction";
    EXPECT_FALSE(replayed_elsewhere.Header("Idempotent-Replayed"));

    EXPECT_EQ(Sorted(ExternalIds(Rows("account_id=acc-env"))), (std::vector<std::string>{"env-1", "env-2"}));
    EXPECT_EQ(Sorted(ExternalIds(Rows("environment=sandbox&account_id=acc-env"))),
              (std::vector<std::string>{"env-1", "env-2"}));
    auto detail = S().As(Admin(), "GET", std::string(kTransactions) + "/" + StringAt(in_sandbox.Json(), "id"));
    ASSERT_EQ(detail.status, 200) << detail.body;
    EXPECT_EQ(StringAt(detail.Json(), "environment"), "sandbox");
    EXPECT_EQ(StringAt(detail.Json(), "api_key_id"), sandbox_.id);
}

// ---- 4. Allowlists (IPv4 from 127.0.0.1; IPv6 and proxies have their own servers below) -------

TEST_F(IngestTest, AKeyAllowlistAdmitsOnlyItsRanges) {
    auto elsewhere = S().CreateApiKey(Admin(), "production", {"10.0.0.0/8"}, "ten");
    auto loopback = S().CreateApiKey(Admin(), "production", {"127.0.0.1/32"}, "loopback");
    auto v6_only = S().CreateApiKey(Admin(), "production", {"::1/128"}, "v6 loopback");
    auto refused = Ingest(elsewhere.key, Txn("allow-1", "acc-allow"));
    ExpectProblem(refused, 403, "ip_not_allowed", "10.0.0.0/8 key from 127.0.0.1");
    ExpectProblem(
        Post(S(), elsewhere.key, Str({{"transactions", json::array{Txn("allow-1", "acc-allow")}}}), {}, kBatch), 403,
        "ip_not_allowed", "10.0.0.0/8 key on the batch route");
    ExpectProblem(Ingest(v6_only.key, Txn("allow-1", "acc-allow")), 403, "ip_not_allowed",
                  "::1/128 key from 127.0.0.1");
    EXPECT_EQ(Ingest(loopback.key, Txn("allow-2", "acc-allow")).status, 201) << "127.0.0.1/32 key from 127.0.0.1";
    EXPECT_EQ(ExternalIds(Rows("account_id=acc-allow")), std::vector<std::string>{"allow-2"});
}

TEST_F(IngestTest, TheOrganizationIngestionListAppliesToEveryKey) {
    AllowedIpsReset reset{S(), Admin(), {}};
    auto own_loopback = S().CreateApiKey(Admin(), "production", {"127.0.0.1/32"}, "own list");
    auto put = S().As(Admin(), "PUT", "/api/v1/orgs/allowed-ips",
                      R"({"console": [], "ingestion": [{"cidr": "10.0.0.0/8", "label": "datacenter"}]})");
    ASSERT_EQ(put.status, 200) << put.body;
    ExpectProblem(Ingest(live_.key, Txn("org-1", "acc-orglist")), 403, "ip_not_allowed", "production key");
    ExpectProblem(Ingest(sandbox_.key, Txn("org-1", "acc-orglist")), 403, "ip_not_allowed", "sandbox key");
    ExpectProblem(Ingest(own_loopback.key, Txn("org-1", "acc-orglist")), 403, "ip_not_allowed",
                  "a key whose own list allows 127.0.0.1: both lists apply");
    EXPECT_EQ(S().As(Admin(), "GET", std::string(kTransactions)).status, 200)
        << "the ingestion list is not the console's";

    put = S().As(Admin(), "PUT", "/api/v1/orgs/allowed-ips",
                 R"({"console": [], "ingestion": [{"cidr": "10.0.0.0/8"}, {"cidr": "127.0.0.0/8"}]})");
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(Ingest(live_.key, Txn("org-2", "acc-orglist")).status, 201);
    EXPECT_EQ(Ingest(own_loopback.key, Txn("org-3", "acc-orglist")).status, 201);

    put = S().As(Admin(), "PUT", "/api/v1/orgs/allowed-ips", R"({"console": [], "ingestion": []})");
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(Ingest(sandbox_.key, Txn("org-4", "acc-orglist")).status, 201) << "an empty list allows all";
    EXPECT_EQ(Sorted(ExternalIds(Rows("account_id=acc-orglist"))), (std::vector<std::string>{"org-2", "org-3"}));
}

TEST_F(IngestTest, ASpoofedForwardedForIsIgnoredWithoutTrustedProxies) {
    auto documentation = S().CreateApiKey(Admin(), "production", {"203.0.113.0/24"}, "doc range");
    ExpectProblem(Ingest(documentation.key, Txn("xff-1", "acc-xff"), {{"X-Forwarded-For", "203.0.113.5"}}), 403,
                  "ip_not_allowed", "X-Forwarded-For from an untrusted peer");
    auto open = S().CreateApiKey(Admin(), "production", {}, "open");
    ASSERT_EQ(Ingest(open.key, Txn("xff-2", "acc-xff"), {{"X-Forwarded-For", "203.0.113.5"}}).status, 201);
    auto entry = WaitForUse(S(), Admin(), open.id);
    EXPECT_EQ(StringAt(entry, "last_used_ip"), "127.0.0.1") << "the socket's address, not the header's";
}

TEST_F(IngestTest, AnAdminCannotSaveAConsoleListThatExcludesTheirOwnAddress) {
    for (const HeaderList& headers : {HeaderList{}, HeaderList{{"X-Forwarded-For", "203.0.113.5"}}}) {
        auto res = S().As(Admin(), "PUT", "/api/v1/orgs/allowed-ips",
                          R"({"console": [{"cidr": "203.0.113.0/24"}], "ingestion": []})", headers);
        ExpectProblem(res, 422, "validation_failed", headers.empty() ? "plain" : "with a spoofed X-Forwarded-For");
        EXPECT_EQ(ErrorFields(res.Json()), std::vector<std::string>{"console"});
    }
    auto lists = S().As(Admin(), "GET", "/api/v1/orgs/allowed-ips");
    EXPECT_EQ(lists.body, R"({"console":[],"ingestion":[]})") << "nothing was saved";
}

// ---- 5. Bodies --------------------------------------------------------------------------------

TEST_F(IngestTest, ANonJsonContentTypeIs415) {
    for (const char* type :
         {"text/plain", "application/x-www-form-urlencoded", "application/xml", "application/jsonp", ""}) {
        ExpectProblem(Ingest(live_.key, Txn("ct-1", "acc-ct"), {{"Content-Type", type}}), 415, "unsupported_media_type",
                      type);
        ExpectProblem(Post(S(), live_.key, Str({{"transactions", json::array{Txn("ct-1", "acc-ct")}}}),
                           {{"Content-Type", type}}, kBatch),
                      415, "unsupported_media_type", std::string("batch ") + type);
    }
    EXPECT_TRUE(Rows("account_id=acc-ct").empty());
    EXPECT_EQ(Ingest(live_.key, Txn("ct-2", "acc-ct"), {{"Content-Type", "application/json; charset=utf-8"}}).status,
              201);
    EXPECT_EQ(Ingest(live_.key, Txn("ct-3", "acc-ct"), {{"Content-Type", "Application/JSON"}}).status, 201);
}

TEST_F(IngestTest, BrokenJsonIs400MalformedRequest) {
    for (const std::string& body : {std::string(R"({"external_id": "broken-1",)"), std::string("{'a': 1}")}) {
        auto res = Post(S(), live_.key, body);
        ExpectProblem(res, 400, "malformed_request", body);
        auto batch = Post(S(), live_.key, body, {}, kBatch);
        ExpectProblem(batch, 400, "malformed_request", "batch " + body);
    }
}

TEST_F(IngestTest, TheDefaultBodyLimitsAre256KiBAnd8MiB) {
    // Padding with JSON whitespace keeps the body valid: only its size can refuse it.
    std::string body = Str(Txn("limit-1", "acc-limit"));
    auto under = Post(S(), live_.key, body.substr(0, body.size() - 1) + std::string(200 * 1024, ' ') + "}");
    EXPECT_EQ(under.status, 201) << "a 200 KiB body is under the 256 KiB default: " << under.body.substr(0, 300);
    auto over = Post(S(), live_.key, Str(Txn("limit-2", "acc-limit")) + std::string(257 * 1024, ' '));
    ExpectProblem(over, 413, "payload_too_large", "257 KiB single body");

    std::string batch = Str({{"transactions", json::array{Txn("limit-3", "acc-limit")}}});
    auto batch_under = Post(S(), live_.key, batch + std::string(1024 * 1024, ' '), {}, kBatch);
    EXPECT_EQ(batch_under.status, 200) << "a 1 MiB batch is under the 8 MiB default: "
                                       << batch_under.body.substr(0, 300);
    auto batch_over = Post(S(), live_.key, batch + std::string(8 * 1024 * 1024 + 1024, ' '), {}, kBatch);
    ExpectProblem(batch_over, 413, "payload_too_large", "8 MiB + 1 KiB batch");
    EXPECT_EQ(Sorted(ExternalIds(Rows("account_id=acc-limit"))), (std::vector<std::string>{"limit-1", "limit-3"}));
}

// One refused body: the raw text, the expected status, code and fields.
struct BadBody {
    std::string name;
    std::string body;
    int status;
    std::vector<std::string> fields;  // 422: exactly these (any order); 400: none
};

constexpr const char* kDrop = "<drop>";

// The minimal valid body with members replaced by raw JSON text, added (in order) or dropped.
std::string RawBody(std::vector<std::pair<std::string, std::string>> changes = {}) {
    std::vector<std::pair<std::string, std::string>> members = {{"external_id", R"("bad-body")"},
                                                                {"amount", R"("10.00")"},
                                                                {"currency", R"("USD")"},
                                                                {"direction", R"("outbound")"},
                                                                {"account_id", R"("acc-bad")"}};
    for (auto& [key, value] : changes) {
        auto it = std::find_if(members.begin(), members.end(), [&](const auto& m) { return m.first == key; });
        if (value == kDrop) {
            if (it != members.end()) members.erase(it);
        } else if (it != members.end()) {
            it->second = value;
        } else {
            members.emplace_back(key, value);
        }
    }
    std::string out = "{";
    for (std::size_t idx = 0; idx < members.size(); ++idx)
        out += (idx ? ", \"" : "\"") + members[idx].first + "\": " + members[idx].second;
    return out + "}";
}

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

std::vector<BadBody> BadBodies() {
    std::string nested_40;
    for (int level = 0; level < 40; ++level) nested_40 += "{\"a\":";
    nested_40 += "1" + std::string(40, '}');
    std::string metadata_65_keys = "{";
    for (int key_idx = 0; key_idx < 65; ++key_idx)
        metadata_65_keys += (key_idx ? ",\"k" : "\"k") + std::to_string(key_idx) + "\":1";
    metadata_65_keys += "}";
    const std::string in_ten_minutes = Quoted(Rfc3339(Clock::now() + std::chrono::minutes(10)));
    constexpr int k400 = 400;
    constexpr int k422 = 422;
    // clang-format off
    return {
        // Not a JSON object at all: 400 malformed_request.
        {"not JSON", "not json", k400, {}},
        {"truncated", R"({"external_id": "bad-body", "amount": )", k400, {}},
        {"an array", "[" + RawBody() + "]", k400, {}},
        {"null", "null", k400, {}},
        {"text after the object", RawBody() + " x", k400, {}},
        {"invalid UTF-8", RawBody({{"external_id", "\"\xFF\xFE\""}}), k400, {}},
        {"nested 40 deep", RawBody({{"metadata", nested_40}}), k400, {}},
        {"empty body", "", k400, {}},
        {"NaN amount", RawBody({{"amount", "NaN"}}), k400, {}},
        // Required fields.
        {"everything missing", "{}", k422, {"external_id", "amount", "currency", "direction", "account_id"}},
        {"external_id missing", RawBody({{"external_id", kDrop}}), k422, {"external_id"}},
        {"external_id null", RawBody({{"external_id", "null"}}), k422, {"external_id"}},
        {"external_id a number", RawBody({{"external_id", "123"}}), k422, {"external_id"}},
        {"external_id empty", RawBody({{"external_id", R"("")"}}), k422, {"external_id"}},
        {"external_id 129 bytes", RawBody({{"external_id", Quoted(std::string(129, 'e'))}}), k422, {"external_id"}},
        {"external_id with a control character", RawBody({{"external_id", R"("a\u0001b")"}}), k422, {"external_id"}},
        {"amount missing", RawBody({{"amount", kDrop}}), k422, {"amount"}},
        {"currency missing", RawBody({{"currency", kDrop}}), k422, {"currency"}},
        {"direction missing", RawBody({{"direction", kDrop}}), k422, {"direction"}},
        {"account_id missing", RawBody({{"account_id", kDrop}}), k422, {"account_id"}},
        // Amounts, as strings and as numbers, and the currency's minor unit.
        {"amount true", RawBody({{"amount", "true"}}), k422, {"amount"}},
        {"amount an object", RawBody({{"amount", R"({"value": 10})"}}), k422, {"amount"}},
        {"amount negative string", RawBody({{"amount", R"("-5.00")"}}), k422, {"amount"}},
        {"amount negative number", RawBody({{"amount", "-5"}}), k422, {"amount"}},
        {"amount zero string", RawBody({{"amount", R"("0.00")"}}), k422, {"amount"}},
        {"amount zero number", RawBody({{"amount", "0"}}), k422, {"amount"}},
        {"amount exponent in a string", RawBody({{"amount", R"("1e3")"}}), k422, {"amount"}},
        {"amount with a thousands comma", RawBody({{"amount", R"("1,250.00")"}}), k422, {"amount"}},
        {"amount empty string", RawBody({{"amount", R"("")"}}), k422, {"amount"}},
        {"USD 1.001 string", RawBody({{"amount", R"("1.001")"}}), k422, {"amount"}},
        {"USD 1.001 number", RawBody({{"amount", "1.001"}}), k422, {"amount"}},
        {"JPY 1.5 string", RawBody({{"amount", R"("1.5")"}, {"currency", R"("JPY")"}}), k422, {"amount"}},
        {"JPY 1.5 number", RawBody({{"amount", "1.5"}, {"currency", R"("JPY")"}}), k422, {"amount"}},
        {"KWD 0.0001", RawBody({{"amount", R"("0.0001")"}, {"currency", R"("KWD")"}}), k422, {"amount"}},
        {"amount too large", RawBody({{"amount", R"("10000000000000000.00")"}}), k422, {"amount"}},
        {"amount too large number", RawBody({{"amount", "1e30"}}), k422, {"amount"}},
        // Currency.
        {"currency lower case", RawBody({{"currency", R"("usd")"}}), k422, {"currency"}},
        {"currency unknown", RawBody({{"currency", R"("ABC")"}}), k422, {"currency"}},
        {"currency a number", RawBody({{"currency", "840"}}), k422, {"currency"}},
        {"currency two letters", RawBody({{"currency", R"("US")"}}), k422, {"currency"}},
        {"bad currency and bad amount", RawBody({{"currency", R"("dollars")"}, {"amount", R"("12,5")"}}), k422,
         {"amount", "currency"}},
        // Enumerations.
        {"direction unknown", RawBody({{"direction", R"("sideways")"}}), k422, {"direction"}},
        {"direction upper case", RawBody({{"direction", R"("OUTBOUND")"}}), k422, {"direction"}},
        {"type unknown", RawBody({{"type", R"("refund")"}}), k422, {"type"}},
        {"type a number", RawBody({{"type", "3"}}), k422, {"type"}},
        // Lengths of ids and text.
        {"account_id 129 bytes", RawBody({{"account_id", Quoted(std::string(129, 'a'))}}), k422, {"account_id"}},
        {"customer_id 129 bytes", RawBody({{"customer_id", Quoted(std::string(129, 'c'))}}), k422, {"customer_id"}},
        {"device_id with a tab", RawBody({{"device_id", R"("dev\t9")"}}), k422, {"device_id"}},
        {"channel 33 characters", RawBody({{"channel", Quoted(std::string(33, 'x'))}}), k422, {"channel"}},
        // Times (RFC 3339, at most 5 minutes ahead).
        {"occurred_at in words", RawBody({{"occurred_at", R"("yesterday")"}}), k422, {"occurred_at"}},
        {"occurred_at without a zone", RawBody({{"occurred_at", R"("2026-11-23T10:00:00")"}}), k422, {"occurred_at"}},
        {"occurred_at February 30", RawBody({{"occurred_at", R"("2026-02-30T00:00:00Z")"}}), k422, {"occurred_at"}},
        {"occurred_at a number", RawBody({{"occurred_at", "1795435200"}}), k422, {"occurred_at"}},
        {"occurred_at 10 minutes ahead", RawBody({{"occurred_at", in_ten_minutes}}), k422, {"occurred_at"}},
        // Countries (ISO 3166-1 alpha-2) and addresses.
        {"country lower case", RawBody({{"country", R"("us")"}}), k422, {"country"}},
        {"country alpha-3", RawBody({{"country", R"("USA")"}}), k422, {"country"}},
        {"country not assigned", RawBody({{"country", R"("XK")"}}), k422, {"country"}},
        {"ip octet 256", RawBody({{"ip", R"("256.1.1.1")"}}), k422, {"ip"}},
        {"ip with a zone", RawBody({{"ip", R"("fe80::1%eth0")"}}), k422, {"ip"}},
        // Counterparty.
        {"counterparty a string", RawBody({{"counterparty", R"("ACME GmbH")"}}), k422, {"counterparty"}},
        {"counterparty.country UK", RawBody({{"counterparty", R"({"country": "UK"})"}}), k422,
         {"counterparty.country"}},
        {"counterparty.country lower case", RawBody({{"counterparty", R"({"name": "A", "country": "de"})"}}), k422,
         {"counterparty.country"}},
        {"counterparty.name 201 characters", RawBody({{"counterparty", "{\"name\": " + Quoted(std::string(201, 'n')) + "}"}}),
         k422, {"counterparty.name"}},
        {"counterparty.name a number", RawBody({{"counterparty", R"({"name": 7})"}}), k422, {"counterparty.name"}},
        {"counterparty.account 65 bytes", RawBody({{"counterparty", "{\"account\": " + Quoted(std::string(65, '9')) + "}"}}),
         k422, {"counterparty.account"}},
        {"counterparty unknown member", RawBody({{"counterparty", R"({"name": "A", "iban": "DE89"})"}}), k422,
         {"counterparty.iban"}},
        // Metadata.
        {"metadata a string", RawBody({{"metadata", R"("mcc=6011")"}}), k422, {"metadata"}},
        {"metadata an array", RawBody({{"metadata", "[1]"}}), k422, {"metadata"}},
        {"metadata 65 keys", RawBody({{"metadata", metadata_65_keys}}), k422, {"metadata"}},
        {"metadata 4 levels deep", RawBody({{"metadata", R"({"a": {"b": {"c": {"d": 1}}}})"}}), k422, {"metadata"}},
        {"metadata key of 65 characters", RawBody({{"metadata", "{" + Quoted(std::string(65, 'k')) + ": 1}"}}), k422,
         {"metadata"}},
        {"metadata over 8192 bytes", RawBody({{"metadata", "{\"k\": " + Quoted(std::string(8200, 'x')) + "}"}}), k422,
         {"metadata"}},
        {"metadata duplicate key", RawBody({{"metadata", R"({"a": 1, "a": 2})"}}), k422, {"metadata.a"}},
        // Unknown and duplicate members, several problems at once.
        {"unknown top-level field", RawBody({{"notes", R"("hello")"}}), k422, {"notes"}},
        {"unknown top-level field differing in case", RawBody({{"Amount", R"("5")"}}), k422, {"Amount"}},
        {"amount twice", R"({"external_id": "bad-body", "amount": "1", "amount": "2", "currency": "USD",)"
                         R"( "direction": "inbound", "account_id": "acc-bad"})", k422, {"amount"}},
        {"several problems", RawBody({{"currency", R"("usd")"}, {"direction", R"("up")"}, {"type", R"("x")"},
                                      {"foo", "1"}}), k422, {"currency", "direction", "type", "foo"}},
    };
    // clang-format on
}

TEST_F(IngestTest, BadBodiesAreRefusedWithTheirFieldsAndNothingIsStored) {
    auto rows_before = Rows("").size() + Rows("environment=sandbox").size();
    auto table = BadBodies();
    ASSERT_GE(table.size(), 40u);
    for (const auto& row : table) {
        SCOPED_TRACE(row.name);
        auto res =
            S().Call("POST", kTransactions, row.body, WithKey(live_.key, {{"Content-Type", "application/json"}}));
        std::string code = row.status == 400 ? "malformed_request" : "validation_failed";
        ExpectProblem(res, row.status, code, row.name);
        auto problem = res.Json();
        if (!problem.is_object()) continue;
        EXPECT_EQ(problem.at("status").to_number<std::int64_t>(), row.status) << res.body;
        EXPECT_EQ(ErrorFields(problem), Sorted(row.fields)) << res.body.substr(0, 600);
        // The same body as a batch item: the item's own problem names the same fields.
        if (row.status == 422) {
            auto batch = Post(S(), live_.key, "{\"transactions\": [" + row.body + "]}", {}, kBatch);
            ASSERT_EQ(batch.status, 200) << batch.body.substr(0, 600);
            auto batch_json = batch.Json();
            const auto& item = batch_json.at("results").at(0);
            EXPECT_EQ(item.at("status").to_number<std::int64_t>(), 422) << batch.body.substr(0, 600);
            EXPECT_EQ(StringAt(item.at("problem"), "code"), "validation_failed") << batch.body.substr(0, 600);
            EXPECT_EQ(ErrorFields(item.at("problem")), Sorted(row.fields)) << batch.body.substr(0, 600);
        }
    }
    EXPECT_EQ(Rows("").size() + Rows("environment=sandbox").size(), rows_before) << "a refused body was stored";
}

TEST_F(IngestTest, AnInvalidIdempotencyKeyIs422) {
    const std::vector<std::pair<std::string, std::string>> keys = {
        {"256 characters", std::string(256, 'k')},
        {"a tab inside", "abc\tdef"},
        {"non-ASCII bytes", "caf\xC3\xA9"},
    };
    for (const auto& [what, key] : keys) {
        auto res = Ingest(live_.key, Txn("idem-bad", "acc-idem-bad"), {{"Idempotency-Key", key}});
        ExpectProblem(res, 422, "validation_failed", what);
        EXPECT_EQ(ErrorFields(res.Json()), std::vector<std::string>{"Idempotency-Key"}) << what << ": " << res.body;
    }
    EXPECT_TRUE(Rows("account_id=acc-idem-bad").empty());
    EXPECT_EQ(Ingest(live_.key, Txn("idem-255", "acc-idem-bad"), {{"Idempotency-Key", std::string(255, 'k')}}).status,
              201)
        << "255 characters are allowed";
}

TEST_F(IngestTest, AnEmptyIdempotencyKeyIs422) {
    auto res = Ingest(live_.key, Txn("idem-empty", "acc-idem-empty"), {{"Idempotency-Key", ""}});
    ExpectProblem(res, 422, "validation_failed", "an empty Idempotency-Key header");
    EXPECT_EQ(ErrorFields(res.Json()), std::vector<std::string>{"Idempotency-Key"}) << res.body;
    EXPECT_TRUE(Rows("account_id=acc-idem-empty").empty());
}

// ---- 6. Answers -------------------------------------------------------------------------------

TEST_F(IngestTest, TheCreatedAnswerHasExactlyTheDocumentedFields) {
    auto sent_at = Clock::now();
    auto res = Ingest(live_.key, Txn("shape-1", "acc-shape"));
    ASSERT_EQ(res.status, 201) << res.body;
    EXPECT_EQ(res.Header("Content-Type").value_or(""), "application/json");
    EXPECT_FALSE(res.Header("Idempotent-Replayed")) << "a first answer is not a replay";
    ExpectSecurityHeaders(res, true, "POST /transactions");
    auto body = res.Json();
    ASSERT_TRUE(body.is_object()) << res.body;
    std::set<std::string> keys;
    for (const auto& member : body.as_object()) keys.emplace(member.key());
    EXPECT_EQ(keys,
              (std::set<std::string>{"id", "external_id", "environment", "decision", "score", "alerts", "received_at"}))
        << res.body;
    EXPECT_FALSE(StringAt(body, "id").empty());
    EXPECT_EQ(StringAt(body, "external_id"), "shape-1");
    EXPECT_EQ(StringAt(body, "environment"), "production");
    EXPECT_EQ(StringAt(body, "decision"), "allow");
    ASSERT_TRUE(body.at("score").is_number()) << res.body;
    EXPECT_EQ(body.at("score").to_number<std::int64_t>(), 0);
    EXPECT_EQ(Dump(body.at("alerts")), "[]") << res.body;
    auto received = ParseTime(StringAt(body, "received_at"));
    ASSERT_TRUE(received) << "received_at is not RFC 3339 UTC: " << res.body;
    EXPECT_LE(std::chrono::abs(*received - sent_at), std::chrono::seconds(5)) << res.body;
}

TEST_F(IngestTest, TheDetailReturnsTheStoredFieldsWithExactAmounts) {
    auto full = Post(S(), live_.key,
                     R"({"external_id": "detail-full", "occurred_at": "2026-11-23T11:00:00+01:00",)"
                     R"( "amount": "1250.00", "currency": "USD", "direction": "outbound", "type": "wire",)"
                     R"( "account_id": "acc-detail", "customer_id": "cus-12",)"
                     R"( "counterparty": {"name": "ACME GmbH", "account": "DE8937...", "country": "DE"},)"
                     R"( "channel": "online", "country": "US", "ip": "203.0.113.7", "device_id": "dev-9",)"
                     R"( "metadata": {"mcc": "6011", "risk": {"score": 1.50, "tags": ["a", "b"]}}})");
    ASSERT_EQ(full.status, 201) << full.body;
    auto detail = S().As(Admin(), "GET", std::string(kTransactions) + "/" + StringAt(full.Json(), "id"));
    ASSERT_EQ(detail.status, 200) << detail.body;
    auto view = detail.Json();
    EXPECT_EQ(StringAt(view, "id"), StringAt(full.Json(), "id"));
    EXPECT_EQ(StringAt(view, "external_id"), "detail-full");
    EXPECT_EQ(StringAt(view, "environment"), "production");
    EXPECT_EQ(StringAt(view, "occurred_at"), "2026-11-23T10:00:00Z") << "converted to UTC";
    EXPECT_EQ(StringAt(view, "received_at"), StringAt(full.Json(), "received_at"));
    EXPECT_EQ(StringAt(view, "amount"), "1250.00");
    EXPECT_EQ(StringAt(view, "currency"), "USD");
    EXPECT_EQ(StringAt(view, "direction"), "outbound");
    EXPECT_EQ(StringAt(view, "type"), "wire");
    EXPECT_EQ(StringAt(view, "account_id"), "acc-detail");
    EXPECT_EQ(StringAt(view, "customer_id"), "cus-12");
    EXPECT_EQ(Dump(view.at("counterparty")), R"({"name":"ACME GmbH","account":"DE8937...","country":"DE"})");
    EXPECT_EQ(StringAt(view, "channel"), "online");
    EXPECT_EQ(StringAt(view, "country"), "US");
    EXPECT_EQ(StringAt(view, "ip"), "203.0.113.7");
    EXPECT_EQ(StringAt(view, "device_id"), "dev-9");
    ASSERT_TRUE(view.at("metadata").is_object()) << detail.body;
    EXPECT_EQ(StringAt(view.at("metadata"), "mcc"), "6011");
    EXPECT_EQ(Dump(view.at("metadata").at("risk").at("tags")), R"(["a","b"])");
    EXPECT_EQ(StringAt(view, "decision"), "allow");
    EXPECT_EQ(view.at("score").to_number<std::int64_t>(), 0);
    EXPECT_EQ(StringAt(view, "api_key_id"), live_.id);
    EXPECT_EQ(Dump(view.at("rule_hits")), "[]");
    EXPECT_EQ(Dump(view.at("alerts")), "[]");

    // Absent optionals: null, metadata {}; occurred_at defaults to the time received.
    auto minimal = Ingest(live_.key, Txn("detail-min", "acc-detail"));
    ASSERT_EQ(minimal.status, 201);
    auto min_view = S().As(Admin(), "GET", std::string(kTransactions) + "/" + StringAt(minimal.Json(), "id")).Json();
    for (const char* name : {"customer_id", "counterparty", "channel", "country", "ip", "device_id"})
        EXPECT_TRUE(min_view.at(name).is_null()) << name << ": " << Dump(min_view);
    EXPECT_EQ(Dump(min_view.at("metadata")), "{}");
    EXPECT_EQ(StringAt(min_view, "type"), "other") << "the default type";
    EXPECT_EQ(StringAt(min_view, "occurred_at"), StringAt(minimal.Json(), "received_at"));

    // Amounts: exact, in the currency's minor unit, whether sent as a string or a number.
    struct AmountCase {
        std::string amount_json;
        std::string currency;
        std::string stored;
    };
    const std::vector<AmountCase> amounts = {
        {R"("1250.00")", "USD", "1250.00"},
        {R"("1250")", "USD", "1250.00"},
        {"12.5", "USD", "12.50"},
        {R"("10.500")", "USD", "10.50"},
        {"1e3", "USD", "1000.00"},
        {R"("5")", "JPY", "5"},
        {"5", "JPY", "5"},
        {R"("0.001")", "KWD", "0.001"},
        {R"("0.001")", "BHD", "0.001"},
        {"1.5", "KWD", "1.500"},
        {"0.01", "EUR", "0.01"},
        {R"("99999999.99")", "EUR", "99999999.99"},
    };
    for (std::size_t idx = 0; idx < amounts.size(); ++idx) {
        const auto& amount = amounts[idx];
        std::string external_id = "amount-" + std::to_string(idx);
        auto res = Post(S(), live_.key,
                        RawBody({{"external_id", Quoted(external_id)},
                                 {"amount", amount.amount_json},
                                 {"currency", Quoted(amount.currency)},
                                 {"account_id", R"("acc-amounts")"}}));
        ASSERT_EQ(res.status, 201) << amount.amount_json << " " << amount.currency << ": " << res.body;
        auto stored = S().As(Admin(), "GET", std::string(kTransactions) + "/" + StringAt(res.Json(), "id")).Json();
        EXPECT_EQ(StringAt(stored, "amount"), amount.stored) << amount.amount_json << " " << amount.currency;
        EXPECT_EQ(StringAt(stored, "currency"), amount.currency);
    }
}

TEST_F(IngestTest, MetadataNumbersKeepTheirExactTextInTheDetail) {
    // transaction.hpp: metadata is stored "with numbers exactly as written (1.50 stays 1.50)"; the
    // console must show what the client sent, not a rounded double.
    auto res = Post(S(), live_.key,
                    RawBody({{"external_id", R"("meta-numbers")"},
                             {"metadata", R"({"rate": 1.50, "big": 123456789012345678901234567890, "tiny": 0.1})"}}));
    ASSERT_EQ(res.status, 201) << res.body;
    auto detail = S().As(Admin(), "GET", std::string(kTransactions) + "/" + StringAt(res.Json(), "id"));
    ASSERT_EQ(detail.status, 200) << detail.body;
    EXPECT_NE(detail.body.find(R"("metadata":{"rate":1.50,"big":123456789012345678901234567890,"tiny":0.1})"),
              std::string::npos)
        << detail.body;
}

// ---- 7. Idempotency ---------------------------------------------------------------------------

TEST_F(IngestTest, TheSameIdempotencyKeyAndBodyReplaysTheFirstAnswer) {
    auto body = Txn("idem-1", "acc-idem");
    body["metadata"] = json::object{{"a", 1}, {"b", "x"}};
    auto first = Ingest(live_.key, body, {{"Idempotency-Key", "key-idem-1"}});
    ASSERT_EQ(first.status, 201) << first.body;
    auto again = Ingest(live_.key, body, {{"Idempotency-Key", "key-idem-1"}});
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.Header("Idempotent-Replayed").value_or("<missing>"), "true");
    EXPECT_EQ(again.Json(), first.Json()) << "the replay answers the first response again";

    // The same meaning in another member order is the same body.
    auto reordered = Post(S(), live_.key,
                          R"({"metadata": {"b": "x", "a": 1}, "account_id": "acc-idem", "direction": "outbound",)"
                          R"( "currency": "USD", "amount": "10.00", "external_id": "idem-1"})",
                          {{"Idempotency-Key", "key-idem-1"}});
    EXPECT_EQ(reordered.status, 200) << reordered.body;
    EXPECT_EQ(reordered.Json(), first.Json());

    auto changed = Txn("idem-1", "acc-idem", "10.01");
    changed["metadata"] = body["metadata"];
    auto conflict = Ingest(live_.key, changed, {{"Idempotency-Key", "key-idem-1"}});
    ExpectProblem(conflict, 409, "idempotency_conflict", "same key, another amount");
    EXPECT_FALSE(conflict.Header("Idempotent-Replayed"));

    auto new_key = Ingest(live_.key, body, {{"Idempotency-Key", "key-idem-2"}});
    ExpectProblem(new_key, 409, "conflict", "a new key with a stored external_id");
    EXPECT_EQ(ExternalIds(Rows("account_id=acc-idem")), std::vector<std::string>{"idem-1"});
}

TEST_F(IngestTest, WithoutTheHeaderTheExternalIdIsTheIdempotencyKey) {
    auto first = Ingest(live_.key, Txn("ext-1", "acc-ext"));
    ASSERT_EQ(first.status, 201) << first.body;
    auto again = Ingest(live_.key, Txn("ext-1", "acc-ext"));
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.Header("Idempotent-Replayed").value_or("<missing>"), "true");
    EXPECT_EQ(again.Json(), first.Json());
    ExpectProblem(Ingest(live_.key, Txn("ext-1", "acc-ext", "99.00")), 409, "idempotency_conflict",
                  "same external_id, another body, no header");
    ExpectProblem(Ingest(live_.key, Txn("ext-1", "acc-ext"), {{"Idempotency-Key", "brand-new"}}), 409, "conflict",
                  "a new Idempotency-Key with a stored external_id");
    EXPECT_EQ(Rows("account_id=acc-ext").size(), 1u);
}

TEST_F(IngestTest, FiftyConcurrentDuplicatesStoreExactlyOneRow) {
    constexpr int kThreads = 50;
    const std::string body = Str(Txn("conc-1", "acc-conc", "77.70"));
    std::vector<HttpResponse> answers(kThreads);
    std::vector<std::string> failures(kThreads);
    std::latch ready(kThreads);
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
        threads.emplace_back([&, thread_idx] {
            ready.arrive_and_wait();
            try {
                answers[thread_idx] = Post(S(), live_.key, body, {{"Idempotency-Key", "conc-key-1"}});
            } catch (const std::exception& e) {
                failures[thread_idx] = e.what();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    int created = 0, replayed = 0;
    std::set<std::string> ids;
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
        EXPECT_EQ(failures[thread_idx], "") << "request " << thread_idx;
        const auto& res = answers[thread_idx];
        if (res.status == 201) ++created;
        if (res.status == 200 && res.Header("Idempotent-Replayed") == "true") ++replayed;
        if (res.status == 200 || res.status == 201) ids.insert(StringAt(res.Json(), "id"));
        EXPECT_TRUE(res.status == 200 || res.status == 201) << res.status << " " << res.body;
    }
    EXPECT_EQ(created, 1);
    EXPECT_EQ(replayed, kThreads - 1);
    EXPECT_EQ(ids.size(), 1u) << "every answer names the same transaction";
    EXPECT_EQ(Rows("account_id=acc-conc").size(), 1u);
}

// ---- 8. Batches -------------------------------------------------------------------------------

TEST_F(IngestTest, AMixedBatchAnswersEveryItemInOrder) {
    ASSERT_EQ(Ingest(live_.key, Txn("b-dup", "acc-batch")).status, 201);
    ASSERT_EQ(Ingest(live_.key, Txn("b-hdr", "acc-batch"), {{"Idempotency-Key", "hdr-key"}}).status, 201);
    auto bad_currency = Txn("b-bad", "acc-batch");
    bad_currency["currency"] = "usd";
    json::array items{
        Txn("b-new", "acc-batch"),           // 0: new -> 201
        bad_currency,                        // 1: invalid -> 422 currency
        Txn("b-dup", "acc-batch"),           // 2: a replay of a stored one -> 200
        Txn("b-new", "acc-batch", "11.00"),  // 3: in-batch duplicate external_id, other body -> 409
        Txn("b-new", "acc-batch"),           // 4: in-batch duplicate, same body -> 200
        42,                                  // 5: not an object -> 422
        Txn("b-dup", "acc-batch", "12.00"),  // 6: a stored external_id, other body -> 409
        Txn("b-hdr", "acc-batch"),           // 7: stored under another idempotency key -> 409 conflict
        Txn("b-new-2", "acc-batch"),         // 8: new -> 201
    };
    auto res = Post(S(), live_.key, Str({{"transactions", items}}), {}, kBatch);
    ASSERT_EQ(res.status, 200) << res.body;
    auto results = res.Json().at("results").as_array();
    ASSERT_EQ(results.size(), items.size()) << res.body;
    const std::vector<int> statuses = {201, 422, 200, 409, 200, 422, 409, 409, 201};
    for (std::size_t idx = 0; idx < results.size(); ++idx) {
        SCOPED_TRACE("item " + std::to_string(idx) + ": " + Dump(results[idx]));
        EXPECT_EQ(results[idx].at("status").to_number<std::int64_t>(), statuses[idx]);
        const auto& item = results[idx].as_object();
        if (statuses[idx] < 300) {
            ASSERT_TRUE(item.contains("transaction"));
            EXPECT_FALSE(item.contains("problem"));
            EXPECT_EQ(StringAt(item.at("transaction"), "decision"), "allow");
            EXPECT_EQ(StringAt(item.at("transaction"), "environment"), "production");
        } else {
            ASSERT_TRUE(item.contains("problem"));
            EXPECT_FALSE(item.contains("transaction"));
            EXPECT_EQ(item.at("problem").at("status").to_number<std::int64_t>(), statuses[idx]);
        }
    }
    EXPECT_EQ(StringAt(results[0].at("transaction"), "external_id"), "b-new");
    EXPECT_EQ(StringAt(results[4].at("transaction"), "id"), StringAt(results[0].at("transaction"), "id"))
        << "the in-batch duplicate replays the first item";
    EXPECT_EQ(StringAt(results[8].at("transaction"), "external_id"), "b-new-2");
    EXPECT_EQ(StringAt(results[1].at("problem"), "code"), "validation_failed");
    EXPECT_EQ(ErrorFields(results[1].at("problem")), std::vector<std::string>{"currency"});
    EXPECT_EQ(StringAt(results[5].at("problem"), "code"), "validation_failed");
    EXPECT_EQ(ErrorFields(results[5].at("problem")).size(), 1u) << "the item itself is named";
    EXPECT_EQ(StringAt(results[3].at("problem"), "code"), "idempotency_conflict");
    EXPECT_EQ(StringAt(results[6].at("problem"), "code"), "idempotency_conflict");
    EXPECT_EQ(StringAt(results[7].at("problem"), "code"), "conflict");

    EXPECT_EQ(Sorted(ExternalIds(Rows("account_id=acc-batch"))),
              (std::vector<std::string>{"b-dup", "b-hdr", "b-new", "b-new-2"}));
    auto single_replay = Ingest(live_.key, Txn("b-new-2", "acc-batch"));
    EXPECT_EQ(single_replay.status, 200) << "a batch item replays as a single request: " << single_replay.body;
}

TEST_F(IngestTest, BatchEnvelopeErrorsNameTransactions) {
    json::array thousand_and_one;
    for (int idx = 0; idx < 1001; ++idx)
        thousand_and_one.push_back(Txn("env1001-" + std::to_string(idx), "acc-envelope"));
    const std::vector<std::tuple<std::string, std::string, int, std::vector<std::string>>> cases = {
        {"no transactions", "{}", 422, {"transactions"}},
        {"transactions null", R"({"transactions": null})", 422, {"transactions"}},
        {"empty array", R"({"transactions": []})", 422, {"transactions"}},
        {"an object", R"({"transactions": {"external_id": "x"}})", 422, {"transactions"}},
        {"a string", R"({"transactions": "all"})", 422, {"transactions"}},
        {"1001 items", Str({{"transactions", thousand_and_one}}), 422, {"transactions"}},
        {"an unknown envelope member",
         Str({{"transactions", json::array{Txn("env-x", "acc-envelope")}}, {"dry_run", true}}),
         422,
         {"dry_run"}},
        {"the body an array", "[" + Str(Txn("env-y", "acc-envelope")) + "]", 400, {}},
        {"broken JSON", R"({"transactions": [)", 400, {}},
    };
    for (const auto& [what, body, status, fields] : cases) {
        auto res = Post(S(), live_.key, body, {}, kBatch);
        ExpectProblem(res, status, status == 400 ? "malformed_request" : "validation_failed", what);
        EXPECT_EQ(ErrorFields(res.Json()), fields) << what << ": " << res.body.substr(0, 400);
    }
    EXPECT_TRUE(Rows("account_id=acc-envelope").empty()) << "a refused batch stored something";

    thousand_and_one.pop_back();
    auto thousand = Post(S(), live_.key, Str({{"transactions", thousand_and_one}}), {}, kBatch);
    ASSERT_EQ(thousand.status, 200) << "1000 items is the documented maximum: " << thousand.body.substr(0, 400);
    int created = 0;
    auto thousand_json = thousand.Json();
    for (const auto& item : thousand_json.at("results").as_array())
        created += item.at("status").to_number<std::int64_t>() == 201;
    EXPECT_EQ(created, 1000);
    EXPECT_EQ(Rows("account_id=acc-envelope").size(), 1000u);
}

// ---- 9. Console reads -------------------------------------------------------------------------

TEST_F(IngestTest, TheListFiltersByAccountCustomerDecisionAndOccurredAt) {
    // acc-f1: four transactions an hour apart from T0; acc-f2: one.
    const std::vector<std::tuple<std::string, std::string, std::string, std::string>> rows = {
        {"f1-1", "acc-f1", "cus-f1", "2026-11-01T00:00:00Z"}, {"f1-2", "acc-f1", "cus-f1", "2026-11-01T01:00:00Z"},
        {"f1-3", "acc-f1", "cus-f2", "2026-11-01T02:00:00Z"}, {"f1-4", "acc-f1", "cus-f2", "2026-11-01T03:00:00Z"},
        {"f2-1", "acc-f2", "cus-f1", "2026-11-01T01:30:00Z"},
    };
    for (const auto& [external_id, account, customer, occurred_at] : rows) {
        auto body = Txn(external_id, account);
        body["customer_id"] = customer;
        body["occurred_at"] = occurred_at;
        ASSERT_EQ(Ingest(live_.key, body).status, 201) << external_id;
    }
    auto ids = [&](const std::string& query) { return Sorted(ExternalIds(Rows(query))); };
    using V = std::vector<std::string>;
    EXPECT_EQ(ids("account_id=acc-f1"), (V{"f1-1", "f1-2", "f1-3", "f1-4"}));
    EXPECT_EQ(ids("customer_id=cus-f1"), (V{"f1-1", "f1-2", "f2-1"}));
    EXPECT_EQ(ids("account_id=acc-f1&customer_id=cus-f2"), (V{"f1-3", "f1-4"}));
    EXPECT_EQ(ids("account_id=acc-f1&decision=allow"), (V{"f1-1", "f1-2", "f1-3", "f1-4"}));
    EXPECT_EQ(ids("account_id=acc-f1&decision=block"), V{});
    EXPECT_EQ(ids("account_id=acc-f1&decision=review"), V{});
    // from inclusive, to exclusive, on occurred_at.
    EXPECT_EQ(ids("account_id=acc-f1&from=2026-11-01T01:00:00Z&to=2026-11-01T03:00:00Z"), (V{"f1-2", "f1-3"}));
    EXPECT_EQ(ids("customer_id=cus-f1&from=2026-11-01T01:00:00Z&to=2026-11-01T02:00:00Z"), (V{"f1-2", "f2-1"}));
    EXPECT_EQ(ids("account_id=acc-f1&from=2026-11-01T03:00:00Z"), V{"f1-4"});
    EXPECT_EQ(ids("account_id=acc-f1&to=2026-11-01T00:00:00Z"), V{});
    EXPECT_EQ(ids("account_id=acc-f1&from=2026-11-01T02:00:00%2B01:00"), (V{"f1-2", "f1-3", "f1-4"}))
        << "an offset time means its UTC instant (01:00Z)";
    EXPECT_EQ(ids("account_id=acc-f1&environment=sandbox"), V{});
}

TEST_F(IngestTest, CursorPaginationWalksEveryRowOnceNewestFirst) {
    std::vector<std::string> sent;
    for (int idx = 1; idx <= 7; ++idx) {
        sent.push_back("page-" + std::to_string(idx));
        ASSERT_EQ(Ingest(live_.key, Txn(sent.back(), "acc-page")).status, 201);
    }
    std::vector<std::string> newest_first(sent.rbegin(), sent.rend());
    for (int limit : {1, 3, 7, 500}) {
        SCOPED_TRACE("limit " + std::to_string(limit));
        std::vector<std::string> walked;
        std::vector<std::size_t> page_sizes;
        std::string cursor;
        for (int page = 0; page < 20; ++page) {
            auto res = S().As(Admin(), "GET",
                              std::string(kTransactions) + "?account_id=acc-page&limit=" + std::to_string(limit) +
                                  (cursor.empty() ? "" : "&cursor=" + cursor));
            ASSERT_EQ(res.status, 200) << res.body;
            auto body = res.Json();
            auto data = body.at("data").as_array();
            page_sizes.push_back(data.size());
            for (const auto& id : ExternalIds(data)) walked.push_back(id);
            if (body.at("next_cursor").is_null()) break;
            cursor = std::string(body.at("next_cursor").as_string());
            ASSERT_FALSE(cursor.empty());
        }
        EXPECT_EQ(walked, newest_first);
        std::size_t expected_pages = (sent.size() + limit - 1) / limit;
        EXPECT_EQ(page_sizes.size(), expected_pages) << "no empty last page";
        for (std::size_t page = 0; page + 1 < page_sizes.size(); ++page)
            EXPECT_EQ(page_sizes[page], static_cast<std::size_t>(limit));
    }
    auto default_page = S().As(Admin(), "GET", std::string(kTransactions));
    ASSERT_EQ(default_page.status, 200);
    auto data = default_page.Json().at("data").as_array();
    EXPECT_LE(data.size(), 50u) << "the default limit is 50";
    // Across every row of the organization: each exactly once.
    auto all = Rows("");
    std::set<std::string> unique;
    for (const auto& row : all) unique.insert(StringAt(row, "id"));
    EXPECT_EQ(unique.size(), all.size()) << "a row was listed twice";
}

TEST_F(IngestTest, BadFilterValuesAre422NamingTheParameter) {
    using V = std::vector<std::string>;
    const std::vector<std::pair<std::string, V>> cases = {
        {"environment=staging", V{"environment"}},
        {"environment=PRODUCTION", V{"environment"}},
        {"decision=maybe", V{"decision"}},
        {"from=yesterday", V{"from"}},
        {"to=2026-13-01T00:00:00Z", V{"to"}},
        {"from=2026-11-01", V{"from"}},
        {"limit=0", V{"limit"}},
        {"limit=501", V{"limit"}},
        {"limit=ten", V{"limit"}},
        {"environment=x&decision=y&from=z", V{"decision", "environment", "from"}},
    };
    for (const auto& [query, fields] : cases) {
        auto res = S().As(Admin(), "GET", std::string(kTransactions) + "?" + query);
        ExpectProblem(res, 422, "validation_failed", query);
        EXPECT_EQ(ErrorFields(res.Json()), fields) << query << ": " << res.body;
    }
}

TEST_F(IngestTest, EveryRoleCanReadTransactions) {
    auto res = Ingest(live_.key, Txn("roles-1", "acc-roles"));
    ASSERT_EQ(res.status, 201);
    std::string id = StringAt(res.Json(), "id");
    for (const char* role : {"VIEWER", "ANALYST", "RISK_LEAD", "ADMIN"}) {
        SCOPED_TRACE(role);
        auto session = S().MustLogin(S().role_email.at(role));
        auto list = S().As(session, "GET", std::string(kTransactions) + "?account_id=acc-roles");
        ASSERT_EQ(list.status, 200) << list.body;
        EXPECT_EQ(ExternalIds(list.Json().at("data").as_array()), std::vector<std::string>{"roles-1"});
        auto detail = S().As(session, "GET", std::string(kTransactions) + "/" + id);
        EXPECT_EQ(detail.status, 200) << detail.body;
    }
    EXPECT_EQ(S().Get(std::string(kTransactions)).status, 401) << "but not anonymously";
}

TEST_F(IngestTest, AnotherOrganizationsRowsNeverAppear) {
    auto other_admin = S().MustLogin(S().other_admin_email);
    auto other_key = S().CreateApiKey(other_admin, "production", {}, "other org");
    auto other_sandbox = S().CreateApiKey(other_admin, "sandbox", {}, "other org sandbox");
    auto theirs = Ingest(other_key.key, Txn("tenant-1", "acc-tenant"));
    ASSERT_EQ(theirs.status, 201) << theirs.body;
    ASSERT_EQ(Ingest(other_sandbox.key, Txn("tenant-2", "acc-tenant")).status, 201);
    auto ours = Ingest(live_.key, Txn("tenant-1", "acc-tenant"));
    ASSERT_EQ(ours.status, 201) << "the same external_id in another organization is new: " << ours.body;
    std::string their_id = StringAt(theirs.Json(), "id");
    std::string our_id = StringAt(ours.Json(), "id");

    auto ours_listed = Rows("account_id=acc-tenant");
    ASSERT_EQ(ours_listed.size(), 1u);
    EXPECT_EQ(StringAt(ours_listed[0], "id"), our_id);
    EXPECT_TRUE(Rows("environment=sandbox&account_id=acc-tenant").empty());
    for (const char* environment : {"production", "sandbox"}) {
        for (const auto& row : Rows(std::string("environment=") + environment)) {
            EXPECT_NE(StringAt(row, "id"), their_id) << "Other Org's row in Acme's " << environment << " list";
            if (StringAt(row, "account_id") == "acc-tenant") {
                EXPECT_EQ(StringAt(row, "id"), our_id) << Dump(row);
            }
        }
    }
    auto theirs_listed = ListAll(S(), other_admin, "account_id=acc-tenant");
    ASSERT_EQ(theirs_listed.size(), 1u);
    EXPECT_EQ(StringAt(theirs_listed[0], "id"), their_id);
    EXPECT_EQ(ListAll(S(), other_admin, "").size(), 1u) << "Acme's rows in Other Org's list";

    ExpectProblem(S().As(Admin(), "GET", std::string(kTransactions) + "/" + their_id), 404, "not_found",
                  "Other Org's transaction read by Acme");
    ExpectProblem(S().As(other_admin, "GET", std::string(kTransactions) + "/" + our_id), 404, "not_found",
                  "Acme's transaction read by Other Org");
}

// ---------------------------------------------------------------------------------------------
// Small body limits (a server of its own).

class IngestLimitsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ServerConfig config;
        config.members = false;
        config.env = {{"WATCHTOWER_INGEST_BODY_LIMIT_BYTES", "2048"}, {"WATCHTOWER_BATCH_BODY_LIMIT_BYTES", "8192"}};
        server_ = std::make_unique<Server>(config);
        server_->Start();
        admin_ = server_->MustLogin(server_->admin_email);
        key_ = server_->CreateApiKey(admin_, "production");
    }
    void TearDown() override {
        EXPECT_EQ(server_->Stop(), 0);
        auto leaked = server_->LeakedSecrets();
        EXPECT_TRUE(leaked.empty()) << "secret in the logs: " << leaked.front();
    }
    std::unique_ptr<Server> server_;
    Session admin_;
    ApiKey key_;
};

// A valid body of exactly `size` bytes (padded inside metadata).
std::string BodyOfSize(const std::string& external_id, std::size_t size) {
    std::string head = Str(Txn(external_id, "acc-size"));
    head.pop_back();  // the closing brace
    head += ",\"metadata\":{\"pad\":\"";
    std::string tail = "\"}}";
    if (head.size() + tail.size() > size) throw std::logic_error("size too small");
    return head + std::string(size - head.size() - tail.size(), 'p') + tail;
}

TEST_F(IngestLimitsTest, ABodyOverTheConfiguredLimitIs413) {
    auto at_limit = Post(*server_, key_.key, BodyOfSize("size-2048", 2048));
    EXPECT_EQ(at_limit.status, 201) << "2048 bytes is within a 2048-byte limit: " << at_limit.body;
    auto over = Post(*server_, key_.key, BodyOfSize("size-2049", 2049));
    ExpectProblem(over, 413, "payload_too_large", "2049 bytes");
    auto far_over = Post(*server_, key_.key, BodyOfSize("size-100k", 100 * 1024));
    ExpectProblem(far_over, 413, "payload_too_large", "100 KiB");
    EXPECT_EQ(ExternalIds(ListAll(*server_, admin_, "")), std::vector<std::string>{"size-2048"});
}

TEST_F(IngestLimitsTest, TheBatchRouteHasItsOwnLimit) {
    json::array items;
    for (int idx = 0; idx < 30; ++idx) items.push_back(Txn("batch-size-" + std::to_string(idx), "acc-size"));
    std::string body = Str({{"transactions", items}});
    ASSERT_GT(body.size(), 2048u);
    ASSERT_LT(body.size(), 8192u);
    auto within = Post(*server_, key_.key, body, {}, kBatch);
    EXPECT_EQ(within.status, 200) << body.size() << " bytes is over the single limit but within the batch limit";
    auto over = Post(*server_, key_.key, body + std::string(8192 - body.size() + 1, ' '), {}, kBatch);
    ExpectProblem(over, 413, "payload_too_large", "8193-byte batch");
    EXPECT_EQ(ListAll(*server_, admin_, "").size(), 30u);
}

// ---------------------------------------------------------------------------------------------
// Behind a trusted proxy: X-Forwarded-For from 127.0.0.1 names the client.

class IngestProxyTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ServerConfig config;
        config.members = false;
        config.env = {{"WATCHTOWER_TRUSTED_PROXIES", "127.0.0.1/32"}};
        server_ = std::make_unique<Server>(config);
        server_->Start();
        admin_ = server_->MustLogin(server_->admin_email, kPassword, {{"X-Forwarded-For", kOffice}});
    }
    void TearDown() override {
        EXPECT_EQ(server_->Stop(), 0);
        auto leaked = server_->LeakedSecrets();
        EXPECT_TRUE(leaked.empty()) << "secret in the logs: " << leaked.front();
    }
    HeaderList From(const std::string& address) { return {{"X-Forwarded-For", address}}; }

    static constexpr const char* kOffice = "198.51.100.7";
    std::unique_ptr<Server> server_;
    Session admin_;
};

TEST_F(IngestProxyTest, TheForwardedAddressIsTheClientOfTheKeyAllowlist) {
    auto key = server_->CreateApiKey(admin_, "production", {"203.0.113.0/24"});
    auto res = Post(*server_, key.key, Str(Txn("proxy-1", "acc-proxy")), From("203.0.113.5"));
    EXPECT_EQ(res.status, 201) << res.body;
    auto entry = WaitForUse(*server_, admin_, key.id);
    EXPECT_EQ(StringAt(entry, "last_used_ip"), "203.0.113.5");

    EXPECT_EQ(Post(*server_, key.key, Str(Txn("proxy-2", "acc-proxy")), From("203.0.113.5, 127.0.0.1")).status, 201)
        << "trusted hops on the right are skipped";
    ExpectProblem(Post(*server_, key.key, Str(Txn("proxy-3", "acc-proxy"))), 403, "ip_not_allowed",
                  "no header: the proxy itself is the client");
    ExpectProblem(Post(*server_, key.key, Str(Txn("proxy-4", "acc-proxy")), From("198.51.100.1")), 403,
                  "ip_not_allowed", "a forwarded address outside the key's range");
    ExpectProblem(Post(*server_, key.key, Str(Txn("proxy-5", "acc-proxy")), From("203.0.113.5, 198.51.100.1")), 403,
                  "ip_not_allowed", "the rightmost untrusted address is the client, not the leftmost");
    ExpectProblem(Post(*server_, key.key, Str(Txn("proxy-6", "acc-proxy")), From("not-an-address")), 403,
                  "ip_not_allowed", "a malformed header");
    EXPECT_EQ(Sorted(ExternalIds(ListAll(*server_, admin_, ""))), (std::vector<std::string>{"proxy-1", "proxy-2"}));
}

TEST_F(IngestProxyTest, TheAccessLogNamesTheForwardedClient) {
    auto key = server_->CreateApiKey(admin_, "production");
    ASSERT_EQ(Post(*server_, key.key, Str(Txn("log-1", "acc-log")), From("203.0.113.77")).status, 201);
    ASSERT_EQ(server_->Get("/healthz", {{"User-Agent", "no-forwarded-header"}}).status, 200);
    // The access log is appended by a writer thread every 200 ms.
    std::string lines;
    ASSERT_TRUE(PollUntil(
        [&] {
            lines = ReadFile(server_->access_log_path());
            return lines.find("no-forwarded-header") != std::string::npos;
        },
        5s));
    std::string ingest_line, health_line;
    std::istringstream in(lines);
    for (std::string line; std::getline(in, line);) {
        if (line.find("\"route\":\"/api/v1/transactions\"") != std::string::npos) ingest_line = line;
        if (line.find("no-forwarded-header") != std::string::npos) health_line = line;
    }
    EXPECT_NE(ingest_line.find("\"remote_ip\":\"203.0.113.77\""), std::string::npos)
        << "the forwarded client, as audit and allowlists see it: " << ingest_line;
    EXPECT_NE(health_line.find("\"remote_ip\":\"127.0.0.1\""), std::string::npos)
        << "no header: the proxy itself is the client: " << health_line;
}

TEST_F(IngestProxyTest, TheConsoleListRefusesOtherAddresses) {
    auto open_key = server_->CreateApiKey(admin_, "production", {}, "open");
    AllowedIpsReset reset{*server_, admin_, From(kOffice)};
    auto locked_out = server_->As(admin_, "PUT", "/api/v1/orgs/allowed-ips",
                                  R"({"console": [{"cidr": "10.0.0.0/8"}], "ingestion": []})", From(kOffice));
    ExpectProblem(locked_out, 422, "validation_failed", "a console list without the admin's forwarded address");
    EXPECT_EQ(ErrorFields(locked_out.Json()), std::vector<std::string>{"console"});

    auto saved =
        server_->As(admin_, "PUT", "/api/v1/orgs/allowed-ips",
                    R"({"console": [{"cidr": "198.51.100.0/24", "label": "office"}], "ingestion": []})", From(kOffice));
    ASSERT_EQ(saved.status, 200) << saved.body;
    for (const char* route : {"/api/v1/transactions", "/api/v1/orgs/api-keys", "/api/v1/auth/sessions"}) {
        EXPECT_EQ(server_->As(admin_, "GET", route, "", From(kOffice)).status, 200) << route << " from the office";
        ExpectProblem(server_->As(admin_, "GET", route, "", From("203.0.113.9")), 403, "ip_not_allowed",
                      std::string(route) + " from elsewhere");
        ExpectProblem(server_->As(admin_, "GET", route), 403, "ip_not_allowed",
                      std::string(route) + " from the proxy itself (127.0.0.1)");
    }
    ExpectProblem(server_->As(admin_, "POST", "/api/v1/orgs/api-keys", R"({"name": "x", "environment": "sandbox"})",
                              From("203.0.113.9")),
                  403, "ip_not_allowed", "a state change from elsewhere");

    // The refusals are audited (once a minute per session, address and route), with the reason.
    auto audit = server_->As(admin_, "GET", "/api/v1/orgs/audit-logs?action=authz.denied&limit=100", "", From(kOffice));
    ASSERT_EQ(audit.status, 200) << audit.body;
    std::set<std::string> refused_targets;
    auto audit_json = audit.Json();
    for (const auto& entry : audit_json.at("data").as_array()) {
        if (entry.at("details").as_object().if_contains("reason") == nullptr) continue;
        EXPECT_EQ(entry.at("details").at("reason").as_string(), "ip_not_allowed");
        if (entry.at("ip").as_string() == "203.0.113.9") refused_targets.emplace(entry.at("target").as_string());
    }
    EXPECT_EQ(refused_targets, (std::set<std::string>{"GET /api/v1/transactions", "GET /api/v1/orgs/api-keys",
                                                      "GET /api/v1/auth/sessions", "POST /api/v1/orgs/api-keys"}));

    // Signing in from elsewhere is refused (and the session it would have opened is not usable);
    // signing out from elsewhere always works.
    HttpResponse raw;
    auto outside = server_->Login(server_->admin_email, kPassword, From("203.0.113.9"), &raw);
    EXPECT_FALSE(outside.has_value());
    ExpectProblem(raw, 403, "ip_not_allowed", "a sign-in from outside the console list");
    EXPECT_TRUE(raw.Headers("Set-Cookie").empty()) << "no cookie for a refused sign-in";
    auto second = server_->MustLogin(server_->admin_email, kPassword, From(kOffice));
    EXPECT_EQ(server_->As(second, "POST", "/api/v1/auth/logout", "", From("203.0.113.9")).status, 204);
    EXPECT_EQ(server_->As(second, "GET", "/api/v1/auth/me", "", From(kOffice)).status, 401) << "signed out";

    // Switching into this organization from an address its list refuses is refused up front: the
    // session stays in the organization it was in.
    auto second_org = server_->Cli({"org", "create", "--name", "Elsewhere Org", "--admin-email", server_->admin_email,
                                    "--json"});
    ASSERT_EQ(second_org.exit_code, 0) << second_org.err;
    const std::string second_org_id(json::parse(second_org.out).at("organization_id").as_string());
    auto elsewhere = server_->MustLogin(server_->admin_email, kPassword, From(kOffice));
    auto to_second = server_->As(elsewhere, "POST", "/api/v1/auth/switch-organization",
                                 json::serialize(json::object{{"organization_id", second_org_id}}), From(kOffice));
    ASSERT_EQ(to_second.status, 200) << to_second.body;
    elsewhere.csrf = std::string(to_second.Json().at("csrf_token").as_string());
    for (const auto& line : to_second.Headers("Set-Cookie"))
        if (auto cookie = ParseSetCookie(line); cookie && cookie->name == elsewhere.cookie_name)
            elsewhere.cookie = cookie->value;
    auto switch_body = json::serialize(json::object{{"organization_id", server_->acme_org_id}});
    ExpectProblem(server_->As(elsewhere, "POST", "/api/v1/auth/switch-organization", switch_body, From("203.0.113.9")),
                  403, "ip_not_allowed", "switching into an organization whose console list refuses the address");
    auto still = server_->As(elsewhere, "GET", "/api/v1/auth/me", "", From("203.0.113.9"));
    ASSERT_EQ(still.status, 200) << "the session was not ended: " << still.body;
    EXPECT_NE(StringAt(still.Json().at("organization"), "id"), server_->acme_org_id);
    EXPECT_EQ(server_->As(elsewhere, "POST", "/api/v1/auth/switch-organization", switch_body, From(kOffice)).status, 200)
        << "from the office the switch is allowed";

    // The console list does not restrict ingestion.
    EXPECT_EQ(Post(*server_, open_key.key, Str(Txn("console-1", "acc-console")), From("203.0.113.9")).status, 201);
    EXPECT_EQ(Post(*server_, open_key.key, Str(Txn("console-2", "acc-console"))).status, 201);
}

// ---------------------------------------------------------------------------------------------
// IPv6: a server listening on [::1].

class IngestIpv6Test : public ::testing::Test {
  protected:
    void SetUp() override {
        ServerConfig config;
        config.members = false;
        config.host = "::1";
        server_ = std::make_unique<Server>(config);
        server_->Start();
        admin_ = server_->MustLogin(server_->admin_email);
    }
    void TearDown() override {
        EXPECT_EQ(server_->Stop(), 0);
        auto leaked = server_->LeakedSecrets();
        EXPECT_TRUE(leaked.empty()) << "secret in the logs: " << leaked.front();
    }
    std::unique_ptr<Server> server_;
    Session admin_;
};

TEST_F(IngestIpv6Test, KeyAndOrganizationAllowlistsMatchIpv6Clients) {
    auto loopback = server_->CreateApiKey(admin_, "production", {"::1/128"}, "v6 loopback");
    auto documentation = server_->CreateApiKey(admin_, "production", {"2001:db8::/32"}, "v6 doc");
    auto v4_loopback = server_->CreateApiKey(admin_, "production", {"127.0.0.1/32"}, "v4 loopback");
    auto res = Post(*server_, loopback.key, Str(Txn("v6-1", "acc-v6")));
    EXPECT_EQ(res.status, 201) << res.body;
    ExpectProblem(Post(*server_, documentation.key, Str(Txn("v6-2", "acc-v6"))), 403, "ip_not_allowed",
                  "2001:db8::/32 key from ::1");
    ExpectProblem(Post(*server_, v4_loopback.key, Str(Txn("v6-3", "acc-v6"))), 403, "ip_not_allowed",
                  "127.0.0.1/32 key from ::1");
    auto entry = WaitForUse(*server_, admin_, loopback.id);
    EXPECT_EQ(StringAt(entry, "last_used_ip"), "::1");

    AllowedIpsReset reset{*server_, admin_, {}};
    auto put = server_->As(admin_, "PUT", "/api/v1/orgs/allowed-ips",
                           R"({"console": [{"cidr": "::1/128"}], "ingestion": [{"cidr": "2001:db8::/32"}]})");
    ASSERT_EQ(put.status, 200) << "a console list holding ::1 includes the admin's address: " << put.body;
    ExpectProblem(Post(*server_, loopback.key, Str(Txn("v6-4", "acc-v6"))), 403, "ip_not_allowed",
                  "the organization's ingestion list excludes ::1");
    EXPECT_EQ(server_->As(admin_, "GET", kTransactions).status, 200) << "the console list allows ::1";
    put = server_->As(admin_, "PUT", "/api/v1/orgs/allowed-ips",
                      R"({"console": [{"cidr": "::1/128"}], "ingestion": [{"cidr": "::/0"}]})");
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(Post(*server_, loopback.key, Str(Txn("v6-5", "acc-v6"))).status, 201);
    EXPECT_EQ(Sorted(ExternalIds(ListAll(*server_, admin_, ""))), (std::vector<std::string>{"v6-1", "v6-5"}));
}

}  // namespace
}  // namespace wt::integration
