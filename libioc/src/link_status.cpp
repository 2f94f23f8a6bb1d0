#include "link_status.hpp"

#include <algorithm>

#include "metrics.hpp"

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

std::string child_metrics(const std::string& node, const std::vector<std::string>& children,
                          const std::vector<LinkRecord>& links, TimeMs now) {
  struct Series {
    const char* name;
    const char* help;
    std::string lines;
  };
  Series state{"ioc_child_state", "A child's freshness: 0 fresh, 1 stale, 2 unreachable.", ""};
  Series lag{"ioc_child_lag_seconds", "How far behind what this node holds from a child is.", ""};
  Series backlog{"ioc_child_backlog", "Entries a child still had to send at its last call.", ""};
  Series synced{"ioc_child_last_sync_timestamp_seconds", "When a child last called (Unix time).",
                ""};
  for (const auto& child : children) {
    const auto link = find_link(links, child);
    const ChildStatus s = child_status(child, link, now);
    const std::string l =
        "{node=\"" + metric_label(node) + "\",child=\"" + metric_label(child) + "\"} ";
    state.lines += state.name + l + std::to_string(static_cast<int>(s.state)) + "\n";
    if (!link) continue;
    lag.lines += lag.name + l + std::to_string(s.lag_seconds.value_or(0)) + "\n";
    backlog.lines += backlog.name + l + std::to_string(link->backlog) + "\n";
    synced.lines += synced.name + l + std::to_string(link->last_contact / 1000) + "\n";
  }
  std::string out;
  for (const Series* s : {&state, &lag, &backlog, &synced})
    if (!s->lines.empty())
      out += std::string("# HELP ") + s->name + " " + s->help + "\n# TYPE " + s->name + " gauge\n" +
             s->lines;
  return out;
}

}  // namespace ioc
