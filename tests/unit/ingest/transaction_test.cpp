// SPDX-License-Identifier: Apache-2.0
// Transaction bodies: a table of bad bodies (each with its status class, exact fields and message),
// good bodies, exact amounts, the ISO tables, fingerprints and batches.
#include "ingest/transaction.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace wt::ingest {
namespace {

UnixMicros Now() { return *ParseRfc3339("2026-11-23T12:00:00Z"); }

constexpr std::string_view kDrop = "<drop>";

// The minimal valid body with members replaced by the given JSON text, added (unknown names are
// appended in order) or removed (kDrop).
std::string Body(std::vector<std::pair<std::string, std::string>> changes = {}) {
    std::vector<std::pair<std::string, std::string>> members = {{"external_id", R"("txn-1")"},
                                                                {"amount", R"("1250.00")"},
                                                                {"currency", R"("USD")"},
                                                                {"direction", R"("outbound")"},
                                                                {"account_id", R"("acc-1")"}};
    for (auto& [key, value] : changes) {
        auto it = std::find_if(members.begin(), members.end(), [&](const auto& m) { return m.first == key; });
        if (value == kDrop) {
            if (it != members.end()) members.erase(it);
        } else if (it != members.end()) {
            it->second = value;
        } else {
            members.emplace_back(key, value);
        }
    }
    std::string out = "{";
    for (std::size_t idx = 0; idx < members.size(); ++idx) {
        if (idx > 0) out += ", ";
        out += "\"" + members[idx].first + "\": " + members[idx].second;
    }
    return out + "}";
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string Nested(int depth) {
    std::string out;
    for (int level = 0; level < depth; ++level) out += "{\"a\":";
    out += "1";
    for (int level = 0; level < depth; ++level) out += "}";
    return out;
}

std::vector<std::string> FieldNames(const Error& error) {
    std::vector<std::string> names;
    for (const auto& field : error.fields) names.push_back(field.field);
    return names;
}

std::string Describe(const Error& error) {
    std::string out = std::string(ErrorCodeName(error.code)) + ": " + error.detail;
    for (const auto& field : error.fields) out += "\n  " + field.field + ": " + field.message;
    return out;
}

// ---------------------------------------------------------------------------------------------
// Bad bodies

struct BadBody {
    std::string name;  // test name suffix
    std::string body;
    ErrorCode code;                   // kMalformedRequest (400) or kValidationFailed (422)
    std::vector<std::string> fields;  // 422: exactly these fields, in this order
    std::string message;              // a substring of the detail (400) or of the first field's message (422)
};

constexpr ErrorCode k400 = ErrorCode::kMalformedRequest;
constexpr ErrorCode k422 = ErrorCode::kValidationFailed;

std::vector<BadBody> BadBodies() {
    std::string metadata_65_keys = "{";
    for (int key_idx = 0; key_idx < 65; ++key_idx)
        metadata_65_keys += (key_idx ? ",\"k" : "\"k") + std::to_string(key_idx) + "\":1";
    metadata_65_keys += "}";
    const std::string two_byte_char = "\xC3\xA9";  // é
    std::string id_65_two_byte_chars;
    for (int idx = 0; idx < 65; ++idx) id_65_two_byte_chars += two_byte_char;

    // clang-format off
    return {
        // --- 400: not a JSON object at all.
        {"EmptyBody", "", k400, {}, "empty"},
        {"WhitespaceBody", " \r\n\t ", k400, {}, "empty"},
        {"InvalidUtf8", Body({{"external_id", "\"\xFF\""}}), k400, {}, "not valid UTF-8"},
        {"OverlongUtf8", Body({{"external_id", "\"\xC0\xAF\""}}), k400, {}, "not valid UTF-8"},
        {"Utf16Surrogate", Body({{"external_id", "\"\xED\xA0\x80\""}}), k400, {}, "not valid UTF-8"},
        {"LoneSurrogateEscape", Body({{"external_id", R"("\ud800")"}}), k400, {}, "not valid JSON"},
        {"Truncated", R"({"external_id": "txn-1")", k400, {}, "not valid JSON"},
        {"TrailingComma", R"({"external_id": "txn-1",})", k400, {}, "not valid JSON"},
        {"Comment", R"({"external_id": "txn-1" /* hi */})", k400, {}, "not valid JSON"},
        {"TextAfterValue", Body() + " x", k400, {}, "unexpected text after the value"},
        {"TwoDocuments", Body() + Body(), k400, {}, "unexpected text after the value"},
        {"ArrayBody", "[" + Body() + "]", k400, {}, "must be a JSON object"},
        {"StringBody", R"("txn-1")", k400, {}, "must be a JSON object"},
        {"NullBody", "null", k400, {}, "must be a JSON object"},
        {"TooDeep", Body({{"metadata", Nested(40)}}), k400, {}, "nesting deeper than 32 levels"},
        {"NaNLiteral", Body({{"amount", "NaN"}}), k400, {}, "not valid JSON"},
        {"HexNumber", Body({{"amount", "0x10"}}), k400, {}, "not valid JSON"},

        // --- external_id
        {"ExternalIdMissing", Body({{"external_id", std::string(kDrop)}}), k422, {"external_id"}, "is required"},
        {"ExternalIdNull", Body({{"external_id", "null"}}), k422, {"external_id"}, "is required"},
        {"ExternalIdNumber", Body({{"external_id", "123"}}), k422, {"external_id"}, "must be a string"},
        {"ExternalIdObject", Body({{"external_id", "{}"}}), k422, {"external_id"}, "must be a string"},
        {"ExternalIdEmpty", Body({{"external_id", R"("")"}}), k422, {"external_id"}, "must not be empty"},
        {"ExternalIdControl", Body({{"external_id", R"("a\u0001b")"}}), k422, {"external_id"}, "control characters"},
        {"ExternalIdNul", Body({{"external_id", R"("a\u0000b")"}}), k422, {"external_id"}, "control characters"},
        {"ExternalIdTooLong", Body({{"external_id", Quoted(std::string(129, 'a'))}}), k422, {"external_id"},
         "at most 128 bytes"},
        {"ExternalIdTooManyBytes", Body({{"external_id", Quoted(id_65_two_byte_chars)}}), k422, {"external_id"},
         "at most 128 bytes"},

        // --- amount
        {"AmountMissing", Body({{"amount", std::string(kDrop)}}), k422, {"amount"}, "is required"},
        {"AmountNull", Body({{"amount", "null"}}), k422, {"amount"}, "is required"},
        {"AmountBool", Body({{"amount", "true"}}), k422, {"amount"}, "or a JSON number"},
        {"AmountObject", Body({{"amount", "{}"}}), k422, {"amount"}, "or a JSON number"},
        {"AmountNegativeString", Body({{"amount", R"("-5")"}}), k422, {"amount"}, "positive decimal string"},
        {"AmountPlusString", Body({{"amount", R"("+5")"}}), k422, {"amount"}, "positive decimal string"},
        {"AmountExponentString", Body({{"amount", R"("1e3")"}}), k422, {"amount"}, "positive decimal string"},
        {"AmountCommas", Body({{"amount", R"("1,250.00")"}}), k422, {"amount"}, "positive decimal string"},
        {"AmountSpaces", Body({{"amount", R"(" 12")"}}), k422, {"amount"}, "positive decimal string"},
        {"AmountLeadingDot", Body({{"amount", R"(".5")"}}), k422, {"amount"}, "positive decimal string"},
        {"AmountTrailingDot", Body({{"amount", R"("5.")"}}), k422, {"amount"}, "positive decimal string"},
        {"AmountEmptyString", Body({{"amount", R"("")"}}), k422, {"amount"}, "positive decimal string"},
        {"AmountArabicDigits", Body({{"amount", "\"\xD9\xA1\xD9\xA2\""}}), k422, {"amount"},
         "positive decimal string"},
        {"AmountZeroString", Body({{"amount", R"("0.00")"}}), k422, {"amount"}, "must be greater than 0"},
        {"AmountZeroNumber", Body({{"amount", "0"}}), k422, {"amount"}, "must be greater than 0"},
        {"AmountNegativeNumber", Body({{"amount", "-5"}}), k422, {"amount"}, "must be greater than 0"},
        {"AmountTooManyDecimalsString", Body({{"amount", R"("10.005")"}}), k422, {"amount"},
         "USD allows at most 2 decimal places"},
        {"AmountTooManyDecimalsNumber", Body({{"amount", "10.005"}}), k422, {"amount"},
         "USD allows at most 2 decimal places"},
        {"AmountTinyExponent", Body({{"amount", "1e-400"}}), k422, {"amount"}, "USD allows at most 2 decimal places"},
        {"AmountDecimalsJpy", Body({{"amount", R"("1.5")"}, {"currency", R"("JPY")"}}), k422, {"amount"},
         "JPY allows no decimal places"},
        {"AmountDecimalsBhd", Body({{"amount", R"("1.0001")"}, {"currency", R"("BHD")"}}), k422, {"amount"},
         "BHD allows at most 3 decimal places"},
        {"AmountTooLargeString", Body({{"amount", R"("10000000000000000.00")"}}), k422, {"amount"}, "is too large"},
        {"AmountTooLargeNumber", Body({{"amount", "1e30"}}), k422, {"amount"}, "is too large"},
        {"AmountHugeExponent", Body({{"amount", "1e999"}}), k422, {"amount"}, "is too large"},
        // Boost.JSON itself refuses an exponent beyond the int range, so this valid JSON is a 400.
        {"AmountExponentOverflow", Body({{"amount", "1e99999999999999999999"}}), k400, {}, "exponent overflow"},

        // --- currency
        {"CurrencyMissing", Body({{"currency", std::string(kDrop)}}), k422, {"currency"}, "is required"},
        {"CurrencyNumber", Body({{"currency", "840"}}), k422, {"currency"}, "must be a string"},
        {"CurrencyLowerCase", Body({{"currency", R"("usd")"}}), k422, {"currency"}, "must be upper case (\"USD\")"},
        {"CurrencyUnknown", Body({{"currency", R"("ABC")"}}), k422, {"currency"}, "ISO 4217"},
        {"CurrencyGold", Body({{"currency", R"("XAU")"}}), k422, {"currency"}, "ISO 4217"},
        {"CurrencyTesting", Body({{"currency", R"("XTS")"}}), k422, {"currency"}, "ISO 4217"},
        {"CurrencyWithdrawnKuna", Body({{"currency", R"("HRK")"}}), k422, {"currency"}, "ISO 4217"},
        {"CurrencyEmpty", Body({{"currency", R"("")"}}), k422, {"currency"}, "ISO 4217"},
        // Without a currency the amount's syntax is still checked, its decimals cannot be.
        {"CurrencyBadAmountBad", Body({{"currency", R"("usdollar")"}, {"amount", R"("12,5")"}}), k422,
         {"amount", "currency"}, "positive decimal string"},
        {"CurrencyBadAmountManyDecimals", Body({{"currency", R"("XXX")"}, {"amount", R"("1.23456")"}}), k422,
         {"currency"}, "ISO 4217"},

        // --- direction, type
        {"DirectionMissing", Body({{"direction", std::string(kDrop)}}), k422, {"direction"}, "is required"},
        {"DirectionUpperCase", Body({{"direction", R"("OUTBOUND")"}}), k422, {"direction"},
         "\"inbound\" or \"outbound\""},
        {"DirectionUnknown", Body({{"direction", R"("sideways")"}}), k422, {"direction"}, "\"inbound\" or"},
        {"TypeUnknown", Body({{"type", R"("refund")"}}), k422, {"type"}, "one of card, transfer, wire"},
        {"TypeNumber", Body({{"type", "5"}}), k422, {"type"}, "must be a string"},

        // --- ids
        {"AccountIdMissing", Body({{"account_id", std::string(kDrop)}}), k422, {"account_id"}, "is required"},
        {"AccountIdEmpty", Body({{"account_id", R"("")"}}), k422, {"account_id"}, "must not be empty"},
        {"CustomerIdTooLong", Body({{"customer_id", Quoted(std::string(129, 'c'))}}), k422, {"customer_id"},
         "at most 128 bytes"},
        {"CustomerIdEmpty", Body({{"customer_id", R"("")"}}), k422, {"customer_id"}, "must not be empty"},
        {"DeviceIdTab", Body({{"device_id", R"("dev\t9")"}}), k422, {"device_id"}, "control characters"},

        // --- occurred_at
        {"OccurredAtWords", Body({{"occurred_at", R"("yesterday")"}}), k422, {"occurred_at"}, "RFC 3339"},
        {"OccurredAtNoZone", Body({{"occurred_at", R"("2026-11-23T10:00:00")"}}), k422, {"occurred_at"},
         "RFC 3339"},
        {"OccurredAtBadDay", Body({{"occurred_at", R"("2026-02-30T00:00:00Z")"}}), k422, {"occurred_at"},
         "RFC 3339"},
        {"OccurredAtNumber", Body({{"occurred_at", "1795435200"}}), k422, {"occurred_at"}, "must be a string"},
        {"OccurredAtFuture", Body({{"occurred_at", R"("2026-11-23T12:05:01Z")"}}), k422, {"occurred_at"},
         "is more than 5 minutes in the future"},
        {"OccurredAtFutureByOffset", Body({{"occurred_at", R"("2026-11-23T12:00:00-01:00")"}}), k422,
         {"occurred_at"}, "in the future"},

        // --- counterparty
        {"CounterpartyString", Body({{"counterparty", R"("ACME")"}}), k422, {"counterparty"}, "must be an object"},
        {"CounterpartyCountryLower", Body({{"counterparty", R"({"country": "de"})"}}), k422,
         {"counterparty.country"}, "must be upper case (\"DE\")"},
        {"CounterpartyCountryUk", Body({{"counterparty", R"({"country": "UK"})"}}), k422, {"counterparty.country"},
         "ISO 3166-1 alpha-2"},
        {"CounterpartyUnknownMember", Body({{"counterparty", R"({"name": "ACME", "xyz": 1})"}}), k422,
         {"counterparty.xyz"}, "is not a known field"},
        {"CounterpartyNameTooLong", Body({{"counterparty", "{\"name\": " + Quoted(std::string(201, 'n')) + "}"}}),
         k422, {"counterparty.name"}, "at most 200 characters"},
        {"CounterpartyNameNumber", Body({{"counterparty", R"({"name": 7})"}}), k422, {"counterparty.name"},
         "must be a string"},
        {"CounterpartyAccountTooLong",
         Body({{"counterparty", "{\"account\": " + Quoted(std::string(65, '9')) + "}"}}), k422,
         {"counterparty.account"}, "at most 64 bytes"},

        // --- channel, country, ip
        {"ChannelTooLong", Body({{"channel", Quoted(std::string(33, 'x'))}}), k422, {"channel"},
         "at most 32 characters"},
        {"ChannelC1Control", Body({{"channel", R"("web\u0085")"}}), k422, {"channel"}, "control characters"},
        {"CountryEu", Body({{"country", R"("EU")"}}), k422, {"country"}, "ISO 3166-1 alpha-2"},
        {"CountryKosovoUserAssigned", Body({{"country", R"("XK")"}}), k422, {"country"}, "ISO 3166-1 alpha-2"},
        {"CountryAlpha3", Body({{"country", R"("DEU")"}}), k422, {"country"}, "ISO 3166-1 alpha-2"},
        {"IpOctetTooBig", Body({{"ip", R"("256.1.1.1")"}}), k422, {"ip"}, "IPv4 or IPv6"},
        {"IpLeadingZero", Body({{"ip", R"("01.2.3.4")"}}), k422, {"ip"}, "IPv4 or IPv6"},
        {"IpThreeParts", Body({{"ip", R"("1.2.3")"}}), k422, {"ip"}, "IPv4 or IPv6"},
        {"IpZoneId", Body({{"ip", R"("fe80::1%eth0")"}}), k422, {"ip"}, "IPv4 or IPv6"},
        {"IpTrailingSpace", Body({{"ip", R"("::1 ")"}}), k422, {"ip"}, "IPv4 or IPv6"},
        {"IpWithNul", Body({{"ip", R"("1.2.3.4\u0000junk")"}}), k422, {"ip"}, "IPv4 or IPv6"},
        {"IpNumber", Body({{"ip", "16909060"}}), k422, {"ip"}, "must be a string"},

        // --- metadata
        {"MetadataString", Body({{"metadata", R"("mcc=6011")"}}), k422, {"metadata"}, "must be an object"},
        {"MetadataArray", Body({{"metadata", "[]"}}), k422, {"metadata"}, "must be an object"},
        {"MetadataTooManyKeys", Body({{"metadata", metadata_65_keys}}), k422, {"metadata"}, "at most 64 keys"},
        {"MetadataTooDeep", Body({{"metadata", R"({"a": {"b": {"c": {"d": 1}}}})"}}), k422, {"metadata"},
         "deeper than 3 levels"},
        {"MetadataArrayCountsAsLevel", Body({{"metadata", R"({"a": [[{}]]})"}}), k422, {"metadata"},
         "deeper than 3 levels"},
        {"MetadataLongKey", Body({{"metadata", "{\"a\": {" + Quoted(std::string(65, 'k')) + ": 1}}"}}), k422,
         {"metadata"}, "keys must be at most 64 characters"},
        {"MetadataTooBig", Body({{"metadata", "{\"k\": " + Quoted(std::string(8200, 'x')) + "}"}}), k422,
         {"metadata"}, "at most 8192 bytes"},
        {"MetadataDuplicateNestedKey", Body({{"metadata", R"({"a": {"b": 1, "b": 2}})"}}), k422, {"metadata.a.b"},
         "appears more than once"},

        // --- duplicates and unknown members
        {"DuplicateAmount", R"({"external_id": "t", "amount": "1", "amount": "2", "currency": "USD",)"
                            R"( "direction": "inbound", "account_id": "a"})",
         k422, {"amount"}, "appears more than once"},
        {"DuplicateRequiredNull", R"({"external_id": "t", "external_id": null, "amount": "1", "currency": "USD",)"
                                  R"( "direction": "inbound", "account_id": "a"})",
         k422, {"external_id"}, "appears more than once"},
        {"DuplicateCounterpartyName", Body({{"counterparty", R"({"name": "A", "name": "B"})"}}), k422,
         {"counterparty.name"}, "appears more than once"},
        {"UnknownField", Body({{"foo", "1"}}), k422, {"foo"}, "is not a known field; put custom data in metadata"},
        {"UnknownFieldCase", Body({{"Amount", R"("5")"}}), k422, {"Amount"}, "is not a known field"},
        {"UnknownFieldNull", Body({{"notes", "null"}}), k422, {"notes"}, "is not a known field"},
    };
    // clang-format on
}

void PrintTo(const BadBody& row, std::ostream* os) { *os << row.name; }

class BadBodyTest : public ::testing::TestWithParam<BadBody> {};

TEST_P(BadBodyTest, IsRefusedWithTheExpectedFields) {
    const BadBody& row = GetParam();
    auto parsed = ParseTransaction(row.body, Now());
    ASSERT_FALSE(parsed.ok()) << row.body;
    const Error& error = parsed.error();
    ASSERT_EQ(error.code, row.code) << Describe(error);
    if (row.code == k400) {
        EXPECT_TRUE(error.fields.empty()) << Describe(error);
        EXPECT_NE(error.detail.find(row.message), std::string::npos) << Describe(error);
    } else {
        EXPECT_EQ(FieldNames(error), row.fields) << Describe(error);
        ASSERT_FALSE(error.fields.empty());
        EXPECT_NE(error.fields[0].message.find(row.message), std::string::npos) << Describe(error);
    }
}

INSTANTIATE_TEST_SUITE_P(Table, BadBodyTest, ::testing::ValuesIn(BadBodies()),
                         [](const ::testing::TestParamInfo<BadBody>& info) { return info.param.name; });

TEST(BadBodyTableTest, HasEnoughRows) { EXPECT_GE(BadBodies().size(), 45u); }

TEST(ParseTransactionTest, ListsEveryProblemOfOneBody) {
    std::string body = R"({"external_id": 42, "amount": "12.345", "currency": "usd", "direction": "up",)"
                       R"( "type": "refund", "occurred_at": "tomorrow", "customer_id": "",)"
                       R"( "counterparty": {"country": "XX", "iban": "DE89"}, "channel": 5, "country": "de",)"
                       R"( "ip": "300.0.0.1", "device_id": null, "metadata": [], "colour": "red", "colour": "blue",)"
                       R"( "extra": true})";
    auto parsed = ParseTransaction(body, Now());
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, ErrorCode::kValidationFailed);
    // Duplicates first, then the known fields in API order, then unknown members. account_id is
    // missing; the amount cannot be checked for decimals without a currency (its syntax is fine).
    std::vector<std::string> expected = {
        "colour",      "external_id",          "occurred_at",       "currency", "direction", "type", "account_id",
        "customer_id", "counterparty.country", "counterparty.iban", "channel",  "country",   "ip",   "metadata",
        "extra"};
    EXPECT_EQ(FieldNames(parsed.error()), expected) << Describe(parsed.error());
}

TEST(ParseTransactionTest, ReportsEveryUnknownMemberOnce) {
    auto parsed = ParseTransaction(Body({{"a", "1"}, {"b", "2"}}), Now());
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(FieldNames(parsed.error()), (std::vector<std::string>{"a", "b"}));
}

// ---------------------------------------------------------------------------------------------
// Good bodies

TEST(ParseTransactionTest, MinimalBodyGetsTheDefaults) {
    auto parsed = ParseTransaction(Body(), Now());
    ASSERT_TRUE(parsed.ok()) << Describe(parsed.error());
    const Transaction& txn = *parsed;
    EXPECT_EQ(txn.external_id, "txn-1");
    EXPECT_EQ(txn.amount_minor, 125000);
    EXPECT_EQ(txn.currency, "USD");
    EXPECT_EQ(txn.currency_exponent, 2);
    EXPECT_EQ(txn.direction, Direction::kOutbound);
    EXPECT_EQ(txn.type, TransactionType::kOther);
    EXPECT_EQ(txn.account_id, "acc-1");
    EXPECT_FALSE(txn.occurred_at);
    EXPECT_FALSE(txn.customer_id);
    EXPECT_FALSE(txn.counterparty_name);
    EXPECT_FALSE(txn.counterparty_account);
    EXPECT_FALSE(txn.counterparty_country);
    EXPECT_FALSE(txn.channel);
    EXPECT_FALSE(txn.country);
    EXPECT_FALSE(txn.ip);
    EXPECT_FALSE(txn.device_id);
    EXPECT_EQ(txn.metadata_json, "{}");
}

TEST(ParseTransactionTest, FullBodyFromTheApiDocument) {
    std::string body = R"({"external_id": "txn-000123", "occurred_at": "2026-11-23T10:00:00Z",
        "amount": "1250.00", "currency": "USD", "direction": "outbound", "type": "wire",
        "account_id": "acc-77", "customer_id": "cus-12",
        "counterparty": {"name": "ACME GmbH", "account": "DE8937...", "country": "DE"},
        "channel": "online", "country": "US", "ip": "203.0.113.7", "device_id": "dev-9",
        "metadata": {"mcc": "6011"}})";
    auto parsed = ParseTransaction(body, Now());
    ASSERT_TRUE(parsed.ok()) << Describe(parsed.error());
    const Transaction& txn = *parsed;
    EXPECT_EQ(txn.external_id, "txn-000123");
    EXPECT_EQ(txn.occurred_at, ParseRfc3339("2026-11-23T10:00:00Z"));
    EXPECT_EQ(txn.amount_minor, 125000);
    EXPECT_EQ(txn.direction, Direction::kOutbound);
    EXPECT_EQ(txn.type, TransactionType::kWire);
    EXPECT_EQ(txn.account_id, "acc-77");
    EXPECT_EQ(txn.customer_id, "cus-12");
    EXPECT_EQ(txn.counterparty_name, "ACME GmbH");
    EXPECT_EQ(txn.counterparty_account, "DE8937...");
    EXPECT_EQ(txn.counterparty_country, "DE");
    EXPECT_EQ(txn.channel, "online");
    EXPECT_EQ(txn.country, "US");
    EXPECT_EQ(txn.ip, "203.0.113.7");
    EXPECT_EQ(txn.device_id, "dev-9");
    EXPECT_EQ(txn.metadata_json, R"({"mcc":"6011"})");
}

