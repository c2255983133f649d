// SPDX-License-Identifier: Apache-2.0
#include "notify/notifier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "crypto/crypto.hpp"
#include "mail/deliverer.hpp"
#include "notify/channels.hpp"
#include "notify/events.hpp"
#include "notify/signature.hpp"
#include "orgs/organizations.hpp"
#include "secrets/sealed_columns.hpp"

namespace wt::notify {

using storage::Int;
using storage::Text;

namespace {

constexpr std::size_t kMaxErrorText = 500;
constexpr int kSlaBatch = 500;               // overdue alerts read per organization and scan
constexpr std::size_t kSlaWriteBatch = 100;  // alerts notified per write transaction

double JitterUnit() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

std::string ErrorText(const Error& error) {
    std::string text = error.detail;
    if (!error.fields.empty()) text += ": " + error.fields.front().message;
    if (text.size() > kMaxErrorText) text.resize(kMaxErrorText);
    return text;
}

std::string Str(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

/// The subject and paragraphs of the mail of an event (payload as stored).
mail::Message MailOf(const std::string& to, const boost::json::object& payload, std::string_view public_url) {
    const std::string type = Str(payload, "type");
    const boost::json::object empty;
    const auto* data_value = payload.if_contains("data");
    const boost::json::object& data = data_value != nullptr && data_value->is_object() ? data_value->as_object() : empty;
    const std::string rule = Str(data, "rule_name");
    const std::string severity = Str(data, "severity");
    const std::string case_id = Str(data, "case_id");
    std::string subject;
    std::vector<std::string> paragraphs;
    if (type == "alert.raised") {
        subject = fmt::format("[WatchTower] {} alert: {}", severity, rule);
        paragraphs.push_back(fmt::format("The rule \"{}\" raised a {} alert ({}) on transaction {} in {}.", rule,
                                         severity, Str(data, "alert_id"), Str(data, "external_id"),
                                         Str(payload, "environment")));
    } else if (type == "alert.assigned") {
        subject = fmt::format("[WatchTower] Alert assigned to you: {}", rule);
        paragraphs.push_back(
            fmt::format("The {} alert {} of the rule \"{}\" was assigned to you.", severity, Str(data, "alert_id"), rule));
    } else if (type == "alert.sla_overdue") {
        subject = fmt::format("[WatchTower] Alert overdue: {}", rule);
        paragraphs.push_back(fmt::format("The {} alert {} of the rule \"{}\" passed its due time ({}) and is not closed.",
                                         severity, Str(data, "alert_id"), rule, Str(data, "due_at")));
    } else if (type == "case.assigned") {
        subject = fmt::format("[WatchTower] Case {} assigned to you", case_id);
        paragraphs.push_back(fmt::format("The case {} (priority {}) was assigned to you.", case_id, Str(data, "priority")));
    } else if (type == "case.escalated") {
        subject = fmt::format("[WatchTower] Case {} escalated", case_id);
        paragraphs.push_back(fmt::format("The case {} (priority {}) was escalated.", case_id, Str(data, "priority")));
    } else {
        subject = "[WatchTower] Test notification";
        paragraphs.emplace_back("A test notification from WatchTower: this channel works.");
    }
    std::string link = Str(data, "url");
    if (link.starts_with('/')) link = std::string(public_url) + link;
    return mail::NotificationMail(to, std::move(subject), std::move(paragraphs), link);
}

}  // namespace

Notifier::Notifier(storage::Database& db, const crypto::Keyring& keyring, net::OutboundPolicy policy,
                   std::shared_ptr<Clock> clock, Metrics& metrics, std::shared_ptr<spdlog::logger> log,
                   NotifierOptions options)
    : db_(db),
      keyring_(keyring),
      policy_(std::move(policy)),
      clock_(std::move(clock)),
      metrics_(metrics),
      log_(std::move(log)),
      options_(std::move(options)) {
    options_.max_attempts = std::max(options_.max_attempts, 1);
    options_.batch = std::max(options_.batch, 1);
}

Notifier::~Notifier() { Stop(); }

void Notifier::Start(std::function<void()> wake_mail) {
    wake_mail_ = std::move(wake_mail);
    worker_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void Notifier::Wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wake_cv_.notify_one();
}

void Notifier::Stop() {
    if (!worker_.joinable()) return;
    worker_.request_stop();
    worker_.join();
}

// ---------------------------------------------------------------------------------------------
// alert.raised, on the writer thread

Result<void> Notifier::AlertObserver::BeforeCommit(storage::Transaction& tx,
                                                  std::span<const ingest::StoredItem> stored) {
    const bool any_alert = std::any_of(stored.begin(), stored.end(),
                                       [](const ingest::StoredItem& item) { return !item.written.alerts.empty(); });
    if (!any_alert) return Ok();
    const std::uint64_t epoch = notifier_.channels_epoch_.load();
    if (epoch != loaded_epoch_) {
        WT_ASSIGN_OR_RETURN(auto loaded, detail::LoadSubscriptions(tx, ""));
        subscriptions_.clear();
        for (auto& [org_id, subscription] : loaded) subscriptions_[org_id].push_back(std::move(subscription));
        loaded_epoch_ = epoch;
    }
    for (const auto& stored_item : stored) {
        if (stored_item.written.alerts.empty()) continue;
        const auto found = subscriptions_.find(stored_item.item.org_id);
        if (found == subscriptions_.end()) continue;
        for (const auto& alert : stored_item.written.alerts) {
            Event event;
            event.type = "alert.raised";
            event.org_id = stored_item.item.org_id;
            event.environment = stored_item.item.environment;
            event.severity = alert.severity;
            event.occurred_at = stored_item.item.received_at;
            event.data = {{"alert_id", alert.id},
                          {"rule_id", alert.rule_id},
                          {"rule_name", alert.rule_name},
                          {"severity", alert.severity},
                          {"transaction_id", stored_item.written.id},
                          {"external_id", stored_item.written.external_id},
                          {"decision", stored_item.written.decision},
                          {"score", stored_item.written.score},
                          {"url", "/alerts/" + alert.id}};
            const std::string event_id = crypto::NewId("evt");
            std::string payload;
            for (const auto& subscription : found->second) {
                if (!subscription.Wants(event)) continue;
                if (payload.empty()) payload = detail::PayloadOf(event, event_id);
                WT_RETURN_IF_ERROR(
                    detail::InsertDelivery(tx, event, event_id, payload, subscription.channel_id, ""));
                wrote_ = true;
            }
        }
    }
    return Ok();
}

void Notifier::AlertObserver::AfterCommit() {
    if (!wrote_) return;
    wrote_ = false;
    notifier_.Wake();
}

// ---------------------------------------------------------------------------------------------
// The dispatcher

void Notifier::Run(std::stop_token stop) {
    auto next_scan = std::chrono::steady_clock::now();
    while (!stop.stop_requested()) {
        if (std::chrono::steady_clock::now() >= next_scan) {
            if (auto scanned = ScanSla(); !scanned)
                log_->warn("notification SLA scan failed: {}", scanned.error().internal.empty()
                                                                     ? scanned.error().detail
                                                                     : scanned.error().internal);
            next_scan = std::chrono::steady_clock::now() + options_.sla_scan_interval;
        }
        auto handled = Pass(stop);
        if (!handled)
            log_->warn("notification delivery pass failed: {}",
                       handled.error().internal.empty() ? handled.error().detail : handled.error().internal);
        if (handled && *handled >= options_.batch) continue;
        std::unique_lock lock(mutex_);
        wake_cv_.wait_for(lock, stop, options_.poll_interval, [this] { return woken_; });
        woken_ = false;
    }
}

Result<int> Notifier::RunOnce() { return Pass(std::stop_token{}); }

Result<int> Notifier::Pass(std::stop_token stop) {
    int handled = 0;
    while (handled < options_.batch && !stop.stop_requested()) {
        WT_ASSIGN_OR_RETURN(auto claimed, Claim(std::nullopt));
        if (!claimed) break;
        WT_RETURN_IF_ERROR(Mark(*claimed, Deliver(*claimed)));
        ++handled;
    }
    RefreshQueueDepth();
    return handled;
}

Status Notifier::DeliverNow(const std::string& id) {
    WT_ASSIGN_OR_RETURN(auto claimed, Claim(id));
    if (!claimed) return Error::NotFound("no such pending delivery");
    return Mark(*claimed, Deliver(*claimed));
}

Result<std::optional<Notifier::Claimed>> Notifier::Claim(const std::optional<std::string>& id) {
    const UnixMicros now = clock_->Now();
    WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kWrite));
    constexpr const char* kColumns = "SELECT id, org_id, event_type, channel_id, user_id, payload, attempts, "
                                     "next_attempt_at FROM notification_deliveries WHERE delivered_at IS NULL AND "
                                     "failed_at IS NULL";
    // A compare-and-set on what was read: on PostgreSQL another node may have read the same row
    // in its own snapshot; only one UPDATE matches. The loser skips that row and looks for the
    // next due one (each statement sees the winner's lease), a few times at most.
    constexpr int kClaimTries = 3;
    for (int tries = 0; tries < kClaimTries; ++tries) {
        auto row = id ? tx->QueryOne(std::string(kColumns) + " AND id = $1", {Text(*id)})
                      : tx->QueryOne(std::string(kColumns) + " AND next_attempt_at <= $1 ORDER BY "
                                                             "next_attempt_at, id LIMIT 1",
                                     {Int(now)});
        if (!row) return std::move(row).error();
        if (!*row) return std::optional<Claimed>();
        const storage::Row& found = **row;
        Claimed claimed{found.GetText(0), found.GetText(1), found.GetText(2), found.GetOptText(3),
                        found.GetOptText(4), found.GetText(5), found.GetInt(6)};
        WT_ASSIGN_OR_RETURN(const bool won, detail::ClaimLease(*tx, claimed.id, found.GetInt(7), claimed.attempts,
                                                               now + options_.claim_lease));
        if (!won) {
            if (id) break;  // DeliverNow: someone else has it
            continue;
        }
        WT_RETURN_IF_ERROR(tx->Commit());
        return std::optional<Claimed>(std::move(claimed));
    }
    return std::optional<Claimed>();
}

