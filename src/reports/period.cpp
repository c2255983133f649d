// SPDX-License-Identifier: Apache-2.0
#include "reports/period.hpp"

#include <vector>

#include "reports/rollups.hpp"

namespace wt::reports {

namespace {

bool Present(const std::optional<std::string>& value) { return value && !value->empty(); }

std::optional<UnixMicros> ReadTime(const std::optional<std::string>& text, std::string_view field,
                                   std::vector<FieldError>& problems) {
    if (!Present(text)) return std::nullopt;
    auto at = ParseRfc3339(*text);
    if (!at) problems.push_back({std::string(field), "must be an RFC 3339 time such as 2026-11-23T10:00:00Z"});
    return at;
}

UnixMicros FloorTo(UnixMicros at, UnixMicros unit) {
    UnixMicros floored = at / unit * unit;
    return floored > at ? floored - unit : floored;
}

Result<Period> Parse(const PeriodParams& params, UnixMicros now, bool whole_hours) {
    std::vector<FieldError> problems;
    Period period;
    auto from = ReadTime(params.from, "from", problems);
    auto to = ReadTime(params.to, "to", problems);
    if (Present(params.environment)) {
        if (*params.environment != "production" && *params.environment != "sandbox")
            problems.push_back({"environment", "must be \"production\" or \"sandbox\""});
        else
            period.environment = *params.environment;
    }
    std::optional<Bucket> bucket;
    if (Present(params.bucket)) {
        if (*params.bucket == "hour")
            bucket = Bucket::kHour;
        else if (*params.bucket == "day")
            bucket = Bucket::kDay;
        else
            problems.push_back({"bucket", "must be \"hour\" or \"day\""});
    }
    if (problems.empty()) {
        period.to = to.value_or(now);
        period.from = from.value_or(period.to - 30 * kMicrosPerDay);
        if (whole_hours) {
            period.from = FloorTo(period.from, kMicrosPerHour);
            const UnixMicros to_floor = FloorTo(period.to, kMicrosPerHour);
            period.to = to_floor == period.to ? period.to : to_floor + kMicrosPerHour;
        }
        if (period.to <= period.from)
            problems.push_back({"to", "must be after from"});
        else if (period.to - period.from > kMaxPeriod)
            problems.push_back({"from", "the period must be at most 366 days"});
        period.bucket = bucket.value_or(period.to - period.from <= 72 * kMicrosPerHour ? Bucket::kHour : Bucket::kDay);
        if (problems.empty() && period.bucket == Bucket::kHour && period.to - period.from > kMaxHourlySeries)
            problems.push_back({"bucket", "hourly series span at most 31 days; use bucket=day"});
    }
    if (!problems.empty()) {
        Error error = Error::Make(ErrorCode::kValidationFailed, "some query parameters are invalid");
        error.fields = std::move(problems);
        return error;
    }
    return period;
}

}  // namespace

Result<Period> ParsePeriod(const PeriodParams& params, UnixMicros now) { return Parse(params, now, false); }

Result<Period> ParseRollupPeriod(const PeriodParams& params, UnixMicros now) { return Parse(params, now, true); }

std::string_view BucketName(Bucket bucket) { return bucket == Bucket::kHour ? "hour" : "day"; }

}  // namespace wt::reports
