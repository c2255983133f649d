// SPDX-License-Identifier: Apache-2.0
// The type checker: resolves paths to fields, calls to functions and aggregates, compiles regular
// expressions, rewrites `x == null` into `x is null`, and gives every node its static type. Error
// messages are written for risk analysts: they name the field or value, say what it is, and
// suggest the likely fix.
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "rules/detail/program.hpp"

namespace wt::rules::detail {
namespace {

struct FieldInfo {
    std::string_view name;
    Field field;
    Type type;
};

constexpr std::array<FieldInfo, 15> kFields{{
    {"amount", Field::kAmount, Type::kDecimal},
    {"currency", Field::kCurrency, Type::kText},
    {"direction", Field::kDirection, Type::kText},
    {"type", Field::kType, Type::kText},
    {"account_id", Field::kAccountId, Type::kText},
    {"customer_id", Field::kCustomerId, Type::kText},
    {"counterparty.name", Field::kCounterpartyName, Type::kText},
    {"counterparty.account", Field::kCounterpartyAccount, Type::kText},
    {"counterparty.country", Field::kCounterpartyCountry, Type::kText},
    {"channel", Field::kChannel, Type::kText},
    {"country", Field::kCountry, Type::kText},
    {"ip", Field::kIp, Type::kText},
    {"device_id", Field::kDeviceId, Type::kText},
    {"occurred_at", Field::kOccurredAt, Type::kTime},
    {"external_id", Field::kExternalId, Type::kText},
}};

struct FunctionInfo {
    std::string_view name;
    Function function;
};

constexpr std::array<FunctionInfo, 17> kFunctions{{
    {"lower", Function::kLower},
    {"upper", Function::kUpper},
    {"length", Function::kLength},
    {"contains", Function::kContains},
    {"starts_with", Function::kStartsWith},
    {"ends_with", Function::kEndsWith},
    {"matches", Function::kMatches},
    {"similarity", Function::kSimilarity},
    {"abs", Function::kAbs},
    {"min", Function::kMin},
    {"max", Function::kMax},
    {"round", Function::kRound},
    {"coalesce", Function::kCoalesce},
    {"hour_of_day", Function::kHourOfDay},
    {"day_of_week", Function::kDayOfWeek},
    {"account_age", Function::kAccountAge},
    {"account_first_seen", Function::kAccountFirstSeen},
}};

constexpr std::array<std::string_view, 7> kAggregateNames{"count",          "sum", "avg", "min", "max",
                                                          "distinct_count", "list"};

std::size_t EditDistance(std::string_view a, std::string_view b) {
    if (a.size() > 64 || b.size() > 64) return 100;
    std::array<std::size_t, 65> previous{};
    std::array<std::size_t, 65> current{};
    for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitute});
        }
        previous = current;
    }
    return previous[b.size()];
}

template <typename Names>
std::string Suggest(std::string_view wrong, const Names& names) {
    std::string best;
    std::size_t best_distance = 3;
    for (std::string_view name : names) {
        std::size_t distance = EditDistance(wrong, name);
        // Case alone (Amount, LOWER) is always worth suggesting.
        bool same_ignoring_case =
            wrong.size() == name.size() && std::equal(wrong.begin(), wrong.end(), name.begin(),
                                                      [](char x, char y) { return (x | 0x20) == (y | 0x20); });
        if (same_ignoring_case) distance = 0;
        if (distance < best_distance && distance < std::max<std::size_t>(name.size() / 2, 1)) {
            best_distance = distance;
            best = std::string(name);
        }
    }
    return best;
}

bool IsOrdered(Type type) {
    return type == Type::kDecimal || type == Type::kText || type == Type::kTime || type == Type::kDuration ||
           type == Type::kAny;
}

bool Compatible(Type a, Type b) { return a == b || a == Type::kAny || b == Type::kAny; }

std::string Quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

class Checker {
  public:
    Checker(Program& program, const CompileOptions& options) : program_(program), options_(options) {}

