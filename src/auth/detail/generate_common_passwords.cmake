# SPDX-License-Identifier: Apache-2.0
# Build-time generator (cmake -P) for the common-password list compiled into wt_auth.
#   cmake -DINPUT=<password.lst> -DOUTPUT=<file.cpp> -P generate_common_passwords.cmake
# Drops `#!comment:` lines and empty lines, lower-cases (ASCII, like the runtime check) and writes
# a C++ array. Sorting and de-duplication happen once at run time in password.cpp: CMake's list
# commands split entries that contain ';' (the list has `asdfjkl;`), foreach over file(STRINGS)
# does not.
cmake_minimum_required(VERSION 3.25)

if(NOT DEFINED INPUT OR NOT DEFINED OUTPUT)
  message(FATAL_ERROR "generate_common_passwords.cmake needs -DINPUT=... -DOUTPUT=...")
endif()
if(NOT EXISTS "${INPUT}")
  message(FATAL_ERROR "Common-password list ${INPUT} not found: install john-data: run scripts/setup")
endif()

file(STRINGS "${INPUT}" lines ENCODING UTF-8)
set(body "")
set(count 0)
foreach(line IN LISTS lines)
  string(REGEX REPLACE "\r$" "" line "${line}")
  if(line STREQUAL "" OR line MATCHES "^#!comment:")
    continue()
  endif()
  # Only printable ASCII is expected; anything else would need escaping rules we do not have, so
  # fail loudly instead of compiling a silently different list.
  if(NOT line MATCHES "^[ -~]+$")
    message(FATAL_ERROR "${INPUT}: unexpected non-printable or non-ASCII entry: ${line}")
  endif()
  string(TOLOWER "${line}" line)
  string(REPLACE "\\" "\\\\" line "${line}")
  string(REPLACE "\"" "\\\"" line "${line}")
  string(APPEND body "    \"${line}\",\n")
  math(EXPR count "${count} + 1")
endforeach()
if(count LESS 3000)
  message(FATAL_ERROR "${INPUT} has only ${count} entries; SECURITY.md requires at least 3000")
endif()

set(content "// Generated from ${INPUT} by generate_common_passwords.cmake. Do not edit.
#include \"auth/detail/common_passwords.hpp\"

namespace wt::auth::detail {
namespace {
constexpr std::string_view kEntries[] = {
${body}};
}  // namespace

std::span<const std::string_view> RawCommonPasswords() { return kEntries; }

}  // namespace wt::auth::detail
")
# Rewrite only on change so that an unchanged list does not recompile.
set(previous "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" previous)
endif()
if(NOT previous STREQUAL content)
  file(WRITE "${OUTPUT}" "${content}")
endif()
