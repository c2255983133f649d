// SPDX-License-Identifier: Apache-2.0
#include "rules/aggregate_store.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstring>
#include <iterator>
#include <limits>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace wt::rules {
namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
constexpr UnixMicros kNever = std::numeric_limits<UnixMicros>::min();

/// a - b without signed overflow (clamped at the smallest time).
UnixMicros SaturatingSub(UnixMicros a, std::int64_t b) {
    if (a < kNever + b) return kNever;
    return a - b;
}

std::int64_t FloorDiv(std::int64_t t, std::int64_t width) {
    std::int64_t q = t / width;
    if (t % width != 0 && t < 0) --q;
    return q;
}

/// SipHash-1-3 (Aumasson and Bernstein): a keyed hash, so nobody who does not know the store's
/// random key can choose account ids that flood one hash bucket or values that collide in
/// distinct_count. One compression round per word and three at the end.
class SipHash13 {
  public:
    SipHash13() = default;
    SipHash13(std::uint64_t k0, std::uint64_t k1) : k0_(k0), k1_(k1) {}

    std::uint64_t operator()(std::string_view text) const {
        std::uint64_t v0 = k0_ ^ 0x736f6d6570736575ULL;
        std::uint64_t v1 = k1_ ^ 0x646f72616e646f6dULL;
        std::uint64_t v2 = k0_ ^ 0x6c7967656e657261ULL;
        std::uint64_t v3 = k1_ ^ 0x7465646279746573ULL;
        auto round = [&] {
            v0 += v1;
            v1 = std::rotl(v1, 13);
            v1 ^= v0;
            v0 = std::rotl(v0, 32);
            v2 += v3;
            v3 = std::rotl(v3, 16);
            v3 ^= v2;
            v0 += v3;
            v3 = std::rotl(v3, 21);
            v3 ^= v0;
            v2 += v1;
            v1 = std::rotl(v1, 17);
            v1 ^= v2;
            v2 = std::rotl(v2, 32);
        };
        const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
        const std::size_t size = text.size();
        const std::size_t whole = size & ~std::size_t{7};
        for (std::size_t offset = 0; offset < whole; offset += 8) {
            std::uint64_t word = 0;
            for (int byte = 7; byte >= 0; --byte) word = (word << 8) | bytes[offset + byte];  // little endian
            v3 ^= word;
            round();
            v0 ^= word;
        }
        std::uint64_t last = static_cast<std::uint64_t>(size & 0xff) << 56;
        for (std::size_t rest = whole; rest < size; ++rest)
            last |= static_cast<std::uint64_t>(bytes[rest]) << (8 * (rest - whole));
        v3 ^= last;
        round();
        v0 ^= last;
        v2 ^= 0xff;
        round();
        round();
        round();
        return v0 ^ v1 ^ v2 ^ v3;
    }

  private:
    std::uint64_t k0_ = 0;
    std::uint64_t k1_ = 0;
};

/// Hash for the per-spec key maps; transparent, so Query looks keys up by string_view. Not
/// noexcept on purpose: libstdc++ then caches each node's hash code, so a lookup neither rehashes
/// the keys it walks past (to find the bucket's end) nor compares strings whose hash differs.
/// Measured: the map lookups were 28% of the time with 110,000 keys before.
struct KeyHash {
    using is_transparent = void;
    SipHash13 hash;
    std::size_t operator()(std::string_view key) const { return hash(key); }
    std::size_t operator()(const std::string& key) const { return hash(key); }
};

struct Bucket {
    std::int64_t index = 0;
    std::int64_t count = 0;  // count: events; sum/avg/min/max: decimal values; distinct: non-null values
    bool overflow = false;   // sum left the Decimal range
    Decimal sum;
    Decimal min;
    Decimal max;
    std::vector<std::uint64_t> distinct;  // distinct_count: sorted, unique value hashes
};

/// The smallest and largest of a run of values (the first of equal ones).
struct Extremes {
    Decimal min;
    Decimal max;
};

/// Exact min/max summarise values per block of kBlock events and per kBlock blocks, so a query
/// reads at most 2 partial blocks, 2 partial superblocks and the superblocks between: about 130
/// comparisons for 25,000 events instead of 25,000.
constexpr std::size_t kBlock = 32;

/// One key of one aggregate. Exact specs use the parallel vectors (sorted by occurred_at, equal
/// times in arrival order); bucketed specs use `buckets` (ascending index, non-empty ones only).
struct KeyState {
    UnixMicros newest = kNever;
    std::uint32_t scale_mask = 0;  // exact sum/avg: bit s set when a held value has scale s
    bool truncated = false;        // hit max_exact_events_per_key
    bool prefix_ok = true;         // prefix is maintained (false after a prefix overflowed)
    std::vector<UnixMicros> times;
    std::vector<Decimal> values;        // exact sum/avg/min/max
    std::vector<Decimal> prefix;        // exact sum/avg: values[0] + ... + values[i]
    std::vector<std::uint64_t> hashes;  // exact distinct_count
    std::vector<Extremes> blocks;       // exact min/max: values[32b, 32b + 32)
    std::vector<Extremes> superblocks;  // exact min/max: blocks[32s, 32s + 32)
    // distinct_count: each held value's newest occurred_at (bucketed: newest bucket index), by
    // hash, and the same times sorted. A query whose window reaches the key's newest event (the
    // common case) counts the times after the window's start.
    std::vector<std::pair<std::uint64_t, std::int64_t>> latest;
    std::vector<std::int64_t> latest_times;
    std::vector<Bucket> buckets;
};

using Latest = std::pair<std::uint64_t, UnixMicros>;

auto LatestOf(std::vector<Latest>& latest, std::uint64_t hash) {
    return std::lower_bound(latest.begin(), latest.end(), hash,
                            [](const Latest& entry, std::uint64_t wanted) { return entry.first < wanted; });
}

void EraseOneTime(std::vector<UnixMicros>& times, UnixMicros at) {
    times.erase(std::lower_bound(times.begin(), times.end(), at));
}

void InsertTime(std::vector<UnixMicros>& times, UnixMicros at) {
    times.insert(std::upper_bound(times.begin(), times.end(), at), at);
}

using KeyMap = std::unordered_map<std::string, KeyState, KeyHash, std::equal_to<>>;

struct SpecState {
    CompiledRule rule;  // the first rule that tracked this spec: evaluates key, filter and value
    std::size_t spec_index = 0;
    AggregateFunction function = AggregateFunction::kCount;
    std::int64_t window = 0;
    std::string canonical;
    bool bucketed = false;
    std::int64_t width = 0;  // bucket width in micros (bucketed only)
    bool keeps_values = false;
    bool keeps_prefix = false;
    bool keeps_hashes = false;
    bool keeps_extremes = false;
    KeyMap keys;
};

template <typename T>
void RestoreCapacity(std::vector<T>& vector, std::size_t capacity) {
    if (vector.capacity() == capacity) return;
    std::vector<T> fresh;
    fresh.reserve(capacity);
    std::move(vector.begin(), vector.end(), std::back_inserter(fresh));
    vector.swap(fresh);
}

template <typename T>
void ShrinkIfLoose(std::vector<T>& vector) {
    if (vector.capacity() > 2 * vector.size() + 8) vector.shrink_to_fit();
}

/// A heap block as glibc malloc hands it out: 8 bytes of header, 16-byte granules, 32 at least.
std::size_t HeapBlock(std::size_t bytes) {
    if (bytes == 0) return 0;
    return std::max<std::size_t>(32, (bytes + 8 + 15) & ~std::size_t{15});
}

template <typename T>
std::size_t VectorBytes(const std::vector<T>& vector) {
    return HeapBlock(vector.capacity() * sizeof(T));
}

std::size_t StringBytes(const std::string& text) {
    return text.capacity() > 15 ? HeapBlock(text.capacity() + 1) : 0;  // libstdc++ keeps 15 inline
}

std::uint32_t ScaleMask(const std::vector<Decimal>& values) {
    std::uint32_t mask = 0;
    for (const Decimal& value : values) mask |= 1U << value.scale();
    return mask;
}

/// prefix[i] for i >= from, from prefix[from - 1]. On overflow the key stops using prefix sums.
void RecomputePrefix(KeyState& key, std::size_t from) {
    if (!key.prefix_ok) return;
    for (std::size_t index = from; index < key.values.size(); ++index) {
        if (index == 0) {
            key.prefix[0] = key.values[0];
            continue;
        }
        auto next = Add(key.prefix[index - 1], key.values[index]);
        if (!next) {
            key.prefix_ok = false;
            return;
        }
        key.prefix[index] = *next;
    }
}

void Widen(Extremes& into, const Extremes& other) {
    if (Compare(other.min, into.min) < 0) into.min = other.min;
    if (Compare(other.max, into.max) > 0) into.max = other.max;
}

