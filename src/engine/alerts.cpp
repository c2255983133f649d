// SPDX-License-Identifier: Apache-2.0
#include "engine/alerts.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>

#include "audit/audit_log.hpp"
#include "crypto/crypto.hpp"
#include "notify/events.hpp"

namespace wt::engine {
namespace {

using storage::Int;
using storage::Text;

constexpr const char* kAlertColumns =
    "id, rule_id, rule_name, rule_version, severity, status, environment, transaction_id, entity_key, "
    "assignee_id, disposition, case_id, occurred_at, created_at, updated_at, note, triaged_at, closed_at, closed_by";

boost::json::value OptText(const storage::Row& row, std::size_t column) {
    return row.IsNull(column) ? boost::json::value(nullptr) : boost::json::value(row.GetText(column));
}

boost::json::value OptTime(const storage::Row& row, std::size_t column) {
    return row.IsNull(column) ? boost::json::value(nullptr) : boost::json::value(FormatRfc3339(row.GetInt(column)));
}

UnixMicros DueAt(const AlertClock& clock, std::string_view severity, UnixMicros created_at) {
    return created_at + clock.sla.HoursOf(severity) * kMicrosPerHour;
}

boost::json::object AlertJson(const storage::Row& row, const AlertClock& clock) {
    const UnixMicros due_at = DueAt(clock, row.GetText(4), row.GetInt(13));
    return {{"id", row.GetText(0)},
            {"rule_id", row.GetText(1)},
            {"rule_name", row.GetText(2)},
            {"rule_version", row.GetInt(3)},
            {"severity", row.GetText(4)},
            {"status", row.GetText(5)},
            {"environment", row.GetText(6)},
            {"transaction_id", row.GetText(7)},
            {"entity_key", row.GetText(8)},
            {"assignee_id", OptText(row, 9)},
            {"disposition", OptText(row, 10)},
            {"case_id", OptText(row, 11)},
            {"occurred_at", FormatRfc3339(row.GetInt(12))},
            {"created_at", FormatRfc3339(row.GetInt(13))},
            {"updated_at", FormatRfc3339(row.GetInt(14))},
            {"note", OptText(row, 15)},
            {"triaged_at", OptTime(row, 16)},
            {"closed_at", OptTime(row, 17)},
            {"closed_by", OptText(row, 18)},
            {"due_at", FormatRfc3339(due_at)},
            {"overdue", row.GetText(5) != "closed" && clock.now > due_at}};
}

// A stored explanation (always written by the engine as a JSON array); anything else reads as [].
boost::json::value ExplanationOf(const std::string& text) {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(text, ec);
    if (ec || !parsed.is_array()) return boost::json::array{};
    return parsed;
}

}  // namespace

Result<boost::json::object> ListAlerts(storage::Transaction& tx, const std::string& org_id, const AlertFilter& filter,
                                       const AlertClock& clock) {
    std::string sql = fmt::format("SELECT {} FROM alerts WHERE org_id = $1 AND environment = $2", kAlertColumns);
    std::vector<storage::Value> params{Text(org_id), Text(filter.environment)};
    auto param = [&](storage::Value value) {
        params.push_back(std::move(value));
        return fmt::format("${}", params.size());
    };
    auto add = [&](std::string_view condition, storage::Value value) {
        sql += fmt::format(" AND {} {}", condition, param(std::move(value)));
    };
    if (!filter.statuses.empty()) {
        std::string in;
        for (const auto& status : filter.statuses) in += (in.empty() ? "" : ", ") + param(Text(status));
        sql += fmt::format(" AND status IN ({})", in);
    }
    if (filter.severity) add("severity =", Text(*filter.severity));
    if (filter.rule_id) add("rule_id =", Text(*filter.rule_id));
    if (filter.assignee_id) add("assignee_id =", Text(*filter.assignee_id));
    if (filter.unassigned) sql += " AND assignee_id IS NULL";
    if (filter.entity_key) add("entity_key =", Text(*filter.entity_key));
    if (filter.from) add("created_at >=", Int(*filter.from));
    if (filter.to) add("created_at <", Int(*filter.to));
    if (filter.overdue) {
        // Past due: created_at + the severity's SLA hours before now (the same sum as DueAt).
        std::string hours = "CASE severity";
        for (const char* severity : {"low", "medium", "high"})
            hours += fmt::format(" WHEN '{}' THEN {}", severity, param(Int(clock.sla.HoursOf(severity) * kMicrosPerHour)));
        hours += fmt::format(" ELSE {} END", param(Int(clock.sla.HoursOf("critical") * kMicrosPerHour)));
        sql += fmt::format(" AND status <> 'closed' AND created_at + ({}) < {}", hours, param(Int(clock.now)));
    }
    if (filter.cursor) add("id <", Text(*filter.cursor));
    sql += fmt::format(" ORDER BY id DESC LIMIT {}", param(Int(filter.limit + 1)));
    auto rows = tx.Query(sql, params);
    if (!rows) return rows.error();
    boost::json::array data;
    boost::json::value next_cursor = nullptr;
    for (std::size_t idx = 0; idx < rows->size(); ++idx) {
        if (static_cast<int>(idx) == filter.limit) {
            next_cursor = boost::json::value((*rows)[idx - 1].GetText(0));
            break;
        }
        data.push_back(AlertJson((*rows)[idx], clock));
    }
    return boost::json::object{{"data", std::move(data)}, {"next_cursor", std::move(next_cursor)}};
}

Result<boost::json::object> GetAlert(storage::Transaction& tx, const std::string& org_id, const std::string& alert_id,
                                     const AlertClock& clock) {
    auto row = tx.QueryOne(fmt::format("SELECT {} FROM alerts WHERE id = $1 AND org_id = $2", kAlertColumns),
                           {Text(alert_id), Text(org_id)});
    if (!row) return row.error();
    if (!*row) return Error::Make(ErrorCode::kNotFound, "no such alert");
    boost::json::object alert = AlertJson(**row, clock);
    const std::string rule_id = (*row)->GetText(1);
    const std::int64_t version = (*row)->GetInt(3);
    auto hit = tx.QueryOne(
        "SELECT rule_version, action, score, status, explanation FROM rule_hits WHERE transaction_id = $1 AND "
        "rule_id = $2 AND org_id = $3",
        {Text((*row)->GetText(7)), Text(rule_id), Text(org_id)});
    if (!hit) return hit.error();
    alert["rule_hit"] = nullptr;
    if (*hit)
        alert["rule_hit"] = boost::json::object{{"rule_version", (*hit)->GetInt(0)},
                                                {"action", (*hit)->GetText(1)},
                                                {"score", (*hit)->GetInt(2)},
                                                {"status", (*hit)->GetText(3)},
                                                {"explanation", ExplanationOf((*hit)->GetText(4))}};
    auto rule = tx.QueryOne(
        "SELECT v.name, v.expression, r.status, r.version FROM rule_versions v JOIN rules r ON r.id = v.rule_id "
        "WHERE v.rule_id = $1 AND v.version = $2 AND v.org_id = $3",
        {Text(rule_id), Int(version), Text(org_id)});
    if (!rule) return rule.error();
    alert["rule"] = nullptr;
    if (*rule)
        alert["rule"] = boost::json::object{{"id", rule_id},
                                            {"name", (*rule)->GetText(0)},
                                            {"expression", (*rule)->GetText(1)},
                                            {"status", (*rule)->GetText(2)},
                                            {"version", version},
                                            {"current_version", (*rule)->GetInt(3)}};
    auto events = tx.Query(
        "SELECT at, actor_id, action, details FROM alert_events WHERE alert_id = $1 AND org_id = $2 ORDER BY at, id",
        {Text(alert_id), Text(org_id)});
    if (!events) return events.error();
    boost::json::array history;
    for (const auto& event : *events) {
        boost::system::error_code ec;
        boost::json::value details = boost::json::parse(event.GetText(3), ec);
        history.push_back(boost::json::object{{"at", FormatRfc3339(event.GetInt(0))},
                                              {"actor_id", event.GetText(1)},
                                              {"action", event.GetText(2)},
                                              {"details", ec ? boost::json::value(boost::json::object{}) : details}});
    }
    alert["events"] = std::move(history);
    return alert;
}

Result<boost::json::object> HitsOfRule(storage::Transaction& tx, const std::string& org_id, const std::string& rule_id,
                                       const std::string& environment, const std::optional<std::string>& cursor,
                                       int limit) {
    auto rule = tx.QueryOne("SELECT 1 FROM rules WHERE id = $1 AND org_id = $2", {Text(rule_id), Text(org_id)});
    if (!rule) return rule.error();
    if (!*rule) return Error::Make(ErrorCode::kNotFound, "no such rule");
    std::string sql =
        "SELECT h.transaction_id, t.external_id, h.occurred_at, h.rule_version, h.status, h.action, h.score, "
        "h.alert_id FROM rule_hits h JOIN transactions t ON t.id = h.transaction_id "
        "WHERE h.org_id = $1 AND h.rule_id = $2 AND h.environment = $3";
    std::vector<storage::Value> params{Text(org_id), Text(rule_id), Text(environment)};
    if (cursor) {
        // "<occurred_at>.<transaction id>" of the previous page's last hit.
        auto dot = cursor->find('.');
        std::int64_t at = 0;
        bool valid = dot != std::string::npos && dot > 0 && dot < 20;
        for (std::size_t idx = 0; valid && idx < dot; ++idx) {
            char c = (*cursor)[idx];
            if (c < '0' || c > '9')
                valid = false;
            else
                at = at * 10 + (c - '0');
        }
        if (!valid) {
            Error error = Error::Make(ErrorCode::kValidationFailed, "some query parameters are invalid");
            error.fields.push_back({"cursor", "is not a cursor of this list"});
            return error;
        }
        params.push_back(Int(at));
        params.push_back(Text(cursor->substr(dot + 1)));
        sql += " AND (h.occurred_at, h.transaction_id) < ($4, $5)";
    }
    params.push_back(Int(limit + 1));
    sql += fmt::format(" ORDER BY h.occurred_at DESC, h.transaction_id DESC LIMIT ${}", params.size());
    auto rows = tx.Query(sql, params);
    if (!rows) return rows.error();
    boost::json::array data;
    boost::json::value next_cursor = nullptr;
    for (std::size_t idx = 0; idx < rows->size(); ++idx) {
        const auto& row = (*rows)[idx];
        if (static_cast<int>(idx) == limit) {
            const auto& last = (*rows)[idx - 1];
            next_cursor = boost::json::value(fmt::format("{}.{}", last.GetInt(2), last.GetText(0)));
            break;
        }
        data.push_back(boost::json::object{{"transaction_id", row.GetText(0)},
                                           {"external_id", row.GetText(1)},
                                           {"occurred_at", FormatRfc3339(row.GetInt(2))},
                                           {"rule_version", row.GetInt(3)},
                                           {"status", row.GetText(4)},
                                           {"action", row.GetText(5)},
                                           {"score", row.GetInt(6)},
                                           {"alert_id", OptText(row, 7)}});
    }
    return boost::json::object{{"data", std::move(data)}, {"next_cursor", std::move(next_cursor)}};
}

Result<boost::json::array> HitsOfTransaction(storage::Transaction& tx, const std::string& org_id,
                                             const std::string& transaction_id) {
    auto rows = tx.Query(
        "SELECT h.rule_id, r.name, h.rule_version, h.status, h.action, h.score, h.alert_id, h.explanation "
        "FROM rule_hits h LEFT JOIN rules r ON r.id = h.rule_id WHERE h.transaction_id = $1 AND h.org_id = $2 "
        "ORDER BY h.rule_id",
        {Text(transaction_id), Text(org_id)});
    if (!rows) return rows.error();
    boost::json::array hits;
    for (const auto& row : *rows)
        hits.push_back(boost::json::object{{"rule_id", row.GetText(0)},
                                           {"rule_name", OptText(row, 1)},
                                           {"rule_version", row.GetInt(2)},
                                           {"status", row.GetText(3)},
                                           {"action", row.GetText(4)},
                                           {"score", row.GetInt(5)},
                                           {"alert_id", OptText(row, 6)},
                                           {"explanation", ExplanationOf(row.GetText(7))}});
    return hits;
}

Result<boost::json::array> AlertsOfTransaction(storage::Transaction& tx, const std::string& org_id,
                                               const std::string& transaction_id, const AlertClock& clock) {
    auto rows = tx.Query(
        fmt::format("SELECT {} FROM alerts WHERE transaction_id = $1 AND org_id = $2 ORDER BY id", kAlertColumns),
        {Text(transaction_id), Text(org_id)});
    if (!rows) return rows.error();
    boost::json::array alerts;
    for (const auto& row : *rows) alerts.push_back(AlertJson(row, clock));
    return alerts;
}

namespace {

bool OneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
    for (auto candidate : allowed)
        if (value == candidate) return true;
    return false;
}

// The organization's alerts of `ids` by id (absent: not the organization's, or unknown).
Result<std::map<std::string, storage::Row, std::less<>>> LoadAlerts(storage::Transaction& tx, const std::string& org_id,
                                                                     const std::vector<std::string>& ids) {
    std::vector<storage::Value> params{Text(org_id)};
    std::string in;
    for (const auto& id : ids) {
        params.push_back(Text(id));
        in += fmt::format("{}${}", in.empty() ? "" : ", ", params.size());
    }
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(fmt::format("SELECT {} FROM alerts WHERE org_id = $1 AND id IN ({})",
                                                        kAlertColumns, in),
                                            params));
    std::map<std::string, storage::Row, std::less<>> by_id;
    for (auto& row : rows) {
        std::string id = row.GetText(0);
        by_id.emplace(std::move(id), std::move(row));
    }
    return by_id;
}

