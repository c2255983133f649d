// SPDX-License-Identifier: Apache-2.0
/// The ingestion body: parsing and validation of `POST /transactions` and
/// `POST /transactions/batch` bodies (API.md "Ingestion surface").
///
/// Input is the raw request body text. Numbers are read exactly: a JSON number in `amount` is
/// converted from its text, never through a double, so `1250.10` is 125010 minor units of USD.
/// Money is held as integer minor units with the currency's ISO 4217 exponent.
///
/// Failure: unparsable text (empty, invalid UTF-8, not JSON, nested deeper than
/// `Limits::json_max_depth`, text after the value, not an object) is kMalformedRequest (400). A
/// parsed body with problems is kValidationFailed (422) whose `fields` list every bad field (dotted
/// paths such as `counterparty.country`, `metadata`), each with a message a developer integrating
/// against the API understands. Never throws on any input (only std::bad_alloc can escape).
///
/// Rules beyond API.md, decided here:
/// - A key that appears more than once in an object (RFC 8259 leaves the meaning open) is a 422 on
///   that field, "appears more than once" (`amount`, `counterparty.name`, `metadata.a.b`); the
///   field is not otherwise checked, since which value was meant is unknown.
/// - `null` for an optional field means absent; for a required one it is "is required". An empty
///   id, text or enum string is "must not be empty" (an empty amount or code gets that field's
///   format message). Unknown members are refused, at the top level ("put custom data in
///   metadata") and in `counterparty`; `metadata` is free-form.
/// - Lengths: ids (`external_id`, `account_id`, `customer_id`, `device_id`,
///   `counterparty.account`) are counted in bytes; human text (`counterparty.name`, `channel`,
///   metadata keys) in Unicode code points. Ids and text refuse control characters (C0, DEL, C1).
/// - Amounts: see ParseAmount. With a missing or unknown currency the amount's syntax and sign
///   are still checked (and both fields reported), its decimals cannot be.
/// - `ip`: IPv4 dotted quad (no leading zeros) or IPv6 text; no zone id (`%eth0`).
/// - `metadata`: an object; at most `metadata_max_keys` members at its top, depth at most
///   `metadata_max_depth` (arrays count as a level), keys at most `metadata_key_max` code points
///   at any depth, compact serialization at most `metadata_max_bytes`. Stored compactly in
///   document order with numbers exactly as written (`1.50` stays `1.50`).
///
/// Threading: pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace wt::ingest {

enum class Direction { kInbound, kOutbound };
enum class TransactionType { kCard, kTransfer, kWire, kAch, kCash, kCheck, kCrypto, kOther };

std::string_view DirectionName(Direction direction);         // "inbound" | "outbound"
std::string_view TransactionTypeName(TransactionType type);  // "card" ... "other"
std::optional<Direction> ParseDirection(std::string_view text);
std::optional<TransactionType> ParseTransactionType(std::string_view text);

/// Limits on a transaction body. Defaults are the documented ones (docs/ingestion.md).
struct Limits {
    std::size_t id_max = 128;                       // external_id, account_id, customer_id, device_id
    std::size_t name_max = 200;                     // counterparty.name
    std::size_t account_max = 64;                   // counterparty.account (IBAN and friends)
    std::size_t channel_max = 32;                   // channel
    std::size_t metadata_max_bytes = 8192;          // serialized size of `metadata`
    int metadata_max_depth = 3;                     // `{"a": {"b": {"c": 1}}}` is depth 3
    std::size_t metadata_max_keys = 64;             // members of `metadata` itself
    std::size_t metadata_key_max = 64;              // length of any key inside `metadata`
    UnixMicros future_skew = 5 * kMicrosPerMinute;  // occurred_at may be at most this far ahead
    int json_max_depth = 32;                        // the whole body (metadata's own limit is tighter)
    std::size_t batch_max_items = 1000;
};

