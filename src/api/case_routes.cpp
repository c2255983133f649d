// SPDX-License-Identifier: Apache-2.0
// /cases*
#include "api/detail/support.hpp"

namespace wt::api::detail {

void RegisterCaseRoutes(Registrar& reg) { (void)reg; }

}  // namespace wt::api::detail
