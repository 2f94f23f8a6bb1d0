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

  /// Stores a batch inside a running write job (what `submit` queues). If the job fails later,
  /// the rule and bucket state it changed is put back, so memory never holds what the store
  /// does not.
  void ingest_in(WriteContext& w, const std::vector<Observation>& rows);

  /// After a failed commit (nothing of the batch is durable): rule and bucket state are taken
  /// from the store again.
  void on_commit_failure();

 private:
  void apply(WriteContext& w, const std::vector<Observation>& rows);
  /// Runs `fn` in the current job; if it or anything after it in the job throws, the rule and
  /// bucket state go back to where they were before it.
  template <typename F>
  void undoable(WriteContext& w, F&& fn);
  void record_effects(WriteContext& w, std::vector<RuleEffect>& effects, std::int64_t seq);

  NodeContext& ctx_;
  IncidentService& incidents_;
  std::shared_ptr<const FederationConfig> rules_federation_;  // the tree rules_ was set for
  RuleEngine rules_;
  Aggregator aggregator_;
};

}  // namespace ioc
