// SPDX-License-Identifier: Apache-2.0
// The MFA policy by role and organization setting, the enrolment QR code and the backup-code
// format. The flows through storage are in login_test.cpp and tests/integration/mfa_test.cpp.
#include "auth/mfa.hpp"

#include <gtest/gtest.h>

#include <set>

#include "auth/totp.hpp"

namespace wt::auth {
namespace {

TEST(MfaPolicyTest, AdminsAndRiskLeadsAlwaysOthersWhenTheOrganizationSaysSo) {
    for (const char* settings :
         {"{}", R"({"require_mfa_for_all":false})", "not json", R"({"require_mfa_for_all":1})"}) {
        EXPECT_TRUE(MfaRequired(Role::kAdmin, settings)) << settings;
        EXPECT_TRUE(MfaRequired(Role::kRiskLead, settings)) << settings;
        EXPECT_FALSE(MfaRequired(Role::kAnalyst, settings)) << settings;
        EXPECT_FALSE(MfaRequired(Role::kViewer, settings)) << settings;
    }
    const char* all = R"({"session_idle_minutes":30,"require_mfa_for_all":true})";
    for (Role role : {Role::kAdmin, Role::kRiskLead, Role::kAnalyst, Role::kViewer})
        EXPECT_TRUE(MfaRequired(role, all)) << RoleName(role);
}

TEST(MfaQrTest, TheSvgIsSelfContainedWithAQuietZone) {
    const std::string uri = OtpauthUri("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "ada@acme.test");
    const std::string svg = QrCodeSvg(uri);
    ASSERT_FALSE(svg.empty());
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", 0), 0u) << svg.substr(0, 80);
    EXPECT_NE(svg.find("<path fill=\"#000\" d=\"M"), std::string::npos);
    // Version 5+ for a URI this long (37+ modules) plus 4 quiet modules on each side.
    const auto size_at = svg.find("viewBox=\"0 0 ") + 13;
    const int size = std::stoi(svg.substr(size_at));
    EXPECT_GE(size, 37 + 8);
    EXPECT_EQ((size - 8 - 21) % 4, 0) << "a QR symbol is 21 + 4k modules wide";
    // Nothing in the quiet zone: no module starts at a coordinate below 4.
    EXPECT_EQ(svg.find("M0 "), std::string::npos);
    EXPECT_EQ(svg.find("M3 "), std::string::npos);
    for (const char* forbidden : {"href", "<script", "<image", "url(", "style="})
        EXPECT_EQ(svg.find(forbidden), std::string::npos) << forbidden;
    EXPECT_EQ(QrCodeSvg(uri), svg) << "deterministic";
}

TEST(BackupCodesTest, TenDistinctCodesOfFiftyBitsHashedWithTheirOwnSalt) {
    BackupCodeSet set = NewBackupCodes();
    ASSERT_EQ(set.codes.size(), static_cast<std::size_t>(kBackupCodeCount));
    ASSERT_EQ(set.hashes.size(), set.codes.size());
    std::set<std::string> codes(set.codes.begin(), set.codes.end());
    std::set<std::string> hashes(set.hashes.begin(), set.hashes.end());
    EXPECT_EQ(codes.size(), set.codes.size());
    EXPECT_EQ(hashes.size(), set.hashes.size());
    for (const auto& code : set.codes) {
        ASSERT_EQ(code.size(), 11u) << code;
        EXPECT_EQ(code[5], '-') << code;
        for (std::size_t pos : {0u, 1u, 2u, 3u, 4u, 6u, 7u, 8u, 9u, 10u})
            EXPECT_TRUE((code[pos] >= 'a' && code[pos] <= 'z') || (code[pos] >= '2' && code[pos] <= '7')) << code;
    }
    for (const auto& hash : set.hashes)
        EXPECT_EQ(hash.rfind("pbkdf2-sha256$" + std::to_string(kBackupCodeIterations) + "$", 0), 0u) << hash;
}

}  // namespace
}  // namespace wt::auth
