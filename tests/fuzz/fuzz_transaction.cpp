// SPDX-License-Identifier: Apache-2.0
/// Fuzzes the ingestion body parser: `ParseTransaction` and `ParseBatch` on the input, and
/// `ParseAmount` on short inputs. No crash, UB or exception on any input, and:
/// - a failure is 400 malformed_request or 422 validation_failed (never internal), and a 422
///   names at least one field;
/// - a parsed transaction has amount > 0 with at most 18 digits, the exponent of its currency,
///   `FormatAmount` -> `ParseAmount` gives the amount back, country codes are valid, and a second
///   parse of the same input gives the same fingerprint (64 hex digits);
/// - a batch has one result per item, between 1 and batch_max_items;
/// - an amount `ParseAmount` accepts formats and parses back to itself.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ingest/transaction.hpp"

namespace {

using wt::ingest::Transaction;

constexpr wt::UnixMicros kNow = 1'795'435'200 * wt::kMicrosPerSecond;  // 2026-11-23T12:00:00Z
constexpr std::int64_t kMaxMinor = 999'999'999'999'999'999;

[[noreturn]] void Fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "fuzz_transaction: invariant violated: %s: '%.*s'\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

void CheckError(const wt::Error& error) {
    if (error.code == wt::ErrorCode::kValidationFailed) {
        if (error.fields.empty()) Fail("422 without fields", error.detail);
        for (const auto& field : error.fields)
            if (field.message.empty()) Fail("field error without a message", field.field);
    } else if (error.code == wt::ErrorCode::kMalformedRequest) {
        if (error.detail.empty()) Fail("400 without a detail", "");
    } else {
        Fail("unexpected error code", wt::ErrorCodeName(error.code));
    }
}

void CheckTransaction(const Transaction& txn) {
    if (txn.amount_minor <= 0 || txn.amount_minor > kMaxMinor) Fail("amount out of range", txn.currency);
    auto exponent = wt::ingest::CurrencyExponent(txn.currency);
    if (!exponent || *exponent != txn.currency_exponent) Fail("currency exponent", txn.currency);
    std::string text = wt::ingest::FormatAmount(txn.amount_minor, txn.currency_exponent);
    auto back = wt::ingest::ParseAmount(text, false, txn.currency_exponent, txn.currency);
    if (!back.ok() || *back != txn.amount_minor) Fail("FormatAmount -> ParseAmount round trip", text);
    if (txn.external_id.empty() || txn.account_id.empty()) Fail("empty required id", txn.external_id);
    if (txn.country && !wt::ingest::IsCountryCode(*txn.country)) Fail("country", *txn.country);
    if (txn.counterparty_country && !wt::ingest::IsCountryCode(*txn.counterparty_country))
        Fail("counterparty country", *txn.counterparty_country);
    if (txn.occurred_at && *txn.occurred_at > kNow + 5 * wt::kMicrosPerMinute) Fail("occurred_at in the future", "");
    if (txn.metadata_json.empty() || txn.metadata_json.front() != '{') Fail("metadata_json", txn.metadata_json);
    if (txn.metadata_json.size() > wt::ingest::Limits{}.metadata_max_bytes) Fail("metadata too big", "");
    if (txn.Fingerprint().size() != 64) Fail("fingerprint length", txn.Fingerprint());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);

    auto single = wt::ingest::ParseTransaction(text, kNow);
    if (single.ok()) {
        CheckTransaction(*single);
        auto again = wt::ingest::ParseTransaction(text, kNow);
        if (!again.ok() || again->Fingerprint() != single->Fingerprint()) Fail("fingerprint not stable", text);
    } else {
        CheckError(single.error());
    }

    auto batch = wt::ingest::ParseBatch(text, kNow);
    if (batch.ok()) {
        if (batch->empty() || batch->size() > wt::ingest::Limits{}.batch_max_items) Fail("batch size", text);
        for (const auto& item : *batch) {
            if (item.ok())
                CheckTransaction(*item);
            else
                CheckError(item.error());
        }
    } else {
        CheckError(batch.error());
    }

    if (size <= 64) {
        for (int exponent = 0; exponent <= 4; ++exponent) {
            for (bool from_number : {false, true}) {
                auto minor = wt::ingest::ParseAmount(text, from_number, exponent, "TST");
                if (!minor.ok()) {
                    if (minor.error().code != wt::ErrorCode::kValidationFailed) Fail("ParseAmount error code", text);
                    continue;
                }
                if (*minor <= 0 || *minor > kMaxMinor) Fail("ParseAmount range", text);
                std::string formatted = wt::ingest::FormatAmount(*minor, exponent);
                auto back = wt::ingest::ParseAmount(formatted, false, exponent, "TST");
                if (!back.ok() || *back != *minor) Fail("ParseAmount round trip", formatted);
            }
        }
    }
    return 0;
}
