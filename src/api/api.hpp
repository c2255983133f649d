// SPDX-License-Identifier: Apache-2.0
/// The HTTP API of WatchTower: every route, its declared access rule, and its thin handler.
///
/// A route is registered with one `Access`: public (health, login) or console with a Permission.
/// There is no default: a console route without a permission does not compile. The console guard
/// runs before every console handler: refuse API keys (401), resolve the session cookie (401),
/// check `X-CSRF-Token` on state-changing methods (403 csrf_failed), check the role's permission
/// (403 forbidden, audited as `authz.denied`), check recent authentication where the route asks for
/// it (403 reauthentication_required).
///
/// Handlers parse, call a plain function of the domain, and format. Password hashing runs on the
/// bounded password pool, never on an I/O thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/roles.hpp"
#include "auth/sessions.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "http/router.hpp"
#include "storage/database.hpp"

namespace spdlog {
class logger;
}

namespace wt::api {

struct ApiOptions {
    bool cookie_secure = false;  // `__Host-wt_session` + Secure (TLS or cookie_secure=true)
    int json_max_depth = 32;
    std::size_t console_body_limit = 64 * 1024;
    int password_pool_threads = 2;
    int password_queue_limit = 64;  // hashes waiting beyond this are answered 503 at once
    std::string version = "0.1.0";
    bool fault_routes = false;  // tests only: GET /api/v1/_test/fault throws (refused in production)
};

/// A bounded pool for slow CPU work (bcrypt). Thread-safe.
class BlockingPool {
public:
    BlockingPool(int threads, int queue_limit) : pool_(static_cast<std::size_t>(threads)), queue_limit_(queue_limit) {}
    ~BlockingPool() { pool_.join(); }
    boost::asio::thread_pool& pool() { return pool_; }
    /// Reserves a place; false when the queue is full.
    bool TryAcquire() {
        if (pending_.fetch_add(1) >= queue_limit_) {
            pending_.fetch_sub(1);
            return false;
        }
        return true;
    }
    void Release() { pending_.fetch_sub(1); }
    void Stop() { pool_.stop(); }

private:
    boost::asio::thread_pool pool_;
    std::atomic<int> pending_{0};
    int queue_limit_;
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
};

enum class Surface { kPublic, kConsole };

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
};

/// Registers every API route on `router` and returns their specs (for OpenAPI and tests).
/// `ctx` must outlive the router.
std::vector<RouteSpec> RegisterRoutes(http::Router& router, ApiContext& ctx);

/// The OpenAPI 3.1 document for `specs`.
boost::json::object BuildOpenApi(const std::vector<RouteSpec>& specs, const std::string& version);

}  // namespace wt::api
