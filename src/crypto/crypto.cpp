// SPDX-License-Identifier: Apache-2.0
#include "crypto/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace wt::crypto {
namespace {

constexpr std::size_t kSha256Size = 32;

// OpenSSL primitives below fail only when memory runs out or the library is broken; the header
// promises plain strings, and continuing with a wrong digest would be worse than stopping.
[[noreturn]] void Fatal(const char* what) {
    std::fprintf(stderr, "watchtower: fatal: %s failed\n", what);
    std::abort();
}

void FillRandom(unsigned char* out, std::size_t n) {
    while (n > 0) {
        const int chunk = static_cast<int>(std::min<std::size_t>(n, INT_MAX));
        if (RAND_bytes(out, chunk) != 1) Fatal("RAND_bytes");
        out += chunk;
        n -= static_cast<std::size_t>(chunk);
    }
}

constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string EncodeBase64(std::string_view bytes, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t pos = 0;
    for (; pos + 3 <= bytes.size(); pos += 3) {
        const std::uint32_t group = (std::uint32_t{static_cast<unsigned char>(bytes[pos])} << 16) |
                                    (std::uint32_t{static_cast<unsigned char>(bytes[pos + 1])} << 8) |
                                    std::uint32_t{static_cast<unsigned char>(bytes[pos + 2])};
        out.push_back(alphabet[(group >> 18) & 63]);
        out.push_back(alphabet[(group >> 12) & 63]);
        out.push_back(alphabet[(group >> 6) & 63]);
        out.push_back(alphabet[group & 63]);
    }
    const std::size_t rest = bytes.size() - pos;
    if (rest == 1) {
        const std::uint32_t group = std::uint32_t{static_cast<unsigned char>(bytes[pos])} << 16;
        out.push_back(alphabet[(group >> 18) & 63]);
        out.push_back(alphabet[(group >> 12) & 63]);
        if (pad) out.append("==");
    } else if (rest == 2) {
        const std::uint32_t group = (std::uint32_t{static_cast<unsigned char>(bytes[pos])} << 16) |
                                    (std::uint32_t{static_cast<unsigned char>(bytes[pos + 1])} << 8);
        out.push_back(alphabet[(group >> 18) & 63]);
        out.push_back(alphabet[(group >> 12) & 63]);
        out.push_back(alphabet[(group >> 6) & 63]);
        if (pad) out.push_back('=');
    }
    return out;
}

int DecodeChar(char c, bool url) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

Error MalformedBase64() { return Error::Make(ErrorCode::kMalformedRequest, "invalid base64 encoding"); }

// Decodes unpadded base64 strictly: only alphabet characters, no whitespace, and the unused low
// bits of the last character must be zero, so every byte string has exactly one accepted encoding.
Result<std::string> DecodeUnpadded(std::string_view text, bool url) {
    if (text.size() % 4 == 1) return MalformedBase64();
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t bits = 0;
    int bit_count = 0;
    for (const char c : text) {
        const int value = DecodeChar(c, url);
        if (value < 0) return MalformedBase64();
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            out.push_back(static_cast<char>((bits >> bit_count) & 0xFF));
        }
    }
    if ((bits & ((1U << bit_count) - 1)) != 0) return MalformedBase64();
    return out;
}

}  // namespace

// SHA-256 fetched from the default provider once: EVP_sha256() makes OpenSSL 3 look the
// algorithm up again on every digest, a measurable cost on the per-request HMACs.
static const EVP_MD* FetchedSha256() {
    static EVP_MD* const md = [] {
        EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        if (fetched == nullptr) Fatal("EVP_MD_fetch(SHA256)");
        return fetched;
    }();
    return md;
}

std::string RandomBytes(std::size_t n) {
    std::string out(n, '\0');
    FillRandom(reinterpret_cast<unsigned char*>(out.data()), n);
    return out;
}

std::string Sha256(std::string_view data) {
    std::string out(kSha256Size, '\0');
    unsigned int out_len = 0;
    if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &out_len, FetchedSha256(),
                   nullptr) != 1 ||
        out_len != kSha256Size) {
        Fatal("EVP_Digest(SHA-256)");
    }
    return out;
}

namespace {

// One HMAC for both digests. OpenSSL 3's HMAC() treats a null key pointer as "no key given" and
// fails, so an empty key must still point at valid memory.
std::string Hmac(const EVP_MD* md, std::size_t size, std::string_view key, std::string_view data, const char* what) {
    static const unsigned char kEmpty = 0;
    const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
    std::string out(size, '\0');
    unsigned int out_len = 0;
    if (key.size() > static_cast<std::size_t>(INT_MAX) ||
        HMAC(md, key_ptr, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
             data.size(), reinterpret_cast<unsigned char*>(out.data()), &out_len) == nullptr ||
        out_len != size) {
        Fatal(what);
    }
    return out;
}

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data) {
    return Hmac(FetchedSha256(), kSha256Size, key, data, "HMAC(SHA-256)");
}

