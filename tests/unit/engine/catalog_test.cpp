// SPDX-License-Identifier: Apache-2.0
#include "engine/catalog.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "../common/test_support.hpp"
#include "audit/audit_log.hpp"
#include "orgs/organizations.hpp"

namespace wt::engine {
namespace {

using testing::ManualClock;
namespace json = boost::json;

// field -> message of a validation error (fails the test for any other outcome).
template <typename T>
std::map<std::string, FieldError> FieldsOf(const Result<T>& result) {
    std::map<std::string, FieldError> out;
    EXPECT_FALSE(result.ok());
    if (result.ok()) return out;
    EXPECT_EQ(result.error().code, ErrorCode::kValidationFailed) << result.error().detail;
    for (const auto& field : result.error().fields) out[field.field] = field;
    return out;
}

RuleInput Input(const std::string& name, const std::string& expression, const std::string& status = "active") {
    RuleInput input;
    input.name = name;
    input.expression = expression;
    input.severity = "high";
    input.action = "review";
    input.score = 40;
    input.status = status;
    return input;
}

class CatalogTest : public ::testing::Test {
protected:
    CatalogTest() : clock_(std::make_shared<ManualClock>()) {}

    void SetUp() override {
        auto tx = db_.Write();
        auto acme = orgs::CreateOrganizationWithAdmin(*tx, "Acme", "admin@acme.test", "Ada", "hash-a", clock_->Now());
        ASSERT_TRUE(acme.ok()) << acme.error().detail;
        auto beta = orgs::CreateOrganizationWithAdmin(*tx, "Beta", "admin@beta.test", "Bea", "hash-b", clock_->Now());
        ASSERT_TRUE(beta.ok()) << beta.error().detail;
        ASSERT_TRUE(tx->Commit().ok());
        acme_ = acme->org.id;
        acme_admin_ = acme->admin.id;
        beta_ = beta->org.id;
    }

    Change By(const std::string& user_id) {
        clock_->Advance(kMicrosPerSecond);
        return Change{user_id, "203.0.113.9", "catalog-test", clock_->Now()};
    }

    // Runs `fn(tx)` in a write transaction, committing when it succeeded.
    template <typename F>
    auto Write(F fn) {
        auto tx = db_.Write();
        auto result = fn(*tx);
        if (result.ok()) {
            EXPECT_TRUE(tx->Commit().ok());
        }
        return result;
    }
    Result<Rule> Create(const RuleInput& input, const std::string& org = "") {
        return Write([&](storage::Transaction& tx) {
            return CreateRule(tx, org.empty() ? acme_ : org, input, By(acme_admin_));
        });
    }
    Result<Rule> Update(const std::string& id, const RuleInput& input, const std::string& org = "") {
        return Write([&](storage::Transaction& tx) {
            return UpdateRule(tx, org.empty() ? acme_ : org, id, input, By(acme_admin_));
        });
    }
    Result<NamedList> NewList(const std::string& name, const std::string& org = "") {
        return Write([&](storage::Transaction& tx) {
            return CreateList(tx, org.empty() ? acme_ : org, ListInput{name, std::nullopt}, By(acme_admin_));
        });
    }
    Result<VersionPage> Versions(const std::string& id, int limit = 50, std::optional<std::string> cursor = {}) {
        auto tx = db_.Read();
        return ListVersions(*tx, acme_, id, limit, cursor);
    }
    std::vector<audit::Entry> AuditOf(const std::string& org, const std::string& action) {
        audit::Query query;
        query.org_id = org;
        query.action = action;
        query.limit = 500;
        auto page = audit::List(db_.db(), query);
        EXPECT_TRUE(page.ok());
        return page.ok() ? page->entries : std::vector<audit::Entry>{};
    }

