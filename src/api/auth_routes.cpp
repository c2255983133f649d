// SPDX-License-Identifier: Apache-2.0
// /auth/*: sign-in, sign-out, who am I, organization switch, re-authentication, own sessions.
// The second factor (/auth/mfa/*) is in mfa_routes.cpp.
#include <fmt/format.h>

#include "api/detail/support.hpp"
#include "auth/login.hpp"
#include "auth/mfa.hpp"
#include "common/json.hpp"
#include "crypto/seal.hpp"
#include "mail/mail.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;

boost::json::object UserJson(const auth::User& user) {
    return {{"id", user.id}, {"email", user.email}, {"name", user.name}, {"mfa_enabled", user.mfa_enabled}};
}

boost::json::array MembershipsJson(const std::vector<auth::Membership>& memberships) {
    boost::json::array out;
    for (const auto& m : memberships)
        out.push_back({{"organization", {{"id", m.org_id}, {"name", m.org_name}}}, {"role", auth::RoleName(m.role)}});
    return out;
}

// The body of login / MFA verify / switch-organization answers.
boost::json::object SignedInJson(const auth::User& user, const std::string& org_id, const std::string& org_name,
                                 auth::Role role, const std::string& csrf_token,
                                 const std::vector<auth::Membership>& memberships) {
    return {{"user", UserJson(user)},
            {"organization", {{"id", org_id}, {"name", org_name}}},
            {"role", auth::RoleName(role)},
            {"csrf_token", csrf_token},
            {"memberships", MembershipsJson(memberships)}};
}

std::int64_t MaxAgeSeconds(const auth::SessionRecord& record) {
    return (record.expires_at - record.created_at) / kMicrosPerSecond;
}

constexpr const char* kLoginSchema =
    R"({"type":"object","required":["email","password"],"additionalProperties":false,)"
    R"("properties":{"email":{"type":"string","format":"email"},"password":{"type":"string"}}})";
constexpr const char* kLoginAnswerSchema =
    R"({"type":"object","properties":{"user":{"type":"object"},"organization":{"type":"object"},)"
    R"("role":{"type":"string","enum":["ADMIN","RISK_LEAD","ANALYST","VIEWER"]},"csrf_token":{"type":"string"},)"
    R"("memberships":{"type":"array"},"mfa_required":{"type":"boolean"},"mfa_token":{"type":"string"}}})";
constexpr const char* kMeSchema =
    R"({"type":"object","properties":{"user":{"type":"object"},"organization":{"type":"object"},)"
    R"("role":{"type":"string","enum":["ADMIN","RISK_LEAD","ANALYST","VIEWER"]},"csrf_token":{"type":"string"},)"
    R"("memberships":{"type":"array"},"mfa_enrollment_required":{"type":"boolean"}}})";
constexpr const char* kSignedInSchema =
    R"({"type":"object","properties":{"user":{"type":"object"},"organization":{"type":"object"},)"
    R"("role":{"type":"string","enum":["ADMIN","RISK_LEAD","ANALYST","VIEWER"]},"csrf_token":{"type":"string"},)"
    R"("memberships":{"type":"array"}}})";

}  // namespace

Response SignedInResponse(ApiContext& ctx, const Request& request, const auth::LoginOutcome& outcome) {
    // The organization's console allowlist: a session that every console route would refuse is
    // not handed out. The one just opened is ended again and the refusal audited.
    if (ctx.api_keys != nullptr) {
        auto client = ClientAddressOf(ctx, request);
        Status allowed = client ? ctx.api_keys->CheckConsoleAddress(outcome.membership.org_id, *client)
                                : Status(Error::Make(ErrorCode::kIpNotAllowed, "your address could not be determined"));
        if (!allowed) {
            auto ended = [&]() -> Status {
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_RETURN_IF_ERROR(
                    auth::SessionManager::Revoke(*tx, outcome.session.record.id, "ip_not_allowed", ctx.clock->Now()));
                return tx->Commit();
            }();
            if (!ended) return ErrorResponse(ctx, request, ended.error());
            ctx.session_cache.Invalidate();
            AuditRefusal(ctx, request, outcome.membership.org_id,
                         audit::Actor{audit::ActorType::kUser, outcome.user.id}, outcome.user.id, "ip_not_allowed");
            return ErrorResponse(ctx, request, allowed.error());
        }
    }
    auto res = http::JsonResponse(HttpStatus::ok, SignedInJson(outcome.user, outcome.membership.org_id,
                                                               outcome.membership.org_name, outcome.membership.role,
                                                               outcome.session.csrf_token, outcome.memberships));
    res.set(http::beast_http::field::set_cookie,
            SessionCookieHeader(ctx.options, outcome.session.cookie_value, MaxAgeSeconds(outcome.session.record)));
    return res;
}

