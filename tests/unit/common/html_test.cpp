// SPDX-License-Identifier: Apache-2.0
#include "common/html.hpp"

#include <gtest/gtest.h>

namespace wt {
namespace {

TEST(HtmlEscapeTest, EscapesTheFiveCharactersAndRepairsUtf8) {
    EXPECT_EQ(HtmlEscape(R"(<a href="x" title='y'>&amp;</a>)"),
              "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    EXPECT_EQ(HtmlEscape("caf\xC3\xA9"), "caf\xC3\xA9");
    EXPECT_EQ(HtmlEscape("bad\xFF<"), "bad\xEF\xBF\xBD&lt;");
    EXPECT_EQ(HtmlEscape(""), "");
}

}  // namespace
}  // namespace wt
