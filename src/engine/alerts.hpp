// SPDX-License-Identifier: Apache-2.0
/// Alerts and rule hits as the console reads them, and alert triage (API.md "Console reads and
/// work", docs/investigations.md). Alerts are raised by the engine in the commit of their
/// transaction (engine.hpp); triage changes status, assignee and disposition and records each
/// change in alert_events and the audit log in the caller's transaction. Every function takes the
/// organization id it acts in: another organization's alert is kNotFound, exactly like one that
/// does not exist.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "engine/catalog.hpp"
#include "orgs/organizations.hpp"
#include "storage/database.hpp"

namespace wt::engine {

/// What an alert's due time and overdue flag are computed from: the organization's SLA hours by
/// severity (due_at = created_at + hours) and the current time.
struct AlertClock {
    orgs::AlertSla sla;
    UnixMicros now = 0;
};

struct AlertFilter {
    std::string environment = "production";
    std::vector<std::string> statuses;    // any of open | in_review | escalated | closed
    std::optional<std::string> severity;  // low | medium | high | critical
    std::optional<std::string> rule_id;
    std::optional<std::string> assignee_id;
    bool unassigned = false;  // assignee_id IS NULL
    std::optional<std::string> entity_key;
    std::optional<UnixMicros> from;  // created_at >= from
    std::optional<UnixMicros> to;    // created_at < to
    bool overdue = false;            // not closed and past due
    std::optional<std::string> cursor;  // the last id of the previous page
    int limit = 50;
};

/// `{data: [alert...], next_cursor}` newest first. An alert is `{id, rule_id, rule_name,
/// rule_version, severity, status, environment, transaction_id, entity_key, assignee_id,
/// disposition, note, case_id, occurred_at, created_at, updated_at, triaged_at, closed_at,
/// closed_by, due_at, overdue}`.
Result<boost::json::object> ListAlerts(storage::Transaction& tx, const std::string& org_id, const AlertFilter& filter,
                                       const AlertClock& clock);

/// One alert with its `rule_hit` (`{rule_version, action, score, status, explanation: [{line,
/// column, text, value}]}`, the evaluation trace of that moment), `rule` (`{id, name, status,
/// version, expression}`: the expression of the version that raised it) and `events` (its triage
/// history, oldest first: `{at, actor_id, action, details}`).
Result<boost::json::object> GetAlert(storage::Transaction& tx, const std::string& org_id, const std::string& alert_id,
                                     const AlertClock& clock);

/// A triage change of one or more alerts. Absent members change nothing; `assignee_id` holding
/// nullopt unassigns.
struct AlertChange {
    std::optional<std::string> status;
    std::optional<std::optional<std::string>> assignee_id;
    std::optional<std::string> disposition;  // false_positive | true_positive | duplicate
    std::optional<std::string> note;
};

/// Who changes: `may_assign_others` (RISK_LEAD, ADMIN) may assign anyone who is a member and
/// reopen closed alerts; others may only take an unassigned alert or give back their own.
struct TriageActor {
    Change change;
    bool may_assign_others = false;
};

/// kValidationFailed naming `status`, `disposition`, `note` when `change` is incoherent on its
/// own (closing without disposition and note, a disposition without closing, unknown values).
Status ValidateAlertChange(const AlertChange& change);

/// Applies `change` to every alert of `alert_ids` (all or nothing, in `tx`): kNotFound naming
/// `alert_ids[i]` for ids that are not the organization's, kValidationFailed on `assignee_id`
/// for a non-member, kForbidden for an assignment or reopening the actor may not make,
/// kConflict for closing a closed alert. Each alert's changes are recorded in alert_events and
/// audited (`alert.updated`, `alert.assigned`, `alert.closed`, `alert.reopened`, one entry per
/// alert and action). Answers the alerts as ListAlerts shows them, in the order of `alert_ids`.
/// REQUIRES: `tx` was begun with TxMode::kWrite; ValidateAlertChange(change) passed.
Result<boost::json::array> UpdateAlerts(storage::Transaction& tx, const std::string& org_id,
                                        const std::vector<std::string>& alert_ids, const AlertChange& change,
                                        const TriageActor& actor, const AlertClock& clock);

/// The hits of one rule, newest occurred_at first: `{data: [{transaction_id, external_id,
/// occurred_at, rule_version, status, action, score, alert_id}], next_cursor}`. The cursor is
/// opaque (occurred_at and transaction id of the page's last hit). kNotFound for another
/// organization's rule.
Result<boost::json::object> HitsOfRule(storage::Transaction& tx, const std::string& org_id, const std::string& rule_id,
                                       const std::string& environment, const std::optional<std::string>& cursor,
                                       int limit);

/// A transaction's rule hits `[{rule_id, rule_name, rule_version, status, action, score, alert_id,
/// explanation}]` and alerts (as in ListAlerts).
Result<boost::json::array> HitsOfTransaction(storage::Transaction& tx, const std::string& org_id,
                                             const std::string& transaction_id);
/// A transaction's alerts (as in ListAlerts), due times and overdue flags by `clock`.
Result<boost::json::array> AlertsOfTransaction(storage::Transaction& tx, const std::string& org_id,
                                               const std::string& transaction_id, const AlertClock& clock);

}  // namespace wt::engine
