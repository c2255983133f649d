// SPDX-License-Identifier: Apache-2.0
#include "simulate/generator.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "simulate/detail/json_text.hpp"
#include "simulate/detail/random.hpp"

namespace wt::simulate {

using detail::Hash;
using detail::Rng;

namespace {

// Salts keep the streams of different purposes apart: the draws of sequence number n for the
// slot decision never overlap those of account n's profile.
enum Salt : std::uint64_t {
    kSaltDecide = 1,
    kSaltOrdinary,
    kSaltInstance,
    kSaltAccount,
    kSaltCounterparty,
    kSaltMerchant,
};

constexpr std::size_t kBodyReserve = 512;  // the longest bodies are about 450 bytes
constexpr std::uint64_t kAccounts = 10'000;
constexpr std::uint64_t kCustomers = 6'000;
// Zipf-Mandelbrot: weight of rank k (0-based) is 1 / (k + 1 + kZipfShift)^kZipfExponent. The
// busiest account gets 0.77% of the traffic, rank 1000 49 times less, the top 100 accounts 29%,
// the quieter half 11%.
constexpr double kZipfExponent = 1.0;
constexpr double kZipfShift = 20.0;

constexpr UnixMicros kSecond = kMicrosPerSecond;
constexpr UnixMicros kMinute = kMicrosPerMinute;
constexpr UnixMicros kHour = kMicrosPerHour;
constexpr UnixMicros kDay = 24 * kHour;

constexpr CurrencyInfo kCurrencies[] = {
    {"USD", 2, 1.0},   {"EUR", 2, 0.92},  {"GBP", 2, 0.79},   {"JPY", 0, 150.0}, {"CHF", 2, 0.88},
    {"CAD", 2, 1.36},  {"AUD", 2, 1.52},  {"KRW", 0, 1330.0}, {"SGD", 2, 1.34},  {"AED", 2, 3.67},
    {"BHD", 3, 0.376}, {"KWD", 3, 0.307}, {"MXN", 2, 17.0},   {"BRL", 2, 5.0},   {"INR", 2, 83.0},
    {"CNY", 2, 7.2},   {"ZAR", 2, 18.5},  {"SEK", 2, 10.5},   {"PLN", 2, 4.0},
};

const CurrencyInfo& Currency(std::string_view code) {
    for (const auto& currency : kCurrencies)
        if (currency.code == code) return currency;
    return kCurrencies[0];
}

// Home countries of accounts: country, currency, weight.
struct Home {
    std::string_view country;
    std::string_view currency;
};
constexpr Home kHomes[] = {
    {"US", "USD"}, {"GB", "GBP"}, {"DE", "EUR"}, {"FR", "EUR"}, {"NL", "EUR"}, {"ES", "EUR"},
    {"IT", "EUR"}, {"IE", "EUR"}, {"CH", "CHF"}, {"CA", "CAD"}, {"AU", "AUD"}, {"JP", "JPY"},
    {"KR", "KRW"}, {"SG", "SGD"}, {"AE", "AED"}, {"BH", "BHD"}, {"KW", "KWD"}, {"MX", "MXN"},
    {"BR", "BRL"}, {"IN", "INR"}, {"CN", "CNY"}, {"ZA", "ZAR"}, {"SE", "SEK"}, {"PL", "PLN"},
};
constexpr double kHomeWeights[] = {34, 8, 7, 5, 3, 3, 3, 1, 3, 5, 3, 5, 2, 2, 2, 2, 1, 3, 3, 3, 1, 1, 1, 1};
static_assert(std::size(kHomes) == std::size(kHomeWeights));

// Further counterparty countries (never high-risk ones: those belong to the pattern only).
constexpr std::string_view kOtherCountries[] = {"BE", "AT", "PT", "LU", "HK", "TR", "PH", "NG", "EG", "AR", "CL",
                                                "CO", "NZ", "NO", "DK", "FI", "IL", "TH", "MY", "VN", "ID"};

// IBAN lengths of the countries we emit that use IBANs (others get a plain account number).
struct IbanLength {
    std::string_view country;
    int length;
};
constexpr IbanLength kIbanLengths[] = {
    {"DE", 22}, {"GB", 22}, {"FR", 27}, {"NL", 18}, {"ES", 24}, {"IT", 27}, {"IE", 22}, {"CH", 21}, {"AE", 23},
    {"BH", 22}, {"KW", 30}, {"BR", 29}, {"SE", 24}, {"PL", 28}, {"BE", 16}, {"AT", 20}, {"PT", 25}, {"LU", 20},
    {"TR", 26}, {"NO", 15}, {"DK", 18}, {"FI", 18}, {"IL", 23}, {"EG", 29}, {"IR", 26},
};

constexpr std::string_view kCompanyFirst[] = {
    "Northwind",  "Blue Harbor", "Silverline", "Redwood",    "Summit",     "Granite",     "Atlas",       "Meridian",
    "Pioneer",    "Evergreen",   "Crescent",   "Horizon",    "Falcon",     "Cobalt",      "Orchid",      "Sterling",
    "Keystone",   "Lighthouse",  "Riverbend",  "Oakridge",   "Bluestone",  "Westgate",    "Eastwood",    "Highland",
    "Silver Oak", "Maple",       "Harborview", "Ironwood",   "Clearwater", "Stonebridge", "Bright Path", "Larkspur",
    "Juniper",    "Aurora",      "Beacon",     "Copperleaf", "Driftwood",  "Foxglove",    "Greenfield",  "Hawthorn",
};
constexpr std::string_view kCompanySecond[] = {
    "Trading",  "Logistics", "Holdings", "Supplies",    "Consulting", "Imports",   "Industries", "Partners",
    "Ventures", "Foods",     "Textiles", "Electronics", "Shipping",   "Capital",   "Systems",    "Labs",
    "Metals",   "Pharma",    "Motors",   "Media",       "Builders",   "Energy",    "Farms",      "Health",
    "Software", "Freight",   "Design",   "Hospitality", "Packaging",  "Chemicals",
};
constexpr std::string_view kCompanyThird[] = {
    "Group",      "International", "Worldwide", "Enterprises", "Global",  "Resources",   "Commerce",   "Alliance",
    "Associates", "Network",       "Solutions", "Investments", "Exports", "Development", "Management",
};
constexpr std::string_view kFirstNames[] = {
    "Maria",  "James", "Wei",    "Fatima", "Olga",    "Carlos", "Aisha",  "Hiroshi", "Emma",  "Noah",
    "Priya",  "Lukas", "Sofia",  "Mateo",  "Chloe",   "Ahmed",  "Ingrid", "Kwame",   "Lena",  "Diego",
    "Yuki",   "Amara", "Pierre", "Anna",   "Tomasz",  "Nadia",  "Ravi",   "Elena",   "Jonas", "Leila",
    "Samuel", "Mei",   "Omar",   "Clara",  "Mikhail", "Zara",   "Pedro",  "Hannah",  "Arjun", "Freya",
};
constexpr std::string_view kLastNames[] = {
    "Lopez",  "Smith",   "Chen",   "Haddad",   "Ivanova", "Garcia",  "Okafor", "Tanaka",  "Muller", "Brown",
    "Sharma", "Schmidt", "Rossi",  "Silva",    "Martin",  "Hassan",  "Larsen", "Mensah",  "Novak",  "Fernandez",
    "Sato",   "Adeyemi", "Dubois", "Kowalski", "Nowak",   "Petrova", "Patel",  "Popescu", "Jensen", "Karimi",
    "Cohen",  "Wong",    "Farouk", "Weber",    "Sokolov", "Ali",     "Santos", "Fischer", "Iyer",   "Nielsen",
};
constexpr std::size_t kCompanyNames = std::size(kCompanyFirst) * std::size(kCompanySecond);  // 1200
constexpr std::size_t kPersonNames = std::size(kFirstNames) * std::size(kLastNames);         // 1600
constexpr std::size_t kCounterparties = kCompanyNames + kPersonNames;                        // each name once

struct MerchantKind {
    std::string_view word;
    std::string_view mcc;
};
constexpr MerchantKind kMerchantKinds[] = {
    {"Grocery", "5411"},  {"Cafe", "5814"},    {"Restaurant", "5812"}, {"Fuel", "5541"},  {"Electronics", "5732"},
    {"Pharmacy", "5912"}, {"Apparel", "5651"}, {"Airlines", "4511"},   {"Hotel", "7011"}, {"Books", "5942"},
    {"Hardware", "5251"}, {"Taxi", "4121"},    {"Streaming", "4899"},  {"Games", "5816"},
};
constexpr std::size_t kMerchants = std::size(kCompanyFirst) * std::size(kMerchantKinds);  // 560

constexpr std::string_view kExchanges[] = {"Nebula Exchange", "BlockPort", "Ledgerly", "CoinHarbor", "Satoshi Markets"};

std::string_view CompanySuffix(std::string_view country) {
    if (country == "US") return "Inc";
    if (country == "DE" || country == "AT") return "GmbH";
    if (country == "CH") return "AG";
    if (country == "FR") return "SAS";
    if (country == "NL" || country == "BE") return "B.V.";
    if (country == "ES") return "S.L.";
    if (country == "IT") return "S.r.l.";
    if (country == "JP") return "K.K.";
    if (country == "SE") return "AB";
    if (country == "PL") return "Sp. z o.o.";
    if (country == "BR") return "Ltda";
    if (country == "MX") return "S.A. de C.V.";
    if (country == "IN") return "Pvt Ltd";
    return "Ltd";
}

std::string_view WeightedHomeCountry(Rng& rng) { return kHomes[rng.Weighted(kHomeWeights)].country; }

// A bank account number for `country`: an IBAN with valid check digits (ISO 13616, all-digit
// BBAN) where the country uses IBANs, else 10-12 digits.
std::string AccountNumber(Rng& rng, std::string_view country) {
    int iban_length = 0;
    for (const auto& entry : kIbanLengths)
        if (entry.country == country) iban_length = entry.length;
    std::string digits;
    int bban_length = iban_length > 4 ? iban_length - 4 : static_cast<int>(rng.Int(10, 12));
    for (int digit_idx = 0; digit_idx < bban_length; ++digit_idx)
        digits.push_back(static_cast<char>('0' + rng.Int(0, 9)));
    if (iban_length <= 4) return digits;
    // mod 97 of BBAN + country letters as numbers (A=10) + "00".
    std::string rearranged = digits;
    for (char letter : country) rearranged += std::to_string(letter - 'A' + 10);
    rearranged += "00";
    int remainder = 0;
    for (char c : rearranged) remainder = (remainder * 10 + (c - '0')) % 97;
    return fmt::format("{}{:02}{}", country, 98 - remainder, digits);
}

std::string Ip(Rng& rng) {
    if (rng.Chance(0.15)) {
        return fmt::format("2001:db8:{:x}:{:x}::{:x}", rng.Int(0, 0xffff), rng.Int(0, 0xffff), rng.Int(1, 0xffff));
    }
    // 198.18.0.0/15, reserved for benchmarking (RFC 2544): never a real customer's address.
    return fmt::format("198.{}.{}.{}", 18 + rng.Int(0, 1), rng.Int(0, 255), rng.Int(1, 254));
}

std::int64_t Pow10(int exponent) {
    std::int64_t value = 1;
    for (int idx = 0; idx < exponent; ++idx) value *= 10;
    return value;
}

std::int64_t ToMinor(double usd, const CurrencyInfo& currency) {
    double major = usd * currency.per_usd;
    auto minor = static_cast<std::int64_t>(std::llround(major * static_cast<double>(Pow10(currency.exponent))));
    return std::max<std::int64_t>(minor, 1);
}

// Whole thousands of the currency's major unit, two significant digits (12,000; 450,000 JPY).
std::int64_t RoundMinor(double usd, const CurrencyInfo& currency) {
    double major = usd * currency.per_usd;
    double unit = std::max(1000.0, std::pow(10.0, std::floor(std::log10(std::max(major, 1.0))) - 1));
    auto rounded = static_cast<std::int64_t>(std::max(unit, std::round(major / unit) * unit));
    return rounded * Pow10(currency.exponent);
}

// The API's decimal text: (125010, 2) -> "1250.10".
std::string Decimal(std::int64_t minor, int exponent) {
    if (exponent == 0) return std::to_string(minor);
    std::int64_t scale = Pow10(exponent);
    return fmt::format(FMT_COMPILE("{}.{:0{}}"), minor / scale, minor % scale, exponent);
}

// For descriptions: "38,420.00 USD".
std::string Money(std::int64_t minor, const CurrencyInfo& currency) {
    std::string integer = std::to_string(minor / Pow10(currency.exponent));
    std::string grouped;
    for (std::size_t idx = 0; idx < integer.size(); ++idx) {
        if (idx > 0 && (integer.size() - idx) % 3 == 0) grouped.push_back(',');
        grouped.push_back(integer[idx]);
    }
    if (currency.exponent > 0) grouped += fmt::format(".{:0{}}", minor % Pow10(currency.exponent), currency.exponent);
    return fmt::format("{} {}", grouped, currency.code);
}

// Per transaction type: share of ordinary traffic, median USD amount, log-normal shape,
// probability of being inbound, channels and their weights.
struct TypeModel {
    std::string_view type;
    double share;
    double median_usd;
    double sigma;
    double inbound;
    std::array<std::string_view, 3> channels;
    std::array<double, 3> channel_weights;
};
constexpr TypeModel kTypes[] = {
    {"card", 45, 40, 1.0, 0.05, {"pos", "online", "mobile"}, {55, 35, 10}},
    {"transfer", 20, 250, 1.1, 0.5, {"mobile", "online", "branch"}, {50, 45, 5}},
    {"ach", 12, 600, 0.9, 0.55, {"api", "online", "online"}, {70, 30, 0}},
    {"cash", 8, 200, 0.9, 0.55, {"atm", "branch", "branch"}, {60, 40, 0}},
    {"wire", 5, 4000, 1.2, 0.4, {"online", "branch", "api"}, {60, 30, 10}},
    {"check", 4, 450, 0.9, 0.8, {"mobile", "branch", "branch"}, {60, 40, 0}},
    {"crypto", 2, 600, 1.4, 0.4, {"online", "api", "mobile"}, {50, 30, 20}},
    {"other", 4, 120, 1.0, 0.5, {"online", "mobile", "branch"}, {34, 33, 33}},
};

const TypeModel& TypeOf(std::string_view type) {
    for (const auto& model : kTypes)
        if (model.type == type) return model;
    return kTypes[std::size(kTypes) - 1];
}

std::string_view Channel(Rng& rng, const TypeModel& model) {
    return model.channels[rng.Weighted(model.channel_weights)];
}

// Expected transactions per instance (for the start probability; see Generator::Generator).
double ExpectedSize(Pattern pattern) {
    switch (pattern) {
        case Pattern::kStructuring:
            return 4.5;
        case Pattern::kVelocity:
            return 15.0;
        case Pattern::kHighRiskWire:
            return 1.5;
        case Pattern::kRoundAmounts:
            return 4.0;
        case Pattern::kPassThrough:
            return 4.0;
        case Pattern::kDormant:
            return 7.5;
        case Pattern::kNewCounterparty:
            return 5.5;
    }
    return 1.0;
}

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

struct Counterparty {
    std::string name;
    std::string account;  // empty: absent
    std::string country;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Names, ids, pattern lists

std::string_view PatternName(Pattern pattern) {
    switch (pattern) {
        case Pattern::kStructuring:
            return "structuring";
        case Pattern::kVelocity:
            return "velocity";
        case Pattern::kHighRiskWire:
            return "high-risk-wire";
        case Pattern::kRoundAmounts:
            return "round-amounts";
        case Pattern::kPassThrough:
            return "pass-through";
        case Pattern::kDormant:
            return "dormant";
        case Pattern::kNewCounterparty:
            return "new-counterparty";
    }
    return "unknown";
}

std::optional<Pattern> ParsePattern(std::string_view name) {
    std::string wanted = Lower(name);
    std::replace(wanted.begin(), wanted.end(), '_', '-');
    for (int idx = 0; idx < kPatternCount; ++idx) {
        auto pattern = static_cast<Pattern>(idx);
        if (PatternName(pattern) == wanted) return pattern;
    }
    return std::nullopt;
}

Result<std::vector<Pattern>> ParsePatternList(std::string_view text) {
    std::string trimmed = Lower(text);
    if (trimmed == "all") {
        std::vector<Pattern> all;
        for (int idx = 0; idx < kPatternCount; ++idx) all.push_back(static_cast<Pattern>(idx));
        return all;
    }
    if (trimmed == "none" || trimmed.empty()) return std::vector<Pattern>{};
    std::array<bool, kPatternCount> chosen{};
    std::vector<std::string> unknown;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        std::size_t end = text.find(',', begin);
        if (end == std::string_view::npos) end = text.size();
        std::string_view item = text.substr(begin, end - begin);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (auto pattern = ParsePattern(item)) {
            chosen[static_cast<int>(*pattern)] = true;
        } else {
            unknown.push_back(fmt::format("'{}'", item));
        }
        begin = end + 1;
    }
    if (!unknown.empty()) {
        std::string valid;
        for (int idx = 0; idx < kPatternCount; ++idx)
            valid += fmt::format("{}{}", idx ? ", " : "", PatternName(static_cast<Pattern>(idx)));
        return Error::Validation(
            "patterns", fmt::format("unknown pattern {} (valid: all, none, {})", fmt::join(unknown, ", "), valid));
    }
    std::vector<Pattern> patterns;
    for (int idx = 0; idx < kPatternCount; ++idx)
        if (chosen[idx]) patterns.push_back(static_cast<Pattern>(idx));
    return patterns;
}

std::span<const CurrencyInfo> Currencies() { return kCurrencies; }

int CurrencyExponent(std::string_view code) {
    for (const auto& currency : kCurrencies)
        if (currency.code == code) return currency.exponent;
    return -1;
}

// Compiled formats: these three run for every transaction, and parsing the format at run time cost
// more than the rest of the formatting.
std::string ExternalId(std::uint64_t seed, std::uint64_t seq) {
    return fmt::format(FMT_COMPILE("sim-{}-{:010}"), seed, seq);
}

std::string IdempotencyKey(std::uint64_t seed, std::uint64_t seq) {
    return fmt::format(FMT_COMPILE("simkey-{}-{:010}"), seed, seq);
}

// ---------------------------------------------------------------------------------------------
// The generator

struct Generator::Account {
    std::uint64_t index = 0;
    std::string id;
    std::string customer_id;
    std::string device_id;
    std::string ip;
    std::string_view country;
    const CurrencyInfo* currency = nullptr;
    double wealth = 1.0;               // scales every amount of the account
    std::vector<std::uint32_t> usual;  // counterparty pool indices it pays and is paid by
};

struct Generator::Planned {
    std::uint64_t release = 0;  // earliest sequence number
    std::uint64_t order = 0;    // ties: first scheduled first
    std::uint64_t instance = 0;
    std::optional<Pattern> pattern;
    std::string role;
    bool suspicious = true;

