// SPDX-License-Identifier: Apache-2.0
/// Organizations (tenants), their settings and their members. Every function takes the
/// organization id it acts in and touches only that organization's rows: a user id that is not a
/// member of it is `kNotFound`, exactly like an id that does not exist.
/// Changes append their audit entry in the same transaction.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.hpp"
#include "auth/accounts.hpp"
#include "auth/roles.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::orgs {

/// How long an alert may stay open, by severity, before it is overdue (hours, 1..8760). Applied
/// when alerts are read: a change moves the due time of every alert not yet closed.
struct AlertSla {
    int low = 72;
    int medium = 24;
    int high = 8;
    int critical = 2;
    /// The hours of `severity` ("low".."critical"); `critical`'s for an unknown name.
    int HoursOf(std::string_view severity) const;
};

struct Settings {
    bool require_mfa_for_all = false;
    int session_idle_minutes = 30;  // 5..720
    int session_max_hours = 24;     // 1..24
    std::string time_zone = "UTC";  // IANA name
    AlertSla alert_sla_hours;
};

boost::json::object SettingsToJson(const Settings& settings);
Settings SettingsFromText(std::string_view json_text);
/// Applies a partial `settings` object from a PATCH; kValidationFailed naming `settings.<field>`.
Result<Settings> ApplySettingsPatch(Settings current, const boost::json::value& patch);
/// True for names of the IANA time zone database shipped with the system (plus "UTC").
bool IsKnownTimeZone(std::string_view name);

struct Organization {
    std::string id;
    std::string name;
    Settings settings;
    UnixMicros created_at = 0;
};

boost::json::object ToJson(const Organization& org);
Status ValidateOrganizationName(std::string_view name, std::string_view field = "name");

Result<Organization> CreateOrganization(storage::Transaction& tx, std::string_view name, UnixMicros now);
Result<std::optional<Organization>> FindOrganization(storage::Transaction& tx, std::string_view org_id);
Status SaveOrganization(storage::Transaction& tx, const Organization& org);
/// Number of organizations (0 means "not initialised").
Result<std::int64_t> CountOrganizations(storage::Transaction& tx);
/// Names of the organizations a user belongs to (for the password policy).
Result<std::vector<std::string>> OrganizationNamesOf(storage::Transaction& tx, std::string_view user_id);

struct Member {
    std::string user_id;
    std::string email;
    std::string name;
    auth::Role role = auth::Role::kViewer;
    bool mfa_enabled = false;
    std::optional<UnixMicros> last_login_at;
    UnixMicros created_at = 0;  // when the membership was created
};
boost::json::object ToJson(const Member& member);

struct MemberPage {
    std::vector<Member> members;
    std::optional<std::string> next_cursor;
};
/// Newest membership first; `cursor` is what a previous page returned.
Result<MemberPage> ListMembers(storage::Transaction& tx, std::string_view org_id, int limit,
                               std::optional<std::string> cursor);
Result<std::optional<Member>> FindMember(storage::Transaction& tx, std::string_view org_id, std::string_view user_id);

/// Who acts and from where, for the audit entry.
struct ActorContext {
    audit::Actor actor;
    std::string ip;
    std::string user_agent;
};

/// Changes a member's role and ends that user's sessions in this organization.
/// kNotFound when not a member; kConflict when it would leave the organization without an ADMIN.
Result<Member> ChangeRole(storage::Transaction& tx, std::string_view org_id, std::string_view user_id,
                          auth::Role role, const ActorContext& actor, UnixMicros now);
/// Removes a membership and ends that user's sessions in this organization. Same errors.
Status RemoveMember(storage::Transaction& tx, std::string_view org_id, std::string_view user_id,
                    const ActorContext& actor, UnixMicros now);
/// Ends a member's sessions in this organization (admin action). Returns how many ended.
Result<std::int64_t> RevokeMemberSessions(storage::Transaction& tx, std::string_view org_id,
                                          std::string_view user_id, const ActorContext& actor, UnixMicros now);

/// Bootstrap for the CLI (`init`, `org create`): a new organization and its first ADMIN (a new
/// account, or an existing one by email, whose password is then left unchanged).
struct Bootstrap {
    Organization org;
    auth::User admin;
    bool created_user = false;
};
Result<Bootstrap> CreateOrganizationWithAdmin(storage::Transaction& tx, std::string_view org_name,
                                              std::string_view email, std::string_view name,
                                              const std::string& password_hash, UnixMicros now);
/// Adds `email` to an organization with `role` (a new account when the email is unknown).
struct AddedUser {
    auth::User user;
    bool created_user = false;
};
Result<AddedUser> AddUser(storage::Transaction& tx, std::string_view org_id, std::string_view email,
                          std::string_view name, auth::Role role, const std::string& password_hash,
                          const ActorContext& actor, UnixMicros now);

}  // namespace wt::orgs
