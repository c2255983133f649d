// SPDX-License-Identifier: Apache-2.0
#include "ingest/detail/exact_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <limits>
#include <numeric>
#include <optional>
#include <utility>

#include "common/json.hpp"

namespace wt::ingest::detail {
namespace {

namespace json = boost::json;

// The basic_parser handler: builds JsonNode trees. Strings, keys and numbers may arrive in parts
// (`on_*_part`, e.g. around escapes), so they are gathered in `buffer_` until the final event.
class TreeBuilder {
public:
    static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_array_begin(json::error_code&) { return Open(JsonNode::Kind::kArray); }
    bool on_array_end(std::size_t, json::error_code&) { return Close(); }
    bool on_object_begin(json::error_code&) { return Open(JsonNode::Kind::kObject); }
    bool on_object_end(std::size_t, json::error_code&) { return Close(); }
    bool on_string_part(json::string_view s, std::size_t, json::error_code&) { return Append(s); }
    bool on_string(json::string_view s, std::size_t, json::error_code&) { return Leaf(JsonNode::Kind::kString, s); }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) { return Append(s); }
    bool on_key(json::string_view s, std::size_t, json::error_code&) {
        Append(s);
        key_ = std::exchange(buffer_, {});
        return true;
    }
    bool on_number_part(json::string_view s, json::error_code&) { return Append(s); }
    bool on_int64(std::int64_t, json::string_view s, json::error_code&) { return Leaf(JsonNode::Kind::kNumber, s); }
    bool on_uint64(std::uint64_t, json::string_view s, json::error_code&) { return Leaf(JsonNode::Kind::kNumber, s); }
    // The double is ignored on purpose: the text is the value.
    bool on_double(double, json::string_view s, json::error_code&) { return Leaf(JsonNode::Kind::kNumber, s); }
    bool on_bool(bool b, json::error_code&) {
        JsonNode node;
        node.kind = JsonNode::Kind::kBool;
        node.boolean = b;
        return Attach(std::move(node));
    }
    bool on_null(json::error_code&) { return Attach(JsonNode{}); }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

    std::optional<JsonNode> TakeRoot() { return std::exchange(root_, std::nullopt); }

private:
    bool Append(json::string_view s) {
        buffer_.append(s.data(), s.size());
        return true;
    }
    bool Leaf(JsonNode::Kind kind, json::string_view last_part) {
        Append(last_part);
        JsonNode node;
        node.kind = kind;
        node.text = std::exchange(buffer_, {});
        return Attach(std::move(node));
    }
    // A container remembers the key it will be stored under in its parent (if the parent is an
    // object) while its own members are read.
    bool Open(JsonNode::Kind kind) {
        keys_of_open_.push_back(std::exchange(key_, {}));
        JsonNode node;
        node.kind = kind;
        open_.push_back(std::move(node));
        return true;
    }
    bool Close() {
        JsonNode node = std::move(open_.back());
        open_.pop_back();
        key_ = std::move(keys_of_open_.back());
        keys_of_open_.pop_back();
        return Attach(std::move(node));
    }
    bool Attach(JsonNode node) {
        if (open_.empty()) {
            root_ = std::move(node);
            return true;
        }
        JsonNode& parent = open_.back();
        if (parent.kind == JsonNode::Kind::kObject) parent.keys.push_back(std::exchange(key_, {}));
        parent.items.push_back(std::move(node));
        return true;
    }

    std::vector<JsonNode> open_;             // containers being read, innermost last
    std::vector<std::string> keys_of_open_;  // parallel to open_
    std::string key_;                        // the key of the member being read
    std::string buffer_;                     // parts of the current string, key or number
    std::optional<JsonNode> root_;
};

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

Result<JsonNode> ParseExactJson(std::string_view text, int max_depth) {
    if (std::all_of(text.begin(), text.end(), IsJsonWhitespace))
        return Error::Make(ErrorCode::kMalformedRequest, "the request body is empty");
    // Checked first for a clearer message: Boost.JSON would call it a syntax error.
    if (!IsValidUtf8(text)) return Error::Make(ErrorCode::kMalformedRequest, "the request body is not valid UTF-8");

    json::parse_options options;
    options.max_depth = static_cast<std::size_t>(std::max(max_depth, 1));
    json::basic_parser<TreeBuilder> parser(options);
    json::error_code ec;
    std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (ec == json::error::too_deep)
        return Error::Make(ErrorCode::kMalformedRequest,
                           fmt::format("JSON nesting deeper than {} levels", options.max_depth));
    if (ec)
        return Error::Make(ErrorCode::kMalformedRequest,
                           fmt::format("the body is not valid JSON ({} near byte {})", ec.message(), used));
    // write_some stops after one complete value (and the whitespace after it).
    if (used != text.size())
        return Error::Make(
            ErrorCode::kMalformedRequest,
            fmt::format("the body is not valid JSON (unexpected text after the value at byte {})", used));
    auto root = parser.handler().TakeRoot();
    if (!root) return Error::Internal("exact JSON parser finished without a value");
    return std::move(*root);
}

void AppendJsonString(std::string_view text, std::string& out) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (byte < 0x20) {
                    out += "\\u00";
                    out.push_back(kHex[byte >> 4]);
                    out.push_back(kHex[byte & 0xF]);
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

void AppendCompactJson(const JsonNode& node, bool sort_keys, std::string& out) {
    switch (node.kind) {
        case JsonNode::Kind::kNull:
            out += "null";
            return;
        case JsonNode::Kind::kBool:
            out += node.boolean ? "true" : "false";
            return;
        case JsonNode::Kind::kNumber:
            out += node.text;
            return;
        case JsonNode::Kind::kString:
            AppendJsonString(node.text, out);
            return;
        case JsonNode::Kind::kArray:
            out.push_back('[');
            for (std::size_t item_idx = 0; item_idx < node.items.size(); ++item_idx) {
                if (item_idx > 0) out.push_back(',');
                AppendCompactJson(node.items[item_idx], sort_keys, out);
            }
            out.push_back(']');
            return;
        case JsonNode::Kind::kObject: {
            std::vector<std::size_t> order(node.items.size());
            std::iota(order.begin(), order.end(), std::size_t{0});
            if (sort_keys)
                std::stable_sort(order.begin(), order.end(),
                                 [&](std::size_t a, std::size_t b) { return node.keys[a] < node.keys[b]; });
            out.push_back('{');
            for (std::size_t pos = 0; pos < order.size(); ++pos) {
                if (pos > 0) out.push_back(',');
                AppendJsonString(node.keys[order[pos]], out);
                out.push_back(':');
                AppendCompactJson(node.items[order[pos]], sort_keys, out);
            }
            out.push_back('}');
            return;
        }
    }
}

int JsonDepth(const JsonNode& node) {
    if (node.kind != JsonNode::Kind::kArray && node.kind != JsonNode::Kind::kObject) return 0;
    int deepest_child = 0;
    for (const auto& item : node.items) deepest_child = std::max(deepest_child, JsonDepth(item));
    return 1 + deepest_child;
}

}  // namespace wt::ingest::detail
