#pragma once

#include <string>

#include "ioc/federation/policy.hpp"
#include "yaml_reader.hpp"

namespace ioc::policy {

/// Reads one grant (the keys of a grant in an Authority file) strictly, finishing `r`: the one
/// grammar for grants in policy files and in POST /api/v1/grants. Leaves `where` and `parent`
/// empty and does not check the id is unique. Throws Error(kConfig) "file:line:col: error: KEY:".
Grant read_grant(yaml::MapReader& r, const FederationConfig& federation, const std::string& issuer);

}  // namespace ioc::policy
