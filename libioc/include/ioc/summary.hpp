#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ioc/time.hpp"

namespace ioc {

/// One metric over a summary's window: its readings merged from the node and its subtree.
struct MetricSummary {
  std::int64_t count = 0;
  double sum = 0, min = 0, max = 0, mean = 0;
  double p50 = 0, p90 = 0, p99 = 0;  ///< within relative_error of the exact quantile
  double relative_error = 0;
};

/// Entries of a node's log lost before they reached its parent (dropped past the log limit).
struct LostRange {
  std::string origin;
  std::string epoch;
  std::int64_t from_seq = 0;
  std::int64_t to_seq = 0;
};

/// How current what a child sent is: fresh while it called within 15 s, stale after, unreachable
/// after 5 minutes or if it never called.
enum class Freshness { kFresh, kStale, kUnreachable };

struct ChildStatus {
  std::string node;
  Freshness state = Freshness::kUnreachable;
  std::optional<TimeMs> last_sync;    ///< its last contact
  std::optional<double> lag_seconds;  ///< how far behind what this node holds from it is
  bool complete = false;              ///< fresh, nothing unsent, nothing lost
  std::vector<LostRange> lost_ranges;
};

/// A node's summary of its subtree over a window (GET /api/v1/summary, Node::summary).
struct Summary {
  std::string node;
  std::string area;         ///< the subtree summarised: `node`'s own, or one below it
  TimeMs from = 0, to = 0;  ///< the window, aligned outward to whole minutes
  std::map<std::string, MetricSummary> metrics;
  struct Incidents {
    std::int64_t total = 0;
    std::vector<std::pair<std::string, std::int64_t>> by_status, by_domain, by_severity;
  } incidents;
  struct ServiceRequests {
    std::int64_t open = 0, closed = 0;
    std::optional<double> on_time_ratio;  ///< of the closed ones; none while none is closed
  } service_requests;
  std::vector<ChildStatus> children;  ///< every child in the federation file
  /// Groups of readings a Sharing rule held back for counting fewer than its minGroupSize: the
  /// minute buckets of a metric and area a node below did not send up, and in a pulled summary
  /// the metrics left out; how many, and the largest such size. Absent when none was.
  struct Suppressed {
    int groups = 0;
    int min_group_size = 0;
  };
  std::optional<Suppressed> suppressed;
};

std::string_view to_string(Freshness v);
std::optional<Freshness> parse_freshness(std::string_view s);

}  // namespace ioc
