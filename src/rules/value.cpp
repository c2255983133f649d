// SPDX-License-Identifier: Apache-2.0
#include "rules/value.hpp"

#include <string>

namespace wt::rules {

std::string_view TypeDescription(Type type) {
    switch (type) {
        case Type::kNull:
            return "null";
        case Type::kBool:
            return "a condition (true/false)";
        case Type::kDecimal:
            return "a decimal";
        case Type::kText:
            return "a text";
        case Type::kTime:
            return "a time";
        case Type::kDuration:
            return "a duration";
        case Type::kList:
            return "a list";
        case Type::kAny:
            return "a metadata value";
    }
    return "a value";
}

std::string FormatDuration(std::int64_t micros) {
    if (micros == 0) return "0s";
    std::string out;
    std::uint64_t rest = micros < 0 ? 0 - static_cast<std::uint64_t>(micros) : static_cast<std::uint64_t>(micros);
    if (micros < 0) out.push_back('-');
    struct Unit {
        std::uint64_t micros;
        const char* suffix;
    };
    static constexpr Unit kUnits[] = {
        {86400000000ULL, "d"}, {3600000000ULL, "h"}, {60000000ULL, "m"}, {1000000ULL, "s"}};
    for (const Unit& unit : kUnits) {
        if (rest >= unit.micros) {
            out += std::to_string(rest / unit.micros) + unit.suffix;
            rest %= unit.micros;
        }
    }
    if (rest != 0) out += std::to_string(rest) + "us";
    return out;
}

std::string FormatValue(const Value& value) {
    switch (value.type) {
        case Type::kNull:
            return "null";
        case Type::kBool:
            return value.boolean ? "true" : "false";
        case Type::kDecimal:
            return value.decimal.ToString();
        case Type::kText: {
            std::string out = "\"";
            for (char c : value.text) {
                if (c == '"' || c == '\\') out.push_back('\\');
                if (c == '\n') {
                    out += "\\n";
                    continue;
                }
                out.push_back(c);
            }
            return out + "\"";
        }
        case Type::kTime:
            return FormatRfc3339(value.micros, value.micros % kMicrosPerSecond != 0);
        case Type::kDuration:
            return FormatDuration(value.micros);
        default:
            return "?";
    }
}

void AppendCanonical(const Value& value, std::string* out) {
    switch (value.type) {
        case Type::kNull:
            out->push_back('n');
            return;
        case Type::kBool:
            out->append(value.boolean ? "b1" : "b0");
            return;
        case Type::kDecimal:
            out->push_back('d');
            out->append(value.decimal.Normalized().ToString());
            return;
        case Type::kText:
            out->push_back('s');
            out->append(std::to_string(value.text.size()));
            out->push_back(':');
            out->append(value.text);
            return;
        case Type::kTime:
            out->push_back('t');
            out->append(std::to_string(value.micros));
            return;
        case Type::kDuration:
            out->push_back('u');
            out->append(std::to_string(value.micros));
            return;
        default:
            out->push_back('?');
            return;
    }
}

bool ValuesEqual(const Value& a, const Value& b) {
    if (a.type != b.type) return false;
    switch (a.type) {
        case Type::kBool:
            return a.boolean == b.boolean;
        case Type::kDecimal:
            return a.decimal == b.decimal;
        case Type::kText:
            return a.text == b.text;
        case Type::kTime:
        case Type::kDuration:
            return a.micros == b.micros;
        default:
            return false;
    }
}

}  // namespace wt::rules
