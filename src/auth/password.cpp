// SPDX-License-Identifier: Apache-2.0
#include "auth/password.hpp"

#include <crypt.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>

#include "auth/detail/common_passwords.hpp"
#include "common/json.hpp"
#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

constexpr std::string_view kBcryptPrefix = "$2b$";
constexpr std::size_t kBcryptHashLength = 60;  // "$2b$12$" + 22 salt + 31 hash characters
constexpr std::size_t kBcryptSaltBytes = 16;
constexpr std::string_view kProductName = "watchtower";

// The bcrypt input: 44 ASCII characters, far below bcrypt's 72-byte limit, so no password is
// ever truncated, and NUL bytes inside a password cannot cut it short either.
std::string PreHash(std::string_view password) { return crypto::Base64Encode(crypto::Sha256(password)); }

// crypt_data is ~32 KiB: keep it off the (possibly small) thread stack; zeroed as libxcrypt asks.
std::unique_ptr<crypt_data> NewCryptData() { return std::make_unique<crypt_data>(); }

bool IsBcryptChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
}

// Accepts only what we produce: `$2b$<2-digit cost>$` + 53 bcrypt-alphabet characters. Anything
// else (another crypt method such as DES or MD5, a truncated value) is refused before crypt_r sees
// it, so a tampered row cannot downgrade verification to a weak method.
bool IsWellFormedBcrypt(std::string_view hash) {
    if (hash.size() != kBcryptHashLength || !hash.starts_with(kBcryptPrefix)) return false;
    const char tens = hash[4];
    const char ones = hash[5];
    if (tens < '0' || tens > '3' || ones < '0' || ones > '9' || hash[6] != '$') return false;
    const int cost = (tens - '0') * 10 + (ones - '0');
    if (cost < 4 || cost > 31) return false;
    return std::all_of(hash.begin() + 7, hash.end(), IsBcryptChar);
}

// Returns the crypt_r output for `setting`, or nullopt when libxcrypt reports failure (a null
// pointer or a failure token starting with '*').
std::optional<std::string> Crypt(const std::string& phrase, const std::string& setting) {
    auto data = NewCryptData();
    const char* out = crypt_r(phrase.c_str(), setting.c_str(), data.get());
    if (out == nullptr || out[0] == '*' || out[0] == '\0') return std::nullopt;
    return std::string(out);
}

// ASCII-only case folding, the same as the build step applies to the list. Full Unicode folding
// would need ICU; non-ASCII letters are compared as they are.
std::string AsciiLower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// The generated list, sorted and de-duplicated once (thread-safe static initialization).
const std::vector<std::string_view>& CommonPasswords() {
    static const std::vector<std::string_view> sorted = [] {
        const auto raw = detail::RawCommonPasswords();
        std::vector<std::string_view> entries(raw.begin(), raw.end());
        std::sort(entries.begin(), entries.end());
        entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
        return entries;
    }();
    return sorted;
}

// Unambiguous characters only: no 0/O/o, 1/l/I. 56 symbols, so 20 of them carry ~116 bits.
constexpr std::string_view kGeneratedAlphabet = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
constexpr std::size_t kGeneratedLength = 20;

// The guessable core of a password: lower-cased, without leading and trailing digits, symbols and
// spaces, and reduced to its repeating unit ("Password1234!" -> "password", "qwertyqwerty" ->
// "qwerty"). Attackers' dictionaries try exactly these decorations first.
std::string GuessableCore(std::string_view password) {
    std::string lowered = AsciiLower(password);
    const auto is_letter = [](unsigned char c) { return (c >= 'a' && c <= 'z') || c >= 0x80; };
    std::size_t begin = 0, end = lowered.size();
    while (begin < end && !is_letter(static_cast<unsigned char>(lowered[begin]))) ++begin;
    while (end > begin && !is_letter(static_cast<unsigned char>(lowered[end - 1]))) --end;
    std::string core = lowered.substr(begin, end - begin);
    for (std::size_t unit = 1; unit <= core.size() / 2; ++unit) {
        if (core.size() % unit != 0) continue;
        bool repeats = true;
        for (std::size_t pos = unit; pos < core.size() && repeats; ++pos) repeats = core[pos] == core[pos % unit];
        if (repeats) return core.substr(0, unit);
    }
    return core;
}

