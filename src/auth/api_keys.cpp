// SPDX-License-Identifier: Apache-2.0
#include "auth/api_keys.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <limits>

#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

constexpr std::string_view kLiveTag = "wt_live_";
constexpr std::string_view kTestTag = "wt_test_";
constexpr std::size_t kTagLength = 8;
constexpr std::size_t kRandomBytes = 32;
constexpr std::size_t kRandomChars = 43;  // base64url of 32 bytes, unpadded
constexpr std::size_t kKeyLength = kTagLength + kRandomChars;
constexpr std::size_t kVisibleRandomChars = 8;
// A full cache starts over rather than growing: only valid keys enter it, so this is reached only
// by an organization with that many keys in use within one TTL.
constexpr std::size_t kMaxCacheEntries = 100'000;

constexpr const char* kKeyColumns =
    "id, org_id, name, environment, prefix, allowed_ips, created_at, created_by, expires_at, revoked_at, "
    "last_used_at, last_used_ip";

std::string_view Tag(Environment environment) { return environment == Environment::kProduction ? kLiveTag : kTestTag; }

std::string KeyHash(std::string_view key) { return crypto::HexEncode(crypto::Sha256(key)); }

bool IsBase64UrlChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// The environment a presented key claims, or nullopt when it is not shaped like a key at all.
std::optional<Environment> PresentedEnvironment(std::string_view presented) {
    if (presented.size() != kKeyLength) return std::nullopt;
    const std::string_view tag = presented.substr(0, kTagLength);
    std::optional<Environment> environment;
    if (tag == kLiveTag) environment = Environment::kProduction;
    if (tag == kTestTag) environment = Environment::kSandbox;
    if (!environment) return std::nullopt;
    const std::string_view random = presented.substr(kTagLength);
    if (!std::all_of(random.begin(), random.end(), IsBase64UrlChar)) return std::nullopt;
    return environment;
}

std::string AllowedIpsJson(const std::vector<std::string>& cidrs) {
    boost::json::array array;
    for (const auto& cidr : cidrs) array.emplace_back(cidr);
    return boost::json::serialize(array);
}

// The `allowed_ips` column: a JSON array of canonical CIDR texts. Anything else is corrupt data,
// and corrupt data must not widen access (an unreadable list is not an empty one), so it is an
// internal error rather than "no restriction".
Result<std::vector<Cidr>> ParseAllowedIpsJson(std::string_view json, std::string_view key_id) {
    const auto corrupt = [&] {
        return Error::Internal("api_keys.allowed_ips of " + std::string(key_id) + " is corrupt");
    };
    boost::system::error_code ec;
    auto value = boost::json::parse(json, ec);
    if (ec || !value.is_array()) return corrupt();
    std::vector<Cidr> ranges;
    for (const auto& item : value.as_array()) {
        if (!item.is_string()) return corrupt();
        auto cidr = ParseCidr(std::string_view(item.as_string()), "allowed_ips");
        if (!cidr) return corrupt();
        ranges.push_back(*cidr);
    }
    return ranges;
}

Result<ApiKeyRecord> RecordFromRow(const storage::Row& row) {
    ApiKeyRecord record;
    record.id = row.GetText(0);
    record.org_id = row.GetText(1);
    record.name = row.GetText(2);
    auto environment = ParseEnvironment(row.GetText(3));
    if (!environment) return Error::Internal("api_keys.environment of " + record.id + " is unknown");
    record.environment = *environment;
    record.prefix = row.GetText(4);
    WT_ASSIGN_OR_RETURN(auto ranges, ParseAllowedIpsJson(row.GetText(5), record.id));
    for (const auto& range : ranges) record.allowed_ips.push_back(range.ToString());
    record.created_at = row.GetInt(6);
    record.created_by = row.GetOptText(7);
    record.expires_at = row.GetOptInt(8);
    record.revoked_at = row.GetOptInt(9);
    record.last_used_at = row.GetOptInt(10);
    record.last_used_ip = row.GetOptText(11);
    return record;
}

