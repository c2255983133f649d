// SPDX-License-Identifier: Apache-2.0
/// WatchTower's configuration: one table of options (config.cpp, `kOptions`), each readable from
/// the TOML file and from its `WATCHTOWER_*` environment variable; some also from command-line
/// flags. Precedence: flags > environment > TOML file > defaults. Every command reads the same
/// configuration (so `WATCHTOWER_DATA_DIR` applies to `init`, `migrate`, ... as well as `serve`).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace wt::app {

struct Config {
    std::string config_file;  // WATCHTOWER_CONFIG / --config
    std::string listen = "127.0.0.1:8080";
    std::string data_dir = "data";
    std::string database;  // default: sqlite://<data_dir>/watchtower.db
    std::string web_dir = "web/dist";
    std::string environment = "development";  // "production" turns on the strict start checks
    std::string public_url;                   // default: http://<listen>
    bool cookie_secure = false;
    std::int64_t threads = 0;
    std::int64_t max_connections = 4096;
    std::int64_t header_limit_bytes = 16 * 1024;
    std::int64_t console_body_limit_bytes = 64 * 1024;
    std::int64_t ingest_body_limit_bytes = 256 * 1024;      // POST /transactions
    std::int64_t batch_body_limit_bytes = 8 * 1024 * 1024;  // POST /transactions/batch
    std::int64_t ingest_rate_per_key = 0;   // ingestion requests a second per API key; 0 = no limit
    std::int64_t ingest_burst_per_key = 0;  // bucket size; 0 = one second's worth (the rate)
    std::string trusted_proxies;  // comma-separated CIDR ranges whose X-Forwarded-For is believed
    std::int64_t json_max_depth = 32;
    std::int64_t header_timeout_ms = 10'000;
    std::int64_t idle_timeout_ms = 60'000;
    std::int64_t body_timeout_ms = 30'000;
    std::int64_t write_timeout_ms = 30'000;
    std::int64_t shutdown_grace_ms = 10'000;
    std::int64_t password_threads = 2;
    std::int64_t password_queue_limit = 64;
    // TLS (SECURITY.md "Transport"): both set = HTTPS, TLS 1.3 only, HSTS, __Host- secure cookie.
    std::string tls_cert;  // PEM certificate chain
    std::string tls_key;   // PEM private key
    // Mail (outbox + delivery worker).
    std::string mail_transport = "file";  // file (<data_dir>/mail/*.eml) | smtp | off
    std::string mail_from = "WatchTower <watchtower@localhost>";
    std::string smtp_url;       // smtp://host:587 (STARTTLS required) or smtps://host:465
    std::string smtp_username;  // the password is a sealed server secret (`watchtower secrets set smtp_password`)
    bool smtp_insecure = false;  // tests only: plain SMTP without TLS (refused in production)
    std::int64_t mail_max_attempts = 8;
    // Brute-force limits (SECURITY.md "Abuse limits").
    std::int64_t auth_attempts_per_ip_per_minute = 30;
    std::int64_t auth_failures_before_lock = 10;
    std::int64_t auth_lock_seconds = 60;
    std::int64_t auth_max_lock_seconds = 900;
    // Outbound calls: comma-separated CIDR ranges the SSRF guard lets through anyway (tests).
    std::string outbound_allow;
    // Notifications (webhooks, notification mails): delivery attempts, first retry delay, the whole
    // webhook POST's timeout, and how often overdue alerts are looked for.
    std::int64_t notify_max_attempts = 8;
    std::int64_t notify_retry_base_ms = 30'000;
    std::int64_t notify_timeout_ms = 10'000;
    std::int64_t notify_sla_scan_seconds = 60;
    std::string log_level = "info";
    std::string access_log = "file";  // file (<data_dir>/logs/access.log) | stdout | off
    std::string test_clock_file;      // tests only: real time + offset seconds read from this file
    bool test_fault_routes = false;   // tests only: register GET /api/v1/_test/fault

    std::string DatabaseUrl() const;
    std::string PublicUrl() const;
    bool production() const { return environment == "production"; }
    bool tls() const;
};

/// Flags given on the command line, by option name (`listen`, `data_dir`, ...).
using Overrides = std::map<std::string, std::string>;

/// Loads the configuration: defaults, then the TOML file (from `overrides["config_file"]`, else
/// WATCHTOWER_CONFIG, else none), then the environment, then `overrides`.
/// kValidationFailed with a one-line detail naming the option on any bad value.
Result<Config> LoadConfig(const Overrides& overrides);

struct OptionDoc {
    std::string name;  // TOML key
    std::string env;
    std::string flag;  // empty when there is none
    std::string default_value;
    std::string description;
};
/// Every option, for `watchtower config` and docs/operations.md.
std::vector<OptionDoc> DescribeOptions();

}  // namespace wt::app
