// SPDX-License-Identifier: Apache-2.0
#include "notify/channels.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>

#include "audit/audit_log.hpp"
#include "common/json.hpp"
#include "crypto/crypto.hpp"
#include "mail/mime.hpp"
#include "net/url.hpp"
#include "notify/detail/outbox.hpp"
#include "notify/events.hpp"
#include "secrets/sealed_columns.hpp"

namespace wt::notify {

using storage::Int;
using storage::Text;

namespace {

constexpr const char* kChannelColumns =
    "id, type, name, url, recipients, events, min_severity, enabled, created_at, created_by, updated_at, "
    "allowed_domains";
constexpr const char* kDeliveryColumns =
    "id, event_id, event_type, attempts, last_status, last_error, created_at, last_attempt_at, next_attempt_at, "
    "delivered_at, failed_at";

std::string SecretContext(const std::string& channel_id) {
    return secrets::SealContext("notification_channels", "secret_sealed", channel_id);
}

boost::json::array JsonStrings(const std::vector<std::string>& strings) {
    boost::json::array array;
    for (const auto& text : strings) array.emplace_back(text);
    return array;
}

/// The stored allowed_domains: a JSON array, or NULL for none.
storage::Value DomainsValue(const std::vector<std::string>& domains) {
    return domains.empty() ? storage::Null() : Text(boost::json::serialize(JsonStrings(domains)));
}

boost::json::value OptTime(const storage::Row& row, std::size_t column) {
    return row.IsNull(column) ? boost::json::value(nullptr) : boost::json::value(FormatRfc3339(row.GetInt(column)));
}

boost::json::object ChannelJson(const storage::Row& row) {
    boost::json::object channel{{"id", row.GetText(0)}, {"type", row.GetText(1)}, {"name", row.GetText(2)}};
    if (row.GetText(1) == "webhook") {
        channel["url"] = row.GetText(3);
        channel["allowed_domains"] = JsonStrings(row.IsNull(11) ? std::vector<std::string>()
                                                                : detail::StringsOf(row.GetText(11)));
    } else {
        channel["recipients"] = JsonStrings(detail::StringsOf(row.GetText(4)));
    }
    channel["events"] = JsonStrings(detail::StringsOf(row.GetText(5)));
    channel["min_severity"] = row.GetText(6);
    channel["enabled"] = row.GetInt(7) != 0;
    channel["created_at"] = FormatRfc3339(row.GetInt(8));
    channel["created_by"] = row.GetText(9);
    channel["updated_at"] = FormatRfc3339(row.GetInt(10));
    return channel;
}

boost::json::object DeliveryJson(const storage::Row& row) {
    const char* status = !row.IsNull(9) ? "delivered" : !row.IsNull(10) ? "failed" : "pending";
    return {{"id", row.GetText(0)},
            {"event_id", row.GetText(1)},
            {"event_type", row.GetText(2)},
            {"status", status},
            {"attempts", row.GetInt(3)},
            {"last_status", row.IsNull(4) ? boost::json::value(nullptr) : boost::json::value(row.GetInt(4))},
            {"last_error", row.IsNull(5) ? boost::json::value(nullptr) : boost::json::value(row.GetText(5))},
            {"created_at", FormatRfc3339(row.GetInt(6))},
            {"last_attempt_at", OptTime(row, 7)},
            {"next_attempt_at", std::string_view(status) == "pending" ? OptTime(row, 8) : nullptr},
            {"delivered_at", OptTime(row, 9)},
            {"failed_at", OptTime(row, 10)}};
}

/// Reads one item of a string array: its stored form, or Error::Validation whose message is
/// reported on `field[i]`.
using ItemReader = std::function<Result<std::string>(std::string_view)>;

/// An ItemReader that takes the item as it is when `valid`, else `message`.
ItemReader Accepting(std::function<bool(std::string_view)> valid, std::string_view message) {
    return [valid = std::move(valid), message = std::string(message)](std::string_view item) -> Result<std::string> {
        if (!valid(item)) return Error::Validation("", message);
        return std::string(item);
    };
}

/// An array of `min_items` to `max_items` distinct strings at `field` (distinct in their stored
/// form), each read by `read` (its error on `field[i]`). Absent: "is required" when min_items > 0.
std::optional<std::vector<std::string>> ReadStrings(JsonReader& in, std::string_view field, std::size_t min_items,
                                                    std::size_t max_items, const ItemReader& read) {
    const boost::json::value* raw = in.Raw(field);
    if (raw == nullptr) {
        if (min_items > 0) in.AddError(field, "is required");
        return std::nullopt;
    }
    if (!raw->is_array() || raw->as_array().size() < min_items || raw->as_array().size() > max_items) {
        in.AddError(field, fmt::format("must be an array of {} to {} strings", min_items, max_items));
        return std::nullopt;
    }
    std::vector<std::string> strings;
    bool ok = true;
    const auto& items = raw->as_array();
    for (std::size_t idx = 0; idx < items.size(); ++idx) {
        const std::string item_field = fmt::format("{}[{}]", field, idx);
        auto item = items[idx].is_string() ? read(items[idx].as_string())
                                           : Result<std::string>(Error::Validation("", "must be a string"));
        if (!item) {
            in.AddError(item_field, item.error().fields.empty() ? item.error().detail
                                                                : item.error().fields.front().message);
            ok = false;
            continue;
        }
        std::string text = std::move(*item);
        if (std::find(strings.begin(), strings.end(), text) != strings.end()) {
            in.AddError(item_field, "is repeated");
            ok = false;
            continue;
        }
        strings.push_back(std::move(text));
    }
    if (!ok) return std::nullopt;
    return strings;
}

constexpr std::string_view kEventsMessage =
    "must be one of alert.raised, alert.assigned, case.assigned, case.escalated, alert.sla_overdue";
constexpr std::string_view kSeverityMessage = R"(must be one of "low", "medium", "high", "critical")";

std::optional<std::vector<std::string>> ReadEvents(JsonReader& in) {
    return ReadStrings(in, "events", 1, kEventTypes.size(), Accepting(IsEventType, kEventsMessage));
}

std::optional<std::vector<std::string>> ReadAllowedDomains(JsonReader& in) {
    return ReadStrings(in, "allowed_domains", 0, kMaxAllowedDomains,
                       [](std::string_view entry) { return NormalizeAllowedDomain(entry); });
}

std::optional<std::string> ReadSeverity(JsonReader& in) {
    auto severity = in.OptionalString("min_severity", 1, 20);
    if (severity && SeverityRank(*severity) < 0) {
        in.AddError("min_severity", std::string(kSeverityMessage));
        return std::nullopt;
    }
    return severity;
}

bool ValidRecipient(std::string_view address) {
    return address.size() <= 254 && mail::IsBareAddress(address) && address.find('@') != std::string_view::npos;
}

Result<storage::Row> LoadChannel(storage::Transaction& tx, const std::string& org_id, const std::string& id) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne(fmt::format("SELECT {} FROM notification_channels WHERE id = $1 AND "
                                                          "org_id = $2 AND deleted_at IS NULL",
                                                          kChannelColumns),
                                              {Text(id), Text(org_id)}));
    if (!row) return Error::NotFound("no such notification channel");
    return std::move(*row);
}

