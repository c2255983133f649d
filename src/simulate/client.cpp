// SPDX-License-Identifier: Apache-2.0
#include "simulate/client.hpp"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <csignal>
#include <set>

#include "simulate/detail/answer_fields.hpp"
#include "simulate/detail/request_text.hpp"

namespace wt::simulate {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kResponseBodyLimit = 64ull * 1024 * 1024;  // a 1,000-item batch answer is far below
constexpr std::size_t kReadBufferSize = 4096;                      // a single answer is about 630 bytes

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::string Endpoint::HostHeader() const {
    bool ipv6 = host.find(':') != std::string::npos;
    std::string name = ipv6 ? "[" + host + "]" : host;
    return port == 80 ? name : fmt::format("{}:{}", name, port);
}

Result<Endpoint> ParseUrl(std::string_view url) {
    auto bad = [&](std::string_view why) {
        return Error::Validation("url", fmt::format("'{}' {} (expected http://HOST[:PORT][/PREFIX])", url, why));
    };
    std::string lower = Lower(url);
    if (lower.starts_with("https://")) {
        return Error::Validation("url", fmt::format("'{}': https is not supported yet; use http:// (for example "
                                                    "to a TLS-terminating proxy's plain-text side)",
                                                    url));
    }
    if (!lower.starts_with("http://")) return bad("is not an http:// URL");
    std::string_view rest = url.substr(7);
    std::size_t path_at = rest.find('/');
    std::string_view authority = rest.substr(0, path_at);
    std::string_view path = path_at == std::string_view::npos ? std::string_view() : rest.substr(path_at);
    if (authority.find('@') != std::string_view::npos) return bad("has user information");
    if (path.find_first_of("?#") != std::string_view::npos) return bad("has a query or fragment");
    Endpoint endpoint;
    std::string_view port_text;
    if (authority.starts_with('[')) {
        std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return bad("has an unterminated IPv6 address");
        endpoint.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad("has junk after the IPv6 address");
            port_text = after.substr(1);
            if (port_text.empty()) return bad("has an empty port");
        }
    } else {
        std::size_t colon = authority.rfind(':');
        endpoint.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) return bad("has an empty port");
        }
    }
    if (endpoint.host.empty()) return bad("has no host");
    if (!port_text.empty()) {
        unsigned port = 0;
        for (char c : port_text) {
            if (c < '0' || c > '9' || port > 65535) return bad("has an invalid port");
            port = port * 10 + static_cast<unsigned>(c - '0');
        }
        if (port == 0 || port > 65535) return bad("has an invalid port");
        endpoint.port = static_cast<std::uint16_t>(port);
    }
    while (path.ends_with('/')) path.remove_suffix(1);
    endpoint.path_prefix = std::string(path);
    return endpoint;
}

namespace {

struct Shared {
    const DriverOptions& options;
    const Source& source;
    const ResultSink& on_result;
    const ProgressSink& on_progress;
    tcp::resolver::results_type endpoints;
    std::string target;
    std::string request_head;  // detail::RequestHead of this run
    SteadyClock::time_point t0;
    SteadyClock::time_point last_contact;  // last successful connect or answer
    std::uint64_t next_slot = 0;
    bool draining = false;  // no new request starts
    bool aborting = false;  // in-flight requests are abandoned
    int active_workers = 0;
    std::set<asio::steady_timer*> drain_timers;  // waits that end when draining starts
    std::set<beast::tcp_stream*> streams;        // cancelled on abort
    std::function<void()> all_done;
    DriverReport report;
    LatencyHistogram interval_latency;
    std::string stop_reason;

    SteadyClock::time_point Due(std::uint64_t slot) const {
        double seconds = static_cast<double>(slot) * options.batch / options.rate;
        return t0 + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
    }

    void Drain(std::string reason) {
        if (stop_reason.empty()) stop_reason = std::move(reason);
        draining = true;
        for (auto* timer : drain_timers) timer->cancel();
    }

    void Abort(std::string reason) {
        Drain(std::move(reason));
        aborting = true;
        for (auto* stream : streams) stream->cancel();
    }
};

asio::awaitable<void> Sleep(Shared& s, SteadyClock::time_point until) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_at(until);
    s.drain_timers.insert(&timer);
    co_await timer.async_wait(kTuple);
    s.drain_timers.erase(&timer);
}

struct Connection {
    explicit Connection(const asio::any_io_executor& executor) : stream(executor) {
        // Beast reads into the free capacity of the buffer but at least 512 bytes; with 512 a
        // single answer (about 630 bytes) took two recvmsg calls.
        buffer.reserve(kReadBufferSize);
    }
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::string wire;  // the request being sent, reused
    bool open = false;
    std::uint64_t answered = 0;  // requests answered on this connection

