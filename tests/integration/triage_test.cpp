// SPDX-License-Identifier: Apache-2.0
// Alert triage against a real server (docs/investigations.md "Triage"): alerts raised by ingesting
// transactions through an active rule, then PATCH /alerts/{id} (status transitions, assignment by
// role, closing with a disposition and a note, reopening), POST /alerts/bulk (all or nothing),
// the history and audit entries of every change, the SLA due time and overdue flag from the
// organization's settings, and the queue views and filters of GET /alerts.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "common/clock.hpp"
#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

constexpr const char* kAlerts = "/api/v1/alerts";
constexpr const char* kBulk = "/api/v1/alerts/bulk";


class TriageTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        ServerConfig config;
        config.clock_file = true;
        auto server = std::make_unique<Server>(config);
        server->Start();
        Session admin = server->MustLogin(server->admin_email);
        key_ = new ApiKey(server->CreateApiKey(admin, "production", {}, "triage"));
        // Every transaction above 100 raises a high alert; above 10000 also a critical one.
        for (const auto& [name, expression, severity] :
             {std::tuple{"triage high", "amount > 100", "high"}, std::tuple{"triage critical", "amount > 10000", "critical"}}) {
            auto rule = server->As(admin, "POST", "/api/v1/rules",
                                   json::serialize(json::object{{"name", name},
                                                                {"expression", expression},
                                                                {"severity", severity},
                                                                {"action", "alert"},
                                                                {"status", "active"}}));
            ASSERT_EQ(rule.status, 201) << rule.body;
            rule_ids_[severity] = StringAt(rule.Json(), "id");
        }
        server_ = server.release();
    }
    static void TearDownTestSuite() {
        delete key_;
        key_ = nullptr;
        EndSuiteServer(server_);
    }
    void SetUp() override {
        ASSERT_NE(server_, nullptr) << "the suite's server did not start";
        admin_ = server_->MustLogin(server_->admin_email);
        lead_ = server_->MustLogin(server_->role_email.at("RISK_LEAD"));
        analyst_ = server_->MustLogin(server_->role_email.at("ANALYST"));
        viewer_ = server_->MustLogin(server_->role_email.at("VIEWER"));
        analyst_id_ = server_->role_user_id.at("ANALYST");
        lead_id_ = server_->role_user_id.at("RISK_LEAD");
    }

    // Ingests one transaction of `account` for `amount`; answers the ids of the alerts it raised.
    static std::vector<std::string> Raise(const std::string& account, const std::string& amount = "500") {
        auto res = server_->Call("POST", "/api/v1/transactions",
                                 json::serialize(json::object{{"external_id", "tri-" + std::to_string(++sequence_)},
                                                              {"amount", amount},
                                                              {"currency", "USD"},
                                                              {"direction", "outbound"},
                                                              {"account_id", account}}),
                                 {{"Authorization", "Bearer " + key_->key}});
        EXPECT_EQ(res.status, 201) << res.body;
        std::vector<std::string> ids;
        if (res.status != 201) return ids;
        auto body = res.Json();
        for (const auto& alert : body.at("alerts").as_array()) ids.push_back(StringAt(alert, "id"));
        return ids;
    }
    static std::string RaiseOne(const std::string& account) {
        auto ids = Raise(account);
        EXPECT_EQ(ids.size(), 1u);
        return ids.empty() ? std::string() : ids.front();
    }

    HttpResponse Patch(const Session& as, const std::string& id, const json::object& body) {
        return server_->As(as, "PATCH", std::string(kAlerts) + "/" + id, json::serialize(body));
    }
    HttpResponse Bulk(const Session& as, const json::object& body) {
        return server_->As(as, "POST", kBulk, json::serialize(body));
    }
    json::value Alert(const std::string& id) {
        auto res = server_->As(admin_, "GET", std::string(kAlerts) + "/" + id);
        EXPECT_EQ(res.status, 200) << res.body;
        return res.Json();
    }
    // The ids GET /alerts?<query> answers (one page of 500), as `as` (the admin by default).
    std::set<std::string> Listed(const std::string& query, const Session* as = nullptr) {
        auto res = server_->As(as ? *as : admin_, "GET", std::string(kAlerts) + "?limit=500&" + query);
        EXPECT_EQ(res.status, 200) << query << ": " << res.body;
        std::set<std::string> ids;
        if (res.status != 200) return ids;
        auto body = res.Json();
        for (const auto& alert : body.at("data").as_array()) ids.insert(StringAt(alert, "id"));
        return ids;
    }
    // Audit entries of `action` whose target is the alert.
    int Audited(const std::string& action, const std::string& alert_id) {
        auto res = server_->As(admin_, "GET", "/api/v1/orgs/audit-logs?limit=500&action=" + action);
        EXPECT_EQ(res.status, 200) << res.body;
        int count = 0;
        if (res.status != 200) return count;
        auto body = res.Json();
        for (const auto& entry : body.at("data").as_array())
            if (StringAt(entry, "target") == "alert:" + alert_id) ++count;
        return count;
    }
    static std::vector<std::string> Actions(const json::value& alert) {
        std::vector<std::string> actions;
        for (const auto& event : alert.at("events").as_array()) actions.push_back(StringAt(event, "action"));
        return actions;
    }

    static Server* server_;
    static ApiKey* key_;
    static std::map<std::string, std::string> rule_ids_;  // by severity
    static int sequence_;
    Session admin_, lead_, analyst_, viewer_;
    std::string analyst_id_, lead_id_;
};
Server* TriageTest::server_ = nullptr;
ApiKey* TriageTest::key_ = nullptr;
std::map<std::string, std::string> TriageTest::rule_ids_;
int TriageTest::sequence_ = 0;

