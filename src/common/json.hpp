// SPDX-License-Identifier: Apache-2.0
/// Reading request bodies: a small validating reader over a Boost.JSON object that collects every
/// field problem instead of stopping at the first, so one 422 names every bad field.
///
///   JsonReader in(body);
///   auto email = in.RequiredString("email", 1, 320);
///   auto name  = in.OptionalString("name", 0, 200);
///   in.RejectUnknown();
///   if (auto err = in.Finish(); !err.ok()) return err.error();
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace wt {

class JsonReader {
public:
    /// `value` must outlive the reader. A non-object records an error for field "" (the body).
    explicit JsonReader(const boost::json::value& value, std::string prefix = "");

    std::optional<std::string> RequiredString(std::string_view field, std::size_t min_len, std::size_t max_len);
    std::optional<std::string> OptionalString(std::string_view field, std::size_t min_len, std::size_t max_len);
    std::optional<bool> OptionalBool(std::string_view field);
    std::optional<std::int64_t> OptionalInt(std::string_view field, std::int64_t min, std::int64_t max);
    /// The raw value, or nullptr when absent; marks the field as known.
    const boost::json::value* Raw(std::string_view field);
    bool Has(std::string_view field) const;

    /// Records a problem for `field` (prefixed).
    void AddError(std::string_view field, std::string message);
    /// Records an error for every member that no accessor asked about.
    void RejectUnknown();
    /// Ok when no problem was recorded, else kValidationFailed listing every field.
    Status Finish() const;
    bool HasErrors() const { return !errors_.empty(); }

private:
    std::string Path(std::string_view field) const;
    const boost::json::value* Lookup(std::string_view field);

    const boost::json::object* object_ = nullptr;
    std::string prefix_;
    std::set<std::string, std::less<>> seen_;
    std::vector<FieldError> errors_;
};

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
bool IsValidUtf8(std::string_view s);

/// `s` made valid UTF-8 (each invalid byte becomes U+FFFD) and cut to at most `max_bytes` bytes
/// on a code-point boundary: for text from the outside (User-Agent) that is stored or echoed.
std::string SanitizeUtf8(std::string_view s, std::size_t max_bytes);

/// Length in Unicode code points of valid UTF-8 (Boost.JSON has already validated it).
std::size_t Utf8Length(std::string_view s);

/// Serialises a JSON value to text.
inline std::string ToJson(const boost::json::value& v) { return boost::json::serialize(v); }

}  // namespace wt
