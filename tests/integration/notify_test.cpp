// SPDX-License-Identifier: Apache-2.0
// Notifications against a real server (docs/webhooks.md): webhook channels delivered to a real
// receiver on 127.0.0.1 inside this test (allowed through the SSRF guard by the test config
// `outbound.allow = 127.0.0.1/32`) with a signature the test verifies with Python's hmac module
// and the secret from the 201; retries after receiver errors; alert.raised filtered by
// min_severity; the SSRF refusals (literal addresses at creation on a server that allows nothing,
// a name resolving to loopback and a redirect to loopback at delivery, each proved by a receiver
// that counts its connections); email channels and alert.assigned landing in the file transport;
// per-user settings; secrets never returned after creation nor logged; cross-tenant 404s; the
// SLA scan's alert.sla_overdue once per alert; a webhook's allowed_domains (URL refused at creation,
// a matching name delivered, a PATCH that would exclude the URL refused); case events carrying the
// case's environment.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "../unit/mail/mail_test_support.hpp"
#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;
using mail::testing::FilesIn;

constexpr const char* kChannels = "/api/v1/orgs/notification-channels";
constexpr const char* kSettings = "/api/v1/notifications/settings";
const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
const std::string kError = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nfail";


/// One HTTP request as the receiver saw it.
struct Received {
    std::string head;
    std::string body;
    /// The first header `name` (case-insensitive), or "".
    std::string Header(const std::string& name) const {
        std::string lower_head = head, lower_name = name + ":";
        for (auto& c : lower_head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (auto& c : lower_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto at = lower_head.find("\r\n" + lower_name);
        if (at == std::string::npos) return "";
        at += 2 + lower_name.size();
        auto end = head.find("\r\n", at);
        std::string value = head.substr(at, end - at);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        return value;
    }
    json::value Json() const {
        boost::system::error_code ec;
        auto value = json::parse(body, ec);
        return ec ? json::value(nullptr) : value;
    }
};

/// An HTTP/1.1 receiver on 127.0.0.1 (a free port) that answers the n-th request with
/// `responses[n]` (the last one repeats), counts accepted connections and keeps every request.
class Receiver {
  public:
    explicit Receiver(std::vector<std::string> responses = {kOk}) : responses_(std::move(responses)) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in bound{};
        bound.sin_family = AF_INET;
        inet_pton(AF_INET, "127.0.0.1", &bound.sin_addr);
        const bool ok = bind(fd_, reinterpret_cast<sockaddr*>(&bound), sizeof bound) == 0 && listen(fd_, 16) == 0;
        socklen_t length = sizeof bound;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &length);
        port_ = ntohs(bound.sin_port);
        if (!ok) throw std::runtime_error("receiver cannot listen");
        thread_ = std::thread([this] { Run(); });
    }
    ~Receiver() {
        stop_ = true;
        thread_.join();
        close(fd_);
    }
    int port() const { return port_; }
    int connections() const { return connections_; }
    std::string Url(const std::string& path = "/hook") const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    std::vector<Received> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    /// Waits until at least `count` requests arrived (bounded).
    bool WaitFor(std::size_t count, std::chrono::milliseconds timeout = 20s) const {
        return PollUntil([&] { return requests().size() >= count; }, timeout);
    }

  private:
    void Run() {
        while (!stop_) {
            pollfd waiting{fd_, POLLIN, 0};
            if (poll(&waiting, 1, 50) != 1) continue;
            const int client = accept(fd_, nullptr, nullptr);
            if (client < 0) continue;
            const int index = connections_++;
            Received received = Read(client);
            {
                std::lock_guard lock(mutex_);
                requests_.push_back(std::move(received));
            }
            const std::string& response = responses_[std::min<std::size_t>(index, responses_.size() - 1)];
            (void)!write(client, response.data(), response.size());
            close(client);
        }
    }
    static Received Read(int client) {
        std::string data;
        char buffer[4096];
        while (true) {
            const auto head_end = data.find("\r\n\r\n");
            if (head_end != std::string::npos) {
                Received received{data.substr(0, head_end), ""};
                const std::string length = received.Header("Content-Length");
                const std::size_t wanted = length.empty() ? 0 : std::stoul(length);
                if (data.size() >= head_end + 4 + wanted) {
                    received.body = data.substr(head_end + 4, wanted);
                    return received;
                }
            }
            pollfd readable{client, POLLIN, 0};
            if (poll(&readable, 1, 3000) != 1) return {data, ""};
            const ssize_t got = read(client, buffer, sizeof buffer);
            if (got <= 0) return {data, ""};
            data.append(buffer, static_cast<std::size_t>(got));
        }
    }

