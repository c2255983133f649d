// SPDX-License-Identifier: Apache-2.0
// A streamed body (Request::SetBodyProducer) through a real Server on loopback: chunked transfer
// with every chunk in order and the terminating chunk, the connection kept alive for the next
// request, the access log and metrics written once with the bytes sent; a producer error closes
// the connection without the terminating chunk; a non-2xx answer ignores the producer; an HTTP/1.0
// client gets the plain body ended by the close.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "http/access_log.hpp"
#include "http/server.hpp"

namespace wt::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

// Serves GET /stream?chunks=N (N chunks "chunk-<i>\n"), GET /broken (two chunks, then an error) and
// GET /refused (404 with a producer set).
class StreamingTest : public ::testing::Test {
  protected:
    void SetUp() override {
        log_path_ = std::filesystem::temp_directory_path() /
                    ("wt-streaming-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".log");
        access_log_ = std::make_unique<AccessLog>(log_path_.string());
        router_.Add(Method::get, "/stream", [](Request& request) -> asio::awaitable<Response> {
            const int chunks = std::stoi(request.query("chunks").value_or("3"));
            auto next = std::make_shared<int>(0);
            request.SetBodyProducer([next, chunks](std::string& chunk) -> Result<bool> {
                if (*next == chunks) return false;
                chunk = "chunk-" + std::to_string((*next)++) + "\n";
                return true;
            });
            Response res{HttpStatus::ok, 11};
            res.set(beast_http::field::content_type, "text/plain");
            co_return res;
        });
        router_.Add(Method::get, "/broken", [](Request& request) -> asio::awaitable<Response> {
            auto next = std::make_shared<int>(0);
            request.SetBodyProducer([next](std::string& chunk) -> Result<bool> {
                if (*next == 2) return Error::Internal("storage went away");
                chunk = "part-" + std::to_string((*next)++) + "\n";
                return true;
            });
            co_return Response{HttpStatus::ok, 11};
        });
        router_.Add(Method::get, "/refused", [](Request& request) -> asio::awaitable<Response> {
            request.SetBodyProducer([](std::string& chunk) -> Result<bool> {
                chunk = "must not be sent";
                return true;
            });
            co_return ProblemResponse(Error::NotFound("no such export"));
        });
        ServerOptions options;
        options.port = 0;
        options.threads = 1;
        server_ = std::make_unique<Server>(options, router_, metrics_, nullptr, access_log_.get(),
                                           std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>()));
        ASSERT_TRUE(server_->Listen().ok());
        thread_ = std::thread([this] { server_->Run(); });
    }
    void TearDown() override {
        server_->Stop();
        thread_.join();
        server_.reset();
        access_log_.reset();
        std::filesystem::remove(log_path_);
    }

    // Connects a client stream to the server.
    std::unique_ptr<beast::tcp_stream> Connect() {
        auto stream = std::make_unique<beast::tcp_stream>(io_);
        stream->connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
        stream->expires_after(std::chrono::seconds(10));
        return stream;
    }
    beast_http::response<beast_http::string_body> Get(beast::tcp_stream& stream, const std::string& target,
                                                      beast::error_code& ec, Method method = Method::get) {
        beast_http::request<beast_http::empty_body> req{method, target, 11};
        req.set(beast_http::field::host, "127.0.0.1");
        beast_http::write(stream, req);
        beast_http::response_parser<beast_http::string_body> parser;
        if (method == Method::head) parser.skip(true);
        beast_http::read(stream, buffer_, parser, ec);
        return parser.release();
    }
    std::string AccessLogText() {
        access_log_.reset();  // flushes
        std::ifstream in(log_path_);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    static inline int counter_ = 0;
    std::filesystem::path log_path_;
    std::unique_ptr<AccessLog> access_log_;
    Router router_;
    Metrics metrics_;
    std::unique_ptr<Server> server_;
    std::thread thread_;
    asio::io_context io_;
    beast::flat_buffer buffer_;
};

TEST_F(StreamingTest, ChunksArriveInOrderAndTheConnectionStaysOpen) {
    auto stream = Connect();
    beast::error_code ec;
    auto res = Get(*stream, "/stream?chunks=500", ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_TRUE(res.chunked());
    EXPECT_EQ(res[beast_http::field::content_length], "");
    EXPECT_FALSE(res["X-Request-Id"].empty());
    EXPECT_EQ(res[beast_http::field::cache_control], "no-store");
    std::string expected;
    for (int idx = 0; idx < 500; ++idx) expected += "chunk-" + std::to_string(idx) + "\n";
    EXPECT_EQ(res.body(), expected);
    // The same connection answers the next request.
    auto again = Get(*stream, "/stream?chunks=0", ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(again.result_int(), 200);
    EXPECT_EQ(again.body(), "");

    const std::string log = AccessLogText();
    EXPECT_NE(log.find("\"bytes\":" + std::to_string(expected.size())), std::string::npos) << log;
    EXPECT_NE(log.find("\"route\":\"/stream\""), std::string::npos);
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 2) << "one line per request: " << log;
    EXPECT_NE(metrics_.Render().find("wt_http_requests_total{route=\"/stream\",method=\"GET\",status=\"200\"} 2"),
              std::string::npos)
        << metrics_.Render();
}

// RFC 9112 6.1: no Transfer-Encoding in an answer to an HTTP/1.0 request (such a client, or a
// proxy speaking 1.0 upstream, would keep the chunk sizes in the body): the body is sent as it is
// and ends with the connection.
TEST_F(StreamingTest, AnHttp10ClientGetsThePlainBodyEndedByClose) {
    auto stream = Connect();
    const std::string request = "GET /stream?chunks=3 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    asio::write(stream->socket(), asio::buffer(request));
    std::string received;
    beast::error_code ec;
    char buffer[4096];
    while (true) {
        const std::size_t got = stream->socket().read_some(asio::buffer(buffer), ec);
        received.append(buffer, got);
        if (ec) break;
    }
    EXPECT_EQ(ec, asio::error::eof) << "the body ends with the connection: " << ec.message();
    const auto head_end = received.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos) << received;
    const std::string head = received.substr(0, head_end);
    EXPECT_EQ(head.rfind("HTTP/1.0 200", 0), 0u) << head;
    EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
    EXPECT_EQ(received.substr(head_end + 4), "chunk-0\nchunk-1\nchunk-2\n");
    const std::string log = AccessLogText();
    EXPECT_NE(log.find("\"bytes\":24"), std::string::npos) << log;
}

TEST_F(StreamingTest, AProducerErrorClosesTheConnectionWithoutTheLastChunk) {
    auto stream = Connect();
    beast::error_code ec;
    auto res = Get(*stream, "/broken", ec);
    EXPECT_TRUE(ec == beast_http::error::partial_message || ec == asio::error::eof ||
                ec == asio::error::connection_reset)
        << "a truncated body must not read as complete: " << ec.message();
    EXPECT_NE(metrics_.Render().find("wt_http_streams_aborted_total 1"), std::string::npos) << metrics_.Render();
}

TEST_F(StreamingTest, ANon2xxAnswerIgnoresTheProducer) {
    auto stream = Connect();
    beast::error_code ec;
    auto res = Get(*stream, "/refused", ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.result_int(), 404);
    EXPECT_EQ(res.body().find("must not be sent"), std::string::npos);
    EXPECT_FALSE(res.chunked());
}

}  // namespace
}  // namespace wt::http
