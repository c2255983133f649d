// SPDX-License-Identifier: Apache-2.0
#include "ingest/transaction.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "common/json.hpp"
#include "crypto/crypto.hpp"
#include "ingest/detail/exact_json.hpp"

namespace wt::ingest {
namespace {

using detail::JsonNode;

// 18 digits always fit an int64 (its maximum has 19), so no amount can overflow.
constexpr std::size_t kMaxAmountDigits = 18;
// Exponents (`1e<n>`) are read saturating at this magnitude: far beyond any amount that fits.
constexpr std::int64_t kExponentCap = 1'000'000'000;
// Field paths echo keys from the body; a pathological key is cut to this many bytes.
constexpr std::size_t kMaxEchoedKeyBytes = 128;
// The canonical metadata JSON is re-read for Fingerprint(); it was stored by us with a smaller depth.
constexpr int kFingerprintMetadataDepth = 64;

constexpr std::string_view kAmountStringSyntax = "must be a positive decimal string such as \"1250.00\"";
constexpr std::string_view kAmountNumberSyntax = "must be a positive decimal number such as 1250.00";
constexpr std::string_view kUnknownTopLevel = "is not a known field; put custom data in metadata";

constexpr std::array<std::string_view, 2> kDirectionNames = {"inbound", "outbound"};
constexpr std::array<std::string_view, 8> kTypeNames = {"card", "transfer", "wire",   "ach",
                                                        "cash", "check",    "crypto", "other"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string EchoKey(std::string_view key) { return SanitizeUtf8(key, kMaxEchoedKeyBytes); }

// ---------------------------------------------------------------------------------------------
// Amounts

// A non-negative decimal: `digits` (no leading zeros; empty for zero) times 10^-scale.
struct Decimal {
    std::string digits;
    std::int64_t scale = 0;
};

Error AmountError(std::string message) { return Error::Validation("amount", std::move(message)); }

// The message of an amount error (a one-field validation error; anything else by its detail).
std::string MessageOf(const Error& error) { return error.fields.empty() ? error.detail : error.fields.front().message; }

// Reads the syntax of an amount. A string must be a plain decimal (`^[0-9]+(\.[0-9]+)?$`); a JSON
// number's text follows RFC 8259 (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`). A negative
// number is "must be greater than 0" rather than a syntax error: the client sent a number.
Result<Decimal> ReadDecimal(std::string_view text, bool from_json_number) {
    const std::string_view syntax = from_json_number ? kAmountNumberSyntax : kAmountStringSyntax;
    std::size_t pos = 0;
    bool negative = false;
    if (from_json_number && pos < text.size() && text[pos] == '-') {
        negative = true;
        ++pos;
    }
    const std::size_t int_start = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    const std::string_view int_part = text.substr(int_start, pos - int_start);
    if (int_part.empty()) return AmountError(std::string(syntax));
    if (from_json_number && int_part.size() > 1 && int_part[0] == '0') return AmountError(std::string(syntax));
    std::string_view frac_part;
    if (pos < text.size() && text[pos] == '.') {
        const std::size_t frac_start = ++pos;
        while (pos < text.size() && IsDigit(text[pos])) ++pos;
        frac_part = text.substr(frac_start, pos - frac_start);
        if (frac_part.empty()) return AmountError(std::string(syntax));
    }
    std::int64_t exponent = 0;
    if (from_json_number && pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
        ++pos;
        bool exponent_negative = false;
        if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) exponent_negative = text[pos++] == '-';
        const std::size_t exp_start = pos;
        while (pos < text.size() && IsDigit(text[pos])) {
            exponent = std::min(kExponentCap, exponent * 10 + (text[pos] - '0'));
            ++pos;
        }
        if (pos == exp_start) return AmountError(std::string(syntax));
        if (exponent_negative) exponent = -exponent;
    }
    if (pos != text.size()) return AmountError(std::string(syntax));

    Decimal decimal;
    decimal.digits.reserve(int_part.size() + frac_part.size());
    decimal.digits.append(int_part).append(frac_part);
    decimal.digits.erase(0, std::min(decimal.digits.find_first_not_of('0'), decimal.digits.size()));
    // frac_part.size() is bounded by the text's length, and |exponent| by kExponentCap.
    decimal.scale = static_cast<std::int64_t>(frac_part.size()) - exponent;
    if (negative || decimal.digits.empty()) return AmountError("must be greater than 0");
    return decimal;
}

std::string DecimalsMessage(std::string_view currency, int exponent) {
    if (exponent == 0) return fmt::format("{} allows no decimal places", currency);
    if (exponent == 1) return fmt::format("{} allows at most 1 decimal place", currency);
    return fmt::format("{} allows at most {} decimal places", currency, exponent);
}

Error TooLarge() {
    return AmountError(fmt::format("is too large (at most {} digits including the decimal places)", kMaxAmountDigits));
}

// Scales a positive decimal to minor units of a currency with `exponent` digits: exact, or an error.
Result<std::int64_t> ToMinorUnits(const Decimal& decimal, int exponent, std::string_view currency) {
    const std::int64_t shift = exponent - decimal.scale;
    std::string_view kept = decimal.digits;
    std::size_t zeros_to_add = 0;
    if (shift >= 0) {
        if (static_cast<std::uint64_t>(shift) > kMaxAmountDigits) return TooLarge();
        zeros_to_add = static_cast<std::size_t>(shift);
    } else {
        // Digits below the currency's minor unit are fine only if they are zeros ("10.500" USD).
        const std::uint64_t drop = static_cast<std::uint64_t>(-(shift + 1)) + 1;           // -shift without overflow
        if (drop >= kept.size()) return AmountError(DecimalsMessage(currency, exponent));  // digits[0] is not 0
        std::string_view dropped = kept.substr(kept.size() - drop);
        if (dropped.find_first_not_of('0') != std::string_view::npos)
            return AmountError(DecimalsMessage(currency, exponent));
        kept.remove_suffix(drop);
    }
    if (kept.size() + zeros_to_add > kMaxAmountDigits) return TooLarge();
    std::int64_t minor = 0;
    for (char c : kept) minor = minor * 10 + (c - '0');
    for (std::size_t zero_idx = 0; zero_idx < zeros_to_add; ++zero_idx) minor *= 10;
    return minor;
}

// ---------------------------------------------------------------------------------------------
// Field checks

bool HasControlCharacter(std::string_view s) {
    for (std::size_t pos = 0; pos < s.size(); ++pos) {
        auto byte = static_cast<unsigned char>(s[pos]);
        if (byte < 0x20 || byte == 0x7F) return true;
        // C1 controls U+0080..U+009F are encoded C2 80..C2 9F.
        if (byte == 0xC2 && pos + 1 < s.size() && static_cast<unsigned char>(s[pos + 1]) <= 0x9F) return true;
    }
    return false;
}

bool IsIpAddress(std::string_view text) {
    // inet_pton needs a NUL-terminated string: a NUL inside would hide a suffix, and the longest
    // IPv6 text form is 45 characters. A zone id ("fe80::1%eth0") is refused by inet_pton itself.
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos) return false;
    std::string copy(text);
    unsigned char buffer[sizeof(struct in6_addr)];
    // glibc's AF_INET form is strict: exactly four decimal parts 0..255, no leading zeros.
    int family = copy.find(':') == std::string::npos ? AF_INET : AF_INET6;
    return inet_pton(family, copy.c_str(), buffer) == 1;
}

std::string UpperAscii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::string FormatSkew(UnixMicros skew) {
    if (skew % kMicrosPerMinute == 0) {
        auto minutes = skew / kMicrosPerMinute;
        return fmt::format("{} minute{}", minutes, minutes == 1 ? "" : "s");
    }
    auto seconds = skew / kMicrosPerSecond;
    return fmt::format("{} second{}", seconds, seconds == 1 ? "" : "s");
}

UnixMicros SaturatingAdd(UnixMicros a, UnixMicros b) {
    UnixMicros sum = 0;
    if (__builtin_add_overflow(a, b, &sum))
        return b > 0 ? std::numeric_limits<UnixMicros>::max() : std::numeric_limits<UnixMicros>::min();
    return sum;
}

// Collects field errors in the order they are found.
class FieldErrors {
public:
    void Add(std::string field, std::string message) { errors_.push_back({std::move(field), std::move(message)}); }
    bool empty() const { return errors_.empty(); }
    std::size_t size() const { return errors_.size(); }
    Error ToError() && { return Error::Validation(std::move(errors_)); }

private:
    std::vector<FieldError> errors_;
};

// The members of one JSON object, looked up by name. A key that appears more than once is
// reported at construction ("appears more than once") and then reads as `duplicate`, so the
// checks skip it: which of the values was meant is unknown. RejectUnknown reports every member
// no lookup asked about.
class ObjectMembers {
public:
    struct Member {
        const JsonNode* value = nullptr;  // nullptr: absent
        bool duplicate = false;
    };

