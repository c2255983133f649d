// SPDX-License-Identifier: Apache-2.0
/// Maps (method, path) to a handler. Route templates are literal segments and `{name}` parameter
/// segments: `/api/v1/orgs/members/{user_id}`. Literal segments win over parameters when both
/// match. Paths are matched segment by segment on the raw path; parameter values are
/// percent-decoded (a value that does not decode is no match).
///
/// Threading: build the router before the server starts; afterwards it is read-only and may be
/// used from every I/O thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace wt::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

struct RouteOptions {
    std::size_t body_limit = 64 * 1024;  // bytes; larger bodies are answered 413
};

class Router {
public:
    /// REQUIRES: no route with the same method and template exists.
    void Add(Method method, std::string route_template, Handler handler, RouteOptions options = {});

    struct Match {
        const Handler* handler = nullptr;
        std::string_view route_template;
        std::vector<std::pair<std::string, std::string>> params;
        RouteOptions options;
    };
    enum class Miss { kNotFound, kMethodNotAllowed };

    /// The route for `method` and `path`, or why there is none.
    std::variant<Match, Miss> Find(Method method, std::string_view path) const;

    struct RouteInfo {
        Method method;
        std::string route_template;
    };
    /// Every registered route (for the OpenAPI completeness test and docs).
    std::vector<RouteInfo> Routes() const;

private:
    struct Route {
        Method method;
        std::string route_template;
        std::vector<std::string> segments;  // "{name}" for parameters
        Handler handler;
        RouteOptions options;
    };
    std::vector<Route> routes_;
};

}  // namespace wt::http