Status Audit(storage::Transaction& tx, const std::string& org_id, const ChannelActor& actor, std::string action,
             const std::string& channel_id, boost::json::object details) {
    audit::Event event{org_id,
                       {audit::ActorType::kUser, actor.user_id},
                       std::move(action),
                       "notification_channel:" + channel_id,
                       actor.ip,
                       actor.user_agent,
                       std::move(details)};
    return audit::Append(tx, event, actor.now);
}

}  // namespace

Result<std::string> NormalizeAllowedDomain(std::string_view entry, std::string_view field) {
    std::string name(entry);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    if (name.ends_with('.')) name.pop_back();
    if (name.find('*') != std::string::npos)
        return Error::Validation(std::string(field),
                                 "wildcards are not supported: 'example.com' already allows its subdomains");
    if (name.find(':') != std::string::npos || name.starts_with('[') || net::ParseIpLiteral(name))
        return Error::Validation(std::string(field), "must be a DNS name, not an IP address");
    const std::string not_a_name = "must be a DNS name: labels of letters, digits and inner hyphens, joined by dots";
    if (name.empty() || name.size() > 253) return Error::Validation(std::string(field), not_a_name);
    std::string_view rest = name;
    std::string_view last;
    while (true) {
        const auto dot = rest.find('.');
        last = rest.substr(0, dot);
        const bool label_ok = !last.empty() && last.size() <= 63 && last.front() != '-' && last.back() != '-' &&
                              std::all_of(last.begin(), last.end(), [](char c) {
                                  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                              });
        if (!label_ok) return Error::Validation(std::string(field), not_a_name);
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
    }
    // A name whose last label is all digits is an address in some spelling, never a host name.
    if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return Error::Validation(std::string(field), "must be a DNS name, not an IP address");
    return name;
}