std::string Notifier::FinalBody(const std::string& payload) const {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(payload, ec);
    if (ec || !parsed.is_object()) return payload;
    auto* data = parsed.as_object().if_contains("data");
    if (data != nullptr && data->is_object()) {
        auto* url = data->as_object().if_contains("url");
        if (url != nullptr && url->is_string() && url->as_string().starts_with("/"))
            *url = options_.public_url + std::string(url->as_string());
    }
    return boost::json::serialize(parsed);
}

Notifier::Attempt Notifier::Deliver(const Claimed& claimed) {
    Attempt attempt;
    boost::system::error_code ec;
    const auto payload = boost::json::parse(claimed.payload, ec);
    if (ec || !payload.is_object()) {
        attempt.error = "the stored payload is unreadable";
        return attempt;
    }
    if (claimed.user_id) {
        attempt.kind = "email";
        auto tx = db_.Begin(storage::TxMode::kRead);
        if (!tx) return {Outcome::kRetry, "email", std::nullopt, ErrorText(tx.error()), {}};
        auto user = (*tx)->QueryOne(
            "SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.id = $1 AND m.org_id = $2",
            {Text(*claimed.user_id), Text(claimed.org_id)});
        if (!user) return {Outcome::kRetry, "email", std::nullopt, ErrorText(user.error()), {}};
        if (!*user) {
            attempt.error = "the user is no longer a member";
            return attempt;
        }
        attempt.mails.push_back(MailOf((*user)->GetText(0), payload.as_object(), options_.public_url));
        attempt.outcome = Outcome::kDelivered;
        return attempt;
    }
    auto tx = db_.Begin(storage::TxMode::kRead);
    if (!tx) return {Outcome::kRetry, "webhook", std::nullopt, ErrorText(tx.error()), {}};
    auto channel = (*tx)->QueryOne(
        "SELECT type, url, secret_sealed, recipients, deleted_at, enabled, allowed_domains FROM notification_channels "
        "WHERE id = $1 AND org_id = $2",
        {Text(claimed.channel_id.value_or("")), Text(claimed.org_id)});
    tx->reset();
    if (!channel) return {Outcome::kRetry, "webhook", std::nullopt, ErrorText(channel.error()), {}};
    if (!*channel || !(*channel)->IsNull(4)) {
        attempt.error = "channel deleted";
        return attempt;
    }
    // A disabled channel receives nothing (docs/webhooks.md), not even the retries of deliveries
    // written before it was disabled; only a test send, which the admin asks for, goes out.
    if ((*channel)->GetInt(5) == 0 && claimed.event_type != "test") {
        attempt.kind = (*channel)->GetText(0) == "webhook" ? "webhook" : "email";
        attempt.error = "channel disabled";
        return attempt;
    }
    if ((*channel)->GetText(0) == "webhook") return DeliverWebhook(claimed, **channel);
    attempt.kind = "email";
    for (const auto& recipient : detail::StringsOf((*channel)->GetText(3)))
        attempt.mails.push_back(MailOf(recipient, payload.as_object(), options_.public_url));
    attempt.outcome = Outcome::kDelivered;
    return attempt;
}

