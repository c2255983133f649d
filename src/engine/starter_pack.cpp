// SPDX-License-Identifier: Apache-2.0
#include "engine/starter_pack.hpp"

#include <algorithm>

namespace wt::engine {
namespace {

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 24 * kHour;

// FATF "high-risk and other monitored jurisdictions" style starting list; organizations edit it.
constexpr std::string_view kHighRiskCountries[] = {"AF", "CU", "IR", "KP", "MM", "SY", "YE"};
constexpr TemplateList kHighRiskList[] = {
    {"high_risk_countries", "Countries whose counterparties need enhanced due diligence (ISO 3166-1 alpha-2)",
     kHighRiskCountries}};
constexpr TemplateList kSanctionsList[] = {
    {"sanctioned_names", "Names to screen counterparties against (fill from your sanctions screening source)", {}}};

constexpr RuleTemplate kTemplates[] = {
    {"structuring", "Structuring: repeated cash deposits just under 10,000 USD",
     "Cash split into deposits just under the reporting threshold to avoid a currency transaction report.",
     "A second (or later) inbound USD cash deposit between 8,000 and 9,999.99 within 24 hours on one account.",
     R"(type == "cash" and direction == "inbound" and currency == "USD" and amount between 8000 and 9999.99
  and count(by: account_id, window: 24h,
            where: type == "cash" and direction == "inbound" and currency == "USD"
                   and amount between 8000 and 9999.99) >= 1)",
     Severity::kHigh, RuleAction::kReview, 40, kDay, {}},
    {"velocity-burst", "Velocity burst: 9+ outbound payments in 10 minutes",
     "Account takeover or card testing: many outbound payments in a few minutes.",
     "The ninth (or later) outbound transaction of one account within 10 minutes.",
     R"(direction == "outbound"
  and count(by: account_id, window: 10m, where: direction == "outbound") >= 8)",
     Severity::kMedium, RuleAction::kAlert, 20, kHour, {}},
    {"high-risk-geography", "High-risk geography: payment to a high-risk country",
     "Funds sent to a counterparty in a jurisdiction under sanctions or with strategic AML deficiencies.",
     "Any outbound transaction whose counterparty country is in the list high_risk_countries.",
     R"(direction == "outbound" and counterparty.country in list("high_risk_countries"))", Severity::kHigh,
     RuleAction::kReview, 50, std::nullopt, kHighRiskList},
    {"round-amounts", "Round amounts: 3+ outbound transfers of whole thousands in 3 days",
     "Round-figure transfers are typical of layering and of payments that are not for goods or services.",
     "The third (or later) outbound wire or transfer of a whole multiple of 1,000 (at least 1,000) from one "
     "account within 3 days.",
     R"(direction == "outbound" and type in ["wire", "transfer"] and amount >= 1000
  and round(amount / 1000) * 1000 == amount
  and count(by: account_id, window: 3d,
            where: direction == "outbound" and type in ["wire", "transfer"] and amount >= 1000
                   and round(amount / 1000) * 1000 == amount) >= 2)",
     Severity::kMedium, RuleAction::kAlert, 15, 3 * kDay, {}},
    {"pass-through", "Pass-through: money out soon after about as much came in",
     "A mule or funnel account: incoming funds leave again within hours, nearly in full.",
     "An outbound wire of at least 1,000 that is 85-100 % of the largest inbound amount of the same account in "
     "the previous 7 hours.",
     R"(direction == "outbound" and type == "wire" and amount >= 1000
  and amount between 0.85 * max(amount, by: account_id, window: 7h, where: direction == "inbound")
                 and max(amount, by: account_id, window: 7h, where: direction == "inbound"))",
     Severity::kHigh, RuleAction::kReview, 40, kDay, {}},
    {"dormant-reactivation", "Dormant reactivation: an old account silent for 120 days moves money",
     "A long-silent account suddenly used again, often after a takeover or a sale to a money mule.",
     "A transaction above 1,000 on an account first seen more than 120 days ago with no transaction in the "
     "previous 120 days.",
     R"(amount > 1000 and account_age() > 120d and count(by: account_id, window: 120d) == 0)", Severity::kMedium,
     RuleAction::kReview, 30, 7 * kDay, {}},
    {"new-counterparty-large", "New counterparty with a large amount",
     "A payment far larger than usual to a payee the account never paid before (fraud, authorised push payment "
     "scams).",
     "An outbound wire or transfer to a counterparty the account has not paid in 180 days, more than 20 times the "
     "smallest wire/transfer the account sent in 30 days (a floor of its usual size that one earlier large "
     "payment does not move, unlike an average), on an account with at least 3 transactions in 30 days.",
     R"(direction == "outbound" and type in ["wire", "transfer"] and counterparty.name is not null
  and count(by: [account_id, counterparty.name], window: 180d) == 0
  and count(by: account_id, window: 30d) >= 3
  and amount > 20 * min(amount, by: account_id, window: 30d,
                        where: direction == "outbound" and type in ["wire", "transfer"]))",
     Severity::kHigh, RuleAction::kReview, 35, std::nullopt, {}},
    {"sanctions-name-match", "Sanctions list name match",
     "A counterparty whose name closely matches a name on the organization's screening list.",
     "Any transaction whose counterparty name has a Jaro-Winkler similarity of at least 0.92 with a name of "
     "the list sanctioned_names (empty until you fill it).",
     R"(counterparty.name is not null and similarity(counterparty.name, list("sanctioned_names")) >= 0.92)",
     Severity::kCritical, RuleAction::kBlock, 100, std::nullopt, kSanctionsList},
};

}  // namespace

