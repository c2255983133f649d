// SPDX-License-Identifier: Apache-2.0
#include "engine/catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "audit/audit_log.hpp"
#include "common/json.hpp"
#include "crypto/crypto.hpp"
#include "rules/language.hpp"

namespace wt::engine {
namespace {

using storage::Int;
using storage::OptInt;
using storage::OptText;
using storage::Text;

// Audit details keep long texts short: the version history holds the full expression.
constexpr std::size_t kAuditTextChars = 500;
// An items_added entry names at most this many of the values it added.
constexpr std::size_t kAuditItemValues = 50;
// Per-item problems reported in one answer; the rest are summarised.
constexpr std::size_t kMaxItemProblems = 100;
// LineDiff builds a table only up to this many line pairs.
constexpr std::size_t kMaxDiffCells = 1'000'000;

constexpr const char* kRuleColumns =
    "id, org_id, name, description, expression, severity, action, score, status, suppression_seconds, version, "
    "created_at, created_by, updated_at, updated_by";

// The fields a version records, in the order diffs list them.
constexpr std::array<std::string_view, 8> kVersionedFields = {
    "name", "description", "expression", "severity", "action", "score", "status", "suppression_seconds"};

std::string Trim(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n\f\v";
    auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return "";
    auto last = text.find_last_not_of(kSpace);
    return std::string(text.substr(first, last - first + 1));
}

bool HasControlCharacter(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
}

// The first `max_chars` code points of valid UTF-8 `text`, with an ellipsis when cut.
std::string Shorten(std::string_view text, std::size_t max_chars) {
    std::size_t chars = 0;
    for (std::size_t pos = 0; pos < text.size(); ++pos) {
        if ((static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) continue;
        if (chars == max_chars) return std::string(text.substr(0, pos)) + "\u2026";
        ++chars;
    }
    return std::string(text);
}

audit::Actor ActorOf(const Change& change) {
    if (change.user_id.empty()) return {audit::ActorType::kSystem, ""};
    return {audit::ActorType::kUser, change.user_id};
}

Status Audit(storage::Transaction& tx, std::string_view org_id, const Change& change, std::string action,
             std::string target, boost::json::object details) {
    return audit::Append(tx,
                         audit::Event{std::string(org_id), ActorOf(change), std::move(action), std::move(target),
                                      change.ip, change.user_agent, std::move(details)},
                         change.now);
}

boost::json::value OptJson(const std::optional<std::string>& text) {
    return text ? boost::json::value(*text) : boost::json::value(nullptr);
}
boost::json::value OptJson(const std::optional<std::int64_t>& number) {
    return number ? boost::json::value(*number) : boost::json::value(nullptr);
}

Rule RuleFromRow(const storage::Row& row) {
    Rule rule;
    rule.id = row.GetText(0);
    rule.org_id = row.GetText(1);
    rule.name = row.GetText(2);
    rule.description = row.GetOptText(3);
    rule.expression = row.GetText(4);
    rule.severity = ParseSeverity(row.GetText(5)).value_or(Severity::kMedium);
    rule.action = ParseRuleAction(row.GetText(6)).value_or(RuleAction::kAlert);
    rule.score = static_cast<int>(row.GetInt(7));
    rule.status = ParseRuleStatus(row.GetText(8)).value_or(RuleStatus::kDraft);
    rule.suppression_seconds = row.GetOptInt(9);
    rule.version = static_cast<int>(row.GetInt(10));
    rule.created_at = row.GetInt(11);
    rule.created_by = row.GetOptText(12);
    rule.updated_at = row.GetInt(13);
    rule.updated_by = row.GetOptText(14);
    return rule;
}

// The value of one versioned field as JSON (what diffs and audit entries show).
boost::json::value FieldValue(const Rule& rule, std::string_view field) {
    if (field == "name") return boost::json::value(rule.name);
    if (field == "description") return OptJson(rule.description);
    if (field == "expression") return boost::json::value(rule.expression);
    if (field == "severity") return boost::json::value(SeverityName(rule.severity));
    if (field == "action") return boost::json::value(RuleActionName(rule.action));
    if (field == "score") return boost::json::value(rule.score);
    if (field == "status") return boost::json::value(RuleStatusName(rule.status));
    return OptJson(rule.suppression_seconds);
}

std::vector<FieldChange> DiffFields(const Rule* before, const Rule& after) {
    std::vector<FieldChange> changes;
    for (auto field : kVersionedFields) {
        boost::json::value to = FieldValue(after, field);
        boost::json::value from = before ? FieldValue(*before, field) : boost::json::value(nullptr);
        if (before && from == to) continue;
        changes.push_back({std::string(field), std::move(from), std::move(to)});
    }
    return changes;
}

// Audit details of a change: the changed field names and their values (long texts shortened).
void DescribeChanges(const std::vector<FieldChange>& changes, boost::json::object& details) {
    boost::json::array names;
    boost::json::object values;
    for (const auto& change : changes) {
        names.push_back(boost::json::value(change.field));
        auto shortened = [](const boost::json::value& value) {
            return value.is_string() ? boost::json::value(Shorten(value.as_string(), kAuditTextChars)) : value;
        };
        values[change.field] = boost::json::object{{"from", shortened(change.from)}, {"to", shortened(change.to)}};
    }
    details["changed"] = std::move(names);
    details["changes"] = std::move(values);
}

bool NamesField(const std::vector<FieldError>& problems, std::string_view field) {
    return std::any_of(problems.begin(), problems.end(), [&](const FieldError& problem) {
        return problem.field == field || problem.field.empty();
    });
}

std::string OneOf(std::initializer_list<std::string_view> names) {
    std::string text;
    for (auto name : names) text += (text.empty() ? "must be one of " : ", ") + std::string(name);
    return text;
}

// Checks `input` for a rule of `org_id` and answers the rule's new field values (every problem in
// one kValidationFailed), then kConflict when another rule (not `self_id`) has the name.
Result<Rule> CheckRule(storage::Transaction& tx, std::string_view org_id, const RuleInput& input,
                       std::string_view self_id) {
    std::vector<FieldError> problems = input.problems;
    const std::vector<FieldError> given = input.problems;
    // A body that is not an object has nothing more to check.
    if (std::any_of(given.begin(), given.end(), [](const FieldError& p) { return p.field.empty(); }))
        return Error::Validation(std::move(problems));
    auto add = [&](std::string field, std::string message, int line = 0, int column = 0) {
        problems.push_back(FieldError{std::move(field), std::move(message), line, column});
    };
    Rule rule;
    if (!NamesField(given, "name")) {
        rule.name = Trim(input.name);
        if (rule.name.empty()) {
            add("name", "must not be empty");
        } else if (Utf8Length(rule.name) > kMaxRuleNameChars) {
            add("name", fmt::format("must be at most {} characters", kMaxRuleNameChars));
        } else if (HasControlCharacter(rule.name)) {
            add("name", "must not contain control characters");
        }
    }
    if (input.description && !NamesField(given, "description")) {
        std::string description = Trim(*input.description);
        if (Utf8Length(description) > kMaxDescriptionChars)
            add("description", fmt::format("must be at most {} characters", kMaxDescriptionChars));
        if (!description.empty()) rule.description = std::move(description);
    }
    if (!NamesField(given, "severity")) {
        auto severity = ParseSeverity(input.severity);
        if (!severity) add("severity", OneOf({"low", "medium", "high", "critical"}));
        rule.severity = severity.value_or(Severity::kMedium);
    }
    if (!NamesField(given, "action")) {
        auto action = ParseRuleAction(input.action);
        if (!action) add("action", OneOf({"alert", "review", "block"}));
        rule.action = action.value_or(RuleAction::kAlert);
    }
    if (!NamesField(given, "status")) {
        auto status = ParseRuleStatus(input.status);
        if (!status) add("status", OneOf({"draft", "shadow", "active", "disabled"}));
        rule.status = status.value_or(RuleStatus::kDraft);
    }
    if (!NamesField(given, "score")) {
        std::int64_t score = input.score.value_or(0);
        if (score < 0 || score > 100) add("score", "must be between 0 and 100");
        rule.score = static_cast<int>(std::clamp<std::int64_t>(score, 0, 100));
    }
    if (input.suppression_seconds && !NamesField(given, "suppression_seconds")) {
        if (*input.suppression_seconds < kMinSuppressionSeconds || *input.suppression_seconds > kMaxSuppressionSeconds)
            add("suppression_seconds",
                fmt::format("must be null (no suppression) or between {} and {} seconds (400 days)",
                            kMinSuppressionSeconds, kMaxSuppressionSeconds));
        rule.suppression_seconds = input.suppression_seconds;
    }
    if (!NamesField(given, "expression")) {
        rule.expression = input.expression;
        std::optional<Error> lookup_failure;
        rules::CompileOptions options;
        options.list_exists = [&](std::string_view list_name) {
            auto row = tx.QueryOne("SELECT 1 FROM lists WHERE org_id = $1 AND name = $2",
                                   {Text(std::string(org_id)), Text(std::string(list_name))});
            if (!row) {
                if (!lookup_failure) lookup_failure = row.error();
                return false;
            }
            return row->has_value();
        };
        rules::CompileError compile_error;
        auto compiled = rules::Compile(rule.expression, options, &compile_error);
        if (lookup_failure) return *lookup_failure;
        if (!compiled) add("expression", compile_error.message, compile_error.line, compile_error.column);
    }
    if (!problems.empty()) return Error::Validation(std::move(problems));

    WT_ASSIGN_OR_RETURN(auto taken, tx.QueryOne("SELECT id FROM rules WHERE org_id = $1 AND name = $2 AND id <> $3",
                                                {Text(std::string(org_id)), Text(rule.name),
                                                 Text(std::string(self_id))}));
    if (taken) return Error::Make(ErrorCode::kConflict, fmt::format("a rule named \"{}\" already exists", rule.name));
    return rule;
}

Status InsertVersion(storage::Transaction& tx, const Rule& rule, const Change& change, std::string_view change_text) {
    WT_ASSIGN_OR_RETURN(
        auto inserted,
        tx.Exec("INSERT INTO rule_versions (rule_id, version, org_id, name, description, expression, severity, action, "
                "score, status, suppression_seconds, author_id, created_at, change) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                {Text(rule.id), Int(rule.version), Text(rule.org_id), Text(rule.name), OptText(rule.description),
                 Text(rule.expression), Text(std::string(SeverityName(rule.severity))),
                 Text(std::string(RuleActionName(rule.action))), Int(rule.score),
                 Text(std::string(RuleStatusName(rule.status))), OptInt(rule.suppression_seconds),
                 change.user_id.empty() ? storage::Null() : Text(change.user_id), Int(change.now),
                 Text(std::string(change_text))}));
    (void)inserted;
    return Ok();
}

// Writes `next` (the checked new field values) as the next version of `current`.
Result<Rule> SaveNextVersion(storage::Transaction& tx, const Rule& current, Rule next, const Change& change,
                             std::string_view change_text) {
    next.id = current.id;
    next.org_id = current.org_id;
    next.version = current.version + 1;
    next.created_at = current.created_at;
    next.created_by = current.created_by;
    next.updated_at = change.now;
    next.updated_by = change.user_id.empty() ? std::nullopt : std::optional<std::string>(change.user_id);
    WT_ASSIGN_OR_RETURN(
        auto updated,
        tx.Exec("UPDATE rules SET name = $1, description = $2, expression = $3, severity = $4, action = $5, "
                "score = $6, status = $7, suppression_seconds = $8, version = $9, updated_at = $10, updated_by = $11 "
                "WHERE id = $12 AND org_id = $13 AND version = $14",
                {Text(next.name), OptText(next.description), Text(next.expression),
                 Text(std::string(SeverityName(next.severity))), Text(std::string(RuleActionName(next.action))),
                 Int(next.score), Text(std::string(RuleStatusName(next.status))), OptInt(next.suppression_seconds),
                 Int(next.version), Int(next.updated_at), OptText(next.updated_by), Text(next.id), Text(next.org_id),
                 Int(current.version)}));
    if (updated != 1) return Error::Internal("rule " + next.id + " changed under a write transaction");
    WT_RETURN_IF_ERROR(InsertVersion(tx, next, change, change_text));
    return next;
}

std::vector<std::string> SplitLines(std::string_view text) {
    std::vector<std::string> lines;
    if (text.empty()) return lines;
    std::size_t start = 0;
    while (true) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            lines.emplace_back(text.substr(start));
            break;
        }
        lines.emplace_back(text.substr(start, end - start));
        start = end + 1;
        if (start == text.size()) break;  // a final newline ends the last line, it does not start one
    }
    return lines;
}

