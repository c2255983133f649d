// SPDX-License-Identifier: Apache-2.0
#include "reports/exports.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "audit/audit_log.hpp"
#include "ingest/transaction.hpp"
#include "ingest/transaction_refs.hpp"
#include "reports/csv.hpp"
#include "reports/rollups.hpp"

namespace wt::reports {

using storage::Int;
using storage::Text;

namespace {

constexpr const char* kTransactionColumns =
    "id, external_id, environment, occurred_at, received_at, amount_minor, currency, direction, type, account_id, "
    "customer_id, counterparty_name, counterparty_account, counterparty_country, channel, country, ip, device_id, "
    "decision, score, metadata";
constexpr std::string_view kTransactionHeader =
    "id,external_id,environment,occurred_at,received_at,amount,currency,direction,type,account_id,customer_id,"
    "counterparty_name,counterparty_account,counterparty_country,channel,country,ip,device_id,decision,score,"
    "metadata\r\n";

constexpr const char* kAlertColumns =
    "id, created_at, environment, rule_id, rule_name, severity, status, transaction_id, entity_key, assignee_id, "
    "disposition, note, case_id, occurred_at, triaged_at, closed_at, closed_by";
constexpr std::string_view kAlertHeader =
    "id,created_at,environment,rule_id,rule_name,severity,status,transaction_id,entity_key,assignee_id,disposition,"
    "note,case_id,occurred_at,triaged_at,closed_at,closed_by\r\n";

constexpr const char* kCaseColumns =
    "id, created_at, environment, title, status, priority, assignee_id, resolution, resolution_note, created_by, "
    "updated_at, closed_at, closed_by";
constexpr std::string_view kCaseHeader =
    "id,created_at,environment,title,status,priority,assignee_id,resolution,resolution_note,created_by,updated_at,"
    "closed_at,closed_by\r\n";

constexpr std::string_view kAuditHeader = "id,at,actor_type,actor_id,action,target,ip,user_agent,details\r\n";

// Every kind with its name in the query and its header row.
struct KindInfo {
    ExportKind kind;
    std::string_view name;
    std::string_view header;
};
constexpr KindInfo kKinds[] = {
    {ExportKind::kTransactions, "transactions", kTransactionHeader},
    {ExportKind::kAlerts, "alerts", kAlertHeader},
    {ExportKind::kCases, "cases", kCaseHeader},
    {ExportKind::kAudit, "audit", kAuditHeader},
};
const KindInfo& InfoOf(ExportKind kind) { return kKinds[static_cast<std::size_t>(kind)]; }

// Column kinds of a row as exported: text as stored, a time as RFC 3339, an integer.
enum class Col { kText, kTime, kInt };

// Writes one stored row: columns [0, kinds.size()) by kind; NULL is an empty field.
void WriteRow(std::string& out, const storage::Row& row, std::initializer_list<Col> kinds) {
    CsvRecord record(out);
    std::size_t col = 0;
    for (Col kind : kinds) {
        if (row.IsNull(col))
            record.Empty();
        else if (kind == Col::kTime)
            record.Field(FormatRfc3339(row.GetInt(col)));
        else if (kind == Col::kInt)
            record.Field(std::to_string(row.GetInt(col)));
        else
            record.Field(row.GetText(col));
        ++col;
    }
    record.End();
}

std::string CompactTime(UnixMicros at) {
    std::string text = FormatRfc3339(at);  // 2026-11-23T10:00:00Z
    std::string compact;
    for (char c : text)
        if (c != '-' && c != ':') compact += c;
    return compact;
}

}  // namespace

std::optional<ExportKind> ParseExportKind(std::string_view name) {
    for (const KindInfo& info : kKinds)
        if (info.name == name) return info.kind;
    return std::nullopt;
}

std::string_view ExportKindName(ExportKind kind) { return InfoOf(kind).name; }

std::string ExportFileName(ExportKind kind, const Period& period) {
    return fmt::format("watchtower-{}-{}-{}.csv", ExportKindName(kind), CompactTime(period.from),
                       CompactTime(period.to));
}

CsvExport::CsvExport(storage::Database& db, std::string org_id, ExportKind kind, Period period, int page_rows)
    : db_(db), org_id_(std::move(org_id)), kind_(kind), period_(std::move(period)), page_rows_(page_rows) {
    switch (kind_) {
        case ExportKind::kTransactions:
            cursor_number_ = HourOf(period_.from);
            break;
        case ExportKind::kAlerts:
            cursor_number_ = period_.from - 1;
            break;
        case ExportKind::kCases:
            break;
        case ExportKind::kAudit:
            cursor_number_ = -1;  // no seq bound yet
            break;
    }
}

Result<bool> CsvExport::Next(std::string& out) {
    if (!header_written_) {
        header_written_ = true;
        out += InfoOf(kind_).header;
        return true;
    }
    if (done_) return false;
    switch (kind_) {
        case ExportKind::kTransactions:
            WT_RETURN_IF_ERROR(NextTransactions(out));
            break;
        case ExportKind::kAlerts:
            WT_RETURN_IF_ERROR(NextAlerts(out));
            break;
        case ExportKind::kCases:
            WT_RETURN_IF_ERROR(NextCases(out));
            break;
        case ExportKind::kAudit:
            WT_RETURN_IF_ERROR(NextAudit(out));
            break;
    }
    return true;
}

// Walks the occurred_at hours of the period through the hour references
// (ingest/transaction_refs.hpp): within an hour by id, then on to the next hour that has rows.
Result<void> CsvExport::NextTransactions(std::string& out) {
    const std::int64_t last_hour = HourOf(period_.to - 1);
    WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kRead));
    WT_ASSIGN_OR_RETURN(
        auto rows,
        tx->Query(ingest::RefQuerySql({ingest::RefKey::kHour,
                                       kTransactionColumns,
                                       "$3",
                                       {{"id", "> $4"}, {"occurred_at", ">= $5"}, {"occurred_at", "< $6"}},
                                       false,
                                       "$7"}),
                  {Text(org_id_), Text(period_.environment), Int(cursor_number_), Text(cursor_id_), Int(period_.from),
                   Int(period_.to), Int(page_rows_)}));
    for (const auto& row : rows) {
        CsvRecord record(out);
        for (std::size_t col = 0; col < 21; ++col) {
            if (row.IsNull(col))
                record.Empty();
            else if (col == 3 || col == 4)
                record.Field(FormatRfc3339(row.GetInt(col)));
            else if (col == 5)
                record.Field(
                    ingest::FormatAmount(row.GetInt(5), ingest::CurrencyExponent(row.GetText(6)).value_or(2)));
            else if (col == 19)
                record.Field(std::to_string(row.GetInt(col)));
            else
                record.Field(row.GetText(col));
        }
        record.End();
    }
    rows_ += static_cast<std::int64_t>(rows.size());
    if (static_cast<int>(rows.size()) == page_rows_) {
        cursor_id_ = rows.back().GetText(0);
        return {};
    }
    WT_ASSIGN_OR_RETURN(auto next, tx->QueryOne(ingest::RefNextHourSql(), {Text(org_id_), Text(period_.environment),
                                                                          Int(cursor_number_), Int(last_hour)}));
    if (!next || next->IsNull(0)) {
        done_ = true;
        return {};
    }
    cursor_number_ = next->GetInt(0);
    cursor_id_.clear();
    return {};
}