    testing::TestDb db_;
    std::shared_ptr<ManualClock> clock_;
    std::string acme_, acme_admin_, beta_;
};

// --- Rules ------------------------------------------------------------------------------------

TEST_F(CatalogTest, CreateStoresVersionOneAndAudits) {
    RuleInput input = Input("  Large wire  ", "amount > 1000 and currency == \"USD\"");
    input.description = "  big ones ";
    input.suppression_seconds = 3600;
    auto created = Create(input);
    ASSERT_TRUE(created.ok()) << created.error().detail;
    EXPECT_EQ(created->name, "Large wire") << "names are trimmed";
    EXPECT_EQ(created->description, "big ones");
    EXPECT_EQ(created->version, 1);
    EXPECT_EQ(created->severity, Severity::kHigh);
    EXPECT_EQ(created->action, RuleAction::kReview);
    EXPECT_EQ(created->score, 40);
    EXPECT_EQ(created->status, RuleStatus::kActive);
    EXPECT_EQ(created->suppression_seconds, 3600);
    EXPECT_EQ(created->created_by, acme_admin_);
    EXPECT_EQ(created->id.rfind("rul_", 0), 0u);

    auto tx = db_.Read();
    auto stored = GetRule(*tx, acme_, created->id);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(ToJson(*stored), ToJson(*created));
    auto versions = ListVersions(*tx, acme_, created->id, 50, std::nullopt);
    ASSERT_TRUE(versions.ok());
    ASSERT_EQ(versions->versions.size(), 1u);
    const auto& first = versions->versions[0];
    EXPECT_EQ(first.change, "created");
    EXPECT_EQ(first.author_id, acme_admin_);
    EXPECT_EQ(first.diff.size(), 8u) << "version 1 lists every field, from null";
    ASSERT_EQ(first.expression_diff.size(), 1u);
    EXPECT_EQ(first.expression_diff[0].op, '+');

    auto entries = AuditOf(acme_, "rule.created");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].event.target, "rule:" + created->id);
    EXPECT_EQ(entries[0].event.actor.id, acme_admin_);
    EXPECT_EQ(entries[0].event.ip, "203.0.113.9");
    EXPECT_EQ(entries[0].event.details.at("version"), 1);
    EXPECT_EQ(entries[0].event.details.at("changes").at("status").at("to"), "active");
}

TEST_F(CatalogTest, EveryStatusMayBeGivenAtCreation) {
    for (const char* status : {"draft", "shadow", "active", "disabled"}) {
        auto created = Create(Input(std::string("rule ") + status, "amount > 1", status));
        ASSERT_TRUE(created.ok()) << status << ": " << created.error().detail;
        EXPECT_EQ(RuleStatusName(created->status), status);
    }
    RuleInput defaults = Input("no score", "amount > 1");
    defaults.score.reset();
    auto created = Create(defaults);
    ASSERT_TRUE(created.ok());
    EXPECT_EQ(created->score, 0);
    EXPECT_EQ(created->suppression_seconds, std::nullopt);
}

TEST_F(CatalogTest, OneValidationErrorListsEveryBadField) {
    RuleInput input;
    input.name = "   ";
    input.description = std::string(2001, 'd');
    input.expression = "amount > 1 &&\n  currency == \"USD\"";
    input.severity = "severe";
    input.action = "alert!";
    input.score = 101;
    input.status = "on";
    input.suppression_seconds = 59;
    auto fields = FieldsOf(Create(input));
    EXPECT_EQ(fields.size(), 8u);
    EXPECT_EQ(fields["name"].message, "must not be empty");
    EXPECT_EQ(fields["description"].message, "must be at most 2000 characters");
    EXPECT_EQ(fields["severity"].message, "must be one of low, medium, high, critical");
    EXPECT_EQ(fields["action"].message, "must be one of alert, review, block");
    EXPECT_EQ(fields["status"].message, "must be one of draft, shadow, active, disabled");
    EXPECT_EQ(fields["score"].message, "must be between 0 and 100");
    EXPECT_EQ(fields["suppression_seconds"].field, "suppression_seconds");
    EXPECT_EQ(fields["expression"].line, 1);
    EXPECT_EQ(fields["expression"].column, 12);
    EXPECT_NE(fields["expression"].message.find("and"), std::string::npos) << fields["expression"].message;
    EXPECT_EQ(fields["name"].line, 0) << "only the expression has a position";

    // Bounds are inclusive.
    RuleInput bounds = Input(std::string(100, 'n'), "amount > 1");
    bounds.description = std::string(2000, 'd');
    bounds.score = 100;
    bounds.suppression_seconds = 34'560'000;
    EXPECT_TRUE(Create(bounds).ok());
    bounds.name = std::string(101, 'n');
    bounds.suppression_seconds = 34'560'001;
    auto too_long = FieldsOf(Create(bounds));
    EXPECT_EQ(too_long.size(), 2u);
    EXPECT_EQ(too_long.count("name"), 1u);
    EXPECT_EQ(too_long.count("suppression_seconds"), 1u);
    EXPECT_TRUE(AuditOf(acme_, "rule.").size() == 1u) << "a refused rule leaves no audit entry";
}

