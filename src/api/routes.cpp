// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include <memory>
#include <mutex>

#include "api/detail/account_routes.hpp"
#include "api/detail/support.hpp"

namespace wt::api {

std::vector<RouteSpec> RegisterRoutes(http::Router& router, ApiContext& ctx) {
    detail::Registrar reg(router, ctx);
    detail::RegisterAuthRoutes(reg);
    detail::RegisterMfaRoutes(reg);
    detail::RegisterOrgRoutes(reg);
    detail::RegisterAccountRoutes(reg);
    detail::RegisterInvitationRoutes(reg);
    detail::RegisterApiKeyRoutes(reg);
    detail::RegisterIngestRoutes(reg);
    detail::RegisterRuleRoutes(reg);
    detail::RegisterAlertRoutes(reg);
    detail::RegisterCaseRoutes(reg);
    detail::RegisterReportRoutes(reg);
    detail::RegisterNotificationRoutes(reg);
    // The OpenAPI document describes every route registered here, itself included; it is built
    // once, lazily, after registration completed.
    struct Lazy {
        std::vector<RouteSpec> specs;
        std::once_flag once;
        boost::json::object document;
    };
    auto lazy = std::make_shared<Lazy>();
    std::string version = ctx.options.version;
    detail::RegisterOpsRoutes(reg, [lazy, version]() {
        std::call_once(lazy->once, [&] { lazy->document = BuildOpenApi(lazy->specs, version); });
        return lazy->document;
    });
    lazy->specs = reg.Take();
    return lazy->specs;
}

}  // namespace wt::api
