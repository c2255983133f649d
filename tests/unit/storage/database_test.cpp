// SPDX-License-Identifier: Apache-2.0
// The shared storage test body: every TEST_P runs against each backend of AllBackends(), so it
// uses only portable SQL (BIGINT / TEXT / NULL, $N parameters) and the public interface.
#include "storage/database.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "storage/migrations.hpp"
#include "test_backends.hpp"

namespace wt::storage {
namespace {

using testing::AllBackends;
using testing::BackendFactory;
using testing::TestDatabase;

OpenOptions TestOptions() {
    OpenOptions options;
    options.busy_timeout_ms = 20000;  // generous: a slow CI disk must not turn contention into failures
    options.pool_size = 4;
    return options;
}

int NewestVersion() { return AllMigrations().back().version; }

std::string Describe(const Error& error) {
    return std::string(ErrorCodeName(error.code)) + ": " + error.detail + " / " + error.internal;
}

/// One read-modify-write increment, computed in the client so that a lost update shows.
Status IncrementCounter(Database& db) {
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(TxMode::kWrite));
    WT_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT value FROM counters WHERE name = $1", {Text("hits")}));
    if (!row) return Error::Internal("counter row missing");
    WT_ASSIGN_OR_RETURN(const std::int64_t changed, tx->Exec("UPDATE counters SET value = $1 WHERE name = $2",
                                                             {Int(row->GetInt(0) + 1), Text("hits")}));
    if (changed != 1) return Error::Internal("update changed " + std::to_string(changed) + " rows");
    return tx->Commit();
}

}  // namespace
}  // namespace wt::storage

namespace wt::storage::testing {
// gtest prints failing parameters with this instead of a hex dump.
void PrintTo(const BackendFactory& factory, std::ostream* out) { *out << factory.name; }
}  // namespace wt::storage::testing

namespace wt::storage {
namespace {

class StorageTest : public ::testing::TestWithParam<BackendFactory> {
  protected:
    void SetUp() override {
        backend_ = GetParam().make();
        auto db = Open(backend_->Url(), TestOptions());
        ASSERT_TRUE(db.ok()) << Describe(db.error());
        db_ = std::move(*db);
    }
    void TearDown() override {
        if (db_) db_->Close();
    }

    /// Runs `sql` in its own write transaction and commits.
    void ExecCommitted(std::string_view sql, std::vector<Value> params = {}) {
        auto tx = db_->Begin(TxMode::kWrite);
        ASSERT_TRUE(tx.ok()) << Describe(tx.error());
        auto changed = (*tx)->Exec(sql, params);
        ASSERT_TRUE(changed.ok()) << Describe(changed.error());
        auto committed = (*tx)->Commit();
        ASSERT_TRUE(committed.ok()) << Describe(committed.error());
    }

    /// The rows of `sql` from a fresh read transaction.
    Rows ReadRows(std::string_view sql, std::vector<Value> params = {}) {
        auto tx = db_->Begin(TxMode::kRead);
        EXPECT_TRUE(tx.ok()) << Describe(tx.error());
        if (!tx.ok()) return {};
        auto rows = (*tx)->Query(sql, params);
        EXPECT_TRUE(rows.ok()) << Describe(rows.error());
        return rows.ok() ? std::move(*rows) : Rows{};
    }

    std::int64_t CountRows(std::string_view table) {
        Rows rows = ReadRows("SELECT COUNT(*) FROM " + std::string(table));
        return rows.empty() ? -1 : rows[0].GetInt(0);
    }

    void CreateCounter() {
        ExecCommitted("CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)");
        ExecCommitted("INSERT INTO counters (name, value) VALUES ($1, 0)", {Text("hits")});
    }

    std::int64_t CounterValue() {
        Rows rows = ReadRows("SELECT value FROM counters WHERE name = $1", {Text("hits")});
        return rows.empty() ? -1 : rows[0].GetInt(0);
    }