/// The block and superblock summaries from the one holding event `from` on (derived data: a
/// function of `values` alone), sized to the values.
void RecomputeExtremes(KeyState& key, std::size_t from) {
    const std::size_t values = key.values.size();
    const std::size_t blocks = (values + kBlock - 1) / kBlock;
    key.blocks.resize(blocks);
    for (std::size_t block = from / kBlock; block < blocks; ++block) {
        const std::size_t begin = block * kBlock;
        const std::size_t end = std::min(values, begin + kBlock);
        Extremes extremes{key.values[begin], key.values[begin]};
        for (std::size_t index = begin + 1; index < end; ++index)
            Widen(extremes, Extremes{key.values[index], key.values[index]});
        key.blocks[block] = extremes;
    }
    const std::size_t superblocks = (blocks + kBlock - 1) / kBlock;
    key.superblocks.resize(superblocks);
    for (std::size_t superblock = from / (kBlock * kBlock); superblock < superblocks; ++superblock) {
        const std::size_t begin = superblock * kBlock;
        const std::size_t end = std::min(blocks, begin + kBlock);
        Extremes extremes = key.blocks[begin];
        for (std::size_t block = begin + 1; block < end; ++block) Widen(extremes, key.blocks[block]);
        key.superblocks[superblock] = extremes;
    }
}

Value EmptyResult(AggregateFunction function) {
    switch (function) {
        case AggregateFunction::kCount:
        case AggregateFunction::kDistinctCount:
        case AggregateFunction::kSum:
            return Value::Dec(Decimal::FromInt(0));
        default:
            return Value::Null();
    }
}

Value AverageOf(const std::optional<Decimal>& sum, std::int64_t count) {
    if (count == 0 || !sum) return Value::Null();
    auto average = Div(*sum, Decimal::FromInt(count));
    return average ? Value::Dec(*average) : Value::Null();
}

Value CountOfDistinct(std::vector<std::uint64_t>& scratch) {
    std::sort(scratch.begin(), scratch.end());
    auto distinct = std::unique(scratch.begin(), scratch.end()) - scratch.begin();
    return Value::Dec(Decimal::FromInt(static_cast<std::int64_t>(distinct)));
}

}  // namespace

/// What one Record changed in one (spec, key), enough to undo it exactly.
struct AggregateStore::Journal::Entry {
    SpecId spec = 0;
    std::string key;
    bool created_key = false;
    std::size_t map_buckets_before = 0;  // the key map's bucket count before a created key
    // The key's scalars and vector capacities before.
    UnixMicros newest = kNever;
    std::uint32_t scale_mask = 0;
    bool truncated = false;
    bool prefix_ok = true;
    std::size_t times_capacity = 0;
    std::size_t values_capacity = 0;
    std::size_t prefix_capacity = 0;
    std::size_t hashes_capacity = 0;
    std::size_t buckets_capacity = 0;
    std::size_t blocks_capacity = 0;
    std::size_t superblocks_capacity = 0;
    // Exact: where the event went (index before the front drop) and the events dropped at the front.
    std::size_t inserted_at = kNone;
    std::vector<UnixMicros> dropped_times;
    std::vector<Decimal> dropped_values;
    std::vector<Decimal> dropped_prefix;
    std::vector<std::uint64_t> dropped_hashes;
    // Exact distinct_count: the value's entry in `latest` that the insert created or moved (its
    // time before), and the entries a drop removed.
    std::size_t latest_at = kNone;
    bool latest_created = false;
    UnixMicros latest_before = 0;
    std::vector<Latest> dropped_latest;
    std::size_t latest_capacity = 0;
    std::size_t latest_times_capacity = 0;
    // Bucketed: the bucket touched (index before the front drop), its scalars before (unless it was
    // created), where its distinct hash went and that vector's capacity, and the dropped buckets.
    std::size_t bucket_at = kNone;
    bool bucket_created = false;
    Bucket bucket_before;  // scalars only
    std::size_t distinct_at = kNone;
    std::size_t distinct_capacity = 0;
    std::vector<Bucket> dropped_buckets;
};

AggregateStore::Journal::Journal() = default;
AggregateStore::Journal::~Journal() = default;
AggregateStore::Journal::Journal(Journal&&) noexcept = default;
AggregateStore::Journal& AggregateStore::Journal::operator=(Journal&&) noexcept = default;
bool AggregateStore::Journal::empty() const { return !started_; }

namespace {

/// distinct_count: value `hash` occurred at `at` (a time, or a bucket index for bucketed specs).
template <typename Entry>  // AggregateStore::Journal::Entry, whose name is private
void TouchLatest(KeyState& key, std::uint64_t hash, std::int64_t at, Entry* entry) {
    auto latest = LatestOf(key.latest, hash);
    const auto latest_at = static_cast<std::size_t>(latest - key.latest.begin());
    if (latest == key.latest.end() || latest->first != hash) {
        key.latest.insert(latest, Latest{hash, at});
        InsertTime(key.latest_times, at);
        if (entry) {
            entry->latest_at = latest_at;
            entry->latest_created = true;
        }
    } else if (at > latest->second) {
        if (entry) {
            entry->latest_at = latest_at;
            entry->latest_before = latest->second;
        }
        EraseOneTime(key.latest_times, latest->second);
        InsertTime(key.latest_times, at);
        latest->second = at;
    }
}

/// distinct_count: forgets the values none of whose occurrences is left, given the oldest time
/// (bucket index) left. After a cap drop, values whose newest time equals the oldest kept one
/// stay: truncated keys are answered by a scan.
template <typename Entry>
void DropLatest(KeyState& key, std::int64_t oldest_kept, Entry* entry) {
    auto gone = [&](const Latest& latest) { return latest.second < oldest_kept; };
    if (entry) std::copy_if(key.latest.begin(), key.latest.end(), std::back_inserter(entry->dropped_latest), gone);
    std::erase_if(key.latest, gone);
    key.latest_times.erase(key.latest_times.begin(),
                           std::lower_bound(key.latest_times.begin(), key.latest_times.end(), oldest_kept));
}

/// Undoes DropLatest, then TouchLatest (they ran in the other order).
template <typename Entry>
void UndoLatest(KeyState& key, const Entry& entry) {
    std::vector<std::int64_t> dropped_times;
    for (const Latest& latest : entry.dropped_latest) {
        key.latest.insert(LatestOf(key.latest, latest.first), latest);
        dropped_times.push_back(latest.second);
    }
    std::sort(dropped_times.begin(), dropped_times.end());
    key.latest_times.insert(key.latest_times.begin(), dropped_times.begin(), dropped_times.end());
    if (entry.latest_at == kNone) return;
    auto latest = key.latest.begin() + static_cast<std::ptrdiff_t>(entry.latest_at);
    EraseOneTime(key.latest_times, latest->second);
    if (entry.latest_created) {
        key.latest.erase(latest);
    } else {
        latest->second = entry.latest_before;
        InsertTime(key.latest_times, entry.latest_before);
    }
}

}  // namespace

struct AggregateStore::Impl {
    explicit Impl(Options opts) : options(opts) {
        std::random_device device;
        k0 = (static_cast<std::uint64_t>(device()) << 32) ^ device();
        k1 = (static_cast<std::uint64_t>(device()) << 32) ^ device();
    }

    const Options options;
    std::uint64_t k0 = 0;  // the keyed hash's key (random per store)
    std::uint64_t k1 = 0;
    mutable std::shared_mutex mutex;
    std::vector<std::unique_ptr<SpecState>> specs;                              // GUARDED_BY(mutex)
    std::unordered_map<std::string, SpecId, KeyHash, std::equal_to<>> by_text;  // GUARDED_BY(mutex)
    UnixMicros newest = kNever;  // GUARDED_BY(mutex): newest occurred_at recorded
    // Writer-only scratch (the single writer holds the exclusive lock while using them).
    std::string key_scratch;
    std::string canonical_scratch;

    SipHash13 Hasher() const { return SipHash13(k0, k1); }
    void RecordOne(SpecId spec_id, const TransactionView& transaction, EvalContext& context, Journal* journal);
    void InsertExact(SpecState& spec, KeyState& key, UnixMicros at, const Decimal& value, std::uint64_t hash,
                     Journal::Entry* entry);
    void InsertBucketed(SpecState& spec, KeyState& key, UnixMicros at, const Decimal& value, bool has_value,
                        std::uint64_t hash, Journal::Entry* entry);
    void Undo(Journal::Entry& entry);
};

AggregateStore::AggregateStore(Options options) : impl_(std::make_unique<Impl>(options)) {
    impl_->by_text = decltype(impl_->by_text)(0, KeyHash{impl_->Hasher()});
}
AggregateStore::~AggregateStore() = default;

AggregateStore::SpecId AggregateStore::Track(const CompiledRule& rule, std::size_t spec_index) {
    const AggregateSpec& spec = rule.aggregates().at(spec_index);
    std::unique_lock lock(impl_->mutex);
    auto found = impl_->by_text.find(spec.canonical);
    if (found != impl_->by_text.end()) return found->second;
    auto state = std::make_unique<SpecState>();
    state->rule = rule;
    state->spec_index = spec_index;
    state->function = spec.function;
    state->window = spec.window_micros;
    state->canonical = spec.canonical;
    state->bucketed = spec.window_micros > impl_->options.exact_window_limit_micros;
    if (state->bucketed) {
        // window / buckets_per_window, rounded to the nearest whole minute, at least one.
        std::int64_t per_bucket = spec.window_micros / std::max(1, impl_->options.buckets_per_window);
        std::int64_t minutes = (per_bucket + kMicrosPerMinute / 2) / kMicrosPerMinute;
        state->width = std::max<std::int64_t>(1, minutes) * kMicrosPerMinute;
    }
    state->keeps_values = spec.function == AggregateFunction::kSum || spec.function == AggregateFunction::kAvg ||
                          spec.function == AggregateFunction::kMin || spec.function == AggregateFunction::kMax;
    state->keeps_prefix = spec.function == AggregateFunction::kSum || spec.function == AggregateFunction::kAvg;
    state->keeps_hashes = spec.function == AggregateFunction::kDistinctCount;
    state->keeps_extremes = spec.function == AggregateFunction::kMin || spec.function == AggregateFunction::kMax;
    state->keys = KeyMap(0, KeyHash{impl_->Hasher()});
    const auto id = static_cast<SpecId>(impl_->specs.size());
    impl_->specs.push_back(std::move(state));
    impl_->by_text.emplace(spec.canonical, id);
    return id;
}

