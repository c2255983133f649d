// SPDX-License-Identifier: Apache-2.0
// Dashboard and reports against a real server (docs/reports.md): after random traffic through
// active rules and some triage, every dashboard figure equals a brute-force recomputation from the
// stored rows as GET /transactions and GET /alerts page them; the summary agrees; CSV exports are
// RFC 4180 with formula injection neutralised, refused to ANALYST and VIEWER, audited, and a
// 100,000-row export is streamed in bounded server memory.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <tuple>

#include "common/clock.hpp"
#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

constexpr long long kHour = 3600;

std::string Str(const json::value& value, const char* name) {
    const auto* member = value.is_object() ? value.as_object().if_contains(name) : nullptr;
    return member && member->is_string() ? std::string(member->as_string()) : std::string();
}
long long Seconds(const std::string& rfc3339) {
    auto at = ParseRfc3339(rfc3339);
    EXPECT_TRUE(at.has_value()) << rfc3339;
    return at ? *at / 1'000'000 : 0;
}
// "12.34" -> 1234, "1200" -> 1200 (the amount in minor units of its currency as written).
long long Minor(const std::string& amount) {
    std::string digits;
    for (char c : amount)
        if (c != '.') digits += c;
    return std::stoll(digits);
}
json::value MedianOf(std::vector<long long> seconds) {
    if (seconds.empty()) return nullptr;
    std::sort(seconds.begin(), seconds.end());
    const std::size_t mid = seconds.size() / 2;
    if (seconds.size() % 2 == 1) return seconds[mid];
    // Whole seconds, a half rounded up (never a JSON double such as 6E0).
    return seconds[mid - 1] + (seconds[mid] - seconds[mid - 1] + 1) / 2;
}

// A minimal RFC 4180 reader for the test: records of fields, quotes undoubled.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
    std::vector<std::vector<std::string>> records;
    std::vector<std::string> record;
    std::string field;
    bool quoted = false;
    for (std::size_t pos = 0; pos < text.size(); ++pos) {
        const char c = text[pos];
        if (quoted) {
            if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') {
                field += '"';
                ++pos;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            record.push_back(std::move(field));
            field.clear();
        } else if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') {
            record.push_back(std::move(field));
            field.clear();
            records.push_back(std::move(record));
            record.clear();
            ++pos;
        } else {
            EXPECT_NE(c, '\n') << "a bare LF outside quotes at byte " << pos;
            field += c;
        }
    }
    EXPECT_TRUE(field.empty() && record.empty()) << "the CSV must end with CRLF";
    return records;
}

long long ProcStatusKib(int pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1));
    return -1;
}

class ReportsTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        ServerConfig config;
        config.clock_file = true;
        auto server = std::make_unique<Server>(config);
        server->Start();
        Session admin = server->MustLogin(server->admin_email);
        production_ = new ApiKey(server->CreateApiKey(admin, "production", {}, "reports"));
        sandbox_ = new ApiKey(server->CreateApiKey(admin, "sandbox", {}, "reports sandbox"));
        for (const auto& [name, expression, severity, action] :
             {std::tuple{"rep big", "amount > 1000", "medium", "alert"},
              std::tuple{"rep huge", "amount > 15000", "high", "review"},
              std::tuple{"rep eur", "amount > 19000 and currency == \"EUR\"", "critical", "block"}}) {
            auto rule = server->As(admin, "POST", "/api/v1/rules",
                                   json::serialize(json::object{{"name", name},
                                                                {"expression", expression},
                                                                {"severity", severity},
                                                                {"action", action},
                                                                {"status", "active"}}));
            ASSERT_EQ(rule.status, 201) << rule.body;
        }
        server_ = server.release();
    }
    static void TearDownTestSuite() {
        delete production_;
        delete sandbox_;
        EndSuiteServer(server_);
    }
    void SetUp() override { ASSERT_NE(server_, nullptr) << "the suite's server did not start"; }

    static void Batch(const ApiKey& key, const json::array& transactions) {
        auto res = server_->Call("POST", "/api/v1/transactions/batch",
                                 json::serialize(json::object{{"transactions", transactions}}),
                                 {{"Authorization", "Bearer " + key.key}});
        ASSERT_EQ(res.status, 200) << res.body.substr(0, 500);
        const json::value body = res.Json();
        for (const auto& result : body.at("results").as_array())
            ASSERT_EQ(result.at("status").as_int64(), 201) << json::serialize(result);
    }

    // Every item of a paginated console list.
    static json::array All(const Session& as, const std::string& path) {
        json::array all;
        std::string cursor;
        for (int page = 0; page < 100; ++page) {
            auto res = server_->As(as, "GET", path + "&limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor));
            EXPECT_EQ(res.status, 200) << res.body;
            if (res.status != 200) break;
            auto body = res.Json();
            for (auto& item : body.at("data").as_array()) all.push_back(item);
            if (body.at("next_cursor").is_null()) break;
            cursor = std::string(body.at("next_cursor").as_string());
        }
        return all;
    }

    static inline Server* server_ = nullptr;
    static inline ApiKey* production_ = nullptr;
    static inline ApiKey* sandbox_ = nullptr;
};