// Inserts a new key row with id `id` and returns it with the full key (shown once).
Result<IssuedApiKey> InsertKey(storage::Transaction& tx, std::string id, std::string_view org_id, std::string_view name,
                               Environment environment, std::vector<std::string> allowed_ips,
                               std::string_view created_by, UnixMicros now) {
    const std::string random = crypto::Base64UrlEncode(crypto::RandomBytes(kRandomBytes));
    IssuedApiKey issued;
    issued.key = std::string(Tag(environment)) + random;
    ApiKeyRecord& record = issued.record;
    record.id = std::move(id);
    record.org_id = std::string(org_id);
    record.name = std::string(name);
    record.environment = environment;
    record.prefix = std::string(Tag(environment)) + random.substr(0, kVisibleRandomChars);
    record.allowed_ips = std::move(allowed_ips);
    record.created_at = now;
    if (!created_by.empty()) record.created_by = std::string(created_by);
    WT_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO api_keys (id, org_id, name, environment, prefix, key_hash, allowed_ips, created_at, created_by) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {storage::Text(record.id), storage::Text(record.org_id), storage::Text(record.name),
         storage::Text(std::string(EnvironmentName(environment))), storage::Text(record.prefix),
         storage::Text(KeyHash(issued.key)), storage::Text(AllowedIpsJson(record.allowed_ips)), storage::Int(now),
         storage::OptText(record.created_by)}));
    return issued;
}

bool PastGrace(const std::optional<UnixMicros>& expires_at, UnixMicros now) { return expires_at && *expires_at <= now; }

}  // namespace

std::string_view EnvironmentName(Environment environment) {
    return environment == Environment::kProduction ? "production" : "sandbox";
}

std::optional<Environment> ParseEnvironment(std::string_view text) {
    if (text == "production") return Environment::kProduction;
    if (text == "sandbox") return Environment::kSandbox;
    return std::nullopt;
}

std::string_view ApiKeyRecord::Status(UnixMicros now) const {
    if (revoked_at || PastGrace(expires_at, now)) return "revoked";
    if (expires_at) return "rotating";
    return "active";
}

Result<IssuedApiKey> CreateApiKey(storage::Transaction& tx, std::string_view org_id, std::string_view name,
                                  Environment environment, const std::vector<Cidr>& allowed_ips,
                                  std::string_view created_by, UnixMicros now) {
    std::vector<std::string> cidrs;
    cidrs.reserve(allowed_ips.size());
    for (const auto& range : allowed_ips) cidrs.push_back(range.ToString());
    return InsertKey(tx, crypto::NewId("key"), org_id, name, environment, std::move(cidrs), created_by, now);
}

Result<std::vector<ApiKeyRecord>> ListApiKeys(storage::Transaction& tx, std::string_view org_id) {
    // Ids are time-ordered, so they break ties between keys made in the same microsecond.
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string("SELECT ") + kKeyColumns +
                                                " FROM api_keys WHERE org_id = $1 ORDER BY created_at DESC, id DESC",
                                            {storage::Text(std::string(org_id))}));
    std::vector<ApiKeyRecord> records;
    records.reserve(rows.size());
    for (const auto& row : rows) {
        WT_ASSIGN_OR_RETURN(auto record, RecordFromRow(row));
        records.push_back(std::move(record));
    }
    return records;
}

Result<ApiKeyRecord> GetApiKey(storage::Transaction& tx, std::string_view org_id, std::string_view key_id) {
    WT_ASSIGN_OR_RETURN(
        auto row, tx.QueryOne(std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE id = $1 AND org_id = $2",
                              {storage::Text(std::string(key_id)), storage::Text(std::string(org_id))}));
    if (!row) return Error::NotFound("no such API key");
    return RecordFromRow(*row);
}

