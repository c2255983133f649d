// SPDX-License-Identifier: Apache-2.0
#include "auth/sessions.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "../common/test_support.hpp"
#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

using testing::ManualClock;

const std::string kKey(32, 'k');

class SessionsTest : public ::testing::Test {
protected:
    SessionsTest() : clock_(std::make_shared<ManualClock>()), sessions_(kKey, clock_) {}

    void SetUp() override {
        org_a_ = AddOrg("Acme", "{}");
        org_b_ = AddOrg("Beta", "{}");
        user_ = AddUser("ada@example.com");
        other_user_ = AddUser("bob@example.com");
        AddMember(org_a_, user_, Role::kAnalyst);
        AddMember(org_b_, user_, Role::kAdmin);
        AddMember(org_a_, other_user_, Role::kViewer);
    }

    std::string AddOrg(const std::string& name, const std::string& settings) {
        std::string id = crypto::NewId("org");
        db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, $2, $3, 0)",
                    {storage::Text(id), storage::Text(name), storage::Text(settings)});
        return id;
    }
    std::string AddUser(const std::string& email) {
        auto tx = db_.Write();
        auto user = CreateUser(*tx, email, "Name of " + email, "not-a-real-hash", clock_->Now());
        EXPECT_TRUE(user.ok());
        EXPECT_TRUE(tx->Commit().ok());
        return user.ok() ? user->id : "";
    }
    void AddMember(const std::string& org, const std::string& user, Role role) {
        auto tx = db_.Write();
        EXPECT_TRUE(AddMembership(*tx, org, user, role, clock_->Now()).ok());
        EXPECT_TRUE(tx->Commit().ok());
    }
    void SetSettings(const std::string& org, const std::string& settings) {
        db_.ExecNow("UPDATE organizations SET settings = $2 WHERE id = $1",
                    {storage::Text(org), storage::Text(settings)});
    }

    SessionManager::Issued Create(const std::string& user, const std::string& org, SessionPolicy policy = {},
                                  std::optional<UnixMicros> reauthenticated_at = std::nullopt) {
        auto tx = db_.Write();
        auto issued = sessions_.Create(*tx, user, org, "198.51.100.4", "unit-test", reauthenticated_at, policy);
        EXPECT_TRUE(issued.ok());
        EXPECT_TRUE(tx->Commit().ok());
        return issued.ok() ? *issued : SessionManager::Issued{};
    }

    bool Resolves(const std::string& cookie) { return sessions_.Resolve(db_.db(), cookie).ok(); }

    void ExpectUnauthenticated(const std::string& cookie) {
        auto resolved = sessions_.Resolve(db_.db(), cookie);
        ASSERT_FALSE(resolved.ok()) << "'" << cookie << "' must not resolve";
        EXPECT_EQ(resolved.error().code, ErrorCode::kUnauthenticated);
    }

    std::string SignedCookie(const std::string& raw, const std::string& key = kKey) {
        return crypto::Base64UrlEncode(raw) + "." + crypto::Base64UrlEncode(crypto::HmacSha256(key, raw));
    }

    testing::TestDb db_;
    std::shared_ptr<ManualClock> clock_;
    SessionManager sessions_;
    std::string org_a_, org_b_, user_, other_user_;
};

TEST_F(SessionsTest, CreateIssuesASignedCookieAndAResolvableSession) {
    UnixMicros now = clock_->Now();
    auto issued = Create(user_, org_a_);
    // 32 bytes and a 32-byte HMAC, each unpadded base64url: 43 characters.
    EXPECT_TRUE(std::regex_match(issued.cookie_value, std::regex("^[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{43}$")))
        << issued.cookie_value;
    EXPECT_EQ(issued.csrf_token, sessions_.CsrfToken(issued.cookie_value));
    EXPECT_EQ(issued.record.id.rfind("ses", 0), 0u);
    EXPECT_EQ(issued.record.created_at, now);
    EXPECT_EQ(issued.record.last_seen_at, now);
    EXPECT_EQ(issued.record.expires_at, now + 24 * kMicrosPerHour);

    auto resolved = sessions_.Resolve(db_.db(), issued.cookie_value);
    ASSERT_TRUE(resolved.ok()) << ErrorCodeName(resolved.error().code);
    EXPECT_EQ(resolved->session.id, issued.record.id);
    EXPECT_EQ(resolved->session.user_id, user_);
    EXPECT_EQ(resolved->session.org_id, org_a_);
    EXPECT_EQ(resolved->session.ip, "198.51.100.4");
    EXPECT_EQ(resolved->session.user_agent, "unit-test");
    EXPECT_EQ(resolved->user.id, user_);
    EXPECT_EQ(resolved->user.email, "ada@example.com");
    EXPECT_EQ(resolved->user.password_hash, "") << "the hash is not loaded with a session";
    EXPECT_EQ(resolved->role, Role::kAnalyst);
    EXPECT_EQ(resolved->org_name, "Acme");
}

