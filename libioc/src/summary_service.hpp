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
  /// `metrics` limits it to those metrics (all when empty); `area` (a node in this node's
  /// subtree; this node when empty) to that subtree: its readings, incidents and requests, and
  /// this node's children that lie in it or above it. Throws Error(kBadRequest) for an area
  /// outside the subtree.
  Summary summary(const SummaryWindow& window, const std::vector<std::string>& metrics,
                  const std::string& area = "") const;
  /// The summary of each of `children` (children of this node), reading the buckets once.
  std::vector<Summary> by_child(const SummaryWindow& window,
                                const std::vector<std::string>& metrics,
                                const std::vector<std::string>& children) const;

 private:
  std::vector<AggregateBucket> buckets(const SummaryWindow& window,
                                       const std::vector<std::string>& metrics) const;
  /// The summary of `area` over `buckets` (those of its subtree), with its counts and children.
  Summary summarise(const SummaryWindow& window, const std::string& area,
                    const std::vector<const AggregateBucket*>& buckets) const;

  NodeContext& ctx_;
};

}  // namespace ioc
