// SPDX-License-Identifier: Apache-2.0
#include "auth/sessions.hpp"

#include <boost/json.hpp>

#include "common/json.hpp"
#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

constexpr UnixMicros kTouchInterval = 30 * kMicrosPerSecond;
constexpr std::size_t kTokenBytes = 32;

std::string TokenHash(std::string_view raw_token) { return crypto::HexEncode(crypto::Sha256(raw_token)); }

SessionRecord RecordFromRow(const storage::Row& row, std::size_t first) {
    return SessionRecord{row.GetText(first),          row.GetText(first + 1), row.GetText(first + 2),
                         row.GetInt(first + 3),       row.GetInt(first + 4),  row.GetInt(first + 5),
                         row.GetOptInt(first + 6),    row.GetText(first + 7), row.GetText(first + 8)};
}

constexpr const char* kSessionColumns =
    "s.id, s.user_id, s.org_id, s.created_at, s.last_seen_at, s.expires_at, s.reauthenticated_at, s.ip, "
    "s.user_agent";

// The lifetime rules: absolute expiry, the organization's (possibly lowered) maximum age, idleness.
bool IsLiveRecord(const SessionRecord& s, const SessionPolicy& policy, UnixMicros now) {
    return now < s.expires_at && now < s.created_at + static_cast<UnixMicros>(policy.max_hours) * kMicrosPerHour &&
           now < s.last_seen_at + static_cast<UnixMicros>(policy.idle_minutes) * kMicrosPerMinute;
}

}  // namespace

Result<SessionPolicy> LoadSessionPolicy(storage::Transaction& tx, std::string_view org_id) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT settings FROM organizations WHERE id = $1",
                                              {storage::Text(std::string(org_id))}));
    return SessionPolicyFromSettings(row ? row->GetText(0) : "{}");
}

SessionPolicy SessionPolicyFromSettings(std::string_view settings_json) {
    SessionPolicy policy;
    boost::system::error_code ec;
    auto value = boost::json::parse(settings_json, ec);
    if (ec || !value.is_object()) return policy;
    const auto& obj = value.as_object();
    if (auto* idle = obj.if_contains("session_idle_minutes"); idle && idle->is_int64()) {
        auto minutes = idle->as_int64();
        if (minutes >= 5 && minutes <= 720) policy.idle_minutes = static_cast<int>(minutes);
    }
    if (auto* max = obj.if_contains("session_max_hours"); max && max->is_int64()) {
        auto hours = max->as_int64();
        if (hours >= 1 && hours <= 24) policy.max_hours = static_cast<int>(hours);
    }
    return policy;
}

SessionManager::SessionManager(std::string signing_key, std::shared_ptr<Clock> clock)
    : signing_key_(std::move(signing_key)), clock_(std::move(clock)) {}

Result<SessionManager::Issued> SessionManager::Create(storage::Transaction& tx, std::string_view user_id,
                                                      std::string_view org_id, std::string_view ip,
                                                      std::string_view user_agent,
                                                      std::optional<UnixMicros> reauthenticated_at,
                                                      const SessionPolicy& policy) const {
    UnixMicros now = clock_->Now();
    std::string raw = crypto::RandomBytes(kTokenBytes);
    Issued issued;
    issued.cookie_value =
        crypto::Base64UrlEncode(raw) + "." + crypto::Base64UrlEncode(crypto::HmacSha256(signing_key_, raw));
    issued.csrf_token = CsrfToken(issued.cookie_value);
    issued.record = SessionRecord{crypto::NewId("ses"),
                                  std::string(user_id),
                                  std::string(org_id),
                                  now,
                                  now,
                                  now + static_cast<UnixMicros>(policy.max_hours) * kMicrosPerHour,
                                  reauthenticated_at,
                                  std::string(ip),
                                  SanitizeUtf8(user_agent, 512)};
    const auto& r = issued.record;
    WT_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO sessions (id, token_hash, user_id, org_id, created_at, last_seen_at, expires_at, "
        "reauthenticated_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        {storage::Text(r.id), storage::Text(TokenHash(raw)), storage::Text(r.user_id), storage::Text(r.org_id),
         storage::Int(r.created_at), storage::Int(r.last_seen_at), storage::Int(r.expires_at),
         storage::OptInt(r.reauthenticated_at), storage::Text(r.ip), storage::Text(r.user_agent)}));
    return issued;
}

