// SPDX-License-Identifier: Apache-2.0
/// The master key and the keyring built from it (SECURITY.md "Secrets at rest").
///
/// The master key is 32 random bytes from `WATCHTOWER_MASTER_KEY` (base64): the environment
/// mode. Without it, in the embedded default, it is read from `<data_dir>/master.key`, generated
/// once (mode 0600) when missing, and the caller logs that it did; in production a missing key is
/// an error.
///
/// The keyring seals with the master key and also opens with the keys of earlier rotations:
///   - `WATCHTOWER_PREVIOUS_MASTER_KEYS`: comma-separated base64 keys (both modes);
///   - embedded mode: `<data_dir>/master.key.retired.<key id>`, the keys `keys rotate` replaced,
///     and a leftover `<data_dir>/master.key.new` (a rotation that did not finish: the values it
///     already re-sealed open with it; `keys rotate` run again finishes the rotation with it).
/// Every key file must be a regular file readable by its owner only.
///
/// Embedded-mode rotation (`watchtower keys rotate`), each step durable before the next:
///   1. the new key is written to master.key.new (0600, fsync, fsync of the directory);
///   2. every sealed value is re-sealed under it in one transaction (secrets::ResealAll);
///   3. the old key is kept as master.key.retired.<old id>, then master.key.new is renamed over
///      master.key. A crash before 3 leaves master.key.new: the server still opens everything
///      (old values with master.key, re-sealed ones with master.key.new), and the next
///      `keys rotate` resumes with that same key instead of generating another.
///
/// Keys for specific purposes (session signing) are derived from the master key with HMAC-SHA256,
/// so they change when the master key rotates: a rotation ends every session.
///
/// Threading: plain functions; the files are the only shared state (see LockDataDir).
#pragma once

#include <string>
#include <vector>

#include "app/config.hpp"
#include "common/result.hpp"
#include "crypto/seal.hpp"

namespace wt::app {

struct MasterKey {
    std::string bytes;   // 32 bytes
    std::string source;  // "environment" or the file path
    bool generated = false;
};

Result<MasterKey> LoadMasterKey(const Config& config);

/// HMAC-SHA256(master, "watchtower/" + purpose).
std::string DeriveKey(const MasterKey& key, std::string_view purpose);

/// The master key and every key that may still open a sealed value.
struct MasterKeyring {
    MasterKey current;
    std::vector<std::string> previous;  // open only; duplicates of `current` left out
    bool rotation_pending = false;      // a leftover master.key.new is among `previous`

    bool environment_mode() const { return current.source == "environment"; }
    /// current first (seals), then `previous`.
    crypto::Keyring Ring() const;
};

/// LoadMasterKey, then the previous keys (file comment). Errors name the variable or file.
Result<MasterKeyring> LoadMasterKeyring(const Config& config);

/// The key in base64 (how WATCHTOWER_MASTER_KEY and the key files hold it).
std::string EncodeKey(const std::string& key);
/// Decodes a base64 key (surrounding whitespace ignored); kValidationFailed naming `where` when
/// it is not 32 bytes of base64.
Result<std::string> DecodeKey(std::string_view text, std::string_view where);

// --- embedded-mode rotation steps (file comment) -------------------------------------------------

std::string PendingKeyPath(const Config& config);  // <data_dir>/master.key.new
std::string RetiredKeyPath(const Config& config, std::string_view key_id);

/// Step 1: the key of master.key.new when one is left over (`resumed` true), else a new random
/// key written there durably. kUnavailable when the file cannot be written.
struct PendingKey {
    std::string bytes;
    bool resumed = false;
};
Result<PendingKey> PreparePendingKey(const Config& config);

/// Step 3: keeps `old_key` as master.key.retired.<id> (durably; kept as is if it exists) and
/// renames master.key.new over master.key, then syncs the directory.
Status InstallPendingKey(const Config& config, const std::string& old_key);

/// A lock on `<data_dir>/watchtower.lock` (flock), released by the destructor. The server holds
/// it shared while it runs; `keys rotate` takes it exclusive and so refuses to run beside a server
/// on the same host and data directory (and a server refuses to start during a rotation).
class DataDirLock {
  public:
    DataDirLock() = default;
    explicit DataDirLock(int fd) : fd_(fd) {}
    DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    DataDirLock& operator=(DataDirLock&& other) noexcept;
    DataDirLock(const DataDirLock&) = delete;
    DataDirLock& operator=(const DataDirLock&) = delete;
    ~DataDirLock();

  private:
    int fd_ = -1;
};

/// Never waits: kUnavailable "<what holds it>" when the lock is held in a conflicting mode.
Result<DataDirLock> LockDataDir(const Config& config, bool exclusive);

}  // namespace wt::app
