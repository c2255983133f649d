// SPDX-License-Identifier: Apache-2.0
#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace wt::crypto {
namespace {

using namespace std::string_literals;

// --- SHA-256: FIPS 180-2 appendix B / NIST example vectors -----------------------------------

TEST(Sha256Test, KnownVectors) {
    EXPECT_EQ(HexEncode(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(HexEncode(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(HexEncode(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(HexEncode(Sha256(std::string(1'000'000, 'a'))),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, ReturnsRawBytesAndHandlesEmbeddedNul) {
    EXPECT_EQ(Sha256("abc").size(), 32u);
    EXPECT_NE(Sha256("a\0b"s), Sha256("a"));
}

// --- HMAC-SHA256: RFC 4231 test cases -------------------------------------------------------

TEST(HmacSha256Test, Rfc4231Vectors) {
    // Test case 1
    EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    // Test case 2: key shorter than the output
    EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // Test case 3
    EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\xaa'), std::string(50, '\xdd'))),
              "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    // Test case 6: key larger than the block size
    EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// --- HMAC-SHA1 (TOTP): RFC 2202 test cases --------------------------------------------------

TEST(HmacSha1Test, Rfc2202Vectors) {
    EXPECT_EQ(HexEncode(HmacSha1(std::string(20, '\x0b'), "Hi There")), "b617318655057264e28bc0b6fb378c8ef146be00");
    EXPECT_EQ(HexEncode(HmacSha1("Jefe", "what do ya want for nothing?")),
              "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    EXPECT_EQ(HexEncode(HmacSha1("", "")), "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
}

// --- PBKDF2-HMAC-SHA256 (backup codes): the widely published "password"/"salt" vectors ---------

TEST(Pbkdf2Test, KnownVectorsAndSaltMatters) {
    EXPECT_EQ(HexEncode(Pbkdf2HmacSha256("password", "salt", 1, 32)),
              "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    EXPECT_EQ(HexEncode(Pbkdf2HmacSha256("password", "salt", 4096, 32)),
              "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
    EXPECT_NE(Pbkdf2HmacSha256("password", "salt2", 1, 32), Pbkdf2HmacSha256("password", "salt", 1, 32));
}

TEST(HmacSha256Test, EmptyKeyWorksAndKeyMatters) {
    const std::string empty_key_mac = HmacSha256("", "data");
    EXPECT_EQ(empty_key_mac.size(), 32u);
    EXPECT_NE(empty_key_mac, HmacSha256("k", "data"));
    EXPECT_NE(HmacSha256("key", "data"), HmacSha256("key", "datb"));
}

// --- ConstantTimeEquals, HexEncode ------------------------------------------------------------

TEST(ConstantTimeEqualsTest, ComparesContentsAndLengths) {
    EXPECT_TRUE(ConstantTimeEquals("", ""));
    EXPECT_TRUE(ConstantTimeEquals("secret-token", "secret-token"));
    EXPECT_FALSE(ConstantTimeEquals("secret-token", "secret-tokeN"));
    EXPECT_FALSE(ConstantTimeEquals("Secret-token", "secret-token"));
    EXPECT_FALSE(ConstantTimeEquals("secret", "secret-token"));
    EXPECT_FALSE(ConstantTimeEquals("", "x"));
    EXPECT_TRUE(ConstantTimeEquals("a\0b"s, "a\0b"s));
    EXPECT_FALSE(ConstantTimeEquals("a\0b"s, "a\0c"s));
}

TEST(HexEncodeTest, LowerCaseTwoDigitsPerByte) {
    EXPECT_EQ(HexEncode(""), "");
    EXPECT_EQ(HexEncode("\x00\xff\x10\xab"s), "00ff10ab");
}

// --- Base64 -------------------------------------------------------------------------------

TEST(Base64Test, Rfc4648Vectors) {
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(Base64Encode(plain), encoded);
        auto decoded = Base64Decode(encoded);
        ASSERT_TRUE(decoded.ok()) << encoded;
        EXPECT_EQ(*decoded, plain);
    }
}

TEST(Base64Test, UrlAlphabetIsUnpaddedAndUsesDashUnderscore) {
    const std::string bytes = "\xfb\xff\xfe"s;
    EXPECT_EQ(Base64Encode(bytes), "+//+");
    EXPECT_EQ(Base64UrlEncode(bytes), "-__-");
    EXPECT_EQ(Base64UrlEncode("f"), "Zg");
    EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
    auto decoded = Base64UrlDecode("-__-");
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, bytes);
}

TEST(Base64Test, RoundTripsEveryLengthAndByteValue) {
    std::string all_bytes;
    for (int value = 0; value < 256; ++value) all_bytes.push_back(static_cast<char>(value));
    for (std::size_t length = 0; length <= 70; ++length) {
        const std::string bytes = RandomBytes(length);
        auto standard = Base64Decode(Base64Encode(bytes));
        ASSERT_TRUE(standard.ok()) << length;
        EXPECT_EQ(*standard, bytes);
        auto url = Base64UrlDecode(Base64UrlEncode(bytes));
        ASSERT_TRUE(url.ok()) << length;
        EXPECT_EQ(*url, bytes);
    }
    auto standard = Base64Decode(Base64Encode(all_bytes));
    ASSERT_TRUE(standard.ok());
    EXPECT_EQ(*standard, all_bytes);
    auto url = Base64UrlDecode(Base64UrlEncode(all_bytes));
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(*url, all_bytes);
}

TEST(Base64Test, StandardDecoderRejectsInvalidInput) {
    const std::vector<std::string> bad = {
        "Zg",          // padding missing
        "Zg=",         // wrong length
        "Z===",        // too much padding
        "====",        // padding only
        "=Zg=",        // padding in front
        "Zg==Zg==",    // padding in the middle
        "Zm9v\n",      // whitespace
        "Zm9v YmFy",   // whitespace
        "Zm-v",        // url alphabet
        "Zm_v",        // url alphabet
        "Zh==",        // non-zero unused bits (not canonical)
        "Zm9=",        // non-zero unused bits (not canonical)
        "Zm9v\0\0\0\0"s,  // NUL bytes
        "\xff\xff\xff\xff",  // non-ASCII
        "Zm9v!A==",    // punctuation
    };
    for (const auto& text : bad) {
        auto decoded = Base64Decode(text);
        ASSERT_FALSE(decoded.ok()) << "accepted: " << text;
        EXPECT_EQ(decoded.error().code, ErrorCode::kMalformedRequest);
    }
}

TEST(Base64Test, UrlDecoderRejectsInvalidInput) {
    const std::vector<std::string> bad = {
        "Zg==",   // padding is not used
        "Zm8=",   // padding is not used
        "Z",      // impossible length
        "Zm9vY",  // impossible length
        "Zm+v",   // standard alphabet
        "Zm/v",   // standard alphabet
        "Zh",     // non-zero unused bits
        "Zm9",    // non-zero unused bits
        "Zm 9v",  // whitespace
        "Zm9v\0"s,
    };
    for (const auto& text : bad) {
        auto decoded = Base64UrlDecode(text);
        ASSERT_FALSE(decoded.ok()) << "accepted: " << text;
        EXPECT_EQ(decoded.error().code, ErrorCode::kMalformedRequest);
    }
}

// --- RandomBytes, NewToken ------------------------------------------------------------------

TEST(RandomBytesTest, ReturnsRequestedLength) {
    EXPECT_EQ(RandomBytes(0).size(), 0u);
    EXPECT_EQ(RandomBytes(1).size(), 1u);
    EXPECT_EQ(RandomBytes(32).size(), 32u);
    EXPECT_EQ(RandomBytes(100'000).size(), 100'000u);
}

TEST(RandomBytesTest, DoesNotRepeat) {
    std::set<std::string> seen;
    for (int draw = 0; draw < 1000; ++draw) EXPECT_TRUE(seen.insert(RandomBytes(16)).second);
    // Not all zero, and both halves of a long draw differ (a stuck generator would fail this).
    const std::string big = RandomBytes(4096);
    EXPECT_NE(big, std::string(4096, '\0'));
    EXPECT_NE(big.substr(0, 2048), big.substr(2048));
}

TEST(NewTokenTest, Is43Base64UrlCharactersOf32Bytes) {
    const std::string token = NewToken();
    EXPECT_EQ(token.size(), 43u);
    auto decoded = Base64UrlDecode(token);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->size(), 32u);
    EXPECT_NE(NewToken(), token);
}

// --- NewId ----------------------------------------------------------------------------------

constexpr std::string_view kCrockfordLower = "0123456789abcdefghjkmnpqrstvwxyz";

// Decodes the 48-bit millisecond timestamp from the first 10 base32 characters of an id body.
std::uint64_t IdMillis(std::string_view body) {
    std::uint64_t value = 0;
    for (std::size_t idx = 0; idx < 10; ++idx) value = (value << 5) | kCrockfordLower.find(body[idx]);
    return value;
}

std::uint64_t NowMillis() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

TEST(NewIdTest, FormatIsPrefixUnderscoreAnd26LowerCaseCrockfordCharacters) {
    const std::uint64_t before = NowMillis();
    const std::string id = NewId("org");
    const std::uint64_t after = NowMillis();
    ASSERT_EQ(id.size(), 4u + 26u) << id;
    ASSERT_EQ(id.substr(0, 4), "org_");
    const std::string body = id.substr(4);
    for (const char c : body) EXPECT_NE(kCrockfordLower.find(c), std::string_view::npos) << id;
    EXPECT_LE(body[0], '7') << "128 bits fit in 26 characters only if the first is <= 7";
    const std::uint64_t millis = IdMillis(body);
    EXPECT_GE(millis, before);
    EXPECT_LE(millis, after);

    EXPECT_EQ(NewId("usr").substr(0, 4), "usr_");
    EXPECT_EQ(NewId("").substr(0, 1), "_");
}

TEST(NewIdTest, LaterIdsSortAfterEarlierOnes) {
    // 1000 ids in bursts (many share a millisecond) spread over more than 1 ms.
    std::vector<std::string> ids;
    for (int idx = 0; idx < 1000; ++idx) {
        if (idx % 100 == 99) std::this_thread::sleep_for(std::chrono::microseconds(1500));
        ids.push_back(NewId("evt"));
    }
    for (std::size_t idx = 1; idx < ids.size(); ++idx) {
        ASSERT_LT(ids[idx - 1], ids[idx]) << "at " << idx;
    }
    EXPECT_GT(IdMillis(std::string_view(ids.back()).substr(4)), IdMillis(std::string_view(ids.front()).substr(4)));
}

TEST(NewIdTest, UniqueAcrossThreads) {
    constexpr int kThreads = 4;
    constexpr int kPerThread = 2000;
    std::vector<std::vector<std::string>> per_thread(kThreads);
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
        threads.emplace_back([&per_thread, thread_idx] {
            for (int idx = 0; idx < kPerThread; ++idx) per_thread[thread_idx].push_back(NewId("t"));
        });
    }
    for (auto& thread : threads) thread.join();
    std::set<std::string> all;
    for (const auto& ids : per_thread) {
        for (std::size_t idx = 1; idx < ids.size(); ++idx) EXPECT_LT(ids[idx - 1], ids[idx]);
        all.insert(ids.begin(), ids.end());
    }
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace wt::crypto
