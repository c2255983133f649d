// SPDX-License-Identifier: Apache-2.0
#include "api/api.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <set>
#include <string>

#include "../common/test_support.hpp"
#include "audit/audit_log.hpp"
#include "crypto/crypto.hpp"

namespace wt::api {
namespace {

namespace json = boost::json;
using http::Method;

std::string Lower(std::string_view method) {
    std::string out(method);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// One API instance on its own database, as main wires it.
class Api {
public:
    explicit Api(ApiOptions options)
        : clock_(std::make_shared<testing::ManualClock>()),
          sessions_(std::string(32, 'k'), clock_),
          pool_(1, 4),
          ctx_{db_.db(), sessions_, clock_, metrics_, pool_, std::make_shared<spdlog::logger>("api-test"), options} {
        specs_ = RegisterRoutes(router_, ctx_);
    }

    // Runs the handler the router picks for (method, target) to completion, as the server would.
    http::Response Call(Method method, const std::string& target, const std::map<std::string, std::string>& headers = {}) {
        http::BeastRequest raw{method, target, 11};
        for (const auto& [name, value] : headers) raw.set(name, value);
        http::Request request(raw, "192.0.2.50", "req-test");
        std::string path(request.path());
        auto found = router_.Find(method, path);
        if (!std::holds_alternative<http::Router::Match>(found)) {
            ADD_FAILURE() << "no route for " << target;
            return http::EmptyResponse(http::HttpStatus::not_found);
        }
        auto& match = std::get<http::Router::Match>(found);
        request.SetRoute(match.route_template, match.params);
        boost::asio::io_context io;
        std::optional<http::Response> out;
        boost::asio::co_spawn(io, (*match.handler)(request), [&](std::exception_ptr error, http::Response response) {
            if (error) {
                ADD_FAILURE() << "handler threw for " << target;
                return;
            }
            out = std::move(response);
        });
        io.run();
        return out ? std::move(*out) : http::EmptyResponse(http::HttpStatus::internal_server_error);
    }

    testing::TestDb db_;
    std::shared_ptr<testing::ManualClock> clock_;
    auth::SessionManager sessions_;
    Metrics metrics_;
    BlockingPool pool_;
    ApiContext ctx_;
    http::Router router_;
    std::vector<RouteSpec> specs_;
};

ApiOptions WithFaultRoutes(bool on) {
    ApiOptions options;
    options.fault_routes = on;
    options.version = "9.8.7";
    return options;
}

// "a registered route missing from openapi fails a test": every (method, template) the router
// knows is an operation of the OpenAPI document, and there are no others.
TEST(OpenApiTest, EveryRegisteredRouteIsDocumented) {
    for (bool fault_routes : {false, true}) {
        SCOPED_TRACE(fault_routes ? "with fault routes" : "without fault routes");
        Api api(WithFaultRoutes(fault_routes));
        json::object doc = BuildOpenApi(api.specs_, "9.8.7");
        const json::object& paths = doc.at("paths").as_object();
        auto routes = api.router_.Routes();
        ASSERT_GE(routes.size(), 18u) << "the API registers at least the routes of API.md's first issue";
        std::set<std::pair<std::string, std::string>> registered;
        for (const auto& route : routes) {
            std::string method = Lower(http::beast_http::to_string(route.method));
            registered.emplace(route.route_template, method);
            const json::value* item = paths.if_contains(route.route_template);
            ASSERT_NE(item, nullptr) << route.route_template << " is missing from the OpenAPI paths";
            EXPECT_TRUE(item->as_object().contains(method))
                << method << " " << route.route_template << " is missing from the OpenAPI document";
        }
        std::size_t operations = 0;
        for (const auto& [path, item] : paths) {
            for (const auto& [method, op] : item.as_object()) {
                ++operations;
                EXPECT_TRUE(registered.count({std::string(path), std::string(method)}))
                    << "documented but not registered: " << std::string(method) << " " << std::string(path);
            }
        }
        EXPECT_EQ(operations, routes.size());
        EXPECT_EQ(api.specs_.size(), routes.size()) << "one spec per registered route";
        EXPECT_EQ(paths.contains("/api/v1/_test/fault"), fault_routes);
    }
}

TEST(OpenApiTest, DocumentShape) {
    Api api(WithFaultRoutes(false));
    json::object doc = BuildOpenApi(api.specs_, "9.8.7");
    EXPECT_EQ(doc.at("openapi"), "3.1.0");
    EXPECT_EQ(doc.at("info").at("version"), "9.8.7");
    EXPECT_TRUE(doc.at("components").at("schemas").as_object().contains("Problem"));
    for (const auto& [path, item] : doc.at("paths").as_object()) {
        for (const auto& [method, op_value] : item.as_object()) {
            SCOPED_TRACE(std::string(method) + " " + std::string(path));
            const json::object& op = op_value.as_object();
            ASSERT_TRUE(op.contains("summary"));
            EXPECT_FALSE(op.at("summary").as_string().empty()) << "every operation has a summary";
            const json::value* responses = op.if_contains("responses");
            EXPECT_TRUE(responses != nullptr && responses->is_object() && !responses->as_object().empty())
                << "every operation documents its responses (success and problems)";
            // Every {param} of the template is declared as a path parameter.
            std::string p(path);
            for (auto open = p.find('{'); open != std::string::npos; open = p.find('{', open + 1)) {
                std::string name = p.substr(open + 1, p.find('}', open) - open - 1);
                bool declared = false;
                if (const auto* params = op.if_contains("parameters"))
                    for (const auto& param : params->as_array())
                        declared |= param.at("in") == "path" && param.at("name") == json::value(name);
                EXPECT_TRUE(declared) << name;
            }
        }
    }
}

// Answers that are not JSON say what they are: the CSV export, the SAR report page, an evidence
// file; the evidence upload takes the file's own media types as its body.
TEST(OpenApiTest, NonJsonBodiesNameTheirMediaTypes) {
    Api api(WithFaultRoutes(false));
    json::object doc = BuildOpenApi(api.specs_, "9.8.7");
    const auto& paths = doc.at("paths").as_object();
    auto success_types = [&](const char* path, const char* method, const char* status) {
        std::vector<std::string> types;
        for (const auto& [type, _] : paths.at(path).at(method).at("responses").at(status).at("content").as_object())
            types.emplace_back(type);
        return types;
    };
    EXPECT_EQ(success_types("/api/v1/reports/export", "get", "200"), std::vector<std::string>{"text/csv"});
    EXPECT_EQ(success_types("/api/v1/cases/{id}/report", "get", "200"), std::vector<std::string>{"text/html"});
    EXPECT_EQ(success_types("/api/v1/cases/{id}/evidence/{evidence_id}", "get", "200"), std::vector<std::string>{"*/*"});
    EXPECT_EQ(success_types("/api/v1/dashboard", "get", "200"), std::vector<std::string>{"application/json"});
    const auto& upload = paths.at("/api/v1/cases/{id}/evidence").at("post").as_object();
    const auto& body = upload.at("requestBody").at("content").as_object();
    EXPECT_TRUE(body.contains("application/pdf") && body.contains("image/png")) << json::serialize(body);
    EXPECT_FALSE(body.contains("application/json") && body.at("application/json").at("schema").as_object().contains(
                                                          "properties"))
        << "the upload is the file itself, not a JSON document";
    EXPECT_TRUE(upload.at("responses").as_object().contains("413"));
    EXPECT_TRUE(upload.at("responses").as_object().contains("415"));
}

TEST(OpenApiTest, EveryConsoleRouteDeclaresAPermission) {
    Api api(WithFaultRoutes(false));
    json::object doc = BuildOpenApi(api.specs_, "9.8.7");
    int console = 0;
    for (const auto& spec : api.specs_) {
        SCOPED_TRACE(spec.path);
        EXPECT_FALSE(spec.summary.empty());
        if (spec.surface != Surface::kConsole) {
            EXPECT_FALSE(spec.permission.has_value()) << "public routes carry no permission";
            continue;
        }
        ++console;
        ASSERT_TRUE(spec.permission.has_value()) << "console route without a permission";
        std::string method = Lower(http::beast_http::to_string(spec.method));
        const json::value* item = doc.at("paths").as_object().if_contains(spec.path);
        const json::value* op_value = item ? item->as_object().if_contains(method) : nullptr;
        if (op_value == nullptr) {
            ADD_FAILURE() << method << " " << spec.path << " is not in the OpenAPI document";
            continue;
        }
        const json::object& op = op_value->as_object();
        EXPECT_EQ(op.at("x-permission"), json::value(auth::PermissionName(*spec.permission)));
        EXPECT_EQ(op.at("security"), (json::array{json::object{{"sessionCookie", json::array{}}}}));
        if (spec.method != Method::get) {
            bool csrf = false;
            if (const auto* params = op.if_contains("parameters"))
                for (const auto& param : params->as_array())
                    csrf |= param.at("in") == "header" && param.at("name") == "X-CSRF-Token";
            EXPECT_TRUE(csrf) << "state-changing console routes document X-CSRF-Token";
        }
    }
    EXPECT_GE(console, 10);
    // The routes that run the team are ADMIN-only (API.md "Roles").
    for (const auto& spec : api.specs_) {
        if (spec.path.rfind("/api/v1/orgs/members/", 0) == 0 && spec.method != Method::get) {
            SCOPED_TRACE(spec.path);
            EXPECT_EQ(spec.permission, auth::Permission::kAdminister);
        }
        if (spec.path == "/api/v1/orgs/audit-logs") {
            EXPECT_EQ(spec.permission, auth::Permission::kReadAudit);
        }
        if (spec.path == "/api/v1/orgs/current" && spec.method == Method::patch) {
            EXPECT_EQ(spec.permission, auth::Permission::kAdminister);
        }
        if (spec.path == "/api/v1/auth/login") {
            EXPECT_EQ(spec.surface, Surface::kPublic);
        }
    }
}

// The document served at /api/v1/openapi.json is the one built from the specs, for every
// router built in the process (tests and tools may build several).
TEST(OpenApiTest, ServedDocumentMatchesTheSpecsForEveryRouter) {
    Api first(WithFaultRoutes(false));
    http::Response first_res = first.Call(Method::get, "/api/v1/openapi.json");
    ASSERT_EQ(first_res.result_int(), 200u);
    EXPECT_EQ(json::parse(first_res.body()), json::value(BuildOpenApi(first.specs_, "9.8.7")));

    Api second(WithFaultRoutes(true));
    http::Response second_res = second.Call(Method::get, "/api/v1/openapi.json");
    ASSERT_EQ(second_res.result_int(), 200u);
    json::value served = json::parse(second_res.body());
    EXPECT_EQ(served, json::value(BuildOpenApi(second.specs_, "9.8.7")))
        << "the second router serves: " << second_res.body().substr(0, 200);
}

// --- Public handlers and the console guard, without a server --------------------------------

TEST(ApiHandlersTest, HealthAndReadiness) {
    Api api(WithFaultRoutes(false));
    http::Response health = api.Call(Method::get, "/healthz");
    EXPECT_EQ(health.result_int(), 200u);
    EXPECT_EQ(json::parse(health.body()), (json::value{{"status", "ok"}}));
    http::Response ready = api.Call(Method::get, "/readyz");
    EXPECT_EQ(ready.result_int(), 200u);
    EXPECT_EQ(json::parse(ready.body()), (json::value{{"status", "ready"}}));
    http::Response metrics = api.Call(Method::get, "/metrics");
    EXPECT_EQ(metrics.result_int(), 200u);
    EXPECT_NE(metrics.body().find("wt_storage_ping_seconds_count 1"), std::string::npos) << metrics.body();
}

TEST(ApiHandlersTest, ConsoleGuardRefusesMissingSessionApiKeysAndMissingCsrf) {
    Api api(WithFaultRoutes(false));
    auto code_of = [](const http::Response& res) {
        return std::string(json::parse(res.body()).at("code").as_string());
    };
    http::Response no_cookie = api.Call(Method::get, "/api/v1/orgs/members");
    EXPECT_EQ(no_cookie.result_int(), 401u);
    EXPECT_EQ(code_of(no_cookie), "unauthenticated");

    // A real session of a real member.
    std::string org = crypto::NewId("org"), user;
    api.db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, 'Acme', '{}', 0)",
                    {storage::Text(org)});
    std::string cookie;
    {
        auto tx = api.db_.Write();
        auto created = auth::CreateUser(*tx, "v@acme.test", "V", "h", 0);
        ASSERT_TRUE(created.ok());
        user = created->id;
        ASSERT_TRUE(auth::AddMembership(*tx, org, user, auth::Role::kViewer, 0).ok());
        auto issued = api.sessions_.Create(*tx, user, org, "ip", "ua", std::nullopt, {});
        ASSERT_TRUE(issued.ok());
        cookie = issued->cookie_value;
        ASSERT_TRUE(tx->Commit().ok());
    }
    http::Response ok = api.Call(Method::get, "/api/v1/orgs/members", {{"Cookie", "wt_session=" + cookie}});
    EXPECT_EQ(ok.result_int(), 200u) << ok.body();

