// SPDX-License-Identifier: Apache-2.0
/// Invitations into an organization (SECURITY.md "Tokens for invitations and password reset").
///
/// An ADMIN invites an email with a role; the invitee receives a single-use token by mail (the
/// caller queues it: the token is returned once by CreateInvitation and never stored, only its
/// purpose-bound SHA-256). The token is bound to the invited email, the organization and the
/// role, lives 72 h, and is spent by AcceptInvitation, which creates the account when the email
/// is new (name + password under the password policy) or, for an existing account, asks for that
/// account's password, then adds the membership. A new invitation for the same email in the same
/// organization revokes the pending one; accepting revokes any other pending one of that email
/// there.
///
/// Every unusable token (unknown, expired, spent, revoked, made for another purpose, or for an
/// email that became a member some other way) is the same `kInvalidToken`: the answer never says
/// which. Every change is audited in the organization in the same transaction.
///
/// Threading: free functions; AcceptInvitation computes a bcrypt hash (call it from the password
/// pool, never an I/O thread).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/accounts.hpp"
#include "auth/roles.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::auth {

inline constexpr UnixMicros kInvitationLifetime = 72 * kMicrosPerHour;

struct Invitation {
    std::string id;
    std::string org_id;
    std::string email;  // as the inviter typed it
    Role role = Role::kViewer;
    std::string invited_by;  // user id
    UnixMicros created_at = 0;
    UnixMicros expires_at = 0;
    std::optional<UnixMicros> accepted_at;
    std::optional<UnixMicros> revoked_at;

    /// "pending", "accepted", "revoked" or "expired" at `now`.
    std::string_view StatusAt(UnixMicros now) const;
};

/// Who acts and from where, for the audit entries.
struct InvitationActor {
    std::string user_id;
    std::string ip;
    std::string user_agent;
};

struct IssuedInvitation {
    Invitation invitation;
    std::string token;  // for the mail only: never logged, never in an API answer
    std::string org_name;
    std::string inviter_name;
};

/// Creates an invitation in `org_id` (inside `tx`, a write transaction) and audits
/// `invitation.created`. Errors: kValidationFailed on `email`; kConflict when the email already
/// belongs to a member; kNotFound when the organization does not exist.
Result<IssuedInvitation> CreateInvitation(storage::Transaction& tx, std::string_view org_id, std::string_view email,
                                          Role role, const InvitationActor& actor, UnixMicros now);

struct InvitationPage {
    std::vector<Invitation> invitations;
    std::optional<std::string> next_cursor;
};
/// The organization's pending invitations (not accepted, not revoked, not expired at `now`),
/// newest first, `limit` per page; `cursor` is what a previous page returned (kValidationFailed
/// on `cursor` otherwise).
Result<InvitationPage> ListPendingInvitations(storage::Transaction& tx, std::string_view org_id, UnixMicros now,
                                              int limit, std::optional<std::string> cursor);

/// Revokes a pending invitation of `org_id` and audits `invitation.revoked`. kNotFound for an id
/// of another organization, an unknown id, or one no longer pending.
Status RevokeInvitation(storage::Transaction& tx, std::string_view org_id, std::string_view invitation_id,
                        const InvitationActor& actor, UnixMicros now);

/// A usable invitation with the name of its organization.
struct InvitationView {
    Invitation invitation;
    std::string org_name;
    /// Whether the invited email already has an account (then accepting asks for its password):
    /// told only to the holder of the token, who received it at that email.
    bool existing_user = false;
};
/// The pending invitation that `token` opens. kInvalidToken otherwise (see the file comment).
Result<InvitationView> FindInvitationByToken(storage::Transaction& tx, std::string_view token, UnixMicros now);

struct AcceptInvitationInput {
    std::string token;
    std::string name;      // for a new account (required then); ignored for an existing one
    std::string password;  // a new account's password, or the existing account's own
    std::string ip;
    std::string user_agent;
};

struct AcceptedInvitation {
    InvitationView invitation;
    User user;
    bool created_user = false;
};

/// Spends the token and adds the membership (and the account when the email is new), auditing
/// `invitation.accepted` and `member.added`. Exactly one of any number of concurrent calls with
/// the same token succeeds. Errors: kInvalidToken; kValidationFailed on `name` / `password`
/// (policy) for a new account; kInvalidCredentials when an existing account's password is wrong
/// (the token stays usable).
Result<AcceptedInvitation> AcceptInvitation(storage::Database& db, const AcceptInvitationInput& input, UnixMicros now);

}  // namespace wt::auth
