#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "ioc/authorizer.hpp"
#include "ioc/federation/policy_engine.hpp"

namespace ioc::federation {

/// The policy set a node enforces now. Readers take the current engine (a shared snapshot, never
/// changed in place); a reload builds a new one and swaps it in only if everything loaded.
class PolicyState {
 public:
  /// Loads the policies `running` lists; throws Error(kConfig) "file:line:col: ..." if they do
  /// not load. `running` must outlive this object.
  explicit PolicyState(const FederationConfig& running);

  std::shared_ptr<const policy::Engine> engine() const;
  std::string version() const;
  /// Re-reads the federation file and the policies it lists now. A set that does not load, or a
  /// federation whose nodes changed, is refused (Error kConfig) and the old set stays in force.
  /// Returns the new version.
  std::string reload();

 private:
  const FederationConfig& running_;
  mutable std::mutex mutex_;
  std::shared_ptr<const policy::Engine> engine_;
};

/// Decides incident actions by the policy engine: the actor's role must allow acting, and the
/// actor's node must hold authority for the action. Until a federation lists Authority policies,
/// the default applies: operators of this node or of a node above it.
std::unique_ptr<Authorizer> make_policy_authorizer(const PolicyState& policies,
                                                   const FederationConfig& federation,
                                                   const std::string& node_id);

}  // namespace ioc::federation
