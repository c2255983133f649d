// SPDX-License-Identifier: Apache-2.0
#include "auth/api_keys.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../common/test_support.hpp"
#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

using testing::ManualClock;

constexpr UnixMicros kTtl = 5 * kMicrosPerSecond;

std::vector<Cidr> Ranges(std::initializer_list<std::string_view> texts) {
    std::vector<Cidr> out;
    for (auto text : texts) {
        auto parsed = ParseCidr(text, "cidr");
        EXPECT_TRUE(parsed.ok()) << text;
        if (parsed.ok()) out.push_back(*parsed);
    }
    return out;
}

IpAddress Ip(std::string_view text) {
    auto parsed = ParseIp(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(IpAddress{});
}

class ApiKeysTest : public ::testing::Test {
  protected:
    ApiKeysTest() : clock_(std::make_shared<ManualClock>()), authenticator_(db_.db(), clock_, kTtl) {}

    void SetUp() override {
        org_a_ = AddOrg("Acme");
        org_b_ = AddOrg("Beta");
    }

    std::string AddOrg(const std::string& name) {
        std::string id = crypto::NewId("org");
        db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, $2, '{}', 0)",
                    {storage::Text(id), storage::Text(name)});
        return id;
    }

    IssuedApiKey Create(const std::string& org, Environment environment = Environment::kProduction,
                        const std::vector<Cidr>& allowed = {}, const std::string& name = "checkout") {
        auto tx = db_.Write();
        auto issued = CreateApiKey(*tx, org, name, environment, allowed, "usr_ada", clock_->Now());
        EXPECT_TRUE(issued.ok());
        EXPECT_TRUE(tx->Commit().ok());
        return issued.ok() ? *issued : IssuedApiKey{};
    }

    Result<IssuedApiKey> Rotate(const std::string& org, const std::string& key_id, std::int64_t grace_seconds) {
        auto tx = db_.Write();
        auto issued = RotateApiKey(*tx, org, key_id, grace_seconds, "usr_bob", clock_->Now());
        if (issued.ok()) {
            EXPECT_TRUE(tx->Commit().ok());
        }
        return issued;
    }

    Status Revoke(const std::string& org, const std::string& key_id) {
        auto tx = db_.Write();
        auto revoked = RevokeApiKey(*tx, org, key_id, clock_->Now());
        if (revoked.ok()) {
            EXPECT_TRUE(tx->Commit().ok());
        }
        return revoked;
    }

    Result<ApiKeyRecord> Get(const std::string& org, const std::string& key_id) {
        auto tx = db_.Read();
        return GetApiKey(*tx, org, key_id);
    }

    std::vector<ApiKeyRecord> List(const std::string& org) {
        auto tx = db_.Read();
        auto listed = ListApiKeys(*tx, org);
        EXPECT_TRUE(listed.ok());
        return listed.ok() ? *listed : std::vector<ApiKeyRecord>{};
    }

    void Save(const std::string& org, const AllowedIps& lists) {
        auto tx = db_.Write();
        EXPECT_TRUE(SaveAllowedIps(*tx, org, lists).ok());
        EXPECT_TRUE(tx->Commit().ok());
    }

    void ExpectRefused(const std::string& presented) {
        auto scope = authenticator_.Authenticate(presented);
        ASSERT_FALSE(scope.ok()) << "'" << presented << "' must be refused";
        EXPECT_EQ(scope.error().code, ErrorCode::kUnauthenticated);
        EXPECT_EQ(scope.error().detail, "invalid API key");
    }
    bool Works(const std::string& presented) { return authenticator_.Authenticate(presented).ok(); }

    std::optional<storage::Row> KeyRow(const std::string& key_id) {
        auto tx = db_.Read();
        auto row = tx->QueryOne(
            "SELECT id, org_id, name, environment, prefix, key_hash, allowed_ips, created_at, created_by, expires_at, "
            "revoked_at, replaced_by, last_used_at, last_used_ip FROM api_keys WHERE id = $1",
            {storage::Text(key_id)});
        EXPECT_TRUE(row.ok());
        return row.ok() ? *row : std::nullopt;
    }

    testing::TestDb db_;
    std::shared_ptr<ManualClock> clock_;
    ApiKeyAuthenticator authenticator_;
    std::string org_a_, org_b_;
};