    UnixMicros occurred_at = 0;
    std::int64_t amount_minor = 0;
    const CurrencyInfo* currency = nullptr;
    bool inbound = false;
    std::string_view type;
    std::string account_id;
    std::string customer_id;
    std::optional<Counterparty> counterparty;
    std::string_view channel;
    std::string country;
    std::string ip;         // empty: absent
    std::string device_id;  // empty: absent
    std::string mcc;        // empty: absent
};

namespace {

// Counterparty `index` of the shared pool: unique name, country and account fixed per seed.
Counterparty MakePoolCounterparty(std::uint64_t seed, std::uint64_t index) {
    Rng rng(Hash(seed, kSaltCounterparty, index));
    Counterparty cp;
    cp.country = rng.Chance(0.8) ? std::string(WeightedHomeCountry(rng))
                                 : std::string(kOtherCountries[rng.Int(0, std::size(kOtherCountries) - 1)]);
    if (index < kCompanyNames) {
        cp.name = fmt::format("{} {} {}", kCompanyFirst[index % std::size(kCompanyFirst)],
                              kCompanySecond[index / std::size(kCompanyFirst)], CompanySuffix(cp.country));
    } else {
        std::uint64_t person = index - kCompanyNames;
        cp.name = fmt::format("{} {}", kFirstNames[person % std::size(kFirstNames)],
                              kLastNames[person / std::size(kFirstNames)]);
    }
    cp.account = AccountNumber(rng, cp.country);
    return cp;
}

// A counterparty outside the pool: no account of the run has ever dealt with it.
Counterparty FreshCounterparty(Rng& rng, std::string_view country) {
    Counterparty cp;
    cp.country = std::string(country);
    cp.name = fmt::format("{} {} {}", kCompanyFirst[rng.Int(0, std::size(kCompanyFirst) - 1)],
                          kCompanyThird[rng.Int(0, std::size(kCompanyThird) - 1)], CompanySuffix(country));
    cp.account = AccountNumber(rng, country);
    return cp;
}

struct Merchant {
    Counterparty counterparty;
    std::string_view mcc;
};

Merchant MakePoolMerchant(std::uint64_t seed, std::uint64_t index) {
    Rng rng(Hash(seed, kSaltMerchant, index));
    const auto& kind = kMerchantKinds[index / std::size(kCompanyFirst)];
    Merchant merchant;
    merchant.counterparty.country = std::string(WeightedHomeCountry(rng));
    merchant.counterparty.name = fmt::format("{} {}", kCompanyFirst[index % std::size(kCompanyFirst)], kind.word);
    merchant.mcc = kind.mcc;
    return merchant;
}

}  // namespace

// The shared counterparty and merchant pools, each entry built on first use: an entry is a pure
// function of (seed, index), and building one (random draws, a formatted name, an IBAN) cost as
// much as the rest of an ordinary transaction.
struct Generator::Pools {
    std::vector<std::optional<Counterparty>> counterparties = std::vector<std::optional<Counterparty>>(kCounterparties);
    std::vector<std::optional<Merchant>> merchants = std::vector<std::optional<Merchant>>(kMerchants);

