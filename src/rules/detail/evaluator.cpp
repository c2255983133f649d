// SPDX-License-Identifier: Apache-2.0
// The tree-walking evaluator over the checked node arena. Values are small and on the stack;
// computed text (lower, upper, decoded metadata strings, aggregate keys) goes to a thread-local
// scratch area whose slots keep their capacity, so steady-state evaluation does not allocate.
// Run-time types are checked again here (metadata values are only known now): a mismatch is null.
#include <re2/re2.h>

#include <deque>
#include <string>

#include "rules/detail/program.hpp"

namespace wt::rules {
namespace detail {
namespace {

// 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z: the times the language can produce.
constexpr std::int64_t kMinTime = -62135596800LL * kMicrosPerSecond;
constexpr std::int64_t kMaxTime = 253402300799LL * kMicrosPerSecond;
constexpr std::int64_t kMicrosPerDay = 24 * kMicrosPerHour;
constexpr std::size_t kMaxScratchSlots = 4096;

// Stack discipline: an evaluation takes slots above the caller's mark and gives them back, so a
// context that evaluates history (the brute-force test context) inside Aggregate is safe.
struct Scratch {
    std::deque<std::string> slots;
    std::size_t used = 0;

    std::string* Take() {
        if (used >= kMaxScratchSlots) return nullptr;
        if (used == slots.size()) slots.emplace_back();
        std::string* slot = &slots[used++];
        slot->clear();
        return slot;
    }
};

thread_local Scratch tls_scratch;

class ScratchFrame {
  public:
    ScratchFrame() : mark_(tls_scratch.used) {}
    ~ScratchFrame() { tls_scratch.used = mark_; }
    ScratchFrame(const ScratchFrame&) = delete;
    ScratchFrame& operator=(const ScratchFrame&) = delete;

  private:
    std::size_t mark_;
};

bool AddMicros(std::int64_t a, std::int64_t b, std::int64_t* out) { return !__builtin_add_overflow(a, b, out); }

Value TimeValue(std::int64_t micros) {
    if (micros < kMinTime || micros > kMaxTime) return Value::Null();
    return Value::Time(micros);
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

// ASCII and Latin-1 Supplement case mapping; other bytes are copied (same length in UTF-8).
void MapCase(std::string_view in, bool upper, std::string* out) {
    out->assign(in);
    for (std::size_t i = 0; i < out->size(); ++i) {
        auto c = static_cast<unsigned char>((*out)[i]);
        if (c < 0x80) {
            if (upper && c >= 'a' && c <= 'z') (*out)[i] = static_cast<char>(c - 32);
            if (!upper && c >= 'A' && c <= 'Z') (*out)[i] = static_cast<char>(c + 32);
        } else if (c == 0xC3 && i + 1 < out->size()) {
            auto next = static_cast<unsigned char>((*out)[i + 1]);
            // U+00C0..U+00DE <-> U+00E0..U+00FE, except U+00D7 / U+00F7 (multiplication, division).
            if (upper && next >= 0xA0 && next <= 0xBE && next != 0xB7) (*out)[i + 1] = static_cast<char>(next - 0x20);
            if (!upper && next >= 0x80 && next <= 0x9E && next != 0x97) (*out)[i + 1] = static_cast<char>(next + 0x20);
            ++i;
        }
    }
}

int CompareValues(const Value& a, const Value& b, bool* ok) {
    *ok = a.type == b.type;
    if (!*ok) return 0;
    switch (a.type) {
        case Type::kDecimal:
            return Compare(a.decimal, b.decimal);
        case Type::kText:
            return a.text < b.text ? -1 : a.text == b.text ? 0 : 1;
        case Type::kTime:
        case Type::kDuration:
            return (a.micros > b.micros) - (a.micros < b.micros);
        case Type::kBool:
            return static_cast<int>(a.boolean) - static_cast<int>(b.boolean);
        default:
            *ok = false;
            return 0;
    }
}

}  // namespace

class Evaluator {
  public:
    Evaluator(const CompiledRule& rule, const Program& program, const TransactionView& txn, EvalContext& context,
              std::vector<std::optional<Value>>* trace)
        : rule_(rule), program_(program), txn_(txn), context_(context), trace_(trace) {}

    Value Eval(int index) {
        Value value = EvalNode(index);
        if (trace_ != nullptr) (*trace_)[static_cast<std::size_t>(index)] = value;
        return value;
    }

    bool Condition(int index) { return Eval(index).IsTrue(); }

