// SPDX-License-Identifier: Apache-2.0
/// Serves the built console (`web/dist`) from memory: files are read once at start. Hashed assets
/// under `/assets/` get `Cache-Control: public, max-age=31536000, immutable`; everything else
/// `no-cache`. A GET for a path that is not a file and not under `/api/` answers `index.html`
/// (the single-page app routes on the client). Paths are never resolved on the file system at
/// request time, so `..` and friends cannot escape the directory.
/// Threading: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/message.hpp"

namespace wt::http {

class StaticFiles {
public:
    /// Loads every regular file under `dir` (a missing dir leaves the set empty: `loaded()` false).
    explicit StaticFiles(const std::string& dir);
    bool loaded() const { return !files_.empty(); }
    /// A response for a GET/HEAD of `path`, or nullopt when nothing is served there.
    std::optional<Response> Serve(std::string_view path) const;

private:
    struct File {
        std::string content;
        std::string content_type;
        bool immutable = false;
    };
    std::unordered_map<std::string, File> files_;  // by URL path ("/index.html")
};

}  // namespace wt::http
