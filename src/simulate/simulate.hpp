// SPDX-License-Identifier: Apache-2.0
/// The `watchtower simulate` command: reads its flags, runs the traffic generator
/// (generator.hpp) through the load driver (client.hpp), writes the ground truth and the
/// per-transaction results, prints progress on stderr and a summary on stdout.
/// docs/simulator.md is the user's documentation of every flag and file format.
///
/// Exit codes: 0 when the run happened (failed requests are reported, not fatal), 1 when the
/// server could not be reached at all or an output file could not be written, 2 for bad flags.
/// Threading: `RunSimulate` blocks the calling thread for the whole run.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "simulate/client.hpp"
#include "simulate/generator.hpp"

namespace wt::simulate {

inline constexpr int kExitBadFlags = 2;
inline constexpr int kExitUnreachable = 1;

/// The flags as typed (the CLI layer does no validation of its own, so that every message comes
/// from `ResolveOptions`). Empty strings mean "not given".
struct SimulateArgs {
    std::string url = "http://127.0.0.1:8080";
    std::string api_key;  // --api-key, or WATCHTOWER_API_KEY
    std::string rate = "100";
    std::string duration;
    std::string count;
    std::string concurrency = "8";
    std::string batch = "1";
    std::string seed;
    std::string patterns = "all";
    std::string pattern_rate = "0.02";
    std::string start;
    std::string timeout = "10s";
    std::string truth_file;
    std::string results_file;
    bool quiet = false;
    bool json = false;
};

/// Validated settings of one run.
struct SimulateOptions {
    Endpoint endpoint;
    std::string url;
    std::string api_key;
    double rate = 100;  // transactions per second; 0: as fast as possible
    std::optional<std::chrono::milliseconds> duration;
    std::optional<std::uint64_t> count;
    int concurrency = 8;
    int batch = 1;
    std::uint64_t seed = 0;
    UnixMicros start = 0;
    std::vector<Pattern> patterns;
    double pattern_rate = 0.02;
    std::chrono::milliseconds timeout{10'000};
    std::string truth_file;
    std::string results_file;
    bool quiet = false;
    bool json = false;
    bool handle_signals = false;  // SIGINT/SIGTERM drain the run (the command sets it; tests do not)
};

/// Without --duration and --count a run lasts this long.
inline constexpr std::chrono::seconds kDefaultDuration{30};

/// `20s`, `2m`, `1h30m`, `500ms`, `1.5s`, or a bare number of seconds; must be positive.
/// Errors are kValidationFailed for field `flag` with an example of the syntax.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text, std::string_view flag = "duration");
/// Transactions per second: a positive number, or `0` / `max` for as fast as possible (returns 0).
Result<double> ParseRate(std::string_view text);

/// Validates every flag. `now` is the current time (the default --start, and --start may not lie
/// more than 5 minutes after it); `random_seed` is the seed used when --seed is absent. Errors are
/// kValidationFailed with one FieldError per bad flag (`field` is the flag name without dashes).
Result<SimulateOptions> ResolveOptions(const SimulateArgs& args, UnixMicros now, std::uint64_t random_seed);

/// Runs one simulation and returns the exit code; the summary goes to `out`, progress and errors
/// to `err`.
int RunSimulate(const SimulateOptions& options, std::ostream& out, std::ostream& err);

/// The command as `main` calls it: resolve (exit 2 with a message on stderr), then run on
/// stdout/stderr with signal handling.
int RunSimulateCommand(const SimulateArgs& args);

}  // namespace wt::simulate
