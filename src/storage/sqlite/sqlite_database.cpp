// SPDX-License-Identifier: Apache-2.0
#include "storage/sqlite/sqlite_database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <list>
#include <span>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "storage/migrations.hpp"
#include "storage/sqlite/wal_write_vfs.hpp"

namespace wt::storage::sqlite {
namespace {

// Enough for every distinct statement the repositories issue; eviction only costs a re-prepare.
constexpr std::size_t kStatementCacheCapacity = 256;
// SQLite's default SQLITE_MAX_VARIABLE_NUMBER (3.32+); sqlite3_limit could lower it, we never do.
constexpr int kMaxParameterIndex = 32766;
constexpr std::size_t kMaxSqlInMessages = 300;

// Checkpoint() (see the header). The locked pass copies what arrived during the pass before it:
// unlocked passes repeat (at most kMaxUnlockedPasses in all) until one takes under
// kLockedPassTarget, so the pause stays about that short.
constexpr auto kLockedPassTarget = std::chrono::milliseconds(5);
constexpr int kMaxUnlockedPasses = 8;
// How long Checkpoint() waits for the write transaction in progress to end (writers arriving
// meanwhile queue behind it; they would have waited for that transaction anyway).
constexpr auto kWriterLockWait = std::chrono::milliseconds(100);
// PRAGMA journal_size_limit with background_checkpoint: the -wal file is cut back to this size
// when the log starts over, so a burst does not leave a huge file behind.
constexpr std::int64_t kJournalSizeLimitBytes = std::int64_t{256} << 20;

std::string Abbreviate(std::string_view sql) {
    if (sql.size() <= kMaxSqlInMessages) return std::string(sql);
    return std::string(sql.substr(0, kMaxSqlInMessages)) + "...";
}

/// The one place where SQLite result codes become `Error`s. `rc` is an extended result code
/// (connections are opened with SQLITE_OPEN_EXRESCODE).
Error FromSqlite(int rc, std::string_view message, std::string_view context, std::string_view sql = {}) {
    std::string internal = "sqlite: ";
    internal += context;
    internal += ": ";
    internal += sqlite3_errstr(rc);
    internal += " (" + std::to_string(rc) + ")";
    if (!message.empty()) {
        internal += ": ";
        internal += message;
    }
    if (!sql.empty()) {
        internal += " [sql: " + Abbreviate(sql) + "]";
    }
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Error{ErrorCode::kConflict, "the record conflicts with an existing one", {}, std::move(internal), 0};
    }
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_CANTOPEN:
        case SQLITE_FULL:
        case SQLITE_IOERR:
            return Error{
                ErrorCode::kUnavailable, "the database is unavailable, try again later", {}, std::move(internal), 1};
        default:
            return Error::Internal(std::move(internal));
    }
}

Error FromSqlite(int rc, sqlite3* db, std::string_view context, std::string_view sql = {}) {
    return FromSqlite(rc, db != nullptr ? sqlite3_errmsg(db) : "", context, sql);
}

Error Unavailable(std::string detail, std::string internal = {}) {
    return Error{ErrorCode::kUnavailable, std::move(detail), {}, std::move(internal), 1};
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

/// Runs SQL that returns nothing (PRAGMA settings, BEGIN, COMMIT, migration scripts).
Status ExecRaw(sqlite3* db, const char* sql, std::string_view context) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return Ok();
    Error error = FromSqlite(rc, message != nullptr ? message : sqlite3_errmsg(db), context);
    sqlite3_free(message);
    return error;
}

/// Resets a statement and drops its bindings when a call is done with it, whatever the outcome:
/// cached statements must not keep a read snapshot open or point at the caller's strings.
class StatementUse {
  public:
    explicit StatementUse(sqlite3_stmt* stmt) : stmt_(stmt) {}
    ~StatementUse() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    StatementUse(const StatementUse&) = delete;
    StatementUse& operator=(const StatementUse&) = delete;

  private:
    sqlite3_stmt* stmt_;
};

}  // namespace

