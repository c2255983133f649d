// SPDX-License-Identifier: Apache-2.0
#include "orgs/organizations.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "auth/sessions.hpp"
#include "common/json.hpp"
#include "crypto/crypto.hpp"

namespace wt::orgs {
namespace {

using storage::Int;
using storage::Text;

audit::Event MakeEvent(std::string_view org_id, const ActorContext& actor, std::string action, std::string target,
                       boost::json::object details) {
    return audit::Event{std::string(org_id), actor.actor, std::move(action), std::move(target),
                        actor.ip,           actor.user_agent, std::move(details)};
}

Member MemberFromRow(const storage::Row& row) {
    return Member{row.GetText(0), row.GetText(1), row.GetText(2), auth::ParseRole(row.GetText(3)).value_or(auth::Role::kViewer),
                  row.GetInt(4) != 0, row.GetOptInt(5), row.GetInt(6)};
}

constexpr const char* kMemberSelect =
    "SELECT u.id, u.email, u.name, m.role, u.mfa_enabled, u.last_login_at, m.created_at FROM memberships m "
    "JOIN users u ON u.id = m.user_id WHERE m.org_id = $1";

// kConflict when `member` is the organization's only ADMIN (`verb`: "demoted", "removed").
Status EnsureNotLastAdmin(storage::Transaction& tx, std::string_view org_id, const Member& member,
                          std::string_view verb) {
    if (member.role != auth::Role::kAdmin) return Ok();
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'ADMIN'",
                                              {Text(std::string(org_id))}));
    if (row && row->GetInt(0) > 1) return Ok();
    return Error::Make(ErrorCode::kConflict, fmt::format("the last ADMIN of an organization cannot be {}", verb));
}

}  // namespace

int AlertSla::HoursOf(std::string_view severity) const {
    if (severity == "low") return low;
    if (severity == "medium") return medium;
    if (severity == "high") return high;
    return critical;
}

boost::json::object SettingsToJson(const Settings& s) {
    const AlertSla& sla = s.alert_sla_hours;
    return {{"require_mfa_for_all", s.require_mfa_for_all},
            {"session_idle_minutes", s.session_idle_minutes},
            {"session_max_hours", s.session_max_hours},
            {"time_zone", s.time_zone},
            {"alert_sla_hours",
             {{"low", sla.low}, {"medium", sla.medium}, {"high", sla.high}, {"critical", sla.critical}}}};
}

Settings SettingsFromText(std::string_view json_text) {
    Settings settings;
    boost::system::error_code ec;
    auto value = boost::json::parse(json_text, ec);
    if (ec || !value.is_object()) return settings;
    auto applied = ApplySettingsPatch(settings, value);
    return applied ? *applied : settings;
}

bool IsKnownTimeZone(std::string_view name) {
    if (name == "UTC") return true;
    if (name.empty() || name.size() > 64 || name.front() == '/' || name.find("..") != std::string_view::npos)
        return false;
    for (char c : name) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
                  c == '-' || c == '+';
        if (!ok) return false;
    }
    // A zone is a compiled TZif file; the directory also holds other files (leapseconds, tzdata.zi).
    std::ifstream zone(std::filesystem::path("/usr/share/zoneinfo") / std::string(name), std::ios::binary);
    char magic[4] = {};
    return zone.read(magic, sizeof magic) && std::string_view(magic, sizeof magic) == "TZif";
}

Result<Settings> ApplySettingsPatch(Settings current, const boost::json::value& patch) {
    JsonReader in(patch, "settings");
    if (auto v = in.OptionalBool("require_mfa_for_all")) current.require_mfa_for_all = *v;
    if (auto v = in.OptionalInt("session_idle_minutes", 5, 720)) current.session_idle_minutes = static_cast<int>(*v);
    if (auto v = in.OptionalInt("session_max_hours", 1, 24)) current.session_max_hours = static_cast<int>(*v);
    if (auto v = in.OptionalString("time_zone", 1, 64)) {
        if (IsKnownTimeZone(*v)) {
            current.time_zone = *v;
        } else {
            in.AddError("time_zone", "must be an IANA time zone name such as \"Europe/Berlin\"");
        }
    }
    if (const auto* sla = in.Raw("alert_sla_hours"); sla != nullptr) {
        // A partial object: the severities it names change, the others stay.
        JsonReader hours(*sla, "alert_sla_hours");
        AlertSla& target = current.alert_sla_hours;
        for (auto [name, field] : {std::pair{"low", &target.low}, std::pair{"medium", &target.medium},
                                   std::pair{"high", &target.high}, std::pair{"critical", &target.critical}})
            if (auto v = hours.OptionalInt(name, 1, 8760)) *field = static_cast<int>(*v);
        hours.RejectUnknown();
        if (auto finished = hours.Finish(); !finished)
            for (const auto& problem : finished.error().fields) in.AddError(problem.field, problem.message);
    }
    in.RejectUnknown();
    WT_RETURN_IF_ERROR(in.Finish());
    return current;
}

