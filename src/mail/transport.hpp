// SPDX-License-Identifier: Apache-2.0
/// How a rendered message leaves WatchTower. The Deliverer hands each message, already rendered
/// to RFC 5322 bytes (mail/mime.hpp), to one Transport:
///
///   - file: one `<UTC timestamp>-<outbox id>.eml` per message in a directory (the default,
///     `<data_dir>/mail/`), written atomically (temporary file, fsync, rename, fsync of the
///     directory), mode 0600, the directory 0700. For development and for operators who relay
///     mail with their own tools.
///   - smtp: libcurl, `smtp://host:587` with STARTTLS required or `smtps://host:465`; plain SMTP
///     only when `insecure` (tests; config validation refuses it in production). Connect timeout
///     10 s, whole delivery 60 s. The password is looked up at every delivery (so `watchtower
///     secrets set smtp_password` takes effect without a restart) and never logged: libcurl runs
///     without verbose output and its error text carries no credentials.
///
/// Failure: Send returns an Error whose `internal` text is safe to store as the outbox row's
/// last_error (it never contains the body or a secret). A send cancelled through `stop` fails
/// with kUnavailable "cancelled".
///
/// Threading: a Transport is used by one thread at a time (the Deliverer's worker).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace wt::mail {

struct Outgoing {
    std::string_view outbox_id;
    std::string_view from_address;  // bare address, for the SMTP envelope (MAIL FROM)
    std::string_view to;            // bare address (RCPT TO)
    std::string_view rfc5322;       // the whole message, CRLF line ends
    UnixMicros now = 0;
};

class Transport {
  public:
    virtual ~Transport() = default;
    virtual Status Send(const Outgoing& mail, std::stop_token stop) = 0;
};

/// REQUIRES: `directory` is where the .eml files go; it is created (0700) when missing.
std::unique_ptr<Transport> MakeFileTransport(std::string directory);

struct SmtpOptions {
    std::string url;       // smtp://host[:port] (STARTTLS required) or smtps://host[:port]
    std::string username;  // empty: no authentication
    /// The SMTP password, looked up at every delivery: nullopt when none is stored.
    std::function<Result<std::optional<std::string>>()> password;
    bool insecure = false;  // allow plain SMTP without TLS (tests only)
    std::string ca_file;    // extra CA bundle to trust (tests with a self-signed certificate); empty: system CAs
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds total_timeout{60'000};
};

/// kValidationFailed on field `mail.smtp_url` (the config option) when `url` is not smtp:// or smtps://,
/// or carries credentials (user:password@).
Result<std::unique_ptr<Transport>> MakeSmtpTransport(SmtpOptions options);

}  // namespace wt::mail
