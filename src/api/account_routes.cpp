// SPDX-License-Identifier: Apache-2.0
// Account recovery and invitation acceptance (public), password change (console):
// /auth/password-reset/{request,verify,complete}, /auth/change-password,
// /auth/invitations/{verify,accept}. Tokens travel only in request bodies (API.md).
#include "api/detail/account_routes.hpp"

#include <fmt/format.h>

#include <atomic>

#include "api/detail/mail_support.hpp"
#include "auth/invitations.hpp"
#include "auth/password_reset.hpp"
#include "common/json.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;

// Reset requests waiting for the password pool, all clients together; beyond it: 503.
constexpr int kMaxQueuedResetRequests = 1024;
std::atomic<int> queued_reset_requests{0};

constexpr const char* kTokenSchema =
    R"({"type":"object","required":["token"],"additionalProperties":false,"properties":{"token":{"type":"string"}}})";
constexpr const char* kInvitationViewSchema =
    R"({"type":"object","properties":{"email":{"type":"string"},"organization":{"type":"object","properties":)"
    R"({"id":{"type":"string"},"name":{"type":"string"}}},"role":{"type":"string","enum":["ADMIN","RISK_LEAD",)"
    R"("ANALYST","VIEWER"]},"existing_user":{"type":"boolean","description":"verify only"}}})";

// `existing_user` only in the answer of verify: accept answers after the account exists.
boost::json::object InvitationViewJson(const auth::InvitationView& view, bool with_existing_user) {
    boost::json::object out{{"email", view.invitation.email},
                            {"organization", {{"id", view.invitation.org_id}, {"name", view.org_name}}},
                            {"role", auth::RoleName(view.invitation.role)}};
    if (with_existing_user) out["existing_user"] = view.existing_user;
    return out;
}

// The `token` of a body that holds nothing else.
Result<std::string> ParseTokenBody(const ApiContext& ctx, const Request& request) {
    WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
    JsonReader in(body);
    auto token = in.RequiredString("token", 1, 200);
    in.RejectUnknown();
    WT_RETURN_IF_ERROR(in.Finish());
    return *token;
}

// Settles a brute-force attempt by the outcome of what it guarded: a refused token or password
// counts as a failure, anything else (success, a weak new password, a busy server) does not.
template <typename T>
void Settle(auth::AuthLimiter::Attempt& attempt, const Result<T>& outcome, UnixMicros now) {
    if (outcome) {
        attempt.Succeeded(now);
    } else if (outcome.error().code == ErrorCode::kInvalidToken ||
               outcome.error().code == ErrorCode::kInvalidCredentials) {
        attempt.Failed(now);
    }
}

// The work of a reset request, after the answer was decided: the same 202 leaves at once for a
// known and an unknown email, so neither its status, body nor timing tells them apart.
Status QueueResetRequest(ApiContext& ctx, std::string email, auth::PasswordActor actor, std::string request_id) {
    if (queued_reset_requests.fetch_add(1) >= kMaxQueuedResetRequests) {
        queued_reset_requests.fetch_sub(1);
        Error busy = Error::Make(ErrorCode::kUnavailable, "the server is busy; try again shortly");
        busy.retry_after_seconds = 1;
        return busy;
    }
    auto work = [&ctx, email = std::move(email), actor = std::move(actor), request_id = std::move(request_id)] {
        struct Slot {
            ~Slot() { queued_reset_requests.fetch_sub(1); }
        } slot;
        UnixMicros now = ctx.clock->Now();
        auto issued = [&]() -> Result<bool> {
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
            WT_ASSIGN_OR_RETURN(auto reset, auth::RequestPasswordReset(*tx, email, actor, now));
            if (!reset) return false;
            WT_RETURN_IF_ERROR(QueueMail(
                ctx, *tx, "",
                mail::PasswordResetMail(reset->user.email, ctx.options.public_url, reset->token, reset->expires_at),
                now));
            WT_RETURN_IF_ERROR(tx->Commit());
            return true;
        }();
        if (!issued)
            ctx.log->error("request {}: password reset request failed: {} {}", request_id, issued.error().detail,
                           issued.error().internal);
        else if (*issued)
            WakeMail(ctx);
    };
    asio::post(ctx.password_pool.pool(), std::move(work));
    return Ok();
}

