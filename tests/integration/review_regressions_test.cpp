// SPDX-License-Identifier: Apache-2.0
// Regression tests for the findings of the first security review: unbounded buffering of chunk
// extensions, keep-alive headers under the idle deadline, one address filling the password pool,
// audit-log flooding by repeated refusals, invalid UTF-8 in stored user agents.
#include <gtest/gtest.h>

#include <future>
#include <memory>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

class ReviewRegressionTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ServerConfig config;
        config.env["WATCHTOWER_HEADER_TIMEOUT_MS"] = "1500";
        config.env["WATCHTOWER_IDLE_TIMEOUT_MS"] = "20000";
        auto server = std::make_unique<Server>(config);
        server->Start();
        server_ = server.release();
    }
    static void TearDownTestSuite() {
        if (!server_) return;
        EXPECT_EQ(server_->Stop(), 0);
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override { ASSERT_NE(server_, nullptr); }
    static Server* server_;
};
Server* ReviewRegressionTest::server_ = nullptr;

TEST_F(ReviewRegressionTest, AnEndlessChunkExtensionIsCutOffNotBuffered) {
    RawConnection conn(server_->port());
    conn.Send(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n1;a=");
    // 4 MiB of extension without a line end: far beyond the read buffer's bound.
    std::string junk(64 * 1024, 'b');
    bool cut_off = false;
    for (int chunk_idx = 0; chunk_idx < 64 && !cut_off; ++chunk_idx) {
        try {
            conn.Send(junk);
        } catch (const std::exception&) {
            cut_off = true;  // the server closed the connection: it stopped reading
        }
    }
    auto result = conn.ReadAll(5s);
    EXPECT_TRUE(cut_off || result.closed_by_peer) << "the server kept buffering the chunk extension";
    EXPECT_EQ(server_->Get("/healthz").status, 200);
}

TEST_F(ReviewRegressionTest, AKeepAliveRequestMustSendItsHeaderWithinTheHeaderDeadline) {
    RawConnection conn(server_->port());
    conn.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    // The first answer arrives; then the next request starts and stalls mid-header.
    std::this_thread::sleep_for(300ms);
    conn.Send("GET /healthz HTTP/1.1\r\nX-Slow: ");
    auto result = conn.ReadAll(10s);
    EXPECT_NE(result.data.find("200 OK"), std::string::npos) << result.data;
    EXPECT_TRUE(result.closed_by_peer);
    // Header deadline 1.5 s (not the 20 s idle timeout), measured from the stalled request.
    EXPECT_LT(result.elapsed, 6000ms);
}

TEST_F(ReviewRegressionTest, OneAddressCannotFillThePasswordPool) {
    // 12 simultaneous sign-ins from one address: at most 4 are checked at a time, the rest are
    // answered 429 with Retry-After at once (nobody else is locked out by a full pool).
    std::vector<std::future<HttpResponse>> calls;
    for (int call_idx = 0; call_idx < 12; ++call_idx) {
        calls.push_back(std::async(std::launch::async, [] {
            return server_->Call("POST", "/api/v1/auth/login",
                                 R"({"email":"nobody@acme.test","password":"wrong-password-123"})");
        }));
    }
    int limited = 0, refused = 0;
    for (auto& call : calls) {
        auto res = call.get();
        if (res.status == 429) {
            ++limited;
            EXPECT_EQ(res.Code(), "rate_limited");
            EXPECT_EQ(res.Header("Retry-After").value_or(""), "1");
        } else {
            EXPECT_EQ(res.status, 401) << res.body;
            ++refused;
        }
    }
    EXPECT_GE(limited, 1) << "no sign-in was limited";
    EXPECT_GE(refused, 4) << "the per-address share should still be served";
    // The pool is free again afterwards.
    auto ok = server_->Login(server_->admin_email);
    EXPECT_TRUE(ok.has_value());
}

TEST_F(ReviewRegressionTest, RepeatedRefusalsAreAuditedOncePerMinute) {
    auto viewer = server_->MustLogin(server_->role_email.at("VIEWER"));
    for (int attempt = 0; attempt < 5; ++attempt)
        EXPECT_EQ(server_->As(viewer, "GET", "/api/v1/orgs/audit-logs").status, 403);
    auto admin = server_->MustLogin(server_->admin_email);
    auto audit = server_->As(admin, "GET",
                             "/api/v1/orgs/audit-logs?action=authz.denied&actor_id=" +
                                 server_->role_user_id.at("VIEWER"));
    ASSERT_EQ(audit.status, 200) << audit.body;
    int entries = 0;
    auto body = audit.Json();  // kept alive: the loop walks into it
    for (const auto& entry : body.at("data").as_array())
        if (entry.at("target").as_string() == "GET /api/v1/orgs/audit-logs") ++entries;
    EXPECT_EQ(entries, 1);
}

TEST_F(ReviewRegressionTest, InvalidUtf8InTheUserAgentIsStoredAsValidUtf8) {
    auto res = server_->Call("POST", "/api/v1/auth/login",
                             R"({"email":"admin@acme.test","password":"wrong-password-123"})",
                             {{"User-Agent", std::string("ev\xff\xfeil-agent")}});
    EXPECT_EQ(res.status, 401);
    auto admin = server_->MustLogin(server_->admin_email);
    auto audit = server_->As(admin, "GET", "/api/v1/orgs/audit-logs?action=auth.login.failed");
    ASSERT_EQ(audit.status, 200);
    // The whole answer parses as JSON (Boost.JSON refuses invalid UTF-8) and shows U+FFFD.
    auto body = audit.Json();
    ASSERT_TRUE(body.is_object());
    bool found = false;
    for (const auto& entry : body.at("data").as_array()) {
        if (entry.at("user_agent").is_string() &&
            std::string(entry.at("user_agent").as_string()) == "ev\xEF\xBF\xBD\xEF\xBF\xBDil-agent")
            found = true;
    }
    EXPECT_TRUE(found) << audit.body;
}

}  // namespace
}  // namespace wt::integration
