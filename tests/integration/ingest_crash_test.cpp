// SPDX-License-Identifier: Apache-2.0
// Crash safety of ingestion (docs/simulator.md "Crash test"): `watchtower simulate` loads a real
// server, the server is SIGKILLed mid-load and restarted on the same data directory. Every
// transaction the server acknowledged (200/201) must be stored; re-sending the same traffic must
// replay those (200, never 201) and leave exactly one row per external_id.
#include <gtest/gtest.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

constexpr std::uint64_t kSeed = 20261123;

std::string Rfc3339(std::chrono::system_clock::time_point at) {
    std::time_t seconds = std::chrono::system_clock::to_time_t(at);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// The sequence number of a simulator external_id `sim-<seed>-<n>`, or 0 for anything else.
std::uint64_t SeqOf(const std::string& external_id) {
    const std::string prefix = "sim-" + std::to_string(kSeed) + "-";
    if (external_id.rfind(prefix, 0) != 0) return 0;
    try {
        return std::stoull(external_id.substr(prefix.size()));
    } catch (const std::exception&) {
        return 0;
    }
}

struct ResultLine {
    std::uint64_t seq = 0;
    std::string external_id;
    int status = 0;
};

// The lines of a --results file (JSON lines); a line that does not parse is a test failure.
std::vector<ResultLine> ReadResults(const std::string& path) {
    std::vector<ResultLine> lines;
    std::istringstream in(ReadFile(path));
    std::string text;
    while (std::getline(in, text)) {
        if (text.empty()) continue;
        boost::system::error_code ec;
        auto value = json::parse(text, ec);
        if (ec || !value.is_object()) {
            ADD_FAILURE() << "bad line in " << path << ": " << text;
            continue;
        }
        ResultLine line;
        line.seq = value.at("seq").to_number<std::uint64_t>();
        line.external_id = std::string(value.at("external_id").as_string());
        line.status = static_cast<int>(value.at("status").to_number<std::int64_t>());
        lines.push_back(std::move(line));
    }
    return lines;
}

std::size_t CountLines(const std::string& path) {
    std::string content = ReadFile(path);
    return static_cast<std::size_t>(std::count(content.begin(), content.end(), '\n'));
}

// Every stored production external_id, paging GET /transactions (limit 500). Bounded.
std::vector<std::string> StoredExternalIds(const Server& server, const Session& admin) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {
        auto res =
            server.As(admin, "GET", "/api/v1/transactions?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor));
        EXPECT_EQ(res.status, 200) << res.body.substr(0, 300);
        if (res.status != 200) return ids;
        auto body = res.Json();
        for (const auto& row : body.at("data").as_array()) ids.emplace_back(row.at("external_id").as_string());
        if (body.at("next_cursor").is_null()) return ids;
        cursor = std::string(body.at("next_cursor").as_string());
    }
    ADD_FAILURE() << "more than 1000 pages of transactions";
    return ids;
}

std::vector<std::string> SimulateArgs(const Server& server, const std::string& key, const std::string& start,
                                      const std::string& results, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {
        "simulate", "--url",  server.BaseUrl(),      "--api-key", key,   "--rate",    "max",   "--concurrency",
        "16",       "--seed", std::to_string(kSeed), "--start",   start, "--results", results, "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

TEST(IngestCrashTest, EveryAcknowledgedTransactionSurvivesAKillAndNothingIsStoredTwice) {
    ServerConfig config;
    config.members = false;
    Server server(config);
    server.Start();
    auto admin = server.MustLogin(server.admin_email);
    auto key = server.CreateApiKey(admin, "production", {}, "crash test");
    const std::string start = Rfc3339(std::chrono::system_clock::now() - std::chrono::minutes(1));
    const std::string run1 = server.data_dir() + "/run1.jsonl";
    const std::string run2 = server.data_dir() + "/run2.jsonl";

    // Run 1: load at full speed, then kill -9 the server in the middle of it.
    BackgroundCommand load(SimulateArgs(server, key.key, start, run1, {"--duration", "30s"}));
    ASSERT_TRUE(PollUntil([&] { return CountLines(run1) >= 200 || load.Wait(0ms).has_value(); }, 20s))
        << "the simulator wrote no results within 20 s; stderr: " << load.Err();
    ASSERT_TRUE(load.running()) << "the simulator ended early: " << load.Out() << load.Err();
    std::this_thread::sleep_for(1500ms);  // the results file has been flushed; the load goes on
    server.Kill();
    std::this_thread::sleep_for(1s);  // the simulator sees refused connections
    load.Signal(SIGTERM);             // drains: what was in flight gets its line
    auto load_exit = load.Wait(10s);
    if (!load_exit) {
        ADD_FAILURE() << "the simulator did not stop within 10 s of SIGTERM";
        load.Signal(SIGKILL);
        load_exit = load.Wait(10s);
    }
    EXPECT_EQ(load_exit, 0) << "stdout: " << load.Out() << "\nstderr: " << load.Err();
    const bool drained = load_exit == 0;

    auto first = ReadResults(run1);
    std::set<std::string> acknowledged;
    std::uint64_t max_seq = 0;
    std::size_t unanswered = 0;
    for (const auto& line : first) {
        EXPECT_EQ(SeqOf(line.external_id), line.seq) << line.external_id;
        max_seq = std::max(max_seq, line.seq);
        if (line.status == 200 || line.status == 201) acknowledged.insert(line.external_id);
        if (line.status == 0) ++unanswered;
    }
    ASSERT_GE(acknowledged.size(), 100u) << "too little load before the kill to test anything";
    EXPECT_GT(unanswered, 0u) << "no request was cut by the kill: it happened under load, some must be";
    std::cerr << "[crash test] run 1: " << first.size() << " sent, " << acknowledged.size() << " acknowledged, "
              << unanswered << " unanswered\n";

    // Restart on the same data directory: every acknowledged transaction is there, once.
    server.Start();
    admin = server.MustLogin(server.admin_email);
    auto stored = StoredExternalIds(server, admin);
    std::set<std::string> stored_set(stored.begin(), stored.end());
    EXPECT_EQ(stored_set.size(), stored.size()) << "an external_id is stored twice";
    std::size_t lost = 0;
    for (const auto& external_id : acknowledged) {
        if (!stored_set.count(external_id)) {
            if (++lost <= 10) ADD_FAILURE() << "acknowledged but not stored after the crash: " << external_id;
        }
    }
    EXPECT_EQ(lost, 0u) << "acknowledged transactions lost by the crash";
    std::set<std::string> sent;
    for (const auto& line : first) sent.insert(line.external_id);
    for (const auto& external_id : stored) {
        std::uint64_t seq = SeqOf(external_id);
        EXPECT_NE(seq, 0u) << "a row the simulator did not send: " << external_id;
        max_seq = std::max(max_seq, seq);
        if (drained) {
            EXPECT_TRUE(sent.count(external_id)) << "stored but never sent (no results line): " << external_id;
        }
    }

    // Run 2: the same traffic (same seed and start, the count covering every transaction run 1
    // touched). Acknowledged ones must replay; all must end up stored exactly once.
    auto again =
        RunWatchtower(SimulateArgs(server, key.key, start, run2, {"--count", std::to_string(max_seq)}), {}, 90s);
    ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
    auto second = ReadResults(run2);
    EXPECT_EQ(second.size(), max_seq);
    std::map<std::string, int> second_status;
    for (const auto& line : second) {
        EXPECT_TRUE(second_status.emplace(line.external_id, line.status).second) << "sent twice: " << line.external_id;
        EXPECT_TRUE(line.status == 200 || line.status == 201) << line.external_id << " answered " << line.status;
    }
    std::size_t created_again = 0;
    for (const auto& external_id : acknowledged) {
        auto it = second_status.find(external_id);
        if (it == second_status.end()) {
            ADD_FAILURE() << "not re-sent: " << external_id;
        } else if (it->second != 200 && ++created_again <= 10) {
            ADD_FAILURE() << external_id << " was acknowledged before the crash but answered " << it->second
                          << " on the replay (201 means it had not been stored)";
        }
    }
    EXPECT_EQ(created_again, 0u);
    for (const auto& external_id : stored_set) {
        auto it = second_status.find(external_id);
        if (it != second_status.end()) {
            EXPECT_EQ(it->second, 200) << "stored before run 2: " << external_id;
        }
    }

    auto final_rows = StoredExternalIds(server, admin);
    std::set<std::string> final_set(final_rows.begin(), final_rows.end());
    EXPECT_EQ(final_rows.size(), max_seq) << "one row per transaction sent";
    EXPECT_EQ(final_set.size(), final_rows.size()) << "an external_id is stored twice";
    for (std::uint64_t seq = 1; seq <= max_seq; ++seq) {
        char external_id[64];
        std::snprintf(external_id, sizeof external_id, "sim-%llu-%010llu", static_cast<unsigned long long>(kSeed),
                      static_cast<unsigned long long>(seq));
        if (!final_set.count(external_id)) {
            ADD_FAILURE() << "missing after run 2: " << external_id;
            break;
        }
    }

    EXPECT_EQ(server.Stop(), 0);
    auto leaked = server.LeakedSecrets();
    EXPECT_TRUE(leaked.empty()) << "secret in the logs: " << leaked.front();
}

}  // namespace
}  // namespace wt::integration