std::optional<std::string> SessionManager::VerifiedTokenHash(std::string_view cookie_value) const {
    auto dot = cookie_value.find('.');
    if (dot == std::string_view::npos || cookie_value.size() > 200) return std::nullopt;
    auto raw = crypto::Base64UrlDecode(cookie_value.substr(0, dot));
    auto mac = crypto::Base64UrlDecode(cookie_value.substr(dot + 1));
    if (!raw || !mac || raw->size() != kTokenBytes ||
        !crypto::ConstantTimeEquals(*mac, crypto::HmacSha256(signing_key_, *raw)))
        return std::nullopt;
    return TokenHash(*raw);
}

bool SessionManager::IsLive(const ResolvedSession& session, UnixMicros now) {
    return IsLiveRecord(session.session, session.policy, now);
}

Result<ResolvedSession> SessionManager::Resolve(storage::Database& db, std::string_view cookie_value) const {
    auto token_hash = VerifiedTokenHash(cookie_value);
    if (!token_hash) return Error::Make(ErrorCode::kUnauthenticated, "sign in to continue");
    WT_ASSIGN_OR_RETURN(auto resolved, Load(db, *token_hash));
    if (!IsLive(resolved, clock_->Now())) return Error::Make(ErrorCode::kUnauthenticated, "sign in to continue");
    return resolved;
}

Result<ResolvedSession> SessionManager::Load(storage::Database& db, const std::string& token_hash) const {
    const Error unauthenticated = Error::Make(ErrorCode::kUnauthenticated, "sign in to continue");
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
    WT_ASSIGN_OR_RETURN(
        auto row,
        tx->QueryOne(std::string("SELECT ") + kSessionColumns +
                         ", s.revoked_at, u.email, u.name, u.mfa_enabled, u.created_at, u.last_login_at, m.role, "
                         "o.name, o.settings FROM sessions s "
                         "JOIN users u ON u.id = s.user_id "
                         "JOIN organizations o ON o.id = s.org_id "
                         "LEFT JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id "
                         "WHERE s.token_hash = $1",
                         {storage::Text(token_hash)}));
    if (!row || !row->IsNull(9) || row->IsNull(15)) return unauthenticated;
    ResolvedSession resolved;
    resolved.session = RecordFromRow(*row, 0);
    resolved.user = User{resolved.session.user_id, row->GetText(10), row->GetText(11), "", row->GetInt(12) != 0,
                         row->GetInt(13), row->GetOptInt(14)};
    auto role = ParseRole(row->GetText(15));
    if (!role) return unauthenticated;
    resolved.role = *role;
    resolved.org_name = row->GetText(16);
    resolved.org_settings_json = row->GetText(17);
    resolved.policy = SessionPolicyFromSettings(resolved.org_settings_json);
    // In the same snapshot: one read transaction per console request, not two.
    WT_ASSIGN_OR_RETURN(resolved.memberships, ListMemberships(*tx, resolved.user.id));
    return resolved;
}

std::string SessionManager::CsrfToken(std::string_view cookie_value) const {
    auto dot = cookie_value.find('.');
    auto raw = crypto::Base64UrlDecode(cookie_value.substr(0, dot));
    return crypto::Base64UrlEncode(crypto::HmacSha256(signing_key_, "csrf:" + (raw ? *raw : std::string())));
}

bool SessionManager::CheckCsrf(std::string_view cookie_value, std::string_view presented) const {
    if (presented.empty()) return false;
    return crypto::ConstantTimeEquals(CsrfToken(cookie_value), presented);
}

Status SessionManager::Touch(storage::Database& db, const ResolvedSession& session) const {
    UnixMicros now = clock_->Now();
    if (now - session.session.last_seen_at < kTouchInterval) return Ok();
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kWrite));
    WT_RETURN_IF_ERROR(tx->Exec("UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2",
                                {storage::Text(session.session.id), storage::Int(now)}));
    return tx->Commit();
}

Status SessionManager::MarkReauthenticated(storage::Database& db, std::string_view session_id) const {
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kWrite));
    WT_RETURN_IF_ERROR(tx->Exec("UPDATE sessions SET reauthenticated_at = $2 WHERE id = $1",
                                {storage::Text(std::string(session_id)), storage::Int(clock_->Now())}));
    return tx->Commit();
}

