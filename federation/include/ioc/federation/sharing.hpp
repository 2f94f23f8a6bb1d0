#pragma once

// What the Sharing rules let leave a node for another (docs/policies.md, Sharing).
#include <optional>
#include <string>
#include <vector>

#include "ioc/federation/policy.hpp"

namespace ioc::federation {

/// What one kind of data may show when it leaves `from` for `to`.
struct Share {
  policy::Granularity granularity = policy::Granularity::kNone;
  int min_group_size = 0;
  std::vector<std::string> redact;
  std::string rule;                          ///< the rule that decided, empty for the default
  std::optional<IncidentStatus> hold_until;  ///< incidents: held until this status
  std::string where;                         ///< the rule's file:line:col, empty for the default
};

/// What one piece of data is about, for rules scoped by metrics, domains or severity. A field
/// left unset asks about the kind as a whole: scoped rules match it.
struct SharedItem {
  std::string metric;
  std::optional<Domain> domain;
  std::optional<Severity> severity;
  bool has_domain = false;  ///< the record states a domain (an alert may not)
};

/// The Sharing rule for data of kind `kind` leaving `from` for `to`: the matching rule with the
/// most specific `from` (a node id over "*"), then the most specific `to` (a node id over
/// parent/children), ties by file order. A rule scoped by metrics, domains or severity matches
/// only `item`s inside its scope. Without one: aggregate to the nodes above (the parent for
/// pushed data; any ancestor for summaries), nothing to anyone else.
Share share_for(const policy::PolicySet& set, const FederationConfig& federation,
                const std::string& from, const std::string& to, policy::DataKind kind,
                const SharedItem& item = {});

/// One line for people: "aggregate by rule ID (file:line:col), minGroupSize 5" or
/// "none (no rule matches; by default data goes to the parent, summaries to nodes above)".
std::string describe(const Share& share);

}  // namespace ioc::federation
