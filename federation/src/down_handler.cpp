#include "down_handler.hpp"

#include "alerts_down.hpp"
#include "federation_tables.hpp"

#include "ioc/error.hpp"
#include "json_codec.hpp"
#include "policy_distribution.hpp"
#include "shared_records.hpp"
#include "write_rights.hpp"

namespace ioc::federation {

using nlohmann::json;

void DownHandler::operator()(std::int64_t seq, const std::string& type, const json& body) {
  try {
    if (type == "command")
      command(body);
    else if (type == "incident")
      incident(body);
    else if (type == "notice")
      notice(body);
    else if (type == "policy-update")
      policy_update(body);
    else if (type == "alert")
      ctx_.writes.run([&](WriteContext& w) { take_alert_from_above(ctx_, w, body); });
    else if (type == "share")
      ctx_.writes.run([&](WriteContext& w) { take_share_from_above(ctx_, w, body); });
    else
      throw Error(ErrorCode::kBadRequest, "unknown entry type '" + type + "'", "type");
  } catch (const Error& e) {
    // A failure to write (a full queue, a store error) is retried; anything else is about the
    // entry (malformed, not the parent's to send, about what this node does not hold): set aside,
    // so one entry never blocks the ones after it.
    if (retried(e)) throw;
    set_aside(seq, type, body, e.what());
  } catch (const std::exception& e) {
    set_aside(seq, type, body, std::string("malformed entry: ") + e.what());
  }
}

bool DownHandler::retried(const Error& e) {
  return e.code() == ErrorCode::kInternal || e.code() == ErrorCode::kTooManyRequests ||
         e.code() == ErrorCode::kUnavailable;
}

void DownHandler::set_aside(std::int64_t seq, const std::string& type, const json& body,
                            const std::string& reason) {
  const std::string parent = ctx_.federation()->find(ctx_.node_id)->parent.value_or("");
  ctx_.writes.run([&](WriteContext& w) {
    Quarantine(w.writer).put({parent, "down", seq, type, reason, parent, ctx_.clock.now()},
                             codec::dump(body));
  });
  ctx_.metrics.events_quarantined++;
}

bool DownHandler::take(WriteContext& w, const Incident& incident, const AuditEntry& change) {
  return take_incident_version(*ctx_.federation(), w.writer, IncidentSource{"", ctx_.node_id, true},
                               incident, change);
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
  const std::string result =
      IncidentService::command_result(c, ctx_.node_id, incidents_.outcome(c)).dump();
  // The answer travels back up the log to the node that sent the command.
  ctx_.writes.run([&](WriteContext& w) { w.writer.append_event("command-result", now, result); });
}

void DownHandler::policy_update(const json& body) {
  const PolicyUpdate u = PolicyUpdate::from_json(body);
  const std::string parent = *ctx_.federation()->find(ctx_.node_id)->parent;
  // Signature and issuing rights are checked in take_policy_update (Error kForbidden: set aside).
  ctx_.writes.run([&](WriteContext& w) { take_policy_update(ctx_, w, u, parent); });
}

namespace {

std::pair<Incident, AuditEntry> version_of(const json& body) {
  try {
    return codec::incident_version_from_json(body);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kBadRequest, std::string("malformed incident: ") + e.what(), "incident");
  }
}

}  // namespace

void DownHandler::notice(const json& body) {
  const auto fed = ctx_.federation();
  std::string target;
  if (!body.is_object() || !body.contains("targets") || !body["targets"].is_array() ||
      body["targets"].empty() || !body["targets"][0].is_string() || !body.contains("incident"))
    throw Error(ErrorCode::kBadRequest, "a notice is {targets: [NODE], incident}", "targets");
  target = body["targets"][0].get<std::string>();
  const auto version = version_of(body["incident"]);
  if (target != ctx_.node_id) {
    if (fed->find(target) && fed->in_subtree(target, ctx_.node_id))
      pass_down(target, "notice", body);
    return;
  }
  ctx_.writes.run([&](WriteContext& w) {
    take(w, version.first, version.second);
    publish_after_commit(ctx_, w, "notice", body.at("incident"));
  });
}

void DownHandler::incident(const json& body) {
  const auto fed = ctx_.federation();
  const auto version = version_of(body);
  // Versions travel down toward the incident's origin, or to its owner below (an agency).
  const auto below = [&](const std::string& n) {
    return fed->find(n) && fed->in_subtree(n, ctx_.node_id);
  };
  const Incident& i = version.first;
  const std::string toward = below(i.origin) ? i.origin : below(i.owner) ? i.owner : "";
  if (toward.empty())
    throw Error(ErrorCode::kForbidden,
                "incident '" + i.id + "': neither its origin nor its owner is in this subtree",
                "incident");
  bool arrived = false;
  ctx_.writes.run([&](WriteContext& w) {
    arrived = !w.writer.incident(i.id).has_value();
    if (take(w, i, version.second)) publish_after_commit(ctx_, w, "incident", body);
  });
  if (toward != ctx_.node_id)
    pass_down(toward, "incident", body);
  else if (arrived)
    incidents_.apply_pending(i.id);  // what this agency did before the event reached it
}

}  // namespace ioc::federation
