// SPDX-License-Identifier: Apache-2.0
// /rules and /lists against a real server (API.md "Console reads and work", docs/api.md "Rules and
// lists"): create with every status, replace, versions with diffs, restore, the 422 of a bad
// expression with its line and column, named lists (add, remove, the compile check of rules that
// name them), audit entries, roles that may only read, and another organization's ids.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

constexpr const char* kRules = "/api/v1/rules";
constexpr const char* kLists = "/api/v1/lists";

json::object RuleBody(const std::string& name, const std::string& expression, const std::string& status = "active") {
    return {{"name", name},       {"expression", expression}, {"severity", "high"},
            {"action", "review"}, {"score", 30},              {"status", status}};
}

std::string Id(const HttpResponse& res) {
    auto body = res.Json();
    if (!body.is_object() || !body.as_object().contains("id")) return "";
    return std::string(body.at("id").as_string());
}

// field -> the error object of a 422.
std::map<std::string, json::object> Errors(const HttpResponse& res) {
    std::map<std::string, json::object> out;
    EXPECT_EQ(res.status, 422) << res.body;
    EXPECT_EQ(res.Code(), "validation_failed");
    auto body = res.Json();
    if (!body.is_object() || !body.as_object().contains("errors")) return out;
    for (const auto& error : body.at("errors").as_array())
        out[std::string(error.at("field").as_string())] = error.as_object();
    return out;
}

class RulesTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto server = std::make_unique<Server>();
        server->Start();
        server_ = server.release();
    }
    static void TearDownTestSuite() {
        if (!server_) return;
        EXPECT_EQ(server_->Stop(), 0);
        auto leaked = server_->LeakedSecrets();
        EXPECT_TRUE(leaked.empty()) << "secret in the logs: " << leaked.front();
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override {
        ASSERT_NE(server_, nullptr) << "the suite's server did not start";
        lead_ = server_->MustLogin(server_->role_email.at("RISK_LEAD"));
    }

    HttpResponse Post(const std::string& target, const json::value& body, const Session* as = nullptr) {
        return server_->As(as ? *as : lead_, "POST", target, json::serialize(body));
    }
    HttpResponse Put(const std::string& target, const json::value& body) {
        return server_->As(lead_, "PUT", target, json::serialize(body));
    }
    HttpResponse Get(const std::string& target, const Session* as = nullptr) {
        return server_->As(as ? *as : lead_, "GET", target);
    }
    std::string CreateRule(const json::object& body) {
        auto res = Post(kRules, body);
        EXPECT_EQ(res.status, 201) << res.body;
        return Id(res);
    }
    std::string CreateList(const std::string& name, const Session* as = nullptr) {
        auto res = Post(kLists, json::object{{"name", name}}, as);
        EXPECT_EQ(res.status, 201) << res.body;
        return Id(res);
    }
    std::vector<json::object> Audit(const std::string& action) {
        auto res = Get("/api/v1/orgs/audit-logs?limit=500&action=" + action);
        EXPECT_EQ(res.status, 200) << res.body;
        std::vector<json::object> entries;
        auto body = res.Json();
        for (const auto& entry : body.at("data").as_array()) entries.push_back(entry.as_object());
        return entries;
    }

    static Server* server_;
    Session lead_;
};
Server* RulesTest::server_ = nullptr;