bool AggregateStore::IsTracked(const AggregateSpec& spec) const {
    std::shared_lock lock(impl_->mutex);
    return impl_->by_text.find(spec.canonical) != impl_->by_text.end();
}

void AggregateStore::Record(const TransactionView& transaction, EvalContext& context, Journal* journal) {
    std::unique_lock lock(impl_->mutex);
    if (journal && !journal->started_) {
        journal->started_ = true;
        journal->newest_before_ = impl_->newest;
    }
    impl_->newest = std::max(impl_->newest, transaction.occurred_at);
    for (SpecId spec_id = 0; spec_id < impl_->specs.size(); ++spec_id)
        impl_->RecordOne(spec_id, transaction, context, journal);
}

void AggregateStore::RecordInto(SpecId spec, const TransactionView& transaction, EvalContext& context) {
    std::unique_lock lock(impl_->mutex);
    if (spec >= impl_->specs.size()) return;
    impl_->newest = std::max(impl_->newest, transaction.occurred_at);
    impl_->RecordOne(spec, transaction, context, nullptr);
}

void AggregateStore::Impl::RecordOne(SpecId spec_id, const TransactionView& transaction, EvalContext& context,
                                     Journal* journal) {
    SpecState& spec = *specs[spec_id];
    if (!AggregateKey(spec.rule, spec.spec_index, transaction, context, &key_scratch)) return;
    if (!AggregateFilter(spec.rule, spec.spec_index, transaction, context)) return;
    Decimal value;
    bool has_value = false;
    std::uint64_t hash = 0;
    if (spec.function != AggregateFunction::kCount) {
        // Evaluated last: its text lives only until the next evaluation on this thread.
        Value computed = AggregateValue(spec.rule, spec.spec_index, transaction, context);
        if (spec.function == AggregateFunction::kDistinctCount) {
            if (computed.is_null()) return;
            canonical_scratch.clear();
            AppendCanonical(computed, &canonical_scratch);
            hash = Hasher()(canonical_scratch);
        } else {
            if (computed.type != Type::kDecimal) return;  // null or not a number: contributes nothing
            value = computed.decimal;
            has_value = true;
        }
    }
    const UnixMicros at = transaction.occurred_at;
    const std::int64_t horizon = spec.window + options.lateness_micros;
    auto found = spec.keys.find(std::string_view(key_scratch));
    if (found != spec.keys.end()) {
        // Too late to matter for any query this key will still answer exactly: not recorded.
        const UnixMicros cutoff = SaturatingSub(std::max(found->second.newest, at), horizon);
        if (spec.bucketed ? FloorDiv(at, spec.width) <= FloorDiv(cutoff, spec.width) : at <= cutoff) return;
    }
    Journal::Entry* entry = nullptr;
    if (journal) {
        entry = &journal->entries_.emplace_back();
        entry->spec = spec_id;
        entry->key = key_scratch;
    }
    if (found == spec.keys.end()) {
        if (entry) {
            entry->created_key = true;
            entry->map_buckets_before = spec.keys.bucket_count();
        }
        found = spec.keys.try_emplace(key_scratch).first;
    }
    KeyState& key = found->second;
    if (entry) {
        entry->newest = key.newest;
        entry->scale_mask = key.scale_mask;
        entry->truncated = key.truncated;
        entry->prefix_ok = key.prefix_ok;
        entry->times_capacity = key.times.capacity();
        entry->values_capacity = key.values.capacity();
        entry->prefix_capacity = key.prefix.capacity();
        entry->hashes_capacity = key.hashes.capacity();
        entry->buckets_capacity = key.buckets.capacity();
        entry->blocks_capacity = key.blocks.capacity();
        entry->superblocks_capacity = key.superblocks.capacity();
        entry->latest_capacity = key.latest.capacity();
        entry->latest_times_capacity = key.latest_times.capacity();
    }
    if (spec.bucketed)
        InsertBucketed(spec, key, at, value, has_value, hash, entry);
    else
        InsertExact(spec, key, at, value, hash, entry);
}

void AggregateStore::Impl::InsertExact(SpecState& spec, KeyState& key, UnixMicros at, const Decimal& value,
                                       std::uint64_t hash, Journal::Entry* entry) {
    // After any earlier event with the same time: equal times stay in arrival order, and the
    // common case (the newest event) is an append.
    const auto position =
        static_cast<std::size_t>(std::upper_bound(key.times.begin(), key.times.end(), at) - key.times.begin());
    key.times.insert(key.times.begin() + static_cast<std::ptrdiff_t>(position), at);
    if (spec.keeps_values) {
        key.values.insert(key.values.begin() + static_cast<std::ptrdiff_t>(position), value);
        key.scale_mask |= 1U << value.scale();
    }
    if (spec.keeps_prefix) {
        key.prefix.insert(key.prefix.begin() + static_cast<std::ptrdiff_t>(position), Decimal());
        RecomputePrefix(key, position);
    }
    if (spec.keeps_hashes) {
        key.hashes.insert(key.hashes.begin() + static_cast<std::ptrdiff_t>(position), hash);
        TouchLatest(key, hash, at, entry);
    }
    if (spec.keeps_extremes) RecomputeExtremes(key, position);
    key.newest = std::max(key.newest, at);
    if (entry) entry->inserted_at = position;

    // Expired events go once they are a quarter of the key (amortising the shift); the cap drops
    // down to 7/8 of itself for the same reason.
    const UnixMicros cutoff = SaturatingSub(key.newest, spec.window + options.lateness_micros);
    const std::size_t size = key.times.size();
    const auto expired =
        static_cast<std::size_t>(std::upper_bound(key.times.begin(), key.times.end(), cutoff) - key.times.begin());
    std::size_t drop = expired * 4 >= size ? expired : 0;
    const std::size_t cap = std::max<std::size_t>(1, options.max_exact_events_per_key);
    if (size - drop > cap) {
        if (size - expired > cap) {
            drop = size - (cap - cap / 8);
            key.truncated = true;
        } else {
            drop = expired;
        }
    }
    if (drop == 0) return;
    const auto end = static_cast<std::ptrdiff_t>(drop);
    if (entry) {
        entry->dropped_times.assign(key.times.begin(), key.times.begin() + end);
        if (spec.keeps_values) entry->dropped_values.assign(key.values.begin(), key.values.begin() + end);
        if (spec.keeps_prefix) entry->dropped_prefix.assign(key.prefix.begin(), key.prefix.begin() + end);
        if (spec.keeps_hashes) entry->dropped_hashes.assign(key.hashes.begin(), key.hashes.begin() + end);
    }
    key.times.erase(key.times.begin(), key.times.begin() + end);
    if (spec.keeps_values) {
        key.values.erase(key.values.begin(), key.values.begin() + end);
        key.scale_mask = ScaleMask(key.values);
    }
    // Prefix sums stay valid under a front drop: queries use differences.
    if (spec.keeps_prefix) key.prefix.erase(key.prefix.begin(), key.prefix.begin() + end);
    if (spec.keeps_hashes) {
        key.hashes.erase(key.hashes.begin(), key.hashes.begin() + end);
        DropLatest(key, key.times.empty() ? std::numeric_limits<UnixMicros>::max() : key.times.front(), entry);
    }
    if (spec.keeps_extremes) RecomputeExtremes(key, 0);
}

void AggregateStore::Impl::InsertBucketed(SpecState& spec, KeyState& key, UnixMicros at, const Decimal& value,
                                          bool has_value, std::uint64_t hash, Journal::Entry* entry) {
    const std::int64_t index = FloorDiv(at, spec.width);
    auto bucket = std::lower_bound(key.buckets.begin(), key.buckets.end(), index,
                                   [](const Bucket& b, std::int64_t wanted) { return b.index < wanted; });
    const auto position = static_cast<std::size_t>(bucket - key.buckets.begin());
    if (entry) entry->bucket_at = position;
    if (bucket == key.buckets.end() || bucket->index != index) {
        bucket = key.buckets.insert(bucket, Bucket{});
        bucket->index = index;
        if (entry) entry->bucket_created = true;
    } else if (entry) {
        entry->bucket_before.count = bucket->count;
        entry->bucket_before.overflow = bucket->overflow;
        entry->bucket_before.sum = bucket->sum;
        entry->bucket_before.min = bucket->min;
        entry->bucket_before.max = bucket->max;
        entry->distinct_capacity = bucket->distinct.capacity();
    }
    if (has_value) {
        if (bucket->count == 0) {
            bucket->min = value;
            bucket->max = value;
        } else {
            if (Compare(value, bucket->min) < 0) bucket->min = value;
            if (Compare(value, bucket->max) > 0) bucket->max = value;
        }
        if (auto sum = Add(bucket->sum, value))
            bucket->sum = *sum;
        else
            bucket->overflow = true;
    }
    ++bucket->count;
    if (spec.keeps_hashes) {
        TouchLatest(key, hash, index, entry);
        auto slot = std::lower_bound(bucket->distinct.begin(), bucket->distinct.end(), hash);
        if (slot == bucket->distinct.end() || *slot != hash) {
            if (entry) entry->distinct_at = static_cast<std::size_t>(slot - bucket->distinct.begin());
            bucket->distinct.insert(slot, hash);
        }
    }
    key.newest = std::max(key.newest, at);

    const std::int64_t last_expired =
        FloorDiv(SaturatingSub(key.newest, spec.window + options.lateness_micros), spec.width);
    auto keep = std::upper_bound(key.buckets.begin(), key.buckets.end(), last_expired,
                                 [](std::int64_t wanted, const Bucket& b) { return wanted < b.index; });
    if (keep == key.buckets.begin()) return;
    if (entry) std::move(key.buckets.begin(), keep, std::back_inserter(entry->dropped_buckets));
    key.buckets.erase(key.buckets.begin(), keep);
    if (spec.keeps_hashes)
        DropLatest(key, key.buckets.empty() ? std::numeric_limits<std::int64_t>::max() : key.buckets.front().index,
                   entry);
}

