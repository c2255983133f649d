// SPDX-License-Identifier: Apache-2.0
// /cases*: investigations opened from alerts (docs/investigations.md "Cases"). Reads need kRead;
// creating, changing, commenting, linking alerts and uploading evidence kWorkAlerts (assigning
// others is checked per case in cases/); closing, reopening and the suspicious-activity report
// kAssignOthers ("close cases with a resolution, export reports"). Every change runs in one write
// transaction with its timeline event and audit entry and answers the case view.
#include <fmt/format.h>

#include <set>

#include "api/detail/engine_support.hpp"
#include "api/detail/support.hpp"
#include "cases/cases.hpp"
#include "cases/evidence.hpp"
#include "cases/report.hpp"
#include "common/json.hpp"
#include "crypto/crypto.hpp"

namespace wt::api::detail {
namespace {

using http::HttpStatus;
using http::Method;
using Perm = auth::Permission;

constexpr const char* kCaseListSchema =
    R"({"type":"object","properties":{"data":{"type":"array","items":{"type":"object","properties":{)"
    R"("id":{"type":"string"},"title":{"type":"string"},"status":{"type":"string","enum":["open","investigating",)"
    R"("pending_info","escalated","closed"]},"priority":{"type":"string","enum":["low","medium","high","critical"]},)"
    R"("environment":{"type":"string"},"assignee_id":{"type":["string","null"]},"created_by":{"type":"string"},)"
    R"("created_at":{"type":"string"},"updated_at":{"type":"string"},"closed_at":{"type":["string","null"]},)"
    R"("closed_by":{"type":["string","null"]},"resolution":{"type":["string","null"]},)"
    R"("alert_count":{"type":"integer"}}}},"next_cursor":{"type":["string","null"]}}})";
constexpr const char* kCaseSchema =
    R"({"type":"object","description":"a list item plus the parts below","properties":{)"
    R"("resolution_note":{"type":["string","null"]},"alerts":{"type":"array","items":{"type":"object"}},)"
    R"("transactions":{"type":"array","items":{"type":"object"},"maxItems":100,)"
    R"("description":"the alerts' transactions (linked: true) and the latest of their accounts, newest first"},)"
    R"("comments":{"type":"array","items":{"type":"object","properties":{"id":{"type":"string"},)"
    R"("author_id":{"type":"string"},"author_name":{"type":["string","null"]},"body":{"type":"string"},)"
    R"("created_at":{"type":"string"}}}},"evidence":{"type":"array","items":{"type":"object"}},)"
    R"("evidence_limits":{"type":"object"},"timeline":{"type":"array","items":{"type":"object","properties":{)"
    R"("at":{"type":"string"},"actor":{"type":"object","properties":{"id":{"type":"string"},)"
    R"("name":{"type":["string","null"]}}},"action":{"type":"string"},"details":{"type":"object"}}}}}})";
constexpr const char* kCreateSchema =
    R"({"type":"object","required":["title","alert_ids"],"properties":{"title":{"type":"string","maxLength":200},)"
    R"("alert_ids":{"type":"array","minItems":1,"maxItems":100,"uniqueItems":true,"items":{"type":"string"}},)"
    R"("assignee_id":{"type":["string","null"]},"priority":{"type":"string","enum":["low","medium","high",)"
    R"("critical"],"default":"medium"}}})";
constexpr const char* kPatchSchema =
    R"({"type":"object","properties":{"title":{"type":"string","maxLength":200},"priority":{"type":"string",)"
    R"("enum":["low","medium","high","critical"]},"status":{"type":"string","enum":["open","investigating",)"
    R"("pending_info","escalated"]},"assignee_id":{"type":["string","null"]}}})";
constexpr const char* kCommentSchema =
    R"({"type":"object","required":["body"],"properties":{"body":{"type":"string","maxLength":10000}}})";
constexpr const char* kCloseSchema =
    R"({"type":"object","required":["resolution","note"],"properties":{"resolution":{"type":"string",)"
    R"("enum":["no_action","sar_filed","customer_exited","other"]},"note":{"type":"string","maxLength":4000}}})";
constexpr const char* kReopenSchema =
    R"({"type":"object","required":["note"],"properties":{"note":{"type":"string","maxLength":4000}}})";
constexpr const char* kAlertIdsSchema =
    R"({"type":"object","required":["alert_ids"],"properties":{"alert_ids":{"type":"array","minItems":1,)"
    R"("maxItems":100,"uniqueItems":true,"items":{"type":"string"}}}})";
constexpr const char* kEvidenceSchema =
    R"({"type":"object","properties":{"id":{"type":"string"},"filename":{"type":"string"},)"
    R"("content_type":{"type":"string"},"size":{"type":"integer"},"sha256":{"type":"string"},)"
    R"("uploaded_by":{"type":"string"},"created_at":{"type":"string"}}})";

cases::Actor ActorOf(const ApiContext& ctx, const Request& request, const Principal& principal) {
    return {ChangeOf(ctx, request, principal), auth::RoleAllows(principal.session.role, Perm::kAssignOthers)};
}

std::string CaseId(const Request& request) { return std::string(request.param("id")); }

// The view a change answers, read after its commit.
Result<boost::json::object> ViewOf(ApiContext& ctx, const std::string& org_id, const std::string& case_id) {
    WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
    WT_ASSIGN_OR_RETURN(auto view, cases::GetCase(*tx, org_id, case_id));
    boost::json::array types;
    for (const auto& type : cases::EvidenceContentTypes()) types.push_back(boost::json::value(type));
    view["evidence_limits"] = boost::json::object{{"max_bytes", cases::kMaxEvidenceBytes}, {"content_types", types}};
    return view;
}

// kNotFound unless the case is the caller's organization's: checked before a body is read, so that
// another organization's case is 404 whatever the body.
Status RequireCase(ApiContext& ctx, const Principal& principal, const std::string& case_id) {
    WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
    return cases::RequireCase(*tx, principal.org_id(), case_id);
}

// The JSON body of a route on one case, read once the case is known to be the caller's.
Result<boost::json::value> CaseBody(ApiContext& ctx, const Request& request, const Principal& principal) {
    WT_RETURN_IF_ERROR(RequireCase(ctx, principal, CaseId(request)));
    return ParseJsonBody(request, ctx.options);
}

// Runs `change` in a write transaction of its own, commits, and answers the case view.
template <typename Change>
Result<boost::json::object> Apply(ApiContext& ctx, const Principal& principal, const std::string& case_id,
                                  Change&& change) {
    {
        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
        WT_RETURN_IF_ERROR(change(*tx));
        WT_RETURN_IF_ERROR(tx->Commit());
    }
    return ViewOf(ctx, principal.org_id(), case_id);
}

asio::awaitable<Response> Answer(ApiContext& ctx, const Request& request, Result<boost::json::object> answer,
                                 HttpStatus status = HttpStatus::ok) {
    if (!answer) co_return ErrorResponse(ctx, request, answer.error());
    co_return http::JsonResponse(status, *answer);
}

// `alert_ids`: 1..kMaxAlertsPerRequest distinct alert ids, each error naming its index.
std::vector<std::string> ReadAlertIds(JsonReader& in) {
    std::vector<std::string> ids;
    const auto* raw = in.Raw("alert_ids");
    const std::string shape = fmt::format("must be an array of 1 to {} alert ids", cases::kMaxAlertsPerRequest);
    if (raw == nullptr || !raw->is_array() || raw->as_array().empty() ||
        raw->as_array().size() > cases::kMaxAlertsPerRequest) {
        in.AddError("alert_ids", raw == nullptr ? std::string("is required") : shape);
        return ids;
    }
    std::set<std::string, std::less<>> seen;
    const auto& items = raw->as_array();
    for (std::size_t idx = 0; idx < items.size(); ++idx) {
        const auto* id = items[idx].if_string();
        std::string field = fmt::format("alert_ids[{}]", idx);
        if (id == nullptr || id->empty() || id->size() > 64)
            in.AddError(field, "must be an alert id");
        else if (seen.contains(*id))
            in.AddError(field, "is listed twice");
        else
            seen.emplace(*id), ids.emplace_back(*id);
    }
    return ids;
}

// A required free text (a note, a comment): 1..max characters, not only white space.
std::optional<std::string> ReadText(JsonReader& in, std::string_view field, std::size_t max_len) {
    auto text = in.RequiredString(field, 1, max_len);
    if (text && text->find_first_not_of(" \t\r\n") == std::string::npos) {
        in.AddError(field, "must not be blank");
        return std::nullopt;
    }
    return text;
}

// `assignee_id`: a user id or null (unassigned).
std::optional<std::optional<std::string>> ReadAssignee(JsonReader& in) {
    const auto* raw = in.Raw("assignee_id");
    if (raw == nullptr) return std::nullopt;
    if (raw->is_null()) return std::optional<std::string>();
    if (raw->is_string() && !raw->as_string().empty() && raw->as_string().size() <= 64)
        return std::optional<std::string>(std::string(raw->as_string()));
    in.AddError("assignee_id", "must be a user id or null");
    return std::nullopt;
}

// The query of GET /cases; `me` as assignee_id is `user_id`, `none` unassigned.
Result<cases::CaseFilter> ReadCaseFilter(const Request& request, const std::string& user_id) {
    cases::CaseFilter filter;
    std::vector<FieldError> problems;
    auto text = [&](std::string_view name) -> std::optional<std::string> {
        auto value = request.query(name);
        if (!value || value->empty()) return std::nullopt;
        if (value->size() <= 64) return value;
        problems.push_back({std::string(name), "must be at most 64 characters"});
        return std::nullopt;
    };
    filter.environment = text("environment");
    if (filter.environment && *filter.environment != "production" && *filter.environment != "sandbox")
        problems.push_back({"environment", R"(must be "production" or "sandbox")"});
    if (auto statuses = text("status")) {
        std::string_view rest = *statuses;
        while (true) {
            const auto comma = rest.find(',');
            std::string one(rest.substr(0, comma));
            if (!cases::IsCaseStatus(one)) {
                problems.push_back({"status",
                                    "must be a comma-separated list of open, investigating, pending_info, "
                                    "escalated, closed"});
                break;
            }
            filter.statuses.push_back(std::move(one));
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    filter.priority = text("priority");
    if (filter.priority && !cases::IsPriority(*filter.priority))
        problems.push_back({"priority", R"(must be one of "low", "medium", "high", "critical")"});
    filter.assignee_id = text("assignee_id");
    if (filter.assignee_id == "me") filter.assignee_id = user_id;
    if (filter.assignee_id == "none") {
        filter.assignee_id.reset();
        filter.unassigned = true;
    }
    filter.cursor = text("cursor");
    if (auto limit = ParseLimit(request); limit)
        filter.limit = *limit;
    else
        problems.insert(problems.end(), limit.error().fields.begin(), limit.error().fields.end());
    if (problems.empty()) return filter;
    Error error = Error::Make(ErrorCode::kValidationFailed, "some query parameters are invalid");
    error.fields = std::move(problems);
    return error;
}

// POST /cases/{id}/evidence: the case is checked first (another organization's is 404 whatever the
// body), then the upload; the file is stored durably before its row commits, and removed again
// when the row does not commit.
Result<boost::json::object> UploadEvidence(ApiContext& ctx, const Request& request, const Principal& principal) {
    const std::string case_id = CaseId(request);
    {
        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
        WT_RETURN_IF_ERROR(cases::RequireOpenCase(*tx, principal.org_id(), case_id));
    }
    WT_ASSIGN_OR_RETURN(auto upload,
                        cases::CheckEvidence(request.query("filename").value_or(""),
                                             request.header(http::beast_http::field::content_type), request.body()));
    cases::Evidence evidence{crypto::NewId("evd"),
                             case_id,
                             upload.filename,
                             upload.content_type,
                             static_cast<std::int64_t>(request.body().size()),
                             crypto::HexEncode(crypto::Sha256(request.body())),
                             principal.user_id(),
                             ctx.clock->Now()};
    WT_RETURN_IF_ERROR(cases::StoreEvidenceFile(ctx.data_dir, principal.org_id(), evidence.id, request.body()));
    Status recorded = [&]() -> Status {
        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
        WT_RETURN_IF_ERROR(cases::RecordEvidence(*tx, principal.org_id(), evidence, ActorOf(ctx, request, principal)));
        return tx->Commit();
    }();
    if (!recorded) {
        cases::DiscardEvidenceFile(ctx.data_dir, principal.org_id(), evidence.id);
        return recorded.error();
    }
    return boost::json::object{{"id", evidence.id},
                               {"case_id", case_id},
                               {"filename", evidence.filename},
                               {"content_type", evidence.content_type},
                               {"size", evidence.size},
                               {"sha256", evidence.sha256},
                               {"uploaded_by", evidence.uploaded_by},
                               {"created_at", FormatRfc3339(evidence.created_at)}};
}

Result<Response> DownloadEvidence(ApiContext& ctx, const Request& request, const Principal& principal) {
    cases::Evidence evidence;
    {
        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
        WT_ASSIGN_OR_RETURN(evidence, cases::FindEvidence(*tx, principal.org_id(), CaseId(request),
                                                          std::string(request.param("evidence_id"))));
    }
    WT_ASSIGN_OR_RETURN(auto bytes, cases::ReadEvidenceFile(ctx.data_dir, principal.org_id(), evidence.id));
    Response res{HttpStatus::ok, 11};
    res.set(http::beast_http::field::content_type, cases::ServedContentType(evidence.content_type));
    res.set(http::beast_http::field::content_disposition, cases::ContentDisposition(evidence.filename));
    res.body() = std::move(bytes);
    res.prepare_payload();
    return res;
}

Result<Response> SarReport(ApiContext& ctx, const Request& request, const Principal& principal) {
    boost::json::object view;
    {
        WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
        WT_ASSIGN_OR_RETURN(view, cases::ReportCase(*tx, principal.org_id(), CaseId(request),
                                                    ActorOf(ctx, request, principal)));
        WT_RETURN_IF_ERROR(tx->Commit());
    }
    const auto& user = principal.session.user;
    Response res{HttpStatus::ok, 11};
    res.set(http::beast_http::field::content_type, "text/html; charset=utf-8");
    res.body() =
        cases::RenderSarReport(view, ctx.clock->Now(), fmt::format("{} <{}> ({})", user.name, user.email, user.id));
    res.prepare_payload();
    return res;
}

}  // namespace

void RegisterCaseRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();

    RouteSpec list{Method::get,
                   "/api/v1/cases",
                   Surface::kConsole,
                   Perm::kRead,
                   false,
                   "cases",
                   "Cases newest first; filters on status (a comma list), priority, assignee (`me`, `none` for "
                   "unassigned, or a user id) and environment (default: both)",
                   "",
                   kCaseListSchema};
    list.query_parameters = {"status", "priority", "assignee_id", "environment", "limit", "cursor"};
    reg.Console(std::move(list), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        auto page = [&]() -> Result<boost::json::object> {
            WT_ASSIGN_OR_RETURN(auto filter, ReadCaseFilter(request, principal.user_id()));
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
            return cases::ListCases(*tx, principal.org_id(), filter);
        }();
        co_return co_await Answer(ctx, request, std::move(page));
    });

