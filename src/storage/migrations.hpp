// SPDX-License-Identifier: Apache-2.0
/// The versioned schema. Migrations are applied in order, each in its own write transaction,
/// recorded in `schema_migrations(version, name, applied_at)`. A migration is never edited once
/// released: changes are new migrations. SQL is portable unless a backend needs its own text
/// (`postgres` empty means "same as `sql`").
#pragma once

#include <span>

namespace wt::storage {

struct Migration {
    int version;
    const char* name;
    const char* sql;       // portable SQL (SQLite and PostgreSQL), statements separated by ';'
    const char* postgres;  // PostgreSQL-only override, or nullptr
};

std::span<const Migration> AllMigrations();

}  // namespace wt::storage
