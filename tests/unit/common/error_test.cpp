// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "common/error.hpp"

namespace wt {
namespace {

// Every enumerator, in declaration order. kInternal is the last one (see error.hpp).
constexpr int kCodeCount = static_cast<int>(ErrorCode::kInternal) + 1;

TEST(ErrorCodeNameTest, EveryCodeHasItsDocumentedName) {
    // The names of error.hpp's comments, which API.md and the console rely on.
    const std::pair<ErrorCode, const char*> expected[] = {
        {ErrorCode::kInvalidCredentials, "invalid_credentials"},
        {ErrorCode::kMfaRequired, "mfa_required"},
        {ErrorCode::kMfaEnrollmentRequired, "mfa_enrollment_required"},
        {ErrorCode::kInvalidMfaCode, "invalid_mfa_code"},
        {ErrorCode::kUnauthenticated, "unauthenticated"},
        {ErrorCode::kForbidden, "forbidden"},
        {ErrorCode::kCsrfFailed, "csrf_failed"},
        {ErrorCode::kReauthenticationRequired, "reauthentication_required"},
        {ErrorCode::kIpNotAllowed, "ip_not_allowed"},
        {ErrorCode::kRateLimited, "rate_limited"},
        {ErrorCode::kMalformedRequest, "malformed_request"},
        {ErrorCode::kValidationFailed, "validation_failed"},
        {ErrorCode::kNotFound, "not_found"},
        {ErrorCode::kMethodNotAllowed, "method_not_allowed"},
        {ErrorCode::kConflict, "conflict"},
        {ErrorCode::kIdempotencyConflict, "idempotency_conflict"},
        {ErrorCode::kPayloadTooLarge, "payload_too_large"},
        {ErrorCode::kHeadersTooLarge, "headers_too_large"},
        {ErrorCode::kUnsupportedMediaType, "unsupported_media_type"},
        {ErrorCode::kInvalidToken, "invalid_token"},
        {ErrorCode::kUnavailable, "unavailable"},
        {ErrorCode::kInternal, "internal"},
    };
    ASSERT_EQ(std::size(expected), static_cast<std::size_t>(kCodeCount)) << "a code was added: extend this table";
    for (const auto& [code, name] : expected) EXPECT_EQ(ErrorCodeName(code), name);
}

TEST(ErrorCodeNameTest, NamesAreDistinctAndSnakeCase) {
    const std::regex snake_case("^[a-z]+(_[a-z]+)*$");
    std::set<std::string> seen;
    for (int code_idx = 0; code_idx < kCodeCount; ++code_idx) {
        std::string name(ErrorCodeName(static_cast<ErrorCode>(code_idx)));
        EXPECT_TRUE(std::regex_match(name, snake_case)) << "code " << code_idx << ": '" << name << "'";
        EXPECT_TRUE(seen.insert(name).second) << "duplicate name '" << name << "' for code " << code_idx;
    }
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(kCodeCount));
}

}  // namespace
}  // namespace wt
