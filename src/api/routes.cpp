// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include <memory>

#include "api/detail/support.hpp"

namespace wt::api {

std::vector<RouteSpec> RegisterRoutes(http::Router& router, ApiContext& ctx) {
    detail::Registrar reg(router, ctx);
    detail::RegisterAuthRoutes(reg);
    detail::RegisterOrgRoutes(reg);
    // The OpenAPI document describes every route registered here, itself included; it is built
    // once, lazily, after registration completed.
    auto specs = std::make_shared<std::vector<RouteSpec>>();
    auto document = std::make_shared<boost::json::object>();
    std::string version = ctx.options.version;
    detail::RegisterOpsRoutes(reg, [specs, document, version]() {
        static std::once_flag once;
        std::call_once(once, [&] { *document = BuildOpenApi(*specs, version); });
        return *document;
    });
    *specs = reg.Take();
    return *specs;
}

}  // namespace wt::api
