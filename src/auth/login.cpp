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
    return audit::Event{org_id,
                        {audit::ActorType::kUser, authenticated ? user.id : std::string()},
                        std::move(action),
                        "user:" + user.id,
                        input.ip,
                        input.user_agent,
                        std::move(details)};
}

// The same event in each of the user's organizations: a failed sign-in belongs to no session,
// so every organization that can see the account sees the attempt.
Status AuditEverywhere(storage::Transaction& tx, const std::vector<Membership>& memberships, const User& user,
                       const std::string& action, const LoginInput& input, const boost::json::object& details,
                       UnixMicros now) {
    for (const auto& membership : memberships)
        WT_RETURN_IF_ERROR(audit::Append(tx, LoginEvent(membership.org_id, user, action, input, false, details), now));
    return Ok();
}

// Opens the session of a completed sign-in inside `tx` (the caller commits): ends the session the
// browser came with, tells `on_new_address` about a first sign-in from this address, records the
// login and audits it. `method` is "password", "totp" or "backup_code".
Result<LoginOutcome> OpenSession(storage::Transaction& tx, storage::Database& db, const SessionManager& sessions,
                                 User user, std::vector<Membership> memberships, const LoginInput& input,
                                 std::string_view method, UnixMicros now) {
    if (input.previous_cookie) {
        // A login never adopts a session the browser already had: end it.
        if (auto previous = sessions.Resolve(db, *input.previous_cookie); previous.ok())
            WT_RETURN_IF_ERROR(SessionManager::Revoke(tx, previous->session.id, "replaced_by_login", now));
    }
    if (input.on_new_address) {
        // Only for an account that has signed in before: the very first sign-in is no news.
        WT_ASSIGN_OR_RETURN(auto seen, tx.QueryOne("SELECT MAX(CASE WHEN ip = $2 THEN 1 ELSE 0 END), COUNT(*) FROM "
                                                   "sessions WHERE user_id = $1",
                                                   {storage::Text(user.id), storage::Text(input.ip)}));
        if (seen && seen->GetInt(1) > 0 && seen->GetInt(0) == 0) WT_RETURN_IF_ERROR(input.on_new_address(tx, user));
    }
    const Membership membership = memberships.front();
    WT_ASSIGN_OR_RETURN(SessionPolicy policy, LoadSessionPolicy(tx, membership.org_id));
    WT_ASSIGN_OR_RETURN(auto issued,
                        sessions.Create(tx, user.id, membership.org_id, input.ip, input.user_agent, now, policy));
    WT_RETURN_IF_ERROR(RecordLogin(tx, user.id, now));
    boost::json::object details{{"session_id", issued.record.id}};
    if (method != "password") details["mfa"] = method;
    WT_RETURN_IF_ERROR(audit::Append(
        tx, LoginEvent(membership.org_id, user, "auth.login.succeeded", input, true, std::move(details)), now));
    user.last_login_at = now;
    user.password_hash.clear();
    return LoginOutcome{std::move(user), membership, std::move(memberships), std::move(issued), {}};
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
        WT_RETURN_IF_ERROR(
            AuditEverywhere(*tx, memberships, *user, "auth.login.failed", input, {{"reason", "wrong_password"}}, now));
        WT_RETURN_IF_ERROR(tx->Commit());
        return InvalidCredentials();
    }
    // An account without any organization cannot sign in; it gets the same answer as a wrong
    // password so that the answer never confirms a correct password.
    if (memberships.empty()) return InvalidCredentials();

    if (user->mfa_enabled) {
        // The password step is done; the session waits for the second factor.
        WT_ASSIGN_OR_RETURN(std::string token, CreateMfaChallenge(*tx, user->id, input.ip, input.user_agent, now));
        WT_RETURN_IF_ERROR(tx->Commit());
        user->password_hash.clear();
        LoginOutcome outcome{std::move(*user), memberships.front(), std::move(memberships), {}, std::move(token)};
        return outcome;
    }
    WT_ASSIGN_OR_RETURN(
        auto outcome, OpenSession(*tx, db, sessions, std::move(*user), std::move(memberships), input, "password", now));
    WT_RETURN_IF_ERROR(tx->Commit());
    return outcome;
}