Result<std::int64_t> ParsePositive(std::string_view text, std::string_view field) {
    std::int64_t number = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || ptr != text.data() + text.size() || number < 1)
        return Error::Validation(std::string(field), "is not a valid cursor");
    return number;
}

constexpr const char* kVersionColumns =
    "version, name, description, expression, severity, action, score, status, suppression_seconds, author_id, "
    "created_at, change";

RuleVersion VersionFromRow(const Rule& owner, const storage::Row& row) {
    RuleVersion version;
    Rule& rule = version.rule;
    rule.id = owner.id;
    rule.org_id = owner.org_id;
    rule.version = static_cast<int>(row.GetInt(0));
    rule.name = row.GetText(1);
    rule.description = row.GetOptText(2);
    rule.expression = row.GetText(3);
    rule.severity = ParseSeverity(row.GetText(4)).value_or(Severity::kMedium);
    rule.action = ParseRuleAction(row.GetText(5)).value_or(RuleAction::kAlert);
    rule.score = static_cast<int>(row.GetInt(6));
    rule.status = ParseRuleStatus(row.GetText(7)).value_or(RuleStatus::kDraft);
    rule.suppression_seconds = row.GetOptInt(8);
    version.author_id = row.GetOptText(9);
    version.created_at = row.GetInt(10);
    rule.created_at = owner.created_at;
    rule.created_by = owner.created_by;
    rule.updated_at = version.created_at;
    rule.updated_by = version.author_id;
    version.change = row.GetText(11);
    return version;
}

