// SPDX-License-Identifier: Apache-2.0
/// The storage interface. WatchTower talks to its system of record through `Database` and
/// `Transaction` only; nothing above `storage/` sees SQLite (or, later, libpq).
///
/// SQL dialect: repositories write portable SQL with PostgreSQL-style positional parameters
/// (`$1`, `$2`, ...). Backends translate as needed (the SQLite backend rewrites `$N` to `?N`).
/// Types are limited to what both backends share: BIGINT / INTEGER for integers and booleans
/// (0/1), TEXT for strings and JSON, and NULL. Times are stored as `UnixMicros` BIGINT.
///
/// Threading: a `Database` is shared by all threads; each `Transaction` belongs to the thread
/// that began it and must be finished (committed or destroyed) on it.
///
/// Failure: every call returns a `Result`. Backend errors are converted here, at the boundary:
/// a uniqueness violation is `ErrorCode::kConflict`, a busy / locked / unreachable database is
/// `ErrorCode::kUnavailable`, anything else is `ErrorCode::kInternal` (with the backend's message
/// in `Error::internal`, never shown to clients).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace wt::storage {

/// A bound parameter or a column value.
using Value = std::variant<std::monostate, std::int64_t, std::string>;

inline Value Null() { return Value{}; }
inline Value Int(std::int64_t v) { return Value{v}; }
inline Value Text(std::string v) { return Value{std::move(v)}; }
inline Value OptText(const std::optional<std::string>& v) { return v ? Value{*v} : Value{}; }
inline Value OptInt(const std::optional<std::int64_t>& v) { return v ? Value{*v} : Value{}; }

/// One result row. Column access is by index in SELECT order.
class Row {
public:
    explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
    std::size_t size() const { return values_.size(); }
    bool IsNull(std::size_t col) const;
    /// REQUIRES: the column holds an integer (or is NULL: then 0 / "" is returned).
    std::int64_t GetInt(std::size_t col) const;
    const std::string& GetText(std::size_t col) const;
    std::optional<std::int64_t> GetOptInt(std::size_t col) const;
    std::optional<std::string> GetOptText(std::size_t col) const;
    const Value& at(std::size_t col) const { return values_.at(col); }

private:
    std::vector<Value> values_;
};

using Rows = std::vector<Row>;
using Params = std::initializer_list<Value>;

enum class TxMode {
    kRead,   // a consistent snapshot for reads
    kWrite,  // takes the write lock at BEGIN (SQLite BEGIN IMMEDIATE), so read-then-write is safe
             // across threads and processes
};

/// A storage transaction. Destroying an uncommitted transaction rolls it back.
/// A failed statement aborts the whole transaction on every backend (PostgreSQL semantics):
/// later calls and `Commit` fail and nothing is written. Where a conflict is expected, write
/// `INSERT ... ON CONFLICT DO NOTHING` instead of catching kConflict inside the transaction.
class Transaction {
public:
    virtual ~Transaction() = default;
    /// Runs a statement that returns rows.
    virtual Result<Rows> Query(std::string_view sql, Params params = {}) = 0;
    virtual Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) = 0;
    /// Runs a statement and returns the number of rows it changed.
    virtual Result<std::int64_t> Exec(std::string_view sql, Params params = {}) = 0;
    virtual Result<std::int64_t> Exec(std::string_view sql, const std::vector<Value>& params) = 0;
    /// Convenience: the first row, or nullopt when there is none.
    Result<std::optional<Row>> QueryOne(std::string_view sql, Params params = {});
    virtual Status Commit() = 0;
};

/// Per-backend SQL that cannot be written portably (migrations only).
struct Dialect {
    enum class Kind { kSqlite, kPostgres };
    Kind kind;
};

/// What a WAL checkpoint did, in the figures `sqlite3_wal_checkpoint_v2` reports (of its last pass,
/// when it made several).
struct CheckpointResult {
    std::int64_t wal_frames = 0;           // frames in the write-ahead log; -1 when unknown
    std::int64_t checkpointed_frames = 0;  // of those, frames copied back into the database; -1 when unknown
    /// How long the checkpoint kept this process's writers waiting (SQLite: its pass under the
    /// writer lock, which lets a log that a busy writer keeps growing start over); -1 when it took
    /// no lock.
    std::int64_t writer_pause_micros = -1;
};

class Database {
public:
    virtual ~Database() = default;
    virtual Result<std::unique_ptr<Transaction>> Begin(TxMode mode) = 0;
    /// Applies pending migrations (idempotent, safe while other processes use the database).
    /// Returns the number of migrations applied.
    virtual Result<int> Migrate() = 0;
    /// The highest applied schema version.
    virtual Result<int> SchemaVersion() = 0;
    /// Storage reachable and schema current (used by /readyz).
    virtual Status Ping() = 0;
    /// Copies what the write-ahead log holds back into the database without waiting for, or
    /// blocking, readers, and blocking writers only briefly (SQLite: PASSIVE checkpoints on a
    /// pooled connection; when the log is long, the last one under the writer lock so that the
    /// log can start over: see sqlite_database.hpp). Frames that a reader's snapshot still needs
    /// stay in the log, so `checkpointed_frames < wal_frames` is a normal, successful outcome; so
    /// is a checkpoint that could not start because another one was running (figures -1). Meant
    /// for a background timer when `OpenOptions::background_checkpoint` is set; harmless
    /// otherwise. Backends without a log of their own to manage return {-1, -1}.
    /// Fails with kUnavailable after `Close` or when no connection frees up within the busy
    /// timeout; kUnavailable / kInternal for backend errors, as for every other call.
    virtual Result<CheckpointResult> Checkpoint() = 0;
    /// Flushes and closes; further calls fail with kUnavailable.
    virtual void Close() = 0;
    virtual Dialect dialect() const = 0;
};

struct OpenOptions {
    int busy_timeout_ms = 5000;
    int pool_size = 8;  // connections kept open for readers
    bool migrate = true;  // apply pending migrations at open
    /// When true, no commit ever runs a WAL checkpoint (SQLite: every connection runs
    /// `PRAGMA wal_autocheckpoint = 0`), so the writer never pays for one; the log then grows
    /// until someone checkpoints it. REQUIRES then: the owner calls `Database::Checkpoint()`
    /// periodically (the server does, on a timer). When false, SQLite checkpoints inside the commit
    /// that takes the log past 1000 pages (its default).
    bool background_checkpoint = false;
};

/// Opens `url`: `sqlite:///absolute/path.db`, `sqlite://relative/path.db` or a bare file path.
/// (`postgres://...` arrives with the PostgreSQL backend.) Unknown schemes are kValidationFailed.
Result<std::unique_ptr<Database>> Open(std::string_view url, const OpenOptions& options = {});

}  // namespace wt::storage