TEST(EnvironmentTest, NamesRoundTrip) {
    EXPECT_EQ(EnvironmentName(Environment::kSandbox), "sandbox");
    EXPECT_EQ(EnvironmentName(Environment::kProduction), "production");
    EXPECT_EQ(ParseEnvironment("sandbox"), Environment::kSandbox);
    EXPECT_EQ(ParseEnvironment("production"), Environment::kProduction);
    EXPECT_FALSE(ParseEnvironment("Production").has_value());
    EXPECT_FALSE(ParseEnvironment("live").has_value());
    EXPECT_FALSE(ParseEnvironment("").has_value());
}

TEST(ApiKeyRecordTest, StatusFollowsRevocationAndGrace) {
    ApiKeyRecord record;
    const UnixMicros now = 1'000 * kMicrosPerSecond;
    EXPECT_EQ(record.Status(now), "active");
    record.expires_at = now + 1;
    EXPECT_EQ(record.Status(now), "rotating");
    record.expires_at = now;
    EXPECT_EQ(record.Status(now), "revoked");
    record.expires_at = std::nullopt;
    record.revoked_at = now - 1;
    EXPECT_EQ(record.Status(now), "revoked");
    record.expires_at = now + kMicrosPerHour;  // revoked while rotating
    EXPECT_EQ(record.Status(now), "revoked");
}

TEST_F(ApiKeysTest, KeyFormatPrefixAndStoredHash) {
    const auto live = Create(org_a_, Environment::kProduction, Ranges({"203.0.113.0/24", "2001:db8::/32"}));
    EXPECT_TRUE(std::regex_match(live.key, std::regex("wt_live_[A-Za-z0-9_-]{43}"))) << live.key;
    EXPECT_EQ(live.record.prefix, live.key.substr(0, 16));
    EXPECT_EQ(live.record.environment, Environment::kProduction);
    EXPECT_EQ(live.record.org_id, org_a_);
    EXPECT_EQ(live.record.name, "checkout");
    EXPECT_EQ(live.record.created_by, "usr_ada");
    EXPECT_EQ(live.record.created_at, clock_->Now());
    EXPECT_EQ(live.record.allowed_ips, (std::vector<std::string>{"203.0.113.0/24", "2001:db8::/32"}));
    EXPECT_TRUE(std::regex_match(live.record.id, std::regex("key_[0-9a-z]{26}"))) << live.record.id;
    auto decoded = crypto::Base64UrlDecode(live.key.substr(8));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->size(), 32u);

    const auto test = Create(org_a_, Environment::kSandbox);
    EXPECT_TRUE(std::regex_match(test.key, std::regex("wt_test_[A-Za-z0-9_-]{43}"))) << test.key;
    EXPECT_EQ(test.record.prefix, test.key.substr(0, 16));
    EXPECT_NE(test.key.substr(8), live.key.substr(8));

    // The stored row holds the hash and the visible prefix, never the key or its secret part.
    auto row = KeyRow(live.record.id);
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(row->GetText(5), crypto::HexEncode(crypto::Sha256(live.key)));
    EXPECT_EQ(row->GetText(4), live.record.prefix);
    EXPECT_EQ(row->GetText(3), "production");
    EXPECT_EQ(row->GetText(6), R"(["203.0.113.0/24","2001:db8::/32"])");
    for (std::size_t col = 0; col < row->size(); ++col) {
        if (row->IsNull(col) || !std::holds_alternative<std::string>(row->at(col))) continue;
        EXPECT_EQ(row->GetText(col).find(live.key.substr(16)), std::string::npos) << "column " << col;
    }
}

