// SPDX-License-Identifier: Apache-2.0
#include "reports/dashboard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "ingest/transaction.hpp"
#include "reports/rollups.hpp"
#include "rules/time_zone.hpp"

namespace wt::reports {

namespace json = boost::json;
using storage::Int;
using storage::Text;

namespace {


std::string Amount(std::int64_t minor, const std::string& currency) {
    return ingest::FormatAmount(minor, ingest::CurrencyExponent(currency).value_or(2));
}

// `[{currency, amount}]` from per-currency sums, in currency order.
json::array ValueArray(const std::map<std::string, std::int64_t>& by_currency) {
    json::array value;
    for (const auto& [currency, minor] : by_currency)
        value.push_back(json::object{{"currency", currency}, {"amount", Amount(minor, currency)}});
    return value;
}

// `[{<key_name>: key, count}]` from counts, in key order.
json::array CountArray(const std::map<std::string, std::int64_t>& counts, std::string_view key_name) {
    json::array out;
    for (const auto& [key, count] : counts) out.push_back(json::object{{key_name, key}, {"count", count}});
    return out;
}

json::value NullableText(const storage::Row& row, std::size_t col) {
    return row.IsNull(col) ? json::value(nullptr) : json::value(row.GetText(col));
}

// The rollup rows of the period (hours [from, to)) and what they add up to.
struct TransactionRollup {
    std::int64_t count = 0;
    std::map<std::string, std::int64_t> by_decision;
    std::map<std::string, std::int64_t> value;  // per currency
    std::map<std::string, std::map<std::string, std::int64_t>> value_by_decision;  // decision -> currency -> minor
    // (bucket start, decision, currency) -> count, minor
    std::map<std::tuple<UnixMicros, std::string, std::string>, std::pair<std::int64_t, std::int64_t>> series;
};

UnixMicros FloorTo(UnixMicros at, UnixMicros unit) {
    const UnixMicros floored = at / unit * unit;
    return floored > at ? floored - unit : floored;
}

// The bucket of each rollup hour: the hour itself, or the day it falls in — a day of the
// organization's time zone when every hour of the period has a whole-hour UTC offset there (then
// each UTC hour lies inside one local day, and a local day starts on a UTC hour), else a UTC day
// (India's +05:30, Nepal's +05:45: an hourly rollup cannot be split between two local days).
class Buckets {
  public:
    explicit Buckets(const Period& period) : bucket_(period.bucket) {
        if (bucket_ != Bucket::kDay || period.time_zone == "UTC") return;
        auto zone = rules::TimeZone::Find(period.time_zone);
        if (!zone) return;  // settings are validated when saved; an unknown name counts as UTC
        for (UnixMicros at = period.from; at < period.to; at += kMicrosPerHour)
            if ((zone->ToLocal(at) - at) % kMicrosPerHour != 0) return;
        zone_ = std::move(*zone);
    }

    /// The first instant of the bucket of `hour`.
    UnixMicros Start(std::int64_t hour) {
        auto [it, inserted] = starts_.try_emplace(hour, 0);
        if (!inserted) return it->second;
        const UnixMicros at = hour * kMicrosPerHour;
        if (bucket_ == Bucket::kHour) return it->second = at;
        if (!zone_) return it->second = FloorTo(at, kMicrosPerDay);
        // Back hour by hour to the first one of the same local date (at most 25: a day around a
        // daylight-saving change, or one whose midnight does not exist, is not 24 hours long).
        const UnixMicros day = FloorTo(zone_->ToLocal(at), kMicrosPerDay);
        UnixMicros start = at;
        for (int step = 0; step < 25 && FloorTo(zone_->ToLocal(start - kMicrosPerHour), kMicrosPerDay) == day; ++step)
            start -= kMicrosPerHour;
        return it->second = start;
    }

    /// The zone whose days the buckets are ("UTC" for hour buckets or when it fell back).
    std::string_view zone_name() const { return zone_ ? std::string_view(zone_->name()) : "UTC"; }

