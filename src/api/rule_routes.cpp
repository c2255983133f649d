// SPDX-License-Identifier: Apache-2.0
// /rules (the catalog: rules, their versions, restore) and /lists (named lists and their items).
// Reads need Permission::kRead, changes kManageRules (RISK_LEAD, ADMIN). Each change runs in one
// write transaction with its audit entry (engine/catalog.hpp); once it has committed, the rules
// engine reloads the organization's rules or lists.
#include <fmt/format.h>

#include "api/detail/engine_support.hpp"
#include "api/detail/support.hpp"
#include "engine/catalog.hpp"
#include "engine/engine.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;
using Perm = auth::Permission;
namespace json = boost::json;

// --- OpenAPI schemas ------------------------------------------------------------------------

json::object Str() { return {{"type", "string"}}; }
json::object OptStr() { return {{"type", json::array{"string", "null"}}}; }
json::object Time() { return {{"type", "string"}, {"format", "date-time"}}; }
json::object Int(std::int64_t min, std::int64_t max) { return {{"type", "integer"}, {"minimum", min}, {"maximum", max}}; }
json::object Enum(std::initializer_list<const char*> names) {
    json::array values;
    for (const char* name : names) values.push_back(json::value(name));
    return {{"type", "string"}, {"enum", std::move(values)}};
}
json::object Array(json::object items) { return {{"type", "array"}, {"items", std::move(items)}}; }
json::object Object(json::object properties, json::array required = {}) {
    json::object schema{{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) schema["required"] = std::move(required);
    return schema;
}
json::object Page(json::object item) {
    return Object({{"data", Array(std::move(item))}, {"next_cursor", OptStr()}});
}

json::object RuleFields() {
    return {{"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", engine::kMaxRuleNameChars}}},
            {"description", {{"type", json::array{"string", "null"}}, {"maxLength", engine::kMaxDescriptionChars}}},
            {"expression", {{"type", "string"}, {"description", "rules language (docs/rules-language.md)"}}},
            {"severity", Enum({"low", "medium", "high", "critical"})},
            {"action", Enum({"alert", "review", "block"})},
            {"score", Int(0, 100)},
            {"status", Enum({"draft", "shadow", "active", "disabled"})},
            {"suppression_seconds",
             {{"type", json::array{"integer", "null"}},
              {"minimum", engine::kMinSuppressionSeconds},
              {"maximum", engine::kMaxSuppressionSeconds}}}};
}

json::object RuleSchema() {
    json::object properties = RuleFields();
    properties["id"] = Str();
    properties["version"] = Int(1, INT32_MAX);
    properties["created_at"] = Time();
    properties["created_by"] = OptStr();
    properties["updated_at"] = Time();
    properties["updated_by"] = OptStr();
    properties["hits_24h"] = {{"type", "integer"}, {"description", "GET only: hits in the last 24 hours (environment)"}};
    properties["hits_total"] = {{"type", "integer"}, {"description", "GET only: every hit (environment)"}};
    return Object(std::move(properties));
}

std::string RuleRequestSchema(bool put) {
    json::object properties = RuleFields();
    if (put)
        properties["version"] = {{"type", "integer"},
                                 {"minimum", 1},
                                 {"description", "optional: the version edited; another current version is 409"}};
    json::object schema = Object(std::move(properties), {"name", "expression", "severity", "action", "status"});
    schema["additionalProperties"] = false;
    return json::serialize(schema);
}

json::object VersionSchema() {
    json::object properties = RuleFields();
    properties["version"] = Int(1, INT32_MAX);
    properties["author_id"] = OptStr();
    properties["created_at"] = Time();
    properties["change"] = {{"type", "string"}, {"description", "created | updated | restored from version N"}};
    properties["diff"] = Array(Object({{"field", Str()}, {"from", json::object{}}, {"to", json::object{}}}));
    properties["expression_diff"] = Array(Object({{"op", Enum({" ", "-", "+"})}, {"line", Str()}}));
    return Object(std::move(properties));
}

