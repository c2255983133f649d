// SPDX-License-Identifier: Apache-2.0
#include "app/master_key.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "crypto/crypto.hpp"

namespace wt::app {
namespace {

Result<std::string> DecodeKey(std::string text, const std::string& where) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    auto bytes = crypto::Base64Decode(text);
    if (!bytes || bytes->size() != 32)
        return Error::Make(ErrorCode::kValidationFailed,
                           fmt::format("{}: the master key must be 32 random bytes in base64 (openssl rand -base64 32)",
                                       where));
    return *bytes;
}

}  // namespace

Result<MasterKey> LoadMasterKey(const Config& config) {
    if (const char* env = std::getenv("WATCHTOWER_MASTER_KEY"); env && *env) {
        WT_ASSIGN_OR_RETURN(auto bytes, DecodeKey(env, "WATCHTOWER_MASTER_KEY"));
        return MasterKey{bytes, "environment", false};
    }
    if (config.production())
        return Error::Make(ErrorCode::kValidationFailed,
                           "WATCHTOWER_MASTER_KEY is not set: production mode needs a master key from the environment "
                           "(32 random bytes, base64: openssl rand -base64 32)");
    std::string path = config.data_dir + "/master.key";
    struct stat key_stat{};
    if (::lstat(path.c_str(), &key_stat) == 0) {
        // The key protects every sealed secret: refuse one that others can read or that is a link.
        if (!S_ISREG(key_stat.st_mode) || (key_stat.st_mode & 077) != 0)
            return Error::Make(ErrorCode::kValidationFailed,
                               fmt::format("{} must be a regular file readable by its owner only (chmod 600 {})", path,
                                           path));
    }
    std::ifstream in(path);
    if (in) {
        std::stringstream text;
        text << in.rdbuf();
        WT_ASSIGN_OR_RETURN(auto bytes, DecodeKey(text.str(), path));
        return MasterKey{bytes, path, false};
    }
    // Generate once: write a private temporary file, then link() it into place, which fails if
    // another process got there first (then use theirs). Nobody ever reads a half-written key.
    std::string bytes = crypto::RandomBytes(32);
    std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
    ::unlink(tmp.c_str());  // a leftover from a crashed start
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return Error::Make(ErrorCode::kUnavailable, fmt::format("cannot create {}: {}", tmp, std::strerror(errno)));
    std::string text = crypto::Base64Encode(bytes) + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
        ::unlink(tmp.c_str());
        return Error::Make(ErrorCode::kUnavailable, fmt::format("cannot write {}", tmp));
    }
    int linked = ::link(tmp.c_str(), path.c_str());
    int link_errno = errno;
    ::unlink(tmp.c_str());
    if (linked != 0) {
        if (link_errno == EEXIST) return LoadMasterKey(config);
        return Error::Make(ErrorCode::kUnavailable, fmt::format("cannot create {}: {}", path, std::strerror(link_errno)));
    }
    return MasterKey{bytes, path, true};
}

std::string DeriveKey(const MasterKey& key, std::string_view purpose) {
    return crypto::HmacSha256(key.bytes, "watchtower/" + std::string(purpose));
}

}  // namespace wt::app
