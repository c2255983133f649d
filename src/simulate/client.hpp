// SPDX-License-Identifier: Apache-2.0
/// The load driver of `watchtower simulate`: sends transactions to `POST /api/v1/transactions`
/// (or `/transactions/batch`) over N keep-alive HTTP/1.1 connections, paced by a token schedule,
/// and reports each transaction's outcome and the latency of each request.
///
/// Model: one I/O thread runs one Beast `tcp_stream` coroutine per connection. A connection takes
/// the next slot of the schedule (slot k is due at t0 + k * batch / rate; with rate 0 every slot is
/// due at once), waits for it, and only then asks the `Source` for the next transactions, so the
/// source is called in sequence order and what is sent never depends on which connection is free.
///
/// Stopping: at `duration` (or when the source is exhausted, or on SIGINT/SIGTERM when
/// `handle_signals`) no new request starts and those in flight finish; at the hard deadline
/// (`duration` + `grace`, or a second signal) in-flight requests are abandoned and counted as
/// connection errors. Each request is bounded by `request_timeout`, each connection attempt by
/// `connect_timeout`, and an outage by `give_up`, so a run without `duration` ends too.
///
/// Failures: a connection error or timeout fails the transactions of that request (status 0, never
/// retried: a second run with the same seed re-sends them idempotently); the connection reconnects
/// with a backoff of 50 ms doubling to 1 s. When no connection succeeds for `give_up` the run
/// stops. `RunDriver` fails (kUnavailable) only when the server cannot be reached at all: the host
/// does not resolve or the first connection is refused or times out.
///
/// Threading: `RunDriver` blocks the calling thread and calls every callback on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "simulate/histogram.hpp"

namespace wt::simulate {

/// Where to send: parsed from `http://host[:port][/prefix]`.
struct Endpoint {
    std::string host;  // a name or an IP address (IPv6 without brackets)
    std::uint16_t port = 80;
    std::string path_prefix;  // "" or "/prefix" (no trailing slash), put before /api/v1/...
    std::string HostHeader() const;
};

/// Parses the `--url` value. `https://` is kValidationFailed "not supported yet"; so are other
/// schemes, user info, queries, fragments, an empty host and a bad port.
Result<Endpoint> ParseUrl(std::string_view url);

/// One transaction to send.
struct Outgoing {
    std::uint64_t seq = 0;
    std::string external_id;
    std::string idempotency_key;  // sent as Idempotency-Key on single requests
    std::string body;             // a JSON object
    int label = -1;               // the caller's, handed back with the outcome
};

/// What happened to one transaction.
struct Outcome {
    int status = 0;         // the HTTP status, or the item's status in a batch; 0: no answer
    int http_status = 0;    // the HTTP status of the request that carried it; 0: no answer
    bool replayed = false;  // 200 (or Idempotent-Replayed: true)
    std::string decision;   // "allow" | "review" | "block" from the answer, else empty
    std::string error;      // problem `code`, or the connection error; empty on 2xx
    double latency_ms = 0;  // of the request that carried it
};

struct DriverOptions {
    Endpoint endpoint;
    std::string api_key;
    double rate = 0;  // transactions per second; 0: as fast as possible
    std::optional<std::chrono::milliseconds> duration;
    int concurrency = 8;
    int batch = 1;  // > 1: POST /transactions/batch with up to `batch` items
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds grace{10'000};
    std::chrono::milliseconds give_up{30'000};
    bool handle_signals = false;
};

/// Counters at one moment; `interval_*` cover the last progress interval.
struct Progress {
    double elapsed_s = 0;
    std::uint64_t requests = 0;
    std::uint64_t sent = 0;      // transactions
    std::uint64_t accepted = 0;  // 2xx
    std::uint64_t replayed = 0;  // 200
    std::uint64_t errors = 0;    // 4xx, 5xx and no answer
    std::uint64_t connection_errors = 0;
    double interval_rate = 0;  // transactions per second
    double interval_p50_ms = 0;
    double interval_p99_ms = 0;
};

struct DriverReport {
    Progress totals;
    std::uint64_t created = 0;        // 201
    std::uint64_t client_errors = 0;  // 4xx
    std::uint64_t server_errors = 0;  // 5xx
    std::uint64_t connects = 0;
    std::uint64_t connect_failures = 0;
    std::map<int, std::uint64_t> statuses;  // per transaction; 0: no answer
    LatencyHistogram latency;               // per request, microseconds
    std::string stop_reason;                // "count reached", "duration reached", "interrupted", ...
};

/// Returns up to `max_items` next transactions, in sequence order; empty when there are no more.
using Source = std::function<std::vector<Outgoing>(std::size_t max_items)>;
using ResultSink = std::function<void(const Outgoing&, const Outcome&)>;
using ProgressSink = std::function<void(const Progress&)>;

/// Runs until the source is exhausted, `duration` passes, or a stop. `on_progress` (may be empty)
/// is called about once a second. See the file comment for the failure contract.
Result<DriverReport> RunDriver(const DriverOptions& options, const Source& source, const ResultSink& on_result,
                               const ProgressSink& on_progress);

}  // namespace wt::simulate