TEST_F(ApiKeysTest, ListIsNewestFirstWithTheDocumentedShape) {
    const auto first = Create(org_a_, Environment::kProduction, {}, "first");
    clock_->Advance(kMicrosPerSecond);
    const auto second = Create(org_a_, Environment::kSandbox, Ranges({"10.0.0.0/8"}), "second");
    clock_->Advance(kMicrosPerSecond);
    const auto third = Create(org_a_, Environment::kProduction, {}, "third");
    ASSERT_TRUE(Revoke(org_a_, first.record.id).ok());
    Create(org_b_);

    const auto listed = List(org_a_);
    ASSERT_EQ(listed.size(), 3u);
    EXPECT_EQ(listed[0].id, third.record.id);
    EXPECT_EQ(listed[1].id, second.record.id);
    EXPECT_EQ(listed[2].id, first.record.id);
    EXPECT_EQ(listed[0].Status(clock_->Now()), "active");
    EXPECT_EQ(listed[2].Status(clock_->Now()), "revoked");
    EXPECT_EQ(listed[1].name, "second");
    EXPECT_EQ(listed[1].prefix, second.record.prefix);
    EXPECT_EQ(listed[1].environment, Environment::kSandbox);
    EXPECT_EQ(listed[1].allowed_ips, std::vector<std::string>{"10.0.0.0/8"});
    EXPECT_EQ(listed[1].created_at, second.record.created_at);
    EXPECT_EQ(listed[1].created_by, "usr_ada");
    EXPECT_FALSE(listed[1].last_used_at.has_value());
    EXPECT_FALSE(listed[1].last_used_ip.has_value());
    EXPECT_FALSE(listed[1].expires_at.has_value());

    // Keys made in the same microsecond still list newest first (ids are time-ordered).
    const auto same_a = Create(org_b_);
    const auto same_b = Create(org_b_);
    const auto listed_b = List(org_b_);
    ASSERT_EQ(listed_b.size(), 3u);
    EXPECT_EQ(listed_b[0].id, same_b.record.id);
    EXPECT_EQ(listed_b[1].id, same_a.record.id);
}

TEST_F(ApiKeysTest, AnotherOrganizationsKeyIsNotFound) {
    const auto key = Create(org_a_);
    EXPECT_TRUE(List(org_b_).empty());

    auto got = Get(org_b_, key.record.id);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
    auto rotated = Rotate(org_b_, key.record.id, 60);
    ASSERT_FALSE(rotated.ok());
    EXPECT_EQ(rotated.error().code, ErrorCode::kNotFound);
    auto revoked = Revoke(org_b_, key.record.id);
    ASSERT_FALSE(revoked.ok());
    EXPECT_EQ(revoked.error().code, ErrorCode::kNotFound);

    // Untouched by the attempts.
    auto mine = Get(org_a_, key.record.id);
    ASSERT_TRUE(mine.ok());
    EXPECT_EQ(mine->Status(clock_->Now()), "active");
    EXPECT_TRUE(Works(key.key));

    for (const std::string& unknown : {std::string("key_nonexistent"), std::string()}) {
        EXPECT_EQ(Get(org_a_, unknown).error().code, ErrorCode::kNotFound);
        EXPECT_EQ(Rotate(org_a_, unknown, 0).error().code, ErrorCode::kNotFound);
        EXPECT_EQ(Revoke(org_a_, unknown).error().code, ErrorCode::kNotFound);
    }
}

