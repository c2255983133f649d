// SPDX-License-Identifier: Apache-2.0
#include "notify/events.hpp"

#include <algorithm>
#include <set>

#include "common/clock.hpp"
#include "crypto/crypto.hpp"
#include "notify/detail/outbox.hpp"
#include "notify/settings.hpp"

namespace wt::notify {

using storage::Int;
using storage::Text;

int SeverityRank(std::string_view severity) {
    const auto found = std::find(kSeverities.begin(), kSeverities.end(), severity);
    return found == kSeverities.end() ? -1 : static_cast<int>(found - kSeverities.begin());
}

bool IsEventType(std::string_view type) {
    return std::find(kEventTypes.begin(), kEventTypes.end(), type) != kEventTypes.end();
}

bool IsPersonalEventType(std::string_view type) {
    return std::find(kPersonalEventTypes.begin(), kPersonalEventTypes.end(), type) != kPersonalEventTypes.end();
}

namespace detail {

std::string PayloadOf(const Event& event, std::string_view event_id) {
    boost::json::object payload{{"id", event_id},
                                {"type", event.type},
                                {"occurred_at", FormatRfc3339(event.occurred_at)},
                                {"organization_id", event.org_id},
                                {"environment", event.environment.empty() ? boost::json::value(nullptr)
                                                                          : boost::json::value(event.environment)},
                                {"data", event.data}};
    return boost::json::serialize(payload);
}

bool Subscription::Wants(const Event& event) const {
    if (std::find(events.begin(), events.end(), event.type) == events.end() && event.type != "test") return false;
    return event.severity.empty() || SeverityRank(event.severity) >= min_rank;
}

Status InsertDelivery(storage::Transaction& tx, const Event& event, std::string_view event_id,
                      const std::string& payload, std::string_view channel_id, std::string_view user_id) {
    auto inserted = tx.Exec(
        "INSERT INTO notification_deliveries (id, org_id, event_id, event_type, channel_id, user_id, payload, "
        "created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        {Text(crypto::NewId("dlv")), Text(event.org_id), Text(std::string(event_id)), Text(event.type),
         channel_id.empty() ? storage::Null() : Text(std::string(channel_id)),
         user_id.empty() ? storage::Null() : Text(std::string(user_id)), Text(payload), Int(event.occurred_at)});
    if (!inserted) return std::move(inserted).error();
    return Ok();
}

Result<bool> ClaimLease(storage::Transaction& tx, std::string_view delivery_id, UnixMicros seen_next_attempt_at,
                        std::int64_t seen_attempts, UnixMicros lease_until) {
    WT_ASSIGN_OR_RETURN(
        auto changed,
        tx.Exec("UPDATE notification_deliveries SET next_attempt_at = $2 WHERE id = $1 AND "
                "next_attempt_at = $3 AND attempts = $4 AND delivered_at IS NULL AND failed_at IS NULL",
                {Text(std::string(delivery_id)), Int(lease_until), Int(seen_next_attempt_at), Int(seen_attempts)}));
    return changed == 1;
}

std::vector<std::string> StringsOf(std::string_view json_text) {
    std::vector<std::string> strings;
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(json_text, ec);
    if (ec || !parsed.is_array()) return strings;
    for (const auto& item : parsed.as_array())
        if (item.is_string()) strings.emplace_back(item.as_string());
    return strings;
}

Result<std::vector<std::pair<std::string, Subscription>>> LoadSubscriptions(storage::Transaction& tx,
                                                                             const std::string& org_id) {
    std::string sql =
        "SELECT org_id, id, events, min_severity FROM notification_channels WHERE deleted_at IS NULL AND enabled = 1";
    std::vector<storage::Value> params;
    if (!org_id.empty()) {
        sql += " AND org_id = $1";
        params.push_back(Text(org_id));
    }
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(sql + " ORDER BY id", params));
    std::vector<std::pair<std::string, Subscription>> subscriptions;
    for (const auto& row : rows)
        subscriptions.emplace_back(row.GetText(0), Subscription{row.GetText(1), StringsOf(row.GetText(2)),
                                                                std::max(0, SeverityRank(row.GetText(3)))});
    return subscriptions;
}

}  // namespace detail

