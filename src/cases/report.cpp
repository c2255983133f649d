// SPDX-License-Identifier: Apache-2.0
#include "cases/report.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "common/html.hpp"
#include "common/json.hpp"

namespace wt::cases {
namespace {

// The text of a JSON value as shown in the report: strings as they are, null as a dash.
std::string TextOf(const boost::json::value* value) {
    if (value == nullptr || value->is_null()) return "—";
    if (value->is_string()) return std::string(value->as_string());
    if (value->is_bool()) return value->as_bool() ? "yes" : "no";
    return boost::json::serialize(*value);
}

std::string Field(const boost::json::object& object, std::string_view name) { return TextOf(object.if_contains(name)); }

const boost::json::array& ArrayOf(const boost::json::object& object, std::string_view name) {
    static const boost::json::array kEmpty;
    const auto* value = object.if_contains(name);
    return value != nullptr && value->is_array() ? value->as_array() : kEmpty;
}

// Escaped text with its line breaks kept (no inline style may say `white-space: pre-wrap`).
std::string Paragraphs(std::string_view text) {
    std::string escaped = HtmlEscape(text);
    std::string out;
    for (char c : escaped) out += c == '\n' ? std::string("<br>\n") : std::string(1, c);
    return out;
}

class Page {
  public:
    void Heading(std::string_view level, std::string_view text) {
        html_ += fmt::format("<{0}>{1}</{0}>\n", level, HtmlEscape(text));
    }
    // A table of escaped cells; `header` names the columns.
    void Table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
        html_ += "<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\">\n<tr>";
        for (const auto& name : header) html_ += "<th>" + HtmlEscape(name) + "</th>";
        html_ += "</tr>\n";
        for (const auto& row : rows) {
            html_ += "<tr>";
            for (const auto& cell : row) html_ += "<td>" + HtmlEscape(cell) + "</td>";
            html_ += "</tr>\n";
        }
        if (rows.empty()) html_ += fmt::format("<tr><td colspan=\"{}\">none</td></tr>\n", header.size());
        html_ += "</table>\n";
    }
    // A two-column table of labels and values.
    void Facts(const std::vector<std::pair<std::string, std::string>>& facts) {
        html_ += "<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\">\n";
        for (const auto& [label, value] : facts)
            html_ +=
                fmt::format("<tr><th align=\"left\">{}</th><td>{}</td></tr>\n", HtmlEscape(label), HtmlEscape(value));
        html_ += "</table>\n";
    }
    void Raw(std::string_view html) { html_ += html; }
    std::string Take() { return std::move(html_); }

  private:
    std::string html_;
};

}  // namespace


