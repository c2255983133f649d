// SPDX-License-Identifier: Apache-2.0
#include "audit/audit_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "../common/test_support.hpp"

namespace wt::audit {
namespace {

using testing::TestDb;

constexpr UnixMicros kT0 = 1'795'428'000 * kMicrosPerSecond;  // 2026-11-23T10:00:00Z

bool IsLowerHex64(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

class AuditLogTest : public ::testing::Test {
protected:
    void SetUp() override {
        org_a_ = AddOrg("Org A");
        org_b_ = AddOrg("Org B");
    }

    std::string AddOrg(const std::string& name) {
        std::string id = crypto::NewId("org");
        db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, $2, '{}', $3)",
                    {storage::Text(id), storage::Text(name), storage::Int(kT0)});
        return id;
    }

    Event MakeEvent(const std::string& org, std::string action, std::string actor_id = "usr_1") {
        return Event{org, {ActorType::kUser, std::move(actor_id)}, std::move(action), "user:usr_9", "203.0.113.7",
                     "test-agent/1.0", {{"k", "v"}}};
    }

    void AppendAt(const Event& event, UnixMicros at) {
        auto appended = AppendNow(db_.db(), event, at);
        ASSERT_TRUE(appended.ok()) << appended.error().internal;
    }

    std::vector<Entry> ListAll(const std::string& org) {
        Query query;
        query.org_id = org;
        query.limit = 1000;
        auto page = List(db_.db(), query);
        EXPECT_TRUE(page.ok());
        return page.ok() ? page->entries : std::vector<Entry>{};
    }

    VerifyReport VerifyOk() {
        auto report = Verify(db_.db());
        EXPECT_TRUE(report.ok()) << report.error().internal;
        return report.ok() ? *report : VerifyReport{};
    }

    // Raw SQL that bypasses the append-only triggers, as an attacker with file access could.
    void Tamper(const std::string& sql) {
        db_.ExecNow("DROP TRIGGER IF EXISTS audit_log_no_update");
        db_.ExecNow("DROP TRIGGER IF EXISTS audit_log_no_delete");
        db_.ExecNow(sql);
    }

    TestDb db_;
    std::string org_a_;
    std::string org_b_;
};

TEST_F(AuditLogTest, AppendBuildsALinkedChain) {
    for (int n = 0; n < 4; ++n) AppendAt(MakeEvent(org_a_, "rule.updated"), kT0 + n * kMicrosPerSecond);
    auto entries = ListAll(org_a_);
    ASSERT_EQ(entries.size(), 4u);
    std::reverse(entries.begin(), entries.end());  // oldest first
    std::set<std::string> ids;
    for (std::size_t entry_idx = 0; entry_idx < entries.size(); ++entry_idx) {
        const Entry& entry = entries[entry_idx];
        EXPECT_EQ(entry.seq, static_cast<std::int64_t>(entry_idx + 1));
        EXPECT_EQ(entry.at, kT0 + static_cast<UnixMicros>(entry_idx) * kMicrosPerSecond);
        EXPECT_TRUE(IsLowerHex64(entry.hash)) << entry.hash;
        EXPECT_EQ(entry.prev_hash, entry_idx == 0 ? std::string(64, '0') : entries[entry_idx - 1].hash);
        EXPECT_EQ(entry.id.rfind("aud", 0), 0u) << entry.id;
        EXPECT_TRUE(ids.insert(entry.id).second);
        EXPECT_EQ(entry.event.org_id, org_a_);
        EXPECT_EQ(entry.event.action, "rule.updated");
        EXPECT_EQ(entry.event.actor.type, ActorType::kUser);
        EXPECT_EQ(entry.event.actor.id, "usr_1");
        EXPECT_EQ(entry.event.target, "user:usr_9");
        EXPECT_EQ(entry.event.ip, "203.0.113.7");
        EXPECT_EQ(entry.event.user_agent, "test-agent/1.0");
        EXPECT_EQ(entry.event.details, (boost::json::object{{"k", "v"}}));
    }
}

TEST_F(AuditLogTest, HashIsHexSha256OfPrevHashAndTheStoredFields) {
    Event event{org_a_, {ActorType::kSystem, ""}, "org.created", "", "", "", {{"name", "Org A"}}};
    AppendAt(event, kT0);
    auto entries = ListAll(org_a_);
    ASSERT_EQ(entries.size(), 1u);
    const Entry& e = entries[0];
    // The stored fields in table order; empty optional fields are stored (and hashed) as null.
    boost::json::array fields{e.event.org_id, e.seq,   e.id,   e.at,    "system", nullptr,
                              "org.created",  nullptr, nullptr, nullptr, R"({"name":"Org A"})"};
    std::string expected =
        crypto::HexEncode(crypto::Sha256(std::string(64, '0') + "\n" + boost::json::serialize(fields)));
    EXPECT_EQ(e.hash, expected);
}

TEST_F(AuditLogTest, EachOrganizationHasItsOwnSequence) {
    AppendAt(MakeEvent(org_a_, "a.one"), kT0);
    AppendAt(MakeEvent(org_b_, "b.one"), kT0 + 1);
    AppendAt(MakeEvent(org_a_, "a.two"), kT0 + 2);
    auto a = ListAll(org_a_);
    auto b = ListAll(org_b_);
    ASSERT_EQ(a.size(), 2u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(a[0].seq, 2);
    EXPECT_EQ(a[0].event.action, "a.two");
    EXPECT_EQ(a[0].prev_hash, a[1].hash);
    EXPECT_EQ(b[0].seq, 1);
    EXPECT_EQ(b[0].prev_hash, std::string(64, '0'));
    auto report = VerifyOk();
    EXPECT_TRUE(report.ok());
    EXPECT_EQ(report.organizations, 2);
    EXPECT_EQ(report.entries, 3);
}

TEST_F(AuditLogTest, UserAgentIsCappedAt512Bytes) {
    Event event = MakeEvent(org_a_, "auth.login.succeeded");
    event.user_agent = std::string(2000, 'u');
    AppendAt(event, kT0);
    auto entries = ListAll(org_a_);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].event.user_agent, std::string(512, 'u'));
    EXPECT_TRUE(VerifyOk().ok());
}