Result<RewrittenSql> RewriteParameters(std::string_view sql) {
    enum class State { kCode, kSingleQuoted, kDoubleQuoted, kLineComment, kBlockComment };
    State state = State::kCode;
    RewrittenSql out;
    out.text.reserve(sql.size());
    std::vector<bool> used;  // used[n] for $n
    std::size_t pos = 0;
    while (pos < sql.size()) {
        const char c = sql[pos];
        const char next = pos + 1 < sql.size() ? sql[pos + 1] : '\0';
        switch (state) {
            case State::kCode:
                if (c == '$' && IsDigit(next)) {
                    std::size_t end = pos + 1;
                    long index = 0;
                    while (end < sql.size() && IsDigit(sql[end])) {
                        index = std::min<long>(index * 10 + (sql[end] - '0'), kMaxParameterIndex + 1L);
                        ++end;
                    }
                    if (index < 1 || index > kMaxParameterIndex) {
                        return Error::Internal("sql parameter " + std::string(sql.substr(pos, end - pos)) +
                                               " is out of range [sql: " + Abbreviate(sql) + "]");
                    }
                    if (used.size() <= static_cast<std::size_t>(index)) used.resize(index + 1, false);
                    used[index] = true;
                    out.param_count = std::max(out.param_count, static_cast<int>(index));
                    out.text += '?';
                    out.text += std::to_string(index);
                    pos = end;
                    continue;
                }
                if (c == '\'') state = State::kSingleQuoted;
                if (c == '"') state = State::kDoubleQuoted;
                if (c == '-' && next == '-') state = State::kLineComment;
                if (c == '/' && next == '*') {
                    // Copy both characters so that "/*/" is not taken as open-and-close.
                    out.text += "/*";
                    pos += 2;
                    state = State::kBlockComment;
                    continue;
                }
                break;
            case State::kSingleQuoted:  // '' (an escaped quote) leaves and re-enters: same result
                if (c == '\'') state = State::kCode;
                break;
            case State::kDoubleQuoted:
                if (c == '"') state = State::kCode;
                break;
            case State::kLineComment:
                if (c == '\n') state = State::kCode;
                break;
            case State::kBlockComment:
                if (c == '*' && next == '/') {
                    out.text += "*/";
                    pos += 2;
                    state = State::kCode;
                    continue;
                }
                break;
        }
        out.text += c;
        ++pos;
    }
    for (int index = 1; index <= out.param_count; ++index) {
        if (!used[index]) {
            return Error::Internal("sql parameter $" + std::to_string(index) + " is never used but $" +
                                   std::to_string(out.param_count) + " is [sql: " + Abbreviate(sql) + "]");
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Connection: one sqlite3 handle, used by one thread at a time (the pool hands it over), so it is
// opened with SQLITE_OPEN_NOMUTEX and needs no locking of its own.

class Connection {
  public:
    struct CachedStatement {
        std::string sql;  // as the caller wrote it: the cache key
        sqlite3_stmt* stmt = nullptr;
        int param_count = 0;
    };

    static Result<std::unique_ptr<Connection>> Open(const std::string& path, const OpenOptions& options) {
        sqlite3* handle = nullptr;
        // No SQLITE_OPEN_URI: the path is a file name, never a "file:" URI with options.
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
        // The WAL-write-coalescing VFS (wal_write_vfs.hpp); the default VFS if it could not register.
        const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, WalWriteVfsName());
        if (rc != SQLITE_OK) {
            Error error = FromSqlite(rc, handle, "open '" + path + "'");
            sqlite3_close_v2(handle);  // a handle is allocated even on failure (NULL is a no-op)
            return error;
        }
        std::unique_ptr<Connection> connection(new Connection(handle));
        sqlite3_extended_result_codes(handle, 1);
        // busy_timeout first: switching to WAL needs a lock that another process may hold.
        const std::string busy = "PRAGMA busy_timeout = " + std::to_string(options.busy_timeout_ms);
        WT_RETURN_IF_ERROR(ExecRaw(handle, busy.c_str(), "set busy_timeout"));
        WT_ASSIGN_OR_RETURN(std::string mode, connection->QueryText("PRAGMA journal_mode = WAL"));
        std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return std::tolower(c); });
        if (mode != "wal") {
            return Unavailable("the database could not be switched to WAL mode",
                               "sqlite: PRAGMA journal_mode = WAL answered '" + mode + "' for '" + path + "'");
        }
        WT_RETURN_IF_ERROR(ExecRaw(handle, "PRAGMA synchronous = FULL", "set synchronous"));
        WT_RETURN_IF_ERROR(ExecRaw(handle, "PRAGMA foreign_keys = ON", "set foreign_keys"));
        if (options.background_checkpoint) {
            // Per connection: the commit that crosses the threshold checkpoints on its own
            // connection, so one connection left at the default would bring the stall back.
            WT_RETURN_IF_ERROR(ExecRaw(handle, "PRAGMA wal_autocheckpoint = 0", "set wal_autocheckpoint"));
            // Per connection too: SQLite applies it in the commit that starts the log over.
            const std::string limit = "PRAGMA journal_size_limit = " + std::to_string(kJournalSizeLimitBytes);
            WT_RETURN_IF_ERROR(ExecRaw(handle, limit.c_str(), "set journal_size_limit"));
        }
        return connection;
    }

    ~Connection() {
        for (CachedStatement& cached : lru_) sqlite3_finalize(cached.stmt);
        // _v2: never fails with SQLITE_BUSY; all statements are finalized above anyway.
        sqlite3_close_v2(db_);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sqlite3* db() const { return db_; }
    bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

    /// Runs BEGIN / COMMIT / ROLLBACK through the statement cache: sqlite3_exec would parse and
    /// prepare them again for every transaction (a measurable share of a short request).
    Status Control(const char* sql) {
        WT_ASSIGN_OR_RETURN(CachedStatement * cached, Prepare(sql));
        StatementUse use(cached->stmt);
        const int rc = sqlite3_step(cached->stmt);
        if (rc != SQLITE_DONE) return FromSqlite(rc, db_, sql);
        return Ok();
    }

    /// The prepared statement for `sql`, from the cache or newly prepared. The pointer is valid
    /// until the next Prepare on this connection (which may evict it).
    Result<CachedStatement*> Prepare(std::string_view sql) {
        if (auto found = index_.find(sql); found != index_.end()) {
            lru_.splice(lru_.begin(), lru_, found->second);
            return &*found->second;
        }
        WT_ASSIGN_OR_RETURN(RewrittenSql rewritten, RewriteParameters(sql));
        sqlite3_stmt* stmt = nullptr;
        const char* tail = nullptr;
        const int rc = sqlite3_prepare_v3(db_, rewritten.text.c_str(), static_cast<int>(rewritten.text.size()) + 1,
                                          SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
        if (rc != SQLITE_OK) return FromSqlite(rc, db_, "prepare", sql);
        if (stmt == nullptr) return Error::Internal("sqlite: empty statement [sql: " + Abbreviate(sql) + "]");
        const std::string_view rest(tail);
        if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
            sqlite3_finalize(stmt);
            return Error::Internal("sqlite: one statement per call [sql: " + Abbreviate(sql) + "]");
        }
        // `?`, `:name`, `@name` or `$name` written in the SQL would get further indexes.
        if (sqlite3_bind_parameter_count(stmt) != rewritten.param_count) {
            sqlite3_finalize(stmt);
            return Error::Internal("sqlite: write parameters as $1..$N only [sql: " + Abbreviate(sql) + "]");
        }
        lru_.push_front(CachedStatement{std::string(sql), stmt, rewritten.param_count});
        index_.emplace(lru_.front().sql, lru_.begin());
        if (lru_.size() > kStatementCacheCapacity) {
            index_.erase(lru_.back().sql);
            sqlite3_finalize(lru_.back().stmt);
            lru_.pop_back();
        }
        return &lru_.front();
    }

  private:
    explicit Connection(sqlite3* db) : db_(db) {}

    /// The first column of the first row as text (for PRAGMAs that answer).
    Result<std::string> QueryText(const char* sql) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr);
        if (rc != SQLITE_OK) return FromSqlite(rc, db_, "prepare", sql);
        std::string text;
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            const auto* chars = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
            if (chars != nullptr) text = chars;
            rc = SQLITE_DONE;
        }
        Result<std::string> result = rc == SQLITE_DONE ? Result<std::string>(std::move(text))
                                                       : Result<std::string>(FromSqlite(rc, db_, "step", sql));
        sqlite3_finalize(stmt);
        return result;
    }

    sqlite3* const db_;
    std::list<CachedStatement> lru_;                                                    // most recently used first
    std::unordered_map<std::string_view, std::list<CachedStatement>::iterator> index_;  // keys view lru_ sql
};

