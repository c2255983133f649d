// SPDX-License-Identifier: Apache-2.0
#include "cases/cases.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "audit/audit_log.hpp"
#include "crypto/crypto.hpp"
#include "engine/alerts.hpp"
#include "ingest/transaction.hpp"
#include "ingest/transaction_refs.hpp"
#include "notify/events.hpp"

namespace wt::cases {
namespace {

using storage::Int;
using storage::Text;

constexpr const char* kCaseColumns =
    "id, title, status, priority, environment, assignee_id, created_by, created_at, updated_at, closed_at, closed_by, "
    "resolution, resolution_note, (SELECT COUNT(*) FROM alerts a WHERE a.case_id = cases.id)";
enum CaseColumn : std::size_t {
    kId,
    kTitle,
    kStatus,
    kPriority,
    kEnvironment,
    kAssignee,
    kCreatedBy,
    kCreatedAt,
    kUpdatedAt,
    kClosedAt,
    kClosedBy,
    kResolution,
    kResolutionNote,
    kAlertCount
};

bool OneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
    return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

boost::json::value OptText(const storage::Row& row, std::size_t column) {
    return row.IsNull(column) ? boost::json::value(nullptr) : boost::json::value(row.GetText(column));
}

boost::json::value OptTime(const storage::Row& row, std::size_t column) {
    return row.IsNull(column) ? boost::json::value(nullptr) : boost::json::value(FormatRfc3339(row.GetInt(column)));
}

boost::json::value OptJson(const std::optional<std::string>& text) {
    return text ? boost::json::value(*text) : boost::json::value(nullptr);
}

boost::json::object CaseJson(const storage::Row& row) {
    return {{"id", row.GetText(kId)},
            {"title", row.GetText(kTitle)},
            {"status", row.GetText(kStatus)},
            {"priority", row.GetText(kPriority)},
            {"environment", row.GetText(kEnvironment)},
            {"assignee_id", OptText(row, kAssignee)},
            {"created_by", row.GetText(kCreatedBy)},
            {"created_at", FormatRfc3339(row.GetInt(kCreatedAt))},
            {"updated_at", FormatRfc3339(row.GetInt(kUpdatedAt))},
            {"closed_at", OptTime(row, kClosedAt)},
            {"closed_by", OptText(row, kClosedBy)},
            {"resolution", OptText(row, kResolution)},
            {"alert_count", row.GetInt(kAlertCount)}};
}

Result<storage::Row> LoadCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id) {
    WT_ASSIGN_OR_RETURN(auto row,
                        tx.QueryOne(fmt::format("SELECT {} FROM cases WHERE id = $1 AND org_id = $2", kCaseColumns),
                                    {Text(case_id), Text(org_id)}));
    if (!row) return Error::NotFound("no such case");
    return std::move(*row);
}

// The case, which must not be closed (a closed case is read-only except for reopening).
Result<storage::Row> LoadOpenCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id) {
    WT_ASSIGN_OR_RETURN(auto row, LoadCase(tx, org_id, case_id));
    if (row.GetText(kStatus) == "closed")
        return Error::Make(ErrorCode::kConflict, "the case is closed: only reopening changes it");
    return row;
}

// One change of a case: its timeline event and its audit entry (`case.<action>`, target
// `case:<id>`). The audit details leave out free text (titles, notes, comments), which the
// timeline keeps.
Status Record(storage::Transaction& tx, const std::string& org_id, const std::string& case_id, std::string_view action,
              const boost::json::object& details, const Actor& actor, const boost::json::object& audit_details) {
    WT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO case_events (id, org_id, case_id, at, actor_id, action, details) VALUES ($1, $2, $3, $4, "
                "$5, $6, $7)",
                {Text(crypto::NewId("cev")), Text(org_id), Text(case_id), Int(actor.change.now),
                 Text(actor.change.user_id), Text(std::string(action)), Text(boost::json::serialize(details))}));
    audit::Event event{org_id,
                       {audit::ActorType::kUser, actor.change.user_id},
                       fmt::format("case.{}", action),
                       "case:" + case_id,
                       actor.change.ip,
                       actor.change.user_agent,
                       audit_details};
    return audit::Append(tx, event, actor.change.now);
}

