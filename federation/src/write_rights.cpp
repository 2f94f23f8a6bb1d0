#include "write_rights.hpp"

#include <algorithm>

#include "cap_xml.hpp"
#include "incident_service.hpp"
#include "ioc/error.hpp"

namespace ioc::federation {
namespace {

[[noreturn]] void refuse(const std::string& field, const std::string& why) {
  throw Error(ErrorCode::kForbidden, why, field);
}

// The reporter's chain: the node that reported an incident and every node above it.
bool on_chain(const FederationConfig& fed, const std::string& node, const std::string& origin) {
  return fed.find(node) && fed.find(origin) && fed.in_subtree(origin, node);
}

bool strictly_above(const FederationConfig& fed, const std::string& upper,
                    const std::string& lower) {
  return upper != lower && fed.find(upper) && fed.in_subtree(lower, upper);
}

// Whoever owns a new incident: a node on the reporter's chain, or an agency just below the
// reporter (112, 119), as reporting decides.
bool may_own_new(const FederationConfig& fed, const Incident& i) {
  if (on_chain(fed, i.owner, i.origin)) return true;
  const NodeConfig* owner = fed.find(i.owner);
  return owner && owner->kind == NodeKind::kAgency && owner->parent == i.origin;
}

// The step `change` records, checked against the status before it.
void check_step(const std::optional<IncidentStatus> before, const Incident& next,
                const AuditEntry& change) {
  const auto action = parse_incident_action(change.action);
  if (action && *action != IncidentAction::kEscalate) {
    if (before)  // else the step from a version the receiver never saw
      if (const auto why = IncidentService::transition_error(*before, *action); !why.empty())
        refuse("status", "incident '" + next.id + "': " + why);
    if (next.status != *IncidentService::target_status(*action))
      refuse("status", "incident '" + next.id + "': " + change.action + " leads to " +
                           std::string(to_string(*IncidentService::target_status(*action))) +
                           ", not " + std::string(to_string(next.status)));
    return;
  }
  if (change.action != "escalate" && change.action != "notify" && change.action != "reorganise")
    refuse("change.action", "incident '" + next.id + "': unknown action '" + change.action + "'");
  if (before && next.status != *before)
    refuse("status", "incident '" + next.id + "': " + change.action + " does not change status");
}

void check_from_above(const FederationConfig& fed, const IncidentSource& source,
                      const std::optional<Incident>& held, const Incident& next) {
  const auto below = [&](const std::string& n) { return fed.in_subtree(n, source.receiver); };
  if (held && below(held->owner))
    refuse("owner", "incident '" + next.id + "' is owned by '" + held->owner +
                        "' at or below this node: only its owner changes it");
  if (below(next.owner) && (held || next.version != 1 || below(next.origin)))
    refuse("owner", "incident '" + next.id + "': a version from above may not make '" + next.owner +
                        "' at or below this node its owner");
}

// May `writer` write `next` over `held`, up the log?
void check_writer(const FederationConfig& fed, const std::string& writer,
                  const std::optional<Incident>& held, const Incident& next,
                  const AuditEntry& change) {
  const std::string& id = next.id;
  if (next.version == 1) {
    if (held) refuse("version", "incident '" + id + "' exists already; version 1 is its report");
    if (writer != next.origin || change.action != "report")
      refuse("origin", "incident '" + id + "': only its reporter '" + next.origin +
                           "' writes version 1, not '" + writer + "'");
    if (next.status != IncidentStatus::kReported)
      refuse("status", "incident '" + id + "': version 1 is 'reported'");
    if (!may_own_new(fed, next))
      refuse("owner", "incident '" + id + "': '" + next.owner +
                          "' is neither on the reporter's chain nor an agency below it");
    return;
  }
  if (change.action == "report") refuse("change.action", "incident '" + id + "': reported twice");
  if (!held && !may_own_new(fed, next))
    refuse("owner", "incident '" + id + "': '" + next.owner +
                        "' is neither on the reporter's chain nor an agency below it");
  const std::string current = held ? held->owner : std::string();
  const bool owns = held ? writer == current : writer == next.owner;
  // An owner further up the reporter's chain: an escalation to it that has not reached here.
  const bool took_over = held && writer == next.owner && strictly_above(fed, writer, current) &&
                         on_chain(fed, writer, next.origin);
  const bool reorganises = change.action == "reorganise" && writer == next.origin;
  const bool escalates_unseen = !held && change.action == "escalate" &&
                                on_chain(fed, writer, next.origin) &&
                                strictly_above(fed, next.owner, writer);
  if (!owns && !took_over && !reorganises && !escalates_unseen)
    refuse("owner", "incident '" + id + "' is owned by '" + (held ? current : next.owner) + "': '" +
                        writer + "' may not change it");
  const std::string& before = held ? current : writer;
  if (next.owner == before) return;
  if (change.action == "escalate") {
    if (!strictly_above(fed, next.owner, writer) || !on_chain(fed, next.owner, next.origin))
      refuse("owner", "incident '" + id +
                          "': an escalation moves ownership up the reporter's "
                          "chain, not to '" +
                          next.owner + "'");
  } else if (change.action == "reorganise") {
    if (!on_chain(fed, next.owner, next.origin))
      refuse("owner", "incident '" + id +
                          "': a reorganisation keeps ownership on the reporter's "
                          "chain, not '" +
                          next.owner + "'");
  } else if (!took_over) {
    refuse("owner", "incident '" + id + "': " + change.action + " does not change the owner");
  }
}

}  // namespace

void check_incident_version(const FederationConfig& fed, const IncidentSource& source,
                            const std::optional<Incident>& held, const Incident& next,
                            const AuditEntry& change) {
  const std::string& id = next.id;
  if (next.version < 1 || change.version != next.version)
    refuse("version", "incident '" + id + "': its audit entry must be the one for version " +
                          std::to_string(next.version));
  if (!fed.find(next.origin) || !fed.find(next.owner))
    refuse("owner", "incident '" + id + "': origin and owner must be nodes of the federation");
  if (held) {
    if (next.version <= held->version)
      refuse("version", "incident '" + id + "': version " + std::to_string(next.version) +
                            " is not newer than the " + std::to_string(held->version) + " held");
    if (next.origin != held->origin || next.domain != held->domain ||
        next.severity != held->severity || next.area != held->area || next.created != held->created)
      refuse("incident", "incident '" + id +
                             "': origin, domain, severity, area and creation time never change");
  }
  if (source.from_above)
    check_from_above(fed, source, held, next);
  else
    check_writer(fed, source.writer, held, next, change);
  if (change.action != "report")
    check_step(held ? std::optional(held->status) : std::nullopt, next, change);
}

bool take_incident_version(const FederationConfig& fed, Store::Writer& writer,
                           const IncidentSource& source, const Incident& next,
                           const AuditEntry& change) {
  const auto held = writer.incident(next.id);
  if (held && held->version >= next.version) return false;  // a copy already taken
  check_incident_version(fed, source, held, next, change);
  return writer.apply_incident_version(next, change);
}

void check_alert(const FederationConfig& fed, const std::string& writer, const Alert& alert,
                 const std::function<std::optional<Alert>(const std::string&)>& held) {
  if (alert.sender != writer)
    refuse("sender", "alert '" + alert.identifier + "' names sender '" + alert.sender + "', but '" +
                         writer + "' wrote it");
  for (const auto& area : alert.areas.empty() ? std::vector<std::string>{alert.area} : alert.areas)
    if (!fed.find(area) || !fed.in_subtree(area, writer))
      refuse("area", "alert '" + alert.identifier + "': area '" + area +
                         "' is not in the subtree of '" + writer + "'");
  if (const auto same = held(alert.identifier); same && same->sender != writer)
    refuse("identifier", "alert '" + alert.identifier + "' was issued by '" + same->sender + "'");
  if (alert.msg_type == CapMsgType::kAlert) return;
  if (alert.references.empty())
    refuse("references",
           "an " + std::string(to_string(alert.msg_type)) + " must reference the alert it changes");
  for (const auto& text : alert.references) {
    const auto ref = parse_cap_reference(text);
    if (!ref) refuse("references", "a reference reads sender,identifier,sent");
    const auto earlier = held(ref->identifier);
    if (ref->sender != writer || (earlier && earlier->sender != writer))
      refuse("references", "'" + writer + "' may only update or cancel alerts it issued, not '" +
                               ref->identifier + "' of '" +
                               (earlier ? earlier->sender : ref->sender) + "'");
  }
}

void check_service_request(const FederationConfig& fed, const std::string& writer,
                           const std::optional<ServiceRequest>& held, const ServiceRequest& next) {
  const std::string& holder = held ? held->agency_responsible : next.agency_responsible;
  if (writer != holder || next.agency_responsible != holder)
    refuse("agency_responsible", "service request '" + next.id + "' is held by '" + holder +
                                     "': '" + writer + "' may not change it");
  if (!fed.find(next.area)) refuse("area", "service request '" + next.id + "': unknown area");
  if (next.status != "open" && next.status != "closed")
    refuse("status", "service request '" + next.id + "': status is open or closed");
  if (!held) return;
  if (next.service_code != held->service_code || next.area != held->area ||
      next.requested != held->requested)
    refuse("service_request",
           "service request '" + next.id + "': service, area and request time never change");
  if (held->status == "closed" && next.status != "closed")
    refuse("status", "service request '" + next.id + "' is closed");
}

void check_area(const FederationConfig& fed, const std::string& writer, const std::string& area) {
  if (!fed.find(area) || !fed.in_subtree(area, writer))
    refuse("area", "area '" + area + "' is not in the subtree of '" + writer + "'");
}

}  // namespace ioc::federation