TEST(ParseTransactionTest, NullOptionalsAreAbsent) {
    auto parsed = ParseTransaction(Body({{"occurred_at", "null"},
                                         {"type", "null"},
                                         {"customer_id", "null"},
                                         {"counterparty", "null"},
                                         {"channel", "null"},
                                         {"country", "null"},
                                         {"ip", "null"},
                                         {"device_id", "null"},
                                         {"metadata", "null"}}),
                                   Now());
    ASSERT_TRUE(parsed.ok()) << Describe(parsed.error());
    EXPECT_FALSE(parsed->occurred_at);
    EXPECT_EQ(parsed->type, TransactionType::kOther);
    EXPECT_FALSE(parsed->customer_id);
    EXPECT_FALSE(parsed->counterparty_name);
    EXPECT_FALSE(parsed->ip);
    EXPECT_EQ(parsed->metadata_json, "{}");
}

TEST(ParseTransactionTest, EveryEnumValue) {
    for (std::string_view name : {"card", "transfer", "wire", "ach", "cash", "check", "crypto", "other"}) {
        auto parsed = ParseTransaction(Body({{"type", Quoted(std::string(name))}}), Now());
        ASSERT_TRUE(parsed.ok()) << name;
        EXPECT_EQ(TransactionTypeName(parsed->type), name);
    }
    auto inbound = ParseTransaction(Body({{"direction", R"("inbound")"}}), Now());
    ASSERT_TRUE(inbound.ok());
    EXPECT_EQ(inbound->direction, Direction::kInbound);
    EXPECT_EQ(DirectionName(Direction::kInbound), "inbound");
    EXPECT_EQ(DirectionName(Direction::kOutbound), "outbound");
    EXPECT_EQ(ParseDirection("Inbound"), std::nullopt);
    EXPECT_EQ(ParseTransactionType("WIRE"), std::nullopt);
}

