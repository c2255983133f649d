// SPDX-License-Identifier: Apache-2.0
/// Alerts and rule hits as the console reads them (API.md "Console reads and work"). Alerts are
/// written by the engine in the commit of their transaction (engine.hpp); this file only reads.
/// Every function takes the organization id it acts in: another organization's alert is
/// kNotFound, exactly like one that does not exist.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::engine {

struct AlertFilter {
    std::string environment = "production";
    std::optional<std::string> status;    // open | in_review | escalated | closed
    std::optional<std::string> severity;  // low | medium | high | critical
    std::optional<std::string> rule_id;
    std::optional<std::string> assignee_id;
    std::optional<std::string> cursor;  // the last id of the previous page
    int limit = 50;
};

/// `{data: [alert...], next_cursor}` newest first. An alert is `{id, rule_id, rule_name,
/// rule_version, severity, status, environment, transaction_id, entity_key, assignee_id,
/// disposition, case_id, occurred_at, created_at, updated_at}`.
Result<boost::json::object> ListAlerts(storage::Transaction& tx, const std::string& org_id, const AlertFilter& filter);

/// One alert with its `rule_hit` (`{rule_version, action, score, status, explanation: [{line,
/// column, text, value}]}`, the evaluation trace of that moment) and `rule` (`{id, name, status,
/// version, expression}`: the expression of the version that raised it).
Result<boost::json::object> GetAlert(storage::Transaction& tx, const std::string& org_id, const std::string& alert_id);

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
Result<boost::json::array> AlertsOfTransaction(storage::Transaction& tx, const std::string& org_id,
                                               const std::string& transaction_id);

}  // namespace wt::engine
