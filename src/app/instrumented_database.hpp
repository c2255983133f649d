// SPDX-License-Identifier: Apache-2.0
/// A storage::Database decorator that records statement and commit timings into Metrics
/// (`wt_storage_seconds{op="begin_read|begin_write|query|exec|commit|checkpoint"}`). Thread-safety: as the
/// wrapped database.
#pragma once

#include <memory>

#include "common/metrics.hpp"
#include "storage/database.hpp"

namespace wt::app {

std::unique_ptr<storage::Database> Instrument(std::unique_ptr<storage::Database> inner, Metrics& metrics);

}  // namespace wt::app