TEST_F(ReportsTest, DashboardFiguresEqualABruteForceRecomputationFromStoredRows) {
    Session admin = server_->MustLogin(server_->admin_email);
    const std::string analyst_id = server_->role_user_id.at("ANALYST");
    // Random traffic: three currencies, occurred_at spread over the last 48 hours, both environments.
    std::mt19937 random(20261124);
    const long long now = server_->ServerNow();
    const std::vector<std::string> currencies = {"USD", "EUR", "JPY"};
    for (int batch_idx = 0; batch_idx < 4; ++batch_idx) {
        json::array production;
        json::array sandbox;
        for (int item_idx = 0; item_idx < 100; ++item_idx) {
            const std::string currency = currencies[random() % currencies.size()];
            const long long units = 1 + random() % 2'000'000;
            const std::string amount = currency == "JPY" ? std::to_string(units / 100 + 1)
                                                         : fmt::format("{}.{:02}", units / 100, units % 100);
            json::object item{{"external_id", fmt::format("dash-{}-{}", batch_idx, item_idx)},
                              {"amount", amount},
                              {"currency", currency},
                              {"direction", random() % 2 ? "inbound" : "outbound"},
                              {"account_id", fmt::format("acc-{}", random() % 20)},
                              {"occurred_at", FormatRfc3339((now - static_cast<long long>(random() % (48 * kHour))) *
                                                            1'000'000)}};
            (random() % 5 == 0 ? sandbox : production).push_back(std::move(item));
        }
        Batch(*production_, production);
        Batch(*sandbox_, sandbox);
    }
    // Triage some alerts: take, review, close with dispositions.
    json::array listed = All(admin, "/api/v1/alerts?environment=production");
    ASSERT_GT(listed.size(), 60u);
    for (std::size_t idx = 0; idx < 45; ++idx) {
        const std::string id = Str(listed[idx], "id");
        json::object change{{"assignee_id", analyst_id}};
        if (idx % 3 != 2) change["status"] = "in_review";
        auto res = server_->As(admin, "PATCH", "/api/v1/alerts/" + id, json::serialize(change));
        ASSERT_EQ(res.status, 200) << res.body;
        if (idx < 25) {
            res = server_->As(admin, "PATCH", "/api/v1/alerts/" + id,
                              json::serialize(json::object{{"status", "closed"},
                                                           {"disposition", idx % 4 == 0 ? "true_positive" : "false_positive"},
                                                           {"note", "checked"}}));
            ASSERT_EQ(res.status, 200) << res.body;
        }
    }
    // Nine hours later, high and critical alerts still open are past their SLA (8 h, 2 h), medium not (24 h).
    server_->SetClockOffset(9 * kHour);
    admin = server_->MustLogin(server_->admin_email);
    const long long shifted = server_->ServerNow();
    const long long from = (shifted - 60 * kHour) / kHour * kHour;
    const long long to = from + 72 * kHour;
    const std::string period = "from=" + FormatRfc3339(from * 1'000'000) + "&to=" + FormatRfc3339(to * 1'000'000);

    auto res = server_->As(admin, "GET", "/api/v1/dashboard?" + period);
    ASSERT_EQ(res.status, 200) << res.body;
    const json::value dashboard = res.Json();
    EXPECT_EQ(Str(dashboard, "bucket"), "hour");
    EXPECT_EQ(Seconds(Str(dashboard, "from")), from);
    EXPECT_EQ(Seconds(Str(dashboard, "to")), to);

    // Transactions, from the stored rows.
    std::map<std::string, long long> by_decision;
    std::map<std::string, long long> value;
    std::map<std::tuple<long long, std::string, std::string>, std::pair<long long, long long>> series;
    long long count = 0;
    for (const auto& tx : All(admin, "/api/v1/transactions?environment=production&" + period)) {
        const std::string decision = Str(tx, "decision");
        const std::string currency = Str(tx, "currency");
        ++count;
        ++by_decision[decision];
        value[currency] += Minor(Str(tx, "amount"));
        auto& point = series[{Seconds(Str(tx, "occurred_at")) / kHour * kHour, decision, currency}];
        ++point.first;
        point.second += Minor(Str(tx, "amount"));
    }
    ASSERT_GT(count, 250);
    const auto& transactions = dashboard.at("transactions");
    EXPECT_EQ(transactions.at("count").as_int64(), count);
    std::map<std::string, long long> got_by_decision;
    for (const auto& entry : transactions.at("by_decision").as_array())
        got_by_decision[Str(entry, "decision")] = entry.at("count").as_int64();
    EXPECT_EQ(got_by_decision, by_decision);
    EXPECT_EQ(by_decision.size(), 3u) << "allow, review and block all occur";
    std::map<std::string, long long> got_value;
    for (const auto& entry : transactions.at("value").as_array())
        got_value[Str(entry, "currency")] = Minor(Str(entry, "amount"));
    EXPECT_EQ(got_value, value);
    decltype(series) got_series;
    for (const auto& entry : dashboard.at("series").as_array())
        got_series[{Seconds(Str(entry, "start")), Str(entry, "decision"), Str(entry, "currency")}] = {
            entry.at("count").as_int64(), Minor(Str(entry, "amount"))};
    EXPECT_EQ(got_series, series);
    const long long sandbox_count =
        static_cast<long long>(All(admin, "/api/v1/transactions?environment=sandbox&" + period).size());
    for (const auto& entry : transactions.at("by_environment").as_array())
        EXPECT_EQ(entry.at("count").as_int64(), Str(entry, "environment") == "sandbox" ? sandbox_count : count);

    // Alerts, from the stored rows: raised ones by the hour of their transaction, the rest live.
    std::map<std::string, long long> by_severity;
    std::map<std::tuple<std::string, std::string, std::string>, long long> by_rule;
    std::map<std::pair<long long, std::string>, long long> alert_series;
    std::map<std::string, std::pair<long long, long long>> open_by_assignee;
    std::vector<long long> triage_seconds;
    std::vector<long long> close_seconds;
    std::map<std::string, std::pair<long long, long long>> closed_by_rule;
    long long raised = 0;
    for (const auto& alert : All(admin, "/api/v1/alerts?environment=production")) {
        const long long occurred = Seconds(Str(alert, "occurred_at"));
        if (occurred >= from && occurred < to) {
            ++raised;
            ++by_severity[Str(alert, "severity")];
            ++by_rule[{Str(alert, "rule_id"), Str(alert, "rule_name"), Str(alert, "severity")}];
            ++alert_series[{occurred / kHour * kHour, Str(alert, "severity")}];
        }
        if (Str(alert, "status") != "closed") {
            auto& open = open_by_assignee[Str(alert, "assignee_id")];
            ++open.first;
            open.second += alert.at("overdue").as_bool() ? 1 : 0;
        }
        const long long created = Seconds(Str(alert, "created_at"));
        if (auto triaged = Str(alert, "triaged_at"); !triaged.empty() && Seconds(triaged) >= from && Seconds(triaged) < to)
            triage_seconds.push_back(Seconds(triaged) - created);
        if (auto closed = Str(alert, "closed_at"); !closed.empty() && Seconds(closed) >= from && Seconds(closed) < to) {
            close_seconds.push_back(Seconds(closed) - created);
            auto& per_rule = closed_by_rule[Str(alert, "rule_id")];
            ++per_rule.first;
            per_rule.second += Str(alert, "disposition") == "false_positive" ? 1 : 0;
        }
    }
    const auto& alerts = dashboard.at("alerts");
    EXPECT_EQ(alerts.at("raised").as_int64(), raised);
    std::map<std::string, long long> got_severity;
    for (const auto& entry : alerts.at("by_severity").as_array())
        got_severity[Str(entry, "severity")] = entry.at("count").as_int64();
    EXPECT_EQ(got_severity, by_severity);
    decltype(by_rule) got_rule;
    for (const auto& entry : alerts.at("by_rule").as_array())
        got_rule[{Str(entry, "rule_id"), Str(entry, "rule_name"), Str(entry, "severity")}] = entry.at("count").as_int64();
    EXPECT_EQ(got_rule, by_rule);
    decltype(alert_series) got_alert_series;
    for (const auto& entry : alerts.at("series").as_array())
        got_alert_series[{Seconds(Str(entry, "start")), Str(entry, "severity")}] = entry.at("count").as_int64();
    EXPECT_EQ(got_alert_series, alert_series);

    const auto& open_alerts = dashboard.at("open_work").at("alerts");
    decltype(open_by_assignee) got_open;
    long long open_total = 0;
    long long overdue_total = 0;
    for (const auto& entry : open_alerts.at("by_assignee").as_array()) {
        got_open[Str(entry, "assignee_id")] = {entry.at("open").as_int64(), entry.at("overdue").as_int64()};
        open_total += entry.at("open").as_int64();
        overdue_total += entry.at("overdue").as_int64();
    }
    EXPECT_EQ(got_open, open_by_assignee);
    EXPECT_EQ(open_alerts.at("open").as_int64(), open_total);
    EXPECT_EQ(open_alerts.at("overdue").as_int64(), overdue_total);
    EXPECT_GT(overdue_total, 0) << "high and critical alerts are overdue nine hours later";
    EXPECT_LT(overdue_total, open_total) << "medium alerts are not";
    EXPECT_EQ(open_by_assignee.count(analyst_id), 1u);

    const auto& triage = dashboard.at("triage");
    EXPECT_EQ(triage.at("triaged").as_int64(), static_cast<long long>(triage_seconds.size()));
    EXPECT_EQ(triage.at("closed").as_int64(), static_cast<long long>(close_seconds.size()));
    EXPECT_EQ(triage.at("median_seconds_to_triage"), MedianOf(triage_seconds));
    EXPECT_EQ(triage.at("median_seconds_to_close"), MedianOf(close_seconds));
    EXPECT_EQ(close_seconds.size(), 25u);
    decltype(closed_by_rule) got_closed;
    for (const auto& entry : dashboard.at("false_positive_rate").as_array()) {
        got_closed[Str(entry, "rule_id")] = {entry.at("closed").as_int64(), entry.at("false_positive").as_int64()};
        EXPECT_EQ(entry.at("rate").as_double(),
                  static_cast<double>(entry.at("false_positive").as_int64()) /
                      static_cast<double>(entry.at("closed").as_int64()));
    }
    EXPECT_EQ(got_closed, closed_by_rule);

    // The summary of the same period tells the same story.
    res = server_->As(admin, "GET", "/api/v1/reports/summary?" + period);
    ASSERT_EQ(res.status, 200) << res.body;
    const json::value summary = res.Json();
    EXPECT_EQ(summary.at("transactions").at("count").as_int64(), count);
    std::map<std::string, long long> summary_by_decision;
    for (const auto& entry : summary.at("transactions").at("by_decision").as_array())
        summary_by_decision[Str(entry, "decision")] = entry.at("count").as_int64();
    EXPECT_EQ(summary_by_decision, by_decision);
    EXPECT_EQ(summary.at("alerts").at("raised").at("total").as_int64(), raised);
    EXPECT_EQ(summary.at("alerts").at("closed").at("total").as_int64(), 25);
    std::map<std::string, long long> dispositions;
    for (const auto& entry : summary.at("alerts").at("closed").at("by_disposition").as_array())
        dispositions[Str(entry, "disposition")] = entry.at("count").as_int64();
    EXPECT_EQ(dispositions, (std::map<std::string, long long>{{"false_positive", 18}, {"true_positive", 7}}));
    EXPECT_EQ(summary.at("triage"), triage);

    // Another period sees none of it; the environment parameter switches to sandbox.
    res = server_->As(admin, "GET", "/api/v1/dashboard?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z");
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.Json().at("transactions").at("count").as_int64(), 0);
    res = server_->As(admin, "GET", "/api/v1/dashboard?environment=sandbox&" + period);
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.Json().at("transactions").at("count").as_int64(), sandbox_count);
    server_->SetClockOffset(0);
}

