// SPDX-License-Identifier: Apache-2.0
#include "engine/alerts.hpp"

#include <fmt/format.h>

namespace wt::engine {
namespace {

using storage::Int;
using storage::Text;

constexpr const char* kAlertColumns =
    "id, rule_id, rule_name, rule_version, severity, status, environment, transaction_id, entity_key, "
    "assignee_id, disposition, case_id, occurred_at, created_at, updated_at";

boost::json::value OptText(const storage::Row& row, std::size_t column) {
    return row.IsNull(column) ? boost::json::value(nullptr) : boost::json::value(row.GetText(column));
}

boost::json::object AlertJson(const storage::Row& row) {
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
            {"updated_at", FormatRfc3339(row.GetInt(14))}};
}

// A stored explanation (always written by the engine as a JSON array); anything else reads as [].
boost::json::value ExplanationOf(const std::string& text) {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(text, ec);
    if (ec || !parsed.is_array()) return boost::json::array{};
    return parsed;
}

}  // namespace

Result<boost::json::object> ListAlerts(storage::Transaction& tx, const std::string& org_id, const AlertFilter& filter) {
    std::string sql = fmt::format("SELECT {} FROM alerts WHERE org_id = $1 AND environment = $2", kAlertColumns);
    std::vector<storage::Value> params{Text(org_id), Text(filter.environment)};
    auto add = [&](std::string_view condition, storage::Value value) {
        params.push_back(std::move(value));
        sql += fmt::format(" AND {} ${}", condition, params.size());
    };
    if (filter.status) add("status =", Text(*filter.status));
    if (filter.severity) add("severity =", Text(*filter.severity));
    if (filter.rule_id) add("rule_id =", Text(*filter.rule_id));
    if (filter.assignee_id) add("assignee_id =", Text(*filter.assignee_id));
    if (filter.cursor) add("id <", Text(*filter.cursor));
    params.push_back(Int(filter.limit + 1));
    sql += fmt::format(" ORDER BY id DESC LIMIT ${}", params.size());
    auto rows = tx.Query(sql, params);
    if (!rows) return rows.error();
    boost::json::array data;
    boost::json::value next_cursor = nullptr;
    for (std::size_t idx = 0; idx < rows->size(); ++idx) {
        if (static_cast<int>(idx) == filter.limit) {
            next_cursor = boost::json::value((*rows)[idx - 1].GetText(0));
            break;
        }
        data.push_back(AlertJson((*rows)[idx]));
    }
    return boost::json::object{{"data", std::move(data)}, {"next_cursor", std::move(next_cursor)}};
}

Result<boost::json::object> GetAlert(storage::Transaction& tx, const std::string& org_id, const std::string& alert_id) {
    auto row = tx.QueryOne(fmt::format("SELECT {} FROM alerts WHERE id = $1 AND org_id = $2", kAlertColumns),
                           {Text(alert_id), Text(org_id)});
    if (!row) return row.error();
    if (!*row) return Error::Make(ErrorCode::kNotFound, "no such alert");
    boost::json::object alert = AlertJson(**row);
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
                                               const std::string& transaction_id) {
    auto rows = tx.Query(
        fmt::format("SELECT {} FROM alerts WHERE transaction_id = $1 AND org_id = $2 ORDER BY id", kAlertColumns),
        {Text(transaction_id), Text(org_id)});
    if (!rows) return rows.error();
    boost::json::array alerts;
    for (const auto& row : *rows) alerts.push_back(AlertJson(row));
    return alerts;
}

}  // namespace wt::engine
