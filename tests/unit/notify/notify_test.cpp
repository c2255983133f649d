// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <spdlog/sinks/ostream_sink.h>

#include <limits>
#include <set>
#include <sstream>

#include "../common/test_support.hpp"
#include "crypto/crypto.hpp"
#include "notify/channels.hpp"
#include "notify/detail/outbox.hpp"
#include "notify/events.hpp"
#include "notify/notifier.hpp"
#include "notify/settings.hpp"
#include "notify/signature.hpp"
#include "secrets/sealed_columns.hpp"

namespace wt::notify {
namespace {

using storage::Int;
using storage::Text;

std::set<std::string> FieldsOf(const Error& error) {
    std::set<std::string> fields;
    for (const auto& field : error.fields) fields.insert(field.field);
    return fields;
}

boost::json::value Parse(const char* text) { return boost::json::parse(text); }

TEST(SignatureTest, MatchesAVectorComputedByPythonHmac) {
    // python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test",
    //   b"1795428000.{\"id\":\"evt_1\"}", hashlib.sha256).hexdigest())'
    EXPECT_EQ(SignatureHeader("whsec_test", 1795428000, R"({"id":"evt_1"})"),
              "t=1795428000,v1=91e9a57652a8933c9d26161390259cdf2c524134da91bd0b8f9cb4aa54953b15");
}

TEST(SignatureTest, VerifyRefusesChangesOtherSecretsAndOldTimes) {
    const std::string body = R"({"id":"evt_2","type":"alert.raised"})";
    const std::string header = SignatureHeader("whsec_a", 1000, body);
    EXPECT_TRUE(VerifySignature(header, "whsec_a", body, 1000));
    EXPECT_TRUE(VerifySignature(header, "whsec_a", body, 1299));
    EXPECT_FALSE(VerifySignature(header, "whsec_a", body, 1301)) << "replayed after the tolerance";
    EXPECT_FALSE(VerifySignature(header, "whsec_b", body, 1000));
    EXPECT_FALSE(VerifySignature(header, "whsec_a", body + " ", 1000));
    EXPECT_FALSE(VerifySignature("t=1001" + header.substr(6), "whsec_a", body, 1000)) << "t is signed";
    EXPECT_FALSE(VerifySignature("v1=00", "whsec_a", body, 1000));
    EXPECT_FALSE(VerifySignature("t=,v1=00", "whsec_a", body, 1000));
}

// A `t` as far as possible from now is refused, without overflow: `now - t` does not fit an
// int64 (undefined behaviour; compiled, it wraps to -1 and would pass the tolerance).
TEST(SignatureTest, VerifyRefusesTimesThatOverflowTheDifference) {
    const std::string body = R"({"id":"evt_1"})";
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    EXPECT_FALSE(VerifySignature(SignatureHeader("whsec_a", kMin, body), "whsec_a", body, kMax));
    EXPECT_FALSE(VerifySignature(SignatureHeader("whsec_a", kMax, body), "whsec_a", body, kMin));
    EXPECT_FALSE(VerifySignature(SignatureHeader("whsec_a", kMin, body), "whsec_a", body, 1000));
    EXPECT_TRUE(VerifySignature(SignatureHeader("whsec_a", kMax, body), "whsec_a", body, kMax));
}

TEST(ChannelValidationTest, RefusedLiteralsInEverySpellingAreFieldUrl) {
    const net::OutboundPolicy policy;
    for (const char* url : {"http://127.0.0.1/", "http://[::1]/", "http://0.0.0.0/", "http://2130706433/",
                            "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/", "http://[::ffff:127.0.0.1]/",
                            "http://169.254.169.254/", "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.0.1/",
                            "http://100.64.0.1/", "http://[fd00:ec2::254]/", "http://[fe80::1]/", "ftp://example.com/",
                            "https://user:pw@example.com/", "javascript:alert(1)"}) {
        auto parsed = ParseNewChannel(
            boost::json::object{{"type", "webhook"}, {"name", "n"}, {"url", url}, {"events", {"alert.raised"}}}, policy);
        ASSERT_FALSE(parsed) << url;
        EXPECT_EQ(parsed.error().code, ErrorCode::kValidationFailed) << url;
        EXPECT_EQ(FieldsOf(parsed.error()), std::set<std::string>{"url"}) << url;
    }
    // Names pass here (checked at every delivery); the operator's allow list is honoured.
    auto named = ParseNewChannel(Parse(R"({"type": "webhook", "name": "n", "url": "https://Hooks.Example.com/a?b=1#frag",
                                          "events": ["alert.raised", "case.escalated"], "min_severity": "high"})"),
                                 policy);
    ASSERT_TRUE(named) << named.error().detail;
    EXPECT_EQ(named->url, "https://hooks.example.com:443/a?b=1");
    EXPECT_EQ(named->min_severity, "high");
    auto allowing = net::OutboundPolicy::FromConfig("127.0.0.1/32");
    ASSERT_TRUE(allowing);
    EXPECT_TRUE(ParseNewChannel(Parse(R"({"type": "webhook", "name": "n", "url": "http://127.0.0.1:8/",
                                          "events": ["alert.raised"]})"),
                                *allowing));
}

