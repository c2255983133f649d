// SPDX-License-Identifier: Apache-2.0
#include "http/server.hpp"

#include "common/clock.hpp"
#include "common/json.hpp"
#include "http/tls.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <array>
#include <limits>
#include <random>
#include <thread>
#include <type_traits>
#include <variant>

namespace wt::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// The Content-Security-Policy of SECURITY.md, verbatim.
constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'";

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Closing a TLS connection sends close_notify and waits this long for the peer's (which also
// discards a refused body the client may still be sending), then closes the socket regardless.
constexpr auto kTlsCloseTimeout = 2s;

struct Server::Connection {
    bool busy = false;  // a request is being read, handled or answered (only touched on the strand)
    std::uint64_t id = 0;
    beast::tcp_stream* tcp = nullptr;  // the TCP layer of the derived connection's stream (for Stop())
};

template <typename Stream>
struct Server::StreamConnection final : Server::Connection {
    template <typename... Args>
    explicit StreamConnection(Args&&... args) : stream(std::forward<Args>(args)...) {
        tcp = &beast::get_lowest_layer(stream);
    }
    Stream stream;
};

namespace {

// A read that ended because the peer left, was too slow, or broke the TLS layer (a reset, a bad
// record, a close without close_notify): there is no one to answer.
bool PeerGone(const boost::system::error_code& ec) {
    return ec == beast_http::error::end_of_stream || ec == asio::error::operation_aborted ||
           ec == beast::error::timeout || ec == asio::error::connection_reset || ec == asio::error::eof ||
           ec == asio::ssl::error::stream_truncated || ec.category() == asio::error::get_ssl_category();
}

}  // namespace

void AddSecurityHeaders(Response& res, bool tls) {
    res.set(beast_http::field::x_frame_options, "DENY");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    res.set("Content-Security-Policy", kCsp);
    if (tls) res.set(beast_http::field::strict_transport_security, "max-age=31536000; includeSubDomains");
}

Server::Server(ServerOptions options, const Router& router, Metrics& metrics, const StaticFiles* static_files,
               AccessLog* access_log, std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)),
      router_(router),
      metrics_(metrics),
      static_files_(static_files),
      access_log_(access_log),
      log_(std::move(log)) {
    int threads = options_.threads > 0 ? options_.threads
                                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int thread_idx = 0; thread_idx < threads; ++thread_idx)
        io_.push_back(std::make_unique<asio::io_context>(1));
    std::random_device rd;
    request_id_prefix_ = fmt::format("{:08x}", rd());
}

Server::~Server() = default;

Status Server::Listen() {
    if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
        WT_ASSIGN_OR_RETURN(tls_context_, MakeTlsContext(options_.tls_cert_file, options_.tls_key_file));
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return Error::Make(ErrorCode::kValidationFailed, fmt::format("invalid listen host '{}'", options_.host));
    tcp::endpoint endpoint(address, options_.port);
    auto acceptor = std::make_unique<tcp::acceptor>(*io_.front());
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return Error::Make(ErrorCode::kUnavailable,
                           fmt::format("cannot listen on {}:{}: {}", options_.host, options_.port, ec.message()));
    }
    bound_port_ = acceptor->local_endpoint().port();
    acceptor_ = std::move(acceptor);
    return Ok();
}

void Server::Run() {
    asio::co_spawn(*io_.front(), AcceptLoop(), asio::detached);
    // Contexts without connections must not return from run() early.
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
    for (auto& io : io_) keep_running.push_back(asio::make_work_guard(*io));
    std::vector<std::thread> workers;
    for (std::size_t io_idx = 1; io_idx < io_.size(); ++io_idx)
        workers.emplace_back([io = io_[io_idx].get()] { io->run(); });
    io_.front()->run();
    for (auto& worker : workers) worker.join();
}