constexpr const char* kResetRequestSchema = R"({"type":"object","required":["email"],"additionalProperties":false,)"
                                            R"("properties":{"email":{"type":"string","format":"email"}}})";
constexpr const char* kResetCompleteSchema =
    R"({"type":"object","required":["token","new_password"],"additionalProperties":false,)"
    R"("properties":{"token":{"type":"string"},"new_password":{"type":"string","minLength":12,"maxLength":128}}})";
constexpr const char* kChangePasswordSchema =
    R"({"type":"object","required":["current_password","new_password"],"additionalProperties":false,)"
    R"("properties":{"current_password":{"type":"string"},"new_password":{"type":"string","minLength":12,)"
    R"("maxLength":128}}})";
constexpr const char* kAcceptSchema =
    R"({"type":"object","required":["token","password"],"additionalProperties":false,)"
    R"("properties":{"token":{"type":"string"},"name":{"type":"string","description":"required for a new )"
    R"(account, ignored for an existing one"},"password":{"type":"string","description":"the new account's )"
    R"(password, or the existing account's current password"}}})";

void RegisterPasswordResetRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();

    reg.Public({Method::post, "/api/v1/auth/password-reset/request", Surface::kPublic, std::nullopt, false, "auth",
                "Ask for a password reset mail; always 202 {} (never says whether the email exists)",
                kResetRequestSchema, R"({"type":"object"})", 202},
               [&ctx](Request& request) -> asio::awaitable<Response> {
                   auto body = ParseJsonBody(request, ctx.options);
                   if (!body) co_return ErrorResponse(ctx, request, body.error());
                   JsonReader in(*body);
                   auto email = in.RequiredString("email", 1, 320);
                   in.RejectUnknown();
                   if (email) {
                       if (auto valid = auth::ValidateEmail(*email); !valid)
                           for (const auto& field : valid.error().fields) in.AddError(field.field, field.message);
                   }
                   if (auto valid = in.Finish(); !valid) co_return ErrorResponse(ctx, request, valid.error());
                   auto attempt = AdmitAuthAttempt(ctx, request, auth::NormalizeEmail(*email));
                   if (!attempt) co_return ErrorResponse(ctx, request, attempt.error());
                   Status queued = QueueResetRequest(ctx, *email, {ClientIpOf(ctx, request), UserAgentOf(request)},
                                                     std::string(request.request_id()));
                   if (!queued) co_return ErrorResponse(ctx, request, queued.error());
                   co_return http::JsonResponse(HttpStatus::accepted, boost::json::object{});
               });

    reg.Public({Method::post, "/api/v1/auth/password-reset/verify", Surface::kPublic, std::nullopt, false, "auth",
                "Check a password reset token before asking for the new password", kTokenSchema,
                R"({"type":"object","properties":{"valid":{"type":"boolean"}}})"},
               [&ctx](Request& request) -> asio::awaitable<Response> {
                   auto found = [&]() -> Result<auth::User> {
                       WT_ASSIGN_OR_RETURN(auto token, ParseTokenBody(ctx, request));
                       WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                       return auth::FindUserByResetToken(*tx, token, ctx.clock->Now());
                   }();
                   if (!found) co_return ErrorResponse(ctx, request, found.error());
                   co_return http::JsonResponse(HttpStatus::ok, {{"valid", true}});
               });

    reg.Public(
        {Method::post, "/api/v1/auth/password-reset/complete", Surface::kPublic, std::nullopt, false, "auth",
         "Set a new password with a reset token; the token is spent and every session of the user ends",
         kResetCompleteSchema, "", 204},
        [&ctx](Request& request) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            JsonReader in(*body);
            auto token = in.RequiredString("token", 1, 200);
            auto new_password = in.RequiredString("new_password", 1, 1024);
            in.RejectUnknown();
            if (auto valid = in.Finish(); !valid) co_return ErrorResponse(ctx, request, valid.error());
            auto attempt = AdmitAuthAttempt(ctx, request, "");
            if (!attempt) co_return ErrorResponse(ctx, request, attempt.error());
            auth::PasswordActor actor{ClientIpOf(ctx, request), UserAgentOf(request)};
            std::function<Result<bool>()> complete = [&]() -> Result<bool> {
                UnixMicros now = ctx.clock->Now();
                auth::User user;
                {
                    WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                    WT_ASSIGN_OR_RETURN(user, auth::FindUserByResetToken(*tx, *token, now));
                }
                WT_ASSIGN_OR_RETURN(auto hash, auth::PrepareNewPassword(ctx.db, user, *new_password, "new_password"));
                now = ctx.clock->Now();
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_RETURN_IF_ERROR(auth::ApplyPasswordReset(*tx, *token, user.id, hash, actor, now));
                WT_RETURN_IF_ERROR(QueueMail(
                    ctx, *tx, "", mail::PasswordChangedMail(user.email, ctx.options.public_url, now, actor.ip), now));
                WT_RETURN_IF_ERROR(tx->Commit());
                return true;
            };
            auto done = co_await OnPasswordPool<bool>(ctx.password_pool, actor.ip, std::move(complete));
            Settle(*attempt, done, ctx.clock->Now());
            if (!done) co_return ErrorResponse(ctx, request, done.error());
            WakeMail(ctx);
            co_return http::EmptyResponse(HttpStatus::no_content);
        });

    reg.Console(
        MfaExempt({Method::post, "/api/v1/auth/change-password", Surface::kConsole, auth::Permission::kRead, false,
                   "auth",
                   "Change the signed-in user's password (the current one is required); the user's other sessions end",
                   kChangePasswordSchema, "", 204}),
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            JsonReader in(*body);
            auto current = in.RequiredString("current_password", 1, 1024);
            auto new_password = in.RequiredString("new_password", 1, 1024);
            in.RejectUnknown();
            if (auto valid = in.Finish(); !valid) co_return ErrorResponse(ctx, request, valid.error());
            auto attempt = AdmitAuthAttempt(ctx, request, auth::NormalizeEmail(principal.session.user.email));
            if (!attempt) co_return ErrorResponse(ctx, request, attempt.error());
            auth::PasswordActor actor{ClientIpOf(ctx, request), UserAgentOf(request)};
            std::function<Result<bool>()> change = [&]() -> Result<bool> {
                WT_ASSIGN_OR_RETURN(auto hash,
                                    auth::PreparePasswordChange(ctx.db, principal.user_id(), *current, *new_password));
                UnixMicros now = ctx.clock->Now();
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_RETURN_IF_ERROR(auth::ApplyPasswordChange(*tx, principal.user_id(), principal.session.session.id,
                                                             hash, actor, now));
                WT_RETURN_IF_ERROR(QueueMail(
                    ctx, *tx, "",
                    mail::PasswordChangedMail(principal.session.user.email, ctx.options.public_url, now, actor.ip),
                    now));
                WT_RETURN_IF_ERROR(tx->Commit());
                return true;
            };
            auto done = co_await OnPasswordPool<bool>(ctx.password_pool, actor.ip, std::move(change));
            Settle(*attempt, done, ctx.clock->Now());
            if (!done) {
                if (done.error().code == ErrorCode::kInvalidCredentials)
                    (void)audit::AppendNow(ctx.db,
                                           audit::Event{principal.org_id(),
                                                        principal.actor(),
                                                        "auth.password.change_failed",
                                                        "user:" + principal.user_id(),
                                                        actor.ip,
                                                        actor.user_agent,
                                                        {}},
                                           ctx.clock->Now());
                co_return ErrorResponse(ctx, request, done.error());
            }
            WakeMail(ctx);
            co_return http::EmptyResponse(HttpStatus::no_content);
        });
}

void RegisterInvitationAcceptRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();

    reg.Public({Method::post, "/api/v1/auth/invitations/verify", Surface::kPublic, std::nullopt, false, "auth",
                "What an invitation token grants: the invited email, the organization and the role", kTokenSchema,
                kInvitationViewSchema},
               [&ctx](Request& request) -> asio::awaitable<Response> {
                   auto found = [&]() -> Result<auth::InvitationView> {
                       WT_ASSIGN_OR_RETURN(auto token, ParseTokenBody(ctx, request));
                       WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                       return auth::FindInvitationByToken(*tx, token, ctx.clock->Now());
                   }();
                   if (!found) co_return ErrorResponse(ctx, request, found.error());
                   co_return http::JsonResponse(HttpStatus::ok, InvitationViewJson(*found, true));
               });

    reg.Public({Method::post, "/api/v1/auth/invitations/accept", Surface::kPublic, std::nullopt, false, "auth",
                "Accept an invitation: a new email gets an account (name and password required), an existing account "
                "confirms with its own password; the membership is created and the token spent",
                kAcceptSchema, kInvitationViewSchema, 201},
               [&ctx](Request& request) -> asio::awaitable<Response> {
                   auto body = ParseJsonBody(request, ctx.options);
                   if (!body) co_return ErrorResponse(ctx, request, body.error());
                   JsonReader in(*body);
                   auto token = in.RequiredString("token", 1, 200);
                   auto name = in.OptionalString("name", 0, 120);
                   auto password = in.RequiredString("password", 1, 1024);
                   in.RejectUnknown();
                   if (auto valid = in.Finish(); !valid) co_return ErrorResponse(ctx, request, valid.error());
                   auto attempt = AdmitAuthAttempt(ctx, request, "");
                   if (!attempt) co_return ErrorResponse(ctx, request, attempt.error());
                   // An existing account confirms with its own password: a wrong one counts toward that
                   // account's lock like a wrong sign-in (a second attempt on the address as well).
                   std::optional<auth::AuthLimiter::Attempt> account_attempt;
                   auto invited = [&]() -> Result<auth::InvitationView> {
                       WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                       return auth::FindInvitationByToken(*tx, *token, ctx.clock->Now());
                   }();
                   if (invited && invited->existing_user) {
                       auto admitted = AdmitAuthAttempt(ctx, request, auth::NormalizeEmail(invited->invitation.email));
                       if (!admitted) co_return ErrorResponse(ctx, request, admitted.error());
                       account_attempt.emplace(std::move(*admitted));
                   }
                   auth::AcceptInvitationInput input{*token, name.value_or(""), *password, ClientIpOf(ctx, request),
                                                     UserAgentOf(request)};
                   std::function<Result<auth::AcceptedInvitation>()> accept = [&ctx, &input] {
                       return auth::AcceptInvitation(ctx.db, input, ctx.clock->Now());
                   };
                   auto accepted = co_await OnPasswordPool<auth::AcceptedInvitation>(ctx.password_pool, input.ip,
                                                                                     std::move(accept));
                   Settle(*attempt, accepted, ctx.clock->Now());
                   if (account_attempt) Settle(*account_attempt, accepted, ctx.clock->Now());
                   if (!accepted) co_return ErrorResponse(ctx, request, accepted.error());
                   co_return http::JsonResponse(HttpStatus::created, InvitationViewJson(accepted->invitation, false));
               });
}

}  // namespace

void RegisterAccountRoutes(Registrar& reg) {
    RegisterPasswordResetRoutes(reg);
    RegisterInvitationAcceptRoutes(reg);
}

}  // namespace wt::api::detail
