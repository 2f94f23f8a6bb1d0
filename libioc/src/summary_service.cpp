#include "summary_service.hpp"

#include <map>

#include "aggregator.hpp"
#include "link_status.hpp"

namespace ioc {

using nlohmann::json;

SummaryWindow SummaryService::align(TimeMs from, TimeMs to) {
  const TimeMs start = Aggregator::bucket_of(from);
  TimeMs end = Aggregator::bucket_of(to);
  if (end < to) end += Aggregator::kBucketMs;
  return {start, end};
}

json SummaryService::summary(const SummaryWindow& window,
                             const std::vector<std::string>& metrics) const {
  const auto fed = ctx_.federation();
  std::map<std::string, SummarySketch> merged;
  // This node's own buckets and those its subtree sent up: one copy per origin, never added twice.
  auto buckets = ctx_.store.aggregates(window.from, window.to, metrics);
  for (auto& b : ctx_.store.remote_aggregates(window.from, window.to, metrics))
    buckets.push_back(std::move(b));
  for (const auto& b : buckets)
    if (fed->in_subtree(b.area, ctx_.node_id)) merged[b.metric].merge(b.sketch);
  json out_metrics = json::object();
  for (const auto& [name, s] : merged)
    out_metrics[name] = {
        {"count", s.count()},     {"sum", s.sum()},          {"min", s.min()},
        {"max", s.max()},         {"mean", s.mean()},        {"p50", s.quantile(0.5)},
        {"p90", s.quantile(0.9)}, {"p99", s.quantile(0.99)}, {"relativeError", s.relative_error()}};

  const auto counts = ctx_.store.incident_counts();
  const auto as_object = [](const std::vector<std::pair<std::string, std::int64_t>>& v) {
    json o = json::object();
    for (const auto& [k, n] : v) o[k] = n;
    return o;
  };
  const auto sr = ctx_.store.service_request_counts();
  json children = json::array();
  const auto links = ctx_.store.links();
  const auto lost = ctx_.store.lost_ranges();
  for (const auto& child : fed->children(ctx_.node_id)) {
    children.push_back(child_status(child, find_link(links, child), ctx_.clock.now(), lost));
  }
  return json{
      {"node", ctx_.node_id},
      {"window", {{"from", format_rfc3339(window.from)}, {"to", format_rfc3339(window.to)}}},
      {"metrics", out_metrics},
      {"incidents",
       {{"total", counts.total},
        {"byStatus", as_object(counts.by_status)},
        {"byDomain", as_object(counts.by_domain)},
        {"bySeverity", as_object(counts.by_severity)}}},
      {"serviceRequests",
       {{"open", sr.open},
        {"closed", sr.closed},
        {"onTimeRatio",
         sr.closed ? json(static_cast<double>(sr.closed_on_time) / static_cast<double>(sr.closed))
                   : json(nullptr)}}},
      {"children", children}};
}

}  // namespace ioc