TEST_F(TriageTest, ANewAlertIsOpenUnassignedAndDueAfterItsSeveritysSla) {
    auto ids = Raise("acc-fresh", "20000");
    ASSERT_EQ(ids.size(), 2u);
    std::map<std::string, json::value> by_severity;
    for (const auto& id : ids) {
        auto alert = Alert(id);
        by_severity[StringAt(alert, "severity")] = alert;
    }
    ASSERT_EQ(by_severity.size(), 2u);
    for (const auto& [severity, hours] : {std::pair{"high", 8}, std::pair{"critical", 2}}) {
        SCOPED_TRACE(severity);
        const auto& alert = by_severity.at(severity);
        EXPECT_EQ(alert.at("status"), "open");
        EXPECT_TRUE(alert.at("assignee_id").is_null());
        EXPECT_TRUE(alert.at("disposition").is_null());
        EXPECT_TRUE(alert.at("closed_at").is_null());
        EXPECT_TRUE(alert.at("triaged_at").is_null());
        EXPECT_EQ(alert.at("overdue"), false);
        EXPECT_TRUE(alert.at("events").as_array().empty());
        auto created = ParseRfc3339(StringAt(alert, "created_at"));
        auto due = ParseRfc3339(StringAt(alert, "due_at"));
        ASSERT_TRUE(created && due) << json::serialize(alert);
        EXPECT_EQ(*due - *created, hours * 3600LL * 1000000LL) << json::serialize(alert);
    }
}