TEST_F(ReportsTest, BadParametersAre422NamingTheField) {
    Session viewer = server_->MustLogin(server_->role_email.at("VIEWER"));
    Session admin = server_->MustLogin(server_->admin_email);
    auto field = [](const HttpResponse& res) {
        EXPECT_EQ(res.status, 422) << res.body;
        EXPECT_EQ(res.Code(), "validation_failed");
        auto body = res.Json();
        return body.as_object().contains("errors") ? Str(body.at("errors").as_array().at(0), "field") : "";
    };
    EXPECT_EQ(field(server_->As(viewer, "GET", "/api/v1/dashboard?from=yesterday")), "from");
    EXPECT_EQ(field(server_->As(viewer, "GET", "/api/v1/dashboard?environment=staging")), "environment");
    EXPECT_EQ(field(server_->As(viewer, "GET", "/api/v1/dashboard?bucket=week")), "bucket");
    EXPECT_EQ(field(server_->As(viewer, "GET",
                                "/api/v1/reports/summary?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")),
              "to");
    EXPECT_EQ(field(server_->As(admin, "GET", "/api/v1/reports/export?kind=everything")), "kind");
    EXPECT_EQ(field(server_->As(admin, "GET", "/api/v1/reports/export?kind=alerts&format=xlsx")), "format");
    EXPECT_EQ(field(server_->As(admin, "GET", "/api/v1/reports/export?kind=alerts&from=2026-13-01")), "from");
}