TEST_F(ApiKeysTest, RotateIssuesASuccessorAndStartsTheGrace) {
    const auto old = Create(org_a_, Environment::kSandbox, Ranges({"198.51.100.0/24"}), "batch");
    clock_->Advance(kMicrosPerSecond);
    auto successor = Rotate(org_a_, old.record.id, 3600);
    ASSERT_TRUE(successor.ok());
    EXPECT_NE(successor->record.id, old.record.id);
    EXPECT_NE(successor->key, old.key);
    EXPECT_TRUE(std::regex_match(successor->key, std::regex("wt_test_[A-Za-z0-9_-]{43}")));
    EXPECT_EQ(successor->record.name, "batch");
    EXPECT_EQ(successor->record.environment, Environment::kSandbox);
    EXPECT_EQ(successor->record.allowed_ips, std::vector<std::string>{"198.51.100.0/24"});
    EXPECT_EQ(successor->record.created_by, "usr_bob");
    EXPECT_EQ(successor->record.created_at, clock_->Now());

    auto old_now = Get(org_a_, old.record.id);
    ASSERT_TRUE(old_now.ok());
    EXPECT_EQ(old_now->expires_at, clock_->Now() + 3600 * kMicrosPerSecond);
    EXPECT_EQ(old_now->Status(clock_->Now()), "rotating");
    EXPECT_EQ(old_now->Status(*old_now->expires_at), "revoked");
    auto row = KeyRow(old.record.id);
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(row->GetOptText(11), successor->record.id);  // replaced_by

    auto listed = List(org_a_);
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].id, successor->record.id);
    EXPECT_EQ(listed[0].Status(clock_->Now()), "active");
}

TEST_F(ApiKeysTest, RotatingTwiceOrRotatingARevokedKeyIsAConflict) {
    const auto key = Create(org_a_);
    auto successor = Rotate(org_a_, key.record.id, 60);
    ASSERT_TRUE(successor.ok());
    auto again = Rotate(org_a_, key.record.id, 60);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
    // Also once the grace is over.
    clock_->Advance(120 * kMicrosPerSecond);
    EXPECT_EQ(Rotate(org_a_, key.record.id, 60).error().code, ErrorCode::kConflict);
    // The successor rotates normally.
    EXPECT_TRUE(Rotate(org_a_, successor->record.id, 60).ok());

    const auto revoked = Create(org_a_);
    ASSERT_TRUE(Revoke(org_a_, revoked.record.id).ok());
    EXPECT_EQ(Rotate(org_a_, revoked.record.id, 60).error().code, ErrorCode::kConflict);
    EXPECT_EQ(List(org_a_).size(), 4u);  // no successor was made for the refused rotations
}

TEST_F(ApiKeysTest, ZeroAndNegativeGraceEndTheOldKeyAtOnce) {
    const auto zero = Create(org_a_);
    const auto negative = Create(org_a_);
    ASSERT_TRUE(Works(zero.key));
    ASSERT_TRUE(Works(negative.key));
    ASSERT_TRUE(Rotate(org_a_, zero.record.id, 0).ok());
    ASSERT_TRUE(Rotate(org_a_, negative.record.id, -3600).ok());
    authenticator_.Invalidate();
    for (const auto* key : {&zero, &negative}) {
        auto record = Get(org_a_, key->record.id);
        ASSERT_TRUE(record.ok());
        EXPECT_EQ(record->expires_at, clock_->Now());
        EXPECT_EQ(record->Status(clock_->Now()), "revoked");
        ExpectRefused(key->key);
    }
}

TEST_F(ApiKeysTest, RevokeIsIdempotent) {
    const auto key = Create(org_a_);
    ASSERT_TRUE(Revoke(org_a_, key.record.id).ok());
    const UnixMicros first_revocation = clock_->Now();
    clock_->Advance(kMicrosPerMinute);
    ASSERT_TRUE(Revoke(org_a_, key.record.id).ok());
    auto record = Get(org_a_, key.record.id);
    ASSERT_TRUE(record.ok());
    EXPECT_EQ(record->revoked_at, first_revocation);
    EXPECT_EQ(record->Status(clock_->Now()), "revoked");
}