TEST_F(TriageTest, AnAnalystTakesReviewsAndClosesWithADispositionAndANote) {
    const std::string id = RaiseOne("acc-work");
    auto taken = Patch(analyst_, id, {{"assignee_id", analyst_id_}});
    ASSERT_EQ(taken.status, 200) << taken.body;
    EXPECT_EQ(StringAt(taken.Json(), "assignee_id"), analyst_id_);
    auto reviewing = Patch(analyst_, id, {{"status", "in_review"}});
    ASSERT_EQ(reviewing.status, 200) << reviewing.body;
    EXPECT_EQ(reviewing.Json().at("status"), "in_review");
    EXPECT_TRUE(reviewing.Json().at("triaged_at").is_string()) << reviewing.body;
    EXPECT_TRUE(reviewing.Json().at("closed_at").is_null());

    // Closing needs both a disposition and a note; each missing one is named.
    EXPECT_EQ(ProblemFields(Patch(analyst_, id, {{"status", "closed"}})), (std::set<std::string>{"disposition", "note"}));
    EXPECT_EQ(ProblemFields(Patch(analyst_, id, {{"status", "closed"}, {"disposition", "false_positive"}})),
              std::set<std::string>{"note"});
    EXPECT_EQ(ProblemFields(Patch(analyst_, id, {{"status", "closed"}, {"disposition", "maybe"}, {"note", "x"}})),
              std::set<std::string>{"disposition"});
    EXPECT_EQ(ProblemFields(Patch(analyst_, id, {{"status", "closed"}, {"disposition", "duplicate"}, {"note", "  "}})),
              std::set<std::string>{"note"});
    EXPECT_EQ(Alert(id).at("status"), "in_review") << "a refused close changed the alert";

    auto closed = Patch(analyst_, id,
                        {{"status", "closed"}, {"disposition", "false_positive"}, {"note", "payroll run, known payee"}});
    ASSERT_EQ(closed.status, 200) << closed.body;
    auto body = closed.Json();
    EXPECT_EQ(body.at("status"), "closed");
    EXPECT_EQ(body.at("disposition"), "false_positive");
    EXPECT_EQ(body.at("note"), "payroll run, known payee");
    EXPECT_EQ(StringAt(body, "closed_by"), analyst_id_);
    EXPECT_TRUE(body.at("closed_at").is_string());
    EXPECT_EQ(body.at("overdue"), false);

    auto alert = Alert(id);
    EXPECT_EQ(Actions(alert), (std::vector<std::string>{"alert.assigned", "alert.updated", "alert.closed"}));
    const auto& last = alert.at("events").as_array().back();
    EXPECT_EQ(StringAt(last, "actor_id"), analyst_id_);
    EXPECT_EQ(StringAt(last.at("details"), "note"), "payroll run, known payee");
    EXPECT_EQ(StringAt(last.at("details"), "disposition"), "false_positive");
    EXPECT_EQ(Audited("alert.assigned", id), 1);
    EXPECT_EQ(Audited("alert.updated", id), 1);
    EXPECT_EQ(Audited("alert.closed", id), 1);

    // Closing it again is a conflict, and records nothing.
    auto again = Patch(lead_, id, {{"status", "closed"}, {"disposition", "duplicate"}, {"note", "again"}});
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(Audited("alert.closed", id), 1);
}

TEST_F(TriageTest, MalformedChangesAre422NamingTheField) {
    const std::string id = RaiseOne("acc-malformed");
    EXPECT_EQ(ProblemFields(Patch(analyst_, id, {{"disposition", "duplicate"}})), std::set<std::string>{"disposition"});
    EXPECT_EQ(ProblemFields(Patch(analyst_, id, {{"status", "in_review"}, {"note", "why"}})), std::set<std::string>{"note"});
    EXPECT_EQ(ProblemFields(Patch(analyst_, id, {{"status", "done"}})), std::set<std::string>{"status"});
    EXPECT_EQ(ProblemFields(Patch(analyst_, id, {{"assignee_id", 7}})), std::set<std::string>{"assignee_id"});
    EXPECT_EQ(ProblemFields(Patch(analyst_, id, {{"status", "open"}, {"priority", "high"}})),
              std::set<std::string>{"priority"});
    EXPECT_EQ(ProblemFields(Patch(analyst_, id, {})), std::set<std::string>{""});
    EXPECT_TRUE(Alert(id).at("events").as_array().empty());
}

TEST_F(TriageTest, AnAnalystAssignsOnlyThemselvesAndCannotReopen) {
    const std::string id = RaiseOne("acc-roles");
    // Not someone else, and not an alert someone else holds.
    auto other = Patch(analyst_, id, {{"assignee_id", lead_id_}});
    EXPECT_EQ(other.status, 403) << other.body;
    EXPECT_EQ(other.Code(), "forbidden");
    ASSERT_EQ(Patch(lead_, id, {{"assignee_id", lead_id_}}).status, 200);
    EXPECT_EQ(Patch(analyst_, id, {{"assignee_id", analyst_id_}}).status, 403);
    EXPECT_EQ(Patch(analyst_, id, {{"assignee_id", nullptr}}).status, 403);
    EXPECT_EQ(StringAt(Alert(id), "assignee_id"), lead_id_);
    // A RISK_LEAD hands it to the analyst, who gives it back (unassigned).
    ASSERT_EQ(Patch(lead_, id, {{"assignee_id", analyst_id_}}).status, 200);
    auto given_back = Patch(analyst_, id, {{"assignee_id", nullptr}});
    ASSERT_EQ(given_back.status, 200) << given_back.body;
    EXPECT_TRUE(given_back.Json().at("assignee_id").is_null());
    // A viewer works nothing.
    EXPECT_EQ(Patch(viewer_, id, {{"status", "in_review"}}).status, 403);

    ASSERT_EQ(Patch(analyst_, id, {{"status", "closed"}, {"disposition", "true_positive"}, {"note", "confirmed"}}).status,
              200);
    auto reopen = Patch(analyst_, id, {{"status", "open"}});
    EXPECT_EQ(reopen.status, 403) << reopen.body;
    EXPECT_EQ(Alert(id).at("status"), "closed");
    auto reopened = Patch(lead_, id, {{"status", "escalated"}});
    ASSERT_EQ(reopened.status, 200) << reopened.body;
    auto body = reopened.Json();
    EXPECT_EQ(body.at("status"), "escalated");
    EXPECT_TRUE(body.at("disposition").is_null());
    EXPECT_TRUE(body.at("note").is_null());
    EXPECT_TRUE(body.at("closed_at").is_null());
    EXPECT_EQ(Actions(Alert(id)).back(), "alert.reopened");
    EXPECT_EQ(Audited("alert.reopened", id), 1);
}

