// SPDX-License-Identifier: Apache-2.0
#include "auth/accounts.hpp"

#include <algorithm>

#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

User UserFromRow(const storage::Row& row) {
    return User{row.GetText(0), row.GetText(1),  row.GetText(2),   row.GetText(3),
                row.GetInt(4) != 0, row.GetInt(5), row.GetOptInt(6)};
}

constexpr const char* kUserColumns = "id, email, name, password_hash, mfa_enabled, created_at, last_login_at";

}  // namespace

std::string NormalizeEmail(std::string_view email) {
    while (!email.empty() && (email.front() == ' ' || email.front() == '\t')) email.remove_prefix(1);
    while (!email.empty() && (email.back() == ' ' || email.back() == '\t')) email.remove_suffix(1);
    std::string out(email);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : static_cast<char>(c); });
    return out;
}

Status ValidateEmail(std::string_view email, std::string_view field) {
    auto fail = [&](std::string message) { return Error::Validation(std::string(field), std::move(message)); };
    if (email.empty()) return fail("is required");
    if (email.size() > 254) return fail("must be at most 254 characters");
    for (unsigned char c : email)
        if (c <= 0x20 || c == 0x7F) return fail("must not contain spaces or control characters");
    auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos)
        return fail("must be an email address");
    auto domain = email.substr(at + 1);
    if (domain.size() < 3 || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
        domain.back() == '.')
        return fail("must be an email address");
    return Ok();
}

Result<std::optional<User>> FindUserByEmail(storage::Transaction& tx, std::string_view email) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne(std::string("SELECT ") + kUserColumns +
                                                  " FROM users WHERE email_normalized = $1",
                                              {storage::Text(NormalizeEmail(email))}));
    if (!row) return std::optional<User>();
    return std::optional<User>(UserFromRow(*row));
}

Result<std::optional<User>> FindUserById(storage::Transaction& tx, std::string_view user_id) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1",
                                              {storage::Text(std::string(user_id))}));
    if (!row) return std::optional<User>();
    return std::optional<User>(UserFromRow(*row));
}

Result<User> CreateUser(storage::Transaction& tx, std::string_view email, std::string_view name,
                        std::string password_hash, UnixMicros now) {
    User user{crypto::NewId("usr"), std::string(email), std::string(name), std::move(password_hash), false, now,
              std::nullopt};
    auto inserted = tx.Exec(
        "INSERT INTO users (id, email, email_normalized, name, password_hash, mfa_enabled, created_at) "
        "VALUES ($1, $2, $3, $4, $5, 0, $6)",
        {storage::Text(user.id), storage::Text(user.email), storage::Text(NormalizeEmail(email)),
         storage::Text(user.name), storage::Text(user.password_hash), storage::Int(now)});
    if (!inserted) {
        if (inserted.error().code == ErrorCode::kConflict)
            return Error::Make(ErrorCode::kConflict, "a user with this email already exists");
        return std::move(inserted).error();
    }
    return user;
}

Status SetPasswordHash(storage::Transaction& tx, std::string_view user_id, std::string_view password_hash) {
    WT_RETURN_IF_ERROR(tx.Exec("UPDATE users SET password_hash = $2 WHERE id = $1",
                               {storage::Text(std::string(user_id)), storage::Text(std::string(password_hash))}));
    return Ok();
}

Status RecordLogin(storage::Transaction& tx, std::string_view user_id, UnixMicros now) {
    WT_RETURN_IF_ERROR(tx.Exec("UPDATE users SET last_login_at = $2 WHERE id = $1",
                               {storage::Text(std::string(user_id)), storage::Int(now)}));
    return Ok();
}

Result<std::vector<Membership>> ListMemberships(storage::Transaction& tx, std::string_view user_id) {
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT m.org_id, o.name, m.role, m.created_at FROM memberships m "
                                            "JOIN organizations o ON o.id = m.org_id WHERE m.user_id = $1 "
                                            "ORDER BY m.created_at, m.org_id",
                                            {storage::Text(std::string(user_id))}));
    std::vector<Membership> out;
    for (const auto& row : rows) {
        auto role = ParseRole(row.GetText(2));
        if (!role) return Error::Internal("unknown role in memberships: " + row.GetText(2));
        out.push_back(Membership{row.GetText(0), row.GetText(1), *role, row.GetInt(3)});
    }
    return out;
}

Result<std::optional<Role>> FindRole(storage::Transaction& tx, std::string_view org_id, std::string_view user_id) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2",
                                              {storage::Text(std::string(org_id)), storage::Text(std::string(user_id))}));
    if (!row) return std::optional<Role>();
    return ParseRole(row->GetText(0));
}

Status AddMembership(storage::Transaction& tx, std::string_view org_id, std::string_view user_id, Role role,
                     UnixMicros now) {
    auto inserted = tx.Exec("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
                            {storage::Text(std::string(org_id)), storage::Text(std::string(user_id)),
                             storage::Text(std::string(RoleName(role))), storage::Int(now)});
    if (!inserted) {
        if (inserted.error().code == ErrorCode::kConflict)
            return Error::Make(ErrorCode::kConflict, "the user is already a member of this organization");
        return std::move(inserted).error();
    }
    return Ok();
}

}  // namespace wt::auth
