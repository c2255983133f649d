// SPDX-License-Identifier: Apache-2.0
// /alerts (read and triage), /rules/test and /rules/backtest: what the rules engine produced, working
// it, and trying an expression before saving it. Reads for every role; triage (PATCH /alerts/{id},
// POST /alerts/bulk) needs kWorkAlerts, assigning others and reopening kAssignOthers (checked per
// alert in engine/alerts); test and backtest need kManageRules.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

#include "api/detail/engine_support.hpp"
#include "api/detail/support.hpp"
#include "common/json.hpp"
#include "engine/alerts.hpp"
#include "engine/engine.hpp"
#include "engine/starter_pack.hpp"
#include "ingest/transaction.hpp"
#include "orgs/organizations.hpp"
#include "rules/language.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;
using Perm = auth::Permission;

// At most this many alerts change in one bulk action.
constexpr std::size_t kMaxBulkAlerts = 500;

// A backtest period may span at most this long, and gets at most this much time.
constexpr std::int64_t kMaxBacktestDays = 400;
constexpr auto kBacktestDeadline = std::chrono::seconds(120);

constexpr const char* kAlertSchema =
    R"({"type":"object","properties":{"id":{"type":"string"},"rule_id":{"type":"string"},)"
    R"("rule_name":{"type":"string"},"rule_version":{"type":"integer"},"severity":{"type":"string",)"
    R"("enum":["low","medium","high","critical"]},"status":{"type":"string","enum":["open","in_review",)"
    R"("escalated","closed"]},"environment":{"type":"string"},"transaction_id":{"type":"string"},)"
    R"("entity_key":{"type":"string"},"assignee_id":{"type":["string","null"]},)"
    R"("disposition":{"type":["string","null"],"enum":["false_positive","true_positive","duplicate",null]},)"
    R"("note":{"type":["string","null"]},"case_id":{"type":["string","null"]},)"
    R"("occurred_at":{"type":"string"},"created_at":{"type":"string"},"updated_at":{"type":"string"},)"
    R"("triaged_at":{"type":["string","null"]},"closed_at":{"type":["string","null"]},)"
    R"("closed_by":{"type":["string","null"]},"due_at":{"type":"string","format":"date-time"},)"
    R"("overdue":{"type":"boolean"},"rule_hit":{"type":["object","null"]},"rule":{"type":["object","null"]},)"
    R"("events":{"type":"array","items":{"type":"object","properties":{"at":{"type":"string"},)"
    R"("actor_id":{"type":"string"},"action":{"type":"string"},"details":{"type":"object"}}}}}})";
constexpr const char* kAlertListSchema =
    R"({"type":"object","properties":{"data":{"type":"array","items":{"type":"object"}},)"
    R"("next_cursor":{"type":["string","null"]}}})";
constexpr const char* kPatchAlertSchema =
    R"({"type":"object","properties":{"status":{"type":"string","enum":["open","in_review","escalated","closed"]},)"
    R"("assignee_id":{"type":["string","null"]},"disposition":{"type":"string","enum":["false_positive",)"
    R"("true_positive","duplicate"],"description":"required with status closed, refused otherwise"},)"
    R"("note":{"type":"string","maxLength":4000,"description":"required with status closed, refused otherwise"}}})";
constexpr const char* kBulkRequestSchema =
    R"({"type":"object","required":["alert_ids","action"],"properties":{"alert_ids":{"type":"array",)"
    R"("minItems":1,"maxItems":500,"uniqueItems":true,"items":{"type":"string"}},"action":{"type":"string",)"
    R"("enum":["assign","close"]},"assignee_id":{"type":["string","null"],"description":"action assign only"},)"
    R"("disposition":{"type":"string","enum":["false_positive","true_positive","duplicate"]},)"
    R"("note":{"type":"string","maxLength":4000}}})";
constexpr const char* kBulkResponseSchema =
    R"({"type":"object","properties":{"updated":{"type":"integer"},"alerts":{"type":"array",)"
    R"("items":{"type":"object"}}}})";
