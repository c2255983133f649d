// SPDX-License-Identifier: Apache-2.0
/// Cases: an investigation opened from one or more alerts (API.md "Console reads and work",
/// docs/investigations.md "Cases"). A case has a title, a priority, an assignee, a status (`open`,
/// `investigating`, `pending_info`, `escalated`, `closed`), its alerts (all of one environment,
/// each alert in at most one case), comments, evidence files and a timeline. Every change appends
/// one timeline event (`case_events`) and one audit entry (`case.<action>`) in the caller's write
/// transaction, so a change commits with its record or not at all; so do the notification events
/// `case.assigned` (to a new assignee) and `case.escalated` (status becomes escalated). Closing
/// needs a resolution and a note; a closed case is read-only except for reopening (kConflict
/// otherwise).
///
/// Every function takes the organization id it acts in: another organization's case or alert is
/// kNotFound (or, in a body's `alert_ids`, a 422 naming the field), exactly like one that does not
/// exist. Role rules that depend on the case (an ANALYST assigns only themselves) are checked here;
/// the route's permission (kWorkAlerts, kAssignOthers) is checked by the console guard.
/// Threading: free functions; the Database serialises writers (REQUIRES: writes run in a
/// transaction begun with TxMode::kWrite).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "engine/catalog.hpp"
#include "storage/database.hpp"

namespace wt::cases {

/// At most this many alerts are linked by one request (POST /cases, POST /cases/{id}/alerts).
inline constexpr std::size_t kMaxAlertsPerRequest = 100;
/// At most this many related transactions are shown in a case view.
inline constexpr int kMaxRelatedTransactions = 100;
inline constexpr std::size_t kMaxTitleLength = 200;
inline constexpr std::size_t kMaxCommentLength = 10000;
inline constexpr std::size_t kMaxNoteLength = 4000;

/// Who acts: the user, address and time of the change (audit), and whether their role may assign
/// others (RISK_LEAD, ADMIN). Without it a user may only take an unassigned case or give back
/// their own, and may create a case assigned to nobody or to themselves.
struct Actor {
    engine::Change change;
    bool may_assign_others = false;
};

/// POST /cases.
struct NewCase {
    std::string title;
    std::vector<std::string> alert_ids;
    std::optional<std::string> assignee_id;
    std::string priority = "medium";
};

/// PATCH /cases/{id}. Absent members change nothing; `assignee_id` holding nullopt unassigns.
struct CaseChange {
    std::optional<std::string> title;
    std::optional<std::string> priority;
    std::optional<std::string> status;  // any status but `closed`
    std::optional<std::optional<std::string>> assignee_id;
};

struct CaseFilter {
    std::optional<std::string> environment;  // absent: both environments
    std::vector<std::string> statuses;       // any of them; empty: all
    std::optional<std::string> priority;
    std::optional<std::string> assignee_id;
    bool unassigned = false;
    std::optional<std::string> cursor;  // the last id of the previous page
    int limit = 50;
};

bool IsCaseStatus(std::string_view status);
bool IsPriority(std::string_view priority);
bool IsResolution(std::string_view resolution);

/// kValidationFailed naming each bad field of `change` on its own (unknown values, status
/// `closed`, a blank title, nothing to change).
Status ValidateCaseChange(const CaseChange& change);

/// Creates a case from `input.alert_ids` (1..kMaxAlertsPerRequest distinct ids): kValidationFailed
/// naming `alert_ids[i]` for an id that is not one of the organization's alerts, `alert_ids` when
/// they span two environments, `assignee_id` for a non-member; kForbidden when the actor may not
/// assign that user; kConflict when an alert is already in a case. Links the alerts (AddAlerts'
/// effect on them) and records `created` (+ `assigned`, `alert_added` per alert). Answers the id.
Result<std::string> CreateCase(storage::Transaction& tx, const std::string& org_id, const NewCase& input,
                               const Actor& actor);

/// `{data: [case...], next_cursor}` newest first; a list item is `{id, title, status, priority,
/// environment, assignee_id, created_by, created_at, updated_at, closed_at, closed_by, resolution,
/// alert_count}`.
Result<boost::json::object> ListCases(storage::Transaction& tx, const std::string& org_id, const CaseFilter& filter);

/// The case view: a list item plus `resolution_note`, `alerts` (as in GET /alerts, lighter),
/// `transactions` (those of the alerts and the latest of the alerts' entities, at most
/// kMaxRelatedTransactions, newest first, `linked: true` on the alerts' own), `comments`,
/// `evidence` and `timeline: [{at, actor: {id, name}, action, details}]` oldest first.
/// kNotFound for another organization's case.
Result<boost::json::object> GetCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id);

/// Applies a validated `change`: kNotFound, kConflict (closed case), kForbidden (assignment the
/// actor may not make), kValidationFailed on `assignee_id` (not a member). Records `title_changed`,
/// `priority_changed`, `status_changed`, `assigned` for what actually changed.
Status UpdateCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                  const CaseChange& change, const Actor& actor);

/// Adds a comment (REQUIRES: 1..kMaxCommentLength, not blank). kNotFound, kConflict when closed.
Result<std::string> AddComment(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                               const std::string& body, const Actor& actor);

/// Closes an open case (any status) with `resolution` (IsResolution) and `note`. kConflict when
/// already closed.
Status CloseCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                 const std::string& resolution, const std::string& note, const Actor& actor);

/// Reopens a closed case to `open`, clearing its resolution (the timeline keeps it). kConflict
/// when not closed.
Status ReopenCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                  const std::string& note, const Actor& actor);

/// Links more alerts (the checks of CreateCase; the alerts' environment must be the case's).
/// Linking sets the alert's `case_id`, records `alert.case_linked` in its history and moves an
/// alert that is `open` or `in_review` to `escalated` (engine::UpdateAlerts: history and audit).
Status AddAlerts(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                 const std::vector<std::string>& alert_ids, const Actor& actor);

/// Unlinks one alert (its status stays; `alert.case_unlinked` in its history). kNotFound when the
/// alert is not in this case; kConflict for the case's last alert or a closed case.
Status RemoveAlert(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                   const std::string& alert_id, const Actor& actor);

/// kNotFound for another organization's case (or an unknown one).
Status RequireCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id);

/// kNotFound for another organization's case, kConflict when it is closed.
Status RequireOpenCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id);

/// An evidence file's metadata as stored.
struct Evidence {
    std::string id;
    std::string case_id;
    std::string filename;
    std::string content_type;
    std::int64_t size = 0;
    std::string sha256;  // hex
    std::string uploaded_by;
    UnixMicros created_at = 0;
};

/// Records an evidence file already stored durably (RequireOpenCase, then `evidence_added`).
Status RecordEvidence(storage::Transaction& tx, const std::string& org_id, const Evidence& evidence,
                      const Actor& actor);

/// The case's evidence `evidence_id`, or kNotFound (another organization's, another case's, unknown).
Result<Evidence> FindEvidence(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                              const std::string& evidence_id);

/// The case view for the suspicious-activity report: kConflict unless the case is closed with
/// resolution `sar_filed`. Adds `organization: {id, name}` and `user_names: {user id: "Name
/// <email>"}` (assignee, creator, closer). Audits `case.report_generated` (in `tx`).
Result<boost::json::object> ReportCase(storage::Transaction& tx, const std::string& org_id, const std::string& case_id,
                                       const Actor& actor);

}  // namespace wt::cases
