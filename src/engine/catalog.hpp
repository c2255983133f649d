// SPDX-License-Identifier: Apache-2.0
/// The catalog of an organization's rules and named lists: what the console routes `/rules` and
/// `/lists` read and change (API.md "Console reads and work", docs/rules-language.md "Managing
/// rules"). The engine (`engine.hpp`) loads the same tables to evaluate; after a committed change
/// the caller tells it (`Engine::RulesChanged` / `ListsChanged`).
///
/// Every function runs in the caller's storage transaction and takes the organization it acts in:
/// a rule or list of another organization is `kNotFound`, exactly like one that does not exist.
/// Changes need a `TxMode::kWrite` transaction and append their audit entry (`rule.created`,
/// `rule.updated`, `rule.restored`, `list.created`, `list.items_added`, `list.item_removed`) in
/// it, so a change commits with its entry or not at all.
///
/// Rules are versioned: every create, update and restore appends a full copy of the rule to
/// `rule_versions` (immutable: triggers refuse UPDATE and DELETE), so any version can be shown,
/// compared with its predecessor and restored, and the history is never rewritten.
///
/// Failure: kValidationFailed lists every bad field at once (an expression's compile error with
/// its line and column); kConflict for a name already used in the organization (and for a stale
/// `expected_version`); kNotFound; storage errors as `storage::Database` converts them.
/// Threading: free functions; the transaction belongs to the calling thread.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "engine/records.hpp"
#include "storage/database.hpp"

