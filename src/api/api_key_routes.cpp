// SPDX-License-Identifier: Apache-2.0
// /orgs/api-keys and /orgs/allowed-ips: the ingestion credentials of an organization and the
// address lists of both surfaces. ADMIN only, recent authentication, every change audited, the
// API-key cache invalidated before the answer leaves.
#include <fmt/format.h>

#include "api/detail/support.hpp"
#include "auth/api_keys.hpp"
#include "common/json.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;
using Perm = auth::Permission;

constexpr std::int64_t kMaxGraceSeconds = 30LL * 24 * 3600;  // a rotation may overlap for 30 days at most
constexpr std::size_t kMaxAllowedRanges = 100;

constexpr const char* kApiKeySchema =
    R"({"type":"object","properties":{"id":{"type":"string"},"name":{"type":"string"},"prefix":{"type":"string"},)"
    R"("environment":{"type":"string","enum":["sandbox","production"]},"status":{"type":"string",)"
    R"("enum":["active","rotating","revoked"]},"allowed_ips":{"type":"array","items":{"type":"string"}},)"
    R"("created_at":{"type":"string"},"created_by":{"type":["string","null"]},"last_used_at":{"type":["string","null"]},)"
    R"("last_used_ip":{"type":["string","null"]},"expires_at":{"type":["string","null"]},)"
    R"("key":{"type":"string","description":"the full key: in the create and rotate answers only"}}})";
constexpr const char* kAllowedIpsSchema =
    R"({"type":"object","properties":{"console":{"type":"array","items":{"type":"object","properties":)"
    R"({"cidr":{"type":"string"},"label":{"type":"string"}}}},"ingestion":{"type":"array","items":{"type":"object",)"
    R"("properties":{"cidr":{"type":"string"},"label":{"type":"string"}}}}}})";

boost::json::value OptTime(const std::optional<UnixMicros>& at) {
    return at ? boost::json::value(FormatRfc3339(*at)) : boost::json::value(nullptr);
}

boost::json::object KeyJson(const auth::ApiKeyRecord& key, UnixMicros now) {
    boost::json::array ranges;
    for (const auto& range : key.allowed_ips) ranges.push_back(boost::json::value(range));
    return {{"id", key.id},
            {"name", key.name},
            {"prefix", key.prefix},
            {"environment", auth::EnvironmentName(key.environment)},
            {"status", key.Status(now)},
            {"allowed_ips", std::move(ranges)},
            {"created_at", FormatRfc3339(key.created_at)},
            {"created_by", key.created_by ? boost::json::value(*key.created_by) : boost::json::value(nullptr)},
            {"last_used_at", OptTime(key.last_used_at)},
            {"last_used_ip", key.last_used_ip ? boost::json::value(*key.last_used_ip) : boost::json::value(nullptr)},
            {"expires_at", OptTime(key.expires_at)}};
}

boost::json::object IssuedJson(const auth::IssuedApiKey& issued, UnixMicros now) {
    auto json = KeyJson(issued.record, now);
    json["key"] = issued.key;
    return json;
}

audit::Event KeyEvent(const ApiContext& ctx, const Request& request, const Principal& principal, std::string action,
                      const auth::ApiKeyRecord& key, boost::json::object details = {}) {
    details["name"] = key.name;
    details["prefix"] = key.prefix;
    details["environment"] = auth::EnvironmentName(key.environment);
    return audit::Event{principal.org_id(),  principal.actor(),    std::move(action), "api_key:" + key.id,
                        ClientIpOf(ctx, request), UserAgentOf(request), std::move(details)};
}

// Parses `text` as a CIDR range for field `path`; on failure records the problem in `in`.
std::optional<auth::Cidr> ReadCidr(JsonReader& in, std::string_view text, const std::string& path) {
    auto cidr = auth::ParseCidr(text, path);
    if (cidr) return *cidr;
    for (const auto& problem : cidr.error().fields) in.AddError(problem.field, problem.message);
    return std::nullopt;
}

