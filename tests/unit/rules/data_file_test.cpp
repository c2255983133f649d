// SPDX-License-Identifier: Apache-2.0
// The rules language tested by data files: every tests/rules/*.test case is one GoogleTest case.
//
// File format (also in docs/rules-language.md, "Tests"): cases start with `=== <name>`; then
// `key: value` lines. Lines starting with `#` and blank lines are ignored.
//   expr: <expression>          required; several expr: lines are joined with newlines
//   txn: {json}                 merged onto the base transaction below (null deletes a member;
//                               objects merge member by member)
//   history: {json}             a transaction processed before this one (repeatable, in order),
//                               also merged onto the base; external_id defaults to h<n>
//   list: <name> = a, b, c      a named list (repeatable; `list: <name> =` is an empty list)
//   known_lists: a, b           compile with a list resolver that knows only these names
//   tz: Europe/Berlin           the organization's time zone (default UTC)
//   expect: true | false        the rule's value
//   error: <line>:<col>: <msg>  the compile error, exactly
//   trace: <text> => <value>    a sub-expression (its exact source text) and its traced value
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rules/language.hpp"
#include "test_context.hpp"

namespace wt::rules {
namespace {

constexpr std::string_view kBaseTransaction = R"({
  "external_id": "t-1", "occurred_at": "2026-03-10T12:00:00Z", "amount": "1500.00", "currency": "USD",
  "direction": "outbound", "type": "transfer", "account_id": "acc-1", "customer_id": "cus-1",
  "counterparty": {"name": "Acme Trading Ltd", "account": "DE89370400440532013000", "country": "DE"},
  "channel": "web", "country": "US", "ip": "203.0.113.7", "device_id": "dev-1",
  "metadata": {"mcc": "5411", "score": 42, "ratio": 0.25, "vip": true, "nested": {"level": "gold"}, "none": null}
})";

struct Case {
    std::string file;
    int line = 0;
    std::string name;
    std::string expr;
    bool has_expr = false;
    std::string txn = "{}";
    std::vector<std::string> history;
    std::vector<std::pair<std::string, std::vector<std::string>>> lists;
    std::optional<std::vector<std::string>> known_lists;
    std::string tz;
    std::optional<std::string> expect;
    std::optional<std::string> error;
    std::vector<std::pair<std::string, std::string>> traces;
    std::string problem;  // a malformed case: reported as a failure
};

std::string Trim(std::string_view text) {
    std::size_t begin = text.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) return "";
    std::size_t end = text.find_last_not_of(" \t\r");
    return std::string(text.substr(begin, end - begin + 1));
}

std::vector<std::string> SplitComma(std::string_view text) {
    std::vector<std::string> items;
    std::string current;
    std::stringstream stream{std::string(text)};
    while (std::getline(stream, current, ',')) {
        std::string item = Trim(current);
        if (!item.empty()) items.push_back(item);
    }
    return items;
}

std::vector<Case> LoadCases() {
    std::vector<Case> cases;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(WT_RULES_TEST_DIR))
        if (entry.path().extension() == ".test") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
        std::ifstream in(path);
        std::string line;
        int line_number = 0;
        Case* current = nullptr;
        while (std::getline(in, line)) {
            ++line_number;
            if (line.empty() || line[0] == '#' || Trim(line).empty()) continue;
            if (line.rfind("===", 0) == 0) {
                cases.emplace_back();
                current = &cases.back();
                current->file = path.filename().string();
                current->line = line_number;
                current->name = Trim(line.substr(3));
                continue;
            }
            if (current == nullptr) continue;
            std::size_t colon = line.find(':');
            if (colon == std::string::npos) {
                current->problem = "line " + std::to_string(line_number) + ": expected key: value";
                continue;
            }
            std::string key = Trim(line.substr(0, colon));
            std::string value = line.substr(colon + 1);
            if (!value.empty() && value[0] == ' ') value.erase(0, 1);
            if (key == "expr") {
                current->expr += current->has_expr ? "\n" + value : value;
                current->has_expr = true;
            } else if (key == "txn") {
                current->txn = value;
            } else if (key == "history") {
                current->history.push_back(value);
            } else if (key == "list") {
                std::size_t eq = value.find('=');
                if (eq == std::string::npos) {
                    current->problem = "list: needs name = items";
                    continue;
                }
                current->lists.emplace_back(Trim(value.substr(0, eq)), SplitComma(value.substr(eq + 1)));
            } else if (key == "known_lists") {
                current->known_lists = SplitComma(value);
            } else if (key == "tz") {
                current->tz = Trim(value);
            } else if (key == "expect") {
                current->expect = Trim(value);
            } else if (key == "error") {
                current->error = Trim(value);
            } else if (key == "trace") {
                std::size_t arrow = value.rfind(" => ");
                if (arrow == std::string::npos) {
                    current->problem = "trace: needs <text> => <value>";
                    continue;
                }
                current->traces.emplace_back(value.substr(0, arrow), Trim(value.substr(arrow + 4)));
            } else {
                current->problem = "unknown key " + key;
            }
        }
    }
    return cases;
}