void AggregateStore::Impl::Undo(Journal::Entry& entry) {
    SpecState& spec = *specs[entry.spec];
    auto found = spec.keys.find(std::string_view(entry.key));
    if (found == spec.keys.end()) return;  // cannot happen when the REQUIRES of Rollback hold
    KeyState& key = found->second;
    if (spec.bucketed) {
        key.buckets.insert(key.buckets.begin(), std::make_move_iterator(entry.dropped_buckets.begin()),
                           std::make_move_iterator(entry.dropped_buckets.end()));
        if (entry.bucket_at != kNone) {
            auto bucket = key.buckets.begin() + static_cast<std::ptrdiff_t>(entry.bucket_at);
            if (entry.bucket_created) {
                key.buckets.erase(bucket);
            } else {
                bucket->count = entry.bucket_before.count;
                bucket->overflow = entry.bucket_before.overflow;
                bucket->sum = entry.bucket_before.sum;
                bucket->min = entry.bucket_before.min;
                bucket->max = entry.bucket_before.max;
                if (entry.distinct_at != kNone)
                    bucket->distinct.erase(bucket->distinct.begin() + static_cast<std::ptrdiff_t>(entry.distinct_at));
                RestoreCapacity(bucket->distinct, entry.distinct_capacity);
            }
        }
    } else {
        auto prepend = [](auto& column, auto& saved) { column.insert(column.begin(), saved.begin(), saved.end()); };
        prepend(key.times, entry.dropped_times);
        if (spec.keeps_values) prepend(key.values, entry.dropped_values);
        if (spec.keeps_prefix) prepend(key.prefix, entry.dropped_prefix);
        if (spec.keeps_hashes) prepend(key.hashes, entry.dropped_hashes);
        if (entry.inserted_at != kNone) {
            const auto at = static_cast<std::ptrdiff_t>(entry.inserted_at);
            key.times.erase(key.times.begin() + at);
            if (spec.keeps_values) key.values.erase(key.values.begin() + at);
            if (spec.keeps_prefix) key.prefix.erase(key.prefix.begin() + at);
            if (spec.keeps_hashes) key.hashes.erase(key.hashes.begin() + at);
        }
    }
    if (spec.keeps_hashes) UndoLatest(key, entry);
    key.newest = entry.newest;
    key.scale_mask = entry.scale_mask;
    key.truncated = entry.truncated;
    key.prefix_ok = entry.prefix_ok;
    // Entries from the insert position on were recomputed with the undone event: recompute them
    // (those before it were never touched, so the sums come out as they were).
    if (spec.keeps_prefix && entry.inserted_at != kNone) RecomputePrefix(key, entry.inserted_at);
    if (spec.keeps_extremes && entry.inserted_at != kNone)
        RecomputeExtremes(key, entry.dropped_times.empty() ? entry.inserted_at : 0);
    RestoreCapacity(key.times, entry.times_capacity);
    RestoreCapacity(key.values, entry.values_capacity);
    RestoreCapacity(key.prefix, entry.prefix_capacity);
    RestoreCapacity(key.hashes, entry.hashes_capacity);
    RestoreCapacity(key.buckets, entry.buckets_capacity);
    RestoreCapacity(key.blocks, entry.blocks_capacity);
    RestoreCapacity(key.superblocks, entry.superblocks_capacity);
    RestoreCapacity(key.latest, entry.latest_capacity);
    RestoreCapacity(key.latest_times, entry.latest_times_capacity);
    if (entry.created_key) {
        spec.keys.erase(found);
        if (spec.keys.bucket_count() != entry.map_buckets_before) {
            if (spec.keys.empty() && entry.map_buckets_before <= 1)
                spec.keys = KeyMap(0, KeyHash{Hasher()});  // the map's initial single inline bucket
            else
                spec.keys.rehash(entry.map_buckets_before);
        }
    }
}

void AggregateStore::Rollback(Journal& journal) {
    std::unique_lock lock(impl_->mutex);
    for (auto entry = journal.entries_.rbegin(); entry != journal.entries_.rend(); ++entry) impl_->Undo(*entry);
    if (journal.started_) impl_->newest = journal.newest_before_;
    journal.entries_.clear();
    journal.started_ = false;
}

void AggregateStore::Commit(Journal& journal) {
    // The journal belongs to the writer; nothing in the store changes.
    journal.entries_.clear();
    journal.started_ = false;
}

Value AggregateStore::Query(SpecId spec_id, std::string_view key_text, UnixMicros occurred_at) const {
    thread_local std::vector<std::uint64_t> scratch;
    std::shared_lock lock(impl_->mutex);
    if (spec_id >= impl_->specs.size()) return Value::Null();
    const SpecState& spec = *impl_->specs[spec_id];
    auto found = spec.keys.find(key_text);
    if (found == spec.keys.end()) return EmptyResult(spec.function);
    const KeyState& key = found->second;
    const UnixMicros start = SaturatingSub(occurred_at, spec.window);  // excluded

    if (spec.bucketed) {
        auto by_index = [](std::int64_t wanted, const Bucket& b) { return wanted < b.index; };
        auto first = std::upper_bound(key.buckets.begin(), key.buckets.end(), FloorDiv(start, spec.width), by_index);
        auto last = std::upper_bound(first, key.buckets.end(), FloorDiv(occurred_at, spec.width), by_index);
        std::int64_t count = 0;
        switch (spec.function) {
            case AggregateFunction::kCount:
                for (auto bucket = first; bucket != last; ++bucket) count += bucket->count;
                return Value::Dec(Decimal::FromInt(count));
            case AggregateFunction::kDistinctCount:
                if (FloorDiv(occurred_at, spec.width) >= FloorDiv(key.newest, spec.width)) {
                    // The window's last bucket is the key's newest: a value is in the window exactly
                    // when its newest bucket is after the window's first. O(log distinct values).
                    const auto in_window =
                        key.latest_times.end() -
                        std::upper_bound(key.latest_times.begin(), key.latest_times.end(), FloorDiv(start, spec.width));
                    return Value::Dec(Decimal::FromInt(static_cast<std::int64_t>(in_window)));
                }
                scratch.clear();
                for (auto bucket = first; bucket != last; ++bucket)
                    scratch.insert(scratch.end(), bucket->distinct.begin(), bucket->distinct.end());
                return CountOfDistinct(scratch);
            case AggregateFunction::kSum:
            case AggregateFunction::kAvg: {
                std::optional<Decimal> sum = Decimal();
                for (auto bucket = first; bucket != last && sum; ++bucket) {
                    count += bucket->count;
                    sum = bucket->overflow ? std::nullopt : Add(*sum, bucket->sum);
                }
                if (spec.function == AggregateFunction::kAvg) return AverageOf(sum, count);
                return sum ? Value::Dec(*sum) : Value::Null();
            }
            case AggregateFunction::kMin:
            case AggregateFunction::kMax: {
                const bool want_min = spec.function == AggregateFunction::kMin;
                const Decimal* best = nullptr;
                for (auto bucket = first; bucket != last; ++bucket) {
                    if (bucket->count == 0) continue;
                    const Decimal& candidate = want_min ? bucket->min : bucket->max;
                    if (!best || (want_min ? Compare(candidate, *best) < 0 : Compare(candidate, *best) > 0))
                        best = &candidate;
                }
                return best ? Value::Dec(*best) : Value::Null();
            }
        }
        return Value::Null();
    }

    const auto lo =
        static_cast<std::size_t>(std::upper_bound(key.times.begin(), key.times.end(), start) - key.times.begin());
    const auto hi = static_cast<std::size_t>(
        std::upper_bound(key.times.begin() + static_cast<std::ptrdiff_t>(lo), key.times.end(), occurred_at) -
        key.times.begin());
    const auto count = static_cast<std::int64_t>(hi - lo);
    switch (spec.function) {
        case AggregateFunction::kCount:
            return Value::Dec(Decimal::FromInt(count));
        case AggregateFunction::kDistinctCount:
            if (occurred_at >= key.newest && !key.truncated) {
                // The window reaches the key's newest event: a value is in it exactly when its
                // newest occurrence is after the start. O(log distinct values).
                const auto in_window =
                    key.latest_times.end() - std::upper_bound(key.latest_times.begin(), key.latest_times.end(), start);
                return Value::Dec(Decimal::FromInt(static_cast<std::int64_t>(in_window)));
            }
            scratch.assign(key.hashes.begin() + static_cast<std::ptrdiff_t>(lo),
                           key.hashes.begin() + static_cast<std::ptrdiff_t>(hi));
            return CountOfDistinct(scratch);
        case AggregateFunction::kSum:
        case AggregateFunction::kAvg: {
            std::optional<Decimal> sum = Decimal();
            if (count == 0) {
                // 0 (scale 0), as a recomputation over nothing answers.
            } else if (key.prefix_ok) {
                // The difference of prefix sums is the exact total; a recomputation spells it with
                // the largest scale among the window's values, s (the prefix sums may carry a larger
                // scale, from a value outside the window: rounding to s is then exact). With one
                // scale among the key's values s is known: O(log n); otherwise the scales are
                // scanned up to the first value with the key's largest scale.
                int scale = std::countr_zero(key.scale_mask);
                if (!std::has_single_bit(key.scale_mask)) {
                    const int largest = 31 - std::countl_zero(key.scale_mask);
                    scale = -1;
                    for (std::size_t index = lo; index < hi && scale < largest; ++index)
                        scale = std::max<int>(scale, key.values[index].scale());
                }
                // prefix[lo] - values[lo], not prefix[lo - 1]: after a front drop the prefix sums
                // do not start at 0.
                sum = Sub(key.prefix[hi - 1], key.prefix[lo]);
                if (sum) sum = Add(*sum, key.values[lo]);
                if (sum) sum = sum->Round(scale);
            } else {
                for (std::size_t index = lo; index < hi && sum; ++index) sum = Add(*sum, key.values[index]);
            }
            if (spec.function == AggregateFunction::kAvg) return AverageOf(sum, count);
            return sum ? Value::Dec(*sum) : Value::Null();
        }
        case AggregateFunction::kMin:
        case AggregateFunction::kMax: {
            if (count == 0) return Value::Null();
            const bool want_min = spec.function == AggregateFunction::kMin;
            const Decimal* best = nullptr;
            auto consider = [&](const Decimal& candidate) {
                if (!best || (want_min ? Compare(candidate, *best) < 0 : Compare(candidate, *best) > 0))
                    best = &candidate;
            };
            auto consider_run = [&](const Extremes& run) { consider(want_min ? run.min : run.max); };
            // Left to right, so the first of equal values wins as in a plain scan.
            constexpr std::size_t kSuper = kBlock * kBlock;
            std::size_t index = lo;
            for (; index < hi && index % kBlock != 0; ++index) consider(key.values[index]);
            for (; index + kBlock <= hi && index % kSuper != 0; index += kBlock)
                consider_run(key.blocks[index / kBlock]);
            for (; index + kSuper <= hi; index += kSuper) consider_run(key.superblocks[index / kSuper]);
            for (; index + kBlock <= hi; index += kBlock) consider_run(key.blocks[index / kBlock]);
            for (; index < hi; ++index) consider(key.values[index]);
            return Value::Dec(*best);
        }
    }
    return Value::Null();
}

