#include "ioc/authorizer.hpp"

#include <algorithm>

namespace ioc {
namespace {

class LocalOperatorAuthorizer final : public Authorizer {
 public:
  LocalOperatorAuthorizer(std::string node_id, std::vector<std::string> ancestors)
      : node_id_(std::move(node_id)), ancestors_(std::move(ancestors)) {}

  Decision decide(const AuthzRequest& r) const override {
    const bool here = r.actor.node == node_id_;
    const bool above =
        std::find(ancestors_.begin(), ancestors_.end(), r.actor.node) != ancestors_.end();
    if (!here && !above)
      return {false, "",
              "actor is not an operator of node '" + node_id_ + "' or of a node above it", "actor"};
    if (!role_allows(r.actor.role, Role::kOperator))
      return {false, "", "role '" + std::string(to_string(r.actor.role)) + "' may not act", "role"};
    return {true, here ? "local-operator" : "ancestor-operator", "", ""};
  }

 private:
  std::string node_id_;
  std::vector<std::string> ancestors_;
};

}  // namespace

std::unique_ptr<Authorizer> make_local_operator_authorizer(std::string node_id,
                                                           std::vector<std::string> ancestors) {
  return std::make_unique<LocalOperatorAuthorizer>(std::move(node_id), std::move(ancestors));
}

}  // namespace ioc
