// SPDX-License-Identifier: Apache-2.0
/// `Decimal`: an exact decimal number for money and counts in the rules language. Never a double.
///
/// Representation: a signed 128-bit integer mantissa and a scale (digits after the point),
/// value = mantissa / 10^scale. Limits: |mantissa| <= 10^36 - 1 and 0 <= scale <= 18. Every
/// operation that would leave these limits answers std::nullopt (the language turns that into
/// null, which makes comparisons false): there is no undefined behaviour and no silent wrap.
/// - Add/Sub/Compare are exact. Mul is exact, then rounded to 18 places when the scales add up to
///   more. Div rounds to 12 decimal places (half away from zero), then drops trailing zeros down
///   to the larger scale of its operands; division by zero is nullopt.
/// - Round(digits) rounds half away from zero (commercial rounding: 2.345 -> 2.35, -2.5 -> -3).
/// Equal values compare equal whatever their scale (1000 == 1000.00).
/// Threading: a value type; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wt::rules {

class Decimal {
  public:
    using Int = __int128;
    static constexpr int kMaxScale = 18;
    static constexpr int kDivisionScale = 12;
    static constexpr int kMaxDigits = 36;

    constexpr Decimal() = default;
    static constexpr Decimal FromInt(std::int64_t value) { return Decimal(value, 0); }
    /// `mantissa / 10^scale`, or nullopt outside the limits above.
    static std::optional<Decimal> Make(Int mantissa, int scale);
    /// Parses `[-]digits[.digits][(e|E)[+-]digits]` exactly (the JSON number grammar, leading
    /// zeros allowed). nullopt for anything else or a value outside the limits (more than 18
    /// decimal places after trailing zeros are dropped, more than 36 significant digits).
    static std::optional<Decimal> Parse(std::string_view text);

    Int mantissa() const { return mantissa_; }
    int scale() const { return scale_; }
    bool IsZero() const { return mantissa_ == 0; }
    bool IsNegative() const { return mantissa_ < 0; }
    /// The integer value when it has no fraction and fits an int64.
    std::optional<std::int64_t> ToInt64() const;
    /// The same value with trailing fractional zeros removed (1000.50 -> 1000.5, 7.00 -> 7).
    Decimal Normalized() const;

    /// Text keeping the scale: "1000.50", "-0.001", "7".
    std::string ToString() const;

    std::optional<Decimal> Round(int digits) const;
    std::optional<Decimal> Negate() const { return Make(-mantissa_, scale_); }
    Decimal Abs() const { return mantissa_ < 0 ? Decimal(-mantissa_, scale_) : *this; }

    friend std::optional<Decimal> Add(const Decimal& a, const Decimal& b);
    friend std::optional<Decimal> Sub(const Decimal& a, const Decimal& b);
    friend std::optional<Decimal> Mul(const Decimal& a, const Decimal& b);
    friend std::optional<Decimal> Div(const Decimal& a, const Decimal& b);
    /// -1, 0, 1. Exact for every pair of valid decimals.
    friend int Compare(const Decimal& a, const Decimal& b);
    friend bool operator==(const Decimal& a, const Decimal& b) { return Compare(a, b) == 0; }

  private:
    constexpr Decimal(Int mantissa, int scale) : mantissa_(mantissa), scale_(static_cast<std::int8_t>(scale)) {}

    Int mantissa_ = 0;
    std::int8_t scale_ = 0;
};

}  // namespace wt::rules
