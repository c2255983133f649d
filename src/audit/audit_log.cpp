// SPDX-License-Identifier: Apache-2.0
#include "audit/audit_log.hpp"

#include <fmt/format.h>

#include "common/json.hpp"
#include "crypto/crypto.hpp"

namespace wt::audit {
namespace {

const std::string kGenesisHash(64, '0');

std::optional<std::string> NonEmpty(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }

// The exact bytes a hash covers: stored fields in a fixed order.
std::string Canonical(const std::string& org_id, std::int64_t seq, const std::string& id, UnixMicros at,
                      const std::string& actor_type, const std::optional<std::string>& actor_id,
                      const std::string& action, const std::optional<std::string>& target,
                      const std::optional<std::string>& ip, const std::optional<std::string>& user_agent,
                      const std::string& details) {
    auto opt = [](const std::optional<std::string>& s) -> boost::json::value {
        return s ? boost::json::value(*s) : boost::json::value(nullptr);
    };
    boost::json::array fields{org_id, seq, id, at, actor_type, opt(actor_id), action, opt(target), opt(ip),
                              opt(user_agent), details};
    return boost::json::serialize(fields);
}

std::string ChainHash(const std::string& prev_hash, const std::string& canonical) {
    return crypto::HexEncode(crypto::Sha256(prev_hash + "\n" + canonical));
}

Entry EntryFromRow(const storage::Row& row) {
    // Column order of kSelectColumns.
    Entry e;
    e.event.org_id = row.GetText(0);
    e.seq = row.GetInt(1);
    e.id = row.GetText(2);
    e.at = row.GetInt(3);
    std::string type = row.GetText(4);
    e.event.actor.type = type == "user" ? ActorType::kUser : type == "api_key" ? ActorType::kApiKey : ActorType::kSystem;
    e.event.actor.id = row.GetOptText(5).value_or("");
    e.event.action = row.GetText(6);
    e.event.target = row.GetOptText(7).value_or("");
    e.event.ip = row.GetOptText(8).value_or("");
    e.event.user_agent = row.GetOptText(9).value_or("");
    boost::system::error_code ec;
    auto details = boost::json::parse(row.GetText(10), ec);
    if (!ec && details.is_object()) e.event.details = details.as_object();
    e.prev_hash = row.GetText(11);
    e.hash = row.GetText(12);
    return e;
}

constexpr const char* kSelectColumns =
    "org_id, seq, id, at, actor_type, actor_id, action, target, ip, user_agent, details, prev_hash, hash";

}  // namespace

std::string_view ActorTypeName(ActorType type) {
    switch (type) {
        case ActorType::kUser: return "user";
        case ActorType::kApiKey: return "api_key";
        case ActorType::kSystem: return "system";
    }
    return "system";
}

Status Append(storage::Transaction& tx, const Event& event, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto head, tx.QueryOne("SELECT seq, hash FROM audit_heads WHERE org_id = $1",
                                               {storage::Text(event.org_id)}));
    std::int64_t seq = head ? head->GetInt(0) + 1 : 1;
    std::string prev_hash = head ? head->GetText(1) : kGenesisHash;
    std::string id = crypto::NewId("aud");
    std::string actor_type(ActorTypeName(event.actor.type));
    std::string details = boost::json::serialize(event.details);
    auto actor_id = NonEmpty(event.actor.id), target = NonEmpty(event.target), ip = NonEmpty(event.ip),
         user_agent = NonEmpty(SanitizeUtf8(event.user_agent, 512));
    std::string hash = ChainHash(prev_hash, Canonical(event.org_id, seq, id, now, actor_type, actor_id, event.action,
                                                      target, ip, user_agent, details));
    WT_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO audit_log (org_id, seq, id, at, actor_type, actor_id, action, target, ip, user_agent, details, "
        "prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        {storage::Text(event.org_id), storage::Int(seq), storage::Text(id), storage::Int(now), storage::Text(actor_type),
         storage::OptText(actor_id), storage::Text(event.action), storage::OptText(target), storage::OptText(ip),
         storage::OptText(user_agent), storage::Text(details), storage::Text(prev_hash), storage::Text(hash)}));
    if (head) {
        WT_RETURN_IF_ERROR(tx.Exec("UPDATE audit_heads SET seq = $2, hash = $3 WHERE org_id = $1",
                                   {storage::Text(event.org_id), storage::Int(seq), storage::Text(hash)}));
    } else {
        WT_RETURN_IF_ERROR(tx.Exec("INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, $2, $3)",
                                   {storage::Text(event.org_id), storage::Int(seq), storage::Text(hash)}));
    }
    return Ok();
}

Status AppendNow(storage::Database& db, const Event& event, UnixMicros now) {
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kWrite));
    WT_RETURN_IF_ERROR(Append(*tx, event, now));
    return tx->Commit();
}