    void Run() {
        int root = program_.root;
        Type type = Check(root, false);
        if (type != Type::kBool && type != Type::kAny)
            throw CompileFailure{N(root).at,
                                 "a rule must be a condition that is true or false, but this expression is " +
                                     std::string(TypeDescription(type)) + " (compare it: amount > 1000)"};
        std::sort(program_.lists.begin(), program_.lists.end());
        program_.lists.erase(std::unique(program_.lists.begin(), program_.lists.end()), program_.lists.end());
    }

  private:
    Node& N(int index) { return program_.nodes[static_cast<std::size_t>(index)]; }

    std::string PathText(const Node& node) const {
        std::string text;
        for (std::string_view segment : node.path) {
            if (!text.empty()) text.push_back('.');
            text += segment;
        }
        return text;
    }

    // `"amount" (a decimal)`, `the text "abc"`, `the number 5`, `a decimal`.
    std::string Object(int index) {
        Node& node = N(index);
        if (node.op == Op::kField || node.op == Op::kMetadata)
            return "\"" + PathText(node) + "\" (" + std::string(TypeDescription(node.type)) + ")";
        if (node.op == Op::kLiteral) {
            switch (node.literal.type) {
                case Type::kText:
                    return "the text " + Quote(node.literal.text);
                case Type::kDecimal:
                    return "the number " + node.literal.decimal.ToString();
                case Type::kDuration:
                    return "the duration " + FormatDuration(node.literal.micros);
                case Type::kBool:
                    return node.literal.boolean ? "true" : "false";
                default:
                    return "null";
            }
        }
        return std::string(TypeDescription(node.type));
    }

    // `"amount" is a decimal`, `the text "abc" is a text`, `the left side is a decimal`.
    std::string Subject(int index, std::string_view side) {
        Node& node = N(index);
        if (node.op == Op::kField || node.op == Op::kMetadata)
            return "\"" + PathText(node) + "\" is " + std::string(TypeDescription(node.type));
        if (node.op == Op::kLiteral) return Object(index) + " is " + std::string(TypeDescription(node.type));
        return "the " + std::string(side) + " side is " + std::string(TypeDescription(node.type));
    }

    [[noreturn]] void Fail(std::uint32_t at, std::string message) { throw CompileFailure{at, std::move(message)}; }

    Type Set(int index, Type type) {
        N(index).type = type;
        return type;
    }

    // Checks the subtree at `index` and returns its type. `in_aggregate`: inside an aggregate's
    // arguments (no nested aggregates).
    Type Check(int index, bool in_aggregate) {
        Node& node = N(index);
        switch (node.op) {
            case Op::kLiteral:
                return Set(index, node.literal.type);
            case Op::kPath:
                return ResolvePath(index);
            case Op::kNeg: {
                Type operand = Check(node.kids[0], in_aggregate);
                if (operand != Type::kDecimal && operand != Type::kDuration && operand != Type::kAny)
                    Fail(N(index).at, "cannot put a minus sign before " + Object(N(index).kids[0]));
                return Set(index, operand);
            }
            case Op::kAdd:
            case Op::kSub:
            case Op::kMul:
            case Op::kDiv:
                return CheckArithmetic(index, in_aggregate);
            case Op::kEq:
            case Op::kNe:
            case Op::kLt:
            case Op::kLe:
            case Op::kGt:
            case Op::kGe:
                return CheckComparison(index, in_aggregate);
            case Op::kAnd:
            case Op::kOr: {
                std::string_view word = node.op == Op::kAnd ? "and" : "or";
                int left = node.kids[0];
                int right = node.kids[1];
                RequireCondition(left, Check(left, in_aggregate), "the left side of \"" + std::string(word) + "\"");
                RequireCondition(right, Check(right, in_aggregate), "the right side of \"" + std::string(word) + "\"");
                return Set(index, Type::kBool);
            }
            case Op::kNot: {
                int operand = node.kids[0];
                RequireCondition(operand, Check(operand, in_aggregate), "what follows \"not\"");
                return Set(index, Type::kBool);
            }
            case Op::kIn:
                return CheckIn(index, in_aggregate);
            case Op::kBetween: {
                int value = node.kids[0];
                Type value_type = Check(value, in_aggregate);
                for (int bound_pos = 1; bound_pos <= 2; ++bound_pos) {
                    int bound = N(index).kids[static_cast<std::size_t>(bound_pos)];
                    Type bound_type = Check(bound, in_aggregate);
                    if (bound_type == Type::kNull) Fail(N(bound).at, "the bounds of between cannot be null");
                    if (!IsOrdered(value_type) || !IsOrdered(bound_type) || !Compatible(value_type, bound_type))
                        Fail(N(index).at, Subject(value, "left") + " and cannot be compared with " + Object(bound));
                }
                return Set(index, Type::kBool);
            }
            case Op::kIsNull: {
                Check(node.kids[0], in_aggregate);
                return Set(index, Type::kBool);
            }
            case Op::kList:
                Fail(node.at, "a list can only be used after in (x in [\"a\", \"b\"]) or as by: of an aggregate");
            case Op::kCall:
                return CheckCall(index, in_aggregate);
            default:
                Fail(node.at, "internal: unexpected node");
        }
    }