struct GoodAmount {
    std::string amount_json;
    std::string currency;
    std::int64_t minor;
};

TEST(ParseTransactionTest, AmountsAsStringsAndNumbersAreExact) {
    const std::vector<GoodAmount> rows = {
        {R"("1250.00")", "USD", 125000},
        {R"("1250")", "USD", 125000},
        {"1250", "USD", 125000},
        {"1250.1", "USD", 125010},
        {R"("1250.10")", "USD", 125010},
        {"1.2501e3", "USD", 125010},
        {"1.2501E+3", "USD", 125010},
        {"12501e-1", "USD", 125010},
        {R"("10.500")", "USD", 1050},  // extra trailing zeros are fine
        {"10.500", "USD", 1050},
        {R"("0.01")", "USD", 1},
        {R"("007.50")", "USD", 750},
        {"0.3", "USD", 30},
        {R"("9999999999999999.99")", "USD", 999999999999999999},
        {"9999999999999999.99", "USD", 999999999999999999},
        {R"("5")", "JPY", 5},
        {"5", "JPY", 5},
        {R"("5.000")", "JPY", 5},
        {"1e2", "JPY", 100},
        {"100e-2", "JPY", 1},
        {"9007199254740993", "JPY", 9007199254740993},      // 2^53 + 1: no double holds it
        {"12345678901234567", "KRW", 12345678901234567},    // 17 digits
        {"123456789012345678", "JPY", 123456789012345678},  // 18 digits
        {R"("1.234")", "BHD", 1234},
        {"0.001", "KWD", 1},
        {R"("0.5")", "OMR", 500},
        {R"("0.0001")", "CLF", 1},
        {"1.2345", "UYW", 12345},
        {"0.00000000000000000000001e30", "USD", 1000000000},
    };
    for (const auto& row : rows) {
        auto parsed = ParseTransaction(Body({{"amount", row.amount_json}, {"currency", Quoted(row.currency)}}), Now());
        ASSERT_TRUE(parsed.ok()) << row.amount_json << " " << row.currency << ": " << Describe(parsed.error());
        EXPECT_EQ(parsed->amount_minor, row.minor) << row.amount_json << " " << row.currency;
        EXPECT_EQ(parsed->currency_exponent, *CurrencyExponent(row.currency));
    }
}

