// SPDX-License-Identifier: Apache-2.0
#include "auth/mfa.hpp"

#include <fmt/format.h>
#include <qrencode.h>

#include <boost/json.hpp>
#include <memory>

#include "auth/totp.hpp"
#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

std::string ActiveContext(std::string_view user_id) { return fmt::format("users.totp_secret_sealed:{}", user_id); }
std::string PendingContext(std::string_view user_id) { return fmt::format("users.totp_pending_sealed:{}", user_id); }

Error WrongCode() { return Error::Make(ErrorCode::kInvalidMfaCode, "the code is not valid"); }

// Spends `step` for the user if it is newer than the last accepted one. The compare-and-set is
// what makes a code single-use under concurrency: of two requests with the same code, one
// changes the row and the other changes nothing.
Result<bool> SpendStep(storage::Transaction& tx, std::string_view user_id, std::int64_t step) {
    WT_ASSIGN_OR_RETURN(auto changed, tx.Exec("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND "
                                              "(totp_last_step IS NULL OR totp_last_step < $1)",
                                              {storage::Int(step), storage::Text(std::string(user_id))}));
    return changed == 1;
}

// Backup codes are compared in one canonical spelling: upper case, no dashes or spaces.
std::string CanonicalBackupCode(std::string_view code) {
    std::string out;
    for (char c : code) {
        if (c == '-' || c == ' ') continue;
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
        out.push_back(c);
    }
    return out;
}

constexpr std::string_view kBackupHashScheme = "pbkdf2-sha256";

std::string HashBackupCode(std::string_view canonical, std::string_view salt, int iterations) {
    return fmt::format("{}${}${}${}", kBackupHashScheme, iterations, crypto::Base64UrlEncode(salt),
                       crypto::Base64UrlEncode(crypto::Pbkdf2HmacSha256(canonical, salt, iterations, 32)));
}

bool BackupCodeMatches(std::string_view canonical, std::string_view stored) {
    // pbkdf2-sha256$<iterations>$<base64url salt>$<base64url hash>
    const auto first = stored.find('$');
    const auto second = stored.find('$', first + 1);
    const auto third = stored.find('$', second + 1);
    if (first == std::string_view::npos || second == std::string_view::npos || third == std::string_view::npos ||
        stored.substr(0, first) != kBackupHashScheme)
        return false;
    int iterations = 0;
    for (const char c : stored.substr(first + 1, second - first - 1)) {
        if (c < '0' || c > '9' || iterations > 10'000'000) return false;
        iterations = iterations * 10 + (c - '0');
    }
    auto salt = crypto::Base64UrlDecode(stored.substr(second + 1, third - second - 1));
    if (!salt || iterations < 1) return false;
    return crypto::ConstantTimeEquals(HashBackupCode(canonical, *salt, iterations), stored);
}

}  // namespace

bool MfaRequired(Role role, std::string_view org_settings_json) {
    if (RoleRequiresMfa(role)) return true;
    boost::system::error_code ec;
    auto settings = boost::json::parse(org_settings_json, ec);
    if (ec || !settings.is_object()) return false;
    const auto* all = settings.as_object().if_contains("require_mfa_for_all");
    return all != nullptr && all->is_bool() && all->as_bool();
}

Result<bool> MfaRequiredInAnyOrganization(storage::Transaction& tx, std::string_view user_id) {
    WT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT m.role, o.settings FROM memberships m JOIN organizations o ON "
                                            "o.id = m.org_id WHERE m.user_id = $1",
                                            {storage::Text(std::string(user_id))}));
    for (const auto& row : rows) {
        auto role = ParseRole(row.GetText(0));
        // An unknown role name is treated as the strictest one.
        if (!role || MfaRequired(*role, row.GetText(1))) return true;
    }
    return false;
}

Result<TotpEnrolment> BeginTotpEnrolment(storage::Transaction& tx, const crypto::Keyring& keyring, const User& user,
                                         UnixMicros now) {
    const std::string secret = NewTotpSecret();
    WT_RETURN_IF_ERROR(tx.Exec(
        "UPDATE users SET totp_pending_sealed = $1, totp_pending_at = $2 WHERE id = $3",
        {storage::Text(keyring.Seal(secret, PendingContext(user.id))), storage::Int(now), storage::Text(user.id)}));
    TotpEnrolment enrolment;
    enrolment.secret = Base32Encode(secret);
    enrolment.otpauth_uri = OtpauthUri(enrolment.secret, user.email);
    enrolment.qr_svg = QrCodeSvg(enrolment.otpauth_uri);
    return enrolment;
}

