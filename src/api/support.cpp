// SPDX-License-Identifier: Apache-2.0
#include "api/detail/support.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "auth/mfa.hpp"
#include "common/json.hpp"

namespace wt::api::detail {
namespace {

bool IsStateChanging(http::Method method) {
    return method == http::Method::post || method == http::Method::put || method == http::Method::patch ||
           method == http::Method::delete_;
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t char_idx = 0; char_idx < prefix.size(); ++char_idx) {
        char a = text[char_idx];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a + 32);
        if (a != prefix[char_idx]) return false;
    }
    return true;
}

}  // namespace

bool MfaEnrollmentRequired(const auth::ResolvedSession& session) {
    return !session.user.mfa_enabled && auth::MfaRequired(session.role, session.org_settings_json);
}

Result<auth::AuthLimiter::Attempt> AdmitAuthAttempt(ApiContext& ctx, const Request& request,
                                                    std::string_view account) {
    if (ctx.auth_limiter == nullptr) return auth::AuthLimiter::Attempt();
    auto admitted = ctx.auth_limiter->Admit(ClientIpOf(ctx, request), account, ctx.clock->Now());
    if (!admitted && admitted.error().code == ErrorCode::kRateLimited)
        ctx.log->info("request {}: sign-in attempt from {} refused by the brute-force limits", request.request_id(),
                      ClientIpOf(ctx, request));
    return admitted;
}

std::string CookieName(const ApiOptions& options) { return options.cookie_secure ? "__Host-wt_session" : "wt_session"; }

std::string SessionCookieHeader(const ApiOptions& options, const std::string& value, std::int64_t max_age_seconds) {
    return fmt::format("{}={}; Max-Age={}; Path=/; HttpOnly; SameSite=Strict{}", CookieName(options), value,
                       max_age_seconds, options.cookie_secure ? "; Secure" : "");
}

std::string ClearCookieHeader(const ApiOptions& options) {
    return fmt::format("{}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict{}", CookieName(options),
                       options.cookie_secure ? "; Secure" : "");
}

std::optional<auth::IpAddress> ClientAddressOf(const ApiContext& ctx, const Request& request) {
    auto peer = auth::ParseIp(request.remote_ip());
    if (!peer) return std::nullopt;
    return auth::ClientAddress(*peer, request.header("X-Forwarded-For"), ctx.options.trusted_proxies);
}

std::string ClientIpOf(const ApiContext& ctx, const Request& request) {
    auto client = ClientAddressOf(ctx, request);
    return client ? client->ToString() : request.remote_ip();
}

std::string UserAgentOf(const Request& request) {
    return SanitizeUtf8(request.header(http::beast_http::field::user_agent), 512);
}

std::optional<std::string> SessionCookie(const Request& request, const ApiOptions& options) {
    return request.cookie(CookieName(options));
}

Status RequireJsonContentType(const Request& request) {
    // The media type exactly (RFC 9110: case-insensitive, parameters such as charset allowed):
    // `application/json`, `application/json; charset=utf-8`, not `application/jsonp`.
    std::string_view content_type = request.header(http::beast_http::field::content_type);
    std::string_view media_type = content_type.substr(0, content_type.find(';'));
    while (!media_type.empty() && (media_type.back() == ' ' || media_type.back() == '\t')) media_type.remove_suffix(1);
    if (media_type.size() != std::string_view("application/json").size() ||
        !StartsWithNoCase(media_type, "application/json"))
        return Error::Make(ErrorCode::kUnsupportedMediaType, "the request body must be application/json");
    return Ok();
}

Result<boost::json::value> ParseJsonBody(const Request& request, const ApiOptions& options) {
    WT_RETURN_IF_ERROR(RequireJsonContentType(request));
    if (request.body().empty()) return Error::Make(ErrorCode::kMalformedRequest, "the request body is empty");
    if (!IsValidUtf8(request.body()))
        return Error::Make(ErrorCode::kMalformedRequest, "the request body is not valid UTF-8");
    boost::json::parse_options parse_options;
    parse_options.max_depth = static_cast<std::size_t>(options.json_max_depth);
    boost::system::error_code ec;
    boost::json::stream_parser parser({}, parse_options);
    parser.write(request.body().data(), request.body().size(), ec);
    if (!ec) parser.finish(ec);
    if (ec) {
        std::string why = ec == boost::json::error::too_deep
                              ? fmt::format("JSON nesting deeper than {} levels", options.json_max_depth)
                              : fmt::format("the body is not valid JSON ({})", ec.message());
        return Error::Make(ErrorCode::kMalformedRequest, why);
    }
    return parser.release();
}