TEST(ParseTransactionTest, OccurredAtUpToTheSkewAndWithOffsets) {
    auto at_limit = ParseTransaction(Body({{"occurred_at", R"("2026-11-23T12:05:00Z")"}}), Now());
    ASSERT_TRUE(at_limit.ok()) << Describe(at_limit.error());
    EXPECT_EQ(*at_limit->occurred_at, Now() + 5 * kMicrosPerMinute);
    auto with_offset = ParseTransaction(Body({{"occurred_at", R"("2026-11-23T13:00:00.250+02:00")"}}), Now());
    ASSERT_TRUE(with_offset.ok()) << Describe(with_offset.error());
    EXPECT_EQ(*with_offset->occurred_at, Now() - kMicrosPerHour + 250'000);

    Limits strict;
    strict.future_skew = 30 * kMicrosPerSecond;
    auto too_far = ParseTransaction(Body({{"occurred_at", R"("2026-11-23T12:00:31Z")"}}), Now(), strict);
    ASSERT_FALSE(too_far.ok());
    EXPECT_EQ(too_far.error().fields.at(0).message, "is more than 30 seconds in the future");
}

TEST(ParseTransactionTest, LengthsCountBytesForIdsAndCodePointsForNames) {
    std::string two_byte_char = "\xC3\xA9";
    std::string id_64_chars;
    std::string name_200_chars;
    for (int idx = 0; idx < 64; ++idx) id_64_chars += two_byte_char;      // 128 bytes
    for (int idx = 0; idx < 200; ++idx) name_200_chars += two_byte_char;  // 400 bytes
    auto parsed = ParseTransaction(Body({{"external_id", Quoted(id_64_chars)},
                                         {"counterparty", "{\"name\": " + Quoted(name_200_chars) + "}"},
                                         {"channel", Quoted(std::string(32, 'c'))}}),
                                   Now());
    ASSERT_TRUE(parsed.ok()) << Describe(parsed.error());
    EXPECT_EQ(parsed->external_id, id_64_chars);
    EXPECT_EQ(parsed->counterparty_name, name_200_chars);
}

TEST(ParseTransactionTest, IpAddressesAndCountries) {
    for (std::string ip : {"203.0.113.7", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::1", "::ffff:192.0.2.1",
                           "2001:0db8:0000:0000:0000:ff00:0042:8329"}) {
        auto parsed = ParseTransaction(Body({{"ip", Quoted(ip)}}), Now());
        ASSERT_TRUE(parsed.ok()) << ip << ": " << Describe(parsed.error());
        EXPECT_EQ(parsed->ip, ip);  // as given
    }
    for (std::string country : {"DE", "US", "SS", "BQ", "AQ"}) {
        auto parsed = ParseTransaction(
            Body({{"country", Quoted(country)}, {"counterparty", "{\"country\": " + Quoted(country) + "}"}}), Now());
        ASSERT_TRUE(parsed.ok()) << country;
        EXPECT_EQ(parsed->country, country);
        EXPECT_EQ(parsed->counterparty_country, country);
    }
}

TEST(ParseTransactionTest, MetadataKeepsExactNumbersAndEscapesCanonically) {
    std::string metadata = R"({"big": 123456789012345678901234567890, "price": 1.50, "exp": 1E+2, "neg": -0,)"
                           R"( "s": "\u0041\u00e9\n\"", "list": [true, false, null, {}], "nested": {"a": {"b": 1}}})";
    auto parsed = ParseTransaction(Body({{"metadata", metadata}}), Now());
    ASSERT_TRUE(parsed.ok()) << Describe(parsed.error());
    EXPECT_EQ(parsed->metadata_json,
              "{\"big\":123456789012345678901234567890,\"price\":1.50,\"exp\":1E+2,\"neg\":-0,"
              "\"s\":\"A\xC3\xA9\\n\\\"\",\"list\":[true,false,null,{}],\"nested\":{\"a\":{\"b\":1}}}");
}

