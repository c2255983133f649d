// SPDX-License-Identifier: Apache-2.0
/// The pinned HTTP client against real receivers on loopback addresses inside this test (plain
/// POSIX sockets on a thread): a POST arrives with its Host header; the connection goes to the
/// pinned address only; a 302 is reported and its Location gets no connection; without the
/// operator's allow entry nothing connects; the answer body is bounded; a silent receiver times
/// out. Every wait is bounded (poll timeouts and the client's own timeouts).
#include "net/http_client.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

namespace wt::net {
namespace {

using namespace std::chrono_literals;

/// An HTTP/1.1 receiver on `address`:port that answers every request with `response` (or
/// nothing, when silent) and closes. Counts connections and keeps the last request.
class Receiver {
  public:
    explicit Receiver(const char* address, std::string response, std::uint16_t port = 0, bool silent = false)
        : response_(std::move(response)), silent_(silent) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in bound{};
        bound.sin_family = AF_INET;
        bound.sin_port = htons(port);
        inet_pton(AF_INET, address, &bound.sin_addr);
        ok_ = bind(fd_, reinterpret_cast<sockaddr*>(&bound), sizeof bound) == 0 && listen(fd_, 8) == 0;
        socklen_t length = sizeof bound;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &length);
        port_ = ntohs(bound.sin_port);
        if (ok_) thread_ = std::thread([this] { Run(); });
    }
    ~Receiver() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        close(fd_);
    }
    bool ok() const { return ok_; }
    std::uint16_t port() const { return port_; }
    int connections() const { return connections_; }
    std::string last_request() const {
        std::lock_guard lock(mutex_);
        return last_request_;
    }

  private:
    void Run() {
        while (!stop_) {
            pollfd waiting{fd_, POLLIN, 0};
            if (poll(&waiting, 1, 50) != 1) continue;
            const int client = accept(fd_, nullptr, nullptr);
            if (client < 0) continue;
            ++connections_;
            std::string request = ReadRequest(client);
            {
                std::lock_guard lock(mutex_);
                last_request_ = std::move(request);
            }
            if (silent_) {
                for (int tick = 0; tick < 60 && !stop_; ++tick) std::this_thread::sleep_for(50ms);
            } else {
                (void)!write(client, response_.data(), response_.size());
            }
            close(client);
        }
    }

    /// Reads the head and a Content-Length body, each read bounded by a 2 s poll.
    static std::string ReadRequest(int client) {
        std::string data;
        char buffer[4096];
        while (true) {
            const auto head_end = data.find("\r\n\r\n");
            if (head_end != std::string::npos) {
                const auto length_at = data.find("Content-Length: ");
                const std::size_t length = length_at == std::string::npos ? 0 : std::stoul(data.substr(length_at + 16));
                if (data.size() >= head_end + 4 + length) return data;
            }
            pollfd readable{client, POLLIN, 0};
            if (poll(&readable, 1, 2000) != 1) return data;
            const ssize_t got = read(client, buffer, sizeof buffer);
            if (got <= 0) return data;
            data.append(buffer, static_cast<std::size_t>(got));
        }
    }

    int fd_ = -1;
    bool ok_ = false;
    std::uint16_t port_ = 0;
    std::string response_;
    bool silent_ = false;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    mutable std::mutex mutex_;
    std::string last_request_;
    std::thread thread_;
};

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nreceived";

OutboundPolicy Allowing(std::string_view ranges) {
    auto policy = OutboundPolicy::FromConfig(ranges);
    EXPECT_TRUE(policy);
    return policy ? *policy : OutboundPolicy();
}

OutboundUrl Url(const std::string& text) {
    auto url = ParseOutboundUrl(text);
    EXPECT_TRUE(url) << text;
    return url ? *url : OutboundUrl{};
}

TEST(HttpClientTest, PostArrivesWhenTheOperatorAllowsTheCanary) {
    Receiver receiver("127.0.0.1", kOk);
    ASSERT_TRUE(receiver.ok());
    OutboundRequest request{R"({"event":"alert"})", "application/json", {{"X-WatchTower-Signature", "t=1,v1=ab"}}};
    auto response =
        Post(Allowing("127.0.0.1/32"), Url(fmt::format("http://127.0.0.1:{}/hook?x=1", receiver.port())), request);
    ASSERT_TRUE(response) << response.error().detail;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "received");
    EXPECT_EQ(response->connected_to, "127.0.0.1");
    EXPECT_EQ(receiver.connections(), 1);
    const std::string seen = receiver.last_request();
    EXPECT_TRUE(seen.starts_with("POST /hook?x=1 HTTP/1.1\r\n")) << seen;
    EXPECT_NE(seen.find(fmt::format("Host: 127.0.0.1:{}\r\n", receiver.port())), std::string::npos) << seen;
    EXPECT_NE(seen.find("Content-Type: application/json\r\n"), std::string::npos);
    EXPECT_NE(seen.find("X-WatchTower-Signature: t=1,v1=ab\r\n"), std::string::npos);
    EXPECT_TRUE(seen.ends_with(R"({"event":"alert"})"));
}

