// SPDX-License-Identifier: Apache-2.0
/// An organization's notification channels (API.md "Organization", docs/webhooks.md): webhooks
/// (`{type: "webhook", name, url, events, min_severity}`) and email (`{type: "email", name,
/// recipients, events, min_severity}`), and their delivery log.
///
/// A webhook's signing secret (`whsec_` + 64 hex characters) is generated here, sealed with the
/// master keyring (context `notification_channels.secret_sealed:<id>`) and answered once, by
/// CreateChannel; nothing else ever returns it, and deleting the channel erases it. A URL that is
/// not http(s), or whose host is an IP literal the SSRF guard refuses (any spelling, see
/// net/ssrf_guard.hpp), is refused at once on field `url`; host names are checked at every delivery.
///
/// A webhook may carry `allowed_domains` (SECURITY.md "Outbound calls": the optional per-channel
/// domain allowlist): up to kMaxAllowedDomains DNS names; an entry allows that host and its
/// subdomains (`example.com` allows `hooks.example.com`, not `badexample.com`). When the list is
/// not empty the URL's host must match it whenever the channel is saved (POST: field `url`; PATCH
/// of the list: field `allowed_domains`), and every delivery checks again before any DNS query or
/// connection (a mismatch fails the delivery unsent). The list only narrows what the SSRF guard
/// allows; it never widens it. An empty list (the default) means no restriction.
///
/// Every function takes the organization it acts in: another organization's channel is kNotFound.
/// Changes append their audit entry (`notification_channel.created|updated|deleted|tested`) in
/// the caller's transaction. Threading: free functions over the caller's transaction.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "crypto/seal.hpp"
#include "net/ssrf_guard.hpp"
#include "storage/database.hpp"

namespace wt::notify {

inline constexpr std::size_t kMaxChannelsPerOrg = 50;
inline constexpr std::size_t kMaxRecipients = 20;
inline constexpr std::size_t kMaxChannelName = 100;
inline constexpr std::size_t kMaxAllowedDomains = 10;

/// One `allowed_domains` entry in its stored form (lower case, without a trailing dot), or
/// Error::Validation on `field` saying why it is refused: not a DNS name (labels of 1 to 63
/// letters, digits and inner hyphens, at most 253 characters), an IP literal in any spelling, or a
/// wildcard (`*.example.com`: write `example.com`, which already allows its subdomains).
Result<std::string> NormalizeAllowedDomain(std::string_view entry, std::string_view field = "allowed_domains");

/// Who changes a channel (for the audit entry).
struct ChannelActor {
    std::string user_id;
    std::string ip;
    std::string user_agent;
    UnixMicros now = 0;
};

/// Why `host` is refused by a channel's `domains` ("the host 'x' is not in this channel's
/// allowed_domains (a, b)"), or nullopt when it is allowed (always when `domains` is empty).
std::optional<std::string> OutsideAllowedDomains(std::string_view host, const std::vector<std::string>& domains);

/// A validated POST body.
struct NewChannel {
    std::string type;  // webhook | email
    std::string name;
    std::string url;                      // webhook: normalized
    std::vector<std::string> allowed_domains;  // webhook: normalized; empty = no restriction
    std::vector<std::string> recipients;  // email
    std::vector<std::string> events;
    std::string min_severity = "low";
};

/// Reads a POST body (unknown fields refused); every problem is a field error: `type`, `name`,
/// `url` (scheme, syntax, a refused literal address per `policy`, a host outside allowed_domains),
/// `allowed_domains` / `allowed_domains[i]` (webhooks only), `recipients[i]`, `events[i]`, `min_severity`.
Result<NewChannel> ParseNewChannel(const boost::json::value& body, const net::OutboundPolicy& policy);

/// A PATCH body: absent members change nothing. The secret and the type never change (rotate =
/// delete and create).
struct ChannelPatch {
    std::optional<std::string> name;
    std::optional<std::vector<std::string>> events;
    std::optional<std::string> min_severity;
    std::optional<bool> enabled;
    /// Webhooks only; an empty list lifts the restriction. Must allow the channel's URL host.
    std::optional<std::vector<std::string>> allowed_domains;
};
Result<ChannelPatch> ParseChannelPatch(const boost::json::value& body);

/// The channel as every read shows it: `{id, type, name, url and allowed_domains | recipients,
/// events, min_severity, enabled, created_at, created_by, updated_at}`; `secret` only in the
/// creation answer.
/// kConflict beyond kMaxChannelsPerOrg.
Result<boost::json::object> CreateChannel(storage::Transaction& tx, const crypto::Keyring& keyring,
                                          const std::string& org_id, const NewChannel& channel,
                                          const ChannelActor& actor);
/// `{data: [channel...], next_cursor: null}`, oldest first, all in one page (at most
/// kMaxChannelsPerOrg); deleted channels are not listed.
Result<boost::json::object> ListChannels(storage::Transaction& tx, const std::string& org_id);
Result<boost::json::object> GetChannel(storage::Transaction& tx, const std::string& org_id, const std::string& id);
/// Applies `patch` and audits the changes. An `allowed_domains` that does not allow the URL's host
/// is a field error on `allowed_domains`, as is one given for an email channel.
Result<boost::json::object> UpdateChannel(storage::Transaction& tx, const std::string& org_id, const std::string& id,
                                          const ChannelPatch& patch, const ChannelActor& actor);
/// Marks the channel deleted, erases its secret and gives up its pending deliveries.
Status DeleteChannel(storage::Transaction& tx, const std::string& org_id, const std::string& id,
                     const ChannelActor& actor);

/// Writes a `test` event for channel `id` (whatever its events and enabled flag) and audits
/// `notification_channel.tested`; answers the delivery's id. The row is leased (not due) so that
/// the caller delivers it itself right after the commit (Notifier::DeliverNow).
Result<std::string> RecordTestDelivery(storage::Transaction& tx, const std::string& org_id, const std::string& id,
                                       const ChannelActor& actor, UnixMicros lease);

/// One delivery as the log shows it: `{id, event_id, event_type, status: pending|delivered|failed,
/// attempts, last_status, last_error, created_at, last_attempt_at, next_attempt_at, delivered_at,
/// failed_at}`.
Result<boost::json::object> GetDelivery(storage::Transaction& tx, const std::string& org_id,
                                        const std::string& delivery_id);
/// The channel's deliveries, newest first: `{data: [...], next_cursor}` (cursor: the last id).
Result<boost::json::object> ListDeliveries(storage::Transaction& tx, const std::string& org_id,
                                           const std::string& channel_id, const std::optional<std::string>& cursor,
                                           int limit);

}  // namespace wt::notify
