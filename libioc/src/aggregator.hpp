#pragma once

#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "ioc/summary_sketch.hpp"
#include "store.hpp"

namespace ioc {

/// Folds observations into per-(metric, area) time buckets of mergeable sketches, the unit that
/// summaries read and the federation ships. Runs on the single writer; keeps recently touched
/// buckets in memory so a batch costs one upsert per bucket it touches. Not thread-safe.
class Aggregator {
 public:
  static constexpr TimeMs kBucketMs = 60'000;
  static TimeMs bucket_of(TimeMs ts);

  /// Folds `rows` in; returns the buckets touched as (metric, area, start).
  std::vector<std::tuple<std::string, std::string, TimeMs>> add(
      Store::Writer& writer, const std::vector<Observation>& rows);
  /// Forgets cached buckets (after a failed write, the store is the truth again).
  void reset() { cache_.clear(); }

 private:
  static constexpr std::size_t kMaxCached = 4096;
  std::unordered_map<std::string, SummarySketch> cache_;
};

}  // namespace ioc
