// SPDX-License-Identifier: Apache-2.0
/// The traffic model of `watchtower simulate`: a deterministic stream of synthetic transactions
/// (bodies of `POST /api/v1/transactions`, API.md "Ingestion surface") with labelled suspicious
/// patterns mixed in. docs/simulator.md describes the model for users.
///
/// Determinism: the stream is a pure function of (seed, start, patterns, pattern_rate). The n-th
/// call of `Next()` always returns the same transaction (sequence number n, 1-based), whatever the
/// count, the timing, the concurrency or the batching of the caller; a count only truncates the
/// stream. Random numbers come from hand-rolled generators (detail/random.hpp), so the stream is
/// also the same across compilers and standard libraries (up to libm's `exp`/`log`/`cos`).
///
/// Population: 10,000 accounts owned by 6,000 customers, with Zipf-Mandelbrot activity (a few
/// accounts are very busy, most are quiet), each with a home country and currency, a device, an IP
/// address in 198.18.0.0/15 or 2001:db8::/32, and 3-8 usual counterparties. Ids carry the seed
/// (`acc-<seed>-<n>`), so runs with different seeds never share accounts or external ids.
///
/// Times: every `occurred_at` is at or before `start`. Ordinary traffic is spread uniformly over
/// the 24 hours before `start`; pattern instances lay out their own times (a dormant account's
/// history lies 6-18 months back).
///
/// Threading: a Generator is a single-threaded state machine; the free functions are pure.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace wt::simulate {

/// The suspicious patterns the generator can inject (names as on the command line).
enum class Pattern {
    kStructuring,      // "structuring": 3-6 cash deposits of 9,000-9,999.99 USD within 24 h
    kVelocity,         // "velocity": 10-20 outbound payments from one account within 2-10 minutes
    kHighRiskWire,     // "high-risk-wire": 1-2 outbound wires to IR, KP, MM, SY, YE, AF or CU
    kRoundAmounts,     // "round-amounts": 3-5 outbound transfers/wires of whole thousands within 3 days
    kPassThrough,      // "pass-through": 1-3 pairs: money in, then 90-99% of it out within 30 min-6 h
    kDormant,          // "dormant": 3-6 old transactions 6-18 months back, then 2-4 large ones today
    kNewCounterparty,  // "new-counterparty": 3-6 usual transfers, then 20-50x its usual to a new payee
};
inline constexpr int kPatternCount = 7;

std::string_view PatternName(Pattern pattern);
/// Accepts the names above (`_` may stand for `-`, case-insensitive).
std::optional<Pattern> ParsePattern(std::string_view name);
/// `all`, `none`, or a comma-separated list of names (duplicates collapse; order of the enum).
/// Unknown names are kValidationFailed, naming them and listing the valid ones.
Result<std::vector<Pattern>> ParsePatternList(std::string_view text);

/// Structuring stays under this cash reporting threshold (the US CTR threshold), in USD.
inline constexpr std::int64_t kStructuringThresholdUsd = 10'000;
/// The counterparty countries of `high-risk-wire` (and only of it: ordinary traffic never uses them).
inline constexpr std::string_view kHighRiskCountries[] = {"IR", "KP", "MM", "SY", "YE", "AF", "CU"};

/// A currency the generator uses and its ISO 4217 minor-unit digits.
struct CurrencyInfo {
    std::string_view code;
    int exponent;
    double per_usd;  // a fixed, rough exchange rate: amounts are modelled in USD and converted
};
/// Every currency the generator may emit.
std::span<const CurrencyInfo> Currencies();
/// Minor-unit digits of a currency of `Currencies()`, or -1 for another code.
int CurrencyExponent(std::string_view code);

/// `sim-<seed>-<seq, 10 digits>`: the external id of sequence number `seq` (1-based).
std::string ExternalId(std::uint64_t seed, std::uint64_t seq);
/// `simkey-<seed>-<seq, 10 digits>`: the Idempotency-Key header sent with sequence number `seq`.
std::string IdempotencyKey(std::uint64_t seed, std::uint64_t seq);

