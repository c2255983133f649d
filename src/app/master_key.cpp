// SPDX-License-Identifier: Apache-2.0
#include "app/master_key.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "crypto/crypto.hpp"

namespace wt::app {
namespace {

constexpr std::size_t kKeySize = 32;
constexpr std::string_view kRetiredPrefix = "master.key.retired.";

std::string KeyPath(const Config& config) { return config.data_dir + "/master.key"; }

Error Unavailable(std::string_view what, const std::string& path, int error_number) {
    return Error::Make(ErrorCode::kUnavailable,
                       fmt::format("cannot {} {}: {}", what, path, std::strerror(error_number)));
}

// The key file at `path`, or nullopt when there is none. The key protects every sealed secret:
// a file that others can read, or that is not a regular file (a link), is refused.
Result<std::optional<std::string>> ReadKeyFile(const std::string& path) {
    struct stat key_stat {};
    if (::lstat(path.c_str(), &key_stat) != 0) {
        if (errno == ENOENT) return std::optional<std::string>();
        return Unavailable("read", path, errno);
    }
    if (!S_ISREG(key_stat.st_mode) || (key_stat.st_mode & 077) != 0)
        return Error::Make(
            ErrorCode::kValidationFailed,
            fmt::format("{} must be a regular file readable by its owner only (chmod 600 {})", path, path));
    std::ifstream in(path);
    if (!in) return Unavailable("read", path, errno);
    std::stringstream text;
    text << in.rdbuf();
    WT_ASSIGN_OR_RETURN(std::string bytes, DecodeKey(text.str(), path));
    return std::optional<std::string>(std::move(bytes));
}

Status SyncDirectory(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Unavailable("open", dir, errno);
    const int synced = ::fsync(fd);
    const int sync_errno = errno;
    ::close(fd);
    if (synced != 0) return Unavailable("sync", dir, sync_errno);
    return Ok();
}

// Writes `key` to `path` so that nobody ever reads a half-written key: a private temporary file,
// fsync, then link() into place (which fails with kConflict if `path` exists), then fsync of the
// directory so the new name survives a crash.
Status WriteKeyFile(const Config& config, const std::string& path, const std::string& key) {
    const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
    ::unlink(tmp.c_str());  // a leftover from a crashed run
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return Unavailable("create", tmp, errno);
    const std::string text = EncodeKey(key) + "\n";
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
        ::unlink(tmp.c_str());
        return Error::Make(ErrorCode::kUnavailable, fmt::format("cannot write {}", tmp));
    }
    const int linked = ::link(tmp.c_str(), path.c_str());
    const int link_errno = errno;
    ::unlink(tmp.c_str());
    if (linked != 0) {
        if (link_errno == EEXIST) return Error::Make(ErrorCode::kConflict, fmt::format("{} exists", path));
        return Unavailable("create", path, link_errno);
    }
    return SyncDirectory(config.data_dir);
}

void AddPrevious(MasterKeyring& ring, std::string key) {
    if (key == ring.current.bytes || std::find(ring.previous.begin(), ring.previous.end(), key) != ring.previous.end())
        return;
    ring.previous.push_back(std::move(key));
}

Status AddPreviousFromEnvironment(MasterKeyring& ring) {
    const char* env = std::getenv("WATCHTOWER_PREVIOUS_MASTER_KEYS");
    if (env == nullptr) return Ok();
    std::string_view list(env);
    int position = 0;
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string_view item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        ++position;
        if (item.find_first_not_of(" \t\r\n") == std::string_view::npos) continue;  // "a,,b" or a trailing comma
        WT_ASSIGN_OR_RETURN(std::string key,
                            DecodeKey(item, fmt::format("WATCHTOWER_PREVIOUS_MASTER_KEYS (key {})", position)));
        AddPrevious(ring, std::move(key));
    }
    return Ok();
}

// master.key.new first (a rotation in progress re-seals under it), then the retired keys by name.
Status AddPreviousFromFiles(const Config& config, MasterKeyring& ring) {
    WT_ASSIGN_OR_RETURN(auto pending, ReadKeyFile(PendingKeyPath(config)));
    if (pending) {
        ring.rotation_pending = true;
        AddPrevious(ring, std::move(*pending));
    }
    std::vector<std::string> retired;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(config.data_dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(kRetiredPrefix) && name.find(".tmp.") == std::string::npos)
            retired.push_back(entry.path().string());
    }
    if (ec)
        return Error::Make(ErrorCode::kUnavailable, fmt::format("cannot list {}: {}", config.data_dir, ec.message()));
    std::sort(retired.begin(), retired.end());
    for (const std::string& path : retired) {
        WT_ASSIGN_OR_RETURN(auto key, ReadKeyFile(path));
        if (key) AddPrevious(ring, std::move(*key));
    }
    return Ok();
}

}  // namespace