Result<LoginOutcome> CompleteMfaSignIn(storage::Database& db, const SessionManager& sessions,
                                       const crypto::Keyring& keyring, const MfaChallenge& challenge,
                                       const SecondFactor& factor, const LoginInput& input) {
    const bool backup = factor.kind == SecondFactor::Kind::kBackupCode;
    // The slow part (one PBKDF2 per unused backup code) runs before the write lock is taken.
    std::optional<std::string> backup_code_id;
    if (backup) {
        WT_ASSIGN_OR_RETURN(backup_code_id, FindBackupCode(db, challenge.user_id, factor.value));
    }

    UnixMicros now = sessions.Now();
    Status verified = Ok();
    {
        WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kWrite));
        WT_ASSIGN_OR_RETURN(auto user, FindUserById(*tx, challenge.user_id));
        WT_ASSIGN_OR_RETURN(auto memberships, ListMemberships(*tx, challenge.user_id));
        if (!user || memberships.empty())
            return Error::Make(ErrorCode::kInvalidToken, "the sign-in step is not valid; sign in again");
        if (backup) {
            bool claimed = false;
            if (backup_code_id) {
                WT_ASSIGN_OR_RETURN(claimed, ClaimBackupCode(*tx, *backup_code_id, now));
            }
            if (!claimed) verified = Error::Make(ErrorCode::kInvalidMfaCode, "the backup code is not valid");
        } else {
            verified = VerifyTotp(*tx, keyring, challenge.user_id, factor.value, now);
            if (!verified && verified.error().code != ErrorCode::kInvalidMfaCode) return verified.error();
        }
        if (verified) {
            WT_ASSIGN_OR_RETURN(bool spent, SpendMfaChallenge(*tx, challenge.id, now));
            if (!spent)
                return Error::Make(ErrorCode::kInvalidToken, "the sign-in step was already used; sign in again");
            WT_ASSIGN_OR_RETURN(auto outcome, OpenSession(*tx, db, sessions, std::move(*user), std::move(memberships),
                                                          input, backup ? "backup_code" : "totp", now));
            WT_RETURN_IF_ERROR(tx->Commit());
            return outcome;
        }
    }
    // A wrong code: nothing of the attempt above is kept (the transaction rolled back); the
    // failure is audited on its own.
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kWrite));
    WT_ASSIGN_OR_RETURN(auto user, FindUserById(*tx, challenge.user_id));
    WT_ASSIGN_OR_RETURN(auto memberships, ListMemberships(*tx, challenge.user_id));
    if (user)
        WT_RETURN_IF_ERROR(AuditEverywhere(*tx, memberships, *user, "auth.mfa.failed", input,
                                           {{"factor", backup ? "backup_code" : "totp"}}, now));
    WT_RETURN_IF_ERROR(tx->Commit());
    return verified.error();
}

Status Reauthenticate(storage::Database& db, const SessionManager& sessions, const crypto::Keyring* keyring,
                      const ResolvedSession& session, std::string_view password, const std::optional<std::string>& code,
                      std::string_view ip, std::string_view user_agent) {
    std::optional<User> user;
    {
        WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
        WT_ASSIGN_OR_RETURN(user, FindUserById(*tx, session.user.id));
    }
    if (!user) return Error::Make(ErrorCode::kUnauthenticated, "sign in to continue");
    auto failed = [&](std::string_view reason, Error error) -> Status {
        WT_RETURN_IF_ERROR(audit::AppendNow(db,
                                            audit::Event{session.session.org_id,
                                                         {audit::ActorType::kUser, user->id},
                                                         "auth.reauthentication.failed",
                                                         "user:" + user->id,
                                                         std::string(ip),
                                                         std::string(user_agent),
                                                         {{"reason", reason}}},
                                            sessions.Now()));
        return error;
    };
    if (!VerifyPassword(password, user->password_hash))
        return failed("wrong_password", Error::Make(ErrorCode::kInvalidCredentials, "the password is incorrect"));
    if (user->mfa_enabled) {
        if (!code || code->empty())
            return Error::Validation("code", "is required: your account has two-factor authentication on");
        if (keyring == nullptr) return Error::Internal("no keyring for TOTP secrets");
        WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kWrite));
        Status verified = VerifyTotp(*tx, *keyring, user->id, *code, sessions.Now());
        if (!verified) {
            if (verified.error().code != ErrorCode::kInvalidMfaCode) return verified.error();
            tx.reset();
            return failed("wrong_code", verified.error());
        }
        WT_RETURN_IF_ERROR(tx->Commit());
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
