// SPDX-License-Identifier: Apache-2.0
/// Server-wide secrets (the SMTP password, ...) stored sealed in `server_secrets`: one row per
/// name, `value_sealed` sealed for `server_secrets.value_sealed:<name>`. Operators set them with
/// `watchtower secrets set <name>` (value from stdin); the server reads them when it needs them.
///
/// Threading: plain functions on the caller's transaction. Failure: storage errors as returned
/// by the transaction; a stored value that does not open (tampered, or sealed under a key the
/// ring no longer holds) is kInternal with the keyring's detail (never the value).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "crypto/seal.hpp"
#include "storage/database.hpp"

namespace wt::secrets {

/// The names `watchtower secrets set` accepts.
inline constexpr std::string_view kSmtpPassword = "smtp_password";
inline constexpr std::string_view kKnownServerSecrets[] = {kSmtpPassword};

bool IsKnownServerSecret(std::string_view name);

/// The opened value of `name`, or nullopt when it was never set.
Result<std::optional<std::string>> GetServerSecret(storage::Transaction& tx, const crypto::Keyring& keyring,
                                                   std::string_view name);

/// Seals `value` under the ring's current key and stores it as `name` (insert or replace).
/// Does not check the name against kKnownServerSecrets (the CLI does).
Status SetServerSecret(storage::Transaction& tx, const crypto::Keyring& keyring, std::string_view name,
                       std::string_view value, UnixMicros now);

}  // namespace wt::secrets
