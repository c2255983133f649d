// SPDX-License-Identifier: Apache-2.0
#include "crypto/seal.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/crypto.hpp"

namespace wt::crypto {
namespace {

const std::string kKeyA(32, 'a');
const std::string kKeyB(32, 'b');
constexpr std::string_view kContext = "users.totp_secret_sealed:usr_1";

TEST(SealTest, RoundTrip) {
    const Keyring ring({kKeyA});
    const std::string sealed = ring.Seal("JBSWY3DPEHPK3PXP", kContext);
    auto opened = ring.Open(sealed, kContext);
    ASSERT_TRUE(opened.ok()) << opened.error().detail;
    EXPECT_EQ(*opened, "JBSWY3DPEHPK3PXP");
}

TEST(SealTest, RoundTripOfEmptyAndBinaryPlaintext) {
    const Keyring ring({kKeyA});
    auto empty = ring.Open(ring.Seal("", kContext), kContext);
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(*empty, "");
    const std::string binary("\0\xff\x01 long enough to span more than one AES block....", 52);
    auto opened = ring.Open(ring.Seal(binary, kContext), kContext);
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(*opened, binary);
}

TEST(SealTest, EnvelopeFormatNamesTheKey) {
    const Keyring ring({kKeyA});
    const std::string sealed = ring.Seal("x", kContext);
    const std::string id = Keyring::KeyId(kKeyA);
    EXPECT_EQ(id.size(), 16u);
    EXPECT_EQ(id, HexEncode(Sha256("watchtower/key-id" + kKeyA).substr(0, 8)));
    EXPECT_EQ(ring.current_id(), id);
    EXPECT_EQ(sealed.rfind("wtseal1." + id + ".", 0), 0u) << sealed;
    EXPECT_EQ(Keyring::EnvelopeKeyId(sealed), id);
    // 12-byte nonce + 1 byte + 16-byte tag = 29 bytes = 39 base64url characters.
    EXPECT_EQ(sealed.size(), std::string("wtseal1.").size() + 16 + 1 + 39);
    // The plaintext does not show through (neither as text nor as base64url).
    const std::string marker = "a-plaintext-marker-that-must-not-show";
    const std::string sealed_marker = ring.Seal(marker, kContext);
    EXPECT_EQ(sealed_marker.find(marker), std::string::npos);
    EXPECT_EQ(sealed_marker.find(Base64UrlEncode(marker).substr(4, 20)), std::string::npos);
    EXPECT_EQ(Keyring::EnvelopeKeyId("not an envelope"), "");
    EXPECT_EQ(Keyring::EnvelopeKeyId("wtseal1.ABCDEF0123456789.xx"), "");
}

TEST(SealTest, TwoSealsOfTheSameTextDiffer) {
    const Keyring ring({kKeyA});
    EXPECT_NE(ring.Seal("same", kContext), ring.Seal("same", kContext));
}

TEST(SealTest, WrongKeyWithTheSameIdFailsAuthentication) {
    // A forged envelope naming key A's id but sealed under key B: the tag must not verify.
    const std::string under_b = Keyring({kKeyB}).Seal("secret", kContext);
    const std::string forged = "wtseal1." + Keyring::KeyId(kKeyA) + under_b.substr(8 + 16);
    auto opened = Keyring({kKeyA}).Open(forged, kContext);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
    EXPECT_EQ(opened.error().detail, "sealed value failed authentication");
}

TEST(SealTest, UnknownKeyIdIsNamed) {
    const std::string sealed = Keyring({kKeyB}).Seal("secret", kContext);
    auto opened = Keyring({kKeyA}).Open(sealed, kContext);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
    EXPECT_EQ(opened.error().detail, "sealed with an unknown key " + Keyring::KeyId(kKeyB));
}

TEST(SealTest, WrongContextFailsAuthentication) {
    const Keyring ring({kKeyA});
    const std::string sealed = ring.Seal("secret", "users.totp_secret_sealed:usr_1");
    for (const std::string_view other : {"users.totp_secret_sealed:usr_2", "users.totp_pending_sealed:usr_1", ""}) {
        auto opened = ring.Open(sealed, other);
        ASSERT_FALSE(opened.ok()) << other;
        EXPECT_EQ(opened.error().detail, "sealed value failed authentication");
    }
}

TEST(SealTest, EveryFlippedBitOfTheEnvelopeIsRefused) {
    const Keyring ring({kKeyA});
    const std::string sealed = ring.Seal("a secret of some length", kContext);
    for (std::size_t pos = 0; pos < sealed.size(); ++pos) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string tampered = sealed;
            tampered[pos] = static_cast<char>(tampered[pos] ^ (1 << bit));
            EXPECT_FALSE(ring.Open(tampered, kContext).ok()) << "byte " << pos << " bit " << bit;
        }
    }
}

