// SPDX-License-Identifier: Apache-2.0
// The Deliverer end to end against real things: a migrated SQLite database, the file transport
// writing into a temporary directory, and a real SMTP server (smtp_sink.py, aiosmtpd) on
// 127.0.0.1 that requires AUTH, with the password read from server_secrets. Time is a manual
// clock, so retries come due without sleeping; every wait on a process is bounded.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include "../common/test_support.hpp"
#include "crypto/crypto.hpp"
#include "mail/deliverer.hpp"
#include "mail/detail/message_codec.hpp"
#include "mail/mail.hpp"
#include "mail_test_support.hpp"
#include "secrets/server_secrets.hpp"
#include "smtp_sink.hpp"

namespace wt::mail {
namespace {

using namespace std::chrono_literals;
using testing::FilesIn;
using testing::kSmtpPassword;
using testing::kSmtpUser;
using testing::ParseEml;
using testing::ReadFile;
using testing::SmtpSink;
using testing::Str;
using testing::WaitFor;

constexpr UnixMicros kT0 = 1'795'428'000 * kMicrosPerSecond;
constexpr const char* kFrom = "WatchTower <noreply@wt.example.com>";
constexpr const char* kToken = "TOKEN-0123456789abcdef";

struct OutboxRow {
    std::int64_t attempts = 0;
    std::int64_t next_attempt_at = 0;
    std::optional<std::int64_t> sent_at;
    std::optional<std::int64_t> failed_at;
    std::optional<std::string> sealed;
    std::optional<std::string> last_error;
};

class DeliveryTest : public ::testing::Test {
  protected:
    DeliveryTest() {
        clock_->Set(kT0);
        log_ =
            std::make_shared<spdlog::logger>("mail-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_));
        log_->set_level(spdlog::level::debug);
    }

    void TearDown() override {
        log_->flush();
        EXPECT_EQ(log_text_.str().find(kToken), std::string::npos) << "a token reached the log";
        EXPECT_EQ(log_text_.str().find(kSmtpPassword), std::string::npos) << "the SMTP password reached the log";
    }

    std::string MailDir() const { return db_.dir() + "/mail"; }

    /// Queues a password-reset mail in its own committed transaction; returns the outbox id.
    std::string Queue(const std::string& to = "ada@example.com") {
        auto tx = db_.Write();
        auto queued =
            Enqueue(*tx, keyring_, "", PasswordResetMail(to, "https://wt.example.com", kToken, kT0 + kMicrosPerHour),
                    clock_->Now());
        EXPECT_TRUE(queued.ok()) << (queued.ok() ? "" : queued.error().detail);
        EXPECT_TRUE(tx->Commit().ok());
        auto row = db_.Read()->QueryOne("SELECT id FROM mail_outbox ORDER BY id DESC LIMIT 1");
        return row.ok() && *row ? (*row)->GetText(0) : "";
    }

    OutboxRow Row(const std::string& id) {
        auto row = db_.Read()->QueryOne(
            "SELECT attempts, next_attempt_at, sent_at, failed_at, message_sealed, last_error FROM mail_outbox "
            "WHERE id = $1",
            {storage::Text(id)});
        if (!row.ok() || !*row) {
            ADD_FAILURE() << "no outbox row " << id;
            return {};
        }
        const auto& r = **row;
        return {r.GetInt(0), r.GetInt(1), r.GetOptInt(2), r.GetOptInt(3), r.GetOptText(4), r.GetOptText(5)};
    }

    std::unique_ptr<Deliverer> Make(std::unique_ptr<Transport> transport, DelivererOptions options = {}) {
        options.from = kFrom;
        return std::make_unique<Deliverer>(db_.db(), keyring_, std::move(transport), clock_, metrics_, log_,
                                           std::move(options));
    }

    void StoreSmtpPassword(const std::string& password) {
        auto tx = db_.Write();
        ASSERT_TRUE(secrets::SetServerSecret(*tx, keyring_, secrets::kSmtpPassword, password, kT0).ok());
        ASSERT_TRUE(tx->Commit().ok());
    }

    /// The SMTP transport as the server wires it: the password read from server_secrets at each delivery.
    std::unique_ptr<Transport> Smtp(int port, bool insecure = true, std::string ca_file = "") {
        SmtpOptions options;
        options.url = "smtp://127.0.0.1:" + std::to_string(port);
        options.username = kSmtpUser;
        options.insecure = insecure;
        options.ca_file = std::move(ca_file);
        options.connect_timeout = 2s;
        options.total_timeout = 10s;
        options.password = [this]() -> Result<std::optional<std::string>> {
            WT_ASSIGN_OR_RETURN(auto tx, db_.db().Begin(storage::TxMode::kRead));
            return secrets::GetServerSecret(*tx, keyring_, secrets::kSmtpPassword);
        };
        auto transport = MakeSmtpTransport(std::move(options));
        EXPECT_TRUE(transport.ok());
        return transport.ok() ? std::move(*transport) : nullptr;
    }

    std::string Metrics() const { return metrics_.Render(); }

    wt::testing::TestDb db_;
    crypto::Keyring keyring_{{crypto::RandomBytes(32)}};
    std::shared_ptr<wt::testing::ManualClock> clock_ = std::make_shared<wt::testing::ManualClock>();
    wt::Metrics metrics_;
    std::ostringstream log_text_;
    std::shared_ptr<spdlog::logger> log_;
};

// --- Outbox and file transport --------------------------------------------------------------

TEST_F(DeliveryTest, CommittedMailBecomesExactlyOneEmlFile) {
    const std::string id = Queue();
    const OutboxRow queued = Row(id);
    ASSERT_TRUE(queued.sealed.has_value());
    EXPECT_EQ(queued.sealed->find(kToken), std::string::npos) << "the token is sealed at rest";
    EXPECT_EQ(queued.next_attempt_at, kT0);

    auto deliverer = Make(MakeFileTransport(MailDir()));
    auto handled = deliverer->RunOnce();
    ASSERT_TRUE(handled.ok());
    EXPECT_EQ(*handled, 1);
    const auto files = FilesIn(MailDir(), "");
    ASSERT_EQ(files.size(), 1u) << "one file, no temporary left behind";
    const std::string name = std::filesystem::path(files[0]).filename().string();
    EXPECT_TRUE(std::regex_match(name, std::regex("20261123T100000Z-" + id + "\\.eml"))) << name;
    struct stat file_stat {};
    ASSERT_EQ(::stat(files[0].c_str(), &file_stat), 0);
    EXPECT_EQ(file_stat.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(MailDir().c_str(), &file_stat), 0);
    EXPECT_EQ(file_stat.st_mode & 0777, 0700u);

    const auto parsed = ParseEml(files[0]);
    EXPECT_EQ(Str(parsed, {"headers", "Subject"}), "Reset your WatchTower password");
    EXPECT_EQ(Str(parsed, {"headers", "To"}), "ada@example.com");
    EXPECT_EQ(Str(parsed, {"headers", "Message-ID"}), "<" + id + "@wt.example.com>");
    ASSERT_EQ(parsed.at("parts").as_array().size(), 2u);
    EXPECT_NE(Str(parsed.at("parts").at(0), {"body"}).find(std::string("reset-password#token=") + kToken),
              std::string::npos);

    const OutboxRow sent = Row(id);
    EXPECT_EQ(sent.sent_at, kT0);
    EXPECT_FALSE(sent.sealed.has_value()) << "no token stays at rest once delivered";
    EXPECT_EQ(sent.attempts, 1);
    EXPECT_FALSE(sent.failed_at.has_value());

    EXPECT_EQ(*deliverer->RunOnce(), 0) << "a sent mail is not sent again";
    EXPECT_EQ(FilesIn(MailDir(), ".eml").size(), 1u);
    EXPECT_NE(Metrics().find("wt_mail_sent_total{kind=\"password_reset\"} 1"), std::string::npos) << Metrics();
    EXPECT_NE(Metrics().find("wt_mail_queue_depth 0"), std::string::npos);
}

TEST_F(DeliveryTest, RolledBackMailIsNeverSent) {
    {
        auto tx = db_.Write();
        ASSERT_TRUE(
            Enqueue(*tx, keyring_, "", PasswordChangedMail("ada@example.com", "https://x", kT0, "1.2.3.4"), kT0).ok());
        // destroyed without Commit: rolled back
    }
    auto deliverer = Make(MakeFileTransport(MailDir()));
    EXPECT_EQ(*deliverer->RunOnce(), 0);
    EXPECT_TRUE(FilesIn(MailDir(), "").empty());
    EXPECT_EQ((*db_.Read()->QueryOne("SELECT COUNT(*) FROM mail_outbox"))->GetInt(0), 0);
}

TEST_F(DeliveryTest, EnqueueRefusesARecipientThatIsNotOneAddress) {
    for (const char* to : {"ada@example.com\r\nBcc: eve@example.com", "ada@example.com, eve@example.com", "nobody"}) {
        auto tx = db_.Write();
        auto queued = Enqueue(*tx, keyring_, "", PasswordResetMail(to, "https://x", kToken, kT0), kT0);
        ASSERT_FALSE(queued.ok()) << to;
        EXPECT_EQ(queued.error().code, ErrorCode::kValidationFailed);
        ASSERT_EQ(queued.error().fields.size(), 1u);
        EXPECT_EQ(queued.error().fields[0].field, "to");
    }
}

TEST_F(DeliveryTest, QueuedMessageOpensOnlyForItsOwnRow) {
    const std::string first = Queue();
    const std::string second = Queue("grace@example.com");
    const std::string sealed = *Row(first).sealed;
    auto own = keyring_.Open(sealed, detail::OutboxContext(first));
    ASSERT_TRUE(own.ok());
    auto message = detail::ParseMessage(*own);
    ASSERT_TRUE(message.ok());
    EXPECT_EQ(message->to, "ada@example.com");
    EXPECT_FALSE(keyring_.Open(sealed, detail::OutboxContext(second)).ok()) << "rows cannot swap sealed bodies";
}

TEST_F(DeliveryTest, FailedAttemptsBackOffThenGiveUpAndEraseTheBody) {
    const std::string blocker = db_.dir() + "/not-a-directory";
    testing::WriteFile(blocker, "x");
    const std::string id = Queue();
    DelivererOptions options;
    options.max_attempts = 3;
    auto deliverer = Make(MakeFileTransport(blocker + "/mail"), options);

    EXPECT_EQ(*deliverer->RunOnce(), 1);
    OutboxRow row = Row(id);
    EXPECT_EQ(row.attempts, 1);
    EXPECT_GE(row.next_attempt_at - kT0, 12 * kMicrosPerSecond);
    EXPECT_LE(row.next_attempt_at - kT0, 18 * kMicrosPerSecond);
    ASSERT_TRUE(row.last_error.has_value());
    EXPECT_NE(row.last_error->find("mkdir"), std::string::npos) << *row.last_error;
    EXPECT_EQ(row.last_error->find(kToken), std::string::npos);
    EXPECT_TRUE(row.sealed.has_value()) << "kept for the retry";

    EXPECT_EQ(*deliverer->RunOnce(), 0) << "not due yet";
    clock_->Advance(20 * kMicrosPerSecond);
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    row = Row(id);
    EXPECT_EQ(row.attempts, 2);
    EXPECT_GE(row.next_attempt_at - clock_->Now(), 24 * kMicrosPerSecond);
    EXPECT_LE(row.next_attempt_at - clock_->Now(), 36 * kMicrosPerSecond);

    clock_->Advance(40 * kMicrosPerSecond);
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    row = Row(id);
    EXPECT_EQ(row.attempts, 3);
    EXPECT_EQ(row.failed_at, clock_->Now());
    EXPECT_FALSE(row.sealed.has_value()) << "given up: the token is erased";
    EXPECT_FALSE(row.sent_at.has_value());
    clock_->Advance(kMicrosPerHour);
    EXPECT_EQ(*deliverer->RunOnce(), 0) << "a failed mail is never retried";
    EXPECT_NE(Metrics().find("wt_mail_retried_total{kind=\"password_reset\"} 2"), std::string::npos) << Metrics();
    EXPECT_NE(Metrics().find("wt_mail_failed_total{kind=\"password_reset\"} 1"), std::string::npos);
}

TEST_F(DeliveryTest, MessageThatDoesNotOpenFailsAtOnce) {
    const std::string id = Queue();
    const crypto::Keyring other_ring({crypto::RandomBytes(32)});  // the key that sealed it is gone
    auto deliverer = std::make_unique<Deliverer>(db_.db(), other_ring, MakeFileTransport(MailDir()), clock_, metrics_,
                                                 log_, DelivererOptions{});
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    const OutboxRow row = Row(id);
    EXPECT_EQ(row.failed_at, kT0) << "no retry can open it either";
    EXPECT_EQ(row.attempts, 1);
    EXPECT_NE(row.last_error.value_or("").find("cannot open the sealed message"), std::string::npos);
    EXPECT_TRUE(FilesIn(MailDir(), ".eml").empty());
}

TEST_F(DeliveryTest, TransportOffDropsQueuedMailAndErasesIt) {
    const std::string id = Queue();
    auto deliverer = Make(nullptr);
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    const OutboxRow row = Row(id);
    EXPECT_EQ(row.failed_at, kT0);
    EXPECT_FALSE(row.sealed.has_value());
    EXPECT_EQ(row.last_error, "mail transport is off");
    EXPECT_EQ(row.attempts, 0);
    EXPECT_TRUE(FilesIn(MailDir(), "").empty());
    EXPECT_NE(Metrics().find("wt_mail_dropped_total{kind=\"password_reset\"} 1"), std::string::npos);
}

TEST_F(DeliveryTest, WorkerSendsWhenWoken) {
    DelivererOptions options;
    options.poll_interval = 600s;  // only Wake() can make it look
    auto deliverer = Make(MakeFileTransport(MailDir()), options);
    deliverer->Start();
    ASSERT_TRUE(WaitFor([&] { return Metrics().find("wt_mail_queue_depth") != std::string::npos; }))
        << "the first pass ran";
    Queue();
    std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(FilesIn(MailDir(), ".eml").empty()) << "not polled: the interval is 10 minutes";
    deliverer->Wake();
    EXPECT_TRUE(WaitFor([&] { return FilesIn(MailDir(), ".eml").size() == 1; }));
    deliverer->Stop();
}

TEST_F(DeliveryTest, WorkerPollsForMailQueuedElsewhere) {
    DelivererOptions options;
    options.poll_interval = 100ms;
    auto deliverer = Make(MakeFileTransport(MailDir()), options);
    deliverer->Start();
    Queue();  // no Wake(): as if another process had queued it
    EXPECT_TRUE(WaitFor([&] { return FilesIn(MailDir(), ".eml").size() == 1; }));
    deliverer->Stop();
}

// --- SMTP against a real server ---------------------------------------------------------------

TEST_F(DeliveryTest, SmtpDeliversWithThePasswordFromServerSecrets) {
    StoreSmtpPassword(kSmtpPassword);
    SmtpSink sink(db_.dir(), {});
    ASSERT_GT(sink.port(), 0) << "the SMTP sink did not start";
    const std::string id = Queue();
    auto deliverer = Make(Smtp(sink.port()));
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    const OutboxRow row = Row(id);
    EXPECT_TRUE(row.sent_at.has_value()) << row.last_error.value_or("");
    EXPECT_FALSE(row.sealed.has_value());

    const auto messages = sink.Messages();
    ASSERT_EQ(messages.size(), 1u);
    const auto parsed = ParseEml(messages[0]);
    EXPECT_EQ(Str(parsed, {"headers", "Subject"}), "Reset your WatchTower password");
    EXPECT_EQ(Str(parsed, {"headers", "From"}), kFrom);
    EXPECT_EQ(Str(parsed, {"headers", "To"}), "ada@example.com");
    EXPECT_EQ(Str(parsed, {"headers", "MIME-Version"}), "1.0");
    EXPECT_EQ(Str(parsed, {"defects"}), "[]");
    const auto& parts = parsed.at("parts").as_array();
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(Str(parts[0], {"content_type"}), "text/plain");
    EXPECT_EQ(Str(parts[1], {"content_type"}), "text/html");
    EXPECT_NE(Str(parts[1], {"body"}).find(std::string("reset-password#token=") + kToken), std::string::npos);

    boost::json::value envelope = boost::json::parse(ReadFile(messages[0].substr(0, messages[0].size() - 4) + ".json"));
    EXPECT_EQ(Str(envelope, {"mail_from"}), "noreply@wt.example.com");
    EXPECT_EQ(boost::json::serialize(envelope.at("rcpt_tos")), "[\"ada@example.com\"]");
    EXPECT_EQ(Str(envelope, {"login"}), kSmtpUser);
    EXPECT_EQ(Str(envelope, {"tls"}), "false");
}

TEST_F(DeliveryTest, SmtpWrongPasswordIsRetriedThenGivenUp) {
    StoreSmtpPassword("not-the-password");
    SmtpSink sink(db_.dir(), {});
    ASSERT_GT(sink.port(), 0);
    const std::string id = Queue();
    DelivererOptions options;
    options.max_attempts = 2;
    auto deliverer = Make(Smtp(sink.port()), options);
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    OutboxRow row = Row(id);
    EXPECT_EQ(row.attempts, 1);
    EXPECT_FALSE(row.failed_at.has_value());
    ASSERT_TRUE(row.last_error.has_value());
    EXPECT_NE(row.last_error->find("SMTP 535"), std::string::npos) << *row.last_error;
    EXPECT_EQ(row.last_error->find("not-the-password"), std::string::npos);

    clock_->Advance(kMicrosPerMinute);
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    row = Row(id);
    EXPECT_EQ(row.attempts, 2);
    EXPECT_TRUE(row.failed_at.has_value());
    EXPECT_FALSE(row.sealed.has_value());
    EXPECT_EQ(sink.AuthFailures(), 2);
    EXPECT_TRUE(sink.Messages().empty());
}

TEST_F(DeliveryTest, SmtpWithoutStoredPasswordFailsTheAttempt) {
    SmtpSink sink(db_.dir(), {});
    ASSERT_GT(sink.port(), 0);
    const std::string id = Queue();
    auto deliverer = Make(Smtp(sink.port()));
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    const OutboxRow row = Row(id);
    EXPECT_EQ(row.attempts, 1);
    EXPECT_NE(row.last_error.value_or("").find("watchtower secrets set smtp_password"), std::string::npos);
}

TEST_F(DeliveryTest, SmtpTemporaryRefusalIsDeliveredOnRetry) {
    StoreSmtpPassword(kSmtpPassword);
    SmtpSink sink(db_.dir(), {.fail_first = 1});
    ASSERT_GT(sink.port(), 0);
    const std::string id = Queue();
    auto deliverer = Make(Smtp(sink.port()));
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    OutboxRow row = Row(id);
    EXPECT_FALSE(row.sent_at.has_value());
    EXPECT_NE(row.last_error.value_or("").find("451"), std::string::npos) << row.last_error.value_or("");
    EXPECT_TRUE(sink.Messages().empty());

    clock_->Advance(20 * kMicrosPerSecond);
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    row = Row(id);
    EXPECT_TRUE(row.sent_at.has_value());
    EXPECT_EQ(row.attempts, 2);
    EXPECT_EQ(sink.Messages().size(), 1u);
}

/// A self-signed certificate for 127.0.0.1 made with the openssl CLI.
bool MakeCertificate(const std::string& dir) {
    const std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '" +
                                dir + "/key.pem' -out '" + dir +
                                "/cert.pem' -days 1 -subj /CN=localhost "
                                "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
}

TEST_F(DeliveryTest, SmtpStartTlsWithTheServerCertificate) {
    ASSERT_TRUE(MakeCertificate(db_.dir()));
    StoreSmtpPassword(kSmtpPassword);
    SmtpSink sink(db_.dir(), {.tls_cert = db_.dir() + "/cert.pem", .tls_key = db_.dir() + "/key.pem"});
    ASSERT_GT(sink.port(), 0);
    const std::string id = Queue();
    auto deliverer = Make(Smtp(sink.port(), /*insecure=*/false, db_.dir() + "/cert.pem"));
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    EXPECT_TRUE(Row(id).sent_at.has_value()) << Row(id).last_error.value_or("");
    const auto messages = sink.Messages();
    ASSERT_EQ(messages.size(), 1u);
    boost::json::value envelope = boost::json::parse(ReadFile(messages[0].substr(0, messages[0].size() - 4) + ".json"));
    EXPECT_EQ(Str(envelope, {"tls"}), "true");
}

TEST_F(DeliveryTest, SmtpRefusesAServerWithoutStartTlsUnlessInsecure) {
    StoreSmtpPassword(kSmtpPassword);
    SmtpSink sink(db_.dir(), {});
    ASSERT_GT(sink.port(), 0);
    const std::string id = Queue();
    auto deliverer = Make(Smtp(sink.port(), /*insecure=*/false));
    EXPECT_EQ(*deliverer->RunOnce(), 1);
    const OutboxRow row = Row(id);
    EXPECT_FALSE(row.sent_at.has_value());
    EXPECT_EQ(row.attempts, 1);
    EXPECT_TRUE(sink.Messages().empty()) << "nothing, not even the password, goes over plain SMTP";
    EXPECT_EQ(sink.AuthFailures(), 0);
}

TEST_F(DeliveryTest, SmtpUrlMustBeSmtpOrSmtpsWithoutCredentials) {
    SmtpOptions options;
    for (const char* url : {"http://127.0.0.1:25", "smtp://user:password@127.0.0.1:25", "smtps://u@mail.example"}) {
        options.url = url;
        auto transport = MakeSmtpTransport(options);
        ASSERT_FALSE(transport.ok()) << url;
        EXPECT_EQ(transport.error().fields.at(0).field, "mail.smtp_url");
    }
    options.url = "smtps://mail.example:465/wt@host";  // an '@' after the authority is not userinfo
    EXPECT_TRUE(MakeSmtpTransport(options).ok());
}

TEST_F(DeliveryTest, StopInterruptsAStalledServerAndLeavesTheMailDue) {
    // A listener that never answers: the kernel completes the TCP handshake, nobody speaks.
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    StoreSmtpPassword(kSmtpPassword);

    const std::string id = Queue();
    auto deliverer = Make(Smtp(ntohs(address.sin_port)));
    deliverer->Start();
    deliverer->Wake();
    ASSERT_TRUE(WaitFor([&] { return Row(id).next_attempt_at > kT0; })) << "the mail was claimed";
    std::this_thread::sleep_for(300ms);
    const auto stop_started = std::chrono::steady_clock::now();
    deliverer->Stop();
    EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 3s) << "Stop waits about a second at most";
    const OutboxRow row = Row(id);
    EXPECT_EQ(row.attempts, 0) << "an interrupted delivery is not an attempt";
    EXPECT_EQ(row.next_attempt_at, kT0) << "due again at the next start";
    EXPECT_TRUE(row.sealed.has_value());
    ::close(listener);
}

}  // namespace
}  // namespace wt::mail
