// SPDX-License-Identifier: Apache-2.0
// /dashboard, /reports/summary, /reports/export (issue 7 parts 3-4; docs/reports.md). Thin: the
// figures and the CSV come from src/reports.
#include <fmt/format.h>

#include "api/detail/support.hpp"
#include "auth/roles.hpp"
#include "orgs/organizations.hpp"
#include "reports/dashboard.hpp"
#include "reports/exports.hpp"

namespace wt::api::detail {

namespace {

using auth::Permission;
using http::HttpStatus;
using http::Method;

constexpr const char* kDashboardSchema =
    R"({"type":"object","properties":{"from":{"type":"string","format":"date-time"},)"
    R"("to":{"type":"string","format":"date-time"},"environment":{"type":"string"},)"
    R"("bucket":{"type":"string","enum":["hour","day"]},"transactions":{"type":"object"},)"
    R"("series":{"type":"array","items":{"type":"object","properties":{"start":{"type":"string"},)"
    R"("decision":{"type":"string"},"currency":{"type":"string"},"count":{"type":"integer"},)"
    R"("amount":{"type":"string"}}}},"alerts":{"type":"object"},"open_work":{"type":"object"},)"
    R"("triage":{"type":"object"},"false_positive_rate":{"type":"array","items":{"type":"object"}}}})";
constexpr const char* kSummarySchema =
    R"({"type":"object","properties":{"from":{"type":"string","format":"date-time"},)"
    R"("to":{"type":"string","format":"date-time"},"environment":{"type":"string"},)"
    R"("transactions":{"type":"object"},"alerts":{"type":"object"},"cases":{"type":"object"},)"
    R"("triage":{"type":"object"}}})";
constexpr const char* kCsvSchema =
    R"({"type":"string","description":"charset=utf-8, RFC 4180, streamed in chunks"})";

reports::PeriodParams PeriodParamsOf(const Request& request) {
    return {request.query("from"), request.query("to"), request.query("environment"), request.query("bucket")};
}

// The export's parameters: the period, `kind` (default transactions) and `format` (csv only).
Result<std::pair<reports::ExportKind, reports::Period>> ReadExport(const Request& request, UnixMicros now) {
    std::vector<FieldError> problems;
    std::optional<reports::ExportKind> kind = reports::ExportKind::kTransactions;
    if (auto kind_text = request.query("kind"); kind_text && !kind_text->empty())
        if (!(kind = reports::ParseExportKind(*kind_text)))
            problems.push_back({"kind", "must be \"transactions\", \"alerts\", \"cases\" or \"audit\""});
    if (auto format = request.query("format"); format && !format->empty() && *format != "csv")
        problems.push_back({"format", "must be \"csv\""});
    reports::PeriodParams params = PeriodParamsOf(request);
    params.bucket.reset();
    auto period = reports::ParsePeriod(params, now);
    if (!period) problems.insert(problems.end(), period.error().fields.begin(), period.error().fields.end());
    if (!problems.empty()) {
        Error error = Error::Make(ErrorCode::kValidationFailed, "some query parameters are invalid");
        error.fields = std::move(problems);
        return error;
    }
    return std::pair{*kind, std::move(*period)};
}

Status AuditExport(ApiContext& ctx, const Request& request, const Principal& principal, reports::ExportKind kind,
                   const reports::Period& period) {
    audit::Event event{principal.org_id(),
                       principal.actor(),
                       "report.exported",
                       fmt::format("report:{}", reports::ExportKindName(kind)),
                       ClientIpOf(ctx, request),
                       UserAgentOf(request),
                       {{"kind", reports::ExportKindName(kind)},
                        {"from", FormatRfc3339(period.from)},
                        {"to", FormatRfc3339(period.to)},
                        {"environment", period.environment}}};
    return audit::AppendNow(ctx.db, event, ctx.clock->Now());
}

}  // namespace

void RegisterReportRoutes(Registrar& reg) {
    ApiContext& ctx = reg.ctx();

    RouteSpec dashboard{Method::get,
                        "/api/v1/dashboard",
                        Surface::kConsole,
                        Permission::kRead,
                        false,
                        "reports",
                        "Dashboard of one environment (default production) for a period (default the last 30 days, "
                        "widened to whole UTC hours): volume and value by decision over time (hour buckets, or days "
                        "of the organization's time zone), alerts by severity and rule, open and overdue work by assignee, median times to "
                        "triage and close, false-positive rate per rule",
                        "",
                        kDashboardSchema};
    dashboard.query_parameters = {"from", "to", "environment", "bucket"};
    reg.Console(std::move(dashboard), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        std::function<Result<boost::json::object>()> build = [&]() -> Result<boost::json::object> {
            const UnixMicros now = ctx.clock->Now();
            WT_ASSIGN_OR_RETURN(auto period, reports::ParseRollupPeriod(PeriodParamsOf(request), now));
            const auto settings = orgs::SettingsFromText(principal.session.org_settings_json);
            period.time_zone = settings.time_zone;
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
            return reports::BuildDashboard(*tx, principal.org_id(), period, settings.alert_sla_hours, now);
        };
        auto figures = co_await OnQueryPool(ctx, principal.user_id(), std::move(build));
        if (!figures) co_return ErrorResponse(ctx, request, figures.error());
        co_return http::JsonResponse(HttpStatus::ok, std::move(*figures));
    });

