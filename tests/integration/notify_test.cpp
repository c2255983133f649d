// SPDX-License-Identifier: Apache-2.0
// Notifications: channels, signed webhooks through the SSRF guard, email, per-user settings.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace wt::integration {
namespace {}  // namespace
}  // namespace wt::integration