    void Close() {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream.socket().close(ignored);
        buffer.clear();
        open = false;
        answered = 0;
    }
};

// One connection attempt.
asio::awaitable<bool> ConnectOnce(Shared& s, Connection& conn) {
    if (s.aborting) co_return false;
    conn.Close();
    conn.stream.expires_after(s.options.connect_timeout);
    auto [ec, endpoint] = co_await conn.stream.async_connect(s.endpoints, kTuple);
    (void)endpoint;
    if (ec) {
        ++s.report.connect_failures;
        conn.Close();
        co_return false;
    }
    beast::error_code ignored;
    conn.stream.socket().set_option(tcp::no_delay(true), ignored);
    conn.open = true;
    ++s.report.connects;
    s.last_contact = SteadyClock::now();
    co_return true;
}

// Connects with a backoff (50 ms doubling to 1 s) until connected, draining, or giving up.
asio::awaitable<bool> Connect(Shared& s, Connection& conn) {
    auto backoff = std::chrono::milliseconds(50);
    while (!s.draining) {
        if (co_await ConnectOnce(s, conn)) co_return true;
        if (s.draining) break;
        if (SteadyClock::now() - s.last_contact >= s.options.give_up) {
            s.Abort(fmt::format("server unreachable for {} s",
                                std::chrono::duration_cast<std::chrono::seconds>(s.options.give_up).count()));
            break;
        }
        co_await Sleep(s, SteadyClock::now() + backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
    co_return false;
}

// What the driver reads of an answer.
struct Answer {
    int status = 0;
    bool keep_alive = false;
    bool replayed_header = false;  // Idempotent-Replayed: true
    std::string body;
};

// Beast's HTTP/1.1 response parser keeping only the status, the keep-alive semantics, the
// Idempotent-Replayed header and the body: a full `http::response` stored every header field of
// every answer (about a tenth of the simulator's instructions) to read one of them.
class AnswerParser : public http::basic_parser<false> {
  public:
    explicit AnswerParser(Answer& answer) : answer_(answer) {}

  private:
    void on_request_impl(http::verb, beast::string_view, beast::string_view, int, beast::error_code&) override {}
    void on_response_impl(int code, beast::string_view, int, beast::error_code&) override { answer_.status = code; }
    void on_field_impl(http::field, beast::string_view name, beast::string_view value, beast::error_code&) override {
        // The first one counts, as `response["Idempotent-Replayed"]` would read it.
        if (!replayed_seen_ && beast::iequals(name, "Idempotent-Replayed")) {
            replayed_seen_ = true;
            answer_.replayed_header = beast::iequals(value, "true");
        }
    }
    void on_header_impl(beast::error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, beast::error_code&) override {
        if (content_length) answer_.body.reserve(static_cast<std::size_t>(*content_length));
    }
    std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
        answer_.body.append(body.data(), body.size());
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code& ec) override {
        return on_body_impl(body, ec);
    }
    void on_finish_impl(beast::error_code&) override { answer_.keep_alive = keep_alive(); }

    Answer& answer_;
    bool replayed_seen_ = false;
};

struct Exchanged {
    bool answered = false;
    bool stale = false;  // a reused connection closed before any byte of the answer
    beast::error_code ec;
    Answer answer;
    SteadyClock::duration latency{};
};

bool IsClosedByPeer(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

// Sends `conn.wire` and reads the answer.
asio::awaitable<Exchanged> Exchange(Shared& s, Connection& conn) {
    Exchanged out;
    auto started = SteadyClock::now();
    conn.stream.expires_after(s.options.request_timeout);
    auto [write_ec, written] = co_await asio::async_write(conn.stream, asio::buffer(conn.wire), kTuple);
    (void)written;
    if (write_ec) {
        out.ec = write_ec;
        out.stale = conn.answered > 0 && IsClosedByPeer(write_ec);
        co_return out;
    }
    AnswerParser parser(out.answer);
    parser.body_limit(kResponseBodyLimit);
    auto [read_ec, read] = co_await http::async_read(conn.stream, conn.buffer, parser, kTuple);
    (void)read;
    out.latency = SteadyClock::now() - started;
    if (read_ec) {
        out.ec = read_ec;
        out.stale = conn.answered > 0 && !parser.got_some() && IsClosedByPeer(read_ec);
        co_return out;
    }
    out.answered = true;
    ++conn.answered;
    co_return out;
}

void Count(Shared& s, const Outgoing& item, const Outcome& outcome) {
    auto& report = s.report;
    ++report.totals.sent;
    ++report.statuses[outcome.status];
    if (outcome.status >= 200 && outcome.status < 300) {
        ++report.totals.accepted;
        if (outcome.status == 201) ++report.created;
        if (outcome.replayed) ++report.totals.replayed;
    } else {
        ++report.totals.errors;
        if (outcome.status == 0) ++report.totals.connection_errors;
        if (outcome.status >= 400 && outcome.status < 500) ++report.client_errors;
        if (outcome.status >= 500) ++report.server_errors;
    }
    if (s.on_result) s.on_result(item, outcome);
}

void Deliver(Shared& s, const std::vector<Outgoing>& items, const Exchanged& exchanged) {
    ++s.report.totals.requests;
    double latency_ms = std::chrono::duration<double, std::milli>(exchanged.latency).count();
    if (!exchanged.answered) {
        Outcome failed;
        failed.latency_ms = latency_ms;
        if (s.aborting) {
            failed.error = "abandoned at the hard deadline";
        } else if (exchanged.ec == beast::error::timeout) {
            failed.error = "timeout";
        } else {
            failed.error = "connection: " + exchanged.ec.message();
        }
        for (const auto& item : items) Count(s, item, failed);
        return;
    }
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(exchanged.latency).count();
    s.report.latency.Record(micros);
    s.interval_latency.Record(micros);
    s.last_contact = SteadyClock::now();

    const Answer& answer = exchanged.answer;
    int http_status = answer.status;
    const detail::AnswerFields fields = detail::ReadAnswer(answer.body);
    auto base = [&] {
        Outcome outcome;
        outcome.http_status = http_status;
        outcome.latency_ms = latency_ms;
        return outcome;
    };
    auto problem_code = [&](const std::string& code, int status) {
        return code.empty() ? fmt::format("http {}", status) : code;
    };

    if (s.options.batch <= 1 || http_status != 200) {
        // A single answer, or a batch refused as a whole (401, 413, 422 envelope, 5xx...).
        bool replay_header = answer.replayed_header;
        for (const auto& item : items) {
            Outcome outcome = base();
            outcome.status = http_status;
            outcome.replayed = s.options.batch <= 1 && (http_status == 200 || replay_header);
            if (http_status >= 200 && http_status < 300) {
                outcome.decision = fields.decision;
            } else {
                outcome.error = problem_code(fields.code, http_status);
            }
            Count(s, item, outcome);
        }
        return;
    }
    for (std::size_t idx = 0; idx < items.size(); ++idx) {
        Outcome outcome = base();
        const detail::AnswerItem* result =
            fields.results && idx < fields.results->size() ? &(*fields.results)[idx] : nullptr;
        if (result == nullptr || !result->status) {
            outcome.error = "the batch answer has no result for this item";
        } else {
            outcome.status = static_cast<int>(*result->status);
            outcome.replayed = outcome.status == 200;
            if (outcome.status >= 200 && outcome.status < 300) {
                outcome.decision = result->decision;
            } else {
                outcome.error = problem_code(result->code, outcome.status);
            }
        }
        Count(s, items[idx], outcome);
    }
}

asio::awaitable<void> Worker(Shared& s) {
    Connection conn(co_await asio::this_coro::executor);
    s.streams.insert(&conn.stream);
    const auto batch = static_cast<std::size_t>(std::max(1, s.options.batch));
    while (!s.draining) {
        std::uint64_t slot = s.next_slot++;
        if (s.options.rate > 0) {
            auto due = s.Due(slot);
            if (due > SteadyClock::now()) co_await Sleep(s, due);
        }
        if (s.draining) break;
        if (!conn.open && !co_await Connect(s, conn)) break;
        std::vector<Outgoing> items = s.source(batch);
        if (items.empty()) {
            s.Drain("count reached");
            break;
        }
        detail::WriteRequest(conn.wire, s.request_head, items, s.options.batch > 1);
        Exchanged exchanged = co_await Exchange(s, conn);
        if (!exchanged.answered && exchanged.stale && !s.aborting) {
            // The server closed an idle keep-alive connection as we reused it: the request never
            // reached it. Resend once on a new connection (safe: every request is idempotent).
            if (co_await ConnectOnce(s, conn)) exchanged = co_await Exchange(s, conn);
        }
        Deliver(s, items, exchanged);
        if (!exchanged.answered || !exchanged.answer.keep_alive) conn.Close();
    }
    conn.Close();
    s.streams.erase(&conn.stream);
    if (--s.active_workers == 0 && s.all_done) s.all_done();
}

Progress Snapshot(Shared& s, SteadyClock::time_point now, std::uint64_t& last_sent, SteadyClock::time_point& last_at) {
    Progress progress = s.report.totals;
    progress.elapsed_s = std::chrono::duration<double>(now - s.t0).count();
    double interval = std::chrono::duration<double>(now - last_at).count();
    if (interval > 0) progress.interval_rate = static_cast<double>(progress.sent - last_sent) / interval;
    progress.interval_p50_ms = static_cast<double>(s.interval_latency.Percentile(0.50)) / 1000.0;
    progress.interval_p99_ms = static_cast<double>(s.interval_latency.Percentile(0.99)) / 1000.0;
    s.interval_latency.Reset();
    last_sent = progress.sent;
    last_at = now;
    return progress;
}

}  // namespace

Result<DriverReport> RunDriver(const DriverOptions& options, const Source& source, const ResultSink& on_result,
                               const ProgressSink& on_progress) {
    Shared s{options, source, on_result, on_progress};
    asio::io_context io(1);  // after `s`: pending coroutine frames go before the state they use
    const bool batch = options.batch > 1;
    s.target = options.endpoint.path_prefix + (batch ? "/api/v1/transactions/batch" : "/api/v1/transactions");
    s.request_head = detail::RequestHead(s.target, options.endpoint.HostHeader(), options.api_key);
    std::string where = fmt::format("{}:{}", options.endpoint.host, options.endpoint.port);

    boost::system::error_code resolve_ec;
    tcp::resolver resolver(io);
    s.endpoints = resolver.resolve(options.endpoint.host, std::to_string(options.endpoint.port), resolve_ec);
    if (resolve_ec) {
        return Error::Make(ErrorCode::kUnavailable,
                           fmt::format("cannot resolve {}: {}", options.endpoint.host, resolve_ec.message()));
    }

    try {
        // Is anybody there? A first connection decides between "could not connect at all" (an
        // error) and a run whose failures are counted.
        beast::error_code probe_ec = asio::error::would_block;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                beast::tcp_stream probe(io);
                probe.expires_after(options.connect_timeout);
                auto [ec, endpoint] = co_await probe.async_connect(s.endpoints, kTuple);
                (void)endpoint;
                probe_ec = ec;
                beast::error_code ignored;
                probe.socket().close(ignored);
            },
            [](std::exception_ptr error) {
                if (error) std::rethrow_exception(error);
            });
        io.run();
        io.restart();
        if (probe_ec) {
            return Error::Make(ErrorCode::kUnavailable,
                               fmt::format("cannot connect to {}: {}", where,
                                           probe_ec == beast::error::timeout ? std::string("connection timed out")
                                                                             : probe_ec.message()));
        }

        s.t0 = SteadyClock::now();
        s.last_contact = s.t0;
        asio::steady_timer soft_deadline(io), hard_deadline(io), ticker(io);
        asio::signal_set signals(io);
        bool done = false;
        s.all_done = [&] {
            done = true;
            soft_deadline.cancel();
            hard_deadline.cancel();
            ticker.cancel();
            beast::error_code ignored;
            signals.cancel(ignored);
        };
        if (options.duration) {
            soft_deadline.expires_at(s.t0 + *options.duration);
            soft_deadline.async_wait([&](const beast::error_code& ec) {
                if (!ec) s.Drain("duration reached");
            });
            hard_deadline.expires_at(s.t0 + *options.duration + options.grace);
            hard_deadline.async_wait([&](const beast::error_code& ec) {
                if (!ec) s.Abort("hard deadline reached");
            });
        }
        // The first signal drains, a second abandons what is in flight.
        std::function<void(const beast::error_code&, int)> on_signal = [&](const beast::error_code& ec, int) {
            if (ec) return;
            if (!s.draining) {
                s.Drain("interrupted");
                signals.async_wait(on_signal);
            } else {
                s.Abort("interrupted twice");
            }
        };
        if (options.handle_signals) {
            signals.add(SIGINT);
            signals.add(SIGTERM);
            signals.async_wait(on_signal);
        }
        auto rethrow = [](std::exception_ptr error) {
            if (error) std::rethrow_exception(error);
        };
        int workers = std::max(1, options.concurrency);
        s.active_workers = workers;
        for (int worker_idx = 0; worker_idx < workers; ++worker_idx) asio::co_spawn(io, Worker(s), rethrow);
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                std::uint64_t last_sent = 0;
                auto last_at = s.t0;
                auto next = s.t0 + 1s;
                while (!done) {
                    ticker.expires_at(next);
                    co_await ticker.async_wait(kTuple);
                    if (done) break;
                    auto progress = Snapshot(s, SteadyClock::now(), last_sent, last_at);
                    if (on_progress) on_progress(progress);
                    next += 1s;
                }
            },
            rethrow);
        io.run();
    } catch (const std::exception& e) {
        return Error::Make(ErrorCode::kInternal, fmt::format("the load driver failed: {}", e.what()));
    }

    DriverReport report = std::move(s.report);
    report.totals.elapsed_s = std::chrono::duration<double>(SteadyClock::now() - s.t0).count();
    report.stop_reason = s.stop_reason.empty() ? "stopped" : s.stop_reason;
    return report;
}

}  // namespace wt::simulate