  private:
    Bucket bucket_;
    std::optional<rules::TimeZone> zone_;
    std::map<std::int64_t, UnixMicros> starts_;
};

Result<TransactionRollup> ReadTransactionRollup(storage::Transaction& tx, const std::string& org_id,
                                                const Period& period, Buckets& buckets) {
    WT_ASSIGN_OR_RETURN(auto rows,
                        tx.Query("SELECT hour, decision, currency, tx_count, amount_minor FROM rollup_transactions_hourly "
                                 "WHERE org_id = $1 AND environment = $2 AND hour >= $3 AND hour < $4",
                                 {Text(org_id), Text(period.environment), Int(HourOf(period.from)),
                                  Int(HourOf(period.to))}));
    TransactionRollup rollup;
    for (const auto& row : rows) {
        const std::string& decision = row.GetText(1);
        const std::string& currency = row.GetText(2);
        const std::int64_t count = row.GetInt(3);
        const std::int64_t minor = row.GetInt(4);
        rollup.count += count;
        rollup.by_decision[decision] += count;
        rollup.value[currency] += minor;
        rollup.value_by_decision[decision][currency] += minor;
        auto& point = rollup.series[{buckets.Start(row.GetInt(0)), decision, currency}];
        point.first += count;
        point.second += minor;
    }
    return rollup;
}

struct AlertRollup {
    std::int64_t raised = 0;
    std::map<std::string, std::int64_t> by_severity;
    std::map<std::pair<std::string, std::string>, std::int64_t> by_rule;  // (rule_id, severity)
    std::map<std::pair<UnixMicros, std::string>, std::int64_t> series;     // (bucket start, severity)
};

Result<AlertRollup> ReadAlertRollup(storage::Transaction& tx, const std::string& org_id, const Period& period,
                                    Buckets& buckets) {
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT hour, rule_id, severity, raised FROM rollup_alerts_hourly "
                                            "WHERE org_id = $1 AND environment = $2 AND hour >= $3 AND hour < $4",
                                            {Text(org_id), Text(period.environment), Int(HourOf(period.from)),
                                             Int(HourOf(period.to))}));
    AlertRollup rollup;
    for (const auto& row : rows) {
        const std::int64_t raised = row.GetInt(3);
        rollup.raised += raised;
        rollup.by_severity[row.GetText(2)] += raised;
        rollup.by_rule[{row.GetText(1), row.GetText(2)}] += raised;
        rollup.series[{buckets.Start(row.GetInt(0)), row.GetText(2)}] += raised;
    }
    return rollup;
}

// Rule names by id (the current name: a renamed rule shows its new name).
Result<std::map<std::string, std::string>> RuleNames(storage::Transaction& tx, const std::string& org_id) {
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, name FROM rules WHERE org_id = $1", {Text(org_id)}));
    std::map<std::string, std::string> names;
    for (const auto& row : rows) names[row.GetText(0)] = row.GetText(1);
    return names;
}

std::string NameOf(const std::map<std::string, std::string>& names, const std::string& rule_id) {
    auto it = names.find(rule_id);
    return it == names.end() ? std::string() : it->second;
}

// Alerts worked in the period. Durations are whole seconds as the alert JSON shows its times
// (`triaged_at` - `created_at`, each truncated to the second), so the figures can be recomputed
// exactly from the alert list. Everything is counted and ordered inside SQLite over the covering
// indexes alerts_by_triaged / alerts_by_closed: only a few rows come back, however many alerts
// were worked (materialising 100,000 rows here cost more than the rest of the dashboard).
struct Worked {
    std::int64_t triaged = 0;
    json::value median_triage = nullptr;
    std::int64_t closed = 0;
    json::value median_close = nullptr;
    // rule_id -> (closed, false positives)
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> closed_by_rule;
    std::map<std::string, std::int64_t> closed_by_severity;
    std::map<std::string, std::int64_t> closed_by_disposition;
};

// The median of `duration` over the alerts whose `at` column lies in the period: the one or two
// middle values picked by ORDER BY ... LIMIT/OFFSET. REQUIRES: `count` of them exist.
Result<json::value> MedianDuration(storage::Transaction& tx, const std::string& org_id, const Period& period,
                                   std::string_view at, std::int64_t count) {
    if (count == 0) return json::value(nullptr);
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(fmt::format("SELECT {0} / 1000000 - created_at / 1000000 AS d FROM alerts "
                                                        "WHERE org_id = $1 AND environment = $2 AND {0} >= $3 AND "
                                                        "{0} < $4 ORDER BY d LIMIT $5 OFFSET $6",
                                                        at),
                                            {Text(org_id), Text(period.environment), Int(period.from),
                                             Int(period.to), Int(count % 2 == 1 ? 1 : 2),
                                             Int(count % 2 == 1 ? count / 2 : count / 2 - 1)}));
    std::vector<std::int64_t> middle;
    for (const auto& row : rows) middle.push_back(row.GetInt(0));
    return MedianSeconds(middle);
}

