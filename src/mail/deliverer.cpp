// SPDX-License-Identifier: Apache-2.0
#include "mail/deliverer.hpp"

#include <algorithm>
#include <random>

#include "mail/detail/message_codec.hpp"
#include "mail/mime.hpp"

namespace wt::mail {

namespace {

constexpr std::size_t kMaxErrorText = 500;

double JitterUnit() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

std::string ErrorText(const Error& error) {
    std::string text = error.internal.empty() ? error.detail : error.internal;
    if (text.size() > kMaxErrorText) text.resize(kMaxErrorText);
    return text;
}

}  // namespace

UnixMicros RetryDelay(int failures, double jitter_unit, const DelivererOptions& options) {
    UnixMicros delay = options.retry_base;
    for (int step = 1; step < failures && delay < options.retry_cap; ++step) delay *= 2;
    delay = std::min(delay, options.retry_cap);
    const double factor = 0.8 + 0.4 * std::clamp(jitter_unit, 0.0, 1.0);
    return std::min(static_cast<UnixMicros>(static_cast<double>(delay) * factor), options.retry_cap);
}

Deliverer::Deliverer(storage::Database& db, const crypto::Keyring& keyring, std::unique_ptr<Transport> transport,
                     std::shared_ptr<Clock> clock, Metrics& metrics, std::shared_ptr<spdlog::logger> log,
                     DelivererOptions options)
    : db_(db),
      keyring_(keyring),
      transport_(std::move(transport)),
      clock_(std::move(clock)),
      metrics_(metrics),
      log_(std::move(log)),
      options_(std::move(options)) {
    options_.max_attempts = std::max(options_.max_attempts, 1);
    options_.batch = std::max(options_.batch, 1);
}

Deliverer::~Deliverer() { Stop(); }

void Deliverer::Start() {
    worker_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void Deliverer::Wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wake_cv_.notify_one();
}

void Deliverer::Stop() {
    if (!worker_.joinable()) return;
    worker_.request_stop();  // also wakes the wait below and aborts an SMTP transfer
    worker_.join();
}

Result<int> Deliverer::RunOnce() { return Pass(std::stop_token{}); }

void Deliverer::Run(std::stop_token stop) {
    while (!stop.stop_requested()) {
        auto handled = Pass(stop);
        if (!handled) log_->warn("mail delivery pass failed: {}", ErrorText(handled.error()));
        if (handled && *handled >= options_.batch) continue;  // more may be due: no nap
        std::unique_lock lock(mutex_);
        wake_cv_.wait_for(lock, stop, options_.poll_interval, [this] { return woken_; });
        woken_ = false;
    }
}

Result<int> Deliverer::Pass(std::stop_token stop) {
    int handled = 0;
    while (handled < options_.batch && !stop.stop_requested()) {
        WT_ASSIGN_OR_RETURN(auto claimed, ClaimNext());
        if (!claimed) break;
        std::string error_text;
        const Outcome outcome = Deliver(*claimed, stop, error_text);
        if (auto marked = Mark(*claimed, outcome, error_text); !marked) return std::move(marked).error();
        if (outcome != Outcome::kCancelled) ++handled;
    }
    RefreshQueueDepth();
    return handled;
}

Result<std::optional<Deliverer::Claimed>> Deliverer::ClaimNext() {
    const UnixMicros now = clock_->Now();
    WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kWrite));
    WT_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT id, kind, message_sealed, attempts FROM mail_outbox "
                                               "WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 "
                                               "ORDER BY next_attempt_at, id LIMIT 1",
                                               {storage::Int(now)}));
    if (!row) return std::optional<Claimed>();
    Claimed claimed{row->GetText(0), row->GetText(1), row->GetOptText(2), row->GetInt(3)};
    WT_RETURN_IF_ERROR(tx->Exec("UPDATE mail_outbox SET next_attempt_at = $2 WHERE id = $1",
                                {storage::Text(claimed.id), storage::Int(now + options_.claim_lease)}));
    WT_RETURN_IF_ERROR(tx->Commit());
    return std::optional<Claimed>(std::move(claimed));
}