TEST_F(ReportsTest, CsvExportQuotesKeepsUnicodeNeutralisesFormulasAndIsAudited) {
    Session admin = server_->MustLogin(server_->admin_email);
    const std::map<std::string, std::string> names = {
        {"csv-formula", "=cmd|' /C calc'!A0"},
        {"csv-quotes", "Zoë \"Ärger\", Müller & Söhne — 東京"},
        {"csv-plus", "+49 Handel"},
        {"csv-at", "@SUM(A1:A9)"},
    };
    json::array items;
    for (const auto& [external_id, name] : names)
        items.push_back(json::object{{"external_id", external_id},
                                     {"amount", "12.50"},
                                     {"currency", "EUR"},
                                     {"direction", "outbound"},
                                     {"account_id", "acc-csv"},
                                     {"counterparty", json::object{{"name", name}, {"country", "DE"}}},
                                     {"metadata", json::object{{"note", "-1 refund"}}}});
    Batch(*production_, items);

    const std::string from = FormatRfc3339((server_->ServerNow() - 300 * 24 * kHour) / kHour * kHour * 1'000'000);
    const std::string period = "from=" + from + "&to=" + FormatRfc3339((server_->ServerNow() + 60) * 1'000'000);
    auto res = server_->As(admin, "GET", "/api/v1/reports/export?kind=transactions&format=csv&" + period);
    ASSERT_EQ(res.status, 200) << res.body.substr(0, 500);
    EXPECT_EQ(res.Header("Content-Type").value_or(""), "text/csv; charset=utf-8");
    EXPECT_EQ(res.Header("Transfer-Encoding").value_or(""), "chunked");
    const std::string disposition = res.Header("Content-Disposition").value_or("");
    std::string compact_from;
    for (char c : from)
        if (c != '-' && c != ':') compact_from += c;
    EXPECT_EQ(disposition.rfind("attachment; filename=\"watchtower-transactions-" + compact_from + "-", 0), 0u)
        << disposition;
    EXPECT_EQ(disposition.substr(disposition.size() - 5), ".csv\"") << disposition;
    EXPECT_EQ(res.Header("X-Request-Id").has_value(), true);
    auto records = ParseCsv(res.body);
    ASSERT_GE(records.size(), names.size() + 1);
    const auto& header = records.front();
    auto column = [&](const std::string& name) {
        return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
    };
    ASSERT_LT(column("counterparty_name"), header.size());
    std::map<std::string, std::string> exported;
    std::string metadata;
    for (std::size_t idx = 1; idx < records.size(); ++idx) {
        ASSERT_EQ(records[idx].size(), header.size());
        if (names.count(records[idx][column("external_id")])) {
            exported[records[idx][column("external_id")]] = records[idx][column("counterparty_name")];
            EXPECT_EQ(records[idx][column("amount")], "12.50");
            metadata = records[idx][column("metadata")];
        }
    }
    EXPECT_EQ(exported.at("csv-formula"), "'=cmd|' /C calc'!A0");
    EXPECT_EQ(exported.at("csv-quotes"), "Zoë \"Ärger\", Müller & Söhne — 東京");
    EXPECT_EQ(exported.at("csv-plus"), "'+49 Handel");
    EXPECT_EQ(exported.at("csv-at"), "'@SUM(A1:A9)");
    EXPECT_EQ(metadata, R"({"note":"-1 refund"})");
    // The raw bytes: the formula cell is not quoted (nothing to quote) and carries the apostrophe.
    EXPECT_NE(res.body.find(",'=cmd|' /C calc'!A0,"), std::string::npos);

    // Audited before streaming, with the period and kind.
    auto entries = server_->AuditEntries(admin, "report.exported");
    ASSERT_FALSE(entries.empty());
    const auto& details = entries.at(0).at("details");
    EXPECT_EQ(Str(details, "kind"), "transactions");
    EXPECT_EQ(Str(details, "from"), from);
    EXPECT_EQ(Str(details, "environment"), "production");

    // Alerts export too: a note over several lines, with a comma and quotes, is one quoted field.
    auto alerts = All(admin, "/api/v1/alerts?environment=production&status=open");
    ASSERT_FALSE(alerts.empty());
    const std::string note = "line one, \"quoted\"\r\nline two\n=not a formula here";
    res = server_->As(admin, "PATCH", "/api/v1/alerts/" + Str(alerts[0], "id"),
                      json::serialize(json::object{{"status", "closed"}, {"disposition", "duplicate"}, {"note", note}}));
    ASSERT_EQ(res.status, 200) << res.body;
    res = server_->As(admin, "GET", "/api/v1/reports/export?kind=alerts&" + period);
    ASSERT_EQ(res.status, 200) << res.body.substr(0, 500);
    EXPECT_EQ(res.body.rfind("id,created_at,environment,rule_id,", 0), 0u);
    bool found_note = false;
    for (const auto& record : ParseCsv(res.body))
        if (!record.empty() && record[0] == Str(alerts[0], "id")) found_note = record.at(11) == note;
    EXPECT_TRUE(found_note) << "the note comes back whole";
    // The audit log export holds the export's own entry.
    Session lead = server_->MustLogin(server_->role_email.at("RISK_LEAD"));
    res = server_->As(lead, "GET", "/api/v1/reports/export?kind=audit&" + period);
    ASSERT_EQ(res.status, 200) << res.body.substr(0, 500);
    EXPECT_EQ(res.body.rfind("id,at,actor_type,actor_id,action,target,ip,user_agent,details\r\n", 0), 0u);
    EXPECT_NE(res.body.find(",report.exported,report:alerts,"), std::string::npos);
}

