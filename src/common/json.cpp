// SPDX-License-Identifier: Apache-2.0
#include "common/json.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace wt {

JsonReader::JsonReader(const boost::json::value& value, std::string prefix) : prefix_(std::move(prefix)) {
    object_ = value.if_object();
    if (!object_) errors_.push_back({prefix_.empty() ? "" : prefix_, "must be a JSON object"});
}

std::string JsonReader::Path(std::string_view field) const {
    return prefix_.empty() ? std::string(field) : fmt::format("{}.{}", prefix_, field);
}

const boost::json::value* JsonReader::Lookup(std::string_view field) {
    seen_.emplace(field);
    if (!object_) return nullptr;
    auto it = object_->find(field);
    if (it == object_->end()) return nullptr;
    return &it->value();
}

bool JsonReader::Has(std::string_view field) const { return object_ && object_->contains(field); }

const boost::json::value* JsonReader::Raw(std::string_view field) { return Lookup(field); }

void JsonReader::AddError(std::string_view field, std::string message) {
    errors_.push_back({Path(field), std::move(message)});
}

std::optional<std::string> JsonReader::RequiredString(std::string_view field, std::size_t min_len,
                                                      std::size_t max_len) {
    if (!object_) return std::nullopt;
    const auto* v = Lookup(field);
    if (!v || v->is_null()) {
        AddError(field, "is required");
        return std::nullopt;
    }
    if (!v->is_string()) {
        AddError(field, "must be a string");
        return std::nullopt;
    }
    std::string s(v->as_string());
    std::size_t len = Utf8Length(s);
    if (len < min_len) {
        AddError(field, min_len <= 1 ? "must not be empty" : fmt::format("must be at least {} characters", min_len));
        return std::nullopt;
    }
    if (len > max_len) {
        AddError(field, fmt::format("must be at most {} characters", max_len));
        return std::nullopt;
    }
    return s;
}

std::optional<std::string> JsonReader::OptionalString(std::string_view field, std::size_t min_len,
                                                      std::size_t max_len) {
    if (!object_) return std::nullopt;
    const auto* v = Lookup(field);
    if (!v || v->is_null()) return std::nullopt;
    return RequiredString(field, min_len, max_len);
}

std::optional<bool> JsonReader::OptionalBool(std::string_view field) {
    const auto* v = Lookup(field);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_bool()) {
        AddError(field, "must be true or false");
        return std::nullopt;
    }
    return v->as_bool();
}

std::optional<std::int64_t> JsonReader::OptionalInt(std::string_view field, std::int64_t min, std::int64_t max) {
    const auto* v = Lookup(field);
    if (!v || v->is_null()) return std::nullopt;
    std::int64_t n = 0;
    if (v->is_int64()) {
        n = v->as_int64();
    } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        n = static_cast<std::int64_t>(v->as_uint64());
    } else {
        AddError(field, "must be an integer");
        return std::nullopt;
    }
    if (n < min || n > max) {
        AddError(field, fmt::format("must be between {} and {}", min, max));
        return std::nullopt;
    }
    return n;
}

void JsonReader::RejectUnknown() {
    if (!object_) return;
    for (const auto& member : *object_) {
        if (!seen_.contains(std::string_view(member.key()))) AddError(member.key(), "is not a known field");
    }
}

Status JsonReader::Finish() const {
    if (errors_.empty()) return Ok();
    return Error::Validation(errors_);
}

std::size_t Utf8Length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

bool IsValidUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > s.size()) return false;
        std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        for (std::size_t k = 1; k < len; ++k) {
            unsigned char cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}


std::string SanitizeUtf8(std::string_view s, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(s.size(), max_bytes));
    std::size_t pos = 0;
    while (pos < s.size()) {
        // The longest valid sequence starting here (1..4 bytes), if any.
        std::size_t len = 0;
        for (std::size_t try_len = 1; try_len <= 4 && pos + try_len <= s.size(); ++try_len) {
            if (IsValidUtf8(s.substr(pos, try_len))) {
                len = try_len;
                break;
            }
        }
        std::string_view piece = len ? s.substr(pos, len) : std::string_view("\xEF\xBF\xBD");
        if (out.size() + piece.size() > max_bytes) break;
        out.append(piece);
        pos += len ? len : 1;
    }
    return out;
}

}  // namespace wt
