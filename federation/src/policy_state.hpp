#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "authority.hpp"
#include "ioc/authorizer.hpp"
#include "ioc/federation/policy_engine.hpp"
#include "policy_update.hpp"

namespace ioc::federation {

/// The policy set a node enforces now: the node's authority in a federation. Readers take the
/// current engine (a shared snapshot, never changed in place); a reload builds a new one and swaps
/// it in only if everything loaded.
class PolicyState final : public Authority {
 public:
  /// Loads the policies `running` lists; throws Error(kConfig) "file:line:col: ..." if they do
  /// not load.
  explicit PolicyState(std::shared_ptr<const FederationConfig> running);
  /// The same with a copy of `running`.
  explicit PolicyState(const FederationConfig& running);

  /// The engine in force; it holds the federation it decides for.
  std::shared_ptr<const policy::Engine> engine() const;
  /// The federation in force (the tree, endpoints and keys); a reorganisation swaps it.
  std::shared_ptr<const FederationConfig> federation() const override;
  std::string version() const override;
  /// The nearest node from the reporter upward whose authority covers dispatching it; an external
  /// agency below the reporter (112, 119) that holds that authority takes it instead. Without
  /// Authority policies, the reporter.
  std::string owner_for(const std::string& reporter, Domain domain, const std::string& area,
                        Severity severity, TimeMs at) const override;
  /// The nearest node above `owner` with the authority; without Authority policies, its parent.
  std::string escalation_target(const std::string& owner, Domain domain, const std::string& area,
                                Severity severity, TimeMs at) const override;
  /// Takes `fresh` (default: the federation file re-read) and the policies it lists now, tree
  /// changes included. A set that does not load is refused (Error kConfig "file:line:col: ...")
  /// and the old federation and set stay in force. Runtime grants whose nodes are gone or that no
  /// longer fit their parent grant are dropped; a set the root sent is kept while its issuer is
  /// still the root and it loads against the new tree. Returns the new version.
  std::string reload(std::shared_ptr<const FederationConfig> fresh = nullptr);

  /// Runtime grants end within this long of being issued, so authority held by a node that has
  /// lost contact lapses by itself.
  static constexpr TimeMs kMaxRuntimeGrant = 30LL * 24 * 3600 * 1000;

  /// Checks a runtime grant by `g.issuer` at `now`: a fresh id, both window ends given, ending
  /// within 30 days of now, and inside a grant its issuer holds (unless the issuer is the root).
  /// Returns it with its parent grant named; throws Error(kForbidden) naming the key and the
  /// limiting key of the grant above, or Error(kBadRequest) for a malformed window.
  policy::Grant check_grant(policy::Grant g, TimeMs now) const;
  /// Throws Error(kNotFound) for an unknown grant, Error(kForbidden) unless `by` is the root or
  /// issued the grant or one above it in its chain.
  void check_revocation(const std::string& grant_id, const std::string& by) const;
  /// The policy files of the set in force, relative to the federation file, with their texts:
  /// what the root sends down.
  std::vector<std::pair<std::string, std::string>> sources() const;
  /// Checks a signed update (whose signature verify_update has checked) by the rules of the
  /// routes that issue them: a grant as check_grant (inside what its issuer holds), a revocation
  /// as check_revocation (by the grant's issuer, one above it in its chain, or the root), a policy
  /// set only from the root. Throws Error naming why not.
  void check_update(const PolicyUpdate& update, TimeMs now) const;
  /// Adopts a verified update if check_update passes; false if it was already held or it does
  /// not pass (a grant that no longer fits, a revocation by a node without the right). A
  /// "policy-set" from the root replaces the set from local files, also across later reloads;
  /// one that does not load is not adopted.
  bool adopt(const PolicyUpdate& update, TimeMs now);

 private:
  void rebuild();  // callers hold mutex_

  std::mutex writer_mutex_;  // one reload or adoption at a time
  std::shared_ptr<const FederationConfig> running_;
  mutable std::mutex mutex_;
  policy::PolicySet files_;             // the set the policy files give
  std::vector<policy::Grant> runtime_;  // runtime grants adopted, parents resolved
  std::set<std::string> revoked_;
  std::set<std::string> updates_;              // ids of adopted updates
  std::optional<policy::PolicySet> root_set_;  // the set the root sent, once adopted
  std::string root_set_issuer_;
  TimeMs root_set_sent_ = 0;  // when the root sent it: a set sent earlier is not adopted after it
  std::shared_ptr<const policy::Engine> engine_;
};

/// True when both federations have the same nodes with the same parents.
bool same_tree(const FederationConfig& a, const FederationConfig& b);

/// Decides incident actions by the policy engine: the actor's role must allow acting, and the
/// actor's node must hold authority for the action. Until a federation lists Authority policies,
/// the default applies: operators of this node or of a node above it.
std::unique_ptr<Authorizer> make_policy_authorizer(const PolicyState& policies,
                                                   const std::string& node_id);

}  // namespace ioc::federation