Result<Worked> ReadWorked(storage::Transaction& tx, const std::string& org_id, const Period& period) {
    Worked worked;
    WT_ASSIGN_OR_RETURN(auto triaged, tx.QueryOne("SELECT COUNT(*) FROM alerts WHERE org_id = $1 AND environment = $2 "
                                                  "AND triaged_at >= $3 AND triaged_at < $4",
                                                  {Text(org_id), Text(period.environment), Int(period.from),
                                                   Int(period.to)}));
    worked.triaged = triaged ? triaged->GetInt(0) : 0;
    WT_ASSIGN_OR_RETURN(worked.median_triage, MedianDuration(tx, org_id, period, "triaged_at", worked.triaged));
    WT_ASSIGN_OR_RETURN(auto closed, tx.Query("SELECT rule_id, disposition, severity, COUNT(*) FROM alerts WHERE "
                                              "org_id = $1 AND environment = $2 AND closed_at >= $3 AND closed_at < $4 "
                                              "GROUP BY rule_id, disposition, severity",
                                              {Text(org_id), Text(period.environment), Int(period.from),
                                               Int(period.to)}));
    for (const auto& row : closed) {
        const std::int64_t count = row.GetInt(3);
        const std::string disposition = row.IsNull(1) ? std::string() : row.GetText(1);
        worked.closed += count;
        auto& per_rule = worked.closed_by_rule[row.GetText(0)];
        per_rule.first += count;
        if (disposition == "false_positive") per_rule.second += count;
        worked.closed_by_severity[row.GetText(2)] += count;
        if (!disposition.empty()) worked.closed_by_disposition[disposition] += count;
    }
    WT_ASSIGN_OR_RETURN(worked.median_close, MedianDuration(tx, org_id, period, "closed_at", worked.closed));
    return worked;
}

json::object TriageJson(const Worked& worked) {
    return {{"triaged", worked.triaged},
            {"median_seconds_to_triage", worked.median_triage},
            {"closed", worked.closed},
            {"median_seconds_to_close", worked.median_close}};
}

// Alerts not closed, by assignee, with how many are past their SLA due time (the alert list's
// `overdue`: created_at + the severity's hours < now).
Result<json::object> OpenAlerts(storage::Transaction& tx, const std::string& org_id, const Period& period,
                                const orgs::AlertSla& sla, UnixMicros now) {
    auto hours = [&](const char* severity) { return Int(sla.HoursOf(severity) * kMicrosPerHour); };
    // Grouped by status first so the rows come straight off alerts_open_work in index order (a
    // GROUP BY assignee alone makes SQLite walk alerts_by_assignee over every alert instead).
    WT_ASSIGN_OR_RETURN(
        auto rows,
        tx.Query("SELECT assignee_id, COUNT(*), SUM(CASE WHEN created_at + (CASE severity WHEN 'low' THEN $3 WHEN "
                 "'medium' THEN $4 WHEN 'high' THEN $5 ELSE $6 END) < $7 THEN 1 ELSE 0 END) FROM alerts WHERE "
                 "org_id = $1 AND environment = $2 AND status IN ('open', 'in_review', 'escalated') "
                 "GROUP BY status, assignee_id",
                 {Text(org_id), Text(period.environment), hours("low"), hours("medium"), hours("high"),
                  hours("critical"), Int(now)}));
    std::int64_t open = 0;
    std::int64_t overdue = 0;
    std::map<std::optional<std::string>, std::pair<std::int64_t, std::int64_t>> per_assignee;  // nullopt first
    for (const auto& row : rows) {
        open += row.GetInt(1);
        overdue += row.GetInt(2);
        auto& counts = per_assignee[row.GetOptText(0)];
        counts.first += row.GetInt(1);
        counts.second += row.GetInt(2);
    }
    json::array by_assignee;
    for (const auto& [assignee, counts] : per_assignee)
        by_assignee.push_back(json::object{{"assignee_id", assignee ? json::value(*assignee) : json::value(nullptr)},
                                           {"open", counts.first},
                                           {"overdue", counts.second}});
    return json::object{{"open", open}, {"overdue", overdue}, {"by_assignee", std::move(by_assignee)}};
}

