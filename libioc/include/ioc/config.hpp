#pragma once

#include <map>
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

/// Where one part of a reading (or of an incident) comes from in an MQTT message: a level of its
/// topic, a field of its JSON payload, or a value fixed in the file (a `Sources` file;
/// docs/sources.md).
struct MessagePart {
  enum class From { kNowhere, kTopic, kField, kFixed };
  From from = From::kNowhere;
  std::string text;  ///< the placeholder's name, the field's dotted path, or the fixed value
};

/// One subscription of a `Sources` connection: the topics it takes and how their messages become
/// readings, or incidents.
struct SourceSubscription {
  enum class Format { kSenml, kJson };
  /// The topic as written: levels, `+`, a final `#`, and the placeholders `{area}` (one or more
  /// levels: node ids hold `/`), `{source}`, `{metric}` and `{camera}` (one level each).
  std::string topic;
  std::string filter;  ///< what is subscribed to: placeholders as `+`, `{area}` and after as `#`
  Format format = Format::kSenml;
  /// For JSON payloads (and area, source, camera for SenML): where each part comes from, by
  /// name: metric, area, source, value, time, unit, camera.
  std::map<std::string, MessagePart> parts;
  /// Set: each message opens an incident (a camera's AI detection) instead of storing readings;
  /// `title` may name payload fields as {field}.
  struct IncidentMapping {
    Domain domain = Domain::kTraffic;
    Severity severity = Severity::kMinor;
    std::string title;
  };
  std::optional<IncidentMapping> incident;
  std::string where;  ///< "file:line:col" of its entry
};

/// An MQTT connection a `Sources` file declares: one broker, its subscriptions at QoS 1 in a
/// persistent session.
struct SourceConnection {
  std::string name;    ///< how /api/v1/sources and /metrics name it (default: HOST:PORT)
  std::string broker;  ///< as written: tcp://HOST:PORT or ssl://HOST:PORT
  std::string host;
  int port = 1883;
  bool tls = false;
  std::string ca_file;           ///< ssl://: the CA that signed the broker's certificate
  std::string cert_file;         ///< optional client certificate (with key_file)
  std::string key_file;          ///< its private key (PEM)
  std::string credentials_file;  ///< optional: a username line and a password line
  std::string client_id;         ///< the persistent session's id at the broker
  int keep_alive_s = 30;
  std::size_t max_payload = 256 * 1024;  ///< bytes; larger messages are counted as bad
  std::vector<SourceSubscription> subscriptions;
  std::string where;  ///< "file:line:col" of its `broker`
};

/// Node-local configuration gathered from the node's `config` files.
struct NodeLocalConfig {
  std::vector<Rule> rules;
  std::vector<Service> services;
  std::vector<Camera> cameras;
  std::vector<SourceConnection> sources;
  ConsoleSettings console;
};

/// Loads a Federation file strictly. Throws Error(kConfig) whose message starts "file:line:col: ".
FederationConfig load_federation(const std::string& path);
/// Loads the Rules and Services files a node lists, checking areas against the federation.
NodeLocalConfig load_node_config(const FederationConfig& federation, const std::string& node_id);

}  // namespace ioc