Status Record(storage::Transaction& tx, const std::string& org_id, const std::string& case_id, std::string_view action,
              const boost::json::object& details, const Actor& actor) {
    return Record(tx, org_id, case_id, action, details, actor, details);
}

// Sets `sets` (column, value) and updated_at on the case.
Status Touch(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
             const std::vector<std::pair<std::string, storage::Value>>& sets, const Actor& actor) {
    std::vector<storage::Value> params{Text(case_id), Text(org_id), Int(actor.change.now)};
    std::string assignments = "updated_at = $3";
    for (const auto& [column, value] : sets) {
        params.push_back(value);
        assignments += fmt::format(", {} = ${}", column, params.size());
    }
    WT_RETURN_IF_ERROR(tx.Exec(fmt::format("UPDATE cases SET {} WHERE id = $1 AND org_id = $2", assignments), params));
    return Ok();
}

// The notification events of a change (notify/events.hpp), recorded in its transaction:
// `case.assigned` to a new assignee, `case.escalated` when the status becomes escalated.
Status Notify(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
              const std::string& environment, const std::string& priority, const std::string& status,
              const std::optional<std::string>& assignee, bool assigned, bool escalated, const Actor& actor) {
    const notify::CaseFacts facts{org_id, case_id,  environment,          priority,
                                  status, assignee, actor.change.user_id, actor.change.now};
    if (assigned && assignee) WT_RETURN_IF_ERROR(notify::RecordCaseAssigned(tx, facts));
    if (escalated) WT_RETURN_IF_ERROR(notify::RecordCaseEscalated(tx, facts));
    return Ok();
}

Status RequireMember(storage::Transaction& tx, const std::string& org_id, const std::string& user_id) {
    WT_ASSIGN_OR_RETURN(auto member, tx.QueryOne("SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2",
                                                 {Text(org_id), Text(user_id)}));
    if (!member) return Error::Validation("assignee_id", "is not a member of this organization");
    return Ok();
}

// The role rule of assignment, as for alerts: RISK_LEAD and ADMIN assign any member; others may
// only take an unassigned case or give back their own.
Status CheckAssignment(const std::optional<std::string>& from, const std::optional<std::string>& to,
                       const Actor& actor) {
    const std::string& user = actor.change.user_id;
    const bool take = !from && to == user;
    const bool give_back = from == user && !to;
    if (actor.may_assign_others || take || give_back) return Ok();
    return Error::Make(ErrorCode::kForbidden,
                       "an ANALYST may only take an unassigned case or give back their own; a RISK_LEAD or ADMIN "
                       "assigns others");
}

// Alerts of `ids` that may join a case: the organization's, one environment (`environment` when
// given), in no case yet. Answers their environment and the statuses by id.
struct Linkable {
    std::string environment;
    std::map<std::string, std::string, std::less<>> status_of;
};

Result<Linkable> CheckLinkable(storage::Transaction& tx, const std::string& org_id, const std::vector<std::string>& ids,
                               const std::optional<std::string>& environment) {
    std::vector<storage::Value> params{Text(org_id)};
    std::string in;
    for (const auto& id : ids) {
        params.push_back(Text(id));
        in += fmt::format("{}${}", in.empty() ? "" : ", ", params.size());
    }
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(fmt::format("SELECT id, environment, status, case_id FROM alerts "
                                                        "WHERE org_id = $1 AND id IN ({})",
                                                        in),
                                            params));
    std::map<std::string, const storage::Row*, std::less<>> by_id;
    for (const auto& row : rows) by_id.emplace(row.GetText(0), &row);
    std::vector<FieldError> missing;
    for (std::size_t idx = 0; idx < ids.size(); ++idx)
        if (!by_id.contains(ids[idx])) missing.push_back({fmt::format("alert_ids[{}]", idx), "no such alert"});
    if (!missing.empty()) return Error::Validation(std::move(missing));
    Linkable linkable;
    linkable.environment = environment.value_or(by_id.at(ids.front())->GetText(1));
    for (const auto& id : ids) {
        const storage::Row& row = *by_id.at(id);
        if (row.GetText(1) != linkable.environment)
            return Error::Validation(
                "alert_ids", fmt::format("all alerts of a case must be of one environment ({})", linkable.environment));
        if (!row.IsNull(3))
            return Error::Make(ErrorCode::kConflict, fmt::format("alert {} is already in case {}", id, row.GetText(3)));
        linkable.status_of.emplace(id, row.GetText(2));
    }
    return linkable;
}

