// SPDX-License-Identifier: Apache-2.0
#include "auth/totp.hpp"

#include <fmt/format.h>

#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int Base32Value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= '2' && c <= '7') return c - '2' + 26;
    return -1;
}

// RFC 3986 unreserved characters stay; everything else (including ':' and '@' of a label part) is
// percent-encoded, which every authenticator app decodes.
std::string PercentEncode(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out.push_back(c);
        } else {
            out += fmt::format("%{:02X}", byte);
        }
    }
    return out;
}

}  // namespace

std::string Base32Encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 8 + 4) / 5);
    std::uint32_t bits = 0;
    int bit_count = 0;
    for (const char c : bytes) {
        bits = (bits << 8) | static_cast<unsigned char>(c);
        bit_count += 8;
        while (bit_count >= 5) {
            bit_count -= 5;
            out.push_back(kBase32Alphabet[(bits >> bit_count) & 31]);
        }
    }
    if (bit_count > 0) out.push_back(kBase32Alphabet[(bits << (5 - bit_count)) & 31]);
    return out;
}

Result<std::string> Base32Decode(std::string_view text) {
    const auto malformed = [] { return Error::Make(ErrorCode::kValidationFailed, "invalid base32 encoding"); };
    // Lengths whose last character would carry no whole byte cannot come from Base32Encode.
    const std::size_t tail = text.size() % 8;
    if (tail == 1 || tail == 3 || tail == 6) return malformed();
    std::string out;
    out.reserve(text.size() * 5 / 8);
    std::uint32_t bits = 0;
    int bit_count = 0;
    for (const char c : text) {
        const int value = Base32Value(c);
        if (value < 0) return malformed();
        bits = (bits << 5) | static_cast<std::uint32_t>(value);
        bit_count += 5;
        if (bit_count >= 8) {
            bit_count -= 8;
            out.push_back(static_cast<char>((bits >> bit_count) & 0xFF));
        }
    }
    if ((bits & ((1U << bit_count) - 1)) != 0) return malformed();
    return out;
}

std::string HotpCode(std::string_view key, std::uint64_t counter, int digits) {
    std::string message(8, '\0');
    for (int byte_idx = 7; byte_idx >= 0; --byte_idx) {
        message[static_cast<std::size_t>(byte_idx)] = static_cast<char>(counter & 0xFF);
        counter >>= 8;
    }
    const std::string mac = crypto::HmacSha1(key, message);
    // Dynamic truncation (RFC 4226 §5.3).
    const std::size_t offset = static_cast<unsigned char>(mac[19]) & 0x0F;
    const std::uint32_t binary = ((static_cast<std::uint32_t>(static_cast<unsigned char>(mac[offset])) & 0x7F) << 24) |
                                 (static_cast<std::uint32_t>(static_cast<unsigned char>(mac[offset + 1])) << 16) |
                                 (static_cast<std::uint32_t>(static_cast<unsigned char>(mac[offset + 2])) << 8) |
                                 static_cast<std::uint32_t>(static_cast<unsigned char>(mac[offset + 3]));
    std::uint32_t modulus = 1;
    for (int digit_idx = 0; digit_idx < digits; ++digit_idx) modulus *= 10;
    return fmt::format("{:0{}}", binary % modulus, digits);
}

std::int64_t TotpStep(std::int64_t unix_seconds) {
    // Floor division, so that times before the epoch (tests only) land in the right step.
    std::int64_t step = unix_seconds / kTotpStepSeconds;
    if (unix_seconds % kTotpStepSeconds < 0) --step;
    return step;
}

std::int64_t TotpStepAt(UnixMicros now) {
    std::int64_t seconds = now / kMicrosPerSecond;
    if (now % kMicrosPerSecond < 0) --seconds;
    return TotpStep(seconds);
}

std::string TotpCode(std::string_view key, std::int64_t unix_seconds, int digits) {
    return HotpCode(key, static_cast<std::uint64_t>(TotpStep(unix_seconds)), digits);
}

std::optional<std::int64_t> MatchTotpStep(std::string_view key, std::string_view code, std::int64_t step, int drift) {
    if (code.size() != static_cast<std::size_t>(kTotpDigits)) return std::nullopt;
    for (const char c : code)
        if (c < '0' || c > '9') return std::nullopt;
    // The current step first: a user who types promptly matches there.
    if (crypto::ConstantTimeEquals(HotpCode(key, static_cast<std::uint64_t>(step)), code)) return step;
    for (int distance = 1; distance <= drift; ++distance) {
        if (crypto::ConstantTimeEquals(HotpCode(key, static_cast<std::uint64_t>(step - distance)), code))
            return step - distance;
        if (crypto::ConstantTimeEquals(HotpCode(key, static_cast<std::uint64_t>(step + distance)), code))
            return step + distance;
    }
    return std::nullopt;
}

std::string NewTotpSecret() { return crypto::RandomBytes(kTotpSecretBytes); }

std::string OtpauthUri(std::string_view secret_base32, std::string_view account) {
    return fmt::format("otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={}&period={}",
                       PercentEncode(kTotpIssuer), PercentEncode(account), secret_base32, PercentEncode(kTotpIssuer),
                       kTotpDigits, kTotpStepSeconds);
}

}  // namespace wt::auth