TEST_F(TriageTest, OnlyMembersOfTheOrganizationCanBeAssigned) {
    const std::string id = RaiseOne("acc-members");
    EXPECT_EQ(ProblemFields(Patch(lead_, id, {{"assignee_id", server_->other_admin_id}})),
              std::set<std::string>{"assignee_id"});
    EXPECT_EQ(ProblemFields(Patch(admin_, id, {{"assignee_id", "usr_nobody"}})), std::set<std::string>{"assignee_id"});
    auto assigned = Patch(admin_, id, {{"assignee_id", analyst_id_}});
    ASSERT_EQ(assigned.status, 200) << assigned.body;
    EXPECT_EQ(StringAt(assigned.Json(), "assignee_id"), analyst_id_);
}

TEST_F(TriageTest, AnotherOrganizationsAlertIsNotFound) {
    Session foreign_admin = server_->MustLogin(server_->other_admin_email);
    const std::string id = RaiseOne("acc-tenant");
    auto res = Patch(foreign_admin, id, {{"status", "closed"}, {"disposition", "duplicate"}, {"note", "theirs"}});
    EXPECT_EQ(res.status, 404) << res.body;
    auto bulk = Bulk(foreign_admin, {{"alert_ids", json::array{json::value(id)}}, {"action", "close"},
                                     {"disposition", "duplicate"}, {"note", "theirs"}});
    EXPECT_EQ(bulk.status, 404) << bulk.body;
    EXPECT_EQ(server_->As(foreign_admin, "GET", std::string(kAlerts) + "/" + id).status, 404);
    EXPECT_EQ(Alert(id).at("status"), "open");
}

TEST_F(TriageTest, BulkAssignAndCloseAreAllOrNothing) {
    std::vector<std::string> ids;
    for (int idx = 0; idx < 3; ++idx) ids.push_back(RaiseOne("acc-bulk-" + std::to_string(idx)));
    json::array id_array;
    for (const auto& id : ids) id_array.push_back(json::value(id));

    auto assigned = Bulk(lead_, {{"alert_ids", id_array}, {"action", "assign"}, {"assignee_id", analyst_id_}});
    ASSERT_EQ(assigned.status, 200) << assigned.body;
    EXPECT_EQ(assigned.Json().at("updated"), 3);
    auto assigned_body = assigned.Json();
    for (const auto& alert : assigned_body.at("alerts").as_array())
        EXPECT_EQ(StringAt(alert, "assignee_id"), analyst_id_);

    // An unknown id among them: 404 naming it, and nothing changes.
    json::array with_unknown = id_array;
    with_unknown.insert(with_unknown.begin() + 1, json::value("alt_unknown"));
    auto unknown = Bulk(lead_, {{"alert_ids", with_unknown}, {"action", "close"}, {"disposition", "duplicate"},
                                {"note", "same incident"}});
    EXPECT_EQ(unknown.status, 404) << unknown.body;
    EXPECT_NE(unknown.body.find("alert_ids[1]"), std::string::npos) << unknown.body;
    for (const auto& id : ids) EXPECT_EQ(Alert(id).at("status"), "open");

    // The analyst may not take back alerts of which one is held by someone else: none changes.
    ASSERT_EQ(Patch(lead_, ids[2], {{"assignee_id", lead_id_}}).status, 200);
    ASSERT_EQ(Bulk(analyst_, {{"alert_ids", id_array}, {"action", "assign"}, {"assignee_id", nullptr}}).status, 403);
    EXPECT_EQ(StringAt(Alert(ids[0]), "assignee_id"), analyst_id_);

    auto closed = Bulk(analyst_, {{"alert_ids", id_array}, {"action", "close"}, {"disposition", "duplicate"},
                                  {"note", "same incident as the first"}});
    ASSERT_EQ(closed.status, 200) << closed.body;
    EXPECT_EQ(closed.Json().at("updated"), 3);
    for (const auto& id : ids) {
        auto alert = Alert(id);
        EXPECT_EQ(alert.at("status"), "closed");
        EXPECT_EQ(alert.at("disposition"), "duplicate");
        EXPECT_EQ(alert.at("note"), "same incident as the first");
        EXPECT_EQ(Audited("alert.closed", id), 1);
    }
    // Closing them again: one is closed already, so none is touched.
    auto twice = Bulk(lead_, {{"alert_ids", id_array}, {"action", "close"}, {"disposition", "true_positive"},
                              {"note", "again"}});
    EXPECT_EQ(twice.status, 409) << twice.body;
    EXPECT_EQ(Alert(ids[0]).at("disposition"), "duplicate");
}

