// SPDX-License-Identifier: Apache-2.0
#include "secrets/rotate.hpp"

#include <fmt/format.h>

#include "secrets/sealed_columns.hpp"

namespace wt::secrets {
namespace {

// Table and column names come from kSealedColumns (constants), never from input, so they are
// safe to splice into the SQL text.
Result<storage::Rows> SealedRows(storage::Transaction& tx, const SealedColumn& sealed_column) {
    return tx.Query(fmt::format("SELECT {0}, {1} FROM {2} WHERE {1} IS NOT NULL ORDER BY {0}", sealed_column.key_column,
                                sealed_column.column, sealed_column.table));
}

std::string Failure(const SealedColumn& sealed_column, const std::string& key, const Error& error) {
    return fmt::format("{}.{} of row {}: {}", sealed_column.table, sealed_column.column, key, error.detail);
}

}  // namespace

Result<RotationReport> ResealAll(storage::Database& db, const crypto::Keyring& old_ring,
                                 const crypto::Keyring& new_ring) {
    RotationReport report{old_ring.current_id(), new_ring.current_id(), {}};
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kWrite));
    for (const SealedColumn& sealed_column : kSealedColumns) {
        WT_ASSIGN_OR_RETURN(storage::Rows rows, SealedRows(*tx, sealed_column));
        const std::string update = fmt::format("UPDATE {} SET {} = $1 WHERE {} = $2", sealed_column.table,
                                               sealed_column.column, sealed_column.key_column);
        for (const storage::Row& row : rows) {
            const std::string& key = row.GetText(0);
            const std::string context = SealContext(sealed_column, key);
            auto opened = old_ring.Open(row.GetText(1), context);
            if (!opened) return Error::Make(ErrorCode::kInternal, Failure(sealed_column, key, opened.error()));
            WT_RETURN_IF_ERROR(tx->Exec(update, {storage::Text(new_ring.Seal(*opened, context)), storage::Text(key)}));
        }
        report.resealed.push_back(ColumnCount{std::string(sealed_column.table), std::string(sealed_column.column),
                                              static_cast<std::int64_t>(rows.size())});
    }
    WT_RETURN_IF_ERROR(tx->Commit());
    return report;
}

Result<std::vector<ColumnInventory>> Inventory(storage::Database& db, const crypto::Keyring& ring) {
    std::vector<ColumnInventory> inventory;
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
    for (const SealedColumn& sealed_column : kSealedColumns) {
        WT_ASSIGN_OR_RETURN(storage::Rows rows, SealedRows(*tx, sealed_column));
        ColumnInventory column{std::string(sealed_column.table), std::string(sealed_column.column), {}, {}};
        for (const storage::Row& row : rows) {
            const std::string& key = row.GetText(0);
            std::string id = crypto::Keyring::EnvelopeKeyId(row.GetText(1));
            ++column.count_by_key_id[id.empty() ? "malformed" : id];
            auto opened = ring.Open(row.GetText(1), SealContext(sealed_column, key));
            if (!opened) column.failures.push_back(Failure(sealed_column, key, opened.error()));
        }
        inventory.push_back(std::move(column));
    }
    return inventory;
}

}  // namespace wt::secrets
