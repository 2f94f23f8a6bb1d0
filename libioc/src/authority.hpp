#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "ioc/config.hpp"
#include "ioc/model.hpp"

namespace ioc {

/// The federation a node runs in and where incidents belong in it: who owns an incident reported
/// here and where it escalates. A node alone uses LocalAuthority; the federation plugs in its
/// policy state (Authority policies decide both). Implementations are thread-safe.
class Authority {
 public:
  virtual ~Authority() = default;
  /// The federation in force. A reorganisation swaps it: take it once per request or job and hold
  /// the pointer while using what it holds.
  virtual std::shared_ptr<const FederationConfig> federation() const = 0;
  /// The version of the policy set in force; empty when no policies are enforced.
  virtual std::string version() const = 0;
  /// The node that owns an incident `reporter` reports (the reporter itself or a node it may
  /// hand it to).
  virtual std::string owner_for(const std::string& reporter, Domain domain, const std::string& area,
                                Severity severity, TimeMs at) const = 0;
  /// The node an incident owned by `owner` escalates to; empty when there is none above.
  virtual std::string escalation_target(const std::string& owner, Domain domain,
                                        const std::string& area, Severity severity,
                                        TimeMs at) const = 0;
};

/// The authority of a node without policies: it owns what is reported to it, and escalation goes
/// to its parent in the tree.
class LocalAuthority final : public Authority {
 public:
  explicit LocalAuthority(std::shared_ptr<const FederationConfig> running);
  explicit LocalAuthority(const FederationConfig& running);

  std::shared_ptr<const FederationConfig> federation() const override;
  std::string version() const override { return {}; }
  std::string owner_for(const std::string& reporter, Domain, const std::string&, Severity,
                        TimeMs) const override {
    return reporter;
  }
  std::string escalation_target(const std::string& owner, Domain, const std::string&, Severity,
                                TimeMs) const override;
  /// Takes a re-read federation file.
  void replace(std::shared_ptr<const FederationConfig> fresh);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const FederationConfig> running_;
};

}  // namespace ioc
