// SPDX-License-Identifier: Apache-2.0
/// The `watchtower` commands. Each returns the process exit code and prints errors as one line
/// on stderr: 0 success, 1 failure, 3 `init` on an already initialised database.
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

/// Prints `watchtower: error: <message>` (with field messages) and returns 1.
int Fail(const Error& error);

}  // namespace wt::app
