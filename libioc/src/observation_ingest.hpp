#pragma once

#include <functional>
#include <vector>

#include "aggregator.hpp"
#include "incident_service.hpp"
#include "node_context.hpp"
#include "rule_engine.hpp"

namespace ioc {

/// The ingest stage: stores a batch, logs one event for it, folds it into aggregates and runs the
/// rules over it, all in the writer's transaction, so a 202 covers the rows and their effects.
class ObservationIngest {
 public:
  ObservationIngest(NodeContext& ctx, IncidentService& incidents);

  /// Queues the batch; `done` runs after commit with nullptr or the error. False if the queue is
  /// full.
  bool submit(std::vector<Observation> rows, std::function<void(std::exception_ptr)> done);
  /// Stores the batch and waits for the commit.
  void ingest(std::vector<Observation> rows);

  /// Raises the alerts of `missingFor` rules that are due (the node's ticker calls it).
  void check_missing();

  /// Drops in-memory state that a failed write may have left ahead of the store.
  void on_write_failure();

 private:
  void apply(WriteContext& w, const std::vector<Observation>& rows);
  void record_effects(WriteContext& w, std::vector<RuleEffect>& effects, TimeMs now,
                      std::int64_t seq);

  NodeContext& ctx_;
  IncidentService& incidents_;
  std::shared_ptr<const FederationConfig> rules_federation_;  // the tree rules_ was set for
  RuleEngine rules_;
  Aggregator aggregator_;
};

}  // namespace ioc
