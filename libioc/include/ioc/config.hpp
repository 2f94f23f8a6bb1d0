#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ioc/model.hpp"

namespace ioc {

/// One node of a Federation file.
struct NodeConfig {
  std::string id;
  NodeKind kind = NodeKind::kCity;
  std::optional<std::string> parent;  ///< absent on the root only
  std::string endpoint;
  std::vector<std::string> public_keys;   ///< absolute paths, one or two (rotation)
  std::vector<std::string> config_files;  ///< absolute paths of Rules and Services files
  /// Where the node is, for maps: its position and, optionally, its area's boundary as a
  /// GeoJSON geometry (Polygon or MultiPolygon, compact JSON) read from its `boundary` file.
  struct Place {
    double lat = 0, lon = 0;
  };
  std::optional<Place> location;
  std::string boundary;
  /// "file:line:col" of the node's entry and of its `endpoint` and `publicKey` values, so that
  /// later checks (the topology, key files) can point at the line to fix.
  std::string where, endpoint_where, key_where;
};

/// A loaded and checked Federation file (docs/configuration.md). Immutable once loaded.
class FederationConfig {
 public:
  std::string name;
  std::string path;  ///< the file it was loaded from
  std::vector<NodeConfig> nodes;
  std::vector<std::string> policy_files;  ///< absolute paths; read by the policy engine

  /// The node with this id, or nullptr.
  const NodeConfig* find(const std::string& id) const;
  /// True if `node` is `ancestor` or lies below it.
  bool in_subtree(const std::string& node, const std::string& ancestor) const;
  /// Ancestors of `id`, nearest first, ending at the root.
  std::vector<std::string> ancestors(const std::string& id) const;
  /// The child of `node` whose subtree holds `descendant` (the next hop down toward it).
  /// `descendant` must lie strictly below `node`.
  std::string child_toward(const std::string& node, const std::string& descendant) const;
  /// Direct children of `id`, in file order.
  std::vector<std::string> children(const std::string& id) const;
  /// The root node's id.
  const std::string& root() const;
  /// Rebuilds the id index after `nodes` changed (loading does this).
  void reindex();

 private:
  std::unordered_map<std::string, std::size_t> index_;  ///< id -> position in nodes
};

/// How the node's web console looks (a `Console` config file; docs/console.md).
struct ConsoleSettings {
  std::string language = "en";  ///< "vi" or "en": what the console opens in
  std::string tiles;            ///< a map tile URL template ({z}/{x}/{y}); empty: a plain map
  std::string attribution;      ///< shown on the map with the tiles
};

/// Node-local configuration gathered from the node's `config` files.
struct NodeLocalConfig {
  std::vector<Rule> rules;
  std::vector<Service> services;
  std::vector<Camera> cameras;
  ConsoleSettings console;
};

/// Loads a Federation file strictly. Throws Error(kConfig) whose message starts "file:line:col: ".
FederationConfig load_federation(const std::string& path);
/// Loads the Rules and Services files a node lists, checking areas against the federation.
NodeLocalConfig load_node_config(const FederationConfig& federation, const std::string& node_id);

}  // namespace ioc
