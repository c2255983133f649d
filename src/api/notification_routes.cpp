// SPDX-License-Identifier: Apache-2.0
// /orgs/notification-channels* (ADMIN: webhook and email channels, test sends, the delivery log)
// and /notifications/settings (every role: the caller's own settings). The domain is in
// src/notify; this file parses, calls it, and formats (docs/webhooks.md).
#include <fmt/format.h>

#include "api/detail/support.hpp"
#include "notify/channels.hpp"
#include "notify/notifier.hpp"
#include "notify/settings.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;
using Perm = auth::Permission;

constexpr const char* kEventsSchema =
    R"({"type":"array","minItems":1,"uniqueItems":true,"items":{"type":"string","enum":["alert.raised",)"
    R"("alert.assigned","case.assigned","case.escalated","alert.sla_overdue"]}})";
constexpr const char* kSeveritySchema = R"({"type":"string","enum":["low","medium","high","critical"]})";
constexpr const char* kAllowedDomainsSchema =
    R"({"type":"array","maxItems":10,"uniqueItems":true,"description":"webhooks: DNS names the URL's host must )"
    R"(be or be under (example.com allows hooks.example.com); empty: no restriction","items":{"type":"string",)"
    R"("format":"hostname"}})";
const std::string kChannelSchema = fmt::format(
    R"({{"type":"object","properties":{{"id":{{"type":"string"}},"type":{{"type":"string","enum":["webhook","email"]}},)"
    R"("name":{{"type":"string"}},"url":{{"type":"string"}},"allowed_domains":{2},)"
    R"("recipients":{{"type":"array","items":{{"type":"string"}}}},)"
    R"("events":{0},"min_severity":{1},"enabled":{{"type":"boolean"}},"created_at":{{"type":"string"}},)"
    R"("created_by":{{"type":"string"}},"updated_at":{{"type":"string"}},"secret":{{"type":"string",)"
    R"("description":"webhook signing secret, in the creation answer only"}}}}}})",
    kEventsSchema, kSeveritySchema, kAllowedDomainsSchema);

const std::string kDeliverySchema =
    R"({"type":"object","properties":{"id":{"type":"string"},"event_id":{"type":"string"},"event_type":{"type":)"
    R"("string"},"status":{"type":"string","enum":["pending","delivered","failed"]},"attempts":{"type":"integer"},)"
    R"("last_status":{"type":["integer","null"]},"last_error":{"type":["string","null"]},"created_at":{"type":)"
    R"("string"},"last_attempt_at":{"type":["string","null"]},"next_attempt_at":{"type":["string","null"]},)"
    R"("delivered_at":{"type":["string","null"]},"failed_at":{"type":["string","null"]}}})";

const std::string kSettingsSchema =
    R"({"type":"object","required":["email","events"],"additionalProperties":false,"properties":{"email":{"type":)"
    R"("boolean"},"events":{"type":"array","uniqueItems":true,"items":{"type":"string","enum":["alert.assigned",)"
    R"("case.assigned","case.escalated","alert.sla_overdue"]}}}})";

notify::ChannelActor ActorOf(const ApiContext& ctx, const Request& request, const Principal& principal) {
    return {principal.user_id(), ClientIpOf(ctx, request), UserAgentOf(request), ctx.clock->Now()};
}

Status RequireNotifier(const ApiContext& ctx) {
    if (ctx.notifier == nullptr) return Error::Make(ErrorCode::kUnavailable, "notifications are not running");
    return Ok();
}

/// Runs `work` in a transaction of `mode` (committed when it succeeds and `mode` is kWrite).
template <typename T>
Result<T> InTransaction(ApiContext& ctx, storage::TxMode mode, const std::function<Result<T>(storage::Transaction&)>& work) {
    WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(mode));
    WT_ASSIGN_OR_RETURN(T answer, work(*tx));
    if (mode == storage::TxMode::kWrite) WT_RETURN_IF_ERROR(tx->Commit());
    return answer;
}

Response JsonOr(ApiContext& ctx, const Request& request, const Result<boost::json::object>& answer,
                HttpStatus status = HttpStatus::ok) {
    if (!answer) return ErrorResponse(ctx, request, answer.error());
    return http::JsonResponse(status, *answer);
}

void RegisterChannelRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();
    using Object = boost::json::object;

    reg.Console({Method::get, "/api/v1/orgs/notification-channels", Surface::kConsole, Perm::kAdminister, false,
                 "notifications", "The organization's notification channels (never their secrets)", "",
                 fmt::format(R"({{"type":"object","properties":{{"data":{{"type":"array","items":{}}},)"
                             R"("next_cursor":{{"type":"null"}}}}}})",
                             kChannelSchema)},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    co_return JsonOr(ctx, request,
                                     InTransaction<Object>(ctx, storage::TxMode::kRead, [&](storage::Transaction& tx) {
                                         return notify::ListChannels(tx, principal.org_id());
                                     }));
                });

    reg.Console(
        {Method::post, "/api/v1/orgs/notification-channels", Surface::kConsole, Perm::kAdminister, false,
         "notifications",
         "Create a webhook channel {type: webhook, name, url, events, min_severity} or an email channel {type: "
         "email, name, recipients, events, min_severity}. A webhook's signing secret is generated and answered "
         "once, here. A URL that is not http(s) or whose host is a refused literal address is 422 on url",
         fmt::format(R"({{"type":"object","required":["type","name","events"],"additionalProperties":false,)"
                     R"("properties":{{"type":{{"type":"string","enum":["webhook","email"]}},"name":{{"type":)"
                     R"("string","minLength":1,"maxLength":100}},"url":{{"type":"string","format":"uri"}},)"
                     R"("recipients":{{"type":"array","minItems":1,"maxItems":20,"items":{{"type":"string",)"
                     R"("format":"email"}}}},"allowed_domains":{},"events":{},"min_severity":{}}}}})",
                     kAllowedDomainsSchema, kEventsSchema, kSeveritySchema),
         kChannelSchema, 201},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto created = [&]() -> Result<Object> {
                WT_RETURN_IF_ERROR(RequireNotifier(ctx));
                WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
                WT_ASSIGN_OR_RETURN(auto channel, notify::ParseNewChannel(body, ctx.notifier->policy()));
                return InTransaction<Object>(ctx, storage::TxMode::kWrite, [&](storage::Transaction& tx) {
                    return notify::CreateChannel(tx, *ctx.keyring, principal.org_id(), channel,
                                                 ActorOf(ctx, request, principal));
                });
            }();
            if (created) ctx.notifier->ChannelsChanged();
            co_return JsonOr(ctx, request, created, HttpStatus::created);
        });

    reg.Console({Method::get, "/api/v1/orgs/notification-channels/{id}", Surface::kConsole, Perm::kAdminister, false,
                 "notifications", "One notification channel (never its secret)", "", kChannelSchema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    co_return JsonOr(ctx, request,
                                     InTransaction<Object>(ctx, storage::TxMode::kRead, [&](storage::Transaction& tx) {
                                         return notify::GetChannel(tx, principal.org_id(), std::string(request.param("id")));
                                     }));
                });

    reg.Console(
        {Method::patch, "/api/v1/orgs/notification-channels/{id}", Surface::kConsole, Perm::kAdminister, false,
         "notifications",
         "Change a channel's name, events, min_severity, enabled or (webhooks) allowed_domains, which must "
         "allow the URL's host. The URL, recipients and secret never change: to rotate a secret, create a new "
         "channel and delete the old one",
         fmt::format(R"({{"type":"object","additionalProperties":false,"properties":{{"name":{{"type":"string",)"
                     R"("minLength":1,"maxLength":100}},"events":{},"min_severity":{},"enabled":{{"type":)"
                     R"("boolean"}},"allowed_domains":{}}}}})",
                     kEventsSchema, kSeveritySchema, kAllowedDomainsSchema),
         kChannelSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto updated = [&]() -> Result<Object> {
                WT_RETURN_IF_ERROR(RequireNotifier(ctx));
                // Another organization's channel is 404 whatever the body says.
                WT_RETURN_IF_ERROR(InTransaction<Object>(ctx, storage::TxMode::kRead, [&](storage::Transaction& tx) {
                    return notify::GetChannel(tx, principal.org_id(), std::string(request.param("id")));
                }));
                WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
                WT_ASSIGN_OR_RETURN(auto patch, notify::ParseChannelPatch(body));
                return InTransaction<Object>(ctx, storage::TxMode::kWrite, [&](storage::Transaction& tx) {
                    return notify::UpdateChannel(tx, principal.org_id(), std::string(request.param("id")), patch,
                                                 ActorOf(ctx, request, principal));
                });
            }();
            if (updated) ctx.notifier->ChannelsChanged();
            co_return JsonOr(ctx, request, updated);
        });

    reg.Console({Method::delete_, "/api/v1/orgs/notification-channels/{id}", Surface::kConsole, Perm::kAdminister,
                 false, "notifications",
                 "Delete a channel: its secret is erased, its pending deliveries given up; its delivery log stays",
                 "", "", 204},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto deleted = [&]() -> Status {
                        WT_RETURN_IF_ERROR(RequireNotifier(ctx));
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                        WT_RETURN_IF_ERROR(notify::DeleteChannel(*tx, principal.org_id(), std::string(request.param("id")),
                                                                 ActorOf(ctx, request, principal)));
                        return tx->Commit();
                    }();
                    if (!deleted) co_return ErrorResponse(ctx, request, deleted.error());
                    ctx.notifier->ChannelsChanged();
                    co_return http::EmptyResponse(HttpStatus::no_content);
                });

    reg.Console(
        {Method::post, "/api/v1/orgs/notification-channels/{id}/test", Surface::kConsole, Perm::kAdminister, false,
         "notifications",
         "Send a `test` event to the channel now, through the same path as every delivery (one attempt), and "
         "answer the delivery's outcome",
         "", kDeliverySchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto written = [&]() -> Result<std::string> {
                WT_RETURN_IF_ERROR(RequireNotifier(ctx));
                return InTransaction<std::string>(ctx, storage::TxMode::kWrite, [&](storage::Transaction& tx) {
                    return notify::RecordTestDelivery(tx, principal.org_id(), std::string(request.param("id")),
                                                      ActorOf(ctx, request, principal), ctx.notifier->lease());
                });
            }();
            if (!written) co_return ErrorResponse(ctx, request, written.error());
            // The POST blocks for up to the outbound timeouts: it runs on the analysis pool, never
            // on an I/O thread. The work captures two pointers (GCC 12, see alert_routes.cpp).
            const std::string* delivery_id = &*written;
            notify::Notifier* notifier = ctx.notifier;
            auto sent = co_await OnPasswordPool<bool>(*ctx.analysis_pool, principal.org_id(),
                                                      [notifier, delivery_id]() -> Result<bool> {
                                                          WT_RETURN_IF_ERROR(notifier->DeliverNow(*delivery_id));
                                                          return true;
                                                      });
            if (!sent) co_return ErrorResponse(ctx, request, sent.error());
            co_return JsonOr(ctx, request,
                             InTransaction<Object>(ctx, storage::TxMode::kRead, [&](storage::Transaction& tx) {
                                 return notify::GetDelivery(tx, principal.org_id(), *delivery_id);
                             }));
        });

    reg.Console({Method::get,
                 "/api/v1/orgs/notification-channels/{id}/deliveries",
                 Surface::kConsole,
                 Perm::kAdminister,
                 false,
                 "notifications",
                 "The channel's delivery log, newest first (paginated): event, status, attempts, last HTTP status "
                 "or error, times",
                 "",
                 fmt::format(R"({{"type":"object","properties":{{"data":{{"type":"array","items":{}}},)"
                             R"("next_cursor":{{"type":["string","null"]}}}}}})",
                             kDeliverySchema),
                 200,
                 {"limit", "cursor"}},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto page = [&]() -> Result<Object> {
                        WT_ASSIGN_OR_RETURN(int limit, ParseLimit(request));
                        std::optional<std::string> cursor;
                        if (auto text = request.query("cursor"); text && !text->empty()) cursor = std::string(*text);
                        return InTransaction<Object>(ctx, storage::TxMode::kRead, [&](storage::Transaction& tx) {
                            return notify::ListDeliveries(tx, principal.org_id(), std::string(request.param("id")), cursor, limit);
                        });
                    }();
                    co_return JsonOr(ctx, request, page);
                });
}

void RegisterSettingsRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();
    using Object = boost::json::object;

    reg.Console({Method::get, "/api/v1/notifications/settings", Surface::kConsole, Perm::kRead, false,
                 "notifications", "The caller's own notification settings in the current organization", "",
                 kSettingsSchema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    co_return JsonOr(ctx, request,
                                     InTransaction<Object>(ctx, storage::TxMode::kRead, [&](storage::Transaction& tx) -> Result<Object> {
                                         WT_ASSIGN_OR_RETURN(auto settings, notify::LoadSettings(tx, principal.org_id(),
                                                                                                 principal.user_id()));
                                         return notify::SettingsToJson(settings);
                                     }));
                });

    reg.Console({Method::put, "/api/v1/notifications/settings", Surface::kConsole, Perm::kRead, false,
                 "notifications",
                 "Replace the caller's own notification settings {email, events}: which personal events are mailed "
                 "to their account's address",
                 kSettingsSchema, kSettingsSchema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto saved = [&]() -> Result<Object> {
                        WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
                        WT_ASSIGN_OR_RETURN(auto settings, notify::ParseSettings(body));
                        return InTransaction<Object>(ctx, storage::TxMode::kWrite, [&](storage::Transaction& tx) -> Result<Object> {
                            WT_RETURN_IF_ERROR(notify::SaveSettings(tx, principal.org_id(), principal.user_id(),
                                                                    settings, ClientIpOf(ctx, request),
                                                                    UserAgentOf(request), ctx.clock->Now()));
                            return notify::SettingsToJson(settings);
                        });
                    }();
                    co_return JsonOr(ctx, request, saved);
                });
}

}  // namespace

void RegisterNotificationRoutes(Registrar& reg) {
    RegisterChannelRoutes(reg);
    RegisterSettingsRoutes(reg);
}

}  // namespace wt::api::detail
