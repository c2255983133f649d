// SPDX-License-Identifier: Apache-2.0
/// Text into HTML: the one escaping function of the mails and the SAR document.
#pragma once

#include <string>
#include <string_view>

namespace wt {

/// `&`, `<`, `>`, `"` and `'` as character references, safe in element content and in quoted
/// attribute values; invalid UTF-8 becomes U+FFFD.
std::string HtmlEscape(std::string_view text);

}  // namespace wt