    ObjectMembers(const JsonNode& object, std::string prefix, FieldErrors& errors)
        : object_(object), prefix_(std::move(prefix)), errors_(errors) {
        std::map<std::string_view, int> counts;
        for (const auto& key : object_.keys) {
            if (++counts[key] == 2) {
                duplicates_.insert(key);
                errors_.Add(Path(EchoKey(key)), "appears more than once");
            }
        }
    }

    Member Get(std::string_view key) {
        known_.insert(key);
        if (duplicates_.contains(key)) return {nullptr, true};
        for (std::size_t member_idx = 0; member_idx < object_.keys.size(); ++member_idx)
            if (object_.keys[member_idx] == key) return {&object_.items[member_idx], false};
        return {};
    }

    void RejectUnknown(std::string_view message) {
        std::set<std::string_view> reported;
        for (const auto& key : object_.keys) {
            if (known_.contains(key) || duplicates_.contains(key) || !reported.insert(key).second) continue;
            errors_.Add(Path(EchoKey(key)), std::string(message));
        }
    }

    std::string Path(std::string_view key) const {
        return prefix_.empty() ? std::string(key) : fmt::format("{}.{}", prefix_, key);
    }
    FieldErrors& errors() { return errors_; }

private:
    const JsonNode& object_;
    std::string prefix_;
    FieldErrors& errors_;
    std::set<std::string_view> duplicates_;
    std::set<std::string_view> known_;
};

// A string member: absent/null is nullopt ("is required" when `required`); a non-string or an
// empty string is reported.
std::optional<std::string> ReadString(ObjectMembers& members, std::string_view key, bool required) {
    auto member = members.Get(key);
    if (member.duplicate) return std::nullopt;
    if (!member.value || member.value->kind == JsonNode::Kind::kNull) {
        if (required) members.errors().Add(members.Path(key), "is required");
        return std::nullopt;
    }
    if (member.value->kind != JsonNode::Kind::kString) {
        members.errors().Add(members.Path(key), "must be a string");
        return std::nullopt;
    }
    if (member.value->text.empty()) {
        members.errors().Add(members.Path(key), "must not be empty");
        return std::nullopt;
    }
    return member.value->text;
}

// An identifier: no control characters, at most `max_bytes` bytes (ids are opaque byte strings
// to the systems that send them, and byte limits match the database columns).
std::optional<std::string> ReadId(ObjectMembers& members, std::string_view key, bool required, std::size_t max_bytes) {
    auto value = ReadString(members, key, required);
    if (!value) return std::nullopt;
    if (HasControlCharacter(*value)) {
        members.errors().Add(members.Path(key), "must not contain control characters");
        return std::nullopt;
    }
    if (value->size() > max_bytes) {
        members.errors().Add(members.Path(key), fmt::format("must be at most {} bytes", max_bytes));
        return std::nullopt;
    }
    return value;
}

// Human text (names, channel): no control characters, at most `max_chars` Unicode code points.
std::optional<std::string> ReadText(ObjectMembers& members, std::string_view key, std::size_t max_chars) {
    auto value = ReadString(members, key, false);
    if (!value) return std::nullopt;
    if (HasControlCharacter(*value)) {
        members.errors().Add(members.Path(key), "must not contain control characters");
        return std::nullopt;
    }
    if (Utf8Length(*value) > max_chars) {
        members.errors().Add(members.Path(key), fmt::format("must be at most {} characters", max_chars));
        return std::nullopt;
    }
    return value;
}

std::optional<std::string> ReadCountry(ObjectMembers& members, std::string_view key) {
    auto value = ReadString(members, key, false);
    if (!value) return std::nullopt;
    if (IsCountryCode(*value)) return value;
    if (value->size() == 2 && IsCountryCode(UpperAscii(*value)))
        members.errors().Add(members.Path(key), fmt::format("must be upper case (\"{}\")", UpperAscii(*value)));
    else
        members.errors().Add(members.Path(key), "must be an ISO 3166-1 alpha-2 country code such as \"DE\"");
    return std::nullopt;
}

// Walks metadata below its root: duplicate keys (reported at their path) and over-long keys (one
// report for the whole of metadata).
void CheckMetadataKeys(const JsonNode& node, const std::string& path, const Limits& limits, FieldErrors& errors,
                       bool& long_key_reported) {
    if (node.kind == JsonNode::Kind::kArray) {
        for (std::size_t item_idx = 0; item_idx < node.items.size(); ++item_idx)
            CheckMetadataKeys(node.items[item_idx], fmt::format("{}[{}]", path, item_idx), limits, errors,
                              long_key_reported);
        return;
    }
    if (node.kind != JsonNode::Kind::kObject) return;
    std::map<std::string_view, int> counts;
    for (std::size_t member_idx = 0; member_idx < node.keys.size(); ++member_idx) {
        const std::string& key = node.keys[member_idx];
        if (++counts[key] == 2) errors.Add(fmt::format("{}.{}", path, EchoKey(key)), "appears more than once");
        if (!long_key_reported && Utf8Length(key) > limits.metadata_key_max) {
            errors.Add("metadata", fmt::format("keys must be at most {} characters", limits.metadata_key_max));
            long_key_reported = true;
        }
        CheckMetadataKeys(node.items[member_idx], fmt::format("{}.{}", path, EchoKey(key)), limits, errors,
                          long_key_reported);
    }
}

// Metadata: an object of any JSON values within the limits, returned serialized compactly (numbers
// keep their exact text). Absent or null is "{}".
std::optional<std::string> ReadMetadata(ObjectMembers& members, const Limits& limits) {
    auto member = members.Get("metadata");
    if (member.duplicate) return std::nullopt;
    if (!member.value || member.value->kind == JsonNode::Kind::kNull) return std::string("{}");
    const JsonNode& metadata = *member.value;
    FieldErrors& errors = members.errors();
    if (!metadata.IsObject()) {
        errors.Add("metadata", "must be an object");
        return std::nullopt;
    }
    const std::size_t errors_before = errors.size();
    if (metadata.keys.size() > limits.metadata_max_keys)
        errors.Add("metadata", fmt::format("must have at most {} keys", limits.metadata_max_keys));
    if (JsonDepth(metadata) > limits.metadata_max_depth)
        errors.Add("metadata", fmt::format("must not nest deeper than {} levels", limits.metadata_max_depth));
    bool long_key_reported = false;
    CheckMetadataKeys(metadata, "metadata", limits, errors, long_key_reported);
    std::string json;
    detail::AppendCompactJson(metadata, false, json);
    if (json.size() > limits.metadata_max_bytes)
        errors.Add("metadata", fmt::format("must be at most {} bytes when serialized (it is {})",
                                           limits.metadata_max_bytes, json.size()));
    if (errors.size() != errors_before) return std::nullopt;
    return json;
}

// Validates one transaction object. `errors` collects every problem; the transaction is complete
// only when no error was added.
Transaction ReadTransaction(const JsonNode& body, UnixMicros now, const Limits& limits, FieldErrors& errors) {
    Transaction txn;
    ObjectMembers members(body, "", errors);

    if (auto id = ReadId(members, "external_id", true, limits.id_max)) txn.external_id = std::move(*id);

    if (auto text = ReadString(members, "occurred_at", false)) {
        auto when = ParseRfc3339(*text);
        if (!when) {
            errors.Add("occurred_at", "must be an RFC 3339 time such as \"2026-11-23T10:00:00Z\"");
        } else if (*when > SaturatingAdd(now, limits.future_skew)) {
            errors.Add("occurred_at", fmt::format("is more than {} in the future", FormatSkew(limits.future_skew)));
        } else {
            txn.occurred_at = *when;
        }
    }

    // The currency is read first: it decides how many decimals the amount may have.
    std::optional<int> exponent;
    std::string currency_error;
    auto currency_member = members.Get("currency");
    if (!currency_member.duplicate) {
        const JsonNode* value = currency_member.value;
        if (!value || value->kind == JsonNode::Kind::kNull) {
            currency_error = "is required";
        } else if (value->kind != JsonNode::Kind::kString) {
            currency_error = "must be a string";
        } else if ((exponent = CurrencyExponent(value->text))) {
            txn.currency = value->text;
            txn.currency_exponent = *exponent;
        } else if (value->text.size() == 3 && CurrencyExponent(UpperAscii(value->text))) {
            currency_error = fmt::format("must be upper case (\"{}\")", UpperAscii(value->text));
        } else {
            currency_error = "must be an active ISO 4217 currency code such as \"USD\"";
        }
    }

    auto amount_member = members.Get("amount");
    if (!amount_member.duplicate) {
        const JsonNode* value = amount_member.value;
        if (!value || value->kind == JsonNode::Kind::kNull) {
            errors.Add("amount", "is required");
        } else if (value->kind != JsonNode::Kind::kString && value->kind != JsonNode::Kind::kNumber) {
            errors.Add("amount", "must be a decimal string such as \"1250.00\" or a JSON number");
        } else {
            const bool from_number = value->kind == JsonNode::Kind::kNumber;
            if (exponent) {
                auto minor = ParseAmount(value->text, from_number, *exponent, txn.currency);
                if (minor)
                    txn.amount_minor = *minor;
                else
                    errors.Add("amount", MessageOf(minor.error()));
            } else if (auto decimal = ReadDecimal(value->text, from_number); !decimal) {
                // Without a currency the decimals cannot be checked, but the syntax and sign can.
                errors.Add("amount", MessageOf(decimal.error()));
            }
        }
    }
    if (!currency_error.empty()) errors.Add("currency", std::move(currency_error));

    if (auto text = ReadString(members, "direction", true)) {
        if (auto direction = ParseDirection(*text))
            txn.direction = *direction;
        else
            errors.Add("direction", "must be \"inbound\" or \"outbound\"");
    }
    if (auto text = ReadString(members, "type", false)) {
        if (auto type = ParseTransactionType(*text))
            txn.type = *type;
        else
            errors.Add("type", "must be one of card, transfer, wire, ach, cash, check, crypto, other");
    }

    if (auto id = ReadId(members, "account_id", true, limits.id_max)) txn.account_id = std::move(*id);
    txn.customer_id = ReadId(members, "customer_id", false, limits.id_max);

    auto counterparty = members.Get("counterparty");
    if (!counterparty.duplicate && counterparty.value && counterparty.value->kind != JsonNode::Kind::kNull) {
        if (!counterparty.value->IsObject()) {
            errors.Add("counterparty", "must be an object with name, account and country");
        } else {
            ObjectMembers party(*counterparty.value, "counterparty", errors);
            txn.counterparty_name = ReadText(party, "name", limits.name_max);
            txn.counterparty_account = ReadId(party, "account", false, limits.account_max);
            txn.counterparty_country = ReadCountry(party, "country");
            party.RejectUnknown("is not a known field (counterparty has name, account and country)");
        }
    }

    txn.channel = ReadText(members, "channel", limits.channel_max);
    txn.country = ReadCountry(members, "country");
    if (auto ip = ReadString(members, "ip", false)) {
        if (IsIpAddress(*ip))
            txn.ip = std::move(*ip);
        else
            errors.Add("ip", "must be an IPv4 or IPv6 address such as \"203.0.113.7\"");
    }
    txn.device_id = ReadId(members, "device_id", false, limits.id_max);
    if (auto metadata = ReadMetadata(members, limits)) txn.metadata_json = std::move(*metadata);

    members.RejectUnknown(kUnknownTopLevel);
    return txn;
}

Result<Transaction> ValidateItem(const JsonNode& item, UnixMicros now, const Limits& limits) {
    if (!item.IsObject()) return Error::Validation("", "must be a JSON object (one transaction)");
    FieldErrors errors;
    Transaction txn = ReadTransaction(item, now, limits, errors);
    if (!errors.empty()) return std::move(errors).ToError();
    return txn;
}

void AppendField(std::string& out, std::string_view name, std::optional<std::string_view> value) {
    out += name;
    if (!value) {
        out += "-\n";
        return;
    }
    fmt::format_to(std::back_inserter(out), "={}:", value->size());
    out += *value;
    out += '\n';
}

}  // namespace

