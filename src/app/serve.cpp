// SPDX-License-Identifier: Apache-2.0
// `watchtower serve`: everything is wired here, explicitly, in dependency order.
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "api/api.hpp"
#include "app/commands.hpp"
#include "app/instrumented_database.hpp"
#include "app/master_key.hpp"
#include "auth/auth_limiter.hpp"
#include "auth/ip_allowlist.hpp"
#include "auth/api_keys.hpp"
#include "auth/password.hpp"
#include "auth/sessions.hpp"
#include "engine/engine.hpp"
#include "http/access_log.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "ingest/transaction_refs.hpp"
#include "ingest/writer.hpp"
#include "mail/deliverer.hpp"
#include "net/ssrf_guard.hpp"
#include "notify/notifier.hpp"
#include "mail/mime.hpp"
#include "reports/rollups.hpp"
#include "secrets/rotate.hpp"
#include "secrets/server_secrets.hpp"

namespace wt::app {
namespace {

struct ListenAddress {
    std::string host;
    std::uint16_t port = 0;
};

Result<ListenAddress> ParseListen(const std::string& text) {
    auto bad = Error::Validation("listen", "listen: must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
    std::string host, port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return bad;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos) return bad;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
        return bad;
    int number = std::stoi(port);
    if (number > 65535) return bad;
    if (host == "localhost") host = "127.0.0.1";
    return ListenAddress{host, static_cast<std::uint16_t>(number)};
}

// `trusted_proxies = "10.0.0.0/8, ::1/128"`: comma- or space-separated CIDR ranges.
Result<std::vector<auth::Cidr>> ParseTrustedProxies(const std::string& text) {
    std::vector<auth::Cidr> ranges;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find_first_of(", ", pos);
        if (end == std::string::npos) end = text.size();
        if (end > pos) {
            auto cidr = auth::ParseCidr(std::string_view(text).substr(pos, end - pos), "trusted_proxies");
            if (!cidr) {
                const auto& fields = cidr.error().fields;
                return Error::Validation("trusted_proxies",
                                         "trusted_proxies: " + (fields.empty() ? cidr.error().detail : fields[0].message) +
                                             " ('" + text.substr(pos, end - pos) + "')");
            }
            ranges.push_back(*cidr);
        }
        pos = end + 1;
    }
    return ranges;
}

/// Background upkeep off the I/O threads, once a second: API-key usage flushes (one write per
/// second at most, never one per request) and the WAL checkpoint (the database is opened with
/// `background_checkpoint`, so no request's commit ever pays for one). Stops (with a last flush)
/// when destroyed.
class Upkeep {
public:
    Upkeep(storage::Database& db, auth::ApiKeyAuthenticator& api_keys, engine::Engine& rules_engine,
           const ingest::Writer& writer, Metrics& metrics, std::shared_ptr<spdlog::logger> log)
        : db_(db),
          api_keys_(api_keys),
          engine_(rules_engine),
          writer_(writer),
          metrics_(metrics),
          log_(std::move(log)),
          thread_([this] { Run(); }) {}
    ~Upkeep() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        thread_.join();
        RunOnce();
    }

private:
    void Run() {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
            if (stopping_) break;
            lock.unlock();
            RunOnce();
            lock.lock();
        }
    }
    void RunOnce() {
        if (auto flushed = api_keys_.FlushUsage(); !flushed)
            log_->warn("recording API-key usage failed (kept for the next attempt): {}", flushed.error().internal);
        if (auto checkpoint = db_.Checkpoint(); !checkpoint)
            log_->warn("WAL checkpoint failed (retried in a second): {}", checkpoint.error().internal);
        // The writer's group commit: items per group is items ÷ groups between two scrapes.
        metrics_.SetGauge("wt_ingest_groups_committed", "Write transactions committed by the ingestion writer",
                          static_cast<std::int64_t>(writer_.groups_committed()));
        metrics_.SetGauge("wt_ingest_items_committed", "Transactions stored by the ingestion writer's groups",
                          static_cast<std::int64_t>(writer_.items_committed()));
        ++ticks_;
        // Every 10 minutes: a snapshot of the rules engine's windows, so that a start after a crash
        // replays at most 10 minutes of transactions instead of all of them.
        if (ticks_ % 600 == 0) {
            if (auto saved = engine_.SaveSnapshot(); !saved)
                log_->warn("saving the rules engine's window snapshot failed: {}", saved.error().internal);
        }
        // Once a minute: drop window state that left every window, then report what remains.
        if (ticks_ % 60 == 1) {
            engine_.Sweep();
            const auto stats = engine_.AggregateStats();
            metrics_.SetGauge("wt_rules_window_aggregates", "Distinct windowed aggregates tracked (all organizations)",
                              static_cast<std::int64_t>(stats.aggregates));
            metrics_.SetGauge("wt_rules_window_keys", "Keys with window state (aggregate x key)",
                              static_cast<std::int64_t>(stats.keys));
            metrics_.SetGauge("wt_rules_window_bytes", "Approximate heap bytes of all window state",
                              static_cast<std::int64_t>(stats.bytes));
            metrics_.SetGauge("wt_rules_window_bytes_per_key", "Window state bytes per tracked key",
                              static_cast<std::int64_t>(stats.bytes_per_key()));
            metrics_.SetGauge("wt_rules_window_truncated_keys", "Keys that hit the per-key event cap",
                              static_cast<std::int64_t>(stats.truncated_keys));
        }
    }

    storage::Database& db_;
    auth::ApiKeyAuthenticator& api_keys_;
    engine::Engine& engine_;
    const ingest::Writer& writer_;
    Metrics& metrics_;
    std::uint64_t ticks_ = 0;  // upkeep thread only
    std::shared_ptr<spdlog::logger> log_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // GUARDED_BY(mutex_)
    std::thread thread_;
};

