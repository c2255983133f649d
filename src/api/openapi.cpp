// SPDX-License-Identifier: Apache-2.0
#include <string>

#include "api/api.hpp"

namespace wt::api {
namespace {

boost::json::value ParseSchema(const std::string& text) {
    if (text.empty()) return boost::json::object{{"type", "object"}};
    return boost::json::parse(text);
}

boost::json::object ProblemRef(const char* description) {
    return {{"description", description},
            {"content", {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

}  // namespace

boost::json::object BuildOpenApi(const std::vector<RouteSpec>& specs, const std::string& version) {
    boost::json::object paths;
    for (const auto& spec : specs) {
        std::string method(http::beast_http::to_string(spec.method));
        for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        boost::json::object op;
        op["summary"] = spec.summary;
        op["tags"] = boost::json::array{spec.tag};
        op["operationId"] = method + spec.path;
        boost::json::array parameters;
        for (std::size_t pos = spec.path.find('{'); pos != std::string::npos; pos = spec.path.find('{', pos + 1)) {
            auto end = spec.path.find('}', pos);
            parameters.push_back({{"name", spec.path.substr(pos + 1, end - pos - 1)},
                                  {"in", "path"},
                                  {"required", true},
                                  {"schema", {{"type", "string"}}}});
        }
        if (spec.surface == Surface::kConsole) {
            op["security"] = boost::json::array{boost::json::object{{"sessionCookie", boost::json::array{}}}};
            op["x-permission"] = auth::PermissionName(*spec.permission);
            op["x-recent-authentication"] = spec.recent_auth;
            // Reachable by an ADMIN / RISK_LEAD (or anyone under require_mfa_for_all) who has not
            // enrolled in MFA yet; every other console route answers them 403 mfa_enrollment_required.
            op["x-mfa-exempt"] = spec.mfa_exempt;
            if (spec.method != http::Method::get)
                parameters.push_back(
                    {{"name", "X-CSRF-Token"}, {"in", "header"}, {"required", true}, {"schema", {{"type", "string"}}}});
        } else if (spec.surface == Surface::kIngestion) {
            op["security"] = boost::json::array{boost::json::object{{"apiKey", boost::json::array{}}}};
            if (spec.method == http::Method::post)
                parameters.push_back({{"name", "Idempotency-Key"},
                                      {"in", "header"},
                                      {"required", false},
                                      {"description", "1..255 printable ASCII characters; default: the external_id"},
                                      {"schema", {{"type", "string"}}}});
        } else {
            op["security"] = boost::json::array{};
        }
        for (const auto& query : spec.query_parameters)
            parameters.push_back(
                {{"name", query}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}}});
        if (!parameters.empty()) op["parameters"] = std::move(parameters);
        if (!spec.request_schema.empty())
            op["requestBody"] = {{"required", true},
                                 {"content", {{"application/json", {{"schema", ParseSchema(spec.request_schema)}}}}}};
        if (!spec.raw_request_media_types.empty()) {
            boost::json::object content;
            for (const auto& type : spec.raw_request_media_types)
                content[type] = {{"schema", {{"type", "string"}, {"format", "binary"}}}};
            op["requestBody"] = {{"required", true}, {"content", std::move(content)}};
        }
        boost::json::object responses;
        std::string ok = std::to_string(spec.success_status);
        if (spec.success_status == 204) {
            responses[ok] = {{"description", "done"}};
        } else {
            boost::json::value schema = spec.response_schema.empty() && spec.response_media_type != "application/json"
                                            ? boost::json::value{{"type", "string"}}
                                            : ParseSchema(spec.response_schema);
            responses[ok] = {{"description", "success"},
                             {"content", {{spec.response_media_type, {{"schema", std::move(schema)}}}}}};
        }
        if (!spec.raw_request_media_types.empty()) {
            responses["413"] = ProblemRef("payload_too_large");
            responses["415"] = ProblemRef("unsupported_media_type");
            responses["422"] = ProblemRef("validation_failed");
        }
        if (!spec.request_schema.empty()) {
            responses["400"] = ProblemRef("malformed_request");
            responses["415"] = ProblemRef("unsupported_media_type");
            responses["422"] = ProblemRef("validation_failed");
        }
        if (spec.surface == Surface::kConsole) {
            responses["401"] = ProblemRef("unauthenticated");
            responses["403"] = ProblemRef("forbidden, csrf_failed or reauthentication_required");
            responses["404"] = ProblemRef("not_found");
        }
        if (spec.surface == Surface::kIngestion) {
            responses["401"] = ProblemRef("unauthenticated");
            responses["403"] = ProblemRef("ip_not_allowed");
            // A batch answers conflicts per item, inside its 200.
            if (spec.path.find("/batch") == std::string::npos)
                responses["409"] = ProblemRef("conflict or idempotency_conflict");
            responses["413"] = ProblemRef("payload_too_large");
            responses["429"] = ProblemRef("rate_limited (per-key limit; see Retry-After)");
            responses["503"] = ProblemRef("unavailable (retry with the same idempotency key)");
        }
        op["responses"] = std::move(responses);
        auto& path_item = paths[spec.path];
        if (!path_item.is_object()) path_item.emplace_object();
        path_item.as_object()[method] = std::move(op);
    }
    boost::json::object problem_schema = {
        {"type", "object"},
        {"required", boost::json::array{"type", "title", "status", "code"}},
        {"properties",
         {{"type", {{"type", "string"}}},
          {"title", {{"type", "string"}}},
          {"status", {{"type", "integer"}}},
          {"detail", {{"type", "string"}}},
          {"code", {{"type", "string"}}},
          {"errors",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"properties",
               {{"field", {{"type", "string"}}},
                {"message", {{"type", "string"}}},
                {"line", {{"type", "integer"}, {"description", "1-based; rule expression errors only"}}},
                {"column", {{"type", "integer"}, {"description", "1-based, in characters; rule expression errors only"}}}}}}}}}}}};
    return {{"openapi", "3.1.0"},
            {"info",
             {{"title", "WatchTower API"},
              {"version", version},
              {"description", "Transaction monitoring: console (session cookie) and ingestion (API key) surfaces."}}},
            {"paths", std::move(paths)},
            {"components",
             {{"schemas", {{"Problem", std::move(problem_schema)}}},
              {"securitySchemes",
               {{"sessionCookie", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "wt_session"}}},
                {"apiKey", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

}  // namespace wt::api
