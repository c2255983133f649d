// SPDX-License-Identifier: Apache-2.0
// Bad input, slow clients, the connection cap and graceful shutdown.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

class BadInputTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ServerConfig config;
        config.members = false;
        config.env["WATCHTOWER_HEADER_TIMEOUT_MS"] = "1500";
        config.env["WATCHTOWER_MAX_CONNECTIONS"] = "4";
        auto server = std::make_unique<Server>(config);
        server->Start();
        server_ = server.release();
    }
    static void TearDownTestSuite() {
        if (!server_) return;
        EXPECT_EQ(server_->Stop(), 0);
        std::string log = ReadFile(server_->log_path());
        EXPECT_EQ(log.find("ended by exception"), std::string::npos) << "a connection died by exception";
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override { ASSERT_NE(server_, nullptr) << "the suite's server did not start"; }
    void TearDown() override {
        // Whatever the test sent, the server still answers (the connection cap may need the
        // test's own connections to be noticed as closed first).
        bool healthy = PollUntil(
            [] {
                try {
                    return server_->Get("/healthz").status == 200;
                } catch (const std::exception&) {
                    return false;
                }
            },
            10s);
        EXPECT_TRUE(healthy) << "the server stopped answering /healthz";
    }
    HttpResponse PostLogin(const std::string& body, HeaderList headers = {}) {
        return server_->Call("POST", "/api/v1/auth/login", body, headers);
    }
    static void ExpectProblem(const HttpResponse& res, int status, const std::string& code) {
        EXPECT_EQ(res.status, status) << res.body;
        EXPECT_EQ(res.Header("Content-Type").value_or(""), "application/problem+json");
        EXPECT_EQ(res.Code(), code) << res.body;
    }
    static std::vector<std::string> ErrorFields(const HttpResponse& res) {
        std::vector<std::string> fields;
        auto body = res.Json();
        if (!body.is_object() || !body.as_object().contains("errors")) return fields;
        for (const auto& e : body.at("errors").as_array()) fields.emplace_back(e.at("field").as_string());
        std::sort(fields.begin(), fields.end());
        return fields;
    }
    static Server* server_;
};
Server* BadInputTest::server_ = nullptr;

TEST_F(BadInputTest, MalformedJsonIsA400) {
    ExpectProblem(PostLogin("{\"email\": \"a@b.test\", "), 400, "malformed_request");
    ExpectProblem(PostLogin("not json at all"), 400, "malformed_request");
    ExpectProblem(PostLogin("{\"email\": \"a@b.test\"} trailing"), 400, "malformed_request");
}

TEST_F(BadInputTest, WrongContentTypeIsA415) {
    ExpectProblem(PostLogin("{\"email\":\"a@b.test\",\"password\":\"x\"}", {{"Content-Type", "text/plain"}}), 415,
                  "unsupported_media_type");
    ExpectProblem(PostLogin("email=a&password=b", {{"Content-Type", "application/x-www-form-urlencoded"}}), 415,
                  "unsupported_media_type");
}

TEST_F(BadInputTest, OversizedBodyOnAConsoleRouteIsA413AndNothingHappens) {
    auto admin = server_->MustLogin(server_->admin_email);
    std::string big = "{\"organization_id\":\"" + std::string(70 * 1024, 'x') + "\"}";
    auto res = server_->As(admin, "POST", "/api/v1/auth/logout", big);
    ExpectProblem(res, 413, "payload_too_large");
    EXPECT_EQ(server_->As(admin, "GET", "/api/v1/auth/me").status, 200) << "the oversized logout must not apply";
    // Just under the limit is read (and refused for what it is, not for its size).
    std::string fits = "{\"organization_id\":\"" + std::string(60 * 1024, 'x') + "\"}";
    auto ok = server_->As(admin, "POST", "/api/v1/auth/switch-organization", fits);
    EXPECT_NE(ok.status, 413);
    EXPECT_LT(ok.status, 500);
}

