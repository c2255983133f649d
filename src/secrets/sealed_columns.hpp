// SPDX-License-Identifier: Apache-2.0
/// THE list of sealed columns (SECURITY.md "Secrets at rest"). Every column that holds a value
/// sealed with the master keyring (crypto/seal.hpp) is listed here, with the column that names
/// its row; `watchtower keys rotate` re-seals exactly these columns and `keys status` counts them.
/// A new sealed column must be added here, or a key rotation would leave it sealed under a key
/// that is then retired.
///
/// Context convention: a value is sealed for `<table>.<column>:<key value>` (SealContext), so a
/// sealed value copied into another row or column does not open there.
#pragma once

#include <string>
#include <string_view>

namespace wt::secrets {

struct SealedColumn {
    std::string_view table;
    std::string_view column;      // the sealed TEXT column (NULL when there is no value)
    std::string_view key_column;  // the column whose value names the row (primary key)
};

inline constexpr SealedColumn kSealedColumns[] = {
    {"users", "totp_secret_sealed", "id"},
    {"users", "totp_pending_sealed", "id"},
    {"mail_outbox", "message_sealed", "id"},
    {"server_secrets", "value_sealed", "name"},
    {"notification_channels", "secret_sealed", "id"},
};

/// `<table>.<column>:<key>`: the context (additional authenticated data) a value of that row is
/// sealed for. Every caller of Keyring::Seal/Open on a listed column builds its context here.
inline std::string SealContext(std::string_view table, std::string_view column, std::string_view key) {
    std::string context;
    context.reserve(table.size() + column.size() + key.size() + 2);
    context.append(table).append(".").append(column).append(":").append(key);
    return context;
}

inline std::string SealContext(const SealedColumn& sealed_column, std::string_view key) {
    return SealContext(sealed_column.table, sealed_column.column, key);
}

}  // namespace wt::secrets