Result<json::object> OpenCases(storage::Transaction& tx, const std::string& org_id, const Period& period) {
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT assignee_id, COUNT(*) FROM cases WHERE org_id = $1 AND "
                                            "environment = $2 AND status <> 'closed' GROUP BY assignee_id "
                                            "ORDER BY assignee_id",
                                            {Text(org_id), Text(period.environment)}));
    std::int64_t open = 0;
    json::array by_assignee;
    for (const auto& row : rows) {
        open += row.GetInt(1);
        by_assignee.push_back(json::object{{"assignee_id", NullableText(row, 0)}, {"open", row.GetInt(1)}});
    }
    return json::object{{"open", open}, {"by_assignee", std::move(by_assignee)}};
}

json::object PeriodJson(const Period& period) {
    return {{"from", FormatRfc3339(period.from)},
            {"to", FormatRfc3339(period.to)},
            {"environment", period.environment}};
}

}  // namespace

json::value MedianSeconds(const std::vector<std::int64_t>& seconds) {
    if (seconds.empty()) return nullptr;
    const std::size_t mid = seconds.size() / 2;
    if (seconds.size() % 2 == 1) return seconds[mid];
    // Whole seconds: the mean of the two middle values, a half rounded up.
    const std::int64_t low = seconds[mid - 1];
    const std::int64_t high = seconds[mid];
    return low + (high - low + 1) / 2;
}

Result<json::object> BuildDashboard(storage::Transaction& tx, const std::string& org_id, const Period& period,
                                    const orgs::AlertSla& sla, UnixMicros now) {
    Buckets buckets(period);
    WT_ASSIGN_OR_RETURN(auto transactions, ReadTransactionRollup(tx, org_id, period, buckets));
    WT_ASSIGN_OR_RETURN(auto alerts, ReadAlertRollup(tx, org_id, period, buckets));
    WT_ASSIGN_OR_RETURN(auto names, RuleNames(tx, org_id));
    WT_ASSIGN_OR_RETURN(auto worked, ReadWorked(tx, org_id, period));
    WT_ASSIGN_OR_RETURN(auto open_alerts, OpenAlerts(tx, org_id, period, sla, now));
    WT_ASSIGN_OR_RETURN(auto open_cases, OpenCases(tx, org_id, period));

    json::array by_environment;
    for (const char* environment : {"production", "sandbox"}) {
        Period other = period;
        other.environment = environment;
        WT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT SUM(tx_count) FROM rollup_transactions_hourly WHERE "
                                                "org_id = $1 AND environment = $2 AND hour >= $3 AND hour < $4",
                                                {Text(org_id), Text(environment), Int(HourOf(period.from)),
                                                 Int(HourOf(period.to))}));
        by_environment.push_back(
            json::object{{"environment", environment}, {"count", rows.empty() ? 0 : rows.front().GetInt(0)}});
    }

    json::array series;
    for (const auto& [key, sums] : transactions.series) {
        const auto& [start, decision, currency] = key;
        series.push_back(json::object{{"start", FormatRfc3339(start)},
                                      {"decision", decision},
                                      {"currency", currency},
                                      {"count", sums.first},
                                      {"amount", Amount(sums.second, currency)}});
    }
    json::array by_rule;
    for (const auto& [key, count] : alerts.by_rule)
        by_rule.push_back(json::object{
            {"rule_id", key.first}, {"rule_name", NameOf(names, key.first)}, {"severity", key.second}, {"count", count}});
    json::array alert_series;
    for (const auto& [key, count] : alerts.series)
        alert_series.push_back(
            json::object{{"start", FormatRfc3339(key.first)}, {"severity", key.second}, {"count", count}});
    json::array false_positive_rate;
    for (const auto& [rule_id, counts] : worked.closed_by_rule)
        false_positive_rate.push_back(json::object{
            {"rule_id", rule_id},
            {"rule_name", NameOf(names, rule_id)},
            {"closed", counts.first},
            {"false_positive", counts.second},
            {"rate", static_cast<double>(counts.second) / static_cast<double>(counts.first)}});

    json::object out = PeriodJson(period);
    out["bucket"] = BucketName(period.bucket);
    out["time_zone"] = buckets.zone_name();
    out["transactions"] = json::object{{"count", transactions.count},
                                       {"by_decision", CountArray(transactions.by_decision, "decision")},
                                       {"value", ValueArray(transactions.value)},
                                       {"by_environment", std::move(by_environment)}};
    out["series"] = std::move(series);
    out["alerts"] = json::object{{"raised", alerts.raised},
                                 {"by_severity", CountArray(alerts.by_severity, "severity")},
                                 {"by_rule", std::move(by_rule)},
                                 {"series", std::move(alert_series)}};
    out["open_work"] = json::object{{"alerts", std::move(open_alerts)}, {"cases", std::move(open_cases)}};
    out["triage"] = TriageJson(worked);
    out["false_positive_rate"] = std::move(false_positive_rate);
    return out;
}

