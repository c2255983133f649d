// SPDX-License-Identifier: Apache-2.0
#include "reports/csv.hpp"

#include <gtest/gtest.h>

namespace wt::reports {
namespace {

std::string Field(std::string_view value) {
    std::string out;
    AppendCsvField(out, value);
    return out;
}

TEST(CsvTest, PlainFieldsAreCopiedAsIs) {
    EXPECT_EQ(Field("ACME GmbH"), "ACME GmbH");
    EXPECT_EQ(Field(""), "");
    EXPECT_EQ(Field("1250.00"), "1250.00");
    EXPECT_EQ(Field("2026-11-23T10:00:00Z"), "2026-11-23T10:00:00Z");
}

TEST(CsvTest, QuotesFieldsWithSeparatorsQuotesAndLineBreaksDoublingQuotes) {
    EXPECT_EQ(Field("a,b"), "\"a,b\"");
    EXPECT_EQ(Field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(Field("line1\nline2"), "\"line1\nline2\"");
    EXPECT_EQ(Field("line1\r\nline2"), "\"line1\r\nline2\"");
    EXPECT_EQ(Field("\""), "\"\"\"\"");
}

TEST(CsvTest, Utf8IsKeptByteForByte) {
    EXPECT_EQ(Field("Müller & Söhne — 東京"), "Müller & Söhne — 東京");
    EXPECT_EQ(Field("Zoë, \"Ärger\""), "\"Zoë, \"\"Ärger\"\"\"");
}

TEST(CsvTest, FormulaInjectionIsNeutralisedButTheValueStaysPresent) {
    // The example: a counterparty a spreadsheet would run as a DDE command.
    EXPECT_EQ(Field("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
    EXPECT_EQ(Field("+1+1"), "'+1+1");
    EXPECT_EQ(Field("-2+3"), "'-2+3");
    EXPECT_EQ(Field("@SUM(A1:A2)"), "'@SUM(A1:A2)");
    EXPECT_EQ(Field("\t=1"), "'\t=1");
    // CR first: neutralised and, holding a line break, quoted; the quote mark goes inside.
    EXPECT_EQ(Field("\r=1"), "\"'\r=1\"");
    EXPECT_EQ(Field("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    // Only the first byte counts.
    EXPECT_EQ(Field("a=1"), "a=1");
    EXPECT_EQ(Field(" =1"), " =1");
}

TEST(CsvTest, RecordsEndWithCrlfAndSeparateFieldsWithCommas) {
    std::string out;
    AppendCsvRecord(out, {"id", "name", "amount"});
    AppendCsvRecord(out, {"txn_1", "=evil, inc", ""});
    EXPECT_EQ(out, "id,name,amount\r\ntxn_1,\"'=evil, inc\",\r\n");
    std::string built;
    CsvRecord(built).Field("a").Empty().Field("b\"c").End();
    EXPECT_EQ(built, "a,,\"b\"\"c\"\r\n");
}

}  // namespace
}  // namespace wt::reports