Result<IssuedApiKey> RotateApiKey(storage::Transaction& tx, std::string_view org_id, std::string_view key_id,
                                  std::int64_t grace_seconds, std::string_view created_by, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto old, GetApiKey(tx, org_id, key_id));
    if (old.revoked_at || old.expires_at) {
        return Error::Make(ErrorCode::kConflict, "this API key is revoked or already being rotated");
    }
    // The caller validates the grace period; this only keeps a bad value from making the old key
    // live forever (overflow) or expire in the past by more than "at once".
    const std::int64_t max_grace =
        (std::numeric_limits<UnixMicros>::max() - std::max<UnixMicros>(now, 0)) / kMicrosPerSecond;
    const std::int64_t grace = std::clamp<std::int64_t>(grace_seconds, 0, max_grace);
    const UnixMicros expires_at = now + grace * kMicrosPerSecond;

    // The old key is marked first, conditionally, so two rotations of one key cannot both succeed
    // even if the caller's transaction does not serialise them; the successor's id is known already.
    std::string successor_id = crypto::NewId("key");
    WT_ASSIGN_OR_RETURN(auto changed,
                        tx.Exec("UPDATE api_keys SET expires_at = $3, replaced_by = $4 WHERE id = $1 AND org_id = $2 "
                                "AND revoked_at IS NULL AND expires_at IS NULL AND replaced_by IS NULL",
                                {storage::Text(old.id), storage::Text(old.org_id), storage::Int(expires_at),
                                 storage::Text(successor_id)}));
    if (changed != 1) return Error::Make(ErrorCode::kConflict, "this API key is revoked or already being rotated");
    return InsertKey(tx, std::move(successor_id), org_id, old.name, old.environment, old.allowed_ips, created_by, now);
}

Status RevokeApiKey(storage::Transaction& tx, std::string_view org_id, std::string_view key_id, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(
        auto changed,
        tx.Exec("UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL",
                {storage::Text(std::string(key_id)), storage::Text(std::string(org_id)), storage::Int(now)}));
    if (changed > 0) return Ok();
    // Nothing changed: already revoked (fine, same answer) or not this organization's key.
    WT_ASSIGN_OR_RETURN(auto row,
                        tx.QueryOne("SELECT 1 FROM api_keys WHERE id = $1 AND org_id = $2",
                                    {storage::Text(std::string(key_id)), storage::Text(std::string(org_id))}));
    if (!row) return Error::NotFound("no such API key");
    return Ok();
}

Result<AllowedIps> LoadAllowedIps(storage::Transaction& tx, std::string_view org_id) {
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT surface, cidr, label FROM allowed_ips WHERE org_id = $1 "
                                            "ORDER BY surface, position",
                                            {storage::Text(std::string(org_id))}));
    AllowedIps lists;
    for (const auto& row : rows) {
        const std::string& surface = row.GetText(0);
        std::vector<AllowedIpEntry>* list = surface == "console"     ? &lists.console
                                            : surface == "ingestion" ? &lists.ingestion
                                                                     : nullptr;
        auto cidr = ParseCidr(row.GetText(1), "cidr");
        // As with a key's list: an unreadable entry must not silently widen access.
        if (list == nullptr || !cidr) {
            return Error::Internal("allowed_ips of " + std::string(org_id) + " holds a corrupt row");
        }
        list->push_back(AllowedIpEntry{*cidr, row.GetText(2)});
    }
    return lists;
}

Status SaveAllowedIps(storage::Transaction& tx, std::string_view org_id, const AllowedIps& lists) {
    WT_RETURN_IF_ERROR(tx.Exec("DELETE FROM allowed_ips WHERE org_id = $1", {storage::Text(std::string(org_id))}));
    const auto insert = [&](std::string_view surface, const std::vector<AllowedIpEntry>& entries) -> Status {
        for (std::size_t position = 0; position < entries.size(); ++position) {
            WT_RETURN_IF_ERROR(
                tx.Exec("INSERT INTO allowed_ips (org_id, surface, position, cidr, label) VALUES ($1, $2, $3, $4, $5)",
                        {storage::Text(std::string(org_id)), storage::Text(std::string(surface)),
                         storage::Int(static_cast<std::int64_t>(position)),
                         storage::Text(entries[position].cidr.ToString()), storage::Text(entries[position].label)}));
        }
        return Ok();
    };
    WT_RETURN_IF_ERROR(insert("console", lists.console));
    return insert("ingestion", lists.ingestion);
}