TEST_F(BadInputTest, OversizedHeadersAreA431) {
    auto res = server_->Get("/healthz", {{"X-Filler", std::string(17 * 1024, 'h')}});
    EXPECT_EQ(res.status, 431) << res.body;
    auto many = server_->Get("/healthz", {{"X-A", std::string(9000, 'a')}, {"X-B", std::string(9000, 'b')}});
    EXPECT_EQ(many.status, 431);
}

TEST_F(BadInputTest, DeeplyNestedJsonIsA400) {
    std::string nested = "{\"email\":" + std::string(100, '[') + std::string(100, ']') + ",\"password\":\"x\"}";
    ExpectProblem(PostLogin(nested), 400, "malformed_request");
    std::string objects;
    for (int depth = 0; depth < 100; ++depth) objects += "{\"a\":";
    objects += "1" + std::string(100, '}');
    ExpectProblem(PostLogin(objects), 400, "malformed_request");
}

TEST_F(BadInputTest, InvalidUtf8InAJsonStringIsA400) {
    ExpectProblem(PostLogin("{\"email\":\"a\xff\xfe@acme.test\",\"password\":\"correct-horse-battery-9\"}"), 400,
                  "malformed_request");
    ExpectProblem(PostLogin("{\"email\":\"\xc0\xaf@acme.test\",\"password\":\"x\"}"), 400, "malformed_request");
    ExpectProblem(PostLogin("{\"email\":\"\xed\xa0\x80@acme.test\",\"password\":\"x\"}"), 400, "malformed_request");
}

TEST_F(BadInputTest, UnknownFieldsAreNamed) {
    auto res = PostLogin(json::serialize(
        json::object{{"email", "admin@acme.test"}, {"password", "x-y-z-password"}, {"remember_me", true}}));
    ExpectProblem(res, 422, "validation_failed");
    EXPECT_EQ(ErrorFields(res), std::vector<std::string>{"remember_me"});
}

TEST_F(BadInputTest, MissingFieldsAreEachListed) {
    auto res = PostLogin("{}");
    ExpectProblem(res, 422, "validation_failed");
    EXPECT_EQ(ErrorFields(res), (std::vector<std::string>{"email", "password"}));
    auto wrong_types = PostLogin("{\"email\": 5, \"password\": null}");
    ExpectProblem(wrong_types, 422, "validation_failed");
    EXPECT_EQ(ErrorFields(wrong_types), (std::vector<std::string>{"email", "password"}));
    auto not_object = PostLogin("[1,2,3]");
    EXPECT_TRUE(not_object.status == 400 || not_object.status == 422) << not_object.status;
}

TEST_F(BadInputTest, GarbageHttpIsRefusedWithoutHarm) {
    auto res = SendRaw(server_->port(), "THIS IS NOT HTTP\r\n\r\n", 5s);
    EXPECT_TRUE(res.closed_by_peer);
    EXPECT_EQ(res.data.rfind("HTTP/1.1 400", 0), 0u) << res.data.substr(0, 200);
    auto binary = SendRaw(server_->port(), std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11), 5s);
    EXPECT_TRUE(binary.closed_by_peer);
    EXPECT_EQ(binary.data.find("200 OK"), std::string::npos);
}

TEST_F(BadInputTest, ASlowClientIsDisconnectedAfterTheHeaderTimeout) {
    RawConnection conn(server_->port());
    conn.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    auto result = conn.ReadAll(8s);
    EXPECT_TRUE(result.closed_by_peer) << "the server kept a half-sent request open for 8 s";
    EXPECT_LT(result.elapsed, 5000ms);
    EXPECT_GE(result.elapsed, 1000ms) << "closed before the configured 1.5 s header timeout";
    EXPECT_EQ(result.data.find("200"), std::string::npos) << result.data;
}

