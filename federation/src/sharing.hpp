#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "ioc/federation/policy.hpp"
#include "ioc/federation/sharing.hpp"

namespace ioc::federation {

/// The kind of data a logged entry of `type` carries ("alert", "incident", "service-request",
/// "observations"); none for control entries.
std::optional<policy::DataKind> kind_of(std::string_view type);

/// What a record of `kind` in its wire form is about, for rules scoped by domain and severity.
SharedItem item_of(policy::DataKind kind, const nlohmann::json& record);

/// Clears `fields` (names from policy::redactable_fields) in a record of `kind` in its wire
/// form; "aggregate" for records is every redactable field cleared.
void redact(nlohmann::json& record, policy::DataKind kind, const std::vector<std::string>& fields);

}  // namespace ioc::federation
