// SPDX-License-Identifier: Apache-2.0
#include "http/router.hpp"

#include <cassert>
#include <variant>

namespace wt::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
    std::vector<std::string_view> out;
    if (path.empty() || path.front() != '/') return out;
    path.remove_prefix(1);
    while (true) {
        auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

bool IsParam(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::Add(Method method, std::string route_template, Handler handler, RouteOptions options) {
    Route route{method, route_template, {}, std::move(handler), options};
    for (auto segment : SplitPath(route_template)) route.segments.emplace_back(segment);
    for ([[maybe_unused]] const auto& existing : routes_)
        assert(!(existing.method == method && existing.route_template == route_template));
    routes_.push_back(std::move(route));
}

std::variant<Router::Match, Router::Miss> Router::Find(Method method, std::string_view path) const {
    auto segments = SplitPath(path);
    if (segments.empty()) return Miss::kNotFound;
    const Route* best = nullptr;
    int best_literals = -1;
    bool path_matched = false;
    std::vector<std::pair<std::string, std::string>> best_params;
    for (const auto& route : routes_) {
        if (route.segments.size() != segments.size()) continue;
        int literals = 0;
        bool ok = true;
        std::vector<std::pair<std::string, std::string>> params;
        for (std::size_t seg_idx = 0; seg_idx < segments.size() && ok; ++seg_idx) {
            const std::string& pattern = route.segments[seg_idx];
            if (IsParam(pattern)) {
                auto decoded = PercentDecode(segments[seg_idx], false);
                if (!decoded || decoded->empty() || decoded->find('/') != std::string::npos) {
                    ok = false;
                } else {
                    params.emplace_back(pattern.substr(1, pattern.size() - 2), std::move(*decoded));
                }
            } else if (pattern == segments[seg_idx]) {
                ++literals;
            } else {
                ok = false;
            }
        }
        if (!ok) continue;
        path_matched = true;
        if (route.method != method && !(method == Method::head && route.method == Method::get)) continue;
        if (literals > best_literals) {
            best = &route;
            best_literals = literals;
            best_params = std::move(params);
        }
    }
    if (!best) return path_matched ? Miss::kMethodNotAllowed : Miss::kNotFound;
    return Match{&best->handler, best->route_template, std::move(best_params), best->options};
}

std::vector<Router::RouteInfo> Router::Routes() const {
    std::vector<RouteInfo> out;
    for (const auto& route : routes_) out.push_back({route.method, route.route_template});
    return out;
}

}  // namespace wt::http
