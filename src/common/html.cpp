// SPDX-License-Identifier: Apache-2.0
#include "common/html.hpp"

#include "common/json.hpp"

namespace wt {

std::string HtmlEscape(std::string_view text) {
    const std::string valid = IsValidUtf8(text) ? std::string(text) : SanitizeUtf8(text, text.size() * 3);
    std::string out;
    out.reserve(valid.size());
    for (const char c : valid) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace wt