    std::vector<std::string> responses_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    mutable std::mutex mutex_;
    std::vector<Received> requests_;
    std::thread thread_;
};

/// HMAC-SHA256 hex by Python's hmac module: an implementation independent of the server's.
std::string PythonHmac(const std::string& key, const std::string& message) {
    auto result = RunProgram("/usr/bin/python3",
                             {"-c",
                              "import hmac, hashlib, sys; "
                              "print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())",
                              key, message});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::string out = result.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

/// Checks `X-WatchTower-Signature: t=<unix>,v1=<hex>` of `received` under `secret`.
void ExpectSigned(const Received& received, const std::string& secret, long long server_now) {
    const std::string header = received.Header("X-WatchTower-Signature");
    ASSERT_TRUE(header.starts_with("t=")) << received.head;
    const auto comma = header.find(",v1=");
    ASSERT_NE(comma, std::string::npos) << header;
    const std::string t = header.substr(2, comma - 2);
    EXPECT_LE(std::llabs(std::stoll(t) - server_now), 60) << "t is the server's current time";
    EXPECT_EQ(header.substr(comma + 4), PythonHmac(secret, t + "." + received.body)) << "signature of t.body";
    EXPECT_NE(PythonHmac(secret, t + "." + received.body + " "), header.substr(comma + 4)) << "a changed body fails";
}

class NotifyTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        ServerConfig config;
        config.clock_file = true;
        config.env = {{"WATCHTOWER_OUTBOUND_ALLOW", "127.0.0.1/32"},
                      {"WATCHTOWER_NOTIFY_RETRY_BASE_MS", "200"},
                      {"WATCHTOWER_NOTIFY_MAX_ATTEMPTS", "3"},
                      {"WATCHTOWER_NOTIFY_TIMEOUT_MS", "3000"},
                      {"WATCHTOWER_NOTIFY_SLA_SCAN_SECONDS", "1"}};
        auto server = std::make_unique<Server>(config);
        server->Start();
        Session admin = server->MustLogin(server->admin_email);
        key_ = new ApiKey(server->CreateApiKey(admin, "production", {}, "notify"));
        // Above 100: a high alert; above 10000 also a critical one.
        for (const auto& [name, expression, severity] : {std::tuple{"notify high", "amount > 100", "high"},
                                                         std::tuple{"notify critical", "amount > 10000", "critical"}}) {
            auto rule = server->As(admin, "POST", "/api/v1/rules",
                                   json::serialize(json::object{{"name", name},
                                                                {"expression", expression},
                                                                {"severity", severity},
                                                                {"action", "alert"},
                                                                {"status", "active"}}));
            ASSERT_EQ(rule.status, 201) << rule.body;
        }
        server_ = server.release();
    }
    static void TearDownTestSuite() {
        delete key_;
        key_ = nullptr;
        EndSuiteServer(server_);
    }
    void SetUp() override {
        ASSERT_NE(server_, nullptr) << "the suite's server did not start";
        admin_ = server_->MustLogin(server_->admin_email);
    }

    /// POST a channel as the admin; on 201 the secret (if any) is remembered, so the suite fails
    /// if it ever reaches a log.
    HttpResponse CreateChannel(const json::object& body) {
        auto res = server_->As(admin_, "POST", kChannels, json::serialize(body));
        if (res.status == 201 && res.Json().as_object().contains("secret"))
            server_->RememberSecret(StringAt(res.Json(), "secret"));
        return res;
    }
    /// A webhook channel to `url`; returns {id, secret}.
    std::pair<std::string, std::string> Webhook(const std::string& url, json::array events = {"alert.raised"},
                                                const std::string& min_severity = "low") {
        auto res = CreateChannel({{"type", "webhook"},
                                  {"name", "hook"},
                                  {"url", url},
                                  {"events", std::move(events)},
                                  {"min_severity", min_severity}});
        EXPECT_EQ(res.status, 201) << res.body;
        return {StringAt(res.Json(), "id"), StringAt(res.Json(), "secret")};
    }
    void Delete(const std::string& id) {
        auto res = server_->As(admin_, "DELETE", std::string(kChannels) + "/" + id);
        EXPECT_EQ(res.status, 204) << res.body;
    }
    HttpResponse TestSend(const std::string& id) {
        return server_->As(admin_, "POST", std::string(kChannels) + "/" + id + "/test");
    }
    json::array Deliveries(const std::string& id) {
        auto res = server_->As(admin_, "GET", std::string(kChannels) + "/" + id + "/deliveries?limit=100");
        EXPECT_EQ(res.status, 200) << res.body;
        return res.status == 200 ? res.Json().at("data").as_array() : json::array();
    }
    /// Ingests one transaction of `amount`; answers the alerts raised `[{id, severity, ...}]`.
    static json::array Raise(const std::string& amount) {
        auto res = server_->Call("POST", "/api/v1/transactions",
                                 json::serialize(json::object{{"external_id", "ntf-" + std::to_string(++sequence_)},
                                                              {"amount", amount},
                                                              {"currency", "USD"},
                                                              {"direction", "outbound"},
                                                              {"account_id", "acc-notify"}}),
                                 {{"Authorization", "Bearer " + key_->key}});
        EXPECT_EQ(res.status, 201) << res.body;
        return res.status == 201 ? res.Json().at("alerts").as_array() : json::array();
    }

    static Server* server_;
    static ApiKey* key_;
    static int sequence_;
    Session admin_;
};