// ---------------------------------------------------------------------------------------------
// ConnectionPool

ConnectionPool::ConnectionPool(std::string path, OpenOptions options) : path_(std::move(path)), options_(options) {}

ConnectionPool::~ConnectionPool() = default;

Result<std::unique_ptr<Connection>> ConnectionPool::Acquire() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
    std::unique_lock lock(mutex_);
    for (;;) {
        if (closed_) return Unavailable("the database is closed");
        if (!idle_.empty()) {
            std::unique_ptr<Connection> connection = std::move(idle_.back());  // LIFO: warm caches
            idle_.pop_back();
            return connection;
        }
        if (open_count_ < options_.pool_size) {
            ++open_count_;  // reserve the slot, then open without holding the lock (file I/O)
            lock.unlock();
            auto opened = Connection::Open(path_, options_);
            if (!opened) {
                lock.lock();
                --open_count_;
                changed_.notify_all();
            }
            return opened;
        }
        if (changed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && !closed_ &&
            open_count_ >= options_.pool_size) {
            return Unavailable("the database is busy, try again later",
                               "sqlite: all " + std::to_string(options_.pool_size) +
                                   " pooled connections stayed in use for " + std::to_string(options_.busy_timeout_ms) +
                                   " ms");
        }
    }
}

void ConnectionPool::Release(std::unique_ptr<Connection> connection) {
    if (connection == nullptr) return;
    // A connection still inside a transaction (its ROLLBACK failed) must not be reused.
    const bool reusable = !connection->InTransaction();
    std::unique_ptr<Connection> to_close;
    {
        std::lock_guard lock(mutex_);
        if (closed_ || !reusable) {
            to_close = std::move(connection);
            --open_count_;
        } else {
            idle_.push_back(std::move(connection));
        }
    }
    changed_.notify_all();
    // to_close is closed here, outside the lock.
}