// True when the whole password is one short unit repeated ("aaaaaaaaaaaa", "abcabcabcabc").
bool IsShortRepetition(std::string_view password) {
    for (std::size_t unit = 1; unit <= 3 && unit < password.size(); ++unit) {
        bool repeats = true;
        for (std::size_t pos = unit; pos < password.size() && repeats; ++pos)
            repeats = password[pos] == password[pos % unit];
        if (repeats) return true;
    }
    return false;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
    const std::string salt = crypto::RandomBytes(kBcryptSaltBytes);
    std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
    if (crypt_gensalt_rn(std::string(kBcryptPrefix).c_str(), kBcryptCost, salt.data(), static_cast<int>(salt.size()),
                         setting.data(), static_cast<int>(setting.size())) == nullptr) {
        return Error::Internal("crypt_gensalt_rn($2b$) failed");
    }
    auto hash = Crypt(PreHash(password), setting.data());
    if (!hash || !IsWellFormedBcrypt(*hash)) return Error::Internal("crypt_r(bcrypt) failed");
    return std::move(*hash);
}

bool VerifyPassword(std::string_view password, std::string_view stored_hash) {
    if (!IsWellFormedBcrypt(stored_hash)) return false;
    const auto computed = Crypt(PreHash(password), std::string(stored_hash));
    return computed && crypto::ConstantTimeEquals(*computed, stored_hash);
}

void VerifyDummyPassword(std::string_view password) {
    // A real cost-12 hash of a random password, made on first use. If hashing failed (libxcrypt
    // broken), the dummy stays empty and returns at once, but then every real verification fails
    // just as fast, so timing still tells nothing.
    static const std::string dummy_hash = [] {
        auto hash = HashPassword(crypto::RandomBytes(32));
        return hash ? std::move(*hash) : std::string();
    }();
    if (dummy_hash.empty()) return;
    [[maybe_unused]] const bool ignored = VerifyPassword(password, dummy_hash);
}

Status CheckPasswordPolicy(std::string_view password, const PasswordContext& context, std::string_view field_name) {
    const auto refuse = [&](std::string message) { return Error::Validation(std::string(field_name), message); };

    if (!IsValidUtf8(password)) return refuse("must be valid UTF-8 text");
    const std::size_t length = Utf8Length(password);
    if (length < kMinPasswordLength) {
        return refuse("must be at least " + std::to_string(kMinPasswordLength) + " characters");
    }
    if (length > kMaxPasswordLength) {
        return refuse("must be at most " + std::to_string(kMaxPasswordLength) + " characters");
    }

    const std::string lowered = AsciiLower(password);
    if (!context.email.empty()) {
        const std::string email = AsciiLower(context.email);
        if (lowered == email) return refuse("must not be your email address");
        const auto at = email.rfind('@');
        if (at != std::string::npos && at > 0 && lowered == std::string_view(email).substr(0, at)) {
            return refuse("must not be the name part of your email address");
        }
    }
    for (const auto& name : context.organization_names) {
        if (!name.empty() && lowered == AsciiLower(name)) return refuse("must not be the organization's name");
    }
    if (lowered == kProductName) return refuse("must not be the product name");
    if (IsCommonPassword(password)) return refuse("is too common");
    if (IsShortRepetition(lowered)) return refuse("is too repetitive");
    // A common password, the product's, the organization's or the email's name dressed up with
    // digits, symbols or repetition is as guessable as the word itself.
    const std::string core = GuessableCore(password);
    if (core.size() >= 4) {
        bool guessable = IsCommonPassword(core) || core == kProductName;
        for (const auto& name : context.organization_names) guessable = guessable || core == AsciiLower(name);
        if (!context.email.empty()) {
            const std::string email = AsciiLower(context.email);
            guessable = guessable || core == std::string_view(email).substr(0, email.rfind('@'));
        }
        if (guessable) return refuse("is too easy to guess: a common word or name with digits or symbols added");
    }
    return Ok();
}

std::string GeneratePassword() {
    // Rejection sampling keeps every symbol equally likely: bytes >= 4 * 56 = 224 are redrawn.
    constexpr unsigned kAcceptBelow = 256 / kGeneratedAlphabet.size() * kGeneratedAlphabet.size();
    while (true) {
        std::string password;
        password.reserve(kGeneratedLength);
        while (password.size() < kGeneratedLength) {
            for (const char byte : crypto::RandomBytes(kGeneratedLength)) {
                const auto value = static_cast<unsigned char>(byte);
                if (value >= kAcceptBelow) continue;
                password.push_back(kGeneratedAlphabet[value % kGeneratedAlphabet.size()]);
                if (password.size() == kGeneratedLength) break;
            }
        }
        // Always true for 20 random symbols; checked so the promise holds by construction.
        if (CheckPasswordPolicy(password, PasswordContext{}).ok()) return password;
    }
}

bool IsCommonPassword(std::string_view password) {
    const auto& entries = CommonPasswords();
    return std::binary_search(entries.begin(), entries.end(), std::string_view(AsciiLower(password)));
}

std::size_t CommonPasswordCount() { return CommonPasswords().size(); }

}  // namespace wt::auth
