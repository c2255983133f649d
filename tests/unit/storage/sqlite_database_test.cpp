// SPDX-License-Identifier: Apache-2.0
// What only the SQLite backend has: URL forms, PRAGMAs, the pool, the statement cache, the $N
// rewrite itself, SQLite types beyond the shared ones, and busy / locked files.
#include "storage/sqlite/sqlite_database.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "test_backends.hpp"

namespace wt::storage::sqlite {
namespace {

using storage::testing::TempDir;

std::string Describe(const Error& error) {
    return std::string(ErrorCodeName(error.code)) + ": " + error.detail + " / " + error.internal;
}

OpenOptions FastOptions(int pool_size = 2, int busy_timeout_ms = 200) {
    OpenOptions options;
    options.pool_size = pool_size;
    options.busy_timeout_ms = busy_timeout_ms;
    return options;
}

// ---- $N rewrite -------------------------------------------------------------------------------

TEST(RewriteParametersTest, RewritesDollarNToQuestionN) {
    auto rewritten = RewriteParameters("SELECT a FROM t WHERE b = $1 AND c IN ($2, $10, $3, $4, $5, $6, $7, $8, $9)");
    ASSERT_TRUE(rewritten.ok());
    EXPECT_EQ(rewritten->text, "SELECT a FROM t WHERE b = ?1 AND c IN (?2, ?10, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    EXPECT_EQ(rewritten->param_count, 10);
}

TEST(RewriteParametersTest, LeavesLiteralsIdentifiersAndCommentsAlone) {
    const std::string sql =
        "SELECT '$1', 'it''s $2', \"col$3\", $1 -- $4 '\n"
        ", /* $5 ' \" */ $1 || '$' || $2 /*/ $6 */";
    auto rewritten = RewriteParameters(sql);
    ASSERT_TRUE(rewritten.ok()) << Describe(rewritten.error());
    EXPECT_EQ(rewritten->text,
              "SELECT '$1', 'it''s $2', \"col$3\", ?1 -- $4 '\n"
              ", /* $5 ' \" */ ?1 || '$' || ?2 /*/ $6 */");
    EXPECT_EQ(rewritten->param_count, 2);
}

TEST(RewriteParametersTest, NoParameters) {
    auto rewritten = RewriteParameters("SELECT price$ FROM t WHERE x = '$'");
    ASSERT_TRUE(rewritten.ok());
    EXPECT_EQ(rewritten->text, "SELECT price$ FROM t WHERE x = '$'");
    EXPECT_EQ(rewritten->param_count, 0);
}

TEST(RewriteParametersTest, RefusesZeroGapsAndHugeIndexes) {
    for (const char* sql : {"SELECT $0", "SELECT $1, $3", "SELECT $99999999999999999999", "SELECT $32767"}) {
        auto rewritten = RewriteParameters(sql);
        ASSERT_FALSE(rewritten.ok()) << sql;
        EXPECT_EQ(rewritten.error().code, ErrorCode::kInternal);
    }
}

// ---- Open: URL forms and refusals ---------------------------------------------------------------

TEST(SqliteOpenTest, AcceptsAbsoluteRelativeAndBareForms) {
    TempDir dir;
    const std::string absolute = dir.path() + "/abs.db";
    const std::string relative =
        std::filesystem::relative(dir.path() + "/rel.db", std::filesystem::current_path()).string();
    ASSERT_NE(relative.front(), '/');
    for (const std::string& url : {"sqlite://" + absolute, "sqlite://" + relative, dir.path() + "/bare.db",
                                   std::string("SQLite://") + dir.path() + "/upper.db"}) {
        auto db = Open(url, FastOptions());
        ASSERT_TRUE(db.ok()) << url << ": " << Describe(db.error());
        EXPECT_EQ((*db)->dialect().kind, Dialect::Kind::kSqlite);
        EXPECT_TRUE((*db)->Ping().ok()) << url;
    }
    EXPECT_TRUE(std::filesystem::exists(absolute));
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/rel.db"));
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/bare.db"));
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/upper.db"));
}

TEST(SqliteOpenTest, UnknownSchemesAreValidationFailuresNamingTheScheme) {
    for (const char* url : {"postgres://watchtower:s3cret@db.internal/wt", "mysql://root@localhost/wt",
                            "postgresql://x", "http://example.com/db"}) {
        auto db = Open(url);
        ASSERT_FALSE(db.ok()) << url;
        EXPECT_EQ(db.error().code, ErrorCode::kValidationFailed) << url;
        const std::string scheme(std::string_view(url).substr(0, std::string_view(url).find("://")));
        EXPECT_NE(db.error().detail.find("'" + scheme + "'"), std::string::npos) << db.error().detail;
        EXPECT_EQ(db.error().detail.find("s3cret"), std::string::npos) << db.error().detail;
    }
    for (const char* url : {"", "sqlite://", ":memory:", "sqlite://:memory:", "sqlite:///tmp/x.db?mode=ro"}) {
        auto db = Open(url);
        ASSERT_FALSE(db.ok()) << url;
        EXPECT_EQ(db.error().code, ErrorCode::kValidationFailed) << url;
    }
}

TEST(SqliteOpenTest, MissingDirectoryIsUnavailableAndNotCreated) {
    TempDir dir;
    const std::string missing = dir.path() + "/no/such/dir";
    auto db = Open("sqlite://" + missing + "/wt.db");
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(db.error().detail.find("does not exist"), std::string::npos) << db.error().detail;
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/no"));
}

TEST(SqliteOpenTest, RefusesBadOptions) {
    TempDir dir;
    OpenOptions no_pool;
    no_pool.pool_size = 0;
    EXPECT_EQ(Open(dir.path() + "/wt.db", no_pool).error().code, ErrorCode::kValidationFailed);
}

TEST(SqliteOpenTest, FileThatIsNotADatabaseFailsAtOpen) {
    TempDir dir;
    const std::string path = dir.path() + "/junk.db";
    {
        std::FILE* file = std::fopen(path.c_str(), "w");
        ASSERT_NE(file, nullptr);
        for (int line_idx = 0; line_idx < 100; ++line_idx) std::fputs("this is not an sqlite database\n", file);
        std::fclose(file);
    }
    auto db = Open(path);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.error().code, ErrorCode::kInternal) << Describe(db.error());  // SQLITE_NOTADB
}

TEST(SqliteOpenTest, UnmigratedDatabaseIsNotReadyUntilMigrated) {
    TempDir dir;
    OpenOptions options = FastOptions();
    options.migrate = false;
    auto db = Open(dir.path() + "/wt.db", options);
    ASSERT_TRUE(db.ok()) << Describe(db.error());
    auto version = (*db)->SchemaVersion();
    ASSERT_TRUE(version.ok()) << Describe(version.error());
    EXPECT_EQ(*version, 0);
    auto ping = (*db)->Ping();
    ASSERT_FALSE(ping.ok());
    EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable);
    auto applied = (*db)->Migrate();
    ASSERT_TRUE(applied.ok()) << Describe(applied.error());
    EXPECT_EQ(*applied, static_cast<int>(AllMigrations().size()));
    EXPECT_TRUE((*db)->Ping().ok());
}

TEST(SqliteOpenTest, ConcurrentMigratorsApplyEachMigrationOnce) {
    // Separate Database handles have separate in-process writer locks, so only BEGIN IMMEDIATE
    // and the re-read of the version under it keep them apart (as for two processes).
    TempDir dir;
    const std::string path = dir.path() + "/wt.db";
    constexpr int kMigrators = 4;
    std::vector<int> applied(kMigrators, -1);
    std::vector<std::string> errors(kMigrators);
    std::vector<std::thread> threads;
    for (int migrator_idx = 0; migrator_idx < kMigrators; ++migrator_idx) {
        threads.emplace_back([&, migrator_idx] {
            OpenOptions options = FastOptions(/*pool_size=*/2, /*busy_timeout_ms=*/20000);
            options.migrate = false;
            auto db = Open(path, options);
            if (!db.ok()) {
                errors[migrator_idx] = Describe(db.error());
                return;
            }
            auto count = (*db)->Migrate();
            if (!count.ok()) {
                errors[migrator_idx] = Describe(count.error());
                return;
            }
            applied[migrator_idx] = *count;
        });
    }
    for (auto& thread : threads) thread.join();
    int total = 0;
    for (int migrator_idx = 0; migrator_idx < kMigrators; ++migrator_idx) {
        EXPECT_EQ(errors[migrator_idx], "");
        EXPECT_GE(applied[migrator_idx], 0);
        total += applied[migrator_idx];
    }
    EXPECT_EQ(total, static_cast<int>(AllMigrations().size()));
    auto db = Open(path, FastOptions());
    ASSERT_TRUE(db.ok()) << Describe(db.error());
    auto tx = (*db)->Begin(TxMode::kRead);
    ASSERT_TRUE(tx.ok());
    auto rows = (*tx)->Query("SELECT version FROM schema_migrations");
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(rows->size(), AllMigrations().size());
}

// ---- Connections ---------------------------------------------------------------------------------

class SqliteDatabaseTest : public ::testing::Test {
  protected:
    void OpenWith(const OpenOptions& options) {
        auto db = Open("sqlite://" + dir_.path() + "/wt.db", options);
        ASSERT_TRUE(db.ok()) << Describe(db.error());
        db_ = std::move(*db);
    }
    std::string Path() const { return dir_.path() + "/wt.db"; }

