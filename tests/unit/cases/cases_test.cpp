// SPDX-License-Identifier: Apache-2.0
// The case domain (cases/cases.hpp) on a real SQLite file: linking alerts (case_id, escalation of
// alerts still in triage, their history), one case per alert and one environment, the role rule of
// assignment, a closed case refusing every change but reopening, the last alert staying, and every
// change on the timeline and in the audit log of the same transaction.
#include "cases/cases.hpp"

#include <gtest/gtest.h>

#include <set>

#include "../common/test_support.hpp"
#include "audit/audit_log.hpp"
#include "orgs/organizations.hpp"

namespace wt::cases {
namespace {

using storage::Int;
using storage::Text;

class CaseDomainTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto tx = db_.Write();
        auto acme = orgs::CreateOrganizationWithAdmin(*tx, "Acme", "admin@acme.test", "Ada", "hash", 1);
        ASSERT_TRUE(acme.ok()) << acme.error().detail;
        auto other = orgs::CreateOrganizationWithAdmin(*tx, "Other", "admin@other.test", "Olga", "hash", 1);
        ASSERT_TRUE(other.ok()) << other.error().detail;
        ASSERT_TRUE(tx->Commit().ok());
        org_ = acme->org.id;
        admin_ = acme->admin.id;
        other_org_ = other->org.id;
        other_admin_ = other->admin.id;
    }

    // An alert row of `org` (as the engine writes it) with `status`.
    std::string Alert(const std::string& status = "open", const std::string& environment = "production",
                      std::string org = "") {
        const std::string id = "alr_" + std::to_string(++sequence_);
        db_.ExecNow(
            "INSERT INTO alerts (id, org_id, environment, rule_id, rule_version, rule_name, severity, transaction_id, "
            "entity_key, occurred_at, status, created_at, updated_at) VALUES ($1, $2, $3, 'rul_1', 1, 'big', 'high', "
            "$4, 'account:acc-1', 1, $5, 1, 1)",
            {Text(id), Text(org.empty() ? org_ : org), Text(environment), Text("txn_" + id), Text(status)});
        return id;
    }
    // A stored transaction of account `acc-1` (the account of every Alert) occurring at `occurred_at`.
    void Transaction(const std::string& id, UnixMicros occurred_at) {
        db_.ExecNow(
            "INSERT INTO transactions (id, org_id, environment, external_id, idempotency_key, fingerprint, "
            "occurred_at, received_at, amount_minor, currency, direction, type, account_id, metadata, decision, "
            "score, api_key_id) VALUES ($1, $2, 'production', $1, $1, 'f', $3, $3, 12345, 'JPY', 'outbound', "
            "'wire', 'acc-1', '{}', 'allow', 0, 'key_1')",
            {Text(id), Text(org_), Int(occurred_at)});
    }
    Actor As(const std::string& user, bool may_assign_others = true) {
        return {{user, "127.0.0.1", "unit", ++now_}, may_assign_others};
    }
    Result<std::string> Create(const std::vector<std::string>& alerts, std::optional<std::string> assignee = {},
                               const Actor* actor = nullptr) {
        auto tx = db_.Write();
        NewCase input{"t", alerts, std::move(assignee), "medium"};
        auto id = CreateCase(*tx, org_, input, actor ? *actor : As(admin_));
        if (id) {
            EXPECT_TRUE(tx->Commit().ok());
        }
        return id;
    }
    // Runs `change` in a write transaction, committing on success.
    template <typename F>
    Status Change(F change) {
        auto tx = db_.Write();
        Status status = change(*tx);
        if (status) {
            EXPECT_TRUE(tx->Commit().ok());
        }
        return status;
    }
    boost::json::object View(const std::string& id) {
        auto tx = db_.Read();
        auto view = GetCase(*tx, org_, id);
        EXPECT_TRUE(view.ok()) << view.error().detail;
        return view.ok() ? *view : boost::json::object{};
    }
    std::vector<std::string> Timeline(const std::string& id) {
        std::vector<std::string> actions;
        const auto view = View(id);
        for (const auto& event : view.at("timeline").as_array()) actions.emplace_back(event.at("action").as_string());
        return actions;
    }
    std::string AlertColumn(const std::string& alert, const std::string& column) {
        auto tx = db_.Read();
        auto row = tx->QueryOne("SELECT " + column + " FROM alerts WHERE id = $1", {Text(alert)});
        return row.ok() && *row ? (*row)->GetText(0) : "<none>";
    }
    std::int64_t Audited(const std::string& action) {
        auto tx = db_.Read();
        auto row = tx->QueryOne("SELECT COUNT(*) FROM audit_log WHERE org_id = $1 AND action = $2",
                                {Text(org_), Text(action)});
        return row.ok() && *row ? (*row)->GetInt(0) : -1;
    }

