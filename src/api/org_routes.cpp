// SPDX-License-Identifier: Apache-2.0
// /orgs/*: the current organization, its members and its audit log.
#include <fmt/format.h>

#include "api/detail/engine_support.hpp"
#include "api/detail/support.hpp"
#include "common/json.hpp"
#include "orgs/organizations.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;
using Perm = auth::Permission;

orgs::ActorContext ActorOf(const ApiContext& ctx, const Request& request, const Principal& principal) {
    return {principal.actor(), ClientIpOf(ctx, request), UserAgentOf(request)};
}

constexpr const char* kOrgSchema =
    R"({"type":"object","properties":{"id":{"type":"string"},"name":{"type":"string"},"settings":{"type":"object",)"
    R"("properties":{"require_mfa_for_all":{"type":"boolean"},"session_idle_minutes":{"type":"integer","minimum":5,)"
    R"("maximum":720},"session_max_hours":{"type":"integer","minimum":1,"maximum":24},"time_zone":{"type":"string"}}}}})";
constexpr const char* kMemberSchema =
    R"({"type":"object","properties":{"user_id":{"type":"string"},"email":{"type":"string"},"name":{"type":"string"},)"
    R"("role":{"type":"string","enum":["ADMIN","RISK_LEAD","ANALYST","VIEWER"]},"mfa_enabled":{"type":"boolean"},)"
    R"("last_login_at":{"type":["string","null"]},"created_at":{"type":"string"}}})";

}  // namespace

void RegisterOrgRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();

    reg.Console({Method::get, "/api/v1/orgs/current", Surface::kConsole, Perm::kRead, false, "organization",
                 "The current organization and its settings", "", kOrgSchema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto org = [&]() -> Result<std::optional<orgs::Organization>> {
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                        return orgs::FindOrganization(*tx, principal.org_id());
                    }();
                    if (!org) co_return ErrorResponse(ctx, request, org.error());
                    if (!*org) co_return http::ProblemResponse(Error::NotFound());
                    co_return http::JsonResponse(HttpStatus::ok, orgs::ToJson(**org));
                });

    reg.Console(
        {Method::patch, "/api/v1/orgs/current", Surface::kConsole, Perm::kAdminister, true, "organization",
         "Rename the organization or change its settings (partial update; session and MFA policy are "
         "sensitive, so a recent authentication is required)",
         R"({"type":"object","properties":{"name":{"type":"string"},"settings":{"type":"object"}}})", kOrgSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            auto updated = [&]() -> Result<orgs::Organization> {
                JsonReader in(*body);
                auto name = in.OptionalString("name", 1, 120);
                const auto* settings_patch = in.Raw("settings");
                in.RejectUnknown();
                WT_RETURN_IF_ERROR(in.Finish());
                if (name) WT_RETURN_IF_ERROR(orgs::ValidateOrganizationName(*name));
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_ASSIGN_OR_RETURN(auto org, orgs::FindOrganization(*tx, principal.org_id()));
                if (!org) return Error::NotFound();
                orgs::Organization before = *org;
                if (name) org->name = *name;
                if (settings_patch) {
                    WT_ASSIGN_OR_RETURN(org->settings, orgs::ApplySettingsPatch(org->settings, *settings_patch));
                }
                WT_RETURN_IF_ERROR(orgs::SaveOrganization(*tx, *org));
                auto actor = ActorOf(ctx, request, principal);
                WT_RETURN_IF_ERROR(audit::Append(
                    *tx,
                    audit::Event{org->id, actor.actor, "org.settings_changed", "org:" + org->id, actor.ip,
                                 actor.user_agent, {{"before", orgs::ToJson(before)}, {"after", orgs::ToJson(*org)}}},
                    ctx.clock->Now()));
                WT_RETURN_IF_ERROR(tx->Commit());
                return *org;
            }();
            if (!updated) co_return ErrorResponse(ctx, request, updated.error());
            // The time zone of hour_of_day / day_of_week: the next transaction decided uses it.
            OrganizationChanged(ctx, principal.org_id());
            co_return http::JsonResponse(HttpStatus::ok, orgs::ToJson(*updated));
        });

    reg.Console({Method::get, "/api/v1/orgs/members", Surface::kConsole, Perm::kRead, false, "organization",
                 "Members of the current organization (paginated, newest first)", "", ""},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto page = [&]() -> Result<orgs::MemberPage> {
                        WT_ASSIGN_OR_RETURN(int limit, ParseLimit(request));
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                        return orgs::ListMembers(*tx, principal.org_id(), limit, request.query("cursor"));
                    }();
                    if (!page) co_return ErrorResponse(ctx, request, page.error());
                    boost::json::array data;
                    for (const auto& member : page->members) data.push_back(orgs::ToJson(member));
                    co_return http::JsonResponse(
                        HttpStatus::ok,
                        {{"data", std::move(data)},
                         {"next_cursor", page->next_cursor ? boost::json::value(*page->next_cursor) : nullptr}});
                });

    reg.Console(
        {Method::patch, "/api/v1/orgs/members/{user_id}", Surface::kConsole, Perm::kAdminister, true, "organization",
         "Change a member's role; ends that user's sessions in this organization",
         R"({"type":"object","required":["role"],"properties":{"role":{"type":"string","enum":["ADMIN","RISK_LEAD","ANALYST","VIEWER"]}}})",
         kMemberSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            auto changed = [&]() -> Result<orgs::Member> {
                JsonReader in(*body);
                auto role_name = in.RequiredString("role", 1, 20);
                in.RejectUnknown();
                WT_RETURN_IF_ERROR(in.Finish());
                auto role = auth::ParseRole(*role_name);
                if (!role) return Error::Validation("role", "must be one of ADMIN, RISK_LEAD, ANALYST, VIEWER");
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_ASSIGN_OR_RETURN(auto member, orgs::ChangeRole(*tx, principal.org_id(), request.param("user_id"),
                                                                  *role, ActorOf(ctx, request, principal), ctx.clock->Now()));
                WT_RETURN_IF_ERROR(tx->Commit());
                return member;
            }();
            if (!changed) co_return ErrorResponse(ctx, request, changed.error());
            co_return http::JsonResponse(HttpStatus::ok, orgs::ToJson(*changed));
        });

    reg.Console({Method::delete_, "/api/v1/orgs/members/{user_id}", Surface::kConsole, Perm::kAdminister, true,
                 "organization", "Remove a member; ends that user's sessions in this organization", "", "", 204},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto removed = [&]() -> Status {
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                        WT_RETURN_IF_ERROR(orgs::RemoveMember(*tx, principal.org_id(), request.param("user_id"),
                                                              ActorOf(ctx, request, principal), ctx.clock->Now()));
                        return tx->Commit();
                    }();
                    if (!removed) co_return ErrorResponse(ctx, request, removed.error());
                    co_return http::EmptyResponse(HttpStatus::no_content);
                });

    reg.Console({Method::post, "/api/v1/orgs/members/{user_id}/sessions/revoke", Surface::kConsole, Perm::kAdminister,
                 false, "organization", "End every session of a member in this organization", "", "", 204},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto revoked = [&]() -> Status {
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                        WT_RETURN_IF_ERROR(orgs::RevokeMemberSessions(*tx, principal.org_id(), request.param("user_id"),
                                                                      ActorOf(ctx, request, principal), ctx.clock->Now()));
                        return tx->Commit();
                    }();
                    if (!revoked) co_return ErrorResponse(ctx, request, revoked.error());
                    co_return http::EmptyResponse(HttpStatus::no_content);
                });

    reg.Console({Method::get, "/api/v1/orgs/audit-logs", Surface::kConsole, Perm::kReadAudit, false, "organization",
                 "The organization's audit log, newest first; filters action (exact, or a prefix ending in '.'), "
                 "actor_id, from, to",
                 "", ""},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto page = [&]() -> Result<audit::Page> {
                        audit::Query query;
                        query.org_id = principal.org_id();
                        WT_ASSIGN_OR_RETURN(query.limit, ParseLimit(request));
                        if (auto action = request.query("action"); action && !action->empty()) query.action = *action;
                        if (auto actor = request.query("actor_id"); actor && !actor->empty()) query.actor_id = *actor;
                        WT_ASSIGN_OR_RETURN(query.from, ParseTimeParam(request, "from"));
                        WT_ASSIGN_OR_RETURN(query.to, ParseTimeParam(request, "to"));
                        if (auto cursor = request.query("cursor"); cursor && !cursor->empty()) {
                            std::int64_t seq = 0;
                            auto [ptr, ec] = std::from_chars(cursor->data(), cursor->data() + cursor->size(), seq);
                            if (ec != std::errc() || ptr != cursor->data() + cursor->size() || seq < 1)
                                return Error::Validation("cursor", "is not a valid cursor");
                            query.before_seq = seq;
                        }
                        return audit::List(ctx.db, query);
                    }();
                    if (!page) co_return ErrorResponse(ctx, request, page.error());
                    boost::json::array data;
                    for (const auto& entry : page->entries) data.push_back(audit::ToJson(entry));
                    co_return http::JsonResponse(
                        HttpStatus::ok,
                        {{"data", std::move(data)},
                         {"next_cursor", page->next_before_seq ? boost::json::value(std::to_string(*page->next_before_seq))
                                                               : nullptr}});
                });
}

}  // namespace wt::api::detail
