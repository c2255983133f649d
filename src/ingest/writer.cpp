// SPDX-License-Identifier: Apache-2.0
#include "ingest/writer.hpp"

#include "crypto/crypto.hpp"

namespace wt::ingest {
namespace {

using storage::Int;
using storage::OptText;
using storage::Text;

// What applying one item can end in: a stored answer, an answer for the caller (a 409), or a
// storage failure that dooms the whole group.
struct Applied {
    Result<Written> answer;
    bool storage_failed = false;
};

Applied StorageFailure(const Error& error) { return Applied{error, true}; }

Written FromRow(const storage::Row& row, bool replayed) {
    return Written{row.GetText(0), row.GetText(1), row.GetText(2), row.GetText(3), static_cast<int>(row.GetInt(4)),
                   row.GetInt(5),  replayed,         {}};
}

// The alerts a stored transaction raised, for its replayed answer.
Result<std::vector<RaisedAlert>> StoredAlerts(storage::Transaction& tx, const std::string& transaction_id) {
    auto rows = tx.Query("SELECT id, rule_id, rule_name, severity FROM alerts WHERE transaction_id = $1 ORDER BY id",
                         {Text(transaction_id)});
    if (!rows) return rows.error();
    std::vector<RaisedAlert> alerts;
    for (const auto& row : *rows) alerts.push_back({row.GetText(0), row.GetText(1), row.GetText(2), row.GetText(3)});
    return alerts;
}

// Idempotency lookups (storage migration 3): a key that differs from its row's external_id is in
// the partial index `transactions_by_own_idempotency_key`; a key equal to its external_id (every
// batch item, single requests without Idempotency-Key) is found through the external_id index
// instead, which saves those rows a second random-key index entry.
constexpr const char* kByOwnKey =
    "SELECT id, external_id, environment, decision, score, received_at, fingerprint FROM transactions "
    "WHERE org_id = $1 AND environment = $2 AND idempotency_key = $3 AND idempotency_key <> external_id";
constexpr const char* kByExternalId =
    "SELECT id, external_id, environment, decision, score, received_at, fingerprint, idempotency_key "
    "FROM transactions WHERE org_id = $1 AND environment = $2 AND external_id = $3";

Applied SameKey(storage::Transaction& tx, const storage::Row& row, const PendingWrite& item) {
    if (row.GetText(6) == item.fingerprint) {
        Written replay = FromRow(row, true);
        auto alerts = StoredAlerts(tx, replay.id);
        if (!alerts) return StorageFailure(alerts.error());
        replay.alerts = std::move(*alerts);
        return Applied{std::move(replay)};
    }
    return Applied{Error::Make(ErrorCode::kIdempotencyConflict,
                               "this idempotency key was used with a different body; send the original body, "
                               "or a new key for a new transaction")};
}

Applied Apply(storage::Transaction& tx, PendingWrite& item, Decider* decider) {
    auto own_key = tx.QueryOne(kByOwnKey, {Text(item.org_id), Text(item.environment), Text(item.idempotency_key)});
    if (!own_key) return StorageFailure(own_key.error());
    if (*own_key) return SameKey(tx, **own_key, item);
    // A stored row whose key is its external_id has this key when its external_id is the key.
    auto key_as_external_id =
        tx.QueryOne(kByExternalId, {Text(item.org_id), Text(item.environment), Text(item.idempotency_key)});
    if (!key_as_external_id) return StorageFailure(key_as_external_id.error());
    if (*key_as_external_id && (*key_as_external_id)->GetText(7) == item.idempotency_key)
        return SameKey(tx, **key_as_external_id, item);
    bool external_id_taken = false;
    if (item.idempotency_key == item.transaction.external_id) {
        external_id_taken = key_as_external_id->has_value();
    } else {
        auto same_external_id =
            tx.QueryOne(kByExternalId, {Text(item.org_id), Text(item.environment), Text(item.transaction.external_id)});
        if (!same_external_id) return StorageFailure(same_external_id.error());
        external_id_taken = same_external_id->has_value();
    }
    if (external_id_taken)
        return Applied{Error::Make(ErrorCode::kConflict,
                                   "a transaction with this external_id is already stored "
                                   "(under another idempotency key)")};

    std::vector<RaisedAlert> alerts;
    if (decider) {
        if (auto decided = decider->Decide(tx, item, &alerts); !decided) return StorageFailure(decided.error());
    }
    const Transaction& t = item.transaction;
    Written written{item.id, t.external_id, item.environment, item.decision, item.score, item.received_at, false,
                    std::move(alerts)};
    std::vector<storage::Value> params{
        Text(written.id),
        Text(item.org_id),
        Text(item.environment),
        Text(t.external_id),
        Text(item.idempotency_key),
        Text(item.fingerprint),
        Int(t.occurred_at.value_or(item.received_at)),
        Int(item.received_at),
        Int(t.amount_minor),
        Text(t.currency),
        Text(std::string(DirectionName(t.direction))),
        Text(std::string(TransactionTypeName(t.type))),
        Text(t.account_id),
        OptText(t.customer_id),
        OptText(t.counterparty_name),
        OptText(t.counterparty_account),
        OptText(t.counterparty_country),
        OptText(t.channel),
        OptText(t.country),
        OptText(t.ip),
        OptText(t.device_id),
        Text(t.metadata_json),
        Text(item.decision),
        Int(item.score),
        Text(item.api_key_id),
    };
    auto inserted = tx.Exec(
        "INSERT INTO transactions (id, org_id, environment, external_id, idempotency_key, fingerprint, occurred_at, "
        "received_at, amount_minor, currency, direction, type, account_id, customer_id, counterparty_name, "
        "counterparty_account, counterparty_country, channel, country, ip, device_id, metadata, decision, score, "
        "api_key_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
        "$20, $21, $22, $23, $24, $25)",
        params);
    if (!inserted) return StorageFailure(inserted.error());
    return Applied{std::move(written)};
}

Error Unavailable(std::string internal) {
    Error error = Error::Make(ErrorCode::kUnavailable,
                              "the transaction could not be stored; retry with the same "
                              "idempotency key");
    error.internal = std::move(internal);
    error.retry_after_seconds = 1;
    return error;
}

}  // namespace

Writer::Writer(storage::Database& db, Options options) : db_(db), options_(options), thread_([this] { Run(); }) {}

Writer::~Writer() { Stop(); }

void Writer::Submit(std::vector<PendingWrite> items, Completion done) {
    const char* refusal = "writer stopped";
    {
        std::lock_guard lock(mutex_);
        if (!stopping_ && queued_items_ + items.size() > options_.max_queued_items && !queue_.empty()) {
            refusal = "writer queue full";
        } else if (!stopping_) {
            // Under the queue's lock, so ids increase in queue order, which is commit order: a
            // reader that remembers the last id it saw never misses a row committed later.
            for (auto& item : items) item.id = crypto::NewId("txn");
            queued_items_ += items.size();
            queue_.push_back(Request{std::move(items), std::move(done)});
            wake_.notify_one();
            return;
        }
    }
    std::vector<Result<Written>> refused(items.size(), Result<Written>(Unavailable(refusal)));
    done(std::move(refused));
}

void Writer::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

std::uint64_t Writer::groups_committed() const {
    std::lock_guard lock(mutex_);
    return groups_;
}

std::uint64_t Writer::items_committed() const {
    std::lock_guard lock(mutex_);
    return items_;
}

void Writer::Run() {
    std::vector<Request> group;
    while (true) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything queued is done
            // Everything queued now, whole requests, up to the group limit (at least one request).
            std::size_t items = 0;
            while (!queue_.empty() &&
                   (group.empty() || items + queue_.front().items.size() <= options_.max_group_items)) {
                items += queue_.front().items.size();
                group.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            queued_items_ -= items;
        }
        ApplyGroup(group);
        group.clear();
    }
}