void Merge(boost::json::object& base, const boost::json::object& over) {
    for (const auto& member : over) {
        if (member.value().is_null()) {
            base.erase(member.key());
        } else if (member.value().is_object() && base.contains(member.key()) && base.at(member.key()).is_object()) {
            Merge(base.at(member.key()).as_object(), member.value().as_object());
        } else {
            base[member.key()] = member.value();
        }
    }
}

Result<ingest::Transaction> Build(const std::string& overrides, const std::string& default_id) {
    boost::json::object base = boost::json::parse(kBaseTransaction).as_object();
    base["external_id"] = default_id;
    boost::json::value over = boost::json::parse(overrides);
    Merge(base, over.as_object());
    return ingest::ParseTransaction(boost::json::serialize(base), testing::kParseNow);
}

std::string ErrorText(const Error& error) {
    std::string text = error.detail;
    for (const auto& field : error.fields) text += "; " + field.field + ": " + field.message;
    return text;
}

void PrintTo(const Case& test, std::ostream* out) { *out << test.file << ":" << test.line << " " << test.expr; }

class RulesDataTest : public ::testing::TestWithParam<Case> {};

TEST_P(RulesDataTest, Case) {
    const Case& test = GetParam();
    SCOPED_TRACE(test.file + ":" + std::to_string(test.line) + " " + test.name);
    ASSERT_TRUE(test.problem.empty()) << test.problem;
    ASSERT_TRUE(test.has_expr) << "no expr:";
    ASSERT_FALSE(test.expect.has_value() && test.error.has_value()) << "expect: and error: together";
    ASSERT_TRUE(test.expect || test.error || !test.traces.empty()) << "needs expect:, error: or trace:";
    CompileOptions options;
    if (test.known_lists) {
        std::vector<std::string> known = *test.known_lists;
        options.list_exists = [known](std::string_view name) {
            return std::find(known.begin(), known.end(), name) != known.end();
        };
    }
    CompileError error;
    auto rule = Compile(test.expr, options, &error);
    if (test.error) {
        ASSERT_FALSE(rule.ok()) << "compiled, expected error " << *test.error;
        EXPECT_EQ(error.ToString(), *test.error);
        ASSERT_EQ(rule.error().fields.size(), 1u);
        EXPECT_EQ(rule.error().fields[0].field, "expression");
        EXPECT_EQ(rule.error().fields[0].message, error.ToString());
        return;
    }
    ASSERT_TRUE(rule.ok()) << error.ToString();

    auto current = Build(test.txn, "t-1");
    ASSERT_TRUE(current.ok()) << "txn: " << ErrorText(current.error());
    std::vector<ingest::Transaction> past;
    for (std::size_t index = 0; index < test.history.size(); ++index) {
        auto txn = Build(test.history[index], "h" + std::to_string(index + 1));
        ASSERT_TRUE(txn.ok()) << "history " << index + 1 << ": " << ErrorText(txn.error());
        past.push_back(std::move(*txn));
    }
    testing::BruteForceContext context;
    for (const auto& txn : past) context.history.push_back(testing::ViewOf(txn));
    for (const auto& [name, items] : test.lists) context.lists[name] = items;
    if (!test.tz.empty()) {
        auto zone = TimeZone::Find(test.tz);
        ASSERT_TRUE(zone.ok()) << test.tz;
        context.zone = *zone;
    }
    TransactionView view = testing::ViewOf(*current);
    Value result = Evaluate(*rule, view, context);
    ASSERT_EQ(result.type, Type::kBool);
    if (test.expect) {
        EXPECT_EQ(result.boolean ? "true" : "false", *test.expect);
    }

    Trace trace = EvaluateWithTrace(*rule, view, context);
    EXPECT_EQ(trace.result.boolean, result.boolean) << "trace and evaluation disagree";
    for (const auto& [text, value] : test.traces) {
        auto step =
            std::find_if(trace.steps.begin(), trace.steps.end(), [&](const TraceStep& s) { return s.text == text; });
        if (step == trace.steps.end()) {
            std::string known;
            for (const auto& s : trace.steps) known += "\n  " + s.text + " => " + s.value;
            ADD_FAILURE() << "no traced sub-expression \"" << text << "\"; steps:" << known;
            continue;
        }
        EXPECT_EQ(step->value, value) << text;
    }
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
    std::string name =
        info.param.file.substr(0, info.param.file.find('.')) + "_" + std::to_string(info.param.line) + "_";
    for (char c : info.param.name) name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
    return name;
}

INSTANTIATE_TEST_SUITE_P(Rules, RulesDataTest, ::testing::ValuesIn(LoadCases()), CaseName);

TEST(RulesDataFiles, HaveAtLeast150Cases) { EXPECT_GE(LoadCases().size(), 150u); }

}  // namespace
}  // namespace wt::rules