void Server::Stop() {
    if (stopping_.exchange(true)) return;
    asio::post(*io_.front(), [this] {
        boost::system::error_code ec;
        if (acceptor_) acceptor_->close(ec);
        // Idle connections (waiting for a request) are closed now; busy ones close after answering.
        std::vector<std::shared_ptr<Connection>> live;
        {
            std::lock_guard lock(connections_mutex_);
            for (auto& [id, weak] : connections_)
                if (auto conn = weak.lock()) live.push_back(std::move(conn));
        }
        for (auto& conn : live) {
            asio::post(conn->tcp->get_executor(), [conn] {
                // The connection may have closed its socket meanwhile: the error_code overload,
                // because cancel() on a closed socket throws.
                boost::system::error_code ignored;
                if (!conn->busy) conn->tcp->socket().cancel(ignored);
            });
        }
        // Wait for the drain, bounded by the grace period, then stop the loop.
        auto deadline = std::chrono::steady_clock::now() + options_.shutdown_grace;
        asio::co_spawn(
            *io_.front(),
            [this, deadline]() -> asio::awaitable<void> {
                asio::steady_timer timer(co_await asio::this_coro::executor);
                while (open_connections_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
                    timer.expires_after(20ms);
                    co_await timer.async_wait(kTuple);
                }
                for (auto& io : io_) io->stop();
            },
            asio::detached);
    });
}

std::string Server::NextRequestId() {
    return fmt::format("req_{}{:010x}", request_id_prefix_, request_counter_.fetch_add(1, std::memory_order_relaxed));
}

void Server::Forget(std::uint64_t conn_id) {
    std::lock_guard lock(connections_mutex_);
    connections_.erase(conn_id);
}

asio::awaitable<void> Server::AcceptLoop() {
    while (!stopping_.load()) {
        asio::io_context& target = *io_[next_io_++ % io_.size()];
        auto [ec, socket] = co_await acceptor_->async_accept(target, kTuple);
        if (ec) {
            if (stopping_.load() || ec == asio::error::operation_aborted) break;
            log_->warn("accept failed: {}", ec.message());
            continue;
        }
        if (open_connections_.load() >= static_cast<int>(options_.max_connections)) {
            metrics_.Increment("wt_http_connections_refused_total", "Connections closed at once: connection cap reached",
                               {});
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        if (tls_context_)
            Launch(std::make_shared<StreamConnection<TlsStream>>(std::move(socket), *tls_context_));
        else
            Launch(std::make_shared<StreamConnection<PlainStream>>(std::move(socket)));
    }
}

template <typename Stream>
void Server::Launch(std::shared_ptr<StreamConnection<Stream>> conn) {
    {
        std::lock_guard lock(connections_mutex_);
        conn->id = next_connection_id_++;
        connections_[conn->id] = conn;
    }
    open_connections_.fetch_add(1);
    auto executor = conn->tcp->get_executor();
    asio::co_spawn(executor, Serve(conn), [this, id = conn->id](std::exception_ptr error) {
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                log_->error("connection {} ended by exception: {}", id, e.what());
            }
        }
        Forget(id);
        open_connections_.fetch_sub(1);
    });
}