Result<int> Record(storage::Transaction& tx, const Event& event) {
    const std::string event_id = crypto::NewId("evt");
    const std::string payload = detail::PayloadOf(event, event_id);
    int written = 0;
    if (event.org_channels) {
        WT_ASSIGN_OR_RETURN(auto subscriptions, detail::LoadSubscriptions(tx, event.org_id));
        for (const auto& [org, subscription] : subscriptions) {
            if (!subscription.Wants(event)) continue;
            WT_RETURN_IF_ERROR(detail::InsertDelivery(tx, event, event_id, payload, subscription.channel_id, ""));
            ++written;
        }
    }
    std::set<std::string> seen;
    for (const auto& user_id : event.user_ids) {
        if (user_id.empty() || user_id == event.actor_id || !seen.insert(user_id).second) continue;
        WT_ASSIGN_OR_RETURN(auto member, tx.QueryOne("SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2",
                                                     {Text(event.org_id), Text(user_id)}));
        if (!member) continue;
        WT_ASSIGN_OR_RETURN(auto settings, LoadSettings(tx, event.org_id, user_id));
        if (!settings.Wants(event.type)) continue;
        WT_RETURN_IF_ERROR(detail::InsertDelivery(tx, event, event_id, payload, "", user_id));
        ++written;
    }
    return written;
}

Result<int> RecordAlertAssigned(storage::Transaction& tx, const std::string& org_id, const std::string& alert_id,
                                const std::string& assignee_id, const std::string& actor_id, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT environment, rule_id, rule_name, severity, transaction_id, status "
                                              "FROM alerts WHERE id = $1 AND org_id = $2",
                                              {Text(alert_id), Text(org_id)}));
    if (!row) return Error::NotFound("no such alert");
    Event event;
    event.type = "alert.assigned";
    event.org_id = org_id;
    event.environment = row->GetText(0);
    event.severity = row->GetText(3);
    event.occurred_at = now;
    event.data = {{"alert_id", alert_id},
                  {"rule_id", row->GetText(1)},
                  {"rule_name", row->GetText(2)},
                  {"severity", row->GetText(3)},
                  {"status", row->GetText(5)},
                  {"transaction_id", row->GetText(4)},
                  {"assignee_id", assignee_id},
                  {"assigned_by", actor_id},
                  {"url", "/alerts/" + alert_id}};
    event.user_ids = {assignee_id};
    event.actor_id = actor_id;
    return Record(tx, event);
}

namespace {

Event CaseEvent(std::string type, const CaseFacts& facts) {
    Event event;
    event.type = std::move(type);
    event.org_id = facts.org_id;
    event.environment = facts.environment;
    event.severity = SeverityRank(facts.priority) >= 0 ? facts.priority : "";
    event.occurred_at = facts.now;
    event.data = {{"case_id", facts.case_id},
                  {"priority", facts.priority},
                  {"status", facts.status},
                  {"assignee_id", facts.assignee_id ? boost::json::value(*facts.assignee_id) : nullptr},
                  {"changed_by", facts.actor_id},
                  {"url", "/cases/" + facts.case_id}};
    event.actor_id = facts.actor_id;
    return event;
}

}  // namespace

Result<int> RecordCaseAssigned(storage::Transaction& tx, const CaseFacts& facts) {
    if (!facts.assignee_id || *facts.assignee_id == facts.actor_id) return 0;
    Event event = CaseEvent("case.assigned", facts);
    event.user_ids = {*facts.assignee_id};
    return Record(tx, event);
}

Result<int> RecordCaseEscalated(storage::Transaction& tx, const CaseFacts& facts) {
    Event event = CaseEvent("case.escalated", facts);
    // Who opted in: only users with stored settings can have (the default leaves it off).
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT user_id, settings FROM notification_settings WHERE org_id = $1",
                                            {Text(facts.org_id)}));
    for (const auto& row : rows)
        if (SettingsFromText(row.GetText(1)).Wants(event.type)) event.user_ids.push_back(row.GetText(0));
    return Record(tx, event);
}

}  // namespace wt::notify
