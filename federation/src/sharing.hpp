#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "ioc/federation/policy.hpp"
#include "ioc/federation/sharing.hpp"

namespace ioc::federation {

/// Clears `fields` (names from policy::redactable_fields) in a record of `kind` in its wire
/// form; "aggregate" for records is every redactable field cleared.
void redact(nlohmann::json& record, policy::DataKind kind, const std::vector<std::string>& fields);

}  // namespace ioc::federation