void AggregateStore::Sweep() {
    std::unique_lock lock(impl_->mutex);
    if (impl_->newest == kNever) return;
    const UnixMicros now = SaturatingSub(impl_->newest, impl_->options.lateness_micros);
    for (auto& spec_pointer : impl_->specs) {
        SpecState& spec = *spec_pointer;
        // A query at T >= now needs only events after now - window (buckets after its bucket).
        const UnixMicros cutoff = SaturatingSub(now, spec.window);
        for (auto key_it = spec.keys.begin(); key_it != spec.keys.end();) {
            KeyState& key = key_it->second;
            if (key.newest <= cutoff ||
                (spec.bucketed && FloorDiv(key.newest, spec.width) <= FloorDiv(cutoff, spec.width))) {
                key_it = spec.keys.erase(key_it);
                continue;
            }
            if (spec.bucketed) {
                const std::int64_t last_expired = FloorDiv(cutoff, spec.width);
                auto keep = std::upper_bound(key.buckets.begin(), key.buckets.end(), last_expired,
                                             [](std::int64_t wanted, const Bucket& b) { return wanted < b.index; });
                key.buckets.erase(key.buckets.begin(), keep);
                if (spec.keeps_hashes) {
                    DropLatest(
                        key, key.buckets.empty() ? std::numeric_limits<std::int64_t>::max() : key.buckets.front().index,
                        static_cast<Journal::Entry*>(nullptr));
                    ShrinkIfLoose(key.latest);
                    ShrinkIfLoose(key.latest_times);
                }
                ShrinkIfLoose(key.buckets);
            } else {
                const auto drop = std::upper_bound(key.times.begin(), key.times.end(), cutoff) - key.times.begin();
                if (drop > 0) {
                    key.times.erase(key.times.begin(), key.times.begin() + drop);
                    if (spec.keeps_values) {
                        key.values.erase(key.values.begin(), key.values.begin() + drop);
                        key.scale_mask = ScaleMask(key.values);
                    }
                    if (spec.keeps_prefix) key.prefix.erase(key.prefix.begin(), key.prefix.begin() + drop);
                    if (spec.keeps_hashes) {
                        key.hashes.erase(key.hashes.begin(), key.hashes.begin() + drop);
                        std::erase_if(key.latest, [&](const Latest& latest) { return latest.second <= cutoff; });
                        key.latest_times.erase(
                            key.latest_times.begin(),
                            std::upper_bound(key.latest_times.begin(), key.latest_times.end(), cutoff));
                    }
                    if (spec.keeps_extremes) RecomputeExtremes(key, 0);
                }
                ShrinkIfLoose(key.times);
                ShrinkIfLoose(key.values);
                ShrinkIfLoose(key.prefix);
                ShrinkIfLoose(key.hashes);
                ShrinkIfLoose(key.blocks);
                ShrinkIfLoose(key.superblocks);
                ShrinkIfLoose(key.latest);
                ShrinkIfLoose(key.latest_times);
            }
            ++key_it;
        }
        if (spec.keys.bucket_count() > 4 * spec.keys.size() + 16) spec.keys.rehash(0);
    }
}

AggregateStore::Stats AggregateStore::GetStats() const {
    std::shared_lock lock(impl_->mutex);
    Stats stats;
    stats.aggregates = impl_->specs.size();
    // The writer's scratch strings and each reader's distinct_count scratch are left out: a few
    // hundred bytes, and they would make the figure depend on history a Rollback undid.
    stats.bytes = sizeof(Impl) + VectorBytes(impl_->specs);
    if (impl_->by_text.bucket_count() > 1) stats.bytes += HeapBlock(impl_->by_text.bucket_count() * sizeof(void*));
    // An unordered_map node: the next pointer, the value and the cached hash code (see KeyHash).
    constexpr std::size_t kTextNode =
        sizeof(void*) + sizeof(std::pair<const std::string, SpecId>) + sizeof(std::size_t);
    constexpr std::size_t kKeyNode =
        sizeof(void*) + sizeof(std::pair<const std::string, KeyState>) + sizeof(std::size_t);
    for (const auto& [text, id] : impl_->by_text) stats.bytes += HeapBlock(kTextNode) + StringBytes(text);
    for (const auto& spec : impl_->specs) {
        stats.bytes += HeapBlock(sizeof(SpecState)) + StringBytes(spec->canonical);
        if (spec->keys.bucket_count() > 1) stats.bytes += HeapBlock(spec->keys.bucket_count() * sizeof(void*));
        for (const auto& [text, key] : spec->keys) {
            ++stats.keys;
            stats.bytes += HeapBlock(kKeyNode) + StringBytes(text) + VectorBytes(key.times) + VectorBytes(key.values) +
                           VectorBytes(key.prefix) + VectorBytes(key.hashes) + VectorBytes(key.buckets) +
                           VectorBytes(key.blocks) + VectorBytes(key.superblocks) + VectorBytes(key.latest) +
                           VectorBytes(key.latest_times);
            stats.events += key.times.size();
            stats.buckets += key.buckets.size();
            if (key.truncated) ++stats.truncated_keys;
            for (const Bucket& bucket : key.buckets) stats.bytes += VectorBytes(bucket.distinct);
        }
    }
    return stats;
}

// ---------------------------------------------------------------------------------------------
// Snapshots (the format is in the header, at Serialize).