std::optional<std::string> OutsideAllowedDomains(std::string_view host, const std::vector<std::string>& domains) {
    if (net::DomainAllowed(host, domains)) return std::nullopt;
    std::string listed;
    for (const auto& domain : domains) listed += (listed.empty() ? "" : ", ") + domain;
    return fmt::format("the host '{}' is not in this channel's allowed_domains ({})", host, listed);
}

Result<NewChannel> ParseNewChannel(const boost::json::value& body, const net::OutboundPolicy& policy) {
    JsonReader in(body);
    NewChannel channel;
    auto type = in.RequiredString("type", 1, 20);
    auto name = in.RequiredString("name", 1, kMaxChannelName);
    auto events = ReadEvents(in);
    auto severity = ReadSeverity(in);
    if (type && *type != "webhook" && *type != "email") in.AddError("type", R"(must be "webhook" or "email")");
    if (type == "webhook") {
        auto url = in.RequiredString("url", 1, net::kMaxOutboundUrlLength);
        auto domains = ReadAllowedDomains(in);
        if (domains) channel.allowed_domains = std::move(*domains);
        if (url) {
            auto parsed = net::ParseOutboundUrl(*url, "url");
            Status host_ok = parsed ? policy.CheckLiteralHost(parsed->host, "url") : Status(parsed.error());
            if (!host_ok)
                for (const auto& field : host_ok.error().fields) in.AddError(field.field, field.message);
            else if (auto outside = OutsideAllowedDomains(parsed->host, channel.allowed_domains))
                in.AddError("url", *outside);
            else
                channel.url = parsed->ToString();
        }
    } else if (type == "email") {
        if (in.Has("allowed_domains")) {
            (void)in.Raw("allowed_domains");
            in.AddError("allowed_domains", "only webhook channels have allowed_domains");
        }
        auto recipients = ReadStrings(in, "recipients", 1, kMaxRecipients,
                                      Accepting(ValidRecipient, "must be one email address"));
        if (recipients) channel.recipients = std::move(*recipients);
    }
    in.RejectUnknown();
    if (name && !IsValidUtf8(*name)) in.AddError("name", "must be valid UTF-8");
    WT_RETURN_IF_ERROR(in.Finish());
    channel.type = *type;
    channel.name = *name;
    channel.events = std::move(*events);
    if (severity) channel.min_severity = *severity;
    return channel;
}

Result<ChannelPatch> ParseChannelPatch(const boost::json::value& body) {
    JsonReader in(body);
    ChannelPatch patch;
    patch.name = in.OptionalString("name", 1, kMaxChannelName);
    if (in.Has("events")) patch.events = ReadEvents(in);
    patch.min_severity = ReadSeverity(in);
    patch.enabled = in.OptionalBool("enabled");
    if (in.Has("allowed_domains")) patch.allowed_domains = ReadAllowedDomains(in);
    in.RejectUnknown();
    if (!in.HasErrors() && !patch.name && !patch.events && !patch.min_severity && !patch.enabled &&
        !patch.allowed_domains)
        in.AddError("", "nothing to change: give name, events, min_severity, enabled or allowed_domains");
    WT_RETURN_IF_ERROR(in.Finish());
    return patch;
}