// The mail transport of `mail.transport`: null for `off` (the deliverer then drops what is queued).
// The SMTP password is read from the sealed server secret at every delivery, so `watchtower
// secrets set smtp_password` applies without a restart.
Result<std::unique_ptr<mail::Transport>> MakeMailTransport(const Config& config, storage::Database& db,
                                                          const crypto::Keyring& keyring) {
    const std::string_view from = config.mail_from;
    if (from.find_first_of("\r\n") != std::string_view::npos || !mail::IsBareAddress(mail::AddressOf(from)))
        return Error::Validation("mail.from", "must be `Name <address>` or an address, on one line");
    if (config.mail_transport == "off") return std::unique_ptr<mail::Transport>();
    if (config.mail_transport == "file") return mail::MakeFileTransport(config.data_dir + "/mail");
    mail::SmtpOptions smtp;
    smtp.url = config.smtp_url;
    smtp.username = config.smtp_username;
    smtp.insecure = config.smtp_insecure;
    smtp.password = [&db, &keyring]() -> Result<std::optional<std::string>> {
        WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
        return secrets::GetServerSecret(*tx, keyring, secrets::kSmtpPassword);
    };
    return mail::MakeSmtpTransport(std::move(smtp));
}

// A sealed value that the keyring cannot open (a key missing from WATCHTOWER_PREVIOUS_MASTER_KEYS
// after a rotation, a tampered row) would fail later, inside a sign-in or a mail delivery: say so
// at start, naming the rows (never the values). The server still starts: the rest works.
void LogSealedValuesThatDoNotOpen(storage::Database& db, const crypto::Keyring& keyring, spdlog::logger& log) {
    auto inventory = secrets::Inventory(db, keyring);
    if (!inventory) {
        log.error("cannot check the sealed values: {} {}", inventory.error().detail, inventory.error().internal);
        return;
    }
    for (const auto& column : *inventory)
        for (const auto& failure : column.failures) log.error("sealed value does not open: {}", failure);
}

}  // namespace