Status AppendAlertEvent(storage::Transaction& tx, const std::string& org_id, const std::string& alert_id,
                        std::string_view action, const std::string& case_id, const Actor& actor) {
    WT_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO alert_events (id, org_id, alert_id, at, actor_id, action, details) VALUES ($1, $2, $3, $4, $5, "
        "$6, $7)",
        {Text(crypto::NewId("aev")), Text(org_id), Text(alert_id), Int(actor.change.now), Text(actor.change.user_id),
         Text(std::string(action)), Text(boost::json::serialize(boost::json::object{{"case_id", case_id}}))}));
    return Ok();
}

// Links checked alerts to the case: case_id, the alert's history, `escalated` for alerts still in
// triage (through engine::UpdateAlerts, so the alert's own history and audit say so), and one
// `alert_added` per alert on the case.
Status Link(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
            const std::vector<std::string>& ids, const Linkable& linkable, const Actor& actor) {
    std::vector<std::string> to_escalate;
    for (const auto& id : ids) {
        WT_RETURN_IF_ERROR(tx.Exec("UPDATE alerts SET case_id = $1, updated_at = $2 WHERE id = $3 AND org_id = $4",
                                   {Text(case_id), Int(actor.change.now), Text(id), Text(org_id)}));
        WT_RETURN_IF_ERROR(AppendAlertEvent(tx, org_id, id, "alert.case_linked", case_id, actor));
        const std::string& status = linkable.status_of.at(id);
        if (status == "open" || status == "in_review") to_escalate.push_back(id);
    }
    if (!to_escalate.empty()) {
        engine::AlertChange escalate;
        escalate.status = "escalated";
        WT_RETURN_IF_ERROR(
            engine::UpdateAlerts(tx, org_id, to_escalate, escalate, {actor.change, true}, engine::AlertClock{}));
    }
    for (const auto& id : ids) {
        const std::string& status = linkable.status_of.at(id);
        const bool escalated = status == "open" || status == "in_review";
        WT_RETURN_IF_ERROR(Record(tx, org_id, case_id, "alert_added",
                                  {{"alert_id", id}, {"alert_status", escalated ? "escalated" : status}}, actor));
    }
    return Ok();
}

// --- the case view ----------------------------------------------------------------------------

constexpr const char* kTransactionColumns =
    "id, external_id, occurred_at, amount_minor, currency, direction, type, account_id, customer_id, "
    "counterparty_name, counterparty_account, counterparty_country, country, channel, decision, score";

boost::json::object TransactionJson(const storage::Row& row, bool linked) {
    boost::json::value counterparty = nullptr;
    if (!row.IsNull(9) || !row.IsNull(10) || !row.IsNull(11))
        counterparty = boost::json::object{
            {"name", OptText(row, 9)}, {"account", OptText(row, 10)}, {"country", OptText(row, 11)}};
    return {{"id", row.GetText(0)},
            {"external_id", row.GetText(1)},
            {"occurred_at", FormatRfc3339(row.GetInt(2))},
            {"amount", ingest::FormatAmount(row.GetInt(3), ingest::CurrencyExponent(row.GetText(4)).value_or(2))},
            {"currency", row.GetText(4)},
            {"direction", row.GetText(5)},
            {"type", row.GetText(6)},
            {"account_id", row.GetText(7)},
            {"customer_id", OptText(row, 8)},
            {"counterparty", std::move(counterparty)},
            {"country", OptText(row, 12)},
            {"channel", OptText(row, 13)},
            {"decision", row.GetText(14)},
            {"score", row.GetInt(15)},
            {"linked", linked}};
}