boost::json::object ToJson(const Organization& org) {
    return {{"id", org.id}, {"name", org.name}, {"settings", SettingsToJson(org.settings)}};
}

Status ValidateOrganizationName(std::string_view name, std::string_view field) {
    std::size_t len = Utf8Length(name);
    if (len == 0 || name.find_first_not_of(" \t") == std::string_view::npos)
        return Error::Validation(std::string(field), "must not be empty");
    if (len > 120) return Error::Validation(std::string(field), "must be at most 120 characters");
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7F) return Error::Validation(std::string(field), "must not contain control characters");
    return Ok();
}

Result<Organization> CreateOrganization(storage::Transaction& tx, std::string_view name, UnixMicros now) {
    WT_RETURN_IF_ERROR(ValidateOrganizationName(name));
    Organization org{crypto::NewId("org"), std::string(name), Settings{}, now};
    WT_RETURN_IF_ERROR(tx.Exec("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, $2, $3, $4)",
                               {Text(org.id), Text(org.name), Text(boost::json::serialize(SettingsToJson(org.settings))),
                                Int(now)}));
    return org;
}

Result<std::optional<Organization>> FindOrganization(storage::Transaction& tx, std::string_view org_id) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT id, name, settings, created_at FROM organizations WHERE id = $1",
                                              {Text(std::string(org_id))}));
    if (!row) return std::optional<Organization>();
    return std::optional<Organization>(
        Organization{row->GetText(0), row->GetText(1), SettingsFromText(row->GetText(2)), row->GetInt(3)});
}

Status SaveOrganization(storage::Transaction& tx, const Organization& org) {
    WT_RETURN_IF_ERROR(tx.Exec("UPDATE organizations SET name = $2, settings = $3 WHERE id = $1",
                               {Text(org.id), Text(org.name), Text(boost::json::serialize(SettingsToJson(org.settings)))}));
    return Ok();
}

Result<std::int64_t> CountOrganizations(storage::Transaction& tx) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT COUNT(*) FROM organizations"));
    return row ? row->GetInt(0) : 0;
}

Result<std::vector<std::string>> OrganizationNamesOf(storage::Transaction& tx, std::string_view user_id) {
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT o.name FROM memberships m JOIN organizations o ON o.id = m.org_id "
                                            "WHERE m.user_id = $1",
                                            {Text(std::string(user_id))}));
    std::vector<std::string> names;
    for (const auto& row : rows) names.push_back(row.GetText(0));
    return names;
}

boost::json::object ToJson(const Member& m) {
    return {{"user_id", m.user_id},
            {"email", m.email},
            {"name", m.name},
            {"role", auth::RoleName(m.role)},
            {"mfa_enabled", m.mfa_enabled},
            {"last_login_at", m.last_login_at ? boost::json::value(FormatRfc3339(*m.last_login_at)) : nullptr},
            {"created_at", FormatRfc3339(m.created_at)}};
}

Result<MemberPage> ListMembers(storage::Transaction& tx, std::string_view org_id, int limit,
                               std::optional<std::string> cursor) {
    std::string sql = kMemberSelect;
    std::vector<storage::Value> params{Text(std::string(org_id))};
    if (cursor) {
        // Cursor: base64url("<created_at>:<user_id>") of the last member of the previous page.
        auto decoded = crypto::Base64UrlDecode(*cursor);
        auto colon = decoded ? decoded->find(':') : std::string::npos;
        if (!decoded || colon == std::string::npos) return Error::Validation("cursor", "is not a valid cursor");
        std::int64_t created_at = 0;
        try {
            created_at = std::stoll(decoded->substr(0, colon));
        } catch (...) {
            return Error::Validation("cursor", "is not a valid cursor");
        }
        params.push_back(Int(created_at));
        params.push_back(Text(decoded->substr(colon + 1)));
        sql += " AND (m.created_at < $2 OR (m.created_at = $2 AND m.user_id < $3))";
    }
    params.push_back(Int(limit + 1));
    sql += fmt::format(" ORDER BY m.created_at DESC, m.user_id DESC LIMIT ${}", params.size());
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    MemberPage page;
    for (std::size_t row_idx = 0; row_idx < rows.size() && static_cast<int>(row_idx) < limit; ++row_idx)
        page.members.push_back(MemberFromRow(rows[row_idx]));
    if (static_cast<int>(rows.size()) > limit && !page.members.empty()) {
        const auto& last = page.members.back();
        page.next_cursor = crypto::Base64UrlEncode(fmt::format("{}:{}", last.created_at, last.user_id));
    }
    return page;
}

Result<std::optional<Member>> FindMember(storage::Transaction& tx, std::string_view org_id, std::string_view user_id) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne(std::string(kMemberSelect) + " AND m.user_id = $2",
                                              {Text(std::string(org_id)), Text(std::string(user_id))}));
    if (!row) return std::optional<Member>();
    return std::optional<Member>(MemberFromRow(*row));
}