namespace {

// The blob is the host's memory image of each column; every supported host is little endian.
static_assert(std::endian::native == std::endian::little, "snapshots are written little endian");
static_assert(sizeof(Latest) == 16);
static_assert(sizeof(Decimal::Int) == 16);

constexpr char kSnapshotMagic[8] = {'W', 'T', 'A', 'G', 'S', 'N', 'A', 'P'};
constexpr std::uint32_t kSnapshotVersion = 1;
constexpr std::size_t kHeaderBytes = 8 + 4 + 4 + 4 * 8 + 8 + 8 + 8 + 8;
constexpr std::size_t kTrailerBytes = 8;
constexpr std::size_t kDecimalBytes = 16 + 1;
constexpr std::uint8_t kTruncatedFlag = 1;
constexpr std::uint8_t kPrefixOkFlag = 2;
// Smallest records, to bound counts by the bytes left before anything is allocated for them.
constexpr std::size_t kMinSpecBytes = 8 + 4 + 1 + 1 + 2 + 8 + 8 + 8 + 8;
constexpr std::size_t kMinKeyBytes = 4 + 8 + 1 + 8 + 8 + 8;
// What Restore may reserve beyond the sizes it restores (vector capacities, key-map bucket
// arrays): 8 times the blob's size plus 1 MiB. The held state is 1-4 times the blob (a decimal is 17
// bytes in the blob, 32 in memory, 64 with its prefix sum) and growth by doubling leaves at most as
// much again unused, so a real store stays within it; a forged blob cannot make Restore reserve
// more.
constexpr std::size_t kCapacitySlackPerBlobByte = 8;
constexpr std::size_t kCapacitySlackBytes = std::size_t{1} << 20;

/// 10^36 - 1, Decimal's largest mantissa.
constexpr Decimal::Int MaxMantissa() {
    Decimal::Int value = 1;
    for (int digit = 0; digit < Decimal::kMaxDigits; ++digit) value *= 10;
    return value - 1;
}

/// XXH64 (Yann Collet), seed 0: the snapshot's checksum. Not a MAC (the snapshot lives on the
/// server's own disk); it detects torn writes and bit rot at memory speed (~10 GB/s).
std::uint64_t Xxh64(std::string_view data) {
    constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ULL;
    constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
    constexpr std::uint64_t kP3 = 0x165667B19E3779F9ULL;
    constexpr std::uint64_t kP4 = 0x85EBCA77C2B2AE63ULL;
    constexpr std::uint64_t kP5 = 0x27D4EB2F165667C5ULL;
    auto read64 = [](const char* at) {
        std::uint64_t word;
        std::memcpy(&word, at, 8);
        return word;
    };
    auto round = [](std::uint64_t acc, std::uint64_t input) { return std::rotl(acc + input * kP2, 31) * kP1; };
    auto merge = [&](std::uint64_t acc, std::uint64_t value) { return (acc ^ round(0, value)) * kP1 + kP4; };
    const char* at = data.data();
    const char* const end = at + data.size();
    std::uint64_t hash;
    if (data.size() >= 32) {
        std::uint64_t v1 = kP1 + kP2;
        std::uint64_t v2 = kP2;
        std::uint64_t v3 = 0;
        std::uint64_t v4 = 0 - kP1;
        for (; end - at >= 32; at += 32) {
            v1 = round(v1, read64(at));
            v2 = round(v2, read64(at + 8));
            v3 = round(v3, read64(at + 16));
            v4 = round(v4, read64(at + 24));
        }
        hash = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
        hash = merge(merge(merge(merge(hash, v1), v2), v3), v4);
    } else {
        hash = kP5;
    }
    hash += data.size();
    for (; end - at >= 8; at += 8) hash = std::rotl(hash ^ round(0, read64(at)), 27) * kP1 + kP4;
    if (end - at >= 4) {
        std::uint32_t word;
        std::memcpy(&word, at, 4);
        hash = std::rotl(hash ^ (word * kP1), 23) * kP2 + kP3;
        at += 4;
    }
    for (; at < end; ++at) hash = std::rotl(hash ^ (static_cast<unsigned char>(*at) * kP5), 11) * kP1;
    hash ^= hash >> 33;
    hash *= kP2;
    hash ^= hash >> 29;
    hash *= kP3;
    hash ^= hash >> 32;
    return hash;
}

/// Writes fixed-width little-endian fields and whole columns into the blob, which Serialize sized
/// exactly beforehand (one allocation, no per-field append). Writing past the end is a bug in that
/// sizing, never caused by the state: it aborts rather than corrupt memory.
class SnapshotWriter {
  public:
    SnapshotWriter(char* begin, char* end) : cursor_(begin), end_(end) {}

    char* cursor() const { return cursor_; }
    void PutBytes(const void* bytes, std::size_t size) {
        if (static_cast<std::size_t>(end_ - cursor_) < size) std::abort();
        if (size) std::memcpy(cursor_, bytes, size);
        cursor_ += size;
    }
    template <typename T>
    void Put(T value) {
        static_assert(std::is_trivially_copyable_v<T>);
        PutBytes(&value, sizeof value);
    }
    void PutText(std::string_view text) {
        Put(static_cast<std::uint32_t>(text.size()));
        PutBytes(text.data(), text.size());
    }
    template <typename T>
    void PutColumn(const std::vector<T>& column) {
        static_assert(std::is_trivially_copyable_v<T>);
        PutBytes(column.data(), column.size() * sizeof(T));
    }
    /// (hash, time) pairs, 16 bytes each (std::pair is not trivially copyable: copied by field).
    void PutLatest(const std::vector<Latest>& column) {
        if (static_cast<std::size_t>(end_ - cursor_) / 16 < column.size()) std::abort();
        for (const Latest& latest : column) {
            std::memcpy(cursor_, &latest.first, 8);
            std::memcpy(cursor_ + 8, &latest.second, 8);
            cursor_ += 16;
        }
    }
    void PutDecimal(const Decimal& value) {
        Put(value.mantissa());
        Put(static_cast<std::uint8_t>(value.scale()));
    }
    /// Mantissas, then scales (the padding inside Decimal is never written).
    void PutDecimals(const std::vector<Decimal>& column) {
        if (static_cast<std::size_t>(end_ - cursor_) / kDecimalBytes < column.size()) std::abort();
        for (const Decimal& value : column) {
            const Decimal::Int mantissa = value.mantissa();
            std::memcpy(cursor_, &mantissa, sizeof mantissa);
            cursor_ += sizeof mantissa;
        }
        for (const Decimal& value : column) *cursor_++ = static_cast<char>(value.scale());
    }

  private:
    char* cursor_;
    char* const end_;
};

/// Reads what SnapshotWriter wrote, never past the end: the first failure is kept (`error`) and
/// every later read answers zeros, so parsing code checks `ok()` at its decision points only.
class SnapshotReader {
  public:
    explicit SnapshotReader(std::string_view data) : data_(data) {}

    bool ok() const { return error_ == nullptr; }
    const char* error() const { return error_; }
    std::size_t left() const { return data_.size() - position_; }
    bool Fail(const char* why) {
        if (!error_) error_ = why;
        return false;
    }

    /// The next `bytes` bytes (nullptr when fewer are left).
    const char* Take(std::size_t bytes) {
        if (!ok() || bytes > left()) {
            Fail("truncated");
            return nullptr;
        }
        const char* at = data_.data() + position_;
        position_ += bytes;
        return at;
    }
    template <typename T>
    T Get() {
        static_assert(std::is_trivially_copyable_v<T>);
        T value{};
        if (const char* at = Take(sizeof value)) std::memcpy(&value, at, sizeof value);
        return value;
    }
    /// A count of items that take at least `min_item_bytes` each further on: more than could fit
    /// in what is left fails (so no count read from a corrupt blob can size an allocation).
    std::size_t GetCount(std::size_t min_item_bytes) {
        const auto count = Get<std::uint64_t>();
        if (count > left() / std::max<std::size_t>(1, min_item_bytes)) {
            Fail("a count exceeds the bytes left");
            return 0;
        }
        return static_cast<std::size_t>(count);
    }
    std::string_view GetText() {
        const auto size = Get<std::uint32_t>();
        const char* at = Take(size);
        return at ? std::string_view(at, size) : std::string_view();
    }
    std::optional<Decimal> GetDecimal() {
        const auto mantissa = Get<Decimal::Int>();
        const auto scale = Get<std::uint8_t>();
        return MakeDecimal(mantissa, scale);
    }
    /// A column of `count` fixed-width items into `column` (resized; its capacity was reserved).
    template <typename T>
    bool GetColumn(std::vector<T>& column, std::size_t count) {
        static_assert(std::is_trivially_copyable_v<T>);
        if (count > left() / sizeof(T)) return Fail("truncated");
        column.resize(count);
        if (count) std::memcpy(column.data(), Take(count * sizeof(T)), count * sizeof(T));
        return true;
    }
    /// `count` pairs as PutLatest wrote them, appended to `column`.
    bool GetLatest(std::vector<Latest>& column, std::size_t count) {
        if (count > left() / 16) return Fail("truncated");
        const char* cursor = Take(count * 16);
        for (std::size_t index = 0; index < count; ++index, cursor += 16) {
            Latest latest;
            std::memcpy(&latest.first, cursor, 8);
            std::memcpy(&latest.second, cursor + 8, 8);
            column.push_back(latest);
        }
        return true;
    }
    /// `count` decimals as PutDecimals wrote them, appended to `column`.
    bool GetDecimals(std::vector<Decimal>& column, std::size_t count) {
        if (count > left() / kDecimalBytes) return Fail("truncated");
        const char* mantissas = Take(count * 16);
        const char* scales = Take(count);
        for (std::size_t index = 0; index < count; ++index) {
            Decimal::Int mantissa;
            std::memcpy(&mantissa, mantissas + 16 * index, sizeof mantissa);
            auto value = MakeDecimal(mantissa, static_cast<std::uint8_t>(scales[index]));
            if (!value) return false;
            column.push_back(*value);
        }
        return true;
    }

  private:
    std::optional<Decimal> MakeDecimal(Decimal::Int mantissa, std::uint8_t scale) {
        // Checked here first: Make negates the mantissa, which overflows for the smallest __int128.
        constexpr Decimal::Int kMax = MaxMantissa();
        std::optional<Decimal> value;
        if (mantissa >= -kMax && mantissa <= kMax) value = Decimal::Make(mantissa, scale);
        if (!value) Fail("a decimal out of range");
        return value;
    }

    std::string_view data_;
    std::size_t position_ = 0;
    const char* error_ = nullptr;
};

/// Bytes Restore may still reserve beyond the sizes it restores.
struct CapacityBudget {
    std::size_t left = 0;