TEST_F(CatalogTest, CompileErrorsCarryLineAndColumn) {
    auto fields = FieldsOf(Create(Input("typo", "amount > 5 and\n  amont > 7")));
    ASSERT_EQ(fields.count("expression"), 1u);
    EXPECT_EQ(fields["expression"].line, 2);
    EXPECT_EQ(fields["expression"].column, 3);
    EXPECT_NE(fields["expression"].message.find("did you mean \"amount\""), std::string::npos);
    EXPECT_EQ(FieldsOf(Create(Input("empty", ""))).count("expression"), 1u);
    EXPECT_EQ(FieldsOf(Create(Input("number", "amount"))).count("expression"), 1u);
}

TEST_F(CatalogTest, NamedListsMustExistInTheOrganization) {
    auto fields = FieldsOf(Create(Input("sanctioned", "counterparty.country in list(\"high_risk\")")));
    ASSERT_EQ(fields.count("expression"), 1u);
    EXPECT_EQ(fields["expression"].line, 1);
    EXPECT_EQ(fields["expression"].column, 30) << "at the list's name";
    EXPECT_NE(fields["expression"].message.find("unknown list \"high_risk\""), std::string::npos);
    // Another organization's list of that name does not count.
    ASSERT_TRUE(NewList("high_risk", beta_).ok());
    EXPECT_FALSE(Create(Input("sanctioned", "counterparty.country in list(\"high_risk\")")).ok());
    ASSERT_TRUE(NewList("high_risk").ok());
    EXPECT_TRUE(Create(Input("sanctioned", "counterparty.country in list(\"high_risk\")")).ok());
}

TEST_F(CatalogTest, NamesAreUniquePerOrganization) {
    ASSERT_TRUE(Create(Input("Velocity", "amount > 1")).ok());
    auto again = Create(Input(" Velocity ", "amount > 2"));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
    EXPECT_TRUE(Create(Input("Velocity", "amount > 2"), beta_).ok()) << "another organization may use the name";
    auto other = Create(Input("Other", "amount > 3"));
    ASSERT_TRUE(other.ok());
    auto renamed = Update(other->id, Input("Velocity", "amount > 3"));
    ASSERT_FALSE(renamed.ok());
    EXPECT_EQ(renamed.error().code, ErrorCode::kConflict);
    EXPECT_TRUE(Update(other->id, Input("Other", "amount > 4")).ok()) << "a rule keeps its own name";
}

TEST_F(CatalogTest, UpdateAppendsAVersionWithItsDiff) {
    auto created = Create(Input("Structuring", "type == \"cash\"\nand amount > 9000\nand currency == \"USD\""));
    ASSERT_TRUE(created.ok());
    RuleInput changed = Input("Structuring", "type == \"cash\"\nand amount > 9500\nand currency == \"USD\"", "shadow");
    changed.score = 55;
    auto updated = Update(created->id, changed);
    ASSERT_TRUE(updated.ok()) << updated.error().detail;
    EXPECT_EQ(updated->version, 2);
    EXPECT_EQ(updated->created_at, created->created_at);
    EXPECT_GT(updated->updated_at, created->updated_at);
    EXPECT_EQ(updated->status, RuleStatus::kShadow);

    auto page = Versions(created->id);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->versions.size(), 2u);
    const auto& latest = page->versions[0];
    EXPECT_EQ(latest.rule.version, 2) << "newest first";
    EXPECT_EQ(latest.change, "updated");
    std::map<std::string, std::pair<json::value, json::value>> diff;
    for (const auto& change : latest.diff) diff[change.field] = {change.from, change.to};
    EXPECT_EQ(diff.size(), 3u);
    EXPECT_EQ(diff["score"], (std::pair<json::value, json::value>{40, 55}));
    EXPECT_EQ(diff["status"], (std::pair<json::value, json::value>{"active", "shadow"}));
    ASSERT_EQ(diff.count("expression"), 1u);
    ASSERT_EQ(latest.expression_diff.size(), 4u);
    EXPECT_EQ(latest.expression_diff[0].op, ' ');
    EXPECT_EQ(latest.expression_diff[1].op, '-');
    EXPECT_EQ(latest.expression_diff[1].line, "and amount > 9000");
    EXPECT_EQ(latest.expression_diff[2].op, '+');
    EXPECT_EQ(latest.expression_diff[2].line, "and amount > 9500");
    EXPECT_EQ(latest.expression_diff[3].op, ' ');

    json::object as_json = ToJson(latest);
    EXPECT_EQ(as_json.at("expression_diff").as_array()[1], (json::object{{"op", "-"}, {"line", "and amount > 9000"}}));
    EXPECT_EQ(as_json.at("diff").as_array().size(), 3u);

    auto entries = AuditOf(acme_, "rule.updated");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].event.details.at("version"), 2);
    EXPECT_EQ(entries[0].event.details.at("changed"), (json::array{"expression", "score", "status"}));
}

