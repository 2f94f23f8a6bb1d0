#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "federation_context.hpp"
#include "incident_service.hpp"

namespace ioc::federation {

/// What moves with a new tree, taken live: nodes that left a subtree keep their old relays as
/// former relays, a node whose parent changed hands its log over, children new below a node get
/// the runtime grants it keeps, and open incidents whose owner left the chain get the owner the
/// policies give. The store remembers the tree it last ran with, so a node started on a
/// reorganised federation file takes the same steps before its link opens.
class Reorganiser {
 public:
  Reorganiser(FederationContext& ctx, IncidentService& incidents)
      : ctx_(ctx), incidents_(incidents) {}

  /// At start, on a federation file whose tree differs from the store's last one.
  void catch_up();
  /// A child leaves the federation only once everything it took has reached this node: its last
  /// call reported a backlog of 0 and, if it is still calling, that call came after the removal
  /// was first asked for (so it covers what its own children sent it before they moved away).
  /// Throws Error(kConfig) naming it otherwise.
  void refuse_undrained_removals(const FederationConfig& before, const FederationConfig& fresh);
  /// Takes the steps from `before` to `fresh`; one line per step, for the operator.
  std::vector<std::string> reorganise(const FederationConfig& before,
                                      const FederationConfig& fresh);

 private:
  void hand_over(const std::optional<std::string>& from, const std::optional<std::string>& to);

  FederationContext& ctx_;
  IncidentService& incidents_;
  /// Children whose removal a reload asked for and was refused, with when it first asked.
  std::map<std::string, TimeMs> removal_asked_;
};

}  // namespace ioc::federation
