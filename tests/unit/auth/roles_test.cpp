// SPDX-License-Identifier: Apache-2.0
#include "auth/roles.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace wt::auth {
namespace {

constexpr Role kAllRoles[] = {Role::kViewer, Role::kAnalyst, Role::kRiskLead, Role::kAdmin};
constexpr Permission kAllPermissions[] = {Permission::kRead,        Permission::kWorkAlerts, Permission::kAssignOthers,
                                          Permission::kManageRules, Permission::kReadAudit,  Permission::kAdminister};

TEST(RolesTest, ParseAndNameRoundTrip) {
    for (Role role : kAllRoles) {
        auto parsed = ParseRole(RoleName(role));
        ASSERT_TRUE(parsed.has_value()) << RoleName(role);
        EXPECT_EQ(*parsed, role);
    }
    EXPECT_EQ(RoleName(Role::kAdmin), "ADMIN");
    EXPECT_EQ(RoleName(Role::kRiskLead), "RISK_LEAD");
    EXPECT_EQ(RoleName(Role::kAnalyst), "ANALYST");
    EXPECT_EQ(RoleName(Role::kViewer), "VIEWER");
}

TEST(RolesTest, ParseRefusesOtherSpellings) {
    for (const char* name : {"", "admin", "Admin", "ADMIN ", " ADMIN", "RISK-LEAD", "RISKLEAD", "OWNER", "SUPERUSER"})
        EXPECT_EQ(ParseRole(name), std::nullopt) << "'" << name << "'";
}

TEST(RolesTest, PermissionNamesAreDistinct) {
    std::set<std::string> names;
    for (Permission permission : kAllPermissions) EXPECT_TRUE(names.insert(std::string(PermissionName(permission))).second);
    EXPECT_EQ(PermissionName(Permission::kAdminister), "administer");
    EXPECT_EQ(PermissionName(Permission::kReadAudit), "read_audit");
}

// API.md "Roles": one row per permission, columns VIEWER, ANALYST, RISK_LEAD, ADMIN.
TEST(RolesTest, MatrixMatchesApiMd) {
    struct Row {
        Permission permission;
        bool viewer, analyst, risk_lead, admin;
    };
    const Row matrix[] = {
        {Permission::kRead, true, true, true, true},
        {Permission::kWorkAlerts, false, true, true, true},
        {Permission::kAssignOthers, false, false, true, true},
        {Permission::kManageRules, false, false, true, true},
        {Permission::kReadAudit, false, false, true, true},
        {Permission::kAdminister, false, false, false, true},
    };
    ASSERT_EQ(std::size(matrix), std::size(kAllPermissions));
    for (const Row& row : matrix) {
        SCOPED_TRACE(std::string(PermissionName(row.permission)));
        EXPECT_EQ(RoleAllows(Role::kViewer, row.permission), row.viewer);
        EXPECT_EQ(RoleAllows(Role::kAnalyst, row.permission), row.analyst);
        EXPECT_EQ(RoleAllows(Role::kRiskLead, row.permission), row.risk_lead);
        EXPECT_EQ(RoleAllows(Role::kAdmin, row.permission), row.admin);
    }
}

TEST(RolesTest, MfaRequiredForAdminAndRiskLeadOnly) {
    EXPECT_TRUE(RoleRequiresMfa(Role::kAdmin));
    EXPECT_TRUE(RoleRequiresMfa(Role::kRiskLead));
    EXPECT_FALSE(RoleRequiresMfa(Role::kAnalyst));
    EXPECT_FALSE(RoleRequiresMfa(Role::kViewer));
}

}  // namespace
}  // namespace wt::auth