TEST_F(RulesTest, CreateWithEveryStatusReadListAndReplace) {
    std::map<std::string, std::string> ids;
    for (const char* status : {"draft", "shadow", "active", "disabled"}) {
        auto body = RuleBody(std::string("crud ") + status, "amount > 1000 and currency == \"USD\"", status);
        body["description"] = "created as " + std::string(status);
        body["suppression_seconds"] = 3600;
        auto res = Post(kRules, body);
        ASSERT_EQ(res.status, 201) << status << ": " << res.body;
        auto rule = res.Json().as_object();
        EXPECT_EQ(rule.at("status"), status);
        EXPECT_EQ(rule.at("version"), 1);
        EXPECT_EQ(rule.at("severity"), "high");
        EXPECT_EQ(rule.at("action"), "review");
        EXPECT_EQ(rule.at("score"), 30);
        EXPECT_EQ(rule.at("suppression_seconds"), 3600);
        EXPECT_EQ(rule.at("created_by"), json::value(server_->role_user_id.at("RISK_LEAD")));
        for (const char* member : {"id", "name", "description", "expression", "created_at", "updated_at", "updated_by"})
            EXPECT_TRUE(rule.contains(member)) << member;
        ids[status] = std::string(rule.at("id").as_string());
    }

    auto listed = Get(std::string(kRules) + "?limit=500");
    ASSERT_EQ(listed.status, 200) << listed.body;
    auto data = listed.Json().at("data").as_array();
    std::vector<std::string> order;
    for (const auto& rule : data) {
        std::string name(rule.at("name").as_string());
        if (name.rfind("crud ", 0) == 0) order.push_back(name);
        EXPECT_TRUE(rule.as_object().contains("hits_24h"));
        EXPECT_TRUE(rule.as_object().contains("hits_total"));
    }
    EXPECT_EQ(order, (std::vector<std::string>{"crud disabled", "crud active", "crud shadow", "crud draft"}))
        << "newest first";
    auto shadow = Get(std::string(kRules) + "?status=shadow&limit=500");
    ASSERT_EQ(shadow.status, 200);
    auto shadow_json = shadow.Json();
    for (const auto& rule : shadow_json.at("data").as_array()) EXPECT_EQ(rule.at("status"), "shadow");
    EXPECT_EQ(Get(std::string(kRules) + "?status=on").status, 422);
    EXPECT_EQ(Get(std::string(kRules) + "?environment=staging").status, 422);
    auto paged = Get(std::string(kRules) + "?limit=1");
    ASSERT_EQ(paged.status, 200);
    EXPECT_EQ(paged.Json().at("data").as_array().size(), 1u);
    EXPECT_TRUE(paged.Json().at("next_cursor").is_string());

    auto one = Get(std::string(kRules) + "/" + ids["draft"]);
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(one.Json().at("hits_total"), 0);
    EXPECT_EQ(Get(std::string(kRules) + "/rul_nope").status, 404);

    // PUT replaces every field: the absent description and suppression return to none.
    auto replaced = Put(std::string(kRules) + "/" + ids["draft"], RuleBody("crud draft", "amount > 2000", "shadow"));
    ASSERT_EQ(replaced.status, 200) << replaced.body;
    auto rule = replaced.Json().as_object();
    EXPECT_EQ(rule.at("version"), 2);
    EXPECT_EQ(rule.at("status"), "shadow");
    EXPECT_EQ(rule.at("expression"), "amount > 2000");
    EXPECT_TRUE(rule.at("description").is_null());
    EXPECT_TRUE(rule.at("suppression_seconds").is_null());
    // The same body again changes nothing; a stale version is refused.
    auto same = Put(std::string(kRules) + "/" + ids["draft"], RuleBody("crud draft", "amount > 2000", "shadow"));
    ASSERT_EQ(same.status, 200);
    EXPECT_EQ(same.Json().at("version"), 2);
    auto stale_body = RuleBody("crud draft", "amount > 3000", "shadow");
    stale_body["version"] = 1;
    auto stale = Put(std::string(kRules) + "/" + ids["draft"], stale_body);
    EXPECT_EQ(stale.status, 409) << stale.body;
    EXPECT_EQ(stale.Code(), "conflict");

    auto duplicate = Post(kRules, RuleBody("crud active", "amount > 1"));
    EXPECT_EQ(duplicate.status, 409) << duplicate.body;
    EXPECT_EQ(duplicate.Code(), "conflict");
    auto renamed = Put(std::string(kRules) + "/" + ids["draft"], RuleBody("crud active", "amount > 1"));
    EXPECT_EQ(renamed.status, 409) << renamed.body;
    EXPECT_EQ(Put(std::string(kRules) + "/rul_nope", RuleBody("x", "amount > 1")).status, 404);
}

