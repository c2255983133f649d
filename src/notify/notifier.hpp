// SPDX-License-Identifier: Apache-2.0
/// The notification runtime: the ingestion observer that writes `alert.raised` deliveries, the
/// dispatcher thread that sends the outbox, and the SLA scan (docs/webhooks.md).
///
/// alert.raised: `observer()` is an ingest::GroupObserver (registered with the writer). It runs on
/// the writer thread inside each group's transaction; it does nothing for a group without alerts,
/// and nothing for an organization without a subscribed channel. The enabled channels of every
/// organization are cached in memory and reloaded (inside the group's transaction) after
/// ChannelsChanged(), which the channel routes call after each committed change.
///
/// Dispatcher (its own std::jthread, like mail::Deliverer): claims one due delivery at a time with
/// a lease (next_attempt_at moved `claim_lease` ahead, so a crash retries instead of losing it;
/// the move is a compare-and-set on the row as read, so of several servers on one PostgreSQL
/// database exactly one claims it and the others skip it), delivers it outside any transaction,
/// then records the outcome:
///   - webhook: first the channel's allowed_domains (notify/channels.hpp): a host outside it fails
///     the delivery unsent, before any DNS query. Then a POST of the payload, signed
///     (notify/signature.hpp), through the SSRF guard and the pinned client
///     (net/http_client.hpp): the host is resolved and checked again at every attempt, no
///     redirect is followed (a 3xx fails), short timeouts. 2xx = delivered; anything else is
///     retried after mail::RetryDelay (exponential with jitter) until `max_attempts`.
///   - email channel / user: the message is queued with mail::Enqueue in the same transaction that
///     marks the delivery done (the mail deliverer sends it; then Wake of the mail deliverer).
///   - a `test` delivery has one attempt (its outcome is answered to the admin at once).
///   - a delivery to a deleted or disabled channel fails without being sent (a disabled channel
///     receives nothing, not even retries written before it was disabled; a test send still goes).
/// Every `sla_scan_interval` it writes `alert.sla_overdue` for alerts past their due time
/// (organization SLA hours, not closed), once per alert (alerts.sla_notified_at): candidates are read
/// in a read snapshot (at most 500 per organization and scan), then notified in write transactions
/// of at most 100 alerts each, so the ingestion writer never waits for a whole scan.
///
/// Logs never carry a secret, a payload or a URL (webhook URLs often embed tokens): only ids,
/// event types, HTTP statuses and the guard's or client's error text (which names hosts only).
/// Metrics: wt_notify_delivered_total, wt_notify_retried_total, wt_notify_failed_total (label
/// `kind`: webhook | email), gauge wt_notify_queue_depth.
///
/// Threading: Wake, ChannelsChanged and DeliverNow are safe from any thread; Start/Stop from the
/// owner's. Stop waits for a delivery in progress (bounded by the HTTP timeouts). REQUIRES: Stop()
/// (or destruction) before the database closes; the writer using observer() stopped first.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/result.hpp"
#include "crypto/seal.hpp"
#include "ingest/writer.hpp"
#include "mail/mail.hpp"
#include "net/http_client.hpp"
#include "net/ssrf_guard.hpp"
#include "notify/detail/outbox.hpp"
#include "storage/database.hpp"

namespace wt::notify {

struct NotifierOptions {
    std::string public_url = "http://127.0.0.1:8080";  // console links in payloads and mails
    int max_attempts = 8;                              // Config notify.max_attempts
    UnixMicros retry_base = 30 * kMicrosPerSecond;     // Config notify.retry_base_ms
    UnixMicros retry_cap = kMicrosPerHour;
    UnixMicros claim_lease = 2 * kMicrosPerMinute;  // > resolve + total timeout of one POST
    int batch = 20;                                 // deliveries per pass
    std::chrono::milliseconds poll_interval{1000};
    std::chrono::milliseconds sla_scan_interval{60'000};  // Config notify.sla_scan_seconds
    net::HttpClientOptions http;                          // Config notify.timeout_ms -> total_timeout
};

class Notifier {
  public:
    /// Every reference must outlive the Notifier.
    Notifier(storage::Database& db, const crypto::Keyring& keyring, net::OutboundPolicy policy,
             std::shared_ptr<Clock> clock, Metrics& metrics, std::shared_ptr<spdlog::logger> log,
             NotifierOptions options);
    ~Notifier();  // Stop()
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    /// The writer's observer for `alert.raised` (see the file comment).
    ingest::GroupObserver& observer() { return observer_; }
    /// The server's SSRF policy (channel URLs are checked against it when saved).
    const net::OutboundPolicy& policy() const { return policy_; }
    /// How far ahead a claimed or test delivery is leased.
    UnixMicros lease() const { return options_.claim_lease; }