TEST_F(CatalogTest, AnUpdateThatChangesNothingMakesNoVersion) {
    auto created = Create(Input("Same", "amount > 1"));
    ASSERT_TRUE(created.ok());
    auto same = Update(created->id, Input(" Same ", "amount > 1"));
    ASSERT_TRUE(same.ok());
    EXPECT_EQ(same->version, 1);
    EXPECT_EQ(Versions(created->id)->versions.size(), 1u);
    EXPECT_TRUE(AuditOf(acme_, "rule.updated").empty());
}

TEST_F(CatalogTest, AStaleExpectedVersionIsAConflict) {
    auto created = Create(Input("Edited twice", "amount > 1"));
    ASSERT_TRUE(created.ok());
    RuleInput first = Input("Edited twice", "amount > 2");
    first.expected_version = 1;
    ASSERT_TRUE(Update(created->id, first).ok());
    RuleInput second = Input("Edited twice", "amount > 3");
    second.expected_version = 1;
    auto stale = Update(created->id, second);
    ASSERT_FALSE(stale.ok());
    EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
    EXPECT_NE(stale.error().detail.find("version 2"), std::string::npos);
}

TEST_F(CatalogTest, RestoreAppendsANewVersionEqualToTheOldOne) {
    RuleInput v1 = Input("Restorable", "amount > 100");
    v1.description = "first";
    auto created = Create(v1);
    ASSERT_TRUE(created.ok());
    RuleInput v2 = Input("Restorable v2", "amount > 200", "disabled");
    ASSERT_TRUE(Update(created->id, v2).ok());
    auto restored = Write([&](storage::Transaction& tx) {
        return RestoreVersion(tx, acme_, created->id, 1, By(acme_admin_));
    });
    ASSERT_TRUE(restored.ok()) << restored.error().detail;
    EXPECT_EQ(restored->version, 3);
    EXPECT_EQ(restored->name, "Restorable");
    EXPECT_EQ(restored->expression, "amount > 100");
    EXPECT_EQ(restored->description, "first");
    EXPECT_EQ(restored->status, RuleStatus::kActive);

    auto page = Versions(created->id);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->versions.size(), 3u) << "history is never rewritten";
    EXPECT_EQ(page->versions[0].change, "restored from version 1");
    EXPECT_EQ(page->versions[1].change, "updated");
    EXPECT_EQ(page->versions[1].rule.expression, "amount > 200");
    EXPECT_EQ(page->versions[2].change, "created");
    auto entries = AuditOf(acme_, "rule.restored");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].event.details.at("restored_from"), 1);
    EXPECT_EQ(entries[0].event.details.at("version"), 3);

    auto missing = Write([&](storage::Transaction& tx) {
        return RestoreVersion(tx, acme_, created->id, 9, By(acme_admin_));
    });
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
    // The stored history cannot be edited, even by SQL.
    auto tx = db_.Write();
    EXPECT_FALSE(tx->Exec("UPDATE rule_versions SET expression = 'amount > 0'").ok());
}

TEST_F(CatalogTest, RestoringANameTakenMeanwhileIsAConflict) {
    auto created = Create(Input("Alpha", "amount > 1"));
    ASSERT_TRUE(created.ok());
    ASSERT_TRUE(Update(created->id, Input("Beta", "amount > 1")).ok());
    ASSERT_TRUE(Create(Input("Alpha", "amount > 2")).ok());
    auto restored = Write([&](storage::Transaction& tx) {
        return RestoreVersion(tx, acme_, created->id, 1, By(acme_admin_));
    });
    ASSERT_FALSE(restored.ok());
    EXPECT_EQ(restored.error().code, ErrorCode::kConflict);
}

TEST_F(CatalogTest, VersionsArePaginatedWithDiffsAcrossPages) {
    auto created = Create(Input("Paged", "amount > 0"));
    ASSERT_TRUE(created.ok());
    for (int step = 1; step <= 4; ++step)
        ASSERT_TRUE(Update(created->id, Input("Paged", "amount > " + std::to_string(step))).ok());
    auto first = Versions(created->id, 2);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->versions.size(), 2u);
    EXPECT_EQ(first->versions[1].rule.version, 4);
    ASSERT_EQ(first->versions[1].diff.size(), 1u) << "diffed against version 3, on the next page";
    EXPECT_EQ(first->versions[1].diff[0].from, "amount > 2");
    ASSERT_TRUE(first->next_cursor);
    auto second = Versions(created->id, 2, first->next_cursor);
    ASSERT_TRUE(second.ok());
    ASSERT_EQ(second->versions.size(), 2u);
    EXPECT_EQ(second->versions[0].rule.version, 3);
    auto last = Versions(created->id, 2, second->next_cursor);
    ASSERT_TRUE(last.ok());
    ASSERT_EQ(last->versions.size(), 1u);
    EXPECT_EQ(last->versions[0].rule.version, 1);
    EXPECT_FALSE(last->next_cursor);
    auto bad = Versions(created->id, 2, std::string("x"));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::kValidationFailed);
}

