// SPDX-License-Identifier: Apache-2.0
/// The period of a dashboard, summary or export request (`?from=&to=&environment=&bucket=`),
/// parsed and validated in one place so the three routes agree (docs/reports.md "Periods").
///
/// Defaults: `to` = now, `from` = `to` - 30 days, environment `production`. A period is at most
/// 366 days. `bucket` (`hour` | `day`, dashboard series only) defaults to `hour` for periods up to
/// 72 hours and `day` beyond; hourly series span at most 31 days. Day buckets are days of the
/// organization's time zone where the hourly rollups can cut them exactly (dashboard.hpp).
///
/// Failure: kValidationFailed with one FieldError per bad parameter (`from`, `to`, `environment`,
/// `bucket`).
#pragma once

#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace wt::reports {

enum class Bucket { kHour, kDay };

struct Period {
    UnixMicros from = 0;  // inclusive
    UnixMicros to = 0;    // exclusive
    std::string environment = "production";
    Bucket bucket = Bucket::kHour;
    /// The IANA zone whose days the day buckets are (the organization's `settings.time_zone`, set
    /// by the caller; not a query parameter). See dashboard.hpp for zones that cannot be used.
    std::string time_zone = "UTC";
};

/// The query parameters as sent (nullopt or empty: absent).
struct PeriodParams {
    std::optional<std::string> from;
    std::optional<std::string> to;
    std::optional<std::string> environment;
    std::optional<std::string> bucket;
};

inline constexpr UnixMicros kMicrosPerDay = 86'400'000'000;
inline constexpr UnixMicros kMaxPeriod = 366 * kMicrosPerDay;
inline constexpr UnixMicros kMaxHourlySeries = 31 * kMicrosPerDay;

/// The exact period (exports).
Result<Period> ParsePeriod(const PeriodParams& params, UnixMicros now);

/// The period widened to whole UTC hours (from rounded down, to rounded up), as the hourly
/// rollups can answer it exactly (dashboard, summary). The answer names the widened bounds.
Result<Period> ParseRollupPeriod(const PeriodParams& params, UnixMicros now);

std::string_view BucketName(Bucket bucket);

}  // namespace wt::reports