template <typename Stream>
asio::awaitable<void> Server::Serve(std::shared_ptr<StreamConnection<Stream>> conn) {
    constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
    auto& stream = conn->stream;
    beast::tcp_stream& transport = *conn->tcp;
    boost::system::error_code ep_ec;
    auto remote = transport.socket().remote_endpoint(ep_ec);
    std::string remote_ip = ep_ec ? "unknown" : remote.address().to_string();
    if (!ep_ec && remote.address().is_v6() && remote.address().to_v6().is_v4_mapped())
        remote_ip = asio::ip::make_address_v4(asio::ip::v4_mapped, remote.address().to_v6()).to_string();
    // Bounded: Beast's header_limit does not count chunk-extension lines or trailers, which would
    // otherwise buffer without limit until their line ends.
    beast::flat_buffer buffer(options_.header_limit + 64 * 1024);
    bool first_request = true;
    bool drain_before_close = false;

    if constexpr (kTls) {
        // The handshake counts toward the first request's header deadline: a client that opens
        // connections and never finishes a handshake is dropped like any other slow client.
        transport.expires_after(options_.header_timeout);
        auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
        if (handshake_ec) {
            if (handshake_ec == beast::error::timeout)
                metrics_.Increment("wt_http_timeouts_total", "Connections closed for slowness",
                                   {{"phase", "tls_handshake"}});
            else
                metrics_.Increment("wt_http_tls_handshake_failures_total",
                                   "TLS handshakes refused or broken (old protocol version, plain HTTP, bad record)",
                                   {});
            log_->debug("TLS handshake with {} failed: {}", remote_ip, handshake_ec.message());
            co_await Close(*conn, false, false);
            co_return;
        }
    }

    while (!stopping_.load()) {
        beast_http::request_parser<beast_http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
        // Beast compares Content-Length with body_limit while parsing the header; the route's limit is
        // only known after routing, so it is checked below and then bounds chunked bodies too.
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        conn->busy = false;
        if (!first_request && buffer.size() == 0) {
            // Keep-alive: the next request may take up to the idle timeout to begin, but once its
            // first byte arrives the whole header must follow within the header deadline.
            transport.expires_after(options_.idle_timeout);
            auto [wait_ec, first_bytes] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
            if (wait_ec) break;
            buffer.commit(first_bytes);
        }
        transport.expires_after(options_.header_timeout);
        auto [read_ec, header_bytes] = co_await beast_http::async_read_header(stream, buffer, parser, kTuple);
        (void)header_bytes;
        if (PeerGone(read_ec)) {
            if (read_ec == beast::error::timeout)
                metrics_.Increment("wt_http_timeouts_total", "Connections closed for slowness", {{"phase", "header"}});
            break;
        }
        conn->busy = true;
        first_request = false;
        struct InFlight {
            Metrics& metrics;
            explicit InFlight(Metrics& m) : metrics(m) {
                metrics.AddGauge("wt_http_in_flight_requests", "Requests being read, handled or answered", 1);
            }
            ~InFlight() { metrics.AddGauge("wt_http_in_flight_requests", "Requests being read, handled or answered", -1); }
        } in_flight(metrics_);
        auto start = std::chrono::steady_clock::now();
        BeastRequest empty_request;
        Request early(empty_request, remote_ip, NextRequestId());

        if (read_ec) {
            // Oversized or unparsable header: answer and close.
            Error err = read_ec == beast_http::error::header_limit || read_ec == beast_http::error::buffer_overflow
                            ? Error::Make(ErrorCode::kHeadersTooLarge, "request headers exceed the size limit")
                            : Error::Make(ErrorCode::kMalformedRequest, "the HTTP request could not be parsed");
            Response res = ProblemResponse(err);
            res.keep_alive(false);
            drain_before_close = true;
            Finish(res, early, false, start);
            transport.expires_after(options_.write_timeout);
            co_await beast_http::async_write(stream, res, kTuple);
            break;
        }

        // Route first so the body limit can be the route's.
        auto& header = parser.get();
        std::string_view target(header.target());
        std::string_view path = target.substr(0, target.find('?'));
        auto found = router_.Find(header.method(), path);
        std::size_t body_limit = 64 * 1024;
        if (auto* match = std::get_if<Router::Match>(&found)) body_limit = match->options.body_limit;
        bool too_large = parser.content_length() && *parser.content_length() > body_limit;
        if (!too_large && !parser.is_done()) {
            parser.body_limit(body_limit);
            transport.expires_after(options_.body_timeout);
            auto [body_ec, body_bytes] = co_await beast_http::async_read(stream, buffer, parser, kTuple);
            (void)body_bytes;
            if (body_ec == beast_http::error::body_limit || body_ec == beast_http::error::buffer_overflow) {
                too_large = true;
            } else if (body_ec) {
                if (body_ec == beast::error::timeout)
                    metrics_.Increment("wt_http_timeouts_total", "Connections closed for slowness", {{"phase", "body"}});
                break;
            }
        }
        if (too_large) {
            Response res = ProblemResponse(Error::Make(
                ErrorCode::kPayloadTooLarge, fmt::format("the request body exceeds the limit of {} bytes", body_limit)));
            res.keep_alive(false);
            drain_before_close = true;
            Finish(res, early, false, start);
            transport.expires_after(options_.write_timeout);
            co_await beast_http::async_write(stream, res, kTuple);
            break;
        }

        BeastRequest raw = parser.release();
        Request request(raw, remote_ip, early.request_id());
        request.SetTls(kTls);
        bool is_static = false;
        bool close_after = false;
        Response res;
        if (auto* match = std::get_if<Router::Match>(&found)) {
            request.SetRoute(match->route_template, std::move(match->params));
            try {
                res = co_await (*match->handler)(request);
            } catch (const std::exception& e) {
                log_->error("request {} {} {} failed: {}", request.request_id(), std::string(raw.method_string()),
                            std::string(match->route_template), e.what());
                res = ProblemResponse(Error::Internal(e.what()));
            }
        } else if (auto miss = std::get<Router::Miss>(found);
                   (raw.method() == Method::get || raw.method() == Method::head) && static_files_ &&
                   miss == Router::Miss::kNotFound) {
            if (auto file = static_files_->Serve(path)) {
                res = std::move(*file);
                is_static = true;
                request.SetRoute("static", {});
            } else {
                res = ProblemResponse(Error::NotFound("no such resource"));
            }
        } else if (miss == Router::Miss::kMethodNotAllowed) {
            res = ProblemResponse(Error::Make(ErrorCode::kMethodNotAllowed, "method not allowed on this resource"));
        } else {
            res = ProblemResponse(Error::NotFound("no such resource"));
        }

        close_after = close_after || !raw.keep_alive() || stopping_.load();
        res.keep_alive(!close_after);
        res.version(raw.version());
        if (raw.method() == Method::head) {
            auto length = res.body().size();
            res.body().clear();
            res.content_length(length);
        }
        if (BodyProducer* producer = request.body_producer();
            producer && raw.method() != Method::head && res.result_int() >= 200 && res.result_int() < 300) {
            res.set("X-Request-Id", request.request_id());
            if (!co_await WriteStreamed(stream, res, request, start) || close_after) break;
            continue;
        }
        Finish(res, request, is_static, start);
        transport.expires_after(options_.write_timeout);
        auto [write_ec, written] = co_await beast_http::async_write(stream, res, kTuple);
        (void)written;
        if (write_ec || close_after) break;
    }
    conn->busy = false;
    co_await Close(*conn, drain_before_close, kTls);
}