void ConnectionPool::Close() {
    std::vector<std::unique_ptr<Connection>> to_close;
    {
        std::lock_guard lock(mutex_);
        if (!closed_) {
            closed_ = true;
            to_close.swap(idle_);
            open_count_ -= static_cast<int>(to_close.size());
        }
    }
    changed_.notify_all();  // waiters in Acquire fail now
    to_close.clear();
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(options_.busy_timeout_ms), [this] { return open_count_ == 0; });
}

bool ConnectionPool::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

Status ConnectionPool::LockWriter() {
    std::unique_lock lock(writer_mutex_);
    if (writer_held_ && writer_owner_ == std::this_thread::get_id()) {
        return Error::Internal("sqlite: a thread began a write transaction while holding one (would deadlock)");
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
    if (!writer_released_.wait_until(lock, deadline, [this] { return !writer_held_ && writer_first_waiters_ == 0; })) {
        return Unavailable(
            "the database is busy, try again later",
            "sqlite: waited " + std::to_string(options_.busy_timeout_ms) + " ms for the in-process writer lock");
    }
    writer_held_ = true;
    writer_owner_ = std::this_thread::get_id();
    return Ok();
}

bool ConnectionPool::LockWriterFirst(std::chrono::milliseconds wait) {
    std::unique_lock lock(writer_mutex_);
    if (writer_held_ && writer_owner_ == std::this_thread::get_id()) return false;
    ++writer_first_waiters_;
    const bool released = writer_released_.wait_for(lock, wait, [this] { return !writer_held_; });
    --writer_first_waiters_;
    // On timeout the lock is still held: LockWriter callers go on waiting for its UnlockWriter.
    if (!released) return false;
    writer_held_ = true;
    writer_owner_ = std::this_thread::get_id();
    return true;
}

void ConnectionPool::UnlockWriter() {
    {
        std::lock_guard lock(writer_mutex_);
        writer_held_ = false;
        writer_owner_ = std::thread::id();
    }
    writer_released_.notify_all();  // all: a LockWriterFirst caller must not miss it
}

// ---------------------------------------------------------------------------------------------
// Transaction

namespace {

class SqliteTransaction final : public Transaction {
  public:
    /// Takes the writer lock (kWrite), a connection, and issues BEGIN [IMMEDIATE].
    static Result<std::unique_ptr<SqliteTransaction>> Begin(const std::shared_ptr<ConnectionPool>& pool, TxMode mode) {
        if (pool->closed()) return Unavailable("the database is closed");
        std::unique_ptr<SqliteTransaction> tx(new SqliteTransaction(pool, mode));
        if (mode == TxMode::kWrite) {
            WT_RETURN_IF_ERROR(pool->LockWriter());
            tx->holds_writer_ = true;
        }
        WT_ASSIGN_OR_RETURN(tx->connection_, pool->Acquire());
        // IMMEDIATE takes the file's write lock now (waiting up to busy_timeout for another
        // process), so a read-then-write cannot fail later with SQLITE_BUSY_SNAPSHOT.
        const char* begin = mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN";
        WT_RETURN_IF_ERROR(tx->connection_->Control(begin));
        return tx;
    }

    ~SqliteTransaction() override { Finish(/*commit=*/false).ok(); }

    Result<Rows> Query(std::string_view sql, Params params) override {
        return Query(sql, std::span<const Value>(params.begin(), params.size()));
    }
    Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override {
        return Query(sql, std::span<const Value>(params));
    }
    Result<std::int64_t> Exec(std::string_view sql, Params params) override {
        return Exec(sql, std::span<const Value>(params.begin(), params.size()));
    }
    Result<std::int64_t> Exec(std::string_view sql, const std::vector<Value>& params) override {
        return Exec(sql, std::span<const Value>(params));
    }

    Status Commit() override { return Finish(/*commit=*/true); }

    /// Runs a multi-statement script as is (migrations: trigger bodies contain ';').
    Status ExecScript(const char* script, std::string_view context) {
        WT_RETURN_IF_ERROR(CheckUsable());
        Status status = ExecRaw(connection_->db(), script, context);
        if (status.ok() && !connection_->InTransaction()) {
            status = Error::Internal("sqlite: a script ended the transaction itself");
        }
        if (!status.ok()) aborted_ = true;
        return status;
    }

  private:
    SqliteTransaction(std::shared_ptr<ConnectionPool> pool, TxMode mode) : pool_(std::move(pool)), mode_(mode) {}

    Result<Rows> Query(std::string_view sql, std::span<const Value> params) {
        Rows rows;
        WT_RETURN_IF_ERROR(Run(sql, params, &rows));
        return rows;
    }

    Result<std::int64_t> Exec(std::string_view sql, std::span<const Value> params) { return Run(sql, params, nullptr); }

    Status CheckUsable() const {
        if (connection_ == nullptr) return Error::Internal("sqlite: the transaction is already finished");
        if (aborted_) return Error::Internal("sqlite: the transaction was aborted by an earlier error");
        return Ok();
    }

    /// Runs one statement; appends its rows to `rows` when given. Returns the number of rows it
    /// changed. Any failure aborts the transaction (PostgreSQL semantics, on both backends).
    Result<std::int64_t> Run(std::string_view sql, std::span<const Value> params, Rows* rows) {
        WT_RETURN_IF_ERROR(CheckUsable());
        Result<std::int64_t> result = RunUnchecked(sql, params, rows);
        if (result.ok() && !connection_->InTransaction()) {
            result = Error::Internal("sqlite: the statement ended the transaction [sql: " + Abbreviate(sql) + "]");
        }
        if (!result.ok()) aborted_ = true;
        return result;
    }

    Result<std::int64_t> RunUnchecked(std::string_view sql, std::span<const Value> params, Rows* rows) {
        sqlite3* db = connection_->db();
        WT_ASSIGN_OR_RETURN(Connection::CachedStatement * cached, connection_->Prepare(sql));
        sqlite3_stmt* stmt = cached->stmt;
        if (static_cast<int>(params.size()) != cached->param_count) {
            return Error::Internal("sqlite: the statement takes " + std::to_string(cached->param_count) +
                                   " parameters, " + std::to_string(params.size()) + " given [sql: " + Abbreviate(sql) +
                                   "]");
        }
        if (mode_ == TxMode::kRead && !sqlite3_stmt_readonly(stmt)) {
            return Error::Internal("sqlite: a read transaction cannot write [sql: " + Abbreviate(sql) + "]");
        }
        StatementUse use(stmt);
        for (std::size_t param_idx = 0; param_idx < params.size(); ++param_idx) {
            const int index = static_cast<int>(param_idx) + 1;
            const Value& value = params[param_idx];
            int rc = SQLITE_OK;
            if (const auto* integer = std::get_if<std::int64_t>(&value)) {
                rc = sqlite3_bind_int64(stmt, index, *integer);
            } else if (const auto* text = std::get_if<std::string>(&value)) {
                // SQLITE_STATIC: `params` outlives the statement's use, and StatementUse clears
                // the bindings before this call returns.
                rc = sqlite3_bind_text64(stmt, index, text->data(), text->size(), SQLITE_STATIC, SQLITE_UTF8);
            } else {
                rc = sqlite3_bind_null(stmt, index);
            }
            if (rc != SQLITE_OK) return FromSqlite(rc, db, "bind", sql);
        }
        // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE, so a SELECT or DDL
        // would report a stale number: only trust it when this statement changed something.
        const std::int64_t total_before = sqlite3_total_changes64(db);
        for (;;) {
            const int rc = sqlite3_step(stmt);
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return FromSqlite(rc, db, "step", sql);
            if (rows == nullptr) continue;
            WT_ASSIGN_OR_RETURN(Row row, ReadRow(db, stmt));
            rows->push_back(std::move(row));
        }
        return sqlite3_total_changes64(db) != total_before ? sqlite3_changes64(db) : 0;
    }

    static Result<Row> ReadRow(sqlite3* db, sqlite3_stmt* stmt) {
        const int columns = sqlite3_column_count(stmt);
        std::vector<Value> values;
        values.reserve(columns);
        for (int col = 0; col < columns; ++col) {
            switch (sqlite3_column_type(stmt, col)) {
                case SQLITE_NULL:
                    values.emplace_back(std::monostate{});
                    break;
                case SQLITE_INTEGER:
                    values.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, col)));
                    break;
                case SQLITE_BLOB: {
                    const void* bytes = sqlite3_column_blob(stmt, col);
                    const int size = sqlite3_column_bytes(stmt, col);
                    if (bytes == nullptr && size > 0) return FromSqlite(SQLITE_NOMEM, db, "column_blob");
                    values.emplace_back(bytes != nullptr ? std::string(static_cast<const char*>(bytes), size)
                                                         : std::string());
                    break;
                }
                default: {
                    // TEXT, and REAL rendered as text: the schema has no REAL columns, and
                    // truncating to an integer would silently lose data.
                    const auto* chars = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
                    const int size = sqlite3_column_bytes(stmt, col);
                    if (chars == nullptr) return FromSqlite(SQLITE_NOMEM, db, "column_text");
                    values.emplace_back(std::string(chars, size));
                    break;
                }
            }
        }
        return Row(std::move(values));
    }

    /// Ends the transaction (COMMIT or ROLLBACK) and gives the connection and writer lock back.
    Status Finish(bool commit) {
        if (connection_ == nullptr) {
            if (holds_writer_) {  // Begin failed after taking the writer lock
                holds_writer_ = false;
                pool_->UnlockWriter();
            }
            return commit ? Status(Error::Internal("sqlite: the transaction is already finished")) : Ok();
        }
        Status status;
        if (commit && aborted_) {
            status = Error::Internal("sqlite: commit of a transaction aborted by an earlier error");
        } else if (commit) {
            status = connection_->Control("COMMIT");
        }
        if (connection_->InTransaction()) {
            // Best effort: if even ROLLBACK fails, Release closes the connection instead.
            connection_->Control("ROLLBACK").ok();
        }
        pool_->Release(std::move(connection_));
        if (holds_writer_) {
            holds_writer_ = false;
            pool_->UnlockWriter();
        }
        return status;
    }

    const std::shared_ptr<ConnectionPool> pool_;
    const TxMode mode_;
    std::unique_ptr<Connection> connection_;  // null once finished
    bool holds_writer_ = false;
    bool aborted_ = false;
};