Status ConfirmTotpEnrolment(storage::Transaction& tx, const crypto::Keyring& keyring, std::string_view user_id,
                            std::string_view code, UnixMicros now) {
    const std::string id(user_id);
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT totp_pending_sealed, totp_pending_at FROM users WHERE id = $1",
                                              {storage::Text(id)}));
    if (!row || row->IsNull(0) || row->IsNull(1) || now - row->GetInt(1) > kMfaPendingLifetime)
        return Error::Validation("code",
                                 "no MFA setup is in progress (or it expired); start again with "
                                 "POST /api/v1/auth/mfa/setup");
    WT_ASSIGN_OR_RETURN(std::string secret, keyring.Open(row->GetText(0), PendingContext(id)));
    auto step = MatchTotpStep(secret, code, TotpStepAt(now));
    if (!step) return WrongCode();
    // The pending secret becomes the active one, re-sealed for its new place; the confirming step
    // is spent so that the same code cannot also sign in.
    WT_RETURN_IF_ERROR(tx.Exec(
        "UPDATE users SET totp_secret_sealed = $1, totp_last_step = $2, mfa_enabled = 1, totp_pending_sealed = NULL, "
        "totp_pending_at = NULL WHERE id = $3",
        {storage::Text(keyring.Seal(secret, ActiveContext(id))), storage::Int(*step), storage::Text(id)}));
    return Ok();
}

Status VerifyTotp(storage::Transaction& tx, const crypto::Keyring& keyring, std::string_view user_id,
                  std::string_view code, UnixMicros now) {
    const std::string id(user_id);
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT totp_secret_sealed, totp_last_step FROM users WHERE id = $1 AND "
                                              "mfa_enabled = 1",
                                              {storage::Text(id)}));
    if (!row || row->IsNull(0)) return WrongCode();
    WT_ASSIGN_OR_RETURN(std::string secret, keyring.Open(row->GetText(0), ActiveContext(id)));
    auto step = MatchTotpStep(secret, code, TotpStepAt(now));
    if (!step) return WrongCode();
    WT_ASSIGN_OR_RETURN(bool spent, SpendStep(tx, id, *step));
    if (!spent) return WrongCode();  // a replay, or an older step than one already accepted
    return Ok();
}

Status DisableMfa(storage::Transaction& tx, std::string_view user_id) {
    const std::string id(user_id);
    WT_RETURN_IF_ERROR(
        tx.Exec("UPDATE users SET mfa_enabled = 0, totp_secret_sealed = NULL, totp_last_step = NULL, "
                "totp_pending_sealed = NULL, totp_pending_at = NULL WHERE id = $1",
                {storage::Text(id)}));
    WT_RETURN_IF_ERROR(tx.Exec("DELETE FROM backup_codes WHERE user_id = $1", {storage::Text(id)}));
    return Ok();
}

std::string QrCodeSvg(std::string_view otpauth_uri) {
    const std::string text(otpauth_uri);
    std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1),
                                                       &QRcode_free);
    if (!qr) return {};  // only on allocation failure; the manual secret still works
    constexpr int kQuiet = 4;
    const int width = qr->width;
    const int size = width + 2 * kQuiet;
    // One path of unit squares: small, and renders crisply at any scale.
    std::string path;
    for (int y = 0; y < width; ++y) {
        for (int x = 0; x < width; ++x) {
            if ((qr->data[y * width + x] & 1) != 0) path += fmt::format("M{} {}h1v1h-1z", x + kQuiet, y + kQuiet);
        }
    }
    return fmt::format(
        R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {0}" width="{1}" height="{1}" )"
        R"(shape-rendering="crispEdges"><rect width="{0}" height="{0}" fill="#fff"/><path fill="#000" d="{2}"/></svg>)",
        size, size * 4, path);
}

BackupCodeSet NewBackupCodes() {
    BackupCodeSet set;
    for (int code_idx = 0; code_idx < kBackupCodeCount; ++code_idx) {
        // 10 base32 characters carry 50 random bits: 7 random bytes, the first 50 bits used.
        std::string canonical = Base32Encode(crypto::RandomBytes(7)).substr(0, 10);
        std::string shown = canonical.substr(0, 5) + "-" + canonical.substr(5);
        for (char& c : shown)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        set.hashes.push_back(HashBackupCode(canonical, crypto::RandomBytes(16), kBackupCodeIterations));
        set.codes.push_back(std::move(shown));
    }
    return set;
}