boost::json::value OptJson(const std::optional<std::string>& text) {
    return text ? boost::json::value(*text) : boost::json::value(nullptr);
}

// One alert's triage: the columns to set and the actions to record.
struct Triage {
    std::vector<std::pair<std::string, storage::Value>> sets;  // column, value
    std::vector<std::pair<std::string, boost::json::object>> actions;  // audit action, details
};

Result<Triage> PlanTriage(const storage::Row& row, const AlertChange& change, const TriageActor& actor) {
    const std::string& user = actor.change.user_id;
    const std::string status = row.GetText(5);
    const std::optional<std::string> assignee =
        row.IsNull(9) ? std::nullopt : std::optional<std::string>(row.GetText(9));
    Triage triage;
    if (change.assignee_id && *change.assignee_id != assignee) {
        const bool take = !assignee && *change.assignee_id == user;
        const bool give_back = assignee == user && !*change.assignee_id;
        if (!actor.may_assign_others && !take && !give_back)
            return Error::Make(ErrorCode::kForbidden,
                               "an ANALYST may only take an unassigned alert or give back their own; a RISK_LEAD or "
                               "ADMIN assigns others");
        triage.sets.emplace_back("assignee_id", *change.assignee_id ? Text(**change.assignee_id) : storage::Value());
        triage.actions.emplace_back("alert.assigned",
                                    boost::json::object{{"from", OptJson(assignee)}, {"to", OptJson(*change.assignee_id)}});
    }
    if (!change.status) return triage;
    const std::string& to = *change.status;
    if (to == status) {
        if (to == "closed") return Error::Make(ErrorCode::kConflict, fmt::format("alert {} is already closed", row.GetText(0)));
        return triage;
    }
    triage.sets.emplace_back("status", Text(to));
    if (status == "closed") {
        if (!actor.may_assign_others)
            return Error::Make(ErrorCode::kForbidden, "only a RISK_LEAD or ADMIN may reopen a closed alert");
        for (const char* column : {"disposition", "note", "closed_at", "closed_by"})
            triage.sets.emplace_back(column, storage::Value());
        triage.actions.emplace_back("alert.reopened", boost::json::object{{"from", status},
                                                                          {"to", to},
                                                                          {"disposition", OptText(row, 10)}});
        return triage;
    }
    if (row.IsNull(16)) triage.sets.emplace_back("triaged_at", Int(actor.change.now));
    if (to != "closed") {
        triage.actions.emplace_back("alert.updated", boost::json::object{{"from", status}, {"to", to}});
        return triage;
    }
    triage.sets.emplace_back("disposition", Text(*change.disposition));
    triage.sets.emplace_back("note", Text(*change.note));
    triage.sets.emplace_back("closed_at", Int(actor.change.now));
    triage.sets.emplace_back("closed_by", Text(user));
    triage.actions.emplace_back("alert.closed", boost::json::object{{"from", status}, {"disposition", *change.disposition}});
    return triage;
}

