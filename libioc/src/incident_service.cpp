#include "incident_service.hpp"

#include <cmath>
#include <future>

#include "alert_service.hpp"
#include "cap_xml.hpp"
#include "crypto_util.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"

namespace ioc {

std::optional<IncidentStatus> IncidentService::target_status(IncidentAction action) {
  switch (action) {
    case IncidentAction::kAcknowledge:
      return IncidentStatus::kAcknowledged;
    case IncidentAction::kDispatch:
      return IncidentStatus::kDispatched;
    case IncidentAction::kResolve:
      return IncidentStatus::kResolved;
    case IncidentAction::kClose:
      return IncidentStatus::kClosed;
    case IncidentAction::kCancel:
      return IncidentStatus::kCancelled;
    case IncidentAction::kEscalate:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string IncidentService::transition_error(IncidentStatus from, IncidentAction action) {
  if (from == IncidentStatus::kClosed || from == IncidentStatus::kCancelled)
    return "incident is " + std::string(to_string(from)) + "; no further action is possible";
  const auto to = target_status(action);
  if (!to) return {};
  if (*to == IncidentStatus::kCancelled) return {};
  if (lifecycle_step(*to) <= lifecycle_step(from))
    return "cannot " + std::string(to_string(action)) + ": incident is already " +
           std::string(to_string(from));
  return {};
}

std::vector<IncidentService::Choice> IncidentService::choices(const Actor& actor,
                                                              const Incident& i) const {
  std::vector<Choice> out;
  for (const auto action :
       {IncidentAction::kAcknowledge, IncidentAction::kDispatch, IncidentAction::kResolve,
        IncidentAction::kClose, IncidentAction::kEscalate, IncidentAction::kCancel}) {
    Choice c{action, false, {}, {}, {}, {}};
    if (!role_allows(actor.role, Role::kOperator)) {
      c.reason = "the role " + std::string(to_string(actor.role)) + " may not act on incidents";
      c.field = "role";
    } else if (const Decision d = ctx_.authorizer.decide(AuthzRequest{
                   actor, operator_action(action), i.domain, i.area, i.severity, ctx_.clock.now()});
               !d.allowed) {
      c.reason = d.reason;
      c.field = d.field;
    } else if (const auto why = transition_error(i.status, action); !why.empty()) {
      c.reason = why;
      c.field = "status";
    } else {
      c.allowed = true;
      c.grant = d.grant;
      if (i.owner != ctx_.node_id) c.decided_by = i.owner;
    }
    out.push_back(std::move(c));
  }
  return out;
}

void IncidentService::record(WriteContext& w, const Incident& incident, const AuditEntry& entry,
                             bool created) {
  const auto fed = ctx_.federation();
  if (created)
    w.writer.insert_incident(incident);
  else
    w.writer.update_incident(incident, entry);
  codec::json body = codec::incident_head(incident);
  body["change"] = codec::to_json(entry);
  const auto seq = w.writer.append_event("incident", entry.at, body.dump());
  if (ctx_.record_logged) ctx_.record_logged(w, {"incident", entry.at, [&] { return body; }});
  // The origin keeps every version: one reported below this node travels down toward it. One
  // reported here for an owner below (an agency) travels down to its owner.
  std::string via;
  if (incident.origin != ctx_.node_id && fed->in_subtree(incident.origin, ctx_.node_id))
    via = fed->child_toward(ctx_.node_id, incident.origin);
  else if (created && incident.owner != ctx_.node_id &&
           fed->in_subtree(incident.owner, ctx_.node_id))
    via = fed->child_toward(ctx_.node_id, incident.owner);
  if (!via.empty()) w.writer.append_outbox(via, "incident", entry.at, body.dump());
  const std::string live = codec::json{{"type", "incident"}, {"data", body}}.dump();
  w.after_commit.push_back([this, live, seq, created, via] {
    ctx_.metrics.event_log_seq = seq;
    if (!via.empty() && ctx_.outbox_appended) ctx_.outbox_appended(via);
    (created ? ctx_.metrics.incidents_opened : ctx_.metrics.incident_actions)++;
    ctx_.events.publish(live);
  });
}

namespace {

double metres_between(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadius = 6'371'000, kRad = 3.14159265358979323846 / 180;
  const double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  const double a =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadius * std::asin(std::min(1.0, std::sqrt(a)));
}

// The form report_in gives ids ("inc-" and 16 hex digits): only such ids are held at an agency,
// so a mistyped one is a 404, not an action kept forever.
bool looks_like_incident_id(const std::string& id) {
  return id.size() == 20 && id.rfind("inc-", 0) == 0 &&
         id.find_first_not_of("0123456789abcdef", 4) == std::string::npos;
}

// The camera nearest a position, of those a node knows.
std::optional<CameraRef> nearest_camera(const std::vector<Camera>& cameras, const Location& at) {
  if (!at.lat || !at.lon) return std::nullopt;
  std::optional<CameraRef> best;
  for (const auto& c : cameras) {
    const double d = metres_between(*at.lat, *at.lon, c.lat, c.lon);
    if (!best || d < best->distance_m) best = CameraRef{c.id, c.stream, std::round(d)};
  }
  return best;
}

}  // namespace

AuditEntry IncidentService::change(WriteContext& w, Incident& i, const std::string& actor,
                                   const std::string& action, const std::string& note,
                                   const std::string& grant) {
  i.version += 1;
  i.updated = ctx_.clock.now();
  AuditEntry entry{i.updated, actor, action, note, grant, i.version};
  record(w, i, entry, false);
  i.history.push_back(entry);
  return entry;
}

Incident IncidentService::report_in(WriteContext& w, const std::string& actor,
                                    const IncidentDraft& draft, const std::string& alert_id) {
  Incident i;
  i.id = "inc-" + crypto::random_hex(8);
  i.domain = draft.domain;
  i.severity = draft.severity;
  i.area = draft.area;
  i.title = draft.title;
  i.location = draft.location;
  i.location.camera = nearest_camera(ctx_.local.cameras, i.location);
  i.origin = ctx_.node_id;
  i.created = i.updated = ctx_.clock.now();
  i.owner = ctx_.authority.owner_for(ctx_.node_id, i.domain, i.area, i.severity, i.created);
  i.alert_id = alert_id;
  i.history.push_back(AuditEntry{i.created, actor, "report", draft.note, "", 1});
  record(w, i, i.history.back(), true);
  return i;
}

void IncidentService::report(const Actor& actor, const IncidentDraft& draft,
                             Completion<Incident> done) {
  const auto fed = ctx_.federation();
  if (!fed->find(draft.area))
    return done({}, std::make_exception_ptr(Error(
                        ErrorCode::kBadRequest,
                        "area '" + draft.area + "' is not a node of the federation", "area")));
  ctx_.writes.submit_for<Incident>(
      [this, actor_name = actor.name + "@" + actor.node, draft](WriteContext& w) {
        return report_in(w, actor_name, draft, "");
      },
      std::move(done));
}

Incident IncidentService::report(const Actor& actor, const IncidentDraft& draft) {
  return wait_for<Incident>([&](Completion<Incident> done) { report(actor, draft, done); });
}

namespace {

ErrorCode code_for_status(int status) {
  switch (status) {
    case 400:
      return ErrorCode::kBadRequest;
    case 403:
      return ErrorCode::kForbidden;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kConflict;
    case 503:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInternal;
  }
}

}  // namespace

codec::json IncidentService::command(const Actor& actor, const Incident& i, IncidentAction action,
                                     const std::string& note) const {
  return codec::json{
      {"id", "cmd-" + crypto::random_hex(8)},
      {"incident", i.id},
      {"owner", i.owner},
      {"action", to_string(action)},
      {"note", note},
      {"actor", {{"name", actor.name}, {"role", to_string(actor.role)}, {"node", actor.node}}},
      {"at", format_rfc3339(ctx_.clock.now())}};
}

IncidentCommand IncidentService::parse_command(const codec::json& j) {
  using codec::json;
  const auto fail = [](const std::string& field, const std::string& why) {
    throw Error(ErrorCode::kBadRequest, field + ": " + why, field);
  };
  if (!j.is_object()) fail("command", "expected an object");
  for (const auto& [key, value] : j.items())
    if (key != "id" && key != "incident" && key != "owner" && key != "action" && key != "note" &&
        key != "actor" && key != "at")
      fail(key, "unknown field");
  const auto text = [&fail](const json& o, const char* key, const std::string& field,
                            bool required) {
    const auto it = o.find(key);
    if (it == o.end() && !required) return std::string();
    if (it == o.end() || !it->is_string() ||
        (required && it->get_ref<const std::string&>().empty()))
      fail(field, "expected a string");
    if (it->get_ref<const std::string&>().size() > 4000) fail(field, "longer than 4000 bytes");
    return it->get<std::string>();
  };
  IncidentCommand c;
  c.id = text(j, "id", "id", true);
  c.incident = text(j, "incident", "incident", true);
  c.owner = text(j, "owner", "owner", false);
  const auto action = parse_incident_action(text(j, "action", "action", true));
  if (!action) fail("action", "unknown action");
  c.action = *action;
  c.note = text(j, "note", "note", false);
  const auto actor = j.find("actor");
  if (actor == j.end() || !actor->is_object()) fail("actor", "expected {name, role, node}");
  for (const auto& [key, value] : actor->items())
    if (key != "name" && key != "role" && key != "node") fail("actor." + key, "unknown field");
  c.actor.name = text(*actor, "name", "actor.name", true);
  c.actor.node = text(*actor, "node", "actor.node", true);
  const auto role = parse_role(text(*actor, "role", "actor.role", true));
  if (!role) fail("actor.role", "unknown role");
  c.actor.role = *role;
  return c;
}

void IncidentService::ask_owner_above(const Actor& actor, const Incident& i, IncidentAction action,
                                      const std::string& note, const ActDone& done) {
  const auto fed = ctx_.federation();
  const Decision d = ctx_.authorizer.decide(
      AuthzRequest{actor, operator_action(action), i.domain, i.area, i.severity, ctx_.clock.now()});
  if (!d.allowed)
    throw Error(ErrorCode::kForbidden,
                "not allowed to " + std::string(to_string(action)) + ": " + d.reason, d.field);
  const std::string parent = *fed->find(ctx_.node_id)->parent;
  if (!ctx_.command_up)
    throw Error(ErrorCode::kUnavailable,
                "incident is owned by '" + i.owner + "' above this node, and this node has no " +
                    "link to '" + parent + "' to send it the command",
                "owner");
  // The owner is the single writer: it decides again by its policies and answers. The answer
  // completes `done` from the link's own thread: no thread of this node waits for it.
  ctx_.command_up(command(actor, i, action, note).dump(),
                  [owner = i.owner, parent, done](NodeContext::PeerAnswer answer) {
                    ActResult out;
                    try {
                      out = owner_answer(owner, parent, answer);
                    } catch (...) {
                      return done({}, std::current_exception());
                    }
                    done(std::move(out), nullptr);
                  });
}

ActResult IncidentService::owner_answer(const std::string& owner, const std::string& parent,
                                        const NodeContext::PeerAnswer& answer) {
  if (answer.status == 0)
    throw Error(
        ErrorCode::kUnavailable,
        "the owner '" + owner + "' could not be reached through '" + parent + "': " + answer.error,
        "owner");
  // The answer is the parent's, verified by its signature; still read strictly.
  std::string message, field;
  Incident incident;
  try {
    const auto body = codec::parse_external(answer.body);
    if (answer.status == 200) {
      incident = codec::incident_from_json(body.at("incident"));
    } else {
      message = body.at("error").at("message").get<std::string>();
      field = body.at("error").value("field", "owner");
    }
  } catch (const std::exception&) {
    throw Error(ErrorCode::kUnavailable,
                "the owner '" + owner + "' answered " + std::to_string(answer.status) +
                    " with a body this node cannot read",
                "owner");
  }
  if (answer.status != 200)
    throw Error(code_for_status(answer.status), "the owner '" + owner + "' answered: " + message,
                field);
  return ActResult{incident, "", ""};
}

ActResult IncidentService::act(const Actor& actor, const std::string& id, IncidentAction action,
                               const std::string& note) {
  return wait_for<ActResult>([&](ActDone done) { act(actor, id, action, note, std::move(done)); });
}

void IncidentService::act(const Actor& actor, const std::string& id, IncidentAction action,
                          const std::string& note, ActDone done) {
  try {
    const auto held = ctx_.store.incident(id);
    const auto fed = ctx_.federation();
    // An incident owned above this node is changed by its owner only: ask it, outside the writer.
    if (held && held->owner != ctx_.node_id && !fed->in_subtree(held->owner, ctx_.node_id))
      return ask_owner_above(actor, *held, action, note, done);
    act_here(actor, id, action, note, std::move(done));
  } catch (...) {
    done({}, std::current_exception());
  }
}

void IncidentService::act_here(const Actor& actor, const std::string& id, IncidentAction action,
                               const std::string& note, ActDone done) {
  const auto fed = ctx_.federation();
  const auto held = ctx_.store.incident(id);
  // An agency's own systems may report on an event before the event reaches the agency: the
  // action waits for it, in order.
  if (!held && fed->find(ctx_.node_id)->kind == NodeKind::kAgency && looks_like_incident_id(id)) {
    ActResult out;
    out.pending = true;
    out.incident.id = id;
    out.incident.owner = ctx_.node_id;
    // Kept as the command it will be, to this node as the owner.
    ctx_.writes.submit_for<ActResult>(
        [out, body = command(actor, out.incident, action, note).dump()](WriteContext& w) {
          w.writer.hold_action(out.incident.id, body);
          return out;
        },
        std::move(done));
    return;
  }
  ctx_.writes.submit_for<ActResult>(
      [this, actor, id, action, note, fed](WriteContext& w) {
        auto found = w.writer.incident(id);
        if (!found) throw Error(ErrorCode::kNotFound, "no incident '" + id + "'", "id");
        Incident& i = *found;
        const Decision d = ctx_.authorizer.decide(AuthzRequest{
            actor, operator_action(action), i.domain, i.area, i.severity, ctx_.clock.now()});
        if (!d.allowed)
          throw Error(ErrorCode::kForbidden,
                      "not allowed to " + std::string(to_string(action)) + ": " + d.reason,
                      d.field);
        if (i.owner == ctx_.node_id && !fed->in_subtree(i.origin, ctx_.node_id) &&
            !fed->in_subtree(ctx_.node_id, i.origin))
          throw Error(ErrorCode::kConflict,
                      "incident '" + i.id + "': its origin '" + i.origin +
                          "' is no longer below this node after a reorganisation; its owner is "
                          "decided along its new chain",
                      "owner");
        if (i.owner != ctx_.node_id) {
          if (!fed->in_subtree(i.owner, ctx_.node_id))
            throw Error(ErrorCode::kConflict,
                        "incident '" + i.id + "' has just moved to owner '" + i.owner +
                            "' above this node; send the action again",
                        "owner");
          // The owner is the single writer: send it the command down the tree.
          const std::string via = fed->child_toward(ctx_.node_id, i.owner);
          const codec::json body = command(actor, i, action, note);
          const std::string command_id = body["id"];
          w.writer.append_outbox(via, "command", ctx_.clock.now(), body.dump());
          w.after_commit.push_back([this, via] {
            if (ctx_.outbox_appended) ctx_.outbox_appended(via);
          });
          return ActResult{i, command_id, via};
        }
        if (const auto why = transition_error(i.status, action); !why.empty())
          throw Error(ErrorCode::kConflict, why, "action");
        if (action == IncidentAction::kEscalate) {
          escalate_in(w, i, actor.name + "@" + actor.node, note, d.grant);
          return ActResult{i, "", ""};
        }
        i.status = *target_status(action);
        change(w, i, actor.name + "@" + actor.node, std::string(to_string(action)), note, d.grant);
        return ActResult{i, "", ""};
      },
      std::move(done));
}

void IncidentService::notify_in(WriteContext& w, Incident& i, const std::string& actor,
                                const std::string& grant, const std::vector<std::string>& targets) {
  const auto fed = ctx_.federation();
  std::string named;
  for (const auto& t : targets) named += (named.empty() ? "" : ", ") + t;
  const AuditEntry entry = change(w, i, actor, "notify", "to " + named, grant);
  // A notice reaches each target whatever Sharing says: down from here for targets below this
  // node, up the log for the others (the lowest common ancestor turns it down toward them).
  codec::json notice{{"targets", targets}, {"incident", codec::incident_head(i)}};
  notice["incident"]["change"] = codec::to_json(entry);
  std::vector<std::string> up, woken;
  for (const auto& t : targets) {
    if (t == ctx_.node_id) continue;
    if (!fed->in_subtree(t, ctx_.node_id)) {
      up.push_back(t);
      continue;
    }
    const std::string via = fed->child_toward(ctx_.node_id, t);
    codec::json one = notice;
    one["targets"] = {t};
    w.writer.append_outbox(via, "notice", i.updated, one.dump());
    woken.push_back(via);
  }
  if (!up.empty()) {
    notice["targets"] = up;
    w.writer.append_event("notice", i.updated, notice.dump());
  }
  w.after_commit.push_back([this, woken] {
    for (const auto& via : woken)
      if (ctx_.outbox_appended) ctx_.outbox_appended(via);
  });
}

std::string IncidentService::escalation_target(const Incident& i) const {
  return ctx_.authority.escalation_target(ctx_.node_id, i.domain, i.area, i.severity,
                                          ctx_.clock.now());
}

void IncidentService::escalate_in(WriteContext& w, Incident& i, const std::string& actor,
                                  const std::string& note, const std::string& grant) {
  const std::string target = escalation_target(i);
  if (target.empty())
    throw Error(ErrorCode::kConflict,
                "cannot escalate: '" + ctx_.node_id + "' is the root; no node above it", "action");
  // Ownership moves up; the new version travels whole to the new owner (it is owned above now).
  i.owner = target;
  change(w, i, actor, "escalate", note.empty() ? "to " + target : note + " (to " + target + ")",
         grant);
  // The alert that opened it gets a CAP Update saying where it went, from the node that issued
  // it (a node updates only its own alerts); the alert itself stays the active one until its
  // Cancel.
  if (i.alert_id.empty()) return;
  const auto original = ctx_.store.alert(i.alert_id);
  if (!original || original->sender != ctx_.node_id) return;
  Alert update = *original;
  update.identifier = "ioc-" + crypto::random_hex(10);
  update.sender = ctx_.node_id;
  update.sent = i.updated;
  update.msg_type = CapMsgType::kUpdate;
  update.severity = std::max(update.severity, i.severity);
  update.headline = "Escalated to " + target + ": " + original->headline;
  update.references = {cap_reference(*original)};
  update.active = false;
  record_alert(ctx_, w, update, "");
}

std::vector<std::string> IncidentService::reown_after_reorganisation() {
  const auto chain = ctx_.federation()->ancestors(ctx_.node_id);
  const auto in_chain = [&](const std::string& n) {
    return n == ctx_.node_id || std::find(chain.begin(), chain.end(), n) != chain.end();
  };
  std::vector<std::string> candidates;  // open incidents reported here, owned off the new chain
  for (const auto& i : ctx_.store.open_incidents())
    if (i.origin == ctx_.node_id && !in_chain(i.owner)) candidates.push_back(i.id);
  std::vector<std::string> moved;
  if (candidates.empty()) return moved;
  ctx_.writes.run([&](WriteContext& w) {
    for (const auto& id : candidates) {
      auto found = w.writer.incident(id);
      if (!found || in_chain(found->owner)) continue;
      Incident& i = *found;
      // It was owned above this node, so it stays above: the nearest ancestor with authority.
      std::string owner = escalation_target(i);
      if (owner.empty()) owner = ctx_.node_id;  // this node is the root now
      const std::string before = i.owner;
      i.owner = owner;
      change(w, i, ctx_.node_id, "reorganise",
             "owner '" + before + "' is no longer above '" + ctx_.node_id +
                 "'; the nearest node above with authority now owns it: '" + owner + "'",
             "");
      moved.push_back(i.id + ": " + before + " -> " + owner);
    }
  });
  return moved;
}

CommandOutcome IncidentService::outcome(const IncidentCommand& c) {
  try {
    return CommandOutcome{
        true, act(c.actor, c.incident, c.action, c.note).incident.version, {}, {}};
  } catch (const Error& e) {
    return CommandOutcome{false, 0, std::string(code_name(e.code())), e.what()};
  }
}

codec::json IncidentService::command_result(const IncidentCommand& c, const std::string& owner,
                                            const CommandOutcome& o,
                                            const std::string& held_since) {
  codec::json result{{"command", c.id},
                     {"incident", c.incident},
                     {"action", to_string(c.action)},
                     {"owner", owner},
                     {"ok", o.ok}};
  if (!held_since.empty()) result["heldSince"] = held_since;
  if (o.ok) {
    result["version"] = o.version;
  } else {
    result["code"] = o.code;
    result["reason"] = o.reason;
  }
  return result;
}

void IncidentService::apply_pending(const std::string& id) {
  for (const auto& [seq, text] : ctx_.store.pending_actions(id)) {
    const auto body = codec::json::parse(text);
    const IncidentCommand c = parse_command(body);   // written by act(): well-formed
    if (!ctx_.store.incident(c.incident)) continue;  // (after a restart) not arrived yet
    const CommandOutcome o = outcome(c);
    const std::int64_t taken = seq;  // (clang 14: no structured binding in a lambda)
    ctx_.writes.run([&](WriteContext& w) {
      w.writer.drop_pending_action(taken);
      if (!o.ok)
        w.writer.append_event("command-result", ctx_.clock.now(),
                              command_result(c, ctx_.node_id, o, body.value("at", "")).dump());
    });
  }
}

}  // namespace ioc
