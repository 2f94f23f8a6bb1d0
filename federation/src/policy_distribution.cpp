#include "policy_distribution.hpp"

#include <algorithm>

#include "crypto_util.hpp"
#include "federation_tables.hpp"
#include "ioc/error.hpp"

namespace ioc::federation {

using nlohmann::json;

namespace {

// Keeps the update and queues it for every child but `from`; adoption follows the commit.
void keep_and_pass_on(FederationContext& ctx, WriteContext& w, const PolicyUpdate& u,
                      const std::string& from) {
  const auto fed = ctx.federation();
  const std::string text = u.to_json().dump();
  if (!PolicyUpdates(w.writer).put(u.kind + ":" + u.id(), u.kind, text)) return;  // held already
  // What its issuer may not issue is neither kept nor passed on (the caller's savepoint undoes
  // the put): the same rules as the routes that issue them, at every node it passes.
  ctx.policies.check_update(u, ctx.clock.now());
  std::vector<std::string> children;
  for (const auto& child : fed->children(ctx.node_id))
    if (child != from) {
      w.writer.append_outbox(child, "policy-update", ctx.clock.now(), text);
      children.push_back(child);
    }
  // The root's own set is already in force there: only the nodes below adopt it.
  const bool adopt = !(u.kind == "policy-set" && ctx.node_id == fed->root());
  w.after_commit.push_back([&ctx, u, children, adopt] {
    if (adopt) ctx.policies.adopt(u, ctx.clock.now());
    for (const auto& c : children)
      if (ctx.outbox_appended) ctx.outbox_appended(c);
  });
}

// The policy set this node sent or took last: its version (empty when none) and when it was sent.
struct LastSet {
  std::string version;
  TimeMs sent = 0;
};

LastSet last_set(const Store& store) {
  const auto text = PolicyUpdates::last(store, "policy-set");
  if (!text) return {};
  try {
    const json body = PolicyUpdate::from_json(json::parse(*text)).body;
    return {body.value("version", ""), body.value("sent", TimeMs{0})};
  } catch (const std::exception&) {
    return {};
  }
}

// Checks an update against the policy in force and signs it.
PolicyUpdate signed_update(FederationContext& ctx, const std::string& kind, const json& body) {
  if (!ctx.sign_policy)
    throw Error(ErrorCode::kUnavailable,
                "this node has no private key (--key), so it cannot sign grants or revocations",
                "key");
  const TimeMs now = ctx.clock.now();
  json signed_body;
  if (kind == "grant") {
    const auto g =
        ctx.policies.check_grant(grant_from_json(body, *ctx.federation(), ctx.node_id), now);
    signed_body = grant_to_json(g);
  } else {
    if (!body.is_object())
      throw Error(ErrorCode::kBadRequest, "expected an object {grant, reason}", "body");
    for (const auto& [key, value] : body.items())
      if (key != "grant" && key != "reason")
        throw Error(ErrorCode::kBadRequest, key + ": unknown field", key);
    if (!body.contains("grant") || !body["grant"].is_string())
      throw Error(ErrorCode::kBadRequest, "grant: the id of the grant to revoke is required",
                  "grant");
    const std::string grant = body["grant"];
    ctx.policies.check_revocation(grant, ctx.node_id);
    signed_body = {{"id", "rev-" + crypto::random_hex(8)},
                   {"grant", grant},
                   {"at", format_rfc3339(now)},
                   {"reason", body.value("reason", "")}};
  }
  return ctx.sign_policy(kind, signed_body);
}

}  // namespace

void issue_policy_update(FederationContext& ctx, const std::string& kind, const json& body,
                         Completion<PolicyUpdate> done) {
  PolicyUpdate u;
  try {
    u = signed_update(ctx, kind, body);
  } catch (...) {
    return done({}, std::current_exception());
  }
  ctx.writes.submit_for<PolicyUpdate>(
      [&ctx, u](WriteContext& w) {
        w.writer.append_event("policy-update", ctx.clock.now(),
                              u.to_json().dump());  // up toward the root
        keep_and_pass_on(ctx, w, u, "");
        return u;
      },
      std::move(done));
}

void publish_policy_set(FederationContext& ctx) {
  if (ctx.federation()->root() != ctx.node_id || !ctx.sign_policy) return;
  const std::string version = ctx.policies.version();
  const LastSet last = last_set(ctx.store);
  if (last.version == version) return;  // sent already
  json files = json::array();
  for (const auto& [path, text] : ctx.policies.sources())
    files.push_back({{"path", path}, {"text", text}});
  // A set may be sent again after another (files put back as they were): each sending is its own
  // update, and nodes below adopt only a set sent after the one they hold (so `sent` grows even
  // if the root's clock went back).
  const TimeMs sent = std::max(ctx.clock.now(), last.sent + 1);
  const PolicyUpdate u =
      ctx.sign_policy("policy-set", json{{"id", "set-" + version + "-" + std::to_string(sent)},
                                         {"version", version},
                                         {"sent", sent},
                                         {"files", files}});
  ctx.writes.run([&](WriteContext& w) { keep_and_pass_on(ctx, w, u, ""); });
}

void take_policy_update(FederationContext& ctx, WriteContext& w, const PolicyUpdate& u,
                        const std::string& from) {
  verify_update(*ctx.federation(), u);
  keep_and_pass_on(ctx, w, u, from);
}

void restore_policy_updates(FederationContext& ctx) {
  const auto fed = ctx.federation();
  // The root's files are its set in force; the sets it sent before are history (it sends the
  // files' set again as it starts).
  const bool root = fed->root() == ctx.node_id;
  for (const auto& [kind, text] : PolicyUpdates::all(ctx.store)) {
    if (root && kind == "policy-set") continue;
    try {
      const auto u = PolicyUpdate::from_json(json::parse(text));
      verify_update(*fed, u);
      ctx.policies.adopt(u, ctx.clock.now());
    } catch (const std::exception&) {
      // A kept update that no longer verifies (a rotated key) is not adopted.
    }
  }
}

void pass_on_held_updates(FederationContext& ctx, const std::vector<std::string>& children) {
  if (children.empty()) return;
  const auto held = PolicyUpdates::all(ctx.store);
  ctx.writes.run([&](WriteContext& w) {
    for (const auto& child : children)
      for (const auto& [kind, text] : held)
        w.writer.append_outbox(child, "policy-update", ctx.clock.now(), text);
  });
  for (const auto& child : children)
    if (ctx.outbox_appended) ctx.outbox_appended(child);
}

}  // namespace ioc::federation