TEST(ChannelValidationTest, EveryProblemIsNamed) {
    const net::OutboundPolicy policy;
    auto bad = ParseNewChannel(Parse(R"({"type": "email", "name": "", "recipients": ["a@b.example", "x y@z", "a@b.example"],
                                        "events": ["alert.raised", "nope"], "min_severity": "severe", "url": "x"})"),
                               policy);
    ASSERT_FALSE(bad);
    EXPECT_EQ(FieldsOf(bad.error()),
              (std::set<std::string>{"name", "recipients[1]", "recipients[2]", "events[1]", "min_severity", "url"}));
    std::vector<std::string> many;
    for (int idx = 0; idx < 21; ++idx) many.push_back("r" + std::to_string(idx) + "@acme.test");
    boost::json::array recipients(many.begin(), many.end());
    auto too_many = ParseNewChannel(
        boost::json::object{{"type", "email"}, {"name", "n"}, {"recipients", recipients}, {"events", {"test"}}}, policy);
    ASSERT_FALSE(too_many);
    EXPECT_EQ(FieldsOf(too_many.error()), (std::set<std::string>{"recipients", "events[0]"}));
    auto patch = ParseChannelPatch(Parse(R"({"secret": "x"})"));
    ASSERT_FALSE(patch);
    EXPECT_EQ(FieldsOf(patch.error()), std::set<std::string>{"secret"});
    EXPECT_FALSE(ParseChannelPatch(Parse("{}")));
    EXPECT_TRUE(ParseChannelPatch(Parse(R"({"enabled": false})")));
}

TEST(AllowedDomainsTest, EntriesAreLowerCasedDnsNamesNeverAddressesOrWildcards) {
    EXPECT_EQ(*NormalizeAllowedDomain("Hooks.Example.COM."), "hooks.example.com");
    EXPECT_EQ(*NormalizeAllowedDomain("localhost"), "localhost");
    EXPECT_EQ(*NormalizeAllowedDomain("xn--bcher-kva.example"), "xn--bcher-kva.example");
    for (const char* address : {"127.0.0.1", "2130706433", "0x7f000001", "127.1", "[::1]", "::1", "10.0.0.8",
                                "example.123", "169.254.169.254"}) {
        auto refused = NormalizeAllowedDomain(address);
        ASSERT_FALSE(refused) << address;
        EXPECT_EQ(FieldsOf(refused.error()), std::set<std::string>{"allowed_domains"}) << address;
        EXPECT_NE(refused.error().fields.front().message.find("not an IP address"), std::string::npos) << address;
    }
    for (const char* name : {"*.example.com", "*", "example.*"})
        EXPECT_NE(NormalizeAllowedDomain(name).error().fields.front().message.find("wildcards"), std::string::npos)
            << name;
    for (const char* name : {"", ".", "exa mple.com", "-a.example", "a-.example", "a..example", "a_b.example",
                             "https://example.com", "example.com/x", "b\u00fccher.example"})
        EXPECT_FALSE(NormalizeAllowedDomain(name)) << name;
    EXPECT_FALSE(NormalizeAllowedDomain(std::string(64, 'a') + ".example"));
    EXPECT_TRUE(NormalizeAllowedDomain(std::string(63, 'a') + ".example"));

    // Matching: the name itself and its subdomains, nothing else.
    const std::vector<std::string> domains{"example.com", "hooks.partner.net"};
    EXPECT_FALSE(OutsideAllowedDomains("example.com", domains));
    EXPECT_FALSE(OutsideAllowedDomains("a.b.example.com", domains));
    EXPECT_FALSE(OutsideAllowedDomains("HOOKS.partner.net", domains));
    EXPECT_TRUE(OutsideAllowedDomains("badexample.com", domains));
    EXPECT_TRUE(OutsideAllowedDomains("partner.net", domains));
    EXPECT_TRUE(OutsideAllowedDomains("example.com.evil.test", domains));
    EXPECT_TRUE(OutsideAllowedDomains("127.0.0.1", domains));
    EXPECT_FALSE(OutsideAllowedDomains("anything.test", {})) << "an empty list restricts nothing";
    EXPECT_EQ(*OutsideAllowedDomains("x.test", domains),
              "the host 'x.test' is not in this channel's allowed_domains (example.com, hooks.partner.net)");
}

