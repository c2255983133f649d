// SPDX-License-Identifier: Apache-2.0
// The traffic model: determinism, validity of every body per API.md (checked here field by field
// and by the server's own parser, wt_ingest), pattern rates, the ground truth and the shape of
// each pattern.
#include "simulate/generator.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "ingest/transaction.hpp"
#include "simulate/detail/json_text.hpp"

namespace wt::simulate {
namespace {

const UnixMicros kStart = *ParseRfc3339("2026-11-23T12:00:00Z");
constexpr UnixMicros kDay = 24 * kMicrosPerHour;

std::vector<Pattern> AllPatterns() { return *ParsePatternList("all"); }

GeneratorOptions Options(std::uint64_t seed, double rate = 0.02, std::optional<std::uint64_t> count = std::nullopt) {
    GeneratorOptions options;
    options.seed = seed;
    options.start = kStart;
    options.patterns = AllPatterns();
    options.pattern_rate = rate;
    options.count = count;
    return options;
}

std::vector<SimTransaction> Generate(GeneratorOptions options, std::size_t n) {
    Generator generator(std::move(options));
    std::vector<SimTransaction> out;
    for (std::size_t idx = 0; idx < n; ++idx) {
        auto txn = generator.Next();
        if (!txn) break;
        out.push_back(std::move(*txn));
    }
    return out;
}

const boost::json::object& Obj(const boost::json::value& value) { return value.as_object(); }
std::string Str(const boost::json::object& object, std::string_view key) {
    const auto* member = object.if_contains(key);
    return member != nullptr && member->is_string() ? std::string(member->as_string()) : std::string();
}

// Minor units of a body's amount, checking its text has exactly the currency's decimals.
std::int64_t Minor(const boost::json::object& body) {
    std::string amount = Str(body, "amount");
    int exponent = CurrencyExponent(Str(body, "currency"));
    std::string digits;
    for (char c : amount)
        if (c != '.') digits.push_back(c);
    auto dot = amount.find('.');
    if (exponent == 0) {
        EXPECT_EQ(dot, std::string::npos) << amount << " " << Str(body, "currency");
    } else {
        EXPECT_NE(dot, std::string::npos) << amount;
        if (dot != std::string::npos) {
            EXPECT_EQ(amount.size() - dot - 1, static_cast<std::size_t>(exponent)) << amount;
        }
    }
    return std::stoll(digits);
}

TEST(GeneratorTest, SameSeedSameStreamDifferentSeedDifferentStream) {
    auto first = Generate(Options(42), 3000);
    auto again = Generate(Options(42), 3000);
    auto other = Generate(Options(43), 3000);
    ASSERT_EQ(first.size(), 3000u);
    ASSERT_EQ(again.size(), 3000u);
    std::size_t same_body = 0;
    for (std::size_t idx = 0; idx < first.size(); ++idx) {
        EXPECT_EQ(first[idx].seq, idx + 1);
        EXPECT_EQ(first[idx].external_id, again[idx].external_id);
        EXPECT_EQ(first[idx].idempotency_key, again[idx].idempotency_key);
        EXPECT_EQ(first[idx].body, again[idx].body);
        EXPECT_EQ(first[idx].pattern, again[idx].pattern);
        EXPECT_NE(first[idx].external_id, other[idx].external_id);
        EXPECT_NE(first[idx].idempotency_key, other[idx].idempotency_key);
        if (first[idx].body == other[idx].body) ++same_body;
    }
    EXPECT_EQ(same_body, 0u);
    EXPECT_EQ(first[0].external_id, "sim-42-0000000001");
    EXPECT_EQ(first[0].idempotency_key, "simkey-42-0000000001");
    EXPECT_EQ(ExternalId(7, 1234), "sim-7-0000001234");
}

// FNV-1a over everything the stream puts on the wire or in the truth file: ids, keys, bodies and
// every completed or incomplete instance. The values were computed with the Boost.JSON DOM that
// built the bodies before they were written directly (commit after ff9dcad), so any byte that
// changes in a body, in the order of its fields or in the ground truth fails this test.
struct StreamDigest {
    std::uint64_t hash = 14695981039346656037ull;
    void Add(std::string_view text) {
        for (char c : text) {
            hash ^= static_cast<unsigned char>(c);
            hash *= 1099511628211ull;
        }
        hash ^= 0xff;  // separator: ("ab", "c") and ("a", "bc") differ
        hash *= 1099511628211ull;
    }
    void Add(const PatternInstance& instance) {
        Add(fmt::format("{} {} {} {} {} {}", instance.id, PatternName(instance.pattern), instance.account_id,
                        instance.customer_id, instance.planned, instance.description));
        for (const auto& member : instance.members)
            Add(fmt::format("{} {} {} {}", member.seq, member.external_id, member.role, member.suspicious));
    }
};

std::string DigestOf(GeneratorOptions options, std::size_t n) {
    Generator generator(std::move(options));
    StreamDigest digest;
    for (std::size_t idx = 0; idx < n; ++idx) {
        auto txn = generator.Next();
        if (!txn) break;
        digest.Add(txn->external_id);
        digest.Add(txn->idempotency_key);
        digest.Add(txn->body);
        for (const auto& instance : generator.TakeCompleted()) digest.Add(instance);
    }
    for (const auto& instance : generator.TakeIncomplete()) digest.Add(instance);
    return fmt::format("{:016x}", digest.hash);
}

TEST(GeneratorTest, StreamIsByteIdenticalToTheGoldenDigests) {
    EXPECT_EQ(Generate(Options(42), 1)[0].body,
              R"({"external_id":"sim-42-0000000001","occurred_at":"2026-11-22T16:20:06Z","amount":"1017.49",)"
              R"("currency":"EUR","direction":"inbound","type":"ach","account_id":"acc-42-000335",)"
              R"("customer_id":"cus-42-000019","counterparty":{"name":"Northwind Consulting Ltd",)"
              R"("account":"GB05590834615850956579","country":"GB"},"channel":"api","country":"IE",)"
              R"("ip":"2001:db8:6507:3231::41a2","metadata":{"source":"simulate"}})");
    GeneratorOptions none = Options(7);
    none.patterns.clear();
    EXPECT_EQ(DigestOf(none, 20'000), "f6b9d18cce3f067c");
    EXPECT_EQ(DigestOf(Options(42), 20'000), "74fbd666bad02060");
    EXPECT_EQ(DigestOf(Options(0xdeadbeefcafef00dull, 0.5), 20'000), "45f33ea9d5bd623d");
    GeneratorOptions some = Options(3, 0.2);
    some.patterns = *ParsePatternList("dormant,new-counterparty,pass-through");
    EXPECT_EQ(DigestOf(some, 5'000), "810e6e20131517e2");
}

// The bodies are written without Boost.JSON; each byte must still be escaped as its serializer does.
TEST(JsonTextTest, EscapesEveryByteAsBoostJsonDoes) {
    for (int byte = 0; byte < 256; ++byte) {
        std::string text = std::string("a") + static_cast<char>(byte) + "b";
        std::string written;
        detail::AppendJsonString(written, text);
        EXPECT_EQ(written, boost::json::serialize(boost::json::string(text))) << "byte " << byte;
    }
    std::string unicode = "Zo\xc3\xab \"Q\" \\ S\xc3\xa3o/Paulo \xe2\x82\xac\t\x01\x1f\x7f";
    std::string written;
    detail::AppendJsonString(written, unicode);
    EXPECT_EQ(written, boost::json::serialize(boost::json::string(unicode)));
}

TEST(JsonTextTest, TimesAreThoseOfFormatRfc3339) {
    std::array<char, 20> text;
    std::string fallback;
    std::vector<UnixMicros> times = {0, -1, 1, kStart, kStart - 1};
    for (const char* moment : {"2024-02-29T23:59:59Z", "2000-03-01T00:00:00Z", "1969-12-31T23:59:59Z",
                               "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"})
        times.push_back(*ParseRfc3339(moment));
    // Every 7 hours, 13 minutes and 17.25 seconds from 1900 to 2100: all months, leap days, hours.
    for (UnixMicros t = *ParseRfc3339("1900-01-01T00:00:00Z"); t < *ParseRfc3339("2100-01-01T00:00:00Z");
         t += 25'997'250'000)
        times.push_back(t);
    for (UnixMicros t : times) EXPECT_EQ(detail::Rfc3339Seconds(t, text, fallback), FormatRfc3339(t)) << t;
}

TEST(JsonTextTest, ObjectWriterMatchesTheDom) {
    std::string written;
    detail::JsonObjectWriter writer(written);
    writer.String("a", "1");
    writer.OpenObject("empty");
    writer.CloseObject();
    writer.OpenObject("nested");
    writer.String("x", "\"");
    writer.String("y", "");
    writer.CloseObject();
    writer.String("z", "last");
    writer.Close();
    boost::json::object dom;
    dom["a"] = "1";
    dom["empty"] = boost::json::object();
    dom["nested"] = {{"x", "\""}, {"y", ""}};
    dom["z"] = "last";
    EXPECT_EQ(written, boost::json::serialize(dom));
}

TEST(GeneratorTest, CountOnlyTruncatesTheStream) {
    auto unbounded = Generate(Options(9), 500);
    Generator bounded(Options(9, 0.02, 300));
    std::size_t n = 0;
    while (auto txn = bounded.Next()) {
        ASSERT_LT(n, unbounded.size());
        EXPECT_EQ(txn->body, unbounded[n].body);
        ++n;
    }
    EXPECT_EQ(n, 300u);
    EXPECT_FALSE(bounded.Next().has_value());
    EXPECT_EQ(bounded.generated(), 300u);
}

TEST(GeneratorTest, EveryBodyIsValidPerApiMd) {
    static const std::set<std::string> kAllowed = {
        "external_id", "occurred_at",  "amount",  "currency", "direction", "type",      "account_id",
        "customer_id", "counterparty", "channel", "country",  "ip",        "device_id", "metadata"};
    static const std::set<std::string> kTypes = {"card", "transfer", "wire", "ach", "cash", "check", "crypto", "other"};
    static const std::regex kAmount("^[0-9]+(\\.[0-9]+)?$");
    static const std::regex kCountry("^[A-Z]{2}$");
    auto txns = Generate(Options(5, 0.2), 20'000);
    std::set<std::string> currencies;
    for (const auto& txn : txns) {
        SCOPED_TRACE(txn.body);
        auto value = boost::json::parse(txn.body);
        const auto& body = Obj(value);
        for (const auto& member : body) EXPECT_TRUE(kAllowed.count(std::string(member.key()))) << member.key();
        for (const char* required : {"external_id", "amount", "currency", "direction", "account_id"})
            ASSERT_TRUE(body.contains(required)) << required;
        EXPECT_EQ(Str(body, "external_id"), txn.external_id);
        EXPECT_LE(txn.external_id.size(), 128u);
        EXPECT_TRUE(Str(body, "direction") == "inbound" || Str(body, "direction") == "outbound");
        EXPECT_TRUE(kTypes.count(Str(body, "type")));
        std::string amount = Str(body, "amount");
        EXPECT_TRUE(std::regex_match(amount, kAmount)) << amount;
        EXPECT_GT(Minor(body), 0);
        ASSERT_GE(CurrencyExponent(Str(body, "currency")), 0);
        currencies.insert(Str(body, "currency"));
        EXPECT_TRUE(std::regex_match(Str(body, "country"), kCountry));
        auto occurred = ParseRfc3339(Str(body, "occurred_at"));
        ASSERT_TRUE(occurred.has_value());
        EXPECT_LE(*occurred, kStart);
        EXPECT_EQ(*occurred, txn.occurred_at);
        if (const auto* cp = body.if_contains("counterparty")) {
            EXPECT_TRUE(std::regex_match(Str(Obj(*cp), "country"), kCountry));
            EXPECT_FALSE(Str(Obj(*cp), "name").empty());
            EXPECT_LE(Str(Obj(*cp), "account").size(), 64u);
        }
        if (body.contains("ip")) {
            boost::system::error_code ec;
            boost::asio::ip::make_address(Str(body, "ip"), ec);
            EXPECT_FALSE(ec) << Str(body, "ip");
        }
        EXPECT_LE(Str(body, "channel").size(), 32u);
        ASSERT_TRUE(body.at("metadata").is_object());

        // The server's own parser is the final word (API.md "Ingestion surface").
        auto parsed = ingest::ParseTransaction(txn.body, kStart);
        ASSERT_TRUE(parsed.ok()) << parsed.error().detail << " "
                                 << (parsed.error().fields.empty()
                                         ? ""
                                         : parsed.error().fields[0].field + ": " + parsed.error().fields[0].message);
        EXPECT_EQ(parsed->currency_exponent, CurrencyExponent(parsed->currency));
        for (const auto& cc : {parsed->country, parsed->counterparty_country}) {
            if (cc) {
                EXPECT_TRUE(ingest::IsCountryCode(*cc)) << *cc;
            }
        }
    }
    // Zero-, two- and three-decimal currencies all occur.
    EXPECT_TRUE(currencies.count("JPY"));
    EXPECT_TRUE(currencies.count("BHD"));
    EXPECT_TRUE(currencies.count("USD"));
    EXPECT_TRUE(currencies.count("EUR"));
}

TEST(GeneratorTest, CurrencyTableMatchesIso4217) {
    for (const auto& currency : Currencies()) {
        EXPECT_EQ(ingest::CurrencyExponent(currency.code), currency.exponent) << currency.code;
    }
    EXPECT_EQ(CurrencyExponent("JPY"), 0);
    EXPECT_EQ(CurrencyExponent("BHD"), 3);
    EXPECT_EQ(CurrencyExponent("USD"), 2);
    EXPECT_EQ(CurrencyExponent("XXX"), -1);
}

struct Stream {
    std::vector<SimTransaction> txns;
    std::vector<PatternInstance> instances;
};

Stream RunStream(GeneratorOptions options, std::size_t n) {
    Stream stream;
    Generator generator(std::move(options));
    for (std::size_t idx = 0; idx < n; ++idx) {
        stream.txns.push_back(*generator.Next());
        for (auto& instance : generator.TakeCompleted()) stream.instances.push_back(std::move(instance));
    }
    for (auto& instance : generator.TakeIncomplete()) stream.instances.push_back(std::move(instance));
    return stream;
}

TEST(GeneratorTest, PatternsAppearAtTheRequestedRateAndTheTruthListsThem) {
    for (double rate : {0.02, 0.1}) {
        SCOPED_TRACE(rate);
        auto stream = RunStream(Options(11, rate), 60'000);
        std::map<std::string, Pattern> labelled;  // external id -> pattern, from the stream
        std::map<Pattern, std::size_t> per_pattern;
        for (const auto& txn : stream.txns) {
            if (txn.pattern) {
                labelled[txn.external_id] = *txn.pattern;
                ++per_pattern[*txn.pattern];
                EXPECT_NE(txn.instance, 0u);
            } else {
                EXPECT_EQ(txn.instance, 0u);
            }
        }
        double share = static_cast<double>(labelled.size()) / static_cast<double>(stream.txns.size());
        EXPECT_NEAR(share, rate, rate * 0.25);
        EXPECT_EQ(per_pattern.size(), static_cast<std::size_t>(kPatternCount));

        std::map<std::string, Pattern> truth;
        std::set<std::uint64_t> ids;
        std::size_t incomplete = 0;
        for (const auto& instance : stream.instances) {
            EXPECT_TRUE(ids.insert(instance.id).second);
            EXPECT_FALSE(instance.members.empty());
            EXPECT_FALSE(instance.description.empty());
            if (!instance.complete()) ++incomplete;
            std::uint64_t last_seq = 0;
            for (const auto& member : instance.members) {
                EXPECT_TRUE(truth.emplace(member.external_id, instance.pattern).second);
                EXPECT_GT(member.seq, last_seq);  // in stream order
                last_seq = member.seq;
            }
        }
        EXPECT_EQ(truth, labelled);
        EXPECT_LE(incomplete, 10u);  // only those cut off at the end of the stream
    }
}

TEST(GeneratorTest, NoPatternsWhenNoneOrRateZero) {
    auto none = Options(3);
    none.patterns.clear();
    auto zero = Options(3, 0.0);
    for (auto options : {none, zero}) {
        for (const auto& txn : Generate(options, 5000)) EXPECT_FALSE(txn.pattern.has_value());
    }
    auto only = Options(3, 0.1);
    only.patterns = {Pattern::kVelocity};
    for (const auto& txn : Generate(only, 5000)) {
        if (txn.pattern) {
            EXPECT_EQ(*txn.pattern, Pattern::kVelocity);
        }
    }
}

// Transactions of every instance of `pattern`, parsed, in stream order.
std::vector<std::vector<boost::json::object>> Instances(const Stream& stream, Pattern pattern) {
    std::map<std::string, const SimTransaction*> by_id;
    for (const auto& txn : stream.txns) by_id[txn.external_id] = &txn;
    std::vector<std::vector<boost::json::object>> out;
    for (const auto& instance : stream.instances) {
        if (instance.pattern != pattern || !instance.complete()) continue;
        std::vector<boost::json::object> members;
        for (const auto& member : instance.members) {
            auto body = boost::json::parse(by_id.at(member.external_id)->body).as_object();
            body["role"] = member.role;
            body["suspicious"] = member.suspicious;
            members.push_back(std::move(body));
        }
        out.push_back(std::move(members));
    }
    return out;
}

UnixMicros At(const boost::json::object& body) { return *ParseRfc3339(Str(body, "occurred_at")); }

class PatternShapeTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { stream_ = new Stream(RunStream(Options(77, 0.15), 40'000)); }
    static void TearDownTestSuite() { delete stream_; }
    static Stream* stream_;
};
Stream* PatternShapeTest::stream_ = nullptr;

TEST_F(PatternShapeTest, StructuringStaysUnderTheThresholdWithinADay) {
    auto instances = Instances(*stream_, Pattern::kStructuring);
    ASSERT_GT(instances.size(), 5u);
    for (const auto& members : instances) {
        ASSERT_GE(members.size(), 3u);
        ASSERT_LE(members.size(), 6u);
        UnixMicros first = At(members.front()), last = At(members.front());
        for (const auto& body : members) {
            EXPECT_EQ(Str(body, "currency"), "USD");
            EXPECT_EQ(Str(body, "type"), "cash");
            EXPECT_EQ(Str(body, "direction"), "inbound");
            EXPECT_EQ(Str(body, "account_id"), Str(members.front(), "account_id"));
            std::int64_t cents = Minor(body);
            EXPECT_GE(cents, 900'000);
            EXPECT_LT(cents, kStructuringThresholdUsd * 100);
            first = std::min(first, At(body));
            last = std::max(last, At(body));
        }
        EXPECT_LE(last - first, kDay);
    }
}

TEST_F(PatternShapeTest, VelocityIsABurstFromOneAccountWithinMinutes) {
    auto instances = Instances(*stream_, Pattern::kVelocity);
    ASSERT_GT(instances.size(), 5u);
    for (const auto& members : instances) {
        EXPECT_GE(members.size(), 10u);
        UnixMicros first = At(members.front()), last = At(members.front());
        for (const auto& body : members) {
            EXPECT_EQ(Str(body, "account_id"), Str(members.front(), "account_id"));
            EXPECT_EQ(Str(body, "direction"), "outbound");
            first = std::min(first, At(body));
            last = std::max(last, At(body));
        }
        EXPECT_LE(last - first, 10 * kMicrosPerMinute);
    }
}

TEST_F(PatternShapeTest, HighRiskCountriesOnlyInHighRiskWires) {
    std::set<std::string> high_risk;
    for (auto country : kHighRiskCountries) high_risk.insert(std::string(country));
    std::set<std::string> in_pattern;
    for (const auto& members : Instances(*stream_, Pattern::kHighRiskWire)) {
        for (const auto& body : members) {
            EXPECT_EQ(Str(body, "type"), "wire");
            EXPECT_EQ(Str(body, "direction"), "outbound");
            std::string country = Str(body.at("counterparty").as_object(), "country");
            EXPECT_TRUE(high_risk.count(country)) << country;
            in_pattern.insert(Str(body, "external_id"));
        }
    }
    EXPECT_FALSE(in_pattern.empty());
    for (const auto& txn : stream_->txns) {
        if (in_pattern.count(txn.external_id)) continue;
        auto body = boost::json::parse(txn.body).as_object();
        if (const auto* cp = body.if_contains("counterparty")) {
            EXPECT_FALSE(high_risk.count(Str(cp->as_object(), "country"))) << txn.body;
        }
        EXPECT_FALSE(high_risk.count(Str(body, "country")));
    }
}

TEST_F(PatternShapeTest, RoundAmountsAreWholeThousands) {
    auto instances = Instances(*stream_, Pattern::kRoundAmounts);
    ASSERT_GT(instances.size(), 5u);
    for (const auto& members : instances) {
        for (const auto& body : members) {
            int exponent = CurrencyExponent(Str(body, "currency"));
            std::int64_t scale = 1;
            for (int idx = 0; idx < exponent; ++idx) scale *= 10;
            EXPECT_EQ(Minor(body) % (1000 * scale), 0) << Str(body, "amount") << " " << Str(body, "currency");
        }
    }
}

TEST_F(PatternShapeTest, PassThroughMovesMostOfTheMoneyOutWithinHours) {
    auto instances = Instances(*stream_, Pattern::kPassThrough);
    ASSERT_GT(instances.size(), 5u);
    for (const auto& members : instances) {
        ASSERT_EQ(members.size() % 2, 0u);
        for (std::size_t idx = 0; idx < members.size(); idx += 2) {
            const auto& in = members[idx];
            const auto& out = members[idx + 1];
            EXPECT_EQ(Str(in, "role"), "in");
            EXPECT_EQ(Str(out, "role"), "out");
            EXPECT_EQ(Str(in, "direction"), "inbound");
            EXPECT_EQ(Str(out, "direction"), "outbound");
            EXPECT_EQ(Str(in, "account_id"), Str(out, "account_id"));
            double ratio = static_cast<double>(Minor(out)) / static_cast<double>(Minor(in));
            EXPECT_GE(ratio, 0.89);
            EXPECT_LT(ratio, 1.0);
            EXPECT_GT(At(out), At(in));
            EXPECT_LE(At(out) - At(in), 6 * kMicrosPerHour);
        }
    }
}

TEST_F(PatternShapeTest, DormantAccountsWereSilentForMonthsAndOnlyTheirs) {
    auto instances = Instances(*stream_, Pattern::kDormant);
    ASSERT_GT(instances.size(), 5u);
    std::set<std::string> dormant_accounts;
    for (const auto& members : instances) {
        UnixMicros last_history = 0;
        bool reactivated = false;
        for (const auto& body : members) {
            dormant_accounts.insert(Str(body, "account_id"));
            if (Str(body, "role") == "history") {
                EXPECT_FALSE(reactivated);
                EXPECT_FALSE(body.at("suspicious").as_bool());
                EXPECT_LE(At(body), kStart - 180 * kDay);
                last_history = std::max(last_history, At(body));
            } else {
                EXPECT_EQ(Str(body, "role"), "reactivation");
                EXPECT_TRUE(body.at("suspicious").as_bool());
                EXPECT_GE(At(body), kStart - kDay);
                reactivated = true;
            }
        }
        EXPECT_TRUE(reactivated);
        EXPECT_GT(last_history, 0);
    }
    EXPECT_EQ(dormant_accounts.size(), instances.size());
    for (const auto& txn : stream_->txns) {
        if (txn.pattern == Pattern::kDormant) continue;
        auto body = boost::json::parse(txn.body).as_object();
        EXPECT_FALSE(dormant_accounts.count(Str(body, "account_id"))) << txn.body;
    }
}

TEST_F(PatternShapeTest, NewCounterpartyIsNeverSeenBeforeAndLarge) {
    // Counterparty accounts each account dealt with in ordinary traffic.
    std::map<std::string, std::set<std::string>> known;
    for (const auto& txn : stream_->txns) {
        if (txn.pattern) continue;
        auto body = boost::json::parse(txn.body).as_object();
        if (const auto* cp = body.if_contains("counterparty"))
            known[Str(body, "account_id")].insert(Str(cp->as_object(), "account"));
    }
    auto instances = Instances(*stream_, Pattern::kNewCounterparty);
    ASSERT_GT(instances.size(), 5u);
    for (const auto& members : instances) {
        // 3-6 usual transfers to usual counterparties, then the payment.
        ASSERT_GE(members.size(), 4u);
        ASSERT_LE(members.size(), 7u);
        const auto& body = members.back();
        EXPECT_EQ(Str(body, "direction"), "outbound");
        std::string account = Str(body, "account_id");
        EXPECT_GT(known[account].size(), 0u) << "a busy account with history";
        std::int64_t last_history_at = 0;
        for (std::size_t idx = 0; idx + 1 < members.size(); ++idx) {
            const auto& usual = members[idx];
            EXPECT_EQ(Str(usual, "account_id"), account);
            EXPECT_EQ(Str(usual, "type"), "transfer");
            std::string payee = Str(usual.at("counterparty").as_object(), "account");
            EXPECT_NE(payee, Str(body.at("counterparty").as_object(), "account"));
            EXPECT_EQ(Str(usual, "role"), "history");
            EXPECT_FALSE(usual.at("suspicious").as_bool());
            // Usual size: the payment is far larger than each usual transfer.
            EXPECT_GT(Minor(body), 3 * Minor(usual));
            EXPECT_GE(At(usual), last_history_at) << "history in time order";
            last_history_at = At(usual);
        }
        EXPECT_EQ(Str(body, "role"), "payment");
        EXPECT_TRUE(body.at("suspicious").as_bool());
        EXPECT_GT(At(body), last_history_at);
        EXPECT_LE(At(body) - last_history_at, 28 * 24 * kMicrosPerHour);
        EXPECT_FALSE(known[account].count(Str(body.at("counterparty").as_object(), "account")));
        const auto& currency = *std::find_if(Currencies().begin(), Currencies().end(),
                                             [&](const CurrencyInfo& c) { return c.code == Str(body, "currency"); });
        double scale = 1;
        for (int idx = 0; idx < currency.exponent; ++idx) scale *= 10;
        EXPECT_GE(static_cast<double>(Minor(body)) / scale / currency.per_usd, 9'999.0);
    }
}

TEST(GeneratorTest, ActivityIsSkewedAcrossManyAccounts) {
    std::map<std::string, int> per_account;
    auto txns = Generate(Options(21, 0.0), 50'000);
    for (const auto& txn : txns) ++per_account[Str(boost::json::parse(txn.body).as_object(), "account_id")];
    std::vector<int> counts;
    for (const auto& [account, count] : per_account) counts.push_back(count);
    std::sort(counts.rbegin(), counts.rend());
    EXPECT_GT(per_account.size(), 3000u);                       // many accounts
    EXPECT_GT(counts.front(), 50 * counts[counts.size() / 2]);  // the busiest dwarfs the median one
    EXPECT_LT(counts.front(), 50'000 / 50);                     // but is no more than 2% of the traffic
}

TEST(PatternListTest, ParsesNamesAllNoneAndRejectsUnknown) {
    EXPECT_EQ(ParsePatternList("all")->size(), static_cast<std::size_t>(kPatternCount));
    EXPECT_TRUE(ParsePatternList("none")->empty());
    auto some = ParsePatternList("velocity, structuring,Pass_Through,velocity");
    ASSERT_TRUE(some.ok());
    EXPECT_EQ(*some, (std::vector<Pattern>{Pattern::kStructuring, Pattern::kVelocity, Pattern::kPassThrough}));
    for (int idx = 0; idx < kPatternCount; ++idx) {
        auto pattern = static_cast<Pattern>(idx);
        EXPECT_EQ(ParsePattern(PatternName(pattern)), pattern);
    }
    auto bad = ParsePatternList("velocity,smurfing,");
    ASSERT_FALSE(bad.ok());
    ASSERT_EQ(bad.error().fields.size(), 1u);
    EXPECT_EQ(bad.error().fields[0].field, "patterns");
    EXPECT_NE(bad.error().fields[0].message.find("'smurfing'"), std::string::npos);
    EXPECT_NE(bad.error().fields[0].message.find("high-risk-wire"), std::string::npos);
}

}  // namespace
}  // namespace wt::simulate