ApiKeyAuthenticator::ApiKeyAuthenticator(storage::Database& db, std::shared_ptr<Clock> clock, UnixMicros cache_ttl)
    : db_(db), clock_(std::move(clock)), cache_ttl_(cache_ttl) {}

Result<ApiKeyScope> ApiKeyAuthenticator::Authenticate(std::string_view presented) {
    // One answer for every failure, so a caller learns nothing about which check refused the key.
    const Error invalid = Error::Make(ErrorCode::kUnauthenticated, "invalid API key");
    const auto environment = PresentedEnvironment(presented);
    if (!environment) return invalid;
    const std::string key_hash = KeyHash(presented);
    const UnixMicros now = clock_->Now();
    {
        std::lock_guard lock(cache_mutex_);
        if (auto it = cache_.find(key_hash); it != cache_.end()) {
            const Entry& entry = it->second;
            if (entry.epoch == epoch_.load() && now >= entry.loaded_at && now - entry.loaded_at < cache_ttl_) {
                // The end of a rotation grace is a matter of the clock, not of a change: checked
                // on every request, also for cached keys.
                if (!crypto::ConstantTimeEquals(entry.key_hash, key_hash) || PastGrace(entry.scope.expires_at, now) ||
                    entry.scope.environment != *environment) {
                    return invalid;
                }
                return entry.scope;
            }
            cache_.erase(it);
        }
    }
    // The epoch is read before the storage read: a change committed during the read bumps it, so
    // what this read saw is never served after that change.
    const std::uint64_t epoch = epoch_.load();
    WT_ASSIGN_OR_RETURN(auto scope, Load(key_hash));
    // The tag is covered by the hash, so a mismatch means a row written with the wrong
    // environment; refuse rather than let a sandbox key reach production data.
    if (PastGrace(scope.expires_at, now) || scope.environment != *environment) return invalid;
    // Unknown, revoked and expired keys are not cached (negative answers cost one indexed read):
    // so only valid keys ever occupy the cache, and guessing cannot evict them.
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
    cache_.insert_or_assign(key_hash, Entry{scope, key_hash, now, epoch});
    return scope;
}

Result<ApiKeyScope> ApiKeyAuthenticator::Load(const std::string& key_hash) {
    const Error invalid = Error::Make(ErrorCode::kUnauthenticated, "invalid API key");
    WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kRead));
    // The key and its organization's ingestion list in one statement, so they come from the same
    // snapshot: one row per list entry (or one row with a NULL cidr when the list is empty).
    WT_ASSIGN_OR_RETURN(auto rows,
                        tx->Query("SELECT k.id, k.org_id, k.environment, k.key_hash, k.allowed_ips, k.expires_at, "
                                  "k.revoked_at, a.cidr FROM api_keys k "
                                  "LEFT JOIN allowed_ips a ON a.org_id = k.org_id AND a.surface = 'ingestion' "
                                  "WHERE k.key_hash = $1 ORDER BY a.position",
                                  {storage::Text(key_hash)}));
    if (rows.empty()) return invalid;
    const storage::Row& key_row = rows.front();
    if (!crypto::ConstantTimeEquals(key_row.GetText(3), key_hash) || !key_row.IsNull(6)) return invalid;

    ApiKeyScope scope;
    scope.key_id = key_row.GetText(0);
    scope.org_id = key_row.GetText(1);
    auto environment = ParseEnvironment(key_row.GetText(2));
    if (!environment) return Error::Internal("api_keys.environment of " + scope.key_id + " is unknown");
    scope.environment = *environment;
    WT_ASSIGN_OR_RETURN(scope.key_ranges, ParseAllowedIpsJson(key_row.GetText(4), scope.key_id));
    scope.expires_at = key_row.GetOptInt(5);
    for (const auto& row : rows) {
        if (row.IsNull(7)) continue;
        auto cidr = ParseCidr(row.GetText(7), "cidr");
        if (!cidr) return Error::Internal("allowed_ips of " + scope.org_id + " holds a corrupt row");
        scope.org_ranges.push_back(*cidr);
    }
    return scope;
}

