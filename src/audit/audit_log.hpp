// SPDX-License-Identifier: Apache-2.0
/// The audit log: append-only and hash-chained per organization.
///
/// Every entry stores `hash = hex(SHA-256(prev_hash || "\n" || canonical(entry)))`, where
/// `canonical` is a fixed-order JSON array of the entry's stored fields and `prev_hash` is the hash
/// of the organization's previous entry (64 zeros for the first). The head of each chain (last seq
/// and hash) lives in `audit_heads`. Appending reads and updates the head inside the caller's write
/// transaction: the write lock (SQLite BEGIN IMMEDIATE; a row lock in PostgreSQL) serialises
/// appenders across threads and processes, so the server and the CLI extend one unbroken chain, and
/// an audited change commits together with its entry or not at all.
///
/// `Verify` recomputes every chain and reports any edited, inserted or deleted entry.
/// Threading: free functions; the Database handles concurrency.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::audit {

enum class ActorType { kUser, kApiKey, kSystem };
std::string_view ActorTypeName(ActorType type);

struct Actor {
    ActorType type = ActorType::kSystem;
    std::string id;  // empty for the system
};

/// What happened. `action` is a dotted name (`auth.login.succeeded`, `member.role_changed`).
struct Event {
    std::string org_id;
    Actor actor;
    std::string action;
    std::string target;  // what it happened to (`user:usr_...`), may be empty
    std::string ip;
    std::string user_agent;
    boost::json::object details;  // never secrets
};

struct Entry {
    std::string id;
    std::int64_t seq = 0;
    UnixMicros at = 0;
    Event event;
    std::string prev_hash;
    std::string hash;
};

/// Appends `event` at time `now` within `tx`.
/// REQUIRES: `tx` was begun with TxMode::kWrite; event.org_id names an existing organization.
Status Append(storage::Transaction& tx, const Event& event, UnixMicros now);

/// Appends in a transaction of its own.
Status AppendNow(storage::Database& db, const Event& event, UnixMicros now);

struct Query {
    std::string org_id;
    std::optional<std::string> action;    // exact action, or a prefix ending in '.' (`auth.`)
    std::optional<std::string> actor_id;
    std::optional<UnixMicros> from;       // inclusive
    std::optional<UnixMicros> to;         // exclusive
    int limit = 50;
    std::optional<std::int64_t> before_seq;  // cursor: entries with seq < this
};

struct Page {
    std::vector<Entry> entries;
    std::optional<std::int64_t> next_before_seq;
};

/// Newest first.
Result<Page> List(storage::Database& db, const Query& query);

struct VerifyReport {
    std::int64_t organizations = 0;
    std::int64_t entries = 0;
    std::vector<std::string> problems;  // one line each: "org org_...: entry 12 was edited"
    bool ok() const { return problems.empty(); }
};

/// Checks every organization's chain.
Result<VerifyReport> Verify(storage::Database& db);

/// The JSON shape of API.md: `{id, at, actor: {type, id}, action, target, ip, user_agent, details}`.
boost::json::object ToJson(const Entry& entry);

}  // namespace wt::audit
