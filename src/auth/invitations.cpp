// SPDX-License-Identifier: Apache-2.0
#include "auth/invitations.hpp"

#include <fmt/format.h>

#include "audit/audit_log.hpp"
#include "auth/detail/one_time_token.hpp"
#include "auth/password.hpp"
#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

using storage::Int;
using storage::Text;

constexpr const char* kInvitationColumns =
    "i.id, i.org_id, i.email, i.role, i.invited_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at";

Result<Invitation> InvitationFromRow(const storage::Row& row) {
    auto role = ParseRole(row.GetText(3));
    if (!role) return Error::Internal("unknown role in invitations: " + row.GetText(3));
    return Invitation{row.GetText(0), row.GetText(1), row.GetText(2),   *role,           row.GetText(4),
                      row.GetInt(5),  row.GetInt(6),  row.GetOptInt(7), row.GetOptInt(8)};
}

Error InvalidToken() {
    return Error::Make(ErrorCode::kInvalidToken, "this invitation link is invalid, expired or already used");
}

audit::Event InvitationEvent(std::string org_id, const std::string& actor_id, std::string action,
                             const Invitation& invitation, const std::string& ip, const std::string& user_agent) {
    return audit::Event{std::move(org_id),
                        {audit::ActorType::kUser, actor_id},
                        std::move(action),
                        "invitation:" + invitation.id,
                        ip,
                        user_agent,
                        {{"email", invitation.email}, {"role", RoleName(invitation.role)}}};
}

Result<bool> IsMember(storage::Transaction& tx, std::string_view org_id, std::string_view email) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id "
                                              "WHERE m.org_id = $1 AND u.email_normalized = $2",
                                              {Text(std::string(org_id)), Text(NormalizeEmail(email))}));
    return row.has_value();
}

// Revokes the pending invitations of `email` in `org_id` except `keep_id`; returns how many.
Result<std::int64_t> RevokePendingFor(storage::Transaction& tx, std::string_view org_id, std::string_view email,
                                      std::string_view keep_id, UnixMicros now) {
    return tx.Exec(
        "UPDATE invitations SET revoked_at = $4 WHERE org_id = $1 AND email_normalized = $2 AND id <> $3 "
        "AND accepted_at IS NULL AND revoked_at IS NULL",
        {Text(std::string(org_id)), Text(NormalizeEmail(email)), Text(std::string(keep_id)), Int(now)});
}

}  // namespace

std::string_view Invitation::StatusAt(UnixMicros now) const {
    if (accepted_at) return "accepted";
    if (revoked_at) return "revoked";
    if (expires_at <= now) return "expired";
    return "pending";
}

Result<IssuedInvitation> CreateInvitation(storage::Transaction& tx, std::string_view org_id, std::string_view email,
                                          Role role, const InvitationActor& actor, UnixMicros now) {
    WT_RETURN_IF_ERROR(ValidateEmail(email));
    WT_ASSIGN_OR_RETURN(auto org,
                        tx.QueryOne("SELECT name FROM organizations WHERE id = $1", {Text(std::string(org_id))}));
    if (!org) return Error::NotFound("no such organization");
    WT_ASSIGN_OR_RETURN(bool member, IsMember(tx, org_id, email));
    if (member)
        return Error::Make(ErrorCode::kConflict,
                           fmt::format("{} is already a member of this organization; change their role instead",
                                       NormalizeEmail(email)));
    WT_ASSIGN_OR_RETURN(auto inviter, FindUserById(tx, actor.user_id));
    IssuedInvitation out;
    out.token = crypto::NewToken();
    out.org_name = org->GetText(0);
    out.inviter_name = inviter ? inviter->name : std::string();
    out.invitation =
        Invitation{crypto::NewId("inv"),      std::string(org_id), std::string(email), role, actor.user_id, now,
                   now + kInvitationLifetime, std::nullopt,        std::nullopt};
    const Invitation& inv = out.invitation;
    // The newest invitation is the only valid one for this email here.
    WT_ASSIGN_OR_RETURN(std::int64_t replaced, RevokePendingFor(tx, org_id, email, "", now));
    WT_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO invitations (id, org_id, email, email_normalized, role, token_hash, invited_by, created_at, "
        "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {Text(inv.id), Text(inv.org_id), Text(inv.email), Text(NormalizeEmail(inv.email)),
         Text(std::string(RoleName(inv.role))), Text(detail::OneTimeTokenHash(detail::kInvitationPurpose, out.token)),
         Text(inv.invited_by), Int(inv.created_at), Int(inv.expires_at)}));
    audit::Event event =
        InvitationEvent(inv.org_id, actor.user_id, "invitation.created", inv, actor.ip, actor.user_agent);
    event.details["expires_at"] = FormatRfc3339(inv.expires_at);
    event.details["replaced_pending"] = replaced;
    WT_RETURN_IF_ERROR(audit::Append(tx, event, now));
    return out;
}

