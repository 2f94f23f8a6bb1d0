#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ioc/federation/policy.hpp"
#include "sharing.hpp"
#include "store.hpp"

namespace ioc::federation {

/// Turns log entries into what the link to one peer (the parent) may carry under the Sharing
/// rules: {"origin", "epoch", "seq", "type", "ts", "body"}. Entries the peer may not see leave as
/// "skipped", so its cursor still advances. This node's observation batches leave as raw rows
/// with their minute buckets, or as the buckets alone ("aggregates"); records (alerts, incidents,
/// service requests) leave whole, redacted, or as their countable head (aggregate). An incident
/// owned above this node always travels whole to its owner. Build one per batch: it caches
/// encoded buckets, which many entries of a batch share.
class Outbound {
 public:
  Outbound(const Store& store, const FederationConfig& federation, const policy::PolicySet& set,
           std::string self, std::string peer);
  nlohmann::json to_wire(const LoggedEvent& event);
  /// The entries of one batch, in order. A minute bucket travels once per batch, with the last
  /// entry that carries it: buckets replace per origin, so that entry's state is the one the
  /// receiver keeps, and earlier copies would only be parsed and overwritten. An entry cut off
  /// by the batch's size limit goes with the next batch, its bucket with it.
  std::vector<nlohmann::json> to_wire(const std::vector<LoggedEvent>& events);

 private:
  bool released(const nlohmann::json& incident, IncidentStatus hold) const;
  /// The Sharing decision for readings of `metric` (rules may be scoped by metric), cached.
  const Share& share_of(const std::string& metric);
  /// {"buckets", "rows"}: what of a batch may leave, metric by metric (rows where the metric's
  /// share is raw, buckets where it is not none; one that counts fewer readings than its
  /// minGroupSize leaves as a marker {"metric", "area", "start", "heldBack": SIZE}).
  nlohmann::json own_observations(const nlohmann::json& logged);
  nlohmann::json relayed_observations(nlohmann::json body);
  static nlohmann::json held_back(const std::string& metric, const std::string& area, TimeMs start,
                                  int min_group_size);

  const Store& store_;
  const FederationConfig& federation_;
  const policy::PolicySet& set_;
  std::string self_, peer_;
  std::map<std::tuple<std::string, std::string, TimeMs>, std::pair<std::string, std::uint64_t>>
      sketches_;  // (metric, area, start) -> (base64 sketch, row count)
  std::map<std::string, Share> metric_shares_;
};

}  // namespace ioc::federation