Result<std::optional<RuleVersion>> FindVersion(storage::Transaction& tx, const Rule& owner, std::int64_t number) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne(fmt::format("SELECT {} FROM rule_versions WHERE rule_id = $1 AND "
                                                          "org_id = $2 AND version = $3",
                                                          kVersionColumns),
                                              {Text(owner.id), Text(owner.org_id), Int(number)}));
    if (!row) return std::optional<RuleVersion>();
    return std::optional<RuleVersion>(VersionFromRow(owner, *row));
}

// --- Lists ------------------------------------------------------------------------------------

constexpr const char* kListColumns =
    "l.id, l.org_id, l.name, l.description, l.created_at, l.created_by, l.updated_at, "
    "(SELECT COUNT(*) FROM list_items i WHERE i.list_id = l.id)";

ListSummary ListFromRow(const storage::Row& row) {
    ListSummary summary;
    summary.list.id = row.GetText(0);
    summary.list.org_id = row.GetText(1);
    summary.list.name = row.GetText(2);
    summary.list.description = row.GetOptText(3);
    summary.list.created_at = row.GetInt(4);
    summary.list.created_by = row.GetOptText(5);
    summary.list.updated_at = row.GetInt(6);
    summary.item_count = row.GetInt(7);
    return summary;
}

Result<ListSummary> FindList(storage::Transaction& tx, std::string_view org_id, std::string_view list_id) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne(fmt::format("SELECT {} FROM lists l WHERE l.id = $1 AND l.org_id = $2",
                                                          kListColumns),
                                              {Text(std::string(list_id)), Text(std::string(org_id))}));
    if (!row) return Error::NotFound("no such list");
    return ListFromRow(*row);
}

// The problem with one list value (already trimmed), or "" when it is fine.
std::string ItemProblem(std::string_view value) {
    if (value.empty()) return "must not be empty";
    if (Utf8Length(value) > kMaxItemChars) return fmt::format("must be at most {} characters", kMaxItemChars);
    if (HasControlCharacter(value)) return "must not contain control characters";
    return "";
}

Status TouchList(storage::Transaction& tx, const ListSummary& list, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto touched, tx.Exec("UPDATE lists SET updated_at = $1 WHERE id = $2 AND org_id = $3",
                                              {Int(now), Text(list.list.id), Text(list.list.org_id)}));
    (void)touched;
    return Ok();
}

boost::json::value TimeJson(UnixMicros at) { return boost::json::value(FormatRfc3339(at)); }

}  // namespace