std::string HmacSha1(std::string_view key, std::string_view data) {
    static EVP_MD* const sha1 = [] {
        EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA1", nullptr);
        if (fetched == nullptr) Fatal("EVP_MD_fetch(SHA1)");
        return fetched;
    }();
    return Hmac(sha1, 20, key, data, "HMAC(SHA-1)");
}

std::string Pbkdf2HmacSha256(std::string_view secret, std::string_view salt, int iterations, std::size_t length) {
    std::string out(length, '\0');
    if (secret.size() > static_cast<std::size_t>(INT_MAX) || salt.size() > static_cast<std::size_t>(INT_MAX) ||
        iterations < 1 ||
        PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                          iterations, FetchedSha256(), static_cast<int>(length),
                          reinterpret_cast<unsigned char*>(out.data())) != 1) {
        Fatal("PKCS5_PBKDF2_HMAC(SHA-256)");
    }
    return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HexEncode(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 0x0F]);
    }
    return out;
}

std::string Base64Encode(std::string_view bytes) { return EncodeBase64(bytes, kStdAlphabet, /*pad=*/true); }

Result<std::string> Base64Decode(std::string_view text) {
    // Padding is required: the length is a multiple of 4 and '=' appears only as the last one or
    // two characters.
    if (text.size() % 4 != 0) return MalformedBase64();
    std::size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
    return DecodeUnpadded(text.substr(0, text.size() - padding), /*url=*/false);
}

std::string Base64UrlEncode(std::string_view bytes) { return EncodeBase64(bytes, kUrlAlphabet, /*pad=*/false); }

Result<std::string> Base64UrlDecode(std::string_view text) { return DecodeUnpadded(text, /*url=*/true); }

std::string NewToken() { return Base64UrlEncode(RandomBytes(32)); }

// Ids use lower-case Crockford base32 (no i, l, o, u), which reads better in URLs and logs than
// the upper-case ULID spelling and still sorts in time order, because the alphabet is in ASCII
// order.
//
// Monotonicity: two ids made in the same millisecond (or after the wall clock stepped back) would
// sort at random if the 80-bit part were always fresh, and audit entries or rows inserted in one
// request would then list out of order. So the process remembers the last id: when the clock has
// not moved past it, the new id keeps its timestamp and adds a random step of 1..2^32 to its
// random part. The step stays unpredictable, so one id does not reveal the next.
std::string NewId(std::string_view prefix) {
    using U128 = unsigned __int128;
    constexpr U128 kRandomLimit = U128{1} << 80;
    constexpr std::uint64_t kTimestampMask = (std::uint64_t{1} << 48) - 1;

    // Draw randomness before taking the lock: RAND_bytes may be slow on first use.
    std::array<unsigned char, 14> random{};
    FillRandom(random.data(), random.size());
    U128 fresh = 0;
    for (std::size_t idx = 0; idx < 10; ++idx) fresh = (fresh << 8) | random[idx];
    std::uint64_t step = 1;
    for (std::size_t idx = 10; idx < 14; ++idx) step += std::uint64_t{random[idx]} << (8 * (idx - 10));

    const auto now_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                       std::chrono::system_clock::now().time_since_epoch())
                                                       .count()) &
                        kTimestampMask;

    static std::mutex mutex;
    static std::uint64_t last_ms = 0;  // GUARDED_BY(mutex)
    static U128 last_random = 0;       // GUARDED_BY(mutex)
    std::uint64_t id_ms = 0;
    U128 id_random = 0;
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (now_ms > last_ms) {
            last_ms = now_ms;
            last_random = fresh;
        } else {
            last_random += step;
            if (last_random >= kRandomLimit) {  // practically never: borrow the next millisecond
                last_ms = (last_ms + 1) & kTimestampMask;
                last_random = fresh;
            }
        }
        id_ms = last_ms;
        id_random = last_random;
    }

    static constexpr char kCrockford[] = "0123456789abcdefghjkmnpqrstvwxyz";
    U128 value = (U128{id_ms} << 80) | id_random;
    std::array<char, 26> encoded{};
    for (std::size_t idx = encoded.size(); idx-- > 0;) {
        encoded[idx] = kCrockford[static_cast<unsigned>(value & 31)];
        value >>= 5;
    }
    std::string id;
    id.reserve(prefix.size() + 1 + encoded.size());
    id.append(prefix);
    id.push_back('_');
    id.append(encoded.data(), encoded.size());
    return id;
}

}  // namespace wt::crypto
