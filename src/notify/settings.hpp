// SPDX-License-Identifier: Apache-2.0
/// A user's own notification settings in one organization (GET/PUT /notifications/settings):
/// `{email: bool, events: [...]}` — whether WatchTower mails them at all, and for which of
/// kPersonalEventTypes. Without a stored row the defaults apply: mail on, for `alert.assigned`,
/// `case.assigned` and `alert.sla_overdue` (not `case.escalated`, which a user opts into).
///
/// Threading: free functions over the caller's transaction.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::notify {

struct UserSettings {
    bool email = true;
    std::vector<std::string> events{"alert.assigned", "case.assigned", "alert.sla_overdue"};
    /// True when a mail of `type` goes to this user.
    bool Wants(std::string_view type) const;
};

boost::json::object SettingsToJson(const UserSettings& settings);
/// A PUT body `{email, events}` (both required; unknown fields refused): kValidationFailed naming
/// `email`, `events` or `events[i]` (unknown or repeated event).
Result<UserSettings> ParseSettings(const boost::json::value& body);
/// Settings stored as JSON text (defaults for anything unreadable).
UserSettings SettingsFromText(std::string_view text);

/// The settings of `user_id` in `org_id` (the defaults when never saved).
Result<UserSettings> LoadSettings(storage::Transaction& tx, const std::string& org_id, const std::string& user_id);
/// Saves them and appends the audit entry `notification_settings.updated` (actor and target: the
/// user). REQUIRES: `tx` was begun with TxMode::kWrite.
Status SaveSettings(storage::Transaction& tx, const std::string& org_id, const std::string& user_id,
                    const UserSettings& settings, const std::string& ip, const std::string& user_agent,
                    UnixMicros now);

}  // namespace wt::notify