    void InsertOrganization(const std::string& id) {
        ExecCommitted("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, $2, '{}', $3)",
                      {Text(id), Text("Org " + id), Int(1'700'000'000'000'000)});
    }

    std::unique_ptr<TestDatabase> backend_;
    std::unique_ptr<Database> db_;
};

TEST_P(StorageTest, OpenAppliesAllMigrationsAndMigrateAgainIsANoOp) {
    auto version = db_->SchemaVersion();
    ASSERT_TRUE(version.ok()) << Describe(version.error());
    EXPECT_EQ(*version, NewestVersion());

    Rows applied = ReadRows("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
    ASSERT_EQ(applied.size(), AllMigrations().size());
    EXPECT_EQ(applied[0].GetInt(0), 1);
    EXPECT_EQ(applied[0].GetText(1), AllMigrations()[0].name);
    EXPECT_GT(applied[0].GetInt(2), 0);

    auto again = db_->Migrate();
    ASSERT_TRUE(again.ok()) << Describe(again.error());
    EXPECT_EQ(*again, 0);

    // A second handle on the same database (another server or CLI process) finds nothing to do.
    auto second = Open(backend_->Url(), TestOptions());
    ASSERT_TRUE(second.ok()) << Describe(second.error());
    auto from_second = (*second)->Migrate();
    ASSERT_TRUE(from_second.ok()) << Describe(from_second.error());
    EXPECT_EQ(*from_second, 0);
    (*second)->Close();

    EXPECT_EQ(CountRows("schema_migrations"), static_cast<std::int64_t>(AllMigrations().size()));
    EXPECT_EQ(CountRows("organizations"), 0);
    EXPECT_TRUE(db_->Ping().ok());
}

TEST_P(StorageTest, StoresAndReadsBackEveryValueType) {
    ExecCommitted("CREATE TABLE vals (id BIGINT PRIMARY KEY, i BIGINT, t TEXT)");
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    const std::string utf8 = "Zürich \xE2\x82\xAC 100 \xF0\x9F\x92\xB8";
    ExecCommitted("INSERT INTO vals (id, i, t) VALUES ($1, $2, $3)", {Int(1), Int(kMin), Text("")});
    ExecCommitted("INSERT INTO vals (id, i, t) VALUES ($1, $2, $3)", {Int(2), Int(kMax), Text(utf8)});
    ExecCommitted("INSERT INTO vals (id, i, t) VALUES ($1, $2, $3)", {Int(3), Null(), Null()});
    ExecCommitted("INSERT INTO vals (id, i, t) VALUES ($1, $2, $3)",
                  {Int(4), OptInt(std::nullopt), OptText(std::string("x'); DROP TABLE vals; --"))});

    Rows rows = ReadRows("SELECT id, i, t FROM vals ORDER BY id");
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].size(), 3u);
    EXPECT_EQ(rows[0].GetInt(1), kMin);
    EXPECT_FALSE(rows[0].IsNull(2));
    EXPECT_EQ(rows[0].GetText(2), "");
    EXPECT_EQ(rows[1].GetInt(1), kMax);
    EXPECT_EQ(rows[1].GetText(2), utf8);
    EXPECT_TRUE(rows[2].IsNull(1));
    EXPECT_TRUE(rows[2].IsNull(2));
    EXPECT_EQ(rows[2].GetOptInt(1), std::nullopt);
    EXPECT_EQ(rows[2].GetOptText(2), std::nullopt);
    EXPECT_EQ(rows[2].GetInt(1), 0);
    EXPECT_EQ(rows[2].GetText(2), "");
    EXPECT_TRUE(std::holds_alternative<std::monostate>(rows[2].at(1)));
    EXPECT_EQ(rows[3].GetOptText(2), std::optional<std::string>("x'); DROP TABLE vals; --"));
    EXPECT_EQ(rows[1].GetOptInt(1), std::optional<std::int64_t>(kMax));
    EXPECT_EQ(CountRows("vals"), 4);

    // The vector<Value> overloads and a NULL parameter in a comparison.
    std::vector<Value> params{Int(2)};
    Rows by_vector = ReadRows("SELECT t FROM vals WHERE id = $1", params);
    ASSERT_EQ(by_vector.size(), 1u);
    EXPECT_EQ(by_vector[0].GetText(0), utf8);
    EXPECT_TRUE(ReadRows("SELECT t FROM vals WHERE i = $1", {Null()}).empty());
}

TEST_P(StorageTest, RewritesDollarParametersButNotInsideLiteralsIdentifiersOrComments) {
    // A naive rewrite would see $1 in the literal, $2 in the identifier and $3 / $4 in the
    // comments, and then count four parameters where one is given.
    Rows rows = ReadRows(
        "SELECT $1 + 0 AS \"a$2\", '$1', 'it''s $2', $1 * 2 /* $4 */ -- $3\n"
        ", $1 + 1",
        {Int(21)});
    ASSERT_EQ(rows.size(), 1u);
    ASSERT_EQ(rows[0].size(), 5u);
    EXPECT_EQ(rows[0].GetInt(0), 21);
    EXPECT_EQ(rows[0].GetText(1), "$1");
    EXPECT_EQ(rows[0].GetText(2), "it's $2");
    EXPECT_EQ(rows[0].GetInt(3), 42);
    EXPECT_EQ(rows[0].GetInt(4), 22);

    // Parameters out of order and reused, in DML.
    ExecCommitted("CREATE TABLE pairs (a TEXT NOT NULL, b TEXT NOT NULL)");
    ExecCommitted("INSERT INTO pairs (b, a) VALUES ($2, $1)", {Text("first"), Text("second")});
    ExecCommitted("INSERT INTO pairs (a, b) VALUES ($1, $1)", {Text("same")});
    Rows pairs = ReadRows("SELECT a, b FROM pairs ORDER BY a");
    ASSERT_EQ(pairs.size(), 2u);
    EXPECT_EQ(pairs[0].GetText(0), "first");
    EXPECT_EQ(pairs[0].GetText(1), "second");
    EXPECT_EQ(pairs[1].GetText(0), "same");
    EXPECT_EQ(pairs[1].GetText(1), "same");
}

TEST_P(StorageTest, ParameterCountMismatchIsInternal) {
    auto tx = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(tx.ok());
    auto too_few = (*tx)->Query("SELECT $1, $2", {Int(1)});
    ASSERT_FALSE(too_few.ok());
    EXPECT_EQ(too_few.error().code, ErrorCode::kInternal);
    EXPECT_NE(too_few.error().internal.find("parameters"), std::string::npos) << too_few.error().internal;

    auto tx2 = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(tx2.ok());
    auto too_many = (*tx2)->Query("SELECT $1", {Int(1), Int(2)});
    ASSERT_FALSE(too_many.ok());
    EXPECT_EQ(too_many.error().code, ErrorCode::kInternal);
    EXPECT_EQ(too_many.error().detail, "internal error");  // nothing about the SQL for clients
}

TEST_P(StorageTest, UniqueViolationIsConflictAndAbortsTheTransaction) {
    InsertOrganization("org_1");
    auto tx = db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)
                    ->Exec("INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, 'b', '{}', 1)",
                           {Text("org_2")})
                    .ok());
    auto duplicate_key = (*tx)->Exec(
        "INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, 'c', '{}', 1)", {Text("org_1")});
    ASSERT_FALSE(duplicate_key.ok());
    EXPECT_EQ(duplicate_key.error().code, ErrorCode::kConflict) << Describe(duplicate_key.error());
    EXPECT_EQ(duplicate_key.error().detail.find("INSERT"), std::string::npos);  // no SQL for clients

