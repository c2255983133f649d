// SPDX-License-Identifier: Apache-2.0
#include "auth/roles.hpp"

namespace wt::auth {

std::optional<Role> ParseRole(std::string_view name) {
    if (name == "ADMIN") return Role::kAdmin;
    if (name == "RISK_LEAD") return Role::kRiskLead;
    if (name == "ANALYST") return Role::kAnalyst;
    if (name == "VIEWER") return Role::kViewer;
    return std::nullopt;
}

std::string_view RoleName(Role role) {
    switch (role) {
        case Role::kAdmin: return "ADMIN";
        case Role::kRiskLead: return "RISK_LEAD";
        case Role::kAnalyst: return "ANALYST";
        case Role::kViewer: return "VIEWER";
    }
    return "VIEWER";
}

std::string_view PermissionName(Permission permission) {
    switch (permission) {
        case Permission::kRead: return "read";
        case Permission::kWorkAlerts: return "work_alerts";
        case Permission::kAssignOthers: return "assign_others";
        case Permission::kManageRules: return "manage_rules";
        case Permission::kReadAudit: return "read_audit";
        case Permission::kAdminister: return "administer";
    }
    return "administer";
}

bool RoleAllows(Role role, Permission permission) {
    switch (permission) {
        case Permission::kRead: return true;
        case Permission::kWorkAlerts: return role != Role::kViewer;
        case Permission::kAssignOthers:
        case Permission::kManageRules:
        case Permission::kReadAudit: return role == Role::kRiskLead || role == Role::kAdmin;
        case Permission::kAdminister: return role == Role::kAdmin;
    }
    return false;
}

bool RoleRequiresMfa(Role role) { return role == Role::kAdmin || role == Role::kRiskLead; }

}  // namespace wt::auth
