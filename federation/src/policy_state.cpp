#include "policy_state.hpp"

#include "ioc/error.hpp"

namespace ioc::federation {

PolicyState::PolicyState(const FederationConfig& running)
    : running_(running),
      engine_(std::make_shared<const policy::Engine>(running, policy::load_policies(running))) {}

std::shared_ptr<const policy::Engine> PolicyState::engine() const {
  std::lock_guard lock(mutex_);
  return engine_;
}

std::string PolicyState::version() const {
  return engine()->policies().version;
}

std::string PolicyState::reload() {
  const FederationConfig fresh = load_federation(running_.path);
  bool same = fresh.nodes.size() == running_.nodes.size();
  for (std::size_t i = 0; same && i < fresh.nodes.size(); ++i)
    same = fresh.nodes[i].id == running_.nodes[i].id &&
           fresh.nodes[i].parent == running_.nodes[i].parent;
  if (!same)
    throw Error(ErrorCode::kConfig,
                running_.path +
                    ": error: nodes: the federation's nodes or parents changed; a reload changes "
                    "policies only, so restart the node to take a new tree",
                "nodes");
  auto next = std::make_shared<const policy::Engine>(running_, policy::load_policies(fresh));
  std::lock_guard lock(mutex_);
  engine_ = std::move(next);
  return engine_->policies().version;
}

namespace {

class PolicyAuthorizer final : public Authorizer {
 public:
  PolicyAuthorizer(const PolicyState& policies, const FederationConfig& federation,
                   const std::string& node_id)
      : policies_(policies),
        fallback_(make_local_operator_authorizer(node_id, federation.ancestors(node_id))) {}

  Decision decide(const AuthzRequest& r) const override {
    const auto engine = policies_.engine();
    if (!engine->has_authority()) return fallback_->decide(r);
    if (!role_allows(r.actor.role, Role::kOperator))
      return {false, "",
              "role '" + std::string(to_string(r.actor.role)) + "' may not act on incidents",
              "role"};
    const auto e = engine->explain(policy::Question{
        r.actor.node, policy::from_incident_action(r.action), r.domain, r.area, r.severity, r.at});
    if (!e.allowed) return {false, "", e.reason, e.field};
    return {true, e.chain.empty() ? "root" : e.chain.back(), "", ""};
  }

 private:
  const PolicyState& policies_;
  std::unique_ptr<Authorizer> fallback_;
};

}  // namespace

std::unique_ptr<Authorizer> make_policy_authorizer(const PolicyState& policies,
                                                   const FederationConfig& federation,
                                                   const std::string& node_id) {
  return std::make_unique<PolicyAuthorizer>(policies, federation, node_id);
}

}  // namespace ioc::federation