Server* NotifyTest::server_ = nullptr;
ApiKey* NotifyTest::key_ = nullptr;
int NotifyTest::sequence_ = 0;

TEST_F(NotifyTest, WebhookTestSendIsDeliveredSignedAndTheSecretIsShownOnce) {
    Receiver receiver;
    auto [id, secret] = Webhook(receiver.Url("/hooks/wt?src=test"));
    ASSERT_TRUE(secret.starts_with("whsec_")) << secret;
    EXPECT_EQ(secret.size(), 6u + 64u);

    // Never again: not in the list, not in the channel.
    auto list = server_->As(admin_, "GET", kChannels);
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(list.body.find(secret), std::string::npos);
    EXPECT_EQ(list.body.find("secret"), std::string::npos) << list.body;
    auto one = server_->As(admin_, "GET", std::string(kChannels) + "/" + id);
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_FALSE(one.Json().as_object().contains("secret")) << one.body;
    EXPECT_EQ(StringAt(one.Json(), "url"), receiver.Url("/hooks/wt?src=test"));

    auto sent = TestSend(id);
    ASSERT_EQ(sent.status, 200) << sent.body;
    EXPECT_EQ(StringAt(sent.Json(), "status"), "delivered") << sent.body;
    EXPECT_EQ(sent.Json().at("last_status").as_int64(), 200);
    EXPECT_EQ(sent.Json().at("attempts").as_int64(), 1);
    ASSERT_EQ(receiver.requests().size(), 1u);
    const Received got = receiver.requests()[0];
    EXPECT_TRUE(got.head.starts_with("POST /hooks/wt?src=test HTTP/1.1")) << got.head;
    EXPECT_EQ(got.Header("Content-Type"), "application/json");
    EXPECT_EQ(got.Header("X-WatchTower-Event"), "test");
    EXPECT_EQ(got.Header("X-WatchTower-Delivery"), StringAt(sent.Json(), "id"));
    ExpectSigned(got, secret, server_->ServerNow());
    auto payload = got.Json();
    EXPECT_EQ(StringAt(payload, "type"), "test");
    EXPECT_EQ(StringAt(payload, "organization_id"), server_->acme_org_id);
    EXPECT_EQ(StringAt(payload, "id"), StringAt(sent.Json(), "event_id"));
    EXPECT_EQ(got.body.find(secret), std::string::npos);

    // The log shows it; the audit names the creation and the test, never the secret.
    auto log = Deliveries(id);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(StringAt(log[0], "event_type"), "test");
    auto created = server_->AuditEntries(admin_, "notification_channel.created");
    EXPECT_TRUE(HasAuditTarget(created, "notification_channel:" + id));
    EXPECT_EQ(Dump(created).find(secret), std::string::npos);
    EXPECT_TRUE(HasAuditTarget(server_->AuditEntries(admin_, "notification_channel.tested"), "notification_channel:" + id));
    Delete(id);
    EXPECT_TRUE(HasAuditTarget(server_->AuditEntries(admin_, "notification_channel.deleted"), "notification_channel:" + id));
    EXPECT_EQ(server_->As(admin_, "GET", std::string(kChannels) + "/" + id).status, 404);
    EXPECT_EQ(Deliveries(id).size(), 1u) << "a deleted channel's log stays readable";
}

