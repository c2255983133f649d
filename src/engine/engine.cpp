// SPDX-License-Identifier: Apache-2.0
#include "engine/engine.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <deque>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

#include "crypto/crypto.hpp"
#include "engine/catalog.hpp"
#include "engine/records.hpp"
#include "ingest/transaction_refs.hpp"
#include "orgs/organizations.hpp"

namespace wt::engine {
namespace {

using storage::Int;
using storage::OptInt;
using storage::OptText;
using storage::Text;

constexpr UnixMicros kMicrosPerDay = 24 * kMicrosPerHour;

// Environments index the per-organization state.
constexpr std::array<std::string_view, 2> kEnvironments = {"sandbox", "production"};
std::size_t EnvironmentIndex(std::string_view environment) { return environment == "sandbox" ? 0 : 1; }

// Rows of the rebuild and backfill scans, read in pages of this many (storage returns whole result
// sets, so a page bounds the memory a scan holds).
constexpr int kScanPage = 5000;

// One rule of a rule set, compiled, with its aggregates' ids in each environment's store.
struct CompiledEntry {
    Rule rule;
    rules::CompiledRule compiled;
    std::array<std::vector<rules::AggregateStore::SpecId>, 2> spec_ids;
};

// Hashing for text-keyed containers looked up by string_view without building a std::string.
struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
};
template <typename Value>
using TextMap = std::unordered_map<std::string, Value, TextHash, std::equal_to<>>;
using TextSet = std::unordered_set<std::string, TextHash, std::equal_to<>>;

// What rules see of an organization's named lists: items sorted (for similarity) and hashed (for
// membership).
struct ListSet {
    std::map<std::string, std::vector<std::string>, std::less<>> items;
    std::map<std::string, TextSet, std::less<>> members;
};

// The rules an organization evaluates (shadow and active ones), in a stable order.
struct RuleSet {
    std::vector<CompiledEntry> entries;
};

// One environment's window state of an organization: the aggregate store and when each account
// was first seen (for account_age).
struct Windows {
    rules::AggregateStore store;
    mutable std::shared_mutex first_seen_mutex;                // the writer changes, readers test
    TextMap<UnixMicros> first_seen;                          // GUARDED_BY(first_seen_mutex)
    explicit Windows(const rules::AggregateStore::Options& options) : store(options) {}
};

struct OrgState {
    std::string org_id;
    mutable std::mutex mutex;                    // guards the three snapshots below
    std::shared_ptr<const RuleSet> rule_set;     // GUARDED_BY(mutex)
    std::shared_ptr<const ListSet> lists;        // GUARDED_BY(mutex)
    std::shared_ptr<const rules::TimeZone> zone;  // GUARDED_BY(mutex)
    std::array<std::unique_ptr<Windows>, 2> windows;

    std::shared_ptr<const RuleSet> Rules() const {
        std::lock_guard lock(mutex);
        return rule_set;
    }
    std::shared_ptr<const ListSet> Lists() const {
        std::lock_guard lock(mutex);
        return lists;
    }
    std::shared_ptr<const rules::TimeZone> Zone() const {
        std::lock_guard lock(mutex);
        return zone;
    }
};

std::optional<std::string_view> OptView(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    return std::string_view(*text);
}

// The evaluation context of one organization and environment. `entry` is the rule being
// evaluated (its aggregates' ids); a rule outside the set (POST /rules/test) finds tracked
// aggregates by their canonical text and gets null for untracked ones.
class Context : public rules::EvalContext {
  public:
    Context(const ListSet& lists, const rules::TimeZone& zone, Windows& windows, std::size_t environment)
        : lists_(lists), zone_(zone), windows_(windows), environment_(environment) {}

    void SetEntry(const CompiledEntry* entry) { entry_ = entry; }

    rules::Value Aggregate(const rules::CompiledRule& rule, std::size_t spec_index, std::string_view key,
                           const rules::TransactionView& current) override {
        if (entry_ != nullptr && &entry_->compiled == &rule) {
            const auto& ids = entry_->spec_ids[environment_];
            if (spec_index < ids.size()) return windows_.store.Query(ids[spec_index], key, current.occurred_at);
            return rules::Value::Null();
        }
        const rules::AggregateSpec& spec = rule.aggregates().at(spec_index);
        if (!windows_.store.IsTracked(spec)) {
            untracked_.push_back(spec.canonical);
            return rules::Value::Null();
        }
        // Track answers the existing id for an already tracked canonical text (no new state).
        return windows_.store.Query(windows_.store.Track(rule, spec_index), key, current.occurred_at);
    }

    std::optional<bool> ListContains(std::string_view list, std::string_view value) override {
        auto found = lists_.members.find(list);
        if (found == lists_.members.end()) return std::nullopt;
        return found->second.contains(value);
    }

    const std::vector<std::string>* ListItems(std::string_view list) override {
        auto found = lists_.items.find(list);
        return found == lists_.items.end() ? nullptr : &found->second;
    }

    std::optional<UnixMicros> AccountFirstSeen(std::string_view account) override {
        if (earlier_ != nullptr) {
            // A backtest replays from scan_start_ on: an account seen before that was first seen
            // then (the live state knows when); any other account's history is all replayed.
            std::shared_lock lock(earlier_->first_seen_mutex);
            auto found = earlier_->first_seen.find(account);
            if (found != earlier_->first_seen.end() && found->second < scan_start_) return found->second;
        }
        std::shared_lock lock(windows_.first_seen_mutex);
        auto found = windows_.first_seen.find(account);
        if (found == windows_.first_seen.end()) return std::nullopt;
        return found->second;
    }

    /// Backtests: `earlier` is the live state of the environment, the replay starts at `scan_start`.
    void SetEarlier(const Windows* earlier, UnixMicros scan_start) {
        earlier_ = earlier;
        scan_start_ = scan_start;
    }

