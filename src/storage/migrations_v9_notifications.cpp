// SPDX-License-Identifier: Apache-2.0
// Migration 9: notifications (issue 7 part 5). Portable SQL (SQLite and PostgreSQL), statements separated by ';'.
namespace wt::storage {

extern const char kV9Notifications[] = R"SQL(
SELECT 1
)SQL";

}  // namespace wt::storage