TEST(AllowedDomainsTest, TheUrlMustMatchWhenTheChannelIsCreated) {
    const net::OutboundPolicy policy;
    auto channel = [&](const char* url, boost::json::value domains, const char* type = "webhook") {
        boost::json::object body{{"type", type}, {"name", "n"}, {"events", {"alert.raised"}},
                                 {"allowed_domains", std::move(domains)}};
        if (std::string_view(type) == "webhook")
            body["url"] = url;
        else
            body["recipients"] = {"ops@acme.test"};
        return ParseNewChannel(body, policy);
    };
    auto ok = channel("https://hooks.Example.com/in", {"Example.com", "other.test"});
    ASSERT_TRUE(ok) << ok.error().detail;
    EXPECT_EQ(ok->allowed_domains, (std::vector<std::string>{"example.com", "other.test"}));
    auto none = channel("https://anywhere.test/", boost::json::array());
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->allowed_domains.empty());

    auto outside = channel("https://badexample.com/", {"example.com"});
    ASSERT_FALSE(outside);
    EXPECT_EQ(FieldsOf(outside.error()), std::set<std::string>{"url"});
    EXPECT_NE(outside.error().fields.front().message.find("allowed_domains (example.com)"), std::string::npos);
    auto literal_url = channel("https://93.184.216.34/", {"example.com"});
    ASSERT_FALSE(literal_url);
    EXPECT_EQ(FieldsOf(literal_url.error()), std::set<std::string>{"url"});

    auto bad_entries = channel("https://example.com/", {"example.com", "EXAMPLE.com", "10.0.0.1", "*.x.test", 7});
    ASSERT_FALSE(bad_entries);
    EXPECT_EQ(FieldsOf(bad_entries.error()), (std::set<std::string>{"allowed_domains[1]", "allowed_domains[2]",
                                                                     "allowed_domains[3]", "allowed_domains[4]"}));
    boost::json::array eleven;
    for (int idx = 0; idx < 11; ++idx) eleven.emplace_back("d" + std::to_string(idx) + ".example.com");
    EXPECT_EQ(FieldsOf(channel("https://d1.example.com/", eleven).error()), std::set<std::string>{"allowed_domains"});
    EXPECT_EQ(FieldsOf(channel("https://example.com/", "example.com").error()),
              std::set<std::string>{"allowed_domains"});
    EXPECT_EQ(FieldsOf(channel("", {"example.com"}, "email").error()), std::set<std::string>{"allowed_domains"});

    auto patch = ParseChannelPatch(Parse(R"({"allowed_domains": ["A.example"]})"));
    ASSERT_TRUE(patch);
    EXPECT_EQ(*patch->allowed_domains, std::vector<std::string>{"a.example"});
    auto cleared = ParseChannelPatch(Parse(R"({"allowed_domains": []})"));
    ASSERT_TRUE(cleared && cleared->allowed_domains);
    EXPECT_TRUE(cleared->allowed_domains->empty());
    EXPECT_EQ(FieldsOf(ParseChannelPatch(Parse(R"({"allowed_domains": ["1.2.3.4"]})")).error()),
              std::set<std::string>{"allowed_domains[0]"});
}

TEST(SettingsTest, ParseAndDefaults) {
    EXPECT_TRUE(UserSettings{}.Wants("alert.assigned"));
    EXPECT_FALSE(UserSettings{}.Wants("case.escalated"));
    auto parsed = ParseSettings(Parse(R"({"email": false, "events": ["case.escalated"]})"));
    ASSERT_TRUE(parsed);
    EXPECT_FALSE(parsed->Wants("case.escalated")) << "mail off wants nothing";
    auto bad = ParseSettings(Parse(R"({"events": ["alert.raised", 7]})"));
    ASSERT_FALSE(bad);
    EXPECT_EQ(FieldsOf(bad.error()), (std::set<std::string>{"email", "events[0]", "events[1]"}));
    EXPECT_EQ(SettingsFromText("garbage").events, UserSettings{}.events);
}