void Writer::ApplyGroup(std::vector<Request>& group) {
    std::vector<std::vector<Result<Written>>> answers;
    answers.reserve(group.size());
    std::optional<Error> failed;
    std::size_t written = 0;
    auto tx = db_.Begin(storage::TxMode::kWrite);
    if (!tx) failed = tx.error();
    for (auto& request : group) {
        std::vector<Result<Written>> results;
        results.reserve(request.items.size());
        for (auto& item : request.items) {
            if (failed) break;
            Applied applied = Apply(**tx, item, options_.decider);
            if (applied.storage_failed) {
                failed = applied.answer.error();
                break;
            }
            if (applied.answer && !applied.answer->replayed) ++written;
            results.push_back(std::move(applied.answer));
        }
        answers.push_back(std::move(results));
    }
    if (!failed && written > 0 && !options_.observers.empty()) {
        std::vector<StoredItem> stored;
        stored.reserve(written);
        for (std::size_t request_idx = 0; request_idx < group.size(); ++request_idx) {
            auto& results = answers[request_idx];
            for (std::size_t item_idx = 0; item_idx < results.size(); ++item_idx)
                if (results[item_idx] && !results[item_idx]->replayed)
                    stored.push_back(StoredItem{group[request_idx].items[item_idx], *results[item_idx]});
        }
        for (GroupObserver* observer : options_.observers) {
            if (auto observed = observer->BeforeCommit(**tx, stored); !observed) {
                failed = observed.error();
                break;
            }
        }
    }
    if (!failed) {
        if (auto committed = (*tx)->Commit(); !committed) failed = committed.error();
    }
    if (options_.decider) {
        if (failed)
            options_.decider->GroupAborted();
        else
            options_.decider->GroupCommitted();
    }
    if (failed) {
        // Nothing of this group is acknowledged: every item, stored or refused, answers 503 and
        // the caller retries with the same idempotency key.
        Error unavailable = Unavailable(failed->internal.empty() ? failed->detail : failed->internal);
        for (std::size_t request_idx = 0; request_idx < group.size(); ++request_idx)
            answers[request_idx].assign(group[request_idx].items.size(), Result<Written>(unavailable));
    } else {
        {
            std::lock_guard lock(mutex_);
            ++groups_;
            items_ += written;
        }
        if (written > 0)
            for (GroupObserver* observer : options_.observers) observer->AfterCommit();
    }
    for (std::size_t request_idx = 0; request_idx < group.size(); ++request_idx)
        group[request_idx].done(std::move(answers[request_idx]));
}

}  // namespace wt::ingest
