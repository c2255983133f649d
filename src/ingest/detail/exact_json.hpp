// SPDX-License-Identifier: Apache-2.0
/// A JSON reader that keeps numbers exactly: a small DOM built by a Boost.JSON `basic_parser`
/// handler in which every number is its source text (Boost.JSON 1.81 has no number_precision
/// option, and `boost::json::value` would turn `1250.10` or `12345678901234567890` into a double).
/// Objects keep every member in document order, duplicates included, so that the validator can
/// name a key that appears twice instead of silently keeping one of them.
///
/// Internal to wt_ingest. Threading: pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace wt::ingest::detail {

struct JsonNode {
    enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

    Kind kind = Kind::kNull;
    bool boolean = false;
    std::string text;               // kString: the decoded text (valid UTF-8); kNumber: the exact source text
    std::vector<std::string> keys;  // kObject: member names in document order (duplicates kept)
    std::vector<JsonNode> items;    // kArray: the elements; kObject: the member values, parallel to `keys`

    bool IsObject() const { return kind == Kind::kObject; }
};

/// Parses `text` as exactly one JSON document (RFC 8259; no comments, no trailing commas).
/// Failure is kMalformedRequest with a detail for the client: empty body, invalid UTF-8, nesting
/// deeper than `max_depth` containers (`{}` is depth 1), a syntax error (with its byte offset), or
/// text after the value. REQUIRES: max_depth is small enough to recurse on (the callers use <= 256).
Result<JsonNode> ParseExactJson(std::string_view text, int max_depth);

/// Appends `node` serialized compactly (no whitespace): numbers as their source text, strings
/// escaped minimally (`"`, `\` and control characters). With `sort_keys`, object members are
/// written in byte order of their keys (a canonical form for hashing); otherwise in document order.
void AppendCompactJson(const JsonNode& node, bool sort_keys, std::string& out);

/// Appends `text` as a JSON string literal (quotes included).
void AppendJsonString(std::string_view text, std::string& out);

/// Nesting depth: 0 for a scalar, 1 for `{}` or `[1]`, 2 for `{"a": {}}`.
int JsonDepth(const JsonNode& node);

}  // namespace wt::ingest::detail
