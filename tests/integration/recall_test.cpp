// SPDX-License-Identifier: Apache-2.0
// Detection quality of the starter pack (docs/rules-language.md "Starter pack: detection on
// simulated traffic"): `watchtower simulate` sends labelled traffic to a real server whose
// organization enabled the starter pack; the ground truth (--truth) says which transactions belong
// to which pattern instance. Every pattern must be detected (a hit of an active rule on at least
// one of an instance's suspicious transactions) in at least 95 % of its instances, and fewer than
// 2 % of the ordinary transactions may raise an alert (or be hit at all). A hit counts as a
// detection even when the rule's suppression window kept it from raising a second alert: the
// alert already open for that account covers it (the table reports alerts separately). The traffic is sent in order (one connection, batches
// of 100), so the run is deterministic: the same seed gives the same table.
#include <gtest/gtest.h>

#include <iostream>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace wt::integration {
namespace {

constexpr int kCount = 20000;
constexpr double kMinRecall = 0.95;
constexpr double kMaxNormalAlerted = 0.02;

std::string Rfc3339Minus(std::chrono::seconds back) {
    std::time_t at = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - back);
    std::tm utc{};
    gmtime_r(&at, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// Every page of a console list route, as its `data` rows.
std::vector<boost::json::object> AllPages(const Server& server, const Session& session, const std::string& route) {
    std::vector<boost::json::object> rows;
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {
        std::string target = route + (route.find('?') == std::string::npos ? "?" : "&") + "limit=500";
        if (!cursor.empty()) target += "&cursor=" + cursor;
        auto res = server.As(session, "GET", target);
        if (res.status != 200) {
            ADD_FAILURE() << target << " answered " << res.status << " " << res.body;
            return rows;
        }
        auto body = res.Json().as_object();
        for (const auto& row : body.at("data").as_array()) rows.push_back(row.as_object());
        if (body.at("next_cursor").is_null()) return rows;
        cursor = std::string(body.at("next_cursor").as_string());
    }
    ADD_FAILURE() << "more than 1000 pages of " << route;
    return rows;
}

struct PatternScore {
    int instances = 0;
    int detected = 0;            // instances with a hit on a suspicious transaction
    int alerted = 0;             // instances with an alert on a suspicious transaction
    int suspicious = 0;          // suspicious transactions of the pattern
    int suspicious_hit = 0;      // of those, hit by a rule
};

TEST(RecallTest, StarterPackDetectsEverySimulatedPatternWithFewFalseAlerts) {
    ServerConfig config;
    config.members = false;
    Server server(config);
    server.Start();
    auto admin = server.MustLogin(server.admin_email);
    auto key = server.CreateApiKey(admin, "production", {}, "recall test");
    auto enabled = server.As(admin, "POST", "/api/v1/rules/starter-pack", "{}");
    ASSERT_EQ(enabled.status, 201) << enabled.body;
    ASSERT_EQ(enabled.Json().at("created").as_array().size(), 8u) << enabled.body;

    const std::string truth_path = server.data_dir() + "/truth.jsonl";
    auto sent = RunWatchtower({"simulate", "--url", server.BaseUrl(), "--api-key", key.key, "--rate", "max", "--count",
                               std::to_string(kCount), "--batch", "100", "--concurrency", "1", "--pattern-rate", "0.1",
                               "--seed", "7", "--start", Rfc3339Minus(std::chrono::seconds(60)), "--truth", truth_path,
                               "--quiet", "--json"},
                              {}, std::chrono::minutes(5));
    ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
    ASSERT_EQ(boost::json::parse(sent.out).at("transactions").at("accepted").to_number<std::int64_t>(), kCount)
        << sent.out;

    // What the server stored and alerted, through the console API.
    std::map<std::string, std::string> external_of;  // transaction id -> external id
    for (const auto& row : AllPages(server, admin, "/api/v1/transactions"))
        external_of[std::string(row.at("id").as_string())] = std::string(row.at("external_id").as_string());
    ASSERT_EQ(external_of.size(), static_cast<std::size_t>(kCount));
    std::set<std::string> alerted;  // external ids
    std::map<std::string, std::map<std::string, int>> alerts_by_rule;  // rule -> kind of traffic -> alerts
    std::map<std::string, std::string> kind_of;                        // external id -> pattern (from the truth)

    // The ground truth.
    std::map<std::string, PatternScore> scores;
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, bool>>>> instances;
    std::ifstream truth(truth_path);
    ASSERT_TRUE(truth.good()) << truth_path;
    std::string line;
    while (std::getline(truth, line)) {
        auto entry = boost::json::parse(line).as_object();
        if (entry.at("type").as_string() != "instance") continue;
        std::string pattern(entry.at("pattern").as_string());
        std::vector<std::pair<std::string, bool>> members;
        for (const auto& member : entry.at("transactions").as_array()) {
            std::string external_id(member.at("external_id").as_string());
            members.emplace_back(external_id, member.at("suspicious").as_bool());
            kind_of[external_id] = pattern;
        }
        instances.emplace_back(pattern, std::move(members));
    }
    std::set<std::string> hit;  // external ids
    auto rules = AllPages(server, admin, "/api/v1/rules");
    ASSERT_EQ(rules.size(), 8u);
    for (const auto& rule : rules)
        for (const auto& row : AllPages(server, admin, "/api/v1/rules/" + std::string(rule.at("id").as_string()) + "/hits"))
            hit.insert(std::string(row.at("external_id").as_string()));
    for (const auto& alert : AllPages(server, admin, "/api/v1/alerts")) {
        const std::string& external_id = external_of[std::string(alert.at("transaction_id").as_string())];
        ASSERT_FALSE(external_id.empty()) << "an alert on an unknown transaction: " << Dump(alert);
        alerted.insert(external_id);
        auto kind = kind_of.find(external_id);
        ++alerts_by_rule[std::string(alert.at("rule_name").as_string())]
                        [kind == kind_of.end() ? "ordinary" : kind->second];
    }

    for (const auto& [pattern, members] : instances) {
        PatternScore& score = scores[pattern];
        ++score.instances;
        bool detected = false, with_alert = false;
        for (const auto& [external_id, suspicious] : members) {
            if (!suspicious) continue;
            ++score.suspicious;
            if (hit.count(external_id)) {
                ++score.suspicious_hit;
                detected = true;
            }
            with_alert = with_alert || alerted.count(external_id) > 0;
        }
        if (detected) ++score.detected;
        if (with_alert) ++score.alerted;
        EXPECT_TRUE(!with_alert || detected) << "an alert without a hit";
    }
    int ordinary = 0, ordinary_alerted = 0, ordinary_hit = 0;
    for (const auto& [id, external_id] : external_of) {
        if (kind_of.count(external_id)) continue;
        ++ordinary;
        if (alerted.count(external_id)) ++ordinary_alerted;
        if (hit.count(external_id)) ++ordinary_hit;
    }

    // The confusion table (copied into docs/rules-language.md).
    std::ostringstream table;
    table << std::fixed << std::setprecision(1);
    table << "| traffic | instances | detected (hit) | recall | with an alert | transactions | hit |\n"
          << "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (const auto& [pattern, score] : scores)
        table << "| " << pattern << " | " << score.instances << " | " << score.detected << " | "
              << (100.0 * score.detected / std::max(1, score.instances)) << " % | " << score.alerted << " | "
              << score.suspicious << " | " << score.suspicious_hit << " |\n";
    table << "| ordinary | | | | " << ordinary_alerted << " alerted ("
          << std::setprecision(2) << (100.0 * ordinary_alerted / std::max(1, ordinary)) << " %) | " << ordinary << " | " << ordinary_hit
          << " |\n\n| rule | alerts on |\n| --- | --- |\n";
    for (const auto& [rule, kinds] : alerts_by_rule) {
        table << "| " << rule << " |";
        for (const auto& [kind, count] : kinds) table << " " << kind << " " << count << ";";
        table << " |\n";
    }
    std::cout << table.str();

    ASSERT_EQ(scores.size(), 7u) << "every pattern of the simulator appears\n" << table.str();
    for (const auto& [pattern, score] : scores) {
        EXPECT_GE(score.instances, 20) << pattern << ": too few instances to measure";
        EXPECT_GE(static_cast<double>(score.detected), kMinRecall * score.instances)
            << pattern << " recall below 95 %\n"
            << table.str();
    }
    EXPECT_GT(ordinary, kCount / 2);
    EXPECT_LT(static_cast<double>(ordinary_alerted), kMaxNormalAlerted * ordinary)
        << "too many alerts on ordinary traffic\n"
        << table.str();
    EXPECT_LT(static_cast<double>(ordinary_hit), kMaxNormalAlerted * ordinary)
        << "too many hits on ordinary traffic\n"
        << table.str();
}

}  // namespace
}  // namespace wt::integration