    /// Starts the dispatcher; `wake_mail` is called after a commit that queued mail (may be empty).
    /// REQUIRES: not started.
    void Start(std::function<void()> wake_mail);
    /// Asks for a pass now (cheap; coalesces).
    void Wake();
    /// Stops the dispatcher (bounded, see the file comment). Idempotent.
    void Stop();
    /// A channel changed (created, updated, deleted): the observer reloads its cache.
    void ChannelsChanged() { channels_epoch_.fetch_add(1); }

    /// Delivers the delivery `id` now on the caller's thread (one attempt) and records the
    /// outcome. For test deliveries written leased (RecordTestDelivery). Never on an I/O thread.
    Status DeliverNow(const std::string& id);
    /// One dispatcher pass on the caller's thread (tests): deliveries handled.
    Result<int> RunOnce();
    /// One SLA scan on the caller's thread: alerts newly notified as overdue.
    Result<int> ScanSla();

  private:
    class AlertObserver : public ingest::GroupObserver {
      public:
        explicit AlertObserver(Notifier& notifier) : notifier_(notifier) {}
        Result<void> BeforeCommit(storage::Transaction& tx, std::span<const ingest::StoredItem> stored) override;
        void AfterCommit() override;

      private:
        Notifier& notifier_;
        // Writer thread only: the subscriptions by organization and the epoch they were read at.
        std::map<std::string, std::vector<detail::Subscription>, std::less<>> subscriptions_;
        std::uint64_t loaded_epoch_ = ~std::uint64_t{0};
        bool wrote_ = false;
    };

    enum class Outcome { kDelivered, kRetry, kFailed };
    struct Claimed {
        std::string id;
        std::string org_id;
        std::string event_type;
        std::optional<std::string> channel_id;
        std::optional<std::string> user_id;
        std::string payload;
        std::int64_t attempts = 0;
    };
    struct Attempt {
        Outcome outcome = Outcome::kFailed;
        std::string kind = "webhook";         // webhook | email (metrics)
        std::optional<int> http_status;       // a webhook's answer
        std::string error;                    // why it failed
        std::vector<mail::Message> mails;     // queued with the outcome
    };

    void Run(std::stop_token stop);
    Result<int> Pass(std::stop_token stop);
    Result<std::optional<Claimed>> Claim(const std::optional<std::string>& id);
    Attempt Deliver(const Claimed& claimed);
    Attempt DeliverWebhook(const Claimed& claimed, const storage::Row& channel);
    Status Mark(const Claimed& claimed, Attempt attempt);
    void RefreshQueueDepth();
    /// The payload with its console `url` made absolute.
    std::string FinalBody(const std::string& payload) const;

    storage::Database& db_;
    const crypto::Keyring& keyring_;
    net::OutboundPolicy policy_;
    std::shared_ptr<Clock> clock_;
    Metrics& metrics_;
    std::shared_ptr<spdlog::logger> log_;
    NotifierOptions options_;
    AlertObserver observer_{*this};
    std::atomic<std::uint64_t> channels_epoch_{0};
    std::function<void()> wake_mail_;

    std::mutex mutex_;
    std::condition_variable_any wake_cv_;
    bool woken_ = false;  // GUARDED_BY(mutex_)
    std::jthread worker_;
};

}  // namespace wt::notify
