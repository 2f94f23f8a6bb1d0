#pragma once

#include <functional>
#include <optional>
#include <string>

#include "ioc/config.hpp"
#include "ioc/model.hpp"
#include "store.hpp"

namespace ioc::federation {

/// What the node that wrote an entry may write: the checks every received record passes before
/// it changes anything, at every hop, whichever way it came. Each throws Error(kForbidden) with
/// the reason, which the receiver keeps with the quarantined entry. A signature proves who sent
/// an entry; these say whether that node may write it.

/// Where an incident version came from: up the log from `writer` (the entry's origin), or down
/// from the parent of the node that receives it (`receiver`).
struct IncidentSource {
  std::string writer;    ///< the node that wrote the version; empty when it came from above
  std::string receiver;  ///< the node that checks it
  bool from_above = false;
};

/// A version of an incident is taken from the node that owns it (as the receiver holds it), from
/// an owner above it on the reporter's chain (an escalation the receiver has not seen), or from
/// the reporter when it reports (version 1) or re-owns after a reorganisation. Versions increase;
/// each carries its own audit entry (one more line of history, never a rewrite); id, origin,
/// domain, severity, area and creation never change; a status changes only by a step its action
/// allows; ownership moves only up the reporter's chain (escalate) or onto it (reorganise). What
/// comes from above concerns incidents owned above the receiver: a parent never changes one owned
/// at or below it, nor hands ownership down (except a new incident for an agency below).
/// `held` is the version the receiver holds, if any.
void check_incident_version(const FederationConfig& fed, const IncidentSource& source,
                            const std::optional<Incident>& held, const Incident& next,
                            const AuditEntry& change);

/// Stores `next` if it is newer than the version held and `source` may write it (the checks
/// above, which throw); false, changing nothing, for a version already held.
bool take_incident_version(const FederationConfig& fed, Store::Writer& writer,
                           const IncidentSource& source, const Incident& next,
                           const AuditEntry& change);

/// An alert is taken only from its sender, for an area in the sender's subtree; an Update or
/// Cancel refers only to alerts that sender issued. `held` looks an alert up by identifier.
void check_alert(const FederationConfig& fed, const std::string& writer, const Alert& alert,
                 const std::function<std::optional<Alert>(const std::string&)>& held);

/// A service request is written only by the node responsible for it (the one that holds it);
/// its identity, service, area and request time never change, and a closed one stays closed.
void check_service_request(const FederationConfig& fed, const std::string& writer,
                           const std::optional<ServiceRequest>& held, const ServiceRequest& next);

/// Readings and their minute buckets describe areas in the writer's own subtree.
void check_area(const FederationConfig& fed, const std::string& writer, const std::string& area);

}  // namespace ioc::federation
