// SPDX-License-Identifier: Apache-2.0
/// Black-box harness for the integration suite: real `watchtower` processes, real HTTP over loopback.
///
/// Nothing here links the server's libraries: the server is the binary at WT_SERVER_BIN, driven by
/// its command line, its environment and HTTP. Every wait is bounded; helpers throw
/// `std::runtime_error` when the environment itself is broken (a server that never becomes ready,
/// a CLI command that hangs), which GoogleTest reports as a failure of the test or suite.
///
/// Threading: a `Server` is driven from one test thread; the HTTP helpers are free functions and
/// may be called from any thread (each call owns its io_context and connection).
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <string>
#include <utility>
#include <vector>

namespace wt::integration {

using namespace std::chrono_literals;

/// The one password every account of the suite uses (≥ 12 characters, not a common password).
inline constexpr const char* kPassword = "correct-horse-battery-9";

// ---------------------------------------------------------------------------------------------
// Processes

struct CommandResult {
    int exit_code = -1;  // -1: killed by a signal or timed out
    std::string out;
    std::string err;
};

/// Runs `WT_SERVER_BIN args...` with `env` added to a clean environment (no inherited WATCHTOWER_*
/// variables) and waits at most `timeout`; a command still running then is killed and -1 returned.
CommandResult RunWatchtower(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                            std::chrono::milliseconds timeout = 60s);

/// Runs `program args...` (the test's environment without WATCHTOWER_* variables), at most `timeout`.
CommandResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout = 30s);

/// The TOTP code (RFC 6238, SHA-1, 30 s) of `secret_base32` at `unix_time`, computed by Debian's
/// `oathtool --totp -b SECRET -N @TIME`: an implementation independent of the server's. Throws
/// when oathtool is missing or fails.
std::string OathtoolCode(const std::string& secret_base32, long long unix_time, int digits = 6);

/// A fresh directory under $TMPDIR (or /tmp), removed by the caller.
std::string MakeTempDir(const std::string& tag);
void RemoveTree(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);
/// A free TCP port on `host` (127.0.0.1 or ::1): bind port 0, read it, close.
int FreePort(const std::string& host = "127.0.0.1");

/// A `watchtower` command running in the background (e.g. `simulate`), with stdout and stderr in
/// files. The destructor SIGKILLs and reaps a process still running.
class BackgroundCommand {
public:
    /// Starts `WT_SERVER_BIN args...` with `env` added to a clean environment (as RunWatchtower).
    BackgroundCommand(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});
    ~BackgroundCommand();
    BackgroundCommand(const BackgroundCommand&) = delete;
    BackgroundCommand& operator=(const BackgroundCommand&) = delete;

    bool running() const { return pid_ > 0; }
    int pid() const { return pid_; }
    /// Sends `signal` when still running.
    void Signal(int signal);
    /// Waits at most `timeout` for the exit; the exit code, -1 when killed by a signal, nullopt
    /// while still running.
    std::optional<int> Wait(std::chrono::milliseconds timeout);
    std::string Out() const;
    std::string Err() const;

private:
    int pid_ = -1;
    std::optional<int> exit_code_;
    std::string out_path_;
    std::string err_path_;
};

// ---------------------------------------------------------------------------------------------
// HTTP

struct HttpResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// The first header called `name` (case-insensitive), or nullopt.
    std::optional<std::string> Header(const std::string& name) const;
    std::vector<std::string> Headers(const std::string& name) const;
    /// The body parsed as JSON; a parse failure is a test failure and yields null.
    boost::json::value Json() const;
    /// `code` of a problem body, or "" when the body has none.
    std::string Code() const;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// One request on its own connection (`Connection: close`) to 127.0.0.1:port, bounded by `timeout`.
/// A JSON body gets `Content-Type: application/json` unless `headers` names another one. Throws on
/// I/O failure.
HttpResponse Request(int port, const std::string& method, const std::string& target, const std::string& body = "",
                     const HeaderList& headers = {}, std::chrono::milliseconds timeout = 30s);
/// The same to another loopback address (`host` is a literal address, "127.0.0.1" or "::1").
HttpResponse RequestTo(const std::string& host, int port, const std::string& method, const std::string& target,
                       const std::string& body = "", const HeaderList& headers = {},
                       std::chrono::milliseconds timeout = 30s);

/// The result of sending raw bytes: what came back until the peer closed or the timeout hit.
struct RawResult {
    std::string data;
    bool closed_by_peer = false;  // EOF or reset seen before the timeout
    std::chrono::milliseconds elapsed{0};
};

/// Connects, sends `bytes` (may be empty), then reads until the server closes or `timeout`.
RawResult SendRaw(int port, const std::string& bytes, std::chrono::milliseconds timeout);

/// A plain blocking client socket for connection-level tests.
class RawConnection {
public:
    explicit RawConnection(int port);  // throws when the connection is refused
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    void Send(const std::string& bytes);
    /// True when the peer closed (EOF or reset) within `timeout`; data received meanwhile is kept.
    bool WaitClosed(std::chrono::milliseconds timeout);
    /// Reads until close or timeout.
    RawResult ReadAll(std::chrono::milliseconds timeout);
    void Close();

private:
    int fd_ = -1;
};

