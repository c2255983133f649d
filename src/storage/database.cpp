// SPDX-License-Identifier: Apache-2.0
#include "storage/database.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>

#include "storage/sqlite/sqlite_database.hpp"

namespace wt::storage {
namespace {

const std::string& EmptyText() {
    static const std::string empty;
    return empty;
}

bool IsSchemeChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
           c == '.';
}

std::string Lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

}  // namespace

bool Row::IsNull(std::size_t col) const { return std::holds_alternative<std::monostate>(values_.at(col)); }

std::int64_t Row::GetInt(std::size_t col) const {
    const Value& value = values_.at(col);
    if (const auto* integer = std::get_if<std::int64_t>(&value)) return *integer;
    if (const auto* text = std::get_if<std::string>(&value)) {
        // A column without integer affinity (e.g. a COUNT over a TEXT expression in some backend)
        // may hand back digits as text; anything else is a schema / query mismatch.
        std::int64_t parsed = 0;
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), parsed);
        assert(ec == std::errc() && end == text->data() + text->size() && "GetInt on a non-integer column");
        static_cast<void>(end);
        return ec == std::errc() ? parsed : 0;
    }
    return 0;  // NULL
}

const std::string& Row::GetText(std::size_t col) const {
    const Value& value = values_.at(col);
    if (const auto* text = std::get_if<std::string>(&value)) return *text;
    assert(std::holds_alternative<std::monostate>(value) && "GetText on an integer column");
    return EmptyText();
}

std::optional<std::int64_t> Row::GetOptInt(std::size_t col) const {
    if (IsNull(col)) return std::nullopt;
    return GetInt(col);
}

std::optional<std::string> Row::GetOptText(std::size_t col) const {
    if (IsNull(col)) return std::nullopt;
    return GetText(col);
}

Result<std::optional<Row>> Transaction::QueryOne(std::string_view sql, Params params) {
    WT_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
    if (rows.empty()) return std::optional<Row>();
    return std::optional<Row>(std::move(rows.front()));
}

Result<std::unique_ptr<Database>> Open(std::string_view url, const OpenOptions& options) {
    if (url.empty()) return Error::Make(ErrorCode::kValidationFailed, "the database URL is empty");
    std::string path(url);
    if (const auto separator = url.find("://"); separator != std::string_view::npos && separator > 0 &&
                                                std::all_of(url.begin(), url.begin() + separator, IsSchemeChar)) {
        const std::string scheme = Lowercase(url.substr(0, separator));
        if (scheme != "sqlite") {
            // Name the scheme only: the rest of a URL may carry credentials.
            return Error::Make(ErrorCode::kValidationFailed,
                               "unsupported database URL scheme '" + scheme +
                                   "' (supported: sqlite:///absolute/path.db, sqlite://relative/path.db or a "
                                   "file path)");
        }
        path = std::string(url.substr(separator + 3));  // "sqlite:///abs" -> "/abs", "sqlite://rel" -> "rel"
        if (path.find_first_of("?#") != std::string::npos) {
            return Error::Make(ErrorCode::kValidationFailed,
                               "sqlite database URLs take no query parameters or fragments");
        }
    }
    return sqlite::OpenSqlite(path, options);
}

}  // namespace wt::storage
