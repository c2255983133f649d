// SPDX-License-Identifier: Apache-2.0
#include "simulate/simulate.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

namespace wt::simulate {

namespace {

constexpr UnixMicros kFutureSkew = 5 * kMicrosPerMinute;  // the server refuses occurred_at beyond now + 5 min
constexpr int kMaxConcurrency = 1024;
constexpr int kMaxBatch = 1000;  // API.md: up to 1,000 items

std::optional<double> ParseNumber(std::string_view text) {
    double value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::fixed);
    if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
    return value;
}

std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
    int base = 10;
    if (text.starts_with("0x") || text.starts_with("0X")) {
        text.remove_prefix(2);
        base = 16;
    }
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
    if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text, std::string_view flag) {
    auto bad = [&] {
        return Error::Validation(std::string(flag), fmt::format("'{}' is not a duration (examples: 20s, 2m, 1h30m, "
                                                                "500ms)",
                                                                text));
    };
    if (text.empty()) return bad();
    if (auto seconds = ParseNumber(text)) {
        if (*seconds <= 0) return Error::Validation(std::string(flag), "must be positive");
        return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(*seconds * 1000)));
    }
    double total_ms = 0;
    std::string_view rest = text;
    while (!rest.empty()) {
        std::size_t number_end = 0;
        while (number_end < rest.size() &&
               (std::isdigit(static_cast<unsigned char>(rest[number_end])) || rest[number_end] == '.'))
            ++number_end;
        std::size_t unit_end = number_end;
        while (unit_end < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_end]))) ++unit_end;
        auto number = ParseNumber(rest.substr(0, number_end));
        std::string unit = Lower(rest.substr(number_end, unit_end - number_end));
        if (!number || unit.empty()) return bad();
        double scale = 0;
        if (unit == "ms") {
            scale = 1;
        } else if (unit == "s") {
            scale = 1000;
        } else if (unit == "m" || unit == "min") {
            scale = 60'000;
        } else if (unit == "h") {
            scale = 3'600'000;
        } else {
            return bad();
        }
        total_ms += *number * scale;
        rest.remove_prefix(unit_end);
    }
    if (total_ms < 1) return Error::Validation(std::string(flag), "must be at least 1ms");
    if (total_ms > 366.0 * 24 * 3'600'000) return Error::Validation(std::string(flag), "must be at most a year");
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(total_ms)));
}

Result<double> ParseRate(std::string_view text) {
    if (Lower(text) == "max") return 0.0;
    auto rate = ParseNumber(text);
    if (!rate || *rate < 0) {
        return Error::Validation("rate", fmt::format("'{}' is not a rate: give transactions per second (such as 200 "
                                                     "or 0.5), or max (or 0) for as fast as possible",
                                                     text));
    }
    return *rate;
}

Result<SimulateOptions> ResolveOptions(const SimulateArgs& args, UnixMicros now, std::uint64_t random_seed) {
    SimulateOptions options;
    std::vector<FieldError> errors;
    auto fail = [&](std::string field, std::string message) {
        errors.push_back({std::move(field), std::move(message)});
    };
    auto take = [&](auto result, auto& into) {
        if (result) {
            into = *result;
        } else {
            for (const auto& field : result.error().fields) errors.push_back(field);
        }
    };

    take(ParseUrl(args.url), options.endpoint);
    options.url = args.url;
    options.api_key = args.api_key;
    if (options.api_key.empty()) fail("api-key", "is required (or set WATCHTOWER_API_KEY)");
    for (char c : options.api_key) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            fail("api-key", "contains spaces or control characters");
            break;
        }
    }
    take(ParseRate(args.rate), options.rate);
    if (!args.duration.empty()) {
        std::chrono::milliseconds duration{};
        take(ParseDuration(args.duration, "duration"), duration);
        options.duration = duration;
    }
    if (!args.count.empty()) {
        auto count = ParseUnsigned(args.count);
        if (!count || *count == 0 || args.count.starts_with("0x")) {
            fail("count", fmt::format("'{}' is not a positive whole number of transactions", args.count));
        } else {
            options.count = *count;
        }
    }
    if (!options.duration && !options.count) options.duration = kDefaultDuration;
    auto bounded = [&](std::string_view text, std::string field, int max, int& into) {
        auto value = ParseUnsigned(text);
        if (!value || *value < 1 || *value > static_cast<std::uint64_t>(max) || text.starts_with("0x")) {
            fail(std::move(field), fmt::format("'{}' must be a whole number from 1 to {}", text, max));
        } else {
            into = static_cast<int>(*value);
        }
    };
    bounded(args.concurrency, "concurrency", kMaxConcurrency, options.concurrency);
    bounded(args.batch, "batch", kMaxBatch, options.batch);
    if (args.seed.empty()) {
        options.seed = random_seed;
    } else if (auto seed = ParseUnsigned(args.seed)) {
        options.seed = *seed;
    } else {
        fail("seed", fmt::format("'{}' is not a whole number from 0 to 2^64-1 (decimal or 0x hex)", args.seed));
    }
    take(ParsePatternList(args.patterns), options.patterns);
    if (auto rate = ParseNumber(args.pattern_rate); rate && *rate >= 0 && *rate <= 1) {
        options.pattern_rate = *rate;
    } else {
        fail("pattern-rate",
             fmt::format("'{}' must be a fraction from 0 to 1 (0.02 is 2% of the transactions)", args.pattern_rate));
    }
    if (args.start.empty()) {
        options.start = now - now % kMicrosPerSecond;
    } else if (auto start = ParseRfc3339(args.start)) {
        if (*start > now + kFutureSkew) {
            fail("start", fmt::format("'{}' is more than 5 minutes in the future: the server refuses such occurred_at",
                                      args.start));
        }
        options.start = *start;
    } else {
        fail("start", fmt::format("'{}' is not an RFC 3339 time such as 2026-11-23T10:00:00Z", args.start));
    }
    take(ParseDuration(args.timeout, "timeout"), options.timeout);
    options.truth_file = args.truth_file;
    options.results_file = args.results_file;
    options.quiet = args.quiet;
    options.json = args.json;
    if (!errors.empty()) return Error::Validation(std::move(errors));
    return options;
}