    // As in PostgreSQL, the failed statement aborts the transaction: nothing more runs or commits.
    auto after = (*tx)->Query("SELECT 1");
    EXPECT_FALSE(after.ok());
    EXPECT_FALSE((*tx)->Commit().ok());
    EXPECT_EQ(CountRows("organizations"), 1);

    // A UNIQUE (not primary key) column.
    const char* insert_user =
        "INSERT INTO users (id, email, email_normalized, name, password_hash, created_at) "
        "VALUES ($1, $2, $3, 'n', 'h', 1)";
    ExecCommitted(insert_user, {Text("u1"), Text("A@example.com"), Text("a@example.com")});
    auto tx2 = db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx2.ok());
    auto duplicate_email = (*tx2)->Exec(insert_user, {Text("u2"), Text("a@EXAMPLE.com"), Text("a@example.com")});
    ASSERT_FALSE(duplicate_email.ok());
    EXPECT_EQ(duplicate_email.error().code, ErrorCode::kConflict) << Describe(duplicate_email.error());
}

TEST_P(StorageTest, OtherConstraintViolationsAreInternal) {
    {
        auto tx = db_->Begin(TxMode::kWrite);
        ASSERT_TRUE(tx.ok());
        auto not_null = (*tx)->Exec(
            "INSERT INTO organizations (id, name, settings, created_at) VALUES ($1, NULL, '{}', 1)", {Text("org_1")});
        ASSERT_FALSE(not_null.ok());
        EXPECT_EQ(not_null.error().code, ErrorCode::kInternal) << Describe(not_null.error());
    }

    // Foreign keys are enforced (SQLite needs PRAGMA foreign_keys=ON on every connection).
    auto tx2 = db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx2.ok());
    auto dangling =
        (*tx2)->Exec("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, 'ADMIN', 1)",
                     {Text("no_such_org"), Text("no_such_user")});
    ASSERT_FALSE(dangling.ok());
    EXPECT_EQ(dangling.error().code, ErrorCode::kInternal) << Describe(dangling.error());
}