    void RequireCondition(int index, Type type, const std::string& where) {
        if (type == Type::kBool || type == Type::kAny || type == Type::kNull) return;
        Fail(N(index).at, where + " must be a condition (true or false), but it is " + Object(index));
    }

    Type ResolvePath(int index) {
        Node& node = N(index);
        std::string text = PathText(node);
        if (node.path[0] == "metadata") {
            if (node.path.size() == 1)
                Fail(node.at, "write metadata.<name> to use a metadata value, e.g. metadata.mcc");
            node.op = Op::kMetadata;  // path[0] == "metadata" stays for messages; evaluation skips it
            program_.uses_metadata = true;
            return Set(index, Type::kAny);
        }
        for (const FieldInfo& info : kFields) {
            if (info.name == text) {
                node.op = Op::kField;
                node.field = info.field;
                return Set(index, info.type);
            }
        }
        if (text == "counterparty")
            Fail(node.at, "counterparty has the fields name, account and country: write counterparty.country");
        std::vector<std::string_view> names;
        for (const FieldInfo& info : kFields) names.push_back(info.name);
        std::string suggestion = Suggest(text, names);
        if (suggestion.empty()) {
            for (const FunctionInfo& info : kFunctions) {
                if (info.name == text) Fail(node.at, "\"" + text + "\" is a function: write " + text + "(...)");
            }
            Fail(node.at, "unknown field \"" + text + "\" (fields are amount, currency, direction, type, account_id, " +
                              "customer_id, counterparty.name, counterparty.account, counterparty.country, channel, " +
                              "country, ip, device_id, occurred_at, external_id and metadata.<name>)");
        }
        Fail(node.at, "unknown field \"" + text + "\"; did you mean \"" + suggestion + "\"?");
    }