TEST_F(NotifyTest, AlertRaisedIsFilteredByMinSeverityAndSigned) {
    Receiver receiver;
    auto [id, secret] = Webhook(receiver.Url(), {"alert.raised"}, "critical");
    auto high_only = Raise("500");
    ASSERT_EQ(high_only.size(), 1u);
    auto both = Raise("20000");
    ASSERT_EQ(both.size(), 2u);
    std::string critical_id;
    for (const auto& alert : both)
        if (StringAt(alert, "severity") == "critical") critical_id = StringAt(alert, "id");
    ASSERT_TRUE(receiver.WaitFor(1)) << "alert.raised was not delivered";
    std::this_thread::sleep_for(1500ms);  // anything else would have arrived by now
    auto requests = receiver.requests();
    ASSERT_EQ(requests.size(), 1u) << "only the critical alert passes min_severity critical";
    ExpectSigned(requests[0], secret, server_->ServerNow());
    auto payload = requests[0].Json();
    EXPECT_EQ(StringAt(payload, "type"), "alert.raised");
    EXPECT_EQ(StringAt(payload, "environment"), "production");
    const auto& data = payload.at("data");
    EXPECT_EQ(StringAt(data, "alert_id"), critical_id);
    EXPECT_EQ(StringAt(data, "severity"), "critical");
    EXPECT_EQ(StringAt(data, "rule_name"), "notify critical");
    EXPECT_EQ(StringAt(data, "url"), server_->BaseUrl() + "/alerts/" + critical_id) << "a console link";
    Delete(id);
}

TEST_F(NotifyTest, CaseEventsCarryTheCaseEnvironment) {
    Receiver receiver;
    auto [id, secret] = Webhook(receiver.Url(), {"case.assigned", "case.escalated"});
    auto alerts = Raise("700");
    ASSERT_EQ(alerts.size(), 1u);
    auto created = server_->As(admin_, "POST", "/api/v1/cases",
                               json::serialize(json::object{{"title", "notify env"},
                                                            {"alert_ids", {StringAt(alerts[0], "id")}},
                                                            {"assignee_id", server_->role_user_id.at("ANALYST")}}));
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string case_id = StringAt(created.Json(), "id");
    auto escalated = server_->As(admin_, "PATCH", "/api/v1/cases/" + case_id,
                                 json::serialize(json::object{{"status", "escalated"}}));
    ASSERT_EQ(escalated.status, 200) << escalated.body;
    ASSERT_TRUE(receiver.WaitFor(2)) << "case.assigned and case.escalated were not both delivered";
    std::set<std::string> types;
    for (const auto& request : receiver.requests()) {
        const auto payload = request.Json();
        types.insert(StringAt(payload, "type"));
        EXPECT_EQ(StringAt(payload, "environment"), "production") << request.body;
        EXPECT_EQ(StringAt(payload.at("data"), "case_id"), case_id) << request.body;
    }
    EXPECT_EQ(types, (std::set<std::string>{"case.assigned", "case.escalated"}));
    Delete(id);
}

TEST_F(NotifyTest, ReceiverErrorsAreRetriedWithBackoffUntilDelivered) {
    Receiver receiver({kError, kError, kOk});
    auto [id, secret] = Webhook(receiver.Url(), {"alert.raised"}, "high");
    ASSERT_EQ(Raise("600").size(), 1u);
    ASSERT_TRUE(receiver.WaitFor(3, 30s)) << "got " << receiver.requests().size() << " attempts";
    ASSERT_TRUE(PollUntil(
        [&] {
            auto log = Deliveries(id);
            return log.size() == 1 && StringAt(log[0], "status") == "delivered";
        },
        10s));
    auto log = Deliveries(id);
    EXPECT_EQ(log[0].at("attempts").as_int64(), 3);
    EXPECT_EQ(log[0].at("last_status").as_int64(), 200);
    auto requests = receiver.requests();
    EXPECT_EQ(StringAt(requests[0].Json(), "id"), StringAt(requests[2].Json(), "id")) << "the same event each time";
    for (const auto& request : requests) ExpectSigned(request, secret, server_->ServerNow());
    Delete(id);

    // A receiver that always fails: given up after notify.max_attempts (3), the error recorded.
    Receiver failing({kError});
    auto [failing_id, failing_secret] = Webhook(failing.Url(), {"alert.raised"}, "high");
    ASSERT_EQ(Raise("700").size(), 1u);
    ASSERT_TRUE(PollUntil(
        [&] {
            auto failed = Deliveries(failing_id);
            return failed.size() == 1 && StringAt(failed[0], "status") == "failed";
        },
        30s));
    auto failed = Deliveries(failing_id);
    EXPECT_EQ(failed[0].at("attempts").as_int64(), 3);
    EXPECT_EQ(failed[0].at("last_status").as_int64(), 500);
    EXPECT_NE(StringAt(failed[0], "last_error").find("500"), std::string::npos) << Dump(failed[0]);
    EXPECT_EQ(failing.connections(), 3);
    Delete(failing_id);
}