TEST(ParseTransactionTest, MetadataLimitsAreInclusive) {
    std::string metadata_64_keys = "{";
    for (int key_idx = 0; key_idx < 64; ++key_idx)
        metadata_64_keys += (key_idx ? ",\"k" : "\"k") + std::to_string(key_idx) + "\":1";
    metadata_64_keys += "}";
    EXPECT_TRUE(ParseTransaction(Body({{"metadata", metadata_64_keys}}), Now()).ok());
    EXPECT_TRUE(ParseTransaction(Body({{"metadata", R"({"a": {"b": {"c": 1}}})"}}), Now()).ok());
    EXPECT_TRUE(ParseTransaction(Body({{"metadata", "{" + Quoted(std::string(64, 'k')) + ": 1}"}}), Now()).ok());
    // {"k":"..."} is 8 bytes around the value.
    EXPECT_TRUE(
        ParseTransaction(Body({{"metadata", "{\"k\": " + Quoted(std::string(8192 - 8, 'x')) + "}"}}), Now()).ok());
    EXPECT_FALSE(
        ParseTransaction(Body({{"metadata", "{\"k\": " + Quoted(std::string(8192 - 7, 'x')) + "}"}}), Now()).ok());
}

TEST(ParseTransactionTest, CustomLimitsApply) {
    Limits limits;
    limits.id_max = 5;
    limits.json_max_depth = 2;
    auto parsed = ParseTransaction(Body({{"external_id", R"("abcdef")"}}), Now(), limits);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(FieldNames(parsed.error()), std::vector<std::string>{"external_id"});
    auto deep = ParseTransaction(Body({{"metadata", R"({"a": {}})"}}), Now(), limits);
    ASSERT_FALSE(deep.ok());
    EXPECT_EQ(deep.error().code, ErrorCode::kMalformedRequest);
    EXPECT_EQ(deep.error().detail, "JSON nesting deeper than 2 levels");
}

