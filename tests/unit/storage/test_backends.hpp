// SPDX-License-Identifier: Apache-2.0
/// The storage backends the shared test body (database_test.cpp) runs against. Each test gets a
/// fresh, empty database from its backend and drops it afterwards.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wt::storage::testing {

/// One empty database for one test.
class TestDatabase {
  public:
    virtual ~TestDatabase() = default;
    /// The URL to pass to `storage::Open` (several processes may open it at once).
    virtual std::string Url() const = 0;
};

struct BackendFactory {
    std::string name;  // a gtest parameter name: letters, digits and '_' only
    std::function<std::unique_ptr<TestDatabase>()> make;
};

/// SQLite always; PostgreSQL when WATCHTOWER_TEST_POSTGRES_URL is set (once that backend exists).
std::vector<BackendFactory> AllBackends();

/// A new empty directory under $TMPDIR (or /tmp), removed by the destructor.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

}  // namespace wt::storage::testing
