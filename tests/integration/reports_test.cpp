// SPDX-License-Identifier: Apache-2.0
// Dashboard and reports: rollups against brute force, CSV exports.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace wt::integration {
namespace {}  // namespace
}  // namespace wt::integration
