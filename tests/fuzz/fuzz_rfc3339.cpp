// SPDX-License-Identifier: Apache-2.0
/// Fuzzes `ParseRfc3339`: no crash or UB on any input, and for a whole-second UTC input
/// (`YYYY-MM-DDTHH:MM:SSZ`, 20 bytes) that parses, `FormatRfc3339` of the result parses back to
/// the same value and reproduces the input (modulo lower-case `t`/`z`). Both formats of any parsed
/// value (with and without milliseconds) must be safe to produce.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view input, std::string_view formatted) {
    std::fprintf(stderr, "fuzz_rfc3339: %s: input '%.*s' formatted '%.*s'\n", what, static_cast<int>(input.size()),
                 input.data(), static_cast<int>(formatted.size()), formatted.data());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = wt::ParseRfc3339(text);
    if (!parsed) return 0;

    // Offsets and fractions can push a valid input outside 0000..9999 or drop sub-millisecond
    // digits, so only format those for safety; they are not expected to round-trip.
    std::string with_millis = wt::FormatRfc3339(*parsed, true);
    std::string plain = wt::FormatRfc3339(*parsed, false);

    bool whole_second_utc = text.size() == 20 && (text[19] == 'Z' || text[19] == 'z');
    if (!whole_second_utc) return 0;
    if (*parsed % wt::kMicrosPerSecond != 0) Fail("whole-second input has a fraction", text, plain);
    auto reparsed = wt::ParseRfc3339(plain);
    if (!reparsed) Fail("formatted time does not parse", text, plain);
    if (*reparsed != *parsed) Fail("round trip changed the value", text, plain);
    std::string canonical(text);
    canonical[10] = 'T';
    canonical[19] = 'Z';
    if (plain != canonical) Fail("formatted time differs from the input", text, plain);
    auto reparsed_millis = wt::ParseRfc3339(with_millis);
    if (!reparsed_millis || *reparsed_millis != *parsed) Fail("millisecond format does not round-trip", text, with_millis);
    return 0;
}