Result<Page> List(storage::Database& db, const Query& query) {
    std::string sql = fmt::format("SELECT {} FROM audit_log WHERE org_id = $1", kSelectColumns);
    std::vector<storage::Value> params{storage::Text(query.org_id)};
    auto add = [&](std::string clause, storage::Value value) {
        params.push_back(std::move(value));
        sql += fmt::format(" AND {} ${}", clause, params.size());
    };
    if (query.action) {
        if (!query.action->empty() && query.action->back() == '.') {
            // Prefix match without LIKE wildcards from user input: a range on the ordered text.
            add("action >=", storage::Text(*query.action));
            add("action <", storage::Text(query.action->substr(0, query.action->size() - 1) + "/"));
        } else {
            add("action =", storage::Text(*query.action));
        }
    }
    if (query.actor_id) add("actor_id =", storage::Text(*query.actor_id));
    if (query.from) add("at >=", storage::Int(*query.from));
    if (query.to) add("at <", storage::Int(*query.to));
    if (query.before_seq) add("seq <", storage::Int(*query.before_seq));
    params.push_back(storage::Int(query.limit + 1));
    sql += fmt::format(" ORDER BY seq DESC LIMIT ${}", params.size());
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
    WT_ASSIGN_OR_RETURN(auto rows, tx->Query(sql, params));
    Page page;
    for (std::size_t row_idx = 0; row_idx < rows.size() && static_cast<int>(row_idx) < query.limit; ++row_idx)
        page.entries.push_back(EntryFromRow(rows[row_idx]));
    if (static_cast<int>(rows.size()) > query.limit && !page.entries.empty())
        page.next_before_seq = page.entries.back().seq;
    return page;
}

Result<VerifyReport> Verify(storage::Database& db) {
    VerifyReport report;
    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
    WT_ASSIGN_OR_RETURN(auto orgs, tx->Query("SELECT org_id FROM audit_heads UNION SELECT DISTINCT org_id FROM audit_log "
                                             "ORDER BY 1"));
    for (const auto& org_row : orgs) {
        const std::string& org_id = org_row.GetText(0);
        ++report.organizations;
        auto problem = [&](std::string text) { report.problems.push_back(fmt::format("org {}: {}", org_id, text)); };
        WT_ASSIGN_OR_RETURN(auto rows, tx->Query(fmt::format("SELECT {} FROM audit_log WHERE org_id = $1 ORDER BY seq",
                                                             kSelectColumns),
                                                 {storage::Text(org_id)}));
        std::string prev_hash = kGenesisHash;
        std::int64_t expected_seq = 1;
        for (const auto& row : rows) {
            ++report.entries;
            std::int64_t seq = row.GetInt(1);
            if (seq != expected_seq) {
                problem(fmt::format("entries {}..{} are missing (deleted)", expected_seq, seq - 1));
            }
            if (row.GetText(11) != prev_hash) {
                problem(fmt::format("entry {} does not link to the entry before it", seq));
            }
            std::string recomputed = ChainHash(
                row.GetText(11), Canonical(row.GetText(0), seq, row.GetText(2), row.GetInt(3), row.GetText(4),
                                           row.GetOptText(5), row.GetText(6), row.GetOptText(7), row.GetOptText(8),
                                           row.GetOptText(9), row.GetText(10)));
            if (recomputed != row.GetText(12)) problem(fmt::format("entry {} was edited (hash mismatch)", seq));
            prev_hash = row.GetText(12);
            expected_seq = seq + 1;
        }
        WT_ASSIGN_OR_RETURN(auto head, tx->QueryOne("SELECT seq, hash FROM audit_heads WHERE org_id = $1",
                                                    {storage::Text(org_id)}));
        if (!head) {
            problem("the chain head is missing");
        } else if (head->GetInt(0) != expected_seq - 1 || head->GetText(1) != prev_hash) {
            problem(fmt::format("the chain head says {} entries but {} are present (entries deleted at the end?)",
                                head->GetInt(0), expected_seq - 1));
        }
    }
    return report;
}

boost::json::object ToJson(const Entry& entry) {
    boost::json::object out;
    out["id"] = entry.id;
    out["at"] = FormatRfc3339(entry.at, true);
    boost::json::object actor;
    actor["type"] = ActorTypeName(entry.event.actor.type);
    actor["id"] = entry.event.actor.id.empty() ? boost::json::value(nullptr) : boost::json::value(entry.event.actor.id);
    out["actor"] = std::move(actor);
    out["action"] = entry.event.action;
    out["target"] = entry.event.target.empty() ? boost::json::value(nullptr) : boost::json::value(entry.event.target);
    out["ip"] = entry.event.ip.empty() ? boost::json::value(nullptr) : boost::json::value(entry.event.ip);
    out["user_agent"] =
        entry.event.user_agent.empty() ? boost::json::value(nullptr) : boost::json::value(entry.event.user_agent);
    out["details"] = entry.event.details;
    return out;
}

}  // namespace wt::audit