TEST_F(NotifyTest, RedirectsAreNotFollowed) {
    Receiver target;
    Receiver redirecting({"HTTP/1.1 302 Found\r\nLocation: http://localhost:" + std::to_string(target.port()) +
                          "/inside\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"});
    auto [id, secret] = Webhook(redirecting.Url());
    auto sent = TestSend(id);
    ASSERT_EQ(sent.status, 200) << sent.body;
    EXPECT_EQ(StringAt(sent.Json(), "status"), "failed") << sent.body;
    EXPECT_NE(StringAt(sent.Json(), "last_error").find("redirect"), std::string::npos) << sent.body;
    EXPECT_EQ(redirecting.connections(), 1);
    EXPECT_EQ(target.connections(), 0) << "the Location was contacted";
    Delete(id);
}

TEST_F(NotifyTest, AllowedDomainsRestrictTheUrlWhenSavedAndDeliveriesGoOnlyToMatchingNames) {
    Receiver receiver;
    const std::string port = std::to_string(receiver.port());
    auto hook = [&](const std::string& url, json::array domains) {
        return CreateChannel({{"type", "webhook"},
                              {"name", "listed"},
                              {"url", url},
                              {"events", {"alert.raised"}},
                              {"allowed_domains", std::move(domains)}});
    };
    // The receiver's address is allowed by outbound.allow, but not by this channel's list.
    auto outside = hook(receiver.Url(), {"example.com"});
    ASSERT_EQ(outside.status, 422) << outside.body;
    EXPECT_EQ(ProblemFields(outside), std::set<std::string>{"url"});
    EXPECT_NE(outside.body.find("not in this channel's allowed_domains (example.com)"), std::string::npos)
        << outside.body;
    for (const char* entry : {"127.0.0.1", "2130706433", "[::1]", "*.localhost"}) {
        auto refused = hook("http://localhost:" + port + "/hook", {entry});
        EXPECT_EQ(refused.status, 422) << entry << ": " << refused.body;
        EXPECT_EQ(ProblemFields(refused), std::set<std::string>{"allowed_domains[0]"}) << entry;
    }

    // A name the list allows is delivered (to the receiver on 127.0.0.1, through the SSRF guard).
    auto listed = hook("http://localhost:" + port + "/hook", {"LOCALHOST"});
    ASSERT_EQ(listed.status, 201) << listed.body;
    server_->RememberSecret(StringAt(listed.Json(), "secret"));
    const std::string id = StringAt(listed.Json(), "id");
    EXPECT_EQ(Dump(listed.Json().at("allowed_domains")), R"(["localhost"])");
    auto sent = TestSend(id);
    ASSERT_EQ(sent.status, 200) << sent.body;
    EXPECT_EQ(StringAt(sent.Json(), "status"), "delivered") << sent.body;
    EXPECT_EQ(receiver.connections(), 1);

    // The list may change, but only to one that still allows the URL's host; audited.
    const std::string path = std::string(kChannels) + "/" + id;
    auto narrowed = server_->As(admin_, "PATCH", path, R"({"allowed_domains": ["example.com"]})");
    ASSERT_EQ(narrowed.status, 422) << narrowed.body;
    EXPECT_EQ(ProblemFields(narrowed), std::set<std::string>{"allowed_domains"});
    auto read = server_->As(admin_, "GET", path);
    EXPECT_EQ(Dump(read.Json().at("allowed_domains")), R"(["localhost"])") << "a refused PATCH changes nothing";
    auto cleared = server_->As(admin_, "PATCH", path, R"({"allowed_domains": []})");
    ASSERT_EQ(cleared.status, 200) << cleared.body;
    EXPECT_TRUE(cleared.Json().at("allowed_domains").as_array().empty());
    EXPECT_TRUE(HasAuditTarget(server_->AuditEntries(admin_, "notification_channel.updated"), "notification_channel:" + id));
    auto email = CreateChannel({{"type", "email"},
                                {"name", "m"},
                                {"recipients", {"ops@acme.test"}},
                                {"events", {"alert.raised"}},
                                {"allowed_domains", {"acme.test"}}});
    EXPECT_EQ(ProblemFields(email), std::set<std::string>{"allowed_domains"}) << email.body;
    Delete(id);
}

