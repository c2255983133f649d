// SPDX-License-Identifier: Apache-2.0
// /auth/mfa/*: TOTP enrolment (setup, verify-setup), the second step of a sign-in (verify),
// turning MFA off and new backup codes. The domain is auth/mfa.hpp and auth/login.hpp; these
// handlers parse, apply the brute-force limits, run the slow checks on the password pool, and
// commit each change with its audit entry and its mail.
#include <fmt/format.h>

#include <mutex>
#include <unordered_map>

#include "api/detail/support.hpp"
#include "auth/login.hpp"
#include "auth/mfa.hpp"
#include "auth/password.hpp"
#include "common/json.hpp"
#include "crypto/seal.hpp"
#include "mail/mail.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;

// Wrong codes per sign-in challenge, so that one challenge allows kMfaChallengeMaxAttempts
// guesses and then dies (the account lock of the AuthLimiter applies on top). In memory: a
// restart gives a live challenge at most another few guesses within its 5 minutes.
class ChallengeAttempts {
  public:
    /// Counts one wrong code; true when the challenge has now used up its attempts.
    bool Fail(const std::string& challenge_id) {
        std::lock_guard lock(mutex_);
        if (wrong_.size() > 100'000) wrong_.clear();  // bounded memory; the account lock still holds
        return ++wrong_[challenge_id] >= auth::kMfaChallengeMaxAttempts;
    }
    void Forget(const std::string& challenge_id) {
        std::lock_guard lock(mutex_);
        wrong_.erase(challenge_id);
    }

  private:
    std::mutex mutex_;
    std::unordered_map<std::string, int> wrong_;  // GUARDED_BY(mutex_)
};

Error NoKeyring() { return Error::Internal("the server has no keyring for sealed secrets"); }

// Checks the signed-in user's password on the password pool. kInvalidCredentials when wrong.
asio::awaitable<Status> CheckPassword(ApiContext& ctx, const std::string& ip, const std::string& user_id,
                                      const std::string& password) {
    std::function<Result<bool>()> check = [&ctx, &user_id, &password]() -> Result<bool> {
        std::optional<auth::User> user;
        {
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
            WT_ASSIGN_OR_RETURN(user, auth::FindUserById(*tx, user_id));
        }
        if (!user || !auth::VerifyPassword(password, user->password_hash))
            return Error::Make(ErrorCode::kInvalidCredentials, "the password is incorrect");
        return true;
    };
    auto checked = co_await OnPasswordPool<bool>(ctx.password_pool, ip, std::move(check));
    if (!checked) co_return checked.error();
    co_return Ok();
}

// An `auth.mfa.failed` entry for a wrong code given by a signed-in user.
void AuditWrongCode(ApiContext& ctx, const Request& request, const Principal& principal, std::string_view route) {
    auto audited = audit::AppendNow(ctx.db,
                                    audit::Event{principal.org_id(),
                                                 principal.actor(),
                                                 "auth.mfa.failed",
                                                 "user:" + principal.user_id(),
                                                 ClientIpOf(ctx, request),
                                                 UserAgentOf(request),
                                                 {{"route", route}}},
                                    ctx.clock->Now());
    if (!audited) ctx.log->error("audit of a wrong MFA code failed: {}", audited.error().internal);
}

// Commits one change of the user's second factors in a single write transaction with its audit
// entry (`action` in the session's organization, with `details`) and its mail, ending the user's
// sessions but `keep_session_id` (SECURITY.md "Sessions": an MFA change or new backup codes end
// the others). `change` runs first; an error from it rolls everything back.
Status CommitFactorChange(ApiContext& ctx, const Request& request, const Principal& principal,
                          const std::string& action, boost::json::object details, const mail::Message& message,
                          const std::function<Status(storage::Transaction&)>& change,
                          const std::string& keep_session_id) {
    UnixMicros now = ctx.clock->Now();
    WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
    WT_RETURN_IF_ERROR(change(*tx));
    WT_ASSIGN_OR_RETURN(std::int64_t ended, auth::SessionManager::RevokeForUser(*tx, principal.user_id(), "",
                                                                                keep_session_id, "mfa_changed", now));
    details["sessions_ended"] = ended;
    WT_RETURN_IF_ERROR(
        audit::Append(*tx,
                      audit::Event{principal.org_id(), principal.actor(), action, "user:" + principal.user_id(),
                                   ClientIpOf(ctx, request), UserAgentOf(request), std::move(details)},
                      now));
    WT_RETURN_IF_ERROR(mail::Enqueue(*tx, *ctx.keyring, "", message, now));
    WT_RETURN_IF_ERROR(tx->Commit());
    if (ctx.wake_mail) ctx.wake_mail();
    return Ok();
}

// The brute-force limits, then the signed-in user's password: the admitted attempt (already
// settled as failed when the password was wrong) or the error to answer.
asio::awaitable<Result<auth::AuthLimiter::Attempt>> AdmitWithPassword(ApiContext& ctx, const Request& request,
                                                                      const Principal& principal,
                                                                      const std::string& password) {
    auto attempt = AdmitAuthAttempt(ctx, request, auth::NormalizeEmail(principal.session.user.email));
    if (!attempt) co_return attempt.error();
    Status password_ok = co_await CheckPassword(ctx, ClientIpOf(ctx, request), principal.user_id(), password);
    if (!password_ok) {
        if (password_ok.error().code == ErrorCode::kInvalidCredentials) attempt->Failed(ctx.clock->Now());
        co_return password_ok.error();
    }
    co_return std::move(*attempt);
}

// Settles `attempt` after a step that checked a TOTP code: a wrong code is a failure (audited as
// `auth.mfa.failed`), success a success. Returns `outcome` for the caller to answer.
Status SettleCodeCheck(ApiContext& ctx, const Request& request, const Principal& principal,
                       auth::AuthLimiter::Attempt& attempt, Status outcome, std::string_view route) {
    if (outcome) {
        attempt.Succeeded(ctx.clock->Now());
    } else if (outcome.error().code == ErrorCode::kInvalidMfaCode) {
        attempt.Failed(ctx.clock->Now());
        AuditWrongCode(ctx, request, principal, route);
    }
    return outcome;
}

// The body `{password, code}` of the routes that change an enrolled user's factors.
Result<PasswordAndCode> ParseFactorChange(ApiContext& ctx, const Request& request, const Principal& principal) {
    WT_ASSIGN_OR_RETURN(auto input, ParsePasswordAndCode(ctx, request, /*code_required=*/true));
    if (ctx.keyring == nullptr) return NoKeyring();
    if (!principal.session.user.mfa_enabled)
        return Error::Make(ErrorCode::kConflict, "two-factor authentication is not on: set it up first");
    return input;
}

boost::json::array CodesJson(const std::vector<std::string>& codes) {
    boost::json::array out;
    for (const auto& code : codes) out.emplace_back(code);
    return out;
}

// Backup codes are hashed on the password pool (a few ms each).
asio::awaitable<Result<auth::BackupCodeSet>> MakeBackupCodes(ApiContext& ctx, const std::string& ip) {
    std::function<Result<auth::BackupCodeSet>()> make = []() -> Result<auth::BackupCodeSet> {
        return auth::NewBackupCodes();
    };
    co_return co_await OnPasswordPool<auth::BackupCodeSet>(ctx.password_pool, ip, std::move(make));
}

constexpr const char* kPasswordCodeSchema =
    R"({"type":"object","required":["password","code"],"additionalProperties":false,)"
    R"("properties":{"password":{"type":"string"},"code":{"type":"string","pattern":"^[0-9]{6}$"}}})";
constexpr const char* kBackupCodesSchema =
    R"({"type":"object","properties":{"backup_codes":{"type":"array","minItems":10,"maxItems":10,)"
    R"("items":{"type":"string","pattern":"^[a-z2-7]{5}-[a-z2-7]{5}$"}}}})";

}  // namespace

void RegisterMfaRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();
    auto challenge_attempts = std::make_shared<ChallengeAttempts>();

    reg.Console(
        MfaExempt({Method::post, "/api/v1/auth/mfa/setup", Surface::kConsole, auth::Permission::kRead, false, "mfa",
                   "Start TOTP enrolment: a new secret (base32), its otpauth:// URI and a QR code (SVG). Needs the "
                   "password (and the current code when MFA is already on); counts as a recent authentication",
                   R"({"type":"object","required":["password"],"additionalProperties":false,)"
                   R"("properties":{"password":{"type":"string"},"code":{"type":"string"}}})",
                   R"({"type":"object","properties":{"secret":{"type":"string","pattern":"^[A-Z2-7]+$"},)"
                   R"("otpauth_uri":{"type":"string"},"qr_svg":{"type":"string"}}})"}),
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto input = ParsePasswordAndCode(ctx, request, /*code_required=*/false);
            if (!input) co_return ErrorResponse(ctx, request, input.error());
            if (ctx.keyring == nullptr) co_return ErrorResponse(ctx, request, NoKeyring());
            const bool enrolled = principal.session.user.mfa_enabled;
            if (enrolled && !input->code)
                co_return ErrorResponse(
                    ctx, request,
                    Error::Validation("code", "is required: enter a code of your current authenticator to replace it"));
            auto attempt = co_await AdmitWithPassword(ctx, request, principal, input->password);
            if (!attempt) co_return ErrorResponse(ctx, request, attempt.error());
            UnixMicros now = ctx.clock->Now();
            std::optional<auth::TotpEnrolment> enrolment;
            Status started = SettleCodeCheck(
                ctx, request, principal, *attempt,
                [&]() -> Status {
                    WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                    if (enrolled) {
                        WT_RETURN_IF_ERROR(auth::VerifyTotp(*tx, *ctx.keyring, principal.user_id(), *input->code, now));
                    }
                    WT_ASSIGN_OR_RETURN(enrolment,
                                        auth::BeginTotpEnrolment(*tx, *ctx.keyring, principal.session.user, now));
                    return tx->Commit();
                }(),
                "mfa/setup");
            if (!started) co_return ErrorResponse(ctx, request, started.error());
            // The password was just confirmed: the session counts as recently authenticated.
            if (auto marked = ctx.sessions.MarkReauthenticated(ctx.db, principal.session.session.id); !marked)
                co_return ErrorResponse(ctx, request, marked.error());
            co_return http::JsonResponse(HttpStatus::ok, {{"secret", enrolment->secret},
                                                          {"otpauth_uri", enrolment->otpauth_uri},
                                                          {"qr_svg", enrolment->qr_svg}});
        });

    reg.Console(
        MfaExempt(
            {Method::post, "/api/v1/auth/mfa/verify-setup", Surface::kConsole, auth::Permission::kRead, false, "mfa",
             "Confirm enrolment with a first code: MFA on, 10 backup codes shown once; this session stays "
             "(csrf_token unchanged) and the user's other sessions end",
             R"({"type":"object","required":["code"],"additionalProperties":false,)"
             R"("properties":{"code":{"type":"string","pattern":"^[0-9]{6}$"}}})",
             R"({"type":"object","properties":{"backup_codes":{"type":"array"},"csrf_token":{"type":"string"}}})"}),
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            JsonReader in(*body);
            auto code = in.RequiredString("code", 1, 32);
            in.RejectUnknown();
            if (auto valid = in.Finish(); !valid) co_return ErrorResponse(ctx, request, valid.error());
            if (ctx.keyring == nullptr) co_return ErrorResponse(ctx, request, NoKeyring());
            auto attempt = AdmitAuthAttempt(ctx, request, auth::NormalizeEmail(principal.session.user.email));
            if (!attempt) co_return ErrorResponse(ctx, request, attempt.error());
            const std::string ip = ClientIpOf(ctx, request);
            auto codes = co_await MakeBackupCodes(ctx, ip);
            if (!codes) co_return ErrorResponse(ctx, request, codes.error());
            const bool re_enrolment = principal.session.user.mfa_enabled;
            // The session stays (same user, same role: the token does not change), and counts as
            // recently authenticated (a code was just proved); every other session of the user ends.
            UnixMicros now = ctx.clock->Now();
            Status done = CommitFactorChange(
                ctx, request, principal, "mfa.enabled", {{"factor", "totp"}, {"re_enrolment", re_enrolment}},
                mail::MfaEnabledMail(principal.session.user.email, ctx.options.public_url, now, ip),
                [&](storage::Transaction& tx) -> Status {
                    WT_RETURN_IF_ERROR(auth::ConfirmTotpEnrolment(tx, *ctx.keyring, principal.user_id(), *code, now));
                    return auth::StoreBackupCodes(tx, principal.user_id(), *codes, now);
                },
                principal.session.session.id);
            if (auto settled = SettleCodeCheck(ctx, request, principal, *attempt, done, "mfa/verify-setup"); !settled)
                co_return ErrorResponse(ctx, request, settled.error());
            if (auto marked = ctx.sessions.MarkReauthenticated(ctx.db, principal.session.session.id); !marked)
                co_return ErrorResponse(ctx, request, marked.error());
            co_return http::JsonResponse(HttpStatus::ok, {{"backup_codes", CodesJson(codes->codes)},
                                                          {"csrf_token", ctx.sessions.CsrfToken(principal.cookie)}});
        });

    reg.Public(
        {Method::post, "/api/v1/auth/mfa/verify", Surface::kPublic, std::nullopt, false, "mfa",
         "The second step of a sign-in: the mfa_token of POST /auth/login with a TOTP code or a backup code; sets "
         "the session cookie. A wrong code is 401 invalid_mfa_code (5 per sign-in, then sign in again)",
         R"({"type":"object","required":["mfa_token"],"additionalProperties":false,"properties":{)"
         R"("mfa_token":{"type":"string"},"code":{"type":"string","pattern":"^[0-9]{6}$"},)"
         R"("backup_code":{"type":"string"}},"oneOf":[{"required":["code"]},{"required":["backup_code"]}]})",
         R"({"type":"object","properties":{"user":{"type":"object"},"organization":{"type":"object"},)"
         R"("role":{"type":"string"},"csrf_token":{"type":"string"},"memberships":{"type":"array"}}})"},
        [&ctx, challenge_attempts](Request& request) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            JsonReader in(*body);
            auto token = in.RequiredString("mfa_token", 1, 100);
            auto code = in.OptionalString("code", 1, 32);
            auto backup_code = in.OptionalString("backup_code", 1, 64);
            in.RejectUnknown();
            if (auto valid = in.Finish(); !valid) co_return ErrorResponse(ctx, request, valid.error());
            if (code.has_value() == backup_code.has_value())
                co_return ErrorResponse(ctx, request,
                                        Error::Validation(code ? "backup_code" : "code",
                                                          "send either code (from the authenticator app) or "
                                                          "backup_code, exactly one of them"));
            if (ctx.keyring == nullptr) co_return ErrorResponse(ctx, request, NoKeyring());
            const std::string ip = ClientIpOf(ctx, request);
            auto challenge = [&]() -> Result<auth::MfaChallenge> {
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                return auth::FindMfaChallenge(*tx, *token, ip, ctx.clock->Now());
            }();
            // The limits before any code is checked: per address always, per account when the
            // challenge names one.
            auto attempt = AdmitAuthAttempt(ctx, request, challenge ? auth::NormalizeEmail(challenge->email) : "");
            if (!attempt) co_return ErrorResponse(ctx, request, attempt.error());
            if (!challenge) {
                attempt->Failed(ctx.clock->Now());
                co_return ErrorResponse(ctx, request, challenge.error());
            }
            auth::SecondFactor factor{code ? auth::SecondFactor::Kind::kTotp : auth::SecondFactor::Kind::kBackupCode,
                                      code ? *code : *backup_code};
            auth::LoginInput input{"",
                                   "",
                                   ip,
                                   UserAgentOf(request),
                                   SessionCookie(request, ctx.options),
                                   NewAddressMail(ctx, ip, UserAgentOf(request))};
            std::function<Result<auth::LoginOutcome>()> complete = [&ctx, &challenge, &factor,
                                                                    &input]() -> Result<auth::LoginOutcome> {
                return auth::CompleteMfaSignIn(ctx.db, ctx.sessions, *ctx.keyring, *challenge, factor, input);
            };
            auto outcome = co_await OnPasswordPool<auth::LoginOutcome>(ctx.password_pool, ip, std::move(complete));
            if (!outcome) {
                if (outcome.error().code == ErrorCode::kInvalidMfaCode) {
                    attempt->Failed(ctx.clock->Now());
                    ctx.log->info("request {}: wrong second factor from {}", request.request_id(), ip);
                    if (challenge_attempts->Fail(challenge->id)) {
                        // Out of attempts: the challenge dies; the next try needs the password again.
                        auto spent = [&]() -> Status {
                            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                            WT_RETURN_IF_ERROR(auth::SpendMfaChallenge(*tx, challenge->id, ctx.clock->Now()));
                            return tx->Commit();
                        }();
                        if (!spent) ctx.log->error("ending an MFA challenge failed: {}", spent.error().internal);
                        challenge_attempts->Forget(challenge->id);
                    }
                }
                co_return ErrorResponse(ctx, request, outcome.error());
            }
            challenge_attempts->Forget(challenge->id);
            attempt->Succeeded(ctx.clock->Now());
            if (ctx.wake_mail) ctx.wake_mail();
            co_return SignedInResponse(ctx, request, *outcome);
        });

    reg.Console(
        {Method::post, "/api/v1/auth/mfa/disable", Surface::kConsole, auth::Permission::kRead, false, "mfa",
         "Turn MFA off (password and a current code); refused (403 forbidden) while any of the user's roles requires "
         "MFA; ends the user's other sessions",
         kPasswordCodeSchema, "", 204},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto input = ParseFactorChange(ctx, request, principal);
            if (!input) co_return ErrorResponse(ctx, request, input.error());
            auto required = [&]() -> Result<bool> {
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                return auth::MfaRequiredInAnyOrganization(*tx, principal.user_id());
            }();
            if (!required) co_return ErrorResponse(ctx, request, required.error());
            if (*required)
                co_return ErrorResponse(
                    ctx, request,
                    Error::Make(ErrorCode::kForbidden,
                                "two-factor authentication is required for your role in one of your organizations"));
            auto attempt = co_await AdmitWithPassword(ctx, request, principal, input->password);
            if (!attempt) co_return ErrorResponse(ctx, request, attempt.error());
            const std::string ip = ClientIpOf(ctx, request);
            UnixMicros now = ctx.clock->Now();
            Status done = CommitFactorChange(
                ctx, request, principal, "mfa.disabled", {},
                mail::MfaDisabledMail(principal.session.user.email, ctx.options.public_url, now, ip),
                [&](storage::Transaction& tx) -> Status {
                    WT_RETURN_IF_ERROR(auth::VerifyTotp(tx, *ctx.keyring, principal.user_id(), *input->code, now));
                    return auth::DisableMfa(tx, principal.user_id());
                },
                principal.session.session.id);
            if (auto settled = SettleCodeCheck(ctx, request, principal, *attempt, done, "mfa/disable"); !settled)
                co_return ErrorResponse(ctx, request, settled.error());
            co_return http::EmptyResponse(HttpStatus::no_content);
        });

    reg.Console(
        {Method::post, "/api/v1/auth/mfa/backup-codes", Surface::kConsole, auth::Permission::kRead, false, "mfa",
         "New backup codes (password and a current code): 10 codes shown once, the old ones stop working, the "
         "user's other sessions end",
         kPasswordCodeSchema, kBackupCodesSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto input = ParseFactorChange(ctx, request, principal);
            if (!input) co_return ErrorResponse(ctx, request, input.error());
            auto attempt = co_await AdmitWithPassword(ctx, request, principal, input->password);
            if (!attempt) co_return ErrorResponse(ctx, request, attempt.error());
            const std::string ip = ClientIpOf(ctx, request);
            auto codes = co_await MakeBackupCodes(ctx, ip);
            if (!codes) co_return ErrorResponse(ctx, request, codes.error());
            UnixMicros now = ctx.clock->Now();
            Status done = CommitFactorChange(
                ctx, request, principal, "mfa.backup_codes.regenerated", {},
                mail::BackupCodesRegeneratedMail(principal.session.user.email, ctx.options.public_url, now, ip),
                [&](storage::Transaction& tx) -> Status {
                    WT_RETURN_IF_ERROR(auth::VerifyTotp(tx, *ctx.keyring, principal.user_id(), *input->code, now));
                    return auth::StoreBackupCodes(tx, principal.user_id(), *codes, now);
                },
                principal.session.session.id);
            if (auto settled = SettleCodeCheck(ctx, request, principal, *attempt, done, "mfa/backup-codes"); !settled)
                co_return ErrorResponse(ctx, request, settled.error());
            co_return http::JsonResponse(HttpStatus::ok, {{"backup_codes", CodesJson(codes->codes)}});
        });
}

}  // namespace wt::api::detail
