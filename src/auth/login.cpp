// SPDX-License-Identifier: Apache-2.0
#include "auth/login.hpp"

#include "audit/audit_log.hpp"
#include "auth/password.hpp"

namespace wt::auth {
namespace {

Error InvalidCredentials() { return Error::Make(ErrorCode::kInvalidCredentials, "the email or password is incorrect"); }

// A failed attempt has no authenticated actor: only its target (the account) is known.
audit::Event LoginEvent(const std::string& org_id, const User& user, std::string action, const LoginInput& input,
                        bool authenticated, boost::json::object details = {}) {
    return audit::Event{org_id,   {audit::ActorType::kUser, authenticated ? user.id : std::string()},
                        std::move(action), "user:" + user.id, input.ip, input.user_agent, std::move(details)};
}

}  // namespace

Result<LoginOutcome> Login(storage::Database& db, const SessionManager& sessions, const LoginInput& input) {
    std::optional<User> user;
    {
        WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
        WT_ASSIGN_OR_RETURN(user, FindUserByEmail(*tx, input.email));
    }
    if (!user) {
        VerifyDummyPassword(input.password);
        return InvalidCredentials();
    }
    bool password_ok = VerifyPassword(input.password, user->password_hash);

    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kWrite));
    WT_ASSIGN_OR_RETURN(auto memberships, ListMemberships(*tx, user->id));
    UnixMicros now = sessions.Now();
    if (!password_ok) {
        for (const auto& membership : memberships)
            WT_RETURN_IF_ERROR(audit::Append(*tx, LoginEvent(membership.org_id, *user, "auth.login.failed", input, false,
                                                             {{"reason", "wrong_password"}}),
                                             now));
        WT_RETURN_IF_ERROR(tx->Commit());
        return InvalidCredentials();
    }
    // An account without any organization cannot sign in; it gets the same answer as a wrong
    // password so that the answer never confirms a correct password.
    if (memberships.empty()) return InvalidCredentials();

    if (input.previous_cookie) {
        // A login never adopts a session the browser already had: end it.
        if (auto previous = sessions.Resolve(db, *input.previous_cookie); previous.ok())
            WT_RETURN_IF_ERROR(SessionManager::Revoke(*tx, previous->session.id, "replaced_by_login", now));
    }
    const Membership& membership = memberships.front();
    WT_ASSIGN_OR_RETURN(SessionPolicy policy, LoadSessionPolicy(*tx, membership.org_id));
    WT_ASSIGN_OR_RETURN(auto issued, sessions.Create(*tx, user->id, membership.org_id, input.ip, input.user_agent,
                                                     now, policy));
    WT_RETURN_IF_ERROR(RecordLogin(*tx, user->id, now));
    WT_RETURN_IF_ERROR(audit::Append(
        *tx, LoginEvent(membership.org_id, *user, "auth.login.succeeded", input, true,
                         {{"session_id", issued.record.id}}),
        now));
    WT_RETURN_IF_ERROR(tx->Commit());
    user->last_login_at = now;
    user->password_hash.clear();
    return LoginOutcome{*user, membership, memberships, std::move(issued)};
}

Status Reauthenticate(storage::Database& db, const SessionManager& sessions, const ResolvedSession& session,
                      std::string_view password, std::string_view ip, std::string_view user_agent) {
    std::optional<User> user;
    {
        WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
        WT_ASSIGN_OR_RETURN(user, FindUserById(*tx, session.user.id));
    }
    if (!user) return Error::Make(ErrorCode::kUnauthenticated, "sign in to continue");
    if (!VerifyPassword(password, user->password_hash)) {
        WT_RETURN_IF_ERROR(audit::AppendNow(db,
                                            audit::Event{session.session.org_id,
                                                         {audit::ActorType::kUser, user->id},
                                                         "auth.reauthentication.failed",
                                                         "user:" + user->id,
                                                         std::string(ip),
                                                         std::string(user_agent),
                                                         {}},
                                            sessions.Now()));
        return Error::Make(ErrorCode::kInvalidCredentials, "the password is incorrect");
    }
    WT_RETURN_IF_ERROR(sessions.MarkReauthenticated(db, session.session.id));
    return audit::AppendNow(db,
                            audit::Event{session.session.org_id,
                                         {audit::ActorType::kUser, user->id},
                                         "auth.reauthenticated",
                                         "session:" + session.session.id,
                                         std::string(ip),
                                         std::string(user_agent),
                                         {}},
                            sessions.Now());
}

}  // namespace wt::auth