Notifier::Attempt Notifier::DeliverWebhook(const Claimed& claimed, const storage::Row& channel) {
    Attempt attempt;
    auto url = net::ParseOutboundUrl(channel.GetText(1));
    if (!url) {
        attempt.error = ErrorText(url.error());
        return attempt;
    }
    // The channel's domain allowlist, checked before any DNS query or connection: a host outside it
    // fails the delivery unsent (retrying would not change the answer).
    const std::vector<std::string> allowed_domains =
        channel.IsNull(6) ? std::vector<std::string>() : detail::StringsOf(channel.GetText(6));
    if (auto outside = OutsideAllowedDomains(url->host, allowed_domains)) {
        attempt.error = *outside + "; nothing was sent";
        return attempt;
    }
    auto secret = keyring_.Open(channel.GetText(2),
                                secrets::SealContext("notification_channels", "secret_sealed", *claimed.channel_id));
    if (!secret) {
        attempt.error = "the channel's secret cannot be opened: " + secret.error().detail;
        return attempt;
    }
    net::OutboundRequest request;
    request.body = FinalBody(claimed.payload);
    request.headers = {{std::string(kSignatureHeader),
                        SignatureHeader(*secret, clock_->Now() / kMicrosPerSecond, request.body)},
                       {"X-WatchTower-Event", claimed.event_type},
                       {"X-WatchTower-Delivery", claimed.id}};
    // Resolved and checked again now: a name that pointed outward when the channel was saved may
    // point inward today.
    auto response = net::Post(policy_, *url, request, allowed_domains, options_.http);
    attempt.outcome = Outcome::kRetry;
    if (!response) {
        attempt.error = ErrorText(response.error());
        return attempt;
    }
    attempt.http_status = response->status;
    if (response->status >= 200 && response->status < 300) {
        attempt.outcome = Outcome::kDelivered;
        return attempt;
    }
    attempt.error = fmt::format("the receiver answered HTTP {}", response->status);
    return attempt;
}