std::string_view DirectionName(Direction direction) {
    auto idx = static_cast<std::size_t>(direction);
    return idx < kDirectionNames.size() ? kDirectionNames[idx] : std::string_view("unknown");
}

std::string_view TransactionTypeName(TransactionType type) {
    auto idx = static_cast<std::size_t>(type);
    return idx < kTypeNames.size() ? kTypeNames[idx] : std::string_view("unknown");
}

std::optional<Direction> ParseDirection(std::string_view text) {
    for (std::size_t idx = 0; idx < kDirectionNames.size(); ++idx)
        if (kDirectionNames[idx] == text) return static_cast<Direction>(idx);
    return std::nullopt;
}

std::optional<TransactionType> ParseTransactionType(std::string_view text) {
    for (std::size_t idx = 0; idx < kTypeNames.size(); ++idx)
        if (kTypeNames[idx] == text) return static_cast<TransactionType>(idx);
    return std::nullopt;
}

std::string FormatAmount(std::int64_t minor, int exponent) {
    exponent = std::clamp(exponent, 0, 30);
    // The magnitude as unsigned, so that INT64_MIN does not overflow.
    std::uint64_t magnitude = minor < 0 ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
    std::string digits = std::to_string(magnitude);
    const auto width = static_cast<std::size_t>(exponent);
    if (digits.size() <= width) digits.insert(0, width + 1 - digits.size(), '0');
    if (width > 0) digits.insert(digits.size() - width, 1, '.');
    return minor < 0 ? "-" + digits : digits;
}