TEST_F(TriageTest, BulkBodiesAreValidated) {
    const std::string id = RaiseOne("acc-bulk-bad");
    json::array one{json::value(id)};
    json::array too_many;
    for (int idx = 0; idx < 501; ++idx) too_many.push_back(json::value(id + std::to_string(idx)));
    EXPECT_EQ(ProblemFields(Bulk(lead_, {{"alert_ids", too_many}, {"action", "assign"}, {"assignee_id", nullptr}})),
              std::set<std::string>{"alert_ids"});
    EXPECT_EQ(ProblemFields(Bulk(lead_, {{"alert_ids", json::array{}}, {"action", "assign"}, {"assignee_id", nullptr}})),
              std::set<std::string>{"alert_ids"});
    EXPECT_EQ(ProblemFields(Bulk(lead_, {{"alert_ids", json::array{json::value(id), json::value(id)}},
                                       {"action", "assign"},
                                       {"assignee_id", nullptr}})),
              std::set<std::string>{"alert_ids[1]"});
    EXPECT_EQ(ProblemFields(Bulk(lead_, {{"alert_ids", one}, {"action", "delete"}})), std::set<std::string>{"action"});
    EXPECT_EQ(ProblemFields(Bulk(lead_, {{"alert_ids", one}, {"action", "assign"}})), std::set<std::string>{"assignee_id"});
    EXPECT_EQ(ProblemFields(Bulk(lead_, {{"alert_ids", one}, {"action", "close"}, {"disposition", "duplicate"}})),
              std::set<std::string>{"note"});
    EXPECT_EQ(ProblemFields(Bulk(lead_, {{"action", "close"}, {"disposition", "duplicate"}, {"note", "n"}})),
              std::set<std::string>{"alert_ids"});
    EXPECT_EQ(ProblemFields(Bulk(lead_, {{"alert_ids", one}, {"action", "assign"}, {"assignee_id", nullptr},
                                       {"note", "n"}})),
              std::set<std::string>{"note"});
    EXPECT_EQ(Bulk(viewer_, {{"alert_ids", one}, {"action", "assign"}, {"assignee_id", nullptr}}).status, 403);
    EXPECT_TRUE(Alert(id).at("events").as_array().empty());
}

