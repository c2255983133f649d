// SPDX-License-Identifier: Apache-2.0
#include "http/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace wt::http {
namespace {

std::string ContentTypeFor(const std::string& path) {
    auto dot = path.rfind('.');
    std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
    if (ext == "html") return "text/html; charset=utf-8";
    if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
    if (ext == "css") return "text/css; charset=utf-8";
    if (ext == "json" || ext == "map") return "application/json";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "png") return "image/png";
    if (ext == "ico") return "image/x-icon";
    if (ext == "woff2") return "font/woff2";
    if (ext == "txt") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

}  // namespace

StaticFiles::StaticFiles(const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::ifstream in(it->path(), std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        std::string url = "/" + fs::relative(it->path(), dir, ec).generic_string();
        File file{content.str(), ContentTypeFor(url), url.rfind("/assets/", 0) == 0};
        files_.emplace(std::move(url), std::move(file));
    }
}

std::optional<Response> StaticFiles::Serve(std::string_view path) const {
    if (path.rfind("/api/", 0) == 0 || path == "/api") return std::nullopt;
    auto it = files_.find(std::string(path));
    bool fallback = false;
    if (it == files_.end()) {
        // Missing hashed assets are real 404s; other paths are client-side routes.
        if (path.rfind("/assets/", 0) == 0) return std::nullopt;
        it = files_.find("/index.html");
        fallback = true;
        if (it == files_.end()) return std::nullopt;
    }
    Response res{HttpStatus::ok, 11};
    res.set(beast_http::field::content_type, it->second.content_type);
    res.set(beast_http::field::cache_control,
            it->second.immutable && !fallback ? "public, max-age=31536000, immutable" : "no-cache");
    res.body() = it->second.content;
    res.prepare_payload();
    return res;
}

}  // namespace wt::http
