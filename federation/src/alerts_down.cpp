#include "alerts_down.hpp"

#include <algorithm>

#include "cap_xml.hpp"
#include "crypto_util.hpp"
#include "ioc/error.hpp"
#include "ioc/federation/sharing.hpp"
#include "json_codec.hpp"
#include "write_rights.hpp"

namespace ioc::federation {

using nlohmann::json;

namespace {

std::string signed_text(const json& alert) {
  return "IOC1-ALERT\n" + alert.dump();
}

std::vector<std::string> covered(const Alert& a) {
  return a.areas.empty() ? std::vector<std::string>{a.area} : a.areas;
}

void queue_for_children(FederationContext& ctx, WriteContext& w, const Alert& alert,
                        const std::string& wire) {
  for (const auto& child : children_covered(*ctx.federation(), ctx.node_id, alert)) {
    w.writer.append_outbox(child, "alert", alert.sent, wire);
    w.after_commit.push_back([&ctx, child] {
      if (ctx.outbox_appended) ctx.outbox_appended(child);
    });
  }
}

[[noreturn]] void refuse(const std::string& field, const std::string& why) {
  throw Error(ErrorCode::kForbidden, why, field);
}

bool may_share(const FederationContext& ctx, const std::string& from, const std::string& to,
               const Alert& alert) {
  const SharedItem item{"", alert.domain, alert.severity, true};
  return share_for(ctx.policies.engine()->policies(), *ctx.federation(), from, to,
                   policy::DataKind::kAlerts, item)
             .granularity != policy::Granularity::kNone;
}

// Queues the signed alert toward `target` (below this node), naming it.
void queue_alert_toward(FederationContext& ctx, WriteContext& w, const json& wire, TimeMs ts,
                        const std::string& target) {
  json entry = wire;
  entry["to"] = target;
  queue_toward(ctx, w, "alert", ts, entry.dump(), target);
}

// The alert in `wire`, checked to be signed by its sender with a key the federation lists.
Alert signed_alert(const FederationConfig& fed, const json& wire) {
  if (!wire.is_object() || !wire.contains("alert") || !wire["alert"].is_object() ||
      !wire.contains("signature") || !wire["signature"].is_string())
    throw Error(ErrorCode::kBadRequest, "an alert entry is {alert, signature}", "alert");
  const json& body = wire["alert"];
  Alert alert;
  try {
    alert = codec::alert_from_json(body);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kBadRequest, std::string("malformed alert: ") + e.what(), "alert");
  }
  // Its sender's signature: a node that passed it on cannot have written or changed it.
  const NodeConfig* sender = fed.find(alert.sender);
  if (!sender) refuse("sender", "alert sender '" + alert.sender + "' is not in the federation");
  if (!signed_by(*sender, signed_text(body), wire["signature"].get<std::string>()))
    refuse("signature", "alert '" + alert.identifier + "' is not signed by '" + alert.sender + "'");
  return alert;
}

}  // namespace

std::vector<std::string> shared_with(const FederationContext& ctx, const std::string& self,
                                     const Alert& alert) {
  // Only a rule that names a node sends alerts anywhere but up, so only those nodes are asked
  // about (the most specific rule for each may still say none).
  const auto fed = ctx.federation();
  const auto above = fed->ancestors(self);
  std::vector<std::string> out;
  for (const auto& r : ctx.policies.engine()->policies().sharing) {
    const std::string& to = r.to;
    if (!(r.data & policy::bit(policy::DataKind::kAlerts)) || (r.from != "*" && r.from != self) ||
        to == "parent" || to == "children" || to == "subtree" || to == self ||
        std::find(above.begin(), above.end(), to) != above.end() ||
        std::find(out.begin(), out.end(), to) != out.end())
      continue;
    if (may_share(ctx, self, to, alert)) out.push_back(to);
  }
  return out;
}

std::vector<std::string> children_covered(const FederationConfig& fed, const std::string& self,
                                          const Alert& alert) {
  std::vector<std::string> out;
  const auto nodes = covered(alert);
  for (const auto& child : fed.children(self)) {
    const bool covers = std::any_of(nodes.begin(), nodes.end(), [&](const std::string& n) {
      return fed.find(n) && (fed.in_subtree(child, n) || fed.in_subtree(n, child));
    });
    if (covers) out.push_back(child);
  }
  return out;
}

json sign_alert(const PrivateKey& key, const Alert& alert) {
  const json body = codec::to_json(alert);
  return json{{"alert", body}, {"signature", crypto::base64_encode(key.sign(signed_text(body)))}};
}