TEST_F(NotifyTest, ChannelValidationNamesTheField) {
    auto fields = [&](const json::object& body) {
        auto res = CreateChannel(body);
        EXPECT_EQ(res.status, 422) << res.body;
        EXPECT_EQ(res.Code(), "validation_failed") << res.body;
        return ProblemFields(res);
    };
    const json::object hook{{"type", "webhook"}, {"name", "x"}, {"url", "https://hooks.example.com/a"},
                            {"events", {"alert.raised"}}};
    for (const char* url : {"ftp://hooks.example.com/", "file:///etc/passwd", "gopher://x/", "https://u:p@example.com/",
                            "not a url", "http://[::1]:80/", "http://169.254.169.254/latest/meta-data",
                            "http://10.1.2.3/", "http://0.0.0.0/", "http://2130706434/"}) {
        json::object body = hook;
        body["url"] = url;
        EXPECT_EQ(fields(body), std::set<std::string>{"url"}) << url;
    }
    json::object bad = hook;
    bad["events"] = {"alert.raised", "alert.exploded"};
    EXPECT_EQ(fields(bad), std::set<std::string>{"events[1]"});
    bad = hook;
    bad["events"] = json::array();
    EXPECT_EQ(fields(bad), std::set<std::string>{"events"});
    bad = hook;
    bad["min_severity"] = "urgent";
    EXPECT_EQ(fields(bad), std::set<std::string>{"min_severity"});
    bad = hook;
    bad["secret"] = "mine";
    EXPECT_EQ(fields(bad), std::set<std::string>{"secret"}) << "the secret is the server's to make";
    bad = hook;
    bad["type"] = "pager";
    EXPECT_TRUE(fields(bad).count("type"));
    EXPECT_EQ(fields({{"type", "email"}, {"name", "m"}, {"recipients", {"ok@acme.test", "two@x, three@y", "a\r\nBcc: x@y"}},
                      {"events", {"case.escalated"}}}),
              (std::set<std::string>{"recipients[1]", "recipients[2]"}));
    EXPECT_EQ(fields({{"type", "email"}, {"name", "m"}, {"events", {"case.escalated"}}}),
              std::set<std::string>{"recipients"});
    // The allowed canary is accepted; host names are checked at delivery, not here.
    auto canary = CreateChannel({{"type", "webhook"}, {"name", "c"}, {"url", "http://127.0.0.1:9/x"}, {"events", {"test"}}});
    EXPECT_EQ(canary.status, 422) << "test is not an event to subscribe to";
    auto [id, secret] = Webhook("http://127.0.0.1:9/x");
    Delete(id);

    // PATCH: name, events, min_severity, enabled; nothing else.
    auto [patched_id, patched_secret] = Webhook("https://hooks.example.com/p");
    const std::string path = std::string(kChannels) + "/" + patched_id;
    auto renamed = server_->As(admin_, "PATCH", path,
                               R"({"name": "renamed", "events": ["case.escalated"], "min_severity": "high", "enabled": false})");
    ASSERT_EQ(renamed.status, 200) << renamed.body;
    EXPECT_EQ(StringAt(renamed.Json(), "name"), "renamed");
    EXPECT_EQ(StringAt(renamed.Json(), "min_severity"), "high");
    EXPECT_FALSE(renamed.Json().at("enabled").as_bool());
    auto refused = server_->As(admin_, "PATCH", path, R"({"url": "https://elsewhere.example.com/"})");
    EXPECT_EQ(refused.status, 422) << refused.body;
    EXPECT_EQ(ProblemFields(refused), std::set<std::string>{"url"});
    EXPECT_TRUE(HasAuditTarget(server_->AuditEntries(admin_, "notification_channel.updated"),
                               "notification_channel:" + patched_id));
    Delete(patched_id);
}

TEST_F(NotifyTest, EmailChannelAndAlertAssignedLandInTheMailDirectory) {
    auto res = CreateChannel({{"type", "email"},
                              {"name", "ops mail"},
                              {"recipients", {"ops@acme.test", "oncall@acme.test"}},
                              {"events", {"case.escalated"}}});
    ASSERT_EQ(res.status, 201) << res.body;
    EXPECT_FALSE(res.Json().as_object().contains("secret"));
    const std::string id = StringAt(res.Json(), "id");
    const std::string mail_dir = server_->data_dir() + "/mail";
    const auto before = FilesIn(mail_dir, ".eml").size();
    auto sent = TestSend(id);
    ASSERT_EQ(sent.status, 200) << sent.body;
    EXPECT_EQ(StringAt(sent.Json(), "status"), "delivered") << sent.body;
    ASSERT_TRUE(PollUntil([&] { return FilesIn(mail_dir, ".eml").size() >= before + 2; }, 10s));
    std::set<std::string> to;
    for (const auto& file : FilesIn(mail_dir, ".eml")) {
        const std::string eml = ReadFile(file);
        if (eml.find("Subject: [WatchTower] Test notification") == std::string::npos) continue;
        for (const char* address : {"ops@acme.test", "oncall@acme.test"})
            if (eml.find(std::string("To: ") + address) != std::string::npos) to.insert(address);
    }
    EXPECT_EQ(to, (std::set<std::string>{"ops@acme.test", "oncall@acme.test"}));
    Delete(id);

    // alert.assigned: the RISK_LEAD assigns an alert to the ANALYST, who is mailed (default
    // settings); the lead assigning to themselves is not.
    Session lead = server_->MustLogin(server_->role_email.at("RISK_LEAD"));
    auto alerts = Raise("800");
    ASSERT_EQ(alerts.size(), 1u);
    const std::string alert_id = StringAt(alerts[0], "id");
    const std::string analyst_email = server_->role_email.at("ANALYST");
    auto count_for = [&](const std::string& address) {
        int found = 0;
        for (const auto& file : FilesIn(mail_dir, ".eml")) {
            const std::string eml = ReadFile(file);
            if (eml.find("To: " + address) != std::string::npos && eml.find("Alert assigned to you") != std::string::npos)
                ++found;
        }
        return found;
    };
    auto assigned = server_->As(lead, "PATCH", "/api/v1/alerts/" + alert_id,
                                json::serialize(json::object{{"assignee_id", server_->role_user_id.at("ANALYST")}}));
    ASSERT_EQ(assigned.status, 200) << assigned.body;
    EXPECT_TRUE(PollUntil([&] { return count_for(analyst_email) == 1; }, 10s)) << "the assignee was not mailed";
    auto self = server_->As(lead, "PATCH", "/api/v1/alerts/" + alert_id,
                            json::serialize(json::object{{"assignee_id", server_->role_user_id.at("RISK_LEAD")}}));
    ASSERT_EQ(self.status, 200) << self.body;
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(count_for(server_->role_email.at("RISK_LEAD")), 0) << "no mail about one's own action";
}

TEST_F(NotifyTest, SettingsAreEachUsersOwnAndValidated) {
    Session viewer = server_->MustLogin(server_->role_email.at("VIEWER"));
    Session analyst = server_->MustLogin(server_->role_email.at("ANALYST"));
    auto defaults = server_->As(viewer, "GET", kSettings);
    ASSERT_EQ(defaults.status, 200) << defaults.body;
    EXPECT_EQ(Dump(defaults.Json()),
              Dump(json::parse(R"({"email": true, "events": ["alert.assigned", "case.assigned", "alert.sla_overdue"]})")));
    auto saved = server_->As(viewer, "PUT", kSettings, R"({"email": false, "events": ["case.escalated"]})");
    ASSERT_EQ(saved.status, 200) << saved.body;
    EXPECT_EQ(Dump(server_->As(viewer, "GET", kSettings).Json()), Dump(saved.Json()));
    EXPECT_EQ(Dump(server_->As(analyst, "GET", kSettings).Json()), Dump(defaults.Json())) << "the viewer's are theirs";
    EXPECT_TRUE(HasAuditTarget(server_->AuditEntries(admin_, "notification_settings.updated"),
                               "user:" + server_->role_user_id.at("VIEWER")));

    auto fields = [&](const std::string& body) {
        auto res = server_->As(analyst, "PUT", kSettings, body);
        EXPECT_EQ(res.status, 422) << res.body;
        return ProblemFields(res);
    };
    EXPECT_EQ(fields(R"({"email": true, "events": ["alert.raised"]})"), std::set<std::string>{"events[0]"})
        << "alert.raised is for organization channels";
    EXPECT_EQ(fields(R"({"email": true, "events": ["case.assigned", "case.assigned"]})"),
              std::set<std::string>{"events[1]"});
    EXPECT_EQ(fields(R"({"events": []})"), std::set<std::string>{"email"});
    EXPECT_EQ(fields(R"({"email": "yes", "events": []})"), std::set<std::string>{"email"});
    EXPECT_EQ(fields(R"({"email": true, "events": "all"})"), std::set<std::string>{"events"});
    EXPECT_EQ(fields(R"({"email": true, "events": [], "user_id": "someone"})"), std::set<std::string>{"user_id"});
    EXPECT_EQ(Dump(server_->As(analyst, "GET", kSettings).Json()), Dump(defaults.Json())) << "nothing was saved";
}

TEST_F(NotifyTest, ChannelsAreAdminOnlyAndOtherOrganizationsGet404) {
    auto [id, secret] = Webhook("https://hooks.example.com/tenant");
    Session other = server_->MustLogin(server_->other_admin_email);
    const std::string path = std::string(kChannels) + "/" + id;
    for (const auto& [method, target, body] :
         {std::tuple{"GET", path, ""}, std::tuple{"PATCH", path, R"({"name": "mine"})"},
          std::tuple{"DELETE", path, ""}, std::tuple{"POST", path + "/test", ""},
          std::tuple{"GET", path + "/deliveries", ""}}) {
        auto res = server_->As(other, method, target, body);
        EXPECT_EQ(res.status, 404) << method << " " << target << ": " << res.body;
    }
    auto list = server_->As(other, "GET", kChannels);
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(list.body.find(id), std::string::npos);
    Session analyst = server_->MustLogin(server_->role_email.at("ANALYST"));
    EXPECT_EQ(server_->As(analyst, "GET", kChannels).status, 403);
    EXPECT_EQ(server_->As(admin_, "GET", path).status, 200) << "still there";
    Delete(id);
}

// Names are checked at every delivery, and literal addresses at once, on a server whose
// outbound.allow is empty; a receiver on 127.0.0.1 proves that nothing connected.
TEST(NotifySsrfTest, RefusedAddressesNeverGetAConnection) {
    Server server;
    server.Start();
    Session admin = server.MustLogin(server.admin_email);
    Receiver receiver;
    const std::string port = std::to_string(receiver.port());
    for (const std::string host : {"127.0.0.1", "[::1]", "0.0.0.0", "2130706433", "[::ffff:127.0.0.1]", "169.254.169.254",
                                   "10.0.0.8", "192.168.1.20", "0x7f000001", "127.1"}) {
        auto res = server.As(admin, "POST", kChannels,
                             json::serialize(json::object{{"type", "webhook"},
                                                          {"name", "inward"},
                                                          {"url", "http://" + host + ":" + port + "/hook"},
                                                          {"events", {"alert.raised"}}}));
        EXPECT_EQ(res.status, 422) << host << ": " << res.body;
        EXPECT_EQ(ProblemFields(res), std::set<std::string>{"url"}) << host;
    }
    // A name that resolves to loopback passes creation and is refused when delivering.
    auto created = server.As(admin, "POST", kChannels,
                             json::serialize(json::object{{"type", "webhook"},
                                                          {"name", "by name"},
                                                          {"url", "http://localhost:" + port + "/hook"},
                                                          {"events", {"alert.raised"}}}));
    ASSERT_EQ(created.status, 201) << created.body;
    server.RememberSecret(StringAt(created.Json(), "secret"));
    auto sent = server.As(admin, "POST", std::string(kChannels) + "/" + StringAt(created.Json(), "id") + "/test");
    ASSERT_EQ(sent.status, 200) << sent.body;
    EXPECT_EQ(StringAt(sent.Json(), "status"), "failed") << sent.body;
    EXPECT_NE(StringAt(sent.Json(), "last_error").find("loopback"), std::string::npos) << sent.body;
    EXPECT_TRUE(sent.Json().at("last_status").is_null());
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(receiver.connections(), 0) << "a refused address was connected to";
    EXPECT_EQ(server.Stop(), 0);
    auto leaked = server.LeakedSecrets();
    EXPECT_TRUE(leaked.empty()) << leaked.front();
}

// Last in the suite: it moves the server's clock. A critical alert (SLA 2 h) passes its due time
// and the channel hears of it once; the assignee is mailed.
TEST_F(NotifyTest, SlaOverdueIsNotifiedOncePerAlert) {
    Receiver receiver;
    auto [id, secret] = Webhook(receiver.Url(), {"alert.sla_overdue"}, "critical");
    auto alerts = Raise("30000");
    std::string critical_id;
    for (const auto& alert : alerts)
        if (StringAt(alert, "severity") == "critical") critical_id = StringAt(alert, "id");
    ASSERT_FALSE(critical_id.empty());
    std::this_thread::sleep_for(2500ms);
    auto mine = [&] {
        int count = 0;
        for (const auto& request : receiver.requests())
            if (StringAt(request.Json().at("data"), "alert_id") == critical_id) ++count;
        return count;
    };
    EXPECT_EQ(mine(), 0) << "not overdue yet";
    server_->SetClockOffset(3 * 3600);
    ASSERT_TRUE(PollUntil([&] { return mine() == 1; }, 20s)) << "alert.sla_overdue was not delivered";
    std::this_thread::sleep_for(2500ms);  // two more scans
    EXPECT_EQ(mine(), 1) << "notified once";
    for (const auto& request : receiver.requests()) {
        EXPECT_EQ(StringAt(request.Json(), "type"), "alert.sla_overdue");
        ExpectSigned(request, secret, server_->ServerNow());
    }
    server_->SetClockOffset(0);
    admin_ = server_->MustLogin(server_->admin_email);
    Delete(id);
}

}  // namespace
}  // namespace wt::integration