/// True when a TCP connection to 127.0.0.1:port is refused.
bool ConnectionRefused(int port);

/// A parsed Set-Cookie line: "name=value; attr; attr".
struct SetCookie {
    std::string name;
    std::string value;
    std::vector<std::string> attributes;  // as sent, e.g. "HttpOnly", "Path=/"
    bool Has(const std::string& attribute) const;
};
std::optional<SetCookie> ParseSetCookie(const std::string& line);

// ---------------------------------------------------------------------------------------------
// Server

struct ServerConfig {
    std::map<std::string, std::string> env;  // extra WATCHTOWER_* variables for `serve`
    std::string web_dir;                      // --web-dir, or empty
    bool clock_file = false;                  // WATCHTOWER_TEST_CLOCK_FILE=<data dir>/clock
    bool members = true;  // create "Other Org" and a VIEWER, ANALYST and RISK_LEAD in "Acme Bank"
    bool seed = true;     // false: an empty data directory; the test runs `init` itself
    std::string host = "127.0.0.1";          // the address `serve` listens on: "127.0.0.1" or "::1"
    /// The MFA policy makes ADMIN and RISK_LEAD enrol before using the console. true: Login()
    /// enrols such an account through the API at its first sign-in (setup + verify-setup with an
    /// oathtool code) and completes later sign-ins' second step transparently (see Server::Login).
    /// false: tests that need un-enrolled admins (the policy's refusals) drive MFA themselves.
    bool enrol_mfa = true;
};

/// An account's second factor as the harness knows it (after Server::EnrolMfa).
struct MfaAccount {
    std::string secret;                     // base32, as POST /auth/mfa/setup answered it
    std::vector<std::string> backup_codes;  // unused ones, as verify-setup answered them
    long long last_step = -1;               // the last TOTP step the harness sent (the server accepts only later ones)
};

/// An API key as created through POST /orgs/api-keys.
struct ApiKey {
    std::string id;
    std::string key;  // the full key, shown once
};

/// A signed-in browser: the session cookie and its CSRF token.
struct Session {
    std::string cookie_name = "wt_session";
    std::string cookie;  // value only
    std::string csrf;
    boost::json::value body;  // the login answer
    std::string CookieHeader() const { return cookie_name + "=" + cookie; }
};