Result<PasswordAndCode> ParsePasswordAndCode(const ApiContext& ctx, const Request& request, bool code_required) {
    WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
    JsonReader in(body);
    auto password = in.RequiredString("password", 1, 1024);
    auto code = code_required ? in.RequiredString("code", 1, 32) : in.OptionalString("code", 0, 32);
    in.RejectUnknown();
    WT_RETURN_IF_ERROR(in.Finish());
    PasswordAndCode input{std::move(*password), std::nullopt};
    if (code && !code->empty()) input.code = std::move(*code);
    return input;
}

Result<int> ParseLimit(const Request& request) {
    auto text = request.query("limit");
    if (!text) return 50;
    int limit = 0;
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || ptr != text->data() + text->size() || limit < 1 || limit > 500)
        return Error::Validation("limit", "must be an integer between 1 and 500");
    return limit;
}

Result<std::optional<UnixMicros>> ParseTimeParam(const Request& request, std::string_view name) {
    auto text = request.query(name);
    if (!text || text->empty()) return std::optional<UnixMicros>();
    auto parsed = ParseRfc3339(*text);
    if (!parsed) return Error::Validation(std::string(name), "must be an RFC 3339 time such as 2026-11-23T10:00:00Z");
    return std::optional<UnixMicros>(*parsed);
}

Response ErrorResponse(ApiContext& ctx, const Request& request, const Error& error) {
    if (error.code == ErrorCode::kInternal) {
        ctx.log->error("request {} {} failed: {} ({})", request.request_id(), std::string(request.route()),
                       error.detail, error.internal);
    } else if (error.code == ErrorCode::kUnavailable) {
        // Overload answers are expected under attack: debug level, so they cannot flood the log.
        ctx.log->debug("request {} {} unavailable: {} ({})", request.request_id(), std::string(request.route()),
                       error.detail, error.internal);
    }
    return http::ProblemResponse(error);
}

void AuditRefusal(ApiContext& ctx, const Request& request, const std::string& org_id, const audit::Actor& actor,
                  const std::string& throttle_key, std::string_view reason) {
    const std::string target =
        std::string(http::beast_http::to_string(request.method())) + " " + std::string(request.route());
    const std::string ip = ClientIpOf(ctx, request);
    // Once a minute per caller, address and route: a client retrying in a loop cannot flood the
    // append-only audit log (or the log).
    if (!ctx.denial_audit_throttle.ShouldRecord(throttle_key + " " + ip + " " + target, ctx.clock->Now(),
                                                kMicrosPerMinute))
        return;
    ctx.log->warn("request {}: {} {} refused {} from {} ({})", request.request_id(), audit::ActorTypeName(actor.type),
                  actor.id, target, ip, reason);
    auto audited = audit::AppendNow(
        ctx.db, audit::Event{org_id, actor, "authz.denied", target, ip, UserAgentOf(request), {{"reason", reason}}},
        ctx.clock->Now());
    if (!audited) ctx.log->error("audit of a refusal failed: {}", audited.error().internal);
}

void Registrar::Public(RouteSpec spec, PublicHandler handler, std::size_t body_limit) {
    spec.surface = Surface::kPublic;
    ApiContext& ctx = ctx_;
    router_.Add(
        spec.method, spec.path,
        [&ctx, handler = std::move(handler)](Request& request) -> asio::awaitable<Response> {
            Response response = co_await handler(request);
            // A sign-in may end the session it replaces: cached sessions go, before the answer.
            if (IsStateChanging(request.method())) ctx.session_cache.Invalidate();
            co_return response;
        },
        http::RouteOptions{body_limit});
    specs_.push_back(std::move(spec));
}