    Type CheckArithmetic(int index, bool in_aggregate) {
        int left = N(index).kids[0];
        int right = N(index).kids[1];
        Type a = Check(left, in_aggregate);
        Type b = Check(right, in_aggregate);
        Op op = N(index).op;
        std::string_view verb = op == Op::kAdd   ? "add"
                                : op == Op::kSub ? "subtract"
                                : op == Op::kMul ? "multiply"
                                                 : "divide";
        auto fail = [&]() {
            if (op == Op::kSub) Fail(N(index).at, "cannot subtract " + Object(right) + " from " + Object(left));
            Fail(N(index).at, "cannot " + std::string(verb) + " " + Object(left) +
                                  (op == Op::kAdd   ? " and "
                                   : op == Op::kMul ? " by "
                                                    : " by ") +
                                  Object(right));
        };
        if (a == Type::kNull || b == Type::kNull) fail();
        if (op == Op::kMul || op == Op::kDiv) {
            if ((a == Type::kDecimal || a == Type::kAny) && (b == Type::kDecimal || b == Type::kAny))
                return Set(index, Type::kDecimal);
            fail();
        }
        if (a == Type::kAny && b == Type::kAny) return Set(index, Type::kAny);
        if ((a == Type::kDecimal || a == Type::kAny) && (b == Type::kDecimal || b == Type::kAny))
            return Set(index, Type::kDecimal);
        if ((a == Type::kDuration || a == Type::kAny) && (b == Type::kDuration || b == Type::kAny))
            return Set(index, Type::kDuration);
        if (a == Type::kTime && (b == Type::kDuration || b == Type::kAny)) return Set(index, Type::kTime);
        if (op == Op::kAdd && a == Type::kDuration && b == Type::kTime) return Set(index, Type::kTime);
        if (op == Op::kSub && a == Type::kTime && b == Type::kTime) return Set(index, Type::kDuration);
        if (op == Op::kSub && a == Type::kAny && b == Type::kTime) return Set(index, Type::kDuration);
        fail();
        return Type::kNull;
    }

    Type CheckComparison(int index, bool in_aggregate) {
        int left = N(index).kids[0];
        int right = N(index).kids[1];
        Type a = Check(left, in_aggregate);
        Type b = Check(right, in_aggregate);
        Op op = N(index).op;
        if (a == Type::kNull || b == Type::kNull) {
            if (op != Op::kEq && op != Op::kNe)
                Fail(N(index).at, "null can only be tested with == or != (or: x is null, x is not null)");
            // `x == null` is `x is null`: the one comparison with null that can be true.
            Node& node = N(index);
            node.negated = op == Op::kNe;
            node.op = Op::kIsNull;
            node.kids = {a == Type::kNull ? right : left};
            return Set(index, Type::kBool);
        }
        if (!Compatible(a, b))
            Fail(N(index).at, Subject(left, "left") + " and cannot be compared with " + Object(right));
        if (op != Op::kEq && op != Op::kNe && (!IsOrdered(a) || !IsOrdered(b)))
            Fail(N(index).at, "true/false values can only be compared with == or !=");
        return Set(index, Type::kBool);
    }

    Type CheckIn(int index, bool in_aggregate) {
        int left = N(index).kids[0];
        int right = N(index).kids[1];
        Type a = Check(left, in_aggregate);
        if (a == Type::kNull) Fail(N(left).at, "null cannot be tested with in: use is null");
        Node& list = N(right);
        if (list.op == Op::kCall && list.name == "list") {
            CheckNamedList(right);
            if (a != Type::kText && a != Type::kAny)
                Fail(N(index).at, "named lists hold texts, but " + Object(left) + " is not a text");
            return Set(index, Type::kBool);
        }
        if (list.op != Op::kList)
            Fail(list.at,
                 "the right side of in must be a list such as [\"IR\", \"KP\"] or list(\"high_risk_countries\")");
        std::vector<int> items = list.kids;
        for (int item : items) {
            Type item_type = Check(item, in_aggregate);
            if (item_type == Type::kNull) Fail(N(item).at, "a list cannot contain null: test x is null separately");
            if (!Compatible(a, item_type))
                Fail(N(item).at, "the list holds " + Object(item) + ", but " + Subject(left, "left") +
                                     " and cannot be compared with it");
        }
        Set(right, Type::kList);
        return Set(index, Type::kBool);
    }

