// SPDX-License-Identifier: Apache-2.0
// Name similarity for screening: Jaro-Winkler over normalised names.
// Normalisation: UTF-8 decoded to code points (invalid bytes dropped); Latin letters with accents
// (Latin-1 Supplement, Latin Extended-A) mapped to their ASCII base (é -> e, ß -> ss, Ł -> l,
// æ -> ae); ASCII upper case lowered; apostrophes dropped (O'Brien = OBrien); every other
// character that is not a letter or digit (punctuation, spaces) becomes one space; leading and
// trailing spaces removed. Other scripts are compared as they are. Names are cut at 256 code
// points. Two empty names (after normalisation) have similarity 0: nothing is not a match.
#include <algorithm>
#include <array>
#include <cstdint>

#include "rules/detail/program.hpp"

namespace wt::rules::detail {
namespace {

constexpr std::size_t kMaxCodePoints = 256;
using Name = std::array<std::uint32_t, kMaxCodePoints>;

// U+00C0..U+00FF; '*' marks code points with a two-letter or no mapping (handled in code).
constexpr std::string_view kLatin1 = "aaaaaa*ceeeeiiiidnooooo*ouuuuy**aaaaaa*ceeeeiiiidnooooo*ouuuuy*y";
// U+0100..U+017F.
constexpr std::string_view kLatinExtendedA =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllllnnnnnnnnnoooooo**"
    "rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

std::uint32_t DecodeOne(std::string_view text, std::size_t* pos) {
    auto byte = static_cast<unsigned char>(text[*pos]);
    std::size_t length = byte < 0x80           ? 1
                         : (byte >> 5) == 0x6  ? 2
                         : (byte >> 4) == 0xE  ? 3
                         : (byte >> 3) == 0x1E ? 4
                                               : 0;
    if (length == 0 || *pos + length > text.size()) {
        ++*pos;
        return 0xFFFFFFFF;
    }
    std::uint32_t cp = length == 1 ? byte : byte & (0xFF >> (length + 1));
    for (std::size_t i = 1; i < length; ++i) {
        auto next = static_cast<unsigned char>(text[*pos + i]);
        if ((next & 0xC0) != 0x80) {
            ++*pos;
            return 0xFFFFFFFF;
        }
        cp = (cp << 6) | (next & 0x3F);
    }
    *pos += length;
    return cp;
}

std::size_t Normalise(std::string_view text, Name& out) {
    std::size_t count = 0;
    bool pending_space = false;
    auto emit = [&](std::uint32_t cp) {
        if (count >= kMaxCodePoints) return;
        if (pending_space && count > 0 && count < kMaxCodePoints) out[count++] = ' ';
        pending_space = false;
        if (count < kMaxCodePoints) out[count++] = cp;
    };
    std::size_t pos = 0;
    while (pos < text.size() && count < kMaxCodePoints) {
        std::uint32_t cp = DecodeOne(text, &pos);
        if (cp == 0xFFFFFFFF) continue;
        if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            emit(cp);
        } else if (cp == '\'' || cp == 0x2019) {
            // apostrophes join: O'Brien -> obrien
        } else if (cp < 0xC0) {
            pending_space = true;
        } else if (cp <= 0xFF) {
            char mapped = kLatin1[cp - 0xC0];
            if (mapped != '*') {
                emit(static_cast<std::uint32_t>(mapped));
            } else if (cp == 0xC6 || cp == 0xE6) {
                emit('a');
                emit('e');
            } else if (cp == 0xDF) {
                emit('s');
                emit('s');
            } else if (cp == 0xDE || cp == 0xFE) {
                emit('t');
                emit('h');
            } else {
                pending_space = true;  // × and ÷
            }
        } else if (cp <= 0x17F) {
            char mapped = kLatinExtendedA[cp - 0x100];
            if (mapped != '*') {
                emit(static_cast<std::uint32_t>(mapped));
            } else {
                emit('o');  // Œ œ
                emit('e');
            }
        } else if (cp == 0x2010 || cp == 0x2013 || cp == 0x2014 || cp == 0x00A0 || cp == 0x3000) {
            pending_space = true;
        } else {
            emit(cp);
        }
    }
    return count;
}

double Jaro(const Name& a, std::size_t len_a, const Name& b, std::size_t len_b) {
    if (len_a == 0 || len_b == 0) return 0.0;
    std::size_t window = std::max(len_a, len_b) / 2;
    window = window > 0 ? window - 1 : 0;
    std::array<bool, kMaxCodePoints> matched_a{};
    std::array<bool, kMaxCodePoints> matched_b{};
    std::size_t matches = 0;
    for (std::size_t i = 0; i < len_a; ++i) {
        std::size_t from = i > window ? i - window : 0;
        std::size_t to = std::min(i + window + 1, len_b);
        for (std::size_t j = from; j < to; ++j) {
            if (matched_b[j] || a[i] != b[j]) continue;
            matched_a[i] = matched_b[j] = true;
            ++matches;
            break;
        }
    }
    if (matches == 0) return 0.0;
    std::size_t transpositions = 0;
    std::size_t k = 0;
    for (std::size_t i = 0; i < len_a; ++i) {
        if (!matched_a[i]) continue;
        while (!matched_b[k]) ++k;
        if (a[i] != b[k]) ++transpositions;
        ++k;
    }
    double m = static_cast<double>(matches);
    return (m / static_cast<double>(len_a) + m / static_cast<double>(len_b) +
            (m - static_cast<double>(transpositions) / 2.0) / m) /
           3.0;
}

}  // namespace

double NameSimilarity(std::string_view a, std::string_view b) {
    Name left{};
    Name right{};
    std::size_t len_a = Normalise(a, left);
    std::size_t len_b = Normalise(b, right);
    double jaro = Jaro(left, len_a, right, len_b);
    std::size_t prefix = 0;
    while (prefix < 4 && prefix < len_a && prefix < len_b && left[prefix] == right[prefix]) ++prefix;
    return jaro + static_cast<double>(prefix) * 0.1 * (1.0 - jaro);
}

}  // namespace wt::rules::detail