    const Counterparty& PoolCounterparty(std::uint64_t seed, std::uint64_t index) {
        auto& slot = counterparties[index];
        if (!slot) slot = MakePoolCounterparty(seed, index);
        return *slot;
    }
    const Merchant& PoolMerchant(std::uint64_t seed, std::uint64_t index) {
        auto& slot = merchants[index];
        if (!slot) slot = MakePoolMerchant(seed, index);
        return *slot;
    }
};

Generator::Generator(GeneratorOptions options)
    : options_(std::move(options)), accounts_(kAccounts), pools_(std::make_unique<Pools>()) {
    // A fresh slot starts an instance with probability p. With m the mean instance size, a
    // fraction f of the slots is fresh and f = 1 - f*p*(m-1) (the other slots carry later members
    // of started instances), so the pattern share r = f*p*m gives p = r / (m(1-r) + r).
    if (!options_.patterns.empty() && options_.pattern_rate > 0) {
        double mean_size = 0;
        for (Pattern pattern : options_.patterns) mean_size += ExpectedSize(pattern);
        mean_size /= static_cast<double>(options_.patterns.size());
        double rate = std::min(options_.pattern_rate, 1.0);
        start_probability_ = rate / (mean_size * (1 - rate) + rate);
    }
    zipf_cdf_.reserve(kAccounts);
    double total = 0;
    for (std::uint64_t rank = 0; rank < kAccounts; ++rank) {
        total += 1.0 / std::pow(static_cast<double>(rank) + 1.0 + kZipfShift, kZipfExponent);
        zipf_cdf_.push_back(total);
    }
    for (double& value : zipf_cdf_) value /= total;
}

Generator::~Generator() = default;

std::size_t Generator::ZipfRank(double uniform) const {
    auto it = std::upper_bound(zipf_cdf_.begin(), zipf_cdf_.end(), uniform);
    return std::min<std::size_t>(static_cast<std::size_t>(it - zipf_cdf_.begin()), kAccounts - 1);
}

std::unique_ptr<Generator::Account> Generator::MakeAccount(std::uint64_t index) const {
    Rng rng(Hash(options_.seed, kSaltAccount, index));
    auto account = std::make_unique<Account>();
    account->index = index;
    const Home& home = kHomes[rng.Weighted(kHomeWeights)];
    account->country = home.country;
    account->currency = &Currency(home.currency);
    account->wealth = std::min(rng.LogNormal(1.0, 0.6), 8.0);
    // Accounts past the ordinary pool (dormant ones) get a customer of their own.
    std::uint64_t customer =
        index < kAccounts ? static_cast<std::uint64_t>(rng.Int(0, kCustomers - 1)) : kCustomers + (index - kAccounts);
    account->id = fmt::format("acc-{}-{:06}", options_.seed, index);
    account->customer_id = fmt::format("cus-{}-{:06}", options_.seed, customer);
    account->device_id = fmt::format("dev-{}-{:06}", options_.seed, index);
    account->ip = Ip(rng);
    auto usual_count = rng.Int(3, 8);
    for (std::int64_t idx = 0; idx < usual_count; ++idx)
        account->usual.push_back(static_cast<std::uint32_t>(rng.Int(0, kCounterparties - 1)));
    return account;
}

const Generator::Account& Generator::NormalAccount(std::uint64_t index) {
    auto& slot = accounts_[index];
    if (!slot) slot = MakeAccount(index);
    return *slot;
}

namespace {

// The fields every transaction of `account` shares; ip and device follow the channel.
std::unique_ptr<Generator::Planned> Base(const Generator::Account& account, UnixMicros at, std::string_view type,
                                         std::string_view channel, bool inbound) {
    auto planned = std::make_unique<Generator::Planned>();
    planned->occurred_at = at;
    planned->type = type;
    planned->channel = channel;
    planned->inbound = inbound;
    planned->account_id = account.id;
    planned->customer_id = account.customer_id;
    planned->country = std::string(account.country);
    planned->currency = account.currency;
    if (channel == "online" || channel == "mobile" || channel == "api") planned->ip = account.ip;
    if (channel == "online" || channel == "mobile") planned->device_id = account.device_id;
    return planned;
}

UnixMicros Before(UnixMicros start, Rng& rng, UnixMicros min_back, UnixMicros max_back) {
    return start - rng.Int(min_back / kSecond, max_back / kSecond) * kSecond;
}

std::string Hours(UnixMicros span) { return fmt::format("{:.1f} h", static_cast<double>(span) / kHour); }

}  // namespace

std::unique_ptr<Generator::Planned> Generator::Ordinary(std::uint64_t seq) {
    Rng rng(Hash(options_.seed, kSaltOrdinary, seq));
    const Account& account = NormalAccount(ZipfRank(rng.Uniform()));
    std::array<double, std::size(kTypes)> shares{};
    for (std::size_t idx = 0; idx < std::size(kTypes); ++idx) shares[idx] = kTypes[idx].share;
    const TypeModel& model = kTypes[rng.Weighted(shares)];
    bool inbound = rng.Chance(model.inbound);
    auto planned =
        Base(account, Before(options_.start, rng, 0, kDay - kSecond), model.type, Channel(rng, model), inbound);
    double usd = std::min(rng.LogNormal(model.median_usd, model.sigma) * account.wealth, 250'000.0);
    planned->amount_minor = ToMinor(usd, *account.currency);
    if (model.type == "card") {
        // Mostly domestic merchants.
        const Merchant* merchant =
            &pools_->PoolMerchant(options_.seed, static_cast<std::uint64_t>(rng.Int(0, kMerchants - 1)));
        for (int retry = 0; retry < 4 && merchant->counterparty.country != account.country && rng.Chance(0.85); ++retry)
            merchant = &pools_->PoolMerchant(options_.seed, static_cast<std::uint64_t>(rng.Int(0, kMerchants - 1)));
        if (planned->channel == "pos") planned->country = merchant->counterparty.country;
        planned->mcc = std::string(merchant->mcc);
        planned->counterparty = merchant->counterparty;
    } else if (model.type == "crypto") {
        Counterparty exchange;
        exchange.name = std::string(kExchanges[rng.Int(0, std::size(kExchanges) - 1)]);
        exchange.country = rng.Chance(0.5) ? "US" : "SG";
        planned->counterparty = std::move(exchange);
    } else if (model.type != "cash" && model.type != "other") {
        auto usual =
            account.usual[static_cast<std::size_t>(rng.Int(0, static_cast<std::int64_t>(account.usual.size()) - 1))];
        planned->counterparty = pools_->PoolCounterparty(options_.seed, usual);
    }
    return planned;
}

void Generator::StartInstance(Pattern pattern, std::uint64_t seq) {
    Rng rng(Hash(options_.seed, kSaltInstance, seq));
    const UnixMicros start = options_.start;
    std::vector<std::unique_ptr<Planned>> members;
    std::vector<std::uint64_t> gaps;  // before each member, in slots (the first is 0)
    const Account* account = nullptr;
    std::unique_ptr<Account> own_account;
    std::string description;

    auto sorted_times = [&](std::int64_t n, UnixMicros min_back, UnixMicros max_back) {
        std::vector<UnixMicros> times;
        for (std::int64_t idx = 0; idx < n; ++idx) times.push_back(Before(start, rng, min_back, max_back));
        std::sort(times.begin(), times.end());
        return times;
    };
    auto add = [&](std::unique_ptr<Planned> planned, std::string role, std::uint64_t gap) {
        planned->role = std::move(role);
        members.push_back(std::move(planned));
        gaps.push_back(members.size() == 1 ? 0 : gap);
    };

    switch (pattern) {
        case Pattern::kStructuring: {
            // A USD account when one turns up in a few draws (most accounts are American).
            for (int attempt = 0; attempt < 50; ++attempt) {
                account = &NormalAccount(ZipfRank(rng.Uniform()));
                if (account->currency->code == "USD") break;
            }
            const CurrencyInfo& usd = Currency("USD");
            auto n = rng.Int(3, 6);
            std::int64_t total = 0, low = 0, high = 0;
            for (UnixMicros at : sorted_times(n, 0, 23 * kHour)) {
                auto planned = Base(*account, at, "cash", rng.Chance(0.7) ? "branch" : "atm", true);
                planned->currency = &usd;
                std::int64_t cents = rng.Int(900'000, 999'999);
                if (rng.Chance(0.7)) cents = std::max<std::int64_t>(cents / 1000 * 1000, 900'000);  // 9,870.00
                planned->amount_minor = cents;
                total += cents;
                low = low == 0 ? cents : std::min(low, cents);
                high = std::max(high, cents);
                add(std::move(planned), "deposit", static_cast<std::uint64_t>(rng.Int(3, 40)));
            }
            description = fmt::format(
                "{} cash deposits of {} to {} within 24 h (total {}), each under the {} reporting "
                "threshold",
                n, Money(low, usd), Money(high, usd), Money(total, usd), Money(kStructuringThresholdUsd * 100, usd));
            break;
        }
        case Pattern::kVelocity: {
            account = &NormalAccount(ZipfRank(rng.Uniform()));
            auto n = rng.Int(10, 20);
            auto window = rng.Int(2, 10) * kMinute;
            UnixMicros end = Before(start, rng, 0, kDay - window);
            std::vector<UnixMicros> times;
            for (std::int64_t idx = 0; idx < n; ++idx) times.push_back(end - rng.Int(0, window / kSecond) * kSecond);
            std::sort(times.begin(), times.end());
            for (UnixMicros at : times) {
                bool card = rng.Chance(0.7);
                auto planned = Base(*account, at, card ? "card" : "transfer", card ? "online" : "mobile", false);
                if (card) {
                    Merchant merchant =
                        pools_->PoolMerchant(options_.seed, static_cast<std::uint64_t>(rng.Int(0, kMerchants - 1)));
                    planned->mcc = std::string(merchant.mcc);
                    planned->counterparty = std::move(merchant.counterparty);
                    planned->amount_minor = ToMinor(rng.LogNormal(60, 0.8), *account->currency);
                } else {
                    planned->counterparty = pools_->PoolCounterparty(
                        options_.seed, static_cast<std::uint64_t>(rng.Int(0, kCounterparties - 1)));
                    planned->amount_minor = ToMinor(rng.LogNormal(200, 0.8), *account->currency);
                }
                add(std::move(planned), "burst", static_cast<std::uint64_t>(rng.Int(1, 3)));
            }
            description = fmt::format("{} outbound payments from one account within {} minutes", n, window / kMinute);
            break;
        }
        case Pattern::kHighRiskWire: {
            account = &NormalAccount(ZipfRank(rng.Uniform()));
            auto n = rng.Int(1, 2);
            std::string_view country = kHighRiskCountries[rng.Int(0, std::size(kHighRiskCountries) - 1)];
            Counterparty payee = FreshCounterparty(rng, country);
            std::int64_t total = 0;
            for (UnixMicros at : sorted_times(n, 0, 72 * kHour)) {
                auto planned = Base(*account, at, "wire", rng.Chance(0.6) ? "online" : "branch", false);
                planned->amount_minor = ToMinor(rng.LogNormal(15'000, 0.7), *account->currency);
                planned->counterparty = payee;
                total += planned->amount_minor;
                add(std::move(planned), "wire", static_cast<std::uint64_t>(rng.Int(10, 80)));
            }
            description = fmt::format("{} outbound wire{} totalling {} to {} in {} within 72 h", n, n > 1 ? "s" : "",
                                      Money(total, *account->currency), payee.name, country);
            break;
        }
        case Pattern::kRoundAmounts: {
            account = &NormalAccount(ZipfRank(rng.Uniform()));
            auto n = rng.Int(3, 5);
            std::vector<std::string> amounts;
            for (UnixMicros at : sorted_times(n, 0, 72 * kHour)) {
                bool wire = rng.Chance(0.5);
                auto planned = Base(*account, at, wire ? "wire" : "transfer", "online", false);
                planned->amount_minor = RoundMinor(rng.LogNormal(12'000, 0.6), *account->currency);
                planned->counterparty =
                    rng.Chance(0.5) ? pools_->PoolCounterparty(
                                          options_.seed, account->usual[static_cast<std::size_t>(rng.Int(
                                                             0, static_cast<std::int64_t>(account->usual.size()) - 1))])
                                    : pools_->PoolCounterparty(
                                          options_.seed, static_cast<std::uint64_t>(rng.Int(0, kCounterparties - 1)));
                amounts.push_back(Money(planned->amount_minor, *account->currency));
                add(std::move(planned), "round", static_cast<std::uint64_t>(rng.Int(5, 60)));
            }
            description =
                fmt::format("{} outbound transfers of round amounts within 72 h: {}", n, fmt::join(amounts, ", "));
            break;
        }
        case Pattern::kPassThrough: {
            // Mule accounts are usually quiet ones: uniform over the pool, not by activity.
            account = &NormalAccount(static_cast<std::uint64_t>(rng.Int(0, kAccounts - 1)));
            auto pairs = rng.Int(1, 3);
            std::vector<std::string> parts;
            for (UnixMicros in_at : sorted_times(pairs, 6 * kHour, 72 * kHour)) {
                UnixMicros out_at = in_at + rng.Int(30 * kMinute / kSecond, 6 * kHour / kSecond) * kSecond;
                auto in = Base(*account, in_at, rng.Chance(0.5) ? "wire" : "transfer", "online", true);
                in->amount_minor = ToMinor(rng.LogNormal(20'000, 0.6), *account->currency);
                in->counterparty = pools_->PoolCounterparty(
                    options_.seed, static_cast<std::uint64_t>(rng.Int(0, kCounterparties - 1)));
                auto out = Base(*account, out_at, "wire", "online", false);
                out->amount_minor = std::max<std::int64_t>(
                    1, static_cast<std::int64_t>(static_cast<double>(in->amount_minor) * rng.Uniform(0.90, 0.99)));
                std::string_view out_country =
                    rng.Chance(0.5) ? kOtherCountries[rng.Int(0, std::size(kOtherCountries) - 1)] : account->country;
                out->counterparty = FreshCounterparty(rng, out_country);
                parts.push_back(fmt::format("{} in, {} out {} later", Money(in->amount_minor, *account->currency),
                                            Money(out->amount_minor, *account->currency), Hours(out_at - in_at)));
                add(std::move(in), "in", static_cast<std::uint64_t>(rng.Int(10, 60)));
                add(std::move(out), "out", static_cast<std::uint64_t>(rng.Int(2, 30)));
            }
            description = fmt::format("money passed through: {}", fmt::join(parts, "; "));
            break;
        }
        case Pattern::kDormant: {
            // An account of its own, beyond the ordinary pool, so that nothing else touches it.
            own_account = MakeAccount(kAccounts + dormant_accounts_++);
            account = own_account.get();
            auto history = sorted_times(rng.Int(3, 6), 180 * kDay, 540 * kDay);
            for (UnixMicros at : history) {
                bool card = rng.Chance(0.5);
                auto planned = Base(*account, at, card ? "card" : "transfer", card ? "pos" : "online", false);
                if (card) {
                    Merchant merchant =
                        pools_->PoolMerchant(options_.seed, static_cast<std::uint64_t>(rng.Int(0, kMerchants - 1)));
                    planned->mcc = std::string(merchant.mcc);
                    planned->country = merchant.counterparty.country;
                    planned->counterparty = std::move(merchant.counterparty);
                    planned->amount_minor = ToMinor(rng.LogNormal(40, 0.8), *account->currency);
                } else {
                    planned->counterparty = pools_->PoolCounterparty(options_.seed, account->usual.front());
                    planned->amount_minor = ToMinor(rng.LogNormal(250, 0.8), *account->currency);
                }
                planned->suspicious = false;
                add(std::move(planned), "history", static_cast<std::uint64_t>(rng.Int(1, 3)));
            }
            auto n = rng.Int(2, 4);
            std::int64_t total = 0;
            bool first = true;
            for (UnixMicros at : sorted_times(n, 0, kDay - kSecond)) {
                bool cash = rng.Chance(0.3);
                std::unique_ptr<Planned> planned;
                if (cash) {
                    planned = Base(*account, at, "cash", rng.Chance(0.5) ? "atm" : "branch", false);
                    planned->amount_minor = ToMinor(rng.LogNormal(3'000, 0.4), *account->currency);
                } else {
                    planned = Base(*account, at, rng.Chance(0.5) ? "wire" : "transfer", "online", false);
                    planned->amount_minor = ToMinor(rng.LogNormal(8'000, 0.6), *account->currency);
                    planned->counterparty = pools_->PoolCounterparty(
                        options_.seed, static_cast<std::uint64_t>(rng.Int(0, kCounterparties - 1)));
                }
                total += planned->amount_minor;
                add(std::move(planned), "reactivation",
                    static_cast<std::uint64_t>(first ? rng.Int(20, 100) : rng.Int(3, 30)));
                first = false;
            }
            auto silent_days = (members[history.size()]->occurred_at - history.back()) / kDay;
            description = fmt::format(
                "account silent for {} days (last activity {}) reactivated with {} transactions "
                "totalling {} within 24 h",
                silent_days, FormatRfc3339(history.back()), n, Money(total, *account->currency));
            break;
        }
        case Pattern::kNewCounterparty: {
            // One of the busiest accounts, so that its usual counterparties are well established.
            account = &NormalAccount(static_cast<std::uint64_t>(rng.Int(0, 199)));
            const TypeModel& transfer = TypeOf("transfer");
            double usual_usd = transfer.median_usd * account->wealth;
            const UnixMicros pay_at = Before(start, rng, 0, kDay - kSecond);
            // Its usual behaviour first, inside the stream: 3-6 transfers of usual size to its usual
            // counterparties in the 4 weeks before ("history", not suspicious). Without them a
            // short stream would give no detector any "usual" to compare the payment with.
            std::vector<UnixMicros> history;
            for (std::int64_t idx = rng.Int(3, 6); idx > 0; --idx)
                history.push_back(pay_at - rng.Int(kHour / kSecond, 28 * kDay / kSecond) * kSecond);
            std::sort(history.begin(), history.end());
            for (UnixMicros at : history) {
                auto usual = Base(*account, at, "transfer", rng.Chance(0.5) ? "online" : "mobile", false);
                usual->amount_minor = ToMinor(rng.LogNormal(usual_usd, 0.5), *account->currency);
                usual->counterparty = pools_->PoolCounterparty(
                    options_.seed, account->usual[static_cast<std::size_t>(
                                       rng.Int(0, static_cast<std::int64_t>(account->usual.size()) - 1))]);
                usual->suspicious = false;
                add(std::move(usual), "history", static_cast<std::uint64_t>(rng.Int(1, 3)));
            }
            double factor = rng.Uniform(20, 50);
            double usd = std::max(10'000.0, usual_usd * factor);
            bool wire = rng.Chance(0.6);
            auto planned = Base(*account, pay_at, wire ? "wire" : "transfer", rng.Chance(0.7) ? "online" : "mobile", false);
            planned->amount_minor = ToMinor(usd, *account->currency);
            std::string_view country =
                rng.Chance(0.5) ? account->country : kOtherCountries[rng.Int(0, std::size(kOtherCountries) - 1)];
            planned->counterparty = FreshCounterparty(rng, country);
            description = fmt::format(
                "first payment to a new counterparty, {} ({}): {}, {:.0f}x the account's usual "
                "transfer",
                planned->counterparty->name, country, Money(planned->amount_minor, *account->currency),
                usd / usual_usd);
            add(std::move(planned), "payment", static_cast<std::uint64_t>(rng.Int(5, 30)));
            break;
        }
    }

    PatternInstance instance;
    instance.id = next_instance_++;
    instance.pattern = pattern;
    instance.account_id = account->id;
    instance.customer_id = account->customer_id;
    instance.description = std::move(description);
    instance.planned = members.size();
    std::uint64_t release = seq;
    for (std::size_t member_idx = 0; member_idx < members.size(); ++member_idx) {
        auto& planned = members[member_idx];
        release += gaps[member_idx];
        planned->release = release;
        planned->instance = instance.id;
        planned->pattern = pattern;
        planned->occurred_at = std::min(planned->occurred_at, start);
        Schedule(std::move(planned));
    }
    open_.emplace(instance.id, std::move(instance));
}

namespace {
struct LaterFirst {
    bool operator()(const std::unique_ptr<Generator::Planned>& a, const std::unique_ptr<Generator::Planned>& b) const {
        return a->release != b->release ? a->release > b->release : a->order > b->order;
    }
};
}  // namespace

void Generator::Schedule(std::unique_ptr<Planned> planned) {
    planned->order = next_order_++;
    pending_.push_back(std::move(planned));
    std::push_heap(pending_.begin(), pending_.end(), LaterFirst{});
}

std::unique_ptr<Generator::Planned> Generator::PopDue() {
    if (pending_.empty() || pending_.front()->release > seq_) return nullptr;
    std::pop_heap(pending_.begin(), pending_.end(), LaterFirst{});
    auto planned = std::move(pending_.back());
    pending_.pop_back();
    return planned;
}

std::optional<SimTransaction> Generator::Next() {
    if (options_.count && seq_ >= *options_.count) return std::nullopt;
    ++seq_;
    if (auto due = PopDue()) return Emit(std::move(due));
    if (start_probability_ > 0) {
        Rng rng(Hash(options_.seed, kSaltDecide, seq_));
        if (rng.Chance(start_probability_)) {
            StartInstance(options_.patterns[static_cast<std::size_t>(
                              rng.Int(0, static_cast<std::int64_t>(options_.patterns.size()) - 1))],
                          seq_);
            if (auto first = PopDue()) return Emit(std::move(first));
        }
    }
    return Emit(Ordinary(seq_));
}

SimTransaction Generator::Emit(std::unique_ptr<Planned> planned) {
    SimTransaction txn;
    txn.seq = seq_;
    txn.external_id = ExternalId(options_.seed, seq_);
    txn.idempotency_key = IdempotencyKey(options_.seed, seq_);
    txn.pattern = planned->pattern;
    txn.instance = planned->instance;
    txn.occurred_at = std::min(planned->occurred_at, options_.start);

    // Written directly, in the order and bytes the Boost.JSON DOM used to produce (a DOM per body
    // was a quarter of the simulator's CPU); GeneratorTest.StreamIsByteIdenticalToTheGoldenDigests
    // pins the output.
    txn.body.reserve(kBodyReserve);
    detail::JsonObjectWriter body(txn.body);
    body.String("external_id", txn.external_id);
    std::array<char, 20> time_text;
    std::string time_fallback;
    body.String("occurred_at", detail::Rfc3339Seconds(txn.occurred_at, time_text, time_fallback));
    body.String("amount", Decimal(planned->amount_minor, planned->currency->exponent));
    body.String("currency", planned->currency->code);
    body.String("direction", planned->inbound ? "inbound" : "outbound");
    body.String("type", planned->type);
    body.String("account_id", planned->account_id);
    body.String("customer_id", planned->customer_id);
    if (planned->counterparty) {
        body.OpenObject("counterparty");
        body.String("name", planned->counterparty->name);
        if (!planned->counterparty->account.empty()) body.String("account", planned->counterparty->account);
        body.String("country", planned->counterparty->country);
        body.CloseObject();
    }
    body.String("channel", planned->channel);
    body.String("country", planned->country);
    if (!planned->ip.empty()) body.String("ip", planned->ip);
    if (!planned->device_id.empty()) body.String("device_id", planned->device_id);
    body.OpenObject("metadata");
    if (!planned->mcc.empty()) body.String("mcc", planned->mcc);
    body.String("source", "simulate");
    body.CloseObject();
    body.Close();

    if (planned->instance != 0) {
        auto it = open_.find(planned->instance);
        if (it != open_.end()) {
            it->second.members.push_back(TruthMember{seq_, txn.external_id, planned->role, planned->suspicious});
            if (it->second.complete()) {
                completed_.push_back(std::move(it->second));
                open_.erase(it);
            }
        }
    }
    return txn;
}

std::vector<PatternInstance> Generator::TakeCompleted() {
    std::vector<PatternInstance> out(std::make_move_iterator(completed_.begin()),
                                     std::make_move_iterator(completed_.end()));
    completed_.clear();
    return out;
}

std::vector<PatternInstance> Generator::TakeIncomplete() {
    std::vector<PatternInstance> out;
    for (auto& [id, instance] : open_) out.push_back(std::move(instance));
    open_.clear();
    return out;
}

}  // namespace wt::simulate