Result<InvitationPage> ListPendingInvitations(storage::Transaction& tx, std::string_view org_id, UnixMicros now,
                                              int limit, std::optional<std::string> cursor) {
    // Ids are time-ordered (crypto::NewId): the id alone orders and resumes the list.
    std::string sql = fmt::format(
        "SELECT {} FROM invitations i WHERE i.org_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL "
        "AND i.expires_at > $2",
        kInvitationColumns);
    std::vector<storage::Value> params{Text(std::string(org_id)), Int(now)};
    if (cursor) {
        if (cursor->rfind("inv_", 0) != 0 || cursor->size() > 64)
            return Error::Validation("cursor", "is not a valid cursor");
        params.push_back(Text(*cursor));
        sql += " AND i.id < $3";
    }
    params.push_back(Int(limit + 1));
    sql += fmt::format(" ORDER BY i.id DESC LIMIT ${}", params.size());
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    InvitationPage page;
    for (std::size_t row_idx = 0; row_idx < rows.size() && static_cast<int>(row_idx) < limit; ++row_idx) {
        WT_ASSIGN_OR_RETURN(auto invitation, InvitationFromRow(rows[row_idx]));
        page.invitations.push_back(std::move(invitation));
    }
    if (static_cast<int>(rows.size()) > limit && !page.invitations.empty())
        page.next_cursor = page.invitations.back().id;
    return page;
}