    void CheckNamedList(int index) {
        Node& node = N(index);
        if (node.kids.size() != 1 || !node.arg_names[0].empty())
            Fail(node.at, "list takes one argument, the list's name in quotes: list(\"high_risk_countries\")");
        Node& name = N(node.kids[0]);
        if (name.op != Op::kLiteral || name.literal.type != Type::kText)
            Fail(name.at, "the name of a list must be written in quotes: list(\"high_risk_countries\")");
        if (name.literal.text.empty()) Fail(name.at, "the name of a list cannot be empty");
        if (options_.list_exists && !options_.list_exists(name.literal.text))
            Fail(name.at, "unknown list " + Quote(name.literal.text));
        node.op = Op::kNamedList;
        node.name = name.literal.text;
        node.kids.clear();
        program_.lists.emplace_back(node.name);
        Set(index, Type::kList);
    }

    std::string Plural(std::size_t count, std::string_view word) {
        return std::to_string(count) + " " + std::string(word) + (count == 1 ? "" : "s");
    }

    Type CheckCall(int index, bool in_aggregate) {
        Node& node = N(index);
        std::string_view name = node.name;
        bool named = std::any_of(node.arg_names.begin(), node.arg_names.end(), [](auto n) { return !n.empty(); });
        if (name == "list") Fail(node.at, "list(\"...\") can only be used after in, or in similarity");
        if (name == "count" || name == "sum" || name == "avg" || name == "distinct_count" ||
            ((name == "min" || name == "max") && named))
            return CheckAggregate(index, in_aggregate);
        const FunctionInfo* info = nullptr;
        for (const FunctionInfo& candidate : kFunctions)
            if (candidate.name == name) info = &candidate;
        if (info == nullptr) {
            std::vector<std::string_view> names;
            for (const FunctionInfo& candidate : kFunctions) names.push_back(candidate.name);
            for (std::string_view aggregate : kAggregateNames) names.push_back(aggregate);
            std::string suggestion = Suggest(name, names);
            for (const FieldInfo& field : kFields)
                if (field.name == name) Fail(node.at, "\"" + std::string(name) + "\" is a field, not a function");
            Fail(node.at, "unknown function \"" + std::string(name) + "\"" +
                              (suggestion.empty() ? std::string(" (see docs/rules-language.md, Functions)")
                                                  : "; did you mean \"" + suggestion + "\"?"));
        }
        for (std::size_t arg_pos = 0; arg_pos < node.arg_names.size(); ++arg_pos) {
            if (!node.arg_names[arg_pos].empty())
                Fail(node.arg_name_offsets[arg_pos],
                     std::string(name) + " has no argument named \"" + std::string(node.arg_names[arg_pos]) + "\"");
        }
        node.function = info->function;
        std::size_t count = node.kids.size();
        auto arity = [&](std::size_t min, std::size_t max, std::string_view shape) {
            if (count < min || count > max)
                Fail(N(index).at, std::string(name) + " takes " + std::string(shape) + ", but " +
                                      (count == 0 ? std::string("none was")
                                                  : Plural(count, "argument") + (count == 1 ? " was" : " were")) +
                                      " given");
        };
        std::vector<Type> types;
        auto check_args = [&]() {
            std::vector<int> kids = N(index).kids;
            for (int kid : kids) {
                // similarity(x, list("...")) and similarity(x, [..]) take a list as second argument.
                if (info->function == Function::kSimilarity && kid == kids.back() && kids.size() == 2) {
                    Node& last = N(kid);
                    if (last.op == Op::kCall && last.name == "list") {
                        CheckNamedList(kid);
                        types.push_back(Type::kList);
                        continue;
                    }
                    if (last.op == Op::kList) {
                        for (int item : std::vector<int>(last.kids)) {
                            Type item_type = Check(item, in_aggregate);
                            if (item_type != Type::kText && item_type != Type::kAny)
                                Fail(N(item).at, "similarity compares texts, but the list holds " + Object(item));
                        }
                        Set(kid, Type::kList);
                        types.push_back(Type::kList);
                        continue;
                    }
                }
                types.push_back(Check(kid, in_aggregate));
            }
        };
        auto require = [&](std::size_t arg_pos, Type wanted) {
            Type got = types[arg_pos];
            if (got == wanted || got == Type::kAny || got == Type::kNull) return;
            std::string ordinal =
                N(index).kids.size() == 1 ? std::string("the argument") : "argument " + std::to_string(arg_pos + 1);
            Fail(N(N(index).kids[arg_pos]).at, std::string(name) + " needs " + std::string(TypeDescription(wanted)) +
                                                   " as " + ordinal + ", but got " + Object(N(index).kids[arg_pos]));
        };
        switch (info->function) {
            case Function::kLower:
            case Function::kUpper:
                arity(1, 1, "1 argument (a text)");
                check_args();
                require(0, Type::kText);
                return Set(index, Type::kText);
            case Function::kLength:
                arity(1, 1, "1 argument (a text)");
                check_args();
                require(0, Type::kText);
                return Set(index, Type::kDecimal);
            case Function::kContains:
            case Function::kStartsWith:
            case Function::kEndsWith:
                arity(2, 2, "2 arguments (two texts)");
                check_args();
                require(0, Type::kText);
                require(1, Type::kText);
                return Set(index, Type::kBool);
            case Function::kMatches: {
                arity(2, 2, "2 arguments (a text and a pattern in quotes)");
                check_args();
                require(0, Type::kText);
                Node& pattern = N(N(index).kids[1]);
                if (pattern.op != Op::kLiteral || pattern.literal.type != Type::kText)
                    Fail(pattern.at,
                         "the pattern of matches must be written in quotes: matches(counterparty.name, \"(?i)ltd$\")");
                if (pattern.literal.text.size() > 1000)
                    Fail(pattern.at, "the pattern is too long (at most 1000 characters)");
                RE2::Options re_options;
                re_options.set_log_errors(false);
                re_options.set_max_mem(1 << 20);
                auto regex = std::make_shared<const RE2>(
                    re2::StringPiece(pattern.literal.text.data(), pattern.literal.text.size()), re_options);
                if (!regex->ok())
                    Fail(pattern.at, "the pattern " + Quote(pattern.literal.text) +
                                         " is not a valid regular expression: " + regex->error());
                N(index).regex = std::move(regex);
                return Set(index, Type::kBool);
            }
            case Function::kSimilarity:
                arity(2, 2, "2 arguments (two texts, or a text and a list)");
                check_args();
                require(0, Type::kText);
                if (types[1] != Type::kList) require(1, Type::kText);
                return Set(index, Type::kDecimal);
            case Function::kAbs:
                arity(1, 1, "1 argument (a number or a duration)");
                check_args();
                if (types[0] != Type::kDuration) require(0, Type::kDecimal);
                return Set(index, types[0] == Type::kNull ? Type::kDecimal : types[0]);
            case Function::kMin:
            case Function::kMax:
            case Function::kCoalesce: {
                if (info->function == Function::kCoalesce)
                    arity(2, 1000, "at least 2 arguments");
                else
                    arity(2, 1000, "at least 2 arguments (or by: and window: for the aggregate)");
                check_args();
                Type common = Type::kNull;
                for (std::size_t arg_pos = 0; arg_pos < types.size(); ++arg_pos) {
                    Type type = types[arg_pos];
                    if (type == Type::kList)
                        Fail(N(N(index).kids[arg_pos]).at, std::string(name) + " does not take a list");
                    if (info->function != Function::kCoalesce && type == Type::kBool)
                        Fail(N(N(index).kids[arg_pos]).at, std::string(name) +
                                                               " needs numbers, texts, times or durations, but got " +
                                                               Object(N(index).kids[arg_pos]));
                    if (type == Type::kNull || type == Type::kAny) continue;
                    if (common != Type::kNull && common != type)
                        Fail(N(N(index).kids[arg_pos]).at,
                             "the arguments of " + std::string(name) + " must all be of one kind, but argument " +
                                 std::to_string(arg_pos + 1) + " is " + Object(N(index).kids[arg_pos]));
                    common = type;
                }
                bool any = std::find(types.begin(), types.end(), Type::kAny) != types.end();
                return Set(index, any ? Type::kAny : common);
            }
            case Function::kRound: {
                arity(1, 2, "1 or 2 arguments (a number and the number of decimal places)");
                check_args();
                require(0, Type::kDecimal);
                if (types.size() == 2) {
                    Node& digits = N(N(index).kids[1]);
                    std::optional<std::int64_t> places;
                    if (digits.op == Op::kLiteral && digits.literal.type == Type::kDecimal)
                        places = digits.literal.decimal.ToInt64();
                    if (!places || *places < 0 || *places > Decimal::kMaxScale)
                        Fail(digits.at, "the decimal places of round must be a whole number from 0 to 18");
                }
                return Set(index, Type::kDecimal);
            }
            case Function::kHourOfDay:
            case Function::kDayOfWeek:
                arity(1, 1, "1 argument (a time such as occurred_at)");
                check_args();
                require(0, Type::kTime);
                return Set(index, info->function == Function::kHourOfDay ? Type::kDecimal : Type::kText);
            case Function::kAccountAge:
                arity(0, 0, "no arguments: account_age()");
                return Set(index, Type::kDuration);
            case Function::kAccountFirstSeen:
                arity(0, 0, "no arguments: account_first_seen()");
                return Set(index, Type::kTime);
            default:
                Fail(node.at, "internal: unknown function");
        }
    }

