// SPDX-License-Identifier: Apache-2.0
#include "rules/decimal.hpp"

#include <algorithm>
#include <array>

namespace wt::rules {
namespace {

using Int = Decimal::Int;

constexpr std::array<Int, 39> MakePowers() {
    std::array<Int, 39> powers{};
    Int value = 1;
    for (std::size_t exponent = 0; exponent < powers.size(); ++exponent) {
        powers[exponent] = value;
        if (exponent + 1 < powers.size()) value *= 10;
    }
    return powers;
}
constexpr std::array<Int, 39> kPow10 = MakePowers();
constexpr Int kMaxMantissa = kPow10[Decimal::kMaxDigits] - 1;

Int AbsInt(Int value) { return value < 0 ? -value : value; }

// `value * 10^digits` into *out, false when |result| would exceed `limit`. (No
// __builtin_mul_overflow on __int128: clang would need compiler-rt's __muloti4, which libgcc lacks.)
bool ScaleUp(Int value, int digits, Int limit, Int* out) {
    if (digits < 0 || digits > 38) return false;
    if (value != 0 && AbsInt(value) > limit / kPow10[digits]) return false;
    *out = value * kPow10[digits];
    return true;
}

// `value / divisor` rounded half away from zero. REQUIRES: divisor != 0.
Int DivideRounded(Int value, Int divisor) {
    Int quotient = value / divisor;
    Int remainder = AbsInt(value % divisor);
    // remainder >= |divisor| - remainder  <=>  2 * remainder >= |divisor|, without overflow.
    if (remainder >= AbsInt(divisor) - remainder) quotient += ((value < 0) != (divisor < 0)) ? -1 : 1;
    return quotient;
}

}  // namespace

std::optional<Decimal> Decimal::Make(Int mantissa, int scale) {
    if (scale < 0 || scale > kMaxScale) return std::nullopt;
    if (AbsInt(mantissa) > kMaxMantissa) return std::nullopt;
    return Decimal(mantissa, scale);
}

std::optional<Decimal> Decimal::Parse(std::string_view text) {
    std::size_t pos = 0;
    bool negative = false;
    if (pos < text.size() && text[pos] == '-') {
        negative = true;
        ++pos;
    }
    Int mantissa = 0;
    int significant = 0;
    int fraction_digits = 0;
    bool any_digit = false;
    auto take_digit = [&](char c) {
        if (mantissa == 0 && c == '0') return true;
        if (++significant > kMaxDigits) return false;
        mantissa = mantissa * 10 + (c - '0');
        return true;
    };
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (!take_digit(text[pos++])) return std::nullopt;
        any_digit = true;
    }
    if (!any_digit) return std::nullopt;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        bool any_fraction = false;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (mantissa != 0 || text[pos] != '0') {
                if (!take_digit(text[pos])) return std::nullopt;
            }
            ++pos;
            ++fraction_digits;
            any_fraction = true;
            if (fraction_digits > 400) return std::nullopt;
        }
        if (!any_fraction) return std::nullopt;
    }
    int exponent = 0;
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
        ++pos;
        bool exponent_negative = false;
        if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) exponent_negative = text[pos++] == '-';
        bool any_exponent = false;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (exponent < 100000) exponent = exponent * 10 + (text[pos] - '0');
            ++pos;
            any_exponent = true;
        }
        if (!any_exponent) return std::nullopt;
        if (exponent_negative) exponent = -exponent;
    }
    if (pos != text.size()) return std::nullopt;
    int scale = fraction_digits - exponent;
    if (mantissa == 0) return Decimal(0, 0);
    // Drop trailing zeros while the scale is positive (10.500 -> 10.5) so the limits apply to
    // the value, not to its spelling.
    while (scale > 0 && mantissa % 10 == 0) {
        mantissa /= 10;
        --scale;
    }
    if (scale > kMaxScale) return std::nullopt;
    if (scale < 0) {
        if (!ScaleUp(mantissa, -scale, kMaxMantissa, &mantissa)) return std::nullopt;
        scale = 0;
    }
    return Make(negative ? -mantissa : mantissa, scale);
}

std::optional<std::int64_t> Decimal::ToInt64() const {
    Decimal normal = Normalized();
    if (normal.scale_ != 0) return std::nullopt;
    if (normal.mantissa_ > INT64_MAX || normal.mantissa_ < INT64_MIN) return std::nullopt;
    return static_cast<std::int64_t>(normal.mantissa_);
}