/// One PASSIVE checkpoint.
struct CheckpointPass {
    CheckpointResult figures;
    bool complete = false;  // it copied every frame of the log it saw (frames appended since remain)
    std::chrono::steady_clock::time_point started;  // it copies nothing appended after this
};

std::chrono::steady_clock::duration SinceStart(const CheckpointPass& pass) {
    return std::chrono::steady_clock::now() - pass.started;
}

Result<CheckpointPass> PassiveCheckpoint(sqlite3* db) {
    CheckpointPass pass;
    pass.started = std::chrono::steady_clock::now();
    int wal_frames = -1;
    int checkpointed_frames = -1;
    const int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &checkpointed_frames);
    // SQLITE_BUSY: another connection (or process) is checkpointing; the figures say how far the
    // log got (-1 when this call could not look).
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY) return FromSqlite(rc, db, "wal_checkpoint");
    pass.figures = CheckpointResult{wal_frames, checkpointed_frames};
    pass.complete = rc == SQLITE_OK && wal_frames >= 0 && checkpointed_frames == wal_frames;
    return pass;
}

/// Syncs the database file of `db`. SQLite syncs it only in a checkpoint pass that catches up with
/// the log; a pass that a writer outran leaves the pages it copied to the OS, and the pass that
/// does catch up (the locked one) would flush them all while writers wait.
Status SyncDatabaseFile(sqlite3* db) {
    sqlite3_file* file = nullptr;
    int rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
    if (rc != SQLITE_OK) return FromSqlite(rc, db, "database file pointer");
    if (file == nullptr || file->pMethods == nullptr) return Ok();  // not open: nothing written
    rc = file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
    if (rc != SQLITE_OK) return FromSqlite(rc, std::string_view(), "sync the database file");
    return Ok();
}

