// SPDX-License-Identifier: Apache-2.0
/// Internals of the api subsystem shared by its handler files: body parsing, the console guard,
/// pool offloading, cookies. Not for use outside src/api/.
#pragma once

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <charconv>
#include <functional>
#include <optional>
#include <string>

#include "api/api.hpp"
#include "audit/audit_log.hpp"
#include "auth/auth_limiter.hpp"
#include "auth/login.hpp"
#include "http/message.hpp"

namespace wt::api::detail {

namespace asio = boost::asio;
using http::Request;
using http::Response;

/// A console request that passed the guard.
struct Principal {
    auth::ResolvedSession session;
    std::string cookie;  // the session cookie value
    const std::string& org_id() const { return session.session.org_id; }
    const std::string& user_id() const { return session.user.id; }
    audit::Actor actor() const { return {audit::ActorType::kUser, session.user.id}; }
};

/// An ingestion request that passed the API-key guard.
struct KeyPrincipal {
    auth::ApiKeyScope scope;
    std::string client_ip;  // the client address (X-Forwarded-For from a trusted proxy, else the peer)
    std::string_view environment() const { return auth::EnvironmentName(scope.environment); }
};

using ConsoleHandler = std::function<asio::awaitable<Response>(Request&, Principal&)>;
using IngestionHandler = std::function<asio::awaitable<Response>(Request&, KeyPrincipal&)>;
using PublicHandler = std::function<asio::awaitable<Response>(Request&)>;

/// Collects specs while registering.
class Registrar {
  public:
    Registrar(http::Router& router, ApiContext& ctx) : router_(router), ctx_(ctx) {}
    void Public(RouteSpec spec, PublicHandler handler, std::size_t body_limit = 64 * 1024);
    /// REQUIRES: spec.permission is set. `body_limit` 0: ApiOptions::console_body_limit.
    void Console(RouteSpec spec, ConsoleHandler handler, std::size_t body_limit = 0);
    /// An API-key route (`Authorization: Bearer <key>`); never invalidates the session cache.
    void Ingestion(RouteSpec spec, IngestionHandler handler, std::size_t body_limit);
    std::vector<RouteSpec> Take() { return std::move(specs_); }
    ApiContext& ctx() { return ctx_; }

