// SPDX-License-Identifier: Apache-2.0
// TOTP against the RFC 6238 appendix B vectors (SHA-1), the RFC 4226 appendix D HOTP vectors,
// base32 round trips and refusals, the step arithmetic at edges, and the drift window.
#include "auth/totp.hpp"

#include <gtest/gtest.h>

#include "crypto/crypto.hpp"

namespace wt::auth {
namespace {

const std::string kRfcKey = "12345678901234567890";  // RFC 4226 / RFC 6238 SHA-1 seed

TEST(TotpTest, Rfc6238Sha1Vectors) {
    const std::pair<std::int64_t, const char*> vectors[] = {
        {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
    };
    for (const auto& [time, expected] : vectors) EXPECT_EQ(TotpCode(kRfcKey, time, 8), expected) << "T=" << time;
}

TEST(TotpTest, Rfc4226HotpVectors) {
    const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                              "254676", "287922", "162583", "399871", "520489"};
    for (std::uint64_t counter = 0; counter < 10; ++counter)
        EXPECT_EQ(HotpCode(kRfcKey, counter), expected[counter]) << "counter " << counter;
}

TEST(TotpTest, SixDigitsKeepLeadingZeros) {
    // RFC 6238 at T=1111111109: 8 digits 07081804, so 6 digits are the last six: 081804.
    EXPECT_EQ(TotpCode(kRfcKey, 1111111109), "081804");
}

TEST(TotpTest, StepEdges) {
    EXPECT_EQ(TotpStep(0), 0);
    EXPECT_EQ(TotpStep(29), 0);
    EXPECT_EQ(TotpStep(30), 1);
    EXPECT_EQ(TotpStep(59), 1);
    EXPECT_EQ(TotpStep(60), 2);
    EXPECT_EQ(TotpStep(-1), -1);
    EXPECT_EQ(TotpStepAt(59 * kMicrosPerSecond + 999'999), 1);
    EXPECT_EQ(TotpStepAt(60 * kMicrosPerSecond), 2);
    // The same code for every second of a step, another one at the next.
    EXPECT_EQ(TotpCode(kRfcKey, 1111111110), TotpCode(kRfcKey, 1111111139));
    EXPECT_NE(TotpCode(kRfcKey, 1111111139), TotpCode(kRfcKey, 1111111140));
}

TEST(TotpTest, Base32RoundTripsAndRfc4648Vectors) {
    EXPECT_EQ(Base32Encode(""), "");
    EXPECT_EQ(Base32Encode("f"), "MY");
    EXPECT_EQ(Base32Encode("fo"), "MZXQ");
    EXPECT_EQ(Base32Encode("foo"), "MZXW6");
    EXPECT_EQ(Base32Encode("foob"), "MZXW6YQ");
    EXPECT_EQ(Base32Encode("fooba"), "MZXW6YTB");
    EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
    EXPECT_EQ(Base32Encode(kRfcKey), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    for (std::size_t length = 0; length <= 41; ++length) {
        std::string bytes = crypto::RandomBytes(length);
        auto decoded = Base32Decode(Base32Encode(bytes));
        ASSERT_TRUE(decoded.ok()) << length;
        EXPECT_EQ(*decoded, bytes) << length;
    }
    auto lower = Base32Decode("mzxw6ytboi");
    ASSERT_TRUE(lower.ok());
    EXPECT_EQ(*lower, "foobar");
}

TEST(TotpTest, Base32RefusesWhatEncodeNeverMakes) {
    for (const char* bad : {"MZXW6YTBOI======", "MZXW 6YTB", "MZXW1", "M", "MZX", "MZXW6Y", "MZ", "M8"}) {
        auto decoded = Base32Decode(bad);
        EXPECT_FALSE(decoded.ok()) << bad;
    }
    // "MZ" encodes "f" only with zero unused bits; "M7" sets them.
    EXPECT_FALSE(Base32Decode("M7").ok());
}

TEST(TotpTest, SecretsAre160RandomBits) {
    auto a = NewTotpSecret(), b = NewTotpSecret();
    EXPECT_EQ(a.size(), 20u);
    EXPECT_NE(a, b);
    EXPECT_EQ(Base32Encode(a).size(), 32u);
}

TEST(TotpTest, DriftOfOneStepAcceptedTwoRefused) {
    const std::int64_t now = 1'700'000'015;  // inside a step
    const std::int64_t step = TotpStep(now);
    for (std::int64_t offset = -3; offset <= 3; ++offset) {
        std::string code = HotpCode(kRfcKey, static_cast<std::uint64_t>(step + offset));
        auto matched = MatchTotpStep(kRfcKey, code, step);
        if (offset >= -1 && offset <= 1) {
            ASSERT_TRUE(matched.has_value()) << offset;
            EXPECT_EQ(*matched, step + offset);
        } else {
            EXPECT_FALSE(matched.has_value()) << offset;
        }
    }
}

TEST(TotpTest, MalformedCodesNeverMatch) {
    const std::int64_t step = TotpStep(1'700'000'000);
    std::string code = HotpCode(kRfcKey, static_cast<std::uint64_t>(step));
    EXPECT_TRUE(MatchTotpStep(kRfcKey, code, step));
    EXPECT_FALSE(MatchTotpStep(kRfcKey, code + "0", step));
    EXPECT_FALSE(MatchTotpStep(kRfcKey, code.substr(1), step));
    EXPECT_FALSE(MatchTotpStep(kRfcKey, " " + code.substr(1), step));
    EXPECT_FALSE(MatchTotpStep(kRfcKey, "", step));
}

TEST(TotpTest, OtpauthUriNamesIssuerAndAccount) {
    EXPECT_EQ(OtpauthUri("GEZDGNBV", "ada+mfa@acme.test"),
              "otpauth://totp/WatchTower:ada%2Bmfa%40acme.test?secret=GEZDGNBV&issuer=WatchTower&algorithm=SHA1&"
              "digits=6&period=30");
}

}  // namespace
}  // namespace wt::auth