Result<json::object> BuildSummary(storage::Transaction& tx, const std::string& org_id, const Period& period) {
    Period whole = period;
    whole.bucket = Bucket::kHour;  // the summary has no series
    Buckets buckets(whole);
    WT_ASSIGN_OR_RETURN(auto transactions, ReadTransactionRollup(tx, org_id, whole, buckets));
    WT_ASSIGN_OR_RETURN(auto alerts, ReadAlertRollup(tx, org_id, whole, buckets));
    WT_ASSIGN_OR_RETURN(auto worked, ReadWorked(tx, org_id, period));
    WT_ASSIGN_OR_RETURN(auto opened_rows, tx.Query("SELECT COUNT(*) FROM cases WHERE org_id = $1 AND environment = $2 "
                                                   "AND created_at >= $3 AND created_at < $4",
                                                   {Text(org_id), Text(period.environment), Int(period.from),
                                                    Int(period.to)}));
    WT_ASSIGN_OR_RETURN(auto closed_rows,
                        tx.Query("SELECT resolution, COUNT(*) FROM cases WHERE org_id = $1 AND environment = $2 AND "
                                 "closed_at >= $3 AND closed_at < $4 AND status = 'closed' GROUP BY resolution",
                                 {Text(org_id), Text(period.environment), Int(period.from), Int(period.to)}));
    std::map<std::string, std::int64_t> by_resolution;
    std::int64_t cases_closed = 0;
    for (const auto& row : closed_rows) {
        cases_closed += row.GetInt(1);
        by_resolution[row.IsNull(0) ? std::string("none") : row.GetText(0)] += row.GetInt(1);
    }
    const std::int64_t sar_filed = by_resolution.count("sar_filed") ? by_resolution["sar_filed"] : 0;

    json::array by_decision;
    for (const auto& [decision, count] : transactions.by_decision)
        by_decision.push_back(json::object{
            {"decision", decision}, {"count", count}, {"value", ValueArray(transactions.value_by_decision[decision])}});
    const std::int64_t alerts_closed = worked.closed;

    json::object out = PeriodJson(period);
    out["transactions"] = json::object{
        {"count", transactions.count}, {"value", ValueArray(transactions.value)}, {"by_decision", std::move(by_decision)}};
    out["alerts"] = json::object{
        {"raised", json::object{{"total", alerts.raised}, {"by_severity", CountArray(alerts.by_severity, "severity")}}},
        {"closed", json::object{{"total", alerts_closed},
                                {"by_severity", CountArray(worked.closed_by_severity, "severity")},
                                {"by_disposition", CountArray(worked.closed_by_disposition, "disposition")}}}};
    out["cases"] = json::object{
        {"opened", opened_rows.empty() ? 0 : opened_rows.front().GetInt(0)},
        {"closed", json::object{{"total", cases_closed}, {"by_resolution", CountArray(by_resolution, "resolution")}}},
        {"sar_filed", sar_filed}};
    out["triage"] = TriageJson(worked);
    return out;
}

}  // namespace wt::reports