// ---------------------------------------------------------------------------------------------
// FormatAmount / ParseAmount

TEST(FormatAmountTest, Table) {
    struct Row {
        std::int64_t minor;
        int exponent;
        std::string text;
    };
    const std::vector<Row> rows = {
        {125010, 2, "1250.10"},
        {5, 0, "5"},
        {1, 3, "0.001"},
        {0, 2, "0.00"},
        {100, 2, "1.00"},
        {12345, 4, "1.2345"},
        {999999999999999999, 2, "9999999999999999.99"},
        {999999999999999999, 0, "999999999999999999"},
        {std::numeric_limits<std::int64_t>::max(), 0, "9223372036854775807"},
        {std::numeric_limits<std::int64_t>::max(), 4, "922337203685477.5807"},
        {-5, 2, "-0.05"},
        {std::numeric_limits<std::int64_t>::min(), 2, "-92233720368547758.08"},
    };
    for (const auto& row : rows) EXPECT_EQ(FormatAmount(row.minor, row.exponent), row.text) << row.minor;
}

TEST(ParseAmountTest, ExactValues) {
    struct Row {
        std::string text;
        bool number;
        int exponent;
        std::int64_t minor;
    };
    const std::vector<Row> rows = {
        {"0.3", true, 2, 30},  // 0.1 + 0.2 in a double is 0.30000000000000004
        {"0.30", false, 2, 30},
        {"0.1", true, 1, 1},
        {"1.1", true, 2, 110},                                // 1.1 * 100 in doubles is 110.00000000000001
        {"4.35", true, 2, 435},                               // 4.35 * 100 in doubles is 434.99999999999994
        {"123456789012345.67", false, 2, 12345678901234567},  // 17 digits
        {"123456789012345.67", true, 2, 12345678901234567},
        {"99999999999999999", true, 0, 99999999999999999},
        {"999999999999999999", false, 0, 999999999999999999},  // the largest: 18 digits
        {"99999999999999.9999", false, 4, 999999999999999999},
        {"1e17", true, 0, 100000000000000000},
    };
    for (const auto& row : rows) {
        auto minor = ParseAmount(row.text, row.number, row.exponent, "TST");
        ASSERT_TRUE(minor.ok()) << row.text << ": " << Describe(minor.error());
        EXPECT_EQ(*minor, row.minor) << row.text;
    }
}