namespace {

constexpr std::string_view kDecisions[] = {"allow", "review", "block"};

// Per kind of traffic (ordinary, or one pattern): what was sent and what the server decided.
struct Tally {
    std::uint64_t instances = 0;
    std::uint64_t transactions = 0;
    std::uint64_t accepted = 0;
    std::array<std::uint64_t, 3> decisions{};
    std::uint64_t errors = 0;
};

std::string_view LabelName(int label) {
    return label < 0 ? std::string_view("ordinary") : PatternName(static_cast<Pattern>(label));
}

boost::json::object InstanceJson(const PatternInstance& instance) {
    boost::json::object line;
    line["type"] = "instance";
    line["instance"] = instance.id;
    line["pattern"] = PatternName(instance.pattern);
    line["account_id"] = instance.account_id;
    line["customer_id"] = instance.customer_id;
    line["complete"] = instance.complete();
    line["description"] = instance.description;
    boost::json::array members;
    for (const auto& member : instance.members) {
        members.push_back({{"seq", member.seq},
                           {"external_id", member.external_id},
                           {"role", member.role},
                           {"suspicious", member.suspicious}});
    }
    line["transactions"] = std::move(members);
    return line;
}

double Millis(std::int64_t micros) { return static_cast<double>(micros) / 1000.0; }

std::string StatusName(int status) { return status == 0 ? std::string("no answer") : std::to_string(status); }

}  // namespace