bool SessionManager::RecentlyAuthenticated(const SessionRecord& session) const {
    return session.reauthenticated_at && clock_->Now() - *session.reauthenticated_at < kRecentAuthWindow;
}

Status SessionManager::Revoke(storage::Transaction& tx, std::string_view session_id, std::string_view reason,
                              UnixMicros now) {
    WT_RETURN_IF_ERROR(tx.Exec("UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND "
                               "revoked_at IS NULL",
                               {storage::Text(std::string(session_id)), storage::Int(now),
                                storage::Text(std::string(reason))}));
    return Ok();
}

Result<std::int64_t> SessionManager::RevokeForUser(storage::Transaction& tx, std::string_view user_id,
                                                   std::string_view org_id, std::string_view except_session_id,
                                                   std::string_view reason, UnixMicros now) {
    return tx.Exec(
        "UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL "
        "AND ($4 = '' OR org_id = $4) AND id <> $5",
        {storage::Text(std::string(user_id)), storage::Int(now), storage::Text(std::string(reason)),
         storage::Text(std::string(org_id)), storage::Text(std::string(except_session_id))});
}

Result<std::vector<SessionRecord>> SessionManager::ListActive(storage::Transaction& tx,
                                                              std::string_view user_id) const {
    UnixMicros now = clock_->Now();
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string("SELECT ") + kSessionColumns +
                                                ", o.settings FROM sessions s JOIN organizations o ON o.id = s.org_id "
                                                "WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 "
                                                "ORDER BY s.created_at DESC LIMIT 200",
                                            {storage::Text(std::string(user_id)), storage::Int(now)}));
    std::vector<SessionRecord> out;
    for (const auto& row : rows) {
        // The same lifetime rules as Resolve: idle and organization-shortened sessions are over.
        SessionRecord record = RecordFromRow(row, 0);
        if (IsLiveRecord(record, SessionPolicyFromSettings(row.GetText(9)), now)) out.push_back(std::move(record));
    }
    return out;
}

}  // namespace wt::auth

namespace wt::auth {

SessionCache::SessionCache(const SessionManager& sessions, UnixMicros ttl) : sessions_(sessions), ttl_(ttl) {}

Result<ResolvedSession> SessionCache::Resolve(storage::Database& db, std::string_view cookie_value) {
    const Error unauthenticated = Error::Make(ErrorCode::kUnauthenticated, "sign in to continue");
    auto token_hash = sessions_.VerifiedTokenHash(cookie_value);
    if (!token_hash) return unauthenticated;
    UnixMicros now = sessions_.Now();
    {
        std::lock_guard lock(mutex_);
        if (auto it = entries_.find(*token_hash); it != entries_.end()) {
            if (it->second.epoch == epoch_.load() && now - it->second.loaded_at < ttl_ && now >= it->second.loaded_at) {
                if (!SessionManager::IsLive(it->second.session, now)) return unauthenticated;
                return it->second.session;
            }
            entries_.erase(it);
        }
    }
    // The epoch is read before the storage read: a change committed during the read bumps it,
    // so what this read saw is never used after that change.
    std::uint64_t epoch = epoch_.load();
    WT_ASSIGN_OR_RETURN(auto resolved, sessions_.Load(db, *token_hash));
    if (!SessionManager::IsLive(resolved, now)) return unauthenticated;
    std::lock_guard lock(mutex_);
    if (entries_.size() >= 100'000) entries_.clear();  // bounded memory: a full cache starts over
    entries_.insert_or_assign(*token_hash, Entry{resolved, now, epoch});
    return resolved;
}

Status SessionCache::Touch(storage::Database& db, std::string_view cookie_value, const ResolvedSession& session) {
    UnixMicros now = sessions_.Now();
    if (now - session.session.last_seen_at < kTouchInterval) return Ok();
    WT_RETURN_IF_ERROR(sessions_.Touch(db, session));
    auto token_hash = sessions_.VerifiedTokenHash(cookie_value);
    if (!token_hash) return Ok();
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(*token_hash); it != entries_.end() && it->second.session.session.last_seen_at < now)
        it->second.session.session.last_seen_at = now;
    return Ok();
}

void SessionCache::Invalidate() {
    epoch_.fetch_add(1);
    std::lock_guard lock(mutex_);
    entries_.clear();
}

}  // namespace wt::auth
