// SPDX-License-Identifier: Apache-2.0
// Lexer and recursive-descent parser of the rules language (grammar: docs/rules-language.md).
// Errors leave through CompileFailure (see program.hpp) so that the descent stays readable.
#include <cstring>
#include <string>
#include <string_view>

#include "rules/detail/program.hpp"

namespace wt::rules::detail {
namespace {

constexpr int kMaxDepth = 64;
constexpr std::int64_t kMaxDurationMicros = 36500LL * 24 * kMicrosPerHour;  // 100 years

enum class Tok : std::uint8_t {
    kEnd,
    kNumber,
    kDuration,
    kString,
    kIdent,
    kLParen,
    kRParen,
    kLBracket,
    kRBracket,
    kComma,
    kDot,
    kColon,
    kPlus,
    kMinus,
    kStar,
    kSlash,
    kEq,
    kNe,
    kLt,
    kLe,
    kGt,
    kGe,
};

struct Token {
    Tok kind = Tok::kEnd;
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    std::string_view text;  // the source text (identifiers, operators)
    Value value;            // numbers, durations, strings (text in Program::strings)
};

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
        if (x != b[i]) return false;
    }
    return true;
}

class Lexer {
  public:
    explicit Lexer(Program& program) : program_(program), src_(program.source) {}

    Token Next() {
        SkipSpaceAndComments();
        Token token;
        token.begin = static_cast<std::uint32_t>(pos_);
        if (pos_ >= src_.size()) {
            token.end = token.begin;
            return token;
        }
        char c = src_[pos_];
        if (IsDigit(c)) return Number(token);
        if (c == '"' || c == '\'') return String(token);
        if (IsIdentStart(c)) {
            while (pos_ < src_.size() && IsIdentChar(src_[pos_])) ++pos_;
            return Finish(token, Tok::kIdent);
        }
        ++pos_;
        char next = pos_ < src_.size() ? src_[pos_] : '\0';
        switch (c) {
            case '(':
                return Finish(token, Tok::kLParen);
            case ')':
                return Finish(token, Tok::kRParen);
            case '[':
                return Finish(token, Tok::kLBracket);
            case ']':
                return Finish(token, Tok::kRBracket);
            case ',':
                return Finish(token, Tok::kComma);
            case '.':
                return Finish(token, Tok::kDot);
            case ':':
                return Finish(token, Tok::kColon);
            case '+':
                return Finish(token, Tok::kPlus);
            case '-':
                return Finish(token, Tok::kMinus);
            case '*':
                return Finish(token, Tok::kStar);
            case '/':
                return Finish(token, Tok::kSlash);
            case '=':
                if (next == '=') return Finish2(token, Tok::kEq);
                throw CompileFailure{token.begin, "use == to compare two values (a single = is not an operator)"};
            case '!':
                if (next == '=') return Finish2(token, Tok::kNe);
                throw CompileFailure{token.begin, "write not instead of !"};
            case '<':
                if (next == '=') return Finish2(token, Tok::kLe);
                if (next == '>') throw CompileFailure{token.begin, "write != instead of <>"};
                return Finish(token, Tok::kLt);
            case '>':
                if (next == '=') return Finish2(token, Tok::kGe);
                return Finish(token, Tok::kGt);
            case '&':
                throw CompileFailure{token.begin, "write and instead of &&"};
            case '|':
                throw CompileFailure{token.begin, "write or instead of ||"};
            default:
                break;
        }
        std::size_t length = 1;
        auto byte = static_cast<unsigned char>(c);
        if (byte >= 0xC0) {
            while (pos_ < src_.size() && (static_cast<unsigned char>(src_[pos_]) & 0xC0) == 0x80 && length < 4) {
                ++pos_;
                ++length;
            }
        }
        std::string shown(src_.substr(token.begin, length));
        if (byte < 0x20 || byte == 0x7F)
            shown = "control character";
        else
            shown = "\"" + shown + "\"";
        throw CompileFailure{token.begin, "unexpected " + shown + " (texts are written in double quotes)"};
    }