TEST(ParseAmountTest, Errors) {
    struct Row {
        std::string text;
        bool number;
        int exponent;
        std::string message;
    };
    const std::vector<Row> rows = {
        {"0.30000000000000004", true, 2, "USD allows at most 2 decimal places"},
        {"1000000000000000000", false, 0, "is too large"},
        {"10000000000000000.00", false, 2, "is too large"},
        {"9223372036854775807", true, 0, "is too large"},
        {"18446744073709551616", true, 0, "is too large"},
        {"1e18", true, 0, "is too large"},
        {"1e999999999999999999999", true, 2, "is too large"},
        {"1e-999999999999999999999", true, 2, "USD allows at most 2 decimal places"},
        {"0e99999", true, 2, "must be greater than 0"},
        {"-0", true, 2, "must be greater than 0"},
        {"-1.5", true, 2, "must be greater than 0"},
        {"0", false, 2, "must be greater than 0"},
        {"01", true, 2, "positive decimal number"},
        {"1.", true, 2, "positive decimal number"},
        {"1.5e", true, 2, "positive decimal number"},
        {"1e+", true, 2, "positive decimal number"},
        {"", true, 2, "positive decimal number"},
        {"-", true, 2, "positive decimal number"},
        {"1.5e3", false, 2, "positive decimal string"},
        {"", false, 2, "positive decimal string"},
        {"1 ", false, 2, "positive decimal string"},
        {"1.2.3", false, 2, "positive decimal string"},
        {"0.5", false, 0, "USD allows no decimal places"},
        {"0.05", false, 1, "USD allows at most 1 decimal place"},
    };
    for (const auto& row : rows) {
        auto minor = ParseAmount(row.text, row.number, row.exponent, "USD");
        ASSERT_FALSE(minor.ok()) << row.text << " gave " << *minor;
        EXPECT_EQ(minor.error().code, ErrorCode::kValidationFailed);
        ASSERT_EQ(FieldNames(minor.error()), std::vector<std::string>{"amount"});
        EXPECT_NE(minor.error().fields[0].message.find(row.message), std::string::npos)
            << row.text << ": " << minor.error().fields[0].message;
    }
    auto bad_exponent = ParseAmount("1", false, -1, "USD");
    ASSERT_FALSE(bad_exponent.ok());
    EXPECT_EQ(bad_exponent.error().code, ErrorCode::kInternal);
}

