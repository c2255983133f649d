// SPDX-License-Identifier: Apache-2.0
/// Console sessions (SECURITY.md "Sessions").
///
/// A session token is 32 random bytes. The cookie carries `base64url(token) "." base64url(HMAC-SHA256
/// (signing_key, token))`; the server stores only `hex(SHA-256(token))`, so a database leak yields
/// no usable cookie and a forged cookie is refused before any lookup. The CSRF token is
/// `base64url(HMAC-SHA256(signing_key, "csrf:" token))`: bound to the session, rotated with it,
/// never stored.
///
/// Lifetime: absolute at most 24 h (the organization may lower it, `session_max_hours`), idle
/// timeout from the organization (`session_idle_minutes`, default 30). `last_seen_at` is written
/// at most every 30 s per session, so idle expiry has a resolution of 30 s.
///
/// Threading: SessionManager is immutable after construction and thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "auth/accounts.hpp"
#include "auth/roles.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::auth {

inline constexpr UnixMicros kRecentAuthWindow = 15 * kMicrosPerMinute;

/// The session-related part of an organization's settings.
struct SessionPolicy {
    int idle_minutes = 30;  // 5..720
    int max_hours = 24;     // 1..24
};
/// Reads the policy from an organization's settings JSON (missing or odd values: defaults).
SessionPolicy SessionPolicyFromSettings(std::string_view settings_json);
/// The policy of organization `org_id` (defaults when it has none).
Result<SessionPolicy> LoadSessionPolicy(storage::Transaction& tx, std::string_view org_id);

struct SessionRecord {
    std::string id;
    std::string user_id;
    std::string org_id;
    UnixMicros created_at = 0;
    UnixMicros last_seen_at = 0;
    UnixMicros expires_at = 0;
    std::optional<UnixMicros> reauthenticated_at;
    std::string ip;
    std::string user_agent;
};

/// A live session with who it belongs to, as checked on every console request.
struct ResolvedSession {
    SessionRecord session;
    User user;  // password_hash is not loaded
    Role role = Role::kViewer;
    std::string org_name;
    std::string org_settings_json;
    SessionPolicy policy;                 // parsed from org_settings_json
    std::vector<Membership> memberships;  // all of the user's, oldest first (same snapshot)
};

class SessionManager {
public:
    /// REQUIRES: signing_key is at least 32 bytes of secret material.
    SessionManager(std::string signing_key, std::shared_ptr<Clock> clock);

    struct Issued {
        std::string cookie_value;
        std::string csrf_token;
        SessionRecord record;
    };
    /// Creates a session inside `tx` (a write transaction).
    Result<Issued> Create(storage::Transaction& tx, std::string_view user_id, std::string_view org_id,
                          std::string_view ip, std::string_view user_agent,
                          std::optional<UnixMicros> reauthenticated_at, const SessionPolicy& policy) const;

    /// The live session for a cookie value, or kUnauthenticated (bad signature, unknown, revoked,
    /// expired, idle, or the membership is gone). Never says which.
    Result<ResolvedSession> Resolve(storage::Database& db, std::string_view cookie_value) const;

    std::string CsrfToken(std::string_view cookie_value) const;
    /// Constant-time check of a request's X-CSRF-Token against the session's.
    bool CheckCsrf(std::string_view cookie_value, std::string_view presented) const;

    /// Records activity (throttled; see the header comment).
    Status Touch(storage::Database& db, const ResolvedSession& session) const;
    Status MarkReauthenticated(storage::Database& db, std::string_view session_id) const;
    bool RecentlyAuthenticated(const SessionRecord& session) const;

    static Status Revoke(storage::Transaction& tx, std::string_view session_id, std::string_view reason,
                         UnixMicros now);
    /// Ends the user's sessions (in one organization, or all when `org_id` is empty), except
    /// `except_session_id`. Returns how many were ended.
    static Result<std::int64_t> RevokeForUser(storage::Transaction& tx, std::string_view user_id,
                                              std::string_view org_id, std::string_view except_session_id,
                                              std::string_view reason, UnixMicros now);
    /// The user's live sessions (the lifetime rules of Resolve: not revoked, not expired, not idle),
    /// newest first, at most 200.
    Result<std::vector<SessionRecord>> ListActive(storage::Transaction& tx, std::string_view user_id) const;

    UnixMicros Now() const { return clock_->Now(); }

    /// The lifetime rules (absolute expiry, the organization's maximum age, idleness) at `now`.
    static bool IsLive(const ResolvedSession& session, UnixMicros now);

private:
    friend class SessionCache;
    /// The hash stored for a cookie's token, or nullopt when the cookie is malformed or its
    /// signature is wrong.
    std::optional<std::string> VerifiedTokenHash(std::string_view cookie_value) const;
    Result<ResolvedSession> Load(storage::Database& db, const std::string& token_hash) const;

    std::string signing_key_;
    std::shared_ptr<Clock> clock_;
};

/// Resolved sessions kept in memory, so most console requests need no storage read.
///
/// Correctness rests on one rule: every change that can end or alter a session (logout,
/// revocation, role change, removal, re-authentication, settings) is made by a state-changing
/// request, and the API layer calls `Invalidate()` after every such request, before answering it.
/// An entry is used only while the epoch it was loaded under is current, so a revocation made
/// through this process takes effect on the very next request. Entries also expire after `ttl`,
/// which bounds how long a change made by another process (another node, a CLI command) can go
/// unseen; immediate revocation across nodes needs the fan-out planned with PostgreSQL/Redis.
/// The lifetime rules (expiry, idleness) are checked against the clock on every request.
///
/// Threading: thread-safe.
class SessionCache {
public:
    SessionCache(const SessionManager& sessions, UnixMicros ttl = 2 * kMicrosPerSecond);

    /// As SessionManager::Resolve, served from memory when a current entry exists.
    Result<ResolvedSession> Resolve(storage::Database& db, std::string_view cookie_value);
    /// As SessionManager::Touch, and keeps the cached activity time in step.
    Status Touch(storage::Database& db, std::string_view cookie_value, const ResolvedSession& session);
    /// Forgets every entry (see the class comment). Cheap.
    void Invalidate();

private:
    struct Entry {
        ResolvedSession session;
        UnixMicros loaded_at = 0;
        std::uint64_t epoch = 0;
    };

    const SessionManager& sessions_;
    UnixMicros ttl_;
    std::atomic<std::uint64_t> epoch_{1};
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mutex_), by token hash
};

}  // namespace wt::auth