// The transactions of the case's alerts and the latest ones of the alerts' accounts (entity
// `account:<id>`), at most kMaxRelatedTransactions, the alerts' own first, shown newest first.
Result<boost::json::array> RelatedTransactions(storage::Transaction& tx, const std::string& org_id,
                                               const std::string& environment, const std::set<std::string>& linked,
                                               const std::set<std::string>& accounts) {
    std::map<std::string, boost::json::object> chosen;  // by id
    std::map<std::string, UnixMicros> occurred;
    const auto full = [&] { return chosen.size() >= static_cast<std::size_t>(kMaxRelatedTransactions); };
    auto take = [&](const storage::Rows& rows, bool is_linked) {
        for (const auto& row : rows) {
            if (full()) return;
            if (chosen.contains(row.GetText(0))) continue;
            occurred[row.GetText(0)] = row.GetInt(2);
            chosen.emplace(row.GetText(0), TransactionJson(row, is_linked));
        }
    };
    for (const auto& id : linked) {
        if (full()) break;
        WT_ASSIGN_OR_RETURN(auto rows, tx.Query(fmt::format("SELECT {} FROM transactions WHERE id = $1 AND org_id = $2",
                                                            kTransactionColumns),
                                                {Text(id), Text(org_id)}));
        take(rows, true);
    }
    // The account's references (ingest/transaction_refs.hpp), newest first.
    const std::string by_account = ingest::RefQuerySql(
        {ingest::RefKey::kAccount, kTransactionColumns, "$3", {}, true, std::to_string(kMaxRelatedTransactions)});
    for (const auto& account : accounts) {
        if (full()) break;
        WT_ASSIGN_OR_RETURN(auto rows, tx.Query(by_account, {Text(org_id), Text(environment), Text(account)}));
        take(rows, false);
    }
    std::vector<std::string> order;
    for (const auto& [id, json] : chosen) order.push_back(id);
    std::sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
        return occurred.at(a) != occurred.at(b) ? occurred.at(a) > occurred.at(b) : a > b;
    });
    boost::json::array answer;
    for (const auto& id : order) answer.push_back(std::move(chosen.at(id)));
    return answer;
}

boost::json::value DetailsOf(const std::string& text) {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(text, ec);
    if (ec || !parsed.is_object()) return boost::json::object{};
    return parsed;
}

boost::json::object UserJson(const storage::Row& row, std::size_t id_column) {
    return {{"id", row.GetText(id_column)}, {"name", OptText(row, id_column + 1)}};
}

// The rows of `sql` (parameters: the organization and the case) as a JSON array.
template <typename ToJson>
Result<boost::json::array> RowsOfCase(storage::Transaction& tx, std::string_view sql, const std::string& org_id,
                                      const std::string& case_id, ToJson to_json) {
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, {Text(org_id), Text(case_id)}));
    boost::json::array out;
    for (const auto& row : rows) out.push_back(to_json(row));
    return out;
}

}  // namespace

bool IsCaseStatus(std::string_view status) {
    return OneOf(status, {"open", "investigating", "pending_info", "escalated", "closed"});
}
bool IsPriority(std::string_view priority) { return OneOf(priority, {"low", "medium", "high", "critical"}); }
bool IsResolution(std::string_view resolution) {
    return OneOf(resolution, {"no_action", "sar_filed", "customer_exited", "other"});
}

Status ValidateCaseChange(const CaseChange& change) {
    std::vector<FieldError> problems;
    if (change.title && (change.title->empty() || change.title->size() > kMaxTitleLength ||
                         change.title->find_first_not_of(" \t\r\n") == std::string::npos))
        problems.push_back({"title", fmt::format("must be 1 to {} characters, not blank", kMaxTitleLength)});
    if (change.priority && !IsPriority(*change.priority))
        problems.push_back({"priority", R"(must be one of "low", "medium", "high", "critical")"});
    if (change.status && *change.status == "closed")
        problems.push_back({"status", "a case is closed with POST /cases/{id}/close (resolution and note)"});
    else if (change.status && !IsCaseStatus(*change.status))
        problems.push_back({"status", R"(must be one of "open", "investigating", "pending_info", "escalated")"});
    if (problems.empty() && !change.title && !change.priority && !change.status && !change.assignee_id)
        problems.push_back({"", "nothing to change: give title, priority, status or assignee_id"});
    if (problems.empty()) return Ok();
    return Error::Validation(std::move(problems));
}

