#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "federation_context.hpp"
#include "incident_service.hpp"
#include "ioc/error.hpp"
#include "outbox_waiters.hpp"

namespace ioc::federation {

/// What a node's parent queued for it, taken in order from the long-poll:
/// - "command": an action on an incident this node or its subtree owns. The owner decides by its
///   own policies and applies it; the answer goes back up the log as a "command-result". A
///   command for an owner further down is queued for the next child on the way.
/// - "incident": a version of an incident owned above whose origin is this node or lies below it.
///   It is stored (if newer) and passed on toward the origin; it does not go back up.
/// - "notice": an incident an Escalation rule notifies a node of; kept by the node it names,
///   passed on toward it by the others.
/// - "policy-update": a runtime grant or revocation, checked and adopted, passed to the children.
/// - "alert": a warning from a node above, signed by it, for an area this node lies in or above
///   (alerts_down.hpp); kept, shown live and passed to the children it covers.
/// Every entry is checked for what the parent may send (write_rights.hpp): a parent never changes
/// an incident owned at or below this node. A malformed or refused entry is quarantined with its
/// reason (origin: the parent, epoch "down", seq: its place in the outbox) rather than retried;
/// only a failure to write throws, so the link asks for the entry again later.
class DownHandler {
 public:
  DownHandler(FederationContext& ctx, IncidentService& incidents, OutboxWaiters& waiters)
      : ctx_(ctx), incidents_(incidents), waiters_(waiters) {}
  void operator()(std::int64_t seq, const std::string& type, const nlohmann::json& body);
  /// True for the errors that are a failure to write (the entry is asked for again), false for
  /// those about the entry itself (it is set aside).
  static bool retried(const Error& e);

 private:
  void command(const nlohmann::json& body);
  void incident(const nlohmann::json& body);
  void notice(const nlohmann::json& body);
  void policy_update(const nlohmann::json& body);
  void pass_down(const std::string& toward, const std::string& type, const nlohmann::json& body);
  void set_aside(std::int64_t seq, const std::string& type, const nlohmann::json& body,
                 const std::string& reason);
  /// Takes a version from above in a write job if the parent may send it; false if held already.
  bool take(WriteContext& w, const Incident& incident, const AuditEntry& change);

  FederationContext& ctx_;
  IncidentService& incidents_;
  OutboxWaiters& waiters_;
};

}  // namespace ioc::federation