Result<boost::json::object> CreateChannel(storage::Transaction& tx, const crypto::Keyring& keyring,
                                          const std::string& org_id, const NewChannel& channel,
                                          const ChannelActor& actor) {
    WT_ASSIGN_OR_RETURN(auto count, tx.QueryOne("SELECT COUNT(*) FROM notification_channels WHERE org_id = $1 AND "
                                                "deleted_at IS NULL",
                                                {Text(org_id)}));
    if (count && count->GetInt(0) >= static_cast<std::int64_t>(kMaxChannelsPerOrg))
        return Error::Make(ErrorCode::kConflict,
                           fmt::format("an organization has at most {} notification channels", kMaxChannelsPerOrg));
    const std::string id = crypto::NewId("nch");
    std::string secret;
    storage::Value sealed;
    if (channel.type == "webhook") {
        secret = "whsec_" + crypto::HexEncode(crypto::RandomBytes(32));
        sealed = Text(keyring.Seal(secret, SecretContext(id)));
    }
    const std::string events = boost::json::serialize(JsonStrings(channel.events));
    WT_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO notification_channels (id, org_id, type, name, url, secret_sealed, recipients, events, "
        "min_severity, enabled, created_at, created_by, updated_at, allowed_domains) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $10, $12)",
        {Text(id), Text(org_id), Text(channel.type), Text(channel.name),
         channel.type == "webhook" ? Text(channel.url) : storage::Null(), sealed,
         channel.type == "email" ? Text(boost::json::serialize(JsonStrings(channel.recipients))) : storage::Null(),
         Text(events), Text(channel.min_severity), Int(actor.now), Text(actor.user_id),
         DomainsValue(channel.allowed_domains)}));
    // The audit entry names the destination (a URL or addresses) but never the secret.
    boost::json::object details{{"type", channel.type},
                                {"name", channel.name},
                                {"events", JsonStrings(channel.events)},
                                {"min_severity", channel.min_severity}};
    if (channel.type == "webhook") {
        details["url"] = channel.url;
        details["allowed_domains"] = JsonStrings(channel.allowed_domains);
    } else {
        details["recipients"] = JsonStrings(channel.recipients);
    }
    WT_RETURN_IF_ERROR(Audit(tx, org_id, actor, "notification_channel.created", id, std::move(details)));
    WT_ASSIGN_OR_RETURN(auto row, LoadChannel(tx, org_id, id));
    boost::json::object answer = ChannelJson(row);
    if (!secret.empty()) answer["secret"] = secret;
    return answer;
}

Result<boost::json::object> ListChannels(storage::Transaction& tx, const std::string& org_id) {
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(fmt::format("SELECT {} FROM notification_channels WHERE org_id = $1 AND "
                                                        "deleted_at IS NULL ORDER BY id",
                                                        kChannelColumns),
                                            {Text(org_id)}));
    boost::json::array data;
    for (const auto& row : rows) data.push_back(ChannelJson(row));
    return boost::json::object{{"data", std::move(data)}, {"next_cursor", nullptr}};  // one page: at most 50
}

Result<boost::json::object> GetChannel(storage::Transaction& tx, const std::string& org_id, const std::string& id) {
    WT_ASSIGN_OR_RETURN(auto row, LoadChannel(tx, org_id, id));
    return ChannelJson(row);
}

Result<boost::json::object> UpdateChannel(storage::Transaction& tx, const std::string& org_id, const std::string& id,
                                          const ChannelPatch& patch, const ChannelActor& actor) {
    WT_ASSIGN_OR_RETURN(auto row, LoadChannel(tx, org_id, id));
    boost::json::object changes;
    std::vector<storage::Value> params{Text(id), Text(org_id), Int(actor.now)};
    std::string sets = "updated_at = $3";
    auto set = [&](const char* column, storage::Value value, boost::json::value shown) {
        params.push_back(std::move(value));
        sets += fmt::format(", {} = ${}", column, params.size());
        changes[column] = std::move(shown);
    };
    if (patch.name) set("name", Text(*patch.name), boost::json::value(*patch.name));
    if (patch.events) set("events", Text(boost::json::serialize(JsonStrings(*patch.events))), JsonStrings(*patch.events));
    if (patch.min_severity) set("min_severity", Text(*patch.min_severity), boost::json::value(*patch.min_severity));
    if (patch.enabled) set("enabled", Int(*patch.enabled ? 1 : 0), boost::json::value(*patch.enabled));
    if (patch.allowed_domains) {
        if (row.GetText(1) != "webhook")
            return Error::Validation("allowed_domains", "only webhook channels have allowed_domains");
        auto url = net::ParseOutboundUrl(row.GetText(3));
        if (!url) return std::move(url).error();
        if (auto outside = OutsideAllowedDomains(url->host, *patch.allowed_domains))
            return Error::Validation("allowed_domains", *outside);
        set("allowed_domains", DomainsValue(*patch.allowed_domains), JsonStrings(*patch.allowed_domains));
    }
    WT_RETURN_IF_ERROR(
        tx.Exec(fmt::format("UPDATE notification_channels SET {} WHERE id = $1 AND org_id = $2", sets), params));
    WT_RETURN_IF_ERROR(Audit(tx, org_id, actor, "notification_channel.updated", id, std::move(changes)));
    return GetChannel(tx, org_id, id);
}