/// `SqliteDatabase::Checkpoint()` on `db` (a pooled connection): PASSIVE passes, then, when the log
/// is long, one more under the writer lock so that the next write transaction starts it over.
Result<CheckpointResult> CheckpointAndRestart(ConnectionPool& pool, sqlite3* db) {
    WT_ASSIGN_OR_RETURN(CheckpointPass pass, PassiveCheckpoint(db));
    // A short log is not worth a pause (-1: another checkpoint is running).
    if (pass.figures.wal_frames < kWalRestartFrames) return pass.figures;
    // The locked pass copies what the writer appended since the previous pass started: repeat
    // that pass (and the sync after it) until it is short. A pass may miss the last commit's
    // frames (the writer still held its snapshot when the pass looked), so an incomplete pass
    // is followed by another too.
    WT_RETURN_IF_ERROR(SyncDatabaseFile(db));
    for (int pass_idx = 1; pass_idx < kMaxUnlockedPasses && (!pass.complete || SinceStart(pass) > kLockedPassTarget);
         ++pass_idx) {
        const CheckpointResult previous = pass.figures;
        WT_ASSIGN_OR_RETURN(pass, PassiveCheckpoint(db));
        // (Nothing appended since a pass that caught up is no reason to stop: a write transaction
        // that began before that pass still uses the log, and its commit appends to it.)
        // Frames the previous pass saw are still not copied: a reader's snapshot holds them, and
        // would hold them under the lock too (or the pass could not run: -1).
        if (pass.figures.checkpointed_frames < previous.wal_frames) return pass.figures;
        WT_RETURN_IF_ERROR(SyncDatabaseFile(db));
    }
    if (!pool.LockWriterFirst(kWriterLockWait)) return pass.figures;
    const auto locked_at = std::chrono::steady_clock::now();
    Result<CheckpointPass> locked = PassiveCheckpoint(db);
    const auto pause = std::chrono::steady_clock::now() - locked_at;
    pool.UnlockWriter();
    WT_RETURN_IF_ERROR(locked);
    locked->figures.writer_pause_micros = std::chrono::duration_cast<std::chrono::microseconds>(pause).count();
    return locked->figures;
}

constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

int NewestKnownVersion() {
    const auto migrations = AllMigrations();
    return migrations.empty() ? 0 : migrations.back().version;
}

std::int64_t NowMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// SqliteDatabase

SqliteDatabase::SqliteDatabase(std::shared_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}

SqliteDatabase::~SqliteDatabase() { Close(); }

Result<std::unique_ptr<Transaction>> SqliteDatabase::Begin(TxMode mode) {
    WT_ASSIGN_OR_RETURN(auto tx, SqliteTransaction::Begin(pool_, mode));
    return std::unique_ptr<Transaction>(std::move(tx));
}

Result<int> SqliteDatabase::Migrate() {
    const auto migrations = AllMigrations();
    for (std::size_t migration_idx = 0; migration_idx < migrations.size(); ++migration_idx) {
        if (migrations[migration_idx].version != static_cast<int>(migration_idx) + 1) {
            return Error::Internal("storage: migration versions must be 1, 2, 3, ... in order");
        }
    }
    const int newest = NewestKnownVersion();
    int applied = 0;
    // One write transaction per migration; the applied version is re-read under the write lock
    // each time, since another process (a CLI `migrate`, a second server) may be migrating too.
    for (;;) {
        WT_ASSIGN_OR_RETURN(auto tx, SqliteTransaction::Begin(pool_, TxMode::kWrite));
        WT_RETURN_IF_ERROR(tx->ExecScript(kCreateSchemaMigrations, "create schema_migrations"));
        WT_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
        const std::int64_t current = row ? row->GetInt(0) : 0;
        if (current > newest) {
            return Unavailable("database schema version " + std::to_string(current) + " is newer than this binary (" +
                               std::to_string(newest) + ")");
        }
        if (current == newest) {
            WT_RETURN_IF_ERROR(tx->Commit());
            return applied;
        }
        const Migration& migration = migrations[current];  // versions are 1..newest, in order
        const std::string context = "migration " + std::to_string(migration.version) + " (" + migration.name + ")";
        WT_RETURN_IF_ERROR(tx->ExecScript(migration.sql, context));
        WT_RETURN_IF_ERROR(tx->Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                                    {Int(migration.version), Text(migration.name), Int(NowMicros())}));
        WT_RETURN_IF_ERROR(tx->Commit());
        ++applied;
    }
}

