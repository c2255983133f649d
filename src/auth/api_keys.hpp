// SPDX-License-Identifier: Apache-2.0
/// API keys for the ingestion surface (SECURITY.md "API keys", API.md `/orgs/api-keys`) and the
/// organization's allowed-IP lists (API.md `/orgs/allowed-ips`).
///
/// A key is `wt_live_` (production) or `wt_test_` (sandbox) followed by base64url of 32 random
/// bytes. The server stores `hex(SHA-256(key))` and a visible prefix (the environment tag plus
/// the first 8 characters of the random part); the full key exists only in the create / rotate
/// answer. Status: `active`; `rotating` (a successor exists, this one works until `expires_at`);
/// `revoked` (deleted, or its rotation grace is over).
///
/// Authentication goes through `ApiKeyAuthenticator`: an in-memory cache from key hash to the
/// key's scope, so the hot path does no storage read. Every change made through this process
/// (create, rotate, revoke, allowed-IP change) calls `Invalidate()`, which takes effect before
/// the change is answered; the end of a rotation grace is checked against the clock on every
/// request. The same cache holds each organization's console allowed-IP list. Entries also expire after `cache_ttl`, bounding how long a change made by another
/// process can go unseen.
///
/// `last_used_at` / `last_used_ip` are recorded in memory and written in one storage transaction
/// per flush (`FlushUsage`, called periodically and at shutdown), never one write per request.
///
/// Threading: the store functions run in the caller's transaction; ApiKeyAuthenticator is
/// thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/ip_allowlist.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::auth {

enum class Environment { kSandbox, kProduction };
std::string_view EnvironmentName(Environment environment);  // "sandbox" | "production"
std::optional<Environment> ParseEnvironment(std::string_view text);

struct ApiKeyRecord {
    std::string id;
    std::string org_id;
    std::string name;
    Environment environment = Environment::kSandbox;
    std::string prefix;                    // e.g. "wt_live_AbCdEfGh"
    std::vector<std::string> allowed_ips;  // canonical CIDR texts; empty: any address
    UnixMicros created_at = 0;
    std::optional<std::string> created_by;  // user id
    std::optional<UnixMicros> expires_at;   // end of the rotation grace
    std::optional<UnixMicros> revoked_at;
    std::optional<UnixMicros> last_used_at;
    std::optional<std::string> last_used_ip;

    /// "active" | "rotating" | "revoked" at `now`.
    std::string_view Status(UnixMicros now) const;
};

struct IssuedApiKey {
    ApiKeyRecord record;
    std::string key;  // shown once
};

/// Creates a key in `tx`. REQUIRES: `name` validated (1..100 chars); `allowed_ips` parsed.
Result<IssuedApiKey> CreateApiKey(storage::Transaction& tx, std::string_view org_id, std::string_view name,
                                  Environment environment, const std::vector<Cidr>& allowed_ips,
                                  std::string_view created_by, UnixMicros now);

/// The organization's keys, newest first (revoked ones included).
Result<std::vector<ApiKeyRecord>> ListApiKeys(storage::Transaction& tx, std::string_view org_id);

/// One key of the organization, or kNotFound (also for another organization's key).
Result<ApiKeyRecord> GetApiKey(storage::Transaction& tx, std::string_view org_id, std::string_view key_id);

/// Issues a successor with the same name, environment and allowed IPs; the old key stops working
/// at `now + grace_seconds` (0: at once). kNotFound for an unknown / other organization's key;
/// kConflict when the key is revoked or already rotating.
Result<IssuedApiKey> RotateApiKey(storage::Transaction& tx, std::string_view org_id, std::string_view key_id,
                                  std::int64_t grace_seconds, std::string_view created_by, UnixMicros now);

/// Revokes at once. kNotFound for an unknown / other organization's key; revoking a revoked key is
/// not an error (the answer is the same 204).
Status RevokeApiKey(storage::Transaction& tx, std::string_view org_id, std::string_view key_id, UnixMicros now);

/// An organization's allowed-IP lists. An empty list allows every address.
struct AllowedIpEntry {
    Cidr cidr;
    std::string label;
};
struct AllowedIps {
    std::vector<AllowedIpEntry> console;
    std::vector<AllowedIpEntry> ingestion;
};
Result<AllowedIps> LoadAllowedIps(storage::Transaction& tx, std::string_view org_id);
/// Replaces both lists.
Status SaveAllowedIps(storage::Transaction& tx, std::string_view org_id, const AllowedIps& lists);

/// What an authenticated API key may do.
struct ApiKeyScope {
    std::string key_id;
    std::string org_id;
    Environment environment = Environment::kSandbox;
    std::vector<Cidr> key_ranges;  // the key's own allowlist (empty: any)
    std::vector<Cidr> org_ranges;  // the organization's ingestion list (empty: any)
    std::optional<UnixMicros> expires_at;
};

class ApiKeyAuthenticator {
public:
    ApiKeyAuthenticator(storage::Database& db, std::shared_ptr<Clock> clock,
                        UnixMicros cache_ttl = 5 * kMicrosPerSecond);

    /// The scope of a presented key (the text after `Bearer `), or kUnauthenticated (malformed,
    /// unknown, revoked, past its grace) — never saying which. The comparison with the stored
    /// hash is constant-time. Does not check IP ranges (see `CheckAddress`).
    Result<ApiKeyScope> Authenticate(std::string_view presented);

    /// kIpNotAllowed unless `client` is allowed by both the key's and the organization's list.
    static Status CheckAddress(const ApiKeyScope& scope, const IpAddress& client);

    /// kIpNotAllowed unless the organization's console list allows `client` (an empty list
    /// allows every address). Served from the same epoch-invalidated cache as the keys.
    Status CheckConsoleAddress(const std::string& org_id, const IpAddress& client);

    /// Forgets every cached entry; call after any change to keys or allowed IPs has committed.
    void Invalidate();

    /// Notes a use (in memory). Cheap; thread-safe.
    void RecordUse(const std::string& key_id, const std::string& ip, UnixMicros at);
    /// Writes the recorded uses in one transaction (each key's latest use). Returns how many keys
    /// were updated.
    Result<std::int64_t> FlushUsage();

private:
    struct Entry {
        ApiKeyScope scope;
        std::string key_hash;
        UnixMicros loaded_at = 0;
        std::uint64_t epoch = 0;
    };
    struct Use {
        UnixMicros at = 0;
        std::string ip;
    };
    struct ConsoleEntry {
        std::vector<Cidr> ranges;
        UnixMicros loaded_at = 0;
        std::uint64_t epoch = 0;
    };
    Result<ApiKeyScope> Load(const std::string& key_hash);

    storage::Database& db_;
    std::shared_ptr<Clock> clock_;
    UnixMicros cache_ttl_;
    std::atomic<std::uint64_t> epoch_{1};
    std::mutex cache_mutex_;
    std::unordered_map<std::string, Entry> cache_;  // GUARDED_BY(cache_mutex_), by key hash
    std::unordered_map<std::string, ConsoleEntry> console_cache_;  // GUARDED_BY(cache_mutex_), by org id
    std::mutex usage_mutex_;
    std::unordered_map<std::string, Use> usage_;  // GUARDED_BY(usage_mutex_), by key id
};

}  // namespace wt::auth