// The array member `field`, or nullptr (with the problem recorded) when it is not an array of at
// most kMaxAllowedRanges items. When not `required`, absent or null is an empty list.
const boost::json::array* ReadRangeArray(JsonReader& in, std::string_view field, std::string_view what, bool required) {
    static const boost::json::array kEmpty;
    const auto* raw = in.Raw(field);
    if (!raw || (!required && raw->is_null())) {
        if (required) in.AddError(field, "is required (an empty list allows every address)");
        return required ? nullptr : &kEmpty;
    }
    if (!raw->is_array()) {
        in.AddError(field, fmt::format("must be an array of {}", what));
        return nullptr;
    }
    if (raw->as_array().size() > kMaxAllowedRanges) {
        in.AddError(field, fmt::format("has more than {} ranges", kMaxAllowedRanges));
        return nullptr;
    }
    return &raw->as_array();
}

// `allowed_ips: ["10.0.0.0/8", ...]` (optional; absent or empty: any address).
std::vector<auth::Cidr> ReadRanges(JsonReader& in, std::string_view field) {
    std::vector<auth::Cidr> ranges;
    const auto* items = ReadRangeArray(in, field, "CIDR ranges such as \"203.0.113.0/24\"", false);
    if (!items) return ranges;
    for (std::size_t item_idx = 0; item_idx < items->size(); ++item_idx) {
        std::string path = fmt::format("{}[{}]", field, item_idx);
        if (!(*items)[item_idx].is_string()) {
            in.AddError(path, "must be a CIDR range string");
            continue;
        }
        if (auto cidr = ReadCidr(in, std::string_view((*items)[item_idx].as_string()), path)) ranges.push_back(*cidr);
    }
    return ranges;
}

// `[{cidr, label}]` for one surface of PUT /orgs/allowed-ips.
std::vector<auth::AllowedIpEntry> ReadEntries(JsonReader& in, std::string_view field) {
    std::vector<auth::AllowedIpEntry> entries;
    const auto* items = ReadRangeArray(in, field, "{\"cidr\", \"label\"} objects", true);
    if (!items) return entries;
    for (std::size_t item_idx = 0; item_idx < items->size(); ++item_idx) {
        std::string path = fmt::format("{}[{}]", field, item_idx);
        JsonReader item((*items)[item_idx], path);
        auto cidr_text = item.RequiredString("cidr", 1, 64);
        auto label = item.OptionalString("label", 0, 100);
        item.RejectUnknown();
        if (auto ok = item.Finish(); !ok) {
            for (const auto& problem : ok.error().fields) in.AddError(problem.field, problem.message);
            continue;
        }
        if (auto cidr = ReadCidr(in, *cidr_text, path + ".cidr"))
            entries.push_back(auth::AllowedIpEntry{*cidr, label.value_or("")});
    }
    return entries;
}

boost::json::array EntriesJson(const std::vector<auth::AllowedIpEntry>& entries) {
    boost::json::array out;
    for (const auto& entry : entries)
        out.push_back(boost::json::object{{"cidr", entry.cidr.ToString()}, {"label", entry.label}});
    return out;
}

boost::json::object AllowedIpsJson(const auth::AllowedIps& lists) {
    return {{"console", EntriesJson(lists.console)}, {"ingestion", EntriesJson(lists.ingestion)}};
}

}  // namespace

void RegisterApiKeyRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();

    reg.Console({Method::get, "/api/v1/orgs/api-keys", Surface::kConsole, Perm::kAdminister, false, "api-keys",
                 "The organization's API keys, newest first (the key itself is never shown again)", "", kApiKeySchema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto keys = [&]() -> Result<std::vector<auth::ApiKeyRecord>> {
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                        return auth::ListApiKeys(*tx, principal.org_id());
                    }();
                    if (!keys) co_return ErrorResponse(ctx, request, keys.error());
                    UnixMicros now = ctx.clock->Now();
                    boost::json::array data;
                    for (const auto& key : *keys) data.push_back(KeyJson(key, now));
                    co_return http::JsonResponse(HttpStatus::ok, {{"data", std::move(data)}, {"next_cursor", nullptr}});
                });

    reg.Console(
        {Method::post, "/api/v1/orgs/api-keys", Surface::kConsole, Perm::kAdminister, true, "api-keys",
         "Create an API key; the answer carries the key, shown this once",
         R"({"type":"object","required":["name","environment"],"properties":{"name":{"type":"string"},)"
         R"("environment":{"type":"string","enum":["sandbox","production"]},"allowed_ips":{"type":"array",)"
         R"("items":{"type":"string"}}}})",
         kApiKeySchema, 201},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            UnixMicros now = ctx.clock->Now();
            auto created = [&]() -> Result<auth::IssuedApiKey> {
                JsonReader in(*body);
                auto name = in.RequiredString("name", 1, 100);
                auto environment_name = in.RequiredString("environment", 1, 20);
                auto ranges = ReadRanges(in, "allowed_ips");
                in.RejectUnknown();
                std::optional<auth::Environment> environment;
                if (environment_name) {
                    environment = auth::ParseEnvironment(*environment_name);
                    if (!environment) in.AddError("environment", "must be \"sandbox\" or \"production\"");
                }
                WT_RETURN_IF_ERROR(in.Finish());
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_ASSIGN_OR_RETURN(auto issued, auth::CreateApiKey(*tx, principal.org_id(), *name, *environment,
                                                                    ranges, principal.user_id(), now));
                boost::json::array audited_ranges;
                for (const auto& range : issued.record.allowed_ips) audited_ranges.push_back(boost::json::value(range));
                WT_RETURN_IF_ERROR(audit::Append(
                    *tx,
                    KeyEvent(ctx, request, principal, "api_key.created", issued.record, {{"allowed_ips", audited_ranges}}),
                    now));
                WT_RETURN_IF_ERROR(tx->Commit());
                return issued;
            }();
            if (!created) co_return ErrorResponse(ctx, request, created.error());
            ctx.api_keys->Invalidate();
            co_return http::JsonResponse(HttpStatus::created, IssuedJson(*created, now));
        });

    reg.Console(
        {Method::post, "/api/v1/orgs/api-keys/{id}/rotate", Surface::kConsole, Perm::kAdminister, true, "api-keys",
         "Issue a successor key (shown once); the old key keeps working for grace_seconds (0..2592000)",
         R"({"type":"object","properties":{"grace_seconds":{"type":"integer","minimum":0,"maximum":2592000}}})",
         kApiKeySchema, 201},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            UnixMicros now = ctx.clock->Now();
            auto rotated = [&]() -> Result<auth::IssuedApiKey> {
                JsonReader in(*body);
                auto grace = in.OptionalInt("grace_seconds", 0, kMaxGraceSeconds);
                in.RejectUnknown();
                WT_RETURN_IF_ERROR(in.Finish());
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_ASSIGN_OR_RETURN(auto old_key, auth::GetApiKey(*tx, principal.org_id(), request.param("id")));
                WT_ASSIGN_OR_RETURN(auto issued, auth::RotateApiKey(*tx, principal.org_id(), old_key.id,
                                                                    grace.value_or(0), principal.user_id(), now));
                WT_RETURN_IF_ERROR(
                    audit::Append(*tx,
                                  KeyEvent(ctx, request, principal, "api_key.rotated", old_key,
                                           {{"successor_id", issued.record.id}, {"grace_seconds", grace.value_or(0)}}),
                                  now));
                WT_RETURN_IF_ERROR(tx->Commit());
                return issued;
            }();
            if (!rotated) co_return ErrorResponse(ctx, request, rotated.error());
            ctx.api_keys->Invalidate();
            co_return http::JsonResponse(HttpStatus::created, IssuedJson(*rotated, now));
        });

    reg.Console(
        {Method::delete_, "/api/v1/orgs/api-keys/{id}", Surface::kConsole, Perm::kAdminister, true, "api-keys",
         "Revoke an API key at once", "", "", 204},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            UnixMicros now = ctx.clock->Now();
            auto revoked = [&]() -> Status {
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_ASSIGN_OR_RETURN(auto key, auth::GetApiKey(*tx, principal.org_id(), request.param("id")));
                WT_RETURN_IF_ERROR(auth::RevokeApiKey(*tx, principal.org_id(), key.id, now));
                WT_RETURN_IF_ERROR(audit::Append(*tx, KeyEvent(ctx, request, principal, "api_key.revoked", key), now));
                return tx->Commit();
            }();
            if (!revoked) co_return ErrorResponse(ctx, request, revoked.error());
            // Before the answer: the next request with this key is refused.
            ctx.api_keys->Invalidate();
            co_return http::EmptyResponse(HttpStatus::no_content);
        });

    reg.Console({Method::get, "/api/v1/orgs/allowed-ips", Surface::kConsole, Perm::kAdminister, false, "organization",
                 "The organization's allowed address ranges for the console and for ingestion (empty: any)", "",
                 kAllowedIpsSchema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto lists = [&]() -> Result<auth::AllowedIps> {
                        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
                        return auth::LoadAllowedIps(*tx, principal.org_id());
                    }();
                    if (!lists) co_return ErrorResponse(ctx, request, lists.error());
                    co_return http::JsonResponse(HttpStatus::ok, AllowedIpsJson(*lists));
                });

    reg.Console(
        {Method::put, "/api/v1/orgs/allowed-ips", Surface::kConsole, Perm::kAdminister, true, "organization",
         "Replace both allowed-IP lists; a console list that excludes the caller's own address is refused (422)",
         kAllowedIpsSchema, kAllowedIpsSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto body = ParseJsonBody(request, ctx.options);
            if (!body) co_return ErrorResponse(ctx, request, body.error());
            auto saved = [&]() -> Result<auth::AllowedIps> {
                JsonReader in(*body);
                auth::AllowedIps lists;
                lists.console = ReadEntries(in, "console");
                lists.ingestion = ReadEntries(in, "ingestion");
                in.RejectUnknown();
                WT_RETURN_IF_ERROR(in.Finish());
                std::vector<auth::Cidr> console_ranges;
                for (const auto& entry : lists.console) console_ranges.push_back(entry.cidr);
                auto own = ClientAddressOf(ctx, request);
                if (!console_ranges.empty() && (!own || !auth::Allowed(console_ranges, *own)))
                    return Error::Validation("console", fmt::format("does not include your own address ({}); saving "
                                                                    "it would lock you out of the console",
                                                                    ClientIpOf(ctx, request)));
                UnixMicros now = ctx.clock->Now();
                WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                WT_ASSIGN_OR_RETURN(auto before, auth::LoadAllowedIps(*tx, principal.org_id()));
                WT_RETURN_IF_ERROR(auth::SaveAllowedIps(*tx, principal.org_id(), lists));
                WT_RETURN_IF_ERROR(
                    audit::Append(*tx,
                                  audit::Event{principal.org_id(),
                                               principal.actor(),
                                               "allowed_ips.changed",
                                               "org:" + principal.org_id(),
                                               ClientIpOf(ctx, request),
                                               UserAgentOf(request),
                                               {{"before", AllowedIpsJson(before)}, {"after", AllowedIpsJson(lists)}}},
                                  now));
                WT_RETURN_IF_ERROR(tx->Commit());
                return lists;
            }();
            if (!saved) co_return ErrorResponse(ctx, request, saved.error());
            ctx.api_keys->Invalidate();
            co_return http::JsonResponse(HttpStatus::ok, AllowedIpsJson(*saved));
        });
}

}  // namespace wt::api::detail
