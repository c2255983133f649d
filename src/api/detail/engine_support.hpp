// SPDX-License-Identifier: Apache-2.0
/// What the route files that change the rules engine's inputs share: who makes a change (for the
/// catalog's versions and audit entries) and telling the engine about a committed change.
#pragma once

#include <string>

#include "api/detail/support.hpp"
#include "engine/alerts.hpp"
#include "engine/catalog.hpp"
#include "engine/engine.hpp"
#include "orgs/organizations.hpp"

namespace wt::api::detail {

inline engine::Change ChangeOf(const ApiContext& ctx, const Request& request, const Principal& principal) {
    return {principal.user_id(), ClientIpOf(ctx, request), UserAgentOf(request), ctx.clock->Now()};
}

/// Due times and the overdue flag of alerts: the SLA of the caller's organization (its settings as
/// the session read them) and the server's clock.
inline engine::AlertClock ClockOf(const ApiContext& ctx, const Principal& principal) {
    return {orgs::SettingsFromText(principal.session.org_settings_json).alert_sla_hours, ctx.clock->Now()};
}

/// Tells the engine about a committed change of the organization's rules, lists or settings. The
/// change stands whatever happens here; a failed reload is logged (the engine keeps its previous
/// state for the organization). `ctx.engine` may be null (unit tests).
inline void RulesChanged(ApiContext& ctx, const std::string& org_id) {
    if (ctx.engine == nullptr) return;
    if (auto reloaded = ctx.engine->RulesChanged(org_id); !reloaded)
        ctx.log->error("reloading the rules of {} failed: {} {}", org_id, reloaded.error().detail,
                       reloaded.error().internal);
}
inline void ListsChanged(ApiContext& ctx, const std::string& org_id) {
    if (ctx.engine == nullptr) return;
    if (auto reloaded = ctx.engine->ListsChanged(org_id); !reloaded)
        ctx.log->error("reloading the lists of {} failed: {} {}", org_id, reloaded.error().detail,
                       reloaded.error().internal);
}
inline void OrganizationChanged(ApiContext& ctx, const std::string& org_id) {
    if (ctx.engine == nullptr) return;
    if (auto reloaded = ctx.engine->OrganizationChanged(org_id); !reloaded)
        ctx.log->error("reloading the settings of {} into the rules engine failed: {} {}", org_id,
                       reloaded.error().detail, reloaded.error().internal);
}

}  // namespace wt::api::detail
