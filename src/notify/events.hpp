// SPDX-License-Identifier: Apache-2.0
/// Notification events and the outbox they go to (docs/webhooks.md). A change that should notify
/// someone calls Record inside its own storage write transaction: one delivery row is written per
/// target (each of the organization's channels subscribed to the event, each user whose settings
/// ask for it), so the notification commits with the change or not at all, and nothing that was
/// acknowledged is lost. The dispatcher (notify/notifier.hpp) sends the rows after the commit.
///
/// Events: `alert.raised` (org channels, by min_severity), `alert.assigned` and `case.assigned`
/// (the assignee, by their settings; org channels subscribed to them), `case.escalated` (org
/// channels; users who opted in), `alert.sla_overdue` (org channels and the assignee), and `test`
/// (one channel, from POST /orgs/notification-channels/{id}/test).
///
/// The payload sent is `{id, type, occurred_at, organization_id, environment, data}` (environment
/// is null only for `test`); `data` holds
/// ids, names, severity and a console link, never secrets or free text such as notes.
///
/// Threading: free functions over the caller's transaction.
#pragma once

#include <boost/json.hpp>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::notify {

/// Every event a channel may subscribe to.
inline constexpr std::array<std::string_view, 5> kEventTypes{"alert.raised", "alert.assigned", "case.assigned",
                                                             "case.escalated", "alert.sla_overdue"};
/// The events a user may ask for in their own settings (mailed to their account's address).
inline constexpr std::array<std::string_view, 4> kPersonalEventTypes{"alert.assigned", "case.assigned",
                                                                     "case.escalated", "alert.sla_overdue"};
/// Severities in rising order (a channel's min_severity, an alert's severity, a case's priority).
inline constexpr std::array<std::string_view, 4> kSeverities{"low", "medium", "high", "critical"};

/// The rank of a severity in kSeverities, or -1 for an unknown name.
int SeverityRank(std::string_view severity);
bool IsEventType(std::string_view type);
bool IsPersonalEventType(std::string_view type);

struct Event {
    std::string type;         // one of kEventTypes
    std::string org_id;
    std::string environment;  // "production" | "sandbox"; empty for an event tied to none (test)
    /// Compared with each channel's min_severity; empty passes every channel.
    std::string severity;
    UnixMicros occurred_at = 0;
    /// What a receiver needs: ids, names, severity. A member `url` that starts with '/' is a
    /// console path; the dispatcher makes it absolute with the server's public URL.
    boost::json::object data;
    /// Deliver to the organization's channels subscribed to `type`.
    bool org_channels = true;
    /// Deliver by mail to these users when their settings ask for `type` and they are still members.
    std::vector<std::string> user_ids;
    /// The user whose action caused the event: never notified of their own action. May be empty.
    std::string actor_id;
};

/// Writes one delivery row per target of `event` inside `tx` (see the file comment); nothing when
/// no channel or user wants it. Answers the number of rows written. Errors are storage errors.
/// REQUIRES: `tx` was begun with TxMode::kWrite; event.type is one of kEventTypes.
Result<int> Record(storage::Transaction& tx, const Event& event);

/// The alert `alert_id` of `org_id` was assigned to `assignee_id` by `actor_id` (engine/alerts.cpp
/// calls it in the triage transaction). Reads the alert's rule, severity and environment from `tx`.
Result<int> RecordAlertAssigned(storage::Transaction& tx, const std::string& org_id, const std::string& alert_id,
                                const std::string& assignee_id, const std::string& actor_id, UnixMicros now);

/// What the case events say about a case.
struct CaseFacts {
    std::string org_id;
    std::string case_id;
    std::string environment;                 // the case's: production | sandbox
    std::string priority;                    // low | medium | high | critical (the channels' severity)
    std::string status;                      // the case's status after the change
    std::optional<std::string> assignee_id;  // after the change
    std::string actor_id;                    // who made the change
    UnixMicros now = 0;
};

/// `case.assigned` to `facts.assignee_id` (nothing when unassigned or self-assigned).
Result<int> RecordCaseAssigned(storage::Transaction& tx, const CaseFacts& facts);
/// `case.escalated`: the organization's channels, and users who opted in (the assignee included).
Result<int> RecordCaseEscalated(storage::Transaction& tx, const CaseFacts& facts);

}  // namespace wt::notify