TEST_P(StorageTest, DestroyingAnUncommittedTransactionRollsItBack) {
    {
        auto tx = db_->Begin(TxMode::kWrite);  // begun and dropped: releases the writer lock
        ASSERT_TRUE(tx.ok());
    }
    InsertOrganization("kept");
    EXPECT_EQ(CountRows("organizations"), 1);
    {
        auto tx = db_->Begin(TxMode::kWrite);
        ASSERT_TRUE(tx.ok());
        auto inserted = (*tx)->Exec(
            "INSERT INTO organizations (id, name, settings, created_at) VALUES ('gone', "
            "'x', '{}', 1)");
        ASSERT_TRUE(inserted.ok()) << Describe(inserted.error());
        EXPECT_EQ(*inserted, 1);
        auto inside = (*tx)->QueryOne("SELECT COUNT(*) FROM organizations");
        ASSERT_TRUE(inside.ok());
        EXPECT_EQ((*inside)->GetInt(0), 2);  // its own write is visible inside
    }
    EXPECT_EQ(CountRows("organizations"), 1);
    Rows left = ReadRows("SELECT id FROM organizations");
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].GetText(0), "kept");
}

TEST_P(StorageTest, CommittedWritesBecomeVisibleUncommittedOnesDoNot) {
    auto writer = db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)
                    ->Exec("INSERT INTO organizations (id, name, settings, created_at) VALUES ('o', 'x', "
                           "'{}', 1)")
                    .ok());
    EXPECT_EQ(CountRows("organizations"), 0);  // another connection does not see the pending write
    auto committed = (*writer)->Commit();
    ASSERT_TRUE(committed.ok()) << Describe(committed.error());
    EXPECT_EQ(CountRows("organizations"), 1);

    // A finished transaction refuses further use.
    EXPECT_FALSE((*writer)->Exec("DELETE FROM organizations").ok());
    EXPECT_FALSE((*writer)->Commit().ok());
    EXPECT_EQ(CountRows("organizations"), 1);
}

TEST_P(StorageTest, ReadTransactionSeesOneSnapshot) {
    CreateCounter();
    auto reader = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(reader.ok());
    auto before = (*reader)->QueryOne("SELECT value FROM counters WHERE name = 'hits'");
    ASSERT_TRUE(before.ok() && before->has_value());
    EXPECT_EQ((*before)->GetInt(0), 0);

    ASSERT_TRUE(IncrementCounter(*db_).ok());
    EXPECT_EQ(CounterValue(), 1);  // a new transaction sees the commit...

    auto again = (*reader)->QueryOne("SELECT value FROM counters WHERE name = 'hits'");
    ASSERT_TRUE(again.ok() && again->has_value());
    EXPECT_EQ((*again)->GetInt(0), 0);  // ...the open one keeps its snapshot
    EXPECT_TRUE((*reader)->Commit().ok());
}

TEST_P(StorageTest, ReadTransactionRefusesWrites) {
    CreateCounter();
    auto reader = db_->Begin(TxMode::kRead);
    ASSERT_TRUE(reader.ok());
    auto write = (*reader)->Exec("UPDATE counters SET value = 5");
    ASSERT_FALSE(write.ok());
    EXPECT_EQ(write.error().code, ErrorCode::kInternal);
    reader->reset();
    EXPECT_EQ(CounterValue(), 0);
}