  private:
    void SkipSpaceAndComments() {
        while (pos_ < src_.size()) {
            char c = src_[pos_];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++pos_;
            } else if (c == '#') {  // a comment runs to the end of the line
                while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
            } else {
                break;
            }
        }
    }

    Token Finish(Token& token, Tok kind) {
        token.kind = kind;
        token.end = static_cast<std::uint32_t>(pos_);
        token.text = src_.substr(token.begin, token.end - token.begin);
        return token;
    }
    Token Finish2(Token& token, Tok kind) {
        ++pos_;
        return Finish(token, kind);
    }

    Token Number(Token& token) {
        std::string digits;
        while (pos_ < src_.size() && (IsDigit(src_[pos_]) || src_[pos_] == '_')) {
            if (src_[pos_] != '_') digits.push_back(src_[pos_]);
            ++pos_;
        }
        bool fraction = false;
        if (pos_ < src_.size() && src_[pos_] == '.' && !(pos_ + 1 < src_.size() && IsIdentStart(src_[pos_ + 1]))) {
            ++pos_;
            if (pos_ >= src_.size() || !IsDigit(src_[pos_]))
                throw CompileFailure{token.begin, "a number cannot end with a dot: write 1000 or 1000.50"};
            digits.push_back('.');
            fraction = true;
            while (pos_ < src_.size() && (IsDigit(src_[pos_]) || src_[pos_] == '_')) {
                if (src_[pos_] != '_') digits.push_back(src_[pos_]);
                ++pos_;
            }
        }
        if (pos_ < src_.size() && IsIdentStart(src_[pos_])) {
            std::size_t unit_begin = pos_;
            while (pos_ < src_.size() && IsIdentChar(src_[pos_])) ++pos_;
            std::string_view unit = src_.substr(unit_begin, pos_ - unit_begin);
            std::int64_t unit_micros = 0;
            if (unit == "s")
                unit_micros = kMicrosPerSecond;
            else if (unit == "m")
                unit_micros = kMicrosPerMinute;
            else if (unit == "h")
                unit_micros = kMicrosPerHour;
            else if (unit == "d")
                unit_micros = 24 * kMicrosPerHour;
            else
                throw CompileFailure{
                    static_cast<std::uint32_t>(unit_begin),
                    "unknown duration unit \"" + std::string(unit) + "\": use s, m, h or d (30m, 1h, 7d)"};
            if (fraction)
                throw CompileFailure{token.begin, "a duration must be a whole number: write 90m instead of 1.5h"};
            std::int64_t count = 0;
            for (char d : digits) {
                count = count * 10 + (d - '0');
                if (count > 100000000) break;
            }
            if (count > kMaxDurationMicros / unit_micros)
                throw CompileFailure{token.begin, "this duration is too long (at most 36500d)"};
            token.value = Value::Duration(count * unit_micros);
            return Finish(token, Tok::kDuration);
        }
        auto decimal = Decimal::Parse(digits);
        if (!decimal)
            throw CompileFailure{token.begin,
                                 "this number has too many digits (at most 36, and at most 18 after the point)"};
        token.value = Value::Dec(*decimal);
        return Finish(token, Tok::kNumber);
    }

    Token String(Token& token) {
        char quote = src_[pos_++];
        std::string text;
        while (true) {
            if (pos_ >= src_.size() || src_[pos_] == '\n')
                throw CompileFailure{token.begin, "this text has no closing quote"};
            char c = src_[pos_];
            if (c == quote) {
                ++pos_;
                break;
            }
            if (c != '\\') {
                text.push_back(c);
                ++pos_;
                continue;
            }
            std::uint32_t escape_at = static_cast<std::uint32_t>(pos_);
            ++pos_;
            if (pos_ >= src_.size()) throw CompileFailure{token.begin, "this text has no closing quote"};
            char e = src_[pos_++];
            switch (e) {
                case '"':
                    text.push_back('"');
                    break;
                case '\'':
                    text.push_back('\'');
                    break;
                case '\\':
                    text.push_back('\\');
                    break;
                case 'n':
                    text.push_back('\n');
                    break;
                case 't':
                    text.push_back('\t');
                    break;
                case 'r':
                    text.push_back('\r');
                    break;
                case 'u': {
                    std::uint32_t cp = 0;
                    if (!Hex4(&cp))
                        throw CompileFailure{escape_at, "\\u must be followed by 4 hex digits, like \\u00e9"};
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        std::uint32_t low = 0;
                        if (pos_ + 1 < src_.size() && src_[pos_] == '\\' && src_[pos_ + 1] == 'u') {
                            pos_ += 2;
                            if (!Hex4(&low) || low < 0xDC00 || low > 0xDFFF)
                                throw CompileFailure{escape_at, "invalid \\u escape (an unpaired surrogate)"};
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        } else {
                            throw CompileFailure{escape_at, "invalid \\u escape (an unpaired surrogate)"};
                        }
                    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        throw CompileFailure{escape_at, "invalid \\u escape (an unpaired surrogate)"};
                    }
                    AppendUtf8(cp, &text);
                    break;
                }
                default:
                    throw CompileFailure{escape_at, "unknown escape \\" + std::string(1, e) +
                                                        " in a text (use \\\\ for a backslash, \\\" for a quote)"};
            }
        }
        token.value = Value::Text(program_.Keep(std::move(text)));
        return Finish(token, Tok::kString);
    }

    bool Hex4(std::uint32_t* out) {
        if (pos_ + 4 > src_.size()) return false;
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            char h = src_[pos_ + static_cast<std::size_t>(i)];
            value <<= 4;
            if (h >= '0' && h <= '9')
                value |= static_cast<std::uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f')
                value |= static_cast<std::uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
                value |= static_cast<std::uint32_t>(h - 'A' + 10);
            else
                return false;
        }
        pos_ += 4;
        *out = value;
        return true;
    }

    Program& program_;
    std::string_view src_;
    std::size_t pos_ = 0;
};

