// SPDX-License-Identifier: Apache-2.0
/// Time as WatchTower sees it. All stored times are `UnixMicros` (microseconds since the Unix
/// epoch, UTC) and all times shown to clients are RFC 3339 UTC strings. The clock is injectable so
/// that tests can move time forward (session expiry) without sleeping.
/// Thread-safety: every Clock implementation is safe to call from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wt {

using UnixMicros = std::int64_t;

inline constexpr UnixMicros kMicrosPerSecond = 1'000'000;
inline constexpr UnixMicros kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr UnixMicros kMicrosPerHour = 60 * kMicrosPerMinute;

class Clock {
public:
    virtual ~Clock() = default;
    virtual UnixMicros Now() const = 0;
};

/// The real wall clock.
std::shared_ptr<Clock> SystemClock();

/// A test clock: the real time plus an offset in seconds read from `path` on every call (a missing
/// or unreadable file counts as 0). Enabled by `WATCHTOWER_TEST_CLOCK_FILE`; refused in
/// production mode.
std::shared_ptr<Clock> FileOffsetClock(std::string path);

/// `2026-11-23T10:00:00Z`, or with milliseconds when `with_millis` (`...00.123Z`).
std::string FormatRfc3339(UnixMicros t, bool with_millis = false);

/// Parses RFC 3339 (`Z` or a numeric offset, optional fraction). nullopt when invalid.
std::optional<UnixMicros> ParseRfc3339(std::string_view text);

}  // namespace wt