    reg.Console(
        {Method::post, "/api/v1/cases", Surface::kConsole, Perm::kWorkAlerts, false, "cases",
         "Open a case from 1 to 100 alerts of one environment, none of them in a case yet (409 otherwise); ids that "
         "are not the organization's alerts are a 422 naming them (`alert_ids[i]`). Linked alerts still open or in "
         "review become escalated. An ANALYST may assign only themselves",
         kCreateSchema, kCaseSchema, 201},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto created = [&]() -> Result<boost::json::object> {
                WT_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request, ctx.options));
                JsonReader in(body);
                cases::NewCase input;
                auto title = ReadText(in, "title", cases::kMaxTitleLength);
                input.alert_ids = ReadAlertIds(in);
                auto assignee = ReadAssignee(in);
                if (assignee) input.assignee_id = *assignee;
                auto priority = in.OptionalString("priority", 1, 20);
                if (priority && !cases::IsPriority(*priority))
                    in.AddError("priority", R"(must be one of "low", "medium", "high", "critical")");
                in.RejectUnknown();
                WT_RETURN_IF_ERROR(in.Finish());
                input.title = *title;
                if (priority) input.priority = *priority;
                std::string id;
                auto create = [&](storage::Transaction& tx) -> Status {
                    WT_ASSIGN_OR_RETURN(
                        id, cases::CreateCase(tx, principal.org_id(), input, ActorOf(ctx, request, principal)));
                    return Ok();
                };
                {
                    WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kWrite));
                    WT_RETURN_IF_ERROR(create(*tx));
                    WT_RETURN_IF_ERROR(tx->Commit());
                }
                return ViewOf(ctx, principal.org_id(), id);
            }();
            co_return co_await Answer(ctx, request, std::move(created), HttpStatus::created);
        });

    reg.Console({Method::get, "/api/v1/cases/{id}", Surface::kConsole, Perm::kRead, false, "cases",
                 "One case with its alerts, related transactions (at most 100), comments, evidence and timeline", "",
                 kCaseSchema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    co_return co_await Answer(ctx, request, ViewOf(ctx, principal.org_id(), CaseId(request)));
                });

    reg.Console(
        {Method::patch, "/api/v1/cases/{id}", Surface::kConsole, Perm::kWorkAlerts, false, "cases",
         "Change title, priority, status (not closed: see /close) or assignee_id (null unassigns; an ANALYST takes an "
         "unassigned case or gives back their own, RISK_LEAD and ADMIN assign any member). A closed case is 409",
         kPatchSchema, kCaseSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto changed = [&]() -> Result<boost::json::object> {
                WT_ASSIGN_OR_RETURN(auto body, CaseBody(ctx, request, principal));
                JsonReader in(body);
                cases::CaseChange change;
                change.title = in.OptionalString("title", 0, cases::kMaxTitleLength + 1);
                change.priority = in.OptionalString("priority", 1, 20);
                change.status = in.OptionalString("status", 1, 20);
                change.assignee_id = ReadAssignee(in);
                in.RejectUnknown();
                WT_RETURN_IF_ERROR(in.Finish());
                WT_RETURN_IF_ERROR(cases::ValidateCaseChange(change));
                return Apply(ctx, principal, CaseId(request), [&](storage::Transaction& tx) {
                    return cases::UpdateCase(tx, principal.org_id(), CaseId(request), change,
                                             ActorOf(ctx, request, principal));
                });
            }();
            co_return co_await Answer(ctx, request, std::move(changed));
        });

    reg.Console({Method::post, "/api/v1/cases/{id}/comments", Surface::kConsole, Perm::kWorkAlerts, false, "cases",
                 "Add a comment (1 to 10000 characters) to an open case; answers the case view", kCommentSchema,
                 kCaseSchema, 201},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto commented = [&]() -> Result<boost::json::object> {
                        WT_ASSIGN_OR_RETURN(auto body, CaseBody(ctx, request, principal));
                        JsonReader in(body);
                        auto text = ReadText(in, "body", cases::kMaxCommentLength);
                        in.RejectUnknown();
                        WT_RETURN_IF_ERROR(in.Finish());
                        return Apply(ctx, principal, CaseId(request), [&](storage::Transaction& tx) -> Status {
                            WT_RETURN_IF_ERROR(cases::AddComment(tx, principal.org_id(), CaseId(request), *text,
                                                                 ActorOf(ctx, request, principal)));
                            return Ok();
                        });
                    }();
                    co_return co_await Answer(ctx, request, std::move(commented), HttpStatus::created);
                });

    reg.Console({Method::post, "/api/v1/cases/{id}/close", Surface::kConsole, Perm::kAssignOthers, false, "cases",
                 "Close an open case (any status) with a resolution and a note; RISK_LEAD and ADMIN only. A closed "
                 "case is read-only except for reopening",
                 kCloseSchema, kCaseSchema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto closed = [&]() -> Result<boost::json::object> {
                        WT_ASSIGN_OR_RETURN(auto body, CaseBody(ctx, request, principal));
                        JsonReader in(body);
                        auto resolution = in.RequiredString("resolution", 1, 20);
                        if (resolution && !cases::IsResolution(*resolution))
                            in.AddError("resolution",
                                        R"(must be one of "no_action", "sar_filed", "customer_exited", "other")");
                        auto note = ReadText(in, "note", cases::kMaxNoteLength);
                        in.RejectUnknown();
                        WT_RETURN_IF_ERROR(in.Finish());
                        return Apply(ctx, principal, CaseId(request), [&](storage::Transaction& tx) {
                            return cases::CloseCase(tx, principal.org_id(), CaseId(request), *resolution, *note,
                                                    ActorOf(ctx, request, principal));
                        });
                    }();
                    co_return co_await Answer(ctx, request, std::move(closed));
                });

    reg.Console({Method::post, "/api/v1/cases/{id}/reopen", Surface::kConsole, Perm::kAssignOthers, false, "cases",
                 "Reopen a closed case (to open, resolution cleared; the timeline keeps it) with a note; RISK_LEAD "
                 "and ADMIN only",
                 kReopenSchema, kCaseSchema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto reopened = [&]() -> Result<boost::json::object> {
                        WT_ASSIGN_OR_RETURN(auto body, CaseBody(ctx, request, principal));
                        JsonReader in(body);
                        auto note = ReadText(in, "note", cases::kMaxNoteLength);
                        in.RejectUnknown();
                        WT_RETURN_IF_ERROR(in.Finish());
                        return Apply(ctx, principal, CaseId(request), [&](storage::Transaction& tx) {
                            return cases::ReopenCase(tx, principal.org_id(), CaseId(request), *note,
                                                     ActorOf(ctx, request, principal));
                        });
                    }();
                    co_return co_await Answer(ctx, request, std::move(reopened));
                });

    reg.Console({Method::post, "/api/v1/cases/{id}/alerts", Surface::kConsole, Perm::kWorkAlerts, false, "cases",
                 "Link more alerts (1 to 100, the case's environment, in no case yet); the rules of POST /cases apply",
                 kAlertIdsSchema, kCaseSchema},
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto linked = [&]() -> Result<boost::json::object> {
                        WT_ASSIGN_OR_RETURN(auto body, CaseBody(ctx, request, principal));
                        JsonReader in(body);
                        auto ids = ReadAlertIds(in);
                        in.RejectUnknown();
                        WT_RETURN_IF_ERROR(in.Finish());
                        return Apply(ctx, principal, CaseId(request), [&](storage::Transaction& tx) {
                            return cases::AddAlerts(tx, principal.org_id(), CaseId(request), ids,
                                                    ActorOf(ctx, request, principal));
                        });
                    }();
                    co_return co_await Answer(ctx, request, std::move(linked));
                });

    reg.Console(
        {Method::delete_, "/api/v1/cases/{id}/alerts/{alert_id}", Surface::kConsole, Perm::kWorkAlerts, false, "cases",
         "Unlink one alert (its status stays); the last alert of a case cannot be removed (409)", "", kCaseSchema},
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            auto unlinked = Apply(ctx, principal, CaseId(request), [&](storage::Transaction& tx) {
                return cases::RemoveAlert(tx, principal.org_id(), CaseId(request),
                                          std::string(request.param("alert_id")), ActorOf(ctx, request, principal));
            });
            co_return co_await Answer(ctx, request, std::move(unlinked));
        });

    RouteSpec upload{
        Method::post,
        "/api/v1/cases/{id}/evidence",
        Surface::kConsole,
        Perm::kWorkAlerts,
        false,
        "cases",
        "Upload an evidence file: the raw bytes as the body with their Content-Type (application/pdf, "
        "image/png, image/jpeg, image/gif, text/plain, text/csv, application/json; others 415) and ?filename= (its "
        "extension must fit the type). At most 10 MiB (413). The first bytes must match the type. "
        "Evidence cannot be deleted",
        "",
        kEvidenceSchema,
        201};
    upload.query_parameters = {"filename"};
    upload.raw_request_media_types = cases::EvidenceContentTypes();
    reg.Console(
        std::move(upload),
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            // Up to 10 MiB written and fsynced: off the I/O thread.
            std::function<Result<boost::json::object>()> store = [&]() {
                return UploadEvidence(ctx, request, principal);
            };
            auto uploaded = co_await OnQueryPool(ctx, principal.user_id(), std::move(store));
            co_return co_await Answer(ctx, request, std::move(uploaded), HttpStatus::created);
        },
        cases::kMaxEvidenceBytes);

    RouteSpec download{Method::get, "/api/v1/cases/{id}/evidence/{evidence_id}", Surface::kConsole, Perm::kRead,
                       false, "cases",
                       "Download an evidence file (its bytes, Content-Disposition: attachment, the stored "
                       "Content-Type)",
                       "", ""};
    download.response_media_type = "*/*";
    reg.Console(
        std::move(download),
        [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
            // Up to 10 MiB read from disk: off the I/O thread, like the upload.
            std::function<Result<Response>()> read = [&]() { return DownloadEvidence(ctx, request, principal); };
            auto file = co_await OnQueryPool(ctx, principal.user_id(), std::move(read));
            if (!file) co_return ErrorResponse(ctx, request, file.error());
            co_return std::move(*file);
        });

    RouteSpec report{Method::get, "/api/v1/cases/{id}/report", Surface::kConsole, Perm::kAssignOthers, false, "cases",
                     "The suspicious-activity report of a case closed with resolution sar_filed (409 otherwise): a "
                     "printable HTML page (text/html), audited as case.report_generated",
                     "", ""};
    report.response_media_type = "text/html";
    reg.Console(std::move(report),
                [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
                    auto report = SarReport(ctx, request, principal);
                    if (!report) co_return ErrorResponse(ctx, request, report.error());
                    co_return std::move(*report);
                });
}

}  // namespace wt::api::detail