TEST_F(TriageTest, QueueViewsAndFilters) {
    const std::string mine = RaiseOne("acc-queue-mine");
    const std::string free = RaiseOne("acc-queue-free");
    auto both = Raise("acc-queue-big", "50000");
    ASSERT_EQ(both.size(), 2u);
    ASSERT_EQ(Patch(analyst_, mine, {{"assignee_id", analyst_id_}, {"status", "in_review"}}).status, 200);

    auto my_queue = Listed("assignee_id=me", &analyst_);
    EXPECT_TRUE(my_queue.count(mine));
    EXPECT_FALSE(my_queue.count(free));
    EXPECT_FALSE(Listed("assignee_id=me", &lead_).count(mine));
    EXPECT_EQ(Listed("assignee_id=" + analyst_id_), my_queue);
    auto unassigned = Listed("assignee_id=none");
    EXPECT_TRUE(unassigned.count(free));
    EXPECT_FALSE(unassigned.count(mine));

    EXPECT_TRUE(Listed("status=in_review").count(mine));
    EXPECT_FALSE(Listed("status=open").count(mine));
    auto open_or_review = Listed("status=open,in_review");
    EXPECT_TRUE(open_or_review.count(mine) && open_or_review.count(free));

    auto critical = Listed("severity=critical");
    EXPECT_EQ(critical.count(both[0]) + critical.count(both[1]), 1u);
    EXPECT_FALSE(critical.count(free));
    auto by_rule = Listed("rule_id=" + rule_ids_.at("critical"));
    EXPECT_EQ(by_rule, critical);
    EXPECT_EQ(Listed("entity_key=account:acc-queue-big"), (std::set<std::string>(both.begin(), both.end())));

    const std::string created = StringAt(Alert(free), "created_at");
    EXPECT_TRUE(Listed("from=" + created).count(free));
    EXPECT_FALSE(Listed("to=" + created).count(free));
    EXPECT_TRUE(Listed("from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z").empty());
    EXPECT_FALSE(Listed("overdue=true").count(free));
    EXPECT_TRUE(Listed("overdue=false").count(free));

    for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
             {"status=open,done", "status"},
             {"severity=urgent", "severity"},
             {"from=yesterday", "from"},
             {"to=2026-13-01T00:00:00Z", "to"},
             {"overdue=maybe", "overdue"},
             {"environment=staging", "environment"},
             {"entity_key=" + std::string(301, 'e'), "entity_key"}}) {
        SCOPED_TRACE(query);
        EXPECT_EQ(ProblemFields(server_->As(admin_, "GET", std::string(kAlerts) + "?" + query)),
                  std::set<std::string>{field});
    }
}

// Last: it moves the server clock forward.
TEST_F(TriageTest, TheSlaSettingMakesAlertsOverdue) {
    // The setting is validated per severity.
    auto bad = server_->As(admin_, "PATCH", "/api/v1/orgs/current",
                           R"({"settings": {"alert_sla_hours": {"high": 0, "urgent": 1}}})");
    EXPECT_EQ(ProblemFields(bad), (std::set<std::string>{"settings.alert_sla_hours.high", "settings.alert_sla_hours.urgent"}));
    EXPECT_EQ(ProblemFields(server_->As(admin_, "PATCH", "/api/v1/orgs/current", R"({"settings": {"alert_sla_hours": 4}})")),
              std::set<std::string>{"settings.alert_sla_hours"});
    auto set = server_->As(admin_, "PATCH", "/api/v1/orgs/current", R"({"settings": {"alert_sla_hours": {"high": 1}}})");
    ASSERT_EQ(set.status, 200) << set.body;
    auto sla = set.Json().at("settings").at("alert_sla_hours");
    EXPECT_EQ(sla, (json::value(json::object{{"low", 72}, {"medium", 24}, {"high", 1}, {"critical", 2}})));

    const std::string late = RaiseOne("acc-late");
    const std::string done = RaiseOne("acc-done");
    ASSERT_EQ(Patch(lead_, done, {{"status", "closed"}, {"disposition", "false_positive"}, {"note", "ok"}}).status, 200);
    auto due = ParseRfc3339(StringAt(Alert(late), "due_at"));
    auto created = ParseRfc3339(StringAt(Alert(late), "created_at"));
    ASSERT_TRUE(due && created);
    EXPECT_EQ(*due - *created, 3600LL * 1000000LL);
    EXPECT_FALSE(Listed("overdue=true").count(late));

    server_->SetClockOffset(2 * 3600);
    admin_ = server_->MustLogin(server_->admin_email);  // the earlier session idled out
    EXPECT_EQ(Alert(late).at("overdue"), true);
    EXPECT_EQ(Alert(done).at("overdue"), false) << "a closed alert is never overdue";
    auto overdue = Listed("overdue=true");
    EXPECT_TRUE(overdue.count(late));
    EXPECT_FALSE(overdue.count(done));
    // The transaction's detail shows its alerts by the same (server) clock and SLA.
    auto detail = server_->As(admin_, "GET", "/api/v1/transactions/" + StringAt(Alert(late), "transaction_id"));
    ASSERT_EQ(detail.status, 200) << detail.body;
    const json::value detail_json = detail.Json();
    const auto& alerts = detail_json.at("alerts").as_array();
    ASSERT_EQ(alerts.size(), 1u) << detail.body;
    EXPECT_EQ(alerts[0].at("overdue"), true) << "overdue by the server's clock, not the system clock";
    EXPECT_EQ(alerts[0].at("due_at"), Alert(late).at("due_at"));
    server_->SetClockOffset(0);
}

}  // namespace
}  // namespace wt::integration
