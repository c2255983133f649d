// SPDX-License-Identifier: Apache-2.0
// Security headers on every kind of answer, the 500 path, static console files, operations routes
// and the OpenAPI document.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <regex>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

const char* kIndexHtml = "<!doctype html><html><head><title>WatchTower test console</title></head><body></body></html>";
const char* kAppJs = "console.log('watchtower-test-asset-abc123');\n";

class HeadersTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        web_dir_ = new std::string(MakeTempDir("web"));
        std::filesystem::create_directories(*web_dir_ + "/assets");
        WriteFile(*web_dir_ + "/index.html", kIndexHtml);
        WriteFile(*web_dir_ + "/assets/app-abc123.js", kAppJs);
        ServerConfig config;
        config.members = false;
        config.web_dir = *web_dir_;
        config.env["WATCHTOWER_TEST_FAULT_ROUTES"] = "true";
        auto server = std::make_unique<Server>(config);
        server->Start();
        server_ = server.release();
    }
    static void TearDownTestSuite() {
        if (server_) {
            EXPECT_EQ(server_->Stop(), 0);
            delete server_;
            server_ = nullptr;
        }
        if (web_dir_) {
            RemoveTree(*web_dir_);
            delete web_dir_;
            web_dir_ = nullptr;
        }
    }
    void SetUp() override { ASSERT_NE(server_, nullptr) << "the suite's server did not start"; }
    static Server* server_;
    static std::string* web_dir_;
};
Server* HeadersTest::server_ = nullptr;
std::string* HeadersTest::web_dir_ = nullptr;

void ExpectProblem(const HttpResponse& res, int status, const std::string& code) {
    EXPECT_EQ(res.status, status) << res.body;
    EXPECT_EQ(res.Header("Content-Type").value_or(""), "application/problem+json") << res.body;
    EXPECT_EQ(res.Code(), code) << res.body;
    auto body = res.Json();
    if (body.is_object()) {
        EXPECT_EQ(body.at("status").as_int64(), status);
        EXPECT_TRUE(body.as_object().contains("type"));
        EXPECT_TRUE(body.as_object().contains("title"));
    }
}

TEST_F(HeadersTest, EveryKindOfApiAnswerCarriesTheSecurityHeaders) {
    auto admin = server_->MustLogin(server_->admin_email);
    struct Case {
        std::string what;
        HttpResponse res;
        int status;
    };
    std::vector<Case> cases;
    cases.push_back({"healthz", server_->Get("/healthz"), 200});
    cases.push_back({"auth/me", server_->As(admin, "GET", "/api/v1/auth/me"), 200});
    cases.push_back({"unknown api path", server_->Get("/api/v1/no-such-thing"), 404});
    cases.push_back({"no session", server_->Get("/api/v1/auth/me"), 401});
    cases.push_back({"no csrf", server_->As(admin, "POST", "/api/v1/auth/logout", "", {}, false), 403});
    cases.push_back({"wrong method", server_->Get("/api/v1/auth/login"), 405});
    cases.push_back({"too large", server_->Call("POST", "/api/v1/auth/login", std::string(70 * 1024, ' ')), 413});
    cases.push_back({"content type",
                     server_->Call("POST", "/api/v1/auth/login", "email=a", {{"Content-Type", "text/plain"}}), 415});
    cases.push_back({"malformed json", server_->Call("POST", "/api/v1/auth/login", "{\"email\":"), 400});
    cases.push_back({"validation", server_->Call("POST", "/api/v1/auth/login", "{}"), 422});
    cases.push_back({"headers too large", server_->Get("/healthz", {{"X-Filler", std::string(20 * 1024, 'x')}}), 431});
    cases.push_back({"fault", server_->Get("/api/v1/_test/fault"), 500});
    std::set<std::string> request_ids;
    for (const auto& c : cases) {
        EXPECT_EQ(c.res.status, c.status) << c.what << ": " << c.res.body;
        ExpectSecurityHeaders(c.res, true, c.what);
        request_ids.insert(c.res.Header("X-Request-Id").value_or(""));
    }
    EXPECT_EQ(request_ids.size(), cases.size()) << "request ids must be unique";
}