std::string EncodeKey(const std::string& key) { return crypto::Base64Encode(key); }

Result<std::string> DecodeKey(std::string_view text, std::string_view where) {
    const std::size_t begin = text.find_first_not_of(" \t\r\n");
    const std::size_t end = text.find_last_not_of(" \t\r\n");
    auto bytes = crypto::Base64Decode(begin == std::string_view::npos ? std::string_view()
                                                                      : text.substr(begin, end - begin + 1));
    if (!bytes || bytes->size() != kKeySize)
        return Error::Make(ErrorCode::kValidationFailed,
                           fmt::format("{}: the master key must be 32 random bytes in base64 (watchtower keys "
                                       "generate, or openssl rand -base64 32)",
                                       where));
    return *bytes;
}

Result<MasterKey> LoadMasterKey(const Config& config) {
    if (const char* env = std::getenv("WATCHTOWER_MASTER_KEY"); env && *env) {
        WT_ASSIGN_OR_RETURN(auto bytes, DecodeKey(env, "WATCHTOWER_MASTER_KEY"));
        return MasterKey{bytes, "environment", false};
    }
    if (config.production())
        return Error::Make(ErrorCode::kValidationFailed,
                           "WATCHTOWER_MASTER_KEY is not set: production mode needs a master key from the environment "
                           "(32 random bytes, base64: watchtower keys generate, or openssl rand -base64 32)");
    const std::string path = KeyPath(config);
    WT_ASSIGN_OR_RETURN(auto existing, ReadKeyFile(path));
    if (existing) return MasterKey{std::move(*existing), path, false};
    // Generate once. If another process got there first (kConflict), use theirs.
    std::string bytes = crypto::RandomBytes(kKeySize);
    if (auto written = WriteKeyFile(config, path, bytes); !written) {
        if (written.error().code == ErrorCode::kConflict) return LoadMasterKey(config);
        return std::move(written).error();
    }
    return MasterKey{std::move(bytes), path, true};
}

std::string DeriveKey(const MasterKey& key, std::string_view purpose) {
    return crypto::HmacSha256(key.bytes, "watchtower/" + std::string(purpose));
}

crypto::Keyring MasterKeyring::Ring() const {
    std::vector<std::string> keys{current.bytes};
    keys.insert(keys.end(), previous.begin(), previous.end());
    return crypto::Keyring(std::move(keys));
}

Result<MasterKeyring> LoadMasterKeyring(const Config& config) {
    MasterKeyring ring;
    WT_ASSIGN_OR_RETURN(ring.current, LoadMasterKey(config));
    if (!ring.environment_mode()) WT_RETURN_IF_ERROR(AddPreviousFromFiles(config, ring));
    WT_RETURN_IF_ERROR(AddPreviousFromEnvironment(ring));
    return ring;
}

std::string PendingKeyPath(const Config& config) { return KeyPath(config) + ".new"; }

std::string RetiredKeyPath(const Config& config, std::string_view key_id) {
    return fmt::format("{}/{}{}", config.data_dir, kRetiredPrefix, key_id);
}

Result<PendingKey> PreparePendingKey(const Config& config) {
    const std::string path = PendingKeyPath(config);
    WT_ASSIGN_OR_RETURN(auto leftover, ReadKeyFile(path));
    if (leftover) return PendingKey{std::move(*leftover), true};
    std::string bytes = crypto::RandomBytes(kKeySize);
    WT_RETURN_IF_ERROR(WriteKeyFile(config, path, bytes));
    return PendingKey{std::move(bytes), false};
}

Status InstallPendingKey(const Config& config, const std::string& old_key) {
    const std::string retired = RetiredKeyPath(config, crypto::Keyring::KeyId(old_key));
    if (auto written = WriteKeyFile(config, retired, old_key);
        !written && written.error().code != ErrorCode::kConflict) {
        return std::move(written).error();
    }
    const std::string pending = PendingKeyPath(config);
    if (::rename(pending.c_str(), KeyPath(config).c_str()) != 0) return Unavailable("install", pending, errno);
    return SyncDirectory(config.data_dir);
}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

DataDirLock::~DataDirLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

Result<DataDirLock> LockDataDir(const Config& config, bool exclusive) {
    const std::string path = config.data_dir + "/watchtower.lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return Unavailable("open", path, errno);
    DataDirLock lock(fd);
    if (::flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) return Unavailable("lock", path, errno);
        return Error::Make(
            ErrorCode::kUnavailable,
            exclusive ? fmt::format("a server or another key rotation is using {} (it holds {}): stop it first",
                                    config.data_dir, path)
                      : fmt::format("a key rotation is running on {} (it holds {})", config.data_dir, path));
    }
    return lock;
}

}  // namespace wt::app