    testing::TestDb db_;
    std::string org_, admin_, other_org_, other_admin_;
    int sequence_ = 0;
    UnixMicros now_ = 1'780'000'000'000'000;
};

TEST_F(CaseDomainTest, CreatingLinksTheAlertsAndEscalatesThoseStillInTriage) {
    const std::string open = Alert("open");
    const std::string review = Alert("in_review");
    const std::string closed = Alert("closed");
    auto id = Create({open, review, closed}, admin_);
    ASSERT_TRUE(id.ok()) << id.error().detail;
    for (const auto& alert : {open, review, closed}) EXPECT_EQ(AlertColumn(alert, "case_id"), *id);
    EXPECT_EQ(AlertColumn(open, "status"), "escalated");
    EXPECT_EQ(AlertColumn(review, "status"), "escalated");
    EXPECT_EQ(AlertColumn(closed, "status"), "closed");
    EXPECT_EQ(Timeline(*id),
              (std::vector<std::string>{"created", "assigned", "alert_added", "alert_added", "alert_added"}));
    EXPECT_EQ(Audited("case.created"), 1);
    EXPECT_EQ(Audited("case.alert_added"), 3);
    EXPECT_EQ(Audited("alert.updated"), 2) << "the escalations are the alerts' own triage changes";
    auto view = View(*id);
    EXPECT_EQ(view.at("environment"), "production");
    EXPECT_EQ(view.at("alert_count"), 3);
}

TEST_F(CaseDomainTest, AnAlertJoinsOneCaseOfItsEnvironmentAndOnlyItsOrganizations) {
    const std::string first = Alert();
    ASSERT_TRUE(Create({first}).ok());
    auto again = Create({first});
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
    auto mixed = Create({Alert("open", "production"), Alert("open", "sandbox")});
    ASSERT_FALSE(mixed.ok());
    EXPECT_EQ(mixed.error().code, ErrorCode::kValidationFailed);
    ASSERT_EQ(mixed.error().fields.size(), 1u);
    EXPECT_EQ(mixed.error().fields[0].field, "alert_ids");
    auto theirs = Create({Alert(), Alert("open", "production", other_org_)});
    ASSERT_FALSE(theirs.ok());
    ASSERT_EQ(theirs.error().fields.size(), 1u);
    EXPECT_EQ(theirs.error().fields[0].field, "alert_ids[1]") << "another organization's alert is unknown";
    auto tx = db_.Read();
    auto cases = tx->QueryOne("SELECT COUNT(*) FROM cases", {});
    EXPECT_EQ((*cases)->GetInt(0), 1) << "refused cases leave nothing";
}

TEST_F(CaseDomainTest, AssignmentFollowsTheRoleRule) {
    auto analyst = As("usr_analyst", false);
    auto refused = Create({Alert()}, admin_, &analyst);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kForbidden) << "an analyst assigns only themselves";
    auto nobody = Create({Alert()}, other_admin_);
    ASSERT_FALSE(nobody.ok());
    EXPECT_EQ(nobody.error().fields.at(0).field, "assignee_id");
    auto id = Create({Alert()});
    ASSERT_TRUE(id.ok());
    // An actor without kAssignOthers (the admin's id, but acting as an analyst would) may take an
    // unassigned case and give it back, not assign someone else.
    auto as_analyst = As(admin_, false);
    CaseChange take;
    take.assignee_id = std::optional<std::string>(admin_);
    EXPECT_TRUE(Change([&](auto& tx) { return UpdateCase(tx, org_, *id, take, as_analyst); }));
    CaseChange give_back;
    give_back.assignee_id = std::optional<std::string>();
    EXPECT_TRUE(Change([&](auto& tx) { return UpdateCase(tx, org_, *id, give_back, as_analyst); }));
    EXPECT_EQ(Audited("case.assigned"), 2);
}