bool IsKeyword(std::string_view text) {
    for (std::string_view keyword : {"and", "or", "not", "in", "between", "is", "true", "false", "null"})
        if (EqualsIgnoreCase(text, keyword)) return true;
    return false;
}

class Parser {
  public:
    explicit Parser(Program& program) : program_(program), lexer_(program) {
        current_ = lexer_.Next();
        next_ = lexer_.Next();
    }

    int ParseRule() {
        if (current_.kind == Tok::kEnd) throw CompileFailure{0, "the expression is empty"};
        int root = ParseOr();
        if (current_.kind != Tok::kEnd) {
            if (IsComparison(current_.kind))
                throw CompileFailure{current_.begin,
                                     "comparisons cannot be chained: write a < b and b < c, or use between"};
            throw CompileFailure{current_.begin, "unexpected " + Describe(current_) + " after a complete expression" +
                                                     " (missing and / or?)"};
        }
        return root;
    }

  private:
    static bool IsComparison(Tok kind) { return kind >= Tok::kEq && kind <= Tok::kGe; }

    bool IsWord(const Token& token, std::string_view word) const {
        return token.kind == Tok::kIdent && EqualsIgnoreCase(token.text, word);
    }

    std::string Describe(const Token& token) const {
        switch (token.kind) {
            case Tok::kEnd:
                return "end of the expression";
            case Tok::kString:
                return "text " + std::string(token.text);
            default:
                return "\"" + std::string(token.text) + "\"";
        }
    }

    void Advance() {
        current_ = next_;
        next_ = lexer_.Next();
    }

    void Expect(Tok kind, std::string_view what) {
        if (current_.kind != kind)
            throw CompileFailure{current_.begin, "expected " + std::string(what) + " but found " + Describe(current_)};
        Advance();
    }

    int Add(Node node) {
        for (int kid : node.kids)
            node.depth = std::max(node.depth, program_.nodes[static_cast<std::size_t>(kid)].depth + 1);
        if (node.depth > kMaxDepth)
            throw CompileFailure{node.at, "the expression is nested too deeply (at most 64 levels)"};
        program_.nodes.push_back(std::move(node));
        return static_cast<int>(program_.nodes.size() - 1);
    }

    const Node& At(int index) const { return program_.nodes[static_cast<std::size_t>(index)]; }

    int Binary(Op op, std::uint32_t at, int left, int right, bool negated = false) {
        Node node;
        node.op = op;
        node.at = at;
        node.negated = negated;
        node.begin = At(left).begin;
        node.end = At(right).end;
        node.kids = {left, right};
        return Add(std::move(node));
    }

    struct DepthGuard {
        explicit DepthGuard(Parser& parser, std::uint32_t at) : parser_(parser) {
            if (++parser_.depth_ > kMaxDepth)
                throw CompileFailure{at, "the expression is nested too deeply (at most 64 levels)"};
        }
        ~DepthGuard() { --parser_.depth_; }
        Parser& parser_;
    };

    int ParseOr() {
        int left = ParseAnd();
        while (IsWord(current_, "or")) {
            std::uint32_t at = current_.begin;
            Advance();
            left = Binary(Op::kOr, at, left, ParseAnd());
        }
        return left;
    }

    int ParseAnd() {
        int left = ParseNot();
        while (IsWord(current_, "and")) {
            std::uint32_t at = current_.begin;
            Advance();
            left = Binary(Op::kAnd, at, left, ParseNot());
        }
        return left;
    }