class OutboxTest : public ::testing::Test {
  protected:
    OutboxTest() {
        org_ = AddOrg();
        other_org_ = AddOrg();
        admin_ = AddUser("admin@acme.test", org_);
        analyst_ = AddUser("analyst@acme.test", org_);
        outsider_ = AddUser("outsider@other.test", other_org_);
    }
    std::string AddOrg() {
        std::string id = crypto::NewId("org");
        db_.ExecNow("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, 'Org', '{}', 0)", {Text(id)});
        return id;
    }
    std::string AddUser(const std::string& email, const std::string& org) {
        std::string id = crypto::NewId("usr");
        db_.ExecNow("INSERT INTO users (id, email, email_normalized, name, password_hash, created_at) "
                    "VALUES ($1, $2, $2, 'U', 'x', 0)",
                    {Text(id), Text(email)});
        db_.ExecNow("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, 'ANALYST', 0)",
                    {Text(org), Text(id)});
        return id;
    }
    std::string Channel(const std::string& org, const char* body_text) {
        auto body = Parse(body_text);
        auto parsed = ParseNewChannel(body, net::OutboundPolicy());
        EXPECT_TRUE(parsed) << body_text;
        auto tx = db_.Write();
        auto created = CreateChannel(*tx, keyring_, org, *parsed, {admin_, "192.0.2.1", "unit", clock_.Now()});
        EXPECT_TRUE(created) << (created ? "" : created.error().detail);
        EXPECT_TRUE(tx->Commit());
        return std::string(created->at("id").as_string());
    }
    std::string AddAlert(const std::string& severity, UnixMicros created_at, const char* assignee = nullptr) {
        std::string id = crypto::NewId("alt");
        db_.ExecNow("INSERT INTO alerts (id, org_id, environment, rule_id, rule_version, rule_name, severity, "
                    "transaction_id, entity_key, occurred_at, status, assignee_id, created_at, updated_at) VALUES "
                    "($1, $2, 'production', 'rul_1', 1, 'big wires', $3, 'txn_1', 'acc-1', $4, 'open', $5, $4, $4)",
                    {Text(id), Text(org_), Text(severity), Int(created_at), assignee ? Text(assignee) : storage::Null()});
        return id;
    }
    /// (channel_id or "user:<id>", event_type) of every delivery.
    std::multiset<std::pair<std::string, std::string>> Deliveries() {
        auto tx = db_.Read();
        auto rows = tx->Query("SELECT channel_id, user_id, event_type FROM notification_deliveries");
        std::multiset<std::pair<std::string, std::string>> found;
        for (const auto& row : *rows)
            found.emplace(row.IsNull(0) ? "user:" + row.GetText(1) : row.GetText(0), row.GetText(2));
        return found;
    }
    Event AlertEvent(const std::string& type, const std::string& severity) {
        Event event;
        event.type = type;
        event.org_id = org_;
        event.environment = "production";
        event.severity = severity;
        event.occurred_at = clock_.Now();
        event.data = {{"alert_id", "alt_x"}};
        return event;
    }
    int RecordNow(const Event& event) {
        auto tx = db_.Write();
        auto written = Record(*tx, event);
        EXPECT_TRUE(written) << (written ? "" : written.error().internal);
        EXPECT_TRUE(tx->Commit());
        return written ? *written : -1;
    }

    testing::TestDb db_;
    testing::ManualClock clock_;
    crypto::Keyring keyring_{{std::string(32, 'k')}};
    std::string org_, other_org_, admin_, analyst_, outsider_;
};

