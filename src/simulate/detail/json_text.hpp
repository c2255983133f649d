// SPDX-License-Identifier: Apache-2.0
/// Private to `simulate`: JSON text written straight into a string, for the request bodies the
/// generator emits by the million (a Boost.JSON DOM per body cost more than the rest of the
/// generator), and the body's times. The output is byte for byte what `boost::json::serialize` writes for the same
/// object: strings escaped as Boost.JSON escapes them (`"`, `\` and control characters; `/` and
/// bytes >= 0x7f verbatim), members in the order they are written, no spaces.
/// Threading: a writer is used by one thread; the functions are pure.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace wt::simulate::detail {

/// Whether Boost.JSON's serializer escapes a byte: `"`, `\` and the control characters below 0x20.
inline constexpr auto kEscapedByte = [] {
    std::array<bool, 256> escaped{};
    for (int byte = 0; byte < 0x20; ++byte) escaped[byte] = true;
    escaped['"'] = escaped['\\'] = true;
    return escaped;
}();

/// Appends `text` as a JSON string literal (quotes included), escaped like Boost.JSON's serializer.
inline void AppendJsonString(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain_from = 0;
    for (std::size_t idx = 0; idx < text.size(); ++idx) {
        auto c = static_cast<unsigned char>(text[idx]);
        if (!kEscapedByte[c]) continue;
        out.append(text, plain_from, idx - plain_from);
        plain_from = idx + 1;
        out += '\\';
        switch (c) {
            case '"':
            case '\\':
                out += static_cast<char>(c);
                break;
            case '\b':
                out += 'b';
                break;
            case '\t':
                out += 't';
                break;
            case '\n':
                out += 'n';
                break;
            case '\f':
                out += 'f';
                break;
            case '\r':
                out += 'r';
                break;
            default:
                out += "u00";
                out += kHex[c >> 4];
                out += kHex[c & 0xf];
        }
    }
    out.append(text, plain_from, text.size() - plain_from);
    out += '"';
}

/// `FormatRfc3339(t)` (whole seconds), written into `text` without gmtime_r and snprintf (which
/// cost a tenth of a body); years outside 0-9999 take FormatRfc3339's path through `fallback`.
/// The view points into `text` or `fallback`.
inline std::string_view Rfc3339Seconds(UnixMicros t, std::array<char, 20>& text, std::string& fallback) {
    constexpr std::int64_t kSecondsPerDay = 24 * 3600;
    std::int64_t secs = t / kMicrosPerSecond - (t % kMicrosPerSecond < 0 ? 1 : 0);
    std::int64_t days = secs / kSecondsPerDay - (secs % kSecondsPerDay < 0 ? 1 : 0);
    std::int64_t in_day = secs - days * kSecondsPerDay;
    std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
    int year = static_cast<int>(date.year());
    if (year < 0 || year > 9999) return fallback = FormatRfc3339(t);
    auto put = [&text](std::size_t at, int value, int digits) {
        for (int digit = digits - 1; digit >= 0; --digit, value /= 10)
            text[at + static_cast<std::size_t>(digit)] = static_cast<char>('0' + value % 10);
    };
    put(0, year, 4);
    text[4] = '-';
    put(5, static_cast<int>(static_cast<unsigned>(date.month())), 2);
    text[7] = '-';
    put(8, static_cast<int>(static_cast<unsigned>(date.day())), 2);
    text[10] = 'T';
    put(11, static_cast<int>(in_day / 3600), 2);
    text[13] = ':';
    put(14, static_cast<int>(in_day / 60 % 60), 2);
    text[16] = ':';
    put(17, static_cast<int>(in_day % 60), 2);
    text[19] = 'Z';
    return {text.data(), text.size()};
}

/// Writes one JSON object (and objects nested in it) member by member into `out`:
///
///   JsonObjectWriter body(text);          // "{"
///   body.String("currency", "EUR");       // "\"currency\":\"EUR\""
///   body.OpenObject("metadata"); ... body.CloseObject();
///   body.Close();                         // "}"
///
/// REQUIRES: keys need no escaping (they are written as they are: the generator's are literals);
/// every OpenObject is matched by a CloseObject before Close.
class JsonObjectWriter {
  public:
    explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }

    void String(std::string_view key, std::string_view value) {
        bool plain = true;
        for (char c : value) plain &= !kEscapedByte[static_cast<unsigned char>(c)];
        if (!plain) {
            Key(key);
            AppendJsonString(out_, value);
            return;
        }
        // The usual case, in one resize and two copies: [,]"key":"value"
        std::size_t at = out_.size();
        out_.resize(at + key.size() + value.size() + 6);
        char* next = out_.data() + at;
        if (!first_) *next++ = ',';
        *next++ = '"';
        next = std::copy(key.begin(), key.end(), next);
        *next++ = '"';
        *next++ = ':';
        *next++ = '"';
        next = std::copy(value.begin(), value.end(), next);
        *next++ = '"';
        out_.resize(static_cast<std::size_t>(next - out_.data()));
        first_ = false;
    }
    void OpenObject(std::string_view key) {
        Key(key);
        out_ += '{';
        first_ = true;
    }
    void CloseObject() {
        out_ += '}';
        first_ = false;
    }
    void Close() { out_ += '}'; }

  private:
    void Key(std::string_view key) {
        out_.append(first_ ? "\"" : ",\"");
        out_.append(key);
        out_.append("\":");
        first_ = false;
    }

    std::string& out_;
    bool first_ = true;
};

}  // namespace wt::simulate::detail
