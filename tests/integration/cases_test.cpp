// SPDX-License-Identifier: Apache-2.0
// Cases against a real server (docs/investigations.md "Cases"): the analyst journey from simulated
// traffic (`watchtower simulate` with the starter pack) through triage, a case, comments and a
// close with `sar_filed` to the report document, each step on the timeline and in the audit log;
// then the rules one by one: bad bodies name their fields, a closed case is read-only until it is
// reopened, who may close and assign, which alerts may join a case, evidence files (types, size,
// magic bytes, byte-exact download, other organizations), cross-tenant 404s on every case route,
// and HTML escaping in the report.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <memory>
#include <set>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

constexpr const char* kCases = "/api/v1/cases";


std::vector<std::string> TimelineActions(const json::value& view) {
    std::vector<std::string> actions;
    for (const auto& event : view.at("timeline").as_array()) actions.push_back(StringAt(event, "action"));
    return actions;
}

std::string Rfc3339Minus(std::chrono::seconds back) {
    std::time_t at = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - back);
    std::tm utc{};
    gmtime_r(&at, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

class CasesTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto server = std::make_unique<Server>();
        server->Start();
        Session admin = server->MustLogin(server->admin_email);
        production_ = new ApiKey(server->CreateApiKey(admin, "production", {}, "cases"));
        sandbox_ = new ApiKey(server->CreateApiKey(admin, "sandbox", {}, "cases sandbox"));
        auto rule = server->As(admin, "POST", "/api/v1/rules",
                               json::serialize(json::object{{"name", "cases test"},
                                                            {"expression", "channel == \"cases-test\""},
                                                            {"severity", "high"},
                                                            {"action", "alert"},
                                                            {"status", "active"}}));
        ASSERT_EQ(rule.status, 201) << rule.body;
        auto pack = server->As(admin, "POST", "/api/v1/rules/starter-pack", "{}");
        ASSERT_EQ(pack.status, 201) << pack.body;
        server_ = server.release();
    }
    static void TearDownTestSuite() {
        delete production_;
        delete sandbox_;
        production_ = sandbox_ = nullptr;
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

    // Ingests one transaction of `account` (channel "cases-test": the suite's rule alerts on it, and
    // on nothing the simulator sends) and answers
    // the id of the alert of the rule "cases test". `extra` adds members to the body.
    static std::string Raise(const std::string& account, const ApiKey* key = nullptr, json::object extra = {}) {
        json::object body{{"external_id", "case-" + std::to_string(++sequence_)},
                          {"amount", "150.00"},
                          {"currency", "USD"},
                          {"direction", "outbound"},
                          {"account_id", account},
                          {"channel", "cases-test"}};
        for (auto& [name, value] : extra) body[name] = value;
        auto res = server_->Call("POST", "/api/v1/transactions", json::serialize(body),
                                 {{"Authorization", "Bearer " + (key ? key : production_)->key}});
        EXPECT_EQ(res.status, 201) << res.body;
        if (res.status != 201) return "";
        auto answer = res.Json();
        for (const auto& alert : answer.at("alerts").as_array())
            if (StringAt(alert, "rule_name") == "cases test") return StringAt(alert, "id");
        ADD_FAILURE() << "no alert of the rule \"cases test\": " << res.body;
        return "";
    }

    HttpResponse Create(const Session& as, const json::object& body) {
        return server_->As(as, "POST", kCases, json::serialize(body));
    }
    // A case of `alert_ids` created by the admin; its id.
    std::string NewCase(const std::vector<std::string>& alert_ids, const std::string& title = "a case") {
        json::array ids;
        for (const auto& id : alert_ids) ids.push_back(json::value(id));
        auto res = Create(admin_, {{"title", title}, {"alert_ids", ids}});
        EXPECT_EQ(res.status, 201) << res.body;
        return StringAt(res.Json(), "id");
    }
    HttpResponse On(const Session& as, const std::string& method, const std::string& id, const std::string& rest = "",
                    const json::object& body = {}) {
        return server_->As(as, method, std::string(kCases) + "/" + id + rest,
                           method == "GET" || method == "DELETE" ? "" : json::serialize(body));
    }
    json::value View(const std::string& id) {
        auto res = On(admin_, "GET", id);
        EXPECT_EQ(res.status, 200) << res.body;
        return res.Json();
    }
    HttpResponse Close(const Session& as, const std::string& id, const std::string& resolution = "no_action",
                       const std::string& note = "nothing to report") {
        return On(as, "POST", id, "/close", {{"resolution", resolution}, {"note", note}});
    }
    HttpResponse Upload(const Session& as, const std::string& id, const std::string& filename,
                        const std::string& content_type, const std::string& bytes) {
        return server_->As(as, "POST", std::string(kCases) + "/" + id + "/evidence?filename=" + filename, bytes,
                           {{"Content-Type", content_type}});
    }
    // Whether the audit log has `action` on `case:<id>`.
    bool Audited(const std::string& action, const std::string& id) {
        return HasAuditTarget(server_->AuditEntries(admin_, action), "case:" + id);
    }

    static Server* server_;
    static ApiKey* production_;
    static ApiKey* sandbox_;
    static int sequence_;
    Session admin_, lead_, analyst_, viewer_;
    std::string analyst_id_, lead_id_;
};
Server* CasesTest::server_ = nullptr;
ApiKey* CasesTest::production_ = nullptr;
ApiKey* CasesTest::sandbox_ = nullptr;
int CasesTest::sequence_ = 0;

