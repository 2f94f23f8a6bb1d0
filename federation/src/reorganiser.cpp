#include "reorganiser.hpp"

#include <algorithm>
#include <iostream>

#include "federation_tables.hpp"
#include "ioc/error.hpp"
#include "link_status.hpp"
#include "policy_distribution.hpp"

namespace ioc::federation {
namespace {

// The tree as the store keeps it, {"id": parent or null}.
std::string tree_of(const FederationConfig& fed) {
  nlohmann::json tree = nlohmann::json::object();
  for (const auto& n : fed.nodes)
    tree[n.id] = n.parent ? nlohmann::json(*n.parent) : nlohmann::json(nullptr);
  return tree.dump();
}

FederationConfig tree_from(const std::string& text) {
  FederationConfig fed;
  const auto tree = nlohmann::json::parse(text);
  for (const auto& item : tree.items()) {
    NodeConfig n;
    n.id = item.key();
    if (item.value().is_string()) n.parent = item.value().get<std::string>();
    fed.nodes.push_back(std::move(n));
  }
  fed.reindex();
  return fed;
}

}  // namespace

void Reorganiser::catch_up() {
  const auto fed = ctx_.federation();
  const std::string last = ctx_.store.note("tree");
  if (last == tree_of(*fed)) return;
  if (!last.empty()) {
    const FederationConfig before = tree_from(last);
    if (before.find(ctx_.node_id))
      for (const auto& step : reorganise(before, *fed))
        std::cerr << "ioc: " << ctx_.node_id << " started on a reorganised federation: " << step
                  << std::endl;
  }
  ctx_.writes.run([&](WriteContext& w) { w.writer.set_note("tree", tree_of(*fed)); });
}

void Reorganiser::refuse_undrained_removals(const FederationConfig& before,
                                            const FederationConfig& fresh) {
  const auto links = ctx_.store.links();
  const TimeMs now = ctx_.clock.now();
  const auto refuse = [&](const std::string& child, const std::string& why) {
    throw Error(ErrorCode::kConfig,
                fresh.path + ": error: nodes: '" + child + "' is removed while " + why +
                    "; move its children first, wait until its backlog is 0 (GET "
                    "/api/v1/federation), then remove it",
                "nodes");
  };
  for (const auto& child : before.children(ctx_.node_id)) {
    if (fresh.find(child)) continue;
    const auto asked = removal_asked_.try_emplace(child, now).first->second;
    for (const auto& l : links) {
      if (l.peer != child) continue;
      if (l.backlog > 0)
        refuse(child, "it still had " + std::to_string(l.backlog) +
                          " entries unsent to this node at " + format_rfc3339(l.last_contact));
      // A child still calling may have taken entries from its own children since its last call:
      // only a call after the removal was asked for covers them. One silent for longer than a
      // fresh link may be is gone; its last report is the last word.
      if (l.last_contact <= asked && now - l.last_contact <= kFreshMs)
        refuse(child, "its last call (" + format_rfc3339(l.last_contact) +
                          ") came before the removal was asked for, at " + format_rfc3339(asked) +
                          "; it calls again within seconds");
    }
  }
  removal_asked_.clear();
}

std::vector<std::string> Reorganiser::reorganise(const FederationConfig& before,
                                                 const FederationConfig& fresh) {
  std::vector<std::string> steps;
  // Nodes that left a subtree: the old relays may still send what they took before the move.
  std::vector<std::string> moved;
  ctx_.writes.run([&](WriteContext& w) {
    for (const auto& n : fresh.nodes) {
      if (!before.find(n.id)) continue;
      const auto now_above = fresh.ancestors(n.id);
      bool left = false;
      for (const auto& a : before.ancestors(n.id))
        if (std::find(now_above.begin(), now_above.end(), a) == now_above.end()) {
          Receipts(w.writer).add_former_relay(n.id, a);
          left = true;
        }
      if (left) moved.push_back(n.id);
    }
  });
  for (const auto& id : moved) steps.push_back("moved: " + id);
  const NodeConfig* self = fresh.find(ctx_.node_id);
  const NodeConfig* was = before.find(ctx_.node_id);
  if (self->parent != was->parent) {
    hand_over(was->parent, self->parent);
    steps.push_back("parent: " + was->parent.value_or("(none)") + " -> " +
                    self->parent.value_or("(none)"));
  }
  // Children new below this node get the runtime grants and policy sets it keeps.
  std::vector<std::string> joined;
  for (const auto& c : fresh.children(ctx_.node_id)) {
    const NodeConfig* old = before.find(c);
    if (!old || old->parent != self->id) joined.push_back(c);
  }
  pass_on_held_updates(ctx_, joined);
  for (const auto& c : joined) steps.push_back("new child: " + c);
  for (const auto& line : incidents_.reown_after_reorganisation())
    steps.push_back("incident owner: " + line);
  ctx_.writes.run([&](WriteContext& w) { w.writer.set_note("tree", tree_of(fresh)); });
  return steps;
}

// Before the link to a new parent opens: the new link starts where the old parent's
// acknowledgement ended (what it took travels on its own path), and the new parent is told, per
// origin, how far that is, so that nothing is taken twice or skipped.
void Reorganiser::hand_over(const std::optional<std::string>& from,
                            const std::optional<std::string>& to) {
  if (!to) return;  // this node is the root now: nothing to send
  ctx_.writes.run([&](WriteContext& w) {
    if (!from) {
      // A former root never sent its log: its history stays here, the new link starts now.
      w.writer.set_cursor(*to, ctx_.store.last_event_seq());
      return;
    }
    w.writer.set_cursor(*to, ctx_.store.cursor(*from));
    if (const auto unsent = Handovers::pending(ctx_.store, *from)) {
      // Moved again before the last parent took anything: the old path is still the one before
      // it.
      Handovers(w.writer).set_pending(*to, *unsent);
      Handovers(w.writer).clear_pending(*from);
      return;
    }
    nlohmann::json through = nlohmann::json::array();
    for (const auto& h : Handovers(w.writer).handed(*from))
      through.push_back({{"origin", h.origin}, {"epoch", h.epoch}, {"seq", h.seq}});
    Handovers(w.writer).set_pending(*to,
                                    nlohmann::json{{"from", *from}, {"through", through}}.dump());
  });
}

}  // namespace ioc::federation
