// SPDX-License-Identifier: Apache-2.0
#include "common/error.hpp"

namespace wt {

std::string_view ErrorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidCredentials: return "invalid_credentials";
        case ErrorCode::kMfaRequired: return "mfa_required";
        case ErrorCode::kMfaEnrollmentRequired: return "mfa_enrollment_required";
        case ErrorCode::kInvalidMfaCode: return "invalid_mfa_code";
        case ErrorCode::kUnauthenticated: return "unauthenticated";
        case ErrorCode::kForbidden: return "forbidden";
        case ErrorCode::kCsrfFailed: return "csrf_failed";
        case ErrorCode::kReauthenticationRequired: return "reauthentication_required";
        case ErrorCode::kIpNotAllowed: return "ip_not_allowed";
        case ErrorCode::kRateLimited: return "rate_limited";
        case ErrorCode::kMalformedRequest: return "malformed_request";
        case ErrorCode::kValidationFailed: return "validation_failed";
        case ErrorCode::kNotFound: return "not_found";
        case ErrorCode::kMethodNotAllowed: return "method_not_allowed";
        case ErrorCode::kConflict: return "conflict";
        case ErrorCode::kIdempotencyConflict: return "idempotency_conflict";
        case ErrorCode::kPayloadTooLarge: return "payload_too_large";
        case ErrorCode::kHeadersTooLarge: return "headers_too_large";
        case ErrorCode::kUnsupportedMediaType: return "unsupported_media_type";
        case ErrorCode::kInvalidToken: return "invalid_token";
        case ErrorCode::kUnavailable: return "unavailable";
        case ErrorCode::kInternal: return "internal";
    }
    return "internal";
}

}  // namespace wt