TEST_F(CatalogTest, AnotherOrganizationsRulesAreNotFound) {
    auto theirs = Create(Input("Theirs", "amount > 1"), beta_);
    ASSERT_TRUE(theirs.ok());
    auto expect_not_found = [](const auto& result, const char* what) {
        ASSERT_FALSE(result.ok()) << what;
        EXPECT_EQ(result.error().code, ErrorCode::kNotFound) << what;
    };
    {
        auto tx = db_.Read();
        expect_not_found(GetRule(*tx, acme_, theirs->id), "get");
        expect_not_found(ListVersions(*tx, acme_, theirs->id, 50, std::nullopt), "versions");
        auto listed = ListRules(*tx, acme_, RuleQuery{});
        ASSERT_TRUE(listed.ok());
        EXPECT_TRUE(listed->rules.empty());
    }
    expect_not_found(Update(theirs->id, Input("Mine now", "amount > 1")), "update");
    expect_not_found(Write([&](storage::Transaction& tx) {
                         return RestoreVersion(tx, acme_, theirs->id, 1, By(acme_admin_));
                     }),
                     "restore");
    auto tx = db_.Read();
    auto still = GetRule(*tx, beta_, theirs->id);
    ASSERT_TRUE(still.ok());
    EXPECT_EQ(still->name, "Theirs");
    EXPECT_EQ(still->version, 1);
}

TEST_F(CatalogTest, ListRulesNewestFirstWithStatusFilterAndHits) {
    auto old_rule = Create(Input("Old", "amount > 1", "shadow"));
    auto new_rule = Create(Input("New", "amount > 2", "active"));
    ASSERT_TRUE(old_rule.ok() && new_rule.ok());
    UnixMicros now = clock_->Now();
    auto hit = [&](const std::string& txn, const std::string& rule, const char* environment, const char* status,
                   UnixMicros occurred_at) {
        db_.ExecNow("INSERT INTO rule_hits (transaction_id, rule_id, org_id, environment, rule_version, status, action, "
                    "score, alert_id, occurred_at, explanation) VALUES ($1, $2, $3, $4, 1, $5, 'review', 40, NULL, $6, '')",
                    {storage::Text(txn), storage::Text(rule), storage::Text(acme_), storage::Text(environment),
                     storage::Text(status), storage::Int(occurred_at)});
    };
    hit("txn_1", old_rule->id, "production", "shadow", now - kMicrosPerHour);
    hit("txn_2", old_rule->id, "production", "shadow", now - 48 * kMicrosPerHour);
    hit("txn_3", old_rule->id, "production", "active", now - 25 * kMicrosPerHour);
    hit("txn_4", old_rule->id, "sandbox", "shadow", now - kMicrosPerHour);
    hit("txn_5", new_rule->id, "production", "active", now - 23 * kMicrosPerHour);

    auto tx = db_.Read();
    RuleQuery query;
    query.now = now;
    auto page = ListRules(*tx, acme_, query);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->rules.size(), 2u);
    EXPECT_EQ(page->rules[0].rule.name, "New");
    EXPECT_EQ(page->rules[0].hits.hits_24h, 1);
    EXPECT_EQ(page->rules[0].hits.hits_total, 1);
    EXPECT_EQ(page->rules[1].hits.hits_24h, 1) << "shadow hits count, the sandbox one does not";
    EXPECT_EQ(page->rules[1].hits.hits_total, 3);
    json::object as_json = ToJson(page->rules[1].rule, &page->rules[1].hits);
    EXPECT_EQ(as_json.at("hits_total"), 3);
    EXPECT_FALSE(ToJson(page->rules[1].rule).contains("hits_total"));

    query.environment = "sandbox";
    auto sandbox = ListRules(*tx, acme_, query);
    ASSERT_TRUE(sandbox.ok());
    EXPECT_EQ(sandbox->rules[1].hits.hits_total, 1);
    EXPECT_EQ(sandbox->rules[0].hits.hits_total, 0);

    RuleQuery shadow_only;
    shadow_only.status = RuleStatus::kShadow;
    auto filtered = ListRules(*tx, acme_, shadow_only);
    ASSERT_TRUE(filtered.ok());
    ASSERT_EQ(filtered->rules.size(), 1u);
    EXPECT_EQ(filtered->rules[0].rule.name, "Old");

    RuleQuery paged;
    paged.limit = 1;
    auto first = ListRules(*tx, acme_, paged);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->rules.size(), 1u);
    ASSERT_TRUE(first->next_cursor);
    paged.cursor = first->next_cursor;
    auto second = ListRules(*tx, acme_, paged);
    ASSERT_TRUE(second.ok());
    ASSERT_EQ(second->rules.size(), 1u);
    EXPECT_EQ(second->rules[0].rule.name, "Old");
    EXPECT_FALSE(second->next_cursor);
}

