// SPDX-License-Identifier: Apache-2.0
#include "ingest/transaction_refs.hpp"

#include <fmt/format.h>

namespace wt::ingest {
namespace {

struct RefTable {
    std::string_view name;    // its row in transaction_refs_state
    std::string_view table;
    std::string_view column;  // the referenced column of `transactions` (kHour: an expression)
    bool bucketed;
};

constexpr RefKey kKeys[] = {RefKey::kAccount, RefKey::kCustomer, RefKey::kHour};

RefTable TableOf(RefKey key) {
    switch (key) {
        case RefKey::kAccount: return {"account", "transaction_account_refs", "account_id", true};
        case RefKey::kCustomer: return {"customer", "transaction_customer_refs", "customer_id", true};
        case RefKey::kHour: return {"hour", "transaction_hour_refs", "occurred_at / 3600000000", false};
    }
    return {};
}

// Rows that have no `ref` reference yet: the table's own rowid b-tree, from the watermark on. Every
// query over them names the table `transactions NOT INDEXED`: otherwise SQLite may prefer an index
// whose order suits the query (the organization's, the id's) and scan every row of it.
std::string Unflushed(const RefTable& ref) {
    return fmt::format("rowid > (SELECT through_rowid FROM transaction_refs_state WHERE ref = '{}')", ref.name);
}

// "a, b" -> "t.a, t.b"
std::string Qualified(std::string_view columns, std::string_view alias) {
    std::string out;
    std::size_t pos = 0;
    while (pos <= columns.size()) {
        std::size_t end = columns.find(',', pos);
        if (end == std::string_view::npos) end = columns.size();
        std::string_view column = columns.substr(pos, end - pos);
        while (!column.empty() && column.front() == ' ') column.remove_prefix(1);
        while (!column.empty() && column.back() == ' ') column.remove_suffix(1);
        if (!out.empty()) out += ", ";
        out += fmt::format("{}.{}", alias, column);
        pos = end + 1;
    }
    return out;
}

// Fills one reference table from the `transactions` rows selected by `where`, in key order (so
// each hot tail is appended to in one pass), then moves its watermark to the newest row.
Result<void> InsertRefs(storage::Transaction& tx, RefKey key, std::string_view where) {
    const RefTable ref = TableOf(key);
    const std::string key_term = ref.bucketed ? RefBucketSql(ref.column) : std::string(ref.column);
    const std::string_view key_column = ref.bucketed ? "bucket" : "hour";
    std::string insert = fmt::format("INSERT INTO {} (org_id, environment, {}, id{}) SELECT org_id, environment, {}, "
                                     "id{} FROM transactions NOT INDEXED WHERE {}",
                                     ref.table, key_column, ref.bucketed ? fmt::format(", {}", ref.column) : "",
                                     key_term, ref.bucketed ? fmt::format(", {}", ref.column) : "", where);
    if (key == RefKey::kCustomer) insert += " AND customer_id IS NOT NULL";
    insert += " ORDER BY 1, 2, 3, 4";
    WT_RETURN_IF_ERROR(tx.Exec(insert));
    WT_RETURN_IF_ERROR(tx.Exec(fmt::format(
        "UPDATE transaction_refs_state SET (through_rowid, through_id) = "
        "(SELECT rowid, id FROM transactions NOT INDEXED ORDER BY rowid DESC LIMIT 1) "
        "WHERE ref = '{}' AND EXISTS (SELECT 1 FROM transactions NOT INDEXED)",
        ref.name)));
    return {};
}

}  // namespace

std::string RefBucketSql(std::string_view of) {
    return fmt::format("((unicode(substr({0}, -1)) * 31 + unicode(substr({0}, -2))) % 64)", of);
}

std::string RefQuerySql(const RefQuery& query) {
    const RefTable ref = TableOf(query.key);
    const std::string_view order = query.newest_first ? "DESC" : "ASC";
    // The referenced rows: the reference table's key order (organization, environment, bucket or
    // hour, id) is the page's order, so the join stops at the page size. CROSS JOIN keeps that
    // loop order (SQLite does not reorder it).
    std::string referenced = fmt::format(
        "SELECT {} FROM {} r CROSS JOIN transactions t ON t.id = r.id WHERE r.org_id = $1 AND r.environment = $2",
        Qualified(query.columns, "t"), ref.table);
    if (ref.bucketed)
        referenced += fmt::format(" AND r.bucket = {} AND r.{} = {}", RefBucketSql(query.value), ref.column, query.value);
    else
        referenced += fmt::format(" AND r.hour = {}", query.value);
    // The newest rows, not referenced yet.
    std::string unflushed = fmt::format(
        "SELECT {} FROM transactions NOT INDEXED WHERE {} AND org_id = $1 AND environment = $2 AND {} = {}",
        query.columns, Unflushed(ref), ref.column, query.value);
    for (const auto& condition : query.conditions) {
        referenced += fmt::format(" AND {}.{} {}", condition.column == "id" ? "r" : "t", condition.column,
                                  condition.op_and_operand);
        unflushed += fmt::format(" AND {} {}", condition.column, condition.op_and_operand);
    }
    return fmt::format("SELECT * FROM ({} ORDER BY r.id {} LIMIT {}) UNION ALL {} ORDER BY 1 {} LIMIT {}", referenced,
                       order, query.limit, unflushed, order, query.limit);
}

std::string RefNextHourSql() {
    return fmt::format(
        "SELECT MIN(hour) FROM (SELECT * FROM (SELECT hour FROM transaction_hour_refs WHERE org_id = $1 AND "
        "environment = $2 AND hour > $3 AND hour <= $4 ORDER BY hour LIMIT 1) UNION ALL SELECT occurred_at / "
        "3600000000 FROM transactions NOT INDEXED WHERE {} AND org_id = $1 AND environment = $2 AND "
        "occurred_at / 3600000000 > $3 AND occurred_at / 3600000000 <= $4)",
        Unflushed(TableOf(RefKey::kHour)));
}

Result<void> FlushTransactionRefs(storage::Transaction& tx, RefKey key) {
    return InsertRefs(tx, key, Unflushed(TableOf(key)));
}

Result<bool> VerifyTransactionRefs(storage::Database& db) {
    {
        WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
        WT_ASSIGN_OR_RETURN(auto states,
                            tx->Query("SELECT s.through_rowid, s.through_id, "
                                      "(SELECT id FROM transactions WHERE rowid = s.through_rowid) "
                                      "FROM transaction_refs_state s"));
        bool consistent = states.size() == std::size(kKeys);
        for (const auto& state : states)
            consistent = consistent && (state.GetInt(0) == 0 || (!state.IsNull(1) && !state.IsNull(2) &&
                                                                 state.GetText(1) == state.GetText(2)));
        if (consistent) return false;
    }
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kWrite));
    WT_RETURN_IF_ERROR(tx->Exec("DELETE FROM transaction_refs_state"));
    for (RefKey key : kKeys) {
        const RefTable ref = TableOf(key);
        WT_RETURN_IF_ERROR(tx->Exec(fmt::format("DELETE FROM {}", ref.table)));
        WT_RETURN_IF_ERROR(tx->Exec(fmt::format(
            "INSERT INTO transaction_refs_state (ref, through_rowid, through_id) VALUES ('{}', 0, NULL)", ref.name)));
        WT_RETURN_IF_ERROR(InsertRefs(*tx, key, "1 = 1"));
    }
    WT_RETURN_IF_ERROR(tx->Commit());
    return true;
}

Result<void> TransactionRefs::BeforeCommit(storage::Transaction& tx, std::span<const StoredItem> stored) {
    unflushed_if_committed_ = unflushed_ + stored.size();
    turn_if_committed_ = turn_;
    if (first_) {
        for (RefKey key : kKeys) WT_RETURN_IF_ERROR(FlushTransactionRefs(tx, key));
        unflushed_if_committed_ = 0;
    } else if (unflushed_if_committed_ >= turn_every_) {
        WT_RETURN_IF_ERROR(FlushTransactionRefs(tx, kKeys[turn_]));
        unflushed_if_committed_ = 0;
        turn_if_committed_ = (turn_ + 1) % std::size(kKeys);
    }
    return {};
}

void TransactionRefs::AfterCommit() {
    first_ = false;
    unflushed_ = unflushed_if_committed_;
    turn_ = turn_if_committed_;
}

}  // namespace wt::ingest