TEST_F(OutboxTest, TheSecretIsSealedForItsRowAndErasedOnDelete) {
    auto body = ParseNewChannel(Parse(R"({"type": "webhook", "name": "n", "url": "https://h.example.com/",
                                         "events": ["alert.raised"]})"),
                                net::OutboundPolicy());
    ASSERT_TRUE(body);
    auto tx = db_.Write();
    auto created = CreateChannel(*tx, keyring_, org_, *body, {admin_, "192.0.2.1", "unit", clock_.Now()});
    ASSERT_TRUE(created);
    ASSERT_TRUE(tx->Commit());
    const std::string id(created->at("id").as_string());
    const std::string secret(created->at("secret").as_string());
    auto read = db_.Read();
    auto row = read->QueryOne("SELECT secret_sealed FROM notification_channels WHERE id = $1", {Text(id)});
    ASSERT_TRUE(row && *row);
    const std::string sealed = (*row)->GetText(0);
    EXPECT_EQ(sealed.find(secret), std::string::npos);
    auto opened = keyring_.Open(sealed, secrets::SealContext("notification_channels", "secret_sealed", id));
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, secret);
    EXPECT_FALSE(keyring_.Open(sealed, secrets::SealContext("notification_channels", "secret_sealed", "nch_other")));
    auto listed = ListChannels(*read, org_);
    ASSERT_TRUE(listed);
    EXPECT_EQ(boost::json::serialize(*listed).find("secret"), std::string::npos);
    auto audit = read->Query("SELECT details FROM audit_log WHERE action = 'notification_channel.created'");
    ASSERT_TRUE(audit && audit->size() == 1u);
    EXPECT_EQ((*audit)[0].GetText(0).find(secret), std::string::npos);
    read.reset();

    auto other = db_.Write();
    EXPECT_EQ(DeleteChannel(*other, other_org_, id, {outsider_, "", "", clock_.Now()}).error().code,
              ErrorCode::kNotFound);
    other.reset();
    auto deleting = db_.Write();
    ASSERT_TRUE(DeleteChannel(*deleting, org_, id, {admin_, "", "", clock_.Now()}));
    ASSERT_TRUE(deleting->Commit());
    auto after = db_.Read();
    auto erased = after->QueryOne("SELECT secret_sealed FROM notification_channels WHERE id = $1", {Text(id)});
    EXPECT_TRUE((*erased)->IsNull(0));
}

TEST_F(OutboxTest, RecordWritesOneRowPerSubscribedChannelAndWillingUser) {
    const auto high = Channel(org_, R"({"type": "webhook", "name": "h", "url": "https://h.example.com/",
                                        "events": ["alert.raised", "alert.assigned"], "min_severity": "high"})");
    const auto all = Channel(org_, R"({"type": "email", "name": "e", "recipients": ["ops@acme.test"],
                                       "events": ["alert.raised"]})");
    const auto theirs = Channel(other_org_, R"({"type": "email", "name": "t", "recipients": ["x@other.test"],
                                               "events": ["alert.raised"]})");
    EXPECT_EQ(RecordNow(AlertEvent("alert.raised", "medium")), 1);
    EXPECT_EQ(RecordNow(AlertEvent("alert.raised", "critical")), 2);
    Event assigned = AlertEvent("alert.assigned", "low");
    assigned.user_ids = {analyst_, analyst_, admin_, outsider_};
    assigned.actor_id = admin_;
    EXPECT_EQ(RecordNow(assigned), 1) << "the analyst once; not the actor; not another organization's user";
    // Opted out, disabled and deleted: nothing.
    {
        auto tx = db_.Write();
        ASSERT_TRUE(SaveSettings(*tx, org_, analyst_, {true, {"case.assigned"}}, "", "", clock_.Now()));
        ASSERT_TRUE(UpdateChannel(*tx, org_, all, {std::nullopt, std::nullopt, std::nullopt, false},
                                  {admin_, "", "", clock_.Now()}));
        ASSERT_TRUE(DeleteChannel(*tx, org_, high, {admin_, "", "", clock_.Now()}));
        ASSERT_TRUE(tx->Commit());
    }
    Event again = AlertEvent("alert.assigned", "critical");
    again.user_ids = {analyst_};
    EXPECT_EQ(RecordNow(again), 0);
    EXPECT_EQ(RecordNow(AlertEvent("alert.raised", "critical")), 0);
    const std::multiset<std::pair<std::string, std::string>> expected{
        {all, "alert.raised"}, {all, "alert.raised"}, {high, "alert.raised"}, {"user:" + analyst_, "alert.assigned"}};
    EXPECT_EQ(Deliveries(), expected);
    (void)theirs;
}

