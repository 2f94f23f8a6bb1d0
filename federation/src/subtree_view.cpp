#include "subtree_view.hpp"

#include "event_batch.hpp"
#include "json_codec.hpp"
#include "link_status.hpp"

namespace ioc::federation {

using nlohmann::json;

namespace {

std::string note_key(const std::string& child) {
  return "subtree:" + child;
}

}  // namespace

json subtree_view(const FederationContext& ctx) {
  const auto fed = ctx.federation();
  const auto links = ctx.store.links();
  const TimeMs now = ctx.clock.now();
  json out = json::array();
  for (const auto& child : fed->children(ctx.node_id)) {
    json status = codec::to_json(child_status(child, find_link(links, child), now));
    out.push_back({{"node", child},
                   {"state", status["state"]},
                   {"lastSync", status["lastSync"]},
                   {"lagSeconds", status["lagSeconds"]}});
    const json kept = json::parse(ctx.store.note(note_key(child)), nullptr, false);
    if (kept.is_object() && kept.contains("nodes"))
      for (const auto& n : kept["nodes"])
        if (out.size() < kMaxSubtreeNodes) out.push_back(n);
  }
  return out;
}

void keep_relayed_subtree(FederationContext& ctx, WriteContext& w, const std::string& child,
                          const json& subtree) {
  const auto fed = ctx.federation();
  json nodes = json::array();
  for (const auto& n : subtree) {
    const std::string& id = n["node"].get_ref<const std::string&>();
    if (id != child && fed->find(id) && fed->in_subtree(id, child)) nodes.push_back(n);
  }
  const std::string key = note_key(child);
  if (nodes.empty() && ctx.store.note(key).empty()) return;  // a leaf: nothing to keep
  w.writer.set_note(key, json{{"asOf", format_rfc3339(ctx.clock.now())}, {"nodes", nodes}}.dump());
}

std::map<std::string, json> relayed_states(const FederationContext& ctx) {
  std::map<std::string, json> out;
  for (const auto& child : ctx.federation()->children(ctx.node_id)) {
    const json kept = json::parse(ctx.store.note(note_key(child)), nullptr, false);
    if (!kept.is_object() || !kept.contains("nodes")) continue;
    for (const auto& n : kept["nodes"]) {
      json entry = n;
      entry.erase("node");
      entry["relayed"] = true;
      entry["via"] = child;
      entry["asOf"] = kept["asOf"];
      out[n["node"].get<std::string>()] = std::move(entry);
    }
  }
  return out;
}

}  // namespace ioc::federation