TEST_F(CatalogTest, LongExpressionsAreShortenedInTheAuditLog) {
    std::string expression = "amount > 1 and counterparty.name in [\"n0\"";
    while (expression.size() < 3000) expression += ",\n  \"n" + std::to_string(expression.size()) + "\"";
    expression += "]";
    auto created = Create(Input("Long", expression));
    ASSERT_TRUE(created.ok()) << created.error().detail << " " << created.error().fields.at(0).message;
    auto entries = AuditOf(acme_, "rule.created");
    ASSERT_EQ(entries.size(), 1u);
    std::string audited(entries[0].event.details.at("changes").at("expression").at("to").as_string());
    EXPECT_LT(audited.size(), 600u);
    EXPECT_EQ(audited.rfind("amount > 1", 0), 0u);
}

TEST_F(CatalogTest, RuleInputFromJsonReportsTypesAndUnknownMembers) {
    auto input = RuleInputFromJson(json::parse(R"({"name": 5, "expression": "amount > 1", "severity": "low",
        "action": "alert", "status": "draft", "score": "10", "colour": "red", "version": 3})"),
                                   false);
    std::map<std::string, std::string> problems;
    for (const auto& problem : input.problems) problems[problem.field] = problem.message;
    EXPECT_EQ(problems, (std::map<std::string, std::string>{{"name", "must be a string"},
                                                            {"score", "must be an integer"},
                                                            {"colour", "is not a known field"},
                                                            {"version", "is not a known field"}}));
    auto fields = FieldsOf(Create(input));
    EXPECT_EQ(fields.size(), 4u) << "the reader's problems are answered with the catalog's, once per field";

    auto put = RuleInputFromJson(json::parse(R"({"name": "x", "expression": "amount > 1", "severity": "low",
        "action": "alert", "status": "draft", "version": 3, "suppression_seconds": null})"),
                                 true);
    EXPECT_TRUE(put.problems.empty());
    EXPECT_EQ(put.expected_version, 3);
    EXPECT_EQ(put.suppression_seconds, std::nullopt);

    auto missing = RuleInputFromJson(json::parse("{}"), false);
    EXPECT_EQ(missing.problems.size(), 5u) << "name, expression, severity, action, status are required";
    auto not_object = RuleInputFromJson(json::parse("[1]"), false);
    auto only = FieldsOf(Create(not_object));
    EXPECT_EQ(only.size(), 1u);
    EXPECT_EQ(only.count(""), 1u);
}

TEST(LineDiffTest, KeepsCommonLinesAndOrdersRemovalsBeforeAdditions) {
    auto render = [](const std::vector<LineEdit>& edits) {
        std::string out;
        for (const auto& edit : edits) out += std::string(1, edit.op) + edit.line + "|";
        return out;
    };
    EXPECT_EQ(render(LineDiff("", "")), "");
    EXPECT_EQ(render(LineDiff("", "a\nb")), "+a|+b|");
    EXPECT_EQ(render(LineDiff("a\nb", "")), "-a|-b|");
    EXPECT_EQ(render(LineDiff("a\nb\nc", "a\nb\nc")), " a| b| c|");
    EXPECT_EQ(render(LineDiff("a\nb\nc", "a\nx\nc")), " a|-b|+x| c|");
    EXPECT_EQ(render(LineDiff("a\nb\nc\nd", "b\nc\ne\nd")), "-a| b| c|+e| d|");
    EXPECT_EQ(render(LineDiff("x\na\ny\nb\nz", "a\nq\nb")), "-x| a|-y|+q| b|-z|");
    EXPECT_EQ(render(LineDiff("a\n", "a")), " a|") << "a final newline does not make a line";
    EXPECT_EQ(render(LineDiff("a\n\nb", "a\nb")), " a|-| b|");
}

