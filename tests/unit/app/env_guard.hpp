// SPDX-License-Identifier: Apache-2.0
/// Every WATCHTOWER_* variable the app reads, cleared for one test and restored afterwards, so the
/// tests see only what they set and leave the process environment as they found it.
#pragma once

#include <stdlib.h>

#include <map>
#include <optional>
#include <string>

#include "app/config.hpp"

namespace wt::app::testing {

class EnvGuard {
public:
    EnvGuard() {
        for (const auto& option : DescribeOptions()) Clear(option.env);
        Clear("WATCHTOWER_CONFIG");
        Clear("WATCHTOWER_MASTER_KEY");
    }
    ~EnvGuard() {
        for (const auto& [name, value] : saved_) {
            if (value) {
                ::setenv(name.c_str(), value->c_str(), 1);
            } else {
                ::unsetenv(name.c_str());
            }
        }
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

    void Set(const std::string& name, const std::string& value) {
        if (!saved_.count(name)) Clear(name);
        ::setenv(name.c_str(), value.c_str(), 1);
    }

private:
    void Clear(const std::string& name) {
        if (!saved_.count(name)) {
            const char* value = std::getenv(name.c_str());
            saved_[name] = value ? std::optional<std::string>(value) : std::nullopt;
        }
        ::unsetenv(name.c_str());
    }
    std::map<std::string, std::optional<std::string>> saved_;
};

}  // namespace wt::app::testing
