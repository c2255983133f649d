// SPDX-License-Identifier: Apache-2.0
/// Internals of notify shared by its files: the payload of an event and the insert of one
/// delivery row. Not for use outside src/notify/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "notify/events.hpp"

namespace wt::notify::detail {

/// The payload as stored and sent: `{id, type, occurred_at, organization_id, environment, data}`.
std::string PayloadOf(const Event& event, std::string_view event_id);

/// One channel's subscription, as the outbox needs it.
struct Subscription {
    std::string channel_id;
    std::vector<std::string> events;
    int min_rank = 0;  // SeverityRank(min_severity)
    bool Wants(const Event& event) const;
};

/// Inserts one due delivery of `event` (`payload`) to a channel or (channel_id empty) a user.
Status InsertDelivery(storage::Transaction& tx, const Event& event, std::string_view event_id,
                      const std::string& payload, std::string_view channel_id, std::string_view user_id);

/// The enabled, not deleted channels of `org_id` (all organizations when empty).
Result<std::vector<std::pair<std::string, Subscription>>> LoadSubscriptions(storage::Transaction& tx,
                                                                             const std::string& org_id);

/// The compare-and-set that claims a pending delivery: moves its next_attempt_at to `lease_until`
/// only if the row is still what the claimer read (`seen_next_attempt_at`, `seen_attempts`) and is
/// neither delivered nor failed. False when another dispatcher (another node, on PostgreSQL) or an
/// outcome got there first: the claim is lost and the caller skips the row.
Result<bool> ClaimLease(storage::Transaction& tx, std::string_view delivery_id, UnixMicros seen_next_attempt_at,
                        std::int64_t seen_attempts, UnixMicros lease_until);

/// A JSON array of strings from stored text (empty on anything else).
std::vector<std::string> StringsOf(std::string_view json_text);

}  // namespace wt::notify::detail
