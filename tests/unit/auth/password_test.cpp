// SPDX-License-Identifier: Apache-2.0
#include "auth/password.hpp"

#include <crypt.h>
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

using namespace std::string_literals;

std::string Repeat(std::string_view unit, std::size_t times) {
    std::string out;
    for (std::size_t idx = 0; idx < times; ++idx) out.append(unit);
    return out;
}

// crypt(3) through libxcrypt directly, for hashes that HashPassword would never make.
std::string RawCrypt(const std::string& phrase, const std::string& setting) {
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_r(phrase.c_str(), setting.c_str(), data.get());
    return out == nullptr ? std::string() : std::string(out);
}

// --- Hashing --------------------------------------------------------------------------------

TEST(PasswordHashTest, HashIsBcryptCost12AndVerifies) {
    auto hash = HashPassword("correct horse battery staple");
    ASSERT_TRUE(hash.ok()) << hash.error().internal;
    EXPECT_EQ(hash->substr(0, 7), "$2b$12$");
    EXPECT_EQ(hash->size(), 60u);
    EXPECT_TRUE(VerifyPassword("correct horse battery staple", *hash));
    EXPECT_FALSE(VerifyPassword("correct horse battery stapLe", *hash));
    EXPECT_FALSE(VerifyPassword("", *hash));
}

TEST(PasswordHashTest, BcryptInputIsBase64OfSha256OfThePassword) {
    // The documented pre-hash, checked against libxcrypt itself.
    const std::string password = "pre-hash contract check";
    auto hash = HashPassword(password);
    ASSERT_TRUE(hash.ok());
    const std::string pre_hash = crypto::Base64Encode(crypto::Sha256(password));
    ASSERT_EQ(pre_hash.size(), 44u);
    EXPECT_EQ(RawCrypt(pre_hash, *hash), *hash);
    EXPECT_NE(RawCrypt(password, *hash), *hash) << "the raw password must not be the bcrypt input";
}

TEST(PasswordHashTest, SaltIsRandom) {
    auto first = HashPassword("same password twice");
    auto second = HashPassword("same password twice");
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(second.ok());
    EXPECT_NE(*first, *second);
}

// SECURITY.md: two passwords that share their first 72 bytes are different passwords.
TEST(PasswordHashTest, PasswordsSharingFirst72BytesAreDifferent) {
    const std::string common_prefix = Repeat("0123456789abcdef", 5).substr(0, 72);
    const std::string first = common_prefix + Repeat("A", 28);
    const std::string second = common_prefix + Repeat("B", 28);
    ASSERT_EQ(first.size(), 100u);
    ASSERT_EQ(second.size(), 100u);
    ASSERT_EQ(first.substr(0, 72), second.substr(0, 72));

    auto hash = HashPassword(first);
    ASSERT_TRUE(hash.ok());
    EXPECT_TRUE(VerifyPassword(first, *hash));
    EXPECT_FALSE(VerifyPassword(second, *hash));
    EXPECT_FALSE(VerifyPassword(common_prefix, *hash));
}

TEST(PasswordHashTest, NulBytesDoNotTruncate) {
    const std::string with_nul = "abcdefgh\0ijklmnop"s;
    auto hash = HashPassword(with_nul);
    ASSERT_TRUE(hash.ok());
    EXPECT_TRUE(VerifyPassword(with_nul, *hash));
    EXPECT_FALSE(VerifyPassword("abcdefgh", *hash));
}

TEST(PasswordHashTest, MaximumLengthMultiBytePasswordIsAcceptedAndVerifies) {
    const std::string password = Repeat("\xF0\x9F\x94\x91", 64) + Repeat("\xC3\xA9", 64);  // 128 code points
    ASSERT_EQ(password.size(), 64u * 4 + 64u * 2);
    EXPECT_TRUE(CheckPasswordPolicy(password, {}).ok());
    auto hash = HashPassword(password);
    ASSERT_TRUE(hash.ok());
    EXPECT_TRUE(VerifyPassword(password, *hash));
    EXPECT_FALSE(VerifyPassword(password.substr(0, password.size() - 2), *hash));
}