int RunSimulate(const SimulateOptions& options, std::ostream& out, std::ostream& err) {
    std::ofstream truth, results;
    auto open = [&](std::ofstream& file, const std::string& path, std::string_view flag) {
        if (path.empty()) return true;
        file.open(path, std::ios::out | std::ios::trunc);
        if (!file) {
            err << fmt::format("watchtower: error: cannot write --{} file {}: {}\n", flag, path, std::strerror(errno));
            return false;
        }
        return true;
    };
    if (!open(truth, options.truth_file, "truth") || !open(results, options.results_file, "results")) {
        return kExitUnreachable;
    }

    GeneratorOptions generator_options;
    generator_options.seed = options.seed;
    generator_options.start = options.start;
    generator_options.patterns = options.patterns;
    generator_options.pattern_rate = options.pattern_rate;
    generator_options.count = options.count;
    Generator generator(generator_options);
    const std::string start_text = FormatRfc3339(options.start);

    std::map<int, Tally> tallies;  // by label: -1 ordinary, else the Pattern
    tallies[-1];
    for (Pattern pattern : options.patterns) tallies[static_cast<int>(pattern)];
    std::array<std::uint64_t, 3> decisions{};

    auto write_instances = [&](std::vector<PatternInstance> instances) {
        for (const auto& instance : instances) {
            ++tallies[static_cast<int>(instance.pattern)].instances;
            if (truth.is_open()) truth << boost::json::serialize(InstanceJson(instance)) << '\n';
        }
    };
    if (truth.is_open()) {
        boost::json::object run;
        run["type"] = "run";
        run["generator_version"] = 2;
        run["seed"] = std::to_string(options.seed);
        run["start"] = start_text;
        run["url"] = options.url;
        boost::json::array patterns;
        for (Pattern pattern : options.patterns) patterns.push_back(boost::json::string(PatternName(pattern)));
        run["patterns"] = std::move(patterns);
        run["pattern_rate"] = options.pattern_rate;
        if (options.count) run["count"] = *options.count;
        if (options.duration) run["duration_ms"] = options.duration->count();
        run["batch"] = options.batch;
        truth << boost::json::serialize(run) << '\n';
    }

    Source source = [&](std::size_t max_items) {
        std::vector<Outgoing> items;
        items.reserve(max_items);
        while (items.size() < max_items) {
            auto txn = generator.Next();
            if (!txn) break;
            Outgoing item;
            item.seq = txn->seq;
            item.external_id = std::move(txn->external_id);
            item.idempotency_key = std::move(txn->idempotency_key);
            item.body = std::move(txn->body);
            item.label = txn->pattern ? static_cast<int>(*txn->pattern) : -1;
            items.push_back(std::move(item));
        }
        write_instances(generator.TakeCompleted());
        return items;
    };
    ResultSink on_result = [&](const Outgoing& item, const Outcome& outcome) {
        Tally& tally = tallies[item.label];
        ++tally.transactions;
        if (outcome.status >= 200 && outcome.status < 300) {
            ++tally.accepted;
        } else {
            ++tally.errors;
        }
        for (std::size_t idx = 0; idx < std::size(kDecisions); ++idx) {
            if (outcome.decision == kDecisions[idx]) {
                ++tally.decisions[idx];
                ++decisions[idx];
            }
        }
        if (results.is_open()) {
            boost::json::object line;
            line["seq"] = item.seq;
            line["external_id"] = item.external_id;
            // In a batch the server keys each item by its external_id (API.md).
            line["idempotency_key"] = options.batch > 1 ? item.external_id : item.idempotency_key;
            line["http_status"] = outcome.http_status;
            line["status"] = outcome.status;
            line["replayed"] = outcome.replayed;
            line["decision"] =
                outcome.decision.empty() ? boost::json::value(nullptr) : boost::json::value(outcome.decision);
            line["error"] = outcome.error.empty() ? boost::json::value(nullptr) : boost::json::value(outcome.error);
            line["latency_us"] = static_cast<std::int64_t>(std::llround(outcome.latency_ms * 1000));
            results << boost::json::serialize(line) << '\n';
        }
    };
    ProgressSink on_progress = [&](const Progress& p) {
        if (results.is_open()) results.flush();
        if (truth.is_open()) truth.flush();
        if (options.quiet) return;
        err << fmt::format(
                   "[{:5.0f}s] sent {}  accepted {}  replays {}  errors {}  {:.0f} tx/s  p50 {:.1f} ms  p99 "
                   "{:.1f} ms\n",
                   p.elapsed_s, p.sent, p.accepted, p.replayed, p.errors, p.interval_rate, p.interval_p50_ms,
                   p.interval_p99_ms)
            << std::flush;
    };

    DriverOptions driver;
    driver.endpoint = options.endpoint;
    driver.api_key = options.api_key;
    driver.rate = options.rate;
    driver.duration = options.duration;
    driver.concurrency = options.concurrency;
    driver.batch = options.batch;
    driver.request_timeout = options.timeout;
    driver.handle_signals = options.handle_signals;
    auto report = RunDriver(driver, source, on_result, on_progress);
    write_instances(generator.TakeIncomplete());
    if (truth.is_open()) truth.flush();
    if (results.is_open()) results.flush();
    if (!report) {
        err << "watchtower: error: " << report.error().detail << '\n';
        return kExitUnreachable;
    }
    if ((truth.is_open() && !truth) || (results.is_open() && !results)) {
        err << "watchtower: error: writing the --truth or --results file failed (disk full?)\n";
        return kExitUnreachable;
    }

    const auto& totals = report->totals;
    double tps = totals.elapsed_s > 0 ? static_cast<double>(totals.sent) / totals.elapsed_s : 0;
    const auto& latency = report->latency;
    std::string mode = options.batch > 1 ? fmt::format("batches of {}", options.batch) : "single requests";

    if (options.json) {
        boost::json::object summary;
        summary["seed"] = std::to_string(options.seed);
        summary["start"] = start_text;
        summary["url"] = options.url;
        summary["batch"] = options.batch;
        summary["concurrency"] = options.concurrency;
        summary["rate"] = options.rate;
        summary["stop_reason"] = report->stop_reason;
        summary["elapsed_s"] = totals.elapsed_s;
        summary["requests"] = totals.requests;
        summary["transactions"] = {{"sent", totals.sent},
                                   {"accepted", totals.accepted},
                                   {"created", report->created},
                                   {"replayed", totals.replayed},
                                   {"errors", totals.errors},
                                   {"client_errors", report->client_errors},
                                   {"server_errors", report->server_errors},
                                   {"connection_errors", totals.connection_errors}};
        summary["transactions_per_second"] = tps;
        // Integer microseconds: exact, and Boost.JSON would print milliseconds as 9.91E-1.
        summary["latency_us"] = {{"p50", latency.Percentile(0.50)},
                                 {"p90", latency.Percentile(0.90)},
                                 {"p99", latency.Percentile(0.99)},
                                 {"p99_9", latency.Percentile(0.999)},
                                 {"max", latency.max()},
                                 {"mean", std::llround(latency.mean())}};
        boost::json::object statuses;
        for (const auto& [status, count] : report->statuses) statuses[std::to_string(status)] = count;
        summary["statuses"] = std::move(statuses);
        summary["decisions"] = {{"allow", decisions[0]}, {"review", decisions[1]}, {"block", decisions[2]}};
        summary["connections"] = {{"opened", report->connects}, {"failed_attempts", report->connect_failures}};
        boost::json::object kinds;
        for (const auto& [label, tally] : tallies) {
            kinds[LabelName(label)] = {{"instances", tally.instances}, {"transactions", tally.transactions},
                                       {"accepted", tally.accepted},   {"allow", tally.decisions[0]},
                                       {"review", tally.decisions[1]}, {"block", tally.decisions[2]},
                                       {"errors", tally.errors}};
        }
        summary["traffic"] = std::move(kinds);
        out << boost::json::serialize(summary) << '\n';
        return 0;
    }

    out << fmt::format("watchtower simulate: {} ({}, {} connections), seed {}, start {}\n", options.url, mode,
                       options.concurrency, options.seed, start_text);
    out << fmt::format("stopped: {} after {:.1f} s (same traffic again: --seed {} --start {})\n\n", report->stop_reason,
                       totals.elapsed_s, options.seed, start_text);
    out << fmt::format(
        "{:<14}{} sent, {} accepted ({} created, {} replayed), {} errors ({} 4xx, {} 5xx, {} no "
        "answer)\n",
        "transactions", totals.sent, totals.accepted, report->created, totals.replayed, totals.errors,
        report->client_errors, report->server_errors, totals.connection_errors);
    out << fmt::format("{:<14}{:.1f} transactions/s, {} requests, {} connections opened ({} failed attempts)\n",
                       "throughput", tps, totals.requests, report->connects, report->connect_failures);
    out << fmt::format(
        "{:<14}p50 {:.2f} ms  p90 {:.2f} ms  p99 {:.2f} ms  p99.9 {:.2f} ms  max {:.2f} ms "
        "(per request)\n",
        "latency", Millis(latency.Percentile(0.50)), Millis(latency.Percentile(0.90)), Millis(latency.Percentile(0.99)),
        Millis(latency.Percentile(0.999)), Millis(latency.max()));
    std::string statuses;
    for (const auto& [status, count] : report->statuses)
        statuses += fmt::format("{}{}: {}", statuses.empty() ? "" : "  ", StatusName(status), count);
    out << fmt::format("{:<14}{}\n", "statuses", statuses.empty() ? "-" : statuses);
    out << fmt::format("{:<14}allow {}  review {}  block {}\n\n", "decisions", decisions[0], decisions[1],
                       decisions[2]);
    out << fmt::format("{:<18}{:>10}{:>14}{:>10}{:>8}{:>8}{:>8}{:>8}\n", "traffic", "instances", "transactions",
                       "accepted", "allow", "review", "block", "errors");
    for (const auto& [label, tally] : tallies) {
        out << fmt::format("{:<18}{:>10}{:>14}{:>10}{:>8}{:>8}{:>8}{:>8}\n", LabelName(label),
                           label < 0 ? std::string("-") : std::to_string(tally.instances), tally.transactions,
                           tally.accepted, tally.decisions[0], tally.decisions[1], tally.decisions[2], tally.errors);
    }
    if (!options.truth_file.empty()) out << fmt::format("\nground truth: {}\n", options.truth_file);
    if (!options.results_file.empty()) out << fmt::format("results: {}\n", options.results_file);
    return 0;
}

int RunSimulateCommand(const SimulateArgs& args) {
    auto now = SystemClock()->Now();
    std::random_device random;
    auto options = ResolveOptions(args, now, random());
    if (!options) {
        for (const auto& field : options.error().fields)
            std::cerr << "watchtower: error: --" << field.field << ": " << field.message << '\n';
        std::cerr << "(see watchtower simulate --help)\n";
        return kExitBadFlags;
    }
    options->handle_signals = true;
    return RunSimulate(*options, std::cout, std::cerr);
}

}  // namespace wt::simulate