TEST_F(RulesTest, ABadExpressionIsOne422WithLineAndColumn) {
    auto res = Post(kRules, RuleBody("bad expression", "amount > 5 and\n  amont > 7"));
    auto errors = Errors(res);
    ASSERT_EQ(errors.count("expression"), 1u) << res.body;
    EXPECT_EQ(errors["expression"].at("line"), 2);
    EXPECT_EQ(errors["expression"].at("column"), 3);
    EXPECT_NE(std::string(errors["expression"].at("message").as_string()).find("amont"), std::string::npos);

    // Every bad field in the same answer; only the expression has a position.
    auto body = RuleBody("", "amount >", "enabled");
    body["severity"] = "severe";
    body["score"] = 101;
    body["suppression_seconds"] = 10;
    body["colour"] = "red";
    auto many = Errors(Post(kRules, body));
    EXPECT_EQ(many.size(), 7u);
    for (const char* field : {"name", "expression", "severity", "score", "status", "suppression_seconds", "colour"})
        EXPECT_EQ(many.count(field), 1u) << field;
    EXPECT_FALSE(many["name"].contains("line"));
    EXPECT_TRUE(many["expression"].at("line").is_int64());

    auto unknown_list = Errors(Post(kRules, RuleBody("unknown list", "country in list(\"no_such_list\")")));
    ASSERT_EQ(unknown_list.count("expression"), 1u);
    EXPECT_EQ(unknown_list["expression"].at("line"), 1);
    EXPECT_EQ(unknown_list["expression"].at("column"), 17);
    EXPECT_NE(std::string(unknown_list["expression"].at("message").as_string()).find("no_such_list"),
              std::string::npos);

    // Malformed bodies are 400 / 415, never 500.
    EXPECT_EQ(server_->As(lead_, "POST", kRules, "{not json").status, 400);
    EXPECT_EQ(server_->As(lead_, "POST", kRules, "[]").status, 422);
    EXPECT_EQ(server_->As(lead_, "POST", kRules, "{}", {{"Content-Type", "text/plain"}}).status, 415);
}

TEST_F(RulesTest, VersionsDiffAndRestore) {
    auto v1 = RuleBody("versioned", "type == \"cash\"\nand amount > 9000");
    v1["description"] = "first";
    std::string id = CreateRule(v1);
    ASSERT_FALSE(id.empty());
    auto v2 = RuleBody("versioned", "type == \"cash\"\nand amount > 9500", "shadow");
    ASSERT_EQ(Put(std::string(kRules) + "/" + id, v2).status, 200);

    auto versions = Get(std::string(kRules) + "/" + id + "/versions");
    ASSERT_EQ(versions.status, 200) << versions.body;
    auto data = versions.Json().at("data").as_array();
    ASSERT_EQ(data.size(), 2u);
    EXPECT_EQ(data[0].at("version"), 2);
    EXPECT_EQ(data[0].at("change"), "updated");
    EXPECT_EQ(data[0].at("author_id"), json::value(server_->role_user_id.at("RISK_LEAD")));
    std::set<std::string> changed;
    for (const auto& change : data[0].at("diff").as_array()) changed.emplace(change.at("field").as_string());
    EXPECT_EQ(changed, (std::set<std::string>{"description", "expression", "status"}));
    EXPECT_EQ(data[0].at("expression_diff"),
              (json::array{json::object{{"op", " "}, {"line", "type == \"cash\""}},
                           json::object{{"op", "-"}, {"line", "and amount > 9000"}},
                           json::object{{"op", "+"}, {"line", "and amount > 9500"}}}));
    EXPECT_EQ(data[1].at("change"), "created");

    auto restored = server_->As(lead_, "POST", std::string(kRules) + "/" + id + "/versions/1/restore");
    ASSERT_EQ(restored.status, 200) << restored.body;
    EXPECT_EQ(restored.Json().at("version"), 3);
    EXPECT_EQ(restored.Json().at("expression"), "type == \"cash\"\nand amount > 9000");
    EXPECT_EQ(restored.Json().at("description"), "first");
    EXPECT_EQ(restored.Json().at("status"), "active");
    auto after = Get(std::string(kRules) + "/" + id + "/versions?limit=2");
    ASSERT_EQ(after.status, 200);
    auto page = after.Json();
    ASSERT_EQ(page.at("data").as_array().size(), 2u);
    EXPECT_EQ(page.at("data").as_array()[0].at("change"), "restored from version 1");
    ASSERT_TRUE(page.at("next_cursor").is_string());
    auto rest = Get(std::string(kRules) + "/" + id + "/versions?limit=2&cursor=" +
                    std::string(page.at("next_cursor").as_string()));
    ASSERT_EQ(rest.status, 200);
    ASSERT_EQ(rest.Json().at("data").as_array().size(), 1u);
    EXPECT_EQ(rest.Json().at("data").as_array()[0].at("version"), 1) << "the history is kept";

    for (const char* version : {"99", "0", "abc", "-1"})
        EXPECT_EQ(server_->As(lead_, "POST", std::string(kRules) + "/" + id + "/versions/" + version + "/restore").status,
                  404)
            << version;

    std::map<std::string, int> actions;
    for (const auto& entry : Audit("rule.")) {
        if (entry.at("target") != json::value("rule:" + id)) continue;
        ++actions[std::string(entry.at("action").as_string())];
        EXPECT_EQ(entry.at("actor").at("id"), json::value(server_->role_user_id.at("RISK_LEAD")));
    }
    EXPECT_EQ(actions, (std::map<std::string, int>{{"rule.created", 1}, {"rule.updated", 1}, {"rule.restored", 1}}));
}

