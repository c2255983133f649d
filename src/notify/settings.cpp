// SPDX-License-Identifier: Apache-2.0
#include "notify/settings.hpp"

#include <algorithm>

#include "audit/audit_log.hpp"
#include "common/json.hpp"
#include "notify/detail/outbox.hpp"
#include "notify/events.hpp"

namespace wt::notify {

bool UserSettings::Wants(std::string_view type) const {
    return email && std::find(events.begin(), events.end(), type) != events.end();
}

boost::json::object SettingsToJson(const UserSettings& settings) {
    boost::json::array events;
    for (const auto& type : settings.events) events.emplace_back(type);
    return {{"email", settings.email}, {"events", std::move(events)}};
}

Result<UserSettings> ParseSettings(const boost::json::value& body) {
    JsonReader in(body);
    UserSettings settings;
    const auto email = in.OptionalBool("email");
    if (!in.Has("email")) in.AddError("email", "is required");
    if (email) settings.email = *email;
    settings.events.clear();
    const boost::json::value* events = in.Raw("events");
    if (events == nullptr) {
        in.AddError("events", "is required");
    } else if (!events->is_array()) {
        in.AddError("events", "must be an array of event names");
    } else {
        const auto& items = events->as_array();
        for (std::size_t idx = 0; idx < items.size(); ++idx) {
            const std::string field = "events[" + std::to_string(idx) + "]";
            if (!items[idx].is_string() || !IsPersonalEventType(items[idx].as_string())) {
                in.AddError(field, "must be one of alert.assigned, case.assigned, case.escalated, alert.sla_overdue");
                continue;
            }
            std::string type(items[idx].as_string());
            if (std::find(settings.events.begin(), settings.events.end(), type) != settings.events.end()) {
                in.AddError(field, "is repeated");
                continue;
            }
            settings.events.push_back(std::move(type));
        }
    }
    in.RejectUnknown();
    WT_RETURN_IF_ERROR(in.Finish());
    return settings;
}

UserSettings SettingsFromText(std::string_view text) {
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(text, ec);
    if (ec || !parsed.is_object()) return {};
    auto settings = ParseSettings(parsed);
    return settings ? *settings : UserSettings{};
}

Result<UserSettings> LoadSettings(storage::Transaction& tx, const std::string& org_id, const std::string& user_id) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT settings FROM notification_settings WHERE org_id = $1 AND "
                                              "user_id = $2",
                                              {storage::Text(org_id), storage::Text(user_id)}));
    if (!row) return UserSettings{};
    return SettingsFromText(row->GetText(0));
}

Status SaveSettings(storage::Transaction& tx, const std::string& org_id, const std::string& user_id,
                    const UserSettings& settings, const std::string& ip, const std::string& user_agent,
                    UnixMicros now) {
    const boost::json::object json = SettingsToJson(settings);
    const std::string text = boost::json::serialize(json);
    WT_RETURN_IF_ERROR(tx.Exec("INSERT INTO notification_settings (org_id, user_id, settings, updated_at) "
                               "VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, user_id) DO UPDATE SET "
                               "settings = excluded.settings, updated_at = excluded.updated_at",
                               {storage::Text(org_id), storage::Text(user_id), storage::Text(text), storage::Int(now)}));
    audit::Event event{org_id, {audit::ActorType::kUser, user_id}, "notification_settings.updated", "user:" + user_id,
                       ip, user_agent, json};
    return audit::Append(tx, event, now);
}

}  // namespace wt::notify
