#include "link_status.hpp"

#include <algorithm>

namespace ioc {

std::optional<LinkRecord> find_link(const std::vector<LinkRecord>& links, const std::string& peer) {
  for (const auto& l : links)
    if (l.peer == peer) return l;
  return std::nullopt;
}

ChildStatus child_status(const std::string& child, const std::optional<LinkRecord>& link,
                         TimeMs now, const std::vector<std::pair<LostRange, std::string>>& lost) {
  ChildStatus out;
  out.node = child;
  for (const auto& [r, via] : lost)
    if (via == child) out.lost_ranges.push_back(r);
  if (!link) return out;  // never called: unreachable
  const TimeMs silent = now - link->last_contact;
  out.state = silent <= kFreshMs         ? Freshness::kFresh
              : silent <= kUnreachableMs ? Freshness::kStale
                                         : Freshness::kUnreachable;
  // Caught up: lag is how long ago the child last reported in. Behind: how old its newest sent
  // entry is.
  const TimeMs lag =
      link->backlog == 0 || !link->last_event_ts ? silent : now - *link->last_event_ts;
  out.last_sync = link->last_contact;
  out.lag_seconds = static_cast<double>(std::max<TimeMs>(0, lag)) / 1000.0;
  out.complete = silent <= kFreshMs && link->backlog == 0 && out.lost_ranges.empty();
  return out;
}

}  // namespace ioc