// --- Rules ------------------------------------------------------------------------------------

RuleInput RuleInputFromJson(const boost::json::value& body, bool allow_expected_version) {
    constexpr std::size_t kAny = std::numeric_limits<std::size_t>::max();
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    RuleInput input;
    JsonReader in(body);
    // Lengths, ranges and names are checked by CheckRule (after trimming), so that every message
    // comes from one place; the reader only checks presence and JSON types here.
    input.name = in.RequiredString("name", 0, kAny).value_or("");
    input.description = in.OptionalString("description", 0, kAny);
    input.expression = in.RequiredString("expression", 0, kAny).value_or("");
    input.severity = in.RequiredString("severity", 0, kAny).value_or("");
    input.action = in.RequiredString("action", 0, kAny).value_or("");
    input.score = in.OptionalInt("score", kMin, kMax);
    input.status = in.RequiredString("status", 0, kAny).value_or("");
    input.suppression_seconds = in.OptionalInt("suppression_seconds", kMin, kMax);
    if (allow_expected_version) input.expected_version = in.OptionalInt("version", 1, kMax);
    in.RejectUnknown();
    if (auto read = in.Finish(); !read) input.problems = read.error().fields;
    return input;
}

Result<Rule> CreateRule(storage::Transaction& tx, std::string_view org_id, const RuleInput& input,
                        const Change& change) {
    WT_ASSIGN_OR_RETURN(Rule rule, CheckRule(tx, org_id, input, ""));
    rule.id = crypto::NewId("rul");
    rule.org_id = std::string(org_id);
    rule.version = 1;
    rule.created_at = rule.updated_at = change.now;
    if (!change.user_id.empty()) rule.created_by = rule.updated_by = change.user_id;
    WT_ASSIGN_OR_RETURN(
        auto inserted,
        tx.Exec(fmt::format("INSERT INTO rules ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
                            "$14, $15)",
                            kRuleColumns),
                {Text(rule.id), Text(rule.org_id), Text(rule.name), OptText(rule.description), Text(rule.expression),
                 Text(std::string(SeverityName(rule.severity))), Text(std::string(RuleActionName(rule.action))),
                 Int(rule.score), Text(std::string(RuleStatusName(rule.status))), OptInt(rule.suppression_seconds),
                 Int(rule.version), Int(rule.created_at), OptText(rule.created_by), Int(rule.updated_at),
                 OptText(rule.updated_by)}));
    (void)inserted;
    WT_RETURN_IF_ERROR(InsertVersion(tx, rule, change, "created"));
    boost::json::object details{{"name", rule.name}, {"version", rule.version}};
    DescribeChanges(DiffFields(nullptr, rule), details);
    WT_RETURN_IF_ERROR(Audit(tx, org_id, change, "rule.created", "rule:" + rule.id, std::move(details)));
    return rule;
}

Result<Rule> UpdateRule(storage::Transaction& tx, std::string_view org_id, std::string_view rule_id,
                        const RuleInput& input, const Change& change) {
    WT_ASSIGN_OR_RETURN(Rule current, GetRule(tx, org_id, rule_id));
    WT_ASSIGN_OR_RETURN(Rule next, CheckRule(tx, org_id, input, current.id));
    if (input.expected_version && *input.expected_version != current.version)
        return Error::Make(ErrorCode::kConflict,
                           fmt::format("the rule was changed meanwhile: it is at version {}, not {}; reload it and "
                                       "apply your change again",
                                       current.version, *input.expected_version));
    auto changes = DiffFields(&current, next);
    if (changes.empty()) return current;
    WT_ASSIGN_OR_RETURN(Rule saved, SaveNextVersion(tx, current, std::move(next), change, "updated"));
    boost::json::object details{{"name", saved.name}, {"version", saved.version}};
    DescribeChanges(changes, details);
    WT_RETURN_IF_ERROR(Audit(tx, org_id, change, "rule.updated", "rule:" + saved.id, std::move(details)));
    return saved;
}

Result<Rule> GetRule(storage::Transaction& tx, std::string_view org_id, std::string_view rule_id) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne(fmt::format("SELECT {} FROM rules WHERE id = $1 AND org_id = $2",
                                                          kRuleColumns),
                                              {Text(std::string(rule_id)), Text(std::string(org_id))}));
    if (!row) return Error::NotFound("no such rule");
    return RuleFromRow(*row);
}

Result<std::vector<Rule>> EvaluatedRules(storage::Transaction& tx, std::string_view org_id) {
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(fmt::format("SELECT {} FROM rules WHERE org_id = $1 AND status IN "
                                                        "('shadow', 'active') ORDER BY created_at, id",
                                                        kRuleColumns),
                                            {Text(std::string(org_id))}));
    std::vector<Rule> rules;
    rules.reserve(rows.size());
    for (const auto& row : rows) rules.push_back(RuleFromRow(row));
    return rules;
}

Result<std::vector<std::pair<std::string, RuleHits>>> CountHits(storage::Transaction& tx, std::string_view org_id,
                                                                const std::vector<std::string>& rule_ids,
                                                                std::string_view environment, UnixMicros now) {
    std::vector<std::pair<std::string, RuleHits>> counts;
    if (rule_ids.empty()) return counts;
    // Every column read is in rule_hits_by_rule (org_id, rule_id, environment, occurred_at): the
    // count never touches the table itself.
    std::vector<storage::Value> params{Text(std::string(org_id)), Text(std::string(environment)),
                                       Int(now - 24 * kMicrosPerHour)};
    std::string in_list;
    for (const auto& id : rule_ids) {
        params.push_back(Text(id));
        in_list += (in_list.empty() ? "$" : ", $") + std::to_string(params.size());
    }
    WT_ASSIGN_OR_RETURN(
        auto rows,
        tx.Query(fmt::format("SELECT rule_id, COUNT(*), COALESCE(SUM(CASE WHEN occurred_at >= $3 THEN 1 ELSE 0 END), 0) "
                             "FROM rule_hits WHERE org_id = $1 AND rule_id IN ({}) AND environment = $2 "
                             "GROUP BY rule_id",
                             in_list),
                 params));
    for (const auto& row : rows) counts.emplace_back(row.GetText(0), RuleHits{row.GetInt(2), row.GetInt(1)});
    return counts;
}