    Type CheckAggregate(int index, bool in_aggregate) {
        Node& node = N(index);
        std::string name(node.name);
        if (in_aggregate) Fail(node.at, "an aggregate cannot be used inside another aggregate");
        AggregateSpec spec;
        if (name == "count")
            spec.function = AggregateFunction::kCount;
        else if (name == "sum")
            spec.function = AggregateFunction::kSum;
        else if (name == "avg")
            spec.function = AggregateFunction::kAvg;
        else if (name == "min")
            spec.function = AggregateFunction::kMin;
        else if (name == "max")
            spec.function = AggregateFunction::kMax;
        else
            spec.function = AggregateFunction::kDistinctCount;
        AggregateParts parts;
        int by = -1;
        int window = -1;
        std::size_t positional = 0;
        std::vector<int> kids = node.kids;
        std::vector<std::string_view> arg_names = node.arg_names;
        std::vector<std::uint32_t> offsets = node.arg_name_offsets;
        bool wants_value = spec.function != AggregateFunction::kCount;
        for (std::size_t arg_pos = 0; arg_pos < kids.size(); ++arg_pos) {
            std::string_view arg_name = arg_names[arg_pos];
            int kid = kids[arg_pos];
            if (arg_name.empty()) {
                if (!by_seen_named(arg_names, arg_pos) && positional == 0 && wants_value) {
                    parts.value = kid;
                    ++positional;
                    continue;
                }
                Fail(N(kid).at, wants_value ? name + " takes one value to aggregate, then by:, window: and where:"
                                            : "count takes no value: count(by: account_id, window: 1h, where: ...)");
            }
            int* slot = nullptr;
            if (arg_name == "by")
                slot = &by;
            else if (arg_name == "window")
                slot = &window;
            else if (arg_name == "where")
                slot = &parts.filter;
            else
                Fail(offsets[arg_pos],
                     name + " has no argument \"" + std::string(arg_name) + "\"; it takes by:, window: and where:");
            if (*slot != -1) Fail(offsets[arg_pos], std::string(arg_name) + ": is given twice");
            *slot = kid;
        }
        if (wants_value && parts.value == -1)
            Fail(node.at,
                 name + " needs the value to aggregate first: " + name + "(amount, by: account_id, window: 24h)");
        if (by == -1) Fail(node.at, name + " needs by: (whose history to look at), e.g. by: account_id");
        if (window == -1) Fail(node.at, name + " needs window: (how far back to look), e.g. window: 24h");
        // window
        Node& window_node = N(window);
        if (window_node.op != Op::kLiteral || window_node.literal.type != Type::kDuration)
            Fail(window_node.at, "window: must be a duration such as 30m, 24h or 7d");
        if (window_node.literal.micros < kMinWindowMicros || window_node.literal.micros > kMaxWindowMicros)
            Fail(window_node.at, "the window must be between 1 minute (1m) and 400 days (400d), not " +
                                     FormatDuration(window_node.literal.micros));
        window_node.type = Type::kDuration;
        spec.window_micros = window_node.literal.micros;
        // by
        Node& by_node = N(by);
        std::vector<int> keys = by_node.op == Op::kList ? by_node.kids : std::vector<int>{by};
        if (by_node.op == Op::kList) Set(by, Type::kList);
        if (keys.empty()) Fail(by_node.at, "by: needs at least one field, e.g. by: account_id");
        if (keys.size() > 8) Fail(by_node.at, "by: takes at most 8 fields");
        for (int key : keys) {
            Type key_type = Check(key, true);
            if (key_type == Type::kNull || key_type == Type::kList || key_type == Type::kBool)
                Fail(N(key).at,
                     "by: needs fields such as account_id or [account_id, counterparty.account], not " + Object(key));
        }
        parts.keys = keys;
        // value
        if (parts.value != -1) {
            Type value_type = Check(parts.value, true);
            bool numeric = spec.function == AggregateFunction::kSum || spec.function == AggregateFunction::kAvg ||
                           spec.function == AggregateFunction::kMin || spec.function == AggregateFunction::kMax;
            if (numeric && value_type != Type::kDecimal && value_type != Type::kAny)
                Fail(N(parts.value).at, name + " needs a number to aggregate, but got " + Object(parts.value));
            if (!numeric && (value_type == Type::kNull || value_type == Type::kList))
                Fail(N(parts.value).at, "distinct_count needs a field or value, not " + Object(parts.value));
            spec.has_value = true;
        }
        if (parts.filter != -1) RequireCondition(parts.filter, Check(parts.filter, true), "where:");
        spec.key_count = parts.keys.size();
        spec.has_filter = parts.filter != -1;
        // The canonical text: what the store shares state by.
        std::string& canonical = spec.canonical;
        canonical = std::string(AggregateFunctionName(spec.function)) + "(";
        if (parts.value != -1) {
            AppendCanonicalExpression(program_, parts.value, &canonical);
            canonical += ", ";
        }
        canonical += "by: [";
        for (std::size_t key_pos = 0; key_pos < parts.keys.size(); ++key_pos) {
            if (key_pos > 0) canonical += ", ";
            AppendCanonicalExpression(program_, parts.keys[key_pos], &canonical);
        }
        canonical += "], window: " + FormatDuration(spec.window_micros);
        if (parts.filter != -1) {
            canonical += ", where: ";
            AppendCanonicalExpression(program_, parts.filter, &canonical);
        }
        canonical += ")";
        std::uint64_t hash = 14695981039346656037ULL;
        for (char c : canonical) {
            hash ^= static_cast<unsigned char>(c);
            hash *= 1099511628211ULL;
        }
        spec.hash = hash;
        LineColumn(program_.source, N(index).at, &spec.line, &spec.column);
        N(index).op = Op::kAggregate;
        N(index).aggregate_index = static_cast<int>(program_.aggregates.size());
        program_.aggregates.push_back(std::move(spec));
        program_.aggregate_parts.push_back(std::move(parts));
        return Set(index, Type::kDecimal);
    }

    static bool by_seen_named(const std::vector<std::string_view>& names, std::size_t upto) {
        for (std::size_t pos = 0; pos < upto; ++pos)
            if (!names[pos].empty()) return true;
        return false;
    }

    Program& program_;
    const CompileOptions& options_;
};

}  // namespace

void Check(Program& program, const CompileOptions& options) { Checker(program, options).Run(); }

}  // namespace wt::rules::detail