    int ParseNot() {
        if (IsWord(current_, "not")) {
            DepthGuard guard(*this, current_.begin);
            Node node;
            node.op = Op::kNot;
            node.at = node.begin = current_.begin;
            Advance();
            int operand = ParseNot();
            node.end = At(operand).end;
            node.kids = {operand};
            return Add(std::move(node));
        }
        return ParseComparison();
    }

    int ParseComparison() {
        int left = ParseAdditive();
        std::uint32_t at = current_.begin;
        if (IsComparison(current_.kind)) {
            Op op = Op::kEq;
            switch (current_.kind) {
                case Tok::kEq:
                    op = Op::kEq;
                    break;
                case Tok::kNe:
                    op = Op::kNe;
                    break;
                case Tok::kLt:
                    op = Op::kLt;
                    break;
                case Tok::kLe:
                    op = Op::kLe;
                    break;
                case Tok::kGt:
                    op = Op::kGt;
                    break;
                default:
                    op = Op::kGe;
                    break;
            }
            Advance();
            int right = ParseAdditive();
            return Binary(op, at, left, right);
        }
        bool negated = false;
        if (IsWord(current_, "not") && (IsWord(next_, "in") || IsWord(next_, "between"))) {
            negated = true;
            Advance();
        }
        if (IsWord(current_, "in")) {
            Advance();
            int right = ParseAdditive();
            return Binary(Op::kIn, at, left, right, negated);
        }
        if (IsWord(current_, "between")) {
            Advance();
            int low = ParseAdditive();
            if (!IsWord(current_, "and"))
                throw CompileFailure{current_.begin, "between needs two bounds: x between 100 and 200"};
            Advance();
            int high = ParseAdditive();
            Node node;
            node.op = Op::kBetween;
            node.at = at;
            node.negated = negated;
            node.begin = At(left).begin;
            node.end = At(high).end;
            node.kids = {left, low, high};
            return Add(std::move(node));
        }
        if (IsWord(current_, "is")) {
            Advance();
            if (IsWord(current_, "not")) {
                negated = true;
                Advance();
            }
            if (!IsWord(current_, "null"))
                throw CompileFailure{current_.begin, "expected null after is (x is null, x is not null)"};
            Node node;
            node.op = Op::kIsNull;
            node.at = at;
            node.negated = negated;
            node.begin = At(left).begin;
            node.end = current_.end;
            node.kids = {left};
            Advance();
            return Add(std::move(node));
        }
        return left;
    }

    int ParseAdditive() {
        int left = ParseMultiplicative();
        while (current_.kind == Tok::kPlus || current_.kind == Tok::kMinus) {
            Op op = current_.kind == Tok::kPlus ? Op::kAdd : Op::kSub;
            std::uint32_t at = current_.begin;
            Advance();
            left = Binary(op, at, left, ParseMultiplicative());
        }
        return left;
    }

    int ParseMultiplicative() {
        int left = ParseUnary();
        while (current_.kind == Tok::kStar || current_.kind == Tok::kSlash) {
            Op op = current_.kind == Tok::kStar ? Op::kMul : Op::kDiv;
            std::uint32_t at = current_.begin;
            Advance();
            left = Binary(op, at, left, ParseUnary());
        }
        return left;
    }

    int ParseUnary() {
        DepthGuard guard(*this, current_.begin);
        if (current_.kind == Tok::kMinus) {
            Node node;
            node.op = Op::kNeg;
            node.at = node.begin = current_.begin;
            Advance();
            int operand = ParseUnary();
            // Fold a negative number literal so that -5 is a literal (lists, window, round digits).
            const Node& inner = At(operand);
            if (inner.op == Op::kLiteral && inner.literal.type == Type::kDecimal) {
                auto negated = inner.literal.decimal.Negate();
                if (negated) {
                    Node literal = inner;
                    literal.begin = literal.at = node.begin;
                    literal.literal = Value::Dec(*negated);
                    program_.nodes[static_cast<std::size_t>(operand)] = literal;
                    return operand;
                }
            }
            node.end = inner.end;
            node.kids = {operand};
            return Add(std::move(node));
        }
        return ParsePrimary();
    }

    int Literal(const Value& value) {
        Node node;
        node.op = Op::kLiteral;
        node.at = node.begin = current_.begin;
        node.end = current_.end;
        node.literal = value;
        Advance();
        return Add(std::move(node));
    }