    bool Key(const AggregateParts& parts, std::string* key) {
        key->clear();
        for (int key_node : parts.keys) {
            Value part = Eval(key_node);
            if (part.is_null()) return false;
            AppendCanonical(part, key);
            key->push_back('\x1f');
        }
        return true;
    }

  private:
    const Node& N(int index) const { return program_.nodes[static_cast<std::size_t>(index)]; }

    static Value Optional(const std::optional<std::string_view>& text) {
        return text ? Value::Text(*text) : Value::Null();
    }

    Value FieldValue(Field field) const {
        switch (field) {
            case Field::kExternalId:
                return Value::Text(txn_.external_id);
            case Field::kOccurredAt:
                return TimeValue(txn_.occurred_at);
            case Field::kAmount: {
                auto amount = Decimal::Make(txn_.amount_minor, txn_.currency_exponent);
                return amount ? Value::Dec(*amount) : Value::Null();
            }
            case Field::kCurrency:
                return Value::Text(txn_.currency);
            case Field::kDirection:
                return Value::Text(txn_.direction);
            case Field::kType:
                return Value::Text(txn_.type);
            case Field::kAccountId:
                return Value::Text(txn_.account_id);
            case Field::kCustomerId:
                return Optional(txn_.customer_id);
            case Field::kCounterpartyName:
                return Optional(txn_.counterparty_name);
            case Field::kCounterpartyAccount:
                return Optional(txn_.counterparty_account);
            case Field::kCounterpartyCountry:
                return Optional(txn_.counterparty_country);
            case Field::kChannel:
                return Optional(txn_.channel);
            case Field::kCountry:
                return Optional(txn_.country);
            case Field::kIp:
                return Optional(txn_.ip);
            case Field::kDeviceId:
                return Optional(txn_.device_id);
        }
        return Value::Null();
    }

    static Value Arithmetic(Op op, const Value& a, const Value& b) {
        if (a.is_null() || b.is_null()) return Value::Null();
        if (a.type == Type::kDecimal && b.type == Type::kDecimal) {
            std::optional<Decimal> result;
            switch (op) {
                case Op::kAdd:
                    result = Add(a.decimal, b.decimal);
                    break;
                case Op::kSub:
                    result = Sub(a.decimal, b.decimal);
                    break;
                case Op::kMul:
                    result = Mul(a.decimal, b.decimal);
                    break;
                default:
                    result = Div(a.decimal, b.decimal);
                    break;
            }
            return result ? Value::Dec(*result) : Value::Null();
        }
        std::int64_t micros = 0;
        if (op == Op::kAdd) {
            if (a.type == Type::kDuration && b.type == Type::kDuration)
                return AddMicros(a.micros, b.micros, &micros) ? Value::Duration(micros) : Value::Null();
            if ((a.type == Type::kTime && b.type == Type::kDuration) ||
                (a.type == Type::kDuration && b.type == Type::kTime))
                return AddMicros(a.micros, b.micros, &micros) ? TimeValue(micros) : Value::Null();
        } else if (op == Op::kSub) {
            if (b.micros == INT64_MIN) return Value::Null();
            if (a.type == Type::kDuration && b.type == Type::kDuration)
                return AddMicros(a.micros, -b.micros, &micros) ? Value::Duration(micros) : Value::Null();
            if (a.type == Type::kTime && b.type == Type::kDuration)
                return AddMicros(a.micros, -b.micros, &micros) ? TimeValue(micros) : Value::Null();
            if (a.type == Type::kTime && b.type == Type::kTime)
                return AddMicros(a.micros, -b.micros, &micros) ? Value::Duration(micros) : Value::Null();
        }
        return Value::Null();
    }

    static bool CompareOp(Op op, int cmp) {
        switch (op) {
            case Op::kEq:
                return cmp == 0;
            case Op::kNe:
                return cmp != 0;
            case Op::kLt:
                return cmp < 0;
            case Op::kLe:
                return cmp <= 0;
            case Op::kGt:
                return cmp > 0;
            default:
                return cmp >= 0;
        }
    }

