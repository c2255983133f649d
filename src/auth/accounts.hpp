// SPDX-License-Identifier: Apache-2.0
/// Users and their memberships in organizations. One account per email (unique,
/// case-insensitive); a membership gives the user one role in one organization.
/// All functions run inside a caller's transaction. Tenant rule: anything organization-scoped
/// takes the org id and filters by it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/roles.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::auth {

struct User {
    std::string id;
    std::string email;
    std::string name;
    std::string password_hash;
    bool mfa_enabled = false;
    UnixMicros created_at = 0;
    std::optional<UnixMicros> last_login_at;
};

struct Membership {
    std::string org_id;
    std::string org_name;
    Role role = Role::kViewer;
    UnixMicros created_at = 0;
};

/// Lower-cased, surrounding whitespace removed: the key that makes emails unique.
std::string NormalizeEmail(std::string_view email);
/// A plausible address: one '@', non-empty local part and a dotted domain, no spaces or control
/// characters, at most 254 characters. Returns kValidationFailed on `field`.
Status ValidateEmail(std::string_view email, std::string_view field = "email");

Result<std::optional<User>> FindUserByEmail(storage::Transaction& tx, std::string_view email);
Result<std::optional<User>> FindUserById(storage::Transaction& tx, std::string_view user_id);
/// kConflict when the email is taken.
Result<User> CreateUser(storage::Transaction& tx, std::string_view email, std::string_view name,
                        std::string password_hash, UnixMicros now);
Status SetPasswordHash(storage::Transaction& tx, std::string_view user_id, std::string_view password_hash);
Status RecordLogin(storage::Transaction& tx, std::string_view user_id, UnixMicros now);

/// The user's memberships, oldest first.
Result<std::vector<Membership>> ListMemberships(storage::Transaction& tx, std::string_view user_id);
Result<std::optional<Role>> FindRole(storage::Transaction& tx, std::string_view org_id, std::string_view user_id);
/// kConflict when the user is already a member.
Status AddMembership(storage::Transaction& tx, std::string_view org_id, std::string_view user_id, Role role,
                     UnixMicros now);

}  // namespace wt::auth