    http::Response with_key = api.Call(Method::get, "/api/v1/orgs/members",
                                       {{"Cookie", "wt_session=" + cookie}, {"Authorization", "Bearer wt_test_x"}});
    EXPECT_EQ(with_key.result_int(), 401u) << "API keys never work on console routes";

    http::Response no_csrf =
        api.Call(Method::post, "/api/v1/orgs/members/" + user + "/sessions/revoke", {{"Cookie", "wt_session=" + cookie}});
    EXPECT_EQ(no_csrf.result_int(), 403u);
    EXPECT_EQ(code_of(no_csrf), "csrf_failed");

    http::Response viewer_denied =
        api.Call(Method::post, "/api/v1/orgs/members/" + user + "/sessions/revoke",
                 {{"Cookie", "wt_session=" + cookie}, {"X-CSRF-Token", api.sessions_.CsrfToken(cookie)}});
    EXPECT_EQ(viewer_denied.result_int(), 403u);
    EXPECT_EQ(code_of(viewer_denied), "forbidden");
    audit::Query query;
    query.org_id = org;
    query.action = "authz.denied";
    auto denied = audit::List(api.db_.db(), query);
    ASSERT_TRUE(denied.ok());
    EXPECT_EQ(denied->entries.size(), 1u) << "refused authorization is audited";
}

}  // namespace
}  // namespace wt::api
