#include "ioc/authorizer.hpp"

namespace ioc {
namespace {

class LocalOperatorAuthorizer final : public Authorizer {
 public:
  explicit LocalOperatorAuthorizer(std::string node_id) : node_id_(std::move(node_id)) {}

  Decision decide(const AuthzRequest& r) const override {
    if (r.actor.node != node_id_)
      return {false, "", "actor is not an operator of node '" + node_id_ + "'", "actor"};
    if (!role_allows(r.actor.role, Role::kOperator))
      return {false, "",
              "role '" + std::string(to_string(r.actor.role)) + "' may not act on incidents",
              "role"};
    return {true, "local-operator", "", ""};
  }

 private:
  std::string node_id_;
};

}  // namespace

std::unique_ptr<Authorizer> make_local_operator_authorizer(std::string node_id) {
  return std::make_unique<LocalOperatorAuthorizer>(std::move(node_id));
}

}  // namespace ioc
