#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <tuple>

#include "ioc/federation/policy.hpp"
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

 private:
  bool released(const nlohmann::json& incident, IncidentStatus hold) const;
  nlohmann::json own_observations(const nlohmann::json& logged, const struct Share& share);
  static void drop_small_buckets(nlohmann::json& buckets, int min_group);

  const Store& store_;
  const FederationConfig& federation_;
  const policy::PolicySet& set_;
  std::string self_, peer_;
  std::map<std::tuple<std::string, std::string, TimeMs>, std::pair<std::string, std::uint64_t>>
      sketches_;  // (metric, area, start) -> (base64 sketch, row count)
};

}  // namespace ioc::federation