std::function<Status(storage::Transaction&, const auth::User&)> NewAddressMail(ApiContext& ctx, const std::string& ip,
                                                                             const std::string& user_agent) {
    if (ctx.keyring == nullptr) return {};
    return [&ctx, ip, user_agent](storage::Transaction& tx, const auth::User& user) -> Status {
        return mail::Enqueue(tx, *ctx.keyring, "",
                             mail::NewSignInMail(user.email, ctx.options.public_url, ctx.clock->Now(), ip, user_agent),
                             ctx.clock->Now());
    };
}

void RegisterAuthRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();

    reg.Public(
        {Method::post, "/api/v1/auth/login", Surface::kPublic, std::nullopt, false, "auth",
         "Sign in with email and password; sets the session cookie, or answers {mfa_required, mfa_token} when the "
         "account has MFA (continue with POST /api/v1/auth/mfa/verify)",
         kLoginSchema, kLoginAnswerSchema},
        [&ctx](Request& request) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            JsonReader in(*body);
            auto email = in.RequiredString("email", 1, 320);
            auto password = in.RequiredString("password", 1, 1024);
            in.RejectUnknown();
            if (auto valid = in.Finish(); !valid) co_return ErrorResponse(ctx, request, valid.error());
            // The brute-force limits come before any lookup or password hash.
            auto attempt = AdmitAuthAttempt(ctx, request, auth::NormalizeEmail(*email));
            if (!attempt) co_return ErrorResponse(ctx, request, attempt.error());
            const std::string ip = ClientIpOf(ctx, request);
            auth::LoginInput input{*email, *password, ip, UserAgentOf(request), SessionCookie(request, ctx.options),
                                   NewAddressMail(ctx, ip, UserAgentOf(request))};
            auto outcome = co_await OnPasswordPool<auth::LoginOutcome>(
                ctx.password_pool, ip, [&ctx, &input] { return auth::Login(ctx.db, ctx.sessions, input); });
            if (!outcome) {
                if (outcome.error().code == ErrorCode::kInvalidCredentials) {
                    attempt->Failed(ctx.clock->Now());
                    ctx.log->info("request {}: failed sign-in from {}", request.request_id(), ip);
                }
                co_return ErrorResponse(ctx, request, outcome.error());
            }
            if (!outcome->mfa_token.empty()) {
                // The password was right; the attempt is settled by the second step (the Attempt
                // ends unsettled here: neither a success nor a failure).
                co_return http::JsonResponse(HttpStatus::ok,
                                             {{"mfa_required", true}, {"mfa_token", outcome->mfa_token}});
            }
            attempt->Succeeded(ctx.clock->Now());
            if (ctx.wake_mail) ctx.wake_mail();
            co_return SignedInResponse(ctx, request, *outcome);
        });

    reg.Console(
        MfaExempt({Method::post, "/api/v1/auth/logout", Surface::kConsole, auth::Permission::kRead, false, "auth",
                   "Sign out: ends this session server-side", "", "", 204}),
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            UnixMicros now = ctx.clock->Now();
            auto done = [&]() -> Status {
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_RETURN_IF_ERROR(auth::SessionManager::Revoke(*tx, principal.session.session.id, "logout", now));
                WT_RETURN_IF_ERROR(audit::Append(*tx,
                                                 audit::Event{principal.org_id(),
                                                              principal.actor(),
                                                              "auth.logout",
                                                              "session:" + principal.session.session.id,
                                                              ClientIpOf(ctx, request),
                                                              UserAgentOf(request),
                                                              {}},
                                                 now));
                return tx->Commit();
            }();
            if (!done) co_return ErrorResponse(ctx, request, done.error());
            auto res = http::EmptyResponse(HttpStatus::no_content);
            res.set(http::beast_http::field::set_cookie, ClearCookieHeader(ctx.options));
            co_return res;
        });

    reg.Console(MfaExempt({Method::get, "/api/v1/auth/me", Surface::kConsole, auth::Permission::kRead, false, "auth",
                           "The signed-in user, organization, role, CSRF token and memberships; "
                           "mfa_enrollment_required: the console must enrol MFA before anything else",
                           "", kMeSchema}),
                [&ctx](Request&, Principal& principal) -> asio::awaitable<Response> {
                    const auto& s = principal.session;
                    auto body = SignedInJson(s.user, s.session.org_id, s.org_name, s.role,
                                             ctx.sessions.CsrfToken(principal.cookie), s.memberships);
                    body["mfa_enrollment_required"] = MfaEnrollmentRequired(s);
                    co_return http::JsonResponse(HttpStatus::ok, std::move(body));
                });

    reg.Console(
        MfaExempt({Method::post, "/api/v1/auth/switch-organization", Surface::kConsole, auth::Permission::kRead, false,
                   "auth", "Work in another organization the user belongs to (new session token)",
                   R"({"type":"object","required":["organization_id"],"properties":{"organization_id":{"type":"string"}}})",
                   kSignedInSchema}),
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            JsonReader in(*body);
            auto org_id = in.RequiredString("organization_id", 1, 100);
            in.RejectUnknown();
            if (auto valid = in.Finish(); !valid) co_return ErrorResponse(ctx, request, valid.error());
            UnixMicros now = ctx.clock->Now();
            struct Switched {
                auth::SessionManager::Issued issued;
                std::vector<auth::Membership> memberships;
                auth::Membership target;
            };
            std::string refused_in;  // the organization whose console list refused the address
            auto switched = [&]() -> Result<Switched> {
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_ASSIGN_OR_RETURN(auto memberships, auth::ListMemberships(*tx, principal.user_id()));
                auto it = std::find_if(memberships.begin(), memberships.end(),
                                       [&](const auth::Membership& m) { return m.org_id == *org_id; });
                if (it == memberships.end()) return Error::NotFound("no such organization");
                // The target organization's console allowlist: a session there that every console
                // route would refuse is not opened (the current one stays as it is).
                if (ctx.api_keys != nullptr) {
                    auto client = ClientAddressOf(ctx, request);
                    Status allowed = client ? ctx.api_keys->CheckConsoleAddress(it->org_id, *client)
                                            : Status(Error::Make(ErrorCode::kIpNotAllowed,
                                                                 "your address could not be determined"));
                    if (!allowed) {
                        refused_in = it->org_id;
                        return allowed.error();
                    }
                }
                WT_ASSIGN_OR_RETURN(auth::SessionPolicy policy, auth::LoadSessionPolicy(*tx, it->org_id));
                WT_ASSIGN_OR_RETURN(auto issued,
                                    // The new session is not "recently authenticated": sensitive changes in the other
                                    // organization ask for the password again.
                                    ctx.sessions.Create(*tx, principal.user_id(), it->org_id, ClientIpOf(ctx, request),
                                                        UserAgentOf(request), std::nullopt, policy));
                WT_RETURN_IF_ERROR(
                    auth::SessionManager::Revoke(*tx, principal.session.session.id, "switched_organization", now));
                WT_RETURN_IF_ERROR(audit::Append(*tx,
                                                 audit::Event{it->org_id,
                                                              principal.actor(),
                                                              "auth.organization_switched",
                                                              "session:" + issued.record.id,
                                                              ClientIpOf(ctx, request),
                                                              UserAgentOf(request),
                                                              {}},
                                                 now));
                WT_RETURN_IF_ERROR(tx->Commit());
                return Switched{std::move(issued), memberships, *it};
            }();
            if (!switched) {
                if (!refused_in.empty() && switched.error().code == ErrorCode::kIpNotAllowed)
                    AuditRefusal(ctx, request, refused_in, principal.actor(), principal.session.session.id,
                                 "ip_not_allowed");
                co_return ErrorResponse(ctx, request, switched.error());
            }
            auto res =
                http::JsonResponse(HttpStatus::ok, SignedInJson(principal.session.user, switched->target.org_id,
                                                                switched->target.org_name, switched->target.role,
                                                                switched->issued.csrf_token, switched->memberships));
            res.set(http::beast_http::field::set_cookie, SessionCookieHeader(ctx.options, switched->issued.cookie_value,
                                                                             MaxAgeSeconds(switched->issued.record)));
            co_return res;
        });

    reg.Console(
        MfaExempt({Method::post, "/api/v1/auth/reauthenticate", Surface::kConsole, auth::Permission::kRead, false,
                   "auth",
                   "Confirm the password (and the TOTP code when MFA is on): the session counts as recently "
                   "authenticated for 15 minutes",
                   R"({"type":"object","required":["password"],"properties":{"password":{"type":"string"},)"
                   R"("code":{"type":"string","description":"the TOTP code; required when MFA is on"}}})",
                   "", 204}),
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto input = ParsePasswordAndCode(ctx, request, /*code_required=*/false);
            if (!input) co_return ErrorResponse(ctx, request, input.error());
            // Wrong passwords and codes here count toward the same lock as sign-in failures.
            auto attempt = AdmitAuthAttempt(ctx, request, auth::NormalizeEmail(principal.session.user.email));
            if (!attempt) co_return ErrorResponse(ctx, request, attempt.error());
            std::string ip = ClientIpOf(ctx, request), user_agent = UserAgentOf(request);
            auto done = co_await OnPasswordPool<bool>(ctx.password_pool, ip, [&]() -> Result<bool> {
                WT_RETURN_IF_ERROR(auth::Reauthenticate(ctx.db, ctx.sessions, ctx.keyring, principal.session,
                                                        input->password, input->code, ip, user_agent));
                return true;
            });
            if (!done) {
                if (done.error().code == ErrorCode::kInvalidCredentials || done.error().code == ErrorCode::kInvalidMfaCode)
                    attempt->Failed(ctx.clock->Now());
                co_return ErrorResponse(ctx, request, done.error());
            }
            attempt->Succeeded(ctx.clock->Now());
            co_return http::EmptyResponse(HttpStatus::no_content);
        });

    reg.Console({Method::get, "/api/v1/auth/sessions", Surface::kConsole, auth::Permission::kRead, false, "auth",
                 "The signed-in user's active sessions", "", ""},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto sessions = [&]() -> Result<std::vector<auth::SessionRecord>> {
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                        return ctx.sessions.ListActive(*tx, principal.user_id());
                    }();
                    if (!sessions) co_return ErrorResponse(ctx, request, sessions.error());
                    boost::json::array data;
                    for (const auto& s : *sessions) {
                        data.push_back({{"id", s.id},
                                        {"created_at", FormatRfc3339(s.created_at)},
                                        {"last_seen_at", FormatRfc3339(s.last_seen_at)},
                                        {"ip", s.ip},
                                        {"user_agent", s.user_agent},
                                        {"current", s.id == principal.session.session.id}});
                    }
                    co_return http::JsonResponse(HttpStatus::ok, {{"data", std::move(data)}, {"next_cursor", nullptr}});
                });

    reg.Console({Method::delete_, "/api/v1/auth/sessions/{id}", Surface::kConsole, auth::Permission::kRead, false,
                 "auth", "End one of the signed-in user's sessions", "", "", 204},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    std::string session_id(request.param("id"));
                    UnixMicros now = ctx.clock->Now();
                    auto done = [&]() -> Status {
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                        WT_ASSIGN_OR_RETURN(
                            auto own, tx->QueryOne("SELECT id FROM sessions WHERE id = $1 AND user_id = "
                                                   "$2 AND revoked_at IS NULL",
                                                   {storage::Text(session_id), storage::Text(principal.user_id())}));
                        if (!own) return Error::NotFound("no such session");
                        WT_RETURN_IF_ERROR(auth::SessionManager::Revoke(*tx, session_id, "ended_by_user", now));
                        WT_RETURN_IF_ERROR(audit::Append(*tx,
                                                         audit::Event{principal.org_id(),
                                                                      principal.actor(),
                                                                      "auth.session.ended",
                                                                      "session:" + session_id,
                                                                      ClientIpOf(ctx, request),
                                                                      UserAgentOf(request),
                                                                      {}},
                                                         now));
                        return tx->Commit();
                    }();
                    if (!done) co_return ErrorResponse(ctx, request, done.error());
                    auto res = http::EmptyResponse(HttpStatus::no_content);
                    if (session_id == principal.session.session.id)
                        res.set(http::beast_http::field::set_cookie, ClearCookieHeader(ctx.options));
                    co_return res;
                });
}

}  // namespace wt::api::detail