/// One `watchtower serve` process with its own data directory, seeded with accounts by the CLI.
/// The data directory is removed by the destructor when no test of the current suite failed and
/// kept (its path printed) otherwise.
class Server {
public:
    explicit Server(ServerConfig config = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Starts `serve` and waits (at most 30 s) until GET /readyz answers 200.
    void Start();
    /// SIGTERM, then waits at most `timeout`; returns the exit code (-1 if killed by a signal or hung,
    /// in which case the process is SIGKILLed). Safe to call when not running (returns the last code).
    int Stop(std::chrono::milliseconds timeout = 20s);
    /// Waits at most `timeout` for the process to exit on its own (no signal); -1 on timeout/signal.
    int WaitForExit(std::chrono::milliseconds timeout);
    /// SIGKILL (a crash: no shutdown of any kind) and reap. Start() may then run the server again
    /// on the same data directory (on a new port).
    void Kill();
    bool running() const { return pid_ > 0; }
    int pid() const { return pid_; }
    int port() const { return port_; }
    const std::string& host() const { return config_.host; }
    /// "http://127.0.0.1:<port>" or "http://[::1]:<port>".
    std::string BaseUrl() const;
    const std::string& data_dir() const { return data_dir_; }
    std::string log_path() const { return data_dir_ + "/server.log"; }
    std::string access_log_path() const { return data_dir_ + "/logs/access.log"; }

    /// Shifts the server clock (WATCHTOWER_TEST_CLOCK_FILE) to `seconds` after real time.
    void SetClockOffset(long long seconds);

    /// Runs the CLI against this data directory.
    CommandResult Cli(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) const;
    /// `user add` (password kPassword); returns the new user's id. Throws on failure.
    std::string AddUser(const std::string& org_id, const std::string& email, const std::string& role);

    // Seeded accounts.
    std::string acme_org_id, admin_id, admin_email = "admin@acme.test";
    std::string other_org_id, other_admin_id, other_admin_email = "admin@other.test";
    std::map<std::string, std::string> role_email;  // role -> email of a seeded Acme member
    std::map<std::string, std::string> role_user_id;

    // Requests against this server.
    HttpResponse Get(const std::string& target, const HeaderList& headers = {}) const;
    HttpResponse Call(const std::string& method, const std::string& target, const std::string& body = "",
                      const HeaderList& headers = {}) const;
    /// A request carrying the session's cookie and, unless `csrf` is false, its X-CSRF-Token.
    HttpResponse As(const Session& session, const std::string& method, const std::string& target,
                    const std::string& body = "", HeaderList headers = {}, bool csrf = true) const;

    /// POST /auth/login; on 200 returns the session (cookie and token are remembered as secrets).
    /// When the answer is `mfa_required` and the harness knows the account's secret, it completes
    /// POST /auth/mfa/verify with an oathtool code for the next unused step among t-1, t, t+1 of
    /// the server's clock (real time + SetClockOffset), falls back to a backup code, and waits for
    /// the next step when neither is left. With ServerConfig::enrol_mfa, an ADMIN or RISK_LEAD
    /// session without MFA is enrolled right away (EnrolMfa; the session stays valid). `raw` gets
    /// the answer that signed in (or refused).
    std::optional<Session> Login(const std::string& email, const std::string& password = kPassword,
                                 HeaderList headers = {}, HttpResponse* raw = nullptr);
    /// Login that must succeed (adds a test failure and throws otherwise).
    Session MustLogin(const std::string& email, const std::string& password = kPassword, HeaderList headers = {});

    /// Enrols the session's user in MFA through the API (setup with `password`, verify-setup with
    /// an oathtool code) and remembers the secret and backup codes (also as secrets). Adds a test
    /// failure and throws unless both steps succeed.
    MfaAccount EnrolMfa(const Session& session, const std::string& email, const std::string& password = kPassword);
    /// What the harness knows of `email`'s second factor, if enrolled through it.
    std::optional<MfaAccount> MfaOf(const std::string& email) const;
    /// Forgets `email`'s second factor (after a test turned MFA off).
    void ForgetMfa(const std::string& email);
    /// An oathtool code for `email`'s next unused step among t-1, t, t+1 of the server's clock,
    /// marked used. When every one of them was used already: with `wait`, sleeps into the next
    /// step (at most 30 s) and takes it; without, nullopt. nullopt too for an unknown account.
    std::optional<std::string> NextTotpCode(const std::string& email, bool wait = true);
    /// The body of POST /auth/reauthenticate for `email`: the password, plus a TOTP code
    /// (NextTotpCode) when the harness enrolled the account.
    std::string ReauthenticationBody(const std::string& email, const std::string& password = kPassword);
    /// The server's clock in Unix seconds: real time + the SetClockOffset offset.
    long long ServerNow() const;

    /// POST /orgs/api-keys as `admin` (environment "sandbox" or "production"); the key is
    /// remembered as a secret. Adds a test failure and throws unless the answer is 201.
    ApiKey CreateApiKey(const Session& admin, const std::string& environment,
                        const std::vector<std::string>& allowed_ips = {}, const std::string& name = "test key");

    /// Every audit entry of `action` in `admin`'s organization (GET /orgs/audit-logs, at most 500),
    /// newest first; adds a test failure and answers none unless the read is 200.
    boost::json::array AuditEntries(const Session& admin, const std::string& action) const;

    /// Every secret this server has seen through the harness (passwords, cookies, CSRF tokens).
    void RememberSecret(const std::string& secret);
    std::set<std::string> Secrets() const;
    /// After Stop(): the secrets found in server.log or logs/access.log (empty = none leaked).
    std::vector<std::string> LeakedSecrets() const;

private:
    void Seed();
    std::string JsonField(const CommandResult& result, const char* field) const;

    ServerConfig config_;
    std::string data_dir_;
    std::string password_file_;
    std::string cookie_name_ = "wt_session";
    int port_ = 0;
    int pid_ = -1;
    int last_exit_ = -1;
    mutable std::mutex secrets_mutex_;
    std::set<std::string> secrets_;
    long long clock_offset_ = 0;
    mutable std::mutex mfa_mutex_;
    std::map<std::string, MfaAccount> mfa_;  // GUARDED_BY(mfa_mutex_), by lower-case email
};

/// The end of a suite's shared server (TearDownTestSuite): stops it (EXPECT exit code 0), expects
/// no remembered secret in its logs, deletes it and sets `server` to null. Nothing when null.
void EndSuiteServer(Server*& server);

/// Whether one of `entries` (audit entries) has `target`.
bool HasAuditTarget(const boost::json::array& entries, const std::string& target);

/// The string member `name` of a JSON object, or "<missing>" (not a string, or not an object).
std::string StringAt(const boost::json::value& value, const char* name);

/// The fields a `422 validation_failed` problem names (EXPECTs the status and the code).
std::set<std::string> ProblemFields(const HttpResponse& res);

/// Sorted-key string of a JSON value, for exact comparisons in messages.
std::string Dump(const boost::json::value& value);

/// Asserts (EXPECT) the SECURITY.md headers on `res`; `api` adds Cache-Control: no-store.
void ExpectSecurityHeaders(const HttpResponse& res, bool api, const std::string& what);

/// Polls `check` every 20 ms until it is true or `timeout` passes; returns the last result.
template <typename F>
bool PollUntil(F check, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (check()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
}

}  // namespace wt::integration