int RunServe(const Config& config) {
    auto listen = ParseListen(config.listen);
    if (!listen) return Fail(listen.error());
    auto trusted_proxies = ParseTrustedProxies(config.trusted_proxies);
    if (!trusted_proxies) return Fail(trusted_proxies.error());
    // The SSRF guard's operator allowances (net/ssrf_guard.hpp), checked at start so that a typo
    // stops the server instead of silently refusing (or allowing) outbound calls later. Every
    // outbound call of the server goes through this policy.
    auto outbound_policy = net::OutboundPolicy::FromConfig(config.outbound_allow);
    if (!outbound_policy) return Fail(outbound_policy.error());
    // Native TLS makes the session cookie Secure by itself; behind a TLS proxy, cookie_secure does.
    const bool cookie_secure = config.cookie_secure || config.tls();
    if (config.production() && !cookie_secure)
        return Fail(Error::Make(ErrorCode::kValidationFailed,
                                "production mode needs secure cookies: serve HTTPS (tls.cert and tls.key) or set "
                                "cookie_secure=true (WATCHTOWER_COOKIE_SECURE) behind a TLS proxy"));
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir + "/logs", ec);
    if (ec) return Fail(Error::Make(ErrorCode::kUnavailable, fmt::format("cannot create {}/logs: {}", config.data_dir, ec.message())));

    // Logging: the application log on stderr; the access log asynchronous, off the request path.
    auto log = std::make_shared<spdlog::logger>("watchtower", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    log->set_level(spdlog::level::from_str(config.log_level));
    log->flush_on(spdlog::level::warn);
    // Subsystems that log through spdlog's default logger (the rules engine) write the same lines.
    spdlog::set_default_logger(log);
    std::unique_ptr<http::AccessLog> access_log;
    if (config.access_log != "off") {
        std::string path = config.access_log == "stdout" ? "-" : config.data_dir + "/logs/access.log";
        access_log = std::make_unique<http::AccessLog>(path);
        if (!access_log->ok())
            return Fail(Error::Make(ErrorCode::kUnavailable, fmt::format("cannot open the access log {}", path)));
    }

    // Shared with other servers on this data directory, exclusive for `keys rotate`.
    auto data_dir_lock = LockDataDir(config, /*exclusive=*/false);
    if (!data_dir_lock) return Fail(data_dir_lock.error());
    auto keys = LoadMasterKeyring(config);
    if (!keys) return Fail(keys.error());
    const MasterKey* key = &keys->current;
    if (key->generated)
        log->warn("generated a new master key into {} (mode 0600); back it up with the database, or set "
                  "WATCHTOWER_MASTER_KEY",
                  key->source);
    const crypto::Keyring keyring = keys->Ring();
    log->info("master key {} from {}; {} previous key(s) open only", keyring.current_id(),
              keys->environment_mode() ? "WATCHTOWER_MASTER_KEY" : key->source, keys->previous.size());
    if (keys->rotation_pending)
        log->warn("an interrupted key rotation left {}: run `watchtower keys rotate` to finish it", PendingKeyPath(config));

    Metrics metrics;
    storage::OpenOptions open_options;
    open_options.background_checkpoint = true;  // Upkeep checkpoints every second
    auto opened = storage::Open(config.DatabaseUrl(), open_options);
    if (!opened) {
        Error error = std::move(opened).error();
        if (!error.internal.empty()) error.detail += " (" + error.internal + ")";
        return Fail(error);
    }
    std::unique_ptr<storage::Database> db = Instrument(std::move(*opened), metrics);

    std::shared_ptr<Clock> clock = SystemClock();
    if (!config.test_clock_file.empty()) {
        clock = FileOffsetClock(config.test_clock_file);
        log->warn("test clock enabled from {}", config.test_clock_file);
    }
    auth::SessionManager sessions(DeriveKey(*key, "session-signing-v1"), clock);
    // The dummy hash behind "unknown email" answers is made now, not on the first such login
    // (which would otherwise take twice as long and tell that the email is unknown).
    auth::VerifyDummyPassword("warm-up");
    api::BlockingPool password_pool(static_cast<int>(config.password_threads),
                                    static_cast<int>(config.password_queue_limit));
    api::ApiOptions api_options;
    api_options.cookie_secure = cookie_secure;
    api_options.json_max_depth = static_cast<int>(config.json_max_depth);
    api_options.console_body_limit = static_cast<std::size_t>(config.console_body_limit_bytes);
    api_options.fault_routes = config.test_fault_routes;
    api_options.ingest_body_limit = static_cast<std::size_t>(config.ingest_body_limit_bytes);
    api_options.batch_body_limit = static_cast<std::size_t>(config.batch_body_limit_bytes);
    api_options.trusted_proxies = *trusted_proxies;
    api_options.public_url = config.PublicUrl();
    api::ApiContext ctx{*db, sessions, clock, metrics, password_pool, log, api_options};
    ctx.keyring = &keyring;
    ctx.data_dir = config.data_dir;
    LogSealedValuesThatDoNotOpen(*db, keyring, *log);
    auth::ApiKeyAuthenticator api_keys(*db, clock);
    ctx.api_keys = &api_keys;
    // The rules engine rebuilds its window state from storage before anything is served; declared
    // before the writer, which decides through it until stopped.
    engine::Engine::Options engine_options;
    engine_options.snapshot_path = config.data_dir + "/rules-windows.snapshot";
    engine::Engine rules_engine(*db, clock, engine_options);
    {
        const auto started_at = std::chrono::steady_clock::now();
        if (auto started = rules_engine.Start(); !started) return Fail(started.error());
        const auto stats = rules_engine.AggregateStats();
        log->info("rules engine ready in {} ms: {} aggregates, {} tracked keys, {} bytes",
                  std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at)
                      .count(),
                  stats.aggregates, stats.keys, stats.bytes);
    }
    ctx.engine = &rules_engine;
    // One backtest at a time per core's worth of work: one thread, a short queue (then 503).
    api::BlockingPool analysis_pool(1, 4, 2);
    ctx.analysis_pool = &analysis_pool;
    // Dashboards, summaries and evidence uploads (tens of milliseconds each): two threads, a queue
    // of 32, at most 4 per user (then 429/503 with Retry-After).
    api::BlockingPool query_pool(2, 32, 4);
    ctx.query_pool = &query_pool;
    // Declared before the server: destroyed (stopped, drained) after it.
    ingest::Writer::Options writer_options;
    writer_options.decider = &rules_engine;
    // Notifications (notify/notifier.hpp): alert.raised deliveries are written in each group's
    // transaction; the dispatcher starts with the mail deliverer below. Declared before the writer,
    // which calls its observer until stopped.
    notify::NotifierOptions notify_options;
    notify_options.public_url = config.PublicUrl();
    notify_options.max_attempts = static_cast<int>(config.notify_max_attempts);
    notify_options.retry_base = config.notify_retry_base_ms * 1000;
    notify_options.sla_scan_interval = std::chrono::seconds(config.notify_sla_scan_seconds);
    notify_options.http.total_timeout = std::chrono::milliseconds(config.notify_timeout_ms);
    notify_options.http.connect_timeout = std::min(notify_options.http.connect_timeout, notify_options.http.total_timeout);
    notify::Notifier notifier(*db, keyring, *outbound_policy, clock, metrics, log, notify_options);
    ctx.notifier = &notifier;
    writer_options.observers.push_back(&notifier.observer());
    // Dashboard rollups, written in each group's own transaction (reports/rollups.hpp).
    reports::RollupObserver rollups;
    writer_options.observers.push_back(&rollups);
    // The deferred account, customer and hour references (ingest/transaction_refs.hpp), checked
    // before the first group: rebuilt if a copy of the database renumbered the rows.
    if (auto rebuilt = ingest::VerifyTransactionRefs(*db); !rebuilt)
        return Fail(rebuilt.error());
    else if (*rebuilt)
        log->warn("the transactions' account, customer and hour references did not match the stored rows "
                  "(rowids renumbered by a copy?): rebuilt");
    ingest::TransactionRefs transaction_refs;
    writer_options.observers.push_back(&transaction_refs);
    ingest::Writer writer(*db, writer_options);
    ctx.writer = &writer;
    std::unique_ptr<TokenBuckets> ingest_limiter;
    if (config.ingest_rate_per_key > 0) {
        const auto rate = static_cast<double>(config.ingest_rate_per_key);
        ingest_limiter = std::make_unique<TokenBuckets>(
            rate, config.ingest_burst_per_key > 0 ? static_cast<double>(config.ingest_burst_per_key) : rate);
        ctx.ingest_limiter = ingest_limiter.get();
    }
    auto auth_limiter = auth::MakeInProcessAuthLimiter(
        auth::AuthLimits{static_cast<int>(config.auth_attempts_per_ip_per_minute),
                         static_cast<int>(config.auth_failures_before_lock), static_cast<int>(config.auth_lock_seconds),
                         static_cast<int>(config.auth_max_lock_seconds)});
    ctx.auth_limiter = auth_limiter.get();
    // Mail: requests queue it in their own transaction and wake the deliverer after the commit; it
    // also polls, for mail queued by another process. Stopped before the database closes.
    auto mail_transport = MakeMailTransport(config, *db, keyring);
    if (!mail_transport) return Fail(mail_transport.error());
    mail::DelivererOptions mail_options;
    mail_options.from = config.mail_from;
    mail_options.max_attempts = static_cast<int>(config.mail_max_attempts);
    mail::Deliverer deliverer(*db, keyring, std::move(*mail_transport), clock, metrics, log, mail_options);
    ctx.wake_mail = [&deliverer] { deliverer.Wake(); };
    deliverer.Start();
    notifier.Start([&deliverer] { deliverer.Wake(); });
    if (config.mail_transport == "off")
        log->warn("mail.transport is off: queued mail (invitations, password resets, notices) is dropped");
    else
        log->info("mail: {} transport{}", config.mail_transport,
                  config.mail_transport == "file" ? " into " + config.data_dir + "/mail" : " to " + config.smtp_url);
    auto upkeep = std::make_unique<Upkeep>(*db, api_keys, rules_engine, writer, metrics, log);

    http::Router router;
    auto specs = api::RegisterRoutes(router, ctx);
    http::StaticFiles console(config.web_dir);
    if (!console.loaded())
        log->warn("no console files in {} (run `make build`); the API is served without the console", config.web_dir);

    http::ServerOptions server_options;
    server_options.host = listen->host;
    server_options.port = listen->port;
    server_options.threads = static_cast<int>(config.threads);
    server_options.header_limit = static_cast<std::size_t>(config.header_limit_bytes);
    server_options.max_connections = static_cast<std::size_t>(config.max_connections);
    server_options.header_timeout = std::chrono::milliseconds(config.header_timeout_ms);
    server_options.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
    server_options.body_timeout = std::chrono::milliseconds(config.body_timeout_ms);
    server_options.write_timeout = std::chrono::milliseconds(config.write_timeout_ms);
    server_options.shutdown_grace = std::chrono::milliseconds(config.shutdown_grace_ms);
    if (!api_options.trusted_proxies.empty()) {
        server_options.client_address = [proxies = api_options.trusted_proxies](const http::Request& request) {
            auto peer = auth::ParseIp(request.remote_ip());
            if (!peer) return request.remote_ip();
            return auth::ClientAddress(*peer, request.header("X-Forwarded-For"), proxies).ToString();
        };
    }
    server_options.tls_cert_file = config.tls_cert;
    server_options.tls_key_file = config.tls_key;
    http::Server server(server_options, router, metrics, console.loaded() ? &console : nullptr, access_log.get(), log);
    if (auto listening = server.Listen(); !listening) return Fail(listening.error());

    boost::asio::signal_set signals(server.io_context(), SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
        if (error) return;
        log->info("signal {} received: finishing in-flight requests, then stopping", signal_number);
        server.Stop();
    });
    log->info("WatchTower {} serving {} routes on {}://{}:{}{} (data dir {}, database {})", api_options.version,
              specs.size(), server.tls() ? "https" : "http",
              listen->host.find(':') != std::string::npos ? "[" + listen->host + "]" : listen->host, server.port(),
              server.tls() ? " (TLS 1.3 only)" : "", config.data_dir, config.DatabaseUrl());
    server.Run();

    // Password checks still running use the database: let them finish before closing it. Queued
    // transactions are committed (their requests are gone, but what a client may retry is
    // stored), then the last key uses are written.
    password_pool.StopAndJoin();
    analysis_pool.StopAndJoin();
    query_pool.StopAndJoin();
    writer.Stop();
    notifier.Stop();  // bounded by one webhook POST's timeouts; queues mail, so before the deliverer
    deliverer.Stop();  // bounded: an SMTP transfer in progress is interrupted, its mail left due
    upkeep.reset();
    // Everything committed is in the windows now: the next start restores them instead of
    // rebuilding from every stored transaction.
    if (auto saved = rules_engine.SaveSnapshot(); !saved)
        log->warn("saving the rules engine's window snapshot failed (the next start rebuilds): {}",
                  saved.error().internal);
    db->Close();
    log->info("stopped cleanly");
    spdlog::shutdown();
    return 0;
}

}  // namespace wt::app
