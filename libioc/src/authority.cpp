#include "authority.hpp"

namespace ioc {

LocalAuthority::LocalAuthority(std::shared_ptr<const FederationConfig> running)
    : running_(std::move(running)) {}

LocalAuthority::LocalAuthority(const FederationConfig& running)
    : running_(std::make_shared<const FederationConfig>(running)) {}

std::shared_ptr<const FederationConfig> LocalAuthority::federation() const {
  std::lock_guard lock(mutex_);
  return running_;
}

std::string LocalAuthority::escalation_target(const std::string& owner, Domain, const std::string&,
                                              Severity, TimeMs) const {
  const auto fed = federation();
  const NodeConfig* node = fed->find(owner);
  return node && node->parent ? *node->parent : std::string();
}

void LocalAuthority::replace(std::shared_ptr<const FederationConfig> fresh) {
  std::lock_guard lock(mutex_);
  running_ = std::move(fresh);
}

}  // namespace ioc
