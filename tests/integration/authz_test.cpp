// SPDX-License-Identifier: Apache-2.0
// Authorization: every route the OpenAPI document lists × every role, and tenant isolation.
#include <gtest/gtest.h>

#include <ctime>
#include <memory>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

// kApiKey: the ingestion surface, an organization API key only (a session cookie is 401).
// kAnalystUp: every role but VIEWER (working alerts).
enum class Access { kPublic, kMember, kAnalystUp, kRiskLeadOrAdmin, kAdminOnly, kApiKey };

// The expected access of every served route, written from API.md ("Roles" and the route tables).
// A route the server starts serving must be added here, or the matrix test fails.
const std::map<std::string, Access>& ExpectedAccess() {
    static const std::map<std::string, Access> kTable = {
        {"GET /healthz", Access::kPublic},
        {"GET /readyz", Access::kPublic},
        {"GET /metrics", Access::kPublic},
        {"GET /.well-known/security.txt", Access::kPublic},
        {"GET /api/v1/openapi.json", Access::kPublic},
        {"POST /api/v1/auth/login", Access::kPublic},
        {"POST /api/v1/auth/logout", Access::kMember},
        {"GET /api/v1/auth/me", Access::kMember},
        {"POST /api/v1/auth/switch-organization", Access::kMember},
        {"POST /api/v1/auth/reauthenticate", Access::kMember},
        {"POST /api/v1/auth/mfa/setup", Access::kMember},
        {"POST /api/v1/auth/mfa/verify-setup", Access::kMember},
        {"POST /api/v1/auth/mfa/verify", Access::kPublic},
        {"POST /api/v1/auth/mfa/disable", Access::kMember},
        {"POST /api/v1/auth/mfa/backup-codes", Access::kMember},
        {"GET /api/v1/auth/sessions", Access::kMember},
        {"DELETE /api/v1/auth/sessions/{id}", Access::kMember},
        {"POST /api/v1/auth/change-password", Access::kMember},
        {"POST /api/v1/auth/password-reset/request", Access::kPublic},
        {"POST /api/v1/auth/password-reset/verify", Access::kPublic},
        {"POST /api/v1/auth/password-reset/complete", Access::kPublic},
        {"POST /api/v1/auth/invitations/verify", Access::kPublic},
        {"POST /api/v1/auth/invitations/accept", Access::kPublic},
        {"GET /api/v1/orgs/current", Access::kMember},
        {"PATCH /api/v1/orgs/current", Access::kAdminOnly},
        {"GET /api/v1/orgs/members", Access::kMember},
        {"PATCH /api/v1/orgs/members/{user_id}", Access::kAdminOnly},
        {"DELETE /api/v1/orgs/members/{user_id}", Access::kAdminOnly},
        {"POST /api/v1/orgs/members/{user_id}/sessions/revoke", Access::kAdminOnly},
        {"GET /api/v1/orgs/invitations", Access::kAdminOnly},
        {"POST /api/v1/orgs/invitations", Access::kAdminOnly},
        {"DELETE /api/v1/orgs/invitations/{id}", Access::kAdminOnly},
        {"GET /api/v1/orgs/audit-logs", Access::kRiskLeadOrAdmin},
        {"GET /api/v1/orgs/api-keys", Access::kAdminOnly},
        {"POST /api/v1/orgs/api-keys", Access::kAdminOnly},
        {"POST /api/v1/orgs/api-keys/{id}/rotate", Access::kAdminOnly},
        {"DELETE /api/v1/orgs/api-keys/{id}", Access::kAdminOnly},
        {"GET /api/v1/orgs/allowed-ips", Access::kAdminOnly},
        {"PUT /api/v1/orgs/allowed-ips", Access::kAdminOnly},
        {"POST /api/v1/transactions", Access::kApiKey},
        {"POST /api/v1/transactions/batch", Access::kApiKey},
        {"GET /api/v1/transactions", Access::kMember},
        {"GET /api/v1/transactions/{id}", Access::kMember},
        {"GET /api/v1/rules", Access::kMember},
        {"POST /api/v1/rules", Access::kRiskLeadOrAdmin},
        {"GET /api/v1/rules/{id}", Access::kMember},
        {"PUT /api/v1/rules/{id}", Access::kRiskLeadOrAdmin},
        {"GET /api/v1/rules/{id}/versions", Access::kMember},
        {"POST /api/v1/rules/{id}/versions/{version}/restore", Access::kRiskLeadOrAdmin},
        {"GET /api/v1/lists", Access::kMember},
        {"POST /api/v1/lists", Access::kRiskLeadOrAdmin},
        {"GET /api/v1/lists/{id}", Access::kMember},
        {"POST /api/v1/lists/{id}/items", Access::kRiskLeadOrAdmin},
        {"DELETE /api/v1/lists/{id}/items/{value}", Access::kRiskLeadOrAdmin},
        {"DELETE /api/v1/lists/{id}/items", Access::kRiskLeadOrAdmin},
        {"GET /api/v1/rules/{id}/hits", Access::kMember},
        {"GET /api/v1/alerts", Access::kMember},
        {"GET /api/v1/alerts/{id}", Access::kMember},
        {"PATCH /api/v1/alerts/{id}", Access::kAnalystUp},
        {"POST /api/v1/alerts/bulk", Access::kAnalystUp},
        // Trying an expression on a transaction and replaying history are "run backtests"
        // (RISK_LEAD, ADMIN); checking an expression's syntax stores and reveals nothing (the
        // server's choice: every role that reads rules may check one).
        {"POST /api/v1/rules/test", Access::kRiskLeadOrAdmin},
        {"POST /api/v1/rules/validate", Access::kMember},
        {"POST /api/v1/rules/backtest", Access::kRiskLeadOrAdmin},
        {"GET /api/v1/rules/starter-pack", Access::kMember},
        {"POST /api/v1/rules/starter-pack", Access::kRiskLeadOrAdmin},
        // Issue 7 part 2: cases.
        {"GET /api/v1/cases", Access::kMember},
        {"POST /api/v1/cases", Access::kAnalystUp},
        {"GET /api/v1/cases/{id}", Access::kMember},
        {"PATCH /api/v1/cases/{id}", Access::kAnalystUp},
        {"POST /api/v1/cases/{id}/comments", Access::kAnalystUp},
        {"POST /api/v1/cases/{id}/alerts", Access::kAnalystUp},
        {"DELETE /api/v1/cases/{id}/alerts/{alert_id}", Access::kAnalystUp},
        {"POST /api/v1/cases/{id}/evidence", Access::kAnalystUp},
        {"GET /api/v1/cases/{id}/evidence/{evidence_id}", Access::kMember},
        // Closing with a resolution and reopening; the SAR document is a report export.
        {"POST /api/v1/cases/{id}/close", Access::kRiskLeadOrAdmin},
        {"POST /api/v1/cases/{id}/reopen", Access::kRiskLeadOrAdmin},
        {"GET /api/v1/cases/{id}/report", Access::kRiskLeadOrAdmin},
        // Issue 7 parts 3-4: dashboard and reports.
        {"GET /api/v1/dashboard", Access::kMember},
        {"GET /api/v1/reports/summary", Access::kMember},
        {"GET /api/v1/reports/export", Access::kRiskLeadOrAdmin},
        // Issue 7 part 5: notifications.
        {"GET /api/v1/orgs/notification-channels", Access::kAdminOnly},
        {"POST /api/v1/orgs/notification-channels", Access::kAdminOnly},
        {"GET /api/v1/orgs/notification-channels/{id}", Access::kAdminOnly},
        {"PATCH /api/v1/orgs/notification-channels/{id}", Access::kAdminOnly},
        {"DELETE /api/v1/orgs/notification-channels/{id}", Access::kAdminOnly},
        {"POST /api/v1/orgs/notification-channels/{id}/test", Access::kAdminOnly},
        {"GET /api/v1/orgs/notification-channels/{id}/deliveries", Access::kAdminOnly},
        {"GET /api/v1/notifications/settings", Access::kMember},
        {"PUT /api/v1/notifications/settings", Access::kMember},
    };
    return kTable;
}