/// A validated transaction, normalised (enums parsed, amount in minor units, times in micros).
struct Transaction {
    std::string external_id;
    std::optional<UnixMicros> occurred_at;  // absent: the caller uses the time received
    std::int64_t amount_minor = 0;          // > 0
    std::string currency;                   // ISO 4217 alphabetic code, upper case
    int currency_exponent = 2;              // ISO 4217 minor-unit digits (0..4)
    Direction direction = Direction::kOutbound;
    TransactionType type = TransactionType::kOther;
    std::string account_id;
    std::optional<std::string> customer_id;
    std::optional<std::string> counterparty_name;
    std::optional<std::string> counterparty_account;
    std::optional<std::string> counterparty_country;  // ISO 3166-1 alpha-2, upper case
    std::optional<std::string> channel;
    std::optional<std::string> country;  // ISO 3166-1 alpha-2, upper case
    std::optional<std::string> ip;       // a valid IPv4 or IPv6 address, as given
    std::optional<std::string> device_id;
    std::string metadata_json = "{}";  // `metadata` serialized compactly ("{}" when absent)

    /// A hex SHA-256 over a canonical serialization of every field above: length-prefixed fields in
    /// a fixed order, absent distinct from every value. Normalised values are hashed, so bodies
    /// that mean the same transaction have the same fingerprint: the amount as minor units
    /// ("1250.00", "1250", 1250 and 1.25e3 in USD), occurred_at as an instant (`10:00:00Z` =
    /// `11:00:00+01:00`), `type` absent = "other", metadata with its keys sorted. Anything else
    /// that differs (an id, the ip's text, a metadata number written `1.0` vs `1`) differs.
    /// Two requests are "the same body" for idempotency when their fingerprints are equal.
    std::string Fingerprint() const;
};

/// Parses and validates one transaction body (`POST /transactions`). `now` is the time received
/// (the 5-minute future limit is checked against it).
Result<Transaction> ParseTransaction(std::string_view body, UnixMicros now, const Limits& limits = {});

/// A batch body `{"transactions": [...]}` (1..limits.batch_max_items items). The envelope failing
/// is the returned error (400 for unparsable text, 422 for a missing/empty/oversized or non-array
/// `transactions`, or unknown envelope members). Otherwise one entry per item, in order: the
/// transaction or that item's own error (field paths relative to the item, e.g. `currency`).
Result<std::vector<Result<Transaction>>> ParseBatch(std::string_view body, UnixMicros now, const Limits& limits = {});

/// ISO 4217 minor-unit digits of an active alphabetic code (`"USD"` -> 2, `"JPY"` -> 0,
/// `"BHD"` -> 3, `"CLF"` -> 4), or nullopt for an unknown code, lower case, or a code without a
/// minor unit (XAU, XDR and the other `N.A.` codes are refused).
std::optional<int> CurrencyExponent(std::string_view code);

/// True for an officially assigned ISO 3166-1 alpha-2 code in upper case (`"DE"`, not `"de"`,
/// not `"UK"` or `"EU"`).
bool IsCountryCode(std::string_view code);

/// Formats minor units as the API's decimal string: (125010, 2) -> "1250.10", (5, 0) -> "5",
/// (1, 3) -> "0.001". Negative values get a leading "-"; `exponent` is clamped to 0..30.
std::string FormatAmount(std::int64_t minor, int exponent);

/// Parses a decimal amount text into minor units of a currency with `exponent` digits, exactly
/// (no floating point). `from_json_number` false: the text of a JSON string, a plain decimal
/// `^[0-9]+(\.[0-9]+)?$` (no sign, exponent, spaces, separators or bare leading/trailing dot;
/// leading zeros are fine). True: a JSON number's text (`1250.1`, `1.2501e3`, RFC 8259 grammar).
/// The value must be > 0. Digits beyond the currency's exponent are accepted only when they are
/// zeros (`"10.500"` USD = 1050); others are "USD allows at most 2 decimal places" ("JPY allows no
/// decimal places"). The result must have at most 18 digits (< 10^18 minor units; "is too large").
/// Errors are kValidationFailed for field `amount` ("must be a positive decimal string such as
/// \"1250.00\"", "must be greater than 0", ...); kInternal if `exponent` is outside 0..18.
Result<std::int64_t> ParseAmount(std::string_view text, bool from_json_number, int exponent, std::string_view currency);

}  // namespace wt::ingest
