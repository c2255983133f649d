// SPDX-License-Identifier: Apache-2.0
/// The HTTP API of WatchTower: every route, its declared access rule, and its thin handler.
///
/// A route is registered on one surface: public (health, login), console with a Permission, or
/// ingestion (API key). There is no default: a console route without a permission is refused at
/// registration. The ingestion guard accepts only `Authorization: Bearer <key>` (a session
/// cookie alone is 401), checks the key's and the organization's ingestion IP lists against the
/// client address (403 ip_not_allowed) and records the key's use. The console guard
/// runs before every console handler: refuse API keys (401), resolve the session cookie (401),
/// check the organization's console IP list (403 ip_not_allowed), check `X-CSRF-Token` on
/// state-changing methods (403 csrf_failed), refuse a user whom the MFA policy requires to enrol
/// and who has not, on every route not marked `mfa_exempt` (403 mfa_enrollment_required), check
/// the role's permission (403 forbidden, audited as `authz.denied`), check recent
/// authentication where the route asks for it (403 reauthentication_required).
///
/// Handlers parse, call a plain function of the domain, and format. Password hashing runs on the
/// bounded password pool, never on an I/O thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "auth/api_keys.hpp"
#include "auth/roles.hpp"
#include "auth/sessions.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/rate_limiter.hpp"
#include "http/router.hpp"
#include "storage/database.hpp"

namespace spdlog {
class logger;
}
namespace wt::ingest {
class Writer;
}
namespace wt::engine {
class Engine;
}
namespace wt::crypto {
class Keyring;
}
namespace wt::auth {
class AuthLimiter;
}
namespace wt::notify {
class Notifier;
}

namespace wt::api {

struct ApiOptions {
    bool cookie_secure = false;  // `__Host-wt_session` + Secure (TLS or cookie_secure=true)
    int json_max_depth = 32;
    std::size_t console_body_limit = 64 * 1024;
    std::size_t ingest_body_limit = 256 * 1024;      // POST /transactions
    std::size_t batch_body_limit = 8 * 1024 * 1024;  // POST /transactions/batch
    /// Peers whose X-Forwarded-For is believed (auth::ClientAddress); empty: the socket peer is
    /// the client.
    std::vector<auth::Cidr> trusted_proxies;
    int password_pool_threads = 2;
    int password_queue_limit = 64;  // hashes waiting beyond this are answered 503 at once
    std::string version = "0.1.0";
    std::string public_url = "http://127.0.0.1:8080";  // the console's external URL, for links in mails
    bool fault_routes = false;  // tests only: GET /api/v1/_test/fault throws (refused in production)
};

/// A bounded pool for slow CPU work (bcrypt). Admission is bounded twice: in total
/// (`queue_limit`) and per client address (`per_client_limit`), so one address cannot take every
/// place and lock everyone else out of signing in. Thread-safe.
class BlockingPool {
public:
    BlockingPool(int threads, int queue_limit, int per_client_limit = 4)
        : pool_(static_cast<std::size_t>(threads)), queue_limit_(queue_limit), per_client_limit_(per_client_limit) {}
    ~BlockingPool() { pool_.join(); }
    boost::asio::thread_pool& pool() { return pool_; }

