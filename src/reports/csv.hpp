// SPDX-License-Identifier: Apache-2.0
/// CSV for spreadsheet users (docs/reports.md "CSV safety"): RFC 4180 records and the OWASP
/// defence against formula injection.
///
/// - Records end with CRLF; a field holding `"`, `,`, CR or LF is quoted, `"` doubled inside.
/// - Text is copied byte for byte (UTF-8 stays UTF-8; no BOM is written).
/// - A field that a spreadsheet would run as a formula — its first byte is `=`, `+`, `-`, `@`,
///   TAB or CR — gets a leading `'`, so the value is still there to read but is never evaluated.
///   Numbers and times that WatchTower itself writes never start with those bytes (amounts are
///   positive), so only text that came from outside is ever changed.
///
/// Pure functions over a caller's buffer: no allocation beyond the buffer's growth, no I/O.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace wt::reports {

/// Appends one field (escaped and neutralised as above) to `out`, without a separator.
void AppendCsvField(std::string& out, std::string_view value);

/// Appends a whole record: the fields separated by `,`, then CRLF.
void AppendCsvRecord(std::string& out, std::initializer_list<std::string_view> fields);

/// Builds one record field by field (for rows whose fields are computed one after another).
class CsvRecord {
  public:
    explicit CsvRecord(std::string& out) : out_(out) {}
    CsvRecord& Field(std::string_view value);
    /// An empty field (NULL in storage).
    CsvRecord& Empty() { return Field({}); }
    /// Ends the record with CRLF. REQUIRES: called once, after the last field.
    void End() { out_ += "\r\n"; }

  private:
    std::string& out_;
    bool first_ = true;
};

}  // namespace wt::reports
