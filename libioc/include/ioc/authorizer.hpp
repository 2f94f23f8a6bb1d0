#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ioc/model.hpp"

namespace ioc {

/// Who asks: an operator's token (name and role) on a node, or a peer node.
struct Actor {
  std::string name;  ///< token name, or the node id for federation commands
  Role role = Role::kViewer;
  std::string node;  ///< the node the actor acts from
};

/// What an operator may be allowed to do: an incident action, or publishing an alert
/// (`publish-alert` in policies).
enum class OperatorAction {
  kAcknowledge,
  kDispatch,
  kResolve,
  kClose,
  kEscalate,
  kCancel,
  kPublishAlert
};

constexpr OperatorAction operator_action(IncidentAction a) {
  switch (a) {
    case IncidentAction::kAcknowledge:
      return OperatorAction::kAcknowledge;
    case IncidentAction::kDispatch:
      return OperatorAction::kDispatch;
    case IncidentAction::kResolve:
      return OperatorAction::kResolve;
    case IncidentAction::kClose:
      return OperatorAction::kClose;
    case IncidentAction::kEscalate:
      return OperatorAction::kEscalate;
    case IncidentAction::kCancel:
      break;
  }
  return OperatorAction::kCancel;
}

/// One question put to the authority: may `actor` do `action` on something in `area`?
struct AuthzRequest {
  Actor actor;
  OperatorAction action = OperatorAction::kAcknowledge;
  Domain domain = Domain::kPublicOrder;
  std::string area;
  Severity severity = Severity::kMinor;
  TimeMs at = 0;
};

struct Decision {
  bool allowed = false;
  std::string grant;   ///< the grant that allowed it (recorded in the audit history)
  std::string reason;  ///< for a denial: the failing condition, e.g. "severity"
  std::string field;   ///< the condition's name, for the JSON error's "field"
};

/// Decides incident actions. The policy engine implements it; tests swap in their own.
/// Implementations must be thread-safe.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual Decision decide(const AuthzRequest& request) const = 0;
};

/// The default until policies are loaded: operators (and admins) of `node_id` itself, or of any
/// node in `ancestors` (the nodes above it: the root holds all authority over its federation),
/// may act on anything the node holds; everyone else is denied.
std::unique_ptr<Authorizer> make_local_operator_authorizer(std::string node_id,
                                                           std::vector<std::string> ancestors = {});

}  // namespace ioc
