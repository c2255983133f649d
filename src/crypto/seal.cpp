// SPDX-License-Identifier: Apache-2.0
#include "crypto/seal.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "crypto/crypto.hpp"

namespace wt::crypto {
namespace {

constexpr std::string_view kPrefix = "wtseal1.";
constexpr std::size_t kKeySize = 32;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kKeyIdSize = 16;  // hex characters

// Like crypto.cpp: an EVP call on valid arguments fails only when memory runs out or OpenSSL is
// broken; sealing must not go on with a half-made envelope.
[[noreturn]] void Fatal(const char* what) {
    std::fprintf(stderr, "watchtower: fatal: %s failed\n", what);
    std::abort();
}

struct CipherCtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// AES-256-GCM fetched once (as FetchedSha256 in crypto.cpp: no provider look-up per call).
const EVP_CIPHER* Aes256Gcm() {
    static EVP_CIPHER* const cipher = [] {
        EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
        if (fetched == nullptr) Fatal("EVP_CIPHER_fetch(AES-256-GCM)");
        return fetched;
    }();
    return cipher;
}

const unsigned char* Bytes(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }
unsigned char* Bytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

// Starts an AES-256-GCM context (encrypt or decrypt) with `key` and `nonce`, and feeds `context`
// as additional authenticated data.
CipherCtx StartGcm(bool encrypt, std::string_view key, std::string_view nonce, std::string_view context) {
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) Fatal("EVP_CIPHER_CTX_new");
    const int enc = encrypt ? 1 : 0;
    if (EVP_CipherInit_ex(ctx.get(), Aes256Gcm(), nullptr, nullptr, nullptr, enc) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize), nullptr) != 1 ||
        EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, Bytes(key), Bytes(nonce), enc) != 1) {
        Fatal("EVP_CipherInit_ex(AES-256-GCM)");
    }
    int ignored = 0;
    if (context.size() > static_cast<std::size_t>(INT_MAX) ||
        (!context.empty() &&
         EVP_CipherUpdate(ctx.get(), nullptr, &ignored, Bytes(context), static_cast<int>(context.size())) != 1)) {
        Fatal("EVP_CipherUpdate(AAD)");
    }
    return ctx;
}

// Runs `in` through the started context into `out` (same length: GCM is a stream mode).
void Crypt(EVP_CIPHER_CTX* ctx, std::string_view in, std::string& out) {
    out.resize(in.size());
    if (in.empty()) return;
    if (in.size() > static_cast<std::size_t>(INT_MAX)) Fatal("EVP_CipherUpdate(size)");
    int written = 0;
    if (EVP_CipherUpdate(ctx, Bytes(out), &written, Bytes(in), static_cast<int>(in.size())) != 1 ||
        static_cast<std::size_t>(written) != in.size()) {
        Fatal("EVP_CipherUpdate");
    }
}

bool IsLowerHex(std::string_view text) {
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

Error Malformed() { return Error::Make(ErrorCode::kValidationFailed, "sealed value is malformed"); }

}  // namespace

Keyring::Keyring(std::vector<std::string> keys) : keys_(std::move(keys)) {
    // A programming error, not an input: a ring without keys or with a key of the wrong size
    // would seal nothing or fail later at a worse place.
    if (keys_.empty()) Fatal("Keyring: no key");
    for (const std::string& key : keys_) {
        if (key.size() != kKeySize) Fatal("Keyring: key is not 32 bytes");
        ids_.push_back(KeyId(key));
    }
}

std::string Keyring::KeyId(std::string_view key) {
    std::string input = "watchtower/key-id";
    input.append(key);
    return HexEncode(Sha256(input).substr(0, kKeyIdSize / 2));
}

std::string Keyring::Seal(std::string_view plaintext, std::string_view context) const {
    const std::string nonce = RandomBytes(kNonceSize);
    CipherCtx ctx = StartGcm(/*encrypt=*/true, keys_.front(), nonce, context);
    std::string ciphertext;
    Crypt(ctx.get(), plaintext, ciphertext);
    unsigned char final_block[16];
    int final_len = 0;
    std::string tag(kTagSize, '\0');
    if (EVP_EncryptFinal_ex(ctx.get(), final_block, &final_len) != 1 || final_len != 0 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize), tag.data()) != 1) {
        Fatal("EVP_EncryptFinal_ex(AES-256-GCM)");
    }
    std::string envelope(kPrefix);
    envelope.append(ids_.front());
    envelope.push_back('.');
    envelope.append(Base64UrlEncode(nonce + ciphertext + tag));
    return envelope;
}

std::string Keyring::EnvelopeKeyId(std::string_view sealed) {
    if (!sealed.starts_with(kPrefix)) return {};
    sealed.remove_prefix(kPrefix.size());
    if (sealed.size() <= kKeyIdSize || sealed[kKeyIdSize] != '.') return {};
    const std::string_view id = sealed.substr(0, kKeyIdSize);
    if (!IsLowerHex(id)) return {};
    return std::string(id);
}

Result<std::string> Keyring::Open(std::string_view sealed, std::string_view context) const {
    const std::string id = EnvelopeKeyId(sealed);
    if (id.empty()) return Malformed();
    auto body = Base64UrlDecode(sealed.substr(kPrefix.size() + kKeyIdSize + 1));
    if (!body || body->size() < kNonceSize + kTagSize) return Malformed();

    const std::string* key = nullptr;
    for (std::size_t key_idx = 0; key_idx < ids_.size(); ++key_idx) {
        if (ids_[key_idx] == id) {
            key = &keys_[key_idx];
            break;
        }
    }
    if (key == nullptr) return Error::Make(ErrorCode::kInternal, "sealed with an unknown key " + id);

    const std::string_view whole(*body);
    const std::string_view nonce = whole.substr(0, kNonceSize);
    const std::string_view ciphertext = whole.substr(kNonceSize, whole.size() - kNonceSize - kTagSize);
    std::string tag(whole.substr(whole.size() - kTagSize));
    CipherCtx ctx = StartGcm(/*encrypt=*/false, *key, nonce, context);
    std::string plaintext;
    Crypt(ctx.get(), ciphertext, plaintext);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag.data()) != 1) {
        Fatal("EVP_CTRL_GCM_SET_TAG");
    }
    unsigned char final_block[16];
    int final_len = 0;
    if (EVP_DecryptFinal_ex(ctx.get(), final_block, &final_len) != 1) {
        // Wipe what was decrypted before the tag was checked: it is unauthenticated.
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
        return Error::Make(ErrorCode::kInternal, "sealed value failed authentication");
    }
    return plaintext;
}

}  // namespace wt::crypto
