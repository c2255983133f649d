// SPDX-License-Identifier: Apache-2.0
#include "app/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <toml++/toml.h>

namespace wt::app {
namespace {

enum class Kind { kString, kInt, kBool };

struct Option {
    const char* name;
    const char* env;
    const char* flag;
    Kind kind;
    std::string Config::*string_member;
    std::int64_t Config::*int_member;
    bool Config::*bool_member;
    std::int64_t min;
    std::int64_t max;
    const char* description;
};

Option Str(const char* name, const char* env, const char* flag, std::string Config::*member, const char* description) {
    return {name, env, flag, Kind::kString, member, nullptr, nullptr, 0, 0, description};
}
Option Int(const char* name, const char* env, std::int64_t Config::*member, std::int64_t min, std::int64_t max,
           const char* description) {
    return {name, env, "", Kind::kInt, nullptr, member, nullptr, min, max, description};
}
Option Bool(const char* name, const char* env, bool Config::*member, const char* description) {
    return {name, env, "", Kind::kBool, nullptr, nullptr, member, 0, 0, description};
}

const std::vector<Option>& Options() {
    static const std::vector<Option> kOptions = {
        Str("listen", "WATCHTOWER_LISTEN", "--listen", &Config::listen, "HOST:PORT to serve on ([::1]:8080 for IPv6)"),
        Str("data_dir", "WATCHTOWER_DATA_DIR", "--data-dir", &Config::data_dir,
            "directory for the SQLite database, master key, logs and mail"),
        Str("database", "WATCHTOWER_DATABASE", "--database", &Config::database,
            "storage URL; default sqlite://<data_dir>/watchtower.db"),
        Str("web_dir", "WATCHTOWER_WEB_DIR", "--web-dir", &Config::web_dir, "built console files to serve"),
        Str("environment", "WATCHTOWER_ENV", "", &Config::environment,
            "development or production (production refuses to start without a master key and secure cookies)"),
        Str("public_url", "WATCHTOWER_PUBLIC_URL", "", &Config::public_url,
            "the console's external URL, used in mails; default http://<listen>"),
        Bool("cookie_secure", "WATCHTOWER_COOKIE_SECURE", &Config::cookie_secure,
             "name the session cookie __Host-wt_session and mark it Secure (behind a TLS proxy)"),
        Int("threads", "WATCHTOWER_THREADS", &Config::threads, 0, 256, "I/O threads; 0 = one per core"),
        Int("limits.max_connections", "WATCHTOWER_MAX_CONNECTIONS", &Config::max_connections, 1, 1'000'000,
            "open connections at most; more are closed at once"),
        Int("limits.header_bytes", "WATCHTOWER_HEADER_LIMIT_BYTES", &Config::header_limit_bytes, 1024, 1 << 20,
            "largest request header block (431 beyond)"),
        Int("limits.console_body_bytes", "WATCHTOWER_CONSOLE_BODY_LIMIT_BYTES", &Config::console_body_limit_bytes, 1024,
            8 << 20, "largest console request body (413 beyond)"),
        Int("limits.ingest_body_bytes", "WATCHTOWER_INGEST_BODY_LIMIT_BYTES", &Config::ingest_body_limit_bytes, 1024,
            64 << 20, "largest POST /transactions body (413 beyond)"),
        Int("limits.batch_body_bytes", "WATCHTOWER_BATCH_BODY_LIMIT_BYTES", &Config::batch_body_limit_bytes, 1024,
            256 << 20, "largest POST /transactions/batch body (413 beyond)"),
        Int("limits.ingest_rate_per_key", "WATCHTOWER_INGEST_RATE_PER_KEY", &Config::ingest_rate_per_key, 0, 10'000'000,
            "ingestion requests a second per API key (a batch is one request), 429 beyond; 0 = no limit"),
        Int("limits.ingest_burst_per_key", "WATCHTOWER_INGEST_BURST_PER_KEY", &Config::ingest_burst_per_key, 0,
            100'000'000, "requests an API key may send at once above its rate; 0 = one second's worth"),
        Str("trusted_proxies", "WATCHTOWER_TRUSTED_PROXIES", "", &Config::trusted_proxies,
            "comma-separated CIDR ranges of reverse proxies whose X-Forwarded-For is believed (default: none)"),
        Int("limits.json_max_depth", "WATCHTOWER_JSON_MAX_DEPTH", &Config::json_max_depth, 2, 256,
            "deepest JSON nesting accepted (400 beyond)"),
        Int("limits.header_timeout_ms", "WATCHTOWER_HEADER_TIMEOUT_MS", &Config::header_timeout_ms, 100, 600'000,
            "a new connection must send its complete request header within this (slowloris guard)"),
        Int("limits.idle_timeout_ms", "WATCHTOWER_IDLE_TIMEOUT_MS", &Config::idle_timeout_ms, 100, 3'600'000,
            "an idle keep-alive connection is closed after this"),
        Int("limits.body_timeout_ms", "WATCHTOWER_BODY_TIMEOUT_MS", &Config::body_timeout_ms, 100, 600'000,
            "the request body must arrive within this"),
        Int("limits.write_timeout_ms", "WATCHTOWER_WRITE_TIMEOUT_MS", &Config::write_timeout_ms, 100, 600'000,
            "a response must be taken by the client within this"),
        Int("limits.shutdown_grace_ms", "WATCHTOWER_SHUTDOWN_GRACE_MS", &Config::shutdown_grace_ms, 0, 600'000,
            "on SIGTERM/SIGINT, in-flight requests get this long to finish"),
        Int("auth.password_threads", "WATCHTOWER_PASSWORD_THREADS", &Config::password_threads, 1, 64,
            "threads hashing passwords (bcrypt), off the I/O threads"),
        Int("auth.password_queue_limit", "WATCHTOWER_PASSWORD_QUEUE_LIMIT", &Config::password_queue_limit, 1, 100'000,
            "password checks waiting beyond this are answered 503 at once"),
        Str("tls.cert", "WATCHTOWER_TLS_CERT", "--tls-cert", &Config::tls_cert,
            "PEM certificate chain; with tls.key the server speaks HTTPS (TLS 1.3 only) and sends HSTS"),
        Str("tls.key", "WATCHTOWER_TLS_KEY", "--tls-key", &Config::tls_key, "PEM private key for tls.cert"),
        Str("mail.transport", "WATCHTOWER_MAIL_TRANSPORT", "", &Config::mail_transport,
            "file (one .eml per message under <data_dir>/mail/), smtp or off"),
        Str("mail.from", "WATCHTOWER_MAIL_FROM", "", &Config::mail_from, "the From: of every mail"),
        Str("mail.smtp_url", "WATCHTOWER_SMTP_URL", "", &Config::smtp_url,
            "smtp://host:587 (STARTTLS required) or smtps://host:465"),
        Str("mail.smtp_username", "WATCHTOWER_SMTP_USERNAME", "", &Config::smtp_username,
            "SMTP user; the password is stored sealed with `watchtower secrets set smtp_password`"),
        Bool("mail.smtp_insecure", "WATCHTOWER_SMTP_INSECURE", &Config::smtp_insecure,
             "tests only: SMTP without TLS (refused in production)"),
        Int("mail.max_attempts", "WATCHTOWER_MAIL_MAX_ATTEMPTS", &Config::mail_max_attempts, 1, 100,
            "delivery attempts of one mail (exponential backoff) before it is marked failed"),
        Int("auth.attempts_per_ip_per_minute", "WATCHTOWER_AUTH_ATTEMPTS_PER_IP_PER_MINUTE",
            &Config::auth_attempts_per_ip_per_minute, 1, 1'000'000,
            "sign-in, MFA, password-reset and invitation attempts per client address a minute (429 beyond)"),
        Int("auth.failures_before_lock", "WATCHTOWER_AUTH_FAILURES_BEFORE_LOCK", &Config::auth_failures_before_lock, 1,
            1000, "consecutive failures that lock an account"),
        Int("auth.lock_seconds", "WATCHTOWER_AUTH_LOCK_SECONDS", &Config::auth_lock_seconds, 1, 86'400,
            "first lock of an account; doubles with every further failure"),
        Int("auth.max_lock_seconds", "WATCHTOWER_AUTH_MAX_LOCK_SECONDS", &Config::auth_max_lock_seconds, 1, 86'400,
            "longest account lock"),
        Str("outbound.allow", "WATCHTOWER_OUTBOUND_ALLOW", "", &Config::outbound_allow,
            "comma-separated CIDR ranges outbound calls may reach despite the SSRF guard (tests: 127.0.0.1/32)"),
        Int("notify.max_attempts", "WATCHTOWER_NOTIFY_MAX_ATTEMPTS", &Config::notify_max_attempts, 1, 100,
            "delivery attempts of one notification (webhook POST or mail) before it is marked failed"),
        Int("notify.retry_base_ms", "WATCHTOWER_NOTIFY_RETRY_BASE_MS", &Config::notify_retry_base_ms, 100, 3'600'000,
            "delay before the first retry of a failed notification; doubles each time, capped at one hour"),
        Int("notify.timeout_ms", "WATCHTOWER_NOTIFY_TIMEOUT_MS", &Config::notify_timeout_ms, 500, 60'000,
            "a webhook POST must complete within this (connecting within at most 5 s)"),
        Int("notify.sla_scan_seconds", "WATCHTOWER_NOTIFY_SLA_SCAN_SECONDS", &Config::notify_sla_scan_seconds, 1,
            3600, "how often alerts past their SLA due time are looked for (alert.sla_overdue)"),
        Str("log.level", "WATCHTOWER_LOG_LEVEL", "", &Config::log_level, "trace, debug, info, warn, error"),
        Str("log.access", "WATCHTOWER_ACCESS_LOG", "", &Config::access_log,
            "file (<data_dir>/logs/access.log), stdout or off"),
        Str("testing.clock_file", "WATCHTOWER_TEST_CLOCK_FILE", "", &Config::test_clock_file,
            "tests only: shift the clock by the seconds in this file (refused in production)"),
        Bool("testing.fault_routes", "WATCHTOWER_TEST_FAULT_ROUTES", &Config::test_fault_routes,
             "tests only: GET /api/v1/_test/fault answers through the 500 path (refused in production)"),
    };
    return kOptions;
}

Status Set(Config& config, const Option& option, const std::string& text, const std::string& source) {
    auto bad = [&](const char* what) {
        return Error::Validation(option.name, fmt::format("{} from {}: {} (got '{}')", option.name, source, what, text));
    };
    switch (option.kind) {
        case Kind::kString:
            config.*option.string_member = text;
            return Ok();
        case Kind::kInt: {
            std::int64_t value = 0;
            try {
                std::size_t used = 0;
                value = std::stoll(text, &used);
                if (used != text.size()) return bad("must be an integer");
            } catch (...) {
                return bad("must be an integer");
            }
            if (value < option.min || value > option.max) return bad("is out of range");
            config.*option.int_member = value;
            return Ok();
        }
        case Kind::kBool:
            if (text == "true" || text == "1" || text == "yes") {
                config.*option.bool_member = true;
            } else if (text == "false" || text == "0" || text == "no") {
                config.*option.bool_member = false;
            } else {
                return bad("must be true or false");
            }
            return Ok();
    }
    return Ok();
}

Status Validate(const Config& config) {
    auto bad = [](const char* name, std::string message) { return Error::Validation(name, name + (": " + message)); };
    if (config.environment != "development" && config.environment != "production")
        return bad("environment", "must be development or production");
    if (config.access_log != "file" && config.access_log != "stdout" && config.access_log != "off")
        return bad("log.access", "must be file, stdout or off");
    static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (std::find(std::begin(kLevels), std::end(kLevels), config.log_level) == std::end(kLevels))
        return bad("log.level", "must be trace, debug, info, warn or error");
    if (config.data_dir.empty()) return bad("data_dir", "must not be empty");
    if (config.production() && !config.test_clock_file.empty())
        return bad("testing.clock_file", "is refused in production");
    if (config.production() && config.test_fault_routes) return bad("testing.fault_routes", "is refused in production");
    if (config.tls_cert.empty() != config.tls_key.empty())
        return bad(config.tls_cert.empty() ? "tls.cert" : "tls.key", "tls.cert and tls.key go together");
    if (config.mail_transport != "file" && config.mail_transport != "smtp" && config.mail_transport != "off")
        return bad("mail.transport", "must be file, smtp or off");
    if (config.mail_transport == "smtp" && config.smtp_url.empty())
        return bad("mail.smtp_url", "is required when mail.transport is smtp");
    if (config.production() && config.smtp_insecure) return bad("mail.smtp_insecure", "is refused in production");
    if (config.auth_max_lock_seconds < config.auth_lock_seconds)
        return bad("auth.max_lock_seconds", "must be at least auth.lock_seconds");
    return Ok();
}

}  // namespace

bool Config::tls() const { return !tls_cert.empty() && !tls_key.empty(); }

std::string Config::DatabaseUrl() const { return database.empty() ? "sqlite://" + data_dir + "/watchtower.db" : database; }

std::string Config::PublicUrl() const {
    std::string url = public_url.empty() ? (tls() ? "https://" : "http://") + listen : public_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

Result<Config> LoadConfig(const Overrides& overrides) {
    Config config;
    std::string file;
    if (auto it = overrides.find("config_file"); it != overrides.end()) {
        file = it->second;
    } else if (const char* env = std::getenv("WATCHTOWER_CONFIG"); env && *env) {
        file = env;
    }
    if (!file.empty()) {
        config.config_file = file;
        toml::table table;
        try {
            table = toml::parse_file(file);
        } catch (const toml::parse_error& e) {
            return Error::Make(ErrorCode::kValidationFailed,
                               fmt::format("config file {}: {} (line {})", file, e.description(),
                                           e.source().begin.line));
        }
        for (const auto& option : Options()) {
            auto node = table.at_path(option.name);
            if (!node) continue;
            std::string text;
            if (auto s = node.value<std::string>()) {
                text = *s;
            } else if (auto b = node.value<bool>(); b && node.is_boolean()) {
                text = *b ? "true" : "false";
            } else if (auto i = node.value<std::int64_t>()) {
                text = std::to_string(*i);
            } else {
                return Error::Make(ErrorCode::kValidationFailed,
                                   fmt::format("config file {}: {} has an unsupported type", file, option.name));
            }
            WT_RETURN_IF_ERROR(Set(config, option, text, "config file"));
        }
    }
    for (const auto& option : Options()) {
        if (const char* env = std::getenv(option.env); env && *env)
            WT_RETURN_IF_ERROR(Set(config, option, env, option.env));
    }
    for (const auto& [override_name, value] : overrides) {
        // A named copy: clang 14 cannot capture a structured binding in a lambda.
        const std::string& name = override_name;
        if (name == "config_file") continue;
        auto it = std::find_if(Options().begin(), Options().end(), [&](const Option& o) { return name == o.name; });
        if (it == Options().end()) return Error::Make(ErrorCode::kInternal, "unknown option " + name);
        WT_RETURN_IF_ERROR(Set(config, *it, value, std::string(it->flag)));
    }
    WT_RETURN_IF_ERROR(Validate(config));
    return config;
}

std::vector<OptionDoc> DescribeOptions() {
    Config defaults;
    std::vector<OptionDoc> out;
    for (const auto& option : Options()) {
        std::string value;
        switch (option.kind) {
            case Kind::kString: value = defaults.*option.string_member; break;
            case Kind::kInt: value = std::to_string(defaults.*option.int_member); break;
            case Kind::kBool: value = defaults.*option.bool_member ? "true" : "false"; break;
        }
        out.push_back({option.name, option.env, option.flag, value, option.description});
    }
    return out;
}

}  // namespace wt::app