    int ParsePrimary() {
        switch (current_.kind) {
            case Tok::kNumber:
            case Tok::kDuration:
            case Tok::kString:
                return Literal(current_.value);
            case Tok::kLParen: {
                std::uint32_t begin = current_.begin;
                Advance();
                int inner = ParseOr();
                if (current_.kind != Tok::kRParen)
                    throw CompileFailure{current_.begin, "expected ) to close the ( at column " +
                                                             std::to_string(Column(begin)) + " but found " +
                                                             Describe(current_)};
                // Parentheses widen the span (traces show them) but add no node.
                program_.nodes[static_cast<std::size_t>(inner)].begin = begin;
                program_.nodes[static_cast<std::size_t>(inner)].end = current_.end;
                Advance();
                return inner;
            }
            case Tok::kLBracket:
                return ParseList();
            case Tok::kIdent:
                break;
            case Tok::kEnd:
                throw CompileFailure{current_.begin, "the expression ends where a value was expected"};
            default:
                throw CompileFailure{current_.begin, "expected a value but found " + Describe(current_)};
        }
        if (IsWord(current_, "true")) return Literal(Value::Bool(true));
        if (IsWord(current_, "false")) return Literal(Value::Bool(false));
        if (IsWord(current_, "null")) return Literal(Value::Null());
        if (IsKeyword(current_.text))
            throw CompileFailure{current_.begin, "expected a value but found \"" + std::string(current_.text) + "\""};
        if (next_.kind == Tok::kLParen) return ParseCall();
        Node node;
        node.op = Op::kPath;
        node.at = node.begin = current_.begin;
        node.path.push_back(current_.text);
        node.end = current_.end;
        Advance();
        while (current_.kind == Tok::kDot) {
            Advance();
            if (current_.kind == Tok::kIdent) {
                node.path.push_back(current_.text);
            } else if (current_.kind == Tok::kString) {
                node.path.push_back(current_.value.text);
            } else {
                throw CompileFailure{current_.begin,
                                     "expected a field name after the dot but found " + Describe(current_)};
            }
            node.end = current_.end;
            Advance();
        }
        return Add(std::move(node));
    }

    int ParseList() {
        Node node;
        node.op = Op::kList;
        node.at = node.begin = current_.begin;
        Advance();
        while (current_.kind != Tok::kRBracket) {
            node.kids.push_back(ParseOr());
            if (current_.kind == Tok::kComma) {
                Advance();
            } else if (current_.kind != Tok::kRBracket) {
                throw CompileFailure{current_.begin, "expected , or ] in the list but found " + Describe(current_)};
            }
            if (node.kids.size() > 10000) throw CompileFailure{node.at, "this list is too long (at most 10000 items)"};
        }
        node.end = current_.end;
        Advance();
        return Add(std::move(node));
    }

    int ParseCall() {
        Node node;
        node.op = Op::kCall;
        node.at = node.begin = current_.begin;
        node.name = current_.text;
        Advance();  // name
        Advance();  // (
        while (current_.kind != Tok::kRParen) {
            std::string_view arg_name;
            std::uint32_t arg_at = current_.begin;
            if (current_.kind == Tok::kIdent && next_.kind == Tok::kColon) {
                arg_name = current_.text;
                Advance();
                Advance();
            }
            node.kids.push_back(ParseOr());
            node.arg_names.push_back(arg_name);
            node.arg_name_offsets.push_back(arg_at);
            if (current_.kind == Tok::kComma) {
                Advance();
            } else if (current_.kind != Tok::kRParen) {
                throw CompileFailure{current_.begin, "expected , or ) after an argument of " + std::string(node.name) +
                                                         " but found " + Describe(current_)};
            }
            if (node.kids.size() > 1000) throw CompileFailure{node.at, "too many arguments"};
        }
        node.end = current_.end;
        Advance();
        return Add(std::move(node));
    }

    int Column(std::uint32_t offset) const {
        int line = 0;
        int column = 0;
        LineColumn(program_.source, offset, &line, &column);
        return column;
    }

    Program& program_;
    Lexer lexer_;
    Token current_;
    Token next_;
    int depth_ = 0;
};

}  // namespace

void LineColumn(std::string_view source, std::size_t offset, int* line, int* column) {
    *line = 1;
    *column = 1;
    for (std::size_t i = 0; i < offset && i < source.size(); ++i) {
        auto byte = static_cast<unsigned char>(source[i]);
        if (byte == '\n') {
            ++*line;
            *column = 1;
        } else if ((byte & 0xC0) != 0x80) {
            ++*column;
        }
    }
}

void Parse(Program& program) {
    Parser parser(program);
    program.root = parser.ParseRule();
}

void AppendUtf8(std::uint32_t cp, std::string* out) {
    if (cp < 0x80) {
        out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

}  // namespace wt::rules::detail
