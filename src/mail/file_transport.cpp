// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "mail/transport.hpp"

namespace wt::mail {

namespace {

Error Errno(std::string_view what, const std::string& path) {
    Error error = Error::Make(ErrorCode::kUnavailable, "writing a mail file failed");
    error.internal = fmt::format("{} {}: {}", what, path, std::strerror(errno));
    return error;
}

/// `20261123T212200Z`: sorts by time and has no ':' (awkward in file names on some systems).
std::string FileStamp(UnixMicros now) {
    const std::time_t seconds = static_cast<std::time_t>(now / kMicrosPerSecond);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec);
}

class FileTransport final : public Transport {
  public:
    explicit FileTransport(std::string directory) : directory_(std::move(directory)) {}

    Status Send(const Outgoing& mail, std::stop_token /*stop: a local write is not worth cancelling*/) override {
        if (::mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST) return Errno("mkdir", directory_);
        const std::string name = FileStamp(mail.now) + "-" + std::string(mail.outbox_id) + ".eml";
        const std::string final_path = directory_ + "/" + name;
        const std::string temp_path = directory_ + "/." + name + ".tmp";
        // O_TRUNC: a temporary file left by a crash in the middle of this very message is rewritten.
        const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) return Errno("open", temp_path);
        // On any failure below, the temporary file goes: no partial .eml is ever left behind.
        auto fail = [&](std::string_view what) {
            Error error = Errno(what, temp_path);
            ::close(fd);
            ::unlink(temp_path.c_str());
            return error;
        };
        std::string_view rest = mail.rfc5322;
        while (!rest.empty()) {
            const ssize_t written = ::write(fd, rest.data(), rest.size());
            if (written < 0 && errno == EINTR) continue;
            if (written < 0) return fail("write");
            rest.remove_prefix(static_cast<std::size_t>(written));
        }
        if (::fsync(fd) != 0) return fail("fsync");
        ::close(fd);
        if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
            Error error = Errno("rename", final_path);
            ::unlink(temp_path.c_str());
            return error;
        }
        // The rename is durable only once the directory is.
        const int dir_fd = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd >= 0) {
            ::fsync(dir_fd);
            ::close(dir_fd);
        }
        return Ok();
    }

  private:
    std::string directory_;
};

}  // namespace

std::unique_ptr<Transport> MakeFileTransport(std::string directory) {
    return std::make_unique<FileTransport>(std::move(directory));
}

}  // namespace wt::mail
