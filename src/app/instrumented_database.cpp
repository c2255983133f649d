// SPDX-License-Identifier: Apache-2.0
#include "app/instrumented_database.hpp"

#include <chrono>

namespace wt::app {
namespace {

class Timer {
public:
    Timer(Metrics& metrics, const char* op) : metrics_(metrics), op_(op), start_(std::chrono::steady_clock::now()) {}
    ~Timer() {
        metrics_.Observe("wt_storage_seconds", "Storage operation latency", {{"op", op_}},
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }

private:
    Metrics& metrics_;
    const char* op_;
    std::chrono::steady_clock::time_point start_;
};

class InstrumentedTransaction final : public storage::Transaction {
public:
    InstrumentedTransaction(std::unique_ptr<storage::Transaction> inner, Metrics& metrics)
        : inner_(std::move(inner)), metrics_(metrics) {}
    Result<storage::Rows> Query(std::string_view sql, storage::Params params) override {
        Timer timer(metrics_, "query");
        return inner_->Query(sql, params);
    }
    Result<storage::Rows> Query(std::string_view sql, const std::vector<storage::Value>& params) override {
        Timer timer(metrics_, "query");
        return inner_->Query(sql, params);
    }
    Result<std::int64_t> Exec(std::string_view sql, storage::Params params) override {
        Timer timer(metrics_, "exec");
        return inner_->Exec(sql, params);
    }
    Result<std::int64_t> Exec(std::string_view sql, const std::vector<storage::Value>& params) override {
        Timer timer(metrics_, "exec");
        return inner_->Exec(sql, params);
    }
    Status Commit() override {
        Timer timer(metrics_, "commit");
        return inner_->Commit();
    }

private:
    std::unique_ptr<storage::Transaction> inner_;
    Metrics& metrics_;
};

class InstrumentedDatabase final : public storage::Database {
public:
    InstrumentedDatabase(std::unique_ptr<storage::Database> inner, Metrics& metrics)
        : inner_(std::move(inner)), metrics_(metrics) {}
    Result<std::unique_ptr<storage::Transaction>> Begin(storage::TxMode mode) override {
        Timer timer(metrics_, mode == storage::TxMode::kWrite ? "begin_write" : "begin_read");
        WT_ASSIGN_OR_RETURN(auto tx, inner_->Begin(mode));
        return std::unique_ptr<storage::Transaction>(new InstrumentedTransaction(std::move(tx), metrics_));
    }
    Result<int> Migrate() override { return inner_->Migrate(); }
    Result<int> SchemaVersion() override { return inner_->SchemaVersion(); }
    Status Ping() override { return inner_->Ping(); }
    Result<storage::CheckpointResult> Checkpoint() override {
        Timer timer(metrics_, "checkpoint");
        return inner_->Checkpoint();
    }
    void Close() override { inner_->Close(); }
    storage::Dialect dialect() const override { return inner_->dialect(); }

private:
    std::unique_ptr<storage::Database> inner_;
    Metrics& metrics_;
};

}  // namespace

std::unique_ptr<storage::Database> Instrument(std::unique_ptr<storage::Database> inner, Metrics& metrics) {
    return std::make_unique<InstrumentedDatabase>(std::move(inner), metrics);
}

}  // namespace wt::app