TEST_P(StorageTest, ExecReturnsTheNumberOfChangedRows) {
    InsertOrganization("a");
    InsertOrganization("b");
    InsertOrganization("c");
    auto tx = db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    auto updated = (*tx)->Exec("UPDATE organizations SET name = $1", {Text("renamed")});
    ASSERT_TRUE(updated.ok());
    EXPECT_EQ(*updated, 3);
    auto none = (*tx)->Exec("UPDATE organizations SET name = 'x' WHERE id = 'missing'");
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(*none, 0);
    auto select = (*tx)->Exec("SELECT id FROM organizations");  // not stale: a SELECT changes nothing
    ASSERT_TRUE(select.ok());
    EXPECT_EQ(*select, 0);
    auto deleted = (*tx)->Exec("DELETE FROM organizations WHERE id <> $1", {Text("a")});
    ASSERT_TRUE(deleted.ok());
    EXPECT_EQ(*deleted, 2);
    auto ddl = (*tx)->Exec("CREATE TABLE scratch (x BIGINT)");
    ASSERT_TRUE(ddl.ok());
    EXPECT_EQ(*ddl, 0);
    auto one = (*tx)->QueryOne("SELECT id FROM organizations WHERE id = $1", {Text("nope")});
    ASSERT_TRUE(one.ok());
    EXPECT_FALSE(one->has_value());
    ASSERT_TRUE((*tx)->Commit().ok());
    EXPECT_EQ(CountRows("organizations"), 1);
}

