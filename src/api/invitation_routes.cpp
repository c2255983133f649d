// SPDX-License-Identifier: Apache-2.0
// /orgs/invitations: an ADMIN invites an email with a role (the token goes by mail only), lists
// and revokes pending invitations. Acceptance is public: account_routes.cpp.
#include <fmt/format.h>

#include "api/detail/account_routes.hpp"
#include "api/detail/mail_support.hpp"
#include "auth/invitations.hpp"
#include "common/json.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;
using Perm = auth::Permission;

constexpr const char* kInvitationSchema =
    R"({"type":"object","properties":{"id":{"type":"string"},"email":{"type":"string"},"role":{"type":"string",)"
    R"("enum":["ADMIN","RISK_LEAD","ANALYST","VIEWER"]},"invited_by":{"type":"string"},"created_at":{"type":)"
    R"("string"},"expires_at":{"type":"string"},"status":{"type":"string","enum":["pending","accepted","revoked",)"
    R"("expired"]}}})";

boost::json::object InvitationJson(const auth::Invitation& invitation, UnixMicros now) {
    return {{"id", invitation.id},
            {"email", invitation.email},
            {"role", auth::RoleName(invitation.role)},
            {"invited_by", invitation.invited_by},
            {"created_at", FormatRfc3339(invitation.created_at)},
            {"expires_at", FormatRfc3339(invitation.expires_at)},
            {"status", invitation.StatusAt(now)}};
}

auth::InvitationActor ActorOf(const ApiContext& ctx, const Request& request, const Principal& principal) {
    return {principal.user_id(), ClientIpOf(ctx, request), UserAgentOf(request)};
}

}  // namespace

void RegisterInvitationRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();

    // Inviting grants a role: a recent authentication is asked for, as for a role change.
    reg.Console(
        {Method::post, "/api/v1/orgs/invitations", Surface::kConsole, Perm::kAdminister, true, "organization",
         "Invite an email with a role; the single-use token (72 h) is sent by mail only. A pending invitation of "
         "the same email is replaced; a member's email is 409",
         R"({"type":"object","required":["email","role"],"additionalProperties":false,"properties":{"email":)"
         R"({"type":"string","format":"email"},"role":{"type":"string","enum":["ADMIN","RISK_LEAD","ANALYST",)"
         R"("VIEWER"]}}})",
         kInvitationSchema, 201},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            UnixMicros now = ctx.clock->Now();
            auto created = [&]() -> Result<auth::IssuedInvitation> {
                JsonReader in(*body);
                auto email = in.RequiredString("email", 1, 320);
                auto role_name = in.RequiredString("role", 1, 20);
                in.RejectUnknown();
                if (role_name && !auth::ParseRole(*role_name))
                    in.AddError("role", "must be one of ADMIN, RISK_LEAD, ANALYST, VIEWER");
                WT_RETURN_IF_ERROR(in.Finish());
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_ASSIGN_OR_RETURN(
                    auto issued, auth::CreateInvitation(*tx, principal.org_id(), *email, *auth::ParseRole(*role_name),
                                                        ActorOf(ctx, request, principal), now));
                const auth::Invitation& inv = issued.invitation;
                WT_RETURN_IF_ERROR(
                    QueueMail(ctx, *tx, inv.org_id,
                              mail::InvitationMail(inv.email, ctx.options.public_url, issued.token, issued.org_name,
                                                   issued.inviter_name, auth::RoleName(inv.role), inv.expires_at),
                              now));
                WT_RETURN_IF_ERROR(tx->Commit());
                return issued;
            }();
            if (!created) co_return ErrorResponse(ctx, request, created.error());
            WakeMail(ctx);
            co_return http::JsonResponse(HttpStatus::created, InvitationJson(created->invitation, now));
        });

    reg.Console({Method::get,
                 "/api/v1/orgs/invitations",
                 Surface::kConsole,
                 Perm::kAdminister,
                 false,
                 "organization",
                 "Pending invitations of the current organization (paginated, newest first)",
                 "",
                 "",
                 200,
                 {"limit", "cursor"}},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    UnixMicros now = ctx.clock->Now();
                    auto page = [&]() -> Result<auth::InvitationPage> {
                        WT_ASSIGN_OR_RETURN(int limit, ParseLimit(request));
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                        std::optional<std::string> cursor;
                        if (auto text = request.query("cursor"); text && !text->empty()) cursor = std::string(*text);
                        return auth::ListPendingInvitations(*tx, principal.org_id(), now, limit, cursor);
                    }();
                    if (!page) co_return ErrorResponse(ctx, request, page.error());
                    boost::json::array data;
                    for (const auto& invitation : page->invitations) data.push_back(InvitationJson(invitation, now));
                    co_return http::JsonResponse(
                        HttpStatus::ok,
                        {{"data", std::move(data)},
                         {"next_cursor", page->next_cursor ? boost::json::value(*page->next_cursor) : nullptr}});
                });

    reg.Console({Method::delete_, "/api/v1/orgs/invitations/{id}", Surface::kConsole, Perm::kAdminister, false,
                 "organization", "Revoke a pending invitation: its token stops working at once", "", "", 204},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto revoked = [&]() -> Status {
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                        WT_RETURN_IF_ERROR(auth::RevokeInvitation(*tx, principal.org_id(), request.param("id"),
                                                                  ActorOf(ctx, request, principal), ctx.clock->Now()));
                        return tx->Commit();
                    }();
                    if (!revoked) co_return ErrorResponse(ctx, request, revoked.error());
                    co_return http::EmptyResponse(HttpStatus::no_content);
                });
}

}  // namespace wt::api::detail