Result<Member> ChangeRole(storage::Transaction& tx, std::string_view org_id, std::string_view user_id,
                          auth::Role role, const ActorContext& actor, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto member, FindMember(tx, org_id, user_id));
    if (!member) return Error::NotFound("no such member");
    if (member->role == role) return *member;
    WT_RETURN_IF_ERROR(EnsureNotLastAdmin(tx, org_id, *member, "demoted"));
    WT_RETURN_IF_ERROR(tx.Exec("UPDATE memberships SET role = $3 WHERE org_id = $1 AND user_id = $2",
                               {Text(std::string(org_id)), Text(std::string(user_id)),
                                Text(std::string(auth::RoleName(role)))}));
    WT_ASSIGN_OR_RETURN(auto ended, auth::SessionManager::RevokeForUser(tx, user_id, org_id, "", "role_changed", now));
    WT_RETURN_IF_ERROR(audit::Append(
        tx,
        MakeEvent(org_id, actor, "member.role_changed", "user:" + member->user_id,
                  {{"from", auth::RoleName(member->role)}, {"to", auth::RoleName(role)}, {"sessions_ended", ended}}),
        now));
    member->role = role;
    return *member;
}

Status RemoveMember(storage::Transaction& tx, std::string_view org_id, std::string_view user_id,
                    const ActorContext& actor, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto member, FindMember(tx, org_id, user_id));
    if (!member) return Error::NotFound("no such member");
    WT_RETURN_IF_ERROR(EnsureNotLastAdmin(tx, org_id, *member, "removed"));
    WT_RETURN_IF_ERROR(tx.Exec("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2",
                               {Text(std::string(org_id)), Text(std::string(user_id))}));
    WT_ASSIGN_OR_RETURN(auto ended, auth::SessionManager::RevokeForUser(tx, user_id, org_id, "", "member_removed", now));
    return audit::Append(tx,
                         MakeEvent(org_id, actor, "member.removed", "user:" + member->user_id,
                                   {{"email", member->email}, {"role", auth::RoleName(member->role)},
                                    {"sessions_ended", ended}}),
                         now);
}

Result<std::int64_t> RevokeMemberSessions(storage::Transaction& tx, std::string_view org_id, std::string_view user_id,
                                          const ActorContext& actor, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto member, FindMember(tx, org_id, user_id));
    if (!member) return Error::NotFound("no such member");
    WT_ASSIGN_OR_RETURN(auto ended,
                        auth::SessionManager::RevokeForUser(tx, user_id, org_id, "", "revoked_by_admin", now));
    WT_RETURN_IF_ERROR(audit::Append(
        tx, MakeEvent(org_id, actor, "session.revoked_by_admin", "user:" + member->user_id, {{"sessions_ended", ended}}),
        now));
    return ended;
}

Result<Bootstrap> CreateOrganizationWithAdmin(storage::Transaction& tx, std::string_view org_name,
                                              std::string_view email, std::string_view name,
                                              const std::string& password_hash, UnixMicros now) {
    WT_RETURN_IF_ERROR(auth::ValidateEmail(email));
    WT_ASSIGN_OR_RETURN(auto org, CreateOrganization(tx, org_name, now));
    ActorContext system{{audit::ActorType::kSystem, ""}, "", "watchtower-cli"};
    WT_RETURN_IF_ERROR(audit::Append(tx, MakeEvent(org.id, system, "org.created", "org:" + org.id, {{"name", org.name}}),
                                     now));
    WT_ASSIGN_OR_RETURN(auto added, AddUser(tx, org.id, email, name, auth::Role::kAdmin, password_hash, system, now));
    return Bootstrap{std::move(org), std::move(added.user), added.created_user};
}

Result<AddedUser> AddUser(storage::Transaction& tx, std::string_view org_id, std::string_view email,
                          std::string_view name, auth::Role role, const std::string& password_hash,
                          const ActorContext& actor, UnixMicros now) {
    WT_RETURN_IF_ERROR(auth::ValidateEmail(email));
    WT_ASSIGN_OR_RETURN(auto org, FindOrganization(tx, org_id));
    if (!org) return Error::NotFound(fmt::format("no organization with id {}", org_id));
    AddedUser out;
    WT_ASSIGN_OR_RETURN(auto existing, auth::FindUserByEmail(tx, email));
    if (existing) {
        out.user = *existing;
    } else {
        WT_ASSIGN_OR_RETURN(out.user, auth::CreateUser(tx, email, name, password_hash, now));
        out.created_user = true;
    }
    WT_RETURN_IF_ERROR(auth::AddMembership(tx, org_id, out.user.id, role, now));
    WT_RETURN_IF_ERROR(audit::Append(tx,
                                     MakeEvent(org_id, actor, "member.added", "user:" + out.user.id,
                                               {{"email", out.user.email}, {"role", auth::RoleName(role)}}),
                                     now));
    return out;
}

}  // namespace wt::orgs