    RouteSpec summary{Method::get,
                      "/api/v1/reports/summary",
                      Surface::kConsole,
                      Permission::kRead,
                      false,
                      "reports",
                      "Summary of a period (default the last 30 days, widened to whole UTC hours) in one environment: "
                      "transactions by decision with values per currency, alerts raised and closed, cases opened and "
                      "closed by resolution, SARs filed, median times to triage and close",
                      "",
                      kSummarySchema};
    summary.query_parameters = {"from", "to", "environment"};
    reg.Console(std::move(summary), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        std::function<Result<boost::json::object>()> build = [&]() -> Result<boost::json::object> {
            reports::PeriodParams params = PeriodParamsOf(request);
            params.bucket.reset();
            WT_ASSIGN_OR_RETURN(auto period, reports::ParseRollupPeriod(params, ctx.clock->Now()));
            WT_ASSIGN_OR_RETURN(auto tx, ctx.db.Begin(storage::TxMode::kRead));
            return reports::BuildSummary(*tx, principal.org_id(), period);
        };
        auto figures = co_await OnQueryPool(ctx, principal.user_id(), std::move(build));
        if (!figures) co_return ErrorResponse(ctx, request, figures.error());
        co_return http::JsonResponse(HttpStatus::ok, std::move(*figures));
    });

    RouteSpec csv{Method::get,
                  "/api/v1/reports/export",
                  Surface::kConsole,
                  Permission::kAssignOthers,
                  false,
                  "reports",
                  "CSV export (text/csv; charset=utf-8, RFC 4180, cells that a spreadsheet would run as a formula "
                  "prefixed with ') of transactions (by occurred_at), alerts (by created_at), cases (by created_at) "
                  "or the audit log (by time; needs the audit permission too; default kind: transactions) for a period (default the last 30 "
                  "days), streamed in chunks; audited as report.exported before the first byte",
                  "",
                  kCsvSchema};
    csv.query_parameters = {"kind", "format", "from", "to", "environment"};
    csv.response_media_type = "text/csv";
    reg.Console(std::move(csv), [&ctx](Request& request, Principal& principal) -> asio::awaitable<Response> {
        auto parsed = ReadExport(request, ctx.clock->Now());
        if (!parsed) co_return ErrorResponse(ctx, request, parsed.error());
        auto [kind, period] = std::move(*parsed);
        if (kind == reports::ExportKind::kAudit && !auth::RoleAllows(principal.session.role, Permission::kReadAudit)) {
            AuditRefusal(ctx, request, principal.org_id(), principal.actor(), principal.session.session.id,
                         "read_audit permission needed to export the audit log");
            co_return ErrorResponse(ctx, request,
                                    Error::Make(ErrorCode::kForbidden, "exporting the audit log needs the audit "
                                                                       "permission"));
        }
        if (auto audited = AuditExport(ctx, request, principal, kind, period); !audited)
            co_return ErrorResponse(ctx, request, audited.error());
        // Everything the producer needs is owned by it: it runs after this handler has returned.
        auto producer = std::make_shared<reports::CsvExport>(ctx.db, principal.org_id(), kind, period);
        request.SetBodyProducer([producer](std::string& chunk) { return producer->Next(chunk); });
        Response res{HttpStatus::ok, 11};
        res.set(http::beast_http::field::content_type, "text/csv; charset=utf-8");
        res.set(http::beast_http::field::content_disposition,
                fmt::format("attachment; filename=\"{}\"", reports::ExportFileName(kind, period)));
        co_return res;
    });
}

}  // namespace wt::api::detail