void Registrar::Console(RouteSpec spec, ConsoleHandler handler, std::size_t body_limit) {
    spec.surface = Surface::kConsole;
    if (!spec.permission) throw std::logic_error("console route without a permission: " + spec.path);
    auto permission = *spec.permission;
    bool recent_auth = spec.recent_auth;
    bool mfa_exempt = spec.mfa_exempt;
    ApiContext& ctx = ctx_;
    router_.Add(
        spec.method, spec.path,
        [&ctx, permission, recent_auth, mfa_exempt,
         handler = std::move(handler)](Request& request) -> asio::awaitable<Response> {
            // API keys never work here, whatever else the request carries.
            if (!request.header(http::beast_http::field::authorization).empty())
                co_return http::ProblemResponse(Error::Make(
                    ErrorCode::kUnauthenticated, "API keys are not accepted on console routes; sign in instead"));
            auto cookie = SessionCookie(request, ctx.options);
            if (!cookie)
                co_return http::ProblemResponse(Error::Make(ErrorCode::kUnauthenticated, "sign in to continue"));
            auto resolved = ctx.session_cache.Resolve(ctx.db, *cookie);
            if (!resolved) co_return ErrorResponse(ctx, request, resolved.error());
            Principal principal{std::move(*resolved), std::move(*cookie)};
            // The organization's console allowlist. Signing out is always allowed: ending a
            // session can only take access away.
            if (ctx.api_keys != nullptr && request.route() != kLogoutRoute) {
                auto client = ClientAddressOf(ctx, request);
                Status allowed =
                    client ? ctx.api_keys->CheckConsoleAddress(principal.org_id(), *client)
                           : Status(Error::Make(ErrorCode::kIpNotAllowed, "your address could not be determined"));
                if (!allowed) {
                    if (allowed.error().code == ErrorCode::kIpNotAllowed)
                        AuditRefusal(ctx, request, principal.org_id(), principal.actor(), principal.session.session.id,
                                     "ip_not_allowed");
                    co_return ErrorResponse(ctx, request, allowed.error());
                }
            }
            if (IsStateChanging(request.method()) &&
                !ctx.sessions.CheckCsrf(principal.cookie, request.header("X-CSRF-Token")))
                co_return http::ProblemResponse(
                    Error::Make(ErrorCode::kCsrfFailed, "missing or wrong X-CSRF-Token header"));
            // The MFA policy before the permission check: a user who must enrol is told so on every
            // console route but the exempt ones (API.md), whatever the route's permission.
            if (!mfa_exempt && MfaEnrollmentRequired(principal.session))
                co_return http::ProblemResponse(Error::Make(
                    ErrorCode::kMfaEnrollmentRequired,
                    "your role requires two-factor authentication: set it up first (POST /api/v1/auth/mfa/setup)"));
            if (!auth::RoleAllows(principal.session.role, permission)) {
                // Recorded once a minute per session and route, so a client cannot flood the
                // append-only audit log (or the log) with repeated refusals.
                if (!ctx.denial_audit_throttle.ShouldRecord(
                        principal.session.session.id + " " +
                            std::string(http::beast_http::to_string(request.method())) + " " +
                            std::string(request.route()),
                        ctx.clock->Now(), kMicrosPerMinute))
                    co_return http::ProblemResponse(
                        Error::Make(ErrorCode::kForbidden, "your role does not allow this action"));
                ctx.log->warn("request {}: {} denied {} {} (needs {})", request.request_id(), principal.user_id(),
                              std::string(http::beast_http::to_string(request.method())), std::string(request.route()),
                              auth::PermissionName(permission));
                auto audited =
                    audit::AppendNow(ctx.db,
                                     audit::Event{principal.org_id(),
                                                  principal.actor(),
                                                  "authz.denied",
                                                  std::string(http::beast_http::to_string(request.method())) + " " +
                                                      std::string(request.route()),
                                                  ClientIpOf(ctx, request),
                                                  UserAgentOf(request),
                                                  {{"permission", auth::PermissionName(permission)},
                                                   {"role", auth::RoleName(principal.session.role)}}},
                                     ctx.clock->Now());
                if (!audited) ctx.log->error("audit of a denial failed: {}", audited.error().internal);
                co_return http::ProblemResponse(
                    Error::Make(ErrorCode::kForbidden, "your role does not allow this action"));
            }
            if (recent_auth && !ctx.sessions.RecentlyAuthenticated(principal.session.session))
                co_return http::ProblemResponse(
                    Error::Make(ErrorCode::kReauthenticationRequired,
                                "confirm your password to continue (POST /api/v1/auth/reauthenticate)"));
            if (auto touched = ctx.session_cache.Touch(ctx.db, principal.cookie, principal.session); !touched)
                ctx.log->warn("session touch failed: {}", touched.error().internal);
            Response response = co_await handler(request, principal);
            // Whatever this request changed (a logout, a revocation, a role, a re-authentication,
            // the session policy) is seen by the very next request: cached sessions go before the
            // answer leaves.
            if (IsStateChanging(request.method())) ctx.session_cache.Invalidate();
            co_return response;
        },
        http::RouteOptions{body_limit != 0 ? body_limit : ctx.options.console_body_limit});
    specs_.push_back(std::move(spec));
}

