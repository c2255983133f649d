// SPDX-License-Identifier: Apache-2.0
/// The SQLite backend of `storage::Database` (SQLite C API, one database file in WAL mode).
///
/// Connections: a bounded pool of `OpenOptions::pool_size` connections, opened lazily. Every
/// connection runs `PRAGMA busy_timeout=<busy_timeout_ms>`, `journal_mode=WAL`,
/// `synchronous=FULL` and `foreign_keys=ON` (and `wal_autocheckpoint=0` and
/// `journal_size_limit=256 MiB` when `OpenOptions::background_checkpoint`), and keeps its own
/// LRU cache of prepared statements keyed by the SQL text as written (`$N` parameters, rewritten
/// once to SQLite's `?N`).
///
/// Checkpoints: by default SQLite checkpoints inside the commit that takes the WAL past 1000
/// pages, and that commit waits for it (measured under ingestion load: p99 3.1 ms -> 12.8 ms).
/// With `background_checkpoint` no commit checkpoints; `Checkpoint()` does, on a pooled connection:
///  1. `sqlite3_wal_checkpoint_v2(PASSIVE)` outside the writer lock: it copies what no reader
///     needs, neither waiting for nor blocking readers and writers. SQLITE_BUSY from it (another
///     checkpoint running) is a result, not an error. That is all when the log is shorter than
///     `kWalRestartFrames`.
///  2. Otherwise the log would never start over under a writer that never pauses (the ingestion
///     writer): SQLite rewinds it only when a write transaction begins while every frame is copied
///     and no reader uses it, and a PASSIVE pass only copies what was there when it started. So:
///     the database file is synced (SQLite syncs it only in a pass that catches up, which would
///     otherwise flush everything the earlier passes copied while writers wait), and PASSIVE
///     passes repeat (at most 8 in all) until one, with its sync, took under 5 ms and copied
///     every frame it saw. Done when a pass finds frames that the one before it saw still not
///     copied (a reader's snapshot holds them; it would under the lock too). A pass that catches
///     up is not enough: a write transaction that began before it (the ingestion writer applies
///     a whole group before its commit appends) does not start the log over, and appends to it.
///  3. One more PASSIVE pass under the in-process writer lock, taken ahead of waiting writers
///     (`LockWriterFirst`, waiting at most 100 ms for the transaction in progress): no write
///     transaction of this process runs meanwhile, so it copies the few frames the last pass did
///     not see and catches up; the next write transaction then starts the log over from the
///     beginning of the file, reusing its blocks. Writers wait for this pass: about one fsync of
///     the database file (`CheckpointResult::writer_pause_micros`). A reader that began before it
///     still holds the log: the rewind fails silently and the next `Checkpoint()` tries again.
/// No RESTART / TRUNCATE checkpoint: those wait in the busy handler for readers and writers.
/// The file keeps its high-water size (a restart reuses it) except that each connection sets
/// `PRAGMA journal_size_limit` to 256 MiB: the commit that starts the log over cuts a larger file
/// back to that, so a burst (or a long reader) does not leave gigabytes behind. Under continuous
/// load the file holds what is written between two `Checkpoint()` calls (about one second's worth
/// in the server). The last connection to close still checkpoints the whole log (SQLite does that
/// on close).
///
/// Transactions: `TxMode::kRead` is a deferred `BEGIN` (a WAL snapshot taken at the first read)
/// and refuses statements that write. `TxMode::kWrite` first takes an in-process writer lock (so
/// threads queue here rather than spin in SQLite's busy handler), then `BEGIN IMMEDIATE` (the
/// file's write lock, which serializes writers across processes too: a CLI and the server can
/// share the file). Any failed statement aborts the whole transaction, as in PostgreSQL: later
/// statements and `Commit` fail and nothing is written.
///
/// Threading: `SqliteDatabase` is thread-safe. A transaction holds one connection (and, for
/// kWrite, the writer lock) from `Begin` until it is committed or destroyed, on the thread that
/// began it. A thread must not begin a write transaction while it holds one (refused with
/// kInternal rather than deadlocking).
///
/// Waiting: `Begin` waits at most `busy_timeout_ms` for a pooled connection, for the in-process
/// writer lock, and (inside SQLite) for another process's write lock; each timeout is
/// kUnavailable.
///
/// Failure: SQLite result codes are converted in this backend only: UNIQUE / PRIMARY KEY
/// violations -> kConflict; BUSY, LOCKED, CANTOPEN, FULL, IOERR -> kUnavailable; everything else
/// -> kInternal. SQLite's message (and the SQL text, never the parameters) goes to
/// `Error::internal`; `Error::detail` is generic.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "storage/database.hpp"