Status ApplyTriage(storage::Transaction& tx, const std::string& org_id, const std::string& alert_id,
                   const Triage& triage, const AlertChange& change, const TriageActor& actor) {
    std::vector<storage::Value> params{Text(alert_id), Text(org_id), Int(actor.change.now)};
    std::string sets = "updated_at = $3";
    for (const auto& [column, value] : triage.sets) {
        params.push_back(value);
        sets += fmt::format(", {} = ${}", column, params.size());
    }
    WT_RETURN_IF_ERROR(tx.Exec(fmt::format("UPDATE alerts SET {} WHERE id = $1 AND org_id = $2", sets), params));
    for (const auto& [action, details] : triage.actions) {
        // The history keeps the closing note; the audit log keeps the facts without free text.
        boost::json::object history = details;
        if (action == "alert.closed") history["note"] = *change.note;
        WT_RETURN_IF_ERROR(tx.Exec(
            "INSERT INTO alert_events (id, org_id, alert_id, at, actor_id, action, details) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            {Text(crypto::NewId("aev")), Text(org_id), Text(alert_id), Int(actor.change.now), Text(actor.change.user_id),
             Text(action), Text(boost::json::serialize(history))}));
        audit::Event event{org_id,
                           {audit::ActorType::kUser, actor.change.user_id},
                           action,
                           "alert:" + alert_id,
                           actor.change.ip,
                           actor.change.user_agent,
                           details};
        WT_RETURN_IF_ERROR(audit::Append(tx, event, actor.change.now));
        // The assignee is told (notify/events.hpp) in this same transaction: nothing is lost.
        if (action == "alert.assigned" && change.assignee_id && *change.assignee_id)
            WT_RETURN_IF_ERROR(notify::RecordAlertAssigned(tx, org_id, alert_id, **change.assignee_id,
                                                           actor.change.user_id, actor.change.now));
    }
    return Ok();
}

}  // namespace