void Registrar::Ingestion(RouteSpec spec, IngestionHandler handler, std::size_t body_limit) {
    spec.surface = Surface::kIngestion;
    ApiContext& ctx = ctx_;
    router_.Add(
        spec.method, spec.path,
        [&ctx, handler = std::move(handler)](Request& request) -> asio::awaitable<Response> {
            // RFC 6750: a 401 names the scheme the client should use.
            auto refuse = [&](const Error& error) {
                Response response = ErrorResponse(ctx, request, error);
                if (response.result() == http::HttpStatus::unauthorized)
                    response.set(http::beast_http::field::www_authenticate, "Bearer realm=\"watchtower\"");
                return response;
            };
            // A session cookie is refused here, even next to a valid key (API.md): a browser
            // session must never be able to write transactions.
            if (SessionCookie(request, ctx.options))
                co_return refuse(Error::Make(
                    ErrorCode::kUnauthenticated,
                    "session cookies are not accepted on ingestion routes; send only Authorization: Bearer <API key>"));
            std::string_view authorization = request.header(http::beast_http::field::authorization);
            if (authorization.empty())
                co_return refuse(Error::Make(ErrorCode::kUnauthenticated, "send Authorization: Bearer <API key>"));
            if (!StartsWithNoCase(authorization, "bearer "))
                co_return refuse(
                    Error::Make(ErrorCode::kUnauthenticated, "the Authorization header must be Bearer <API key>"));
            std::string_view presented = authorization.substr(7);
            while (!presented.empty() && presented.front() == ' ') presented.remove_prefix(1);
            while (!presented.empty() && presented.back() == ' ') presented.remove_suffix(1);
            auto scope = ctx.api_keys->Authenticate(presented);
            if (!scope) co_return refuse(scope.error());
            auto client = ClientAddressOf(ctx, request);
            if (!client)
                co_return http::ProblemResponse(
                    Error::Make(ErrorCode::kIpNotAllowed, "your address could not be determined"));
            if (auto allowed = auth::ApiKeyAuthenticator::CheckAddress(*scope, *client); !allowed) {
                AuditRefusal(ctx, request, scope->org_id, audit::Actor{audit::ActorType::kApiKey, scope->key_id},
                             scope->key_id, "ip_not_allowed");
                co_return ErrorResponse(ctx, request, allowed.error());
            }
            if (ctx.ingest_limiter) {
                if (auto retry_after = ctx.ingest_limiter->Take(scope->key_id, ctx.clock->Now())) {
                    Error error = Error::Make(ErrorCode::kRateLimited,
                                              "this API key sends more requests than its limit allows; retry after "
                                              "the Retry-After delay, or send batches");
                    error.retry_after_seconds = *retry_after;
                    ctx.metrics.Increment("wt_ingest_rate_limited_total",
                                          "Ingestion requests refused by the per-key rate limit",
                                          {{"environment", std::string(auth::EnvironmentName(scope->environment))}});
                    co_return ErrorResponse(ctx, request, error);
                }
            }
            KeyPrincipal principal{std::move(*scope), client->ToString()};
            ctx.api_keys->RecordUse(principal.scope.key_id, principal.client_ip, ctx.clock->Now());
            co_return co_await handler(request, principal);
        },
        http::RouteOptions{body_limit});
    specs_.push_back(std::move(spec));
}

}  // namespace wt::api::detail