Result<RulePage> ListRules(storage::Transaction& tx, std::string_view org_id, const RuleQuery& query) {
    std::vector<storage::Value> params{Text(std::string(org_id))};
    std::string sql = fmt::format("SELECT {} FROM rules WHERE org_id = $1", kRuleColumns);
    if (query.status) {
        params.push_back(Text(std::string(RuleStatusName(*query.status))));
        sql += fmt::format(" AND status = ${}", params.size());
    }
    if (query.cursor) {
        params.push_back(Text(*query.cursor));
        sql += fmt::format(" AND id < ${}", params.size());
    }
    int limit = std::clamp(query.limit, 1, 500);
    params.push_back(Int(limit + 1));
    sql += fmt::format(" ORDER BY id DESC LIMIT ${}", params.size());
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    RulePage page;
    std::vector<std::string> ids;
    for (std::size_t row_idx = 0; row_idx < rows.size() && static_cast<int>(row_idx) < limit; ++row_idx) {
        page.rules.push_back(RuleEntry{RuleFromRow(rows[row_idx]), {}});
        ids.push_back(page.rules.back().rule.id);
    }
    if (static_cast<int>(rows.size()) > limit) page.next_cursor = page.rules.back().rule.id;
    WT_ASSIGN_OR_RETURN(auto counts, CountHits(tx, org_id, ids, query.environment, query.now));
    for (auto& entry : page.rules)
        for (const auto& [id, hits] : counts)
            if (id == entry.rule.id) entry.hits = hits;
    return page;
}

Result<VersionPage> ListVersions(storage::Transaction& tx, std::string_view org_id, std::string_view rule_id,
                                 int limit, std::optional<std::string> cursor) {
    WT_ASSIGN_OR_RETURN(Rule owner, GetRule(tx, org_id, rule_id));
    limit = std::clamp(limit, 1, 500);
    std::vector<storage::Value> params{Text(owner.id), Text(owner.org_id)};
    std::string sql = fmt::format("SELECT {} FROM rule_versions WHERE rule_id = $1 AND org_id = $2", kVersionColumns);
    if (cursor) {
        WT_ASSIGN_OR_RETURN(std::int64_t before, ParsePositive(*cursor, "cursor"));
        params.push_back(Int(before));
        sql += " AND version < $3";
    }
    params.push_back(Int(limit + 1));
    sql += fmt::format(" ORDER BY version DESC LIMIT ${}", params.size());
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    std::vector<RuleVersion> fetched;
    for (const auto& row : rows) fetched.push_back(VersionFromRow(owner, row));
    VersionPage page;
    for (std::size_t idx = 0; idx < fetched.size() && static_cast<int>(idx) < limit; ++idx) {
        RuleVersion version = fetched[idx];
        // The predecessor is the next row when versions are contiguous (they always are: each
        // change appends version + 1); otherwise it is read on its own.
        std::optional<RuleVersion> previous;
        if (idx + 1 < fetched.size() && fetched[idx + 1].rule.version == version.rule.version - 1) {
            previous = fetched[idx + 1];
        } else if (version.rule.version > 1) {
            WT_ASSIGN_OR_RETURN(previous, FindVersion(tx, owner, version.rule.version - 1));
        }
        version.diff = DiffFields(previous ? &previous->rule : nullptr, version.rule);
        if (!previous || previous->rule.expression != version.rule.expression)
            version.expression_diff = LineDiff(previous ? previous->rule.expression : "", version.rule.expression);
        page.versions.push_back(std::move(version));
    }
    if (static_cast<int>(fetched.size()) > limit)
        page.next_cursor = std::to_string(page.versions.back().rule.version);
    return page;
}

Result<Rule> RestoreVersion(storage::Transaction& tx, std::string_view org_id, std::string_view rule_id,
                            std::int64_t version, const Change& change) {
    WT_ASSIGN_OR_RETURN(Rule current, GetRule(tx, org_id, rule_id));
    WT_ASSIGN_OR_RETURN(auto old, FindVersion(tx, current, version));
    if (!old) return Error::NotFound(fmt::format("the rule has no version {}", version));
    const Rule& fields = old->rule;
    RuleInput input;
    input.name = fields.name;
    input.description = fields.description;
    input.expression = fields.expression;
    input.severity = std::string(SeverityName(fields.severity));
    input.action = std::string(RuleActionName(fields.action));
    input.score = fields.score;
    input.status = std::string(RuleStatusName(fields.status));
    input.suppression_seconds = fields.suppression_seconds;
    WT_ASSIGN_OR_RETURN(Rule next, CheckRule(tx, org_id, input, current.id));
    auto changes = DiffFields(&current, next);
    std::string change_text = fmt::format("restored from version {}", version);
    WT_ASSIGN_OR_RETURN(Rule saved, SaveNextVersion(tx, current, std::move(next), change, change_text));
    boost::json::object details{{"name", saved.name}, {"version", saved.version}, {"restored_from", version}};
    DescribeChanges(changes, details);
    WT_RETURN_IF_ERROR(Audit(tx, org_id, change, "rule.restored", "rule:" + saved.id, std::move(details)));
    return saved;
}

