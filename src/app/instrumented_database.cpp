// SPDX-License-Identifier: Apache-2.0
#include "app/instrumented_database.hpp"

#include <chrono>

namespace wt::app {
namespace {

// The wt_storage_seconds series of every operation, resolved once per database: a storage call
// then records its latency with atomic adds only (the writer thread makes several per transaction).
struct StorageHistograms {
    explicit StorageHistograms(Metrics& metrics)
        : query(Of(metrics, "query")),
          exec(Of(metrics, "exec")),
          commit(Of(metrics, "commit")),
          begin_write(Of(metrics, "begin_write")),
          begin_read(Of(metrics, "begin_read")),
          checkpoint(Of(metrics, "checkpoint")) {}
    static Histogram& Of(Metrics& metrics, const char* op) {
        return metrics.HistogramFor("wt_storage_seconds", "Storage operation latency", {{"op", op}});
    }
    Histogram& query;
    Histogram& exec;
    Histogram& commit;
    Histogram& begin_write;
    Histogram& begin_read;
    Histogram& checkpoint;
};

class Timer {
public:
    explicit Timer(Histogram& histogram) : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}
    ~Timer() { histogram_.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count()); }

private:
    Histogram& histogram_;
    std::chrono::steady_clock::time_point start_;
};

class InstrumentedTransaction final : public storage::Transaction {
public:
    InstrumentedTransaction(std::unique_ptr<storage::Transaction> inner, const StorageHistograms& histograms)
        : inner_(std::move(inner)), histograms_(histograms) {}
    Result<storage::Rows> Query(std::string_view sql, storage::Params params) override {
        Timer timer(histograms_.query);
        return inner_->Query(sql, params);
    }
    Result<storage::Rows> Query(std::string_view sql, const std::vector<storage::Value>& params) override {
        Timer timer(histograms_.query);
        return inner_->Query(sql, params);
    }
    Result<std::int64_t> Exec(std::string_view sql, storage::Params params) override {
        Timer timer(histograms_.exec);
        return inner_->Exec(sql, params);
    }
    Result<std::int64_t> Exec(std::string_view sql, const std::vector<storage::Value>& params) override {
        Timer timer(histograms_.exec);
        return inner_->Exec(sql, params);
    }
    Status Commit() override {
        Timer timer(histograms_.commit);
        return inner_->Commit();
    }

private:
    std::unique_ptr<storage::Transaction> inner_;
    const StorageHistograms& histograms_;
};

class InstrumentedDatabase final : public storage::Database {
public:
    InstrumentedDatabase(std::unique_ptr<storage::Database> inner, Metrics& metrics)
        : inner_(std::move(inner)), histograms_(metrics) {}
    Result<std::unique_ptr<storage::Transaction>> Begin(storage::TxMode mode) override {
        Timer timer(mode == storage::TxMode::kWrite ? histograms_.begin_write : histograms_.begin_read);
        WT_ASSIGN_OR_RETURN(auto tx, inner_->Begin(mode));
        return std::unique_ptr<storage::Transaction>(new InstrumentedTransaction(std::move(tx), histograms_));
    }
    Result<int> Migrate() override { return inner_->Migrate(); }
    Result<int> SchemaVersion() override { return inner_->SchemaVersion(); }
    Status Ping() override { return inner_->Ping(); }
    Result<storage::CheckpointResult> Checkpoint() override {
        Timer timer(histograms_.checkpoint);
        return inner_->Checkpoint();
    }
    void Close() override { inner_->Close(); }
    storage::Dialect dialect() const override { return inner_->dialect(); }

private:
    std::unique_ptr<storage::Database> inner_;
    StorageHistograms histograms_;
};

}  // namespace

std::unique_ptr<storage::Database> Instrument(std::unique_ptr<storage::Database> inner, Metrics& metrics) {
    return std::make_unique<InstrumentedDatabase>(std::move(inner), metrics);
}

}  // namespace wt::app
