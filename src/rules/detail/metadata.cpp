// SPDX-License-Identifier: Apache-2.0
// `metadata.<path>` lookup straight on the stored JSON text: no parse tree, no allocation unless
// a string has escapes. Anything unexpected (malformed text, a path through a non-object, an
// array or object at the end) is null: the stored text was validated at ingestion, and a rule must
// never fail on it anyway.
#include <string>

#include "rules/detail/program.hpp"

namespace wt::rules::detail {
namespace {

class Scanner {
  public:
    explicit Scanner(std::string_view json) : s_(json) {}

    void Space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r'))
            ++pos_;
    }
    bool Eat(char c) {
        Space();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    char Peek() {
        Space();
        return pos_ < s_.size() ? s_[pos_] : '\0';
    }
    // A string token starting at the quote: its raw contents (between the quotes) and whether it
    // has escapes.
    bool RawString(std::string_view* raw, bool* escaped) {
        if (!Eat('"')) return false;
        std::size_t begin = pos_;
        *escaped = false;
        while (pos_ < s_.size() && s_[pos_] != '"') {
            if (s_[pos_] == '\\') {
                *escaped = true;
                ++pos_;
            }
            ++pos_;
        }
        if (pos_ >= s_.size()) return false;
        *raw = s_.substr(begin, pos_ - begin);
        ++pos_;
        return true;
    }
    // Skips one value of any kind (iteratively: nesting depth cannot exhaust the stack).
    bool SkipValue() {
        int depth = 0;
        while (true) {
            char c = Peek();
            if (c == '\0') return false;
            if (c == '"') {
                std::string_view raw;
                bool escaped = false;
                if (!RawString(&raw, &escaped)) return false;
            } else if (c == '{' || c == '[') {
                ++pos_;
                ++depth;
                continue;
            } else if (c == '}' || c == ']') {
                if (depth == 0) return false;
                ++pos_;
                --depth;
            } else if (depth > 0 && (c == ',' || c == ':')) {
                ++pos_;
                continue;
            } else if (Scalar().empty()) {
                return false;
            }
            if (depth == 0) return true;
        }
    }
    std::string_view Scalar() {
        Space();
        std::size_t begin = pos_;
        while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != '}' && s_[pos_] != ']' && s_[pos_] != ' ' &&
               s_[pos_] != '\n')
            ++pos_;
        return s_.substr(begin, pos_ - begin);
    }

  private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool Hex4(std::string_view raw, std::size_t pos, std::uint32_t* out) {
    if (pos + 4 > raw.size()) return false;
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        int digit = HexValue(raw[pos + i]);
        if (digit < 0) return false;
        value = value * 16 + static_cast<std::uint32_t>(digit);
    }
    *out = value;
    return true;
}

// Decodes JSON string contents; false on a bad escape.
bool Unescape(std::string_view raw, std::string* out) {
    out->clear();
    for (std::size_t pos = 0; pos < raw.size(); ++pos) {
        char c = raw[pos];
        if (c != '\\') {
            out->push_back(c);
            continue;
        }
        if (++pos >= raw.size()) return false;
        switch (raw[pos]) {
            case '"':
                out->push_back('"');
                break;
            case '\\':
                out->push_back('\\');
                break;
            case '/':
                out->push_back('/');
                break;
            case 'b':
                out->push_back('\b');
                break;
            case 'f':
                out->push_back('\f');
                break;
            case 'n':
                out->push_back('\n');
                break;
            case 'r':
                out->push_back('\r');
                break;
            case 't':
                out->push_back('\t');
                break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!Hex4(raw, pos + 1, &cp)) return false;
                pos += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    std::uint32_t low = 0;
                    if (pos + 2 < raw.size() && raw[pos + 1] == '\\' && raw[pos + 2] == 'u' &&
                        Hex4(raw, pos + 3, &low) && low >= 0xDC00 && low <= 0xDFFF) {
                        pos += 6;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    } else {
                        cp = 0xFFFD;
                    }
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    cp = 0xFFFD;
                }
                AppendUtf8(cp, out);
                break;
            }
            default:
                return false;
        }
    }
    return true;
}

}  // namespace

Value MetadataLookup(std::string_view json, const std::vector<std::string_view>& path, std::string* scratch) {
    Scanner scanner(json);
    // path[0] is "metadata" itself.
    for (std::size_t segment = 1; segment < path.size(); ++segment) {
        if (!scanner.Eat('{')) return Value::Null();
        bool found = false;
        if (scanner.Peek() == '}') return Value::Null();
        while (true) {
            std::string_view raw;
            bool escaped = false;
            if (!scanner.RawString(&raw, &escaped)) return Value::Null();
            if (!scanner.Eat(':')) return Value::Null();
            bool match = false;
            if (!escaped) {
                match = raw == path[segment];
            } else if (Unescape(raw, scratch)) {
                match = *scratch == path[segment];
            }
            if (match) {
                found = true;
                break;
            }
            if (!scanner.SkipValue()) return Value::Null();
            if (scanner.Eat(',')) continue;
            return Value::Null();
        }
        if (!found) return Value::Null();
    }
    char c = scanner.Peek();
    if (c == '"') {
        std::string_view raw;
        bool escaped = false;
        if (!scanner.RawString(&raw, &escaped)) return Value::Null();
        if (!escaped) return Value::Text(raw);
        if (!Unescape(raw, scratch)) return Value::Null();
        return Value::Text(*scratch);
    }
    if (c == '{' || c == '[') return Value::Null();
    std::string_view scalar = scanner.Scalar();
    if (scalar == "true") return Value::Bool(true);
    if (scalar == "false") return Value::Bool(false);
    if (scalar == "null") return Value::Null();
    auto number = Decimal::Parse(scalar);
    return number ? Value::Dec(*number) : Value::Null();
}

}  // namespace wt::rules::detail
