// SPDX-License-Identifier: Apache-2.0
// Mail through a real `watchtower serve`: the SMTP transport configured by environment, its
// password stored with `watchtower secrets set smtp_password` (stdin) and read by the running
// server, delivering to a real SMTP server on loopback (aiosmtpd, tests/unit/mail/smtp_sink.py);
// and `mail.transport = off`, which sends nothing and keeps no token. (The file transport is
// exercised end to end by account_test.cpp, which reads every token from <data_dir>/mail/*.eml.)
#include <gtest/gtest.h>

#include <regex>

#include "../unit/mail/smtp_sink.hpp"
#include "harness.hpp"

namespace wt::integration {
namespace {

using mail::testing::FilesIn;
using mail::testing::kSmtpPassword;
using mail::testing::kSmtpUser;
using mail::testing::ParseEml;
using mail::testing::SmtpSink;
using mail::testing::Str;

constexpr const char* kResetRequest = "/api/v1/auth/password-reset/request";

/// `watchtower secrets set <name>` with the value on stdin, as an operator runs it.
CommandResult SetSecret(const Server& server, const std::string& name, const std::string& value) {
    return RunProgram("/bin/sh", {"-c", "printf %s \"$1\" | \"$2\" --data-dir \"$3\" secrets set \"$4\"", "sh", value,
                                  WT_SERVER_BIN, server.data_dir(), name});
}

/// A server without the extra members (mail tests use only the seeded admin), with `env`.
ServerConfig MailServer(std::map<std::string, std::string> env) {
    ServerConfig config;
    config.members = false;
    config.env = std::move(env);
    return config;
}

TEST(MailTest, SmtpDeliversWithThePasswordSetThroughTheCli) {
    const std::string sink_dir = MakeTempDir("mail-sink");
    {
        SmtpSink sink(sink_dir, {});
        ASSERT_GT(sink.port(), 0) << "the SMTP sink did not start";
        Server server(MailServer({{"WATCHTOWER_MAIL_TRANSPORT", "smtp"},
                                  {"WATCHTOWER_SMTP_URL", "smtp://127.0.0.1:" + std::to_string(sink.port())},
                                  {"WATCHTOWER_SMTP_USERNAME", kSmtpUser},
                                  {"WATCHTOWER_SMTP_INSECURE", "true"},
                                  {"WATCHTOWER_MAIL_FROM", "WatchTower Alerts <alerts@wt.example.com>"}}));
        server.Start();
        server.RememberSecret(kSmtpPassword);
        // Set while the server runs: it reads the secret at each delivery.
        const auto set = SetSecret(server, "smtp_password", kSmtpPassword);
        ASSERT_EQ(set.exit_code, 0) << set.out << set.err;
        EXPECT_EQ(set.out.find(kSmtpPassword), std::string::npos);

        auto res = server.Call("POST", kResetRequest, "{\"email\":\"" + server.admin_email + "\"}");
        EXPECT_EQ(res.status, 202) << res.body;
        ASSERT_TRUE(mail::testing::WaitFor([&] { return sink.Messages().size() == 1; }))
            << "no mail reached the SMTP server";
        const auto parsed = ParseEml(sink.Messages()[0]);
        EXPECT_EQ(Str(parsed, {"headers", "To"}), server.admin_email);
        EXPECT_EQ(Str(parsed, {"headers", "From"}), "WatchTower Alerts <alerts@wt.example.com>");
        EXPECT_EQ(Str(parsed, {"headers", "Subject"}), "Reset your WatchTower password");
        EXPECT_EQ(Str(parsed, {"content_type"}), "multipart/alternative");
        ASSERT_EQ(parsed.at("parts").as_array().size(), 2u);
        const std::string text = Str(parsed.at("parts").at(0), {"body"});
        std::smatch link;
        ASSERT_TRUE(std::regex_search(text, link, std::regex("/reset-password#token=([A-Za-z0-9_-]+)"))) << text;
        server.RememberSecret(link[1]);
        EXPECT_TRUE(mail::testing::WaitFor([&] {
            return server.Get("/metrics").body.find("wt_mail_sent_total{kind=\"password_reset\"} 1") !=
                   std::string::npos;
        }));
        EXPECT_TRUE(FilesIn(server.data_dir() + "/mail", ".eml").empty()) << "SMTP, not the file transport";
        EXPECT_EQ(server.Stop(), 0);
        EXPECT_TRUE(server.LeakedSecrets().empty()) << "the token or the SMTP password reached a log";
    }
    RemoveTree(sink_dir);
}

TEST(MailTest, TransportOffSendsNothingAndKeepsNoToken) {
    Server server(MailServer({{"WATCHTOWER_MAIL_TRANSPORT", "off"}}));
    server.Start();
    auto res = server.Call("POST", kResetRequest, "{\"email\":\"" + server.admin_email + "\"}");
    EXPECT_EQ(res.status, 202) << res.body;
    EXPECT_TRUE(mail::testing::WaitFor([&] {
        return server.Get("/metrics").body.find("wt_mail_dropped_total{kind=\"password_reset\"} 1") !=
               std::string::npos;
    })) << server.Get("/metrics").body;
    EXPECT_TRUE(FilesIn(server.data_dir() + "/mail", "").empty());
    EXPECT_EQ(server.Stop(), 0);
    EXPECT_NE(ReadFile(server.log_path()).find("mail.transport is off"), std::string::npos);
}

TEST(MailTest, BadSenderAddressStopsTheStart) {
    Server server(MailServer({{"WATCHTOWER_MAIL_FROM", "WatchTower <not an address>"}}));
    EXPECT_THROW(server.Start(), std::exception);
    EXPECT_NE(ReadFile(server.log_path()).find("mail.from"), std::string::npos) << ReadFile(server.log_path());
}

}  // namespace
}  // namespace wt::integration