Status StoreBackupCodes(storage::Transaction& tx, std::string_view user_id, const BackupCodeSet& set, UnixMicros now) {
    const std::string id(user_id);
    WT_RETURN_IF_ERROR(tx.Exec("DELETE FROM backup_codes WHERE user_id = $1", {storage::Text(id)}));
    for (const auto& hash : set.hashes) {
        WT_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO backup_codes (id, user_id, code_hash, created_at) VALUES ($1, $2, $3, $4)",
                    {storage::Text(crypto::NewId("bkc")), storage::Text(id), storage::Text(hash), storage::Int(now)}));
    }
    return Ok();
}

Result<std::optional<std::string>> FindBackupCode(storage::Database& db, std::string_view user_id,
                                                  std::string_view code) {
    const std::string canonical = CanonicalBackupCode(code);
    storage::Rows rows;
    {
        WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
        WT_ASSIGN_OR_RETURN(rows, tx->Query("SELECT id, code_hash FROM backup_codes WHERE user_id = $1 AND used_at IS "
                                            "NULL",
                                            {storage::Text(std::string(user_id))}));
    }
    // Every unused code is tried, even after a match, so the time taken says nothing about which.
    std::optional<std::string> found;
    for (const auto& row : rows)
        if (BackupCodeMatches(canonical, row.GetText(1)) && !found) found = row.GetText(0);
    return found;
}

Result<bool> ClaimBackupCode(storage::Transaction& tx, std::string_view code_id, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto changed, tx.Exec("UPDATE backup_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
                                              {storage::Int(now), storage::Text(std::string(code_id))}));
    return changed == 1;
}

Result<int> UnusedBackupCodes(storage::Transaction& tx, std::string_view user_id) {
    WT_ASSIGN_OR_RETURN(auto row,
                        tx.QueryOne("SELECT COUNT(*) FROM backup_codes WHERE user_id = $1 AND used_at IS NULL",
                                    {storage::Text(std::string(user_id))}));
    return row ? static_cast<int>(row->GetInt(0)) : 0;
}

Result<std::string> CreateMfaChallenge(storage::Transaction& tx, std::string_view user_id, std::string_view ip,
                                       std::string_view user_agent, UnixMicros now) {
    std::string token = crypto::NewToken();
    WT_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO mfa_challenges (id, token_hash, user_id, ip, user_agent, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        {storage::Text(crypto::NewId("mfc")), storage::Text(crypto::HexEncode(crypto::Sha256(token))),
         storage::Text(std::string(user_id)), storage::Text(std::string(ip)), storage::Text(std::string(user_agent)),
         storage::Int(now), storage::Int(now + kMfaChallengeLifetime)}));
    // Spent and expired challenges of everyone are swept here: the table stays small.
    WT_RETURN_IF_ERROR(
        tx.Exec("DELETE FROM mfa_challenges WHERE expires_at < $1", {storage::Int(now - kMicrosPerHour)}));
    return token;
}

Result<MfaChallenge> FindMfaChallenge(storage::Transaction& tx, std::string_view token, std::string_view ip,
                                      UnixMicros now) {
    WT_ASSIGN_OR_RETURN(
        auto row, tx.QueryOne("SELECT c.id, c.user_id, u.email, c.ip, c.expires_at, c.used_at FROM mfa_challenges c "
                              "JOIN users u ON u.id = c.user_id WHERE c.token_hash = $1",
                              {storage::Text(crypto::HexEncode(crypto::Sha256(token)))}));
    if (!row || !row->IsNull(5) || row->GetInt(4) <= now || row->GetText(3) != ip)
        return Error::Make(ErrorCode::kInvalidToken,
                           "the sign-in step expired or is not valid; sign in again with your password");
    return MfaChallenge{row->GetText(0), row->GetText(1), row->GetText(2), row->GetText(3)};
}

Result<bool> SpendMfaChallenge(storage::Transaction& tx, std::string_view challenge_id, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto changed,
                        tx.Exec("UPDATE mfa_challenges SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
                                {storage::Int(now), storage::Text(std::string(challenge_id))}));
    return changed == 1;
}

}  // namespace wt::auth