    TempDir dir_;
    std::unique_ptr<Database> db_;
};

TEST_F(SqliteDatabaseTest, EveryConnectionGetsThePragmas) {
    OpenWith(FastOptions(/*pool_size=*/3, /*busy_timeout_ms=*/4321));
    // Reading a PRAGMA counts as a write for sqlite3_stmt_readonly, so ask in a write transaction,
    // and pin `conn_idx` other connections with read transactions so that each round asks a
    // different connection.
    for (int conn_idx = 0; conn_idx < 3; ++conn_idx) {
        std::vector<std::unique_ptr<Transaction>> pinned;
        for (int pin_idx = 0; pin_idx < conn_idx; ++pin_idx) {
            auto reader = db_->Begin(TxMode::kRead);
            ASSERT_TRUE(reader.ok()) << Describe(reader.error());
            pinned.push_back(std::move(*reader));
        }
        auto tx = db_->Begin(TxMode::kWrite);
        ASSERT_TRUE(tx.ok()) << Describe(tx.error());
        for (const auto& [pragma, expected] :
             std::vector<std::pair<std::string, std::string>>{{"PRAGMA journal_mode", "wal"},
                                                              {"PRAGMA synchronous", "2"},  // FULL
                                                              {"PRAGMA foreign_keys", "1"},
                                                              {"PRAGMA busy_timeout", "4321"}}) {
            auto row = (*tx)->QueryOne(pragma);
            ASSERT_TRUE(row.ok()) << pragma << ": " << Describe(row.error());
            ASSERT_TRUE(row->has_value()) << pragma;
            const Value& value = (*row)->at(0);
            const std::string text = std::holds_alternative<std::int64_t>(value)
                                         ? std::to_string(std::get<std::int64_t>(value))
                                         : std::get<std::string>(value);
            EXPECT_EQ(text, expected) << pragma << " on connection " << conn_idx;
        }
        ASSERT_TRUE((*tx)->Commit().ok());
    }
}

// The WAL-write-coalescing VFS (wal_write_vfs.hpp) gathers a commit's frames and writes them in
// chunks: a commit of several MiB (past the 1 MiB flush and the unix VFS's 128 KiB write limit),
// rows read back by another connection while the writer keeps its buffer, a checkpoint, and the
// file reopened all see exactly what was committed.
TEST_F(SqliteDatabaseTest, LargeCommitsThroughTheWalWriteBufferReadBackExactly) {
    OpenWith(FastOptions(/*pool_size=*/3));
    {
        auto tx = db_->Begin(TxMode::kWrite);
        ASSERT_TRUE(tx.ok());
        ASSERT_TRUE((*tx)->Exec("CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").ok());
        ASSERT_TRUE((*tx)->Commit().ok());
    }
    const std::string body(3000, 'w');
    for (int round = 0; round < 3; ++round) {
        auto tx = db_->Begin(TxMode::kWrite);
        ASSERT_TRUE(tx.ok());
        for (int row_idx = 0; row_idx < 1500; ++row_idx)
            ASSERT_TRUE((*tx)->Exec("INSERT INTO big (body) VALUES ($1)", {Text(body + std::to_string(row_idx))}).ok());
        // Uncommitted: another connection sees only the earlier rounds.
        auto reader = db_->Begin(TxMode::kRead);
        ASSERT_TRUE(reader.ok());
        auto before = (*reader)->QueryOne("SELECT COUNT(*) FROM big");
        ASSERT_TRUE(before.ok() && before->has_value());
        EXPECT_EQ((*before)->GetInt(0), round * 1500);
        reader->reset();
        ASSERT_TRUE((*tx)->Commit().ok());
        if (round == 1) {
            ASSERT_TRUE(db_->Checkpoint().ok());
        }
    }
    db_->Close();
    OpenWith(FastOptions());
    auto tx = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(tx.ok());
    auto row = (*tx)->QueryOne("SELECT COUNT(*), SUM(length(body)), MAX(body) FROM big");
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ((*row)->GetInt(0), 4500);
    EXPECT_EQ((*row)->GetInt(1), 3 * (1500 * 3000 + 10 * 1 + 90 * 2 + 900 * 3 + 500 * 4));
    EXPECT_EQ((*row)->GetText(2), body + "999");
}

TEST_F(SqliteDatabaseTest, SqliteSpecificValues) {
    OpenWith(FastOptions());
    auto tx = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(tx.ok());
    auto row = (*tx)->QueryOne("SELECT 1.5, x'00ff41', $1, length($1)", {Text(std::string("a\0b", 3))});
    ASSERT_TRUE(row.ok()) << Describe(row.error());
    ASSERT_TRUE(row->has_value());
    EXPECT_EQ((*row)->GetText(0), "1.5");  // REAL as its text, never truncated to an integer
    EXPECT_EQ((*row)->GetText(1), std::string("\0\xff"
                                              "A",
                                              3));          // BLOB as bytes
    EXPECT_EQ((*row)->GetText(2), std::string("a\0b", 3));  // embedded NUL survives
}

TEST_F(SqliteDatabaseTest, RefusesOtherParameterStylesAndSeveralStatements) {
    OpenWith(FastOptions());
    for (const char* sql : {"SELECT ?", "SELECT $1, ?", "SELECT :name", "SELECT $1, @x", "SELECT $abc",
                            "SELECT 1; SELECT 2", "SELECT nonsense FROM nowhere", ""}) {
        auto tx = db_->Begin(TxMode::kRead);
        ASSERT_TRUE(tx.ok());
        auto rows = (*tx)->Query(sql, {Int(1)});
        ASSERT_FALSE(rows.ok()) << sql;
        EXPECT_EQ(rows.error().code, ErrorCode::kInternal) << sql;
        EXPECT_EQ(rows.error().detail, "internal error") << sql;
    }
    // Trailing semicolons and whitespace are fine.
    auto tx = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(tx.ok());
    EXPECT_TRUE((*tx)->Query("SELECT $1;  \n", {Int(1)}).ok());
}

TEST_F(SqliteDatabaseTest, StatementsEndingTheTransactionAreRefused) {
    OpenWith(FastOptions());
    auto tx = db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    auto commit = (*tx)->Exec("COMMIT");
    ASSERT_FALSE(commit.ok());
    EXPECT_EQ(commit.error().code, ErrorCode::kInternal);
}

TEST_F(SqliteDatabaseTest, StatementCacheEvictionKeepsResultsRight) {
    OpenWith(FastOptions(/*pool_size=*/1));
    auto tx = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(tx.ok());
    // 600 distinct texts through one connection: well past the 256-entry cache, twice over.
    for (int round_idx = 0; round_idx < 2; ++round_idx) {
        for (int sql_idx = 0; sql_idx < 300; ++sql_idx) {
            const std::string sql = "SELECT $1 + " + std::to_string(sql_idx);
            auto row = (*tx)->QueryOne(sql, {Int(round_idx * 1000)});
            ASSERT_TRUE(row.ok()) << Describe(row.error());
            ASSERT_EQ((*row)->GetInt(0), round_idx * 1000 + sql_idx);
        }
    }
}

TEST_F(SqliteDatabaseTest, ExhaustedPoolTimesOutAsUnavailableAndRecovers) {
    OpenWith(FastOptions(/*pool_size=*/2, /*busy_timeout_ms=*/200));
    auto first = db_->Begin(TxMode::kRead);
    auto second = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(first.ok() && second.ok());
    const auto start = std::chrono::steady_clock::now();
    auto third = db_->Begin(TxMode::kRead);
    const auto waited = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error().code, ErrorCode::kUnavailable);
    EXPECT_GE(waited, std::chrono::milliseconds(150));
    EXPECT_LT(waited, std::chrono::seconds(5));

