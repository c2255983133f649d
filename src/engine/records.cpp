// SPDX-License-Identifier: Apache-2.0
#include "engine/records.hpp"

#include <array>
#include <string_view>

namespace wt::engine {
namespace {

constexpr std::array<std::string_view, 3> kActions = {"alert", "review", "block"};
constexpr std::array<std::string_view, 4> kSeverities = {"low", "medium", "high", "critical"};
constexpr std::array<std::string_view, 4> kStatuses = {"draft", "shadow", "active", "disabled"};

template <typename Enum, std::size_t N>
std::optional<Enum> ParseName(const std::array<std::string_view, N>& names, std::string_view text) {
    for (std::size_t idx = 0; idx < N; ++idx)
        if (names[idx] == text) return static_cast<Enum>(idx);
    return std::nullopt;
}

}  // namespace

std::string_view RuleActionName(RuleAction action) { return kActions[static_cast<std::size_t>(action)]; }
std::string_view SeverityName(Severity severity) { return kSeverities[static_cast<std::size_t>(severity)]; }
std::string_view RuleStatusName(RuleStatus status) { return kStatuses[static_cast<std::size_t>(status)]; }
std::optional<RuleAction> ParseRuleAction(std::string_view text) { return ParseName<RuleAction>(kActions, text); }
std::optional<Severity> ParseSeverity(std::string_view text) { return ParseName<Severity>(kSeverities, text); }
std::optional<RuleStatus> ParseRuleStatus(std::string_view text) { return ParseName<RuleStatus>(kStatuses, text); }

}  // namespace wt::engine
