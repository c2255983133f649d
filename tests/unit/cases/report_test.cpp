// SPDX-License-Identifier: Apache-2.0
// The suspicious-activity report (cases/report.hpp): every value escaped, the parts present, no
// script and the page's own Content-Security-Policy.
#include "cases/report.hpp"

#include <gtest/gtest.h>

namespace wt::cases {
namespace {

TEST(SarReportTest, EveryValueIsEscapedAndEveryPartIsThere) {
    const std::string evil = "<script>alert(1)</script>";
    boost::json::object view{
        {"id", "case_1"},
        {"title", "T " + evil},
        {"environment", "production"},
        {"priority", "high"},
        {"resolution", "sar_filed"},
        {"resolution_note", "line one\n" + evil},
        {"created_at", "2026-11-24T00:00:00Z"},
        {"created_by", "usr_a"},
        {"assignee_id", "usr_a"},
        {"closed_at", "2026-11-24T01:00:00Z"},
        {"closed_by", "usr_b"},
        {"organization", {{"id", "org_1"}, {"name", "Acme & Co"}}},
        {"user_names", {{"usr_a", "Ann <ann@acme.test>"}, {"usr_b", "Bob <bob@acme.test>"}}},
        {"alerts", boost::json::array{{{"id", "alr_1"},
                                       {"rule_name", evil},
                                       {"severity", "high"},
                                       {"status", "escalated"},
                                       {"disposition", nullptr},
                                       {"transaction_id", "txn_1"},
                                       {"entity_key", "account:acc-<1>"},
                                       {"created_at", "2026-11-23T00:00:00Z"}}}},
        {"transactions", boost::json::array{{{"id", "txn_1"},
                                             {"external_id", "ext-1"},
                                             {"occurred_at", "2026-11-23T00:00:00Z"},
                                             {"amount", "9500.00"},
                                             {"currency", "USD"},
                                             {"direction", "outbound"},
                                             {"type", "wire"},
                                             {"account_id", "acc-<1>"},
                                             {"customer_id", "cus-\"9\""},
                                             {"counterparty", {{"name", evil}, {"account", "DE89"}, {"country", "DE"}}},
                                             {"country", "US"},
                                             {"decision", "review"},
                                             {"linked", true}}}},
        {"comments", boost::json::array{{{"author_name", "Ann"},
                                         {"created_at", "2026-11-23T12:00:00Z"},
                                         {"body", "<img src=x onerror=alert(2)>"}}}},
        {"timeline", boost::json::array{{{"at", "2026-11-24T01:00:00Z"},
                                         {"actor", {{"id", "usr_b"}, {"name", "Bob"}}},
                                         {"action", "closed"},
                                         {"details", {{"note", evil}}}}}}};
    const std::string html = RenderSarReport(view, 1'780'000'000'000'000, "Bob <bob@acme.test>");
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("<img"), std::string::npos);
    EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
    for (const char* expected :
         {"&lt;script&gt;alert(1)&lt;/script&gt;", "9500.00 USD", "ext-1", "alr_1", "account:acc-&lt;1&gt;",
          "cus-&quot;9&quot;", "Acme &amp; Co (org_1)", "Ann &lt;ann@acme.test&gt; (usr_a)", "line one<br>",
          "&lt;img src=x onerror=alert(2)&gt;", "sar_filed", "Bob &lt;bob@acme.test&gt;", "<h2>Subjects</h2>",
          "<h2>Transactions</h2>", "<h2>Alerts</h2>", "<h2>Narrative</h2>", "<h2>Timeline</h2>"})
        EXPECT_NE(html.find(expected), std::string::npos) << "missing " << expected;
}

TEST(SarReportTest, MissingPartsRenderAsNone) {
    const std::string html = RenderSarReport(boost::json::object{{"id", "case_2"}}, 0, "x");
    EXPECT_NE(html.find("none"), std::string::npos);
    EXPECT_NE(html.find("case_2"), std::string::npos);
}

}  // namespace
}  // namespace wt::cases
