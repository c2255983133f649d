// SPDX-License-Identifier: Apache-2.0
// The messages (every builder, text and HTML), their RFC 5322 rendering read back by an
// independent MIME parser, header-injection refusal, and the retry schedule.
#include "mail/mail.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../common/test_support.hpp"
#include "mail/deliverer.hpp"
#include "mail/mime.hpp"
#include "mail_test_support.hpp"

namespace wt::mail {
namespace {

using testing::ParseEml;
using testing::Str;

constexpr UnixMicros kAt = 1'795'428'000 * kMicrosPerSecond;  // 2026-11-23T10:00:00Z
constexpr std::string_view kUrl = "https://wt.example.com";

/// Decoded MIME text has CRLF line ends; the message was built with LF.
std::string Lf(std::string text) {
    for (auto pos = text.find("\r\n"); pos != std::string::npos; pos = text.find("\r\n", pos)) text.erase(pos, 1);
    return text;
}

bool Contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

TEST(MailBuildersTest, InvitationCarriesTheTokenOnlyInTheLinkFragment) {
    const Message m =
        InvitationMail("ada@example.com", kUrl, "TOKEN123", "Acme Bank", "Grace", "ANALYST", kAt + 72 * kMicrosPerHour);
    EXPECT_EQ(m.kind, "invitation");
    EXPECT_EQ(m.to, "ada@example.com");
    EXPECT_EQ(m.subject, "You are invited to Acme Bank on WatchTower");
    const std::string link = "https://wt.example.com/accept-invitation#token=TOKEN123";
    for (const std::string* body : {&m.text, &m.html}) {
        EXPECT_TRUE(Contains(*body, link)) << *body;
        EXPECT_TRUE(Contains(*body, "Grace invited you to join the organization Acme Bank on WatchTower as ANALYST"));
        EXPECT_TRUE(Contains(*body, "2026-11-26 10:00 UTC")) << "the expiry, 72 h later";
    }
    EXPECT_TRUE(Contains(m.html, "<a href=\"" + link + "\">Accept the invitation</a>"));
    EXPECT_FALSE(Contains(m.subject, "TOKEN123"));
}

TEST(MailBuildersTest, PasswordResetLinksToTheResetPage) {
    const Message m = PasswordResetMail("ada@example.com", kUrl, "RST", kAt + 30 * kMicrosPerMinute);
    EXPECT_EQ(m.kind, "password_reset");
    EXPECT_EQ(m.subject, "Reset your WatchTower password");
    for (const std::string* body : {&m.text, &m.html}) {
        EXPECT_TRUE(Contains(*body, "https://wt.example.com/reset-password#token=RST"));
        EXPECT_TRUE(Contains(*body, "valid until 2026-11-23 10:30 UTC"));
    }
}

TEST(MailBuildersTest, AccountNoticesSayWhatWhenAndFromWhere) {
    struct Case {
        Message message;
        std::string kind;
        std::string subject;
        std::string what;
    };
    const std::vector<Case> cases = {
        {PasswordChangedMail("a@b.co", kUrl, kAt, "203.0.113.9"), "password_changed",
         "Your WatchTower password was changed", "The password of your WatchTower account was changed"},
        {MfaEnabledMail("a@b.co", kUrl, kAt, "203.0.113.9"), "mfa_enabled", "Two-factor authentication is now on",
         "Two-factor authentication was turned on"},
        {MfaDisabledMail("a@b.co", kUrl, kAt, "203.0.113.9"), "mfa_disabled",
         "Two-factor authentication was turned off", "Two-factor authentication was turned off"},
        {BackupCodesRegeneratedMail("a@b.co", kUrl, kAt, "203.0.113.9"), "backup_codes_regenerated",
         "New WatchTower backup codes", "New backup codes were made"},
        {NewSignInMail("a@b.co", kUrl, kAt, "203.0.113.9", "Firefox/133"), "new_sign_in", "New sign-in to WatchTower",
         "signed in to from a new address"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.kind);
        EXPECT_EQ(c.message.kind, c.kind);
        EXPECT_EQ(c.message.subject, c.subject);
        for (const std::string* body : {&c.message.text, &c.message.html}) {
            EXPECT_TRUE(Contains(*body, c.what)) << *body;
            EXPECT_TRUE(Contains(*body, "on 2026-11-23 10:00 UTC from the address 203.0.113.9."));
            EXPECT_TRUE(Contains(*body, "https://wt.example.com/login"));
            EXPECT_TRUE(Contains(*body, "If this was not you"));
        }
    }
    EXPECT_TRUE(Contains(cases.back().message.text, "Browser or client: Firefox/133."));
}

TEST(MailBuildersTest, HtmlEscapesEveryOutsideValue) {
    const std::string script = "<script>alert('x')</script> & \"q\"";
    const Message invite = InvitationMail("a@b.co", kUrl, "T", script, script, "ADMIN", kAt);
    EXPECT_FALSE(Contains(invite.html, "<script>"));
    EXPECT_TRUE(Contains(invite.html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"));
    EXPECT_TRUE(Contains(invite.text, script)) << "the text part is plain text, shown as is";
    const Message sign_in = NewSignInMail("a@b.co", kUrl, kAt, "1.2.3.4", "<img src=x onerror=alert(1)>");
    EXPECT_FALSE(Contains(sign_in.html, "<img"));
    EXPECT_TRUE(Contains(sign_in.html, "&lt;img src=x onerror=alert(1)&gt;"));
}

TEST(MailBuildersTest, OutsideValuesStayOnOneLine) {
    const Message m = InvitationMail("a@b.co", kUrl, "T", "Acme\r\nBcc: victim@example.com", "Eve\nX", "ADMIN", kAt);
    EXPECT_EQ(m.subject.find_first_of("\r\n"), std::string::npos) << m.subject;
    EXPECT_TRUE(Contains(m.subject, "Acme  Bcc: victim@example.com"));
    EXPECT_TRUE(Contains(m.text, "Eve X invited you"));
}

// --- RFC 5322 rendering --------------------------------------------------------------------

RenderOptions Options() { return RenderOptions{"WatchTower <noreply@wt.example.com>", kAt, "mail_01abc"}; }

TEST(MimeTest, RenderedMessageReadsBackWithAnIndependentParser) {
    Message m = InvitationMail("ada@example.com", kUrl, "TOKEN", "Crédit Agricole — Zürich ☃ a long name to fold",
                               "José", "ADMIN", kAt);
    m.text += std::string(200, 'x') + " trailing space \n.leading dot\n" + std::string(40, '=') + "\n" +
              std::string(100, 'x') + "\xC3\xA9\xC3\xA9\xC3\xA9\n";
    auto rendered = RenderRfc5322(m, Options());
    ASSERT_TRUE(rendered.ok()) << rendered.error().detail;

    wt::testing::TempDir dir;
    const std::string path = dir.path() + "/m.eml";
    testing::WriteFile(path, *rendered);
    const auto parsed = ParseEml(path);
    ASSERT_TRUE(parsed.is_object());
    EXPECT_EQ(Str(parsed, {"headers", "Subject"}), m.subject);
    EXPECT_EQ(Str(parsed, {"headers", "From"}), "WatchTower <noreply@wt.example.com>");
    EXPECT_EQ(Str(parsed, {"headers", "To"}), "ada@example.com");
    EXPECT_EQ(Str(parsed, {"headers", "Date"}), "Mon, 23 Nov 2026 10:00:00 +0000");
    EXPECT_EQ(Str(parsed, {"headers", "Message-ID"}), "<mail_01abc@wt.example.com>");
    EXPECT_EQ(Str(parsed, {"headers", "MIME-Version"}), "1.0");
    EXPECT_EQ(Str(parsed, {"content_type"}), "multipart/alternative");
    EXPECT_EQ(Str(parsed, {"longest_line"}), "76") << "quoted-printable lines are cut at exactly 76";
    EXPECT_EQ(Str(parsed, {"bare_lf"}), "false");
    EXPECT_EQ(Str(parsed, {"defects"}), "[]");
    const auto& parts = parsed.at("parts").as_array();
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(Str(parts[0], {"content_type"}), "text/plain");
    EXPECT_EQ(Str(parts[1], {"content_type"}), "text/html");
    for (const auto& part : parts) {
        EXPECT_EQ(Str(part, {"charset"}), "utf-8");
        EXPECT_EQ(Str(part, {"transfer_encoding"}), "quoted-printable");
        EXPECT_EQ(Str(part, {"defects"}), "[]");
    }
    EXPECT_EQ(Lf(Str(parts[0], {"body"})), m.text) << "the text part decodes to exactly the text";
    EXPECT_EQ(Lf(Str(parts[1], {"body"})), m.html);
}

TEST(MimeTest, AsciiSubjectStaysReadableAndLongOnesAreEncodedWords) {
    EXPECT_EQ(EncodeHeaderText("Reset your WatchTower password", 9), "Reset your WatchTower password");
    const std::string encoded = EncodeHeaderText("Ünïcödé " + std::string(120, 'y'), 9);
    std::size_t line_start = 0;
    std::size_t lines = 0;
    while (line_start < encoded.size()) {
        auto end = encoded.find("\r\n", line_start);
        if (end == std::string::npos) end = encoded.size();
        const std::size_t budget = lines == 0 ? 76 - 9 : 76;
        EXPECT_LE(end - line_start, budget) << encoded;
        ++lines;
        line_start = end + 2;
    }
    EXPECT_GE(lines, 3u);
    EXPECT_EQ(encoded.rfind("=?UTF-8?B?", 0), 0u);
}

TEST(MimeTest, QuotedPrintableEncodesWhatMustBeEncoded) {
    EXPECT_EQ(QuotedPrintable("a=b\n"), "a=3Db\r\n");
    EXPECT_EQ(QuotedPrintable("end \n"), "end=20\r\n") << "a trailing blank is encoded";
    EXPECT_EQ(QuotedPrintable("tab\t\n"), "tab=09\r\n");
    EXPECT_EQ(QuotedPrintable(".\n"), "=2E\r\n") << "a leading dot never reaches SMTP as is";
    EXPECT_EQ(QuotedPrintable("caf\xC3\xA9\r\nx"), "caf=C3=A9\r\nx\r\n");
    // An escape is never split by a soft line break.
    const std::string encoded = QuotedPrintable(std::string(74, 'a') + "\xC3\xA9\n");
    EXPECT_EQ(encoded, std::string(74, 'a') + "=\r\n=C3=A9\r\n");
}

TEST(MimeTest, HeaderInjectionIsRefused) {
    Message m = PasswordResetMail("ada@example.com", kUrl, "T", kAt);
    struct Case {
        std::string field;
        Message message;
        RenderOptions options;
    };
    std::vector<Case> cases;
    auto add = [&](std::string field, auto change) {
        Case c{std::move(field), m, Options()};
        change(c);
        cases.push_back(std::move(c));
    };
    add("to", [](Case& c) { c.message.to = "ada@example.com\r\nBcc: eve@example.com"; });
    add("to", [](Case& c) { c.message.to = "ada@example.com, eve@example.com"; });
    add("to", [](Case& c) { c.message.to = "Ada <ada@example.com>"; });
    add("subject", [](Case& c) { c.message.subject = "Hi\r\nBcc: eve@example.com"; });
    add("subject", [](Case& c) { c.message.subject = "Hi\nX-Evil: 1"; });
    add("from", [](Case& c) { c.options.from = "WatchTower <a@b.co>\r\nBcc: eve@example.com"; });
    add("from", [](Case& c) { c.options.from = "no address"; });
    add("message_id", [](Case& c) { c.options.message_id = "id\r\nBcc: x"; });
    for (const auto& c : cases) {
        auto rendered = RenderRfc5322(c.message, c.options);
        ASSERT_FALSE(rendered.ok()) << c.field;
        EXPECT_EQ(rendered.error().code, ErrorCode::kValidationFailed);
        ASSERT_EQ(rendered.error().fields.size(), 1u);
        EXPECT_EQ(rendered.error().fields[0].field, c.field);
    }
}

TEST(MimeTest, NonAsciiSenderNameIsEncoded) {
    RenderOptions options = Options();
    options.from = "Sécurité WatchTower <noreply@wt.example.com>";
    auto rendered = RenderRfc5322(PasswordResetMail("ada@example.com", kUrl, "T", kAt), options);
    ASSERT_TRUE(rendered.ok());
    wt::testing::TempDir dir;
    testing::WriteFile(dir.path() + "/m.eml", *rendered);
    EXPECT_EQ(Str(ParseEml(dir.path() + "/m.eml"), {"headers", "From"}),
              "Sécurité WatchTower <noreply@wt.example.com>");
}

TEST(MimeTest, AddressOfAndDate) {
    EXPECT_EQ(AddressOf("WatchTower <wt@example.com>"), "wt@example.com");
    EXPECT_EQ(AddressOf("wt@example.com"), "wt@example.com");
    EXPECT_EQ(Rfc5322Date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_TRUE(IsBareAddress("a.b+c@example.com"));
    for (const char* bad : {"", "a", "@b", "a@", "a b@c", "a@b,c@d", "a@b\n", "<a@b>", "a;b@c", "\"a\"@b"})
        EXPECT_FALSE(IsBareAddress(bad)) << bad;
}

// --- Retry schedule -------------------------------------------------------------------------

TEST(RetryDelayTest, DoublesFromFifteenSecondsUpToAnHour) {
    const DelivererOptions options;
    const std::vector<UnixMicros> expected_seconds = {15, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600};
    for (std::size_t index = 0; index < expected_seconds.size(); ++index) {
        EXPECT_EQ(RetryDelay(static_cast<int>(index) + 1, 0.5, options), expected_seconds[index] * kMicrosPerSecond)
            << "retry " << index + 1;
    }
    EXPECT_EQ(RetryDelay(1'000'000, 0.5, options), kMicrosPerHour) << "no overflow for absurd counts";
}

TEST(RetryDelayTest, JitterStaysWithinTwentyPercentAndUnderTheCap) {
    const DelivererOptions options;
    EXPECT_EQ(RetryDelay(1, 0.0, options), 12 * kMicrosPerSecond);
    EXPECT_NEAR(static_cast<double>(RetryDelay(1, 0.999999, options)), 18.0 * kMicrosPerSecond, 10.0);
    EXPECT_EQ(RetryDelay(20, 0.999999, options), kMicrosPerHour);
    EXPECT_EQ(RetryDelay(20, 0.0, options), kMicrosPerHour * 8 / 10);
}

}  // namespace
}  // namespace wt::mail