constexpr const char* kTestRequestSchema =
    R"({"type":"object","required":["expression","transaction"],"properties":{"expression":{"type":"string"},)"
    R"("transaction":{"type":"object","description":"a body of POST /transactions"},)"
    R"("environment":{"type":"string","enum":["sandbox","production"]}}})";
constexpr const char* kTestResponseSchema =
    R"({"type":"object","properties":{"result":{"type":["boolean","null"]},"value":{"type":"string"},)"
    R"("steps":{"type":"array","items":{"type":"object","properties":{"line":{"type":"integer"},)"
    R"("column":{"type":"integer"},"begin":{"type":"integer"},"end":{"type":"integer"},)"
    R"("text":{"type":"string"},"value":{"type":"string"},"evaluated":{"type":"boolean"}}}},)"
    R"("aggregates":{"type":"array"},"untracked_aggregates":{"type":"array","items":{"type":"string"}}}})";
constexpr const char* kBacktestRequestSchema =
    R"({"type":"object","required":["expression","from","to"],"properties":{"expression":{"type":"string"},)"
    R"("from":{"type":"string","format":"date-time"},"to":{"type":"string","format":"date-time"},)"
    R"("environment":{"type":"string","enum":["sandbox","production"]}}})";
constexpr const char* kBacktestResponseSchema =
    R"({"type":"object","properties":{"evaluated":{"type":"integer"},"hits":{"type":"integer"},)"
    R"("hit_rate":{"type":"number"},"by_day":{"type":"array","items":{"type":"object","properties":)"
    R"({"date":{"type":"string"},"hits":{"type":"integer"}}}},"samples":{"type":"array","items":)"
    R"({"type":"object","properties":{"transaction_id":{"type":"string"},"external_id":{"type":"string"}}}}}})";

