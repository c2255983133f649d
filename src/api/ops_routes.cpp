// SPDX-License-Identifier: Apache-2.0
// Health, readiness, metrics, OpenAPI and security.txt: no authentication, no tenant data.
#include "api/detail/support.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;

Response Text(HttpStatus status, std::string content_type, std::string body) {
    Response res{status, 11};
    res.set(http::beast_http::field::content_type, content_type);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

constexpr const char* kSecurityTxt =
    "Contact: mailto:security@watchtower.dev\n"
    "Expires: 2027-11-23T00:00:00.000Z\n"
    "Preferred-Languages: en\n"
    "Policy: https://github.com/watchtower/watchtower/blob/main/SECURITY.md\n";

}  // namespace

void RegisterOpsRoutes(Registrar& reg, std::function<boost::json::object()> openapi) {
    ApiContext& ctx = reg.ctx();
    reg.Public({Method::get, "/healthz", Surface::kPublic, std::nullopt, false, "operations", "The process is up", "",
                R"({"type":"object","properties":{"status":{"const":"ok"}}})"},
               [](Request&) -> asio::awaitable<Response> {
                   co_return http::JsonResponse(HttpStatus::ok, {{"status", "ok"}});
               });
    reg.Public({Method::get, "/readyz", Surface::kPublic, std::nullopt, false, "operations",
                "Storage is reachable and the schema current (503 otherwise)", "",
                R"({"type":"object","properties":{"status":{"type":"string"}}})"},
               [&ctx](Request& request) -> asio::awaitable<Response> {
                   auto start = std::chrono::steady_clock::now();
                   auto ping = ctx.db.Ping();
                   ctx.metrics.Observe("wt_storage_ping_seconds", "Storage ping latency (readyz)", {},
                                       std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
                   if (!ping) {
                       ctx.log->warn("request {}: not ready: {}", request.request_id(), ping.error().internal);
                       co_return http::JsonResponse(HttpStatus::service_unavailable, {{"status", "unavailable"}});
                   }
                   co_return http::JsonResponse(HttpStatus::ok, {{"status", "ready"}});
               });
    reg.Public({Method::get, "/metrics", Surface::kPublic, std::nullopt, false, "operations",
                "Prometheus metrics (text exposition format 0.0.4)", "", ""},
               [&ctx](Request&) -> asio::awaitable<Response> {
                   co_return Text(HttpStatus::ok, "text/plain; version=0.0.4; charset=utf-8", ctx.metrics.Render());
               });
    reg.Public({Method::get, "/.well-known/security.txt", Surface::kPublic, std::nullopt, false, "operations",
                "How to report a vulnerability (RFC 9116)", "", ""},
               [](Request&) -> asio::awaitable<Response> {
                   co_return Text(HttpStatus::ok, "text/plain; charset=utf-8", kSecurityTxt);
               });
    if (ctx.options.fault_routes) {
        reg.Public({Method::get, "/api/v1/_test/fault", Surface::kPublic, std::nullopt, false, "testing",
                    "Tests only (testing.fault_routes): throws, to exercise the 500 path", "", ""},
                   [](Request&) -> asio::awaitable<Response> {
                       throw std::runtime_error("injected fault: internal-detail-that-must-not-leak");
                       co_return http::EmptyResponse(HttpStatus::no_content);
                   });
    }
    reg.Public({Method::get, "/api/v1/openapi.json", Surface::kPublic, std::nullopt, false, "operations",
                "This API's OpenAPI 3.1 description", "", ""},
               [openapi = std::move(openapi)](Request&) -> asio::awaitable<Response> {
                   co_return http::JsonResponse(HttpStatus::ok, openapi());
               });
}

}  // namespace wt::api::detail