TEST(HttpClientTest, OddSpellingGoesToTheCheckedAddress) {
    Receiver receiver("127.0.0.1", kOk);
    ASSERT_TRUE(receiver.ok());
    auto response = Post(Allowing("127.0.0.1/32"), Url(fmt::format("http://2130706433:{}/", receiver.port())), {});
    ASSERT_TRUE(response) << response.error().detail;
    EXPECT_EQ(receiver.connections(), 1);
}

TEST(HttpClientTest, ConnectsOnlyToThePinnedAddressAndKeepsTheHostName) {
    // localhost is 127.0.0.1 in /etc/hosts, but the pin says 127.0.0.3: the request must go to
    // 127.0.0.3 and still say Host: localhost.
    Receiver pinned("127.0.0.3", kOk);
    ASSERT_TRUE(pinned.ok());
    Receiver resolver_answer("127.0.0.1", kOk, pinned.port());
    if (!resolver_answer.ok()) GTEST_SKIP() << "port " << pinned.port() << " is taken on 127.0.0.1";
    const OutboundUrl url = Url(fmt::format("http://localhost:{}/pinned", pinned.port()));
    const PinnedTarget target{"localhost", pinned.port(), {IpAddr::FromV4(0x7F000003)}};
    auto response = PostPinned(url, target, {});
    ASSERT_TRUE(response) << response.error().detail;
    EXPECT_EQ(pinned.connections(), 1);
    EXPECT_EQ(resolver_answer.connections(), 0);
    EXPECT_NE(pinned.last_request().find(fmt::format("Host: localhost:{}\r\n", pinned.port())), std::string::npos)
        << pinned.last_request();
}

TEST(HttpClientTest, RedirectIsRefusedAndItsTargetGetsNoConnection) {
    Receiver second("127.0.0.1", kOk);
    ASSERT_TRUE(second.ok());
    Receiver first("127.0.0.1", fmt::format("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{}/\r\n"
                                            "Content-Length: 0\r\nConnection: close\r\n\r\n",
                                            second.port()));
    ASSERT_TRUE(first.ok());
    auto response = Post(Allowing("127.0.0.1/32"), Url(fmt::format("http://127.0.0.1:{}/", first.port())), {});
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::kValidationFailed);
    EXPECT_EQ(response.error().fields.at(0).field, "url");
    EXPECT_EQ(response.error().fields.at(0).message,
              "'127.0.0.1' answered 302: redirects are not followed; configure the final URL");
    EXPECT_EQ(first.connections(), 1);
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(second.connections(), 0);
}

TEST(HttpClientTest, WithoutTheAllowEntryNothingConnects) {
    Receiver receiver("127.0.0.1", kOk);
    ASSERT_TRUE(receiver.ok());
    for (const std::string host : {"127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "localhost"}) {
        auto response = Post(OutboundPolicy(), Url(fmt::format("http://{}:{}/", host, receiver.port())), {});
        ASSERT_FALSE(response) << host;
        EXPECT_EQ(response.error().code, ErrorCode::kValidationFailed) << host;
        EXPECT_NE(response.error().fields.at(0).message.find("a loopback address"), std::string::npos) << host;
    }
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(receiver.connections(), 0);
}

TEST(HttpClientTest, ResponseBodyIsBounded) {
    const std::string big(100 * 1024, 'x');
    Receiver receiver("127.0.0.1", fmt::format("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}", big.size(), big));
    ASSERT_TRUE(receiver.ok());
    HttpClientOptions options;
    options.max_response_bytes = 1024;
    auto response =
        Post(Allowing("127.0.0.1/32"), Url(fmt::format("http://127.0.0.1:{}/", receiver.port())), {}, {}, options);
    ASSERT_TRUE(response) << response.error().detail;
    EXPECT_EQ(response->body.size(), 1024u);
    EXPECT_TRUE(response->body_truncated);
}

TEST(HttpClientTest, SilentReceiverTimesOut) {
    Receiver receiver("127.0.0.1", "", 0, /*silent=*/true);
    ASSERT_TRUE(receiver.ok());
    HttpClientOptions options;
    options.total_timeout = 300ms;
    const auto started = std::chrono::steady_clock::now();
    auto response =
        Post(Allowing("127.0.0.1/32"), Url(fmt::format("http://127.0.0.1:{}/", receiver.port())), {}, {}, options);
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
    EXPECT_TRUE(response.error().detail.starts_with("the call to '127.0.0.1' timed out")) << response.error().detail;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(HttpClientTest, HeaderInjectionIsRefused) {
    auto response = PostPinned(Url("http://127.0.0.1:9/"), {"127.0.0.1", 9, {IpAddr::FromV4(0x7F000001)}},
                               {"", "application/json", {{"X-Test", "a\r\nHost: evil"}}});
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().fields.at(0).field, "headers");
}

}  // namespace
}  // namespace wt::net