Status Notifier::Mark(const Claimed& claimed, Attempt attempt) {
    const UnixMicros now = clock_->Now();
    const std::int64_t attempts = claimed.attempts + 1;
    const bool single_attempt = claimed.event_type == "test";
    if (attempt.outcome == Outcome::kRetry && (attempts >= options_.max_attempts || single_attempt))
        attempt.outcome = Outcome::kFailed;
    const Labels labels{{"kind", attempt.kind}};
    const std::string target = claimed.channel_id ? "channel " + *claimed.channel_id : "user " + claimed.user_id.value_or("");

    WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kWrite));
    std::vector<storage::Value> params{Text(claimed.id), Int(now), Int(attempts), storage::OptInt(attempt.http_status),
                                       attempt.error.empty() ? storage::Null() : Text(attempt.error)};
    std::string sets = "attempts = $3, last_attempt_at = $2, last_status = $4, last_error = $5";
    switch (attempt.outcome) {
        case Outcome::kDelivered:
            sets += ", delivered_at = $2";
            for (const auto& message : attempt.mails)
                WT_RETURN_IF_ERROR(mail::Enqueue(*tx, keyring_, claimed.org_id, message, now));
            metrics_.Increment("wt_notify_delivered_total", "Notifications delivered", labels);
            log_->info("notification {} ({}) delivered to {}", claimed.id, claimed.event_type, target);
            break;
        case Outcome::kRetry: {
            const UnixMicros delay =
                mail::RetryDelay(static_cast<int>(attempts), JitterUnit(),
                                 mail::DelivererOptions{.retry_base = options_.retry_base, .retry_cap = options_.retry_cap});
            params.push_back(Int(now + delay));
            sets += ", next_attempt_at = $6";
            metrics_.Increment("wt_notify_retried_total", "Failed notification attempts that will be retried", labels);
            log_->warn("notification {} ({}) to {}: attempt {} of {} failed, next in {} ms: {}", claimed.id,
                       claimed.event_type, target, attempts, options_.max_attempts, delay / 1000, attempt.error);
            break;
        }
        case Outcome::kFailed:
            sets += ", failed_at = $2";
            metrics_.Increment("wt_notify_failed_total", "Notifications given up", labels);
            log_->warn("notification {} ({}) to {} given up after {} attempt(s): {}", claimed.id, claimed.event_type,
                       target, attempts, attempt.error);
            break;
    }
    WT_RETURN_IF_ERROR(tx->Exec(fmt::format("UPDATE notification_deliveries SET {} WHERE id = $1", sets), params));
    WT_RETURN_IF_ERROR(tx->Commit());
    if (!attempt.mails.empty() && attempt.outcome == Outcome::kDelivered && wake_mail_) wake_mail_();
    return Ok();
}

void Notifier::RefreshQueueDepth() {
    auto tx = db_.Begin(storage::TxMode::kRead);
    if (!tx) return;
    auto row = (*tx)->QueryOne(
        "SELECT COUNT(*) FROM notification_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL");
    if (row && *row)
        metrics_.SetGauge("wt_notify_queue_depth", "Notifications waiting for delivery (due or backing off)",
                          (*row)->GetInt(0));
}