Result<std::string> CreateCase(storage::Transaction& tx, const std::string& org_id, const NewCase& input,
                               const Actor& actor) {
    WT_ASSIGN_OR_RETURN(auto linkable, CheckLinkable(tx, org_id, input.alert_ids, std::nullopt));
    if (input.assignee_id) {
        WT_RETURN_IF_ERROR(RequireMember(tx, org_id, *input.assignee_id));
        WT_RETURN_IF_ERROR(CheckAssignment(std::nullopt, input.assignee_id, actor));
    }
    const std::string id = crypto::NewId("case");
    WT_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO cases (id, org_id, environment, title, status, priority, assignee_id, created_by, created_at, "
        "updated_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $8)",
        {Text(id), Text(org_id), Text(linkable.environment), Text(input.title), Text(input.priority),
         storage::OptText(input.assignee_id), Text(actor.change.user_id), Int(actor.change.now)}));
    boost::json::array alert_ids;
    for (const auto& alert_id : input.alert_ids) alert_ids.push_back(boost::json::value(alert_id));
    boost::json::object audited{{"environment", linkable.environment},
                                {"priority", input.priority},
                                {"assignee_id", OptJson(input.assignee_id)},
                                {"alert_ids", alert_ids}};
    boost::json::object details = audited;
    details["title"] = input.title;
    WT_RETURN_IF_ERROR(Record(tx, org_id, id, "created", details, actor, audited));
    if (input.assignee_id) {
        WT_RETURN_IF_ERROR(Record(tx, org_id, id, "assigned", {{"from", nullptr}, {"to", *input.assignee_id}}, actor));
        WT_RETURN_IF_ERROR(Notify(tx, org_id, id, linkable.environment, input.priority, "open", input.assignee_id, true,
                                  false, actor));
    }
    WT_RETURN_IF_ERROR(Link(tx, org_id, id, input.alert_ids, linkable, actor));
    return id;
}

Result<boost::json::object> ListCases(storage::Transaction& tx, const std::string& org_id, const CaseFilter& filter) {
    std::string sql = fmt::format("SELECT {} FROM cases WHERE org_id = $1", kCaseColumns);
    std::vector<storage::Value> params{Text(org_id)};
    auto param = [&](storage::Value value) {
        params.push_back(std::move(value));
        return fmt::format("${}", params.size());
    };
    if (filter.environment) sql += " AND environment = " + param(Text(*filter.environment));
    if (!filter.statuses.empty()) {
        std::string in;
        for (const auto& status : filter.statuses) in += (in.empty() ? "" : ", ") + param(Text(status));
        sql += fmt::format(" AND status IN ({})", in);
    }
    if (filter.priority) sql += " AND priority = " + param(Text(*filter.priority));
    if (filter.assignee_id) sql += " AND assignee_id = " + param(Text(*filter.assignee_id));
    if (filter.unassigned) sql += " AND assignee_id IS NULL";
    if (filter.cursor) sql += " AND id < " + param(Text(*filter.cursor));
    sql += " ORDER BY id DESC LIMIT " + param(Int(filter.limit + 1));
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    boost::json::array data;
    boost::json::value next_cursor = nullptr;
    for (std::size_t idx = 0; idx < rows.size(); ++idx) {
        if (static_cast<int>(idx) == filter.limit) {
            next_cursor = boost::json::value(rows[idx - 1].GetText(kId));
            break;
        }
        data.push_back(CaseJson(rows[idx]));
    }
    return boost::json::object{{"data", std::move(data)}, {"next_cursor", std::move(next_cursor)}};
}

