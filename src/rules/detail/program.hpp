// SPDX-License-Identifier: Apache-2.0
/// Internals of the rules language: the node arena that the parser builds, the checker types and
/// resolves in place, and the evaluator walks. Private to wt_rules.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/language.hpp"

namespace re2 {
class RE2;
}

namespace wt::rules::detail {

enum class Op : std::uint8_t {
    kLiteral,   // literal: value
    kField,     // field
    kMetadata,  // metadata.<path>: path
    kPath,      // an identifier path before resolution (parser output only)
    kNeg,       // kids[0]
    kAdd,
    kSub,
    kMul,
    kDiv,  // kids[0], kids[1]
    kEq,
    kNe,
    kLt,
    kLe,
    kGt,
    kGe,  // kids[0], kids[1]
    kAnd,
    kOr,         // kids[0], kids[1]
    kNot,        // kids[0]
    kIn,         // kids[0] in kids[1] (a kList or kNamedList); negated: `not in`
    kBetween,    // kids[0] between kids[1] and kids[2]; negated: `not between`
    kIsNull,     // kids[0] is null; negated: `is not null`
    kList,       // [kids...]
    kNamedList,  // list("name"): name
    kCall,       // name(kids...) with arg_names (empty for positional); resolved to function
    kAggregate,  // an aggregate call after checking: aggregate_index
};

enum class Field : std::uint8_t {
    kExternalId,
    kOccurredAt,
    kAmount,
    kCurrency,
    kDirection,
    kType,
    kAccountId,
    kCustomerId,
    kCounterpartyName,
    kCounterpartyAccount,
    kCounterpartyCountry,
    kChannel,
    kCountry,
    kIp,
    kDeviceId,
};

enum class Function : std::uint8_t {
    kNone,
    kLower,
    kUpper,
    kLength,
    kContains,
    kStartsWith,
    kEndsWith,
    kMatches,
    kSimilarity,
    kAbs,
    kMin,
    kMax,
    kRound,
    kCoalesce,
    kHourOfDay,
    kDayOfWeek,
    kAccountAge,
    kAccountFirstSeen,
};

struct Node {
    Op op = Op::kLiteral;
    Type type = Type::kNull;
    bool negated = false;
    Field field = Field::kAmount;
    Function function = Function::kNone;
    std::uint32_t begin = 0;  // byte offsets of the whole sub-expression in the source
    std::uint32_t end = 0;
    std::uint32_t at = 0;  // offset of the token that names it (operator, function, literal)
    int depth = 1;         // height of the subtree (bounded: the evaluator recurses)
    Value literal;
    std::vector<int> kids;
    std::vector<std::string_view> path;           // kPath / kMetadata segments (into Program::strings)
    std::string_view name;                        // kCall / kNamedList
    std::vector<std::string_view> arg_names;      // kCall: "" for a positional argument
    std::vector<std::uint32_t> arg_name_offsets;  // where each named argument's name starts
    int aggregate_index = -1;
    std::shared_ptr<const re2::RE2> regex;  // kMatches: compiled once
};

struct AggregateParts {
    int value = -1;         // node of the aggregated expression, -1 for count
    std::vector<int> keys;  // nodes of the key expressions
    int filter = -1;        // node of `where:`, -1 when absent
};

struct Program {
    std::string source;
    std::vector<Node> nodes;
    int root = -1;
    std::deque<std::string> strings;  // storage for decoded literals and names (stable addresses)
    std::vector<AggregateSpec> aggregates;
    std::vector<AggregateParts> aggregate_parts;
    std::vector<std::string> lists;
    bool uses_metadata = false;

    std::string_view Keep(std::string text) { return strings.emplace_back(std::move(text)); }
};

/// Builds the node arena from source text. Throws CompileFailure.
void Parse(Program& program);
/// Types and resolves the arena (fields, functions, aggregates, regexes). Throws CompileFailure.
void Check(Program& program, const CompileOptions& options);

/// The internal way a compile error leaves the recursive-descent parser and checker; Compile
/// converts it to a CompileError value and it never crosses the library boundary.
struct CompileFailure {
    std::uint32_t offset;
    std::string message;
};

/// Line and column (1-based, code points) of a byte offset.
void LineColumn(std::string_view source, std::size_t offset, int* line, int* column);

/// Jaro-Winkler similarity of two names after normalisation (similarity.cpp), 0..1.
double NameSimilarity(std::string_view a, std::string_view b);

/// The value at a `metadata` path in JSON object text, or null (metadata.cpp). Decoded strings
/// are stored in `scratch`.
Value MetadataLookup(std::string_view json, const std::vector<std::string_view>& path, std::string* scratch);

/// The canonical text of the sub-expression at `node` (aggregate specs).
void AppendCanonicalExpression(const Program& program, int node, std::string* out);

/// Appends the UTF-8 encoding of code point `cp` (<= 0x10FFFF, no surrogates) to `out`.
void AppendUtf8(std::uint32_t cp, std::string* out);

}  // namespace wt::rules::detail