std::span<const RuleTemplate> StarterPack() { return kTemplates; }

const RuleTemplate* FindTemplate(std::string_view key) {
    for (const auto& rule_template : kTemplates)
        if (rule_template.key == key) return &rule_template;
    return nullptr;
}

Result<EnabledPack> EnableStarterPack(storage::Transaction& tx, std::string_view org_id,
                                      const std::vector<std::string>& keys, RuleStatus status, const Change& change) {
    std::vector<const RuleTemplate*> chosen;
    if (keys.empty()) {
        for (const auto& rule_template : kTemplates) chosen.push_back(&rule_template);
    } else {
        std::vector<FieldError> unknown;
        for (std::size_t idx = 0; idx < keys.size(); ++idx) {
            const RuleTemplate* found = FindTemplate(keys[idx]);
            if (found == nullptr)
                unknown.push_back({"templates[" + std::to_string(idx) + "]", "is not a starter pack template"});
            else if (std::find(chosen.begin(), chosen.end(), found) == chosen.end())
                chosen.push_back(found);
        }
        if (!unknown.empty()) {
            Error error = Error::Make(ErrorCode::kValidationFailed, "unknown starter pack templates");
            error.fields = std::move(unknown);
            return error;
        }
    }
    EnabledPack pack;
    const std::string org(org_id);
    for (const RuleTemplate* rule_template : chosen) {
        WT_ASSIGN_OR_RETURN(auto taken, tx.QueryOne("SELECT id FROM rules WHERE org_id = $1 AND name = $2",
                                                     {storage::Text(org), storage::Text(std::string(rule_template->name))}));
        if (taken) {
            pack.skipped.emplace_back(std::string(rule_template->key), "a rule with this name exists");
            continue;
        }
        for (const TemplateList& list : rule_template->lists) {
            WT_ASSIGN_OR_RETURN(auto exists, tx.QueryOne("SELECT id FROM lists WHERE org_id = $1 AND name = $2",
                                                          {storage::Text(org), storage::Text(std::string(list.name))}));
            if (exists) continue;
            WT_ASSIGN_OR_RETURN(NamedList created,
                                CreateList(tx, org_id, ListInput{std::string(list.name), std::string(list.description)},
                                           change));
            if (!list.items.empty()) {
                std::vector<std::string> items(list.items.begin(), list.items.end());
                WT_RETURN_IF_ERROR(AddItems(tx, org_id, created.id, items, change));
                created.items = std::move(items);
            }
            pack.lists_created.push_back(std::move(created));
        }
        RuleInput input;
        input.name = std::string(rule_template->name);
        input.description = std::string(rule_template->description);
        input.expression = std::string(rule_template->expression);
        input.severity = std::string(SeverityName(rule_template->severity));
        input.action = std::string(RuleActionName(rule_template->action));
        input.score = rule_template->score;
        input.status = std::string(RuleStatusName(status));
        input.suppression_seconds = rule_template->suppression_seconds;
        WT_ASSIGN_OR_RETURN(Rule rule, CreateRule(tx, org_id, input, change));
        pack.created.push_back(std::move(rule));
    }
    return pack;
}

}  // namespace wt::engine
