// SPDX-License-Identifier: Apache-2.0
#include "auth/password_reset.hpp"

#include "audit/audit_log.hpp"
#include "auth/detail/one_time_token.hpp"
#include "auth/password.hpp"
#include "auth/sessions.hpp"
#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

using storage::Int;
using storage::Text;

Error InvalidToken() {
    return Error::Make(ErrorCode::kInvalidToken, "this password reset link is invalid, expired or already used");
}

std::string ResetTokenHash(std::string_view token) {
    return detail::OneTimeTokenHash(detail::kPasswordResetPurpose, token);
}

// One entry per organization of the user: each organization's log tells the whole story of
// its members' accounts.
Status AuditInEachOrg(storage::Transaction& tx, std::string_view user_id, const std::string& action,
                      const PasswordActor& actor, const boost::json::object& details, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto memberships, ListMemberships(tx, user_id));
    for (const auto& membership : memberships) {
        WT_RETURN_IF_ERROR(audit::Append(tx,
                                         audit::Event{membership.org_id,
                                                      {audit::ActorType::kUser, std::string(user_id)},
                                                      action,
                                                      "user:" + std::string(user_id),
                                                      actor.ip,
                                                      actor.user_agent,
                                                      details},
                                         now));
    }
    return Ok();
}

Result<std::int64_t> RevokeResetTokens(storage::Transaction& tx, std::string_view user_id, UnixMicros now) {
    return tx.Exec(
        "UPDATE password_resets SET revoked_at = $2 WHERE user_id = $1 AND used_at IS NULL AND "
        "revoked_at IS NULL",
        {Text(std::string(user_id)), Int(now)});
}

Status StorePasswordHash(storage::Transaction& tx, std::string_view user_id, std::string_view password_hash,
                         UnixMicros now) {
    WT_ASSIGN_OR_RETURN(std::int64_t changed,
                        tx.Exec("UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1",
                                {Text(std::string(user_id)), Text(std::string(password_hash)), Int(now)}));
    if (changed != 1) return Error::NotFound("no such user");
    return Ok();
}

}  // namespace

Result<std::optional<IssuedReset>> RequestPasswordReset(storage::Transaction& tx, std::string_view email,
                                                        const PasswordActor& actor, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto user, FindUserByEmail(tx, email));
    if (!user) return std::optional<IssuedReset>();
    WT_ASSIGN_OR_RETURN(auto memberships, ListMemberships(tx, user->id));
    if (memberships.empty()) return std::optional<IssuedReset>();  // cannot sign in anywhere anyway
    user->password_hash.clear();
    IssuedReset out{*user, crypto::NewToken(), now + kPasswordResetLifetime};
    WT_ASSIGN_OR_RETURN(std::int64_t revoked, RevokeResetTokens(tx, user->id, now));
    std::string id = crypto::NewId("pwr");
    WT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                {Text(id), Text(user->id), Text(ResetTokenHash(out.token)), Int(now), Int(out.expires_at)}));
    WT_RETURN_IF_ERROR(AuditInEachOrg(
        tx, user->id, "auth.password_reset.requested", actor,
        {{"reset_id", id}, {"expires_at", FormatRfc3339(out.expires_at)}, {"revoked_earlier", revoked}}, now));
    return std::optional<IssuedReset>(std::move(out));
}

Result<User> FindUserByResetToken(storage::Transaction& tx, std::string_view token, UnixMicros now) {
    if (!detail::PlausibleOneTimeToken(token)) return InvalidToken();
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT user_id FROM password_resets WHERE token_hash = $1 AND "
                                              "used_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
                                              {Text(ResetTokenHash(token)), Int(now)}));
    if (!row) return InvalidToken();
    WT_ASSIGN_OR_RETURN(auto user, FindUserById(tx, row->GetText(0)));
    if (!user) return InvalidToken();
    return *user;
}

Result<std::string> PrepareNewPassword(storage::Database& db, const User& user, std::string_view new_password,
                                       std::string_view field) {
    PasswordContext context{user.email, {}};
    {
        WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
        WT_ASSIGN_OR_RETURN(auto memberships, ListMemberships(*tx, user.id));
        for (const auto& membership : memberships) context.organization_names.push_back(membership.org_name);
    }
    WT_RETURN_IF_ERROR(CheckPasswordPolicy(new_password, context, field));
    return HashPassword(new_password);
}

Status ApplyPasswordReset(storage::Transaction& tx, std::string_view token, std::string_view user_id,
                          std::string_view password_hash, const PasswordActor& actor, UnixMicros now) {
    if (!detail::PlausibleOneTimeToken(token)) return InvalidToken();
    // The claim: one row changes for exactly one of any number of concurrent completions.
    WT_ASSIGN_OR_RETURN(std::int64_t claimed,
                        tx.Exec("UPDATE password_resets SET used_at = $3 WHERE token_hash = $1 AND user_id = $2 AND "
                                "used_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
                                {Text(ResetTokenHash(token)), Text(std::string(user_id)), Int(now)}));
    if (claimed != 1) return InvalidToken();
    WT_RETURN_IF_ERROR(StorePasswordHash(tx, user_id, password_hash, now));
    WT_ASSIGN_OR_RETURN(std::int64_t other_tokens, RevokeResetTokens(tx, user_id, now));
    WT_ASSIGN_OR_RETURN(std::int64_t sessions,
                        SessionManager::RevokeForUser(tx, user_id, "", "", "password_reset", now));
    return AuditInEachOrg(tx, user_id, "auth.password_reset.completed", actor,
                          {{"sessions_ended", sessions}, {"other_reset_tokens_revoked", other_tokens}}, now);
}

Result<std::string> PreparePasswordChange(storage::Database& db, std::string_view user_id,
                                          std::string_view current_password, std::string_view new_password) {
    std::optional<User> user;
    {
        WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
        WT_ASSIGN_OR_RETURN(user, FindUserById(*tx, user_id));
    }
    if (!user) return Error::Make(ErrorCode::kUnauthenticated, "sign in to continue");
    if (!VerifyPassword(current_password, user->password_hash))
        return Error::Make(ErrorCode::kInvalidCredentials, "the current password is incorrect");
    return PrepareNewPassword(db, *user, new_password, "new_password");
}

Status ApplyPasswordChange(storage::Transaction& tx, std::string_view user_id, std::string_view keep_session_id,
                           std::string_view password_hash, const PasswordActor& actor, UnixMicros now) {
    WT_RETURN_IF_ERROR(StorePasswordHash(tx, user_id, password_hash, now));
    WT_ASSIGN_OR_RETURN(std::int64_t reset_tokens, RevokeResetTokens(tx, user_id, now));
    WT_ASSIGN_OR_RETURN(std::int64_t sessions,
                        SessionManager::RevokeForUser(tx, user_id, "", keep_session_id, "password_changed", now));
    return AuditInEachOrg(tx, user_id, "auth.password.changed", actor,
                          {{"other_sessions_ended", sessions}, {"reset_tokens_revoked", reset_tokens}}, now);
}

}  // namespace wt::auth