TEST_F(ReportsTest, ExportsAreRefusedToAnalystsAndViewersWhoStillReadTheDashboard) {
    for (const char* role : {"ANALYST", "VIEWER"}) {
        Session session = server_->MustLogin(server_->role_email.at(role));
        for (const char* kind : {"transactions", "alerts", "cases", "audit"}) {
            auto res = server_->As(session, "GET", std::string("/api/v1/reports/export?kind=") + kind);
            EXPECT_EQ(res.status, 403) << role << " " << kind << ": " << res.body;
            EXPECT_EQ(res.Code(), "forbidden");
            EXPECT_EQ(res.body.find("id,"), std::string::npos);
        }
        EXPECT_EQ(server_->As(session, "GET", "/api/v1/dashboard").status, 200) << role;
        EXPECT_EQ(server_->As(session, "GET", "/api/v1/reports/summary").status, 200) << role;
    }
    // Another organization's admin exports nothing of Acme's.
    Session other = server_->MustLogin(server_->other_admin_email);
    auto res = server_->As(other, "GET", "/api/v1/reports/export?kind=transactions&from=2026-01-01T00:00:00Z");
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(ParseCsv(res.body).size(), 1u) << "the header row only";
    res = server_->As(other, "GET", "/api/v1/dashboard");
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ(res.Json().at("transactions").at("count").as_int64(), 0);
}