struct GeneratorOptions {
    std::uint64_t seed = 1;
    UnixMicros start = 0;                // upper bound of every occurred_at
    std::vector<Pattern> patterns;       // enabled patterns; empty: ordinary traffic only
    double pattern_rate = 0.02;          // REQUIRES: 0 <= pattern_rate <= 1
    std::optional<std::uint64_t> count;  // stream length; nullopt: unbounded
};

/// One transaction of a pattern instance in the ground truth.
struct TruthMember {
    std::uint64_t seq = 0;
    std::string external_id;
    std::string role;        // "deposit", "burst", "wire", "round", "in", "out", "history", "reactivation", "payment"
    bool suspicious = true;  // false only for "history" (a dormant account's old activity, a payer's usual transfers)
};

/// One injected pattern occurrence and the transactions that make it up, in stream order.
struct PatternInstance {
    std::uint64_t id = 0;  // 1, 2, ... in order of creation
    Pattern pattern = Pattern::kStructuring;
    std::string account_id;
    std::string customer_id;
    std::string description;           // one human sentence with the amounts and time span
    std::size_t planned = 0;           // transactions the instance consists of
    std::vector<TruthMember> members;  // those generated so far (all of them when complete)
    bool complete() const { return members.size() == planned; }
};

/// One generated transaction.
struct SimTransaction {
    std::uint64_t seq = 0;  // 1-based position in the stream
    std::string external_id;
    std::string idempotency_key;
    std::optional<Pattern> pattern;  // nullopt: ordinary traffic
    std::uint64_t instance = 0;      // PatternInstance::id, 0 for ordinary traffic
    UnixMicros occurred_at = 0;
    std::string body;  // the JSON body of POST /api/v1/transactions (one item of a batch)
};

class Generator {
  public:
    explicit Generator(GeneratorOptions options);
    ~Generator();
    Generator(const Generator&) = delete;
    Generator& operator=(const Generator&) = delete;

    /// The next transaction of the stream; nullopt once `count` transactions were generated.
    std::optional<SimTransaction> Next();

    /// Instances whose last transaction was generated since the previous call, in that order.
    std::vector<PatternInstance> TakeCompleted();
    /// Instances started but not complete (their remaining transactions lie beyond the point the
    /// stream stopped), in creation order; they are forgotten.
    std::vector<PatternInstance> TakeIncomplete();

    /// Transactions generated so far (the sequence number of the last one).
    std::uint64_t generated() const { return seq_; }
    const GeneratorOptions& options() const { return options_; }

    struct Account;  // private to generator.cpp
    struct Planned;
    struct Pools;

  private:
    const Account& NormalAccount(std::uint64_t index);
    std::unique_ptr<Account> MakeAccount(std::uint64_t index) const;
    std::unique_ptr<Planned> Ordinary(std::uint64_t seq);
    void StartInstance(Pattern pattern, std::uint64_t seq);
    void Schedule(std::unique_ptr<Planned> planned);
    std::unique_ptr<Planned> PopDue();
    SimTransaction Emit(std::unique_ptr<Planned> planned);
    std::size_t ZipfRank(double uniform) const;

    GeneratorOptions options_;
    double start_probability_ = 0;  // of a new instance at a slot no pending transaction takes
    std::uint64_t seq_ = 0;
    std::uint64_t next_instance_ = 1;
    std::uint64_t next_order_ = 0;
    std::uint64_t dormant_accounts_ = 0;
    std::vector<std::unique_ptr<Account>> accounts_;  // profiles of the ordinary pool, built lazily
    std::vector<double> zipf_cdf_;
    std::unique_ptr<Pools> pools_;                   // the shared counterparties and merchants, built lazily
    std::vector<std::unique_ptr<Planned>> pending_;  // min-heap on (release seq, order)
    std::map<std::uint64_t, PatternInstance> open_;  // by id
    std::deque<PatternInstance> completed_;
};

}  // namespace wt::simulate