TEST(SealTest, EveryFlippedBitOfTheDecodedBodyFailsAuthentication) {
    // Bit flips inside nonce, ciphertext and tag (after base64url) reach the GCM check itself.
    const Keyring ring({kKeyA});
    const std::string sealed = ring.Seal("a secret of some length", kContext);
    const std::string head = sealed.substr(0, 8 + 16 + 1);
    auto body = Base64UrlDecode(sealed.substr(head.size()));
    ASSERT_TRUE(body.ok());
    for (std::size_t pos = 0; pos < body->size(); ++pos) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string tampered = *body;
            tampered[pos] = static_cast<char>(tampered[pos] ^ (1 << bit));
            auto opened = ring.Open(head + Base64UrlEncode(tampered), kContext);
            ASSERT_FALSE(opened.ok()) << "byte " << pos << " bit " << bit;
            EXPECT_EQ(opened.error().detail, "sealed value failed authentication");
        }
    }
}

TEST(SealTest, TruncatedAndExtendedEnvelopesAreRefused) {
    const Keyring ring({kKeyA});
    const std::string sealed = ring.Seal("secret", kContext);
    for (std::size_t len = 0; len < sealed.size(); ++len) {
        EXPECT_FALSE(ring.Open(sealed.substr(0, len), kContext).ok()) << len;
    }
    EXPECT_FALSE(ring.Open(sealed + "A", kContext).ok());
    EXPECT_FALSE(ring.Open(sealed + "AA", kContext).ok());
    // A body shorter than nonce + tag is malformed, not an authentication failure.
    auto short_body = ring.Open("wtseal1." + ring.current_id() + "." + Base64UrlEncode(std::string(27, 'x')), kContext);
    ASSERT_FALSE(short_body.ok());
    EXPECT_EQ(short_body.error().code, ErrorCode::kValidationFailed);
    EXPECT_EQ(short_body.error().detail, "sealed value is malformed");
}

TEST(SealTest, MalformedEnvelopes) {
    const Keyring ring({kKeyA});
    for (const std::string& bad :
         {std::string(""), std::string("plaintext"), std::string("wtseal1."),
          std::string("wtseal2.") + ring.current_id() + ".AAAA", "wtseal1." + ring.current_id() + ".not base64!"}) {
        auto opened = ring.Open(bad, kContext);
        ASSERT_FALSE(opened.ok()) << bad;
        EXPECT_EQ(opened.error().code, ErrorCode::kValidationFailed) << bad;
    }
}

TEST(SealTest, PreviousKeysOpenButNeverSeal) {
    const std::string old_sealed = Keyring({kKeyA}).Seal("old", kContext);
    const Keyring ring({kKeyB, kKeyA});
    EXPECT_EQ(ring.current_id(), Keyring::KeyId(kKeyB));
    auto opened = ring.Open(old_sealed, kContext);
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(*opened, "old");
    for (int round = 0; round < 20; ++round) {
        EXPECT_EQ(Keyring::EnvelopeKeyId(ring.Seal("new", kContext)), Keyring::KeyId(kKeyB));
    }
    // What the new ring seals opens under key B alone, not under key A alone.
    const std::string new_sealed = ring.Seal("new", kContext);
    EXPECT_TRUE(Keyring({kKeyB}).Open(new_sealed, kContext).ok());
    EXPECT_FALSE(Keyring({kKeyA}).Open(new_sealed, kContext).ok());
}

TEST(SealTest, KeyIdsDifferPerKeyAndDoNotRevealTheKey) {
    EXPECT_NE(Keyring::KeyId(kKeyA), Keyring::KeyId(kKeyB));
    EXPECT_EQ(Keyring::KeyId(kKeyA), Keyring::KeyId(kKeyA));
    EXPECT_EQ(Keyring::KeyId(kKeyA).find(HexEncode(kKeyA.substr(0, 4))), std::string::npos);
}

}  // namespace
}  // namespace wt::crypto
