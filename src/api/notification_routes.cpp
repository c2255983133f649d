// SPDX-License-Identifier: Apache-2.0
// /orgs/notification-channels*, /notifications/*
#include "api/detail/support.hpp"

namespace wt::api::detail {

void RegisterNotificationRoutes(Registrar& reg) { (void)reg; }

}  // namespace wt::api::detail
