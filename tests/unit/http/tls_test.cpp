// SPDX-License-Identifier: Apache-2.0
// MakeTlsContext without a socket: the protocol settings, a handshake over memory BIOs (TLS 1.3
// accepted, TLS 1.2 refused), and every refused certificate/key with the option and file named.
// Keys and certificates are made in-process with OpenSSL; files go to a fresh temp directory.
#include "http/tls.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

namespace wt::http {
namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>;
using CertPtr = std::unique_ptr<X509, void (*)(X509*)>;

KeyPtr NewKey() { return KeyPtr(EVP_EC_gen("P-256"), EVP_PKEY_free); }

// A self-signed certificate for CN=127.0.0.1, valid for a day.
CertPtr SelfSigned(EVP_PKEY* key) {
    CertPtr cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);
    X509_set_pubkey(cert.get(), key);
    X509_sign(cert.get(), key, EVP_sha256());
    return cert;
}

class TlsContextTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("wt-tls-unit-" + std::to_string(std::random_device{}()));
        std::filesystem::create_directories(dir_);
        cert_ = Path("cert.pem");
        key_ = Path("key.pem");
        auto key = NewKey();
        auto cert = SelfSigned(key.get());
        WritePem(cert_, [&](FILE* file) { return PEM_write_X509(file, cert.get()); });
        WritePem(key_, [&](FILE* file) {
            return PEM_write_PrivateKey(file, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        });
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string Path(const std::string& name) const { return (dir_ / name).string(); }
    template <typename Write>
    static void WritePem(const std::string& path, Write write) {
        FILE* file = std::fopen(path.c_str(), "wb");
        ASSERT_NE(file, nullptr) << path;
        EXPECT_EQ(write(file), 1) << path;
        std::fclose(file);
    }
    // The error message of a refused context, or "" when it was built.
    static std::string Refusal(const Result<std::shared_ptr<boost::asio::ssl::context>>& made, std::string option) {
        if (made) return "";
        const auto& fields = made.error().fields;
        EXPECT_EQ(fields.size(), 1u);
        if (fields.empty()) return made.error().detail;
        EXPECT_EQ(fields[0].field, option);
        return fields[0].message;
    }

    std::filesystem::path dir_;
    std::string cert_, key_;
};

