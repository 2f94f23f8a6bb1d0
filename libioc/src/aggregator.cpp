#include "aggregator.hpp"

namespace ioc {

TimeMs Aggregator::bucket_of(TimeMs ts) {
  const TimeMs b = ts / kBucketMs * kBucketMs;
  return ts < 0 && b != ts ? b - kBucketMs : b;
}

std::vector<std::tuple<std::string, std::string, TimeMs>> Aggregator::add(
    Store::Writer& writer, const std::vector<Observation>& rows) {
  // A batch touches few (metric, area, minute) buckets: find each row's with a short linear scan
  // rather than building a key per row.
  struct Group {
    const Observation* first;
    TimeMs start;
    SummarySketch* sketch;
  };
  std::vector<Group> groups;
  // Dropping cached buckets is safe at any time: they are read from the store again. (An undo
  // may put some back: what they held before the failed job is what the store holds again.)
  if (cache_.size() > kMaxCached) cache_.clear();
  for (const auto& o : rows) {
    const TimeMs start = bucket_of(o.ts);
    Group* group = nullptr;
    for (auto& g : groups)
      if (g.start == start && g.first->metric == o.metric && g.first->area == o.area) {
        group = &g;
        break;
      }
    if (!group) {
      const std::string cache_key = o.metric + '\n' + o.area + '\n' + std::to_string(start);
      auto it = cache_.find(cache_key);
      if (it == cache_.end()) {
        before_.emplace_back(cache_key, std::nullopt);
        auto stored = writer.aggregate(o.metric, o.area, start);
        it = cache_.emplace(cache_key, stored ? std::move(*stored) : SummarySketch()).first;
      } else {
        before_.emplace_back(cache_key, it->second);
      }
      group = &groups.emplace_back(Group{&o, start, &it->second});
    }
    group->sketch->add(o.value);
  }
  std::vector<std::tuple<std::string, std::string, TimeMs>> touched;
  for (const auto& g : groups) {
    writer.put_aggregate(AggregateBucket{g.first->metric, g.first->area, g.start, *g.sketch});
    touched.emplace_back(g.first->metric, g.first->area, g.start);
  }
  return touched;
}

void Aggregator::undo(Undo undo) {
  // Backwards, so a bucket changed twice ends as it was before the first change.
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
    if (it->second)
      cache_.insert_or_assign(it->first, std::move(*it->second));
    else
      cache_.erase(it->first);
  }
}

}  // namespace ioc