TEST_F(OutboxTest, CaseEventsGoToTheAssigneeAndToThoseWhoOptedIn) {
    CaseFacts facts{org_, "cas_1", "sandbox", "high", "open", analyst_, admin_, clock_.Now()};
    auto tx = db_.Write();
    EXPECT_EQ(*RecordCaseAssigned(*tx, facts), 1);
    facts.assignee_id = admin_;
    EXPECT_EQ(*RecordCaseAssigned(*tx, facts), 0) << "self-assigned";
    ASSERT_TRUE(SaveSettings(*tx, org_, admin_, {true, {"case.escalated"}}, "", "", clock_.Now()));
    facts.actor_id = analyst_;
    facts.status = "escalated";
    EXPECT_EQ(*RecordCaseEscalated(*tx, facts), 1) << "the admin opted in; the analyst (default) did not";
    ASSERT_TRUE(tx->Commit());
    auto read = db_.Read();
    auto payload = read->QueryOne("SELECT payload FROM notification_deliveries WHERE event_type = 'case.escalated'");
    ASSERT_TRUE(payload && *payload);
    auto json = boost::json::parse((*payload)->GetText(0));
    EXPECT_EQ(json.at("type"), "case.escalated");
    EXPECT_EQ(json.at("organization_id").as_string(), org_);
    EXPECT_EQ(json.at("environment"), "sandbox") << "the case's environment";
    EXPECT_EQ(json.at("data").at("case_id"), "cas_1");
    EXPECT_EQ(json.at("data").at("url"), "/cases/cas_1");
}

class NotifierTest : public OutboxTest {
  protected:
    NotifierTest() {
        log_ = std::make_shared<spdlog::logger>("notify-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_));
    }
    std::unique_ptr<Notifier> Make() {
        return std::make_unique<Notifier>(db_.db(), keyring_, net::OutboundPolicy(),
                                          std::shared_ptr<Clock>(&clock_, [](Clock*) {}), metrics_, log_,
                                          NotifierOptions{});
    }
    std::ostringstream log_text_;
    std::shared_ptr<spdlog::logger> log_;
    Metrics metrics_;
};

TEST_F(NotifierTest, ObserverWritesAlertRaisedOnlyForSubscribedOrganizationsAndSeesNewChannels) {
    auto notifier = Make();
    ingest::PendingWrite item;
    item.org_id = org_;
    item.environment = "production";
    item.received_at = clock_.Now();
    ingest::Written written;
    written.id = "txn_1";
    written.external_id = "ext-1";
    written.decision = "allow";
    written.alerts = {{"alt_1", "rul_1", "big wires", "high"}};
    const ingest::StoredItem stored[] = {{item, written}};
    auto observe = [&] {
        auto tx = db_.Write();
        ASSERT_TRUE(notifier->observer().BeforeCommit(*tx, stored));
        ASSERT_TRUE(tx->Commit());
    };
    observe();
    EXPECT_TRUE(Deliveries().empty()) << "no channel: nothing";
    const auto channel = Channel(org_, R"({"type": "email", "name": "e", "recipients": ["ops@acme.test"],
                                           "events": ["alert.raised"]})");
    observe();
    EXPECT_TRUE(Deliveries().empty()) << "the cache is only reloaded when told";
    notifier->ChannelsChanged();
    observe();
    EXPECT_EQ(Deliveries(), (std::multiset<std::pair<std::string, std::string>>{{channel, "alert.raised"}}));
    // The email channel's delivery becomes a queued mail on a pass.
    auto handled = notifier->RunOnce();
    ASSERT_TRUE(handled);
    EXPECT_EQ(*handled, 1);
    auto read = db_.Read();
    auto mails = read->QueryOne("SELECT COUNT(*) FROM mail_outbox WHERE kind = 'notification' AND recipient = "
                                "'ops@acme.test'");
    EXPECT_EQ((*mails)->GetInt(0), 1);
    auto delivered = read->QueryOne("SELECT delivered_at, attempts FROM notification_deliveries");
    EXPECT_FALSE((*delivered)->IsNull(0));
    EXPECT_EQ((*delivered)->GetInt(1), 1);
}

TEST_F(NotifierTest, ADisabledChannelReceivesNothingNotEvenEarlierDeliveriesButATestStillGoes) {
    auto notifier = Make();
    const auto channel = Channel(org_, R"({"type": "email", "name": "e", "recipients": ["ops@acme.test"],
                                           "events": ["alert.raised"]})");
    EXPECT_EQ(RecordNow(AlertEvent("alert.raised", "high")), 1) << "written while the channel was enabled";
    {
        auto tx = db_.Write();
        ASSERT_TRUE(UpdateChannel(*tx, org_, channel, {std::nullopt, std::nullopt, std::nullopt, false},
                                  {admin_, "", "", clock_.Now()}));
        ASSERT_TRUE(tx->Commit());
    }
    auto handled = notifier->RunOnce();
    ASSERT_TRUE(handled);
    EXPECT_EQ(*handled, 1);
    auto mails = [&] {
        auto read = db_.Read();
        auto count = read->QueryOne("SELECT COUNT(*) FROM mail_outbox WHERE recipient = 'ops@acme.test'");
        return (*count)->GetInt(0);
    };
    EXPECT_EQ(mails(), 0) << "nothing is sent to a disabled channel";
    {
        auto read = db_.Read();
        auto row = read->QueryOne("SELECT delivered_at, failed_at, last_error FROM notification_deliveries");
        ASSERT_TRUE(row && *row);
        EXPECT_TRUE((*row)->IsNull(0));
        EXPECT_FALSE((*row)->IsNull(1));
        EXPECT_EQ((*row)->GetText(2), "channel disabled");
    }
    // The admin's test send still goes out.
    std::string test_id;
    {
        auto tx = db_.Write();
        auto written = RecordTestDelivery(*tx, org_, channel, {admin_, "", "", clock_.Now()}, notifier->lease());
        ASSERT_TRUE(written);
        test_id = *written;
        ASSERT_TRUE(tx->Commit());
    }
    ASSERT_TRUE(notifier->DeliverNow(test_id));
    EXPECT_EQ(mails(), 1);
}