bool RoleHas(Access access, const std::string& role) {
    switch (access) {
        case Access::kPublic:
        case Access::kMember: return true;
        case Access::kAnalystUp: return role != "VIEWER";
        case Access::kRiskLeadOrAdmin: return role == "RISK_LEAD" || role == "ADMIN";
        case Access::kAdminOnly: return role == "ADMIN";
        case Access::kApiKey: return false;
    }
    return false;
}

struct Operation {
    std::string method;  // upper case
    std::string path;
    bool recent_auth = false;
    bool has_body = false;
    bool console = false;  // a security requirement of any kind
    bool api_key = false;  // ... and it is the API key (ingestion)
    std::string Key() const { return method + " " + path; }
};

std::vector<Operation> OperationsOf(const json::value& doc) {
    std::vector<Operation> out;
    for (const auto& [path, item] : doc.at("paths").as_object()) {
        for (const auto& [method, op_value] : item.as_object()) {
            const auto& op = op_value.as_object();
            Operation operation;
            for (char c : std::string(method)) operation.method += static_cast<char>(std::toupper(c));
            operation.path = std::string(path);
            if (const auto* recent = op.if_contains("x-recent-authentication"); recent && recent->is_bool())
                operation.recent_auth = recent->as_bool();
            operation.has_body = op.contains("requestBody");
            const auto* security = op.if_contains("security");
            operation.console = security && security->is_array() && !security->as_array().empty();
            operation.api_key = operation.console && security->as_array()[0].is_object() &&
                                security->as_array()[0].as_object().contains("apiKey");
            out.push_back(operation);
        }
    }
    return out;
}

std::string Substitute(std::string path, const std::map<std::string, std::string>& params) {
    for (const auto& [name, value] : params) {
        auto token = "{" + name + "}";
        for (auto pos = path.find(token); pos != std::string::npos; pos = path.find(token))
            path.replace(pos, token.size(), value);
    }
    return path;
}

class AuthzTest : public ::testing::Test {
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
    void SetUp() override { ASSERT_NE(server_, nullptr) << "the suite's server did not start"; }

    std::vector<Operation> FetchOperations() {
        auto res = server_->Get("/api/v1/openapi.json");
        EXPECT_EQ(res.status, 200);
        return OperationsOf(res.Json());
    }
    // The id of the session `session` is using (from GET /auth/sessions).
    std::string CurrentSessionId(const Session& session) {
        auto res = server_->As(session, "GET", "/api/v1/auth/sessions");
        EXPECT_EQ(res.status, 200) << res.body;
        auto res_json = res.Json();
        for (const auto& s : res_json.at("data").as_array())
            if (s.at("current").as_bool()) return std::string(s.at("id").as_string());
        ADD_FAILURE() << "no current session in " << res.body;
        return "";
    }
    static Server* server_;
};
Server* AuthzTest::server_ = nullptr;

TEST_F(AuthzTest, TheAccessTableAndTheOpenApiDocumentListTheSameRoutes) {
    std::set<std::string> served;
    for (const auto& op : FetchOperations()) {
        served.insert(op.Key());
        auto it = ExpectedAccess().find(op.Key());
        EXPECT_NE(it, ExpectedAccess().end())
            << op.Key() << " is served but has no expected access in authz_test.cpp: add it from API.md";
        if (it != ExpectedAccess().end()) {
            EXPECT_EQ(it->second == Access::kPublic, !op.console) << op.Key() << ": public vs console disagree";
            EXPECT_EQ(it->second == Access::kApiKey, op.api_key) << op.Key() << ": API key vs session disagree";
        }
    }
    for (const auto& [key, access] : ExpectedAccess())
        EXPECT_TRUE(served.count(key)) << key << " is in the access table but the OpenAPI document lacks it";
}