    enum class Admission { kAdmitted, kFull, kClientFull };
    /// Reserves a place for `client`; every kAdmitted must be matched by one Release(client).
    Admission TryAcquire(const std::string& client) {
        std::lock_guard lock(mutex_);
        if (pending_ >= queue_limit_) return Admission::kFull;
        int& mine = per_client_[client];
        if (mine >= per_client_limit_) return Admission::kClientFull;
        ++mine;
        ++pending_;
        return Admission::kAdmitted;
    }
    void Release(const std::string& client) {
        std::lock_guard lock(mutex_);
        --pending_;
        if (auto it = per_client_.find(client); it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
    }
    /// Drops queued work, waits for running work to finish. Call before closing what the work uses.
    void StopAndJoin() {
        pool_.stop();
        pool_.join();
    }

private:
    boost::asio::thread_pool pool_;
    std::mutex mutex_;
    int pending_ = 0;                                   // GUARDED_BY(mutex_)
    std::unordered_map<std::string, int> per_client_;  // GUARDED_BY(mutex_)
    int queue_limit_;
    int per_client_limit_;
};

/// Records a repeated event at most once per interval per key (e.g. a denied request per
/// session and route), so a client cannot flood the append-only audit log. Thread-safe.
class RepeatThrottle {
public:
    /// True when `key` was not recorded within `interval` of `now` (and marks it recorded).
    bool ShouldRecord(const std::string& key, UnixMicros now, UnixMicros interval) {
        std::lock_guard lock(mutex_);
        if (last_.size() > 100'000) last_.clear();  // bounded memory; worst case one extra entry
        auto [it, inserted] = last_.try_emplace(key, now);
        if (inserted) return true;
        if (now - it->second < interval) return false;
        it->second = now;
        return true;
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, UnixMicros> last_;  // GUARDED_BY(mutex_)
};

/// What the handlers need, wired in main.
struct ApiContext {
    storage::Database& db;
    auth::SessionManager& sessions;
    std::shared_ptr<Clock> clock;
    Metrics& metrics;
    BlockingPool& password_pool;
    std::shared_ptr<spdlog::logger> log;
    ApiOptions options;
    RepeatThrottle denial_audit_throttle;  // authz.denied: once a minute per session and route
    /// Resolved sessions in memory; invalidated after every state-changing console or public
    /// request (see auth::SessionCache).
    auth::SessionCache session_cache{sessions};
    /// API keys (ingestion authentication); wired in main. REQUIRES: set before routes serve.
    auth::ApiKeyAuthenticator* api_keys = nullptr;
    /// The group-commit writer of ingestion; wired in main. REQUIRES: set before routes serve.
    ingest::Writer* writer = nullptr;
    /// The rules engine (rule and list changes reload it; /rules/test reads its windows); wired in
    /// main. REQUIRES: set before routes serve.
    engine::Engine* engine = nullptr;
    /// Long storage scans of console requests (backtests), off the I/O threads; wired in main.
    BlockingPool* analysis_pool = nullptr;
    /// Console requests that read or write much more than one row (dashboard, summary, evidence
    /// uploads), off the I/O threads so they never stall other connections; wired in main.
    /// nullptr: they run on the calling thread (tests that build an ApiContext by hand).
    BlockingPool* query_pool = nullptr;
    /// Requests per API key (token buckets keyed by key id); nullptr: no per-key limit.
    RateLimiter* ingest_limiter = nullptr;
    /// Sealed secrets (TOTP secrets, queued mails, ...); wired in main. REQUIRES: set before routes serve.
    const crypto::Keyring* keyring = nullptr;
    /// Brute-force limits of sign-in, MFA, password reset and invitations; wired in main.
    /// REQUIRES: set before routes serve.
    auth::AuthLimiter* auth_limiter = nullptr;
    /// Wakes the mail deliverer after a commit that queued mail (mail::Enqueue); may be empty.
    std::function<void()> wake_mail;
    /// Notifications: the channel routes' SSRF policy, cache invalidation and test sends; wired in
    /// main. nullptr: the notification channel routes answer 503.
    notify::Notifier* notifier = nullptr;
    /// The data directory (evidence files of cases live under <data_dir>/evidence/); wired in main.
    /// REQUIRES: set before the case routes serve.
    std::string data_dir;
};

/// Who may call a route: anyone, a console session (cookie), or an API key (Bearer).
enum class Surface { kPublic, kConsole, kIngestion };

/// One route as documented in OpenAPI.
struct RouteSpec {
    http::Method method;
    std::string path;
    Surface surface = Surface::kPublic;
    std::optional<auth::Permission> permission;  // console routes only
    bool recent_auth = false;                    // needs a login or reauthentication within 15 min
    std::string tag;
    std::string summary;
    std::string request_schema;   // JSON Schema text of the body, or empty
    std::string response_schema;  // JSON Schema text of the success body, or empty
    int success_status = 200;
    std::vector<std::string> query_parameters;  // documented `?name=` parameters
    /// Console routes only: reachable without MFA by a user whom the MFA policy requires to enrol
    /// (ADMIN, RISK_LEAD, or any role under `require_mfa_for_all`): signing in and out, who am I,
    /// re-authentication, the enrolment itself, password change, organization switch (API.md).
    bool mfa_exempt = false;
    /// The media type of the success body when it is not JSON: a CSV export, an HTML report, a file
    /// ("*/*" when it varies). Its schema is `response_schema` if given, else a string.
    std::string response_media_type = "application/json";
    /// The accepted media types of a raw request body (an uploaded file); empty: JSON or no body.
    std::vector<std::string> raw_request_media_types;
};

/// Registers every API route on `router` and returns their specs (for OpenAPI and tests).
/// `ctx` must outlive the router.
std::vector<RouteSpec> RegisterRoutes(http::Router& router, ApiContext& ctx);

/// The OpenAPI 3.1 document for `specs`.
boost::json::object BuildOpenApi(const std::vector<RouteSpec>& specs, const std::string& version);

}  // namespace wt::api
