// SPDX-License-Identifier: Apache-2.0
#include "http/access_log.hpp"

#include <chrono>

namespace wt::http {
namespace {
constexpr std::size_t kEarlyFlushBytes = 256 * 1024;
}

AccessLog::AccessLog(const std::string& path) {
    if (path == "-") {
        file_ = stdout;
    } else {
        file_ = std::fopen(path.c_str(), "a");
        owns_file_ = true;
    }
    if (file_) writer_ = std::thread([this] { Run(); });
}

AccessLog::~AccessLog() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (writer_.joinable()) writer_.join();
    if (owns_file_ && file_) std::fclose(file_);
}

void AccessLog::Write(std::string_view line) {
    if (!file_) return;
    bool early = false;
    {
        std::lock_guard lock(mutex_);
        batch_.append(line);
        batch_.push_back('\n');
        early = batch_.size() >= kEarlyFlushBytes;
    }
    if (early) wake_.notify_one();
}

void AccessLog::Run() {
    std::string writing;
    while (true) {
        bool stop = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::milliseconds(200),
                           [this] { return stopping_ || batch_.size() >= kEarlyFlushBytes; });
            writing.swap(batch_);
            stop = stopping_;
        }
        if (!writing.empty()) {
            std::fwrite(writing.data(), 1, writing.size(), file_);
            std::fflush(file_);
            writing.clear();
        }
        if (stop) return;
    }
}

}  // namespace wt::http