Status RevokeInvitation(storage::Transaction& tx, std::string_view org_id, std::string_view invitation_id,
                        const InvitationActor& actor, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne(fmt::format("SELECT {} FROM invitations i WHERE i.id = $1 AND "
                                                          "i.org_id = $2",
                                                          kInvitationColumns),
                                              {Text(std::string(invitation_id)), Text(std::string(org_id))}));
    if (!row) return Error::NotFound("no such invitation");
    WT_ASSIGN_OR_RETURN(auto invitation, InvitationFromRow(*row));
    if (invitation.StatusAt(now) != "pending") return Error::NotFound("no such pending invitation");
    WT_RETURN_IF_ERROR(tx.Exec("UPDATE invitations SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                               {Text(invitation.id), Int(now)}));
    return audit::Append(
        tx,
        InvitationEvent(invitation.org_id, actor.user_id, "invitation.revoked", invitation, actor.ip, actor.user_agent),
        now);
}

Result<InvitationView> FindInvitationByToken(storage::Transaction& tx, std::string_view token, UnixMicros now) {
    if (!detail::PlausibleOneTimeToken(token)) return InvalidToken();
    WT_ASSIGN_OR_RETURN(auto row,
                        tx.QueryOne(fmt::format("SELECT {}, o.name FROM invitations i JOIN organizations o ON "
                                                "o.id = i.org_id WHERE i.token_hash = $1",
                                                kInvitationColumns),
                                    {Text(detail::OneTimeTokenHash(detail::kInvitationPurpose, token))}));
    if (!row) return InvalidToken();
    WT_ASSIGN_OR_RETURN(auto invitation, InvitationFromRow(*row));
    if (invitation.StatusAt(now) != "pending") return InvalidToken();
    // Bound to the email: once that email is a member (another invitation, the CLI), this one is void.
    WT_ASSIGN_OR_RETURN(bool member, IsMember(tx, invitation.org_id, invitation.email));
    if (member) return InvalidToken();
    WT_ASSIGN_OR_RETURN(auto account, FindUserByEmail(tx, invitation.email));
    return InvitationView{std::move(invitation), row->GetText(9), account.has_value()};
}

Result<AcceptedInvitation> AcceptInvitation(storage::Database& db, const AcceptInvitationInput& input, UnixMicros now) {
    // Phase 1 (read): what the token opens and whether the account exists.
    InvitationView view;
    std::optional<User> existing;
    {
        WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
        WT_ASSIGN_OR_RETURN(view, FindInvitationByToken(*tx, input.token, now));
        WT_ASSIGN_OR_RETURN(existing, FindUserByEmail(*tx, view.invitation.email));
    }
    // Phase 2 (bcrypt, outside any transaction): the existing account's password, or the new one's.
    std::string new_hash;
    if (existing) {
        if (!VerifyPassword(input.password, existing->password_hash))
            return Error::Make(ErrorCode::kInvalidCredentials,
                               "an account with this email exists: enter its current password");
    } else {
        std::vector<FieldError> problems;
        if (input.name.empty()) problems.push_back({"name", "is required for a new account", 0, 0});
        auto policy = CheckPasswordPolicy(input.password, PasswordContext{view.invitation.email, {view.org_name}});
        if (!policy) problems.insert(problems.end(), policy.error().fields.begin(), policy.error().fields.end());
        if (!problems.empty()) return Error::Validation(std::move(problems));
        WT_ASSIGN_OR_RETURN(new_hash, HashPassword(input.password));
    }
    // Phase 3 (write): spend the token, at most once, then create what it grants.
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kWrite));
    WT_ASSIGN_OR_RETURN(std::int64_t claimed,
                        tx->Exec("UPDATE invitations SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL AND "
                                 "revoked_at IS NULL AND expires_at > $2",
                                 {Text(view.invitation.id), Int(now)}));
    if (claimed != 1) return InvalidToken();
    WT_ASSIGN_OR_RETURN(auto current, FindUserByEmail(*tx, view.invitation.email));
    // The account appeared or vanished between the phases: what was checked no longer holds.
    if (current.has_value() != existing.has_value()) return InvalidToken();
    AcceptedInvitation out{view, {}, !existing};
    if (existing) {
        out.user = *current;
        WT_ASSIGN_OR_RETURN(bool member, IsMember(*tx, view.invitation.org_id, view.invitation.email));
        if (member) return InvalidToken();
    } else {
        WT_ASSIGN_OR_RETURN(out.user, CreateUser(*tx, view.invitation.email, input.name, new_hash, now));
    }
    out.user.password_hash.clear();
    const Invitation& inv = view.invitation;
    WT_RETURN_IF_ERROR(AddMembership(*tx, inv.org_id, out.user.id, inv.role, now));
    // Using one token revokes the others of the same purpose (here: this email in this organization).
    WT_ASSIGN_OR_RETURN(std::int64_t revoked_others, RevokePendingFor(*tx, inv.org_id, inv.email, inv.id, now));
    WT_RETURN_IF_ERROR(audit::Append(
        *tx, InvitationEvent(inv.org_id, out.user.id, "invitation.accepted", inv, input.ip, input.user_agent), now));
    WT_RETURN_IF_ERROR(audit::Append(*tx,
                                     audit::Event{inv.org_id,
                                                  {audit::ActorType::kUser, out.user.id},
                                                  "member.added",
                                                  "user:" + out.user.id,
                                                  input.ip,
                                                  input.user_agent,
                                                  {{"email", out.user.email},
                                                   {"role", RoleName(inv.role)},
                                                   {"invitation_id", inv.id},
                                                   {"invited_by", inv.invited_by},
                                                   {"created_user", out.created_user},
                                                   {"revoked_other_invitations", revoked_others}}},
                                     now));
    WT_RETURN_IF_ERROR(tx->Commit());
    return out;
}

}  // namespace wt::auth
