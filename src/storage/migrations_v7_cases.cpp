// SPDX-License-Identifier: Apache-2.0
// Migration 7: cases (issue 7 part 2). Portable SQL (SQLite and PostgreSQL), statements separated by ';'.
namespace wt::storage {

extern const char kV7Cases[] = R"SQL(
SELECT 1
)SQL";

}  // namespace wt::storage