    const rules::TimeZone& time_zone() const override { return zone_; }

    const std::vector<std::string>& untracked() const { return untracked_; }

  private:
    const ListSet& lists_;
    const rules::TimeZone& zone_;
    Windows& windows_;
    std::size_t environment_;
    const CompiledEntry* entry_ = nullptr;
    std::vector<std::string> untracked_;
    const Windows* earlier_ = nullptr;
    UnixMicros scan_start_ = 0;
};

// The transaction columns a rule can see, in the order ViewOfRow reads them.
constexpr const char* kViewColumns =
    "id, external_id, occurred_at, amount_minor, currency, direction, type, account_id, customer_id, "
    "counterparty_name, counterparty_account, counterparty_country, channel, country, ip, device_id, metadata, "
    "environment";

// A stored transaction as the rules see it. `row` must outlive the view.
rules::TransactionView ViewOfRow(const storage::Row& row) {
    auto opt = [&row](std::size_t col) -> std::optional<std::string_view> {
        if (row.IsNull(col)) return std::nullopt;
        return std::string_view(row.GetText(col));
    };
    rules::TransactionView view;
    view.external_id = row.GetText(1);
    view.occurred_at = row.GetInt(2);
    view.amount_minor = row.GetInt(3);
    view.currency = row.GetText(4);
    view.currency_exponent = ingest::CurrencyExponent(view.currency).value_or(2);
    view.direction = row.GetText(5);
    view.type = row.GetText(6);
    view.account_id = row.GetText(7);
    view.customer_id = opt(8);
    view.counterparty_name = opt(9);
    view.counterparty_account = opt(10);
    view.counterparty_country = opt(11);
    view.channel = opt(12);
    view.country = opt(13);
    view.ip = opt(14);
    view.device_id = opt(15);
    view.metadata_json = row.GetText(16);
    return view;
}

void NoteFirstSeen(Windows& windows, std::string_view account_id, UnixMicros occurred_at,
                   std::vector<std::pair<std::string, std::optional<UnixMicros>>>* undo) {
    std::unique_lock lock(windows.first_seen_mutex);
    auto it = windows.first_seen.find(account_id);
    const bool inserted = it == windows.first_seen.end();
    if (inserted) it = windows.first_seen.emplace(std::string(account_id), occurred_at).first;
    if (inserted) {
        if (undo) undo->emplace_back(it->first, std::nullopt);
    } else if (occurred_at < it->second) {
        if (undo) undo->emplace_back(it->first, it->second);
        it->second = occurred_at;
    }
}

// The stored explanation of a hit: the trace's evaluated steps, outermost first, at most
// kExplanationSteps of them, texts cut to 200 bytes.
constexpr std::size_t kExplanationSteps = 40;
std::string ExplanationJson(const rules::Trace& trace) {
    boost::json::array steps;
    for (auto it = trace.steps.rbegin(); it != trace.steps.rend() && steps.size() < kExplanationSteps; ++it) {
        if (!it->evaluated) continue;
        std::string text = it->text;
        if (text.size() > 200) {
            std::size_t cut = 200;
            while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
            text = text.substr(0, cut) + "...";
        }
        steps.push_back(boost::json::object{
            {"line", it->line}, {"column", it->column}, {"text", std::move(text)}, {"value", it->value}});
    }
    return boost::json::serialize(steps);
}

// ---- snapshot envelope -------------------------------------------------------------------------
// "WTWINDOWS1\n", then little-endian fields: last id (u32 length + bytes), rows (u64), organizations
// (u32), per organization its id and, per environment, the store's blob (u64 length + bytes, with
// its own checksum) and the first-seen map (u64 count, then u32 length + account + i64 time); last
// a u64 checksum of everything before it.
constexpr std::string_view kSnapshotMagic = "WTWINDOWS1\n";

void PutU32(std::string* out, std::uint32_t value) { out->append(reinterpret_cast<const char*>(&value), sizeof value); }
void PutU64(std::string* out, std::uint64_t value) { out->append(reinterpret_cast<const char*>(&value), sizeof value); }
void PutText32(std::string* out, std::string_view text) {
    PutU32(out, static_cast<std::uint32_t>(text.size()));
    out->append(text);
}

// A 64-bit checksum at several GB/s (FNV-style over 8-byte words): detects a torn or damaged
// file; not a defence against someone who can write the data directory.
std::uint64_t Checksum(std::string_view data) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    std::size_t idx = 0;
    for (; idx + 8 <= data.size(); idx += 8) {
        std::uint64_t word;
        std::memcpy(&word, data.data() + idx, 8);
        hash = (hash ^ word) * 0x100000001b3ULL;
        hash ^= hash >> 29;
    }
    for (; idx < data.size(); ++idx) hash = (hash ^ static_cast<unsigned char>(data[idx])) * 0x100000001b3ULL;
    return hash;
}

// Reads the envelope's fields; every read is bounds-checked (a failed read sets `ok` false).
class SnapshotReader {
  public:
    explicit SnapshotReader(std::string_view data) : data_(data) {}
    bool ok() const { return ok_; }
    std::uint32_t U32() { return Fixed<std::uint32_t>(); }
    std::uint64_t U64() { return Fixed<std::uint64_t>(); }
    std::string_view Bytes(std::uint64_t length) {
        if (!ok_ || length > data_.size() - pos_) {
            ok_ = false;
            return {};
        }
        std::string_view bytes = data_.substr(pos_, length);
        pos_ += length;
        return bytes;
    }
    std::string_view Text32() { return Bytes(U32()); }
    std::size_t remaining() const { return data_.size() - pos_; }