  private:
    http::Router& router_;
    ApiContext& ctx_;
    std::vector<RouteSpec> specs_;
};

/// `spec` marked reachable without MFA (RouteSpec::mfa_exempt).
inline RouteSpec MfaExempt(RouteSpec spec) {
    spec.mfa_exempt = true;
    return spec;
}

/// True when the MFA policy requires this session's user to enrol and they have not: every
/// console route but the `mfa_exempt` ones answers 403 mfa_enrollment_required.
bool MfaEnrollmentRequired(const auth::ResolvedSession& session);

/// The answer of a completed sign-in (POST /auth/login without MFA, POST /auth/mfa/verify): the
/// organization's console allowlist is checked first (a session that every console route would
/// refuse is ended again and the refusal audited: 403 ip_not_allowed); then 200 with the signed-in
/// body and the session cookie.
Response SignedInResponse(ApiContext& ctx, const Request& request, const auth::LoginOutcome& outcome);
/// The new-address mail hook of a sign-in (auth::LoginInput::on_new_address): queues
/// mail::NewSignInMail in the session's transaction. Empty when the server has no keyring.
std::function<Status(storage::Transaction&, const auth::User&)> NewAddressMail(ApiContext& ctx, const std::string& ip,
                                                                             const std::string& user_agent);
/// The brute-force limiter's verdict for a sign-in-like attempt from `request` on `account`
/// (a normalized email, or empty): kRateLimited with Retry-After when refused. No limiter wired
/// (unit tests): an attempt that records nothing.
Result<auth::AuthLimiter::Attempt> AdmitAuthAttempt(ApiContext& ctx, const Request& request, std::string_view account);

/// The session cookie's name for these options.
std::string CookieName(const ApiOptions& options);
std::string SessionCookieHeader(const ApiOptions& options, const std::string& value, std::int64_t max_age_seconds);
std::string ClearCookieHeader(const ApiOptions& options);
/// The session cookie value of a request, if any.
std::optional<std::string> SessionCookie(const Request& request, const ApiOptions& options);
/// The client's address: the right-most untrusted X-Forwarded-For entry when the peer is a
/// trusted proxy (ApiOptions::trusted_proxies), else the socket peer. nullopt only when the
/// peer's own address is unparsable (never for a TCP peer).
std::optional<auth::IpAddress> ClientAddressOf(const ApiContext& ctx, const Request& request);
/// ClientAddressOf as text (the peer's text when unparsable): what audit entries, sessions and
/// per-address limits record.
std::string ClientIpOf(const ApiContext& ctx, const Request& request);
/// The request's User-Agent as stored and echoed: valid UTF-8, at most 512 bytes.
std::string UserAgentOf(const Request& request);

/// 415 unsupported_media_type unless the Content-Type is `application/json` (parameters allowed).
Status RequireJsonContentType(const Request& request);

/// The console route that stays reachable from outside the console allowlist (signing out).
inline constexpr std::string_view kLogoutRoute = "/api/v1/auth/logout";

/// Records a refused request (`authz.denied` with `details.reason`, the route as target) in
/// `org_id`'s audit log and the server log, at most once a minute per `throttle_key` (a session
/// or key id), client address and route.
void AuditRefusal(ApiContext& ctx, const Request& request, const std::string& org_id, const audit::Actor& actor,
                  const std::string& throttle_key, std::string_view reason);
/// The request body as JSON: 415 unless `application/json`, 400 on unparsable JSON, invalid
/// UTF-8 or nesting deeper than the limit.
Result<boost::json::value> ParseJsonBody(const Request& request, const ApiOptions& options);

/// The body `{password, code?}` of the routes that confirm the password and, when MFA is on, a
/// TOTP code (re-authentication, MFA setup, disable, new backup codes). An empty `code` counts as
/// absent; `code_required`: 422 on `code` when absent.
struct PasswordAndCode {
    std::string password;
    std::optional<std::string> code;
};
Result<PasswordAndCode> ParsePasswordAndCode(const ApiContext& ctx, const Request& request, bool code_required);

/// `?limit=` (1..500, default 50).
Result<int> ParseLimit(const Request& request);
/// An optional RFC 3339 query parameter.
Result<std::optional<UnixMicros>> ParseTimeParam(const Request& request, std::string_view name);

Response ErrorResponse(ApiContext& ctx, const Request& request, const Error& error);

/// Runs `fn` on the password pool and resumes on the caller's executor. kRateLimited (429) when
/// `client` already has its share of the queue, kUnavailable (503) when the queue is full; both
/// with Retry-After.
template <typename T>
asio::awaitable<Result<T>> OnPasswordPool(BlockingPool& pool, const std::string& client,
                                          std::function<Result<T>()> fn) {
    switch (pool.TryAcquire(client)) {
        case BlockingPool::Admission::kAdmitted:
            break;
        case BlockingPool::Admission::kClientFull: {
            Error limited = Error::Make(ErrorCode::kRateLimited,
                                        "too many slow requests of yours are in progress; try again shortly");
            limited.retry_after_seconds = 1;
            co_return limited;
        }
        case BlockingPool::Admission::kFull: {
            Error busy = Error::Make(ErrorCode::kUnavailable, "the server is busy; try again shortly");
            busy.retry_after_seconds = 1;
            co_return busy;
        }
    }
    struct Slot {  // gives the place back however this coroutine ends
        BlockingPool& pool;
        const std::string& client;
        ~Slot() { pool.Release(client); }
    } slot{pool, client};
    // The work runs as a coroutine on the pool; co_spawn resumes this coroutine on its own executor.
    std::optional<Result<T>> result = co_await asio::co_spawn(
        pool.pool().get_executor(),
        [&fn]() -> asio::awaitable<std::optional<Result<T>>> {
            try {
                co_return std::optional<Result<T>>(fn());
            } catch (const std::exception& e) {
                co_return std::optional<Result<T>>(Error::Internal(e.what()));
            }
        },
        asio::use_awaitable);
    co_return std::move(*result);
}

/// Runs `fn` on ctx.query_pool (admission per `client` as OnPasswordPool), or here without one.
template <typename T>
asio::awaitable<Result<T>> OnQueryPool(ApiContext& ctx, const std::string& client, std::function<Result<T>()> fn) {
    if (ctx.query_pool == nullptr) co_return fn();
    co_return co_await OnPasswordPool<T>(*ctx.query_pool, client, std::move(fn));
}

void RegisterAuthRoutes(Registrar& reg);
void RegisterOrgRoutes(Registrar& reg);
void RegisterApiKeyRoutes(Registrar& reg);
void RegisterIngestRoutes(Registrar& reg);
void RegisterRuleRoutes(Registrar& reg);   // rule_routes.cpp: /rules (catalog), /lists
void RegisterAlertRoutes(Registrar& reg);  // alert_routes.cpp: /alerts, /rules/test, /rules/backtest
void RegisterOpsRoutes(Registrar& reg, std::function<boost::json::object()> openapi);
void RegisterMfaRoutes(Registrar& reg);  // mfa_routes.cpp: /auth/mfa/*
void RegisterCaseRoutes(Registrar& reg);          // case_routes.cpp: /cases*
void RegisterReportRoutes(Registrar& reg);        // report_routes.cpp: /dashboard, /reports/*
void RegisterNotificationRoutes(Registrar& reg);  // notification_routes.cpp: /orgs/notification-channels*, /notifications/*

}  // namespace wt::api::detail