Result<std::int64_t> ParseAmount(std::string_view text, bool from_json_number, int exponent,
                                 std::string_view currency) {
    if (exponent < 0 || exponent > static_cast<int>(kMaxAmountDigits))
        return Error::Internal(fmt::format("ParseAmount: exponent {} out of range", exponent));
    WT_ASSIGN_OR_RETURN(Decimal decimal, ReadDecimal(text, from_json_number));
    return ToMinorUnits(decimal, exponent, currency);
}

std::string Transaction::Fingerprint() const {
    // One line per field in a fixed order: `name=<byte length>:<value>` or `name-` when absent.
    // The length prefix makes the encoding unambiguous whatever the values contain.
    std::string canonical = "watchtower-transaction-v1\n";
    AppendField(canonical, "external_id", external_id);
    std::string when = occurred_at ? std::to_string(*occurred_at) : std::string();
    AppendField(canonical, "occurred_at", occurred_at ? std::optional<std::string_view>(when) : std::nullopt);
    std::string amount = std::to_string(amount_minor);
    AppendField(canonical, "amount_minor", amount);
    AppendField(canonical, "currency", currency);
    std::string exponent = std::to_string(currency_exponent);
    AppendField(canonical, "currency_exponent", exponent);
    AppendField(canonical, "direction", DirectionName(direction));
    AppendField(canonical, "type", TransactionTypeName(type));
    AppendField(canonical, "account_id", account_id);
    AppendField(canonical, "customer_id", customer_id);
    AppendField(canonical, "counterparty_name", counterparty_name);
    AppendField(canonical, "counterparty_account", counterparty_account);
    AppendField(canonical, "counterparty_country", counterparty_country);
    AppendField(canonical, "channel", channel);
    AppendField(canonical, "country", country);
    AppendField(canonical, "ip", ip);
    AppendField(canonical, "device_id", device_id);
    // Metadata with its keys sorted, so that member order does not make two bodies differ. A value
    // that does not parse (a Transaction built by hand) is hashed as it is.
    std::string metadata = metadata_json;
    if (auto parsed = detail::ParseExactJson(metadata_json, kFingerprintMetadataDepth)) {
        metadata.clear();
        detail::AppendCompactJson(*parsed, true, metadata);
    }
    AppendField(canonical, "metadata", metadata);
    return crypto::HexEncode(crypto::Sha256(canonical));
}