TEST_F(AuditLogTest, AppendInARolledBackTransactionLeavesNoTrace) {
    AppendAt(MakeEvent(org_a_, "first"), kT0);
    {
        auto tx = db_.Write();
        ASSERT_TRUE(Append(*tx, MakeEvent(org_a_, "never.committed"), kT0 + 1).ok());
        // Destroyed without Commit: rolled back, entry and head together.
    }
    AppendAt(MakeEvent(org_a_, "second"), kT0 + 2);
    auto entries = ListAll(org_a_);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].event.action, "second");
    EXPECT_EQ(entries[0].seq, 2);
    EXPECT_TRUE(VerifyOk().ok());
}

TEST_F(AuditLogTest, TriggersRefuseUpdateAndDelete) {
    AppendAt(MakeEvent(org_a_, "x"), kT0);
    {
        auto tx = db_.Write();
        EXPECT_FALSE(tx->Exec("UPDATE audit_log SET action = 'y'").ok());
    }
    {
        auto tx = db_.Write();
        EXPECT_FALSE(tx->Exec("DELETE FROM audit_log").ok());
    }
    auto entries = ListAll(org_a_);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].event.action, "x");
}

// --- List ----------------------------------------------------------------------------------

class AuditListTest : public AuditLogTest {
protected:
    void SetUp() override {
        AuditLogTest::SetUp();
        // seq: action, actor, at
        AppendAt(MakeEvent(org_a_, "auth.login.succeeded", "usr_1"), kT0);                         // 1
        AppendAt(MakeEvent(org_a_, "authz.denied", "usr_2"), kT0 + kMicrosPerMinute);              // 2
        AppendAt(MakeEvent(org_a_, "auth.login.failed", "usr_2"), kT0 + 2 * kMicrosPerMinute);     // 3
        AppendAt(MakeEvent(org_a_, "member.role_changed", "usr_1"), kT0 + 3 * kMicrosPerMinute);   // 4
        AppendAt(MakeEvent(org_a_, "auth", "usr_1"), kT0 + 4 * kMicrosPerMinute);                  // 5
        AppendAt(MakeEvent(org_a_, "auth.logout", "usr_1"), kT0 + 5 * kMicrosPerMinute);           // 6
        AppendAt(MakeEvent(org_b_, "auth.login.succeeded", "usr_1"), kT0);                         // other org
    }

    std::vector<std::int64_t> Seqs(const Query& query) {
        auto page = List(db_.db(), query);
        EXPECT_TRUE(page.ok());
        std::vector<std::int64_t> out;
        if (page.ok())
            for (const auto& entry : page->entries) out.push_back(entry.seq);
        return out;
    }

    Query ForA() {
        Query query;
        query.org_id = org_a_;
        return query;
    }
};