// ---------------------------------------------------------------------------------------------
// alert.sla_overdue

Result<int> Notifier::ScanSla() {
    const UnixMicros now = clock_->Now();
    // Candidates are found in a read snapshot (the index alerts_sla_pending holds only alerts not
    // yet notified and not closed), so the write lock, which the ingestion writer needs, is taken
    // only when there is something to write, and only for those rows.
    struct Overdue {
        std::string org_id;
        storage::Row alert;
        UnixMicros due_at;
    };
    std::vector<Overdue> overdue;
    {
        WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kRead));
        WT_ASSIGN_OR_RETURN(auto orgs, tx->Query("SELECT id, settings FROM organizations ORDER BY id"));
        for (const auto& org : orgs) {
            const orgs::AlertSla sla = orgs::SettingsFromText(org.GetText(1)).alert_sla_hours;
            auto cutoff = [&](std::string_view severity) { return Int(now - sla.HoursOf(severity) * kMicrosPerHour); };
            WT_ASSIGN_OR_RETURN(
                auto alerts,
                tx->Query("SELECT id, environment, rule_id, rule_name, severity, transaction_id, created_at "
                          "FROM alerts WHERE org_id = $1 AND sla_notified_at IS NULL AND status <> 'closed' AND ("
                          "(severity = 'low' AND created_at <= $2) OR (severity = 'medium' AND created_at <= $3) OR "
                          "(severity = 'high' AND created_at <= $4) OR "
                          "(severity NOT IN ('low', 'medium', 'high') AND created_at <= $5)) ORDER BY id LIMIT $6",
                          {Text(org.GetText(0)), cutoff("low"), cutoff("medium"), cutoff("high"),
                           cutoff("critical"), Int(kSlaBatch)}));
            for (auto& alert : alerts) {
                const UnixMicros due_at = alert.GetInt(6) + sla.HoursOf(alert.GetText(4)) * kMicrosPerHour;
                overdue.push_back({org.GetText(0), std::move(alert), due_at});
            }
        }
    }
    // Written in batches of kSlaWriteBatch, each its own write transaction, so the write lock the
    // ingestion writer needs is held for a short while at a time. Each alert's claim
    // (sla_notified_at) commits with its notification, so "once" holds across batches and crashes.
    int notified = 0;
    for (std::size_t start = 0; start < overdue.size(); start += kSlaWriteBatch) {
        const std::size_t end = std::min(overdue.size(), start + kSlaWriteBatch);
        WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kWrite));
        int batch_notified = 0;
        for (std::size_t idx = start; idx < end; ++idx) {
            const auto& [org_id, alert, due_at] = overdue[idx];
            // Claimed here, so a concurrent scan (another process) or a close since the read wins.
            WT_ASSIGN_OR_RETURN(auto claimed, tx->Exec("UPDATE alerts SET sla_notified_at = $2 WHERE id = $1 AND "
                                                       "sla_notified_at IS NULL AND status <> 'closed'",
                                                       {Text(alert.GetText(0)), Int(now)}));
            if (claimed != 1) continue;
            WT_ASSIGN_OR_RETURN(auto assignee,
                                tx->QueryOne("SELECT assignee_id FROM alerts WHERE id = $1", {Text(alert.GetText(0))}));
            const std::optional<std::string> assignee_id = assignee ? assignee->GetOptText(0) : std::nullopt;
            Event event;
            event.type = "alert.sla_overdue";
            event.org_id = org_id;
            event.environment = alert.GetText(1);
            event.severity = alert.GetText(4);
            event.occurred_at = now;
            event.data = {{"alert_id", alert.GetText(0)},
                          {"rule_id", alert.GetText(2)},
                          {"rule_name", alert.GetText(3)},
                          {"severity", alert.GetText(4)},
                          {"transaction_id", alert.GetText(5)},
                          {"assignee_id", assignee_id ? boost::json::value(*assignee_id) : boost::json::value(nullptr)},
                          {"due_at", FormatRfc3339(due_at)},
                          {"url", "/alerts/" + alert.GetText(0)}};
            if (assignee_id) event.user_ids = {*assignee_id};
            WT_RETURN_IF_ERROR(Record(*tx, event));
            ++batch_notified;
        }
        WT_RETURN_IF_ERROR(tx->Commit());
        notified += batch_notified;
    }
    if (notified > 0) {
        log_->info("{} alert(s) passed their SLA due time: notifications written", notified);
        Wake();
    }
    return notified;
}

}  // namespace wt::notify
