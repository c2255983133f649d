// SPDX-License-Identifier: Apache-2.0
// The ingestion surface (API key): POST /transactions and /transactions/batch, through the
// group-commit writer; and the console reads of stored transactions (GET /transactions, /{id}).
//
// Ingestion path: the API-key guard (Registrar::Ingestion) -> Content-Type -> Idempotency-Key ->
// parse and validate (ingest::ParseTransaction) -> the writer decides idempotency inside its
// write transaction and answers after the commit -> 201, or 200 + `Idempotent-Replayed: true`.
// The request's coroutine is suspended while the writer works; it never blocks an I/O thread.
#include <fmt/format.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "api/detail/support.hpp"
#include "common/json.hpp"
#include "api/detail/engine_support.hpp"
#include "engine/alerts.hpp"
#include "ingest/transaction.hpp"
#include "ingest/transaction_refs.hpp"
#include "ingest/writer.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;
using Results = std::vector<Result<ingest::Written>>;

constexpr std::size_t kIdempotencyKeyMax = 255;

constexpr const char* kAnswerSchema =
    R"({"type":"object","properties":{"id":{"type":"string"},"external_id":{"type":"string"},)"
    R"("environment":{"type":"string","enum":["sandbox","production"]},"decision":{"type":"string",)"
    R"("enum":["allow","review","block"]},"score":{"type":"integer"},"alerts":{"type":"array","items":)"
    R"({"type":"object","properties":{"id":{"type":"string"},"rule_id":{"type":"string"},)"
    R"("rule_name":{"type":"string"},"severity":{"type":"string"}}}},"received_at":{"type":"string"}}})";
constexpr const char* kTransactionBodySchema =
    R"({"type":"object","required":["external_id","amount","currency","direction","account_id"],)"
    R"("additionalProperties":false,"properties":{"external_id":{"type":"string","maxLength":128},)"
    R"("occurred_at":{"type":"string","format":"date-time"},"amount":{"type":["string","number"]},)"
    R"("currency":{"type":"string","pattern":"^[A-Z]{3}$"},"direction":{"type":"string","enum":["inbound","outbound"]},)"
    R"("type":{"type":"string","enum":["card","transfer","wire","ach","cash","check","crypto","other"]},)"
    R"("account_id":{"type":"string","maxLength":128},"customer_id":{"type":"string","maxLength":128},)"
    R"("counterparty":{"type":"object","properties":{"name":{"type":"string","maxLength":200},)"
    R"("account":{"type":"string","maxLength":64},"country":{"type":"string","pattern":"^[A-Z]{2}$"}}},)"
    R"("channel":{"type":"string","maxLength":32},"country":{"type":"string","pattern":"^[A-Z]{2}$"},)"
    R"("ip":{"type":"string"},"device_id":{"type":"string","maxLength":128},"metadata":{"type":"object"}}})";
constexpr const char* kBatchBodySchema =
    R"({"type":"object","required":["transactions"],"properties":{"transactions":{"type":"array",)"
    R"("minItems":1,"maxItems":1000,"items":{"$comment":"as POST /transactions","type":"object"}}}})";
constexpr const char* kBatchAnswerSchema =
    R"({"type":"object","properties":{"results":{"type":"array","items":{"type":"object","properties":)"
    R"({"status":{"type":"integer"},"transaction":{"type":"object"},"problem":{"type":"object"}}}}}})";
constexpr const char* kTransactionViewSchema =
    R"({"type":"object","properties":{"id":{"type":"string"},"external_id":{"type":"string"},)"
    R"("environment":{"type":"string"},"occurred_at":{"type":"string"},"received_at":{"type":"string"},)"
    R"("amount":{"type":"string"},"currency":{"type":"string"},"direction":{"type":"string"},)"
    R"("type":{"type":"string"},"account_id":{"type":"string"},"customer_id":{"type":["string","null"]},)"
    R"("counterparty":{"type":["object","null"]},"channel":{"type":["string","null"]},)"
    R"("country":{"type":["string","null"]},"ip":{"type":["string","null"]},"device_id":{"type":["string","null"]},)"
    R"("metadata":{"type":"object"},"decision":{"type":"string"},"score":{"type":"integer"},)"
    R"("api_key_id":{"type":"string"},"rule_hits":{"type":"array"},"alerts":{"type":"array"}}})";