// Cases in the summary (opened, closed by resolution, SARs) and in the dashboard's open work.
TEST_F(ReportsTest, CasesAreCountedInTheSummaryAndOpenWork) {
    Session admin = server_->MustLogin(server_->admin_email);
    const std::string lead_id = server_->role_user_id.at("RISK_LEAD");
    // Three alerts of its own ("rep big": amount > 1000).
    std::vector<std::string> alert_ids;
    for (int idx = 0; idx < 3; ++idx) {
        auto res = server_->Call("POST", "/api/v1/transactions",
                                 json::serialize(json::object{{"external_id", fmt::format("case-src-{}", idx)},
                                                              {"amount", "5000.00"},
                                                              {"currency", "USD"},
                                                              {"direction", "outbound"},
                                                              {"account_id", fmt::format("acc-case-{}", idx)}}),
                                 {{"Authorization", "Bearer " + production_->key}});
        ASSERT_EQ(res.status, 201) << res.body;
        const json::value body = res.Json();
        ASSERT_FALSE(body.at("alerts").as_array().empty()) << res.body;
        alert_ids.push_back(Str(body.at("alerts").as_array()[0], "id"));
    }
    auto summary = [&]() {
        auto res = server_->As(admin, "GET", "/api/v1/reports/summary");
        EXPECT_EQ(res.status, 200) << res.body;
        return res.Json();
    };
    const json::value before = summary();
    std::vector<std::string> case_ids;
    for (std::size_t idx = 0; idx < 3; ++idx) {
        json::object body{{"title", fmt::format("report case {}", idx)},
                          {"alert_ids", json::array{json::value(alert_ids[idx])}}};
        if (idx == 2) body["assignee_id"] = lead_id;
        auto res = server_->As(admin, "POST", "/api/v1/cases", json::serialize(body));
        ASSERT_EQ(res.status, 201) << res.body;
        case_ids.push_back(Str(res.Json(), "id"));
    }
    for (const auto& [idx, resolution] : {std::pair{0, "sar_filed"}, std::pair{1, "no_action"}}) {
        auto res = server_->As(admin, "POST", "/api/v1/cases/" + case_ids[idx] + "/close",
                               json::serialize(json::object{{"resolution", resolution}, {"note", "done"}}));
        ASSERT_EQ(res.status, 200) << res.body;
    }
    const json::value after = summary();
    const auto& cases_before = before.at("cases");
    const auto& cases_after = after.at("cases");
    EXPECT_EQ(cases_after.at("opened").as_int64() - cases_before.at("opened").as_int64(), 3);
    EXPECT_EQ(cases_after.at("closed").at("total").as_int64() - cases_before.at("closed").at("total").as_int64(), 2);
    EXPECT_EQ(cases_after.at("sar_filed").as_int64() - cases_before.at("sar_filed").as_int64(), 1);
    std::map<std::string, long long> by_resolution;
    for (const auto& entry : cases_after.at("closed").at("by_resolution").as_array())
        by_resolution[Str(entry, "resolution")] = entry.at("count").as_int64();
    EXPECT_GE(by_resolution["sar_filed"], 1);
    EXPECT_GE(by_resolution["no_action"], 1);

    auto res = server_->As(admin, "GET", "/api/v1/dashboard");
    ASSERT_EQ(res.status, 200) << res.body;
    const json::value dashboard = res.Json();
    long long lead_open = -1;
    for (const auto& entry : dashboard.at("open_work").at("cases").at("by_assignee").as_array())
        if (Str(entry, "assignee_id") == lead_id) lead_open = entry.at("open").as_int64();
    EXPECT_EQ(lead_open, 1) << json::serialize(dashboard.at("open_work"));
    long long open_cases = 0;
    for (const auto& item : All(admin, "/api/v1/cases?environment=production"))
        if (Str(item, "status") != "closed") ++open_cases;
    EXPECT_EQ(dashboard.at("open_work").at("cases").at("open").as_int64(), open_cases);

    // And in the cases export, one record each with its resolution.
    res = server_->As(admin, "GET", "/api/v1/reports/export?kind=cases");
    ASSERT_EQ(res.status, 200) << res.body.substr(0, 300);
    auto records = ParseCsv(res.body);
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records[0].at(0), "id");
    std::map<std::string, std::string> resolution_of;
    for (std::size_t idx = 1; idx < records.size(); ++idx) resolution_of[records[idx].at(0)] = records[idx].at(7);
    EXPECT_EQ(resolution_of.at(case_ids[0]), "sar_filed");
    EXPECT_EQ(resolution_of.at(case_ids[1]), "no_action");
    EXPECT_EQ(resolution_of.at(case_ids[2]), "");
}

