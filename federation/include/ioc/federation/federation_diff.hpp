#pragma once

#include <string>
#include <vector>

#include "ioc/config.hpp"

namespace ioc::federation {

/// One difference between two federation files, as `iocctl federation diff` prints it.
struct FederationChange {
  enum class Kind {
    kAdded,
    kRemoved,
    kMoved,
    kMerged,
    kKind,
    kEndpoint,
    kKeys,
    kConfig,
    kPolicies
  };
  Kind kind;
  std::string node;    ///< empty for kPolicies
  std::string before;  ///< old parent, kind, endpoint...
  std::string after;
  std::vector<std::string> carried;  ///< a moved node's subtree, or a merged node's children
};

/// What changing the federation from `before` to `after` does to the tree: nodes added and
/// removed, nodes moved to a new parent (with the subtree that moves with them), nodes merged
/// away (removed, their children now under one node), and per-node changes of kind, endpoint,
/// keys and config files; last, whether the policy files listed differ. In `after`'s file order.
std::vector<FederationChange> diff_federations(const FederationConfig& before,
                                               const FederationConfig& after);

/// One line per change, e.g. "~ moved tam-ky: quangnam -> danang (with 3 nodes below)".
std::string describe(const FederationChange& change);

/// The order in which to apply the change to a running federation, one numbered step per line:
/// start the added nodes, reload the moved ones, reload the others, and for each removed node
/// the condition its parent checks (a backlog of 0) before it is stopped.
std::vector<std::string> apply_plan(const std::vector<FederationChange>& changes,
                                    const FederationConfig& before, const FederationConfig& after);

}  // namespace ioc::federation
