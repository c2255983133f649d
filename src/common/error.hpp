// SPDX-License-Identifier: Apache-2.0
/// Errors as values. Every expected failure in WatchTower is an `Error`: one stable `ErrorCode`
/// (mapped to an HTTP status and RFC 9457 `code` in exactly one table, `http/problem.cpp`), a
/// human-readable detail that is safe to show to the caller, and optional per-field messages.
/// Foreign errors (SQLite codes, errno, OpenSSL) are converted to `Error` at the boundary where
/// they occur; their raw text goes to `internal`, which is logged but never sent to a client.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wt {

enum class ErrorCode {
    kInvalidCredentials,        // 401 invalid_credentials
    kMfaRequired,               // 401 mfa_required
    kMfaEnrollmentRequired,     // 403 mfa_enrollment_required
    kInvalidMfaCode,            // 401 invalid_mfa_code
    kUnauthenticated,           // 401 unauthenticated
    kForbidden,                 // 403 forbidden
    kCsrfFailed,                // 403 csrf_failed
    kReauthenticationRequired,  // 403 reauthentication_required
    kIpNotAllowed,              // 403 ip_not_allowed
    kRateLimited,               // 429 rate_limited
    kMalformedRequest,          // 400 malformed_request
    kValidationFailed,          // 422 validation_failed
    kNotFound,                  // 404 not_found
    kMethodNotAllowed,          // 405 method_not_allowed
    kConflict,                  // 409 conflict
    kIdempotencyConflict,       // 409 idempotency_conflict
    kPayloadTooLarge,           // 413 payload_too_large
    kHeadersTooLarge,           // 431 headers_too_large
    kUnsupportedMediaType,      // 415 unsupported_media_type
    kInvalidToken,              // 400 invalid_token
    kUnavailable,               // 503 unavailable (storage down, shutting down, overloaded)
    kInternal,                  // 500 internal (never caused by user input: a test proves it)
};

/// One invalid field: `field` is a dotted path into the request body (`settings.time_zone`).
/// `line` and `column` (1-based) point into the field's text where that is meaningful (a rule
/// expression's compile error); 0 when they do not apply, and then they are not sent.
struct FieldError {
    std::string field;
    std::string message;
    int line = 0;
    int column = 0;
};

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string detail;                // shown to the client
    std::vector<FieldError> fields;    // shown to the client (validation errors)
    std::string internal;              // logged only: SQLite messages, errno text, ...
    int retry_after_seconds = 0;       // for kRateLimited / kUnavailable

    static Error Make(ErrorCode code, std::string detail) { return Error{code, std::move(detail), {}, {}, 0}; }
    static Error Internal(std::string internal_text) {
        return Error{ErrorCode::kInternal, "internal error", {}, std::move(internal_text), 0};
    }
    static Error Validation(std::vector<FieldError> fields) {
        return Error{ErrorCode::kValidationFailed, "the request has invalid fields", std::move(fields), {}, 0};
    }
    static Error Validation(std::string field, std::string message) {
        return Validation(std::vector<FieldError>{{std::move(field), std::move(message)}});
    }
    static Error NotFound(std::string detail = "not found") { return Make(ErrorCode::kNotFound, std::move(detail)); }
};

/// The stable machine-readable name of a code (`"validation_failed"`).
std::string_view ErrorCodeName(ErrorCode code);

}  // namespace wt