TEST_F(AuditListTest, NewestFirstAndOnlyThisOrganization) {
    EXPECT_EQ(Seqs(ForA()), (std::vector<std::int64_t>{6, 5, 4, 3, 2, 1}));
    Query b;
    b.org_id = org_b_;
    EXPECT_EQ(Seqs(b), (std::vector<std::int64_t>{1}));
}

TEST_F(AuditListTest, ActionExact) {
    Query query = ForA();
    query.action = "authz.denied";
    EXPECT_EQ(Seqs(query), (std::vector<std::int64_t>{2}));
    query.action = "auth";
    EXPECT_EQ(Seqs(query), (std::vector<std::int64_t>{5})) << "without a trailing dot the match is exact";
    query.action = "auth.login";
    EXPECT_TRUE(Seqs(query).empty());
}

TEST_F(AuditListTest, ActionPrefixStopsAtTheDot) {
    Query query = ForA();
    query.action = "auth.";
    EXPECT_EQ(Seqs(query), (std::vector<std::int64_t>{6, 3, 1})) << "\"auth.\" must not match authz.denied or auth";
    query.action = "auth.login.";
    EXPECT_EQ(Seqs(query), (std::vector<std::int64_t>{3, 1}));
    query.action = "member.";
    EXPECT_EQ(Seqs(query), (std::vector<std::int64_t>{4}));
}

TEST_F(AuditListTest, ActionPrefixIsNotAPattern) {
    AppendAt(MakeEvent(org_a_, "auth_x.y"), kT0 + 10 * kMicrosPerMinute);  // 7
    Query query = ForA();
    query.action = "auth%.";
    EXPECT_TRUE(Seqs(query).empty());
    query.action = "auth_.";
    EXPECT_TRUE(Seqs(query).empty());
}

TEST_F(AuditListTest, ActorFilter) {
    Query query = ForA();
    query.actor_id = "usr_2";
    EXPECT_EQ(Seqs(query), (std::vector<std::int64_t>{3, 2}));
    query.actor_id = "usr_nobody";
    EXPECT_TRUE(Seqs(query).empty());
}

TEST_F(AuditListTest, TimeRangeFromInclusiveToExclusive) {
    Query query = ForA();
    query.from = kT0 + kMicrosPerMinute;
    query.to = kT0 + 4 * kMicrosPerMinute;
    EXPECT_EQ(Seqs(query), (std::vector<std::int64_t>{4, 3, 2}));
    query.to = kT0 + 4 * kMicrosPerMinute + 1;
    EXPECT_EQ(Seqs(query), (std::vector<std::int64_t>{5, 4, 3, 2}));
}

TEST_F(AuditListTest, FiltersCombine) {
    Query query = ForA();
    query.action = "auth.";
    query.actor_id = "usr_1";
    query.from = kT0 + kMicrosPerMinute;
    EXPECT_EQ(Seqs(query), (std::vector<std::int64_t>{6}));
}

TEST_F(AuditListTest, PaginationWithCursor) {
    Query query = ForA();
    query.limit = 4;
    auto first = List(db_.db(), query);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->entries.size(), 4u);
    EXPECT_EQ(first->entries.front().seq, 6);
    ASSERT_TRUE(first->next_before_seq.has_value());
    EXPECT_EQ(*first->next_before_seq, 3);

    query.before_seq = first->next_before_seq;
    auto second = List(db_.db(), query);
    ASSERT_TRUE(second.ok());
    ASSERT_EQ(second->entries.size(), 2u);
    EXPECT_EQ(second->entries[0].seq, 2);
    EXPECT_EQ(second->entries[1].seq, 1);
    EXPECT_FALSE(second->next_before_seq.has_value());
}

TEST_F(AuditListTest, NoCursorWhenThePageIsExactlyFull) {
    Query query = ForA();
    query.limit = 6;
    auto page = List(db_.db(), query);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->entries.size(), 6u);
    EXPECT_FALSE(page->next_before_seq.has_value());
}

TEST_F(AuditListTest, PaginationWithAFilter) {
    Query query = ForA();
    query.actor_id = "usr_1";  // seqs 6, 5, 4, 1
    query.limit = 2;
    auto first = List(db_.db(), query);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->next_before_seq, std::optional<std::int64_t>(5));
    query.before_seq = first->next_before_seq;
    EXPECT_EQ(Seqs(query), (std::vector<std::int64_t>{4, 1}));
}

// --- Verify --------------------------------------------------------------------------------