TEST_F(RulesTest, ListsAddRemoveAndTheRulesThatUseThem) {
    // A rule cannot name a list that does not exist yet.
    auto early = Post(kRules, RuleBody("sanctions", "counterparty.country in list(\"sanctioned_countries\")"));
    EXPECT_EQ(Errors(early).count("expression"), 1u);

    std::string list_id = CreateList("sanctioned_countries");
    ASSERT_FALSE(list_id.empty());
    EXPECT_EQ(Post(kLists, json::object{{"name", "sanctioned_countries"}}).status, 409);
    auto bad_name = Errors(Post(kLists, json::object{{"name", "Sanctioned Countries"}, {"extra", 1}}));
    EXPECT_EQ(bad_name.size(), 2u);
    EXPECT_EQ(bad_name.count("name"), 1u);

    std::string rule_id = CreateRule(RuleBody("sanctions", "counterparty.country in list(\"sanctioned_countries\")"));
    ASSERT_FALSE(rule_id.empty());

    const std::string items = std::string(kLists) + "/" + list_id + "/items";
    auto added = Post(items, json::object{{"values", json::array{"IR", " KP ", "IR", "a b%c"}}});
    ASSERT_EQ(added.status, 200) << added.body;
    EXPECT_EQ(added.Json(), (json::value(json::object{{"added", 3}, {"item_count", 3}})));
    auto again = Post(items, json::object{{"values", json::array{"KP", "SY"}}});
    ASSERT_EQ(again.status, 200);
    EXPECT_EQ(again.Json().at("added"), 1);
    EXPECT_EQ(again.Json().at("item_count"), 4);
    auto bad_values = Errors(Post(items, json::object{{"values", json::array{"ok", "", 5}}}));
    EXPECT_EQ(bad_values.size(), 2u);
    EXPECT_EQ(bad_values.count("values[1]"), 1u);
    EXPECT_EQ(bad_values.count("values[2]"), 1u);
    EXPECT_EQ(Errors(Post(items, json::object{{"values", json::array{}}})).count("values"), 1u);

    auto detail = Get(std::string(kLists) + "/" + list_id);
    ASSERT_EQ(detail.status, 200) << detail.body;
    auto list = detail.Json();
    EXPECT_EQ(list.at("name"), "sanctioned_countries");
    EXPECT_EQ(list.at("item_count"), 4);
    std::vector<std::string> values;
    for (const auto& item : list.at("items").as_array()) values.emplace_back(item.at("value").as_string());
    EXPECT_EQ(values, (std::vector<std::string>{"IR", "KP", "SY", "a b%c"})) << "value order";
    ASSERT_EQ(list.at("used_by").as_array().size(), 1u);
    EXPECT_EQ(list.at("used_by").as_array()[0].at("id"), json::value(rule_id));
    auto first_page = Get(std::string(kLists) + "/" + list_id + "?limit=3");
    ASSERT_EQ(first_page.status, 200);
    ASSERT_TRUE(first_page.Json().at("next_cursor").is_string());
    auto second_page = Get(std::string(kLists) + "/" + list_id + "?limit=3&cursor=" +
                           std::string(first_page.Json().at("next_cursor").as_string()));
    ASSERT_EQ(second_page.status, 200) << second_page.body;
    ASSERT_EQ(second_page.Json().at("items").as_array().size(), 1u);
    EXPECT_EQ(second_page.Json().at("items").as_array()[0].at("value"), "a b%c");

    // The path value is percent-decoded: "a b%c" travels as a%20b%25c.
    EXPECT_EQ(server_->As(lead_, "DELETE", items + "/a%20b%25c").status, 204);
    EXPECT_EQ(server_->As(lead_, "DELETE", items + "/a%20b%25c").status, 404);
    EXPECT_EQ(server_->As(lead_, "DELETE", items + "/KP").status, 204);
    auto lists = Get(std::string(kLists) + "?limit=500");
    ASSERT_EQ(lists.status, 200);
    bool seen = false;
    auto lists_json = lists.Json();
    for (const auto& entry : lists_json.at("data").as_array())
        if (entry.at("id") == json::value(list_id)) {
            seen = true;
            EXPECT_EQ(entry.at("item_count"), 2);
        }
    EXPECT_TRUE(seen);

    std::map<std::string, int> actions;
    for (const auto& entry : Audit("list."))
        if (entry.at("target") == json::value("list:" + list_id)) ++actions[std::string(entry.at("action").as_string())];
    EXPECT_EQ(actions,
              (std::map<std::string, int>{{"list.created", 1}, {"list.items_added", 2}, {"list.item_removed", 2}}));
}

