// SPDX-License-Identifier: Apache-2.0
/// Registration of the account-security routes of api/account_routes.cpp and
/// api/invitation_routes.cpp. Not for use outside src/api/.
#pragma once

#include "api/detail/support.hpp"

namespace wt::api::detail {

/// /auth/password-reset/*, /auth/change-password, /auth/invitations/{verify,accept}.
void RegisterAccountRoutes(Registrar& reg);
/// /orgs/invitations (ADMIN).
void RegisterInvitationRoutes(Registrar& reg);

}  // namespace wt::api::detail
