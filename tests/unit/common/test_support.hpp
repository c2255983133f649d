// SPDX-License-Identifier: Apache-2.0
/// Small helpers shared by the unit tests of the subsystems above storage: a temporary directory,
/// a migrated SQLite database in it, and a clock the test moves by hand. Header-only; include it
/// as "../common/test_support.hpp" from a sibling test folder.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include "common/clock.hpp"
#include "storage/database.hpp"

namespace wt::testing {

/// A new empty directory under $TMPDIR (or /tmp), removed with everything in it by the destructor.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/wt-unit-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
        path_ = std::filesystem::canonical(pattern).string();
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

/// A clock that stands still until the test moves it. Thread-safe.
class ManualClock final : public Clock {
public:
    explicit ManualClock(UnixMicros start = 1'780'000'000 * kMicrosPerSecond) : now_(start) {}
    UnixMicros Now() const override { return now_.load(); }
    void Advance(UnixMicros by) { now_.fetch_add(by); }
    void Set(UnixMicros to) { now_.store(to); }

private:
    std::atomic<UnixMicros> now_;
};

/// A real SQLite database file in its own temporary directory, migrated. Fails the test (fatal) if
/// it cannot be opened; use ASSERT_NO_FATAL_FAILURE around construction when that matters.
class TestDb {
public:
    TestDb() {
        auto opened = storage::Open(dir_.path() + "/watchtower.db");
        if (!opened.ok()) throw std::runtime_error("storage::Open failed: " + opened.error().internal);
        db_ = std::move(opened).value();
    }
    storage::Database& db() { return *db_; }
    const std::string& dir() const { return dir_.path(); }

    /// A write transaction; throws if it cannot begin (the database is local and fresh).
    std::unique_ptr<storage::Transaction> Write() { return Begin(storage::TxMode::kWrite); }
    std::unique_ptr<storage::Transaction> Read() { return Begin(storage::TxMode::kRead); }

    /// Runs one statement in its own write transaction and commits.
    std::int64_t ExecNow(std::string_view sql, storage::Params params = {}) {
        auto tx = Write();
        auto changed = tx->Exec(sql, params);
        if (!changed.ok()) throw std::runtime_error("exec failed: " + changed.error().internal);
        auto committed = tx->Commit();
        if (!committed.ok()) throw std::runtime_error("commit failed: " + committed.error().internal);
        return *changed;
    }

private:
    std::unique_ptr<storage::Transaction> Begin(storage::TxMode mode) {
        auto tx = db_->Begin(mode);
        if (!tx.ok()) throw std::runtime_error("begin failed: " + tx.error().internal);
        return std::move(tx).value();
    }

    TempDir dir_;  // declared first: destroyed after the database is closed
    std::unique_ptr<storage::Database> db_;
};

}  // namespace wt::testing