TEST_F(BadInputTest, TheConnectionCapClosesExtraConnections) {
    // Connections of earlier tests must be gone before counting.
    ASSERT_TRUE(PollUntil([] { return server_->Get("/healthz").status == 200; }, 5s));
    std::vector<std::unique_ptr<RawConnection>> conns;
    for (int idx = 0; idx < 8; ++idx) conns.push_back(std::make_unique<RawConnection>(server_->port()));
    // The first 4 are held (idle, under the 1.5 s header timeout); the others are closed at once.
    std::vector<bool> closed(conns.size(), false);
    auto count_closed = [&] { return std::count(closed.begin(), closed.end(), true); };
    PollUntil(
        [&] {
            for (std::size_t idx = 0; idx < conns.size(); ++idx)
                if (!closed[idx]) closed[idx] = conns[idx]->WaitClosed(1ms);
            return count_closed() >= 4;
        },
        1000ms);
    // Give the held ones a moment to (wrongly) close too, still well under the header timeout.
    for (std::size_t idx = 0; idx < conns.size(); ++idx)
        if (!closed[idx]) closed[idx] = conns[idx]->WaitClosed(50ms);
    EXPECT_EQ(count_closed(), 4) << "with max_connections=4, exactly the 4 extra connections are closed";
    for (std::size_t idx = 0; idx < 4; ++idx) EXPECT_FALSE(closed[idx]) << "connection " << idx << " was closed";
    for (std::size_t idx = 4; idx < 8; ++idx) EXPECT_TRUE(closed[idx]) << "connection " << idx << " was kept";
    // While the cap is reached, a new connection gets no answer.
    auto refused = SendRaw(server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 1000ms);
    EXPECT_EQ(refused.data.find("200 OK"), std::string::npos) << "a 5th connection was served";
    // Once the idle ones are gone, new connections work again (TearDown checks /healthz).
    conns.clear();
    EXPECT_TRUE(PollUntil(
        [] {
            try {
                return server_->Get("/healthz").status == 200;
            } catch (const std::exception&) {
                return false;
            }
        },
        5s));
}

// ---------------------------------------------------------------------------------------------

TEST(GracefulShutdownTest, AnInFlightLoginIsAnsweredThenTheServerExitsCleanly) {
    ServerConfig config;
    config.members = false;
    Server server(config);
    server.Start();
    const int port = server.port();
    RawConnection conn(port);
    std::string body = json::serialize(json::object{{"email", server.admin_email}, {"password", kPassword}});
    conn.Send("POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              "Connection: close\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body);
    // The login is in flight once the in-flight gauge counts it besides the /metrics request itself.
    bool in_flight = PollUntil(
        [&] {
            auto metrics = server.Get("/metrics").body;
            auto pos = metrics.find("\nwt_http_in_flight_requests ");
            if (pos == std::string::npos) return false;
            return std::stoi(metrics.substr(pos + 28)) >= 2;
        },
        5s);
    ASSERT_TRUE(in_flight) << "the login never showed up as in flight";
    auto sigterm_at = std::chrono::steady_clock::now();
    ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);

    auto answer = conn.ReadAll(10s);
    EXPECT_EQ(answer.data.rfind("HTTP/1.1 200", 0), 0u) << "the in-flight login lost its answer: " << answer.data;
    EXPECT_NE(answer.data.find("wt_session="), std::string::npos);
    if (auto pos = answer.data.find("wt_session="); pos != std::string::npos)
        server.RememberSecret(answer.data.substr(pos + 11, answer.data.find(';', pos) - pos - 11));
    int code = server.WaitForExit(10s);
    auto took = std::chrono::steady_clock::now() - sigterm_at;
    EXPECT_EQ(code, 0) << "exit status after SIGTERM";
    EXPECT_LT(took, 5s) << "shutdown took too long";
    EXPECT_TRUE(ConnectionRefused(port)) << "the server still accepts connections after exiting";
    EXPECT_NE(ReadFile(server.log_path()).find("stopped cleanly"), std::string::npos);
}

TEST(GracefulShutdownTest, IdleKeepAliveConnectionsDoNotDelayShutdown) {
    ServerConfig config;
    config.members = false;
    Server server(config);
    server.Start();
    RawConnection idle(server.port());
    idle.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");  // keep-alive, then idle
    auto first = idle.ReadAll(300ms);
    EXPECT_EQ(first.data.rfind("HTTP/1.1 200", 0), 0u) << first.data;
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(server.Stop(10s), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s) << "an idle connection held the shutdown";
    EXPECT_TRUE(idle.WaitClosed(1s));
}

}  // namespace
}  // namespace wt::integration