Decimal Decimal::Normalized() const {
    Int mantissa = mantissa_;
    int scale = scale_;
    while (scale > 0 && mantissa % 10 == 0) {
        mantissa /= 10;
        --scale;
    }
    if (mantissa == 0) scale = 0;
    return Decimal(mantissa, scale);
}

std::string Decimal::ToString() const {
    Int magnitude = AbsInt(mantissa_);
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
        magnitude /= 10;
    } while (magnitude != 0);
    if (static_cast<int>(digits.size()) <= scale_)
        digits.insert(0, static_cast<std::size_t>(scale_) + 1 - digits.size(), '0');
    if (scale_ > 0) digits.insert(digits.size() - static_cast<std::size_t>(scale_), 1, '.');
    if (mantissa_ < 0) digits.insert(digits.begin(), '-');
    return digits;
}

std::optional<Decimal> Decimal::Round(int digits) const {
    if (digits < 0 || digits > kMaxScale) return std::nullopt;
    if (digits >= scale_) return *this;
    return Make(DivideRounded(mantissa_, kPow10[scale_ - digits]), digits);
}

std::optional<Decimal> Add(const Decimal& a, const Decimal& b) {
    int scale = std::max<int>(a.scale_, b.scale_);
    Int left = 0;
    Int right = 0;
    if (!ScaleUp(a.mantissa_, scale - a.scale_, kMaxMantissa, &left)) return std::nullopt;
    if (!ScaleUp(b.mantissa_, scale - b.scale_, kMaxMantissa, &right)) return std::nullopt;
    return Decimal::Make(left + right, scale);  // |left + right| <= 2 * 10^36: no int128 overflow
}

std::optional<Decimal> Sub(const Decimal& a, const Decimal& b) { return Add(a, Decimal(-b.mantissa_, b.scale_)); }

std::optional<Decimal> Mul(const Decimal& a, const Decimal& b) {
    if (a.mantissa_ == 0 || b.mantissa_ == 0) return Decimal(0, 0);
    // Both magnitudes are below 10^36, so the product fits __int128 when it is below ~1.7e38.
    static constexpr Int kProductLimit = kPow10[38];
    if (AbsInt(a.mantissa_) > kProductLimit / AbsInt(b.mantissa_)) return std::nullopt;
    Int product = a.mantissa_ * b.mantissa_;
    int scale = a.scale_ + b.scale_;
    if (scale > Decimal::kMaxScale) {
        product = DivideRounded(product, kPow10[scale - Decimal::kMaxScale]);
        scale = Decimal::kMaxScale;
    }
    return Decimal::Make(product, scale);
}

std::optional<Decimal> Div(const Decimal& a, const Decimal& b) {
    if (b.mantissa_ == 0) return std::nullopt;
    // a.m / 10^sa / (b.m / 10^sb) = (a.m * 10^(k + sb - sa) / b.m) / 10^k with k = kDivisionScale.
    int shift = Decimal::kDivisionScale + b.scale_ - a.scale_;
    Int numerator = a.mantissa_;
    Int denominator = b.mantissa_;
    static constexpr Int kLimit = kPow10[38];
    if (shift >= 0) {
        if (!ScaleUp(numerator, shift, kLimit, &numerator)) return std::nullopt;
    } else if (!ScaleUp(denominator, -shift, kLimit, &denominator)) {
        return Decimal(0, 0);  // |b| is so large that |a / b| rounds to 0 at 12 places
    }
    Int quotient = DivideRounded(numerator, denominator);
    int scale = Decimal::kDivisionScale;
    int min_scale = std::max<int>(a.scale_, b.scale_);
    while (scale > min_scale && quotient % 10 == 0) {
        quotient /= 10;
        --scale;
    }
    return Decimal::Make(quotient, scale);
}

int Compare(const Decimal& a, const Decimal& b) {
    int sign_a = (a.mantissa_ > 0) - (a.mantissa_ < 0);
    int sign_b = (b.mantissa_ > 0) - (b.mantissa_ < 0);
    if (sign_a != sign_b) return sign_a < sign_b ? -1 : 1;
    Int left = a.mantissa_;
    Int right = b.mantissa_;
    // Scale the operand with fewer places up. If that overflows __int128 its magnitude exceeds
    // the other's, and the common sign decides.
    static constexpr Int kLimit = kPow10[38];
    if (a.scale_ < b.scale_) {
        if (!ScaleUp(left, b.scale_ - a.scale_, kLimit, &left)) return sign_a;
    } else if (b.scale_ < a.scale_) {
        if (!ScaleUp(right, a.scale_ - b.scale_, kLimit, &right)) return -sign_a;
    }
    return (left > right) - (left < right);
}

}  // namespace wt::rules