std::vector<LineEdit> LineDiff(std::string_view before, std::string_view after) {
    std::vector<std::string> old_lines = SplitLines(before);
    std::vector<std::string> new_lines = SplitLines(after);
    std::size_t head = 0;
    while (head < old_lines.size() && head < new_lines.size() && old_lines[head] == new_lines[head]) ++head;
    std::size_t tail = 0;
    while (tail < old_lines.size() - head && tail < new_lines.size() - head &&
           old_lines[old_lines.size() - 1 - tail] == new_lines[new_lines.size() - 1 - tail])
        ++tail;
    std::vector<LineEdit> edits;
    for (std::size_t idx = 0; idx < head; ++idx) edits.push_back({' ', old_lines[idx]});
    // The changed middle: old_lines[head, old_end) against new_lines[head, new_end).
    const std::size_t rows = old_lines.size() - head - tail;
    const std::size_t cols = new_lines.size() - head - tail;
    auto old_at = [&](std::size_t idx) -> const std::string& { return old_lines[head + idx]; };
    auto new_at = [&](std::size_t idx) -> const std::string& { return new_lines[head + idx]; };
    if (rows > 0 && cols > 0 && (rows + 1) * (cols + 1) <= kMaxDiffCells) {
        // lcs[r][c]: length of the longest common subsequence of old[r..] and new[c..].
        std::vector<std::uint32_t> lcs((rows + 1) * (cols + 1), 0);
        auto cell = [&](std::size_t row, std::size_t col) -> std::uint32_t& { return lcs[row * (cols + 1) + col]; };
        for (std::size_t row = rows; row-- > 0;)
            for (std::size_t col = cols; col-- > 0;)
                cell(row, col) = old_at(row) == new_at(col) ? cell(row + 1, col + 1) + 1
                                                            : std::max(cell(row + 1, col), cell(row, col + 1));
        std::size_t row = 0;
        std::size_t col = 0;
        while (row < rows && col < cols) {
            if (old_at(row) == new_at(col)) {
                edits.push_back({' ', old_at(row)});
                ++row;
                ++col;
            } else if (cell(row + 1, col) >= cell(row, col + 1)) {
                edits.push_back({'-', old_at(row++)});
            } else {
                edits.push_back({'+', new_at(col++)});
            }
        }
        for (; row < rows; ++row) edits.push_back({'-', old_at(row)});
        for (; col < cols; ++col) edits.push_back({'+', new_at(col)});
    } else {
        for (std::size_t row = 0; row < rows; ++row) edits.push_back({'-', old_at(row)});
        for (std::size_t col = 0; col < cols; ++col) edits.push_back({'+', new_at(col)});
    }
    for (std::size_t idx = old_lines.size() - tail; idx < old_lines.size(); ++idx) edits.push_back({' ', old_lines[idx]});
    return edits;
}

boost::json::object ToJson(const Rule& rule, const RuleHits* hits) {
    boost::json::object json{{"id", rule.id},
                             {"name", rule.name},
                             {"description", OptJson(rule.description)},
                             {"expression", rule.expression},
                             {"severity", SeverityName(rule.severity)},
                             {"action", RuleActionName(rule.action)},
                             {"score", rule.score},
                             {"status", RuleStatusName(rule.status)},
                             {"suppression_seconds", OptJson(rule.suppression_seconds)},
                             {"version", rule.version},
                             {"created_at", TimeJson(rule.created_at)},
                             {"created_by", OptJson(rule.created_by)},
                             {"updated_at", TimeJson(rule.updated_at)},
                             {"updated_by", OptJson(rule.updated_by)}};
    if (hits) {
        json["hits_24h"] = hits->hits_24h;
        json["hits_total"] = hits->hits_total;
    }
    return json;
}

boost::json::object ToJson(const RuleVersion& version) {
    const Rule& rule = version.rule;
    boost::json::array diff;
    for (const auto& change : version.diff)
        diff.push_back(boost::json::object{{"field", change.field}, {"from", change.from}, {"to", change.to}});
    boost::json::array lines;
    for (const auto& edit : version.expression_diff)
        lines.push_back(boost::json::object{{"op", std::string(1, edit.op)}, {"line", edit.line}});
    return {{"version", rule.version},
            {"name", rule.name},
            {"description", OptJson(rule.description)},
            {"expression", rule.expression},
            {"severity", SeverityName(rule.severity)},
            {"action", RuleActionName(rule.action)},
            {"score", rule.score},
            {"status", RuleStatusName(rule.status)},
            {"suppression_seconds", OptJson(rule.suppression_seconds)},
            {"author_id", OptJson(version.author_id)},
            {"created_at", TimeJson(version.created_at)},
            {"change", version.change},
            {"diff", std::move(diff)},
            {"expression_diff", std::move(lines)}};
}

// --- Lists ------------------------------------------------------------------------------------

