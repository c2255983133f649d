// SPDX-License-Identifier: Apache-2.0
/// Fuzzes what the report routes read from outside and write for spreadsheets: the query period
/// (`ParsePeriod`, `ParseRollupPeriod`, `ParseExportKind`) and the CSV writer. No crash or UB on
/// any input, and
///  - an accepted period has from < to, at most 366 days, a known environment; a rollup period
///    starts and ends on whole hours and contains the exact one;
///  - a field written by `AppendCsvField` reads back (RFC 4180) as the input, with a `'` in front
///    exactly when the input starts like a formula, and nothing outside quotes is a line break,
///    a `"` or a `,`.
/// Input: four NUL-separated parameters (from, to, environment, bucket), the rest is the field.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "reports/csv.hpp"
#include "reports/exports.hpp"
#include "reports/period.hpp"

namespace {

using namespace wt::reports;

[[noreturn]] void Fail(const char* what) {
    std::fprintf(stderr, "fuzz_reports: %s\n", what);
    std::abort();
}

constexpr wt::UnixMicros kNow = 1'795'000'000'000'000;
constexpr wt::UnixMicros kHour = 3'600'000'000;

void CheckPeriod(const PeriodParams& params) {
    auto exact = ParsePeriod(params, kNow);
    if (exact) {
        if (exact->from >= exact->to || exact->to - exact->from > kMaxPeriod) Fail("bad exact period accepted");
        if (exact->environment != "production" && exact->environment != "sandbox") Fail("unknown environment");
    } else if (exact.error().fields.empty()) {
        Fail("a refusal names no field");
    }
    auto whole = ParseRollupPeriod(params, kNow);
    if (whole) {
        if (whole->from % kHour != 0 || whole->to % kHour != 0) Fail("rollup period not on whole hours");
        if (exact && (whole->from > exact->from || whole->to < exact->to)) Fail("rollup period narrower than exact");
    }
    if (params.environment) (void)ParseExportKind(*params.environment);
}

// Reads one RFC 4180 field back.
std::string ReadBack(const std::string& written) {
    if (written.empty() || written.front() != '"') {
        if (written.find_first_of("\",\r\n") != std::string::npos) Fail("unquoted field holds a special byte");
        return written;
    }
    if (written.size() < 2 || written.back() != '"') Fail("quoted field not closed");
    std::string value;
    for (std::size_t pos = 1; pos + 1 < written.size(); ++pos) {
        if (written[pos] == '"') {
            if (pos + 2 >= written.size() || written[pos + 1] != '"') Fail("lone quote inside a quoted field");
            ++pos;
        }
        value += written[pos];
    }
    return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> parts;
    for (int part_idx = 0; part_idx < 4; ++part_idx) {
        auto nul = input.find('\0');
        if (nul == std::string_view::npos) break;
        parts.emplace_back(input.substr(0, nul));
        input.remove_prefix(nul + 1);
    }
    PeriodParams params;
    if (parts.size() > 0) params.from = parts[0];
    if (parts.size() > 1) params.to = parts[1];
    if (parts.size() > 2) params.environment = parts[2];
    if (parts.size() > 3) params.bucket = parts[3];
    CheckPeriod(params);

    std::string written;
    AppendCsvField(written, input);
    const bool formula = !input.empty() && std::string_view("=+-@\t\r").find(input.front()) != std::string_view::npos;
    const std::string expected = (formula ? "'" : "") + std::string(input);
    if (ReadBack(written) != expected) Fail("a field does not read back as written");
    return 0;
}
