// SPDX-License-Identifier: Apache-2.0
/// The `watchtower` commands. Each returns the process exit code and prints errors as one line
/// on stderr: 0 success, 1 failure, 3 `init` on an already initialised database. No command
/// prints or logs a secret other than the one it was asked to generate (`keys generate`, a
/// generated password).
#pragma once

#include <string>

#include "app/config.hpp"

namespace wt::app {

inline constexpr int kExitAlreadyInitialised = 3;

int RunServe(const Config& config);

struct InitArgs {
    std::string org_name;
    std::string email;
    std::string name;
    std::string password_file;
    bool json = false;
};
int RunInit(const Config& config, const InitArgs& args);
/// `org create`: like init, but for an additional organization.
int RunOrgCreate(const Config& config, const InitArgs& args);

struct UserAddArgs {
    std::string org_id;
    std::string email;
    std::string name;
    std::string role;
    std::string password_file;
    bool json = false;
};
int RunUserAdd(const Config& config, const UserAddArgs& args);
int RunMigrate(const Config& config);
int RunAuditVerify(const Config& config);
int RunPrintConfig(const Config& config);

/// `keys generate`: prints a new random master key in base64 (for WATCHTOWER_MASTER_KEY or
/// WATCHTOWER_NEW_MASTER_KEY). Needs no configuration.
int RunKeysGenerate();
/// `keys rotate`: re-seals every sealed value under a new master key (app/master_key.hpp has the
/// embedded-mode steps; the environment mode takes the key from WATCHTOWER_NEW_MASTER_KEY and
/// prints what to set next). Refuses while a server holds the data directory's lock.
int RunKeysRotate(const Config& config, bool json);
/// `keys status`: the key ids of the keyring and, per sealed column, how many values each key id
/// seals; opens every value and exits 1 naming those that do not open.
int RunKeysStatus(const Config& config, bool json);
/// `secrets set <name>`: stores the value read from stdin (one trailing newline stripped) sealed
/// in server_secrets. Only the names of secrets::kKnownServerSecrets.
int RunSecretsSet(const Config& config, const std::string& name);

/// Prints `watchtower: error: <message>` (with field messages) and returns 1.
int Fail(const Error& error);

}  // namespace wt::app
