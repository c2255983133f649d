// SPDX-License-Identifier: Apache-2.0
/// `TimeZone`: an IANA time zone ("Europe/Berlin") resolved once, for `hour_of_day` and
/// `day_of_week`. Backed by Howard Hinnant's date/tz reading the OS tz database
/// (/usr/share/zoneinfo, USE_OS_TZDB): GCC 12's libstdc++ has no std::chrono::locate_zone, and the
/// library handles every zone rule and the POSIX footer of TZif files beyond 2037, which a small
/// reader of our own would have to re-implement. tzdata updates arrive with the OS.
/// Threading: a resolved TimeZone is immutable and safe to share; Find is thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace wt::rules {

class TimeZone {
  public:
    /// UTC.
    TimeZone() = default;
    /// The zone of an IANA name (case-sensitive, "UTC" included). kValidationFailed for a name
    /// the OS database does not know.
    static Result<TimeZone> Find(std::string_view name);

    const std::string& name() const { return name_; }
    /// The local wall-clock time of `t` in this zone, as microseconds since 1970-01-01T00:00
    /// local time (UTC plus the offset in force at `t`).
    UnixMicros ToLocal(UnixMicros t) const;

  private:
    const void* zone_ = nullptr;  // const date::time_zone*; null means UTC
    std::string name_ = "UTC";
};

}  // namespace wt::rules