TEST(PasswordHashTest, MalformedStoredHashesAreFalseNotCrashes) {
    auto good = HashPassword("a perfectly fine password");
    ASSERT_TRUE(good.ok());
    const std::string& hash = *good;
    const std::string pre_hash = crypto::Base64Encode(crypto::Sha256("a perfectly fine password"));

    std::string wrong_char = hash;
    wrong_char[30] = '!';
    std::string with_nul = hash;
    with_nul[40] = '\0';

    const std::vector<std::string> malformed = {
        "",
        "*0",
        "*1",
        "not a hash at all",
        "$2b$12$",
        hash.substr(0, hash.size() - 1),  // truncated
        hash + "x",                        // too long
        wrong_char,
        with_nul,
        "$2a$" + hash.substr(4),  // other bcrypt variant
        "$2y$" + hash.substr(4),
        "$2b$99$" + hash.substr(7),  // impossible cost
        "$2b$03$" + hash.substr(7),  // below bcrypt's minimum cost
        "$2b$1x$" + hash.substr(7),
        "$2b$12x" + hash.substr(7),
        // Correct crypt(3) hashes of the right bcrypt input, but weaker methods: a tampered row
        // must not downgrade verification.
        RawCrypt(pre_hash, "ab"),                           // traditional DES
        RawCrypt(pre_hash, "$1$saltsalt$"),                 // MD5-crypt
        RawCrypt(pre_hash, "$5$saltsaltsaltsalt$"),         // SHA-256-crypt
    };
    for (const auto& stored : malformed) {
        EXPECT_FALSE(VerifyPassword("a perfectly fine password", stored)) << "accepted: " << stored;
    }
    // Sanity: the weak-method hashes above really are valid crypt(3) hashes of the input.
    const std::string md5 = RawCrypt(pre_hash, "$1$saltsalt$");
    ASSERT_FALSE(md5.empty());
    EXPECT_EQ(RawCrypt(pre_hash, md5), md5);
    // And the untouched hash still verifies.
    EXPECT_TRUE(VerifyPassword("a perfectly fine password", hash));
}

TEST(PasswordHashTest, WellFormedButWrongBcryptIsFalse) {
    // Valid layout and cost 4, random salt and digest: crypt_r runs and the comparison fails.
    EXPECT_FALSE(VerifyPassword("anything at all", "$2b$04$" + std::string(53, 'a')));
}

TEST(PasswordHashTest, DummyVerificationTakesTimeLikeARealOne) {
    // Warm the dummy hash up (made once), then one call must spend about one bcrypt verification:
    // cost 12 is far above 10 ms on any machine we run on.
    VerifyDummyPassword("warm-up");
    const auto start = std::chrono::steady_clock::now();
    VerifyDummyPassword("some password");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GT(elapsed, std::chrono::milliseconds(10));
}

// --- Policy ---------------------------------------------------------------------------------

// Expects a refusal on `field` whose message contains `message_part`.
void ExpectRefused(const Status& status, std::string_view message_part, std::string_view field = "password") {
    ASSERT_FALSE(status.ok()) << "accepted, expected refusal: " << message_part;
    EXPECT_EQ(status.error().code, ErrorCode::kValidationFailed);
    ASSERT_EQ(status.error().fields.size(), 1u);
    EXPECT_EQ(status.error().fields[0].field, field);
    EXPECT_NE(status.error().fields[0].message.find(message_part), std::string::npos)
        << "message: " << status.error().fields[0].message;
}

TEST(PasswordPolicyTest, LengthIsCountedInCodePoints) {
    ExpectRefused(CheckPasswordPolicy("plum tree 4", {}), "at least 12 characters");  // 11
    EXPECT_TRUE(CheckPasswordPolicy("plum tree 42", {}).ok());                        // 12
    const std::string ascii_128 = Repeat("correct-horse-battery-staple-", 5).substr(0, 128);
    EXPECT_TRUE(CheckPasswordPolicy(ascii_128, {}).ok());
    ExpectRefused(CheckPasswordPolicy(ascii_128 + "x", {}), "at most 128 characters");
    // 12 bytes but 6 code points.
    ExpectRefused(CheckPasswordPolicy(Repeat("\xC3\xA9", 6), {}), "at least 12 characters");
    // 128 two-byte code points (256 bytes) are fine, 129 are not.
    const std::string umlauts_128 = Repeat("\xC3\xA9\xC3\xBC\xC3\xB6\xC3\xA4", 32);
    EXPECT_TRUE(CheckPasswordPolicy(umlauts_128, {}).ok());
    ExpectRefused(CheckPasswordPolicy(umlauts_128 + "\xC3\xA9", {}), "at most 128 characters");
}

TEST(PasswordPolicyTest, InvalidUtf8IsRefused) {
    const std::vector<std::string> invalid = {
        "\xFF" + Repeat("a", 12),
        Repeat("a", 12) + "\x80",                  // lone continuation byte
        Repeat("a", 12) + "\xC0\xAF",              // overlong '/'
        Repeat("a", 12) + "\xE0\x80\xAF",          // overlong, 3 bytes
        Repeat("a", 12) + "\xED\xA0\x80",          // UTF-16 surrogate
        Repeat("a", 12) + "\xF4\x90\x80\x80",      // above U+10FFFF
        Repeat("a", 12) + "\xE2\x82",              // truncated sequence
        Repeat("a", 12) + "\xC3\x28",              // bad continuation
    };
    for (const auto& password : invalid) ExpectRefused(CheckPasswordPolicy(password, {}), "UTF-8");
}