  private:
    template <typename T>
    T Fixed() {
        T value{};
        std::string_view bytes = Bytes(sizeof(T));
        if (ok_) std::memcpy(&value, bytes.data(), sizeof(T));
        return value;
    }
    std::string_view data_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

Status WriteFileDurably(const std::string& path, std::string_view data) {
    const std::string temporary = path + ".tmp";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Error::Internal(fmt::format("cannot create {}: {}", temporary, std::strerror(errno)));
    std::size_t written = 0;
    while (written < data.size()) {
        ssize_t n = ::write(fd, data.data() + written, data.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            return Error::Internal(fmt::format("cannot write {}: {}", temporary, std::strerror(errno)));
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0)
        return Error::Internal(fmt::format("cannot sync {}: {}", temporary, std::strerror(errno)));
    if (::rename(temporary.c_str(), path.c_str()) != 0)
        return Error::Internal(fmt::format("cannot rename {}: {}", temporary, std::strerror(errno)));
    const std::string dir = std::filesystem::path(path).parent_path().string();
    if (int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
    return Ok();
}

int ActionStrength(RuleAction action) {
    switch (action) {
        case RuleAction::kAlert:
            return 0;
        case RuleAction::kReview:
            return 1;
        case RuleAction::kBlock:
            return 2;
    }
    return 0;
}

}  // namespace

rules::TransactionView ViewOf(const ingest::Transaction& transaction, UnixMicros received_at) {
    rules::TransactionView view;
    view.external_id = transaction.external_id;
    view.occurred_at = transaction.occurred_at.value_or(received_at);
    view.amount_minor = transaction.amount_minor;
    view.currency_exponent = transaction.currency_exponent;
    view.currency = transaction.currency;
    view.direction = ingest::DirectionName(transaction.direction);
    view.type = ingest::TransactionTypeName(transaction.type);
    view.account_id = transaction.account_id;
    view.customer_id = OptView(transaction.customer_id);
    view.counterparty_name = OptView(transaction.counterparty_name);
    view.counterparty_account = OptView(transaction.counterparty_account);
    view.counterparty_country = OptView(transaction.counterparty_country);
    view.channel = OptView(transaction.channel);
    view.country = OptView(transaction.country);
    view.ip = OptView(transaction.ip);
    view.device_id = OptView(transaction.device_id);
    view.metadata_json = transaction.metadata_json;
    return view;
}

// Whether this thread holds the engine's group mutex: the writer inside a group, or a rule change
// that took it. Lets a call made under it (creating an organization's state from Decide or from
// RulesChanged) skip taking it again.
thread_local bool t_holds_group = false;

// Holds the group mutex for a scope, unless this thread already does.
class GroupHold {
  public:
    explicit GroupHold(std::mutex& mutex) {
        if (t_holds_group) return;
        lock_ = std::unique_lock(mutex);
        t_holds_group = true;
    }
    ~GroupHold() {
        if (lock_.owns_lock()) t_holds_group = false;
    }
    GroupHold(const GroupHold&) = delete;
    GroupHold& operator=(const GroupHold&) = delete;

  private:
    std::unique_lock<std::mutex> lock_;
};

struct Engine::Impl {
    storage::Database& db;
    std::shared_ptr<Clock> clock;
    Options options;

    mutable std::shared_mutex orgs_mutex;
    std::unordered_map<std::string, std::unique_ptr<OrgState>> orgs;  // GUARDED_BY(orgs_mutex)

    // Held by the writer from its group's first Decide until GroupCommitted/GroupAborted, and (via
    // GroupHold) by a rule change while it backfills new aggregates and swaps the rule set, by the
    // creation of an organization's state, by a snapshot and by a sweep: a backfill reads exactly
    // the committed transactions, none of which is also being recorded by the writer.
    std::mutex group_mutex;
    bool group_open = false;  // writer thread only
    std::unique_lock<std::mutex> group_lock{group_mutex, std::defer_lock};

    // What the windows hold: every committed transaction up to `covered_last_id` (ids grow in commit
    // order), `rows` of them. Changed by the writer at commit, read by SaveSnapshot under
    // group_mutex.
    std::string covered_last_id;
    std::uint64_t covered_rows = 0;
    std::string group_last_id;  // the open group's (writer thread only)
    std::uint64_t group_rows = 0;

    // Undo information of the open group (writer thread only).
    std::vector<std::pair<rules::AggregateStore*, rules::AggregateStore::Journal>> journals;
    std::vector<std::pair<Windows*, std::vector<std::pair<std::string, std::optional<UnixMicros>>>>> first_seen_undo;

    Impl(storage::Database& database, std::shared_ptr<Clock> clk, Options opts)
        : db(database), clock(std::move(clk)), options(opts) {}

    OrgState* FindOrg(const std::string& org_id) const {
        std::shared_lock lock(orgs_mutex);
        auto found = orgs.find(org_id);
        return found == orgs.end() ? nullptr : found->second.get();
    }

    // An organization's state before its rules and lists are loaded: empty windows, no rules, UTC.
    std::unique_ptr<OrgState> NewOrgState(const std::string& org_id) const {
        auto state = std::make_unique<OrgState>();
        state->org_id = org_id;
        for (auto& windows : state->windows) windows = std::make_unique<Windows>(options.aggregates);
        state->rule_set = std::make_shared<RuleSet>();
        state->lists = std::make_shared<ListSet>();
        state->zone = std::make_shared<rules::TimeZone>();
        return state;
    }

    // The organization's state, created (rules and lists loaded, windows backfilled) on first use.
    // Creation holds the group mutex: no group is recording while the backfill reads the
    // committed transactions, and the writer never sees a half-loaded organization.
    Result<OrgState*> Org(const std::string& org_id) {
        if (OrgState* found = FindOrg(org_id)) return found;
        GroupHold hold(group_mutex);
        if (OrgState* found = FindOrg(org_id)) return found;  // created while we waited
        auto state = NewOrgState(org_id);
        if (auto lists = LoadLists(*state); !lists) return lists.error();
        if (auto rules = LoadRules(*state, /*backfill=*/true); !rules) return rules.error();
        std::unique_lock lock(orgs_mutex);
        auto [it, inserted] = orgs.try_emplace(org_id, std::move(state));
        return it->second.get();
    }

    Status LoadLists(OrgState& org) {
        auto tx = db.Begin(storage::TxMode::kRead);
        if (!tx) return tx.error();
        auto rows = (*tx)->Query(
            "SELECT l.name, i.value FROM lists l JOIN list_items i ON i.list_id = l.id WHERE l.org_id = $1 "
            "ORDER BY l.name, i.value",
            {Text(org.org_id)});
        if (!rows) return rows.error();
        auto names = (*tx)->Query("SELECT name FROM lists WHERE org_id = $1", {Text(org.org_id)});
        if (!names) return names.error();
        auto set = std::make_shared<ListSet>();
        for (const auto& row : *names) {
            set->items[row.GetText(0)];
            set->members[row.GetText(0)];
        }
        for (const auto& row : *rows) {
            set->items[row.GetText(0)].push_back(row.GetText(1));
            set->members[row.GetText(0)].insert(row.GetText(1));
        }
        std::lock_guard lock(org.mutex);
        org.lists = std::move(set);
        return Ok();
    }

    Result<std::shared_ptr<const rules::TimeZone>> LoadZone(storage::Transaction& tx, const std::string& org_id) {
        auto org = orgs::FindOrganization(tx, org_id);
        if (!org) return org.error();
        auto zone = std::make_shared<rules::TimeZone>();
        if (*org) {
            if (auto found = rules::TimeZone::Find((*org)->settings.time_zone)) *zone = *found;
        }
        return std::shared_ptr<const rules::TimeZone>(std::move(zone));
    }

    // Reads the organization's shadow and active rules, compiles them, tracks their aggregates
    // and swaps the rule set in. With `backfill`, aggregates new to the stores are first filled
    // from stored transactions; the caller then holds group_mutex (or runs before the writer).
    Status LoadRules(OrgState& org, bool backfill) {
        auto tx = db.Begin(storage::TxMode::kRead);
        if (!tx) return tx.error();
        auto stored = EvaluatedRules(**tx, org.org_id);
        if (!stored) return stored.error();
        auto zone = LoadZone(**tx, org.org_id);
        if (!zone) return zone.error();
        tx->reset();
        {
            std::lock_guard lock(org.mutex);
            org.zone = *zone;
        }
        auto set = std::make_shared<RuleSet>();
        auto lists = org.Lists();
        rules::CompileOptions compile_options;
        for (auto& rule : *stored) {
            CompiledEntry entry;
            entry.rule = std::move(rule);
            auto compiled = rules::Compile(entry.rule.expression, compile_options);
            if (!compiled) {
                // Stored rules compiled when saved; a rule that no longer does (a newer language
                // refusing it) is skipped, loudly, rather than stopping every decision.
                spdlog::error("rule {} of organization {} does not compile and is not evaluated: {}", entry.rule.id,
                              org.org_id, compiled.error().detail);
                continue;
            }
            entry.compiled = std::move(*compiled);
            set->entries.push_back(std::move(entry));
        }
        for (std::size_t env = 0; env < kEnvironments.size(); ++env) {
            Windows& windows = *org.windows[env];
            std::vector<std::pair<rules::AggregateStore::SpecId, const CompiledEntry*>> fresh;
            for (auto& entry : set->entries) {
                const auto& specs = entry.compiled.aggregates();
                for (std::size_t idx = 0; idx < specs.size(); ++idx) {
                    bool is_new = !windows.store.IsTracked(specs[idx]);
                    auto id = windows.store.Track(entry.compiled, idx);
                    entry.spec_ids[env].push_back(id);
                    if (is_new) fresh.emplace_back(id, &entry);
                }
            }
            if (backfill && !fresh.empty()) {
                if (auto filled = Backfill(org, env, windows, fresh, *lists, **zone); !filled) return filled;
            }
        }
        std::lock_guard lock(org.mutex);
        org.rule_set = std::move(set);
        return Ok();
    }

    // Fills newly tracked aggregates from the stored transactions of one environment.
    // With `up_to`, only transactions with an id up to it (those a restored snapshot covers).
    Status Backfill(OrgState& org, std::size_t env, Windows& windows,
                    const std::vector<std::pair<rules::AggregateStore::SpecId, const CompiledEntry*>>& fresh,
                    const ListSet& lists, const rules::TimeZone& zone, const std::string* up_to = nullptr) {
        Context context(lists, zone, windows, env);
        std::string after;
        while (true) {
            auto tx = db.Begin(storage::TxMode::kRead);
            if (!tx) return tx.error();
            std::vector<storage::Value> params{Text(org.org_id), Text(std::string(kEnvironments[env])), Text(after)};
            std::string bound;
            if (up_to) {
                params.push_back(Text(*up_to));
                bound = " AND id <= $4";
            }
            auto page = (*tx)->Query(fmt::format("SELECT {} FROM transactions WHERE org_id = $1 AND environment = $2 "
                                                 "AND id > $3{} ORDER BY id LIMIT {}",
                                                 kViewColumns, bound, kScanPage),
                                     params);
            if (!page) return page.error();
            for (const auto& row : *page) {
                rules::TransactionView view = ViewOfRow(row);
                for (const auto& [id, entry] : fresh) {
                    context.SetEntry(entry);
                    windows.store.RecordInto(id, view, context);
                }
            }
            if (page->size() < static_cast<std::size_t>(kScanPage)) return Ok();
            after = page->back().GetText(0);
        }
    }

    // A fresh state per organization with its rules (tracked, not backfilled) and lists.
    Status LoadOrganizations() {
        std::vector<std::string> org_ids;
        {
            auto tx = db.Begin(storage::TxMode::kRead);
            if (!tx) return tx.error();
            auto found = (*tx)->Query("SELECT id FROM organizations ORDER BY id");
            if (!found) return found.error();
            for (const auto& row : *found) org_ids.push_back(row.GetText(0));
        }
        std::unique_lock lock(orgs_mutex);
        orgs.clear();
        lock.unlock();
        for (const auto& org_id : org_ids) {
            auto state = NewOrgState(org_id);
            OrgState& org = *state;
            {
                std::unique_lock relock(orgs_mutex);
                orgs[org_id] = std::move(state);
            }
            if (auto lists = LoadLists(org); !lists) return lists;
            if (auto loaded = LoadRules(org, /*backfill=*/false); !loaded) return loaded;
        }
        covered_last_id.clear();
        covered_rows = 0;
        return Ok();
    }

    // Records every stored transaction after `after` (all of them when empty), page by page.
    Result<std::uint64_t> Replay(const std::string& after) {
        std::string cursor = after;
        std::uint64_t replayed = 0;
        while (true) {
            auto tx = db.Begin(storage::TxMode::kRead);
            if (!tx) return tx.error();
            auto page = (*tx)->Query(
                fmt::format("SELECT {}, org_id FROM transactions WHERE id > $1 ORDER BY id LIMIT {}", kViewColumns,
                            kScanPage),
                {Text(cursor)});
            if (!page) return page.error();
            tx->reset();
            for (const auto& row : *page) {
                if (OrgState* org = FindOrg(row.GetText(18))) RecordRow(*org, row);
            }
            replayed += page->size();
            if (!page->empty()) cursor = page->back().GetText(0);
            if (page->size() < static_cast<std::size_t>(kScanPage)) break;
        }
        if (!cursor.empty()) covered_last_id = cursor;
        covered_rows += replayed;
        return replayed;
    }

    // Start: the snapshot when it is valid, else every stored transaction.
    Status Rebuild() {
        WT_RETURN_IF_ERROR(LoadOrganizations());
        if (!options.snapshot_path.empty() && std::filesystem::exists(options.snapshot_path)) {
            auto restored = RestoreSnapshot();
            if (restored) {
                WT_ASSIGN_OR_RETURN(auto replayed, Replay(covered_last_id));
                spdlog::info("rules engine: window state restored from {} ({} transactions) plus {} stored after it",
                             options.snapshot_path, covered_rows - replayed, replayed);
                return Ok();
            }
            spdlog::warn("rules engine: snapshot {} not used ({}); rebuilding from every stored transaction",
                         options.snapshot_path, restored.error().internal.empty() ? restored.error().detail
                                                                                  : restored.error().internal);
            WT_RETURN_IF_ERROR(LoadOrganizations());
        }
        WT_ASSIGN_OR_RETURN(auto scanned, Replay(""));
        spdlog::info("rules engine: window state rebuilt from {} stored transactions", scanned);
        return Ok();
    }

    // Restores every organization's windows from the snapshot file and backfills aggregates the
    // snapshot lacks (rules saved since) from the transactions it covers. Fails (and the caller
    // rebuilds from scratch) unless storage holds exactly the transactions the snapshot covers.
    Status RestoreSnapshot() {
        auto fail = [](std::string why) {
            Error error = Error::Make(ErrorCode::kValidationFailed, "unusable snapshot");
            error.internal = std::move(why);
            return error;
        };
        std::string data;
        {
            std::ifstream in(options.snapshot_path, std::ios::binary);
            if (!in) return fail("cannot open it");
            in.seekg(0, std::ios::end);
            data.resize(static_cast<std::size_t>(in.tellg()));
            in.seekg(0);
            in.read(data.data(), static_cast<std::streamsize>(data.size()));
            if (!in) return fail("cannot read it");
        }
        if (data.size() < kSnapshotMagic.size() + 8 || std::string_view(data).substr(0, kSnapshotMagic.size()) != kSnapshotMagic)
            return fail("not a window snapshot");
        std::uint64_t stored_sum;
        std::memcpy(&stored_sum, data.data() + data.size() - 8, 8);
        std::string_view body(data.data(), data.size() - 8);
        if (Checksum(body) != stored_sum) return fail("checksum mismatch (torn or damaged file)");
        SnapshotReader in(body.substr(kSnapshotMagic.size()));
        std::string snapshot_last(in.Text32());
        const std::uint64_t snapshot_rows = in.U64();
        const std::uint32_t org_count = in.U32();
        if (!in.ok()) return fail("truncated header");
        {
            auto tx = db.Begin(storage::TxMode::kRead);
            if (!tx) return tx.error();
            auto counted = (*tx)->QueryOne("SELECT COUNT(*) FROM transactions WHERE id <= $1", {Text(snapshot_last)});
            if (!counted) return counted.error();
            const std::uint64_t stored = *counted ? static_cast<std::uint64_t>((*counted)->GetInt(0)) : 0;
            if (stored != snapshot_rows)
                return fail(fmt::format("it covers {} transactions up to {}, storage holds {} of them", snapshot_rows,
                                        snapshot_last, stored));
        }
        for (std::uint32_t org_idx = 0; org_idx < org_count; ++org_idx) {
            std::string org_id(in.Text32());
            OrgState* org = FindOrg(org_id);
            for (std::size_t env = 0; env < kEnvironments.size(); ++env) {
                std::string_view blob = in.Bytes(in.U64());
                const std::uint64_t seen_count = in.U64();
                if (!in.ok() || seen_count > in.remaining() / 12) return fail("truncated organization state");
                std::vector<std::pair<std::string_view, UnixMicros>> seen;
                seen.reserve(seen_count);
                for (std::uint64_t idx = 0; idx < seen_count && in.ok(); ++idx) {
                    std::string_view account = in.Text32();
                    seen.emplace_back(account, static_cast<UnixMicros>(in.U64()));
                }
                if (!in.ok()) return fail("truncated first-seen table");
                if (org == nullptr) continue;  // an organization that no longer exists
                Windows& windows = *org->windows[env];
                WT_ASSIGN_OR_RETURN(auto restored_ids, windows.store.Restore(blob));
                {
                    std::unique_lock lock(windows.first_seen_mutex);
                    windows.first_seen.reserve(seen.size());
                    for (const auto& [account, at] : seen) windows.first_seen.emplace(std::string(account), at);
                }
                // Aggregates tracked now that the snapshot did not hold: fill them from what it covers.
                auto rule_set = org->Rules();
                std::vector<std::pair<rules::AggregateStore::SpecId, const CompiledEntry*>> fresh;
                for (const auto& entry : rule_set->entries)
                    for (auto id : entry.spec_ids[env])
                        if (std::find(restored_ids.begin(), restored_ids.end(), id) == restored_ids.end() &&
                            std::none_of(fresh.begin(), fresh.end(), [id](const auto& f) { return f.first == id; }))
                            fresh.emplace_back(id, &entry);
                if (!fresh.empty()) {
                    WT_RETURN_IF_ERROR(
                        Backfill(*org, env, windows, fresh, *org->Lists(), *org->Zone(), &snapshot_last));
                }
            }
        }
        if (!in.ok() || in.remaining() != 0) return fail("trailing or missing bytes");
        covered_last_id = snapshot_last;
        covered_rows = snapshot_rows;
        return Ok();
    }

    Status SaveSnapshot() {
        if (options.snapshot_path.empty()) return Ok();
        const auto started = std::chrono::steady_clock::now();
        std::string data(kSnapshotMagic);
        std::vector<OrgState*> all;
        {
            std::shared_lock lock(orgs_mutex);
            for (const auto& [id, org] : orgs) all.push_back(org.get());
        }
        {
            // No group is open while the state is read: it is exactly that of the committed rows.
            GroupHold group(group_mutex);
            PutText32(&data, covered_last_id);
            PutU64(&data, covered_rows);
            PutU32(&data, static_cast<std::uint32_t>(all.size()));
            for (OrgState* org : all) {
                PutText32(&data, org->org_id);
                for (const auto& windows : org->windows) {
                    std::string blob;
                    windows->store.Serialize(&blob);
                    PutU64(&data, blob.size());
                    data += blob;
                    std::shared_lock lock(windows->first_seen_mutex);
                    PutU64(&data, windows->first_seen.size());
                    for (const auto& [account, at] : windows->first_seen) {
                        PutText32(&data, account);
                        PutU64(&data, static_cast<std::uint64_t>(at));
                    }
                }
            }
        }
        PutU64(&data, Checksum(data));
        WT_RETURN_IF_ERROR(WriteFileDurably(options.snapshot_path, data));
        spdlog::info("rules engine: window snapshot saved to {} ({} bytes, {} transactions, {} ms)",
                     options.snapshot_path, data.size(), covered_rows,
                     std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                         .count());
        return Ok();
    }

    void RecordRow(OrgState& org, const storage::Row& row) {
        std::size_t env = EnvironmentIndex(row.GetText(17));
        Windows& windows = *org.windows[env];
        rules::TransactionView view = ViewOfRow(row);
        auto lists = org.Lists();
        auto zone = org.Zone();
        Context context(*lists, *zone, windows, env);
        windows.store.Record(view, context, nullptr);
        NoteFirstSeen(windows, view.account_id, view.occurred_at, nullptr);
    }

    void OpenGroup() {
        if (group_open) return;
        group_lock.lock();
        group_open = true;
        t_holds_group = true;
    }

    void CloseGroup() {
        journals.clear();
        first_seen_undo.clear();
        group_last_id.clear();
        group_rows = 0;
        if (group_open) {
            group_open = false;
            t_holds_group = false;
            group_lock.unlock();
        }
    }

    rules::AggregateStore::Journal& JournalFor(rules::AggregateStore& store) {
        for (auto& [owner, journal] : journals)
            if (owner == &store) return journal;
        journals.emplace_back(&store, rules::AggregateStore::Journal());
        return journals.back().second;
    }

    std::vector<std::pair<std::string, std::optional<UnixMicros>>>& FirstSeenUndoFor(Windows& windows) {
        for (auto& [owner, undo] : first_seen_undo)
            if (owner == &windows) return undo;
        first_seen_undo.emplace_back(&windows, std::vector<std::pair<std::string, std::optional<UnixMicros>>>());
        return first_seen_undo.back().second;
    }
};

Engine::Engine(storage::Database& db, std::shared_ptr<Clock> clock, Options options)
    : impl_(std::make_unique<Impl>(db, std::move(clock), options)) {}

Engine::~Engine() = default;

Status Engine::Start() { return impl_->Rebuild(); }

Status Engine::SaveSnapshot() { return impl_->SaveSnapshot(); }

Status Engine::RulesChanged(const std::string& org_id) {
    // Waits for the writer's open group: the backfill then reads exactly what is committed.
    GroupHold group(impl_->group_mutex);
    WT_ASSIGN_OR_RETURN(OrgState * org, impl_->Org(org_id));
    return impl_->LoadRules(*org, /*backfill=*/true);
}

Status Engine::OrganizationChanged(const std::string& org_id) {
    WT_ASSIGN_OR_RETURN(OrgState * org, impl_->Org(org_id));
    WT_ASSIGN_OR_RETURN(auto tx, impl_->db.Begin(storage::TxMode::kRead));
    WT_ASSIGN_OR_RETURN(auto zone, impl_->LoadZone(*tx, org_id));
    std::lock_guard lock(org->mutex);
    org->zone = std::move(zone);
    return Ok();
}

Status Engine::ListsChanged(const std::string& org_id) {
    auto org = impl_->Org(org_id);
    if (!org) return org.error();
    return impl_->LoadLists(**org);
}

Result<Engine::TestResult> Engine::Test(const std::string& org_id, std::string_view environment,
                                        const rules::CompiledRule& rule, const ingest::Transaction& transaction) {
    auto org = impl_->Org(org_id);
    if (!org) return org.error();
    std::size_t env = EnvironmentIndex(environment);
    auto lists = (*org)->Lists();
    auto zone = (*org)->Zone();
    Context context(*lists, *zone, *(*org)->windows[env], env);
    rules::TransactionView view = ViewOf(transaction, impl_->clock->Now());
    TestResult result;
    result.trace = rules::EvaluateWithTrace(rule, view, context);
    result.untracked_aggregates = context.untracked();
    std::sort(result.untracked_aggregates.begin(), result.untracked_aggregates.end());
    result.untracked_aggregates.erase(
        std::unique(result.untracked_aggregates.begin(), result.untracked_aggregates.end()),
        result.untracked_aggregates.end());
    return result;
}

bool Engine::HasList(const std::string& org_id, std::string_view name) {
    auto org = impl_->Org(org_id);
    if (!org) return false;
    auto lists = (*org)->Lists();
    return lists->items.find(name) != lists->items.end();
}

Result<Engine::BacktestResult> Engine::Backtest(const std::string& org_id, std::string_view environment,
                                                const rules::CompiledRule& rule, UnixMicros from, UnixMicros to,
                                                std::chrono::steady_clock::time_point deadline) {
    WT_ASSIGN_OR_RETURN(OrgState * org, impl_->Org(org_id));
    const std::size_t env = EnvironmentIndex(environment);
    auto lists = org->Lists();
    auto zone = org->Zone();
    // Fresh window state, exact for every window: the replay runs in occurred_at order.
    rules::AggregateStore::Options options = impl_->options.aggregates;
    options.exact_window_limit_micros = rules::kMaxWindowMicros;
    Windows replay(options);
    CompiledEntry entry;
    entry.compiled = rule;
    std::int64_t longest = 0;
    for (std::size_t idx = 0; idx < rule.aggregates().size(); ++idx) {
        entry.spec_ids[env].push_back(replay.store.Track(rule, idx));
        longest = std::max(longest, rule.aggregates()[idx].window_micros);
    }
    const UnixMicros scan_start = from - longest;
    Context context(*lists, *zone, replay, env);
    context.SetEarlier(org->windows[env].get(), scan_start);

    BacktestResult result;
    std::map<std::int64_t, std::int64_t> by_day;  // local day number -> hits
    constexpr std::size_t kSamples = 20;
    std::deque<std::pair<std::string, std::string>> samples;
    // Hour by hour (the hour references of ingest/transaction_refs.hpp): every row of the hour, in
    // id pages, then sorted by (occurred_at, id).
    auto process = [&](const storage::Row& row) {
        rules::TransactionView view = ViewOfRow(row);
        if (view.occurred_at >= from) {
            ++result.evaluated;
            context.SetEntry(&entry);
            if (rules::Evaluate(entry.compiled, view, context).IsTrue()) {
                ++result.hits;
                const UnixMicros local = zone->ToLocal(view.occurred_at);
                ++by_day[local >= 0 ? local / kMicrosPerDay : (local - kMicrosPerDay + 1) / kMicrosPerDay];
                samples.emplace_back(row.GetText(0), row.GetText(1));
                if (samples.size() > kSamples) samples.pop_front();
            }
        }
        context.SetEntry(nullptr);
        replay.store.Record(view, context, nullptr);
        NoteFirstSeen(replay, view.account_id, view.occurred_at, nullptr);
    };
    const std::string hour_page = ingest::RefQuerySql(
        {ingest::RefKey::kHour, kViewColumns, "$3", {{"id", "> $4"}}, false, std::to_string(kScanPage)});
    for (std::int64_t hour = scan_start / kMicrosPerHour; hour <= (to - 1) / kMicrosPerHour; ++hour) {
        if (std::chrono::steady_clock::now() > deadline) {
            Error error = Error::Make(ErrorCode::kUnavailable, "the backtest took too long; choose a shorter period");
            error.retry_after_seconds = 1;
            return error;
        }
        storage::Rows hour_rows;
        std::string after;
        while (true) {
            WT_ASSIGN_OR_RETURN(auto tx, impl_->db.Begin(storage::TxMode::kRead));
            WT_ASSIGN_OR_RETURN(
                auto page,
                tx->Query(hour_page, {Text(org_id), Text(std::string(kEnvironments[env])), Int(hour), Text(after)}));
            const bool last_page = page.size() < static_cast<std::size_t>(kScanPage);
            if (!page.empty()) after = page.back().GetText(0);
            for (auto& row : page) {
                const UnixMicros at = row.GetInt(2);
                if (at >= scan_start && at < to) hour_rows.push_back(std::move(row));
            }
            if (hour_rows.size() > impl_->options.max_backtest_rows_per_hour) {
                Error error = Error::Make(
                    ErrorCode::kValidationFailed,
                    fmt::format("more than {} transactions occurred in the hour from {}: a backtest sorts each hour "
                                "in memory and cannot replay that one",
                                impl_->options.max_backtest_rows_per_hour, FormatRfc3339(hour * kMicrosPerHour)));
                error.fields.push_back({"from", "the period holds an hour with too many transactions to replay"});
                return error;
            }
            if (last_page) break;
        }
        std::sort(hour_rows.begin(), hour_rows.end(), [](const storage::Row& a, const storage::Row& b) {
            const UnixMicros at_a = a.GetInt(2), at_b = b.GetInt(2);
            return at_a != at_b ? at_a < at_b : a.GetText(0) < b.GetText(0);
        });
        for (const auto& row : hour_rows) process(row);
    }
    for (const auto& [day, hits] : by_day)
        result.by_day.emplace_back(FormatRfc3339(day * kMicrosPerDay).substr(0, 10), hits);
    result.samples.assign(samples.rbegin(), samples.rend());
    return result;
}

rules::AggregateStore::Stats Engine::AggregateStats() const {
    rules::AggregateStore::Stats total;
    std::shared_lock lock(impl_->orgs_mutex);
    for (const auto& [id, org] : impl_->orgs) {
        for (const auto& windows : org->windows) {
            auto stats = windows->store.GetStats();
            total.aggregates += stats.aggregates;
            total.keys += stats.keys;
            total.bytes += stats.bytes;
            total.events += stats.events;
            total.buckets += stats.buckets;
            total.truncated_keys += stats.truncated_keys;
        }
    }
    return total;
}

void Engine::Sweep() {
    std::vector<OrgState*> orgs;
    {
        std::shared_lock lock(impl_->orgs_mutex);
        for (const auto& [id, org] : impl_->orgs) orgs.push_back(org.get());
    }
    for (OrgState* org : orgs) {
        for (const auto& windows : org->windows) {
            GroupHold group(impl_->group_mutex);  // one store at a time: the writer waits briefly
            windows->store.Sweep();
        }
    }
}

Result<void> Engine::Decide(storage::Transaction& tx, ingest::PendingWrite& item,
                            std::vector<ingest::RaisedAlert>* alerts) {
    Impl& impl = *impl_;
    impl.OpenGroup();  // before Org(): creating an organization's state needs the group held
    auto org_result = impl.Org(item.org_id);
    if (!org_result) return org_result.error();
    OrgState& org = **org_result;

    std::size_t env = EnvironmentIndex(item.environment);
    Windows& windows = *org.windows[env];
    auto rule_set = org.Rules();
    auto lists = org.Lists();
    auto zone = org.Zone();
    Context context(*lists, *zone, windows, env);
    rules::TransactionView view = ViewOf(item.transaction, item.received_at);

    int score = 0;
    int strongest = -1;  // no review/block hit yet
    for (const CompiledEntry& entry : rule_set->entries) {
        context.SetEntry(&entry);
        if (!rules::Evaluate(entry.compiled, view, context).IsTrue()) continue;
        const Rule& rule = entry.rule;
        const bool active = rule.status == RuleStatus::kActive;
        std::optional<std::string> alert_id;
        if (active) {
            score += rule.score;
            if (rule.action != RuleAction::kAlert) strongest = std::max(strongest, ActionStrength(rule.action));
            std::string entity_key = "account:" + item.transaction.account_id;
            bool suppressed = false;
            if (rule.suppression_seconds) {
                std::int64_t window = *rule.suppression_seconds * kMicrosPerSecond;
                auto earlier = tx.QueryOne(
                    "SELECT 1 FROM alerts WHERE org_id = $1 AND environment = $2 AND rule_id = $3 AND entity_key = $4 "
                    "AND occurred_at > $5 AND occurred_at < $6 LIMIT 1",
                    {Text(item.org_id), Text(item.environment), Text(rule.id), Text(entity_key),
                     Int(view.occurred_at - window), Int(view.occurred_at + window)});
                if (!earlier) return earlier.error();
                suppressed = earlier->has_value();
            }
            if (!suppressed) {
                alert_id = crypto::NewId("alt");
                auto inserted = tx.Exec(
                    "INSERT INTO alerts (id, org_id, environment, rule_id, rule_version, rule_name, severity, "
                    "transaction_id, entity_key, occurred_at, status, created_at, updated_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $11)",
                    {Text(*alert_id), Text(item.org_id), Text(item.environment), Text(rule.id), Int(rule.version),
                     Text(rule.name), Text(std::string(SeverityName(rule.severity))), Text(item.id), Text(entity_key),
                     Int(view.occurred_at), Int(item.received_at)});
                if (!inserted) return inserted.error();
                alerts->push_back({*alert_id, rule.id, rule.name, std::string(SeverityName(rule.severity))});
            }
        }
        // Hits are rare: the traced re-evaluation (same windows, same answer) is affordable here.
        std::string explanation = ExplanationJson(rules::EvaluateWithTrace(entry.compiled, view, context));
        auto hit = tx.Exec(
            "INSERT INTO rule_hits (transaction_id, rule_id, org_id, environment, rule_version, status, action, score, "
            "alert_id, occurred_at, explanation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            {Text(item.id), Text(rule.id), Text(item.org_id), Text(item.environment), Int(rule.version),
             Text(std::string(RuleStatusName(rule.status))), Text(std::string(RuleActionName(rule.action))),
             Int(rule.score), OptText(alert_id), Int(view.occurred_at), Text(std::move(explanation))});
        if (!hit) return hit.error();
    }
    item.score = std::min(score, 100);
    item.decision = strongest == 2 ? "block" : strongest == 1 ? "review" : "allow";

    // The transaction joins the windows only after its own evaluation (history BEFORE it), staged.
    context.SetEntry(nullptr);
    windows.store.Record(view, context, &impl.JournalFor(windows.store));
    NoteFirstSeen(windows, view.account_id, view.occurred_at, &impl.FirstSeenUndoFor(windows));
    if (item.id > impl.group_last_id) impl.group_last_id = item.id;
    ++impl.group_rows;
    return Ok();
}

void Engine::GroupCommitted() {
    for (auto& [store, journal] : impl_->journals) store->Commit(journal);
    if (impl_->group_last_id > impl_->covered_last_id) impl_->covered_last_id = impl_->group_last_id;
    impl_->covered_rows += impl_->group_rows;
    impl_->CloseGroup();
}

void Engine::GroupAborted() {
    for (auto& [store, journal] : impl_->journals) store->Rollback(journal);
    for (auto& [windows, undo] : impl_->first_seen_undo) {
        std::unique_lock lock(windows->first_seen_mutex);
        for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
            if (it->second)
                windows->first_seen[it->first] = *it->second;
            else
                windows->first_seen.erase(it->first);
        }
    }
    impl_->CloseGroup();
}

}  // namespace wt::engine