TEST(LineDiffTest, HugeChangesFallBackToRemoveThenAdd) {
    std::string before;
    std::string after;
    for (int line = 0; line < 1200; ++line) {
        before += "old " + std::to_string(line) + "\n";
        after += "new " + std::to_string(line) + "\n";
    }
    before += "same";
    after += "same";
    auto edits = LineDiff(before, after);
    ASSERT_EQ(edits.size(), 2401u);
    EXPECT_EQ(edits.front().op, '-');
    EXPECT_EQ(edits[1200].op, '+');
    EXPECT_EQ(edits.back().op, ' ');
}

// --- Lists ------------------------------------------------------------------------------------

TEST_F(CatalogTest, ListNamesAreCheckedAndUniquePerOrganization) {
    auto created = NewList("high_risk-countries2");
    ASSERT_TRUE(created.ok()) << created.error().detail;
    EXPECT_EQ(created->id.rfind("lst_", 0), 0u);
    auto again = NewList("high_risk-countries2");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
    EXPECT_TRUE(NewList("high_risk-countries2", beta_).ok());
    for (const char* bad : {"", "High", "with space", "dots.no", "ü", "quote\""})
        EXPECT_EQ(FieldsOf(NewList(bad)).count("name"), 1u) << bad;
    EXPECT_TRUE(NewList(std::string(100, 'a')).ok());
    EXPECT_FALSE(NewList(std::string(101, 'a')).ok());

    auto read = ReadListInput(json::parse(R"({"name": "  blocked_ips ", "description": "", "x": 1})"));
    auto fields = FieldsOf(read);
    EXPECT_EQ(fields.size(), 1u);
    EXPECT_EQ(fields.count("x"), 1u);
    auto good = ReadListInput(json::parse(R"({"name": "  blocked_ips ", "description": "  "})"));
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(good->name, "blocked_ips");
    EXPECT_EQ(good->description, std::nullopt);
    EXPECT_EQ(AuditOf(acme_, "list.created").size(), 2u) << "Beta's list is in Beta's log";
    EXPECT_EQ(AuditOf(beta_, "list.created").size(), 1u);
}

TEST_F(CatalogTest, ItemValuesAreCheckedTogether) {
    auto fields = FieldsOf(ReadItemValues(json::parse(
        R"({"values": ["ok", "  ", 7, ")" + std::string(257, 'v') + R"(", "tab\there", "  trimmed  "], "extra": 1})")));
    EXPECT_EQ(fields.size(), 5u);
    EXPECT_EQ(fields["values[1]"].message, "must not be empty");
    EXPECT_EQ(fields["values[2]"].message, "must be a string");
    EXPECT_EQ(fields["values[3]"].message, "must be at most 256 characters");
    EXPECT_EQ(fields["values[4]"].message, "must not contain control characters");
    EXPECT_EQ(fields.count("extra"), 1u);
    auto values = ReadItemValues(json::parse(R"({"values": ["  a ", "b", "a"]})"));
    ASSERT_TRUE(values.ok());
    EXPECT_EQ(*values, (std::vector<std::string>{"a", "b", "a"}));
    EXPECT_EQ(FieldsOf(ReadItemValues(json::parse(R"({"values": []})"))).count("values"), 1u);
    EXPECT_EQ(FieldsOf(ReadItemValues(json::parse(R"({"values": "a"})"))).count("values"), 1u);
    EXPECT_EQ(FieldsOf(ReadItemValues(json::parse(R"({})"))).count("values"), 1u);
    json::array many(10'001, json::value("x"));
    EXPECT_EQ(FieldsOf(ReadItemValues(json::object{{"values", many}})).count("values"), 1u);
    many.pop_back();
    EXPECT_TRUE(ReadItemValues(json::object{{"values", many}}).ok());
}

TEST_F(CatalogTest, ItemsAreAddedOnceRemovedAndAudited) {
    auto list = NewList("countries");
    ASSERT_TRUE(list.ok());
    auto add = [&](std::vector<std::string> values, const std::string& org = "") {
        return Write([&](storage::Transaction& tx) {
            return AddItems(tx, org.empty() ? acme_ : org, list->id, values, By(acme_admin_));
        });
    };
    auto first = add({"IR", "KP", "IR"});
    ASSERT_TRUE(first.ok()) << first.error().detail;
    EXPECT_EQ(first->added, 2);
    EXPECT_EQ(first->item_count, 2);
    auto second = add({"KP", "SY"});
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->added, 1);
    EXPECT_EQ(second->item_count, 3);
    auto nothing = add({"SY"});
    ASSERT_TRUE(nothing.ok());
    EXPECT_EQ(nothing->added, 0);
    EXPECT_EQ(AuditOf(acme_, "list.items_added").size(), 2u) << "adding nothing is not a change";
    EXPECT_EQ(add({" untrimmed"}).error().code, ErrorCode::kValidationFailed);

    auto remove = [&](const std::string& value, const std::string& org = "") {
        return Write([&](storage::Transaction& tx) {
            return RemoveItem(tx, org.empty() ? acme_ : org, list->id, value, By(acme_admin_));
        });
    };
    EXPECT_TRUE(remove(" KP ").ok()) << "the value is trimmed like an added one";
    auto absent = remove("KP");
    ASSERT_FALSE(absent.ok());
    EXPECT_EQ(absent.error().code, ErrorCode::kNotFound);
    auto removed = AuditOf(acme_, "list.item_removed");
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].event.details.at("value"), "KP");
    EXPECT_EQ(removed[0].event.target, "list:" + list->id);

    // Another organization's list: not found, and untouched.
    EXPECT_EQ(add({"XX"}, beta_).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(remove("IR", beta_).error().code, ErrorCode::kNotFound);
    auto tx = db_.Read();
    EXPECT_EQ(GetList(*tx, beta_, list->id, 50, std::nullopt).error().code, ErrorCode::kNotFound);
    auto detail = GetList(*tx, acme_, list->id, 50, std::nullopt);
    ASSERT_TRUE(detail.ok());
    EXPECT_EQ(detail->summary.item_count, 2);
    ASSERT_EQ(detail->items.size(), 2u);
    EXPECT_EQ(detail->items[0].value, "IR");
    EXPECT_EQ(detail->items[1].value, "SY");
    EXPECT_EQ(detail->items[0].added_by, acme_admin_);
}