TEST_F(HeadersTest, AnInternalErrorIsAGenericProblemAndTheServerKeepsServing) {
    auto res = server_->Get("/api/v1/_test/fault");
    ExpectProblem(res, 500, "internal");
    EXPECT_EQ(res.body.find("internal-detail-that-must-not-leak"), std::string::npos) << res.body;
    EXPECT_EQ(res.body.find("injected"), std::string::npos) << res.body;
    for (int round = 0; round < 3; ++round) EXPECT_EQ(server_->Get("/api/v1/_test/fault").status, 500);
    EXPECT_EQ(server_->Get("/healthz").status, 200);
    EXPECT_EQ(server_->Get("/readyz").status, 200);
}

TEST_F(HeadersTest, ProblemAnswersAreProblemJson) {
    ExpectProblem(server_->Get("/api/v1/no-such-thing"), 404, "not_found");
    ExpectProblem(server_->Get("/api/v1/auth/me"), 401, "unauthenticated");
    ExpectProblem(server_->Get("/api/v1/auth/login"), 405, "method_not_allowed");
    ExpectProblem(server_->Call("POST", "/api/v1/auth/login", "x", {{"Content-Type", "text/plain"}}), 415,
                  "unsupported_media_type");
}

TEST_F(HeadersTest, StaticConsoleFilesAreServedWithCachingRulesAndSpaFallback) {
    auto index = server_->Get("/");
    EXPECT_EQ(index.status, 200);
    EXPECT_EQ(index.body, kIndexHtml);
    EXPECT_EQ(index.Header("Cache-Control").value_or(""), "no-cache");
    EXPECT_EQ(index.Header("Content-Type").value_or("").rfind("text/html", 0), 0u);
    ExpectSecurityHeaders(index, false, "/");

    auto index_file = server_->Get("/index.html");
    EXPECT_EQ(index_file.status, 200);
    EXPECT_EQ(index_file.Header("Cache-Control").value_or(""), "no-cache");

    auto asset = server_->Get("/assets/app-abc123.js");
    EXPECT_EQ(asset.status, 200);
    EXPECT_EQ(asset.body, kAppJs);
    EXPECT_EQ(asset.Header("Cache-Control").value_or(""), "public, max-age=31536000, immutable");
    EXPECT_NE(asset.Header("Content-Type").value_or("").find("javascript"), std::string::npos);
    ExpectSecurityHeaders(asset, false, "asset");

    auto spa = server_->Get("/settings/team");
    EXPECT_EQ(spa.status, 200);
    EXPECT_EQ(spa.body, kIndexHtml) << "client-side routes get index.html";
    EXPECT_EQ(spa.Header("Cache-Control").value_or(""), "no-cache");
    ExpectSecurityHeaders(spa, false, "spa fallback");

    auto missing = server_->Get("/assets/missing.js");
    EXPECT_EQ(missing.status, 404);
    ExpectSecurityHeaders(missing, true, "missing asset");

    // API paths never fall back to the console.
    auto api_missing = server_->Get("/api/v1/settings/team");
    EXPECT_EQ(api_missing.status, 404);
    EXPECT_EQ(api_missing.Code(), "not_found");
}