// Day buckets are days of the organization's time zone (Etc/GMT+5 is UTC-5 all year: its days
// start at 05:00Z), recomputed from the stored rows; a zone with a half-hour offset falls back to
// UTC days and says so.
TEST_F(ReportsTest, DayBucketsAreDaysOfTheOrganizationsTimeZone) {
    Session admin = server_->MustLogin(server_->admin_email);
    const long long now = server_->ServerNow();
    json::array items;
    for (int idx = 0; idx < 60; ++idx)
        items.push_back(json::object{{"external_id", fmt::format("tz-{}", idx)},
                                     {"amount", "3.00"},
                                     {"currency", "CHF"},
                                     {"direction", "inbound"},
                                     {"account_id", "acc-tz"},
                                     {"occurred_at", FormatRfc3339((now - idx * 5400) * 1'000'000)}});
    Batch(*production_, items);
    auto set_zone = [&](const std::string& zone) {
        auto res = server_->As(admin, "PATCH", "/api/v1/orgs/current",
                               json::serialize(json::object{{"settings", json::object{{"time_zone", zone}}}}));
        ASSERT_EQ(res.status, 200) << res.body;
    };
    constexpr long long kDay = 24 * kHour;
    const long long from = ((now - 5 * kHour) / kDay - 4) * kDay + 5 * kHour;  // a New York-ish midnight
    const long long to = from + 5 * kDay;
    const std::string period = "from=" + FormatRfc3339(from * 1'000'000) + "&to=" + FormatRfc3339(to * 1'000'000) +
                               "&bucket=day";
    // The CHF transactions by local day, from the stored rows.
    std::map<long long, long long> expected_local;
    std::map<long long, long long> expected_utc;
    for (const auto& tx : All(admin, "/api/v1/transactions?environment=production&" + period.substr(0, period.find("&bucket")))) {
        if (Str(tx, "currency") != "CHF") continue;
        const long long at = Seconds(Str(tx, "occurred_at"));
        ++expected_local[(at - 5 * kHour) / kDay * kDay + 5 * kHour];
        ++expected_utc[at / kDay * kDay];
    }
    ASSERT_GE(expected_local.size(), 3u);
    auto chf_series = [&](const json::value& dashboard) {
        std::map<long long, long long> got;
        for (const auto& entry : dashboard.at("series").as_array())
            if (Str(entry, "currency") == "CHF") got[Seconds(Str(entry, "start"))] += entry.at("count").as_int64();
        return got;
    };

    set_zone("Etc/GMT+5");
    auto res = server_->As(admin, "GET", "/api/v1/dashboard?" + period);
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(Str(res.Json(), "time_zone"), "Etc/GMT+5");
    EXPECT_EQ(chf_series(res.Json()), expected_local);

    set_zone("Asia/Kolkata");  // +05:30: an hourly rollup would straddle two local days
    res = server_->As(admin, "GET", "/api/v1/dashboard?" + period);
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(Str(res.Json(), "time_zone"), "UTC");
    EXPECT_EQ(chf_series(res.Json()), expected_utc);
    set_zone("UTC");
}

