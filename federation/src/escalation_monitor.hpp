#pragma once

#include <string>

#include "federation_context.hpp"
#include "incident_service.hpp"

namespace ioc::federation {

/// Applies the Escalation rules (docs/policies.md).to the open incidents this node owns. A rule
/// matches on domain, severity and status; `unacknowledgedFor` and `unresolvedFor` count from
/// when this node became the owner (the report, or the escalation that brought it here), so the
/// timers restart with each new owner and escalation can continue up the tree. `escalate` moves
/// ownership to the nearest ancestor with authority; `notify` sends the incident to the listed
/// nodes once per owner. Both are recorded in the incident's audit history under "rule:ID".
class EscalationMonitor {
 public:
  EscalationMonitor(FederationContext& ctx, IncidentService& incidents)
      : ctx_(ctx), incidents_(incidents) {}

  /// Checks every open incident owned here against the rules at the clock's now; returns how many
  /// rule actions were taken. Called by the node's ticker, and by tests with a manual clock.
  int run_once();

 private:
  FederationContext& ctx_;
  IncidentService& incidents_;
};

}  // namespace ioc::federation
