#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ioc/authorizer.hpp"
#include "ioc/config.hpp"
#include "ioc/model.hpp"
#include "ioc/summary.hpp"
#include "ioc/time.hpp"

namespace ioc {

class NodePlugin;
class NodeExtension;
struct NodeOptions;
/// Makes what extends a node, once its federation file is loaded (see NodeOptions::plugin).
using NodePluginFactory = std::function<std::unique_ptr<NodePlugin>(
    const NodeOptions& options, std::shared_ptr<const FederationConfig> federation)>;
/// Makes what feeds a node from outside (see NodeOptions::sources), once its config is loaded.
using NodeExtensionFactory = std::function<std::unique_ptr<NodeExtension>(
    const NodeOptions& options, const NodeLocalConfig& config)>;

/// Everything a node needs to run. Defaults suit a single node on one machine.
struct NodeOptions {
  std::string federation_file;            ///< the Federation file (docs/configuration.md)
  std::string node_id;                    ///< which node of it this process is
  std::string data_dir = ".";             ///< holds ioc.db and its WAL
  std::string listen = "127.0.0.1:8080";  ///< HOST:PORT; port 0 picks a free one
  std::string key_file;  ///< the node's Ed25519 private key (PEM); used by the federation
  std::size_t body_limit = 8 * 1024 * 1024;
  std::size_t max_batch_rows = 50'000;
  bool power_safe = false;  ///< commits survive power loss (synchronous=FULL), not only crashes
  int threads = 2;          ///< HTTP I/O threads
  TimeMs summary_interval = 10'000;    ///< how often stream clients get the 15-minute summary
  TimeMs escalation_interval = 5'000;  ///< how often Escalation rules and retention run
  /// Log entries kept unsent while the parent is away; beyond it the oldest are dropped and the
  /// parent is told the lost ranges. Acknowledged entries are pruned as they are acknowledged.
  std::int64_t log_limit = 20'000'000;
  /// The web console's files (index.html, app.js, ...), served at /; empty: no console.
  std::string console_dir;
  /// Debian's libjs-leaflet, served to the console's map; without it the map is plain.
  std::string leaflet_dir = "/usr/share/javascript/leaflet";
  std::shared_ptr<const Clock> clock;      ///< defaults to the system clock
  std::unique_ptr<Authorizer> authorizer;  ///< defaults to the plug-in's, else local operators
  /// What extends the node: `ioc::federation::plugin()` (link ioc::ioc) joins it to its
  /// federation: the link to its parent, the signed peer routes, policies, runtime grants and
  /// reorganisation. Without one the node runs alone: it owns what is reported to it, and the
  /// federation file needs only this node.
  NodePluginFactory plugin;
  /// What connects the node to the MQTT brokers its `Sources` files declare:
  /// `ioc::mqtt::sources()` (link ioc::mqtt; ioc::ioc holds it). A node whose config declares
  /// Sources refuses to start without one.
  NodeExtensionFactory sources;
};

/// What a reload did.
struct ReloadResult {
  std::string policy_version;            ///< the version now enforced
  bool changed = false;                  ///< the policy version changed
  std::vector<std::string> reorganised;  ///< the steps a changed tree took, one line each
};

/// Which incidents Node::incidents lists.
struct IncidentFilter {
  std::optional<IncidentStatus> status;
  std::optional<Domain> domain;
  int limit = 100;  ///< 1 to 10000
};

/// A subscription to a node's live events (Node::subscribe); it ends when destroyed, when
/// cancelled, or with its node.
class Subscription {
 public:
  Subscription() = default;
  Subscription(Subscription&& other) noexcept;
  Subscription& operator=(Subscription&& other) noexcept;
  ~Subscription();
  /// After it returns, the callback is not called again. Not from inside the callback.
  void cancel();