TEST_F(NotifierTest, AllowedDomainsArePatchedOnlyToMatchTheUrlAndEveryDeliveryChecksThemUnsent) {
    // A listening socket on 127.0.0.1 that the policy allows: a connection attempt would queue on it.
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in bound{};
    bound.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &bound.sin_addr);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&bound), sizeof bound), 0);
    ASSERT_EQ(listen(listener, 4), 0);
    socklen_t length = sizeof bound;
    getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &length);
    const std::string url = "http://localhost:" + std::to_string(ntohs(bound.sin_port)) + "/hook";

    const auto channel = Channel(org_, fmt::format(R"({{"type": "webhook", "name": "w", "url": "{}",
                                                       "events": ["alert.raised"], "allowed_domains": ["LocalHost"]}})",
                                                   url)
                                           .c_str());
    {
        auto read = db_.Read();
        auto shown = GetChannel(*read, org_, channel);
        ASSERT_TRUE(shown);
        EXPECT_EQ(boost::json::serialize(shown->at("allowed_domains")), R"(["localhost"])");
    }
    auto patch = [&](std::vector<std::string> domains) {
        auto tx = db_.Write();
        ChannelPatch change;
        change.allowed_domains = std::move(domains);
        auto updated = UpdateChannel(*tx, org_, channel, change, {admin_, "", "", clock_.Now()});
        if (updated) {
            EXPECT_TRUE(tx->Commit());
        }
        return updated;
    };
    auto refused = patch({"example.com"});
    ASSERT_FALSE(refused);
    EXPECT_EQ(FieldsOf(refused.error()), std::set<std::string>{"allowed_domains"});
    auto cleared = patch({});
    ASSERT_TRUE(cleared);
    EXPECT_TRUE(cleared->at("allowed_domains").as_array().empty());
    {
        auto read = db_.Read();
        auto audit = read->Query("SELECT details FROM audit_log WHERE action = 'notification_channel.updated'");
        ASSERT_TRUE(audit && audit->size() == 1u) << "the refused patch is not audited, the clearing is";
        EXPECT_NE((*audit)[0].GetText(0).find(R"("allowed_domains":[])"), std::string::npos);
    }

    // A row whose list no longer allows its URL (written outside the API): the delivery fails
    // without a DNS query or a connection, and says why.
    db_.ExecNow(R"(UPDATE notification_channels SET allowed_domains = '["example.com"]' WHERE id = $1)",
                {Text(channel)});
    auto allowing = net::OutboundPolicy::FromConfig("127.0.0.1/32");
    ASSERT_TRUE(allowing);
    Notifier notifier(db_.db(), keyring_, *allowing, std::shared_ptr<Clock>(&clock_, [](Clock*) {}), metrics_, log_,
                      NotifierOptions{});
    std::string delivery;
    {
        auto tx = db_.Write();
        auto written = RecordTestDelivery(*tx, org_, channel, {admin_, "", "", clock_.Now()}, notifier.lease());
        ASSERT_TRUE(written);
        delivery = *written;
        ASSERT_TRUE(tx->Commit());
    }
    ASSERT_TRUE(notifier.DeliverNow(delivery));
    auto read = db_.Read();
    auto shown = GetDelivery(*read, org_, delivery);
    ASSERT_TRUE(shown);
    EXPECT_EQ(shown->at("status"), "failed");
    EXPECT_EQ(shown->at("last_error"),
              "the host 'localhost' is not in this channel's allowed_domains (example.com); nothing was sent");
    pollfd waiting{listener, POLLIN, 0};
    EXPECT_EQ(poll(&waiting, 1, 200), 0) << "no connection reached the listener";
    close(listener);
}