    /// Reserves `saved` elements (the saved capacity) when the budget allows, else `size`; false
    /// when the saved capacity is below the size (corrupt).
    template <typename T>
    bool Reserve(std::vector<T>& vector, std::uint64_t saved, std::size_t size) {
        if (saved < size) return false;
        const std::uint64_t slack = saved - size;
        if (slack <= left / sizeof(T)) {
            left -= static_cast<std::size_t>(slack) * sizeof(T);
            vector.reserve(static_cast<std::size_t>(saved));
        } else {
            vector.reserve(size);
        }
        return true;
    }
};

std::size_t CeilDiv(std::size_t a, std::size_t b) { return (a + b - 1) / b; }

/// The vectors an aggregate of this kind uses, in the order their capacities are written (the
/// others stay empty, capacity 0, all their life). `Key` is KeyState or const KeyState.
constexpr std::size_t kMaxUsedVectors = 4;
template <typename Key, typename Visit>
void ForEachUsedVector(const SpecState& spec, Key& key, Visit&& visit) {
    if (spec.bucketed) {
        visit(key.buckets);
    } else {
        visit(key.times);
        if (spec.keeps_values) visit(key.values);
        if (spec.keeps_prefix) visit(key.prefix);
        if (spec.keeps_hashes) visit(key.hashes);
        if (spec.keeps_extremes) {
            visit(key.blocks);
            visit(key.superblocks);
        }
    }
    if (spec.keeps_hashes) {
        visit(key.latest);
        visit(key.latest_times);
    }
}

std::size_t UsedVectors(const SpecState& spec) {
    std::size_t used = 0;
    const KeyState probe;
    ForEachUsedVector(spec, probe, [&](auto&) { ++used; });
    assert(used <= kMaxUsedVectors);
    return used;
}

std::size_t BucketBytes(const SpecState& spec, const Bucket& bucket) {
    return 8 + 8 + 1 + (spec.keeps_values ? 3 * kDecimalBytes : 0) +
           (spec.keeps_hashes ? 8 + 8 + 8 * bucket.distinct.size() : 0);
}

std::size_t KeyBytes(const SpecState& spec, std::size_t used_vectors, const std::string& text, const KeyState& key) {
    std::size_t bytes = 4 + text.size() + 8 + 1 + 8 + 8 + 8 * used_vectors + 16 * key.latest.size();
    if (spec.bucketed) {
        for (const Bucket& bucket : key.buckets) bytes += BucketBytes(spec, bucket);
    } else {
        const std::size_t events = key.times.size();
        bytes += 8 * events;
        if (spec.keeps_values) bytes += kDecimalBytes * events;
        if (spec.keeps_prefix && key.prefix_ok && events) bytes += kDecimalBytes;
        if (spec.keeps_hashes) bytes += 8 * events;
    }
    return bytes;
}

void WriteKey(SnapshotWriter& out, const SpecState& spec, const std::string& text, const KeyState& key) {
    out.PutText(text);
    out.Put(key.newest);
    out.Put(static_cast<std::uint8_t>((key.truncated ? kTruncatedFlag : 0) | (key.prefix_ok ? kPrefixOkFlag : 0)));
    out.Put(static_cast<std::uint64_t>(spec.bucketed ? key.buckets.size() : key.times.size()));
    out.Put(static_cast<std::uint64_t>(key.latest.size()));
    ForEachUsedVector(spec, key, [&](auto& vector) { out.Put(static_cast<std::uint64_t>(vector.capacity())); });
    if (spec.bucketed) {
        for (const Bucket& bucket : key.buckets) {
            out.Put(bucket.index);
            out.Put(bucket.count);
            out.Put(static_cast<std::uint8_t>(bucket.overflow));
            if (spec.keeps_values) {
                out.PutDecimal(bucket.sum);
                out.PutDecimal(bucket.min);
                out.PutDecimal(bucket.max);
            }
            if (spec.keeps_hashes) {
                out.Put(static_cast<std::uint64_t>(bucket.distinct.size()));
                out.Put(static_cast<std::uint64_t>(bucket.distinct.capacity()));
                out.PutColumn(bucket.distinct);
            }
        }
    } else {
        out.PutColumn(key.times);
        if (spec.keeps_values) out.PutDecimals(key.values);
        // Only the first prefix sum: the others follow from it and the values (RecomputePrefix),
        // and after an overflow (prefix_ok false) they are never read.
        if (spec.keeps_prefix && key.prefix_ok && !key.prefix.empty()) out.PutDecimal(key.prefix.front());
        if (spec.keeps_hashes) out.PutColumn(key.hashes);
    }
    out.PutLatest(key.latest);  // latest_times is the sorted times of `latest`: rebuilt
}

template <typename T, typename Less>
bool Ascending(const std::vector<T>& column, Less less) {
    return std::adjacent_find(column.begin(), column.end(), [&](const T& a, const T& b) { return !less(a, b); }) ==
           column.end();
}

/// One key of `spec` from `in` into `key` (fresh). Checks every invariant that the store's code
/// relies on, so a restored key can never make Query/Record/Sweep/Rollback misbehave.
bool ReadKey(SnapshotReader& in, const SpecState& spec, KeyState& key, CapacityBudget& budget) {
    key.newest = in.Get<UnixMicros>();
    const auto flags = in.Get<std::uint8_t>();
    if (flags & ~(kTruncatedFlag | kPrefixOkFlag)) return in.Fail("unknown key flags");
    key.truncated = (flags & kTruncatedFlag) != 0;
    key.prefix_ok = (flags & kPrefixOkFlag) != 0;
    const std::size_t items = in.GetCount(spec.bucketed ? 8 + 8 + 1 : 8);
    const std::size_t distinct = in.GetCount(sizeof(Latest));
    if (!spec.keeps_hashes && distinct != 0) return in.Fail("distinct values in an aggregate without them");
    std::array<std::uint64_t, kMaxUsedVectors> capacities{};
    std::size_t vector_at = 0;
    ForEachUsedVector(spec, key, [&](auto&) { capacities[vector_at++] = in.Get<std::uint64_t>(); });
    if (!in.ok()) return false;
    // The sizes each used vector will have, in the same order.
    std::array<std::size_t, kMaxUsedVectors> sizes{};
    std::size_t sized = 0;
    sizes[sized++] = items;  // times or buckets
    if (!spec.bucketed) {
        if (spec.keeps_values) sizes[sized++] = items;
        if (spec.keeps_prefix) sizes[sized++] = items;
        if (spec.keeps_hashes) sizes[sized++] = items;
        if (spec.keeps_extremes) {
            sizes[sized++] = CeilDiv(items, kBlock);
            sizes[sized++] = CeilDiv(CeilDiv(items, kBlock), kBlock);
        }
    }
    if (spec.keeps_hashes) {
        sizes[sized++] = distinct;
        sizes[sized++] = distinct;
    }
    vector_at = 0;
    bool capacities_ok = true;
    ForEachUsedVector(spec, key, [&](auto& vector) {
        capacities_ok = capacities_ok && budget.Reserve(vector, capacities[vector_at], sizes[vector_at]);
        ++vector_at;
    });
    if (!capacities_ok) return in.Fail("a capacity below its size");

    if (spec.bucketed) {
        std::int64_t total = 0;
        for (std::size_t bucket_at = 0; bucket_at < items; ++bucket_at) {
            Bucket& bucket = key.buckets.emplace_back();
            bucket.index = in.Get<std::int64_t>();
            bucket.count = in.Get<std::int64_t>();
            const auto overflow = in.Get<std::uint8_t>();
            if (overflow > 1) return in.Fail("a bucket's overflow flag");
            bucket.overflow = overflow != 0;
            if (spec.keeps_values) {
                auto sum = in.GetDecimal();
                auto min = in.GetDecimal();
                auto max = in.GetDecimal();
                if (!in.ok()) return false;
                bucket.sum = *sum;
                bucket.min = *min;
                bucket.max = *max;
            }
            // Counts stay far from overflow when a query adds a window's buckets.
            constexpr std::int64_t kMaxTotal = std::int64_t{1} << 62;
            if (bucket.count < 1 || bucket.count > kMaxTotal - total) return in.Fail("a bucket's count");
            total += bucket.count;
            if (bucket_at > 0 && key.buckets[bucket_at - 1].index >= bucket.index)
                return in.Fail("buckets out of order");
            if (spec.keeps_hashes) {
                const std::size_t size = in.GetCount(8);
                const auto capacity = in.Get<std::uint64_t>();
                if (!in.ok()) return false;
                if (!budget.Reserve(bucket.distinct, capacity, size)) return in.Fail("a capacity below its size");
                if (!in.GetColumn(bucket.distinct, size)) return false;
                if (!Ascending(bucket.distinct, std::less<>())) return in.Fail("distinct hashes out of order");
            }
            if (!in.ok()) return false;
        }
    } else {
        if (!in.GetColumn(key.times, items)) return false;
        if (!std::is_sorted(key.times.begin(), key.times.end())) return in.Fail("events out of order");
        if (spec.keeps_values) {
            if (!in.GetDecimals(key.values, items)) return false;
            key.scale_mask = ScaleMask(key.values);
        }
        if (spec.keeps_prefix) {
            if (key.prefix_ok && items > 0) {
                auto first = in.GetDecimal();
                if (!first) return false;
                key.prefix.push_back(*first);
                for (std::size_t index = 1; index < items; ++index) {
                    auto next = Add(key.prefix.back(), key.values[index]);
                    if (!next) return in.Fail("prefix sums overflow but are marked valid");
                    key.prefix.push_back(*next);
                }
            } else {
                key.prefix.resize(items);  // never read while prefix_ok is false
            }
        }
        if (spec.keeps_hashes && !in.GetColumn(key.hashes, items)) return false;
        if (spec.keeps_extremes) RecomputeExtremes(key, 0);
    }
    if (spec.keeps_hashes) {
        if (!in.GetLatest(key.latest, distinct)) return false;
        if (!Ascending(key.latest, [](const Latest& a, const Latest& b) { return a.first < b.first; }))
            return in.Fail("distinct values out of order");
        for (const Latest& latest : key.latest) key.latest_times.push_back(latest.second);
        std::sort(key.latest_times.begin(), key.latest_times.end());
    }
    return in.ok();
}

}  // namespace