std::string RenderSarReport(const boost::json::object& view, UnixMicros generated_at, std::string_view generated_by) {
    std::map<std::string, std::string> names;  // user id -> "Name <email>"
    if (const auto* known = view.if_contains("user_names"); known != nullptr && known->is_object())
        for (const auto& [id, name] : known->as_object()) names[std::string(id)] = TextOf(&name);
    auto person = [&](std::string_view field) {
        std::string id = Field(view, field);
        auto it = names.find(id);
        return it == names.end() ? id : fmt::format("{} ({})", it->second, id);
    };
    std::string organization = "—";
    if (const auto* org = view.if_contains("organization"); org != nullptr && org->is_object())
        organization = fmt::format("{} ({})", Field(org->as_object(), "name"), Field(org->as_object(), "id"));

    Page page;
    page.Raw(
        fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; base-uri 'none'; "
                    "form-action 'none'\">\n<meta name=\"robots\" content=\"noindex\">\n"
                    "<title>Suspicious activity report — case {}</title>\n</head>\n<body>\n",
                    HtmlEscape(Field(view, "id"))));
    page.Heading("h1", "Suspicious activity report");
    page.Facts({{"Filing organization", organization},
                {"Case", Field(view, "id")},
                {"Title", Field(view, "title")},
                {"Environment", Field(view, "environment")},
                {"Priority", Field(view, "priority")},
                {"Resolution", Field(view, "resolution")},
                {"Opened", fmt::format("{} by {}", Field(view, "created_at"), person("created_by"))},
                {"Assignee", person("assignee_id")},
                {"Closed", fmt::format("{} by {}", Field(view, "closed_at"), person("closed_by"))},
                {"Report generated", fmt::format("{} by {}", FormatRfc3339(generated_at), generated_by)}});

    // Subjects: the accounts of the alerts, with what the transactions say about them.
    const auto& transactions = ArrayOf(view, "transactions");
    std::map<std::string, std::pair<std::string, int>> subjects;  // entity -> customers, alerts
    for (const auto& alert : ArrayOf(view, "alerts")) subjects[Field(alert.as_object(), "entity_key")].second++;
    for (auto& [entity, facts] : subjects) {
        std::set<std::string> customers;
        for (const auto& transaction : transactions)
            if ("account:" + Field(transaction.as_object(), "account_id") == entity &&
                !transaction.as_object().at("customer_id").is_null())
                customers.insert(Field(transaction.as_object(), "customer_id"));
        for (const auto& customer : customers) facts.first += (facts.first.empty() ? "" : ", ") + customer;
        if (facts.first.empty()) facts.first = "—";
    }
    page.Heading("h2", "Subjects");
    std::vector<std::vector<std::string>> subject_rows;
    for (const auto& [entity, facts] : subjects)
        subject_rows.push_back({entity, facts.first, std::to_string(facts.second)});
    page.Table({"Entity", "Customers", "Alerts"}, subject_rows);

    page.Heading("h2", "Transactions");
    std::vector<std::vector<std::string>> transaction_rows;
    for (const auto& value : transactions) {
        const auto& transaction = value.as_object();
        std::string counterparty = "—";
        if (const auto* party = transaction.if_contains("counterparty"); party != nullptr && party->is_object())
            counterparty = fmt::format("{} / {} / {}", Field(party->as_object(), "name"),
                                       Field(party->as_object(), "account"), Field(party->as_object(), "country"));
        transaction_rows.push_back(
            {Field(transaction, "occurred_at"), Field(transaction, "external_id"), Field(transaction, "account_id"),
             Field(transaction, "direction"), Field(transaction, "type"),
             fmt::format("{} {}", Field(transaction, "amount"), Field(transaction, "currency")), counterparty,
             Field(transaction, "country"), Field(transaction, "decision"), Field(transaction, "linked")});
    }
    page.Table({"Occurred", "External id", "Account", "Direction", "Type", "Amount",
                "Counterparty (name / account / country)", "Country", "Decision", "Alerted"},
               transaction_rows);

    page.Heading("h2", "Alerts");
    std::vector<std::vector<std::string>> alert_rows;
    for (const auto& value : ArrayOf(view, "alerts")) {
        const auto& alert = value.as_object();
        alert_rows.push_back({Field(alert, "id"), Field(alert, "rule_name"), Field(alert, "severity"),
                              Field(alert, "status"), Field(alert, "disposition"), Field(alert, "transaction_id"),
                              Field(alert, "created_at")});
    }
    page.Table({"Alert", "Rule", "Severity", "Status", "Disposition", "Transaction", "Raised"}, alert_rows);

    page.Heading("h2", "Narrative");
    page.Heading("h3", "Resolution note");
    page.Raw("<p>" + Paragraphs(Field(view, "resolution_note")) + "</p>\n");
    page.Heading("h3", "Comments");
    for (const auto& value : ArrayOf(view, "comments")) {
        const auto& comment = value.as_object();
        page.Raw(fmt::format("<p><b>{} — {}</b><br>\n{}</p>\n", HtmlEscape(Field(comment, "author_name")),
                             HtmlEscape(Field(comment, "created_at")), Paragraphs(Field(comment, "body"))));
    }

    page.Heading("h2", "Timeline");
    std::vector<std::vector<std::string>> event_rows;
    for (const auto& value : ArrayOf(view, "timeline")) {
        const auto& event = value.as_object();
        std::string actor = "—";
        if (const auto* who = event.if_contains("actor"); who != nullptr && who->is_object())
            actor = fmt::format("{} ({})", Field(who->as_object(), "name"), Field(who->as_object(), "id"));
        const auto* details = event.if_contains("details");
        event_rows.push_back({Field(event, "at"), actor, Field(event, "action"),
                              details != nullptr ? boost::json::serialize(*details) : "{}"});
    }
    page.Table({"At", "Actor", "Action", "Details"}, event_rows);
    page.Raw("</body>\n</html>\n");
    return page.Take();
}

}  // namespace wt::cases