Result<boost::json::object> GetCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id) {
    WT_ASSIGN_OR_RETURN(auto row, LoadCase(tx, org_id, case_id));
    boost::json::object view = CaseJson(row);
    view["resolution_note"] = OptText(row, kResolutionNote);

    WT_ASSIGN_OR_RETURN(auto alert_rows,
                        tx.Query("SELECT id, rule_id, rule_name, severity, status, transaction_id, entity_key, "
                                 "assignee_id, disposition, occurred_at, created_at FROM alerts "
                                 "WHERE org_id = $1 AND case_id = $2 ORDER BY id",
                                 {Text(org_id), Text(case_id)}));
    boost::json::array alerts;
    std::set<std::string> linked;
    std::set<std::string> accounts;
    for (const auto& alert : alert_rows) {
        alerts.push_back(boost::json::object{{"id", alert.GetText(0)},
                                             {"rule_id", alert.GetText(1)},
                                             {"rule_name", alert.GetText(2)},
                                             {"severity", alert.GetText(3)},
                                             {"status", alert.GetText(4)},
                                             {"transaction_id", alert.GetText(5)},
                                             {"entity_key", alert.GetText(6)},
                                             {"assignee_id", OptText(alert, 7)},
                                             {"disposition", OptText(alert, 8)},
                                             {"case_id", case_id},
                                             {"occurred_at", FormatRfc3339(alert.GetInt(9))},
                                             {"created_at", FormatRfc3339(alert.GetInt(10))}});
        linked.insert(alert.GetText(5));
        constexpr std::string_view kAccount = "account:";
        if (std::string_view(alert.GetText(6)).starts_with(kAccount))
            accounts.insert(alert.GetText(6).substr(kAccount.size()));
    }
    view["alerts"] = std::move(alerts);
    WT_ASSIGN_OR_RETURN(auto transactions,
                        RelatedTransactions(tx, org_id, row.GetText(kEnvironment), linked, accounts));
    view["transactions"] = std::move(transactions);

    WT_ASSIGN_OR_RETURN(
        view["comments"],
        RowsOfCase(tx,
                   "SELECT c.id, c.author_id, u.name, c.body, c.created_at FROM case_comments c LEFT JOIN users u "
                   "ON u.id = c.author_id WHERE c.org_id = $1 AND c.case_id = $2 ORDER BY c.created_at, c.id",
                   org_id, case_id, [](const storage::Row& comment) {
                       return boost::json::object{{"id", comment.GetText(0)},
                                                  {"author_id", comment.GetText(1)},
                                                  {"author_name", OptText(comment, 2)},
                                                  {"body", comment.GetText(3)},
                                                  {"created_at", FormatRfc3339(comment.GetInt(4))}};
                   }));
    WT_ASSIGN_OR_RETURN(
        view["evidence"],
        RowsOfCase(tx,
                   "SELECT id, filename, content_type, size_bytes, sha256, uploaded_by, created_at FROM case_evidence "
                   "WHERE org_id = $1 AND case_id = $2 ORDER BY created_at, id",
                   org_id, case_id, [](const storage::Row& file) {
                       return boost::json::object{{"id", file.GetText(0)},
                                                  {"filename", file.GetText(1)},
                                                  {"content_type", file.GetText(2)},
                                                  {"size", file.GetInt(3)},
                                                  {"sha256", file.GetText(4)},
                                                  {"uploaded_by", file.GetText(5)},
                                                  {"created_at", FormatRfc3339(file.GetInt(6))}};
                   }));
    WT_ASSIGN_OR_RETURN(
        view["timeline"],
        RowsOfCase(tx,
                   "SELECT e.at, e.actor_id, u.name, e.action, e.details FROM case_events e LEFT JOIN users u "
                   "ON u.id = e.actor_id WHERE e.org_id = $1 AND e.case_id = $2 ORDER BY e.at, e.id",
                   org_id, case_id, [](const storage::Row& event) {
                       return boost::json::object{{"at", FormatRfc3339(event.GetInt(0))},
                                                  {"actor", UserJson(event, 1)},
                                                  {"action", event.GetText(3)},
                                                  {"details", DetailsOf(event.GetText(4))}};
                   }));
    return view;
}

Status UpdateCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                  const CaseChange& change, const Actor& actor) {
    WT_ASSIGN_OR_RETURN(auto row, LoadOpenCase(tx, org_id, case_id));
    std::vector<std::pair<std::string, storage::Value>> sets;
    // action, timeline details, audit details
    std::vector<std::tuple<std::string, boost::json::object, boost::json::object>> actions;
    if (change.title && *change.title != row.GetText(kTitle)) {
        sets.emplace_back("title", Text(*change.title));
        actions.emplace_back("title_changed", boost::json::object{{"from", row.GetText(kTitle)}, {"to", *change.title}},
                             boost::json::object{});
    }
    for (const auto& [column, index, value, action] :
         {std::tuple{"priority", kPriority, change.priority, "priority_changed"},
          std::tuple{"status", kStatus, change.status, "status_changed"}}) {
        if (!value || *value == row.GetText(index)) continue;
        sets.emplace_back(column, Text(*value));
        boost::json::object details{{"from", row.GetText(index)}, {"to", *value}};
        actions.emplace_back(action, details, details);
    }
    if (change.assignee_id) {
        const std::optional<std::string> from = row.GetOptText(kAssignee);
        const std::optional<std::string>& to = *change.assignee_id;
        if (to != from) {
            if (to) WT_RETURN_IF_ERROR(RequireMember(tx, org_id, *to));
            WT_RETURN_IF_ERROR(CheckAssignment(from, to, actor));
            sets.emplace_back("assignee_id", storage::OptText(to));
            boost::json::object details{{"from", OptJson(from)}, {"to", OptJson(to)}};
            actions.emplace_back("assigned", details, details);
        }
    }
    if (sets.empty()) return Ok();
    WT_RETURN_IF_ERROR(Touch(tx, org_id, case_id, sets, actor));
    bool assigned = false;
    for (const auto& [action, details, audited] : actions) {
        WT_RETURN_IF_ERROR(Record(tx, org_id, case_id, action, details, actor, audited));
        assigned = assigned || action == "assigned";
    }
    const std::string status = change.status.value_or(row.GetText(kStatus));
    const bool escalated = status == "escalated" && row.GetText(kStatus) != "escalated";
    const std::optional<std::string> assignee = change.assignee_id.value_or(row.GetOptText(kAssignee));
    return Notify(tx, org_id, case_id, row.GetText(kEnvironment), change.priority.value_or(row.GetText(kPriority)),
                  status, assignee, assigned, escalated, actor);
}