TEST_F(CasesTest, AnalystJourneyFromSimulatedTrafficToTheSarReport) {
    // Traffic from the simulator, alerts from the starter pack.
    BackgroundCommand simulate({"simulate",
                                "--url",
                                server_->BaseUrl(),
                                "--api-key",
                                production_->key,
                                "--rate",
                                "max",
                                "--count",
                                "3000",
                                "--batch",
                                "100",
                                "--concurrency",
                                "1",
                                "--pattern-rate",
                                "0.1",
                                "--seed",
                                "11",
                                "--start",
                                Rfc3339Minus(std::chrono::seconds(60)),
                                "--quiet",
                                "--json"});
    ASSERT_EQ(simulate.Wait(std::chrono::minutes(3)), 0) << simulate.Out() << simulate.Err();
    auto listed = server_->As(analyst_, "GET", "/api/v1/alerts?status=open&assignee_id=none&limit=500");
    ASSERT_EQ(listed.status, 200) << listed.body;
    // Two alerts of one entity when the traffic has them (a pattern's instance), else two alerts.
    std::map<std::string, std::vector<std::string>> by_entity;
    std::vector<std::string> starter;
    const auto listed_json = listed.Json();
    for (const auto& alert : listed_json.at("data").as_array()) {
        if (StringAt(alert, "rule_name") == "cases test") continue;
        by_entity[StringAt(alert, "entity_key")].push_back(StringAt(alert, "id"));
        starter.push_back(StringAt(alert, "id"));
    }
    ASSERT_GE(starter.size(), 2u) << "the simulated traffic raised too few starter-pack alerts";
    std::vector<std::string> picked = {starter[0], starter[1]};
    for (const auto& [entity, ids] : by_entity)
        if (ids.size() >= 2) picked = {ids[0], ids[1]};

    // Triage: the analyst takes the first alert and reviews it.
    auto taken = server_->As(analyst_, "PATCH", "/api/v1/alerts/" + picked[0],
                             json::serialize(json::object{{"assignee_id", analyst_id_}, {"status", "in_review"}}));
    ASSERT_EQ(taken.status, 200) << taken.body;

    // The case, assigned to the analyst herself.
    auto created = Create(analyst_, {{"title", "Structuring on one account"},
                                     {"alert_ids", json::array{json::value(picked[0]), json::value(picked[1])}},
                                     {"assignee_id", analyst_id_},
                                     {"priority", "high"}});
    ASSERT_EQ(created.status, 201) << created.body;
    auto view = created.Json();
    const std::string id = StringAt(view, "id");
    EXPECT_EQ(StringAt(view, "status"), "open");
    EXPECT_EQ(StringAt(view, "priority"), "high");
    EXPECT_EQ(StringAt(view, "environment"), "production");
    EXPECT_EQ(StringAt(view, "assignee_id"), analyst_id_);
    EXPECT_EQ(view.at("alert_count"), 2);
    ASSERT_EQ(view.at("alerts").as_array().size(), 2u);
    std::set<std::string> alert_transactions;
    for (const auto& alert : view.at("alerts").as_array()) {
        EXPECT_EQ(StringAt(alert, "status"), "escalated") << Dump(alert);
        alert_transactions.insert(StringAt(alert, "transaction_id"));
    }
    // The alerts' own transactions are in the view, marked linked; the rest are their accounts'.
    std::set<std::string> linked;
    for (const auto& transaction : view.at("transactions").as_array())
        if (transaction.at("linked") == true) linked.insert(StringAt(transaction, "id"));
    EXPECT_EQ(linked, alert_transactions);
    EXPECT_LE(view.at("transactions").as_array().size(), 100u);
    // Each alert knows its case and says so in its history.
    for (const auto& alert_id : picked) {
        auto alert = server_->As(analyst_, "GET", "/api/v1/alerts/" + alert_id);
        ASSERT_EQ(alert.status, 200) << alert.body;
        EXPECT_EQ(StringAt(alert.Json(), "case_id"), id);
        EXPECT_EQ(StringAt(alert.Json(), "status"), "escalated");
        std::vector<std::string> actions;
        const auto alert_json = alert.Json();
        for (const auto& event : alert_json.at("events").as_array()) actions.push_back(StringAt(event, "action"));
        EXPECT_NE(std::find(actions.begin(), actions.end(), "alert.case_linked"), actions.end()) << alert.body;
    }

    // Working the case.
    auto investigating = On(analyst_, "PATCH", id, "", {{"status", "investigating"}});
    ASSERT_EQ(investigating.status, 200) << investigating.body;
    EXPECT_EQ(StringAt(investigating.Json(), "status"), "investigating");
    ASSERT_EQ(On(analyst_, "POST", id, "/comments", {{"body", "Ten deposits just under the threshold."}}).status, 201);
    auto commented = On(analyst_, "POST", id, "/comments", {{"body", "Customer did not answer our request."}});
    ASSERT_EQ(commented.status, 201) << commented.body;
    ASSERT_EQ(commented.Json().at("comments").as_array().size(), 2u);
    EXPECT_EQ(StringAt(commented.Json().at("comments").as_array()[0], "author_id"), analyst_id_);

    // The analyst may not close it; the risk lead closes it with a SAR filed.
    auto refused = Close(analyst_, id, "sar_filed", "filed");
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(refused.Code(), "forbidden");
    auto closed = Close(lead_, id, "sar_filed", "SAR 2026-114 filed with the FIU.\nPattern: structuring.");
    ASSERT_EQ(closed.status, 200) << closed.body;
    EXPECT_EQ(StringAt(closed.Json(), "status"), "closed");
    EXPECT_EQ(StringAt(closed.Json(), "resolution"), "sar_filed");
    EXPECT_EQ(StringAt(closed.Json(), "closed_by"), lead_id_);

    // The report document.
    auto report = On(lead_, "GET", id, "/report");
    ASSERT_EQ(report.status, 200) << report.body;
    EXPECT_EQ(report.Header("Content-Type").value_or(""), "text/html; charset=utf-8");
    EXPECT_EQ(report.Header("X-Content-Type-Options").value_or(""), "nosniff");
    EXPECT_NE(report.Header("Content-Security-Policy").value_or("").find("script-src 'self'"), std::string::npos);
    EXPECT_NE(report.body.find("default-src 'none'"), std::string::npos) << "the page's own policy";
    EXPECT_EQ(report.body.find("<script"), std::string::npos);
    for (const std::string& expected :
         {id, picked[0], picked[1], std::string("SAR 2026-114 filed with the FIU."),
          std::string("Ten deposits just under the threshold."), std::string("Customer did not answer our request."),
          std::string("Structuring on one account"), std::string("Acme")})
        EXPECT_NE(report.body.find(expected), std::string::npos) << "the report lacks " << expected;
    const auto closed_json = closed.Json();
    for (const auto& transaction : closed_json.at("transactions").as_array())
        EXPECT_NE(report.body.find(StringAt(transaction, "amount") + " " + StringAt(transaction, "currency")),
                  std::string::npos)
            << "the report lacks the amount of " << Dump(transaction);
    // Only a RISK_LEAD or ADMIN exports it.
    EXPECT_EQ(On(analyst_, "GET", id, "/report").status, 403);

    // Every step on the timeline, with its actor, and in the audit log.
    auto final_view = View(id);
    EXPECT_EQ(TimelineActions(final_view),
              (std::vector<std::string>{"created", "assigned", "alert_added", "alert_added", "status_changed",
                                        "commented", "commented", "closed"}));
    for (const auto& event : final_view.at("timeline").as_array()) {
        const std::string actor = StringAt(event.at("actor"), "id");
        EXPECT_EQ(actor, StringAt(event, "action") == "closed" ? lead_id_ : analyst_id_) << Dump(event);
    }
    const auto& closing = final_view.at("timeline").as_array().back();
    EXPECT_EQ(StringAt(closing.at("details"), "resolution"), "sar_filed");
    for (const char* action : {"case.created", "case.assigned", "case.alert_added", "case.status_changed",
                               "case.commented", "case.closed", "case.report_generated"})
        EXPECT_TRUE(Audited(action, id)) << action;
    // The audit log keeps the facts, not the free text of the note.
    auto closed_entries = server_->AuditEntries(admin_, "case.closed");
    for (const auto& entry : closed_entries)
        EXPECT_EQ(json::serialize(entry).find("SAR 2026-114"), std::string::npos) << Dump(entry);
    // The analyst's triage is in the alert's audit trail too.
    EXPECT_TRUE(HasAuditTarget(server_->AuditEntries(admin_, "alert.assigned"), "alert:" + picked[0]));
}

