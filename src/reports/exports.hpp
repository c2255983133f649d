// SPDX-License-Identifier: Apache-2.0
/// CSV exports (`GET /api/v1/reports/export`, issue 7 part 4; docs/reports.md "Exports") of
/// transactions, alerts, cases and the audit log of one organization and period, produced page by
/// page so that the server holds one page (at most `page_rows` rows) at a time, whatever the size
/// of the export.
///
/// Each page is read in its own short read transaction with keyset pagination (never OFFSET), so
/// an export of millions of rows neither holds a snapshot nor the write lock for its whole duration;
/// rows committed while it runs may or may not appear (each page is consistent by itself).
/// Order and period filter per kind:
/// - transactions: occurred_at in [from, to), by occurred_at hour then id (reception order);
/// - alerts: created_at in [from, to), by created_at then id;
/// - cases: created_at in [from, to), by id (creation order);
/// - audit: at in [from, to), newest first (the audit log's own order).
/// Fields are written by csv.hpp (RFC 4180, formula injection neutralised).
///
/// Threading: one CsvExport belongs to one thread at a time. Failure: storage errors from Next.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "reports/period.hpp"
#include "storage/database.hpp"

namespace wt::reports {

enum class ExportKind { kTransactions, kAlerts, kCases, kAudit };

std::optional<ExportKind> ParseExportKind(std::string_view name);
std::string_view ExportKindName(ExportKind kind);

/// `watchtower-<kind>-<from>-<to>.csv` with the times as `20261123T100000Z` (no characters that
/// need quoting in a Content-Disposition header).
std::string ExportFileName(ExportKind kind, const Period& period);

class CsvExport {
  public:
    /// `db` must outlive the export.
    CsvExport(storage::Database& db, std::string org_id, ExportKind kind, Period period, int page_rows = 1000);

    /// Appends the next chunk to `out`: the header row with the first page, then one page of rows
    /// per call. Returns false once nothing is left (and appends nothing).
    Result<bool> Next(std::string& out);

    /// Data rows written so far (the header row not counted).
    std::int64_t rows() const { return rows_; }

  private:
    Result<void> NextTransactions(std::string& out);
    Result<void> NextAlerts(std::string& out);
    Result<void> NextCases(std::string& out);
    Result<void> NextAudit(std::string& out);

    storage::Database& db_;
    std::string org_id_;
    ExportKind kind_;
    Period period_;
    int page_rows_;
    bool header_written_ = false;
    bool done_ = false;
    std::int64_t rows_ = 0;
    // Keyset cursor: the hour being read (transactions), the last time (alerts) or seq (audit),
    // and the last id.
    std::int64_t cursor_number_ = 0;
    std::string cursor_id_;
};

}  // namespace wt::reports
