// SPDX-License-Identifier: Apache-2.0
#include "http/tls.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace wt::http {

namespace {

constexpr const char* kCertOption = "tls.cert";
constexpr const char* kKeyOption = "tls.key";

Error Refused(const char* option, std::string message) {
    return Error::Validation(option, fmt::format("{}: {}", option, message));
}

// The reason of the first OpenSSL error queued ("no start line", "ee key too small": the root cause,
// where the later ones only say "PEM lib"), then a clean error queue: the queue is per thread and
// must not leak into a later, unrelated check.
std::string TakeOpenSslReason() {
    const unsigned long code = ERR_peek_error();
    const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
    std::string text = reason != nullptr ? reason : "unknown OpenSSL error";
    ERR_clear_error();
    return text;
}

// OpenSSL would otherwise prompt on the terminal for an encrypted key's passphrase; a server must
// fail instead. Records that a passphrase was asked for, so the error can say why.
int RefusePassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* asked) {
    *static_cast<bool*>(asked) = true;
    return -1;
}

// ALPN: the server speaks HTTP/1.1 only. A client that offers ALPN without "http/1.1" (h2 alone,
// or another protocol such as ftp or smtp) is refused with no_application_protocol rather than
// answered in a protocol it did not ask for (the ALPACA cross-protocol attacks). A client that
// offers no ALPN at all never reaches this callback and gets HTTP/1.1.
int SelectHttp11(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_len, const unsigned char* offered,
                 unsigned int offered_len, void* /*arg*/) {
    static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, out_len, kHttp11, sizeof(kHttp11), offered, offered_len) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

// `path` opened for reading, or an error naming `option` and the OS reason.
Result<File> OpenForReading(const char* option, const std::string& path) {
    File file(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!file) return Refused(option, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    return file;
}

// The unencrypted private key in `file` (read from `path`).
Result<std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>> ReadPrivateKey(std::FILE* file, const std::string& path) {
    bool passphrase_asked = false;
    EVP_PKEY* key = PEM_read_PrivateKey(file, nullptr, RefusePassphrase, &passphrase_asked);
    if (key != nullptr) return std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>(key, EVP_PKEY_free);
    ERR_clear_error();  // OpenSSL 3's decoders only say "unsupported": the message below says more
    if (passphrase_asked)
        return Refused(kKeyOption, fmt::format("{} is encrypted: give the key without a passphrase (and protect the "
                                               "file with mode 0600)",
                                               path));
    return Refused(kKeyOption, fmt::format("{} holds no PEM private key (expected -----BEGIN PRIVATE KEY----- or "
                                           "-----BEGIN EC/RSA PRIVATE KEY-----)",
                                           path));
}

}  // namespace

Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const std::string& cert_file,
                                                                  const std::string& key_file) {
    // Both files are opened first: a missing key is named even when the certificate is bad too.
    WT_ASSIGN_OR_RETURN(File cert_readable, OpenForReading(kCertOption, cert_file));
    cert_readable.reset();  // OpenSSL reads the chain by path below
    WT_ASSIGN_OR_RETURN(File key_input, OpenForReading(kKeyOption, key_file));
    ERR_clear_error();
    auto context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
    SSL_CTX* native = context->native_handle();
    // TLS 1.3 only (SECURITY.md): 1.3 itself has neither compression nor renegotiation; the
    // options say so anyway, so that a lowered minimum could never bring them back.
    if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1)
        return Error::Internal("OpenSSL refused TLS 1.3 as the only protocol version: " + TakeOpenSslReason());
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_alpn_select_cb(native, SelectHttp11, nullptr);

    if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1)
        return Refused(kCertOption,
                       fmt::format("{} holds no usable PEM certificate chain ({})", cert_file, TakeOpenSslReason()));
    WT_ASSIGN_OR_RETURN(auto key, ReadPrivateKey(key_input.get(), key_file));
    if (X509_check_private_key(SSL_CTX_get0_certificate(native), key.get()) != 1) {
        ERR_clear_error();
        return Refused(kKeyOption,
                       fmt::format("the private key in {} does not match the certificate in {}", key_file, cert_file));
    }
    if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1)
        return Refused(kKeyOption, fmt::format("{} cannot be used with the certificate in {} ({})", key_file, cert_file,
                                               TakeOpenSslReason()));
    return context;
}

}  // namespace wt::http
