// SPDX-License-Identifier: Apache-2.0
/// The stored shapes of the rules engine (storage migration 4): rules, their immutable versions and
/// named lists. `catalog.hpp` reads and changes them (the console routes); `engine.hpp` loads them
/// to evaluate. Field values are the API's (API.md "Console reads and work").
/// Threading: value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"

namespace wt::engine {

/// `alert` raises an alert and leaves the decision at allow; `review` and `block` also set the
/// decision (the strongest wins).
enum class RuleAction { kAlert, kReview, kBlock };
enum class Severity { kLow, kMedium, kHigh, kCritical };
/// draft: stored, not evaluated. shadow: evaluated and its hits recorded, no alert, no effect on
/// the decision. active: evaluated, raises alerts, sets the decision. disabled: not evaluated.
enum class RuleStatus { kDraft, kShadow, kActive, kDisabled };

std::string_view RuleActionName(RuleAction action);  // "alert" | "review" | "block"
std::string_view SeverityName(Severity severity);    // "low" | "medium" | "high" | "critical"
std::string_view RuleStatusName(RuleStatus status);  // "draft" | "shadow" | "active" | "disabled"
std::optional<RuleAction> ParseRuleAction(std::string_view text);
std::optional<Severity> ParseSeverity(std::string_view text);
std::optional<RuleStatus> ParseRuleStatus(std::string_view text);

struct Rule {
    std::string id;
    std::string org_id;
    std::string name;
    std::optional<std::string> description;
    std::string expression;
    Severity severity = Severity::kMedium;
    RuleAction action = RuleAction::kAlert;
    int score = 0;  // 0..100
    RuleStatus status = RuleStatus::kDraft;
    /// No second alert of this rule for the same entity key while an earlier one is closer than
    /// this in occurred_at; nullopt: no suppression.
    std::optional<std::int64_t> suppression_seconds;
    int version = 1;
    UnixMicros created_at = 0;
    std::optional<std::string> created_by;  // user id
    UnixMicros updated_at = 0;
    std::optional<std::string> updated_by;
};

struct NamedList {
    std::string id;
    std::string org_id;
    std::string name;
    std::optional<std::string> description;
    std::vector<std::string> items;  // sorted, unique
    UnixMicros created_at = 0;
    std::optional<std::string> created_by;  // user id
    UnixMicros updated_at = 0;
};

}  // namespace wt::engine