TEST_F(SessionsTest, ThePolicyMaxHoursSetsTheExpiry) {
    UnixMicros now = clock_->Now();
    auto issued = Create(user_, org_a_, SessionPolicy{30, 2});
    EXPECT_EQ(issued.record.expires_at, now + 2 * kMicrosPerHour);
}

TEST_F(SessionsTest, TheDatabaseHoldsOnlyAHashOfTheToken) {
    auto issued = Create(user_, org_a_);
    auto raw = crypto::Base64UrlDecode(issued.cookie_value.substr(0, issued.cookie_value.find('.')));
    ASSERT_TRUE(raw.ok());
    auto tx = db_.Read();
    auto row = tx->QueryOne("SELECT token_hash FROM sessions WHERE id = $1", {storage::Text(issued.record.id)});
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ((*row)->GetText(0), crypto::HexEncode(crypto::Sha256(*raw)));
}

TEST_F(SessionsTest, TamperedCookiesAreRefused) {
    auto issued = Create(user_, org_a_);
    const std::string& cookie = issued.cookie_value;
    ASSERT_TRUE(Resolves(cookie));
    std::size_t dot = cookie.find('.');

    std::string bad_mac = cookie;
    bad_mac.back() = bad_mac.back() == 'A' ? 'B' : 'A';
    ExpectUnauthenticated(bad_mac);

    std::string bad_token = cookie;
    bad_token[0] = bad_token[0] == 'A' ? 'B' : 'A';
    ExpectUnauthenticated(bad_token);

    ExpectUnauthenticated(cookie.substr(0, dot));               // token only
    ExpectUnauthenticated(cookie.substr(0, dot + 1));           // empty signature
    ExpectUnauthenticated(cookie.substr(dot));                  // signature only
    ExpectUnauthenticated("");
    ExpectUnauthenticated(".");
    ExpectUnauthenticated(cookie + "A");                        // longer signature
    ExpectUnauthenticated(cookie + std::string(300, 'A'));      // oversized
    ExpectUnauthenticated(cookie.substr(dot + 1) + "." + cookie.substr(0, dot));  // parts swapped
}

TEST_F(SessionsTest, CookieSignedWithAnotherKeyIsRefused) {
    auto issued = Create(user_, org_a_);
    SessionManager other(std::string(32, 'x'), clock_);
    auto resolved = other.Resolve(db_.db(), issued.cookie_value);
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.error().code, ErrorCode::kUnauthenticated);
}

TEST_F(SessionsTest, ProperlySignedButUnknownTokenIsRefused) {
    Create(user_, org_a_);
    ExpectUnauthenticated(SignedCookie(crypto::RandomBytes(32)));
    // A signed token of the wrong length is refused too.
    ExpectUnauthenticated(SignedCookie(crypto::RandomBytes(16)));
}