// The header, then one HTTP/1.1 chunk per producer call, each under the write deadline, then the
// last chunk. False when the connection must close (write failure, deadline, producer error: the
// response is then incomplete and closing is the only honest end). An HTTP/1.0 client cannot be
// sent chunks (RFC 9112 6.1): it gets the bytes as they are, the end of the body being the close
// of the connection (so it always closes).
template <typename Stream>
asio::awaitable<bool> Server::WriteStreamed(Stream& stream, Response& res, Request& request,
                                            std::chrono::steady_clock::time_point start) {
    beast::tcp_stream& transport = beast::get_lowest_layer(stream);
    BodyProducer& producer = *request.body_producer();
    const bool chunked = res.version() >= 11;
    res.body().clear();
    res.erase(beast_http::field::content_length);
    if (chunked) {
        res.chunked(true);
    } else {
        res.erase(beast_http::field::transfer_encoding);
        res.keep_alive(false);
    }
    Decorate(res, false);
    beast_http::response<beast_http::empty_body> head(std::move(res.base()));
    if (chunked) head.chunked(true);
    beast_http::response_serializer<beast_http::empty_body> serializer(head);
    transport.expires_after(options_.write_timeout);
    auto [header_ec, header_bytes] = co_await beast_http::async_write_header(stream, serializer, kTuple);
    (void)header_bytes;
    bool complete = !header_ec;
    std::size_t bytes = 0;
    std::string chunk;
    while (complete) {
        chunk.clear();
        Result<bool> more = producer(chunk);
        if (!more) {
            log_->error("request {} {}: streamed body failed: {}", request.request_id(), std::string(request.route()),
                        more.error().internal.empty() ? more.error().detail : more.error().internal);
            complete = false;
            break;
        }
        if (!*more) break;
        if (chunk.empty()) continue;
        transport.expires_after(options_.write_timeout);
        beast::error_code chunk_ec;
        if (chunked) {
            auto [framed_ec, framed_bytes] =
                co_await asio::async_write(stream, beast_http::make_chunk(asio::buffer(chunk)), kTuple);
            (void)framed_bytes;
            chunk_ec = framed_ec;
        } else {
            auto [plain_ec, plain_bytes] = co_await asio::async_write(stream, asio::buffer(chunk), kTuple);
            (void)plain_bytes;
            chunk_ec = plain_ec;
        }
        if (chunk_ec) complete = false;
        bytes += chunk.size();
    }
    if (complete && chunked) {
        transport.expires_after(options_.write_timeout);
        auto [last_ec, last_bytes] = co_await asio::async_write(stream, beast_http::make_chunk_last(), kTuple);
        (void)last_bytes;
        complete = !last_ec;
    }
    if (!complete)
        metrics_.Increment("wt_http_streams_aborted_total", "Streamed responses that ended before their last chunk", {});
    Record(request, static_cast<int>(head.result_int()), bytes, start);
    co_return complete && chunked;
}