// 100,000 rows of about 500 bytes (50 MB of CSV) while the server's peak resident memory may grow
// by at most 16 MiB: one page of 1,000 rows (~0.5 MB of CSV plus its rows), SQLite's page cache of
// the reading connection (2 MB by default) and allocator slack fit several times; a server that
// built the body would need the 50 MB at least.
TEST_F(ReportsTest, AHundredThousandRowExportStreamsInBoundedServerMemory) {
    Session admin = server_->MustLogin(server_->admin_email);
    const std::string name = "Big " + std::string(180, 'x');
    const std::string memo(150, 'y');
    constexpr int kRows = 100'000;
    for (int batch_idx = 0; batch_idx < kRows / 1000; ++batch_idx) {
        json::array items;
        for (int item_idx = 0; item_idx < 1000; ++item_idx)
            items.push_back(json::object{{"external_id", fmt::format("big-{}-{}", batch_idx, item_idx)},
                                         {"amount", "1.00"},
                                         {"currency", "USD"},
                                         {"direction", "inbound"},
                                         {"account_id", "acc-big"},
                                         {"counterparty", json::object{{"name", name}}},
                                         {"metadata", json::object{{"memo", memo}}},
                                         {"occurred_at", "2025-06-01T12:00:00Z"}});
        Batch(*sandbox_, items);
    }
    const int pid = server_->pid();
    {
        std::ofstream reset("/proc/" + std::to_string(pid) + "/clear_refs");
        reset << "5" << std::flush;  // resets VmHWM to the current resident size
        ASSERT_TRUE(reset.good()) << "cannot reset the server's peak memory (/proc/<pid>/clear_refs)";
    }
    const long long rss_before = ProcStatusKib(pid, "VmRSS");
    ASSERT_GT(rss_before, 0);
    auto res = server_->As(admin, "GET",
                           "/api/v1/reports/export?kind=transactions&environment=sandbox&from=2025-06-01T00:00:00Z&to="
                           "2025-06-02T00:00:00Z");
    ASSERT_EQ(res.status, 200) << res.body.substr(0, 300);
    const long long peak_after = ProcStatusKib(pid, "VmHWM");
    const auto lines = std::count(res.body.begin(), res.body.end(), '\n');
    EXPECT_EQ(lines, kRows + 1);
    EXPECT_GT(res.body.size(), 45'000'000u);
    // Under AddressSanitizer freed blocks sit in its quarantine (up to 256 MiB) instead of being
    // reused, so resident memory measures the allocations made, not the memory held: the bound is
    // checked by the normal build (`make test`), the sanitizer build checks the rest.
#if defined(__SANITIZE_ADDRESS__)
    constexpr bool kMemoryIsMeasurable = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    constexpr bool kMemoryIsMeasurable = false;
#else
    constexpr bool kMemoryIsMeasurable = true;
#endif
#else
    constexpr bool kMemoryIsMeasurable = true;
#endif
    if (kMemoryIsMeasurable) {
        EXPECT_LT(peak_after - rss_before, 16 * 1024) << "peak grew by " << (peak_after - rss_before) << " KiB";
    }
    std::printf("[reports] %zu CSV bytes, server peak resident memory grew by %lld KiB\n", res.body.size(),
                peak_after - rss_before);
}

}  // namespace
}  // namespace wt::integration
