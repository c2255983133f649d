// SPDX-License-Identifier: Apache-2.0
// The load driver and the command against an in-process Beast server on 127.0.0.1 (a random
// port): exact request counts, headers, batching, the results and truth files, reconnection,
// time bounds and "could not connect". Every test is bounded in time and stays on loopback.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "simulate/detail/answer_fields.hpp"
#include "simulate/detail/request_text.hpp"
#include "simulate/generator.hpp"
#include "simulate/simulate.hpp"

namespace wt::simulate {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Seen {
    std::string method;
    std::string target;
    std::string authorization;
    std::string content_type;
    std::string idempotency_key;
    std::string body;
};

// A server that records every request and answers like the ingestion API would, or misbehaves.
class FakeServer {
  public:
    enum class Mode {
        kAnswer,        // 201 per transaction (200 + results for batches)
        kDropSilently,  // every `every`-th request: close without a byte of answer
        kBreakAnswer,   // every `every`-th request: half a status line, then close
        kNeverAnswer,   // read requests, answer nothing
        kMarkReplays,   // every `every`-th answer: 201 with Idempotent-Replayed: true (twice), then
                        // Connection: close
    };

    explicit FakeServer(Mode mode = Mode::kAnswer, int every = 0) : mode_(mode), every_(every), acceptor_(io_) {
        tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        asio::co_spawn(io_, Accept(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~FakeServer() {
        io_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::vector<Seen> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

  private:
    asio::awaitable<void> Accept() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
            if (ec) co_return;
            asio::co_spawn(io_, Serve(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> Serve(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> request;
            auto [ec, bytes] = co_await http::async_read(stream, buffer, request, kTuple);
            if (ec) co_return;
            std::size_t number = 0;
            {
                std::lock_guard lock(mutex_);
                seen_.push_back({std::string(request.method_string()), std::string(request.target()),
                                 std::string(request[http::field::authorization]),
                                 std::string(request[http::field::content_type]),
                                 std::string(request["Idempotency-Key"]), request.body()});
                number = seen_.size();
            }
            bool misbehave = every_ > 0 && number % static_cast<std::size_t>(every_) == 0;
            if (mode_ == Mode::kNeverAnswer) continue;
            if (misbehave && mode_ == Mode::kDropSilently) co_return;
            if (misbehave && mode_ == Mode::kBreakAnswer) {
                std::string half = "HTTP/1.1 20";
                co_await asio::async_write(stream, asio::buffer(half), kTuple);
                co_return;
            }
            http::response<http::string_body> response;
            response.version(11);
            response.set(http::field::content_type, "application/json");
            boost::json::object answer;
            if (request.target().ends_with("/batch")) {
                response.result(http::status::ok);
                boost::json::array results;
                auto batch = boost::json::parse(request.body());
                for (const auto& item : batch.at("transactions").as_array()) {
                    results.push_back(
                        {{"status", 201},
                         {"transaction", {{"external_id", item.at("external_id")}, {"decision", "review"}}}});
                }
                answer["results"] = std::move(results);
            } else {
                response.result(http::status::created);
                answer["id"] = "txn_" + std::to_string(number);
                answer["external_id"] = boost::json::parse(request.body()).at("external_id");
                answer["decision"] = "allow";
            }
            response.body() = boost::json::serialize(answer);
            bool keep_alive = request.keep_alive();
            if (misbehave && mode_ == Mode::kMarkReplays) {
                response.insert("Idempotent-Replayed", "TRUE");
                response.insert("Idempotent-Replayed", "false");
                keep_alive = false;
            }
            response.keep_alive(keep_alive);
            response.prepare_payload();
            auto [write_ec, written] = co_await http::async_write(stream, response, kTuple);
            if (write_ec || !keep_alive) co_return;
        }
    }

    Mode mode_;
    int every_;
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<Seen> seen_;
};

class TempFiles {
  public:
    TempFiles() {
        dir_ = std::filesystem::temp_directory_path() /
               ("wt-simulate-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
        std::filesystem::create_directories(dir_);
    }
    ~TempFiles() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

  private:
    static inline int counter_ = 0;
    std::filesystem::path dir_;
};

std::vector<boost::json::object> ReadLines(const std::string& path) {
    std::vector<boost::json::object> lines;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) lines.push_back(boost::json::parse(line).as_object());
    return lines;
}

SimulateOptions Options(const std::string& url, std::uint64_t count) {
    SimulateArgs args;
    args.url = url;
    args.api_key = "wt_test_k3y";
    args.rate = "max";
    args.count = std::to_string(count);
    args.concurrency = "4";
    args.seed = "99";
    args.start = "2026-11-23T12:00:00Z";
    args.quiet = true;
    args.json = true;
    auto options = ResolveOptions(args, *ParseRfc3339("2026-11-23T12:00:00Z"), 1);
    EXPECT_TRUE(options.ok());
    return *options;
}

struct Ran {
    int exit_code = -1;
    std::string out;
    std::string err;
    boost::json::object summary;
    double seconds = 0;
};

Ran RunIt(const SimulateOptions& options) {
    std::ostringstream out, err;
    Ran ran;
    auto began = std::chrono::steady_clock::now();
    ran.exit_code = RunSimulate(options, out, err);
    ran.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    ran.out = out.str();
    ran.err = err.str();
    if (options.json && ran.exit_code == 0) ran.summary = boost::json::parse(ran.out).as_object();
    return ran;
}

std::uint64_t Get(const boost::json::object& summary, std::string_view group, std::string_view key) {
    return boost::json::value_to<std::uint64_t>(summary.at(group).as_object().at(key));
}

// The request as the driver built it with Beast before it wrote the bytes itself (kept here, for
// this comparison only).
std::string BeastRequest(const std::string& target, const Endpoint& endpoint, const std::string& api_key,
                         const std::vector<Outgoing>& items, bool batch) {
    http::request<http::string_body> request{http::verb::post, target, 11};
    request.set(http::field::host, endpoint.HostHeader());
    request.set(http::field::user_agent, "watchtower-simulate");
    request.set(http::field::authorization, "Bearer " + api_key);
    request.set(http::field::content_type, "application/json");
    request.set(http::field::accept, "application/json");
    request.keep_alive(true);
    if (batch) {
        std::string body = "{\"transactions\":[";
        for (std::size_t idx = 0; idx < items.size(); ++idx) body += (idx > 0 ? "," : "") + items[idx].body;
        request.body() = body + "]}";
    } else {
        request.set("Idempotency-Key", items.front().idempotency_key);
        request.body() = items.front().body;
    }
    request.prepare_payload();
    std::ostringstream out;
    out << request;
    return out.str();
}

TEST(DriverTest, RequestBytesAreThoseBeastWrote) {
    Generator generator([] {
        GeneratorOptions options;
        options.seed = 5;
        options.start = *ParseRfc3339("2026-11-23T12:00:00Z");
        return options;
    }());
    std::vector<Outgoing> items;
    for (int idx = 0; idx < 7; ++idx) {
        auto txn = generator.Next();
        items.push_back({txn->seq, txn->external_id, txn->idempotency_key, txn->body, -1});
    }
    for (const char* url : {"http://127.0.0.1:8080", "http://[::1]/prefix", "http://example.test:80/x/"}) {
        auto endpoint = *ParseUrl(url);
        for (bool batch : {false, true}) {
            std::string target = endpoint.path_prefix + (batch ? "/api/v1/transactions/batch" : "/api/v1/transactions");
            std::string head = detail::RequestHead(target, endpoint.HostHeader(), "wt_live_k3y");
            std::string written = "left over from the previous request";
            detail::WriteRequest(written, head, items, batch);
            EXPECT_EQ(written, BeastRequest(target, endpoint, "wt_live_k3y", items, batch)) << url << " " << batch;
            std::vector<Outgoing> one(items.begin(), items.begin() + 1);
            detail::WriteRequest(written, head, one, batch);
            EXPECT_EQ(written, BeastRequest(target, endpoint, "wt_live_k3y", one, batch)) << url << " " << batch;
        }
    }
}

// What the driver read from an answer with a Boost.JSON DOM before it used a SAX parser (kept
// here, for this comparison only).
detail::AnswerFields ReadAnswerWithTheDom(std::string_view text) {
    auto string_at = [](const boost::json::value* value, std::string_view key) {
        if (value == nullptr || !value->is_object()) return std::string();
        const auto* member = value->as_object().if_contains(key);
        return member != nullptr && member->is_string() ? std::string(member->as_string()) : std::string();
    };
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(text, ec);
    detail::AnswerFields fields;
    if (ec) return fields;
    fields.valid = true;
    fields.decision = string_at(&body, "decision");
    fields.code = string_at(&body, "code");
    const auto* results = body.is_object() ? body.as_object().if_contains("results") : nullptr;
    if (results == nullptr || !results->is_array()) return fields;
    fields.results.emplace();
    for (const auto& result : results->as_array()) {
        detail::AnswerItem item;
        if (result.is_object()) {
            const auto* status = result.as_object().if_contains("status");
            if (status != nullptr && status->is_int64()) item.status = status->as_int64();
            item.decision = string_at(result.as_object().if_contains("transaction"), "decision");
            item.code = string_at(result.as_object().if_contains("problem"), "code");
        }
        fields.results->push_back(std::move(item));
    }
    return fields;
}

TEST(DriverTest, AnswerFieldsAreThoseTheDomGave) {
    const std::vector<std::string> answers = {
        R"({"id":"txn_1","external_id":"x-1","decision":"allow","score":0,"alerts":[],"received_at":"t"})",
        R"({"type":"about:blank","code":"validation_failed","errors":[{"field":"amount","code":"bad"}]})",
        R"({"results":[{"status":201,"transaction":{"decision":"review","alerts":[{"decision":"x"}]}},)"
        R"({"status":422,"problem":{"code":"validation_failed","decision":"no"}},{"status":200,"transaction":{}}]})",
        R"({"results":[{"status":"201"},{"status":201.0},{"status":18446744073709551615},[],null,{"status":-5}]})",
        R"({"decision":"allow","decision":"block","code":"a","code":7})",
        R"({"results":[{"status":201}],"results":{"status":201}})",
        R"({"results":{},"results":[{"status":201,"status":409,"problem":{"code":"x"},"problem":{"code":"y"}}]})",
        R"({"results":[{"transaction":{"decision":"allow"},"transaction":"block","status":201}]})",
        R"({"deep":{"decision":"block","results":[{"status":500}]},"decision":"re\"vi\\ew \u00e9\ud83d\ude00"})",
        R"(  {"decision" : "allow" }  )",
        R"({"decision":"allow"} trailing)",
        R"({"decision":"allow")",
        R"(["decision","allow"])",
        R"("allow")",
        "",
        "not json",
        R"({"decision":"allow",})",
        std::string(40, '[') + std::string(40, ']'),
        "{\"decision\":\"\xff\"}",
    };
    for (const auto& answer : answers) {
        auto sax = detail::ReadAnswer(answer);
        auto dom = ReadAnswerWithTheDom(answer);
        EXPECT_EQ(sax.valid, dom.valid) << answer;
        EXPECT_EQ(sax.decision, dom.decision) << answer;
        EXPECT_EQ(sax.code, dom.code) << answer;
        ASSERT_EQ(sax.results.has_value(), dom.results.has_value()) << answer;
        if (!dom.results) continue;
        ASSERT_EQ(sax.results->size(), dom.results->size()) << answer;
        for (std::size_t idx = 0; idx < dom.results->size(); ++idx) {
            EXPECT_EQ((*sax.results)[idx].status, (*dom.results)[idx].status) << answer << " #" << idx;
            EXPECT_EQ((*sax.results)[idx].decision, (*dom.results)[idx].decision) << answer << " #" << idx;
            EXPECT_EQ((*sax.results)[idx].code, (*dom.results)[idx].code) << answer << " #" << idx;
        }
    }
    // And the answers above are not all alike: the comparison has something to compare.
    EXPECT_EQ(detail::ReadAnswer(answers[0]).decision, "allow");
    EXPECT_EQ(detail::ReadAnswer(answers[4]).decision, "block");
    EXPECT_EQ(detail::ReadAnswer(answers[2]).results->at(1).code, "validation_failed");
}

TEST(DriverTest, SendsExactlyCountSingleRequestsWithTheRightHeaders) {
    FakeServer server;
    TempFiles files;
    auto options = Options(server.url(), 200);
    options.results_file = files.path("results.jsonl");
    options.truth_file = files.path("truth.jsonl");
    options.pattern_rate = 0.1;
    Ran ran = RunIt(options);
    ASSERT_EQ(ran.exit_code, 0) << ran.err;

    auto seen = server.seen();
    ASSERT_EQ(seen.size(), 200u);
    std::set<std::string> keys;
    for (const auto& request : seen) {
        EXPECT_EQ(request.method, "POST");
        EXPECT_EQ(request.target, "/api/v1/transactions");
        EXPECT_EQ(request.authorization, "Bearer wt_test_k3y");
        EXPECT_EQ(request.content_type, "application/json");
        ASSERT_TRUE(request.idempotency_key.starts_with("simkey-99-")) << request.idempotency_key;
        // The key and the external id name the same sequence number.
        auto body = boost::json::parse(request.body).as_object();
        EXPECT_EQ("sim-99-" + request.idempotency_key.substr(10), std::string(body.at("external_id").as_string()));
        keys.insert(request.idempotency_key);
    }
    EXPECT_EQ(keys.size(), 200u);
    EXPECT_EQ(*keys.begin(), IdempotencyKey(99, 1));
    EXPECT_EQ(*keys.rbegin(), IdempotencyKey(99, 200));

    EXPECT_EQ(Get(ran.summary, "transactions", "sent"), 200u);
    EXPECT_EQ(Get(ran.summary, "transactions", "created"), 200u);
    EXPECT_EQ(Get(ran.summary, "transactions", "errors"), 0u);
    EXPECT_EQ(Get(ran.summary, "decisions", "allow"), 200u);
    EXPECT_EQ(boost::json::value_to<std::uint64_t>(ran.summary.at("requests")), 200u);
    EXPECT_EQ(std::string(ran.summary.at("stop_reason").as_string()), "count reached");

    auto results = ReadLines(options.results_file);
    ASSERT_EQ(results.size(), 200u);
    std::set<std::uint64_t> seqs;
    for (const auto& line : results) {
        EXPECT_EQ(line.at("status").as_int64(), 201);
        EXPECT_EQ(line.at("http_status").as_int64(), 201);
        EXPECT_EQ(std::string(line.at("decision").as_string()), "allow");
        EXPECT_TRUE(line.at("error").is_null());
        auto seq = boost::json::value_to<std::uint64_t>(line.at("seq"));
        EXPECT_EQ(std::string(line.at("external_id").as_string()), ExternalId(99, seq));
        EXPECT_EQ(std::string(line.at("idempotency_key").as_string()), IdempotencyKey(99, seq));
        seqs.insert(seq);
    }
    EXPECT_EQ(seqs.size(), 200u);

    auto truth = ReadLines(options.truth_file);
    ASSERT_GE(truth.size(), 2u);
    EXPECT_EQ(std::string(truth[0].at("type").as_string()), "run");
    EXPECT_EQ(std::string(truth[0].at("seed").as_string()), "99");
    EXPECT_EQ(std::string(truth[0].at("start").as_string()), "2026-11-23T12:00:00Z");
    std::uint64_t pattern_txns = 0;
    for (std::size_t idx = 1; idx < truth.size(); ++idx) {
        EXPECT_EQ(std::string(truth[idx].at("type").as_string()), "instance");
        for (const auto& member : truth[idx].at("transactions").as_array()) {
            EXPECT_LE(boost::json::value_to<std::uint64_t>(member.at("seq")), 200u);
            ++pattern_txns;
        }
    }
    std::uint64_t labelled = 0;
    for (const auto& [kind, tally] : ran.summary.at("traffic").as_object())
        if (kind != "ordinary") labelled += boost::json::value_to<std::uint64_t>(tally.at("transactions"));
    EXPECT_EQ(pattern_txns, labelled);
    EXPECT_GT(pattern_txns, 0u);
}

TEST(DriverTest, BatchModeSendsNItemsPerRequestInSequenceOrder) {
    FakeServer server;
    TempFiles files;
    auto options = Options(server.url(), 95);
    options.batch = 10;
    options.results_file = files.path("results.jsonl");
    Ran ran = RunIt(options);
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    auto seen = server.seen();
    ASSERT_EQ(seen.size(), 10u);
    std::set<std::string> ids;
    std::size_t tens = 0, fives = 0;
    for (const auto& request : seen) {
        EXPECT_EQ(request.target, "/api/v1/transactions/batch");
        EXPECT_EQ(request.authorization, "Bearer wt_test_k3y");
        EXPECT_EQ(request.content_type, "application/json");
        EXPECT_EQ(request.idempotency_key, "") << "batch items are keyed by external_id";
        auto parsed = boost::json::parse(request.body);
        const auto& items = parsed.at("transactions").as_array();
        if (items.size() == 10) ++tens;
        if (items.size() == 5) ++fives;
        std::string previous;
        for (const auto& item : items) {
            std::string id(item.at("external_id").as_string());
            EXPECT_GT(id, previous) << "consecutive sequence numbers in one batch";
            previous = id;
            ids.insert(id);
        }
    }
    EXPECT_EQ(tens, 9u);
    EXPECT_EQ(fives, 1u);
    EXPECT_EQ(ids.size(), 95u);
    EXPECT_EQ(Get(ran.summary, "transactions", "sent"), 95u);
    EXPECT_EQ(Get(ran.summary, "transactions", "created"), 95u);
    EXPECT_EQ(Get(ran.summary, "decisions", "review"), 95u);
    auto results = ReadLines(options.results_file);
    ASSERT_EQ(results.size(), 95u);
    for (const auto& line : results) {
        EXPECT_EQ(line.at("status").as_int64(), 201);
        EXPECT_EQ(line.at("http_status").as_int64(), 200);
        EXPECT_EQ(line.at("idempotency_key"), line.at("external_id"));
    }
}

TEST(DriverTest, ASecondRunSendsExactlyTheSameRequests) {
    std::map<std::string, std::string> first, second;
    for (auto* into : {&first, &second}) {
        FakeServer server;
        auto options = Options(server.url(), 150);
        options.concurrency = into == &first ? 3 : 7;  // concurrency does not change what is sent
        ASSERT_EQ(RunIt(options).exit_code, 0);
        for (const auto& request : server.seen()) (*into)[request.idempotency_key] = request.body;
    }
    EXPECT_EQ(first.size(), 150u);
    EXPECT_EQ(first, second);
}

TEST(DriverTest, ReusedConnectionsClosedByTheServerAreRetriedOnce) {
    FakeServer server(FakeServer::Mode::kDropSilently, 10);
    auto options = Options(server.url(), 100);
    Ran ran = RunIt(options);
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(Get(ran.summary, "transactions", "sent"), 100u);
    EXPECT_EQ(Get(ran.summary, "transactions", "accepted") + Get(ran.summary, "transactions", "connection_errors"),
              100u);
    // Every drop on a reused connection was sent again, so the server saw more than 100 requests.
    EXPECT_GT(server.seen().size(), 100u);
    EXPECT_GT(Get(ran.summary, "connections", "opened"), 4u) << "reconnected";
}

TEST(DriverTest, ReplayHeadersAndConnectionCloseAreHonoured) {
    FakeServer server(FakeServer::Mode::kMarkReplays, 5);
    Ran ran = RunIt(Options(server.url(), 100));
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(server.seen().size(), 100u);
    EXPECT_EQ(Get(ran.summary, "transactions", "created"), 100u);
    EXPECT_EQ(Get(ran.summary, "transactions", "replayed"), 20u) << "201 with Idempotent-Replayed: TRUE";
    EXPECT_EQ(Get(ran.summary, "transactions", "errors"), 0u);
    // Each "Connection: close" answer ends its connection; the run goes on over new ones.
    EXPECT_GE(Get(ran.summary, "connections", "opened"), 20u);
}

TEST(DriverTest, BrokenAnswersAreCountedAsErrorsAndTheRunGoesOn) {
    FakeServer server(FakeServer::Mode::kBreakAnswer, 10);
    TempFiles files;
    auto options = Options(server.url(), 100);
    options.results_file = files.path("results.jsonl");
    Ran ran = RunIt(options);
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(server.seen().size(), 100u) << "no retry once an answer began";
    EXPECT_EQ(Get(ran.summary, "transactions", "sent"), 100u);
    EXPECT_EQ(Get(ran.summary, "transactions", "connection_errors"), 10u);
    EXPECT_EQ(Get(ran.summary, "transactions", "accepted"), 90u);
    EXPECT_EQ(Get(ran.summary, "statuses", "0"), 10u);
    std::size_t failed = 0;
    for (const auto& line : ReadLines(options.results_file)) {
        if (line.at("status").as_int64() != 0) continue;
        ++failed;
        EXPECT_TRUE(line.at("decision").is_null());
        EXPECT_FALSE(line.at("error").as_string().empty());
    }
    EXPECT_EQ(failed, 10u);
}

TEST(DriverTest, ASilentServerCannotHoldTheRunPastItsDeadlines) {
    FakeServer server(FakeServer::Mode::kNeverAnswer);
    auto options = Options(server.url(), 1'000'000);
    options.count.reset();
    options.duration = 1s;
    options.timeout = 500ms;
    options.rate = 20;
    Ran ran = RunIt(options);
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_LT(ran.seconds, 4.0);
    EXPECT_GT(Get(ran.summary, "transactions", "errors"), 0u);
    EXPECT_EQ(Get(ran.summary, "transactions", "accepted"), 0u);
}

TEST(DriverTest, RateIsPaced) {
    FakeServer server;
    auto options = Options(server.url(), 40);
    options.rate = 100;
    Ran ran = RunIt(options);
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(server.seen().size(), 40u);
    EXPECT_GE(ran.seconds, 0.35);  // 40 slots at 100/s: the last is due at 0.39 s
    EXPECT_LT(ran.seconds, 3.0);
}

TEST(DriverTest, DurationStopsAnUnboundedRun) {
    FakeServer server;
    auto options = Options(server.url(), 1);
    options.count.reset();
    options.duration = 700ms;
    options.rate = 50;
    Ran ran = RunIt(options);
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(std::string(ran.summary.at("stop_reason").as_string()), "duration reached");
    auto sent = Get(ran.summary, "transactions", "sent");
    EXPECT_GE(sent, 25u);
    EXPECT_LE(sent, 45u);
    EXPECT_LT(ran.seconds, 3.0);
}

TEST(DriverTest, NoServerIsExitCodeOne) {
    // A port that was free a moment ago: nothing listens on it.
    std::uint16_t port = 0;
    {
        asio::io_context io;
        tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = probe.local_endpoint().port();
    }
    auto options = Options("http://127.0.0.1:" + std::to_string(port), 10);
    Ran ran = RunIt(options);
    EXPECT_EQ(ran.exit_code, kExitUnreachable);
    EXPECT_NE(ran.err.find("cannot connect to 127.0.0.1:" + std::to_string(port)), std::string::npos) << ran.err;
}

TEST(DriverTest, HumanSummaryNamesTheReplayFlags) {
    FakeServer server;
    auto options = Options(server.url(), 20);
    options.json = false;
    Ran ran = RunIt(options);
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_NE(ran.out.find("--seed 99 --start 2026-11-23T12:00:00Z"), std::string::npos) << ran.out;
    EXPECT_NE(ran.out.find("20 sent, 20 accepted (20 created, 0 replayed)"), std::string::npos) << ran.out;
    EXPECT_NE(ran.out.find("p99.9"), std::string::npos);
    EXPECT_NE(ran.out.find("ordinary"), std::string::npos);
}

}  // namespace
}  // namespace wt::simulate
