#pragma once

#include <memory>
#include <vector>

#include "api_router.hpp"
#include "authority.hpp"
#include "incident_service.hpp"
#include "ioc/authorizer.hpp"
#include "ioc/node.hpp"
#include "node_context.hpp"
#include "observation_ingest.hpp"
#include "scheduler.hpp"
#include "store.hpp"

namespace ioc {

/// The parts of a node a plug-in or an extension attaches to.
struct NodeParts {
  NodeContext& ctx;
  IncidentService& incidents;
  ObservationIngest& ingest;
  ApiRouter& router;
  Scheduler& scheduler;
};

/// What runs beside a node's own services and feeds them (the MQTT sources are one): made once
/// the node's config is loaded, attached once its services exist, started after it listens, and
/// stopped before its server and writer stop.
class NodeExtension {
 public:
  virtual ~NodeExtension() = default;
  /// The tables it keeps in the node's store, created or migrated when the store opens.
  virtual std::vector<StoreSchema> store_schemas() const = 0;
  /// Adds routes, /metrics lines and scheduled work. Once, before start.
  virtual void attach(NodeParts& parts) = 0;
  virtual void start() = 0;
  virtual void stop() = 0;
};

/// What a node does beyond itself; the federation (ioc::federation::plugin()) is one. Made once
/// the federation file is loaded, before the node's services exist: its authority and authorizer
/// are what they decide with. Then attached (routes, hooks, scheduled work), started after the
/// node listens and stopped before its server and writer stop.
class NodePlugin : public NodeExtension {
 public:
  /// Holds the federation in force and decides who owns what in it.
  virtual const Authority& authority() const = 0;
  /// Decides incident actions; null keeps the node's default (its own and its ancestors'
  /// operators).
  virtual std::unique_ptr<Authorizer> authorizer() = 0;
  /// After each commit, on the writer thread; must not block.
  virtual void committed() = 0;
  /// Takes the federation file as re-read (`fresh`, with this node in it), under the node's
  /// reload lock. Throws Error(kConfig) and changes nothing if it cannot.
  virtual ReloadResult reload(std::shared_ptr<const FederationConfig> fresh) = 0;
};

}  // namespace ioc
