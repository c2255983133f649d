// SPDX-License-Identifier: Apache-2.0
#include "reports/csv.hpp"

namespace wt::reports {

namespace {

// OWASP "CSV Injection": the leading bytes that make Excel, LibreOffice and Google Sheets read a
// cell as a formula (TAB and CR because some of them skip leading white space first).
bool StartsLikeFormula(std::string_view value) {
    if (value.empty()) return false;
    switch (value.front()) {
        case '=':
        case '+':
        case '-':
        case '@':
        case '\t':
        case '\r':
            return true;
        default:
            return false;
    }
}

bool NeedsQuotes(std::string_view value) { return value.find_first_of("\",\r\n") != std::string_view::npos; }

}  // namespace

void AppendCsvField(std::string& out, std::string_view value) {
    const bool formula = StartsLikeFormula(value);
    if (!NeedsQuotes(value)) {
        if (formula) out += '\'';
        out += value;
        return;
    }
    out += '"';
    if (formula) out += '\'';
    for (char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

void AppendCsvRecord(std::string& out, std::initializer_list<std::string_view> fields) {
    CsvRecord record(out);
    for (std::string_view field : fields) record.Field(field);
    record.End();
}

CsvRecord& CsvRecord::Field(std::string_view value) {
    if (!first_) out_ += ',';
    first_ = false;
    AppendCsvField(out_, value);
    return *this;
}

}  // namespace wt::reports
