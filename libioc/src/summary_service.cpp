#include "summary_service.hpp"

#include <map>

#include "aggregator.hpp"
#include "ioc/error.hpp"
#include "link_status.hpp"

namespace ioc {

SummaryWindow SummaryService::align(TimeMs from, TimeMs to) {
  const TimeMs start = Aggregator::bucket_of(from);
  TimeMs end = Aggregator::bucket_of(to);
  if (end < to) end += Aggregator::kBucketMs;
  return {start, end};
}

Summary SummaryService::summary(const SummaryWindow& window,
                                const std::vector<std::string>& metrics,
                                const std::string& area) const {
  const auto fed = ctx_.federation();
  Summary out;
  out.node = ctx_.node_id;
  out.area = area.empty() ? ctx_.node_id : area;
  if (!fed->find(out.area) || !fed->in_subtree(out.area, ctx_.node_id))
    throw Error(ErrorCode::kBadRequest,
                "area '" + out.area + "' is not '" + ctx_.node_id + "' or a node below it", "area");
  out.from = window.from;
  out.to = window.to;
  std::map<std::string, SummarySketch> merged;
  // This node's own buckets and those its subtree sent up: one copy per origin, never added twice.
  auto buckets = ctx_.store.aggregates(window.from, window.to, metrics);
  for (auto& b : ctx_.store.remote_aggregates(window.from, window.to, metrics))
    buckets.push_back(std::move(b));
  for (const auto& b : buckets)
    if (fed->in_subtree(b.area, out.area)) merged[b.metric].merge(b.sketch);
  for (const auto& [name, s] : merged)
    out.metrics[name] = MetricSummary{static_cast<std::int64_t>(s.count()),
                                      s.sum(),
                                      s.min(),
                                      s.max(),
                                      s.mean(),
                                      s.quantile(0.5),
                                      s.quantile(0.9),
                                      s.quantile(0.99),
                                      s.relative_error()};
  // Every area when the summary is of this node's subtree: what it holds lies in it.
  std::optional<std::vector<std::string>> areas;
  if (out.area != ctx_.node_id) {
    areas.emplace();
    for (const auto& n : fed->nodes)
      if (fed->in_subtree(n.id, out.area)) areas->push_back(n.id);
  }
  const auto counts = ctx_.store.incident_counts(areas);
  out.incidents = {counts.total, counts.by_status, counts.by_domain, counts.by_severity};
  const auto sr = ctx_.store.service_request_counts(areas);
  out.service_requests.open = sr.open;
  out.service_requests.closed = sr.closed;
  if (sr.closed)
    out.service_requests.on_time_ratio =
        static_cast<double>(sr.closed_on_time) / static_cast<double>(sr.closed);
  const auto links = ctx_.store.links();
  const auto lost = ctx_.store.lost_ranges();
  for (const auto& child : fed->children(ctx_.node_id))
    if (fed->in_subtree(child, out.area) || fed->in_subtree(out.area, child))
      out.children.push_back(child_status(child, find_link(links, child), ctx_.clock.now(), lost));
  return out;
}

}  // namespace ioc
