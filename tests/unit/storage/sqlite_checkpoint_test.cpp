// SPDX-License-Identifier: Apache-2.0
// OpenOptions::background_checkpoint and Database::Checkpoint() on real SQLite files: the WAL is
// measured on disk (its frames) and through what Checkpoint() reports, so each test fails if
// SQLite still checkpoints inside commits, or if Checkpoint() copies nothing / does not let the
// log rewind / errors out next to a reader, or if the log grows without bound while a writer
// never pauses.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.hpp"
#include "storage/sqlite/sqlite_database.hpp"
#include "test_backends.hpp"

namespace wt::storage::sqlite {
namespace {

using storage::testing::TempDir;

constexpr std::int64_t kWalHeaderBytes = 32;  // then one 24-byte header + one page per frame
constexpr std::int64_t kFrameHeaderBytes = 24;
constexpr std::int64_t kSqliteAutocheckpointPages = 1000;  // SQLite's default wal_autocheckpoint

// One "load": 60 commits of 50 rows of 2000 bytes (two rows per 4 KiB page), about 1,700 WAL
// frames, well past the 1000 pages at which SQLite would checkpoint by itself.
constexpr int kLoadCommits = 60;
constexpr int kRowsPerCommit = 50;
constexpr std::size_t kBodyBytes = 2000;

std::string Describe(const Error& error) {
    return std::string(ErrorCodeName(error.code)) + ": " + error.detail + " / " + error.internal;
}

class SqliteCheckpointTest : public ::testing::Test {
  protected:
    void OpenWith(bool background_checkpoint) {
        OpenOptions options;
        options.pool_size = 4;  // a reader, a writer and a checkpoint at once
        options.busy_timeout_ms = 2000;
        options.background_checkpoint = background_checkpoint;
        auto db = Open("sqlite://" + Path(), options);
        ASSERT_TRUE(db.ok()) << Describe(db.error());
        db_ = std::move(*db);
        auto tx = db_->Begin(TxMode::kWrite);
        ASSERT_TRUE(tx.ok()) << Describe(tx.error());
        auto created = (*tx)->Exec("CREATE TABLE IF NOT EXISTS payloads (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
        ASSERT_TRUE(created.ok()) << Describe(created.error());
        auto page_size = (*tx)->QueryOne("PRAGMA page_size");  // a PRAGMA counts as a write
        ASSERT_TRUE(page_size.ok() && page_size->has_value());
        page_size_ = (*page_size)->GetInt(0);
        ASSERT_TRUE((*tx)->Commit().ok());
    }

    std::string Path() const { return dir_.path() + "/wt.db"; }

    /// Frames the -wal file has room for (its size on disk; it never shrinks while open).
    std::int64_t WalFileFrames() const {
        std::error_code ec;
        const auto size = static_cast<std::int64_t>(std::filesystem::file_size(Path() + "-wal", ec));
        if (ec || size < kWalHeaderBytes) return 0;
        return (size - kWalHeaderBytes) / (page_size_ + kFrameHeaderBytes);
    }

    /// The -wal header's salt-1, which SQLite increments each time the log starts over (bytes
    /// 16-19, big-endian; the checkpoint sequence number at 12-15 is counted per connection);
    /// -1 when there is no header.
    std::int64_t WalSalt1() const {
        std::ifstream wal(Path() + "-wal", std::ios::binary);
        unsigned char header[20] = {};
        if (!wal.read(reinterpret_cast<char*>(header), sizeof header)) return -1;
        return (std::int64_t{header[16]} << 24) | (header[17] << 16) | (header[18] << 8) | header[19];
    }

    /// Commits transactions of `rows` rows on a thread of its own until `stop`; each one holds
    /// the writer lock at least `hold` (it sleeps after its first row: frames are appended only at
    /// the commit). `writer_error` says why it stopped early.
    std::thread StartWriter(int rows, std::chrono::milliseconds hold, std::atomic<bool>& stop,
                            std::atomic<std::int64_t>& rows_committed, std::string& writer_error) {
        return std::thread([this, rows, hold, &stop, &rows_committed, &writer_error] {
            const std::string body(kBodyBytes, 'w');
            while (!stop.load()) {
                auto tx = db_->Begin(TxMode::kWrite);
                if (!tx) {
                    writer_error = "begin: " + Describe(tx.error());
                    return;
                }
                for (int row_idx = 0; row_idx < rows; ++row_idx) {
                    if (auto inserted = (*tx)->Exec("INSERT INTO payloads (body) VALUES ($1)", {Text(body)});
                        !inserted) {
                        writer_error = "insert: " + Describe(inserted.error());
                        return;
                    }
                    if (row_idx == 0) std::this_thread::sleep_for(hold);
                }
                if (Status committed = (*tx)->Commit(); !committed.ok()) {
                    writer_error = "commit: " + Describe(committed.error());
                    return;
                }
                rows_committed += rows;
            }
        });
    }

    void Write(int commits, int rows_per_commit, char fill = 'x') {
        const std::string body(kBodyBytes, fill);
        for (int commit_idx = 0; commit_idx < commits; ++commit_idx) {
            auto tx = db_->Begin(TxMode::kWrite);
            ASSERT_TRUE(tx.ok()) << Describe(tx.error());
            for (int row_idx = 0; row_idx < rows_per_commit; ++row_idx) {
                ASSERT_TRUE((*tx)->Exec("INSERT INTO payloads (body) VALUES ($1)", {Text(body)}).ok());
            }
            ASSERT_TRUE((*tx)->Commit().ok());
        }
    }

    static std::int64_t Count(Transaction& tx) {
        auto row = tx.QueryOne("SELECT COUNT(*) FROM payloads");
        EXPECT_TRUE(row.ok() && row->has_value());
        return row.ok() && row->has_value() ? (*row)->GetInt(0) : -1;
    }

    std::int64_t Count() {
        auto tx = db_->Begin(TxMode::kRead);
        EXPECT_TRUE(tx.ok());
        return tx.ok() ? Count(**tx) : -1;
    }

    CheckpointResult CheckpointOk() {
        auto result = db_->Checkpoint();
        EXPECT_TRUE(result.ok()) << Describe(result.error());
        return result.ok() ? *result : CheckpointResult{-1, -1};
    }

    TempDir dir_;
    std::unique_ptr<Database> db_;
    std::int64_t page_size_ = 0;
};

TEST_F(SqliteCheckpointTest, BackgroundCheckpointSetsItsPragmasOnEveryConnection) {
    for (const bool background : {true, false}) {
        OpenWith(background);
        const std::string expected = background ? "0" : std::to_string(kSqliteAutocheckpointPages);
        // 256 MiB with the option (sqlite_database.hpp), SQLite's default (no limit) without.
        const std::int64_t expected_limit = background ? std::int64_t{256} << 20 : -1;
        // Pin `conn_idx` connections with read transactions so that each round asks another one.
        for (int conn_idx = 0; conn_idx < 4; ++conn_idx) {
            std::vector<std::unique_ptr<Transaction>> pinned;
            for (int pin_idx = 0; pin_idx < conn_idx; ++pin_idx) {
                auto reader = db_->Begin(TxMode::kRead);
                ASSERT_TRUE(reader.ok()) << Describe(reader.error());
                ASSERT_GE(Count(**reader), 0);
                pinned.push_back(std::move(*reader));
            }
            auto tx = db_->Begin(TxMode::kWrite);
            ASSERT_TRUE(tx.ok()) << Describe(tx.error());
            auto row = (*tx)->QueryOne("PRAGMA wal_autocheckpoint");
            ASSERT_TRUE(row.ok() && row->has_value());
            EXPECT_EQ(std::to_string((*row)->GetInt(0)), expected)
                << "connection " << conn_idx << ", background_checkpoint=" << background;
            auto limit = (*tx)->QueryOne("PRAGMA journal_size_limit");
            ASSERT_TRUE(limit.ok() && limit->has_value());
            EXPECT_EQ((*limit)->GetInt(0), expected_limit)
                << "connection " << conn_idx << ", background_checkpoint=" << background;
        }
        db_->Close();
    }
}

TEST_F(SqliteCheckpointTest, BackgroundCheckpointLetsTheWalGrowPastTheAutocheckpointThreshold) {
    OpenWith(/*background_checkpoint=*/true);
    Write(kLoadCommits, kRowsPerCommit);
    const std::int64_t file_frames = WalFileFrames();
    // No commit checkpointed: every frame written is still in the log.
    EXPECT_GT(file_frames, 1500);
    const CheckpointResult result = CheckpointOk();
    EXPECT_EQ(result.wal_frames, file_frames);
    EXPECT_EQ(result.checkpointed_frames, result.wal_frames);
    EXPECT_EQ(Count(), kLoadCommits * kRowsPerCommit);
}

TEST_F(SqliteCheckpointTest, DefaultOptionsKeepSqlitesAutomaticCheckpoint) {
    // Regression guard: without the option, the same load leaves the WAL near 1000 pages, because
    // a commit checkpointed it and the next one rewound it.
    OpenWith(/*background_checkpoint=*/false);
    Write(kLoadCommits, kRowsPerCommit);
    const std::int64_t file_frames = WalFileFrames();
    EXPECT_GE(file_frames, kSqliteAutocheckpointPages);  // it did reach the threshold once
    EXPECT_LT(file_frames, kSqliteAutocheckpointPages + 100);
    const CheckpointResult result = CheckpointOk();
    EXPECT_LT(result.wal_frames, kSqliteAutocheckpointPages);  // frames since the last rewind
    EXPECT_EQ(result.checkpointed_frames, result.wal_frames);
    EXPECT_EQ(Count(), kLoadCommits * kRowsPerCommit);
}

TEST_F(SqliteCheckpointTest, CheckpointCopiesEverythingAndTheNextWriteRewindsTheWal) {
    OpenWith(/*background_checkpoint=*/true);
    constexpr int kCycles = 10;
    constexpr int kCommitsPerCycle = 10;
    std::int64_t frames_written = 0;
    std::int64_t file_frames_after_first_cycle = 0;
    for (int cycle_idx = 0; cycle_idx < kCycles; ++cycle_idx) {
        Write(kCommitsPerCycle, kRowsPerCommit);
        const CheckpointResult result = CheckpointOk();
        EXPECT_GT(result.wal_frames, 0) << "cycle " << cycle_idx;
        EXPECT_EQ(result.checkpointed_frames, result.wal_frames) << "cycle " << cycle_idx;
        frames_written += result.wal_frames;
        if (cycle_idx == 0) file_frames_after_first_cycle = WalFileFrames();
    }
    // Each cycle wrote from the start of the file again: it holds about one cycle's frames, not
    // ten cycles' (which it would without the checkpoints).
    const std::int64_t file_frames = WalFileFrames();
    EXPECT_GT(file_frames_after_first_cycle, 200);
    EXPECT_LE(file_frames, file_frames_after_first_cycle + file_frames_after_first_cycle / 4);
    EXPECT_GT(frames_written, 5 * file_frames);

    // One small write after a full checkpoint: the log starts over with just its frames.
    Write(/*commits=*/1, /*rows_per_commit=*/1);
    const CheckpointResult small = CheckpointOk();
    EXPECT_GT(small.wal_frames, 0);
    EXPECT_LT(small.wal_frames, 10);
    EXPECT_EQ(small.checkpointed_frames, small.wal_frames);
    EXPECT_EQ(Count(), kCycles * kCommitsPerCycle * kRowsPerCommit + 1);
}

TEST_F(SqliteCheckpointTest, CheckpointNextToAReaderSnapshotIsPartialNotAnError) {
    OpenWith(/*background_checkpoint=*/true);
    Write(/*commits=*/5, kRowsPerCommit, 'a');  // still in the WAL: the reader's snapshot needs it
    const std::int64_t frames_in_snapshot = WalFileFrames();
    ASSERT_GT(frames_in_snapshot, 0);
    auto reader = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(reader.ok()) << Describe(reader.error());
    ASSERT_EQ(Count(**reader), 5 * kRowsPerCommit);  // the snapshot is taken here
    Write(/*commits=*/5, kRowsPerCommit, 'b');

    const CheckpointResult partial = CheckpointOk();
    // The frames up to the reader's snapshot were copied back; the newer ones must wait for it.
    EXPECT_EQ(partial.checkpointed_frames, frames_in_snapshot);
    EXPECT_GT(partial.wal_frames, frames_in_snapshot);
    EXPECT_EQ(Count(**reader), 5 * kRowsPerCommit);
    auto newest = (*reader)->QueryOne("SELECT COUNT(*) FROM payloads WHERE body LIKE 'b%'");
    ASSERT_TRUE(newest.ok() && newest->has_value());
    EXPECT_EQ((*newest)->GetInt(0), 0);
    ASSERT_TRUE((*reader)->Commit().ok());

    const CheckpointResult full = CheckpointOk();
    EXPECT_EQ(full.wal_frames, partial.wal_frames);
    EXPECT_EQ(full.checkpointed_frames, full.wal_frames);
    EXPECT_EQ(Count(), 10 * kRowsPerCommit);
}

TEST_F(SqliteCheckpointTest, CheckpointNextToAReaderOfTheCheckpointedFileIsNotAnError) {
    // A reader that began right after a full checkpoint reads the database file itself, so a
    // checkpoint must not copy anything into it until that reader is done.
    OpenWith(/*background_checkpoint=*/true);
    Write(/*commits=*/5, kRowsPerCommit, 'a');
    const CheckpointResult first = CheckpointOk();
    ASSERT_EQ(first.checkpointed_frames, first.wal_frames);
    auto reader = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(reader.ok()) << Describe(reader.error());
    ASSERT_EQ(Count(**reader), 5 * kRowsPerCommit);
    Write(/*commits=*/5, kRowsPerCommit, 'b');

    const CheckpointResult blocked = CheckpointOk();
    EXPECT_GT(blocked.wal_frames, 0);
    EXPECT_LT(blocked.checkpointed_frames, blocked.wal_frames);
    EXPECT_EQ(Count(**reader), 5 * kRowsPerCommit);
    ASSERT_TRUE((*reader)->Commit().ok());

    const CheckpointResult full = CheckpointOk();
    EXPECT_EQ(full.checkpointed_frames, full.wal_frames);
    EXPECT_EQ(Count(), 10 * kRowsPerCommit);
}

TEST_F(SqliteCheckpointTest, CheckpointRestartsTheWalWhileAWriterNeverPauses) {
    // The ingestion writer's pattern: one thread committing transaction after transaction. A
    // PASSIVE checkpoint alone never catches up with it (the writer appends while it copies), so
    // the log would never start over and the -wal file would grow for as long as the load lasts.
    OpenWith(/*background_checkpoint=*/true);
    constexpr auto kMinDuration = std::chrono::milliseconds(2000);
    constexpr auto kMaxDuration = std::chrono::milliseconds(6000);
    constexpr auto kInterval = std::chrono::milliseconds(100);
    constexpr std::int64_t kMinRestarts = 4;
    // Enough frames that a log which never restarts is far past the threshold.
    constexpr std::int64_t kMinFramesWritten = 6 * kWalRestartFrames;

    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> rows_committed{0};
    std::string writer_error;  // written by the writer thread, read after join
    std::thread writer = StartWriter(kRowsPerCommit, std::chrono::milliseconds(0), stop, rows_committed, writer_error);

    // Facts on disk rather than what Checkpoint() reports: how often the log started over (the
    // -wal header's salt-1), the -wal file's size, and at least how many
    // frames the writer appended (every row is written into some page at least once).
    const std::int64_t rows_per_page = std::max<std::int64_t>(1, page_size_ / static_cast<std::int64_t>(kBodyBytes));
    const auto frames_written = [&] { return rows_committed.load() / rows_per_page; };
    const std::int64_t first_salt = WalSalt1();
    ASSERT_GE(first_salt, 0);
    std::int64_t restarts = 0;
    std::int64_t max_file_frames = 0;
    std::int64_t locked_passes = 0;
    std::int64_t max_pause_micros = 0;
    const auto start = std::chrono::steady_clock::now();
    while (writer_error.empty()) {
        std::this_thread::sleep_for(kInterval);
        const CheckpointResult result = CheckpointOk();
        if (result.writer_pause_micros >= 0) ++locked_passes;
        max_pause_micros = std::max(max_pause_micros, result.writer_pause_micros);
        max_file_frames = std::max(max_file_frames, WalFileFrames());
        restarts = (WalSalt1() - first_salt) & 0xffffffff;  // it may wrap
        const auto elapsed = std::chrono::steady_clock::now() - start;
        if (elapsed >= kMaxDuration ||
            (elapsed >= kMinDuration && restarts >= kMinRestarts && frames_written() >= kMinFramesWritten)) {
            break;
        }
    }
    stop = true;
    writer.join();
    ASSERT_TRUE(writer_error.empty()) << writer_error;
    if (frames_written() < kMinFramesWritten) {
        GTEST_SKIP() << "the writer appended only " << frames_written() << " frames: too slow a disk for this test";
    }

    EXPECT_GE(restarts, kMinRestarts) << frames_written() << " frames written";
    EXPECT_GE(locked_passes, 1);
    // A pause of the writer, not a stall (about one fsync: see sqlite_database.hpp).
    EXPECT_LT(max_pause_micros, 1'000'000);
    RecordProperty("max_writer_pause_micros", std::to_string(max_pause_micros));
    // The file was reused from its start: it holds what was written between two restarts, not
    // everything written.
    EXPECT_LE(max_file_frames, frames_written() / 2) << restarts << " restarts";
    EXPECT_EQ(Count(), rows_committed.load());
}

TEST_F(SqliteCheckpointTest, CheckpointRestartsTheWalBetweenLongWriteTransactions) {
    // The ingestion writer under batch load: each transaction applies a whole group before its
    // commit appends anything, so two passes in a row can find the log unchanged while a
    // transaction that began before them is still open; it then appends to the log instead of
    // starting it over. Every Checkpoint() that finds a long log must still get it restarted.
    OpenWith(/*background_checkpoint=*/true);
    constexpr int kRows = 400;  // about 200 frames per commit
    constexpr auto kHold = std::chrono::milliseconds(25);
    constexpr int kCheckpoints = 6;
    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> rows_committed{0};
    std::string writer_error;
    std::thread writer = StartWriter(kRows, kHold, stop, rows_committed, writer_error);

    int long_logs = 0;
    int not_restarted = 0;
    std::int64_t salt = WalSalt1();
    for (int checkpoint_idx = 0; checkpoint_idx < kCheckpoints && writer_error.empty();) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const CheckpointResult result = CheckpointOk();
        if (result.wal_frames < kWalRestartFrames) continue;
        ++checkpoint_idx;
        ++long_logs;
        // The writer's next commit (at most two transactions later) starts the log over.
        std::this_thread::sleep_for(4 * kHold);
        const std::int64_t salt_now = WalSalt1();
        if (salt_now == salt) ++not_restarted;
        salt = salt_now;
    }
    stop = true;
    writer.join();
    ASSERT_TRUE(writer_error.empty()) << writer_error;
    EXPECT_EQ(long_logs, kCheckpoints);
    EXPECT_LE(not_restarted, 1) << "of " << long_logs << " checkpoints of a long log";
    EXPECT_EQ(Count(), rows_committed.load());
}

TEST_F(SqliteCheckpointTest, LongLogBehindAReaderSnapshotIsLeftWithoutPausingWriters) {
    // Past the threshold, but a reader's snapshot holds frames back: a pass under the writer lock
    // could not copy them either, so Checkpoint() must not take it.
    OpenWith(/*background_checkpoint=*/true);
    Write(/*commits=*/5, kRowsPerCommit, 'a');
    auto reader = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(reader.ok()) << Describe(reader.error());
    ASSERT_EQ(Count(**reader), 5 * kRowsPerCommit);  // the snapshot is taken here
    const std::int64_t frames_in_snapshot = WalFileFrames();
    // Two rows per page: enough commits to take the log past the threshold.
    const int commits = static_cast<int>(kWalRestartFrames * 2 / kRowsPerCommit) + 10;
    Write(commits, kRowsPerCommit, 'b');
    ASSERT_GE(WalFileFrames(), kWalRestartFrames);

    const CheckpointResult held = CheckpointOk();
    EXPECT_EQ(held.checkpointed_frames, frames_in_snapshot);
    EXPECT_GE(held.wal_frames, kWalRestartFrames);
    EXPECT_EQ(held.writer_pause_micros, -1);
    ASSERT_TRUE((*reader)->Commit().ok());

    const CheckpointResult full = CheckpointOk();
    EXPECT_EQ(full.checkpointed_frames, full.wal_frames);
    const std::int64_t salt = WalSalt1();
    Write(/*commits=*/1, /*rows_per_commit=*/1);
    EXPECT_NE(WalSalt1(), salt) << "the log did not start over";
    EXPECT_EQ(Count(), (5 + commits) * kRowsPerCommit + 1);
}

/// Holds the writer lock of a pool on a thread of its own, from construction (which returns once
/// it is held) until `Release()`.
class WriterHolder {
  public:
    explicit WriterHolder(ConnectionPool& pool)
        : thread_([this, &pool] {
              const bool ok = pool.LockWriter().ok();
              EXPECT_TRUE(ok);
              locked_ = true;
              while (!release_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
              if (ok) pool.UnlockWriter();
          }) {
        while (!locked_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~WriterHolder() { Release(); }
    WriterHolder(const WriterHolder&) = delete;
    WriterHolder& operator=(const WriterHolder&) = delete;

    void Release() {
        release_ = true;
        if (thread_.joinable()) thread_.join();
    }

  private:
    std::atomic<bool> locked_{false};
    std::atomic<bool> release_{false};
    std::thread thread_;  // declared last: started once the flags exist
};

TEST_F(SqliteCheckpointTest, LockWriterFirstGoesAheadOfWaitingWriters) {
    // A writer that commits back to back takes the lock again before a plain waiter runs, and
    // several queued writers would each come before it with some luck: Checkpoint()'s locked
    // pass relies on LockWriterFirst being served at the holder's next release.
    ConnectionPool pool(Path(), OpenOptions{});
    WriterHolder holder(pool);

    std::atomic<int> next_turn{0};
    std::atomic<int> first_turn{-1};
    std::thread first([&] {
        if (pool.LockWriterFirst(std::chrono::milliseconds(5000))) {
            first_turn = next_turn++;
            pool.UnlockWriter();
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // `first` is waiting by now
    constexpr int kWriters = 4;
    std::vector<std::thread> writers;
    for (int writer_idx = 0; writer_idx < kWriters; ++writer_idx) {
        writers.emplace_back([&] {
            if (pool.LockWriter().ok()) {
                ++next_turn;
                pool.UnlockWriter();
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // and so are the writers
    holder.Release();
    first.join();
    for (std::thread& writer : writers) writer.join();
    EXPECT_EQ(first_turn, 0);
    EXPECT_EQ(next_turn, kWriters + 1);  // and every writer went after it
}

TEST_F(SqliteCheckpointTest, LockWriterFirstGivesUpAfterItsWaitAndLetsWritersThrough) {
    ConnectionPool pool(Path(), OpenOptions{});
    WriterHolder holder(pool);

    std::atomic<bool> writer_locked{false};
    std::thread writer([&] {
        if (pool.LockWriter().ok()) {
            writer_locked = true;
            pool.UnlockWriter();
        }
    });
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(pool.LockWriterFirst(std::chrono::milliseconds(100)));
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
    holder.Release();
    writer.join();
    EXPECT_TRUE(writer_locked);  // it gave way to LockWriterFirst only while that waited

    // And on the thread that holds the lock it refuses at once instead of deadlocking.
    ASSERT_TRUE(pool.LockWriter().ok());
    EXPECT_FALSE(pool.LockWriterFirst(std::chrono::milliseconds(5000)));
    pool.UnlockWriter();
    EXPECT_TRUE(pool.LockWriterFirst(std::chrono::milliseconds(0)));
    pool.UnlockWriter();
}

TEST_F(SqliteCheckpointTest, DataSurviveReopenAndCheckpointAfterCloseIsUnavailable) {
    OpenWith(/*background_checkpoint=*/true);
    Write(/*commits=*/5, kRowsPerCommit, 'a');
    const CheckpointResult first = CheckpointOk();
    EXPECT_EQ(first.checkpointed_frames, first.wal_frames);
    Write(/*commits=*/5, kRowsPerCommit, 'b');
    CheckpointOk();
    Write(/*commits=*/5, kRowsPerCommit, 'c');  // left in the WAL
    db_->Close();

    auto after_close = db_->Checkpoint();
    ASSERT_FALSE(after_close.ok());
    EXPECT_EQ(after_close.error().code, ErrorCode::kUnavailable);

    for (const bool background : {true, false}) {
        OpenWith(background);
        auto tx = db_->Begin(TxMode::kRead);
        ASSERT_TRUE(tx.ok()) << Describe(tx.error());
        auto rows =
            (*tx)->Query("SELECT substr(body, 1, 1), COUNT(*), MIN(length(body)) FROM payloads GROUP BY 1 ORDER BY 1");
        ASSERT_TRUE(rows.ok()) << Describe(rows.error());
        ASSERT_EQ(rows->size(), 3u);
        for (std::size_t fill_idx = 0; fill_idx < 3; ++fill_idx) {
            EXPECT_EQ((*rows)[fill_idx].GetText(0), std::string(1, static_cast<char>('a' + fill_idx)));
            EXPECT_EQ((*rows)[fill_idx].GetInt(1), 5 * kRowsPerCommit);
            EXPECT_EQ((*rows)[fill_idx].GetInt(2), static_cast<std::int64_t>(kBodyBytes));
        }
        tx->reset();
        db_->Close();
    }
}

}  // namespace
}  // namespace wt::storage::sqlite
