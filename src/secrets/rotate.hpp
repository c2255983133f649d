// SPDX-License-Identifier: Apache-2.0
/// Key rotation and inventory over every sealed column (sealed_columns.hpp).
///
/// ResealAll opens every sealed value with the old ring and seals it again under the new ring's
/// current key, in ONE write transaction: either every value moves to the new key or nothing
/// changes. A value that does not open (tampered, or under a key neither ring holds) aborts the
/// rotation with an error naming its table, column and row.
///
/// Threading: plain functions; each takes its own transaction on `db`. While ResealAll runs it
/// holds the database's write lock (other writers wait up to the busy timeout).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "crypto/seal.hpp"
#include "storage/database.hpp"

namespace wt::secrets {

struct ColumnCount {
    std::string table;
    std::string column;
    std::int64_t count = 0;
};

struct RotationReport {
    std::string old_key_id;             // the old ring's current key
    std::string new_key_id;             // the new ring's current key: every value is sealed under it now
    std::vector<ColumnCount> resealed;  // one entry per sealed column, in kSealedColumns order
};

/// REQUIRES: every sealed value opens with `old_ring` (which may hold several keys).
/// Errors: kInternal "<table>.<column> of row <key>: <keyring detail>" for a value that does not
/// open (nothing is changed); storage errors as the database returns them.
Result<RotationReport> ResealAll(storage::Database& db, const crypto::Keyring& old_ring,
                                 const crypto::Keyring& new_ring);

/// How many sealed values each key id seals, per column, and which of them do not open with
/// `ring` (`keys status`, and the server's check at start). Values that are not envelopes are
/// counted under the id "malformed". Reads only; never returns or logs a value.
struct ColumnInventory {
    std::string table;
    std::string column;
    std::map<std::string, std::int64_t> count_by_key_id;
    std::vector<std::string> failures;  // "<table>.<column> of row <key>: <keyring detail>"
};
Result<std::vector<ColumnInventory>> Inventory(storage::Database& db, const crypto::Keyring& ring);

}  // namespace wt::secrets