Result<int> SqliteDatabase::SchemaVersion() {
    WT_ASSIGN_OR_RETURN(auto tx, SqliteTransaction::Begin(pool_, TxMode::kRead));
    WT_ASSIGN_OR_RETURN(auto exists, tx->QueryOne("SELECT COUNT(*) FROM sqlite_master "
                                                  "WHERE type = 'table' AND name = 'schema_migrations'"));
    if (!exists || exists->GetInt(0) == 0) return 0;
    WT_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    return row ? static_cast<int>(row->GetInt(0)) : 0;
}

Status SqliteDatabase::Ping() {
    WT_ASSIGN_OR_RETURN(const int version, SchemaVersion());
    const int newest = NewestKnownVersion();
    if (version > newest) {
        return Unavailable("database schema version " + std::to_string(version) + " is newer than this binary (" +
                           std::to_string(newest) + ")");
    }
    if (version < newest) {
        return Unavailable("database schema version " + std::to_string(version) + " is behind this binary (" +
                           std::to_string(newest) + "): run the migrations");
    }
    return Ok();
}

Result<CheckpointResult> SqliteDatabase::Checkpoint() {
    // A pooled connection, and the writer lock only for the short last pass (see the header).
    WT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, pool_->Acquire());
    Result<CheckpointResult> result = CheckpointAndRestart(*pool_, connection->db());
    pool_->Release(std::move(connection));
    return result;
}

void SqliteDatabase::Close() { pool_->Close(); }

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, const OpenOptions& options) {
    if (path.empty()) return Error::Make(ErrorCode::kValidationFailed, "the SQLite database path is empty");
    if (path == ":memory:" || path.starts_with("file:")) {
        return Error::Make(ErrorCode::kValidationFailed,
                           "the SQLite database must be a file path (in-memory and file: URIs are not supported)");
    }
    if (options.pool_size < 1) {
        return Error::Make(ErrorCode::kValidationFailed, "the database pool size must be at least 1");
    }
    if (options.busy_timeout_ms < 0) {
        return Error::Make(ErrorCode::kValidationFailed, "the database busy timeout must not be negative");
    }
    if (sqlite3_threadsafe() == 0) {
        return Error::Internal("sqlite: the library was built without thread safety");
    }
    std::filesystem::path directory = std::filesystem::path(path).parent_path();
    if (directory.empty()) directory = ".";
    std::error_code ec;
    if (!std::filesystem::is_directory(directory, ec)) {
        return Unavailable("the database directory '" + directory.string() + "' does not exist",
                           ec ? "stat: " + ec.message() : std::string());
    }
    auto pool = std::make_shared<ConnectionPool>(path, options);
    auto db = std::make_unique<SqliteDatabase>(pool);
    {
        // Fail at open, not at the first request, when the file cannot be opened or set up.
        WT_ASSIGN_OR_RETURN(auto connection, pool->Acquire());
        pool->Release(std::move(connection));
    }
    if (options.migrate) {
        WT_ASSIGN_OR_RETURN(const int applied, db->Migrate());
        static_cast<void>(applied);
    }
    return std::unique_ptr<Database>(std::move(db));
}

}  // namespace wt::storage::sqlite
