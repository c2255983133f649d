// SPDX-License-Identifier: Apache-2.0
/// Forging AggregateStore snapshots in tests: an independent XXH64 (seed 0, the blob's trailer as
/// the format in aggregate_store.hpp specifies it; checked against zstd's frame checksums when
/// written) and `Reseal`, which makes an edited blob's checksum right again, so that tests and the
/// fuzzer reach the checks behind the checksum. Used by aggregate_store_test and
/// fuzz_aggregate_snapshot. Header-only.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace wt::rules::testing {

inline std::uint64_t Xxh64(std::string_view data) {
    constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ULL, kP2 = 0xC2B2AE3D27D4EB4FULL, kP3 = 0x165667B19E3779F9ULL,
                            kP4 = 0x85EBCA77C2B2AE63ULL, kP5 = 0x27D4EB2F165667C5ULL;
    auto read64 = [](const char* at) {
        std::uint64_t word;
        std::memcpy(&word, at, 8);
        return word;
    };
    auto round = [](std::uint64_t acc, std::uint64_t input) { return std::rotl(acc + input * kP2, 31) * kP1; };
    const char* at = data.data();
    const char* end = at + data.size();
    std::uint64_t hash = kP5;
    if (data.size() >= 32) {
        std::uint64_t lanes[4] = {kP1 + kP2, kP2, 0, 0 - kP1};
        for (; end - at >= 32; at += 32)
            for (int lane = 0; lane < 4; ++lane) lanes[lane] = round(lanes[lane], read64(at + 8 * lane));
        hash = std::rotl(lanes[0], 1) + std::rotl(lanes[1], 7) + std::rotl(lanes[2], 12) + std::rotl(lanes[3], 18);
        for (std::uint64_t lane : lanes) hash = (hash ^ round(0, lane)) * kP1 + kP4;
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
    hash = (hash ^ (hash >> 33)) * kP2;
    hash = (hash ^ (hash >> 29)) * kP3;
    return hash ^ (hash >> 32);
}

/// Rewrites the trailer so the checksum matches the (edited) body; a blob shorter than the
/// trailer is left as it is.
inline void Reseal(std::string& blob) {
    if (blob.size() < 8) return;
    const std::uint64_t checksum = Xxh64(std::string_view(blob).substr(0, blob.size() - 8));
    std::memcpy(blob.data() + blob.size() - 8, &checksum, 8);
}

}  // namespace wt::rules::testing