namespace wt::engine {

/// Limits of the catalog (also stated in docs/api.md).
inline constexpr std::size_t kMaxRuleNameChars = 100;
inline constexpr std::size_t kMaxDescriptionChars = 2000;
inline constexpr std::int64_t kMinSuppressionSeconds = 60;
inline constexpr std::int64_t kMaxSuppressionSeconds = 400LL * 24 * 3600;  // 34,560,000
inline constexpr std::size_t kMaxListNameChars = 100;
inline constexpr std::size_t kMaxItemChars = 256;
inline constexpr std::size_t kMaxItemsPerRequest = 10'000;
inline constexpr std::size_t kMaxItemsPerPage = 500;

/// Who makes a change and when: the author recorded in the version and the audit entry.
struct Change {
    std::string user_id;  // empty: the system (the CLI, a starter pack); audited as such
    std::string ip;
    std::string user_agent;
    UnixMicros now = 0;
};

// --- Rules ----------------------------------------------------------------------------------

/// A rule as submitted (POST /rules, PUT /rules/{id}): the texts as given; CreateRule and
/// UpdateRule check them. `problems` holds what was wrong before the catalog saw the input (a
/// JSON member of the wrong type, an unknown member): they are answered in the same 422, and a
/// field named there is not checked again.
struct RuleInput {
    std::string name;                        // trimmed; 1..100 characters, unique in the organization
    std::optional<std::string> description;  // at most 2,000 characters; empty or absent: none
    std::string expression;                  // compiled; named lists must exist in the organization
    std::string severity;                    // low | medium | high | critical
    std::string action;                      // alert | review | block
    std::optional<std::int64_t> score;       // 0..100, default 0
    std::string status;                      // draft | shadow | active | disabled
    std::optional<std::int64_t> suppression_seconds;  // nullopt: none; else 60..34,560,000
    /// PUT only: the version the client edited; a different current version is kConflict.
    std::optional<std::int64_t> expected_version;
    std::vector<FieldError> problems;
};

/// Reads a POST /rules or PUT /rules/{id} body strictly (unknown members refused) into a
/// RuleInput; never fails: type problems go to `problems`. `allow_expected_version` admits the
/// member `version` (PUT).
RuleInput RuleInputFromJson(const boost::json::value& body, bool allow_expected_version);

/// Creates a rule at version 1 (change "created"). Any status may be given.
Result<Rule> CreateRule(storage::Transaction& tx, std::string_view org_id, const RuleInput& input,
                        const Change& change);

/// Replaces every field of the rule (PUT). When nothing differs from the current version the rule
/// is answered unchanged: no version, no audit entry. Otherwise a new version (change "updated").
Result<Rule> UpdateRule(storage::Transaction& tx, std::string_view org_id, std::string_view rule_id,
                        const RuleInput& input, const Change& change);

/// One rule of the organization, or kNotFound.
Result<Rule> GetRule(storage::Transaction& tx, std::string_view org_id, std::string_view rule_id);

/// The organization's rules the engine evaluates (status shadow or active), oldest first.
Result<std::vector<Rule>> EvaluatedRules(storage::Transaction& tx, std::string_view org_id);

/// Hits recorded for a rule in one environment (rule_hits, shadow hits included).
struct RuleHits {
    std::int64_t hits_24h = 0;  // transactions that occurred in the 24 hours before `now`
    std::int64_t hits_total = 0;
};

/// The hits of each of `rule_ids` (all of `org_id`) in `environment`; rules without hits are
/// absent from the answer. One indexed query (rule_hits_by_rule).
Result<std::vector<std::pair<std::string, RuleHits>>> CountHits(storage::Transaction& tx, std::string_view org_id,
                                                                const std::vector<std::string>& rule_ids,
                                                                std::string_view environment, UnixMicros now);

struct RuleQuery {
    std::optional<RuleStatus> status;
    int limit = 50;                     // 1..500
    std::optional<std::string> cursor;  // next_cursor of the previous page
    std::string environment = "production";  // of the hit counts
    UnixMicros now = 0;                       // for hits_24h
};
struct RuleEntry {
    Rule rule;
    RuleHits hits;
};
struct RulePage {
    std::vector<RuleEntry> rules;  // newest first
    std::optional<std::string> next_cursor;
};
/// The organization's rules, newest first, each with its hit counts.
Result<RulePage> ListRules(storage::Transaction& tx, std::string_view org_id, const RuleQuery& query);

/// One changed field between two versions; `from` is null for the first version.
struct FieldChange {
    std::string field;
    boost::json::value from;
    boost::json::value to;
};
/// One line of a line diff: ' ' kept, '-' removed, '+' added.
struct LineEdit {
    char op = ' ';
    std::string line;
};

struct RuleVersion {
    Rule rule;  // the fields as of this version (id, org_id, version set; updated_* = author/created_at)
    std::optional<std::string> author_id;
    UnixMicros created_at = 0;
    std::string change;                      // "created" | "updated" | "restored from version N"
    std::vector<FieldChange> diff;           // vs the previous version; version 1: every field from null
    std::vector<LineEdit> expression_diff;   // line diff of the expression; empty when unchanged
};
struct VersionPage {
    std::vector<RuleVersion> versions;  // newest first
    std::optional<std::string> next_cursor;
};
/// The rule's versions, newest first, each with its diff against the one before.
Result<VersionPage> ListVersions(storage::Transaction& tx, std::string_view org_id, std::string_view rule_id,
                                 int limit, std::optional<std::string> cursor);

/// Appends a new version whose fields equal `version`'s (change "restored from version N"). The
/// restored expression is compiled again (a list it names must still exist) and its name must
/// still be free; kNotFound for an unknown version.
Result<Rule> RestoreVersion(storage::Transaction& tx, std::string_view org_id, std::string_view rule_id,
                            std::int64_t version, const Change& change);

/// A line diff of `before` and `after` (longest common subsequence of lines, after the common
/// head and tail are taken off). When the changed middle parts are too large for a table
/// (more than 4 million line pairs) it falls back to "every old line removed, every new line added".
std::vector<LineEdit> LineDiff(std::string_view before, std::string_view after);

// JSON shapes of API.md.
/// `{id, name, description, expression, severity, action, score, status, suppression_seconds,
/// version, created_at, created_by, updated_at, updated_by}` plus `hits_24h`, `hits_total` when
/// `hits` is given.
boost::json::object ToJson(const Rule& rule, const RuleHits* hits = nullptr);
/// `{version, name, description, expression, severity, action, score, status, suppression_seconds,
/// author_id, created_at, change, diff: [{field, from, to}], expression_diff: [{op, line}]}`.
boost::json::object ToJson(const RuleVersion& version);

// --- Named lists ----------------------------------------------------------------------------

struct ListInput {
    std::string name;  // 1..100 of a-z 0-9 _ -, unique in the organization
    std::optional<std::string> description;
};
/// Reads and checks a POST /lists body (every problem in one kValidationFailed).
Result<ListInput> ReadListInput(const boost::json::value& body);
/// Reads and checks a POST /lists/{id}/items body `{values: [...]}`: 1..10,000 strings, each
/// 1..256 characters after trimming, no control characters. Answers the trimmed values in order.
Result<std::vector<std::string>> ReadItemValues(const boost::json::value& body);
/// Whether `name` is a valid list name (the rule `list("name")` spelling).
bool IsValidListName(std::string_view name);

/// Creates an empty list.
Result<NamedList> CreateList(storage::Transaction& tx, std::string_view org_id, const ListInput& input,
                             const Change& change);

struct ListSummary {
    NamedList list;  // items left empty
    std::int64_t item_count = 0;
};
struct ListPage {
    std::vector<ListSummary> lists;  // newest first
    std::optional<std::string> next_cursor;
};
Result<ListPage> ListLists(storage::Transaction& tx, std::string_view org_id, int limit,
                           std::optional<std::string> cursor);

struct ListItem {
    std::string value;
    UnixMicros added_at = 0;
    std::optional<std::string> added_by;
};
/// A rule whose expression names the list.
struct RuleRef {
    std::string id;
    std::string name;
    RuleStatus status = RuleStatus::kDraft;
};
struct ListDetail {
    ListSummary summary;
    std::vector<ListItem> items;  // one page, in value order (byte order)
    std::optional<std::string> next_cursor;
    std::vector<RuleRef> used_by;  // the organization's rules that name the list, by name
};
/// One list with a page of its items (`limit` 1..500, `cursor`: after that value) and the rules
/// that use it.
Result<ListDetail> GetList(storage::Transaction& tx, std::string_view org_id, std::string_view list_id, int limit,
                           std::optional<std::string> cursor);

struct ItemsAdded {
    std::int64_t added = 0;       // values that were not in the list yet
    std::int64_t item_count = 0;  // the list's size afterwards
};
/// Adds `values` (REQUIRES: checked by ReadItemValues; checked again); duplicates, within the
/// request or with the list, are ignored.
Result<ItemsAdded> AddItems(storage::Transaction& tx, std::string_view org_id, std::string_view list_id,
                            const std::vector<std::string>& values, const Change& change);
/// Removes one value (trimmed first); kNotFound when the list or the value is absent.
Status RemoveItem(storage::Transaction& tx, std::string_view org_id, std::string_view list_id,
                  std::string_view value, const Change& change);

/// `{id, name, description, item_count, created_at, created_by, updated_at}`.
boost::json::object ToJson(const ListSummary& list);
/// The summary plus `items: [{value, added_at, added_by}]`, `next_cursor`, `used_by: [{id, name, status}]`.
boost::json::object ToJson(const ListDetail& list);

}  // namespace wt::engine