void send_alert_down(FederationContext& ctx, WriteContext& w, const Alert& alert,
                     const PrivateKey& key) {
  if (alert.sender != ctx.node_id) return;  // others' alerts go down from the node that issued
  const auto fed = ctx.federation();
  const bool covers_below = !children_covered(*fed, ctx.node_id, alert).empty();
  const auto shared = shared_with(ctx, ctx.node_id, alert);
  if (!covers_below && shared.empty()) return;
  const json wire = sign_alert(key, alert);
  if (covers_below) queue_for_children(ctx, w, alert, wire.dump());
  std::vector<std::string> elsewhere;
  for (const auto& target : shared)
    if (fed->in_subtree(target, ctx.node_id))
      queue_alert_toward(ctx, w, wire, alert.sent, target);
    else
      elsewhere.push_back(target);
  if (elsewhere.empty()) return;
  json across = wire;
  across["to"] = elsewhere;
  w.writer.append_event("alert-across", alert.sent, across.dump());
}

void take_alert_across(FederationContext& ctx, WriteContext& w, const std::string& caller,
                       const std::string& origin, const json& body) {
  const auto fed = ctx.federation();
  if (!body.is_object() || !body.contains("to") || !body["to"].is_array())
    throw Error(ErrorCode::kBadRequest, "an alert-across entry names its targets in to", "to");
  // Only the nearest common ancestor turns it down (a target below it, outside the subtree it
  // came from); the nodes below it only relay it up, and need not check what they relay.
  std::vector<std::string> here;
  for (const auto& t : body["to"]) {
    if (!t.is_string()) throw Error(ErrorCode::kBadRequest, "to: node ids", "to");
    const std::string target = t.get<std::string>();
    if (fed->find(target) && fed->in_subtree(target, ctx.node_id) &&
        !fed->in_subtree(target, caller) && target != ctx.node_id)
      here.push_back(target);
  }
  if (here.empty()) return;
  const Alert alert = signed_alert(*fed, body);
  if (alert.sender != origin)
    refuse("sender", "alert '" + alert.identifier + "' names sender '" + alert.sender + "', but '" +
                         origin + "' wrote it");
  for (const auto& target : here)
    if (!may_share(ctx, origin, target, alert))
      refuse("to",
             "no Sharing rule in force here lets '" + origin + "' send alerts to '" + target + "'");
  json down = body;
  down.erase("to");
  for (const auto& target : here) queue_alert_toward(ctx, w, down, alert.sent, target);
}

void take_alert_from_above(FederationContext& ctx, WriteContext& w, const json& wire) {
  const auto fed = ctx.federation();
  const Alert alert = signed_alert(*fed, wire);
  const json& body = wire["alert"];
  if (wire.contains("to")) {  // shared by a Sharing rule, with one node
    if (!wire["to"].is_string()) throw Error(ErrorCode::kBadRequest, "to: a node id", "to");
    const std::string target = wire["to"].get<std::string>();
    if (!fed->find(target) || !fed->in_subtree(target, ctx.node_id))
      refuse("to", "alert '" + alert.identifier + "' is for '" + target + "', not below '" +
                       ctx.node_id + "'");
    if (!may_share(ctx, alert.sender, target, alert))
      refuse("to", "no Sharing rule in force here lets '" + alert.sender + "' send alerts to '" +
                       target + "'");
    check_alert(*fed, alert.sender, alert,
                [&w](const std::string& id) { return w.writer.alert(id); });
    if (target != ctx.node_id) {
      json on = wire;
      on.erase("to");
      queue_alert_toward(ctx, w, on, alert.sent, target);
      return;
    }
    if (w.writer.alert(alert.identifier)) return;
    w.writer.apply_alert(alert, replaced_alert(alert));
    publish_after_commit(ctx, w, "alert", body);
    return;
  }
  const auto above = fed->ancestors(ctx.node_id);
  if (std::find(above.begin(), above.end(), alert.sender) == above.end())
    refuse("sender", "alert '" + alert.identifier + "' comes from '" + alert.sender +
                         "', which is not above '" + ctx.node_id + "'");
  check_alert(*fed, alert.sender, alert,
              [&w](const std::string& id) { return w.writer.alert(id); });
  const auto nodes = covered(alert);
  const bool covers_here = std::any_of(nodes.begin(), nodes.end(), [&](const std::string& n) {
    return fed->in_subtree(n, ctx.node_id) || fed->in_subtree(ctx.node_id, n);
  });
  if (!covers_here)
    refuse("areas", "alert '" + alert.identifier + "' does not cover '" + ctx.node_id + "'");
  if (w.writer.alert(alert.identifier)) return;  // taken already: a repeat after a reconnect
  w.writer.apply_alert(alert, replaced_alert(alert));
  publish_after_commit(ctx, w, "alert", body);
  queue_for_children(ctx, w, alert, wire.dump());
}

}  // namespace ioc::federation
