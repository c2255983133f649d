// SPDX-License-Identifier: Apache-2.0
// Migration 8: dashboard rollups (issue 7 part 3). Portable SQL (SQLite and PostgreSQL), statements separated by ';'.
namespace wt::storage {

extern const char kV8Rollups[] = R"SQL(
SELECT 1
)SQL";

}  // namespace wt::storage
