// SPDX-License-Identifier: Apache-2.0
/// A real SMTP server for tests: smtp_sink.py (Debian python3-aiosmtpd) as a child process on
/// 127.0.0.1, requiring AUTH as kSmtpUser / kSmtpPassword. Header-only; used by the mail unit tests
/// and by tests/integration/mail_test.cpp.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "mail_test_support.hpp"

namespace wt::mail::testing {

inline constexpr const char* kSmtpUser = "wt-mailer";
inline constexpr const char* kSmtpPassword = "s3cret-Smtp-pw";

/// Polls `done` every 20 ms for at most `limit`.
template <typename Predicate>
inline bool WaitFor(Predicate done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

/// smtp_sink.py as a child process, killed (SIGKILL) and reaped by the destructor. port() is 0 when
/// it did not start within 10 s.
class SmtpSink {
  public:
    struct Options {
        int fail_first = 0;
        std::string tls_cert;
        std::string tls_key;
    };
    SmtpSink(const std::string& dir, Options options) : dir_(dir + "/sink") {
        std::filesystem::create_directories(dir_);
        const std::string port_file = dir + "/sink.port";
        std::vector<std::string> args = {kPython,        WT_MAIL_TEST_DIR "/smtp_sink.py",
                                         "--port-file",  port_file,
                                         "--dir",        dir_,
                                         "--user",       kSmtpUser,
                                         "--password",   kSmtpPassword,
                                         "--fail-first", std::to_string(options.fail_first)};
        if (!options.tls_cert.empty()) {
            args.insert(args.end(), {"--tls-cert", options.tls_cert, "--tls-key", options.tls_key});
        }
        pid_ = ::fork();
        if (pid_ == 0) {
            std::vector<char*> argv;
            for (auto& arg : args) argv.push_back(arg.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        if (WaitFor([&] { return std::filesystem::exists(port_file); })) port_ = std::stoi(ReadFile(port_file));
    }
    ~SmtpSink() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    int port() const { return port_; }
    const std::string& dir() const { return dir_; }
    std::vector<std::string> Messages() const { return FilesIn(dir_, ".eml"); }
    int AuthFailures() const {
        const std::string text = ReadFile(dir_ + "/auth_failures");
        return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
    }

  private:
    std::string dir_;
    pid_t pid_ = -1;
    int port_ = 0;
};

}  // namespace wt::mail::testing