namespace wt::storage::sqlite {

/// The result of translating `$N` parameters to SQLite's `?N`.
struct RewrittenSql {
    std::string text;     // the SQL with every `$N` outside literals / identifiers / comments as `?N`
    int param_count = 0;  // the highest N (all of 1..N are used)
};

/// Rewrites PostgreSQL-style `$1..$N` to `?1..?N`, leaving `$` inside single-quoted literals,
/// double-quoted identifiers, `--` and `/* */` comments untouched. A parameter may repeat.
/// Fails with kInternal for `$0`, an index above SQLite's limit, or a gap (`$1, $3`), which
/// PostgreSQL would refuse too.
Result<RewrittenSql> RewriteParameters(std::string_view sql);

/// The log length (frames: 16 MiB at 4 KiB pages) from which `Checkpoint()` makes its last pass
/// under the writer lock so that the log can start over (see the top of this file). Below it the
/// log is left to grow: 16 MiB of file costs less than pausing the writers every second, and a
/// writer that pauses at all lets the log start over without help. The pause itself does not
/// depend on it (it copies what arrived during one short pass).
inline constexpr std::int64_t kWalRestartFrames = 4096;

class Connection;  // one sqlite3 handle and its statement cache (defined in the .cpp)

/// The state shared by a `SqliteDatabase` and the transactions it handed out, so that a
/// transaction outliving its database (or finishing after `Close`) still returns its connection
/// safely. Internal to the backend.
class ConnectionPool {
  public:
    ConnectionPool(std::string path, OpenOptions options);
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    /// An idle connection, a newly opened one (below the limit), or one returned within
    /// `busy_timeout_ms`. kUnavailable when closed or on timeout.
    Result<std::unique_ptr<Connection>> Acquire();
    /// Gives a connection back (closes it instead when the pool is closed).
    void Release(std::unique_ptr<Connection> connection);
    /// Refuses further `Acquire`, closes idle connections and waits up to `busy_timeout_ms` for
    /// borrowed ones (those coming back later are closed on return). Idempotent.
    void Close();
    bool closed() const;

    /// The in-process writer lock. REQUIRES: not already held by the calling thread (checked:
    /// kInternal). Waits behind `LockWriterFirst` callers. kUnavailable after `busy_timeout_ms`.
    Status LockWriter();
    /// The writer lock ahead of every `LockWriter` caller, for `Checkpoint()`'s locked pass: a plain
    /// wait would rarely win, since a writer that commits back to back retakes the lock before a
    /// woken waiter runs. Waits at most `wait` for the current holder (writers arriving meanwhile
    /// queue behind this call; they would have waited for that holder anyway). false on timeout or
    /// when the calling thread holds the lock.
    bool LockWriterFirst(std::chrono::milliseconds wait);
    /// REQUIRES: held by the calling thread.
    void UnlockWriter();

    const std::string& path() const { return path_; }
    const OpenOptions& options() const { return options_; }

  private:
    const std::string path_;
    const OpenOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;                // signalled on Release and Close
    std::vector<std::unique_ptr<Connection>> idle_;  // GUARDED_BY(mutex_)
    int open_count_ = 0;                             // GUARDED_BY(mutex_): idle + borrowed + opening
    bool closed_ = false;                            // GUARDED_BY(mutex_)

    // The writer lock: a flag under a mutex rather than a std::timed_mutex, so that
    // LockWriterFirst can make LockWriter callers give way.
    std::mutex writer_mutex_;
    std::condition_variable writer_released_;  // signalled by UnlockWriter
    bool writer_held_ = false;                 // GUARDED_BY(writer_mutex_): by the one in-process writer
    std::thread::id writer_owner_;             // GUARDED_BY(writer_mutex_): the thread holding it
    int writer_first_waiters_ = 0;             // GUARDED_BY(writer_mutex_): LockWriterFirst calls waiting
};

class SqliteDatabase final : public Database {
  public:
    /// Use `OpenSqlite`.
    explicit SqliteDatabase(std::shared_ptr<ConnectionPool> pool);
    ~SqliteDatabase() override;  // Close()

    Result<std::unique_ptr<Transaction>> Begin(TxMode mode) override;
    Result<int> Migrate() override;
    Result<int> SchemaVersion() override;
    Status Ping() override;
    /// PASSIVE checkpoints, the last under the writer lock when the log is long (see the top of
    /// this file); the figures are SQLite's `*pnLog` and `*pnCkpt` of the last pass.
    Result<CheckpointResult> Checkpoint() override;
    void Close() override;
    Dialect dialect() const override { return Dialect{Dialect::Kind::kSqlite}; }

  private:
    const std::shared_ptr<ConnectionPool> pool_;  // thread-safe itself
};

/// Opens (creating if missing) the database file at `path`, checks that one connection can be
/// set up, and runs `Migrate` when `options.migrate`. The file's directory must exist
/// (kUnavailable otherwise); `:memory:` and empty paths are kValidationFailed (every pooled
/// connection would see a different database).
Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, const OpenOptions& options);

}  // namespace wt::storage::sqlite
