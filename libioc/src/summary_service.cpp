#include "summary_service.hpp"

#include <algorithm>
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

std::vector<AggregateBucket> SummaryService::buckets(
    const SummaryWindow& window, const std::vector<std::string>& metrics) const {
  // This node's own buckets and those its subtree sent up: one copy per origin, never added twice.
  auto out = ctx_.store.aggregates(window.from, window.to, metrics);
  for (auto& b : ctx_.store.remote_aggregates(window.from, window.to, metrics))
    out.push_back(std::move(b));
  return out;
}

Summary SummaryService::summarise(const SummaryWindow& window, const std::string& area,
                                  const std::vector<const AggregateBucket*>& buckets) const {
  const auto fed = ctx_.federation();
  Summary out;
  out.node = ctx_.node_id;
  out.area = area;
  out.from = window.from;
  out.to = window.to;
  std::map<std::string, SummarySketch> merged;
  Summary::Suppressed held_back{0, 0};
  for (const AggregateBucket* b : buckets) {
    if (b->held_back > 0) {  // a marker: what a child's Sharing rule kept from this node
      ++held_back.groups;
      held_back.min_group_size = std::max(held_back.min_group_size, b->held_back);
    } else {
      merged[b->metric].merge(b->sketch);
    }
  }
  if (held_back.groups > 0) out.suppressed = held_back;
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

Summary SummaryService::summary(const SummaryWindow& window,
                                const std::vector<std::string>& metrics,
                                const std::string& area) const {
  const auto fed = ctx_.federation();
  const std::string subtree = area.empty() ? ctx_.node_id : area;
  if (!fed->find(subtree) || !fed->in_subtree(subtree, ctx_.node_id))
    throw Error(ErrorCode::kBadRequest,
                "area '" + subtree + "' is not '" + ctx_.node_id + "' or a node below it", "area");
  const auto all = buckets(window, metrics);
  std::vector<const AggregateBucket*> in_area;
  for (const auto& b : all)
    if (fed->in_subtree(b.area, subtree)) in_area.push_back(&b);
  return summarise(window, subtree, in_area);
}

std::vector<Summary> SummaryService::by_child(const SummaryWindow& window,
                                              const std::vector<std::string>& metrics,
                                              const std::vector<std::string>& children) const {
  const auto fed = ctx_.federation();
  // One read and one pass: each bucket goes to the child whose subtree holds its area.
  const auto all = buckets(window, metrics);
  std::map<std::string, std::vector<const AggregateBucket*>> by_child;
  for (const auto& b : all)
    if (b.area != ctx_.node_id && fed->find(b.area) && fed->in_subtree(b.area, ctx_.node_id))
      by_child[fed->child_toward(ctx_.node_id, b.area)].push_back(&b);
  std::vector<Summary> out;
  for (const auto& child : children) out.push_back(summarise(window, child, by_child[child]));
  return out;
}

}  // namespace ioc