TEST_P(StorageTest, ConcurrentThreadsLoseNoIncrement) {
    CreateCounter();
    constexpr int kThreads = 8;
    constexpr int kIncrementsPerThread = 200;
    std::atomic<int> failures{0};
    std::vector<std::string> first_errors(kThreads);
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
        threads.emplace_back([&, thread_idx] {
            for (int increment_idx = 0; increment_idx < kIncrementsPerThread; ++increment_idx) {
                Status status = IncrementCounter(*db_);
                if (!status.ok()) {
                    if (failures++ == 0) first_errors[thread_idx] = Describe(status.error());
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    std::string errors;
    for (const auto& error : first_errors) errors += error;
    EXPECT_EQ(failures.load(), 0) << errors;
    EXPECT_EQ(CounterValue(), kThreads * kIncrementsPerThread);
}

/// Waits for a child process for at most `timeout`; kills it after that. The exit status, or -1.
int WaitForChild(pid_t pid, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (done < 0) return -1;
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

TEST_P(StorageTest, ConcurrentProcessesLoseNoIncrement) {
    CreateCounter();
    // No connection may cross fork() (SQLite forbids it): close ours, and every process,
    // including this one afterwards, opens its own.
    db_->Close();
    db_.reset();
    constexpr int kChildren = 2;
    constexpr int kIncrementsPerProcess = 200;
    const std::string url = backend_->Url();
    std::vector<pid_t> children;
    for (int child_idx = 0; child_idx < kChildren; ++child_idx) {
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            alarm(120);  // a hung child dies rather than hanging the suite
            OpenOptions options = TestOptions();
            options.migrate = false;
            auto db = Open(url, options);
            if (!db.ok()) {
                std::fprintf(stderr, "child open: %s\n", Describe(db.error()).c_str());
                _exit(2);
            }
            for (int increment_idx = 0; increment_idx < kIncrementsPerProcess; ++increment_idx) {
                Status status = IncrementCounter(**db);
                if (!status.ok()) {
                    std::fprintf(stderr, "child increment: %s\n", Describe(status.error()).c_str());
                    _exit(3);
                }
            }
            (*db)->Close();
            _exit(0);  // no gtest teardown, no atexit handlers in the child
        }
        children.push_back(pid);
    }
    auto db = Open(url, TestOptions());
    ASSERT_TRUE(db.ok()) << Describe(db.error());
    db_ = std::move(*db);
    int parent_failures = 0;
    for (int increment_idx = 0; increment_idx < kIncrementsPerProcess; ++increment_idx) {
        if (!IncrementCounter(*db_).ok()) ++parent_failures;
    }
    for (const pid_t pid : children) {
        EXPECT_EQ(WaitForChild(pid, std::chrono::seconds(150)), 0) << "child " << pid;
    }
    EXPECT_EQ(parent_failures, 0);
    EXPECT_EQ(CounterValue(), (kChildren + 1) * kIncrementsPerProcess);
}

TEST_P(StorageTest, CloseRefusesNewTransactions) {
    db_->Close();
    auto tx = db_->Begin(TxMode::kRead);
    ASSERT_FALSE(tx.ok());
    EXPECT_EQ(tx.error().code, ErrorCode::kUnavailable);
    auto writer = db_->Begin(TxMode::kWrite);
    ASSERT_FALSE(writer.ok());
    EXPECT_EQ(writer.error().code, ErrorCode::kUnavailable);
    auto ping = db_->Ping();
    ASSERT_FALSE(ping.ok());
    EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable);
    EXPECT_FALSE(db_->SchemaVersion().ok());
    auto migrate = db_->Migrate();
    ASSERT_FALSE(migrate.ok());
    EXPECT_EQ(migrate.error().code, ErrorCode::kUnavailable);
    db_->Close();  // idempotent
}

TEST_P(StorageTest, CloseWaitsForATransactionInFlight) {
    CreateCounter();
    auto tx = db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    std::atomic<bool> closed{false};
    std::thread closer([&] {
        db_->Close();
        closed = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(closed.load());
    // The transaction begun before Close still works and commits.
    ASSERT_TRUE((*tx)->Exec("UPDATE counters SET value = 7").ok());
    ASSERT_TRUE((*tx)->Commit().ok());
    closer.join();
    EXPECT_TRUE(closed.load());
    EXPECT_EQ(db_->Begin(TxMode::kRead).error().code, ErrorCode::kUnavailable);

    auto reopened = Open(backend_->Url(), TestOptions());
    ASSERT_TRUE(reopened.ok());
    db_ = std::move(*reopened);
    EXPECT_EQ(CounterValue(), 7);
}

TEST_P(StorageTest, RefusesASchemaNewerThanTheBinary) {
    const int newest = NewestVersion();
    ExecCommitted("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 1)",
                  {Int(newest + 1)});
    const std::string expected = "database schema version " + std::to_string(newest + 1) +
                                 " is newer than this binary (" + std::to_string(newest) + ")";

    auto migrate = db_->Migrate();
    ASSERT_FALSE(migrate.ok());
    EXPECT_EQ(migrate.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(migrate.error().detail, expected);

    auto ping = db_->Ping();
    ASSERT_FALSE(ping.ok());
    EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable);

    auto reopened = Open(backend_->Url(), TestOptions());
    ASSERT_FALSE(reopened.ok());
    EXPECT_EQ(reopened.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(reopened.error().detail, expected);

    OpenOptions no_migrate = TestOptions();
    no_migrate.migrate = false;
    auto inspect = Open(backend_->Url(), no_migrate);  // e.g. `watchtower migrate --status`
    ASSERT_TRUE(inspect.ok());
    auto version = (*inspect)->SchemaVersion();
    ASSERT_TRUE(version.ok());
    EXPECT_EQ(*version, newest + 1);
}

TEST_P(StorageTest, AuditLogRefusesUpdateAndDelete) {
    ExecCommitted(
        "INSERT INTO audit_log (org_id, seq, id, at, actor_type, actor_id, action, target, ip, user_agent, "
        "details, prev_hash, hash) VALUES ($1, 1, 'aud_1', 1, 'user', 'u1', 'org.create', NULL, NULL, NULL, "
        "'{}', '', 'h1')",
        {Text("org_1")});
    for (const char* sql : {"UPDATE audit_log SET action = 'tampered'", "DELETE FROM audit_log"}) {
        auto tx = db_->Begin(TxMode::kWrite);
        ASSERT_TRUE(tx.ok());
        auto changed = (*tx)->Exec(sql);
        ASSERT_FALSE(changed.ok()) << sql;
        EXPECT_EQ(changed.error().code, ErrorCode::kInternal) << Describe(changed.error());
        EXPECT_NE(changed.error().internal.find("append-only"), std::string::npos) << changed.error().internal;
        EXPECT_FALSE((*tx)->Commit().ok());
    }
    Rows rows = ReadRows("SELECT action FROM audit_log");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].GetText(0), "org.create");
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageTest, ::testing::ValuesIn(AllBackends()),
                         [](const ::testing::TestParamInfo<BackendFactory>& info) { return info.param.name; });

}  // namespace
}  // namespace wt::storage
