// SPDX-License-Identifier: Apache-2.0
/// The access log writer: one JSON line per request, appended to a file (or stdout) by a
/// background thread. Request threads only append to an in-memory batch under a short lock; the
/// writer wakes every 200 ms (or early when the batch passes 256 KiB), so logging costs no
/// thread wake-up and no system call per request. Lines reach the file within ~200 ms and at
/// destruction (graceful stop).
/// Threading: Write() from any thread; construct and destroy on one.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace wt::http {

class AccessLog {
public:
    /// `path` "-" means stdout. The file is opened for appending (created 0600 under umask 077).
    explicit AccessLog(const std::string& path);
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    bool ok() const { return file_ != nullptr; }
    /// Appends one line (a newline is added).
    void Write(std::string_view line);

private:
    void Run();

    std::FILE* file_ = nullptr;
    bool owns_file_ = false;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::string batch_;     // GUARDED_BY(mutex_)
    bool stopping_ = false;  // GUARDED_BY(mutex_)
    std::thread writer_;
};

}  // namespace wt::http