Status ApiKeyAuthenticator::CheckAddress(const ApiKeyScope& scope, const IpAddress& client) {
    if (Allowed(scope.key_ranges, client) && Allowed(scope.org_ranges, client)) return Ok();
    // Only the client's own address is echoed: it helps to debug a proxy setup and reveals nothing
    // about the lists.
    return Error::Make(ErrorCode::kIpNotAllowed,
                       "your address (" + client.ToString() + ") is not allowed to use this API key");
}

Status ApiKeyAuthenticator::CheckConsoleAddress(const std::string& org_id, const IpAddress& client) {
    const UnixMicros now = clock_->Now();
    std::vector<Cidr> ranges;
    bool cached = false;
    {
        std::lock_guard lock(cache_mutex_);
        if (auto it = console_cache_.find(org_id); it != console_cache_.end()) {
            const ConsoleEntry& entry = it->second;
            if (entry.epoch == epoch_.load() && now >= entry.loaded_at && now - entry.loaded_at < cache_ttl_) {
                if (Allowed(entry.ranges, client)) return Ok();
                cached = true;
                ranges = entry.ranges;
            } else {
                console_cache_.erase(it);
            }
        }
    }
    if (!cached) {
        const std::uint64_t epoch = epoch_.load();  // before the read, as in Authenticate
        WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kRead));
        WT_ASSIGN_OR_RETURN(auto lists, LoadAllowedIps(*tx, org_id));
        for (const auto& entry : lists.console) ranges.push_back(entry.cidr);
        std::lock_guard lock(cache_mutex_);
        if (console_cache_.size() > 10'000) console_cache_.clear();  // bounded memory
        console_cache_[org_id] = ConsoleEntry{ranges, now, epoch};
    }
    if (Allowed(ranges, client)) return Ok();
    return Error::Make(ErrorCode::kIpNotAllowed,
                       "your address (" + client.ToString() + ") is not allowed to use this organization's console");
}

void ApiKeyAuthenticator::Invalidate() {
    epoch_.fetch_add(1);
    std::lock_guard lock(cache_mutex_);
    cache_.clear();
    console_cache_.clear();
}

void ApiKeyAuthenticator::RecordUse(const std::string& key_id, const std::string& ip, UnixMicros at) {
    std::lock_guard lock(usage_mutex_);
    auto [it, inserted] = usage_.try_emplace(key_id, Use{at, ip});
    if (!inserted && it->second.at < at) it->second = Use{at, ip};
}

Result<std::int64_t> ApiKeyAuthenticator::FlushUsage() {
    std::unordered_map<std::string, Use> pending;
    {
        std::lock_guard lock(usage_mutex_);
        pending.swap(usage_);
    }
    if (pending.empty()) return std::int64_t{0};

    const auto write = [&]() -> Result<std::int64_t> {
        WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kWrite));
        std::int64_t updated = 0;
        for (const auto& [key_id, use] : pending) {
            // Never move last_used_at backwards (another process may have written a later use).
            WT_ASSIGN_OR_RETURN(auto changed,
                                tx->Exec("UPDATE api_keys SET last_used_at = $2, last_used_ip = $3 WHERE id = $1 "
                                         "AND (last_used_at IS NULL OR last_used_at < $2)",
                                         {storage::Text(key_id), storage::Int(use.at), storage::Text(use.ip)}));
            updated += changed;
        }
        WT_RETURN_IF_ERROR(tx->Commit());
        return updated;
    };
    auto written = write();
    if (!written) {
        // Put the uses back for the next flush, keeping whichever is newer per key (requests kept
        // recording while this flush ran).
        std::lock_guard lock(usage_mutex_);
        for (auto& [key_id, use] : pending) {
            auto [it, inserted] = usage_.try_emplace(key_id, use);
            if (!inserted && it->second.at < use.at) it->second = std::move(use);
        }
    }
    return written;
}

}  // namespace wt::auth
