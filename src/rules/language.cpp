// SPDX-License-Identifier: Apache-2.0
#include "rules/language.hpp"

#include <string>

#include "rules/detail/program.hpp"

namespace wt::rules {
namespace {

constexpr std::size_t kMaxSourceBytes = 64 * 1024;

bool IsPlainIdent(std::string_view text) {
    if (text.empty()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

const std::vector<AggregateSpec> kNoAggregates;
const std::vector<std::string> kNoLists;
const std::string kNoSource;

}  // namespace

namespace detail {

void AppendCanonicalExpression(const Program& program, int index, std::string* out) {
    const Node& node = program.nodes[static_cast<std::size_t>(index)];
    auto kid = [&](std::size_t pos) { AppendCanonicalExpression(program, node.kids[pos], out); };
    auto binary = [&](std::string_view op) {
        out->push_back('(');
        kid(0);
        out->append(op);
        kid(1);
        out->push_back(')');
    };
    switch (node.op) {
        case Op::kLiteral:
            if (node.literal.type == Type::kDecimal)
                out->append(node.literal.decimal.Normalized().ToString());
            else
                out->append(FormatValue(node.literal));
            return;
        case Op::kField:
        case Op::kMetadata:
        case Op::kPath:
            for (std::size_t pos = 0; pos < node.path.size(); ++pos) {
                if (pos > 0) out->push_back('.');
                if (IsPlainIdent(node.path[pos]))
                    out->append(node.path[pos]);
                else
                    out->append(FormatValue(Value::Text(node.path[pos])));
            }
            return;
        case Op::kNeg:
            out->append("(-");
            kid(0);
            out->push_back(')');
            return;
        case Op::kAdd:
            return binary(" + ");
        case Op::kSub:
            return binary(" - ");
        case Op::kMul:
            return binary(" * ");
        case Op::kDiv:
            return binary(" / ");
        case Op::kEq:
            return binary(" == ");
        case Op::kNe:
            return binary(" != ");
        case Op::kLt:
            return binary(" < ");
        case Op::kLe:
            return binary(" <= ");
        case Op::kGt:
            return binary(" > ");
        case Op::kGe:
            return binary(" >= ");
        case Op::kAnd:
            return binary(" and ");
        case Op::kOr:
            return binary(" or ");
        case Op::kNot:
            out->append("(not ");
            kid(0);
            out->push_back(')');
            return;
        case Op::kIn:
            return binary(node.negated ? " not in " : " in ");
        case Op::kBetween:
            out->push_back('(');
            kid(0);
            out->append(node.negated ? " not between " : " between ");
            kid(1);
            out->append(" and ");
            kid(2);
            out->push_back(')');
            return;
        case Op::kIsNull:
            out->push_back('(');
            kid(0);
            out->append(node.negated ? " is not null)" : " is null)");
            return;
        case Op::kList:
            out->push_back('[');
            for (std::size_t pos = 0; pos < node.kids.size(); ++pos) {
                if (pos > 0) out->append(", ");
                kid(pos);
            }
            out->push_back(']');
            return;
        case Op::kNamedList:
            out->append("list(");
            out->append(FormatValue(Value::Text(node.name)));
            out->push_back(')');
            return;
        case Op::kCall:
            out->append(node.name);
            out->push_back('(');
            for (std::size_t pos = 0; pos < node.kids.size(); ++pos) {
                if (pos > 0) out->append(", ");
                if (!node.arg_names[pos].empty()) {
                    out->append(node.arg_names[pos]);
                    out->append(": ");
                }
                kid(pos);
            }
            out->push_back(')');
            return;
        case Op::kAggregate:
            out->append(program.aggregates[static_cast<std::size_t>(node.aggregate_index)].canonical);
            return;
    }
}

}  // namespace detail

std::string_view AggregateFunctionName(AggregateFunction function) {
    switch (function) {
        case AggregateFunction::kCount:
            return "count";
        case AggregateFunction::kSum:
            return "sum";
        case AggregateFunction::kAvg:
            return "avg";
        case AggregateFunction::kMin:
            return "min";
        case AggregateFunction::kMax:
            return "max";
        case AggregateFunction::kDistinctCount:
            return "distinct_count";
    }
    return "?";
}

std::string CompileError::ToString() const {
    return std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

const std::vector<AggregateSpec>& CompiledRule::aggregates() const {
    return program_ ? program_->aggregates : kNoAggregates;
}
const std::vector<std::string>& CompiledRule::lists() const { return program_ ? program_->lists : kNoLists; }
const std::string& CompiledRule::source() const { return program_ ? program_->source : kNoSource; }

const TimeZone& EvalContext::time_zone() const {
    static const TimeZone kUtc;
    return kUtc;
}

Result<CompiledRule> Compile(std::string_view expression, const CompileOptions& options, CompileError* error_out) {
    auto program = std::make_shared<detail::Program>();
    program->source = std::string(expression);
    CompileError error;
    bool failed = false;
    if (expression.size() > kMaxSourceBytes) {
        error.message = "the expression is too long (at most 65536 bytes)";
        failed = true;
    } else {
        try {
            detail::Parse(*program);
            detail::Check(*program, options);
        } catch (const detail::CompileFailure& failure) {
            detail::LineColumn(program->source, failure.offset, &error.line, &error.column);
            error.message = failure.message;
            failed = true;
        }
    }
    if (failed) {
        if (error_out != nullptr) *error_out = error;
        return Error::Validation("expression", error.ToString());
    }
    CompiledRule rule;
    rule.program_ = std::move(program);
    return rule;
}

}  // namespace wt::rules
