#include "aggregator.hpp"

#include <map>
#include <tuple>

namespace ioc {

TimeMs Aggregator::bucket_of(TimeMs ts) {
  const TimeMs b = ts / kBucketMs * kBucketMs;
  return ts < 0 && b != ts ? b - kBucketMs : b;
}

void Aggregator::add(Store::Writer& writer, const std::vector<Observation>& rows) {
  std::map<std::tuple<std::string, std::string, TimeMs>, std::vector<double>> by_key;
  for (const auto& o : rows) by_key[{o.metric, o.area, bucket_of(o.ts)}].push_back(o.value);
  if (cache_.size() > kMaxCached) cache_.clear();
  for (auto& [key, values] : by_key) {
    const auto& [metric, area, start] = key;
    const std::string cache_key = metric + '\n' + area + '\n' + std::to_string(start);
    auto it = cache_.find(cache_key);
    if (it == cache_.end()) {
      auto stored = writer.aggregate(metric, area, start);
      it = cache_.emplace(cache_key, stored ? std::move(*stored) : SummarySketch()).first;
    }
    for (double v : values) it->second.add(v);
    writer.put_aggregate(AggregateBucket{metric, area, start, it->second});
  }
}

}  // namespace ioc