// Hands `items` to the writer and resumes this coroutine, on its own executor, once the storage
// transaction holding them committed (or failed). The work guard keeps the executor alive
// meanwhile.
asio::awaitable<Results> Persist(ingest::Writer& writer, std::vector<ingest::PendingWrite> items) {
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(Results)>(
        [&writer, &items](auto handler) {
            using Handler = std::decay_t<decltype(handler)>;
            auto work = asio::make_work_guard(asio::get_associated_executor(handler));
            // std::function needs a copyable callable: the move-only handler is shared.
            auto shared = std::make_shared<Handler>(std::move(handler));
            writer.Submit(std::move(items), [shared, work](Results results) mutable {
                asio::post(work.get_executor(),
                           [shared, results = std::move(results)]() mutable { (*shared)(std::move(results)); });
                work.reset();
            });
        },
        asio::use_awaitable);
}

boost::json::object AnswerJson(const ingest::Written& written) {
    boost::json::array alerts;
    for (const auto& alert : written.alerts)
        alerts.push_back(boost::json::object{
            {"id", alert.id}, {"rule_id", alert.rule_id}, {"rule_name", alert.rule_name}, {"severity", alert.severity}});
    return {{"id", written.id},
            {"external_id", written.external_id},
            {"environment", written.environment},
            {"decision", written.decision},
            {"score", written.score},
            {"alerts", std::move(alerts)},
            {"received_at", FormatRfc3339(written.received_at)}};
}

// The `Idempotency-Key` header, or nullopt when the header is absent (the external_id is the key
// then). Present but empty is an error, like any other malformed key.
Result<std::optional<std::string>> IdempotencyKeyOf(const Request& request) {
    auto header = request.raw().find("Idempotency-Key");
    if (header == request.raw().end()) return std::optional<std::string>();
    std::string_view key = header->value();
    bool printable = !key.empty();
    for (char c : key) printable = printable && c >= 0x20 && c <= 0x7e;
    if (key.size() > kIdempotencyKeyMax || !printable)
        return Error::Validation("Idempotency-Key",
                                 fmt::format("must be 1 to {} printable ASCII characters", kIdempotencyKeyMax));
    return std::optional<std::string>(std::string(key));
}

ingest::Limits LimitsOf(const ApiContext& ctx) {
    ingest::Limits limits;
    limits.json_max_depth = ctx.options.json_max_depth;
    return limits;
}

ingest::PendingWrite PendingOf(const KeyPrincipal& principal, std::string idempotency_key,
                               ingest::Transaction transaction, UnixMicros received_at) {
    ingest::PendingWrite pending;
    pending.org_id = principal.scope.org_id;
    pending.environment = std::string(principal.environment());
    pending.api_key_id = principal.scope.key_id;
    pending.idempotency_key = std::move(idempotency_key);
    pending.fingerprint = transaction.Fingerprint();
    pending.transaction = std::move(transaction);
    pending.received_at = received_at;
    return pending;
}

void Count(ApiContext& ctx, std::string_view environment, std::string_view result, std::uint64_t by = 1) {
    if (by == 0) return;
    ctx.metrics.Increment("wt_ingest_transactions_total", "Ingested transactions by environment and result",
                          {{"environment", std::string(environment)}, {"result", std::string(result)}}, by);
}

// ---- console reads ----------------------------------------------------------------------------

constexpr const char* kColumns =
    "id, external_id, environment, occurred_at, received_at, amount_minor, currency, direction, type, account_id, "
    "customer_id, counterparty_name, counterparty_account, counterparty_country, channel, country, ip, device_id, "
    "metadata, decision, score, api_key_id";

boost::json::value OptText(const storage::Row& row, int column) {
    return row.IsNull(column) ? boost::json::value(nullptr) : boost::json::value(row.GetText(column));
}

// Every column but `metadata`, which TransactionText adds as stored.
boost::json::object TransactionJson(const storage::Row& row) {
    std::string currency = row.GetText(6);
    boost::json::value counterparty = nullptr;
    if (!row.IsNull(11) || !row.IsNull(12) || !row.IsNull(13))
        counterparty = boost::json::object{
            {"name", OptText(row, 11)}, {"account", OptText(row, 12)}, {"country", OptText(row, 13)}};
    return {{"id", row.GetText(0)},
            {"external_id", row.GetText(1)},
            {"environment", row.GetText(2)},
            {"occurred_at", FormatRfc3339(row.GetInt(3))},
            {"received_at", FormatRfc3339(row.GetInt(4))},
            {"amount", ingest::FormatAmount(row.GetInt(5), ingest::CurrencyExponent(currency).value_or(2))},
            {"currency", currency},
            {"direction", row.GetText(7)},
            {"type", row.GetText(8)},
            {"account_id", row.GetText(9)},
            {"customer_id", OptText(row, 10)},
            {"counterparty", std::move(counterparty)},
            {"channel", OptText(row, 14)},
            {"country", OptText(row, 15)},
            {"ip", OptText(row, 16)},
            {"device_id", OptText(row, 17)},
            {"decision", row.GetText(19)},
            {"score", row.GetInt(20)},
            {"api_key_id", row.GetText(21)}};
}

