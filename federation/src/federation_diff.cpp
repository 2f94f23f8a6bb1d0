#include "ioc/federation/federation_diff.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace ioc::federation {

namespace {

std::string parent_of(const NodeConfig& n) {
  return n.parent ? *n.parent : std::string("(root)");
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Everything below `id` in `fed`, nearest first.
std::vector<std::string> below(const FederationConfig& fed, const std::string& id) {
  std::vector<std::string> out, frontier{id};
  while (!frontier.empty()) {
    std::vector<std::string> next;
    for (const auto& f : frontier)
      for (const auto& c : fed.children(f)) {
        out.push_back(c);
        next.push_back(c);
      }
    frontier = std::move(next);
  }
  return out;
}

}  // namespace

std::vector<FederationChange> diff_federations(const FederationConfig& before,
                                               const FederationConfig& after) {
  using K = FederationChange::Kind;
  std::vector<FederationChange> out;
  for (const auto& n : after.nodes) {
    const NodeConfig* old = before.find(n.id);
    if (!old) {
      out.push_back({K::kAdded, n.id, "", parent_of(n), {}});
      continue;
    }
    if (old->parent != n.parent)
      out.push_back({K::kMoved, n.id, parent_of(*old), parent_of(n), below(after, n.id)});
    if (old->kind != n.kind)
      out.push_back(
          {K::kKind, n.id, std::string(to_string(old->kind)), std::string(to_string(n.kind)), {}});
    if (old->endpoint != n.endpoint)
      out.push_back({K::kEndpoint, n.id, old->endpoint, n.endpoint, {}});
    if (old->public_keys != n.public_keys)
      out.push_back({K::kKeys, n.id, joined(old->public_keys), joined(n.public_keys), {}});
    if (old->config_files != n.config_files)
      out.push_back({K::kConfig, n.id, joined(old->config_files), joined(n.config_files), {}});
  }
  for (const auto& n : before.nodes) {
    if (after.find(n.id)) continue;
    // Removed. If all its children that stay now sit under one node, it was merged into it.
    std::set<std::string> new_parents;
    std::vector<std::string> kept;
    for (const auto& c : before.children(n.id))
      if (const NodeConfig* now = after.find(c)) {
        new_parents.insert(parent_of(*now));
        kept.push_back(c);
      }
    if (new_parents.size() == 1)
      out.push_back({K::kMerged, n.id, parent_of(n), *new_parents.begin(), kept});
    else
      out.push_back({K::kRemoved, n.id, parent_of(n), "", kept});
  }
  if (before.policy_files != after.policy_files)
    out.push_back({K::kPolicies, "", joined(before.policy_files), joined(after.policy_files), {}});
  return out;
}

std::string describe(const FederationChange& c) {
  using K = FederationChange::Kind;
  switch (c.kind) {
    case K::kAdded:
      return "+ added " + c.node + " under " + c.after;
    case K::kRemoved:
      return "- removed " + c.node + " (was under " + c.before + ")" +
             (c.carried.empty() ? ""
                                : "; its children now under different nodes: " + joined(c.carried));
    case K::kMerged:
      return "- merged " + c.node + " into " + c.after + ": its children " + joined(c.carried) +
             " move there";
    case K::kMoved:
      return "~ moved " + c.node + ": " + c.before + " -> " + c.after +
             (c.carried.empty() ? ""
                                : " (with " + std::to_string(c.carried.size()) +
                                      " node(s) below: " + joined(c.carried) + ")");
    case K::kKind:
      return "~ kind of " + c.node + ": " + c.before + " -> " + c.after;
    case K::kEndpoint:
      return "~ endpoint of " + c.node + ": " + c.before + " -> " + c.after;
    case K::kKeys:
      return "~ public keys of " + c.node + ": " + c.before + " -> " + c.after;
    case K::kConfig:
      return "~ config files of " + c.node + ": " + c.before + " -> " + c.after;
    case K::kPolicies:
      return "~ policy files: " + c.before + " -> " + c.after;
  }
  return {};
}

std::vector<std::string> apply_plan(const std::vector<FederationChange>& changes,
                                    const FederationConfig& before, const FederationConfig& after) {
  using K = FederationChange::Kind;
  std::vector<std::string> added, moved, removed, steps;
  for (const auto& c : changes) {
    if (c.kind == K::kAdded) added.push_back(c.node);
    if (c.kind == K::kMoved) moved.push_back(c.node);
    if (c.kind == K::kRemoved || c.kind == K::kMerged) removed.push_back(c.node);
  }
  std::vector<std::string> staying;
  for (const auto& n : after.nodes)
    if (before.find(n.id) && std::find(moved.begin(), moved.end(), n.id) == moved.end())
      staying.push_back(n.id);
  const auto step = [&steps](const std::string& text) {
    steps.push_back(std::to_string(steps.size() + 1) + ". " + text);
  };
  if (!added.empty()) step("start the new nodes with the new file: " + joined(added));
  if (!moved.empty())
    step("reload the nodes that move (SIGHUP or POST /admin/v1/policies/reload): " + joined(moved) +
         "; each re-links to its new parent with a handover, and its open incidents owned off "
         "its new chain go to the nearest node above with authority");
  if (!staying.empty()) step("reload the nodes that stay: " + joined(staying));
  for (const auto& r : removed) {
    const NodeConfig* old = before.find(r);
    if (old->parent && after.find(*old->parent))
      step("'" + *old->parent + "' takes the removal of '" + r + "' only once '" + r +
           "' reports a backlog of 0 (GET /api/v1/federation at '" + *old->parent +
           "'); until then its reload is refused and '" + r + "' keeps relaying what it holds");
    step("stop '" + r +
         "': it is not in the new file (its own reload is refused); what it "
         "took stays in its store");
  }
  return steps;
}

}  // namespace ioc::federation