TEST_F(SessionsTest, RevokedSessionIsRefused) {
    auto issued = Create(user_, org_a_);
    {
        auto tx = db_.Write();
        ASSERT_TRUE(SessionManager::Revoke(*tx, issued.record.id, "logout", clock_->Now()).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    ExpectUnauthenticated(issued.cookie_value);
    auto tx = db_.Read();
    auto row = tx->QueryOne("SELECT revoked_reason FROM sessions WHERE id = $1", {storage::Text(issued.record.id)});
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ((*row)->GetText(0), "logout");
}

TEST_F(SessionsTest, RemovedMembershipEndsTheSession) {
    auto issued = Create(user_, org_a_);
    db_.ExecNow("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2",
                {storage::Text(org_a_), storage::Text(user_)});
    ExpectUnauthenticated(issued.cookie_value);
}

TEST_F(SessionsTest, IdleTimeoutDefaultThirtyMinutes) {
    auto issued = Create(user_, org_a_);
    clock_->Advance(30 * kMicrosPerMinute - 1);
    EXPECT_TRUE(Resolves(issued.cookie_value));
    clock_->Advance(1);
    ExpectUnauthenticated(issued.cookie_value);
}

TEST_F(SessionsTest, IdleTimeoutFromTheOrganizationSettings) {
    SetSettings(org_a_, R"({"session_idle_minutes":5})");
    auto issued = Create(user_, org_a_);
    clock_->Advance(5 * kMicrosPerMinute - 1);
    EXPECT_TRUE(Resolves(issued.cookie_value));
    clock_->Advance(1);
    ExpectUnauthenticated(issued.cookie_value);
}

TEST_F(SessionsTest, TouchKeepsTheSessionAlive) {
    auto issued = Create(user_, org_a_);
    clock_->Advance(20 * kMicrosPerMinute);
    auto resolved = sessions_.Resolve(db_.db(), issued.cookie_value);
    ASSERT_TRUE(resolved.ok());
    ASSERT_TRUE(sessions_.Touch(db_.db(), *resolved).ok());
    clock_->Advance(30 * kMicrosPerMinute - 1);  // 29:59 after the touch, 49:59 after creation
    EXPECT_TRUE(Resolves(issued.cookie_value));
    clock_->Advance(1);
    ExpectUnauthenticated(issued.cookie_value);
}

TEST_F(SessionsTest, TouchWritesAtMostEveryThirtySeconds) {
    auto issued = Create(user_, org_a_);
    auto last_seen = [&] {
        auto tx = db_.Read();
        auto row = tx->QueryOne("SELECT last_seen_at FROM sessions WHERE id = $1", {storage::Text(issued.record.id)});
        EXPECT_TRUE(row.ok() && row->has_value());
        return row.ok() && row->has_value() ? (*row)->GetInt(0) : -1;
    };
    const UnixMicros created = issued.record.created_at;

    clock_->Advance(29 * kMicrosPerSecond);
    auto resolved = sessions_.Resolve(db_.db(), issued.cookie_value);
    ASSERT_TRUE(resolved.ok());
    ASSERT_TRUE(sessions_.Touch(db_.db(), *resolved).ok());
    EXPECT_EQ(last_seen(), created) << "a touch within 30 s of the last one is not written";

    clock_->Advance(1 * kMicrosPerSecond);  // exactly 30 s
    resolved = sessions_.Resolve(db_.db(), issued.cookie_value);
    ASSERT_TRUE(resolved.ok());
    ASSERT_TRUE(sessions_.Touch(db_.db(), *resolved).ok());
    EXPECT_EQ(last_seen(), created + 30 * kMicrosPerSecond);

}

TEST_F(SessionsTest, AbsoluteExpiryEvenWhenActive) {
    SetSettings(org_a_, R"({"session_idle_minutes":720})");
    auto issued = Create(user_, org_a_);
    for (int hour = 10; hour <= 20; hour += 10) {
        clock_->Set(issued.record.created_at + hour * kMicrosPerHour);
        auto resolved = sessions_.Resolve(db_.db(), issued.cookie_value);
        ASSERT_TRUE(resolved.ok()) << "hour " << hour;
        ASSERT_TRUE(sessions_.Touch(db_.db(), *resolved).ok());
    }
    clock_->Set(issued.record.created_at + 24 * kMicrosPerHour - 1);
    EXPECT_TRUE(Resolves(issued.cookie_value));
    clock_->Set(issued.record.created_at + 24 * kMicrosPerHour);
    ExpectUnauthenticated(issued.cookie_value);
}

TEST_F(SessionsTest, LoweringMaxHoursAppliesToLiveSessions) {
    SetSettings(org_a_, R"({"session_idle_minutes":720})");
    auto issued = Create(user_, org_a_);
    SetSettings(org_a_, R"({"session_idle_minutes":720,"session_max_hours":2})");
    clock_->Advance(2 * kMicrosPerHour - 1);
    EXPECT_TRUE(Resolves(issued.cookie_value));
    clock_->Advance(1);
    ExpectUnauthenticated(issued.cookie_value);
}

TEST_F(SessionsTest, CsrfTokenIsStablePerSessionAndDiffersBetweenSessions) {
    auto first = Create(user_, org_a_);
    auto second = Create(user_, org_a_);
    EXPECT_EQ(sessions_.CsrfToken(first.cookie_value), sessions_.CsrfToken(first.cookie_value));
    EXPECT_EQ(sessions_.CsrfToken(first.cookie_value), first.csrf_token);
    EXPECT_NE(first.csrf_token, second.csrf_token);
    EXPECT_EQ(first.csrf_token.size(), 43u);
    // Bound to the key as well: another server key gives another token.
    SessionManager other(std::string(32, 'x'), clock_);
    EXPECT_NE(other.CsrfToken(first.cookie_value), first.csrf_token);
}

TEST_F(SessionsTest, CheckCsrf) {
    auto first = Create(user_, org_a_);
    auto second = Create(user_, org_a_);
    EXPECT_TRUE(sessions_.CheckCsrf(first.cookie_value, first.csrf_token));
    EXPECT_FALSE(sessions_.CheckCsrf(first.cookie_value, second.csrf_token));
    EXPECT_FALSE(sessions_.CheckCsrf(first.cookie_value, ""));
    EXPECT_FALSE(sessions_.CheckCsrf(first.cookie_value, first.csrf_token.substr(0, 42)));
    EXPECT_FALSE(sessions_.CheckCsrf(first.cookie_value, first.csrf_token + "A"));
    std::string flipped = first.csrf_token;
    flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(sessions_.CheckCsrf(first.cookie_value, flipped));
    EXPECT_FALSE(sessions_.CheckCsrf("", "")) << "no cookie, no token: still refused";
}

TEST_F(SessionsTest, RevokeForUserWithOrganizationFilterAndException) {
    auto a1 = Create(user_, org_a_);
    auto a2 = Create(user_, org_a_);
    auto a3 = Create(user_, org_a_);
    auto b1 = Create(user_, org_b_);
    auto other = Create(other_user_, org_a_);
    {
        auto tx = db_.Write();
        auto ended = SessionManager::RevokeForUser(*tx, user_, org_a_, a1.record.id, "password_changed", clock_->Now());
        ASSERT_TRUE(ended.ok());
        EXPECT_EQ(*ended, 2);
        ASSERT_TRUE(tx->Commit().ok());
    }
    EXPECT_TRUE(Resolves(a1.cookie_value)) << "the excepted session survives";
    EXPECT_FALSE(Resolves(a2.cookie_value));
    EXPECT_FALSE(Resolves(a3.cookie_value));
    EXPECT_TRUE(Resolves(b1.cookie_value)) << "another organization is untouched";
    EXPECT_TRUE(Resolves(other.cookie_value)) << "another user is untouched";
    {
        auto tx = db_.Write();
        auto ended = SessionManager::RevokeForUser(*tx, user_, "", "", "password_reset", clock_->Now());
        ASSERT_TRUE(ended.ok());
        EXPECT_EQ(*ended, 2) << "a1 and b1; already revoked ones are not counted again";
        ASSERT_TRUE(tx->Commit().ok());
    }
    EXPECT_FALSE(Resolves(a1.cookie_value));
    EXPECT_FALSE(Resolves(b1.cookie_value));
    EXPECT_TRUE(Resolves(other.cookie_value));
}

TEST_F(SessionsTest, ListActiveNewestFirstWithoutRevokedOrExpired) {
    SetSettings(org_a_, R"({"session_idle_minutes":720})");
    SetSettings(org_b_, R"({"session_idle_minutes":720})");
    auto old_one = Create(user_, org_a_, SessionPolicy{30, 1});
    clock_->Advance(kMicrosPerMinute);
    auto revoked = Create(user_, org_a_);
    clock_->Advance(kMicrosPerMinute);
    auto newest = Create(user_, org_b_);
    Create(other_user_, org_a_);
    {
        auto tx = db_.Write();
        ASSERT_TRUE(SessionManager::Revoke(*tx, revoked.record.id, "logout", clock_->Now()).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    auto tx = db_.Read();
    auto active = sessions_.ListActive(*tx, user_);
    ASSERT_TRUE(active.ok());
    ASSERT_EQ(active->size(), 2u);
    EXPECT_EQ((*active)[0].id, newest.record.id);
    EXPECT_EQ((*active)[1].id, old_one.record.id);

    clock_->Set(old_one.record.expires_at);
    active = sessions_.ListActive(*tx, user_);
    ASSERT_TRUE(active.ok());
    ASSERT_EQ(active->size(), 1u) << "past its absolute expiry";
    EXPECT_EQ((*active)[0].id, newest.record.id);
}

TEST_F(SessionsTest, ListActiveHidesIdleSessionsLikeResolve) {
    auto idle = Create(user_, org_a_);  // org A: default idle timeout of 30 minutes
    clock_->Advance(10 * kMicrosPerMinute);
    auto fresh = Create(user_, org_a_);
    clock_->Advance(20 * kMicrosPerMinute);  // idle: 30 min without activity; fresh: 20 min
    EXPECT_FALSE(Resolves(idle.cookie_value));
    auto tx = db_.Read();
    auto active = sessions_.ListActive(*tx, user_);
    ASSERT_TRUE(active.ok());
    ASSERT_EQ(active->size(), 1u);
    EXPECT_EQ((*active)[0].id, fresh.record.id);
}

TEST_F(SessionsTest, RecentlyAuthenticatedWindowIsFifteenMinutes) {
    auto issued = Create(user_, org_a_, {}, clock_->Now());
    EXPECT_TRUE(sessions_.RecentlyAuthenticated(issued.record));
    clock_->Advance(15 * kMicrosPerMinute - 1);
    EXPECT_TRUE(sessions_.RecentlyAuthenticated(issued.record));
    clock_->Advance(1);
    EXPECT_FALSE(sessions_.RecentlyAuthenticated(issued.record));

    auto never = Create(user_, org_a_);
    EXPECT_FALSE(sessions_.RecentlyAuthenticated(never.record));
}

TEST_F(SessionsTest, MarkReauthenticatedIsStored) {
    auto issued = Create(user_, org_a_);
    clock_->Advance(10 * kMicrosPerMinute);
    ASSERT_TRUE(sessions_.MarkReauthenticated(db_.db(), issued.record.id).ok());
    auto resolved = sessions_.Resolve(db_.db(), issued.cookie_value);
    ASSERT_TRUE(resolved.ok());
    EXPECT_EQ(resolved->session.reauthenticated_at, clock_->Now());
    EXPECT_TRUE(sessions_.RecentlyAuthenticated(resolved->session));
}

TEST(SessionPolicyTest, DefaultsForMissingOrOddSettings) {
    for (const char* text : {"", "garbage", "[]", "{}", "null", R"({"session_idle_minutes":"30"})",
                             R"({"session_idle_minutes":4,"session_max_hours":0})",
                             R"({"session_idle_minutes":721,"session_max_hours":25})",
                             R"({"session_idle_minutes":30.5,"session_max_hours":true})",
                             R"({"session_idle_minutes":-10,"session_max_hours":-1})"}) {
        SessionPolicy policy = SessionPolicyFromSettings(text);
        EXPECT_EQ(policy.idle_minutes, 30) << text;
        EXPECT_EQ(policy.max_hours, 24) << text;
    }
}

TEST(SessionPolicyTest, BoundsAreInclusive) {
    SessionPolicy low = SessionPolicyFromSettings(R"({"session_idle_minutes":5,"session_max_hours":1})");
    EXPECT_EQ(low.idle_minutes, 5);
    EXPECT_EQ(low.max_hours, 1);
    SessionPolicy high = SessionPolicyFromSettings(R"({"session_idle_minutes":720,"session_max_hours":24})");
    EXPECT_EQ(high.idle_minutes, 720);
    EXPECT_EQ(high.max_hours, 24);
    SessionPolicy mixed = SessionPolicyFromSettings(R"({"session_idle_minutes":45,"session_max_hours":99})");
    EXPECT_EQ(mixed.idle_minutes, 45);
    EXPECT_EQ(mixed.max_hours, 24);
}


// --- SessionCache: served from memory, but never past a revocation made through this process ---

TEST_F(SessionsTest, CacheServesARepeatedResolveWithoutStorage) {
    SessionCache cache(sessions_);
    auto issued = Create(user_, org_a_);
    ASSERT_TRUE(cache.Resolve(db_.db(), issued.cookie_value).ok());
    // Proof that the second answer comes from memory: the row is gone, the cache still answers
    // (within its TTL and epoch; this is exactly what Invalidate() exists for).
    db_.ExecNow("UPDATE sessions SET revoked_at = 1 WHERE id = $1", {storage::Text(issued.record.id)});
    auto cached = cache.Resolve(db_.db(), issued.cookie_value);
    ASSERT_TRUE(cached.ok());
    EXPECT_EQ(cached->session.id, issued.record.id);
    EXPECT_EQ(cached->role, Role::kAnalyst);
    EXPECT_EQ(cached->memberships.size(), 2u);
}

TEST_F(SessionsTest, CacheInvalidateMakesARevocationImmediate) {
    SessionCache cache(sessions_);
    auto issued = Create(user_, org_a_);
    ASSERT_TRUE(cache.Resolve(db_.db(), issued.cookie_value).ok());
    {
        auto tx = db_.Write();
        ASSERT_TRUE(SessionManager::Revoke(*tx, issued.record.id, "logout", clock_->Now()).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }
    cache.Invalidate();
    auto after = cache.Resolve(db_.db(), issued.cookie_value);
    ASSERT_FALSE(after.ok());
    EXPECT_EQ(after.error().code, ErrorCode::kUnauthenticated);
}

TEST_F(SessionsTest, CacheEntriesExpireAfterTheirTtl) {
    SessionCache cache(sessions_, 2 * kMicrosPerSecond);
    auto issued = Create(user_, org_a_);
    ASSERT_TRUE(cache.Resolve(db_.db(), issued.cookie_value).ok());
    // A change made by another process (no Invalidate here) is seen once the entry is 2 s old.
    db_.ExecNow("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2",
                {storage::Text(org_a_), storage::Text(user_)});
    clock_->Advance(2 * kMicrosPerSecond - 1);
    EXPECT_TRUE(cache.Resolve(db_.db(), issued.cookie_value).ok());
    clock_->Advance(1);
    EXPECT_FALSE(cache.Resolve(db_.db(), issued.cookie_value).ok());
}

TEST_F(SessionsTest, CacheChecksIdleAndAbsoluteLifetimeOnEveryRequest) {
    SessionCache cache(sessions_, kMicrosPerHour);  // a TTL longer than the idle timeout
    auto issued = Create(user_, org_a_);
    ASSERT_TRUE(cache.Resolve(db_.db(), issued.cookie_value).ok());
    clock_->Advance(30 * kMicrosPerMinute - 1);
    EXPECT_TRUE(cache.Resolve(db_.db(), issued.cookie_value).ok());
    clock_->Advance(1);
    auto idle = cache.Resolve(db_.db(), issued.cookie_value);
    ASSERT_FALSE(idle.ok()) << "an idle session ends even when its entry is cached";
    EXPECT_EQ(idle.error().code, ErrorCode::kUnauthenticated);
}

TEST_F(SessionsTest, CacheTouchKeepsACachedSessionAlive) {
    SessionCache cache(sessions_, kMicrosPerHour);
    auto issued = Create(user_, org_a_);
    clock_->Advance(20 * kMicrosPerMinute);
    auto resolved = cache.Resolve(db_.db(), issued.cookie_value);
    ASSERT_TRUE(resolved.ok());
    ASSERT_TRUE(cache.Touch(db_.db(), issued.cookie_value, *resolved).ok());
    // 49:59 after creation and 29:59 after the touch: alive, served from the updated entry.
    clock_->Advance(30 * kMicrosPerMinute - 1);
    auto later = cache.Resolve(db_.db(), issued.cookie_value);
    ASSERT_TRUE(later.ok());
    EXPECT_EQ(later->session.last_seen_at, issued.record.created_at + 20 * kMicrosPerMinute);
    // ... and the touch reached storage, so the uncached path agrees.
    EXPECT_TRUE(Resolves(issued.cookie_value));
}

TEST_F(SessionsTest, CacheRefusesForgedCookiesBeforeAnyLookup) {
    SessionCache cache(sessions_);
    auto issued = Create(user_, org_a_);
    ASSERT_TRUE(cache.Resolve(db_.db(), issued.cookie_value).ok());
    std::string forged = issued.cookie_value;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(cache.Resolve(db_.db(), forged).ok());
    EXPECT_FALSE(cache.Resolve(db_.db(), SignedCookie(std::string(32, 'x'), std::string(32, 'z'))).ok());
}

}  // namespace
}  // namespace wt::auth
