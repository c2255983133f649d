// SPDX-License-Identifier: Apache-2.0
/// The HTTP/1.1 server: Boost.Beast over Asio with C++20 coroutines, one io_context and one thread
/// per core, keep-alive, plain HTTP or native HTTPS (TLS 1.3 only, see tls.hpp; the TLS handshake
/// must finish within the header deadline), and the limits that keep a hostile client from hurting
/// others:
/// header size (431), body size per route (413), a connection cap, a deadline for the request
/// headers (slowloris), for the body, for an idle keep-alive connection and for writing.
///
/// Every response leaves through one place that adds `X-Request-Id`, the security headers of
/// SECURITY.md (HSTS too when serving HTTPS), `Cache-Control: no-store` (API answers), the
/// access-log line and the metrics.
/// A handler that throws is answered 500 `internal` without internals; the exception is logged.
///
/// Threading: construct, Listen(), then Run() (blocks until stopped) from one thread. Stop() may be
/// called from any thread (signal handler strand included): it stops accepting, lets in-flight
/// requests finish and answers them, closes idle connections, then Run() returns.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/metrics.hpp"
#include "common/result.hpp"
#include "http/access_log.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"

namespace spdlog {
class logger;
}
namespace boost::asio::ssl {
class context;
}

namespace wt::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;  // 0 picks a free port (see Server::port())
    int threads = 0;            // 0: one per core
    std::size_t header_limit = 16 * 1024;
    std::size_t max_connections = 4096;
    std::chrono::milliseconds header_timeout{10'000};  // first request: whole header within this
    std::chrono::milliseconds idle_timeout{60'000};    // keep-alive: next request's header within this
    std::chrono::milliseconds body_timeout{30'000};
    std::chrono::milliseconds write_timeout{30'000};
    std::chrono::milliseconds shutdown_grace{10'000};  // in-flight requests get this long on Stop()
    // Both set: HTTPS only on this port (TLS 1.3, HSTS on every answer). Read by Listen().
    std::string tls_cert_file;  // PEM certificate chain, leaf first
    std::string tls_key_file;   // unencrypted PEM private key of the leaf
    /// The client's address as the access log records it; empty: the TCP peer. `serve` sets it to
    /// the X-Forwarded-For rule of `trusted_proxies` when proxies are configured, so the access log
    /// names the same client as audit entries and allowlists. Called on the I/O threads.
    std::function<std::string(const Request&)> client_address;
};

class Server {
public:
    /// `access_log` may be null (no access log); it must outlive the server.
    Server(ServerOptions options, const Router& router, Metrics& metrics, const StaticFiles* static_files,
           AccessLog* access_log, std::shared_ptr<spdlog::logger> log);
    ~Server();

    /// Loads the TLS certificate and key when configured (kValidationFailed naming `tls.cert` or
    /// `tls.key` and the file when one is missing, unreadable, not PEM, encrypted or mismatched),
    /// then binds and listens (kUnavailable with a clear detail when the address is in use).
    Status Listen();
    /// Whether this server speaks HTTPS (after a successful Listen()).
    bool tls() const { return tls_context_ != nullptr; }
    /// The bound port (after Listen()).
    std::uint16_t port() const { return bound_port_; }
    /// Runs the I/O threads; returns after Stop() once connections have drained.
    void Run();
    /// Graceful stop; idempotent, thread-safe.
    void Stop();
    /// The first I/O context (the acceptor's): for signal handling and other server-wide work.
    boost::asio::io_context& io_context() { return *io_.front(); }

    /// Connections currently open (for tests and metrics).
    int open_connections() const { return open_connections_.load(); }

private:
    // A connection's bookkeeping, whatever its stream; StreamConnection<Stream> adds the stream.
    // The request loop is a template over the stream, so plain HTTP pays nothing for TLS.
    struct Connection;
    template <typename Stream>
    struct StreamConnection;
    boost::asio::awaitable<void> AcceptLoop();
    template <typename Stream>
    void Launch(std::shared_ptr<StreamConnection<Stream>> conn);
    template <typename Stream>
    boost::asio::awaitable<void> Serve(std::shared_ptr<StreamConnection<Stream>> conn);
    template <typename Stream>
    boost::asio::awaitable<void> Close(StreamConnection<Stream>& conn, bool drain, bool tls_established);
    boost::asio::awaitable<Response> Dispatch(Request& request, bool& close_after);
    void Finish(Response& res, const Request& request, bool is_static, std::chrono::steady_clock::time_point start);
    // Finish in two halves, for a streamed body: the headers before it is sent, the access-log
    // line and metrics after it (with the bytes sent).
    void Decorate(Response& res, bool is_static);
    void Record(const Request& request, int status, std::size_t bytes, std::chrono::steady_clock::time_point start);
    template <typename Stream>
    boost::asio::awaitable<bool> WriteStreamed(Stream& stream, Response& res, Request& request,
                                               std::chrono::steady_clock::time_point start);
    std::string NextRequestId();
    void Forget(std::uint64_t conn_id);

    ServerOptions options_;
    const Router& router_;
    Metrics& metrics_;
    const StaticFiles* static_files_;
    AccessLog* access_log_;
    std::shared_ptr<spdlog::logger> log_;

    // One io_context per I/O thread, each run by exactly one thread: a connection lives on one
    // context, so its handlers never cross threads (no strand, no shared scheduler lock, no
    // cross-thread wake-ups). New connections are dealt out round-robin.
    std::vector<std::unique_ptr<boost::asio::io_context>> io_;
    std::size_t next_io_ = 0;  // only touched by the accept loop
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    std::shared_ptr<boost::asio::ssl::context> tls_context_;  // null: plain HTTP
    std::uint16_t bound_port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> open_connections_{0};
    std::atomic<std::uint64_t> request_counter_{0};
    std::string request_id_prefix_;

    std::mutex connections_mutex_;
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections_;  // GUARDED_BY(connections_mutex_)
    std::uint64_t next_connection_id_ = 0;                                      // GUARDED_BY(connections_mutex_)
};

/// The security headers of SECURITY.md, added to every response.
void AddSecurityHeaders(Response& res, bool tls);

}  // namespace wt::http
