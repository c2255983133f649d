// SPDX-License-Identifier: Apache-2.0
/// The starter pack: documented rule templates for common typologies (docs/rules-language.md
/// "Starter pack") that an organization enables with one call (`POST /rules/starter-pack`).
/// Thresholds are starting points to tune with backtests, not advice.
/// Threading: constant data.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <string>
#include <vector>

#include "common/result.hpp"
#include "engine/catalog.hpp"
#include "engine/records.hpp"
#include "storage/database.hpp"

namespace wt::engine {

/// A named list a template uses, created with these items when the organization has none.
struct TemplateList {
    std::string_view name;
    std::string_view description;
    std::span<const std::string_view> items;
};

struct RuleTemplate {
    std::string_view key;       // stable identifier, e.g. "structuring"
    std::string_view name;      // the rule's name when enabled
    std::string_view typology;  // one line: what the pattern is
    std::string_view description;
    std::string_view expression;
    Severity severity;
    RuleAction action;
    int score;
    std::optional<std::int64_t> suppression_seconds;
    std::span<const TemplateList> lists;
};

std::span<const RuleTemplate> StarterPack();
const RuleTemplate* FindTemplate(std::string_view key);

struct EnabledPack {
    std::vector<Rule> created;
    std::vector<NamedList> lists_created;
    /// Templates not enabled, with the reason (a rule of that name exists already).
    std::vector<std::pair<std::string, std::string>> skipped;
};

/// Creates a rule in `status` for each template of `keys` (all of them when empty), with the
/// template's name, and each list a template needs that the organization lacks (with the
/// template's items). A template whose rule name is taken is skipped, not an error, so enabling
/// twice is harmless. Unknown keys are kValidationFailed (field `templates`). Audited through the
/// catalog, in `tx`.
Result<EnabledPack> EnableStarterPack(storage::Transaction& tx, std::string_view org_id,
                                      const std::vector<std::string>& keys, RuleStatus status, const Change& change);

}  // namespace wt::engine