Status DeleteChannel(storage::Transaction& tx, const std::string& org_id, const std::string& id,
                     const ChannelActor& actor) {
    WT_ASSIGN_OR_RETURN(auto row, LoadChannel(tx, org_id, id));
    WT_RETURN_IF_ERROR(tx.Exec("UPDATE notification_channels SET deleted_at = $3, updated_at = $3, secret_sealed = "
                               "NULL, enabled = 0 WHERE id = $1 AND org_id = $2",
                               {Text(id), Text(org_id), Int(actor.now)}));
    WT_RETURN_IF_ERROR(tx.Exec("UPDATE notification_deliveries SET failed_at = $2, last_error = 'channel deleted' "
                               "WHERE channel_id = $1 AND delivered_at IS NULL AND failed_at IS NULL",
                               {Text(id), Int(actor.now)}));
    return Audit(tx, org_id, actor, "notification_channel.deleted", id,
                 {{"type", row.GetText(1)}, {"name", row.GetText(2)}});
}

Result<std::string> RecordTestDelivery(storage::Transaction& tx, const std::string& org_id, const std::string& id,
                                       const ChannelActor& actor, UnixMicros lease) {
    WT_ASSIGN_OR_RETURN(auto row, LoadChannel(tx, org_id, id));
    Event event;
    event.type = "test";
    event.org_id = org_id;
    event.occurred_at = actor.now;
    event.data = {{"channel_id", id},
                  {"message", "A test notification from WatchTower: this channel works."},
                  {"requested_by", actor.user_id}};
    const std::string event_id = crypto::NewId("evt");
    WT_RETURN_IF_ERROR(detail::InsertDelivery(tx, event, event_id, detail::PayloadOf(event, event_id), id, ""));
    WT_ASSIGN_OR_RETURN(auto delivery, tx.QueryOne("SELECT id FROM notification_deliveries WHERE event_id = $1",
                                                   {Text(event_id)}));
    if (!delivery) return Error::Internal("the test delivery was not written");
    WT_RETURN_IF_ERROR(tx.Exec("UPDATE notification_deliveries SET next_attempt_at = $2 WHERE id = $1",
                               {Text(delivery->GetText(0)), Int(actor.now + lease)}));
    WT_RETURN_IF_ERROR(Audit(tx, org_id, actor, "notification_channel.tested", id,
                             {{"type", row.GetText(1)}, {"delivery_id", delivery->GetText(0)}}));
    return delivery->GetText(0);
}

Result<boost::json::object> GetDelivery(storage::Transaction& tx, const std::string& org_id,
                                        const std::string& delivery_id) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne(fmt::format("SELECT {} FROM notification_deliveries WHERE id = $1 AND "
                                                          "org_id = $2",
                                                          kDeliveryColumns),
                                              {Text(delivery_id), Text(org_id)}));
    if (!row) return Error::NotFound("no such delivery");
    return DeliveryJson(*row);
}

Result<boost::json::object> ListDeliveries(storage::Transaction& tx, const std::string& org_id,
                                           const std::string& channel_id, const std::optional<std::string>& cursor,
                                           int limit) {
    // A deleted channel's log stays readable: it is the record of what was sent.
    WT_ASSIGN_OR_RETURN(auto channel, tx.QueryOne("SELECT 1 FROM notification_channels WHERE id = $1 AND org_id = $2",
                                                  {Text(channel_id), Text(org_id)}));
    if (!channel) return Error::NotFound("no such notification channel");
    std::vector<storage::Value> params{Text(org_id), Text(channel_id), Int(limit + 1)};
    std::string sql = fmt::format("SELECT {} FROM notification_deliveries WHERE org_id = $1 AND channel_id = $2",
                                  kDeliveryColumns);
    if (cursor) {
        params.push_back(Text(*cursor));
        sql += " AND id < $4";
    }
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(sql + " ORDER BY id DESC LIMIT $3", params));
    boost::json::array data;
    boost::json::value next = nullptr;
    for (std::size_t idx = 0; idx < rows.size(); ++idx) {
        if (idx == static_cast<std::size_t>(limit)) {
            next = data.back().as_object().at("id");
            break;
        }
        data.push_back(DeliveryJson(rows[idx]));
    }
    return boost::json::object{{"data", std::move(data)}, {"next_cursor", std::move(next)}};
}

}  // namespace wt::notify
