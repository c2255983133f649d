// SPDX-License-Identifier: Apache-2.0
#include "common/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

namespace wt {
namespace {

class RealClock final : public Clock {
public:
    UnixMicros Now() const override {
        using namespace std::chrono;
        return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    }
};

class OffsetFileClock final : public Clock {
public:
    explicit OffsetFileClock(std::string path) : path_(std::move(path)) {}
    UnixMicros Now() const override {
        std::int64_t offset_seconds = 0;
        std::ifstream in(path_);
        if (in) in >> offset_seconds;
        if (!in) offset_seconds = 0;
        return real_.Now() + offset_seconds * kMicrosPerSecond;
    }

private:
    std::string path_;
    RealClock real_;
};

bool IsDigits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

int ToInt(std::string_view s) {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's civil algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::shared_ptr<Clock> SystemClock() {
    static const std::shared_ptr<Clock> clock = std::make_shared<RealClock>();
    return clock;
}

std::shared_ptr<Clock> FileOffsetClock(std::string path) { return std::make_shared<OffsetFileClock>(std::move(path)); }

std::string FormatRfc3339(UnixMicros t, bool with_millis) {
    std::int64_t secs = t / kMicrosPerSecond;
    std::int64_t micros = t % kMicrosPerSecond;
    if (micros < 0) {
        micros += kMicrosPerSecond;
        secs -= 1;
    }
    std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    if (with_millis) {
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(micros / 1000));
    } else {
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec);
    }
    return buf;
}

std::optional<UnixMicros> ParseRfc3339(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return std::nullopt;
    auto year = s.substr(0, 4), mon = s.substr(5, 2), day = s.substr(8, 2);
    auto hour = s.substr(11, 2), min = s.substr(14, 2), sec = s.substr(17, 2);
    if (!IsDigits(year) || !IsDigits(mon) || !IsDigits(day) || !IsDigits(hour) || !IsDigits(min) || !IsDigits(sec))
        return std::nullopt;
    int y = ToInt(year), mo = ToInt(mon), d = ToInt(day), h = ToInt(hour), mi = ToInt(min), se = ToInt(sec);
    if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 || se > 59) return std::nullopt;
    std::size_t pos = 19;
    std::int64_t micros = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::size_t start = pos;
        int digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 6) micros = micros * 10 + (s[pos] - '0'), ++digits;
            ++pos;
        }
        if (pos == start || pos - start > 9) return std::nullopt;
        while (digits < 6) micros *= 10, ++digits;
    }
    if (pos >= s.size()) return std::nullopt;
    std::int64_t offset_minutes = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        if (s.size() - pos != 6 || s[pos + 3] != ':') return std::nullopt;
        auto oh = s.substr(pos + 1, 2), om = s.substr(pos + 4, 2);
        if (!IsDigits(oh) || !IsDigits(om) || ToInt(oh) > 23 || ToInt(om) > 59) return std::nullopt;
        offset_minutes = ToInt(oh) * 60 + ToInt(om);
        if (s[pos] == '-') offset_minutes = -offset_minutes;
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    std::int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_minutes * 60;
    return secs * kMicrosPerSecond + micros;
}

}  // namespace wt