TEST_F(CasesTest, BadBodiesAndQueriesNameTheirFields) {
    const std::string alert = Raise("acc-bad-1");
    EXPECT_EQ(ProblemFields(Create(analyst_, {})), (std::set<std::string>{"title", "alert_ids"}));
    EXPECT_EQ(ProblemFields(Create(analyst_, {{"title", "  "}, {"alert_ids", json::array{}}, {"priority", "urgent"}})),
              (std::set<std::string>{"title", "alert_ids", "priority"}));
    EXPECT_EQ(ProblemFields(Create(analyst_, {{"title", "t"},
                                            {"alert_ids", json::array{json::value(alert), json::value(alert), 7}},
                                            {"color", "red"}})),
              (std::set<std::string>{"alert_ids[1]", "alert_ids[2]", "color"}));
    EXPECT_EQ(ProblemFields(
                  Create(analyst_, {{"title", std::string(201, 'x')}, {"alert_ids", json::array{json::value(alert)}}})),
              (std::set<std::string>{"title"}));
    EXPECT_EQ(ProblemFields(Create(analyst_, {{"title", "t"}, {"alert_ids", json::array{json::value("alr_unknown")}}})),
              (std::set<std::string>{"alert_ids[0]"}));
    auto not_json =
        server_->As(analyst_, "POST", kCases, "title=t", {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(not_json.status, 415) << not_json.body;
    auto garbled = server_->As(analyst_, "POST", kCases, "{\"title\": ");
    EXPECT_EQ(garbled.status, 400) << garbled.body;

    const std::string id = NewCase({alert});
    EXPECT_EQ(ProblemFields(On(analyst_, "PATCH", id, "", {})), (std::set<std::string>{""}));
    EXPECT_EQ(ProblemFields(On(analyst_, "PATCH", id, "", {{"status", "closed"}})), (std::set<std::string>{"status"}));
    EXPECT_EQ(ProblemFields(On(analyst_, "PATCH", id, "", {{"status", "done"}, {"priority", "p1"}, {"title", ""}})),
              (std::set<std::string>{"status", "priority", "title"}));
    EXPECT_EQ(ProblemFields(On(analyst_, "PATCH", id, "", {{"assignee_id", 5}})), (std::set<std::string>{"assignee_id"}));
    EXPECT_EQ(ProblemFields(On(analyst_, "POST", id, "/comments", {{"body", " \n "}})), (std::set<std::string>{"body"}));
    EXPECT_EQ(ProblemFields(On(analyst_, "POST", id, "/comments", {{"body", std::string(10001, 'c')}})),
              (std::set<std::string>{"body"}));
    EXPECT_EQ(ProblemFields(On(lead_, "POST", id, "/close", {{"resolution", "fraud"}})),
              (std::set<std::string>{"resolution", "note"}));
    EXPECT_EQ(ProblemFields(On(lead_, "POST", id, "/reopen", {})), (std::set<std::string>{"note"}));
    EXPECT_EQ(ProblemFields(On(analyst_, "POST", id, "/alerts", {{"alert_ids", "alr_x"}})),
              (std::set<std::string>{"alert_ids"}));
    for (const char* query : {"status=lost", "priority=p0", "environment=staging", "limit=0", "status=open,lost",
                              "status=open,", "status=,open"}) {
        auto res = server_->As(analyst_, "GET", std::string(kCases) + "?" + query);
        EXPECT_EQ(res.status, 422) << query << ": " << res.body;
    }
    // Nothing of it changed the case.
    EXPECT_EQ(TimelineActions(View(id)), (std::vector<std::string>{"created", "alert_added"}));
}

TEST_F(CasesTest, ListsFilterAndPageNewestFirst) {
    const std::string first = NewCase({Raise("acc-list-1")}, "list one");
    const std::string second = NewCase({Raise("acc-list-2")}, "list two");
    ASSERT_EQ(On(admin_, "PATCH", second, "", {{"assignee_id", analyst_id_}, {"priority", "critical"}}).status, 200);
    auto page = server_->As(viewer_, "GET", std::string(kCases) + "?limit=1");
    ASSERT_EQ(page.status, 200) << page.body;
    ASSERT_EQ(page.Json().at("data").as_array().size(), 1u);
    EXPECT_EQ(StringAt(page.Json().at("data").as_array()[0], "id"), second);
    EXPECT_FALSE(page.Json().at("data").as_array()[0].as_object().contains("timeline")) << "list items are light";
    auto next =
        server_->As(viewer_, "GET", std::string(kCases) + "?limit=1&cursor=" + StringAt(page.Json(), "next_cursor"));
    ASSERT_EQ(next.status, 200) << next.body;
    EXPECT_EQ(StringAt(next.Json().at("data").as_array()[0], "id"), first);
    auto ids_of = [&](const Session& as, const std::string& query) {
        std::set<std::string> ids;
        auto res = server_->As(as, "GET", std::string(kCases) + "?limit=500&" + query);
        EXPECT_EQ(res.status, 200) << res.body;
        const auto page_json = res.Json();
        for (const auto& item : page_json.at("data").as_array()) ids.insert(StringAt(item, "id"));
        return ids;
    };
    EXPECT_TRUE(ids_of(analyst_, "assignee_id=me").count(second));
    EXPECT_FALSE(ids_of(analyst_, "assignee_id=me").count(first));
    EXPECT_TRUE(ids_of(analyst_, "assignee_id=none").count(first));
    EXPECT_FALSE(ids_of(analyst_, "assignee_id=none").count(second));
    EXPECT_TRUE(ids_of(analyst_, "priority=critical").count(second));
    EXPECT_FALSE(ids_of(analyst_, "priority=critical").count(first));
    EXPECT_TRUE(ids_of(analyst_, "status=open,investigating&environment=production").count(first));
    EXPECT_FALSE(ids_of(analyst_, "environment=sandbox").count(first));
    EXPECT_FALSE(ids_of(analyst_, "status=closed").count(first));
}

TEST_F(CasesTest, AClosedCaseIsReadOnlyUntilReopened) {
    const std::string kept = Raise("acc-closed-1");
    const std::string spare = Raise("acc-closed-2");
    const std::string id = NewCase({kept, Raise("acc-closed-3")});
    ASSERT_EQ(Close(lead_, id).status, 200);
    auto conflict = [&](const HttpResponse& res, const char* what) {
        EXPECT_EQ(res.status, 409) << what << ": " << res.body;
        EXPECT_EQ(res.Code(), "conflict") << what;
    };
    conflict(On(admin_, "PATCH", id, "", {{"priority", "low"}}), "patch");
    conflict(On(admin_, "POST", id, "/comments", {{"body", "late"}}), "comment");
    conflict(On(admin_, "POST", id, "/alerts", {{"alert_ids", json::array{json::value(spare)}}}), "add alert");
    conflict(On(admin_, "DELETE", id, "/alerts/" + kept), "remove alert");
    conflict(Upload(admin_, id, "late.txt", "text/plain", "late"), "evidence");
    conflict(Close(admin_, id), "close twice");
    conflict(On(lead_, "GET", id, "/report"), "a report of a case closed without a SAR");
    EXPECT_EQ(TimelineActions(View(id)).back(), "closed");

    // Reopening: RISK_LEAD or ADMIN, with a note; the resolution goes, the timeline keeps it.
    EXPECT_EQ(On(analyst_, "POST", id, "/reopen", {{"note", "new facts"}}).status, 403);
    auto reopened = On(lead_, "POST", id, "/reopen", {{"note", "The customer sent new statements."}});
    ASSERT_EQ(reopened.status, 200) << reopened.body;
    EXPECT_EQ(StringAt(reopened.Json(), "status"), "open");
    EXPECT_TRUE(reopened.Json().at("resolution").is_null());
    EXPECT_TRUE(reopened.Json().at("closed_at").is_null());
    conflict(On(lead_, "POST", id, "/reopen", {{"note", "again"}}), "reopen an open case");
    const auto reopened_json = reopened.Json();
    const auto& last = reopened_json.at("timeline").as_array().back();
    EXPECT_EQ(StringAt(last, "action"), "reopened");
    EXPECT_EQ(StringAt(last.at("details"), "resolution"), "no_action");
    EXPECT_EQ(StringAt(last.at("details"), "note"), "The customer sent new statements.");
    EXPECT_TRUE(Audited("case.reopened", id));
    // Open again: it can be worked, and closed from any open status.
    EXPECT_EQ(On(analyst_, "POST", id, "/comments", {{"body", "back on it"}}).status, 201);
    EXPECT_EQ(On(analyst_, "PATCH", id, "", {{"status", "pending_info"}}).status, 200);
    EXPECT_EQ(Close(admin_, id, "customer_exited", "relationship ended").status, 200);
}

TEST_F(CasesTest, AnAnalystAssignsOnlyThemselvesAndCannotClose) {
    const std::string alert = Raise("acc-assign-1");
    auto for_lead =
        Create(analyst_, {{"title", "t"}, {"alert_ids", json::array{json::value(alert)}}, {"assignee_id", lead_id_}});
    EXPECT_EQ(for_lead.status, 403) << for_lead.body;
    EXPECT_EQ(for_lead.Code(), "forbidden");
    EXPECT_EQ(Create(viewer_, {{"title", "t"}, {"alert_ids", json::array{json::value(alert)}}}).status, 403);
    auto mine = Create(analyst_,
                       {{"title", "t"}, {"alert_ids", json::array{json::value(alert)}}, {"assignee_id", analyst_id_}});
    ASSERT_EQ(mine.status, 201) << mine.body;
    const std::string id = StringAt(mine.Json(), "id");
    EXPECT_EQ(On(analyst_, "PATCH", id, "", {{"assignee_id", lead_id_}}).status, 403);
    auto given_back = On(analyst_, "PATCH", id, "", {{"assignee_id", nullptr}});
    ASSERT_EQ(given_back.status, 200) << given_back.body;
    EXPECT_TRUE(given_back.Json().at("assignee_id").is_null());
    auto assigned = On(lead_, "PATCH", id, "", {{"assignee_id", analyst_id_}});
    ASSERT_EQ(assigned.status, 200) << assigned.body;
    EXPECT_EQ(StringAt(assigned.Json(), "assignee_id"), analyst_id_);
    // Taking over someone else's case is for RISK_LEAD and ADMIN.
    auto taken = On(lead_, "PATCH", id, "", {{"assignee_id", lead_id_}});
    ASSERT_EQ(taken.status, 200) << taken.body;
    EXPECT_EQ(On(analyst_, "PATCH", id, "", {{"assignee_id", analyst_id_}}).status, 403);
    EXPECT_EQ(ProblemFields(On(lead_, "PATCH", id, "", {{"assignee_id", server_->other_admin_id}})),
              (std::set<std::string>{"assignee_id"}));
    EXPECT_EQ(On(viewer_, "POST", id, "/comments", {{"body", "hi"}}).status, 403);
    EXPECT_EQ(Close(analyst_, id).status, 403);
    EXPECT_EQ(Close(viewer_, id).status, 403);
    auto timeline = View(id).at("timeline").as_array();
    int assignments = 0;
    for (const auto& event : timeline) assignments += StringAt(event, "action") == "assigned";
    EXPECT_EQ(assignments, 4);  // created for herself, given back, assigned by the lead, taken over
}

TEST_F(CasesTest, AlertsJoinOneCaseOfOneEnvironment) {
    const std::string a = Raise("acc-link-1");
    const std::string b = Raise("acc-link-2");
    const std::string sandbox = Raise("acc-link-3", sandbox_);
    const std::string id = NewCase({a});
    auto twice = Create(admin_, {{"title", "t"}, {"alert_ids", json::array{json::value(a)}}});
    EXPECT_EQ(twice.status, 409) << twice.body;
    EXPECT_EQ(twice.Code(), "conflict");
    EXPECT_EQ(
        ProblemFields(Create(admin_, {{"title", "t"}, {"alert_ids", json::array{json::value(b), json::value(sandbox)}}})),
        (std::set<std::string>{"alert_ids"}));
    EXPECT_EQ(ProblemFields(On(analyst_, "POST", id, "/alerts", {{"alert_ids", json::array{json::value(sandbox)}}})),
              (std::set<std::string>{"alert_ids"}));
    // A closed alert joins without changing its status; an open one is escalated.
    ASSERT_EQ(server_
                  ->As(admin_, "PATCH", "/api/v1/alerts/" + b,
                       R"({"status": "closed", "disposition": "true_positive", "note": "real"})")
                  .status,
              200);
    auto added = On(analyst_, "POST", id, "/alerts", {{"alert_ids", json::array{json::value(b)}}});
    ASSERT_EQ(added.status, 200) << added.body;
    EXPECT_EQ(added.Json().at("alert_count"), 2);
    auto alert_b = server_->As(admin_, "GET", "/api/v1/alerts/" + b).Json();
    EXPECT_EQ(StringAt(alert_b, "status"), "closed");
    EXPECT_EQ(StringAt(alert_b, "case_id"), id);
    // A sandbox case holds sandbox alerts.
    auto sandbox_case = Create(analyst_, {{"title", "sandbox"}, {"alert_ids", json::array{json::value(sandbox)}}});
    ASSERT_EQ(sandbox_case.status, 201) << sandbox_case.body;
    EXPECT_EQ(StringAt(sandbox_case.Json(), "environment"), "sandbox");

    // Removing: the alert keeps its status and loses its case; the last alert stays.
    auto removed = On(analyst_, "DELETE", id, "/alerts/" + a);
    ASSERT_EQ(removed.status, 200) << removed.body;
    EXPECT_EQ(removed.Json().at("alert_count"), 1);
    auto alert_a = server_->As(admin_, "GET", "/api/v1/alerts/" + a).Json();
    EXPECT_EQ(StringAt(alert_a, "status"), "escalated");
    EXPECT_TRUE(alert_a.at("case_id").is_null());
    EXPECT_EQ(StringAt(alert_a.at("events").as_array().back(), "action"), "alert.case_unlinked");
    EXPECT_EQ(On(analyst_, "DELETE", id, "/alerts/" + a).status, 404);
    auto last = On(analyst_, "DELETE", id, "/alerts/" + b);
    EXPECT_EQ(last.status, 409) << last.body;
    EXPECT_EQ(TimelineActions(View(id)),
              (std::vector<std::string>{"created", "alert_added", "alert_added", "alert_removed"}));
    EXPECT_TRUE(Audited("case.alert_removed", id));
    // The unlinked alert can start another case.
    EXPECT_EQ(Create(analyst_, {{"title", "again"}, {"alert_ids", json::array{json::value(a)}}}).status, 201);
}

TEST_F(CasesTest, EvidenceIsCheckedStoredDurablyAndServedToTheOrganizationOnly) {
    const std::string id = NewCase({Raise("acc-evidence-1")});
    std::string png("\x89PNG\r\n\x1a\n", 8);
    for (int byte = 0; byte < 4096; ++byte) png += static_cast<char>((byte * 7919) % 256);  // NULs, 0xFF, CR LF
    auto uploaded = Upload(analyst_, id, "..%2F..%2Fscans%2Fstatement%20p1.png", "image/png", png);
    ASSERT_EQ(uploaded.status, 201) << uploaded.body;
    auto evidence = uploaded.Json();
    const std::string evidence_id = StringAt(evidence, "id");
    EXPECT_EQ(StringAt(evidence, "filename"), "statement p1.png") << "path parts dropped";
    EXPECT_EQ(StringAt(evidence, "content_type"), "image/png");
    EXPECT_EQ(evidence.at("size"), static_cast<std::int64_t>(png.size()));
    EXPECT_EQ(StringAt(evidence, "sha256").size(), 64u);
    // Stored in the data directory, byte for byte.
    EXPECT_EQ(ReadFile(server_->data_dir() + "/evidence/" + server_->acme_org_id + "/" + evidence_id), png);

    auto downloaded = On(viewer_, "GET", id, "/evidence/" + evidence_id);
    ASSERT_EQ(downloaded.status, 200) << downloaded.body.substr(0, 200);
    EXPECT_EQ(downloaded.body, png);
    EXPECT_EQ(downloaded.Header("Content-Type").value_or(""), "image/png");
    EXPECT_EQ(downloaded.Header("X-Content-Type-Options").value_or(""), "nosniff");
    EXPECT_EQ(downloaded.Header("Content-Disposition").value_or(""),
              "attachment; filename=\"statement_p1.png\"; filename*=UTF-8''statement%20p1.png");

    auto text = Upload(analyst_, id, "notes.txt", "text/plain; charset=utf-8", "Kontoauszug f\xC3\xBCr M\xC3\xA4rz\n");
    ASSERT_EQ(text.status, 201) << text.body;
    auto text_back = On(analyst_, "GET", id, "/evidence/" + StringAt(text.Json(), "id"));
    EXPECT_EQ(text_back.Header("Content-Type").value_or(""), "text/plain; charset=utf-8");
    EXPECT_EQ(text_back.body, "Kontoauszug f\xC3\xBCr M\xC3\xA4rz\n");

    // Refusals: the type, the size, the first bytes, the name.
    auto exe = Upload(analyst_, id, "tool.exe", "application/x-msdownload", "MZ\x90");
    EXPECT_EQ(exe.status, 415) << exe.body;
    EXPECT_EQ(exe.Code(), "unsupported_media_type");
    auto html = Upload(analyst_, id, "page.html", "text/html", "<script>alert(1)</script>");
    EXPECT_EQ(html.status, 415) << html.body;
    auto huge = Upload(analyst_, id, "huge.pdf", "application/pdf", "%PDF-" + std::string(10 * 1024 * 1024, 'x'));
    EXPECT_EQ(huge.status, 413) << huge.body.substr(0, 200);
    EXPECT_EQ(huge.Code(), "payload_too_large");
    EXPECT_EQ(ProblemFields(Upload(analyst_, id, "fake.pdf", "application/pdf", "<html>not a pdf</html>")),
              (std::set<std::string>{"body"}));
    EXPECT_EQ(ProblemFields(Upload(analyst_, id, "fake.png", "image/png", "GIF89a....")),
              (std::set<std::string>{"body"}));
    EXPECT_EQ(ProblemFields(Upload(analyst_, id, "binary.txt", "text/plain", std::string("a\0b", 3))),
              (std::set<std::string>{"body"}));
    EXPECT_EQ(ProblemFields(Upload(analyst_, id, "empty.txt", "text/plain", "")), (std::set<std::string>{"body"}));
    EXPECT_EQ(ProblemFields(Upload(analyst_, id, "photo.exe", "image/png", png)), (std::set<std::string>{"filename"}));
    EXPECT_EQ(ProblemFields(Upload(analyst_, id, "", "image/png", png)), (std::set<std::string>{"filename"}));
    EXPECT_EQ(ProblemFields(Upload(analyst_, id, ".hidden.png", "image/png", png)), (std::set<std::string>{"filename"}));
    EXPECT_EQ(ProblemFields(Upload(analyst_, id, "a%0Ab.png", "image/png", png)), (std::set<std::string>{"filename"}));
    EXPECT_EQ(ProblemFields(Upload(analyst_, id, std::string(201, 'n') + ".png", "image/png", png)),
              (std::set<std::string>{"filename"}));
    EXPECT_EQ(Upload(viewer_, id, "v.png", "image/png", png).status, 403);

    // Another organization: neither its reads nor its uploads reach the case.
    auto other = server_->MustLogin(server_->other_admin_email);
    auto stolen = On(other, "GET", id, "/evidence/" + evidence_id);
    EXPECT_EQ(stolen.status, 404) << stolen.body;
    EXPECT_EQ(stolen.body.find("PNG"), std::string::npos);
    EXPECT_EQ(Upload(other, id, "x.png", "image/png", png).status, 404);
    // An evidence id under another of our cases is not found either.
    const std::string elsewhere = NewCase({Raise("acc-evidence-2")});
    EXPECT_EQ(On(admin_, "GET", elsewhere, "/evidence/" + evidence_id).status, 404);

    // On the timeline and in the audit log; the view lists both files.
    auto view = View(id);
    EXPECT_EQ(view.at("evidence").as_array().size(), 2u);
    EXPECT_EQ(view.at("evidence_limits").at("max_bytes"), 10 * 1024 * 1024);
    auto actions = TimelineActions(view);
    EXPECT_EQ(std::count(actions.begin(), actions.end(), "evidence_added"), 2);
    EXPECT_TRUE(Audited("case.evidence_added", id));
}

TEST_F(CasesTest, AnotherOrganizationsCasesAreNotFoundOnEveryCaseRoute) {
    const std::string alert = Raise("acc-tenant-1");
    const std::string id = NewCase({alert, Raise("acc-tenant-2")});
    auto evidence = Upload(admin_, id, "n.txt", "text/plain", "ours");
    ASSERT_EQ(evidence.status, 201) << evidence.body;
    const std::string evidence_id = StringAt(evidence.Json(), "id");
    auto other = server_->MustLogin(server_->other_admin_email);
    const std::vector<std::tuple<std::string, std::string, std::string>> calls = {
        {"GET", "", ""},
        {"PATCH", "", R"({"priority": "low"})"},
        {"POST", "/comments", R"({"body": "theirs"})"},
        {"POST", "/close", R"({"resolution": "no_action", "note": "theirs"})"},
        {"POST", "/reopen", R"({"note": "theirs"})"},
        {"POST", "/alerts", R"({"alert_ids": ["alr_x"]})"},
        {"DELETE", "/alerts/" + alert, ""},
        {"GET", "/evidence/" + evidence_id, ""},
        {"GET", "/report", ""},
    };
    for (const auto& [method, rest, body] : calls) {
        auto res = server_->As(other, method, std::string(kCases) + "/" + id + rest, body);
        EXPECT_EQ(res.status, 404) << method << " " << rest << ": " << res.body;
        EXPECT_EQ(res.Code(), "not_found") << method << " " << rest;
    }
    // Their list does not show it; our alert is not theirs to open a case with (422, not linked).
    auto theirs = server_->As(other, "GET", std::string(kCases) + "?limit=500");
    ASSERT_EQ(theirs.status, 200) << theirs.body;
    EXPECT_EQ(theirs.body.find(id), std::string::npos);
    const std::string spare = Raise("acc-tenant-3");
    auto with_ours = Create(other, {{"title", "theirs"}, {"alert_ids", json::array{json::value(spare)}}});
    EXPECT_EQ(ProblemFields(with_ours), (std::set<std::string>{"alert_ids[0]"}));
    EXPECT_EQ(with_ours.body.find("acc-tenant"), std::string::npos);
    auto spare_alert = server_->As(admin_, "GET", "/api/v1/alerts/" + spare).Json();
    EXPECT_TRUE(spare_alert.at("case_id").is_null());
    // Nothing changed on our case.
    EXPECT_EQ(TimelineActions(View(id)),
              (std::vector<std::string>{"created", "alert_added", "alert_added", "evidence_added"}));
}

TEST_F(CasesTest, TheReportEscapesEveryValue) {
    const std::string alert = Raise("acc-<b>bold</b>", nullptr,
                                    {{"counterparty", json::object{{"name", "<script>alert(1)</script>"},
                                                                   {"account", "\"><img src=x onerror=alert(3)>"},
                                                                   {"country", "DE"}}}});
    ASSERT_FALSE(alert.empty());
    const std::string id = NewCase({alert}, "Title </title><script>alert(4)</script>");
    ASSERT_EQ(
        On(analyst_, "POST", id, "/comments", {{"body", "<img src=x onerror=alert(2)> & 'quoted' \"too\""}}).status,
        201);
    ASSERT_EQ(Close(admin_, id, "sar_filed", "<iframe src=javascript:alert(5)>").status, 200);
    auto report = On(admin_, "GET", id, "/report");
    ASSERT_EQ(report.status, 200) << report.body;
    std::string lower = report.body;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const char* forbidden : {"<script", "<img", "<iframe", "<b>bold", "\"><"})
        EXPECT_EQ(lower.find(forbidden), std::string::npos) << forbidden << " in the report";
    for (const char* escaped :
         {"&lt;script&gt;alert(1)&lt;/script&gt;",
          "&lt;img src=x onerror=alert(2)&gt; &amp; "
          "&#39;quoted&#39; &quot;too&quot;",
          "&quot;&gt;&lt;img src=x onerror=alert(3)&gt;", "&lt;iframe src=javascript:alert(5)&gt;",
          "acc-&lt;b&gt;bold&lt;/b&gt;", "Title &lt;/title&gt;&lt;script&gt;alert(4)"})
        EXPECT_NE(report.body.find(escaped), std::string::npos) << "the report lacks " << escaped;
}

TEST_F(CasesTest, AssigningAndEscalatingACaseNotifies) {
    // The lead asks for case.escalated mails; the analyst gets case.assigned by default.
    auto settings = server_->As(lead_, "PUT", "/api/v1/notifications/settings",
                                R"({"email": true, "events": ["case.assigned", "case.escalated"]})");
    ASSERT_EQ(settings.status, 200) << settings.body;
    const std::string id = NewCase({Raise("acc-notify-1")});
    auto mails_to = [&](const std::string& address, const std::string& subject) {
        int found = 0;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(server_->data_dir() + "/mail", ec)) {
            const std::string eml = ReadFile(entry.path().string());
            if (eml.find("To: " + address) != std::string::npos && eml.find(subject) != std::string::npos) ++found;
        }
        return found;
    };
    const std::string analyst_email = server_->role_email.at("ANALYST");
    const std::string lead_email = server_->role_email.at("RISK_LEAD");
    ASSERT_EQ(On(lead_, "PATCH", id, "", {{"assignee_id", analyst_id_}}).status, 200);
    EXPECT_TRUE(PollUntil([&] { return mails_to(analyst_email, "Case " + id + " assigned to you") == 1; }, 10s))
        << "the assignee was not mailed";
    ASSERT_EQ(On(analyst_, "PATCH", id, "", {{"status", "escalated"}}).status, 200);
    EXPECT_TRUE(PollUntil([&] { return mails_to(lead_email, "Case " + id + " escalated") == 1; }, 10s))
        << "the lead who opted in was not mailed";
    // Neither again for a change that is not an assignment or an escalation.
    ASSERT_EQ(On(analyst_, "PATCH", id, "", {{"priority", "critical"}}).status, 200);
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(mails_to(analyst_email, "Case " + id + " assigned to you"), 1);
    EXPECT_EQ(mails_to(lead_email, "Case " + id + " escalated"), 1);
}

}  // namespace
}  // namespace wt::integration