TEST_F(AuthzTest, EveryRouteTimesEveryRoleMatchesTheMatrix) {
    auto operations = FetchOperations();
    ASSERT_FALSE(operations.empty());
    const std::vector<std::string> roles = {"VIEWER", "ANALYST", "RISK_LEAD", "ADMIN"};
    // Targets for path parameters, all in Acme: a member that may be changed, removed and revoked.
    std::string target_id = server_->AddUser(server_->acme_org_id, "matrix-target@acme.test", "ANALYST");
    std::string removable_id = server_->AddUser(server_->acme_org_id, "matrix-removable@acme.test", "VIEWER");

    std::map<std::string, Session> main_sessions;
    for (const auto& role : roles) main_sessions[role] = server_->MustLogin(server_->role_email.at(role));
    auto new_key = [&](const std::string& name) {
        auto res = server_->As(main_sessions["ADMIN"], "POST", "/api/v1/orgs/api-keys",
                               json::serialize(json::object{{"name", name}, {"environment", "sandbox"}}));
        EXPECT_EQ(res.status, 201) << res.body;
        if (res.status != 201) return std::string();
        server_->RememberSecret(std::string(res.Json().at("key").as_string()));
        return std::string(res.Json().at("id").as_string());
    };
    // A production key of Acme for the ingestion routes.
    auto ingest_key = server_->As(main_sessions["ADMIN"], "POST", "/api/v1/orgs/api-keys",
                                  json::serialize(json::object{{"name", "matrix-ingest"}, {"environment", "production"}}));
    ASSERT_EQ(ingest_key.status, 201) << ingest_key.body;
    const std::string bearer = "Bearer " + std::string(ingest_key.Json().at("key").as_string());
    server_->RememberSecret(bearer.substr(7));

    auto stored = server_->Call("POST", "/api/v1/transactions",
                                R"({"external_id": "matrix-0", "amount": "1", "currency": "USD", "direction": "inbound", "account_id": "acc-0"})",
                                {{"Authorization", bearer}});
    ASSERT_EQ(stored.status, 201) << stored.body;
    // A rule and a list of Acme for the /rules and /lists routes; the list holds one value per
    // role, so that each permitted role has a value of its own to remove.
    const std::string rule_body =
        R"({"name": "matrix rule", "expression": "amount > 1", "severity": "low", "action": "alert", "status": "draft"})";
    auto rule = server_->As(main_sessions["ADMIN"], "POST", "/api/v1/rules", rule_body);
    ASSERT_EQ(rule.status, 201) << rule.body;
    const std::string rule_id(rule.Json().at("id").as_string());
    auto list = server_->As(main_sessions["ADMIN"], "POST", "/api/v1/lists", R"({"name": "matrix_list"})");
    ASSERT_EQ(list.status, 201) << list.body;
    const std::string list_id(list.Json().at("id").as_string());
    auto items = server_->As(main_sessions["ADMIN"], "POST", "/api/v1/lists/" + list_id + "/items",
                             R"({"values": ["viewer", "analyst", "risk_lead", "admin", "viewer/q", "analyst/q", "risk_lead/q", "admin/q"]})");
    ASSERT_EQ(items.status, 200) << items.body;
    // An active rule and a transaction it hits: an alert of Acme.
    auto alerting = server_->As(
        main_sessions["ADMIN"], "POST", "/api/v1/rules",
        R"({"name": "matrix alerting", "expression": "account_id == \"acc-alert\"", "severity": "low", "action": "alert", "status": "active"})");
    ASSERT_EQ(alerting.status, 201) << alerting.body;
    auto alerted = server_->Call("POST", "/api/v1/transactions",
                                 R"({"external_id": "matrix-alert", "amount": "1", "currency": "USD", "direction": "inbound", "account_id": "acc-alert"})",
                                 {{"Authorization", bearer}});
    ASSERT_EQ(alerted.status, 201) << alerted.body;
    ASSERT_EQ(alerted.Json().at("alerts").as_array().size(), 1u) << alerted.body;
    const std::string alert_id(alerted.Json().at("alerts").as_array()[0].at("id").as_string());
    // A pending invitation of Acme to revoke.
    auto invitation = server_->As(main_sessions["ADMIN"], "POST", "/api/v1/orgs/invitations",
                                  R"({"email": "matrix-revoke-me@acme.test", "role": "VIEWER"})");
    ASSERT_EQ(invitation.status, 201) << invitation.body;
    const std::string invitation_id(invitation.Json().at("id").as_string());

    // Path ids by route: keys to rotate and to revoke (separate ones: the order of the routes is
    // not fixed), a stored transaction, the rule and the list.
    // Notification channels of Acme (email: the test send needs no network); one only to delete.
    auto new_channel = [&](const std::string& name) {
        auto res = server_->As(main_sessions["ADMIN"], "POST", "/api/v1/orgs/notification-channels",
                               json::serialize(json::object{{"type", "email"},
                                                            {"name", name},
                                                            {"recipients", {"ops@acme.test"}},
                                                            {"events", {"alert.raised"}}}));
        EXPECT_EQ(res.status, 201) << res.body;
        return res.status == 201 ? std::string(res.Json().at("id").as_string()) : std::string();
    };
    const std::string channel_id = new_channel("matrix channel");
    const std::string doomed_channel_id = new_channel("matrix doomed");
    // Issue 7 part 2: cases. Alerts of a rule of their own (channel "matrix-case", one account
    // each); a case for the routes every permitted role repeats; a case closed with a SAR for the
    // report; an evidence file. Routes whose change happens once per object get one per role
    // through role_params: closing and reopening a case, creating a case from an alert, linking
    // an alert, removing one.
    auto case_rule = server_->As(
        main_sessions["ADMIN"], "POST", "/api/v1/rules",
        R"({"name": "matrix cases", "expression": "channel == \"matrix-case\"", "severity": "low", "action": "alert", "status": "active"})");
    ASSERT_EQ(case_rule.status, 201) << case_rule.body;
    int case_alerts = 0;
    auto case_alert = [&]() {
        const std::string n = std::to_string(++case_alerts);
        auto res = server_->Call("POST", "/api/v1/transactions",
                                 json::serialize(json::object{{"external_id", "matrix-case-" + n},
                                                              {"amount", "1"},
                                                              {"currency", "USD"},
                                                              {"direction", "inbound"},
                                                              {"account_id", "acc-case-" + n},
                                                              {"channel", "matrix-case"}}),
                                 {{"Authorization", bearer}});
        EXPECT_EQ(res.status, 201) << res.body;
        auto answer = res.Json();
        if (res.status != 201 || answer.at("alerts").as_array().empty()) return std::string();
        return std::string(answer.at("alerts").as_array()[0].at("id").as_string());
    };
    auto new_case = [&](const std::vector<std::string>& alert_ids, const std::string& closed_as) {
        json::array ids;
        for (const auto& alert : alert_ids) ids.push_back(json::value(alert));
        auto res = server_->As(main_sessions["ADMIN"], "POST", "/api/v1/cases",
                               json::serialize(json::object{{"title", "matrix case"}, {"alert_ids", ids}}));
        EXPECT_EQ(res.status, 201) << res.body;
        if (res.status != 201) return std::string();
        std::string id(res.Json().at("id").as_string());
        if (!closed_as.empty()) {
            EXPECT_EQ(server_->As(main_sessions["ADMIN"], "POST", "/api/v1/cases/" + id + "/close",
                                  json::serialize(json::object{{"resolution", closed_as}, {"note", "matrix"}}))
                          .status,
                      200);
        }
        return id;
    };
    const std::vector<std::string> case_roles = {"ANALYST", "RISK_LEAD", "ADMIN"};
    std::map<std::string, std::string> removable_alert;  // role -> an alert of matrix_case
    for (const auto& role : case_roles) removable_alert[role] = case_alert();
    const std::string matrix_case = new_case({case_alert(), removable_alert["ANALYST"], removable_alert["RISK_LEAD"],
                                              removable_alert["ADMIN"]},
                                             "");
    const std::string sar_case = new_case({case_alert()}, "sar_filed");
    auto evidence = server_->As(main_sessions["ADMIN"], "POST",
                                "/api/v1/cases/" + matrix_case + "/evidence?filename=matrix.txt", "matrix evidence",
                                {{"Content-Type", "text/plain"}});
    ASSERT_EQ(evidence.status, 201) << evidence.body;
    // "<route>" or "<route> as <ROLE>": path parameters and body placeholders (`{name}`) of that
    // route (for that role), applied after key_ids.
    std::map<std::string, std::map<std::string, std::string>> role_params = {
        {"GET /api/v1/cases/{id}/evidence/{evidence_id}",
         {{"evidence_id", std::string(evidence.Json().at("id").as_string())}}}};
    for (const auto& role : case_roles) {
        role_params["POST /api/v1/cases as " + role] = {{"alert", case_alert()}};
        role_params["POST /api/v1/cases/{id}/alerts as " + role] = {{"alert", case_alert()}};
        role_params["DELETE /api/v1/cases/{id}/alerts/{alert_id} as " + role] = {{"alert_id", removable_alert[role]}};
        if (role == "ANALYST") continue;
        role_params["POST /api/v1/cases/{id}/close as " + role] = {{"id", new_case({case_alert()}, "")}};
        role_params["POST /api/v1/cases/{id}/reopen as " + role] = {{"id", new_case({case_alert()}, "no_action")}};
    }

    const std::map<std::string, std::string> key_ids = {
        {"POST /api/v1/orgs/api-keys/{id}/rotate", new_key("rotate-me")},
        {"DELETE /api/v1/orgs/api-keys/{id}", new_key("revoke-me")},
        {"GET /api/v1/transactions/{id}", std::string(stored.Json().at("id").as_string())},
        {"GET /api/v1/rules/{id}", rule_id},
        {"PUT /api/v1/rules/{id}", rule_id},
        {"GET /api/v1/rules/{id}/versions", rule_id},
        {"POST /api/v1/rules/{id}/versions/{version}/restore", rule_id},
        {"GET /api/v1/lists/{id}", list_id},
        {"POST /api/v1/lists/{id}/items", list_id},
        {"DELETE /api/v1/lists/{id}/items/{value}", list_id},
        {"DELETE /api/v1/lists/{id}/items", list_id},
        {"GET /api/v1/rules/{id}/hits", rule_id},
        {"GET /api/v1/alerts/{id}", alert_id},
        {"PATCH /api/v1/alerts/{id}", alert_id},
        {"DELETE /api/v1/orgs/invitations/{id}", invitation_id},
        // Issue 7 part 2: cases.
        {"GET /api/v1/cases/{id}", matrix_case},
        {"PATCH /api/v1/cases/{id}", matrix_case},
        {"POST /api/v1/cases/{id}/comments", matrix_case},
        {"POST /api/v1/cases/{id}/alerts", matrix_case},
        {"DELETE /api/v1/cases/{id}/alerts/{alert_id}", matrix_case},
        {"POST /api/v1/cases/{id}/evidence", matrix_case},
        {"GET /api/v1/cases/{id}/evidence/{evidence_id}", matrix_case},
        {"POST /api/v1/cases/{id}/close", matrix_case},  // a case per permitted role: role_params
        {"POST /api/v1/cases/{id}/reopen", sar_case},    // a case per permitted role: role_params
        {"GET /api/v1/cases/{id}/report", sar_case},
        // Issue 7 part 5: notifications.
        {"GET /api/v1/orgs/notification-channels/{id}", channel_id},
        {"PATCH /api/v1/orgs/notification-channels/{id}", channel_id},
        {"DELETE /api/v1/orgs/notification-channels/{id}", doomed_channel_id},
        {"POST /api/v1/orgs/notification-channels/{id}/test", channel_id},
        {"GET /api/v1/orgs/notification-channels/{id}/deliveries", channel_id},
    };

    // Valid bodies for the routes that take one.
    const std::map<std::string, std::string> bodies = {
        {"POST /api/v1/transactions",
         R"({"external_id": "matrix-1", "amount": "10.00", "currency": "EUR", "direction": "inbound", "account_id": "acc-1"})"},
        {"POST /api/v1/transactions/batch",
         R"({"transactions": [{"external_id": "matrix-2", "amount": 3, "currency": "JPY", "direction": "outbound", "account_id": "acc-2"}]})"},
        {"POST /api/v1/auth/switch-organization",
         json::serialize(json::object{{"organization_id", server_->acme_org_id}})},
        // $code: the role's next TOTP code when the harness enrolled it (ignored without MFA).
        {"POST /api/v1/auth/reauthenticate", R"({"password": "$password", "code": "$code"})"},
        // The MFA routes' full behaviour is mfa_test.cpp's; here an empty body shows that every
        // role passes the guard (422 from the body, never 401/403) without changing a factor.
        {"POST /api/v1/auth/mfa/setup", "{}"},
        {"POST /api/v1/auth/mfa/verify-setup", "{}"},
        {"POST /api/v1/auth/mfa/verify", "{}"},
        {"POST /api/v1/auth/mfa/disable", "{}"},
        {"POST /api/v1/auth/mfa/backup-codes", "{}"},
        // The same password again: the route runs in full, and every account keeps kPassword.
        {"POST /api/v1/auth/change-password",
         json::serialize(json::object{{"current_password", kPassword}, {"new_password", kPassword}})},
        {"POST /api/v1/orgs/invitations", R"({"email": "matrix-invitee-$role@acme.test", "role": "VIEWER"})"},
        {"POST /api/v1/auth/password-reset/request", R"({"email": "matrix-nobody@acme.test"})"},
        {"POST /api/v1/auth/password-reset/verify", json::serialize(json::object{{"token", std::string(43, 'A')}})},
        {"POST /api/v1/auth/password-reset/complete",
         json::serialize(json::object{{"token", std::string(43, 'A')}, {"new_password", "matrix-new-passphrase-1"}})},
        {"POST /api/v1/auth/invitations/verify", json::serialize(json::object{{"token", std::string(43, 'A')}})},
        {"POST /api/v1/auth/invitations/accept",
         json::serialize(json::object{
             {"token", std::string(43, 'A')}, {"name", "Matrix"}, {"password", "matrix-new-passphrase-1"}})},
        {"PATCH /api/v1/orgs/current", json::serialize(json::object{{"name", "Acme Bank"}})},
        {"PATCH /api/v1/orgs/members/{user_id}", json::serialize(json::object{{"role", "ANALYST"}})},
        {"POST /api/v1/orgs/api-keys", json::serialize(json::object{{"name", "matrix"}, {"environment", "sandbox"}})},
        {"POST /api/v1/orgs/api-keys/{id}/rotate", json::serialize(json::object{{"grace_seconds", 60}})},
        {"PUT /api/v1/orgs/allowed-ips", R"({"console": [], "ingestion": []})"},
        {"POST /api/v1/auth/login",
         json::serialize(json::object{{"email", server_->admin_email}, {"password", kPassword}})},
        // "$role" becomes the role in lower case: names that must be unique differ per role.
        {"POST /api/v1/rules",
         R"({"name": "matrix $role", "expression": "amount > 2", "severity": "high", "action": "review", "status": "shadow"})"},
        {"PUT /api/v1/rules/{id}",
         R"({"name": "matrix rule", "expression": "amount > 3", "severity": "low", "action": "alert", "status": "draft"})"},
        {"POST /api/v1/lists", R"({"name": "matrix_$role"})"},
        {"POST /api/v1/lists/{id}/items", R"({"values": ["added by $role"]})"},
        {"POST /api/v1/rules/test",
         R"({"expression": "amount > 1", "transaction": {"external_id": "t-1", "amount": "5", "currency": "USD", "direction": "inbound", "account_id": "acc-0"}})"},
        {"POST /api/v1/rules/validate", R"({"expression": "amount > 1"})"},
        {"POST /api/v1/rules/backtest",
         R"({"expression": "amount > 1", "from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"})"},
        // Every permitted role moves the alert to review (the later ones: no change) and takes it
        // ($user_id: the role's user id; an ANALYST takes the unassigned alert, RISK_LEAD and
        // ADMIN reassign it).
        {"PATCH /api/v1/alerts/{id}", R"({"status": "in_review"})"},
        {"POST /api/v1/alerts/bulk",
         R"({"alert_ids": [")" + alert_id + R"("], "action": "assign", "assignee_id": "$user_id"})"},
        // The first permitted role enables the template, the next one is told it is skipped.
        {"POST /api/v1/rules/starter-pack", R"({"templates": ["high-risk-geography"]})"},
        // Issue 7 part 2: cases.
        {"POST /api/v1/cases", R"({"title": "matrix $role", "alert_ids": ["{alert}"]})"},
        {"PATCH /api/v1/cases/{id}", R"({"priority": "high", "status": "investigating"})"},
        {"POST /api/v1/cases/{id}/comments", R"({"body": "comment of $role"})"},
        {"POST /api/v1/cases/{id}/alerts", R"({"alert_ids": ["{alert}"]})"},
        {"POST /api/v1/cases/{id}/close", R"({"resolution": "no_action", "note": "matrix"})"},
        {"POST /api/v1/cases/{id}/reopen", R"({"note": "matrix"})"},
        // Evidence is the raw file; the matrix sends it as application/json (an allowed type).
        {"POST /api/v1/cases/{id}/evidence", R"({"evidence of": "$role"})"},
        // Issue 7 parts 3-4: dashboard and reports.
        // Issue 7 part 5: notifications.
        {"POST /api/v1/orgs/notification-channels",
         R"({"type": "email", "name": "matrix $role", "recipients": ["ops@acme.test"], "events": ["case.escalated"]})"},
        {"PATCH /api/v1/orgs/notification-channels/{id}", R"({"name": "matrix renamed"})"},
        {"PUT /api/v1/notifications/settings", R"({"email": true, "events": ["case.assigned"]})"},
    };
    // Query strings by route ({value} substituted like path parameters): a value with "/" that only
    // the query form can remove.
    const std::map<std::string, std::string> queries = {{"DELETE /api/v1/lists/{id}/items", "?value={value}%2Fq"},
                                                        {"POST /api/v1/cases/{id}/evidence", "?filename=matrix.json"}};
    // Routes that end or replace the caller's session get a throwaway session of their own.
    const std::set<std::string> destroys_session = {"POST /api/v1/auth/logout",
                                                    "POST /api/v1/auth/switch-organization",
                                                    "DELETE /api/v1/auth/sessions/{id}"};
    // Public routes that answer other than 200 to the valid request above without credentials:
    // the status and problem code (empty: no problem). A token route refuses an unknown token,
    // never the caller.
    const std::map<std::string, std::pair<int, std::string>> public_answers = {
        {"POST /api/v1/auth/password-reset/request", {202, ""}},
        {"POST /api/v1/auth/password-reset/verify", {400, "invalid_token"}},
        {"POST /api/v1/auth/password-reset/complete", {400, "invalid_token"}},
        {"POST /api/v1/auth/invitations/verify", {400, "invalid_token"}},
        {"POST /api/v1/auth/invitations/accept", {400, "invalid_token"}},
        {"POST /api/v1/auth/mfa/verify", {422, "validation_failed"}},
    };
    const std::set<std::string> body_refused = {"POST /api/v1/auth/mfa/setup", "POST /api/v1/auth/mfa/verify-setup",
                                                "POST /api/v1/auth/mfa/disable", "POST /api/v1/auth/mfa/backup-codes"};
    std::vector<std::pair<std::string, std::string>> denied;  // (user id, "METHOD route")

    for (const auto& op : operations) {
        auto expected = ExpectedAccess().find(op.Key());
        if (expected == ExpectedAccess().end()) continue;  // reported by the test above
        SCOPED_TRACE(op.Key());
        auto body_it = bodies.find(op.Key());
        std::string body = body_it == bodies.end() ? "" : body_it->second;
        if (op.has_body) {
            EXPECT_NE(body_it, bodies.end()) << "add a valid body for " << op.Key();
        }
        std::map<std::string, std::string> params = {
            {"user_id", op.method == "DELETE" ? removable_id : target_id}, {"version", "1"}};

        if (op.api_key) {
            // No credentials, then every role's session cookie: 401; the key: accepted.
            auto anonymous = server_->Call(op.method, op.path, body);
            EXPECT_EQ(anonymous.status, 401) << anonymous.body;
            EXPECT_EQ(anonymous.Code(), "unauthenticated");
            for (const auto& role : roles) {
                auto res = server_->As(main_sessions[role], op.method, op.path, body);
                EXPECT_EQ(res.status, 401) << role << " session on an ingestion route: " << res.body;
                EXPECT_EQ(res.Code(), "unauthenticated") << role;
            }
            auto res = server_->Call(op.method, op.path, body, {{"Authorization", bearer}});
            EXPECT_TRUE(res.status == 200 || res.status == 201) << res.status << " " << res.body;
            continue;
        }
        if (!op.console) {
            auto res = server_->Call(op.method, op.path, body);
            auto answer = public_answers.find(op.Key());
            EXPECT_EQ(res.status, answer == public_answers.end() ? 200 : answer->second.first)
                << "public route: " << res.body.substr(0, 200);
            if (answer != public_answers.end()) {
                EXPECT_EQ(res.Code(), answer->second.second) << res.body;
            }
            if (op.Key() == "POST /api/v1/auth/login") {
                for (const auto& line : res.Headers("Set-Cookie"))
                    if (auto c = ParseSetCookie(line)) server_->RememberSecret(c->value);
            }
            continue;
        }

        // No session at all.
        {
            params["id"] = "ses_does_not_matter";
            auto res = server_->Call(op.method, Substitute(op.path, params), body,
                                     {{"X-CSRF-Token", main_sessions["VIEWER"].csrf}});
            EXPECT_EQ(res.status, 401) << "without a session: " << res.body;
            EXPECT_EQ(res.Code(), "unauthenticated");
        }
        for (const auto& role : roles) {
            SCOPED_TRACE(role);
            bool allowed = RoleHas(expected->second, role);
            Session session = main_sessions[role];
            if (allowed && destroys_session.count(op.Key())) session = server_->MustLogin(server_->role_email.at(role));
            params["id"] = key_ids.count(op.Key()) ? key_ids.at(op.Key()) : CurrentSessionId(session);
            std::string role_lower;
            for (char c : role) role_lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            params["value"] = role_lower;
            for (const auto& scope : {op.Key(), op.Key() + " as " + role})
                if (auto own = role_params.find(scope); own != role_params.end())
                    for (const auto& [name, value] : own->second) params[name] = value;
            std::string role_body = body;
            for (auto pos = role_body.find("$role"); pos != std::string::npos; pos = role_body.find("$role"))
                role_body.replace(pos, 5, role_lower);
            if (auto pos = role_body.find("$password"); pos != std::string::npos) role_body.replace(pos, 9, kPassword);
            if (auto pos = role_body.find("$user_id"); pos != std::string::npos)
                role_body.replace(pos, 8, server_->role_user_id.at(role));
            if (auto pos = role_body.find("$code"); pos != std::string::npos)
                role_body.replace(pos, 5, server_->NextTotpCode(server_->role_email.at(role)).value_or("000000"));
            role_body = Substitute(role_body, params);  // `{alert}` of role_params
            auto query = queries.find(op.Key());
            auto res = server_->As(session, op.method,
                                   Substitute(op.path + (query == queries.end() ? "" : query->second), params),
                                   role_body);
            if (!allowed) {
                EXPECT_EQ(res.status, 403) << res.body;
                EXPECT_EQ(res.Code(), "forbidden") << res.body;
                denied.emplace_back(server_->role_user_id.at(role), op.Key());
            } else {
                EXPECT_NE(res.status, 401) << res.body;
                EXPECT_NE(res.status, 403) << res.body;
                if (body_refused.count(op.Key())) {
                    EXPECT_EQ(res.status, 422) << "past the guard, refused for its empty body: " << res.body;
                    continue;
                }
                EXPECT_LT(res.status, 300) << "a permitted, valid request should succeed: " << res.body;
                if (res.status == 200 && res.Header("Content-Type").value_or("").rfind("application/json", 0) == 0) {
                    for (const auto& line : res.Headers("Set-Cookie"))
                        if (auto c = ParseSetCookie(line)) server_->RememberSecret(c->value);
                    auto answer = res.Json();
                    if (answer.is_object())
                        if (const auto* csrf = answer.as_object().if_contains("csrf_token"); csrf && csrf->is_string())
                            server_->RememberSecret(std::string(csrf->as_string()));
                }
            }
        }
    }
    EXPECT_FALSE(denied.empty());

    // Every refused attempt is in the audit log as authz.denied, with the actor and the route.
    auto audit = server_->As(main_sessions["ADMIN"], "GET", "/api/v1/orgs/audit-logs?limit=500&action=authz.denied");
    ASSERT_EQ(audit.status, 200) << audit.body;
    std::set<std::pair<std::string, std::string>> logged;
    auto audit_json = audit.Json();
    for (const auto& entry : audit_json.at("data").as_array()) {
        EXPECT_EQ(entry.at("action").as_string(), "authz.denied");
        if (entry.at("actor").at("id").is_string() && entry.at("target").is_string())
            logged.emplace(std::string(entry.at("actor").at("id").as_string()),
                           std::string(entry.at("target").as_string()));
    }
    for (const auto& attempt : denied)
        EXPECT_TRUE(logged.count(attempt)) << "refusal not audited: " << attempt.first << " " << attempt.second;
}

