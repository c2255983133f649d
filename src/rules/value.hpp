// SPDX-License-Identifier: Apache-2.0
/// Types and run-time values of the rules language (docs/rules-language.md "Types").
///
/// A `Value` is small and trivially copyable: text is a `std::string_view` into the transaction,
/// the compiled rule's constants, or the evaluating thread's scratch space (valid until the
/// evaluation that produced it returns). Any value may be null (a missing optional field, a failed
/// calculation such as a division by zero or an overflow).
/// Threading: value types; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "rules/decimal.hpp"

namespace wt::rules {

/// The static types of the language. kAny is the type of `metadata.*` paths, whose JSON type is
/// known only at evaluation; kNull is the type of the literal `null`; kList only appears right of
/// `in` and in an aggregate's `by:`.
enum class Type : std::uint8_t { kNull, kBool, kDecimal, kText, kTime, kDuration, kList, kAny };

/// "a decimal", "a text", "a condition (true/false)", ... as the error messages say it.
std::string_view TypeDescription(Type type);

struct Value {
    Type type = Type::kNull;
    bool boolean = false;
    std::int64_t micros = 0;  // kTime: UnixMicros; kDuration: a length in microseconds
    Decimal decimal;
    std::string_view text;

    static Value Null() { return Value{}; }
    static Value Bool(bool value) {
        Value result;
        result.type = Type::kBool;
        result.boolean = value;
        return result;
    }
    static Value Dec(const Decimal& value) {
        Value result;
        result.type = Type::kDecimal;
        result.decimal = value;
        return result;
    }
    static Value Text(std::string_view value) {
        Value result;
        result.type = Type::kText;
        result.text = value;
        return result;
    }
    static Value Time(UnixMicros value) {
        Value result;
        result.type = Type::kTime;
        result.micros = value;
        return result;
    }
    static Value Duration(std::int64_t micros) {
        Value result;
        result.type = Type::kDuration;
        result.micros = micros;
        return result;
    }

    bool is_null() const { return type == Type::kNull; }
    /// True only for the boolean true: null and every non-boolean count as false.
    bool IsTrue() const { return type == Type::kBool && boolean; }
};

/// How traces and test files show a value: `true`, `1000.50`, `"IR"`, `2026-03-29T01:00:00Z`,
/// `1h30m`, `null`.
std::string FormatValue(const Value& value);

/// A duration as the language writes it: the largest units that are exact (`90m` -> "1h30m",
/// `86400s` -> "1d", 0 -> "0s").
std::string FormatDuration(std::int64_t micros);

/// The canonical text of a scalar value used in aggregate keys and distinct counts: a type tag,
/// then the value (decimals normalised, so 1000 and 1000.00 are one key). Null is "n".
void AppendCanonical(const Value& value, std::string* out);

/// Equality as `==` means it (decimals by value, text bytewise). Null equals nothing.
bool ValuesEqual(const Value& a, const Value& b);

}  // namespace wt::rules
