// SPDX-License-Identifier: Apache-2.0
/// Sends what mail::Enqueue queued. One background thread (its own std::jthread: delivery is
/// blocking I/O, SMTP can take seconds, and it must never hold an HTTP worker) that, on each pass:
///
///   1. claims one due message at a time (a write transaction: `sent_at IS NULL AND failed_at IS
///      NULL AND next_attempt_at <= now`, oldest first; the claim moves next_attempt_at one lease
///      (5 min) ahead, so a crash mid-delivery retries the message later instead of losing it, and
///      two processes never send the same message at once);
///   2. opens it with the keyring, renders it (mail/mime.hpp) and hands it to the Transport,
///      outside any transaction;
///   3. marks it: delivered -> sent_at, message_sealed = NULL (no token stays at rest once
///      delivered); failed -> attempts + 1, last_error (the transport's error text, never the
///      body), next_attempt_at = now + RetryDelay; after `max_attempts` failures -> failed_at and
///      message_sealed = NULL. A message that cannot be opened or rendered fails at once.
///
/// A pass handles at most `batch` messages, then the queue depth gauge is refreshed. The worker
/// runs a pass when woken (Wake(): a request committed mail), when the previous pass was full, or
/// every `poll_interval` (mail queued by another process, retries coming due).
///
/// With no transport (`mail.transport = off`) every queued message is dropped at once: failed_at
/// set, last_error "mail transport is off", the sealed body erased.
///
/// Metrics: wt_mail_sent_total, wt_mail_retried_total (failed attempts that will be retried),
/// wt_mail_failed_total (given up), wt_mail_dropped_total (transport off), gauge
/// wt_mail_queue_depth (messages waiting, due or not).
///
/// Threading: Wake() is safe from any thread. Start/Stop from the owner's thread. Stop() is
/// bounded: it interrupts an SMTP transfer within about a second (the message is left due again,
/// not counted as an attempt) and waits for the thread. REQUIRES: Stop() (or destruction) before
/// the database closes.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/result.hpp"
#include "crypto/seal.hpp"
#include "mail/transport.hpp"
#include "storage/database.hpp"

namespace wt::mail {

struct DelivererOptions {
    std::string from = "WatchTower <watchtower@localhost>";  // Config::mail_from
    int max_attempts = 8;                                    // Config::mail_max_attempts (>= 1)
    int batch = 20;                                          // messages per pass
    std::chrono::milliseconds poll_interval{2000};
    UnixMicros retry_base = 15 * kMicrosPerSecond;  // first retry delay (tests shorten it)
    UnixMicros retry_cap = kMicrosPerHour;
    UnixMicros claim_lease = 5 * kMicrosPerMinute;  // > the SMTP transport's whole-delivery timeout
};

/// The delay before retry number `failures` (1 after the first failed attempt): retry_base *
/// 2^(failures-1), capped at retry_cap, then scaled by a jitter factor in [0.8, 1.2) taken from
/// `jitter_unit` in [0, 1) (still capped). 15 s, 30 s, 1 min, 2 min, ... 1 h with the defaults.
UnixMicros RetryDelay(int failures, double jitter_unit, const DelivererOptions& options);

class Deliverer {
  public:
    /// `transport` null means mail is off. Every reference must outlive the Deliverer.
    Deliverer(storage::Database& db, const crypto::Keyring& keyring, std::unique_ptr<Transport> transport,
              std::shared_ptr<Clock> clock, Metrics& metrics, std::shared_ptr<spdlog::logger> log,
              DelivererOptions options);
    ~Deliverer();  // Stop()
    Deliverer(const Deliverer&) = delete;
    Deliverer& operator=(const Deliverer&) = delete;

    /// Starts the worker thread. REQUIRES: not started.
    void Start();
    /// Asks for a pass now (cheap; coalesces).
    void Wake();
    /// Stops the worker (bounded, see the file comment). Idempotent.
    void Stop();

    /// One pass on the caller's thread, for tests and tools that run no worker: the number of
    /// messages handled (sent, retried, failed or dropped). REQUIRES: the worker is not running.
    Result<int> RunOnce();

  private:
    enum class Outcome { kSent, kRetry, kFailed, kDropped, kCancelled };
    struct Claimed {
        std::string id;
        std::string kind;
        std::optional<std::string> sealed;
        std::int64_t attempts = 0;
    };

    void Run(std::stop_token stop);
    Result<int> Pass(std::stop_token stop);
    Result<std::optional<Claimed>> ClaimNext();
    Outcome Deliver(const Claimed& claimed, std::stop_token stop, std::string& error_text);
    Status Mark(const Claimed& claimed, Outcome outcome, const std::string& error_text);
    void RefreshQueueDepth();

    storage::Database& db_;
    const crypto::Keyring& keyring_;
    std::unique_ptr<Transport> transport_;
    std::shared_ptr<Clock> clock_;
    Metrics& metrics_;
    std::shared_ptr<spdlog::logger> log_;
    DelivererOptions options_;

    std::mutex mutex_;
    std::condition_variable_any wake_cv_;
    bool woken_ = false;  // GUARDED_BY(mutex_)
    std::jthread worker_;
};

}  // namespace wt::mail