TEST_F(ApiKeysTest, AllowedIpsSaveLoadReplaceAndIsolation) {
    {
        auto tx = db_.Read();
        auto empty = LoadAllowedIps(*tx, org_a_);
        ASSERT_TRUE(empty.ok());
        EXPECT_TRUE(empty->console.empty());
        EXPECT_TRUE(empty->ingestion.empty());
    }
    AllowedIps lists;
    const auto console = Ranges({"203.0.113.0/24", "10.0.0.0/8", "2001:db8::/32"});
    lists.console = {{console[0], "office"}, {console[1], "vpn"}, {console[2], "v6 office"}};
    const auto ingestion = Ranges({"198.51.100.7"});
    lists.ingestion = {{ingestion[0], "payments backend"}};
    Save(org_a_, lists);
    Save(org_b_, AllowedIps{{{console[1], "b's vpn"}}, {}});

    auto tx = db_.Read();
    auto loaded = LoadAllowedIps(*tx, org_a_);
    ASSERT_TRUE(loaded.ok());
    ASSERT_EQ(loaded->console.size(), 3u);
    EXPECT_EQ(loaded->console[0].cidr.ToString(), "203.0.113.0/24");
    EXPECT_EQ(loaded->console[0].label, "office");
    EXPECT_EQ(loaded->console[1].cidr.ToString(), "10.0.0.0/8");
    EXPECT_EQ(loaded->console[2].cidr.ToString(), "2001:db8::/32");
    EXPECT_EQ(loaded->console[2].label, "v6 office");
    ASSERT_EQ(loaded->ingestion.size(), 1u);
    EXPECT_EQ(loaded->ingestion[0].cidr.ToString(), "198.51.100.7/32");
    EXPECT_EQ(loaded->ingestion[0].label, "payments backend");
    tx.reset();

    // Saving replaces both lists.
    Save(org_a_, AllowedIps{{}, {{console[1], "only"}}});
    tx = db_.Read();
    loaded = LoadAllowedIps(*tx, org_a_);
    ASSERT_TRUE(loaded.ok());
    EXPECT_TRUE(loaded->console.empty());
    ASSERT_EQ(loaded->ingestion.size(), 1u);
    EXPECT_EQ(loaded->ingestion[0].label, "only");

    auto other = LoadAllowedIps(*tx, org_b_);
    ASSERT_TRUE(other.ok());
    ASSERT_EQ(other->console.size(), 1u);
    EXPECT_EQ(other->console[0].label, "b's vpn");
    EXPECT_TRUE(other->ingestion.empty());
}

TEST_F(ApiKeysTest, AuthenticateAValidKey) {
    const auto key = Create(org_a_, Environment::kProduction, Ranges({"203.0.113.0/24"}));
    auto scope = authenticator_.Authenticate(key.key);
    ASSERT_TRUE(scope.ok());
    EXPECT_EQ(scope->key_id, key.record.id);
    EXPECT_EQ(scope->org_id, org_a_);
    EXPECT_EQ(scope->environment, Environment::kProduction);
    ASSERT_EQ(scope->key_ranges.size(), 1u);
    EXPECT_EQ(scope->key_ranges[0].ToString(), "203.0.113.0/24");
    EXPECT_TRUE(scope->org_ranges.empty());
    EXPECT_FALSE(scope->expires_at.has_value());
    // And again from the cache.
    auto cached = authenticator_.Authenticate(key.key);
    ASSERT_TRUE(cached.ok());
    EXPECT_EQ(cached->key_id, key.record.id);
}

TEST_F(ApiKeysTest, SandboxAndProductionScopes) {
    const auto live = Create(org_a_, Environment::kProduction);
    const auto test = Create(org_a_, Environment::kSandbox);
    auto live_scope = authenticator_.Authenticate(live.key);
    auto test_scope = authenticator_.Authenticate(test.key);
    ASSERT_TRUE(live_scope.ok());
    ASSERT_TRUE(test_scope.ok());
    EXPECT_EQ(live_scope->environment, Environment::kProduction);
    EXPECT_EQ(test_scope->environment, Environment::kSandbox);
    // Swapping the tag makes a different key (the hash covers the whole text).
    ExpectRefused("wt_test_" + live.key.substr(8));
    ExpectRefused("wt_live_" + test.key.substr(8));
}