// `created_at >= max(from, last created_at)` bounds the index range (SQLite does not use the row
// value for it); the row value then skips the rows of that same instant already sent.
Result<void> CsvExport::NextAlerts(std::string& out) {
    WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kRead));
    WT_ASSIGN_OR_RETURN(auto rows,
                        tx->Query(fmt::format("SELECT {} FROM alerts WHERE org_id = $1 AND environment = $2 AND "
                                              "created_at >= $3 AND created_at < $4 AND (created_at, id) > ($5, $6) "
                                              "ORDER BY created_at, id LIMIT $7",
                                              kAlertColumns),
                                  {Text(org_id_), Text(period_.environment),
                                   Int(std::max(period_.from, cursor_number_)), Int(period_.to), Int(cursor_number_),
                                   Text(cursor_id_), Int(page_rows_)}));
    using enum Col;
    for (const auto& row : rows)
        WriteRow(out, row, {kText, kTime, kText, kText, kText, kText, kText, kText, kText, kText, kText, kText, kText,
                            kTime, kTime, kTime, kText});
    rows_ += static_cast<std::int64_t>(rows.size());
    if (static_cast<int>(rows.size()) < page_rows_) {
        done_ = true;
    } else {
        cursor_number_ = rows.back().GetInt(1);
        cursor_id_ = rows.back().GetText(0);
    }
    return {};
}

Result<void> CsvExport::NextCases(std::string& out) {
    WT_ASSIGN_OR_RETURN(auto tx, db_.Begin(storage::TxMode::kRead));
    WT_ASSIGN_OR_RETURN(auto rows, tx->Query(fmt::format("SELECT {} FROM cases WHERE org_id = $1 AND environment = $2 "
                                                         "AND id > $3 AND created_at >= $4 AND created_at < $5 "
                                                         "ORDER BY id LIMIT $6",
                                                         kCaseColumns),
                                             {Text(org_id_), Text(period_.environment), Text(cursor_id_),
                                              Int(period_.from), Int(period_.to), Int(page_rows_)}));
    using enum Col;
    for (const auto& row : rows)
        WriteRow(out, row, {kText, kTime, kText, kText, kText, kText, kText, kText, kText, kText, kTime, kTime, kText});
    rows_ += static_cast<std::int64_t>(rows.size());
    if (static_cast<int>(rows.size()) < page_rows_)
        done_ = true;
    else
        cursor_id_ = rows.back().GetText(0);
    return {};
}

// The audit log is of the organization, not of an environment: `environment` does not filter it.
Result<void> CsvExport::NextAudit(std::string& out) {
    audit::Query query;
    query.org_id = org_id_;
    query.from = period_.from;
    query.to = period_.to;
    query.limit = std::min(page_rows_, 500);
    if (cursor_number_ >= 0) query.before_seq = cursor_number_;
    WT_ASSIGN_OR_RETURN(auto page, audit::List(db_, query));
    for (const audit::Entry& entry : page.entries) {
        CsvRecord(out)
            .Field(entry.id)
            .Field(FormatRfc3339(entry.at))
            .Field(audit::ActorTypeName(entry.event.actor.type))
            .Field(entry.event.actor.id)
            .Field(entry.event.action)
            .Field(entry.event.target)
            .Field(entry.event.ip)
            .Field(entry.event.user_agent)
            .Field(boost::json::serialize(entry.event.details))
            .End();
    }
    rows_ += static_cast<std::int64_t>(page.entries.size());
    if (page.next_before_seq)
        cursor_number_ = *page.next_before_seq;
    else
        done_ = true;
    return {};
}

}  // namespace wt::reports