Deliverer::Outcome Deliverer::Deliver(const Claimed& claimed, std::stop_token stop, std::string& error_text) {
    if (!transport_) return Outcome::kDropped;
    if (!claimed.sealed) {
        error_text = "the queued message has no body";
        return Outcome::kFailed;
    }
    auto opened = keyring_.Open(*claimed.sealed, detail::OutboxContext(claimed.id));
    if (!opened) {
        error_text = "cannot open the sealed message: " + opened.error().detail;
        return Outcome::kFailed;
    }
    auto message = detail::ParseMessage(*opened);
    if (!message) {
        error_text = ErrorText(message.error());
        return Outcome::kFailed;
    }
    const UnixMicros now = clock_->Now();
    auto rendered = RenderRfc5322(*message, RenderOptions{options_.from, now, claimed.id});
    if (!rendered) {
        const auto& fields = rendered.error().fields;
        error_text = rendered.error().detail + (fields.empty() ? "" : ": " + fields.front().message);
        return Outcome::kFailed;
    }
    const Outgoing outgoing{claimed.id, AddressOf(options_.from), message->to, *rendered, now};
    auto sent = transport_->Send(outgoing, stop);
    if (sent) return Outcome::kSent;
    if (stop.stop_requested()) return Outcome::kCancelled;
    error_text = ErrorText(sent.error());
    return Outcome::kRetry;
}

Status Deliverer::Mark(const Claimed& claimed, Outcome outcome, const std::string& error_text) {
    const UnixMicros now = clock_->Now();
    const std::int64_t attempts = claimed.attempts + 1;
    if (outcome == Outcome::kRetry && attempts >= options_.max_attempts) outcome = Outcome::kFailed;
    const Labels labels{{"kind", claimed.kind}};

    std::string sql;
    std::vector<storage::Value> params{storage::Text(claimed.id), storage::Int(now)};
    switch (outcome) {
        case Outcome::kSent:
            sql =
                "UPDATE mail_outbox SET sent_at = $2, message_sealed = NULL, attempts = $3, last_error = NULL "
                "WHERE id = $1";
            params.push_back(storage::Int(attempts));
            metrics_.Increment("wt_mail_sent_total", "Mails delivered to the transport", labels);
            log_->info("mail {} ({}) sent", claimed.id, claimed.kind);
            break;
        case Outcome::kRetry: {
            const UnixMicros delay = RetryDelay(static_cast<int>(attempts), JitterUnit(), options_);
            sql = "UPDATE mail_outbox SET next_attempt_at = $2, attempts = $3, last_error = $4 WHERE id = $1";
            params[1] = storage::Int(now + delay);
            params.push_back(storage::Int(attempts));
            params.push_back(storage::Text(error_text));
            metrics_.Increment("wt_mail_retried_total", "Failed mail delivery attempts that will be retried", labels);
            log_->warn("mail {} ({}) attempt {} of {} failed, next in {} s: {}", claimed.id, claimed.kind, attempts,
                       options_.max_attempts, delay / kMicrosPerSecond, error_text);
            break;
        }
        case Outcome::kFailed:
        case Outcome::kDropped:
            sql =
                "UPDATE mail_outbox SET failed_at = $2, message_sealed = NULL, attempts = $3, last_error = $4 "
                "WHERE id = $1";
            params.push_back(storage::Int(outcome == Outcome::kFailed ? attempts : claimed.attempts));
            params.push_back(storage::Text(outcome == Outcome::kFailed ? error_text : "mail transport is off"));
            if (outcome == Outcome::kFailed) {
                metrics_.Increment("wt_mail_failed_total", "Mails given up after their last attempt", labels);
                log_->error("mail {} ({}) given up after {} attempts: {}", claimed.id, claimed.kind, attempts,
                            error_text);
            } else {
                metrics_.Increment("wt_mail_dropped_total", "Mails dropped because mail.transport is off", labels);
            }
            break;
        case Outcome::kCancelled:
            sql = "UPDATE mail_outbox SET next_attempt_at = $2 WHERE id = $1";  // due again at the next start
            break;
    }
    WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kWrite));
    WT_RETURN_IF_ERROR(tx->Exec(sql, params));
    return tx->Commit();
}

void Deliverer::RefreshQueueDepth() {
    auto tx = db_.Begin(storage::TxMode::kRead);
    if (!tx) return;
    auto row = (*tx)->QueryOne("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL");
    if (row && *row) {
        metrics_.SetGauge("wt_mail_queue_depth", "Mails waiting for delivery (due or backing off)", (*row)->GetInt(0));
    }
}

}  // namespace wt::mail