TEST_F(ApiKeysTest, UnknownAndMalformedKeysAreRefusedAlike) {
    const auto key = Create(org_a_);
    const std::string random = key.key.substr(8);
    const std::vector<std::string> refused = {
        "",
        "wt_live_",
        "wt_test_",
        "wt_live_" + crypto::NewToken(),  // well formed, unknown
        "wt_test_" + crypto::NewToken(),
        "Bearer " + key.key,
        key.key + " ",
        " " + key.key,
        key.key + "=",
        key.key + "A",
        key.key.substr(0, key.key.size() - 1),
        "WT_LIVE_" + random,
        "wt_prod_" + random,
        "wt-live-" + random,
        "wt_live_" + random.substr(0, 42) + "+",
        "wt_live_" + random.substr(0, 42) + "/",
        "wt_live_" + random.substr(0, 42) + ".",
        "wt_live_" + random.substr(0, 42) + std::string(1, '\0'),
        "wt_live_" + std::string(43, '-'),
        random,
        std::string(10'000, 'a'),
        crypto::HexEncode(crypto::Sha256(key.key)),  // the stored hash is not a key
    };
    for (const auto& presented : refused) ExpectRefused(presented);
    EXPECT_TRUE(Works(key.key));
}

TEST_F(ApiKeysTest, RevocationTakesEffectAtOnceAfterInvalidate) {
    const auto key = Create(org_a_);
    ASSERT_TRUE(Works(key.key));
    ASSERT_TRUE(Revoke(org_a_, key.record.id).ok());
    authenticator_.Invalidate();
    ExpectRefused(key.key);
    clock_->Advance(kTtl * 2);
    ExpectRefused(key.key);
}

TEST_F(ApiKeysTest, WithoutInvalidateARevocationIsSeenWithinTheTtl) {
    // A revocation made by another process: this one has no Invalidate() call to see.
    const auto key = Create(org_a_);
    ASSERT_TRUE(Works(key.key));
    ASSERT_TRUE(Revoke(org_a_, key.record.id).ok());
    clock_->Advance(kTtl - 1);
    EXPECT_TRUE(Works(key.key));  // still the cached entry
    clock_->Advance(1);
    ExpectRefused(key.key);
    // The refusal is not cached either way; a clock stepping back does not revive the entry.
    clock_->Advance(-kTtl);
    ExpectRefused(key.key);
}

TEST_F(ApiKeysTest, RotatedKeyWorksUntilTheEndOfItsGrace) {
    const auto old = Create(org_a_);
    ASSERT_TRUE(Works(old.key));
    auto successor = Rotate(org_a_, old.record.id, 60);
    ASSERT_TRUE(successor.ok());
    authenticator_.Invalidate();
    const UnixMicros expires_at = clock_->Now() + 60 * kMicrosPerSecond;

    auto scope = authenticator_.Authenticate(old.key);
    ASSERT_TRUE(scope.ok());
    EXPECT_EQ(scope->expires_at, expires_at);
    EXPECT_TRUE(Works(successor->key));

    // Stay within the cache TTL: the end of the grace is checked against the clock, also for
    // cached entries.
    clock_->Set(expires_at - 1);
    ASSERT_TRUE(Works(old.key));
    clock_->Set(expires_at);
    ExpectRefused(old.key);
    EXPECT_TRUE(Works(successor->key));
    clock_->Advance(kTtl * 3);
    ExpectRefused(old.key);
    EXPECT_TRUE(Works(successor->key));
}

TEST_F(ApiKeysTest, CheckAddressAppliesTheKeysAndTheOrganizationsLists) {
    const auto restricted = Create(org_a_, Environment::kProduction, Ranges({"203.0.113.0/24", "2001:db8::/32"}));
    const auto open = Create(org_a_);

    auto scope = authenticator_.Authenticate(restricted.key);
    ASSERT_TRUE(scope.ok());
    EXPECT_TRUE(ApiKeyAuthenticator::CheckAddress(*scope, Ip("203.0.113.200")).ok());
    EXPECT_TRUE(ApiKeyAuthenticator::CheckAddress(*scope, Ip("::ffff:203.0.113.200")).ok());
    EXPECT_TRUE(ApiKeyAuthenticator::CheckAddress(*scope, Ip("2001:db8::5")).ok());
    auto refused = ApiKeyAuthenticator::CheckAddress(*scope, Ip("198.51.100.1"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kIpNotAllowed);
    EXPECT_EQ(refused.error().detail.find("203.0.113"), std::string::npos) << "the allowed ranges are not echoed";

    // The organization's ingestion list applies on top (its console list does not).
    const auto org_ranges = Ranges({"203.0.113.0/25", "192.0.2.0/24"});
    const auto console_ranges = Ranges({"10.0.0.0/8"});
    Save(org_a_,
         AllowedIps{{{console_ranges[0], "office"}}, {{org_ranges[0], "backend a"}, {org_ranges[1], "backend b"}}});
    authenticator_.Invalidate();
    scope = authenticator_.Authenticate(restricted.key);
    ASSERT_TRUE(scope.ok());
    ASSERT_EQ(scope->org_ranges.size(), 2u);
    EXPECT_EQ(scope->org_ranges[0].ToString(), "203.0.113.0/25");
    EXPECT_EQ(scope->org_ranges[1].ToString(), "192.0.2.0/24");
    EXPECT_TRUE(ApiKeyAuthenticator::CheckAddress(*scope, Ip("203.0.113.7")).ok());
    EXPECT_EQ(ApiKeyAuthenticator::CheckAddress(*scope, Ip("203.0.113.200")).error().code, ErrorCode::kIpNotAllowed);
    EXPECT_EQ(ApiKeyAuthenticator::CheckAddress(*scope, Ip("192.0.2.1")).error().code, ErrorCode::kIpNotAllowed);
    EXPECT_EQ(ApiKeyAuthenticator::CheckAddress(*scope, Ip("10.0.0.1")).error().code, ErrorCode::kIpNotAllowed);

    auto open_scope = authenticator_.Authenticate(open.key);
    ASSERT_TRUE(open_scope.ok());
    EXPECT_TRUE(open_scope->key_ranges.empty());
    EXPECT_TRUE(ApiKeyAuthenticator::CheckAddress(*open_scope, Ip("192.0.2.1")).ok());
    EXPECT_EQ(ApiKeyAuthenticator::CheckAddress(*open_scope, Ip("10.0.0.1")).error().code, ErrorCode::kIpNotAllowed);

    // Another organization's list does not apply.
    Save(org_b_, AllowedIps{{}, {{console_ranges[0], "b only"}}});
    authenticator_.Invalidate();
    open_scope = authenticator_.Authenticate(open.key);
    ASSERT_TRUE(open_scope.ok());
    EXPECT_EQ(open_scope->org_ranges.size(), 2u);
}

TEST_F(ApiKeysTest, FlushUsageWritesTheNewestUseInOneGo) {
    const auto first = Create(org_a_);
    const auto second = Create(org_a_);
    const UnixMicros t0 = clock_->Now();
    authenticator_.RecordUse(first.record.id, "203.0.113.1", t0 + 2);
    authenticator_.RecordUse(first.record.id, "203.0.113.3", t0 + 3);
    authenticator_.RecordUse(first.record.id, "203.0.113.2", t0 + 1);  // arrives late, is older
    authenticator_.RecordUse(second.record.id, "2001:db8::1", t0 + 5);

    auto flushed = authenticator_.FlushUsage();
    ASSERT_TRUE(flushed.ok());
    EXPECT_EQ(*flushed, 2);
    auto record = Get(org_a_, first.record.id);
    ASSERT_TRUE(record.ok());
    EXPECT_EQ(record->last_used_at, t0 + 3);
    EXPECT_EQ(record->last_used_ip, "203.0.113.3");
    EXPECT_EQ(Get(org_a_, second.record.id)->last_used_ip, "2001:db8::1");

    // Nothing pending: nothing written.
    flushed = authenticator_.FlushUsage();
    ASSERT_TRUE(flushed.ok());
    EXPECT_EQ(*flushed, 0);

    // An older use (say, recorded by a slower process) never moves last_used_at back.
    authenticator_.RecordUse(first.record.id, "198.51.100.1", t0);
    flushed = authenticator_.FlushUsage();
    ASSERT_TRUE(flushed.ok());
    EXPECT_EQ(*flushed, 0);
    record = Get(org_a_, first.record.id);
    EXPECT_EQ(record->last_used_at, t0 + 3);
    EXPECT_EQ(record->last_used_ip, "203.0.113.3");

    // A use of a key that no longer exists is harmless.
    authenticator_.RecordUse("key_gone", "203.0.113.1", t0);
    flushed = authenticator_.FlushUsage();
    ASSERT_TRUE(flushed.ok());
    EXPECT_EQ(*flushed, 0);
}

TEST_F(ApiKeysTest, UsageSurvivesAFailedFlush) {
    // A second handle on the same file with a short busy timeout, so that a write lock held
    // through the first handle makes its flush fail quickly.
    storage::OpenOptions options;
    options.busy_timeout_ms = 50;
    auto other = storage::Open(db_.dir() + "/watchtower.db", options);
    ASSERT_TRUE(other.ok());
    ApiKeyAuthenticator authenticator(**other, clock_, kTtl);
    const auto key = Create(org_a_);
    const UnixMicros t0 = clock_->Now();
    authenticator.RecordUse(key.record.id, "203.0.113.5", t0 + 5);
    {
        auto lock_holder = db_.Write();
        auto flushed = authenticator.FlushUsage();
        ASSERT_FALSE(flushed.ok());
        EXPECT_EQ(flushed.error().code, ErrorCode::kUnavailable);
        // Uses recorded meanwhile: an older one does not replace the pending newer one.
        authenticator.RecordUse(key.record.id, "203.0.113.4", t0 + 4);
    }
    auto flushed = authenticator.FlushUsage();
    ASSERT_TRUE(flushed.ok());
    EXPECT_EQ(*flushed, 1);
    auto record = Get(org_a_, key.record.id);
    ASSERT_TRUE(record.ok());
    EXPECT_EQ(record->last_used_at, t0 + 5);
    EXPECT_EQ(record->last_used_ip, "203.0.113.5");
}

TEST_F(ApiKeysTest, ConcurrentAuthenticateInvalidateAndRecordUse) {
    std::vector<IssuedApiKey> keys;
    for (int key_idx = 0; key_idx < 4; ++key_idx) keys.push_back(Create(org_a_));
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
        threads.emplace_back([&, thread_idx] {
            for (int round = 0; round < 200; ++round) {
                const auto& key = keys[(thread_idx + round) % keys.size()];
                auto scope = authenticator_.Authenticate(key.key);
                if (!scope.ok() || scope->key_id != key.record.id) ++failures;
                if (scope.ok()) authenticator_.RecordUse(scope->key_id, "203.0.113.1", clock_->Now() + round);
                if (round % 50 == 0) authenticator_.Invalidate();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    auto flushed = authenticator_.FlushUsage();
    ASSERT_TRUE(flushed.ok());
    EXPECT_EQ(*flushed, 4);
}

}  // namespace
}  // namespace wt::auth
