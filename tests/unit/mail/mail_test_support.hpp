// SPDX-License-Identifier: Apache-2.0
/// Helpers for the mail tests: reading a rendered message back with an independent MIME parser
/// (Python's `email` package, through parse_eml.py beside this file) and small file helpers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#ifndef WT_MAIL_TEST_DIR
#error "WT_MAIL_TEST_DIR must name tests/unit/mail"
#endif

namespace wt::mail::testing {

inline constexpr const char* kPython = "/usr/bin/python3";  // Debian's, where python3-aiosmtpd lives

inline std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

inline void WriteFile(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
}

/// The files of `dir` whose name ends with `suffix`, sorted.
inline std::vector<std::string> FilesIn(const std::string& dir, const std::string& suffix) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
            names.push_back(entry.path().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

/// parse_eml.py's JSON for the message in `path` (null on a parser crash, which fails the test).
inline boost::json::value ParseEml(const std::string& path) {
    const std::string command = std::string(kPython) + " " WT_MAIL_TEST_DIR "/parse_eml.py '" + path + "'";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        ADD_FAILURE() << "popen failed";
        return nullptr;
    }
    std::string out;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    const int status = ::pclose(pipe);
    EXPECT_EQ(status, 0) << "parse_eml.py failed on " << path;
    boost::system::error_code ec;
    auto value = boost::json::parse(out, ec);
    EXPECT_FALSE(ec) << out;
    return ec ? boost::json::value(nullptr) : value;
}

inline std::string Str(const boost::json::value& value, std::initializer_list<std::string_view> path) {
    const boost::json::value* at = &value;
    for (auto key : path) {
        if (!at->is_object() || !at->as_object().contains(key)) return "<missing " + std::string(key) + ">";
        at = &at->as_object().at(key);
    }
    return at->is_string() ? std::string(at->as_string()) : boost::json::serialize(*at);
}

}  // namespace wt::mail::testing
