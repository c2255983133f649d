// SPDX-License-Identifier: Apache-2.0
/// The dashboard (`GET /api/v1/dashboard`, issue 7 part 3; docs/reports.md "Dashboard") and the
/// period summary (`GET /api/v1/reports/summary`), read in one storage read transaction.
///
/// Cost: transaction volumes and alerts raised come from the hourly rollups (rollups.hpp), so they
/// cost O(hours × decisions × currencies) rows whatever the traffic. The other figures read
/// `alerts` and `cases` through migration 8's covering indexes and are bounded by the alerts worked
/// in the period (medians, false-positive rates) or still open (open work), not by traffic.
///
/// Every figure is of one organization and one environment (cases: one environment too).
/// Failure: storage errors only (kUnavailable / kInternal).
#pragma once

#include <boost/json.hpp>
#include <string>

#include "common/result.hpp"
#include "orgs/organizations.hpp"
#include "reports/period.hpp"
#include "storage/database.hpp"

namespace wt::reports {

/// Day buckets are days of `period.time_zone` (each `start` is the first instant of that local
/// day: 05:00Z for New York in winter) when every hour of the period has a whole-hour UTC offset
/// in that zone; otherwise UTC days (`time_zone` in the answer says which was used).
/// `{from, to, environment, bucket, time_zone, transactions: {count, by_decision: [{decision, count}],
/// value: [{currency, amount}], by_environment: [{environment, count}]}, series: [{start, decision,
/// currency, count, amount}], alerts: {raised, by_severity: [{severity, count}], by_rule: [{rule_id,
/// rule_name, severity, count}], series: [{start, severity, count}]}, open_work: {alerts: {open,
/// overdue, by_assignee: [{assignee_id, open, overdue}]}, cases: {open, by_assignee: [{assignee_id,
/// open}]}}, triage: {triaged, median_seconds_to_triage, closed, median_seconds_to_close},
/// false_positive_rate: [{rule_id, rule_name, closed, false_positive, rate}]}`.
/// `now` and `sla` decide the overdue flag exactly as the alert list does.
Result<boost::json::object> BuildDashboard(storage::Transaction& tx, const std::string& org_id, const Period& period,
                                           const orgs::AlertSla& sla, UnixMicros now);

/// `{from, to, environment, transactions: {count, by_decision: [{decision, count, value: [{currency,
/// amount}]}]}, alerts: {raised: {total, by_severity}, closed: {total, by_severity, by_disposition}},
/// cases: {opened, closed: {total, by_resolution}, sar_filed}, triage: {...as the dashboard}}`.
Result<boost::json::object> BuildSummary(storage::Transaction& tx, const std::string& org_id, const Period& period);

/// The median of whole-second durations in whole seconds (for an even count the mean of the two
/// middle ones, a half rounded up), or null when there are none. A JSON integer, never a double.
/// REQUIRES: `seconds` sorted ascending.
boost::json::value MedianSeconds(const std::vector<std::int64_t>& seconds);

}  // namespace wt::reports
