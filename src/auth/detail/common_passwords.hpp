// SPDX-License-Identifier: Apache-2.0
/// The raw common-password list, generated at build time from Debian's john-data
/// (`/usr/share/john/password.lst`) by `detail/generate_common_passwords.cmake`: comment lines
/// dropped, entries ASCII-lower-cased, in file order, possibly with duplicates. `password.cpp`
/// sorts and de-duplicates it once. Internal to wt_auth.
#pragma once

#include <span>
#include <string_view>

namespace wt::auth::detail {

/// The generated entries. Constant-initialized: safe to use during static initialization.
std::span<const std::string_view> RawCommonPasswords();

}  // namespace wt::auth::detail
