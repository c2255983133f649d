// SPDX-License-Identifier: Apache-2.0
/// Roles and permissions (API.md "Roles"). Every console route declares one Permission; a role
/// either has it or the request is refused. This table is the only place that says which role may
/// do what.
#pragma once

#include <optional>
#include <string_view>

namespace wt::auth {

enum class Role { kViewer, kAnalyst, kRiskLead, kAdmin };

enum class Permission {
    kRead,          // dashboard, transactions, alerts, cases, rules, lists, reports, members
    kWorkAlerts,    // assign self, comment, status, close alert
    kAssignOthers,  // assign others, close cases with a resolution, export reports
    kManageRules,   // create / change / activate rules and lists, run backtests
    kReadAudit,     // read the audit log
    kAdminister,    // team, API keys, allowed IPs, notification channels, org settings
};

std::optional<Role> ParseRole(std::string_view name);  // "ADMIN", "RISK_LEAD", "ANALYST", "VIEWER"
std::string_view RoleName(Role role);
std::string_view PermissionName(Permission permission);
bool RoleAllows(Role role, Permission permission);
/// ADMIN and RISK_LEAD must enrol in MFA (enforced once MFA exists).
bool RoleRequiresMfa(Role role);

}  // namespace wt::auth
