// SPDX-License-Identifier: Apache-2.0
// /dashboard, /reports/*
#include "api/detail/support.hpp"

namespace wt::api::detail {

void RegisterReportRoutes(Registrar& reg) { (void)reg; }

}  // namespace wt::api::detail