Result<Transaction> ParseTransaction(std::string_view body, UnixMicros now, const Limits& limits) {
    WT_ASSIGN_OR_RETURN(JsonNode root, detail::ParseExactJson(body, limits.json_max_depth));
    if (!root.IsObject()) return Error::Make(ErrorCode::kMalformedRequest, "the body must be a JSON object");
    return ValidateItem(root, now, limits);
}

Result<std::vector<Result<Transaction>>> ParseBatch(std::string_view body, UnixMicros now, const Limits& limits) {
    WT_ASSIGN_OR_RETURN(JsonNode root, detail::ParseExactJson(body, limits.json_max_depth));
    if (!root.IsObject())
        return Error::Make(ErrorCode::kMalformedRequest, "the body must be a JSON object {\"transactions\": [...]}");
    FieldErrors errors;
    ObjectMembers envelope(root, "", errors);
    auto list = envelope.Get("transactions");
    if (!list.duplicate) {
        if (!list.value || list.value->kind == JsonNode::Kind::kNull) {
            errors.Add("transactions", "is required");
        } else if (list.value->kind != JsonNode::Kind::kArray) {
            errors.Add("transactions", "must be an array of transactions");
        } else if (list.value->items.empty()) {
            errors.Add("transactions", "must contain at least 1 transaction");
        } else if (list.value->items.size() > limits.batch_max_items) {
            errors.Add("transactions", fmt::format("must contain at most {} transactions", limits.batch_max_items));
        }
    }
    envelope.RejectUnknown("is not a known field; a batch body is {\"transactions\": [...]}");
    if (!errors.empty()) return std::move(errors).ToError();

    std::vector<Result<Transaction>> results;
    results.reserve(list.value->items.size());
    for (const auto& item : list.value->items) results.push_back(ValidateItem(item, now, limits));
    return results;
}

}  // namespace wt::ingest
