// SPDX-License-Identifier: Apache-2.0
#include "secrets/server_secrets.hpp"

#include <algorithm>

#include "secrets/sealed_columns.hpp"

namespace wt::secrets {
namespace {

std::string Context(std::string_view name) { return SealContext("server_secrets", "value_sealed", name); }

}  // namespace

bool IsKnownServerSecret(std::string_view name) {
    return std::find(std::begin(kKnownServerSecrets), std::end(kKnownServerSecrets), name) !=
           std::end(kKnownServerSecrets);
}

Result<std::optional<std::string>> GetServerSecret(storage::Transaction& tx, const crypto::Keyring& keyring,
                                                   std::string_view name) {
    WT_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT value_sealed FROM server_secrets WHERE name = $1",
                                              {storage::Text(std::string(name))}));
    if (!row) return std::optional<std::string>();
    WT_ASSIGN_OR_RETURN(std::string value, keyring.Open(row->GetText(0), Context(name)));
    return std::optional<std::string>(std::move(value));
}

Status SetServerSecret(storage::Transaction& tx, const crypto::Keyring& keyring, std::string_view name,
                       std::string_view value, UnixMicros now) {
    const std::string name_text(name);
    WT_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO server_secrets (name, value_sealed, updated_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (name) DO UPDATE SET value_sealed = excluded.value_sealed, updated_at = excluded.updated_at",
        {storage::Text(name_text), storage::Text(keyring.Seal(value, Context(name))), storage::Int(now)}));
    return Ok();
}

}  // namespace wt::secrets