// Tenant isolation: another organization's ids are always 404, never 403, never acted upon.
class CrossTenantTest : public AuthzTest {};

TEST_F(CrossTenantTest, AnotherOrganizationsIdsAreNotFoundOnEveryRoute) {
    auto operations = FetchOperations();
    auto admin = server_->MustLogin(server_->admin_email);
    auto foreign = server_->MustLogin(server_->other_admin_email);
    std::string foreign_session_id = CurrentSessionId(foreign);
    const std::map<std::string, std::string> foreign_ids = {
        {"user_id", server_->other_admin_id}, {"id", foreign_session_id}, {"version", "1"}, {"value", "theirs"},
        {"alert_id", "alr_theirs"}, {"evidence_id", "evd_theirs"}};
    auto foreign_key = server_->As(foreign, "POST", "/api/v1/orgs/api-keys",
                                   json::serialize(json::object{{"name", "theirs"}, {"environment", "production"}}));
    ASSERT_EQ(foreign_key.status, 201) << foreign_key.body;
    const std::string foreign_key_id(foreign_key.Json().at("id").as_string());
    const std::string foreign_bearer = "Bearer " + std::string(foreign_key.Json().at("key").as_string());
    server_->RememberSecret(foreign_bearer.substr(7));
    auto foreign_txn = server_->Call(
        "POST", "/api/v1/transactions",
        R"({"external_id": "theirs-1", "amount": "5", "currency": "USD", "direction": "inbound", "account_id": "acc-9"})",
        {{"Authorization", foreign_bearer}});
    ASSERT_EQ(foreign_txn.status, 201) << foreign_txn.body;
    const std::string foreign_txn_id(foreign_txn.Json().at("id").as_string());
    auto foreign_rule = server_->As(
        foreign, "POST", "/api/v1/rules",
        R"({"name": "theirs", "expression": "amount > 1", "severity": "low", "action": "alert", "status": "active"})");
    ASSERT_EQ(foreign_rule.status, 201) << foreign_rule.body;
    const std::string foreign_rule_id(foreign_rule.Json().at("id").as_string());
    auto foreign_list = server_->As(foreign, "POST", "/api/v1/lists", R"({"name": "theirs"})");
    ASSERT_EQ(foreign_list.status, 201) << foreign_list.body;
    const std::string foreign_list_id(foreign_list.Json().at("id").as_string());
    ASSERT_EQ(server_->As(foreign, "POST", "/api/v1/lists/" + foreign_list_id + "/items", R"({"values": ["theirs"]})")
                  .status,
              200);
    // Their rule (amount > 1, active) raises an alert on their next transaction.
    auto foreign_alerted = server_->Call(
        "POST", "/api/v1/transactions",
        R"({"external_id": "theirs-2", "amount": "5", "currency": "USD", "direction": "inbound", "account_id": "acc-9"})",
        {{"Authorization", foreign_bearer}});
    ASSERT_EQ(foreign_alerted.status, 201) << foreign_alerted.body;
    ASSERT_EQ(foreign_alerted.Json().at("alerts").as_array().size(), 1u) << foreign_alerted.body;
    const std::string foreign_alert_id(foreign_alerted.Json().at("alerts").as_array()[0].at("id").as_string());
    auto foreign_invitation = server_->As(foreign, "POST", "/api/v1/orgs/invitations",
                                          R"({"email": "their-invitee@other.test", "role": "ADMIN"})");
    ASSERT_EQ(foreign_invitation.status, 201) << foreign_invitation.body;
    const std::string foreign_invitation_id(foreign_invitation.Json().at("id").as_string());
    auto acme_invitations = server_->As(admin, "GET", "/api/v1/orgs/invitations?limit=500");
    ASSERT_EQ(acme_invitations.status, 200) << acme_invitations.body;
    EXPECT_EQ(acme_invitations.body.find(foreign_invitation_id), std::string::npos);
    auto acme_alerts = server_->As(admin, "GET", "/api/v1/alerts?limit=500");
    ASSERT_EQ(acme_alerts.status, 200) << acme_alerts.body;
    EXPECT_EQ(acme_alerts.body.find(foreign_alert_id), std::string::npos);
    // Their list is not a list of Acme's rules; their transactions are not in Acme's backtests.
    auto with_their_list = server_->As(
        admin, "POST", "/api/v1/rules/test",
        R"J({"expression": "account_id in list(\"theirs\")", "transaction": {"external_id": "t", "amount": "5", "currency": "USD", "direction": "inbound", "account_id": "theirs"}})J");
    EXPECT_EQ(with_their_list.status, 422) << with_their_list.body;
    EXPECT_EQ(server_->As(admin, "POST", "/api/v1/rules/validate", R"J({"expression": "account_id in list(\"theirs\")"})J")
                  .Json()
                  .at("valid"),
              false);
    auto day = [](std::time_t at) {
        std::tm tm{};
        gmtime_r(&at, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return std::string(buf);
    };
    const std::time_t now = std::time(nullptr);
    auto backtest = server_->As(admin, "POST", "/api/v1/rules/backtest",
                                json::serialize(json::object{{"expression", "account_id == \"acc-9\""},
                                                             {"from", day(now - 86400)},
                                                             {"to", day(now + 3600)}}));
    ASSERT_EQ(backtest.status, 200) << backtest.body;
    EXPECT_EQ(backtest.Json().at("hits"), 0) << backtest.body;
    // Acme's own production transactions never include it either.
    auto acme_list = server_->As(admin, "GET", "/api/v1/transactions?limit=500");
    ASSERT_EQ(acme_list.status, 200) << acme_list.body;
    EXPECT_EQ(acme_list.body.find(foreign_txn_id), std::string::npos);
    const std::map<std::string, std::string> bodies = {
        {"PATCH /api/v1/orgs/members/{user_id}", json::serialize(json::object{{"role", "VIEWER"}})},
        {"POST /api/v1/orgs/api-keys/{id}/rotate", json::serialize(json::object{{"grace_seconds", 0}})},
        {"PUT /api/v1/rules/{id}",
         R"({"name": "ours now", "expression": "amount > 0", "severity": "low", "action": "alert", "status": "draft"})"},
        {"POST /api/v1/lists/{id}/items", R"({"values": ["ours"]})"},
        {"PATCH /api/v1/alerts/{id}", R"({"status": "closed", "disposition": "false_positive", "note": "ours"})"},
    };
    int checked = 0;
    for (const auto& op : operations) {
        if (op.path.find('{') == std::string::npos) continue;
        SCOPED_TRACE(op.Key());
        std::string target = op.path;
        for (auto open = target.find('{'); open != std::string::npos; open = target.find('{')) {
            auto close = target.find('}', open);
            std::string name = target.substr(open + 1, close - open - 1);
            auto it = foreign_ids.find(name);
            ASSERT_NE(it, foreign_ids.end()) << "no foreign id for path parameter {" << name << "}: add one";
            std::string id = it->second;
            if (op.path.rfind("/api/v1/orgs/api-keys/", 0) == 0) id = foreign_key_id;
            if (op.path.rfind("/api/v1/transactions/", 0) == 0) id = foreign_txn_id;
            if (name == "id" && op.path.rfind("/api/v1/rules/", 0) == 0) id = foreign_rule_id;
            if (name == "id" && op.path.rfind("/api/v1/lists/", 0) == 0) id = foreign_list_id;
            if (op.path.rfind("/api/v1/alerts/", 0) == 0) id = foreign_alert_id;
            if (op.path.rfind("/api/v1/orgs/invitations/", 0) == 0) id = foreign_invitation_id;
            target.replace(open, close - open + 1, id);
        }
        auto body_it = bodies.find(op.Key());
        auto res = server_->As(admin, op.method, target, body_it == bodies.end() ? "" : body_it->second);
        EXPECT_EQ(res.status, 404) << res.body;
        EXPECT_EQ(res.Code(), "not_found") << res.body;
        ++checked;
    }
    EXPECT_GE(checked, 5);
    // Nothing happened to the other organization: its admin is still signed in and still ADMIN.
    auto me = server_->As(foreign, "GET", "/api/v1/auth/me");
    ASSERT_EQ(me.status, 200) << "the other organization's session was ended from Acme";
    EXPECT_EQ(me.Json().at("role").as_string(), "ADMIN");
    EXPECT_EQ(me.Json().at("organization").at("id").as_string(), server_->other_org_id);
    // ... and its rule and list are as they were.
    auto their_rule = server_->As(foreign, "GET", "/api/v1/rules/" + foreign_rule_id);
    ASSERT_EQ(their_rule.status, 200) << their_rule.body;
    EXPECT_EQ(their_rule.Json().at("version"), 1);
    EXPECT_EQ(their_rule.Json().at("name"), "theirs");
    // Their alert cannot be worked from Acme in bulk either (404 naming it), and is as it was.
    auto bulk = server_->As(admin, "POST", "/api/v1/alerts/bulk",
                            json::serialize(json::object{{"alert_ids", json::array{json::value(foreign_alert_id)}},
                                                         {"action", "close"},
                                                         {"disposition", "duplicate"},
                                                         {"note", "ours"}}));
    EXPECT_EQ(bulk.status, 404) << bulk.body;
    EXPECT_EQ(bulk.Code(), "not_found") << bulk.body;
    EXPECT_NE(bulk.body.find("alert_ids[0]"), std::string::npos) << bulk.body;
    auto their_alert = server_->As(foreign, "GET", "/api/v1/alerts/" + foreign_alert_id);
    ASSERT_EQ(their_alert.status, 200) << their_alert.body;
    EXPECT_EQ(their_alert.Json().at("status"), "open");
    EXPECT_TRUE(their_alert.Json().at("events").as_array().empty()) << their_alert.body;
    auto their_list = server_->As(foreign, "GET", "/api/v1/lists/" + foreign_list_id);
    ASSERT_EQ(their_list.status, 200) << their_list.body;
    EXPECT_EQ(their_list.Json().at("item_count"), 1);
    // ... and their invitation is still pending.
    auto their_invitations = server_->As(foreign, "GET", "/api/v1/orgs/invitations");
    ASSERT_EQ(their_invitations.status, 200) << their_invitations.body;
    EXPECT_NE(their_invitations.body.find(foreign_invitation_id), std::string::npos);

    auto switched = server_->As(admin, "POST", "/api/v1/auth/switch-organization",
                                json::serialize(json::object{{"organization_id", server_->other_org_id}}));
    EXPECT_EQ(switched.status, 404) << switched.body;
    EXPECT_EQ(switched.Code(), "not_found");
    EXPECT_TRUE(switched.Headers("Set-Cookie").empty());
    EXPECT_EQ(server_->As(admin, "GET", "/api/v1/auth/me").status, 200);
}

TEST_F(CrossTenantTest, AMemberOfTwoOrganizationsSwitchesWithANewSession) {
    // Runs last in this suite: it makes Acme's admin a member of "Other Org".
    auto added = server_->Cli({"user", "add", "--org", server_->other_org_id, "--email", server_->admin_email, "--role",
                               "ADMIN", "--json"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    auto first = server_->MustLogin(server_->admin_email);
    const auto& memberships = first.body.at("memberships").as_array();
    ASSERT_EQ(memberships.size(), 2u) << Dump(first.body);
    std::string from_org(first.body.at("organization").at("id").as_string());
    std::string to_org = from_org == server_->acme_org_id ? server_->other_org_id : server_->acme_org_id;

    auto res = server_->As(first, "POST", "/api/v1/auth/switch-organization",
                           json::serialize(json::object{{"organization_id", to_org}}));
    ASSERT_EQ(res.status, 200) << res.body;
    Session second;
    for (const auto& line : res.Headers("Set-Cookie"))
        if (auto c = ParseSetCookie(line); c && c->name == "wt_session") second.cookie = c->value;
    auto body = res.Json().as_object();
    second.csrf = std::string(body.at("csrf_token").as_string());
    server_->RememberSecret(second.cookie);
    server_->RememberSecret(second.csrf);
    ASSERT_FALSE(second.cookie.empty()) << "switching must set a new cookie";
    EXPECT_NE(second.cookie, first.cookie);
    EXPECT_NE(second.csrf, first.csrf);
    EXPECT_EQ(body.at("organization").at("id").as_string(), to_org);
    EXPECT_EQ(body.at("role").as_string(), "ADMIN");

    EXPECT_EQ(server_->As(first, "GET", "/api/v1/auth/me").status, 401) << "the old session must end";
    auto me = server_->As(second, "GET", "/api/v1/auth/me");
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(me.Json().at("organization").at("id").as_string(), to_org);

    auto members = server_->As(second, "GET", "/api/v1/orgs/members?limit=500");
    ASSERT_EQ(members.status, 200) << members.body;
    std::set<std::string> emails;
    auto members_json = members.Json();
    for (const auto& m : members_json.at("data").as_array()) emails.emplace(m.at("email").as_string());
    if (to_org == server_->other_org_id) {
        EXPECT_EQ(emails, (std::set<std::string>{server_->other_admin_email, server_->admin_email}));
    } else {
        EXPECT_TRUE(emails.count("viewer@acme.test"));
        EXPECT_FALSE(emails.count(server_->other_admin_email));
    }
}

}  // namespace
}  // namespace wt::integration
