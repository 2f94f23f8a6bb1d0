#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "node_context.hpp"
#include "policy_state.hpp"
#include "policy_update.hpp"

namespace ioc::federation {

/// What the federation's parts share: the node's context (whose authority is `policies`) and
/// what only the federation uses. Made from the node's context once its hooks are set.
struct FederationContext : NodeContext {
  FederationContext(const NodeContext& node, PolicyState& policy_state)
      : NodeContext(node), policies(policy_state) {}

  PolicyState& policies;  ///< the policy set in force (authority, sharing, escalation)
  /// Signs a runtime grant or revocation with this node's key; empty without a key.
  std::function<PolicyUpdate(const std::string& kind, const nlohmann::json& body)> sign_policy = {};
};

/// In `w`: queues `body` as an entry of `type` for the child of this node toward `target` (a
/// node below it), and wakes that child's long-poll once `w` has committed.
inline void queue_toward(FederationContext& ctx, WriteContext& w, const std::string& type,
                         TimeMs ts, const std::string& body, const std::string& target) {
  const std::string via = ctx.federation()->child_toward(ctx.node_id, target);
  w.writer.append_outbox(via, type, ts, body);
  w.after_commit.push_back([&ctx, via] {
    if (ctx.outbox_appended) ctx.outbox_appended(via);
  });
}

}  // namespace ioc::federation