    // A waiter gets the connection given back meanwhile.
    std::thread releaser([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        first->reset();
    });
    auto fourth = db_->Begin(TxMode::kRead);
    releaser.join();
    EXPECT_TRUE(fourth.ok());
}

TEST_F(SqliteDatabaseTest, NestedWriteTransactionOnOneThreadIsRefusedNotDeadlocked) {
    OpenWith(FastOptions(/*pool_size=*/2, /*busy_timeout_ms=*/5000));
    auto outer = db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(outer.ok());
    const auto start = std::chrono::steady_clock::now();
    auto inner = db_->Begin(TxMode::kWrite);
    ASSERT_FALSE(inner.ok());
    EXPECT_EQ(inner.error().code, ErrorCode::kInternal);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    ASSERT_TRUE((*outer)->Commit().ok());
    EXPECT_TRUE(db_->Begin(TxMode::kWrite).ok());  // the lock was given back
}

TEST_F(SqliteDatabaseTest, WriterInAnotherProcessMakesBeginUnavailableAfterTheBusyTimeout) {
    OpenWith(FastOptions(/*pool_size=*/2, /*busy_timeout_ms=*/300));
    db_->Close();  // no SQLite connection may cross fork()
    int ready[2];
    int release[2];
    ASSERT_EQ(pipe(ready), 0);
    ASSERT_EQ(pipe(release), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        alarm(30);
        auto db = Open(Path(), FastOptions());
        if (!db.ok()) _exit(2);
        auto tx = (*db)->Begin(TxMode::kWrite);  // holds the file's write lock
        if (!tx.ok()) _exit(3);
        char byte = 'r';
        if (write(ready[1], &byte, 1) != 1) _exit(4);
        if (read(release[0], &byte, 1) != 1) _exit(5);
        if (!(*tx)->Commit().ok()) _exit(6);
        _exit(0);
    }
    char byte = 0;
    ASSERT_EQ(read(ready[0], &byte, 1), 1);
    OpenOptions options = FastOptions(/*pool_size=*/2, /*busy_timeout_ms=*/300);
    options.migrate = false;
    auto db = Open(Path(), options);
    ASSERT_TRUE(db.ok()) << Describe(db.error());
    db_ = std::move(*db);

    auto writer = db_->Begin(TxMode::kWrite);
    ASSERT_FALSE(writer.ok());
    EXPECT_EQ(writer.error().code, ErrorCode::kUnavailable) << Describe(writer.error());
    EXPECT_NE(writer.error().internal.find("database is locked"), std::string::npos) << writer.error().internal;
    EXPECT_TRUE(db_->Begin(TxMode::kRead).ok());  // WAL: readers are not blocked by the writer

    ASSERT_EQ(write(release[1], &byte, 1), 1);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_TRUE(db_->Begin(TxMode::kWrite).ok());
    for (int fd : {ready[0], ready[1], release[0], release[1]}) close(fd);
}

}  // namespace
}  // namespace wt::storage::sqlite
