#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
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

  /// Cached buckets as they were before some adds (nullopt: not cached then).
  using Undo = std::vector<std::pair<std::string, std::optional<SummarySketch>>>;

  /// Folds `rows` in; returns the buckets touched as (metric, area, start). The cached buckets
  /// change with the store; what they were is kept until `take_undo`.
  std::vector<std::tuple<std::string, std::string, TimeMs>> add(
      Store::Writer& writer, const std::vector<Observation>& rows);
  /// What the adds since the last call changed, to put back with `undo` if their job fails.
  Undo take_undo() { return std::exchange(before_, {}); }
  /// Puts those buckets back (their job failed: its savepoint rolled the store back).
  void undo(Undo undo);
  /// Forgets cached buckets (after a failed commit, the store is the truth again).
  void reset() {
    cache_.clear();
    before_.clear();
  }

 private:
  static constexpr std::size_t kMaxCached = 4096;
  std::unordered_map<std::string, SummarySketch> cache_;
  Undo before_;
};

}  // namespace ioc
