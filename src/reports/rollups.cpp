// SPDX-License-Identifier: Apache-2.0
#include "reports/rollups.hpp"

#include <fmt/format.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace wt::reports {

namespace {

// Rows per statement, largest first: a chunk takes the largest size that the remaining rows fill.
// Few distinct statement texts, so every one stays in the connection's prepared-statement cache
// (a text per row count was prepared again for nearly every group: ~3 % of the writer thread).
// 64 rows of 7 parameters stay far below SQLite's and PostgreSQL's bound-parameter limits.
constexpr std::size_t kChunkRows[] = {64, 8, 1};

using TxKey = std::tuple<std::string, std::string, std::int64_t, std::string, std::string>;
struct TxSums {
    std::int64_t count = 0;
    std::int64_t amount_minor = 0;
};
using AlertKey = std::tuple<std::string, std::string, std::int64_t, std::string, std::string>;

// One INSERT ... VALUES (...), (...) ... ON CONFLICT DO UPDATE per chunk of `rows`; `columns` is
// the column list, `conflict` the primary key, `update` the SET clause adding `excluded` values.
template <typename Map, typename Bind>
Result<void> Upsert(storage::Transaction& tx, const Map& rows, std::string_view table, std::string_view columns,
                    int width, std::string_view conflict, std::string_view update, Bind bind) {
    auto it = rows.begin();
    std::size_t left = rows.size();
    while (it != rows.end()) {
        std::size_t chunk = 1;
        for (std::size_t size : kChunkRows) {
            if (size <= left) {
                chunk = size;
                break;
            }
        }
        left -= chunk;
        std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ", table, columns);
        std::vector<storage::Value> params;
        for (std::size_t row_idx = 0; row_idx < chunk; ++row_idx, ++it) {
            sql += row_idx == 0 ? "(" : ",(";
            for (int col_idx = 0; col_idx < width; ++col_idx)
                sql += fmt::format("{}${}", col_idx == 0 ? "" : ",", params.size() + col_idx + 1);
            sql += ')';
            bind(*it, params);
        }
        sql += fmt::format(" ON CONFLICT ({}) DO UPDATE SET {}", conflict, update);
        WT_ASSIGN_OR_RETURN(auto changed, tx.Exec(sql, params));
        (void)changed;
    }
    return {};
}

}  // namespace

Result<void> RollupObserver::BeforeCommit(storage::Transaction& tx, std::span<const ingest::StoredItem> stored) {
    std::map<TxKey, TxSums> transactions;
    std::map<AlertKey, std::int64_t> alerts;
    for (const ingest::StoredItem& stored_item : stored) {
        const ingest::PendingWrite& item = stored_item.item;
        const std::int64_t hour = HourOf(item.transaction.occurred_at.value_or(item.received_at));
        TxSums& sums = transactions[{item.org_id, item.environment, hour, stored_item.written.decision,
                                     item.transaction.currency}];
        ++sums.count;
        sums.amount_minor += item.transaction.amount_minor;
        for (const ingest::RaisedAlert& alert : stored_item.written.alerts)
            ++alerts[{item.org_id, item.environment, hour, alert.rule_id, alert.severity}];
    }
    WT_RETURN_IF_ERROR(Upsert(
        tx, transactions, "rollup_transactions_hourly", "org_id, environment, hour, decision, currency, tx_count, amount_minor",
        7, "org_id, environment, hour, decision, currency",
        "tx_count = rollup_transactions_hourly.tx_count + excluded.tx_count, "
        "amount_minor = rollup_transactions_hourly.amount_minor + excluded.amount_minor",
        [](const auto& entry, std::vector<storage::Value>& params) {
            const auto& [org_id, environment, hour, decision, currency] = entry.first;
            params.insert(params.end(), {storage::Text(org_id), storage::Text(environment), storage::Int(hour),
                                         storage::Text(decision), storage::Text(currency),
                                         storage::Int(entry.second.count), storage::Int(entry.second.amount_minor)});
        }));
    WT_RETURN_IF_ERROR(Upsert(tx, alerts, "rollup_alerts_hourly", "org_id, environment, hour, rule_id, severity, raised",
                              6, "org_id, environment, hour, rule_id, severity",
                              "raised = rollup_alerts_hourly.raised + excluded.raised",
                              [](const auto& entry, std::vector<storage::Value>& params) {
                                  const auto& [org_id, environment, hour, rule_id, severity] = entry.first;
                                  params.insert(params.end(),
                                                {storage::Text(org_id), storage::Text(environment), storage::Int(hour),
                                                 storage::Text(rule_id), storage::Text(severity),
                                                 storage::Int(entry.second)});
                              }));
    return {};
}

}  // namespace wt::reports
