// SPDX-License-Identifier: Apache-2.0
/// Process metrics in Prometheus text format (GET /metrics): counters and latency histograms
/// with labels. Thread-safe; a series is created on first use and lives for the process.
/// Recording into an existing series takes a shared lock and atomic adds only.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace wt {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Histogram {
public:
    static constexpr std::array<double, 14> kBucketsSeconds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                               0.025,  0.05,    0.1,    0.25,  0.5,    1.0,  2.5};
    void Observe(double seconds);
    void Render(std::string& out, std::string_view name, std::string_view labels) const;

private:
    std::array<std::atomic<std::uint64_t>, kBucketsSeconds.size()> buckets_{};
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_nanos_{0};  // rounded per observation
};

class Metrics {
public:
    /// `name` must be a valid Prometheus metric name; `help` is its HELP line.
    void Increment(std::string_view name, std::string_view help, const Labels& labels, std::uint64_t by = 1);
    void Observe(std::string_view name, std::string_view help, const Labels& labels, double seconds);
    /// The histogram series of `name` and `labels`, created if new. The reference stays valid for
    /// the life of the registry: a hot path resolves it once and then observes with atomic adds
    /// only (no label rendering, no lookup, no lock).
    Histogram& HistogramFor(std::string_view name, std::string_view help, const Labels& labels);
    void SetGauge(std::string_view name, std::string_view help, std::int64_t value);
    void AddGauge(std::string_view name, std::string_view help, std::int64_t delta);
    /// The whole registry in Prometheus text exposition format 0.0.4.
    std::string Render() const;

private:
    struct Family {
        std::string help;
        std::string type;  // counter | histogram | gauge
        std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>> counters;  // by rendered labels
        std::map<std::string, std::unique_ptr<Histogram>> histograms;
        std::atomic<std::int64_t> gauge{0};
    };
    Family& FamilyFor(std::string_view name, std::string_view help, std::string_view type);

    mutable std::shared_mutex mutex_;
    std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;  // GUARDED_BY(mutex_)
};

/// Renders `{a="x",b="y"}` with Prometheus escaping ("" for no labels).
std::string RenderLabels(const Labels& labels);

}  // namespace wt