class AuditVerifyTest : public AuditLogTest {
protected:
    void SetUp() override {
        AuditLogTest::SetUp();
        for (int n = 0; n < 3; ++n) AppendAt(MakeEvent(org_a_, "a.event"), kT0 + n);
        for (int n = 0; n < 2; ++n) AppendAt(MakeEvent(org_b_, "b.event"), kT0 + n);
    }

    std::string Problems(const VerifyReport& report) {
        std::string out;
        for (const auto& problem : report.problems) out += problem + "\n";
        return out;
    }

    bool AnyProblemMentions(const VerifyReport& report, const std::string& text) {
        return std::any_of(report.problems.begin(), report.problems.end(),
                           [&](const std::string& p) { return p.find(text) != std::string::npos; });
    }
};

TEST_F(AuditVerifyTest, IntactChainsAreOk) {
    auto report = VerifyOk();
    EXPECT_TRUE(report.ok()) << Problems(report);
    EXPECT_EQ(report.organizations, 2);
    EXPECT_EQ(report.entries, 5);
}

TEST_F(AuditVerifyTest, EmptyDatabaseIsOk) {
    TestDb empty;
    auto report = Verify(empty.db());
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok());
    EXPECT_EQ(report->organizations, 0);
    EXPECT_EQ(report->entries, 0);
}

TEST_F(AuditVerifyTest, DetectsAnEditedEntry) {
    Tamper("UPDATE audit_log SET details = '{\"k\":\"forged\"}' WHERE org_id = '" + org_a_ + "' AND seq = 2");
    auto report = VerifyOk();
    EXPECT_FALSE(report.ok());
    EXPECT_TRUE(AnyProblemMentions(report, "entry 2 was edited")) << Problems(report);
    EXPECT_TRUE(AnyProblemMentions(report, org_a_)) << Problems(report);
    EXPECT_FALSE(AnyProblemMentions(report, org_b_)) << "org B's chain is independent:\n" << Problems(report);
}

TEST_F(AuditVerifyTest, DetectsAnEditedTimestamp) {
    Tamper("UPDATE audit_log SET at = at + 1 WHERE org_id = '" + org_a_ + "' AND seq = 1");
    auto report = VerifyOk();
    EXPECT_FALSE(report.ok());
    EXPECT_TRUE(AnyProblemMentions(report, "entry 1 was edited")) << Problems(report);
}

TEST_F(AuditVerifyTest, DetectsAnEditWhoseHashWasRecomputedLocally) {
    // Rewriting an entry's own hash breaks the link from the next entry.
    Tamper("UPDATE audit_log SET action = 'forged', hash = '" + std::string(64, 'a') + "' WHERE org_id = '" + org_a_ +
           "' AND seq = 2");
    auto report = VerifyOk();
    EXPECT_FALSE(report.ok());
    EXPECT_TRUE(AnyProblemMentions(report, "entry 3 does not link")) << Problems(report);
}

TEST_F(AuditVerifyTest, DetectsADeletedMiddleEntry) {
    Tamper("DELETE FROM audit_log WHERE org_id = '" + org_a_ + "' AND seq = 2");
    auto report = VerifyOk();
    EXPECT_FALSE(report.ok());
    EXPECT_TRUE(AnyProblemMentions(report, "entries 2..2 are missing")) << Problems(report);
    EXPECT_FALSE(AnyProblemMentions(report, org_b_)) << Problems(report);
    EXPECT_EQ(report.entries, 4);
}

TEST_F(AuditVerifyTest, DetectsADeletedLastEntry) {
    Tamper("DELETE FROM audit_log WHERE org_id = '" + org_a_ + "' AND seq = 3");
    auto report = VerifyOk();
    EXPECT_FALSE(report.ok());
    EXPECT_TRUE(AnyProblemMentions(report, "chain head says 3 entries but 2 are present")) << Problems(report);
}

TEST_F(AuditVerifyTest, DetectsADeletedWholeChain) {
    Tamper("DELETE FROM audit_log WHERE org_id = '" + org_b_ + "'");
    auto report = VerifyOk();
    EXPECT_FALSE(report.ok());
    EXPECT_TRUE(AnyProblemMentions(report, org_b_)) << Problems(report);
    EXPECT_FALSE(AnyProblemMentions(report, org_a_)) << Problems(report);
}