// One transaction as JSON text. `metadata` is copied as stored (compact JSON written by
// ingest::ParseTransaction, numbers exactly as the client wrote them): going through a
// boost::json value would turn `1.50` into `1.5E0` and round long integers. A stored text that
// is not a JSON object (never written by WatchTower) is answered as `{}`.
std::string TransactionText(const storage::Row& row, const boost::json::object& extra = {}) {
    boost::json::object json = TransactionJson(row);
    for (const auto& [key, value] : extra) json[key] = value;
    std::string text = boost::json::serialize(json);
    std::string metadata = row.GetText(18);
    boost::system::error_code ec;
    const boost::json::value parsed = boost::json::parse(metadata, ec);
    if (ec || !parsed.is_object()) metadata = "{}";
    text.pop_back();  // the closing brace
    text += ",\"metadata\":";
    text += metadata;
    text += '}';
    return text;
}

struct ListFilter {
    std::string environment = "production";
    std::optional<std::string> account_id;
    std::optional<std::string> customer_id;
    std::optional<UnixMicros> from;
    std::optional<UnixMicros> to;
    std::optional<std::string> decision;
    std::optional<std::string> cursor;
    int limit = 50;
};

Result<ListFilter> ReadListFilter(const Request& request) {
    ListFilter filter;
    std::vector<FieldError> problems;
    auto text_param = [&](std::string_view name, std::size_t max) -> std::optional<std::string> {
        auto value = request.query(name);
        if (!value || value->empty()) return std::nullopt;
        if (value->size() > max) {
            problems.push_back({std::string(name), fmt::format("must be at most {} characters", max)});
            return std::nullopt;
        }
        return value;
    };
    if (auto environment = text_param("environment", 20)) {
        if (!auth::ParseEnvironment(*environment))
            problems.push_back({"environment", "must be \"production\" or \"sandbox\""});
        else
            filter.environment = *environment;
    }
    filter.account_id = text_param("account_id", 128);
    filter.customer_id = text_param("customer_id", 128);
    if (auto decision = text_param("decision", 20)) {
        if (*decision != "allow" && *decision != "review" && *decision != "block")
            problems.push_back({"decision", "must be \"allow\", \"review\" or \"block\""});
        else
            filter.decision = *decision;
    }
    filter.cursor = text_param("cursor", 64);
    for (const char* name : {"from", "to"}) {
        auto parsed = ParseTimeParam(request, name);
        if (!parsed) {
            for (const auto& problem : parsed.error().fields) problems.push_back(problem);
        } else {
            (std::string_view(name) == "from" ? filter.from : filter.to) = *parsed;
        }
    }
    auto limit = ParseLimit(request);
    if (!limit) {
        for (const auto& problem : limit.error().fields) problems.push_back(problem);
    } else {
        filter.limit = *limit;
    }
    if (!problems.empty()) {
        Error error = Error::Make(ErrorCode::kValidationFailed, "some query parameters are invalid");
        error.fields = std::move(problems);
        return error;
    }
    return filter;
}

