// SPDX-License-Identifier: Apache-2.0
/// Private to `simulate`: the random numbers of the traffic model, hand-rolled so that a seed
/// produces the same traffic with any compiler and standard library (the distributions of
/// <random> are implementation-defined). SplitMix64 derives independent streams from
/// (seed, purpose, index); xoshiro256** draws from a stream. Not cryptographic.
/// Threading: value types without shared state.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

namespace wt::simulate::detail {

inline std::uint64_t SplitMix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// A well-mixed 64-bit value of up to three inputs: the seed of one stream.
inline std::uint64_t Hash(std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
    std::uint64_t state = a;
    std::uint64_t h = SplitMix64(state);
    state = h ^ b;
    h = SplitMix64(state);
    state = h ^ c;
    return SplitMix64(state);
}

/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64.
class Rng {
  public:
    explicit Rng(std::uint64_t seed) {
        for (auto& word : s_) word = SplitMix64(seed);
    }

    std::uint64_t Next() {
        const std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = Rotl(s_[3], 45);
        return result;
    }

    /// Uniform in [0, 1), 53 bits.
    double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
    /// Uniform in [lo, hi).
    double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
    /// Uniform integer in [lo, hi] (multiply-shift; the bias is below 2^-40 for our ranges).
    std::int64_t Int(std::int64_t lo, std::int64_t hi) {
        auto range = static_cast<unsigned __int128>(static_cast<std::uint64_t>(hi - lo) + 1);
        return lo + static_cast<std::int64_t>((static_cast<unsigned __int128>(Next()) * range) >> 64);
    }
    bool Chance(double probability) { return Uniform() < probability; }
    /// Standard normal (Box-Muller; one value per call, the pair's second half is dropped).
    double Normal() {
        double u1 = Uniform();
        double u2 = Uniform();
        if (u1 < 1e-300) u1 = 1e-300;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    /// Log-normal with the given median and shape (sigma of the underlying normal).
    double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }
    /// An index drawn with the given (not necessarily normalised) weights.
    std::size_t Weighted(std::span<const double> weights) {
        double total = 0;
        for (double w : weights) total += w;
        double x = Uniform() * total;
        for (std::size_t idx = 0; idx < weights.size(); ++idx) {
            if (x < weights[idx]) return idx;
            x -= weights[idx];
        }
        return weights.size() - 1;
    }

  private:
    static std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4];
};

}  // namespace wt::simulate::detail
