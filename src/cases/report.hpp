// SPDX-License-Identifier: Apache-2.0
/// The suspicious-activity report (SAR) document of a case closed with resolution `sar_filed`
/// (docs/investigations.md "The SAR document"): one printable HTML page with the subject entities,
/// the transactions with their amounts, the alerts, the narrative (the close note and the
/// comments) and who did what when. Every value is HTML-escaped; the page has no script, no
/// inline style and no external resource, and declares its own Content-Security-Policy
/// (`default-src 'none'`) on top of the server's. Pure functions (no storage, no I/O); values are
/// escaped with wt::HtmlEscape (common/html.hpp).
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace wt::cases {

/// The report of `view` (cases::ReportCase's answer), generated at `generated_at` by
/// `generated_by` (a display name).
std::string RenderSarReport(const boost::json::object& view, UnixMicros generated_at, std::string_view generated_by);

}  // namespace wt::cases