    Value EvalNode(int index) {
        const Node& node = N(index);
        switch (node.op) {
            case Op::kLiteral:
                return node.literal;
            case Op::kField:
                return FieldValue(node.field);
            case Op::kMetadata: {
                std::string* slot = tls_scratch.Take();
                if (slot == nullptr) return Value::Null();
                return MetadataLookup(txn_.metadata_json, node.path, slot);
            }
            case Op::kNeg: {
                Value operand = Eval(node.kids[0]);
                if (operand.type == Type::kDecimal) {
                    auto negated = operand.decimal.Negate();
                    return negated ? Value::Dec(*negated) : Value::Null();
                }
                if (operand.type == Type::kDuration && operand.micros != INT64_MIN)
                    return Value::Duration(-operand.micros);
                return Value::Null();
            }
            case Op::kAdd:
            case Op::kSub:
            case Op::kMul:
            case Op::kDiv: {
                Value a = Eval(node.kids[0]);
                Value b = Eval(node.kids[1]);
                return Arithmetic(node.op, a, b);
            }
            case Op::kEq:
            case Op::kNe:
            case Op::kLt:
            case Op::kLe:
            case Op::kGt:
            case Op::kGe: {
                Value a = Eval(node.kids[0]);
                Value b = Eval(node.kids[1]);
                bool ok = false;
                int cmp = CompareValues(a, b, &ok);
                // Null, or values of different kinds (possible only with metadata): false.
                return Value::Bool(ok && CompareOp(node.op, cmp));
            }
            case Op::kAnd:
                return Value::Bool(Condition(node.kids[0]) && Condition(node.kids[1]));
            case Op::kOr:
                return Value::Bool(Condition(node.kids[0]) || Condition(node.kids[1]));
            case Op::kNot:
                return Value::Bool(!Condition(node.kids[0]));
            case Op::kIsNull:
                return Value::Bool(Eval(node.kids[0]).is_null() != node.negated);
            case Op::kBetween: {
                Value value = Eval(node.kids[0]);
                Value low = Eval(node.kids[1]);
                Value high = Eval(node.kids[2]);
                bool ok_low = false;
                bool ok_high = false;
                int cmp_low = CompareValues(value, low, &ok_low);
                int cmp_high = CompareValues(value, high, &ok_high);
                if (!ok_low || !ok_high) return Value::Bool(false);
                return Value::Bool((cmp_low >= 0 && cmp_high <= 0) != node.negated);
            }
            case Op::kIn:
                return In(node);
            case Op::kList:
            case Op::kNamedList:
                return Value::Null();  // only read through In / similarity
            case Op::kCall:
                return Call(node);
            case Op::kAggregate:
                return Aggregate(node);
            default:
                return Value::Null();
        }
    }

    Value In(const Node& node) {
        Value value = Eval(node.kids[0]);
        if (value.is_null()) return Value::Bool(false);
        const Node& list = N(node.kids[1]);
        bool found = false;
        if (list.op == Op::kNamedList) {
            if (value.type != Type::kText) return Value::Bool(false);
            auto contains = context_.ListContains(list.name, value.text);
            if (!contains) return Value::Bool(false);  // unknown list: null, i.e. false either way
            found = *contains;
        } else {
            for (int item : list.kids) {
                if (ValuesEqual(value, Eval(item))) {
                    found = true;
                    break;
                }
            }
        }
        return Value::Bool(found != node.negated);
    }

    Value Similarity(const Node& node) {
        Value name = Eval(node.kids[0]);
        if (name.type != Type::kText) return Value::Null();
        const Node& other = N(node.kids[1]);
        double best = 0.0;
        if (other.op == Op::kNamedList) {
            const std::vector<std::string>* items = context_.ListItems(other.name);
            if (items == nullptr) return Value::Null();
            for (const std::string& item : *items) best = std::max(best, NameSimilarity(name.text, item));
        } else if (other.op == Op::kList) {
            for (int item : other.kids) {
                Value candidate = Eval(item);
                if (candidate.type == Type::kText) best = std::max(best, NameSimilarity(name.text, candidate.text));
            }
        } else {
            Value candidate = Eval(node.kids[1]);
            if (candidate.type != Type::kText) return Value::Null();
            best = NameSimilarity(name.text, candidate.text);
        }
        // Four decimal places: enough to tell names apart, and exact to compare against 0.92.
        auto score = Decimal::Make(static_cast<Decimal::Int>(best * 10000.0 + 0.5), 4);
        return score ? Value::Dec(*score) : Value::Null();
    }