TEST(PasswordPolicyTest, EmailAndItsLocalPartAreRefused) {
    const PasswordContext context{"Alice.Wonderland@Example.com", {}};
    ExpectRefused(CheckPasswordPolicy("alice.wonderland@example.com", context), "must not be your email address");
    ExpectRefused(CheckPasswordPolicy("ALICE.WONDERLAND@EXAMPLE.COM", context), "must not be your email address");
    ExpectRefused(CheckPasswordPolicy("Alice.Wonderland", context), "email address");
    ExpectRefused(CheckPasswordPolicy("alice.wonderland!", context), "too easy to guess");
    EXPECT_TRUE(CheckPasswordPolicy("alice.wonderland.rabbit", context).ok());
    EXPECT_TRUE(CheckPasswordPolicy("alice.wonderland@example.com", {}).ok()) << "refused without an email";
}

TEST(PasswordPolicyTest, OrganizationNamesAreRefused) {
    const PasswordContext context{"bob@example.com", {"Northwind Traders", "Acme Payments Ltd"}};
    ExpectRefused(CheckPasswordPolicy("acme payments ltd", context), "organization");
    ExpectRefused(CheckPasswordPolicy("NORTHWIND TRADERS", context), "organization");
    ExpectRefused(CheckPasswordPolicy("acme payments ltd 2", context), "too easy to guess");
    EXPECT_TRUE(CheckPasswordPolicy("acme payments blue ltd", context).ok());
}

TEST(PasswordPolicyTest, ProductNameIsRefused) {
    // "watchtower" is 10 characters, so the length rule already refuses it; either way it fails.
    EXPECT_FALSE(CheckPasswordPolicy("watchtower", {}).ok());
    EXPECT_FALSE(CheckPasswordPolicy("WatchTower", {}).ok());
}

TEST(PasswordPolicyTest, DressedUpCommonWordsAndNamesAreRefused) {
    // A list entry, the product or organization name with digits, symbols or repetition added.
    ExpectRefused(CheckPasswordPolicy("password1234", {}), "too easy to guess");
    ExpectRefused(CheckPasswordPolicy("!!Password2024!!", {}), "too easy to guess");
    ExpectRefused(CheckPasswordPolicy("qwertyqwerty", {}), "too easy to guess");
    ExpectRefused(CheckPasswordPolicy("WatchTower2026", {}), "too easy to guess");
    ExpectRefused(CheckPasswordPolicy("northwind#2026", {"x@example.com", {"Northwind"}}), "too easy to guess");
    // Inner words are not stripped: a passphrase that merely contains a common word is fine.
    EXPECT_TRUE(CheckPasswordPolicy("password-plum-orbit-7", {}).ok());
    EXPECT_TRUE(CheckPasswordPolicy("correct horse battery staple", {}).ok());
}

TEST(PasswordPolicyTest, ShortRepetitionsAreRefused) {
    ExpectRefused(CheckPasswordPolicy("aaaaaaaaaaaa", {}), "too repetitive");
    ExpectRefused(CheckPasswordPolicy("abcabcabcabcabc", {}), "too repetitive");
    ExpectRefused(CheckPasswordPolicy("121212121212", {}), "too repetitive");
    EXPECT_TRUE(CheckPasswordPolicy("abcdabcdabce-plum", {}).ok());
}

TEST(PasswordPolicyTest, FieldNameIsReported) {
    ExpectRefused(CheckPasswordPolicy("short", {}, "new_password"), "at least 12", "new_password");
}

TEST(CommonPasswordTest, ListIsLargeAndCaseInsensitive) {
    EXPECT_GE(CommonPasswordCount(), 3000u);
    EXPECT_TRUE(IsCommonPassword("password"));
    EXPECT_TRUE(IsCommonPassword("PassWord"));
    EXPECT_TRUE(IsCommonPassword("123456"));
    EXPECT_TRUE(IsCommonPassword("asdfjkl;")) << "entries containing ';' must survive the build step";
    EXPECT_FALSE(IsCommonPassword("#!comment: This list has been compiled by Solar Designer of Openwall Project"));
    EXPECT_FALSE(IsCommonPassword(""));
    EXPECT_FALSE(IsCommonPassword("tq8Hm3-plum-orbit"));
}

TEST(CommonPasswordTest, LongCommonEntriesAreRefusedByThePolicy) {
    // Most list entries are shorter than 12 characters; these long ones must be refused as common.
    const std::vector<std::string> long_entries = {"winniethepooh", "WinnieThePooh"};
    for (const auto& password : long_entries) {
        ASSERT_TRUE(IsCommonPassword(password)) << password;
        ExpectRefused(CheckPasswordPolicy(password, {}), "is too common");
    }
}

// --- GeneratePassword -----------------------------------------------------------------------

TEST(GeneratePasswordTest, TwentyUnambiguousCharactersThatPassThePolicy) {
    const std::string first = GeneratePassword();
    const std::string second = GeneratePassword();
    EXPECT_NE(first, second);
    for (const auto& password : {first, second}) {
        EXPECT_EQ(password.size(), 20u);
        EXPECT_TRUE(CheckPasswordPolicy(password, {}).ok()) << password;
        EXPECT_EQ(password.find_first_of("0O1lIo"), std::string::npos) << password;
        for (const char c : password) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << password;
    }
}

}  // namespace
}  // namespace wt::auth
