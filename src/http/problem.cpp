// SPDX-License-Identifier: Apache-2.0
// The one table from ErrorCode to HTTP status and title (RFC 9457 problem details).
#include <string>

#include "http/message.hpp"

namespace wt::http {
namespace {

struct ProblemKind {
    HttpStatus status;
    const char* title;
};

ProblemKind KindOf(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidCredentials: return {HttpStatus::unauthorized, "Invalid credentials"};
        case ErrorCode::kMfaRequired: return {HttpStatus::unauthorized, "Second factor required"};
        case ErrorCode::kMfaEnrollmentRequired: return {HttpStatus::forbidden, "MFA enrollment required"};
        case ErrorCode::kInvalidMfaCode: return {HttpStatus::unauthorized, "Invalid MFA code"};
        case ErrorCode::kUnauthenticated: return {HttpStatus::unauthorized, "Authentication required"};
        case ErrorCode::kForbidden: return {HttpStatus::forbidden, "Forbidden"};
        case ErrorCode::kCsrfFailed: return {HttpStatus::forbidden, "CSRF check failed"};
        case ErrorCode::kReauthenticationRequired: return {HttpStatus::forbidden, "Recent authentication required"};
        case ErrorCode::kIpNotAllowed: return {HttpStatus::forbidden, "IP address not allowed"};
        case ErrorCode::kRateLimited: return {HttpStatus::too_many_requests, "Too many requests"};
        case ErrorCode::kMalformedRequest: return {HttpStatus::bad_request, "Malformed request"};
        case ErrorCode::kValidationFailed: return {HttpStatus::unprocessable_entity, "Validation failed"};
        case ErrorCode::kNotFound: return {HttpStatus::not_found, "Not found"};
        case ErrorCode::kMethodNotAllowed: return {HttpStatus::method_not_allowed, "Method not allowed"};
        case ErrorCode::kConflict: return {HttpStatus::conflict, "Conflict"};
        case ErrorCode::kIdempotencyConflict: return {HttpStatus::conflict, "Idempotency key reused with another body"};
        case ErrorCode::kPayloadTooLarge: return {HttpStatus::payload_too_large, "Payload too large"};
        case ErrorCode::kHeadersTooLarge: return {HttpStatus::request_header_fields_too_large, "Request headers too large"};
        case ErrorCode::kUnsupportedMediaType: return {HttpStatus::unsupported_media_type, "Unsupported media type"};
        case ErrorCode::kInvalidToken: return {HttpStatus::bad_request, "Invalid or expired token"};
        case ErrorCode::kUnavailable: return {HttpStatus::service_unavailable, "Service unavailable"};
        case ErrorCode::kInternal: return {HttpStatus::internal_server_error, "Internal server error"};
    }
    return {HttpStatus::internal_server_error, "Internal server error"};
}

}  // namespace

HttpStatus StatusFor(ErrorCode code) { return KindOf(code).status; }

boost::json::object ProblemJson(const Error& error) {
    ProblemKind kind = KindOf(error.code);
    std::string_view name = ErrorCodeName(error.code);
    boost::json::object body;
    body["type"] = "https://watchtower.dev/problems/" + std::string(name);
    body["title"] = kind.title;
    body["status"] = static_cast<int>(kind.status);
    // Internal errors never carry their detail to the client: only the generic text.
    body["detail"] = error.code == ErrorCode::kInternal ? std::string("internal error") : error.detail;
    body["code"] = name;
    if (!error.fields.empty()) {
        boost::json::array fields;
        for (const auto& field : error.fields) {
            boost::json::object entry{{"field", field.field}, {"message", field.message}};
            if (field.line > 0) {
                entry["line"] = field.line;
                entry["column"] = field.column;
            }
            fields.push_back(std::move(entry));
        }
        body["errors"] = std::move(fields);
    }
    return body;
}

Response ProblemResponse(const Error& error) {
    Response res{StatusFor(error.code), 11};
    res.set(beast_http::field::content_type, "application/problem+json");
    if ((error.code == ErrorCode::kRateLimited || error.code == ErrorCode::kUnavailable) &&
        error.retry_after_seconds > 0) {
        res.set(beast_http::field::retry_after, std::to_string(error.retry_after_seconds));
    }
    res.body() = boost::json::serialize(ProblemJson(error));
    res.prepare_payload();
    return res;
}

}  // namespace wt::http