Result<std::string> AddComment(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                               const std::string& body, const Actor& actor) {
    WT_RETURN_IF_ERROR(LoadOpenCase(tx, org_id, case_id));
    const std::string id = crypto::NewId("cmt");
    WT_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO case_comments (id, org_id, case_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        {Text(id), Text(org_id), Text(case_id), Text(actor.change.user_id), Text(body), Int(actor.change.now)}));
    WT_RETURN_IF_ERROR(Touch(tx, org_id, case_id, {}, actor));
    WT_RETURN_IF_ERROR(Record(tx, org_id, case_id, "commented", {{"comment_id", id}}, actor));
    return id;
}

Status CloseCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                 const std::string& resolution, const std::string& note, const Actor& actor) {
    WT_ASSIGN_OR_RETURN(auto row, LoadOpenCase(tx, org_id, case_id));
    WT_RETURN_IF_ERROR(Touch(tx, org_id, case_id,
                             {{"status", Text("closed")},
                              {"resolution", Text(resolution)},
                              {"resolution_note", Text(note)},
                              {"closed_at", Int(actor.change.now)},
                              {"closed_by", Text(actor.change.user_id)}},
                             actor));
    boost::json::object audited{{"from", row.GetText(kStatus)}, {"resolution", resolution}};
    boost::json::object details = audited;
    details["note"] = note;
    return Record(tx, org_id, case_id, "closed", details, actor, audited);
}

Status ReopenCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                  const std::string& note, const Actor& actor) {
    WT_ASSIGN_OR_RETURN(auto row, LoadCase(tx, org_id, case_id));
    if (row.GetText(kStatus) != "closed") return Error::Make(ErrorCode::kConflict, "the case is not closed");
    WT_RETURN_IF_ERROR(Touch(tx, org_id, case_id,
                             {{"status", Text("open")},
                              {"resolution", storage::Null()},
                              {"resolution_note", storage::Null()},
                              {"closed_at", storage::Null()},
                              {"closed_by", storage::Null()}},
                             actor));
    boost::json::object audited{{"resolution", OptText(row, kResolution)}};
    boost::json::object details = audited;
    details["note"] = note;
    return Record(tx, org_id, case_id, "reopened", details, actor, audited);
}

Status AddAlerts(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                 const std::vector<std::string>& alert_ids, const Actor& actor) {
    WT_ASSIGN_OR_RETURN(auto row, LoadOpenCase(tx, org_id, case_id));
    WT_ASSIGN_OR_RETURN(auto linkable, CheckLinkable(tx, org_id, alert_ids, row.GetText(kEnvironment)));
    WT_RETURN_IF_ERROR(Touch(tx, org_id, case_id, {}, actor));
    return Link(tx, org_id, case_id, alert_ids, linkable, actor);
}