void AggregateStore::Serialize(std::string* out) const {
    std::shared_lock lock(impl_->mutex);
    // Sized first, so the blob is written into one allocation.
    std::size_t bytes = kHeaderBytes + kTrailerBytes;
    for (const auto& spec : impl_->specs) {
        const std::size_t used = UsedVectors(*spec);
        bytes += kMinSpecBytes + spec->canonical.size();
        for (const auto& [text, key] : spec->keys) bytes += KeyBytes(*spec, used, text, key);
    }
    const std::size_t start = out->size();
    out->resize(start + bytes);
    char* const begin = out->data() + start;
    SnapshotWriter writer(begin, begin + bytes);
    writer.PutBytes(kSnapshotMagic, sizeof kSnapshotMagic);
    writer.Put(kSnapshotVersion);
    writer.Put(std::uint32_t{0});
    const Options& options = impl_->options;
    writer.Put(options.exact_window_limit_micros);
    writer.Put(static_cast<std::int64_t>(options.buckets_per_window));
    writer.Put(options.lateness_micros);
    writer.Put(static_cast<std::uint64_t>(options.max_exact_events_per_key));
    writer.Put(impl_->newest);
    writer.Put(impl_->k0);
    writer.Put(impl_->k1);
    writer.Put(static_cast<std::uint64_t>(impl_->specs.size()));
    for (const auto& spec_pointer : impl_->specs) {
        const SpecState& spec = *spec_pointer;
        char* const length_at = writer.cursor();
        writer.Put(std::uint64_t{0});  // patched below
        writer.PutText(spec.canonical);
        writer.Put(static_cast<std::uint8_t>(spec.function));
        writer.Put(static_cast<std::uint8_t>(spec.bucketed));
        writer.Put(std::uint16_t{0});
        writer.Put(spec.window);
        writer.Put(spec.width);
        writer.Put(static_cast<std::uint64_t>(spec.keys.size()));
        writer.Put(static_cast<std::uint64_t>(spec.keys.bucket_count()));
        for (const auto& [text, key] : spec.keys) WriteKey(writer, spec, text, key);
        const std::uint64_t length = static_cast<std::uint64_t>(writer.cursor() - length_at) - 8;
        std::memcpy(length_at, &length, sizeof length);
    }
    const std::size_t body = bytes - kTrailerBytes;
    if (writer.cursor() != begin + body) std::abort();  // the sizing above and the writing disagree
    writer.Put(Xxh64(std::string_view(begin, body)));
}

Result<std::vector<AggregateStore::SpecId>> AggregateStore::Restore(std::string_view blob) {
    auto refuse = [](std::string why) { return Error::Validation("snapshot", "aggregate snapshot refused: " + why); };
    if (blob.size() < 16 || std::memcmp(blob.data(), kSnapshotMagic, sizeof kSnapshotMagic) != 0)
        return refuse("not an aggregate store snapshot");
    std::uint32_t version = 0;
    std::memcpy(&version, blob.data() + 8, sizeof version);
    if (version != kSnapshotVersion)
        return refuse("format version " + std::to_string(version) + ", this build reads version " +
                      std::to_string(kSnapshotVersion));
    if (blob.size() < kHeaderBytes + kTrailerBytes) return refuse("truncated");
    std::uint64_t checksum = 0;
    std::memcpy(&checksum, blob.data() + blob.size() - kTrailerBytes, sizeof checksum);
    const std::string_view body = blob.substr(0, blob.size() - kTrailerBytes);
    if (Xxh64(body) != checksum) return refuse("checksum mismatch (corrupt or truncated)");

    SnapshotReader in(body);
    in.Take(sizeof kSnapshotMagic + 4);
    if (in.Get<std::uint32_t>() != 0) return refuse("reserved header field set");
    const Options& options = impl_->options;
    const auto exact_limit = in.Get<std::int64_t>();
    const auto buckets_per_window = in.Get<std::int64_t>();
    const auto lateness = in.Get<std::int64_t>();
    const auto max_events = in.Get<std::uint64_t>();
    if (exact_limit != options.exact_window_limit_micros || buckets_per_window != options.buckets_per_window ||
        lateness != options.lateness_micros || max_events != options.max_exact_events_per_key)
        return refuse("saved with different options");
    const auto newest = in.Get<UnixMicros>();
    const auto k0 = in.Get<std::uint64_t>();
    const auto k1 = in.Get<std::uint64_t>();
    const std::size_t spec_count = in.GetCount(kMinSpecBytes);
    if (!in.ok()) return refuse(in.error());

    struct Parsed {
        SpecId id;
        KeyMap keys;
    };
    std::vector<Parsed> parsed;
    CapacityBudget budget{kCapacitySlackPerBlobByte * blob.size() + kCapacitySlackBytes};
    {
        std::shared_lock lock(impl_->mutex);  // a writer call: nothing changes until the swap below
        std::unordered_set<std::string_view> seen;
        for (std::size_t spec_at = 0; spec_at < spec_count; ++spec_at) {
            const std::size_t length = in.GetCount(1);
            SnapshotReader record(std::string_view(in.Take(length), length));
            if (!in.ok()) return refuse(in.error());
            const std::string_view canonical = record.GetText();
            if (!record.ok()) return refuse(record.error());
            if (!seen.insert(canonical).second) return refuse("an aggregate saved twice");
            auto tracked = impl_->by_text.find(canonical);
            if (tracked == impl_->by_text.end()) continue;  // no longer tracked
            const SpecState& spec = *impl_->specs[tracked->second];
            const auto function = record.Get<std::uint8_t>();
            const auto bucketed = record.Get<std::uint8_t>();
            const auto reserved = record.Get<std::uint16_t>();
            const auto window = record.Get<std::int64_t>();
            const auto width = record.Get<std::int64_t>();
            if (function != static_cast<std::uint8_t>(spec.function) ||
                bucketed != static_cast<std::uint8_t>(spec.bucketed) || reserved != 0 || window != spec.window ||
                width != spec.width)
                return refuse("aggregate " + spec.canonical + " saved with another definition");
            const std::size_t key_count = record.GetCount(kMinKeyBytes);
            const auto map_buckets = record.Get<std::uint64_t>();
            if (!record.ok()) return refuse(record.error());
            Parsed& into = parsed.emplace_back(Parsed{tracked->second, KeyMap(0, KeyHash{SipHash13(k0, k1)})});
            // The saved bucket count (Stats count it; growth continues from it as it would have).
            if (map_buckets > 1 && map_buckets <= budget.left / sizeof(void*)) {
                budget.left -= static_cast<std::size_t>(map_buckets) * sizeof(void*);
                into.keys.rehash(static_cast<std::size_t>(map_buckets));
            } else {
                into.keys.reserve(key_count);
            }
            for (std::size_t key_at = 0; key_at < key_count; ++key_at) {
                const std::string_view text = record.GetText();
                if (!record.ok()) return refuse(record.error());
                auto [key, created] = into.keys.try_emplace(std::string(text));
                if (!created) return refuse("a key saved twice");
                if (!ReadKey(record, spec, key->second, budget))
                    return refuse(std::string(record.error()) + " in " + spec.canonical);
            }
            if (record.left() != 0) return refuse("trailing bytes in aggregate " + spec.canonical);
        }
        if (in.left() != 0) return refuse("trailing bytes");
        if (k0 != impl_->k0 || k1 != impl_->k1) {
            for (SpecId id = 0; id < impl_->specs.size(); ++id) {
                const SpecState& spec = *impl_->specs[id];
                const bool restored =
                    std::any_of(parsed.begin(), parsed.end(), [&](const Parsed& p) { return p.id == id; });
                if (!restored && spec.keeps_hashes && !spec.keys.empty())
                    return refuse("aggregate " + spec.canonical +
                                  " holds distinct values under another hash key and is not in the snapshot");
            }
        }
    }

    std::vector<SpecId> restored;
    {
        std::unique_lock lock(impl_->mutex);
        // Key maps not restored keep their own hasher (a map carries its copy), so they stay valid
        // under the adopted key; only new hashes (values, new maps) use it.
        impl_->k0 = k0;
        impl_->k1 = k1;
        impl_->newest = std::max(impl_->newest, newest);
        for (Parsed& spec : parsed) {
            impl_->specs[spec.id]->keys.swap(spec.keys);
            restored.push_back(spec.id);
        }
    }
    // `parsed` now holds the replaced state: freed here, outside the lock.
    std::sort(restored.begin(), restored.end());
    return restored;
}

}  // namespace wt::rules