 private:
  friend class Node;
  std::function<void()> cancel_;
};

/// One operations-centre node: store, rules, incidents, Open311 and the HTTP API, embedded in
/// the caller's process. Construct, then `start` to serve; `stop` (or the destructor) drains
/// the writer so that everything acknowledged is committed. Methods are thread-safe.
class Node {
 public:
  /// Loads configuration and opens the store; throws Error (kConfig for bad files).
  explicit Node(NodeOptions options);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Starts serving HTTP; returns the bound port.
  std::uint16_t start();
  void stop();

  const std::string& id() const;
  /// The federation in force (a reload may replace it).
  std::shared_ptr<const FederationConfig> federation() const;
  /// The store's log epoch (a new one once the node learns its store lost entries its parent
  /// had taken).
  std::string epoch() const;

  /// Stores observations durably (and runs the rules over them) before returning. Each row's area
  /// is this node or a node below it; otherwise Error(kBadRequest) names "[INDEX].area".
  void ingest(std::vector<Observation> rows);
  /// Reports an incident as `actor` on this node.
  Incident report_incident(const Actor& actor, Domain domain, Severity severity,
                           const std::string& area, const std::string& title);
  Incident act_on_incident(const Actor& actor, const std::string& id, IncidentAction action,
                           const std::string& note);
  /// Re-reads the federation file (SIGHUP, POST /admin/v1/policies/reload): its policies, keys,
  /// endpoints and tree. A reorganised tree is taken live: the link moves to a new parent with a
  /// handover, open incidents whose owner left this node's chain get the owner the new policy
  /// gives, new children get the runtime grants kept here. A file or policy set that does not
  /// load, a node missing from it, or a child removed before its backlog drained is refused with
  /// Error(kConfig), and the running federation stays in force.
  ReloadResult reload();
  /// The version (content hash) of the policy set this node enforces.
  std::string policy_version() const;
  /// Alerts currently active on this node.
  std::vector<Alert> active_alerts() const;
  /// Alerts this node holds (its own and those it received), in the order it took them.
  std::vector<Alert> alerts(bool active_only = false, int limit = 100) const;
  std::optional<Alert> alert(const std::string& identifier) const;
  /// Incidents this node holds, in the order they reached it.
  std::vector<Incident> incidents(const IncidentFilter& filter = {}) const;
  std::optional<Incident> incident(const std::string& id) const;
  /// The summary of this node's subtree over [from, to) (aligned outward to whole minutes), as
  /// GET /api/v1/summary answers it: per metric count, sum, min, max, mean and percentiles;
  /// incidents and service requests by state; each child's freshness. `metrics` limits it to
  /// those metrics (all when empty).
  Summary summary(TimeMs from, TimeMs to, const std::vector<std::string>& metrics = {}) const;
  /// Calls `on_event` with each live event once it is committed, as the WebSocket stream sends
  /// it: a JSON document {"type": "alert" | "incident" | "summary" | ..., "data": ...}. It is
  /// called on the node's writer or scheduler thread and must return quickly (hand the event to
  /// your own queue); what it throws is dropped.
  [[nodiscard]] Subscription subscribe(std::function<void(const std::string& event)> on_event);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Issues a bearer token in a node's data directory; returns the token (shown only once).
std::string issue_token(const std::string& data_dir, Role role, const std::string& name,
                        std::optional<TimeMs> expires);

/// A token as listed by `iocctl token list`: never the token itself.
struct TokenInfo {
  std::int64_t id = 0;
  std::string name;
  Role role = Role::kViewer;
  TimeMs created = 0;
  std::optional<TimeMs> expires;
  bool revoked = false;
};
std::vector<TokenInfo> list_tokens(const std::string& data_dir);
/// Revokes a token by id; false if there is no such live token.
bool revoke_token(const std::string& data_dir, std::int64_t id);
/// Writes a consistent copy of a node's store, even while the node runs.
void backup_store(const std::string& data_dir, const std::string& out_file);
/// The store file inside a data directory.
std::string store_path(const std::string& data_dir);

}  // namespace ioc
