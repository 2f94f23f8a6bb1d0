#pragma once

#include <string>
#include <vector>

#include "ioc/summary.hpp"
#include "node_context.hpp"

namespace ioc {

struct SummaryWindow {
  TimeMs from = 0;  ///< inclusive, aligned down to a bucket
  TimeMs to = 0;    ///< exclusive, aligned up to a bucket
};

/// This node's subtree summary (the shape of GET /api/v1/summary, docs/api.md), answered from what
/// the node holds.
class SummaryService {
 public:
  explicit SummaryService(NodeContext& ctx) : ctx_(ctx) {}

  /// Aligns [from, to) outward to aggregate buckets.
  static SummaryWindow align(TimeMs from, TimeMs to);
  /// `metrics` limits it to those metrics (all when empty).
  Summary summary(const SummaryWindow& window, const std::vector<std::string>& metrics) const;

 private:
  NodeContext& ctx_;
};

}  // namespace ioc
