#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "federation_context.hpp"
#include "policy_update.hpp"

namespace ioc::federation {

/// Runtime grants and revocations (POST /api/v1/grants, /api/v1/revocations) reach every node:
/// up the log to the root, and down from each node that holds one to all its children but the one
/// it came from. Each node checks the signature and the chain itself before adopting it, keeps it
/// in its store (so a restart keeps it) and passes it on once.

/// Issues an update signed by this node (`sign`), after checking it against the policy in force:
/// a grant must lie inside the node's own authority and end within 30 days; a revocation must be
/// the node's to make. `done` gets it once kept and queued, or the Error (400, 403, 404, 409)
/// naming the field; nothing changes then.
void issue_policy_update(FederationContext& ctx, const std::string& kind,
                         const nlohmann::json& body, Completion<PolicyUpdate> done);

/// Takes an update that arrived from `from` (a child through the log, or the parent through the
/// long-poll) inside a write job. Throws Error(kForbidden) for a bad signature.
void take_policy_update(FederationContext& ctx, WriteContext& w, const PolicyUpdate& update,
                        const std::string& from);

/// At the root: sends the policy set in force down the tree (signed), unless it was sent already.
/// Called at start and after each reload; a no-op on other nodes.
void publish_policy_set(FederationContext& ctx);

/// After a reorganisation: queues every update this node keeps for `children`, new below it, in
/// the order they were taken (each child verifies them and adopts what it does not hold yet).
void pass_on_held_updates(FederationContext& ctx, const std::vector<std::string>& children);

/// Adopts the updates kept in the store (at start), checking each again.
void restore_policy_updates(FederationContext& ctx);

}  // namespace ioc::federation