TEST(ParseAmountTest, FormatRoundTrips) {
    for (int exponent = 0; exponent <= 4; ++exponent) {
        for (std::int64_t minor :
             {std::int64_t{1}, std::int64_t{9}, std::int64_t{10}, std::int64_t{125010}, std::int64_t{100000},
              std::int64_t{12345678901234567}, std::int64_t{999999999999999999}}) {
            std::string text = FormatAmount(minor, exponent);
            auto as_string = ParseAmount(text, false, exponent, "TST");
            auto as_number = ParseAmount(text, true, exponent, "TST");
            ASSERT_TRUE(as_string.ok()) << text;
            ASSERT_TRUE(as_number.ok()) << text;
            EXPECT_EQ(*as_string, minor) << text;
            EXPECT_EQ(*as_number, minor) << text;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ISO tables

TEST(IsoTablesTest, CurrencyExponents) {
    const std::vector<std::pair<std::string, int>> known = {
        {"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"CHF", 2}, {"XCG", 2}, {"ZWG", 2}, {"JPY", 0}, {"KRW", 0},
        {"ISK", 0}, {"VND", 0}, {"XAF", 0}, {"XOF", 0}, {"CLP", 0}, {"UYI", 0}, {"BHD", 3}, {"KWD", 3},
        {"JOD", 3}, {"OMR", 3}, {"TND", 3}, {"IQD", 3}, {"LYD", 3}, {"CLF", 4}, {"UYW", 4}, {"AED", 2},
    };
    for (const auto& [code, exponent] : known) EXPECT_EQ(CurrencyExponent(code), exponent) << code;
    for (std::string code : {"XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XXX", "XSU", "XUA", "XBA", "HRK", "usd", "Usd",
                             "US", "USDD", "", "EUR "})
        EXPECT_EQ(CurrencyExponent(code), std::nullopt) << code;
}

TEST(IsoTablesTest, CountryCodes) {
    for (std::string code : {"DE", "US", "GB", "JP", "SS", "BQ", "CW", "SX", "AQ", "AX", "PS", "TW", "ZW", "AD"})
        EXPECT_TRUE(IsCountryCode(code)) << code;
    for (std::string code : {"de", "UK", "EU", "UN", "XK", "ZZ", "AN", "YU", "", "D", "DEU", "D E"})
        EXPECT_FALSE(IsCountryCode(code)) << code;
    int assigned = 0;
    for (char first = 'A'; first <= 'Z'; ++first)
        for (char second = 'A'; second <= 'Z'; ++second) assigned += IsCountryCode(std::string{first, second});
    EXPECT_EQ(assigned, 249);
}

// ---------------------------------------------------------------------------------------------
// Fingerprint

std::string FingerprintOf(const std::string& body) {
    auto parsed = ParseTransaction(body, Now());
    if (!parsed.ok()) {
        ADD_FAILURE() << body << ": " << Describe(parsed.error());
        return "";
    }
    return parsed->Fingerprint();
}

TEST(FingerprintTest, SameMeaningSameFingerprint) {
    const std::string base = FingerprintOf(
        Body({{"metadata", R"({"a": 1, "b": {"y": 2, "x": 3}})"}, {"occurred_at", R"("2026-11-23T10:00:00Z")"}}));
    ASSERT_EQ(base.size(), 64u);
    EXPECT_EQ(base.find_first_not_of("0123456789abcdef"), std::string::npos);
    for (std::string amount : {R"("1250")", "1250", "1250.0", "1.25e3", R"("1250.000")", "125000e-2"}) {
        EXPECT_EQ(FingerprintOf(Body({{"amount", amount},
                                      {"metadata", R"({"a": 1, "b": {"y": 2, "x": 3}})"},
                                      {"occurred_at", R"("2026-11-23T10:00:00Z")"}})),
                  base)
            << amount;
    }
    // Member order, metadata key order, the time's offset, an explicit default and nulls.
    EXPECT_EQ(FingerprintOf(R"({"occurred_at": "2026-11-23T11:00:00+01:00", "metadata": {"b": {"x": 3, "y": 2},)"
                            R"( "a": 1}, "account_id": "acc-1", "direction": "outbound", "currency": "USD",)"
                            R"( "amount": 1250, "external_id": "txn-1", "type": "other", "customer_id": null})"),
              base);
    // A second parse of the same text gives the same value.
    EXPECT_EQ(FingerprintOf(Body()), FingerprintOf(Body()));
}

TEST(FingerprintTest, AnyOtherDifferenceChangesIt) {
    const std::string base = FingerprintOf(Body());
    const std::vector<std::pair<std::string, std::string>> changes = {
        {"amount", R"("1250.01")"},
        {"currency", R"("EUR")"},
        {"direction", R"("inbound")"},
        {"external_id", R"("txn-2")"},
        {"account_id", R"("acc-2")"},
        {"type", R"("wire")"},
        {"occurred_at", R"("2026-11-23T10:00:00Z")"},
        {"customer_id", R"("cus-1")"},
        {"device_id", R"("cus-1")"},
        {"channel", R"("web")"},
        {"country", R"("DE")"},
        {"ip", R"("::1")"},
        {"counterparty", R"({"name": "ACME"})"},
        {"counterparty", R"({"account": "ACME"})"},
        {"counterparty", R"({"country": "DE"})"},
        {"metadata", R"({"a": 1})"},
        {"metadata", "{}"},
    };
    std::vector<std::string> seen = {base};
    for (const auto& [key, value] : changes) {
        std::string print = FingerprintOf(Body({{key, value}}));
        if (key == "metadata" && value == "{}") {
            EXPECT_EQ(print, base) << "empty metadata is absent metadata";
            continue;
        }
        EXPECT_EQ(std::find(seen.begin(), seen.end(), print), seen.end()) << key << " " << value;
        seen.push_back(print);
    }
    // Values cannot be shifted between neighbouring fields.
    EXPECT_NE(FingerprintOf(Body({{"counterparty", R"({"name": "ab", "account": "c"})"}})),
              FingerprintOf(Body({{"counterparty", R"({"name": "a", "account": "bc"})"}})));
    EXPECT_NE(FingerprintOf(Body({{"metadata", R"({"a": 1.0})"}})), FingerprintOf(Body({{"metadata", R"({"a": 1})"}})));
}

// ---------------------------------------------------------------------------------------------
// Batches

TEST(ParseBatchTest, OneResultPerItemInOrder) {
    std::string body = "{\"transactions\": [" + Body() + ", " + Body({{"currency", R"("usd")"}}) + ", 5, [], " +
                       Body({{"external_id", R"("txn-2")"}, {"amount", "7"}}) + "]}";
    auto parsed = ParseBatch(body, Now());
    ASSERT_TRUE(parsed.ok()) << Describe(parsed.error());
    const auto& results = *parsed;
    ASSERT_EQ(results.size(), 5u);
    ASSERT_TRUE(results[0].ok());
    EXPECT_EQ(results[0]->external_id, "txn-1");
    ASSERT_FALSE(results[1].ok());
    EXPECT_EQ(results[1].error().code, ErrorCode::kValidationFailed);
    EXPECT_EQ(FieldNames(results[1].error()), std::vector<std::string>{"currency"});
    for (std::size_t idx : {2u, 3u}) {
        ASSERT_FALSE(results[idx].ok());
        EXPECT_EQ(results[idx].error().code, ErrorCode::kValidationFailed);
        EXPECT_EQ(FieldNames(results[idx].error()), std::vector<std::string>{""});
        EXPECT_NE(results[idx].error().fields[0].message.find("must be a JSON object"), std::string::npos);
    }
    ASSERT_TRUE(results[4].ok());
    EXPECT_EQ(results[4]->amount_minor, 700);
}

TEST(ParseBatchTest, EnvelopeErrors) {
    struct Row {
        std::string body;
        ErrorCode code;
        std::vector<std::string> fields;
        std::string message;
    };
    Limits limits;
    limits.batch_max_items = 2;
    const std::string item = Body();
    const std::vector<Row> rows = {
        {"", k400, {}, "empty"},
        {"[" + item + "]", k400, {}, "must be a JSON object"},
        {"{\"transactions\": [" + item + "]", k400, {}, "not valid JSON"},
        {"{}", k422, {"transactions"}, "is required"},
        {R"({"transactions": null})", k422, {"transactions"}, "is required"},
        {R"({"transactions": {}})", k422, {"transactions"}, "must be an array"},
        {R"({"transactions": "x"})", k422, {"transactions"}, "must be an array"},
        {R"({"transactions": []})", k422, {"transactions"}, "at least 1"},
        {"{\"transactions\": [" + item + "," + item + "," + item + "]}", k422, {"transactions"}, "at most 2"},
        {"{\"transactions\": [" + item + "], \"dry_run\": true}", k422, {"dry_run"}, "is not a known field"},
        {"{\"transactions\": [" + item + "], \"transactions\": []}", k422, {"transactions"}, "more than once"},
        {"{\"batch\": [" + item + "]}", k422, {"transactions", "batch"}, "is required"},
    };
    for (const auto& row : rows) {
        auto parsed = ParseBatch(row.body, Now(), limits);
        ASSERT_FALSE(parsed.ok()) << row.body;
        const Error& error = parsed.error();
        EXPECT_EQ(error.code, row.code) << row.body << ": " << Describe(error);
        EXPECT_EQ(FieldNames(error), row.fields) << row.body << ": " << Describe(error);
        const std::string& text = row.code == k400 ? error.detail : error.fields.at(0).message;
        EXPECT_NE(text.find(row.message), std::string::npos) << row.body << ": " << Describe(error);
    }
}

TEST(ParseBatchTest, DefaultLimitIsOneThousandItems) {
    std::string items;
    for (int idx = 0; idx < 1000; ++idx)
        items += (idx ? "," : "") + Body({{"external_id", Quoted(std::to_string(idx))}});
    auto thousand = ParseBatch("{\"transactions\": [" + items + "]}", Now());
    ASSERT_TRUE(thousand.ok());
    EXPECT_EQ(thousand->size(), 1000u);
    auto one_more = ParseBatch("{\"transactions\": [" + items + "," + Body() + "]}", Now());
    ASSERT_FALSE(one_more.ok());
    EXPECT_EQ(one_more.error().fields.at(0).message, "must contain at most 1000 transactions");
}

TEST(ParseBatchTest, ItemsReadNumbersExactly) {
    auto parsed = ParseBatch(R"({"transactions": [{"external_id": "a", "amount": 0.3, "currency": "USD",)"
                             R"( "direction": "inbound", "account_id": "x", "metadata": {"n": 0.10}}]})",
                             Now());
    ASSERT_TRUE(parsed.ok());
    ASSERT_TRUE((*parsed)[0].ok());
    EXPECT_EQ((*parsed)[0]->amount_minor, 30);
    EXPECT_EQ((*parsed)[0]->metadata_json, R"({"n":0.10})");
}

}  // namespace
}  // namespace wt::ingest
