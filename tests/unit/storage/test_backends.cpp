// SPDX-License-Identifier: Apache-2.0
#include "test_backends.hpp"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace wt::storage::testing {
namespace {

class SqliteTestDatabase final : public TestDatabase {
  public:
    std::string Url() const override { return "sqlite://" + dir_.path() + "/watchtower.db"; }

  private:
    TempDir dir_;
};

}  // namespace

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/wt-storage-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = std::filesystem::canonical(pattern).string();
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::vector<BackendFactory> AllBackends() {
    std::vector<BackendFactory> backends;
    backends.push_back({"sqlite", [] { return std::make_unique<SqliteTestDatabase>(); }});
    // The PostgreSQL backend adds its factory here, guarded by WATCHTOWER_TEST_POSTGRES_URL: a
    // PostgresTestDatabase that creates a uniquely named database (or schema) on that server in
    // its constructor, answers its URL from Url(), and drops it in its destructor. Every TEST_P
    // in database_test.cpp then runs against it unchanged.
    return backends;
}

}  // namespace wt::storage::testing