Status ValidateAlertChange(const AlertChange& change) {
    std::vector<FieldError> problems;
    if (change.status && !OneOf(*change.status, {"open", "in_review", "escalated", "closed"}))
        problems.push_back({"status", R"(must be one of "open", "in_review", "escalated", "closed")"});
    if (change.disposition && !OneOf(*change.disposition, {"false_positive", "true_positive", "duplicate"}))
        problems.push_back({"disposition", R"(must be one of "false_positive", "true_positive", "duplicate")"});
    const bool closing = change.status == "closed";
    for (const auto& [field, given] : {std::pair{"disposition", change.disposition.has_value()},
                                       std::pair{"note", change.note.has_value()}}) {
        if (closing && !given) problems.push_back({field, "is required to close an alert"});
        if (!closing && given) problems.push_back({field, R"(is only accepted when closing (status "closed"))"});
    }
    if (problems.empty() && !change.status && !change.assignee_id)
        problems.push_back({"", "nothing to change: give status or assignee_id"});
    if (problems.empty()) return Ok();
    return Error::Validation(std::move(problems));
}

Result<boost::json::array> UpdateAlerts(storage::Transaction& tx, const std::string& org_id,
                                        const std::vector<std::string>& alert_ids, const AlertChange& change,
                                        const TriageActor& actor, const AlertClock& clock) {
    WT_ASSIGN_OR_RETURN(auto alerts, LoadAlerts(tx, org_id, alert_ids));
    Error missing = Error::Make(ErrorCode::kNotFound, "no such alert");
    for (std::size_t idx = 0; idx < alert_ids.size(); ++idx)
        if (!alerts.contains(alert_ids[idx])) missing.fields.push_back({fmt::format("alert_ids[{}]", idx), "no such alert"});
    if (!missing.fields.empty()) return missing;
    if (change.assignee_id && *change.assignee_id) {
        WT_ASSIGN_OR_RETURN(auto member, tx.QueryOne("SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2",
                                                     {Text(org_id), Text(**change.assignee_id)}));
        if (!member) return Error::Validation("assignee_id", "is not a member of this organization");
    }
    for (const auto& id : alert_ids) {
        WT_ASSIGN_OR_RETURN(auto triage, PlanTriage(alerts.at(id), change, actor));
        if (triage.actions.empty()) continue;
        WT_RETURN_IF_ERROR(ApplyTriage(tx, org_id, id, triage, change, actor));
    }
    WT_ASSIGN_OR_RETURN(auto updated, LoadAlerts(tx, org_id, alert_ids));
    boost::json::array answer;
    for (const auto& id : alert_ids) answer.push_back(AlertJson(updated.at(id), clock));
    return answer;
}

}  // namespace wt::engine