Status RemoveAlert(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                   const std::string& alert_id, const Actor& actor) {
    WT_ASSIGN_OR_RETURN(auto row, LoadOpenCase(tx, org_id, case_id));
    WT_ASSIGN_OR_RETURN(auto alert, tx.QueryOne("SELECT 1 FROM alerts WHERE id = $1 AND org_id = $2 AND case_id = $3",
                                                {Text(alert_id), Text(org_id), Text(case_id)}));
    if (!alert) return Error::NotFound("no such alert in this case");
    if (row.GetInt(kAlertCount) <= 1)
        return Error::Make(ErrorCode::kConflict, "a case keeps at least one alert: this is its last one");
    WT_RETURN_IF_ERROR(tx.Exec("UPDATE alerts SET case_id = NULL, updated_at = $1 WHERE id = $2 AND org_id = $3",
                               {Int(actor.change.now), Text(alert_id), Text(org_id)}));
    WT_RETURN_IF_ERROR(AppendAlertEvent(tx, org_id, alert_id, "alert.case_unlinked", case_id, actor));
    WT_RETURN_IF_ERROR(Touch(tx, org_id, case_id, {}, actor));
    return Record(tx, org_id, case_id, "alert_removed", {{"alert_id", alert_id}}, actor);
}

Status RequireCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id) {
    WT_RETURN_IF_ERROR(LoadCase(tx, org_id, case_id));
    return Ok();
}

Status RequireOpenCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id) {
    WT_RETURN_IF_ERROR(LoadOpenCase(tx, org_id, case_id));
    return Ok();
}

Status RecordEvidence(storage::Transaction& tx, const std::string& org_id, const Evidence& evidence,
                      const Actor& actor) {
    WT_RETURN_IF_ERROR(LoadOpenCase(tx, org_id, evidence.case_id));
    WT_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO case_evidence (id, org_id, case_id, filename, content_type, size_bytes, sha256, uploaded_by, "
        "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {Text(evidence.id), Text(org_id), Text(evidence.case_id), Text(evidence.filename), Text(evidence.content_type),
         Int(evidence.size), Text(evidence.sha256), Text(actor.change.user_id), Int(actor.change.now)}));
    WT_RETURN_IF_ERROR(Touch(tx, org_id, evidence.case_id, {}, actor));
    return Record(tx, org_id, evidence.case_id, "evidence_added",
                  {{"evidence_id", evidence.id},
                   {"filename", evidence.filename},
                   {"content_type", evidence.content_type},
                   {"size", evidence.size},
                   {"sha256", evidence.sha256}},
                  actor);
}

Result<Evidence> FindEvidence(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                              const std::string& evidence_id) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT filename, content_type, size_bytes, sha256, uploaded_by, "
                                              "created_at FROM case_evidence WHERE id = $1 AND org_id = $2 AND "
                                              "case_id = $3",
                                              {Text(evidence_id), Text(org_id), Text(case_id)}));
    if (!row) return Error::NotFound("no such evidence");
    return Evidence{evidence_id,    case_id,         row->GetText(0), row->GetText(1),
                    row->GetInt(2), row->GetText(3), row->GetText(4), row->GetInt(5)};
}

Result<boost::json::object> ReportCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                                       const Actor& actor) {
    WT_ASSIGN_OR_RETURN(auto view, GetCase(tx, org_id, case_id));
    if (view.at("status").as_string() != "closed" || view.at("resolution") != boost::json::value("sar_filed"))
        return Error::Make(ErrorCode::kConflict,
                           "a suspicious-activity report exists only for a case closed with resolution sar_filed");
    WT_ASSIGN_OR_RETURN(auto org, tx.QueryOne("SELECT name FROM organizations WHERE id = $1", {Text(org_id)}));
    view["organization"] = boost::json::object{{"id", org_id}, {"name", org ? org->GetText(0) : std::string()}};
    // Names of the people the report mentions.
    boost::json::object names;
    for (const char* field : {"assignee_id", "created_by", "closed_by"}) {
        const auto& id = view.at(field);
        if (!id.is_string()) continue;
        WT_ASSIGN_OR_RETURN(
            auto user, tx.QueryOne("SELECT name, email FROM users WHERE id = $1", {Text(std::string(id.as_string()))}));
        if (user) names[id.as_string()] = fmt::format("{} <{}>", user->GetText(0), user->GetText(1));
    }
    view["user_names"] = std::move(names);
    audit::Event event{org_id,
                       {audit::ActorType::kUser, actor.change.user_id},
                       "case.report_generated",
                       "case:" + case_id,
                       actor.change.ip,
                       actor.change.user_agent,
                       {{"format", "html"}}};
    WT_RETURN_IF_ERROR(audit::Append(tx, event, actor.change.now));
    return view;
}

}  // namespace wt::cases
