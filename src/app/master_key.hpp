// SPDX-License-Identifier: Apache-2.0
/// The master key (SECURITY.md "Secrets at rest"): 32 random bytes from `WATCHTOWER_MASTER_KEY`
/// (base64). In the embedded default a missing key is generated once into `<data_dir>/master.key`
/// (mode 0600) and the caller logs that it did; in production a missing key is an error.
/// Keys used for specific purposes (session signing, ...) are derived from it with HMAC-SHA256,
/// so they change when the master key rotates.
#pragma once

#include <string>

#include "app/config.hpp"
#include "common/result.hpp"

namespace wt::app {

struct MasterKey {
    std::string bytes;    // 32 bytes
    std::string source;   // "environment" or the file path
    bool generated = false;
};

Result<MasterKey> LoadMasterKey(const Config& config);

/// HMAC-SHA256(master, "watchtower/" + purpose).
std::string DeriveKey(const MasterKey& key, std::string_view purpose);

}  // namespace wt::app
