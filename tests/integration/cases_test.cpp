// SPDX-License-Identifier: Apache-2.0
// Cases: the analyst journey, timeline, evidence, SAR report.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace wt::integration {
namespace {}  // namespace
}  // namespace wt::integration