TEST_F(CaseDomainTest, AClosedCaseRefusesEveryChangeButReopening) {
    const std::string kept = Alert();
    auto id = Create({kept, Alert()});
    ASSERT_TRUE(id.ok());
    auto actor = As(admin_);
    ASSERT_TRUE(Change([&](auto& tx) { return CloseCase(tx, org_, *id, "sar_filed", "filed", actor); }));
    auto conflict = [&](Status status, const char* what) {
        ASSERT_FALSE(status) << what;
        EXPECT_EQ(status.error().code, ErrorCode::kConflict) << what;
    };
    CaseChange change;
    change.priority = "low";
    conflict(Change([&](auto& tx) { return UpdateCase(tx, org_, *id, change, actor); }), "update");
    conflict(Change([&](auto& tx) -> Status {
                 WT_RETURN_IF_ERROR(AddComment(tx, org_, *id, "late", actor));
                 return Ok();
             }),
             "comment");
    const std::string spare = Alert();
    conflict(Change([&](auto& tx) { return AddAlerts(tx, org_, *id, {spare}, actor); }), "add alert");
    conflict(Change([&](auto& tx) { return RemoveAlert(tx, org_, *id, kept, actor); }), "remove alert");
    conflict(Change([&](auto& tx) { return CloseCase(tx, org_, *id, "other", "again", actor); }), "close");
    {
        auto tx = db_.Write();
        auto report = ReportCase(*tx, org_, *id, actor);
        ASSERT_TRUE(report.ok()) << report.error().detail;
        EXPECT_EQ(report->at("organization").at("name"), "Acme");
        ASSERT_TRUE(tx->Commit().ok());
    }
    ASSERT_TRUE(Change([&](auto& tx) { return ReopenCase(tx, org_, *id, "new facts", actor); }));
    conflict(Change([&](auto& tx) { return ReopenCase(tx, org_, *id, "again", actor); }), "reopen");
    {
        auto tx = db_.Write();
        auto report = ReportCase(*tx, org_, *id, actor);
        ASSERT_FALSE(report.ok());
        EXPECT_EQ(report.error().code, ErrorCode::kConflict) << "no report without a closed sar_filed case";
    }
    auto view = View(*id);
    EXPECT_EQ(view.at("status"), "open");
    EXPECT_TRUE(view.at("resolution").is_null());
    EXPECT_EQ(Audited("case.report_generated"), 1);
    EXPECT_EQ(Timeline(*id).back(), "reopened");
    // Open again: the last alert still stays.
    ASSERT_TRUE(Change([&](auto& tx) { return RemoveAlert(tx, org_, *id, kept, actor); }));
    const std::string last(View(*id).at("alerts").as_array().at(0).at("id").as_string());
    conflict(Change([&](auto& tx) { return RemoveAlert(tx, org_, *id, last, actor); }), "the last alert");
}

TEST_F(CaseDomainTest, AnotherOrganizationsCaseIsNotFound) {
    auto id = Create({Alert()});
    ASSERT_TRUE(id.ok());
    auto tx = db_.Write();
    auto view = GetCase(*tx, other_org_, *id);
    ASSERT_FALSE(view.ok());
    EXPECT_EQ(view.error().code, ErrorCode::kNotFound);
    Actor theirs{{other_admin_, "", "", 5}, true};
    auto closed = CloseCase(*tx, other_org_, *id, "no_action", "theirs", theirs);
    ASSERT_FALSE(closed);
    EXPECT_EQ(closed.error().code, ErrorCode::kNotFound);
    auto evidence = FindEvidence(*tx, other_org_, *id, "evd_x");
    EXPECT_EQ(evidence.error().code, ErrorCode::kNotFound);
}

TEST_F(CaseDomainTest, RelatedTransactionsAreTheAlertsOwnAndTheLatestOfTheirAccountsAtMost100) {
    const std::string alert = Alert();
    Transaction("txn_" + alert, 1);  // the oldest of all, yet shown: it is the alert's
    for (int idx = 0; idx < 120; ++idx) Transaction("txn_b_" + std::to_string(1000 + idx), 100 + idx);
    auto id = Create({alert});
    ASSERT_TRUE(id.ok());
    const auto view = View(*id);
    const auto& transactions = view.at("transactions").as_array();
    ASSERT_EQ(transactions.size(), static_cast<std::size_t>(kMaxRelatedTransactions));
    EXPECT_EQ(transactions.front().at("id"), "txn_b_1119") << "newest first";
    EXPECT_EQ(transactions.back().at("id").as_string(), "txn_" + alert);
    EXPECT_EQ(transactions.back().at("linked"), true);
    EXPECT_EQ(transactions.front().at("linked"), false);
    EXPECT_EQ(transactions.front().at("amount"), "12345") << "JPY has no minor unit";
}

TEST(CaseChangeTest, ValidationNamesEachBadField) {
    auto fields = [](const CaseChange& change) {
        std::set<std::string> names;
        Status status = ValidateCaseChange(change);
        if (!status)
            for (const auto& field : status.error().fields) names.insert(field.field);
        return names;
    };
    EXPECT_EQ(fields({}), std::set<std::string>{""});
    EXPECT_EQ(fields({std::string(" "), std::string("p1"), std::string("closed"), std::nullopt}),
              (std::set<std::string>{"title", "priority", "status"}));
    EXPECT_EQ(fields({std::string(201, 't'), std::nullopt, std::string("lost"), std::nullopt}),
              (std::set<std::string>{"title", "status"}));
    EXPECT_TRUE(fields({std::nullopt, std::string("critical"), std::string("pending_info"), std::nullopt}).empty());
    EXPECT_TRUE(IsResolution("sar_filed"));
    EXPECT_FALSE(IsResolution("fraud"));
    EXPECT_TRUE(IsCaseStatus("closed"));
    EXPECT_FALSE(IsPriority("urgent"));
}

}  // namespace
}  // namespace wt::cases