bool IsValidListName(std::string_view name) {
    if (name.empty() || name.size() > kMaxListNameChars) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

Result<ListInput> ReadListInput(const boost::json::value& body) {
    JsonReader in(body);
    auto name = in.RequiredString("name", 0, std::numeric_limits<std::size_t>::max());
    auto description = in.OptionalString("description", 0, std::numeric_limits<std::size_t>::max());
    in.RejectUnknown();
    ListInput input;
    if (name) {
        input.name = Trim(*name);
        if (!IsValidListName(input.name))
            in.AddError("name", fmt::format("must be 1 to {} characters of a-z, 0-9, _ and - (rules name it as "
                                            "list(\"name\"))",
                                            kMaxListNameChars));
    }
    if (description) {
        std::string trimmed = Trim(*description);
        if (Utf8Length(trimmed) > kMaxDescriptionChars)
            in.AddError("description", fmt::format("must be at most {} characters", kMaxDescriptionChars));
        if (!trimmed.empty()) input.description = std::move(trimmed);
    }
    WT_RETURN_IF_ERROR(in.Finish());
    return input;
}

Result<std::vector<std::string>> ReadItemValues(const boost::json::value& body) {
    JsonReader in(body);
    const auto* raw = in.Raw("values");
    in.RejectUnknown();
    std::vector<std::string> values;
    if (body.is_object()) {
        if (!raw || raw->is_null()) {
            in.AddError("values", "is required");
        } else if (!raw->is_array()) {
            in.AddError("values", "must be an array of strings");
        } else if (raw->as_array().empty() || raw->as_array().size() > kMaxItemsPerRequest) {
            in.AddError("values", fmt::format("must hold 1 to {} values", kMaxItemsPerRequest));
        } else {
            const auto& items = raw->as_array();
            std::size_t problems = 0;
            for (std::size_t item_idx = 0; item_idx < items.size(); ++item_idx) {
                std::string problem;
                std::string value;
                if (!items[item_idx].is_string()) {
                    problem = "must be a string";
                } else {
                    value = Trim(std::string_view(items[item_idx].as_string()));
                    problem = ItemProblem(value);
                }
                if (problem.empty()) {
                    values.push_back(std::move(value));
                    continue;
                }
                if (++problems <= kMaxItemProblems) in.AddError(fmt::format("values[{}]", item_idx), problem);
            }
            if (problems > kMaxItemProblems)
                in.AddError("values", fmt::format("{} more values are invalid", problems - kMaxItemProblems));
        }
    }
    WT_RETURN_IF_ERROR(in.Finish());
    return values;
}

Result<NamedList> CreateList(storage::Transaction& tx, std::string_view org_id, const ListInput& input,
                             const Change& change) {
    std::vector<FieldError> problems;
    if (!IsValidListName(input.name))
        problems.push_back({"name", fmt::format("must be 1 to {} characters of a-z, 0-9, _ and -", kMaxListNameChars)});
    if (input.description && Utf8Length(*input.description) > kMaxDescriptionChars)
        problems.push_back({"description", fmt::format("must be at most {} characters", kMaxDescriptionChars)});
    if (!problems.empty()) return Error::Validation(std::move(problems));
    WT_ASSIGN_OR_RETURN(auto taken, tx.QueryOne("SELECT id FROM lists WHERE org_id = $1 AND name = $2",
                                                {Text(std::string(org_id)), Text(input.name)}));
    if (taken) return Error::Make(ErrorCode::kConflict, fmt::format("a list named \"{}\" already exists", input.name));
    NamedList list;
    list.id = crypto::NewId("lst");
    list.org_id = std::string(org_id);
    list.name = input.name;
    list.description = input.description;
    list.created_at = list.updated_at = change.now;
    if (!change.user_id.empty()) list.created_by = change.user_id;
    WT_ASSIGN_OR_RETURN(auto inserted,
                        tx.Exec("INSERT INTO lists (id, org_id, name, description, created_at, created_by, updated_at) "
                                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                                {Text(list.id), Text(list.org_id), Text(list.name), OptText(list.description),
                                 Int(list.created_at), OptText(list.created_by), Int(list.updated_at)}));
    (void)inserted;
    WT_RETURN_IF_ERROR(Audit(tx, org_id, change, "list.created", "list:" + list.id,
                             {{"name", list.name}, {"description", OptJson(list.description)}}));
    return list;
}

Result<ListPage> ListLists(storage::Transaction& tx, std::string_view org_id, int limit,
                           std::optional<std::string> cursor) {
    limit = std::clamp(limit, 1, 500);
    std::vector<storage::Value> params{Text(std::string(org_id))};
    std::string sql = fmt::format("SELECT {} FROM lists l WHERE l.org_id = $1", kListColumns);
    if (cursor) {
        params.push_back(Text(*cursor));
        sql += " AND l.id < $2";
    }
    params.push_back(Int(limit + 1));
    sql += fmt::format(" ORDER BY l.id DESC LIMIT ${}", params.size());
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    ListPage page;
    for (std::size_t row_idx = 0; row_idx < rows.size() && static_cast<int>(row_idx) < limit; ++row_idx)
        page.lists.push_back(ListFromRow(rows[row_idx]));
    if (static_cast<int>(rows.size()) > limit) page.next_cursor = page.lists.back().list.id;
    return page;
}

Result<ListDetail> GetList(storage::Transaction& tx, std::string_view org_id, std::string_view list_id, int limit,
                           std::optional<std::string> cursor) {
    ListDetail detail;
    WT_ASSIGN_OR_RETURN(detail.summary, FindList(tx, org_id, list_id));
    limit = std::clamp(limit, 1, static_cast<int>(kMaxItemsPerPage));
    std::vector<storage::Value> params{Text(detail.summary.list.id)};
    std::string sql = "SELECT value, added_at, added_by FROM list_items WHERE list_id = $1";
    if (cursor) {
        // Cursor: base64url of the last value of the previous page (values may hold any character).
        auto after = crypto::Base64UrlDecode(*cursor);
        if (!after) return Error::Validation("cursor", "is not a valid cursor");
        params.push_back(Text(*after));
        sql += " AND value > $2";
    }
    params.push_back(Int(limit + 1));
    sql += fmt::format(" ORDER BY value LIMIT ${}", params.size());
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    for (std::size_t row_idx = 0; row_idx < rows.size() && static_cast<int>(row_idx) < limit; ++row_idx)
        detail.items.push_back(ListItem{rows[row_idx].GetText(0), rows[row_idx].GetInt(1), rows[row_idx].GetOptText(2)});
    if (static_cast<int>(rows.size()) > limit) detail.next_cursor = crypto::Base64UrlEncode(detail.items.back().value);

    // The rules that name the list: the compiled rule knows its lists exactly (a name in a comment
    // or a text does not count); the text search only spares compiling the others.
    WT_ASSIGN_OR_RETURN(auto rule_rows, tx.Query("SELECT id, name, status, expression FROM rules WHERE org_id = $1 "
                                                 "ORDER BY name",
                                                 {Text(std::string(org_id))}));
    const std::string& name = detail.summary.list.name;
    for (const auto& row : rule_rows) {
        if (row.GetText(3).find(name) == std::string::npos) continue;
        auto compiled = rules::Compile(row.GetText(3));
        if (!compiled) continue;
        const auto& used = compiled->lists();
        if (std::binary_search(used.begin(), used.end(), name))
            detail.used_by.push_back(
                RuleRef{row.GetText(0), row.GetText(1), ParseRuleStatus(row.GetText(2)).value_or(RuleStatus::kDraft)});
    }
    return detail;
}

Result<ItemsAdded> AddItems(storage::Transaction& tx, std::string_view org_id, std::string_view list_id,
                            const std::vector<std::string>& values, const Change& change) {
    WT_ASSIGN_OR_RETURN(ListSummary list, FindList(tx, org_id, list_id));
    if (values.empty() || values.size() > kMaxItemsPerRequest)
        return Error::Validation("values", fmt::format("must hold 1 to {} values", kMaxItemsPerRequest));
    std::vector<FieldError> problems;
    for (std::size_t idx = 0; idx < values.size(); ++idx)
        if (auto problem = ItemProblem(values[idx]); !problem.empty() || Trim(values[idx]) != values[idx])
            problems.push_back({fmt::format("values[{}]", idx), problem.empty() ? "must be trimmed" : problem});
    if (!problems.empty()) return Error::Validation(std::move(problems));

    ItemsAdded result;
    boost::json::array audited;
    for (const auto& value : values) {
        WT_ASSIGN_OR_RETURN(auto added,
                            tx.Exec("INSERT INTO list_items (list_id, value, added_at, added_by) VALUES ($1, $2, $3, $4) "
                                    "ON CONFLICT DO NOTHING",
                                    {Text(list.list.id), Text(value), Int(change.now),
                                     change.user_id.empty() ? storage::Null() : Text(change.user_id)}));
        result.added += added;
        if (added > 0 && audited.size() < kAuditItemValues) audited.push_back(boost::json::value(value));
    }
    result.item_count = list.item_count + result.added;
    if (result.added > 0) {
        WT_RETURN_IF_ERROR(TouchList(tx, list, change.now));
        WT_RETURN_IF_ERROR(Audit(tx, org_id, change, "list.items_added", "list:" + list.list.id,
                                 {{"name", list.list.name},
                                  {"added", result.added},
                                  {"requested", static_cast<std::int64_t>(values.size())},
                                  {"item_count", result.item_count},
                                  {"values", std::move(audited)},
                                  {"values_truncated", result.added > static_cast<std::int64_t>(kAuditItemValues)}}));
    }
    return result;
}

Status RemoveItem(storage::Transaction& tx, std::string_view org_id, std::string_view list_id,
                  std::string_view value, const Change& change) {
    WT_ASSIGN_OR_RETURN(ListSummary list, FindList(tx, org_id, list_id));
    std::string trimmed = Trim(value);
    WT_ASSIGN_OR_RETURN(auto removed, tx.Exec("DELETE FROM list_items WHERE list_id = $1 AND value = $2",
                                              {Text(list.list.id), Text(trimmed)}));
    if (removed == 0) return Error::NotFound("the list has no such value");
    WT_RETURN_IF_ERROR(TouchList(tx, list, change.now));
    return Audit(tx, org_id, change, "list.item_removed", "list:" + list.list.id,
                 {{"name", list.list.name}, {"value", trimmed}, {"item_count", list.item_count - removed}});
}

boost::json::object ToJson(const ListSummary& summary) {
    const NamedList& list = summary.list;
    return {{"id", list.id},
            {"name", list.name},
            {"description", OptJson(list.description)},
            {"item_count", summary.item_count},
            {"created_at", TimeJson(list.created_at)},
            {"created_by", OptJson(list.created_by)},
            {"updated_at", TimeJson(list.updated_at)}};
}

boost::json::object ToJson(const ListDetail& detail) {
    boost::json::object json = ToJson(detail.summary);
    boost::json::array items;
    for (const auto& item : detail.items)
        items.push_back(boost::json::object{
            {"value", item.value}, {"added_at", TimeJson(item.added_at)}, {"added_by", OptJson(item.added_by)}});
    boost::json::array used_by;
    for (const auto& rule : detail.used_by)
        used_by.push_back(
            boost::json::object{{"id", rule.id}, {"name", rule.name}, {"status", RuleStatusName(rule.status)}});
    json["items"] = std::move(items);
    json["next_cursor"] = detail.next_cursor ? boost::json::value(*detail.next_cursor) : boost::json::value(nullptr);
    json["used_by"] = std::move(used_by);
    return json;
}

}  // namespace wt::engine