// Runs a client handshake capped at `client_max_version`, offering the ALPN protocols `alpn` (wire
// format; empty: no ALPN), against `server` over memory BIOs; the negotiated protocol version, or 0
// when the handshake failed. `selected_alpn` receives the protocol the server chose.
int Handshake(SSL_CTX* server, int client_max_version, const std::string& alpn = "",
              std::string* selected_alpn = nullptr) {
    std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> client_ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    SSL_CTX_set_min_proto_version(client_ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(client_ctx.get(), client_max_version);
    std::unique_ptr<SSL, void (*)(SSL*)> client(SSL_new(client_ctx.get()), SSL_free);
    if (!alpn.empty())
        SSL_set_alpn_protos(client.get(), reinterpret_cast<const unsigned char*>(alpn.data()),
                            static_cast<unsigned>(alpn.size()));
    std::unique_ptr<SSL, void (*)(SSL*)> srv(SSL_new(server), SSL_free);
    BIO* client_side = nullptr;
    BIO* server_side = nullptr;
    BIO_new_bio_pair(&client_side, 0, &server_side, 0);
    SSL_set_bio(client.get(), client_side, client_side);
    SSL_set_bio(srv.get(), server_side, server_side);
    SSL_set_connect_state(client.get());
    SSL_set_accept_state(srv.get());
    bool client_done = false, server_done = false;
    for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
        if (!client_done) {
            int rc = SSL_do_handshake(client.get());
            if (rc == 1)
                client_done = true;
            else if (int err = SSL_get_error(client.get(), rc);
                     err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
                break;
        }
        if (!server_done) {
            int rc = SSL_do_handshake(srv.get());
            if (rc == 1)
                server_done = true;
            else if (int err = SSL_get_error(srv.get(), rc); err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
                break;
        }
    }
    ERR_clear_error();
    if (selected_alpn) {
        const unsigned char* data = nullptr;
        unsigned int length = 0;
        SSL_get0_alpn_selected(client.get(), &data, &length);
        selected_alpn->assign(reinterpret_cast<const char*>(data), length);
    }
    return client_done && server_done ? SSL_version(srv.get()) : 0;
}

TEST_F(TlsContextTest, OffersTls13OnlyWithoutCompressionOrRenegotiation) {
    auto made = MakeTlsContext(cert_, key_);
    ASSERT_TRUE(made) << Refusal(made, "");
    SSL_CTX* native = (*made)->native_handle();
    EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_3_VERSION);
    EXPECT_EQ(SSL_CTX_get_max_proto_version(native), TLS1_3_VERSION);
    const auto options = SSL_CTX_get_options(native);
    EXPECT_TRUE(options & SSL_OP_NO_COMPRESSION);
    EXPECT_TRUE(options & SSL_OP_NO_RENEGOTIATION);
    EXPECT_EQ(SSL_CTX_check_private_key(native), 1);

    EXPECT_EQ(Handshake(native, TLS1_3_VERSION), TLS1_3_VERSION) << "a TLS 1.3 client must get in";
    EXPECT_EQ(Handshake(native, TLS1_2_VERSION), 0) << "a client capped at TLS 1.2 must be refused";
}

TEST_F(TlsContextTest, AlpnSelectsHttp11AndRefusesAClientThatCannotSpeakIt) {
    auto made = MakeTlsContext(cert_, key_);
    ASSERT_TRUE(made) << Refusal(made, "");
    SSL_CTX* native = (*made)->native_handle();
    std::string selected;
    EXPECT_EQ(Handshake(native, TLS1_3_VERSION, std::string("\x02h2\x08http/1.1", 12), &selected), TLS1_3_VERSION);
    EXPECT_EQ(selected, "http/1.1") << "h2 is not spoken: HTTP/1.1 must be chosen";
    EXPECT_EQ(Handshake(native, TLS1_3_VERSION, "", &selected), TLS1_3_VERSION) << "no ALPN offered is fine";
    EXPECT_EQ(selected, "");
    EXPECT_EQ(Handshake(native, TLS1_3_VERSION, std::string("\x02h2", 3)), 0) << "h2 alone";
    EXPECT_EQ(Handshake(native, TLS1_3_VERSION, std::string("\x03" "ftp", 4)), 0) << "another protocol (ALPACA)";
}

TEST_F(TlsContextTest, MissingFilesAreNamed) {
    const std::string missing = Path("missing.pem");
    std::string message = Refusal(MakeTlsContext(missing, key_), "tls.cert");
    EXPECT_NE(message.find("tls.cert: cannot read " + missing + ": No such file or directory"), std::string::npos)
        << message;
    message = Refusal(MakeTlsContext(cert_, missing), "tls.key");
    EXPECT_NE(message.find("tls.key: cannot read " + missing), std::string::npos) << message;
    message = Refusal(MakeTlsContext(cert_, ""), "tls.key");
    EXPECT_NE(message.find("cannot read"), std::string::npos) << message;
}

TEST_F(TlsContextTest, FilesWithTheWrongContentsAreRefused) {
    const std::string garbage = Path("garbage.pem");
    std::ofstream(garbage) << "not PEM at all\n";
    std::string message = Refusal(MakeTlsContext(garbage, key_), "tls.cert");
    EXPECT_NE(message.find(garbage + " holds no usable PEM certificate chain"), std::string::npos) << message;
    message = Refusal(MakeTlsContext(key_, key_), "tls.cert");
    EXPECT_NE(message.find(key_), std::string::npos) << "a key given as the certificate: " << message;
    message = Refusal(MakeTlsContext(cert_, cert_), "tls.key");
    EXPECT_NE(message.find(cert_ + " holds no PEM private key"), std::string::npos) << message;
    message = Refusal(MakeTlsContext(cert_, garbage), "tls.key");
    EXPECT_NE(message.find(garbage + " holds no PEM private key"), std::string::npos) << message;
}

TEST_F(TlsContextTest, AKeyOfAnotherCertificateIsRefused) {
    const std::string other = Path("other-key.pem");
    auto key = NewKey();
    WritePem(other,
             [&](FILE* file) { return PEM_write_PrivateKey(file, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
    std::string message = Refusal(MakeTlsContext(cert_, other), "tls.key");
    EXPECT_EQ(message, "tls.key: the private key in " + other + " does not match the certificate in " + cert_);
}

TEST_F(TlsContextTest, AnEncryptedKeyIsRefusedWithoutAPrompt) {
    const std::string encrypted = Path("encrypted-key.pem");
    auto key = NewKey();
    static const char kPassphrase[] = "unit-test-passphrase";
    WritePem(encrypted, [&](FILE* file) {
        return PEM_write_PrivateKey(file, key.get(), EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                    const_cast<char*>(kPassphrase));
    });
    // OpenSSL's default would read a passphrase from the terminal; the context must fail instead.
    std::string message = Refusal(MakeTlsContext(cert_, encrypted), "tls.key");
    EXPECT_NE(message.find(encrypted + " is encrypted"), std::string::npos) << message;
}

TEST_F(TlsContextTest, TheOpenSslErrorQueueIsLeftEmpty) {
    (void)MakeTlsContext(Path("garbage.pem"), key_);
    std::ofstream(Path("garbage.pem")) << "junk\n";
    (void)MakeTlsContext(Path("garbage.pem"), key_);
    (void)MakeTlsContext(cert_, cert_);
    EXPECT_EQ(ERR_peek_error(), 0ul) << "a stale error would be blamed on the next, unrelated OpenSSL call";
}

}  // namespace
}  // namespace wt::http