json::object ListSchema() {
    return Object({{"id", Str()},
                   {"name", {{"type", "string"}, {"pattern", "^[a-z0-9_-]{1,100}$"}}},
                   {"description", OptStr()},
                   {"item_count", {{"type", "integer"}}},
                   {"created_at", Time()},
                   {"created_by", OptStr()},
                   {"updated_at", Time()}});
}

json::object ListDetailSchema() {
    json::object schema = ListSchema();
    auto& properties = schema["properties"].as_object();
    properties["items"] = Array(Object({{"value", Str()}, {"added_at", Time()}, {"added_by", OptStr()}}));
    properties["next_cursor"] = OptStr();
    properties["used_by"] = Array(Object({{"id", Str()}, {"name", Str()}, {"status", Str()}}));
    return schema;
}

// --- Helpers --------------------------------------------------------------------------------

// The body limit of POST /lists/{id}/items: a full request of engine::kMaxItemsPerRequest values.
constexpr std::size_t kItemsBodyLimit = 4 * 1024 * 1024;

// `?environment=` of the hit counts: production (default) or sandbox.
Result<std::string> ParseEnvironment(const Request& request) {
    auto text = request.query("environment");
    if (!text || text->empty()) return std::string("production");
    if (!auth::ParseEnvironment(*text)) return Error::Validation("environment", "must be production or sandbox");
    return *text;
}

std::optional<std::string> Cursor(const Request& request) {
    auto cursor = request.query("cursor");
    if (!cursor || cursor->empty()) return std::nullopt;
    return cursor;
}

json::object PageJson(json::array data, const std::optional<std::string>& next_cursor) {
    return {{"data", std::move(data)}, {"next_cursor", next_cursor ? json::value(*next_cursor) : json::value(nullptr)}};
}

}  // namespace

void RegisterRuleRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();
    const std::string rule_schema = json::serialize(RuleSchema());

    // --- Rules ----------------------------------------------------------------------------------

    RouteSpec list_rules{Method::get,
                         "/api/v1/rules",
                         Surface::kConsole,
                         Perm::kRead,
                         false,
                         "rules",
                         "The organization's rules, newest first, with their hits in one environment (default "
                         "production); filter by status",
                         "",
                         json::serialize(Page(RuleSchema()))};
    list_rules.query_parameters = {"status", "environment", "limit", "cursor"};
    reg.Console(std::move(list_rules), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        auto page = [&]() -> Result<engine::RulePage> {
            engine::RuleQuery query;
            WT_ASSIGN_OR_RETURN(query.limit, ParseLimit(request));
            WT_ASSIGN_OR_RETURN(query.environment, ParseEnvironment(request));
            if (auto status = request.query("status"); status && !status->empty()) {
                query.status = engine::ParseRuleStatus(*status);
                if (!query.status) return Error::Validation("status", "must be one of draft, shadow, active, disabled");
            }
            query.cursor = Cursor(request);
            query.now = ctx.clock->Now();
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
            return engine::ListRules(*tx, principal.org_id(), query);
        }();
        if (!page) co_return ErrorResponse(ctx, request, page.error());
        json::array data;
        for (const auto& entry : page->rules) data.push_back(engine::ToJson(entry.rule, &entry.hits));
        co_return http::JsonResponse(HttpStatus::ok, PageJson(std::move(data), page->next_cursor));
    });

    reg.Console({Method::post, "/api/v1/rules", Surface::kConsole, Perm::kManageRules, false, "rules",
                 "Create a rule (any status); the expression is compiled, an error answers 422 with its line and "
                 "column",
                 RuleRequestSchema(false), rule_schema, 201},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto body = ParseJsonBody(request, ctx.options);
                    if (!body) co_return ErrorResponse(ctx, request, body.error());
                    auto created = [&]() -> Result<engine::Rule> {
                        auto input = engine::RuleInputFromJson(*body, false);
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                        WT_ASSIGN_OR_RETURN(auto rule, engine::CreateRule(*tx, principal.org_id(), input,
                                                                          ChangeOf(ctx, request, principal)));
                        WT_RETURN_IF_ERROR(tx->Commit());
                        return rule;
                    }();
                    if (!created) co_return ErrorResponse(ctx, request, created.error());
                    RulesChanged(ctx, principal.org_id());
                    co_return http::JsonResponse(HttpStatus::created, engine::ToJson(*created));
                });

    RouteSpec get_rule{Method::get,
                       "/api/v1/rules/{id}",
                       Surface::kConsole,
                       Perm::kRead,
                       false,
                       "rules",
                       "One rule with its hits in one environment (default production)",
                       "",
                       rule_schema};
    get_rule.query_parameters = {"environment"};
    reg.Console(std::move(get_rule), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        auto found = [&]() -> Result<json::object> {
            WT_ASSIGN_OR_RETURN(std::string environment, ParseEnvironment(request));
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
            WT_ASSIGN_OR_RETURN(auto rule, engine::GetRule(*tx, principal.org_id(), request.param("id")));
            WT_ASSIGN_OR_RETURN(auto counts,
                                engine::CountHits(*tx, principal.org_id(), {rule.id}, environment, ctx.clock->Now()));
            engine::RuleHits hits = counts.empty() ? engine::RuleHits{} : counts.front().second;
            return engine::ToJson(rule, &hits);
        }();
        if (!found) co_return ErrorResponse(ctx, request, found.error());
        co_return http::JsonResponse(HttpStatus::ok, std::move(*found));
    });

    reg.Console({Method::put, "/api/v1/rules/{id}", Surface::kConsole, Perm::kManageRules, false, "rules",
                 "Replace a rule (every field; absent optional fields return to their defaults). A change appends a "
                 "version; a body equal to the current rule changes nothing",
                 RuleRequestSchema(true), rule_schema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto body = ParseJsonBody(request, ctx.options);
                    if (!body) co_return ErrorResponse(ctx, request, body.error());
                    bool changed = false;
                    auto updated = [&]() -> Result<engine::Rule> {
                        auto input = engine::RuleInputFromJson(*body, true);
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                        WT_ASSIGN_OR_RETURN(auto before, engine::GetRule(*tx, principal.org_id(), request.param("id")));
                        WT_ASSIGN_OR_RETURN(auto rule, engine::UpdateRule(*tx, principal.org_id(), before.id, input,
                                                                          ChangeOf(ctx, request, principal)));
                        WT_RETURN_IF_ERROR(tx->Commit());
                        changed = rule.version != before.version;
                        return rule;
                    }();
                    if (!updated) co_return ErrorResponse(ctx, request, updated.error());
                    if (changed) RulesChanged(ctx, principal.org_id());
                    co_return http::JsonResponse(HttpStatus::ok, engine::ToJson(*updated));
                });

    RouteSpec versions{Method::get,
                       "/api/v1/rules/{id}/versions",
                       Surface::kConsole,
                       Perm::kRead,
                       false,
                       "rules",
                       "The rule's versions, newest first, each with its changes against the previous version "
                       "(fields, and a line diff of the expression)",
                       "",
                       json::serialize(Page(VersionSchema()))};
    versions.query_parameters = {"limit", "cursor"};
    reg.Console(std::move(versions), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        auto page = [&]() -> Result<engine::VersionPage> {
            WT_ASSIGN_OR_RETURN(int limit, ParseLimit(request));
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
            return engine::ListVersions(*tx, principal.org_id(), request.param("id"), limit, Cursor(request));
        }();
        if (!page) co_return ErrorResponse(ctx, request, page.error());
        json::array data;
        for (const auto& version : page->versions) data.push_back(engine::ToJson(version));
        co_return http::JsonResponse(HttpStatus::ok, PageJson(std::move(data), page->next_cursor));
    });

    reg.Console({Method::post, "/api/v1/rules/{id}/versions/{version}/restore", Surface::kConsole, Perm::kManageRules,
                 false, "rules",
                 "Make an earlier version current again: appends a new version with its fields (change \"restored "
                 "from version N\"); the history is kept",
                 "", rule_schema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto restored = [&]() -> Result<engine::Rule> {
                        std::string_view text = request.param("version");
                        std::int64_t version = 0;
                        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
                        if (ec != std::errc() || ptr != text.data() + text.size() || version < 1)
                            return Error::NotFound("the rule has no such version");
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                        WT_ASSIGN_OR_RETURN(auto rule,
                                            engine::RestoreVersion(*tx, principal.org_id(), request.param("id"),
                                                                   version, ChangeOf(ctx, request, principal)));
                        WT_RETURN_IF_ERROR(tx->Commit());
                        return rule;
                    }();
                    if (!restored) co_return ErrorResponse(ctx, request, restored.error());
                    RulesChanged(ctx, principal.org_id());
                    co_return http::JsonResponse(HttpStatus::ok, engine::ToJson(*restored));
                });

    // --- Lists ----------------------------------------------------------------------------------

    RouteSpec list_lists{Method::get,       "/api/v1/lists", Surface::kConsole, Perm::kRead, false, "lists",
                         "The organization's named lists, newest first, with their sizes", "",
                         json::serialize(Page(ListSchema()))};
    list_lists.query_parameters = {"limit", "cursor"};
    reg.Console(std::move(list_lists), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        auto page = [&]() -> Result<engine::ListPage> {
            WT_ASSIGN_OR_RETURN(int limit, ParseLimit(request));
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
            return engine::ListLists(*tx, principal.org_id(), limit, Cursor(request));
        }();
        if (!page) co_return ErrorResponse(ctx, request, page.error());
        json::array data;
        for (const auto& list : page->lists) data.push_back(engine::ToJson(list));
        co_return http::JsonResponse(HttpStatus::ok, PageJson(std::move(data), page->next_cursor));
    });

    json::object create_list = Object(
        {{"name", {{"type", "string"}, {"pattern", "^[a-z0-9_-]{1,100}$"}}},
         {"description", {{"type", json::array{"string", "null"}}, {"maxLength", engine::kMaxDescriptionChars}}}},
        {"name"});
    create_list["additionalProperties"] = false;
    reg.Console({Method::post, "/api/v1/lists", Surface::kConsole, Perm::kManageRules, false, "lists",
                 "Create an empty named list; rules use it as list(\"name\")", json::serialize(create_list),
                 json::serialize(ListSchema()), 201},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto body = ParseJsonBody(request, ctx.options);
                    if (!body) co_return ErrorResponse(ctx, request, body.error());
                    auto created = [&]() -> Result<engine::NamedList> {
                        WT_ASSIGN_OR_RETURN(auto input, engine::ReadListInput(*body));
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                        WT_ASSIGN_OR_RETURN(auto list, engine::CreateList(*tx, principal.org_id(), input,
                                                                          ChangeOf(ctx, request, principal)));
                        WT_RETURN_IF_ERROR(tx->Commit());
                        return list;
                    }();
                    if (!created) co_return ErrorResponse(ctx, request, created.error());
                    ListsChanged(ctx, principal.org_id());
                    co_return http::JsonResponse(HttpStatus::created, engine::ToJson(engine::ListSummary{*created, 0}));
                });

    RouteSpec get_list{Method::get,
                       "/api/v1/lists/{id}",
                       Surface::kConsole,
                       Perm::kRead,
                       false,
                       "lists",
                       "One list with a page of its items in value order (limit, cursor) and the rules that use it",
                       "",
                       json::serialize(ListDetailSchema())};
    get_list.query_parameters = {"limit", "cursor"};
    reg.Console(std::move(get_list), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        auto detail = [&]() -> Result<engine::ListDetail> {
            WT_ASSIGN_OR_RETURN(int limit, ParseLimit(request));
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
            return engine::GetList(*tx, principal.org_id(), request.param("id"), limit, Cursor(request));
        }();
        if (!detail) co_return ErrorResponse(ctx, request, detail.error());
        co_return http::JsonResponse(HttpStatus::ok, engine::ToJson(*detail));
    });

    json::object add_items =
        Object({{"values",
                 {{"type", "array"},
                  {"minItems", 1},
                  {"maxItems", engine::kMaxItemsPerRequest},
                  {"items", {{"type", "string"}, {"minLength", 1}, {"maxLength", engine::kMaxItemChars}}}}}},
               {"values"});
    add_items["additionalProperties"] = false;
    reg.Console({Method::post, "/api/v1/lists/{id}/items", Surface::kConsole, Perm::kManageRules, false, "lists",
                 "Add values (trimmed; values already in the list are ignored); answers how many were added",
                 json::serialize(add_items),
                 json::serialize(Object({{"added", {{"type", "integer"}}}, {"item_count", {{"type", "integer"}}}}))},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto body = ParseJsonBody(request, ctx.options);
                    if (!body) co_return ErrorResponse(ctx, request, body.error());
                    auto added = [&]() -> Result<engine::ItemsAdded> {
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                        auto values = engine::ReadItemValues(*body);
                        if (!values) {
                            // The list first: another organization's list is 404 whatever the body holds.
                            WT_ASSIGN_OR_RETURN(auto list, engine::GetList(*tx, principal.org_id(),
                                                                           request.param("id"), 1, std::nullopt));
                            return values.error();
                        }
                        WT_ASSIGN_OR_RETURN(auto result, engine::AddItems(*tx, principal.org_id(), request.param("id"),
                                                                          *values, ChangeOf(ctx, request, principal)));
                        WT_RETURN_IF_ERROR(tx->Commit());
                        return result;
                    }();
                    if (!added) co_return ErrorResponse(ctx, request, added.error());
                    if (added->added > 0) ListsChanged(ctx, principal.org_id());
                    co_return http::JsonResponse(HttpStatus::ok,
                                                 {{"added", added->added}, {"item_count", added->item_count}});
                },
                // 10,000 values of up to 256 characters do not fit the console's usual 64 KiB.
                kItemsBodyLimit);

    // Removing a value: in the path (percent-encoded), or in `?value=` for values the path cannot
    // carry (one containing "/", which the router refuses inside a segment).
    // `value` is owned: the coroutine runs after the caller's temporaries are gone.
    auto remove_item = [&ctx](Request& request, Principal& principal,
                              std::optional<std::string> value) -> asio::awaitable<Response> {
        if (!value || value->empty()) {
            // Another organization's list is 404 whatever the request lacks; one's own is told.
            auto known = [&]() -> Status {
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                WT_RETURN_IF_ERROR(engine::GetList(*tx, principal.org_id(), request.param("id"), 1, std::nullopt));
                Error error = Error::Make(ErrorCode::kValidationFailed, "the value to remove is missing");
                error.fields.push_back({"value", "is required"});
                return error;
            }();
            co_return ErrorResponse(ctx, request, known.error());
        }
        auto removed = [&]() -> Status {
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
            WT_RETURN_IF_ERROR(engine::RemoveItem(*tx, principal.org_id(), request.param("id"), *value,
                                                  ChangeOf(ctx, request, principal)));
            return tx->Commit();
        }();
        if (!removed) co_return ErrorResponse(ctx, request, removed.error());
        ListsChanged(ctx, principal.org_id());
        co_return http::EmptyResponse(HttpStatus::no_content);
    };
    reg.Console({Method::delete_, "/api/v1/lists/{id}/items/{value}", Surface::kConsole, Perm::kManageRules, false,
                 "lists", "Remove one value (percent-encode it in the path); 404 when the list does not hold it", "",
                 "", 204},
                [remove_item](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    return remove_item(request, principal, std::string(request.param("value")));
                });
    RouteSpec remove_by_query{Method::delete_,
                              "/api/v1/lists/{id}/items",
                              Surface::kConsole,
                              Perm::kManageRules,
                              false,
                              "lists",
                              "Remove one value given as ?value= (any value, including one with \"/\"); 404 when the "
                              "list does not hold it",
                              "",
                              "",
                              204};
    remove_by_query.query_parameters = {"value"};
    reg.Console(std::move(remove_by_query),
                [remove_item](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    return remove_item(request, principal, request.query("value"));
                });
}

}  // namespace wt::api::detail