TEST_F(RulesTest, AFullBatchOfValuesFitsAndAValueWithASlashIsRemovedByQuery) {
    auto list = Post(kLists, json::object{{"name", "bulk_values"}});
    ASSERT_EQ(list.status, 201) << list.body;
    const std::string items = std::string(kLists) + "/" + std::string(list.Json().at("id").as_string()) + "/items";
    // 10,000 values of 40 characters (~450 KB): far beyond the console's usual 64 KiB body limit.
    json::array values;
    for (int idx = 0; idx < 10000; ++idx) {
        std::string value = "counterparty-" + std::to_string(idx);
        value.resize(40, 'x');
        values.emplace_back(value);
    }
    values[0] = "a/b";
    auto added = Post(items, json::object{{"values", values}});
    ASSERT_EQ(added.status, 200) << added.body.substr(0, 300);
    EXPECT_EQ(added.Json().at("added"), 10000);
    // Over the route's own limit (4 MiB): 413 before the body is read.
    std::string huge = R"({"values": [")" + std::string(5 * 1024 * 1024, 'v') + R"("]})";
    EXPECT_EQ(server_->As(lead_, "POST", items, huge).status, 413);
    // "a/b" cannot travel as a path segment; ?value= removes it.
    EXPECT_EQ(server_->As(lead_, "DELETE", items + "?value=a%2Fb").status, 204);
    EXPECT_EQ(server_->As(lead_, "DELETE", items + "?value=a%2Fb").status, 404);
    auto missing = server_->As(lead_, "DELETE", items);
    EXPECT_EQ(missing.status, 422) << missing.body;
    EXPECT_EQ(missing.Code(), "validation_failed");
}