TEST_F(CatalogTest, GetListPagesItemsAndNamesTheRulesThatUseIt) {
    auto list = NewList("names");
    ASSERT_TRUE(list.ok());
    ASSERT_TRUE(NewList("names2").ok());
    std::vector<std::string> values;
    for (int value = 0; value < 25; ++value) values.push_back("name " + std::to_string(100 + value));
    auto added = Write([&](storage::Transaction& tx) { return AddItems(tx, acme_, list->id, values, By(acme_admin_)); });
    ASSERT_TRUE(added.ok());
    ASSERT_TRUE(Create(Input("Screening", "similarity(counterparty.name, list(\"names\")) > 0.9")).ok());
    ASSERT_TRUE(Create(Input("Other list", "counterparty.name in list(\"names2\")")).ok());
    ASSERT_TRUE(Create(Input("Comment only", "amount > 1 # list(\"names\")")).ok());

    auto tx = db_.Read();
    std::vector<std::string> seen;
    std::optional<std::string> cursor;
    for (int page_idx = 0; page_idx < 10; ++page_idx) {
        auto page = GetList(*tx, acme_, list->id, 10, cursor);
        ASSERT_TRUE(page.ok());
        for (const auto& item : page->items) seen.push_back(item.value);
        EXPECT_EQ(page->summary.item_count, 25);
        ASSERT_EQ(page->used_by.size(), 1u);
        EXPECT_EQ(page->used_by[0].name, "Screening");
        cursor = page->next_cursor;
        if (!cursor) break;
    }
    std::sort(values.begin(), values.end());
    EXPECT_EQ(seen, values);
    EXPECT_EQ(GetList(*tx, acme_, list->id, 10, std::string("***")).error().code, ErrorCode::kValidationFailed);

    auto lists = ListLists(*tx, acme_, 50, std::nullopt);
    ASSERT_TRUE(lists.ok());
    ASSERT_EQ(lists->lists.size(), 2u);
    EXPECT_EQ(lists->lists[0].list.name, "names2") << "newest first";
    EXPECT_EQ(lists->lists[1].item_count, 25);
    json::object as_json = ToJson(lists->lists[1]);
    EXPECT_EQ(as_json.at("item_count"), 25);
    EXPECT_EQ(as_json.at("created_by"), json::value(acme_admin_));
    auto beta_lists = ListLists(*tx, beta_, 50, std::nullopt);
    ASSERT_TRUE(beta_lists.ok());
    EXPECT_TRUE(beta_lists->lists.empty());
}

}  // namespace
}  // namespace wt::engine
