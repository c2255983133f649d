// SPDX-License-Identifier: Apache-2.0
/// `TransactionView`: what a rule can see of one transaction. Non-owning: every string_view
/// points into storage the caller keeps alive for the evaluation (the engine builds one from an
/// `ingest::Transaction` without copying). The rules library does not depend on `wt_ingest`: the
/// direction and type are their API names ("outbound", "transfer").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/clock.hpp"

namespace wt::rules {

struct TransactionView {
    std::string_view external_id;
    UnixMicros occurred_at = 0;
    std::int64_t amount_minor = 0;  // amount in minor units of `currency`
    int currency_exponent = 2;      // ISO 4217 minor-unit digits (0..4)
    std::string_view currency;
    std::string_view direction;  // "inbound" | "outbound"
    std::string_view type;       // "card" | "transfer" | ... | "other"
    std::string_view account_id;
    std::optional<std::string_view> customer_id;
    std::optional<std::string_view> counterparty_name;
    std::optional<std::string_view> counterparty_account;
    std::optional<std::string_view> counterparty_country;
    std::optional<std::string_view> channel;
    std::optional<std::string_view> country;
    std::optional<std::string_view> ip;
    std::optional<std::string_view> device_id;
    std::string_view metadata_json = "{}";  // the `metadata` object as JSON text
};

}  // namespace wt::rules
