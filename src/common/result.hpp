// SPDX-License-Identifier: Apache-2.0
/// `Result<T>`: a value or an `Error` (C++20 has no std::expected and Debian 12 ships no
/// tl::expected, so this is a small one). `Result<void>` is the status-only form.
///
///   Result<User> FindUser(...);
///   auto user = FindUser(...);
///   if (!user) return user.error();
///   Use(*user);
#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/error.hpp"

namespace wt {

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : storage_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const { return storage_.index() == 0; }
    explicit operator bool() const { return ok(); }

    // REQUIRES: ok()
    T& value() & { assert(ok()); return std::get<0>(storage_); }
    const T& value() const& { assert(ok()); return std::get<0>(storage_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(storage_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // REQUIRES: !ok()
    const Error& error() const& { assert(!ok()); return std::get<1>(storage_); }
    Error&& error() && { assert(!ok()); return std::get<1>(std::move(storage_)); }

private:
    std::variant<T, Error> storage_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)) {}  // NOLINT

    bool ok() const { return !error_.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const& { assert(!ok()); return *error_; }
    Error&& error() && { assert(!ok()); return std::move(*error_); }

private:
    std::optional<Error> error_;
};

using Status = Result<void>;

inline Status Ok() { return Status(); }

}  // namespace wt

/// Returns the error of `expr` (a Status) from the enclosing function if it failed.
#define WT_RETURN_IF_ERROR(expr)                          \
    do {                                                  \
        if (auto wt_status_ = (expr); !wt_status_.ok()) { \
            return std::move(wt_status_).error();         \
        }                                                 \
    } while (0)

#define WT_CONCAT_INNER_(a, b) a##b
#define WT_CONCAT_(a, b) WT_CONCAT_INNER_(a, b)
/// `WT_ASSIGN_OR_RETURN(auto user, FindUser(id));`
#define WT_ASSIGN_OR_RETURN(decl, expr) WT_ASSIGN_OR_RETURN_IMPL_(WT_CONCAT_(wt_result_, __LINE__), decl, expr)
#define WT_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
    auto tmp = (expr);                             \
    if (!tmp.ok()) return std::move(tmp).error();  \
    decl = std::move(tmp).value()
