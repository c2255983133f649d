// SPDX-License-Identifier: Apache-2.0
#include "common/metrics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <mutex>

namespace wt {

void Histogram::Observe(double seconds) {
    for (std::size_t bucket_idx = 0; bucket_idx < kBucketsSeconds.size(); ++bucket_idx) {
        if (seconds <= kBucketsSeconds[bucket_idx]) {
            buckets_[bucket_idx].fetch_add(1, std::memory_order_relaxed);
            break;
        }
    }
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_nanos_.fetch_add(static_cast<std::uint64_t>(std::llround(seconds * 1e9)), std::memory_order_relaxed);
}

void Histogram::Render(std::string& out, std::string_view name, std::string_view labels) const {
    // labels is "" or `{a="b"}`; bucket lines need `le` merged into it.
    std::string inner = labels.empty() ? "" : std::string(labels.substr(1, labels.size() - 2)) + ",";
    std::uint64_t cumulative = 0;
    for (std::size_t bucket_idx = 0; bucket_idx < kBucketsSeconds.size(); ++bucket_idx) {
        cumulative += buckets_[bucket_idx].load(std::memory_order_relaxed);
        out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, inner, kBucketsSeconds[bucket_idx], cumulative);
    }
    std::uint64_t count = count_.load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{{}le=\"+Inf\"}} {}\n", name, inner, count);
    out += fmt::format("{}_sum{} {}\n", name, labels, static_cast<double>(sum_nanos_.load()) / 1e9);
    out += fmt::format("{}_count{} {}\n", name, labels, count);
}

std::string RenderLabels(const Labels& labels) {
    if (labels.empty()) return "";
    std::string out = "{";
    for (std::size_t label_idx = 0; label_idx < labels.size(); ++label_idx) {
        if (label_idx) out += ',';
        out += labels[label_idx].first;
        out += "=\"";
        for (char c : labels[label_idx].second) {
            if (c == '\\' || c == '"') out += '\\';
            if (c == '\n') {
                out += "\\n";
                continue;
            }
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

Metrics::Family& Metrics::FamilyFor(std::string_view name, std::string_view help, std::string_view type) {
    {
        std::shared_lock lock(mutex_);
        auto it = families_.find(name);
        if (it != families_.end()) return *it->second;
    }
    std::unique_lock lock(mutex_);
    auto& slot = families_[std::string(name)];
    if (!slot) {
        slot = std::make_unique<Family>();
        slot->help = help;
        slot->type = type;
    }
    return *slot;
}

void Metrics::Increment(std::string_view name, std::string_view help, const Labels& labels, std::uint64_t by) {
    Family& family = FamilyFor(name, help, "counter");
    std::string key = RenderLabels(labels);
    {
        std::shared_lock lock(mutex_);
        auto it = family.counters.find(key);
        if (it != family.counters.end()) {
            it->second->fetch_add(by, std::memory_order_relaxed);
            return;
        }
    }
    std::unique_lock lock(mutex_);
    auto& slot = family.counters[key];
    if (!slot) slot = std::make_unique<std::atomic<std::uint64_t>>(0);
    slot->fetch_add(by, std::memory_order_relaxed);
}

void Metrics::Observe(std::string_view name, std::string_view help, const Labels& labels, double seconds) {
    HistogramFor(name, help, labels).Observe(seconds);
}

Histogram& Metrics::HistogramFor(std::string_view name, std::string_view help, const Labels& labels) {
    Family& family = FamilyFor(name, help, "histogram");
    std::string key = RenderLabels(labels);
    {
        std::shared_lock lock(mutex_);
        auto it = family.histograms.find(key);
        if (it != family.histograms.end()) return *it->second;
    }
    std::unique_lock lock(mutex_);
    auto& slot = family.histograms[key];
    if (!slot) slot = std::make_unique<Histogram>();
    return *slot;
}

void Metrics::SetGauge(std::string_view name, std::string_view help, std::int64_t value) {
    FamilyFor(name, help, "gauge").gauge.store(value, std::memory_order_relaxed);
}

void Metrics::AddGauge(std::string_view name, std::string_view help, std::int64_t delta) {
    FamilyFor(name, help, "gauge").gauge.fetch_add(delta, std::memory_order_relaxed);
}

std::string Metrics::Render() const {
    std::string out;
    std::shared_lock lock(mutex_);
    for (const auto& [name, family] : families_) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, family->help, name, family->type);
        if (family->type == "gauge") {
            out += fmt::format("{} {}\n", name, family->gauge.load());
        } else if (family->type == "counter") {
            for (const auto& [labels, value] : family->counters) out += fmt::format("{}{} {}\n", name, labels, value->load());
        } else {
            for (const auto& [labels, histogram] : family->histograms) histogram->Render(out, name, labels);
        }
    }
    return out;
}

}  // namespace wt
