#include "down_handler.hpp"

#include "ioc/error.hpp"
#include "json_codec.hpp"
#include "policy_distribution.hpp"

namespace ioc::federation {

using nlohmann::json;

void DownHandler::operator()(const std::string& type, const json& body) {
  if (type == "command")
    command(body);
  else if (type == "incident")
    incident(body);
  else if (type == "notice")
    notice(body);
  else if (type == "policy-update")
    policy_update(body);
}

void DownHandler::pass_down(const std::string& toward, const std::string& type, const json& body) {
  const auto fed = ctx_.federation();
  const std::string via = fed->child_toward(ctx_.node_id, toward);
  ctx_.writes.run(
      [&](WriteContext& w) { w.writer.append_outbox(via, type, ctx_.clock.now(), body.dump()); });
  waiters_.notify(via);
}

void DownHandler::command(const json& body) {
  const auto fed = ctx_.federation();
  const TimeMs now = ctx_.clock.now();
  IncidentCommand c;
  try {
    c = IncidentService::parse_command(body);
    if (c.owner.empty()) throw Error(ErrorCode::kBadRequest, "owner: required", "owner");
  } catch (const Error&) {
    const json result{{"command", body.is_object() ? body.value("id", json(nullptr)) : json()},
                      {"owner", ctx_.node_id},
                      {"ok", false},
                      {"code", "bad_request"},
                      {"reason", "malformed command"}};
    ctx_.writes.run(
        [&](WriteContext& w) { w.writer.append_event("command-result", now, result.dump()); });
    return;
  }
  if (c.owner != ctx_.node_id) {
    if (fed->find(c.owner) && fed->in_subtree(c.owner, ctx_.node_id))
      pass_down(c.owner, "command", body);
    return;  // not ours to pass on
  }
  // This node owns the incident: it decides by its own authority, as for a local operator.
  json result{{"command", c.id},
              {"incident", c.incident},
              {"action", to_string(c.action)},
              {"owner", ctx_.node_id}};
  result.update(incidents_.outcome(c));
  // The answer travels back up the log to the node that sent the command.
  ctx_.writes.run(
      [&](WriteContext& w) { w.writer.append_event("command-result", now, result.dump()); });
}

void DownHandler::policy_update(const json& body) {
  const auto fed = ctx_.federation();
  PolicyUpdate u;
  try {
    u = PolicyUpdate::from_json(body);
    verify_update(*fed, u);
    if (u.kind == "policy-set" && u.issuer != fed->root())
      throw Error(ErrorCode::kForbidden, "policy set not from the root", "issuer");
  } catch (const Error&) {
    ctx_.metrics.events_quarantined++;  // malformed or not signed by its issuer: set aside
    return;
  }
  const std::string parent = *fed->find(ctx_.node_id)->parent;
  ctx_.writes.run([&](WriteContext& w) { take_policy_update(ctx_, w, u, parent); });
}

void DownHandler::notice(const json& body) {
  const auto fed = ctx_.federation();
  std::pair<Incident, AuditEntry> version;
  std::string target;
  try {
    target = body.at("targets").at(0).get<std::string>();
    version = codec::incident_version_from_json(body.at("incident"));
  } catch (const std::exception&) {
    ctx_.metrics.events_quarantined++;
    return;
  }
  if (target != ctx_.node_id) {
    if (fed->find(target) && fed->in_subtree(target, ctx_.node_id))
      pass_down(target, "notice", body);
    return;
  }
  ctx_.writes.run([&](WriteContext& w) {
    w.writer.apply_incident_version(version.first, version.second);
    publish_after_commit(ctx_, w, "notice", body.at("incident"));
  });
}

void DownHandler::incident(const json& body) {
  const auto fed = ctx_.federation();
  std::pair<Incident, AuditEntry> version;
  try {
    version = codec::incident_version_from_json(body);
  } catch (const std::exception&) {
    ctx_.metrics.events_quarantined++;  // malformed: set aside, never retried
    return;
  }
  // Versions travel down toward the incident's origin, or to its owner below (an agency).
  const auto below = [&](const std::string& n) {
    return fed->find(n) && fed->in_subtree(n, ctx_.node_id);
  };
  const Incident& i = version.first;
  const std::string toward = below(i.origin) ? i.origin : below(i.owner) ? i.owner : "";
  if (toward.empty()) {
    ctx_.metrics.events_quarantined++;  // not meant for this subtree
    return;
  }
  bool arrived = false;
  ctx_.writes.run([&](WriteContext& w) {
    arrived = !w.writer.incident(i.id).has_value();
    if (w.writer.apply_incident_version(i, version.second))
      publish_after_commit(ctx_, w, "incident", body);
  });
  if (toward != ctx_.node_id)
    pass_down(toward, "incident", body);
  else if (arrived)
    incidents_.apply_pending(i.id);  // what this agency did before the event reached it
}

}  // namespace ioc::federation
