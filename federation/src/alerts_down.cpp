#include "alerts_down.hpp"

#include <algorithm>

#include "cap_xml.hpp"
#include "crypto_util.hpp"
#include "ioc/error.hpp"
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

}  // namespace

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
  if (children_covered(*ctx.federation(), ctx.node_id, alert).empty()) return;
  queue_for_children(ctx, w, alert, sign_alert(key, alert).dump());
}

void take_alert_from_above(FederationContext& ctx, WriteContext& w, const json& wire) {
  const auto fed = ctx.federation();
  if (!wire.is_object() || !wire.contains("alert") || !wire["alert"].is_object() ||
      !wire.contains("signature") || !wire["signature"].is_string())
    throw Error(ErrorCode::kBadRequest, "an alert from above is {alert, signature}", "alert");
  const json& body = wire["alert"];
  Alert alert;
  try {
    alert = codec::alert_from_json(body);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kBadRequest, std::string("malformed alert: ") + e.what(), "alert");
  }
  // Its sender's signature: the parent that passed it on cannot have written or changed it.
  const NodeConfig* sender = fed->find(alert.sender);
  if (!sender) refuse("sender", "alert sender '" + alert.sender + "' is not in the federation");
  const auto sig = crypto::base64_decode(wire["signature"].get<std::string>(), false);
  const bool signed_by_sender =
      sig && std::any_of(sender->public_keys.begin(), sender->public_keys.end(),
                         [&](const std::string& file) {
                           return PublicKey::load(file).verify(signed_text(body), *sig);
                         });
  if (!signed_by_sender)
    refuse("signature", "alert '" + alert.identifier + "' is not signed by '" + alert.sender + "'");
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