TEST_F(HeadersTest, PathTraversalNeverEscapesTheWebDirectory) {
    // A file next to the web dir that a traversal would reach.
    WriteFile(*web_dir_ + "/../wt-secret-outside.txt", "outside-the-web-dir");
    const std::string outside_name = std::filesystem::path(*web_dir_).parent_path().filename().string();
    for (std::string target : {"/../etc/passwd", "/assets/../../etc/passwd", "/%2e%2e/etc/passwd",
                               "/assets/%2e%2e/%2e%2e/etc/passwd", "/..%2fetc%2fpasswd", "/....//etc/passwd",
                               "/../wt-secret-outside.txt", "/assets/../../wt-secret-outside.txt",
                               "/%2e%2e/wt-secret-outside.txt"}) {
        HttpResponse res;
        try {
            res = server_->Get(target);
        } catch (const std::exception& e) {
            continue;  // the server refused to talk about it at all: fine
        }
        EXPECT_EQ(res.body.find("root:"), std::string::npos) << target;
        EXPECT_EQ(res.body.find("outside-the-web-dir"), std::string::npos) << target;
        EXPECT_TRUE(res.status == 400 || res.status == 404 || (res.status == 200 && res.body == kIndexHtml))
            << target << " -> " << res.status << " " << res.body.substr(0, 200);
    }
    std::remove((*web_dir_ + "/../wt-secret-outside.txt").c_str());
    (void)outside_name;
    EXPECT_EQ(server_->Get("/healthz").status, 200);
}

TEST_F(HeadersTest, OperationsRoutesAnswer) {
    auto health = server_->Get("/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.Json().at("status").as_string(), "ok");
    auto ready = server_->Get("/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.Json().at("status").as_string(), "ready");

    auto admin = server_->MustLogin(server_->admin_email);
    ASSERT_EQ(server_->As(admin, "GET", "/api/v1/auth/me").status, 200);
    auto metrics = server_->Get("/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.Header("Content-Type").value_or("").rfind("text/plain", 0), 0u);
    std::regex me_counter(R"(^wt_http_requests_total\{[^}]*route="/api/v1/auth/me"[^}]*\} [1-9][0-9]*$)");
    bool found = false;
    std::istringstream lines(metrics.body);
    for (std::string line; std::getline(lines, line);)
        if (std::regex_search(line, me_counter)) found = true;
    EXPECT_TRUE(found) << "no wt_http_requests_total for /api/v1/auth/me:\n" << metrics.body.substr(0, 3000);
    EXPECT_NE(metrics.body.find("wt_http_request_duration_seconds_bucket"), std::string::npos);
    EXPECT_NE(metrics.body.find("# TYPE wt_http_requests_total counter"), std::string::npos);
    // No tenant data in metrics.
    EXPECT_EQ(metrics.body.find(server_->acme_org_id), std::string::npos);
    EXPECT_EQ(metrics.body.find(server_->admin_email), std::string::npos);

    auto security = server_->Get("/.well-known/security.txt");
    EXPECT_EQ(security.status, 200);
    EXPECT_NE(security.body.find("Contact:"), std::string::npos) << security.body;
    EXPECT_NE(security.body.find("Expires:"), std::string::npos) << security.body;
}

TEST_F(HeadersTest, OpenApiDocumentIsValidAndComplete) {
    auto res = server_->Get("/api/v1/openapi.json");
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ(res.Header("Content-Type").value_or("").rfind("application/json", 0), 0u);
    auto doc = res.Json();
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
    EXPECT_FALSE(doc.at("info").at("title").as_string().empty());
    EXPECT_FALSE(doc.at("info").at("version").as_string().empty());
    const auto& paths = doc.at("paths").as_object();
    EXPECT_GE(paths.size(), 10u);
    static const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch", "head", "options"};
    int operations = 0;
    for (const auto& [path, item] : paths) {
        EXPECT_EQ(std::string(path).rfind('/', 0), 0u) << path;
        for (const auto& [method, op] : item.as_object()) {
            ASSERT_TRUE(kMethods.count(std::string(method))) << path << " has " << method;
            ++operations;
            const auto* summary = op.as_object().if_contains("summary");
            EXPECT_TRUE(summary && summary->is_string() && !summary->as_string().empty())
                << method << " " << path << " has no summary";
            EXPECT_TRUE(op.as_object().contains("responses")) << method << " " << path;
        }
    }
    EXPECT_GE(operations, 15);
    EXPECT_TRUE(paths.contains("/api/v1/auth/login"));
    EXPECT_TRUE(paths.contains("/api/v1/openapi.json"));
}

}  // namespace
}  // namespace wt::integration