template <typename Stream>
asio::awaitable<void> Server::Close(StreamConnection<Stream>& conn, bool drain, bool tls_established) {
    beast::tcp_stream& transport = *conn.tcp;
    boost::system::error_code ignored;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
        // close_notify, then the peer's, bounded; OpenSSL discards application data that arrives
        // after our close_notify, which drains a refused body as below. Skipped when the socket is
        // already closed (a deadline expired) or the handshake never finished.
        (void)drain;
        if (tls_established && transport.socket().is_open()) {
            transport.expires_after(kTlsCloseTimeout);
            co_await conn.stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
        }
    }
    transport.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if constexpr (std::is_same_v<Stream, PlainStream>) {
        (void)tls_established;
        if (drain) {
            // The client may still be sending the body we refused. Closing with unread bytes makes
            // the kernel answer RST, which can destroy our response before the client reads it:
            // discard what arrives (bounded in bytes and time) until the client closes.
            transport.expires_after(std::chrono::seconds(2));
            std::array<char, 16 * 1024> sink;
            std::size_t drained = 0;
            while (drained < 8 * 1024 * 1024) {
                auto [drain_ec, n] = co_await transport.async_read_some(asio::buffer(sink), kTuple);
                if (drain_ec) break;
                drained += n;
            }
        }
    }
    transport.close();
}

void Server::Finish(Response& res, const Request& request, bool is_static, std::chrono::steady_clock::time_point start) {
    res.set("X-Request-Id", request.request_id());
    Decorate(res, is_static);
    Record(request, static_cast<int>(res.result_int()), res.body().size(), start);
}

void Server::Decorate(Response& res, bool is_static) {
    AddSecurityHeaders(res, tls());
    if (!is_static) res.set(beast_http::field::cache_control, "no-store");
}

void Server::Record(const Request& request, int status, std::size_t bytes,
                    std::chrono::steady_clock::time_point start) {
    auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string route(request.route());
    std::string method(beast_http::to_string(request.method()));
    metrics_.Increment("wt_http_requests_total", "HTTP requests by route template, method and status",
                       {{"route", route}, {"method", method}, {"status", std::to_string(status)}});
    metrics_.Observe("wt_http_request_duration_seconds", "HTTP request latency by route template",
                     {{"route", route}}, elapsed);
    if (access_log_) {
        boost::json::object line;
        line["ts"] = FormatRfc3339(
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count(),
            true);
        line["request_id"] = request.request_id();
        line["method"] = method;
        line["path"] = std::string(request.path());  // never the query string: it is not logged
        line["route"] = route;
        line["status"] = status;
        line["duration_ms"] = elapsed * 1000.0;
        line["remote_ip"] = options_.client_address ? options_.client_address(request) : request.remote_ip();
        line["user_agent"] = SanitizeUtf8(request.header(beast_http::field::user_agent), 256);
        line["bytes"] = bytes;
        access_log_->Write(boost::json::serialize(line));
    }
}

}  // namespace wt::http