TEST_F(RulesTest, ViewerAndAnalystMayReadButNotChange) {
    std::string rule_id = CreateRule(RuleBody("read only", "amount > 1"));
    std::string list_id = CreateList("read_only_list");
    ASSERT_TRUE(Post(std::string(kLists) + "/" + list_id + "/items", json::object{{"values", json::array{"x"}}})
                    .status == 200);
    for (const char* role : {"VIEWER", "ANALYST"}) {
        SCOPED_TRACE(role);
        Session session = server_->MustLogin(server_->role_email.at(role));
        EXPECT_EQ(Get(kRules, &session).status, 200);
        EXPECT_EQ(Get(std::string(kRules) + "/" + rule_id, &session).status, 200);
        EXPECT_EQ(Get(std::string(kRules) + "/" + rule_id + "/versions", &session).status, 200);
        EXPECT_EQ(Get(kLists, &session).status, 200);
        EXPECT_EQ(Get(std::string(kLists) + "/" + list_id, &session).status, 200);
        std::vector<HttpResponse> refused = {
            Post(kRules, RuleBody(std::string("by ") + role, "amount > 1"), &session),
            server_->As(session, "PUT", std::string(kRules) + "/" + rule_id,
                        json::serialize(RuleBody("read only", "amount > 2"))),
            server_->As(session, "POST", std::string(kRules) + "/" + rule_id + "/versions/1/restore"),
            Post(kLists, json::object{{"name", "by_viewer"}}, &session),
            Post(std::string(kLists) + "/" + list_id + "/items", json::object{{"values", json::array{"y"}}}, &session),
            server_->As(session, "DELETE", std::string(kLists) + "/" + list_id + "/items/x")};
        for (const auto& res : refused) {
            EXPECT_EQ(res.status, 403) << res.body;
            EXPECT_EQ(res.Code(), "forbidden");
        }
    }
    auto rule = Get(std::string(kRules) + "/" + rule_id);
    EXPECT_EQ(rule.Json().at("version"), 1) << "nothing changed";
    EXPECT_EQ(Get(std::string(kLists) + "/" + list_id).Json().at("item_count"), 1);
}

TEST_F(RulesTest, AnotherOrganizationsRulesAndListsAreNotFound) {
    Session other = server_->MustLogin(server_->other_admin_email);
    auto theirs = Post(kRules, RuleBody("their rule", "amount > 1"), &other);
    ASSERT_EQ(theirs.status, 201) << theirs.body;
    std::string rule_id = Id(theirs);
    std::string list_id = CreateList("their_list", &other);
    ASSERT_EQ(Post(std::string(kLists) + "/" + list_id + "/items", json::object{{"values", json::array{"v"}}}, &other)
                  .status,
              200);

    std::vector<HttpResponse> answers = {
        Get(std::string(kRules) + "/" + rule_id),
        Put(std::string(kRules) + "/" + rule_id, RuleBody("stolen", "amount > 2")),
        Get(std::string(kRules) + "/" + rule_id + "/versions"),
        server_->As(lead_, "POST", std::string(kRules) + "/" + rule_id + "/versions/1/restore"),
        Get(std::string(kLists) + "/" + list_id),
        Post(std::string(kLists) + "/" + list_id + "/items", json::object{{"values", json::array{"w"}}}),
        Post(std::string(kLists) + "/" + list_id + "/items", json::object{{"values", json::array{""}}}),
        server_->As(lead_, "DELETE", std::string(kLists) + "/" + list_id + "/items/v")};
    for (const auto& res : answers) {
        EXPECT_EQ(res.status, 404) << res.body;
        EXPECT_EQ(res.Code(), "not_found");
    }
    // Acme's lists never include theirs, and a rule of Acme cannot name their list.
    EXPECT_EQ(Get(std::string(kRules) + "?limit=500").body.find(rule_id), std::string::npos);
    EXPECT_EQ(Get(std::string(kLists) + "?limit=500").body.find(list_id), std::string::npos);
    EXPECT_EQ(Errors(Post(kRules, RuleBody("uses theirs", "country in list(\"their_list\")"))).count("expression"), 1u);
    // Untouched.
    auto still = Get(std::string(kRules) + "/" + rule_id, &other);
    ASSERT_EQ(still.status, 200);
    EXPECT_EQ(still.Json().at("version"), 1);
    EXPECT_EQ(Get(std::string(kLists) + "/" + list_id, &other).Json().at("item_count"), 1);
}

}  // namespace
}  // namespace wt::integration
