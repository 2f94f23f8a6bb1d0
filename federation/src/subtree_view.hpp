#pragma once

// How the nodes below a node are doing, as far as it can tell (docs/protocol.md, "Links and
// delivery"): each node tells its parent, with every batch, the state of its children's links and
// what they told it of theirs, so the root sees the whole tree: its children as it sees them, the
// nodes below as last relayed (a grandchild is not "down" because the root has no link to it).
#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "federation_context.hpp"

namespace ioc::federation {

/// What this node sends up: [{"node", "state", "lastSync", "lagSeconds"}] for its children and,
/// as they relayed it, the nodes below them.
nlohmann::json subtree_view(const FederationContext& ctx);

/// Keeps what child `child` relayed of the nodes below it (entries about other nodes are dropped),
/// as of now, in `w`.
void keep_relayed_subtree(FederationContext& ctx, WriteContext& w, const std::string& child,
                          const nlohmann::json& subtree);

/// The state of every node below this node's children as last relayed, by node id: the entry
/// with "relayed": true, "via" (the child that relayed it) and "asOf" (when).
std::map<std::string, nlohmann::json> relayed_states(const FederationContext& ctx);

}  // namespace ioc::federation