// The query of GET /alerts; `me` as assignee_id is `user_id`.
Result<engine::AlertFilter> ReadAlertFilter(const Request& request, const std::string& user_id) {
    engine::AlertFilter filter;
    std::vector<FieldError> problems;
    auto must_be = [&](std::string_view name, std::initializer_list<std::string_view> allowed) {
        std::string list;
        for (auto candidate : allowed) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", candidate);
        problems.push_back({std::string(name), "must be one of " + list});
    };
    auto one_of = [&](std::string_view name, std::initializer_list<std::string_view> allowed,
                      std::optional<std::string>* out) {
        auto value = request.query(name);
        if (!value || value->empty()) return;
        for (auto candidate : allowed)
            if (*value == candidate) {
                *out = std::string(*value);
                return;
            }
        must_be(name, allowed);
    };
    auto text = [&](std::string_view name, std::size_t max_len, std::optional<std::string>* out) {
        auto value = request.query(name);
        if (!value || value->empty()) return;
        if (value->size() > max_len)
            problems.push_back({std::string(name), fmt::format("must be at most {} characters", max_len)});
        else
            *out = std::string(*value);
    };
    std::optional<std::string> environment;
    one_of("environment", {"production", "sandbox"}, &environment);
    if (environment) filter.environment = *environment;
    if (auto statuses = request.query("status"); statuses && !statuses->empty()) {
        constexpr std::array<std::string_view, 4> kStatuses = {"open", "in_review", "escalated", "closed"};
        std::string_view rest = *statuses;
        while (true) {
            auto comma = rest.find(',');
            std::string_view one = rest.substr(0, comma);
            if (std::find(kStatuses.begin(), kStatuses.end(), one) == kStatuses.end()) {
                problems.push_back({"status", R"(must be a comma-separated list of "open", "in_review", "escalated", )"
                                              R"("closed")"});
                break;
            }
            filter.statuses.emplace_back(one);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    one_of("severity", {"low", "medium", "high", "critical"}, &filter.severity);
    text("rule_id", 64, &filter.rule_id);
    text("assignee_id", 64, &filter.assignee_id);
    if (filter.assignee_id == "me") filter.assignee_id = user_id;
    if (filter.assignee_id == "none") {
        filter.assignee_id.reset();
        filter.unassigned = true;
    }
    text("entity_key", 300, &filter.entity_key);
    for (const char* name : {"from", "to"}) {
        auto at = ParseTimeParam(request, name);
        if (!at)
            for (const auto& problem : at.error().fields) problems.push_back(problem);
        else
            (std::string_view(name) == "from" ? filter.from : filter.to) = *at;
    }
    std::optional<std::string> overdue;
    one_of("overdue", {"true", "false"}, &overdue);
    filter.overdue = overdue == "true";
    text("cursor", 64, &filter.cursor);
    auto limit = ParseLimit(request);
    if (!limit)
        for (const auto& problem : limit.error().fields) problems.push_back(problem);
    else
        filter.limit = *limit;
    if (!problems.empty()) {
        Error error = Error::Make(ErrorCode::kValidationFailed, "some query parameters are invalid");
        error.fields = std::move(problems);
        return error;
    }
    return filter;
}

engine::TriageActor ActorOf(const ApiContext& ctx, const Request& request, const Principal& principal) {
    return {ChangeOf(ctx, request, principal), auth::RoleAllows(principal.session.role, Perm::kAssignOthers)};
}

// The members of a triage body shared by PATCH /alerts/{id} and POST /alerts/bulk.
engine::AlertChange ReadChange(JsonReader& in) {
    engine::AlertChange change;
    change.status = in.OptionalString("status", 1, 20);
    if (const auto* raw = in.Raw("assignee_id"); raw != nullptr) {
        if (raw->is_null())
            change.assignee_id.emplace(std::nullopt);
        else if (raw->is_string() && !raw->as_string().empty() && raw->as_string().size() <= 64)
            change.assignee_id.emplace(std::string(raw->as_string()));
        else
            in.AddError("assignee_id", "must be a user id or null");
    }
    change.disposition = in.OptionalString("disposition", 1, 20);
    change.note = in.OptionalString("note", 1, 4000);
    if (change.note && change.note->find_first_not_of(" \t\r\n") == std::string::npos)
        in.AddError("note", "must not be blank");
    return change;
}

// Runs one triage change in a write transaction of its own.
Result<boost::json::array> Triage(ApiContext& ctx, const Request& request, const Principal& principal,
                                  const std::vector<std::string>& ids, const engine::AlertChange& change) {
    WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
    WT_ASSIGN_OR_RETURN(auto alerts, engine::UpdateAlerts(*tx, principal.org_id(), ids, change,
                                                          ActorOf(ctx, request, principal), ClockOf(ctx, principal)));
    WT_RETURN_IF_ERROR(tx->Commit());
    return alerts;
}

// The expression of a test or backtest body, compiled against the organization's lists. A compile
// error is recorded in `in` and its position in `*where`.
std::optional<rules::CompiledRule> ReadExpression(JsonReader& in, ApiContext& ctx, const std::string& org_id,
                                                  std::optional<rules::CompileError>* where) {
    auto expression = in.RequiredString("expression", 1, 64 * 1024);
    if (!expression) return std::nullopt;
    rules::CompileOptions options;
    options.list_exists = [&ctx, &org_id](std::string_view name) { return ctx.engine->HasList(org_id, name); };
    rules::CompileError error;
    auto compiled = rules::Compile(*expression, options, &error);
    if (!compiled) {
        in.AddError("expression", error.message);
        *where = std::move(error);
        return std::nullopt;
    }
    return std::move(*compiled);
}

// in.Finish(), with the compile error's line and column on the `expression` field (API.md).
Status FinishWithPosition(const JsonReader& in, const std::optional<rules::CompileError>& where) {
    Status finished = in.Finish();
    if (finished || !where) return finished;
    Error error = finished.error();
    for (auto& field : error.fields)
        if (field.field == "expression") {
            field.line = where->line;
            field.column = where->column;
        }
    return error;
}

std::string EnvironmentOf(JsonReader& in) {
    auto environment = in.OptionalString("environment", 1, 20);
    if (!environment) return "production";
    if (*environment != "production" && *environment != "sandbox")
        in.AddError("environment", "must be \"production\" or \"sandbox\"");
    return *environment;
}

boost::json::value ResultJson(const rules::Value& value) {
    if (value.type == rules::Type::kBool) return value.boolean;
    return nullptr;
}

boost::json::object TemplateJson(const engine::RuleTemplate& rule_template, bool enabled) {
    boost::json::array lists;
    for (const auto& list : rule_template.lists) lists.push_back(boost::json::value(list.name));
    return {{"key", rule_template.key},
            {"name", rule_template.name},
            {"typology", rule_template.typology},
            {"description", rule_template.description},
            {"expression", rule_template.expression},
            {"severity", engine::SeverityName(rule_template.severity)},
            {"action", engine::RuleActionName(rule_template.action)},
            {"score", rule_template.score},
            {"suppression_seconds", rule_template.suppression_seconds ? boost::json::value(*rule_template.suppression_seconds)
                                                                      : boost::json::value(nullptr)},
            {"lists", std::move(lists)},
            {"enabled", enabled}};
}

}  // namespace

void RegisterAlertRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();

    RouteSpec list{Method::get,
                   "/api/v1/alerts",
                   Surface::kConsole,
                   Perm::kRead,
                   false,
                   "alerts",
                   "Alerts of one environment (default production), newest first; filters on status (a comma "
                   "list), severity, rule, assignee (`me`: my queue, `none`: unassigned), entity, created_at "
                   "period (from inclusive, to exclusive) and overdue=true",
                   "",
                   kAlertListSchema};
    list.query_parameters = {"environment", "status",     "severity", "rule_id", "assignee_id", "entity_key",
                             "from",        "to",         "overdue",  "limit",   "cursor"};
    reg.Console(std::move(list), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        auto page = [&]() -> Result<boost::json::object> {
            WT_ASSIGN_OR_RETURN(auto filter, ReadAlertFilter(request, principal.user_id()));
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
            return engine::ListAlerts(*tx, principal.org_id(), filter, ClockOf(ctx, principal));
        }();
        if (!page) co_return ErrorResponse(ctx, request, page.error());
        co_return http::JsonResponse(HttpStatus::ok, std::move(*page));
    });

    reg.Console({Method::get, "/api/v1/alerts/{id}", Surface::kConsole, Perm::kRead, false, "alerts",
                 "One alert with its rule (the version that raised it), the rule hit explained (the evaluation "
                 "trace of that moment) and its triage history (`events`)",
                 "", kAlertSchema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto alert = [&]() -> Result<boost::json::object> {
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                        return engine::GetAlert(*tx, principal.org_id(), std::string(request.param("id")),
                                                ClockOf(ctx, principal));
                    }();
                    if (!alert) co_return ErrorResponse(ctx, request, alert.error());
                    co_return http::JsonResponse(HttpStatus::ok, std::move(*alert));
                });

    reg.Console(
        {Method::patch, "/api/v1/alerts/{id}", Surface::kConsole, Perm::kWorkAlerts, false, "alerts",
         "Triage one alert: status (closing needs disposition and note; reopening a closed alert is RISK_LEAD and "
         "ADMIN only) and assignee_id (null unassigns; an ANALYST takes unassigned alerts and gives back their "
         "own, RISK_LEAD and ADMIN assign any member). Recorded in the alert's history and audited",
         kPatchAlertSchema, kAlertSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto alert = [&]() -> Result<boost::json::value> {
                WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
                JsonReader in(body);
                engine::AlertChange change = ReadChange(in);
                in.RejectUnknown();
                WT_RETURN_IF_ERROR(in.Finish());
                WT_RETURN_IF_ERROR(engine::ValidateAlertChange(change));
                auto changed = Triage(ctx, request, principal, {std::string(request.param("id"))}, change);
                if (!changed && changed.error().code == ErrorCode::kNotFound) return Error::NotFound("no such alert");
                if (!changed) return changed.error();
                return std::move(changed->at(0));
            }();
            if (!alert) co_return ErrorResponse(ctx, request, alert.error());
            co_return http::JsonResponse(HttpStatus::ok, std::move(alert->as_object()));
        });

    reg.Console(
        {Method::post, "/api/v1/alerts/bulk", Surface::kConsole, Perm::kWorkAlerts, false, "alerts",
         "Assign (assignee_id, null unassigns) or close (disposition and note) up to 500 alerts at once, all or "
         "nothing; ids that are not the organization's alerts are a 404 naming them (`alert_ids[i]`). The role "
         "rules of PATCH /alerts/{id} apply to every alert; one history event and audit entry per alert",
         kBulkRequestSchema, kBulkResponseSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto answer = [&]() -> Result<boost::json::object> {
                WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
                JsonReader in(body);
                std::vector<std::string> ids;
                if (const auto* raw = in.Raw("alert_ids"); raw == nullptr || raw->is_null()) {
                    in.AddError("alert_ids", "is required");
                } else if (!raw->is_array() || raw->as_array().empty() || raw->as_array().size() > kMaxBulkAlerts) {
                    in.AddError("alert_ids", fmt::format("must be an array of 1 to {} alert ids", kMaxBulkAlerts));
                } else {
                    std::set<std::string, std::less<>> seen;
                    for (std::size_t idx = 0; idx < raw->as_array().size(); ++idx) {
                        const auto& id = raw->as_array()[idx];
                        if (!id.is_string() || id.as_string().empty() || id.as_string().size() > 64)
                            in.AddError(fmt::format("alert_ids[{}]", idx), "must be an alert id");
                        else if (!seen.emplace(id.as_string()).second)
                            in.AddError(fmt::format("alert_ids[{}]", idx), "is a duplicate");
                        else
                            ids.emplace_back(id.as_string());
                    }
                }
                auto action = in.RequiredString("action", 1, 20);
                engine::AlertChange change = ReadChange(in);
                in.RejectUnknown();
                if (change.status) in.AddError("status", R"(is not accepted here: use action "close")");
                if (action == "assign") {
                    if (!change.assignee_id) in.AddError("assignee_id", R"(is required for action "assign")");
                    if (change.disposition) in.AddError("disposition", R"(is only accepted with action "close")");
                    if (change.note) in.AddError("note", R"(is only accepted with action "close")");
                } else if (action == "close") {
                    if (change.assignee_id) in.AddError("assignee_id", R"(is only accepted with action "assign")");
                    change.status = "closed";
                } else if (action) {
                    in.AddError("action", R"(must be one of "assign", "close")");
                }
                WT_RETURN_IF_ERROR(in.Finish());
                WT_RETURN_IF_ERROR(engine::ValidateAlertChange(change));
                WT_ASSIGN_OR_RETURN(auto alerts, Triage(ctx, request, principal, ids, change));
                const auto updated = static_cast<std::int64_t>(alerts.size());
                return boost::json::object{{"updated", updated}, {"alerts", std::move(alerts)}};
            }();
            if (!answer) co_return ErrorResponse(ctx, request, answer.error());
            co_return http::JsonResponse(HttpStatus::ok, std::move(*answer));
        });

    reg.Console(
        {Method::post, "/api/v1/rules/test", Surface::kConsole, Perm::kManageRules, false, "rules",
         "Evaluate an expression against a transaction body (not stored) with the live windows and lists; answers "
         "the value of every sub-expression",
         kTestRequestSchema, kTestResponseSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto answer = [&]() -> Result<boost::json::object> {
                WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
                JsonReader in(body);
                std::optional<rules::CompileError> where;
                auto rule = ReadExpression(in, ctx, principal.org_id(), &where);
                std::string environment = EnvironmentOf(in);
                std::optional<ingest::Transaction> transaction;
                if (const auto* raw = in.Raw("transaction"); raw == nullptr) {
                    in.AddError("transaction", "is required");
                } else if (!raw->is_object()) {
                    in.AddError("transaction", "must be an object: a body of POST /transactions");
                } else {
                    auto parsed = ingest::ParseTransaction(boost::json::serialize(*raw), ctx.clock->Now());
                    if (parsed)
                        transaction = std::move(*parsed);
                    else
                        for (const auto& problem : parsed.error().fields)
                            in.AddError("transaction." + problem.field, problem.message);
                }
                in.RejectUnknown();
                WT_RETURN_IF_ERROR(FinishWithPosition(in, where));
                WT_ASSIGN_OR_RETURN(auto tested, ctx.engine->Test(principal.org_id(), environment, *rule, *transaction));
                boost::json::array steps;
                for (const auto& step : tested.trace.steps)
                    steps.push_back(boost::json::object{{"line", step.line},
                                                        {"column", step.column},
                                                        {"begin", step.begin},
                                                        {"end", step.end},
                                                        {"text", step.text},
                                                        {"value", step.value},
                                                        {"evaluated", step.evaluated}});
                boost::json::array aggregates;
                for (const auto& spec : rule->aggregates())
                    aggregates.push_back(boost::json::object{{"text", spec.canonical},
                                                             {"function", rules::AggregateFunctionName(spec.function)},
                                                             {"window", rules::FormatDuration(spec.window_micros)},
                                                             {"line", spec.line},
                                                             {"column", spec.column}});
                boost::json::array untracked;
                for (const auto& text : tested.untracked_aggregates) untracked.push_back(boost::json::value(text));
                return boost::json::object{{"result", ResultJson(tested.trace.result)},
                                           {"value", rules::FormatValue(tested.trace.result)},
                                           {"steps", std::move(steps)},
                                           {"aggregates", std::move(aggregates)},
                                           {"untracked_aggregates", std::move(untracked)}};
            }();
            if (!answer) co_return ErrorResponse(ctx, request, answer.error());
            co_return http::JsonResponse(HttpStatus::ok, std::move(*answer));
        });

    RouteSpec hits{Method::get,
                   "/api/v1/rules/{id}/hits",
                   Surface::kConsole,
                   Perm::kRead,
                   false,
                   "rules",
                   "The rule's hits in one environment (default production), newest occurred_at first, with the alert "
                   "each raised (null for shadow hits and suppressed ones)",
                   "",
                   R"({"type":"object","properties":{"data":{"type":"array","items":{"type":"object"}},)"
                   R"("next_cursor":{"type":["string","null"]}}})"};
    hits.query_parameters = {"environment", "limit", "cursor"};
    reg.Console(std::move(hits), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        auto page = [&]() -> Result<boost::json::object> {
            std::vector<FieldError> problems;
            std::string environment = "production";
            if (auto given = request.query("environment"); given && !given->empty()) {
                if (*given != "production" && *given != "sandbox")
                    problems.push_back({"environment", "must be \"production\" or \"sandbox\""});
                else
                    environment = std::string(*given);
            }
            std::optional<std::string> cursor;
            if (auto given = request.query("cursor"); given && !given->empty()) {
                if (given->size() > 100)
                    problems.push_back({"cursor", "is not a cursor of this list"});
                else
                    cursor = std::string(*given);
            }
            auto limit = ParseLimit(request);
            if (!limit)
                for (const auto& problem : limit.error().fields) problems.push_back(problem);
            if (!problems.empty()) {
                Error error = Error::Make(ErrorCode::kValidationFailed, "some query parameters are invalid");
                error.fields = std::move(problems);
                return error;
            }
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
            return engine::HitsOfRule(*tx, principal.org_id(), std::string(request.param("id")), environment, cursor,
                                      *limit);
        }();
        if (!page) co_return ErrorResponse(ctx, request, page.error());
        co_return http::JsonResponse(HttpStatus::ok, std::move(*page));
    });

    reg.Console(
        {Method::get, "/api/v1/rules/starter-pack", Surface::kConsole, Perm::kRead, false, "rules",
         "The starter pack's rule templates; `enabled` when the organization has a rule of the template's name", "",
         R"({"type":"object","properties":{"data":{"type":"array","items":{"type":"object"}}}})"},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto answer = [&]() -> Result<boost::json::object> {
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                WT_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT name FROM rules WHERE org_id = $1",
                                                         {storage::Text(principal.org_id())}));
                std::set<std::string, std::less<>> names;
                for (const auto& row : rows) names.insert(row.GetText(0));
                boost::json::array data;
                for (const auto& rule_template : engine::StarterPack())
                    data.push_back(TemplateJson(rule_template, names.contains(rule_template.name)));
                return boost::json::object{{"data", std::move(data)}};
            }();
            if (!answer) co_return ErrorResponse(ctx, request, answer.error());
            co_return http::JsonResponse(HttpStatus::ok, std::move(*answer));
        });

    reg.Console(
        {Method::post, "/api/v1/rules/starter-pack", Surface::kConsole, Perm::kManageRules, false, "rules",
         "Enable starter pack templates (all when `templates` is absent) as rules in `status` (default active), "
         "creating the lists they use; templates whose rule name exists are skipped",
         R"({"type":"object","properties":{"templates":{"type":"array","items":{"type":"string"}},)"
         R"("status":{"type":"string","enum":["draft","shadow","active","disabled"]}}})",
         R"({"type":"object","properties":{"created":{"type":"array"},"lists_created":{"type":"array"},)"
         R"("skipped":{"type":"array"}}})",
         201},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto enabled = [&]() -> Result<engine::EnabledPack> {
                WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
                JsonReader in(body);
                std::vector<std::string> keys;
                if (const auto* raw = in.Raw("templates"); raw != nullptr && !raw->is_null()) {
                    if (!raw->is_array() || raw->as_array().size() > 100) {
                        in.AddError("templates", "must be an array of at most 100 template keys");
                    } else {
                        for (std::size_t idx = 0; idx < raw->as_array().size(); ++idx) {
                            const auto& key = raw->as_array()[idx];
                            if (!key.is_string() || key.as_string().size() > 100)
                                in.AddError(fmt::format("templates[{}]", idx), "must be a template key (text)");
                            else
                                keys.emplace_back(key.as_string());
                        }
                    }
                }
                auto status_text = in.OptionalString("status", 1, 20);
                auto status = engine::ParseRuleStatus(status_text.value_or("active"));
                if (!status) in.AddError("status", "must be one of \"draft\", \"shadow\", \"active\", \"disabled\"");
                in.RejectUnknown();
                WT_RETURN_IF_ERROR(in.Finish());
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_ASSIGN_OR_RETURN(auto pack, engine::EnableStarterPack(*tx, principal.org_id(), keys, *status,
                                                                         ChangeOf(ctx, request, principal)));
                WT_RETURN_IF_ERROR(tx->Commit());
                return pack;
            }();
            if (!enabled) co_return ErrorResponse(ctx, request, enabled.error());
            // Committed: the engine picks up the new lists first, then the rules that use them.
            ListsChanged(ctx, principal.org_id());
            RulesChanged(ctx, principal.org_id());
            boost::json::array created;
            for (const auto& rule : enabled->created) created.push_back(engine::ToJson(rule));
            boost::json::array lists;
            for (const auto& list : enabled->lists_created) lists.push_back(boost::json::value(list.name));
            boost::json::array skipped;
            for (const auto& [key, reason] : enabled->skipped)
                skipped.push_back(boost::json::object{{"key", key}, {"reason", reason}});
            co_return http::JsonResponse(HttpStatus::created, boost::json::object{{"created", std::move(created)},
                                                                                  {"lists_created", std::move(lists)},
                                                                                  {"skipped", std::move(skipped)}});
        });

    reg.Console(
        {Method::post, "/api/v1/rules/validate", Surface::kConsole, Perm::kRead, false, "rules",
         "Check an expression as the editor types: 200 with valid true and its aggregates, or valid false with the "
         "error's line, column and message (nothing is stored)",
         R"({"type":"object","required":["expression"],"properties":{"expression":{"type":"string"}}})",
         R"({"type":"object","properties":{"valid":{"type":"boolean"},"errors":{"type":"array"},)"
         R"("aggregates":{"type":"array"},"lists":{"type":"array","items":{"type":"string"}}}})"},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto answer = [&]() -> Result<boost::json::object> {
                WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
                JsonReader in(body);
                auto expression = in.RequiredString("expression", 0, 64 * 1024);
                in.RejectUnknown();
                WT_RETURN_IF_ERROR(in.Finish());
                rules::CompileOptions options;
                const std::string org_id = principal.org_id();
                options.list_exists = [&ctx, &org_id](std::string_view name) {
                    return ctx.engine->HasList(org_id, name);
                };
                rules::CompileError error;
                auto compiled = rules::Compile(*expression, options, &error);
                if (!compiled)
                    return boost::json::object{
                        {"valid", false},
                        {"errors", boost::json::array{boost::json::object{
                                       {"field", "expression"},
                                       {"message", error.message},
                                       {"line", error.line},
                                       {"column", error.column}}}}};
                boost::json::array aggregates;
                for (const auto& spec : compiled->aggregates())
                    aggregates.push_back(boost::json::object{{"text", spec.canonical},
                                                             {"function", rules::AggregateFunctionName(spec.function)},
                                                             {"window", rules::FormatDuration(spec.window_micros)},
                                                             {"line", spec.line},
                                                             {"column", spec.column}});
                boost::json::array lists;
                for (const auto& name : compiled->lists()) lists.push_back(boost::json::value(name));
                return boost::json::object{{"valid", true},
                                           {"errors", boost::json::array{}},
                                           {"aggregates", std::move(aggregates)},
                                           {"lists", std::move(lists)}};
            }();
            if (!answer) co_return ErrorResponse(ctx, request, answer.error());
            co_return http::JsonResponse(HttpStatus::ok, std::move(*answer));
        });

    reg.Console(
        {Method::post, "/api/v1/rules/backtest", Surface::kConsole, Perm::kManageRules, false, "rules",
         "Replay stored transactions of a period (at most 400 days) in occurred_at order through an expression; "
         "answers hit count, rate, hits per day and the latest hits",
         kBacktestRequestSchema, kBacktestResponseSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            struct Query {
                std::string org_id;
                rules::CompiledRule rule;
                std::string environment;
                UnixMicros from = 0;
                UnixMicros to = 0;
            };
            auto query = [&]() -> Result<Query> {
                WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
                JsonReader in(body);
                Query parsed;
                std::optional<rules::CompileError> where;
                auto rule = ReadExpression(in, ctx, principal.org_id(), &where);
                parsed.environment = EnvironmentOf(in);
                for (const char* name : {"from", "to"}) {
                    auto text = in.RequiredString(name, 1, 64);
                    if (!text) continue;
                    auto at = ParseRfc3339(*text);
                    if (!at)
                        in.AddError(name, "must be an RFC 3339 time such as \"2026-11-01T00:00:00Z\"");
                    else
                        (std::string_view(name) == "from" ? parsed.from : parsed.to) = *at;
                }
                in.RejectUnknown();
                if (!in.HasErrors() && parsed.to <= parsed.from) in.AddError("to", "must be after from");
                if (!in.HasErrors() && parsed.to - parsed.from > kMaxBacktestDays * 24 * kMicrosPerHour)
                    in.AddError("to", fmt::format("the period may span at most {} days", kMaxBacktestDays));
                WT_RETURN_IF_ERROR(FinishWithPosition(in, where));
                parsed.rule = std::move(*rule);
                return parsed;
            }();
            if (!query) co_return ErrorResponse(ctx, request, query.error());
            // Long storage scans run on the analysis pool, never on an I/O thread. The work captures
            // two pointers only: it fits std::function's inline buffer, so the temporary that GCC 12
            // mishandles inside a co_await expression owns no heap memory (it freed it twice).
            query->org_id = principal.org_id();
            const Query* job = &*query;
            auto ran = co_await OnPasswordPool<engine::Engine::BacktestResult>(
                *ctx.analysis_pool, query->org_id, [&ctx, job]() {
                    return ctx.engine->Backtest(job->org_id, job->environment, job->rule, job->from, job->to,
                                                std::chrono::steady_clock::now() + kBacktestDeadline);
                });
            if (!ran) co_return ErrorResponse(ctx, request, ran.error());
            boost::json::array by_day;
            for (const auto& [date, hits] : ran->by_day) by_day.push_back(boost::json::object{{"date", date}, {"hits", hits}});
            boost::json::array samples;
            for (const auto& [id, external_id] : ran->samples)
                samples.push_back(boost::json::object{{"transaction_id", id}, {"external_id", external_id}});
            const double rate =
                ran->evaluated == 0 ? 0.0 : static_cast<double>(ran->hits) / static_cast<double>(ran->evaluated);
            co_return http::JsonResponse(HttpStatus::ok,
                                         boost::json::object{{"evaluated", ran->evaluated},
                                                             {"hits", ran->hits},
                                                             {"hit_rate", rate},
                                                             {"by_day", std::move(by_day)},
                                                             {"samples", std::move(samples)}});
        });
}

}  // namespace wt::api::detail