    Value Call(const Node& node) {
        switch (node.function) {
            case Function::kLower:
            case Function::kUpper: {
                Value text = Eval(node.kids[0]);
                if (text.type != Type::kText) return Value::Null();
                std::string* slot = tls_scratch.Take();
                if (slot == nullptr) return Value::Null();
                MapCase(text.text, node.function == Function::kUpper, slot);
                return Value::Text(*slot);
            }
            case Function::kLength: {
                Value text = Eval(node.kids[0]);
                if (text.type != Type::kText) return Value::Null();
                std::int64_t count = 0;
                for (char c : text.text)
                    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
                return Value::Dec(Decimal::FromInt(count));
            }
            case Function::kContains:
            case Function::kStartsWith:
            case Function::kEndsWith: {
                Value text = Eval(node.kids[0]);
                Value part = Eval(node.kids[1]);
                if (text.type != Type::kText || part.type != Type::kText) return Value::Null();
                if (node.function == Function::kContains)
                    return Value::Bool(text.text.find(part.text) != std::string_view::npos);
                if (node.function == Function::kStartsWith) return Value::Bool(text.text.starts_with(part.text));
                return Value::Bool(text.text.ends_with(part.text));
            }
            case Function::kMatches: {
                Value text = Eval(node.kids[0]);
                if (text.type != Type::kText || node.regex == nullptr) return Value::Null();
                return Value::Bool(
                    RE2::PartialMatch(re2::StringPiece(text.text.data(), text.text.size()), *node.regex));
            }
            case Function::kSimilarity:
                return Similarity(node);
            case Function::kAbs: {
                Value value = Eval(node.kids[0]);
                if (value.type == Type::kDecimal) return Value::Dec(value.decimal.Abs());
                if (value.type == Type::kDuration && value.micros != INT64_MIN)
                    return Value::Duration(value.micros < 0 ? -value.micros : value.micros);
                return Value::Null();
            }
            case Function::kMin:
            case Function::kMax: {
                Value best = Eval(node.kids[0]);
                for (std::size_t arg_pos = 1; arg_pos < node.kids.size(); ++arg_pos) {
                    Value next = Eval(node.kids[arg_pos]);
                    bool ok = false;
                    int cmp = CompareValues(next, best, &ok);
                    if (!ok) return Value::Null();  // a null (or mixed kinds) makes the result null
                    if (node.function == Function::kMin ? cmp < 0 : cmp > 0) best = next;
                }
                return best;
            }
            case Function::kCoalesce: {
                for (int kid : node.kids) {
                    Value value = Eval(kid);
                    if (!value.is_null()) return value;
                }
                return Value::Null();
            }
            case Function::kRound: {
                Value value = Eval(node.kids[0]);
                if (value.type != Type::kDecimal) return Value::Null();
                int digits = 0;
                if (node.kids.size() == 2)
                    digits = static_cast<int>(N(node.kids[1]).literal.decimal.ToInt64().value_or(0));
                auto rounded = value.decimal.Round(digits);
                return rounded ? Value::Dec(*rounded) : Value::Null();
            }
            case Function::kHourOfDay:
            case Function::kDayOfWeek: {
                Value time = Eval(node.kids[0]);
                if (time.type != Type::kTime) return Value::Null();
                std::int64_t local = context_.time_zone().ToLocal(time.micros);
                std::int64_t day = FloorDiv(local, kMicrosPerDay);
                if (node.function == Function::kHourOfDay)
                    return Value::Dec(Decimal::FromInt((local - day * kMicrosPerDay) / kMicrosPerHour));
                static constexpr std::string_view kDays[] = {"monday", "tuesday",  "wednesday", "thursday",
                                                             "friday", "saturday", "sunday"};
                std::int64_t weekday = ((day % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday
                return Value::Text(kDays[weekday]);
            }
            case Function::kAccountAge: {
                auto first = context_.AccountFirstSeen(txn_.account_id);
                if (!first || *first >= txn_.occurred_at) return Value::Duration(0);
                std::int64_t age = 0;
                if (!AddMicros(txn_.occurred_at, -*first, &age)) return Value::Null();
                return Value::Duration(age);
            }
            case Function::kAccountFirstSeen: {
                auto first = context_.AccountFirstSeen(txn_.account_id);
                return first ? TimeValue(*first) : Value::Null();
            }
            default:
                return Value::Null();
        }
    }

    Value Aggregate(const Node& node) {
        auto spec_index = static_cast<std::size_t>(node.aggregate_index);
        const AggregateParts& parts = program_.aggregate_parts[spec_index];
        std::string* key = tls_scratch.Take();
        if (key == nullptr || !Key(parts, key)) return Value::Null();
        Value result = context_.Aggregate(rule_, spec_index, *key, txn_);
        if (!result.is_null() && result.type != Type::kDecimal) return Value::Null();
        return result;
    }

    const CompiledRule& rule_;
    const Program& program_;
    const TransactionView& txn_;
    EvalContext& context_;
    std::vector<std::optional<Value>>* trace_;
};

}  // namespace detail

const detail::Program* ProgramOf(const CompiledRule& rule) { return rule.program_.get(); }

Value Evaluate(const CompiledRule& rule, const TransactionView& transaction, EvalContext& context) {
    const detail::Program* program = ProgramOf(rule);
    if (program == nullptr) return Value::Bool(false);
    detail::ScratchFrame frame;
    detail::Evaluator evaluator(rule, *program, transaction, context, nullptr);
    return Value::Bool(evaluator.Condition(program->root));
}

namespace {

void CollectSteps(const detail::Program& program, int index, const std::vector<std::optional<Value>>& values,
                  std::vector<TraceStep>* steps) {
    const detail::Node& node = program.nodes[static_cast<std::size_t>(index)];
    if (node.op == detail::Op::kLiteral) return;
    // An aggregate's arguments describe history transactions: the aggregate is one step.
    if (node.op != detail::Op::kAggregate && node.op != detail::Op::kNamedList) {
        for (int kid : node.kids) CollectSteps(program, kid, values, steps);
    }
    if (node.op == detail::Op::kList || node.op == detail::Op::kNamedList) return;
    TraceStep step;
    detail::LineColumn(program.source, node.begin, &step.line, &step.column);
    step.begin = node.begin;
    step.end = node.end;
    step.text = program.source.substr(node.begin, node.end - node.begin);
    const auto& value = values[static_cast<std::size_t>(index)];
    step.evaluated = value.has_value();
    step.value = value ? FormatValue(*value) : "not evaluated";
    steps->push_back(std::move(step));
}

}  // namespace

Trace EvaluateWithTrace(const CompiledRule& rule, const TransactionView& transaction, EvalContext& context) {
    Trace trace;
    const detail::Program* program = ProgramOf(rule);
    if (program == nullptr) {
        trace.result = Value::Bool(false);
        return trace;
    }
    std::vector<std::optional<Value>> values(program->nodes.size());
    {
        detail::ScratchFrame frame;
        detail::Evaluator evaluator(rule, *program, transaction, context, &values);
        trace.result = Value::Bool(evaluator.Condition(program->root));
        // Values may point into the scratch area: format them before the frame ends.
        CollectSteps(*program, program->root, values, &trace.steps);
    }
    return trace;
}

bool AggregateKey(const CompiledRule& rule, std::size_t spec_index, const TransactionView& transaction,
                  EvalContext& context, std::string* key) {
    const detail::Program* program = ProgramOf(rule);
    if (program == nullptr || spec_index >= program->aggregate_parts.size()) return false;
    detail::ScratchFrame frame;
    detail::Evaluator evaluator(rule, *program, transaction, context, nullptr);
    return evaluator.Key(program->aggregate_parts[spec_index], key);
}

bool AggregateFilter(const CompiledRule& rule, std::size_t spec_index, const TransactionView& transaction,
                     EvalContext& context) {
    const detail::Program* program = ProgramOf(rule);
    if (program == nullptr || spec_index >= program->aggregate_parts.size()) return false;
    int filter = program->aggregate_parts[spec_index].filter;
    if (filter < 0) return true;
    detail::ScratchFrame frame;
    detail::Evaluator evaluator(rule, *program, transaction, context, nullptr);
    return evaluator.Condition(filter);
}

Value AggregateValue(const CompiledRule& rule, std::size_t spec_index, const TransactionView& transaction,
                     EvalContext& context) {
    const detail::Program* program = ProgramOf(rule);
    if (program == nullptr || spec_index >= program->aggregate_parts.size()) return Value::Null();
    int value_node = program->aggregate_parts[spec_index].value;
    if (value_node < 0) return Value::Null();
    // A text result is copied out of the scratch frame into a per-thread buffer, valid until the
    // next AggregateValue call on this thread.
    thread_local std::string result_text;
    Value result;
    {
        detail::ScratchFrame frame;
        detail::Evaluator evaluator(rule, *program, transaction, context, nullptr);
        result = evaluator.Eval(value_node);
        if (result.type == Type::kText) {
            result_text.assign(result.text);
            result.text = result_text;
        }
    }
    return result;
}

}  // namespace wt::rules