TEST_F(AuditVerifyTest, DetectsAnEntryAppendedBehindTheHeadsBack) {
    // A forger with file access appends a well-formed, correctly linked entry but leaves the chain
    // head alone: the head no longer matches the chain.
    auto entries = ListAll(org_a_);
    ASSERT_EQ(entries.size(), 3u);
    const std::string prev = entries[0].hash;
    const std::string id = crypto::NewId("aud");
    boost::json::array fields{org_a_, 4, id, kT0 + 10, "system", nullptr, "forged.entry", nullptr, nullptr, nullptr, "{}"};
    std::string hash = crypto::HexEncode(crypto::Sha256(prev + "\n" + boost::json::serialize(fields)));
    db_.ExecNow(
        "INSERT INTO audit_log (org_id, seq, id, at, actor_type, actor_id, action, target, ip, user_agent, details, "
        "prev_hash, hash) VALUES ($1, 4, $2, $3, 'system', NULL, 'forged.entry', NULL, NULL, NULL, '{}', $4, $5)",
        {storage::Text(org_a_), storage::Text(id), storage::Int(kT0 + 10), storage::Text(prev), storage::Text(hash)});
    auto report = VerifyOk();
    EXPECT_FALSE(report.ok());
    EXPECT_FALSE(AnyProblemMentions(report, "was edited")) << "the forged entry itself is well-formed:\n"
                                                           << Problems(report);
    EXPECT_TRUE(AnyProblemMentions(report, "chain head says 3 entries but 4 are present")) << Problems(report);
}

TEST_F(AuditVerifyTest, DetectsAMissingHead) {
    db_.ExecNow("DELETE FROM audit_heads WHERE org_id = $1", {storage::Text(org_a_)});
    auto report = VerifyOk();
    EXPECT_FALSE(report.ok());
    EXPECT_TRUE(AnyProblemMentions(report, "head is missing")) << Problems(report);
}

// --- ToJson --------------------------------------------------------------------------------

TEST_F(AuditLogTest, ToJsonShape) {
    AppendAt(MakeEvent(org_a_, "auth.login.succeeded"), kT0 + 123'456);
    auto entries = ListAll(org_a_);
    ASSERT_EQ(entries.size(), 1u);
    boost::json::object json = ToJson(entries[0]);
    std::set<std::string> keys;
    for (const auto& member : json) keys.insert(std::string(member.key()));
    EXPECT_EQ(keys, (std::set<std::string>{"id", "at", "actor", "action", "target", "ip", "user_agent", "details"}));
    EXPECT_EQ(json.at("id"), boost::json::value(entries[0].id));
    EXPECT_EQ(json.at("at"), "2026-11-23T10:00:00.123Z");
    EXPECT_EQ(json.at("actor"), (boost::json::object{{"type", "user"}, {"id", "usr_1"}}));
    EXPECT_EQ(json.at("action"), "auth.login.succeeded");
    EXPECT_EQ(json.at("target"), "user:usr_9");
    EXPECT_EQ(json.at("ip"), "203.0.113.7");
    EXPECT_EQ(json.at("user_agent"), "test-agent/1.0");
    EXPECT_EQ(json.at("details"), (boost::json::object{{"k", "v"}}));
}

TEST_F(AuditLogTest, ToJsonSystemActorAndEmptyFieldsAreNull) {
    AppendAt(Event{org_a_, {ActorType::kSystem, ""}, "org.created", "", "", "", {}}, kT0);
    AppendAt(Event{org_a_, {ActorType::kApiKey, "key_1"}, "transaction.ingested", "", "", "", {}}, kT0 + 1);
    auto entries = ListAll(org_a_);
    ASSERT_EQ(entries.size(), 2u);
    boost::json::object api_key = ToJson(entries[0]);
    EXPECT_EQ(api_key.at("actor"), (boost::json::object{{"type", "api_key"}, {"id", "key_1"}}));
    boost::json::object system = ToJson(entries[1]);
    EXPECT_EQ(system.at("actor"), (boost::json::object{{"type", "system"}, {"id", nullptr}}));
    EXPECT_TRUE(system.at("target").is_null());
    EXPECT_TRUE(system.at("ip").is_null());
    EXPECT_TRUE(system.at("user_agent").is_null());
    EXPECT_EQ(system.at("details"), boost::json::object{});
}

TEST(ActorTypeNameTest, Names) {
    EXPECT_EQ(ActorTypeName(ActorType::kUser), "user");
    EXPECT_EQ(ActorTypeName(ActorType::kApiKey), "api_key");
    EXPECT_EQ(ActorTypeName(ActorType::kSystem), "system");
}

}  // namespace
}  // namespace wt::audit