// Newest first by id (ids are time-ordered by reception). An account or customer filter reads
// that reference table (ingest/transaction_refs.hpp: one bucket, newest first, stopping at the
// page) plus the newest rows not referenced yet; otherwise the organization's environment index.
Result<std::string> ListTransactions(storage::Database& db, const std::string& org_id, const ListFilter& filter) {
    std::vector<storage::Value> params{storage::Text(org_id), storage::Text(filter.environment)};
    std::vector<ingest::RefCondition> conditions;
    auto add = [&](std::string_view column, std::string_view op, storage::Value value) {
        params.push_back(std::move(value));
        conditions.push_back({column, fmt::format("{} ${}", op, params.size())});
    };
    std::optional<ingest::RefKey> key;
    std::string key_value;
    if (filter.account_id || filter.customer_id) {
        key = filter.account_id ? ingest::RefKey::kAccount : ingest::RefKey::kCustomer;
        params.push_back(storage::Text(filter.account_id ? *filter.account_id : *filter.customer_id));
        key_value = fmt::format("${}", params.size());
    }
    if (filter.account_id && filter.customer_id) add("customer_id", "=", storage::Text(*filter.customer_id));
    if (filter.decision) add("decision", "=", storage::Text(*filter.decision));
    if (filter.from) add("occurred_at", ">=", storage::Int(*filter.from));
    if (filter.to) add("occurred_at", "<", storage::Int(*filter.to));
    if (filter.cursor) add("id", "<", storage::Text(*filter.cursor));
    params.push_back(storage::Int(filter.limit + 1));
    const std::string limit = fmt::format("${}", params.size());

    std::string sql;
    if (key) {
        sql = ingest::RefQuerySql({*key, kColumns, key_value, std::move(conditions), true, limit});
    } else {
        sql = fmt::format("SELECT {} FROM transactions WHERE org_id = $1 AND environment = $2", kColumns);
        for (const auto& condition : conditions)
            sql += fmt::format(" AND {} {}", condition.column, condition.op_and_operand);
        sql += fmt::format(" ORDER BY id DESC LIMIT {}", limit);
    }

    WT_ASSIGN_OR_RETURN(auto tx, db.Begin(storage::TxMode::kRead));
    WT_ASSIGN_OR_RETURN(auto rows, tx->Query(sql, params));
    std::string body = "{\"data\":[";
    boost::json::value next_cursor = nullptr;
    for (std::size_t row_idx = 0; row_idx < rows.size(); ++row_idx) {
        if (static_cast<int>(row_idx) == filter.limit) {
            next_cursor = boost::json::value(rows[row_idx - 1].GetText(0));
            break;
        }
        if (row_idx > 0) body += ',';
        body += TransactionText(rows[row_idx]);
    }
    body += "],\"next_cursor\":";
    body += boost::json::serialize(next_cursor);
    body += '}';
    return body;
}

}  // namespace

void RegisterIngestRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();

    reg.Ingestion(
        {Method::post, "/api/v1/transactions", Surface::kIngestion, std::nullopt, false, "ingestion",
         "Submit one transaction (API key); answered after it is durably stored, with the decision",
         kTransactionBodySchema, kAnswerSchema, 201},
        [&ctx](Request& request, KeyPrincipal& principal) -> asio::awaitable<Response> {
            if (auto json = RequireJsonContentType(request); !json) co_return ErrorResponse(ctx, request, json.error());
            auto header_key = IdempotencyKeyOf(request);
            if (!header_key) co_return ErrorResponse(ctx, request, header_key.error());
            const UnixMicros now = ctx.clock->Now();
            auto parsed = ingest::ParseTransaction(request.body(), now, LimitsOf(ctx));
            if (!parsed) {
                Count(ctx, principal.environment(), "invalid");
                co_return ErrorResponse(ctx, request, parsed.error());
            }
            std::string idempotency_key = header_key->value_or(parsed->external_id);
            std::vector<ingest::PendingWrite> items;
            items.push_back(PendingOf(principal, std::move(idempotency_key), std::move(*parsed), now));
            Results results = co_await Persist(*ctx.writer, std::move(items));
            if (results.size() != 1)
                co_return ErrorResponse(ctx, request, Error::Internal("writer answered no result"));
            const auto& result = results.front();
            if (!result) {
                Count(ctx, principal.environment(),
                      result.error().code == ErrorCode::kUnavailable ? "unavailable" : "conflict");
                co_return ErrorResponse(ctx, request, result.error());
            }
            Count(ctx, principal.environment(), result->replayed ? "replayed" : "stored");
            Response response =
                http::JsonResponse(result->replayed ? HttpStatus::ok : HttpStatus::created, AnswerJson(*result));
            if (result->replayed) response.set("Idempotent-Replayed", "true");
            co_return response;
        },
        ctx.options.ingest_body_limit);

    reg.Ingestion(
        {Method::post, "/api/v1/transactions/batch", Surface::kIngestion, std::nullopt, false, "ingestion",
         "Submit up to 1,000 transactions (API key), each idempotent on its external_id; one result per item, in order",
         kBatchBodySchema, kBatchAnswerSchema, 200},
        [&ctx](Request& request, KeyPrincipal& principal) -> asio::awaitable<Response> {
            if (auto json = RequireJsonContentType(request); !json) co_return ErrorResponse(ctx, request, json.error());
            const UnixMicros now = ctx.clock->Now();
            auto parsed = ingest::ParseBatch(request.body(), now, LimitsOf(ctx));
            if (!parsed) co_return ErrorResponse(ctx, request, parsed.error());
            // Valid items go to the writer together (one storage transaction); invalid ones keep
            // their place in the answer with their own problem.
            std::vector<ingest::PendingWrite> items;
            std::vector<std::size_t> positions;  // items[i] answers results[positions[i]]
            boost::json::array answers(parsed->size());
            std::uint64_t invalid = 0;
            for (std::size_t item_idx = 0; item_idx < parsed->size(); ++item_idx) {
                auto& item = (*parsed)[item_idx];
                if (!item) {
                    answers[item_idx] =
                        boost::json::object{{"status", static_cast<int>(http::StatusFor(item.error().code))},
                                            {"problem", http::ProblemJson(item.error())}};
                    ++invalid;
                    continue;
                }
                std::string key = item->external_id;
                items.push_back(PendingOf(principal, std::move(key), std::move(*item), now));
                positions.push_back(item_idx);
            }
            Count(ctx, principal.environment(), "invalid", invalid);
            if (!items.empty()) {
                Results results = co_await Persist(*ctx.writer, std::move(items));
                if (results.size() != positions.size())
                    co_return ErrorResponse(ctx, request,
                                            Error::Internal("writer answered the wrong number of results"));
                std::uint64_t stored = 0, replayed = 0, conflicts = 0;
                for (std::size_t result_idx = 0; result_idx < results.size(); ++result_idx) {
                    const auto& result = results[result_idx];
                    if (!result && result.error().code == ErrorCode::kUnavailable) {
                        // The writer fails a whole storage transaction: nothing of this request
                        // was stored, and the client retries all of it.
                        Count(ctx, principal.environment(), "unavailable", results.size());
                        co_return ErrorResponse(ctx, request, result.error());
                    }
                    if (!result) {
                        ++conflicts;
                        answers[positions[result_idx]] =
                            boost::json::object{{"status", static_cast<int>(http::StatusFor(result.error().code))},
                                                {"problem", http::ProblemJson(result.error())}};
                        continue;
                    }
                    ++(result->replayed ? replayed : stored);
                    answers[positions[result_idx]] = boost::json::object{{"status", result->replayed ? 200 : 201},
                                                                         {"transaction", AnswerJson(*result)}};
                }
                Count(ctx, principal.environment(), "stored", stored);
                Count(ctx, principal.environment(), "replayed", replayed);
                Count(ctx, principal.environment(), "conflict", conflicts);
            }
            co_return http::JsonResponse(HttpStatus::ok, boost::json::object{{"results", std::move(answers)}});
        },
        ctx.options.batch_body_limit);

    RouteSpec list{Method::get,
                   "/api/v1/transactions",
                   Surface::kConsole,
                   auth::Permission::kRead,
                   false,
                   "transactions",
                   "Stored transactions of one environment (default production), newest first; filters on account, "
                   "customer, decision and occurred_at (from inclusive, to exclusive)",
                   "",
                   kTransactionViewSchema};
    list.query_parameters = {"environment", "account_id", "customer_id", "from", "to", "decision", "limit", "cursor"};
    reg.Console(std::move(list), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        auto filter = ReadListFilter(request);
        if (!filter) co_return ErrorResponse(ctx, request, filter.error());
        auto page = ListTransactions(ctx.db, principal.org_id(), *filter);
        if (!page) co_return ErrorResponse(ctx, request, page.error());
        co_return http::JsonTextResponse(HttpStatus::ok, std::move(*page));
    });

    reg.Console(
        {Method::get, "/api/v1/transactions/{id}", Surface::kConsole, auth::Permission::kRead, false, "transactions",
         "One stored transaction with its rule hits and alerts", "", kTransactionViewSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto found = [&]() -> Result<std::string> {
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                WT_ASSIGN_OR_RETURN(auto row, tx->QueryOne(fmt::format("SELECT {} FROM transactions WHERE "
                                                                       "id = $1 AND org_id = $2",
                                                                       kColumns),
                                                           {storage::Text(std::string(request.param("id"))),
                                                            storage::Text(principal.org_id())}));
                if (!row) return Error::Make(ErrorCode::kNotFound, "no such transaction");
                const std::string& id = row->GetText(0);
                WT_ASSIGN_OR_RETURN(auto hits, engine::HitsOfTransaction(*tx, principal.org_id(), id));
                WT_ASSIGN_OR_RETURN(auto alerts, engine::AlertsOfTransaction(*tx, principal.org_id(), id, ClockOf(ctx, principal)));
                return TransactionText(*row, {{"rule_hits", std::move(hits)}, {"alerts", std::move(alerts)}});
            }();
            if (!found) co_return ErrorResponse(ctx, request, found.error());
            co_return http::JsonTextResponse(HttpStatus::ok, std::move(*found));
        });
}

}  // namespace wt::api::detail
