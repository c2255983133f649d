// SPDX-License-Identifier: Apache-2.0
#include "rules/aggregate_store.hpp"

#include <algorithm>
#include <bit>
#include <iterator>
#include <limits>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <unordered_map>
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

}  // namespace wt::rules