TEST_F(NotifierTest, TwoClaimsFromTheSameSnapshotOnlyTheFirstWins) {
    Channel(org_, R"({"type": "email", "name": "e", "recipients": ["ops@acme.test"], "events": ["alert.raised"]})");
    ASSERT_EQ(RecordNow(AlertEvent("alert.raised", "high")), 1);
    // What two dispatchers (two PostgreSQL nodes) would both read in their snapshots.
    std::string id;
    UnixMicros next = 0;
    std::int64_t attempts = -1;
    {
        auto read = db_.Read();
        auto row = read->QueryOne("SELECT id, next_attempt_at, attempts FROM notification_deliveries");
        ASSERT_TRUE(row && *row);
        id = (*row)->GetText(0);
        next = (*row)->GetInt(1);
        attempts = (*row)->GetInt(2);
    }
    auto claim = [&] {
        auto tx = db_.Write();
        auto won = detail::ClaimLease(*tx, id, next, attempts, clock_.Now() + kMicrosPerMinute);
        EXPECT_TRUE(won);
        EXPECT_TRUE(tx->Commit());
        return won && *won;
    };
    EXPECT_TRUE(claim()) << "the first claim";
    EXPECT_FALSE(claim()) << "the second, from the same snapshot, loses";
    // The leased row is not due: a pass finds nothing to claim.
    auto notifier = Make();
    auto handled = notifier->RunOnce();
    ASSERT_TRUE(handled);
    EXPECT_EQ(*handled, 0);
}

TEST_F(NotifierTest, SlaScanNotifiesEachOverdueAlertOnce) {
    auto notifier = Make();
    Channel(org_, R"({"type": "email", "name": "e", "recipients": ["ops@acme.test"], "events": ["alert.sla_overdue"]})");
    const UnixMicros now = clock_.Now();
    const auto overdue = AddAlert("critical", now - 3 * kMicrosPerHour, analyst_.c_str());  // SLA 2 h
    AddAlert("high", now - 3 * kMicrosPerHour);                                                // SLA 8 h
    auto first = notifier->ScanSla();
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, 1);
    EXPECT_EQ(*notifier->ScanSla(), 0) << "once";
    EXPECT_EQ(Deliveries().size(), 2u) << "the channel and the assignee";
    auto read = db_.Read();
    auto payload = read->QueryOne("SELECT payload FROM notification_deliveries WHERE user_id IS NULL");
    auto json = boost::json::parse((*payload)->GetText(0));
    EXPECT_EQ(json.at("data").at("alert_id").as_string(), overdue);
    EXPECT_EQ(json.at("data").at("due_at").as_string(), FormatRfc3339(now - kMicrosPerHour));
    read.reset();
    clock_.Advance(6 * kMicrosPerHour);
    EXPECT_EQ(*notifier->ScanSla(), 1) << "the high alert is now overdue too";
}

TEST_F(NotifierTest, SlaScanOfSeveralWriteBatchesNotifiesEachAlertOnce) {
    auto notifier = Make();
    Channel(org_, R"({"type": "email", "name": "e", "recipients": ["ops@acme.test"], "events": ["alert.sla_overdue"]})");
    constexpr int kAlerts = 250;  // three write batches of at most 100
    std::set<std::string> alerts;
    for (int idx = 0; idx < kAlerts; ++idx) alerts.insert(AddAlert("critical", clock_.Now() - 3 * kMicrosPerHour));
    auto scanned = notifier->ScanSla();
    ASSERT_TRUE(scanned);
    EXPECT_EQ(*scanned, kAlerts);
    EXPECT_EQ(*notifier->ScanSla(), 0) << "once";
    auto read = db_.Read();
    auto rows = read->Query("SELECT payload FROM notification_deliveries WHERE event_type = 'alert.sla_overdue'");
    ASSERT_TRUE(rows);
    std::multiset<std::string> notified;
    for (const auto& row : *rows)
        notified.insert(std::string(boost::json::parse(row.GetText(0)).at("data").at("alert_id").as_string()));
    EXPECT_EQ(notified, std::multiset<std::string>(alerts.begin(), alerts.end())) << "every alert, each once";
    auto pending = read->QueryOne("SELECT COUNT(*) FROM alerts WHERE sla_notified_at IS NULL");
    EXPECT_EQ((*pending)->GetInt(0), 0);
}

}  // namespace
}  // namespace wt::notify
