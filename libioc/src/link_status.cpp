#include "link_status.hpp"

namespace ioc {

std::optional<LinkRecord> find_link(const std::vector<LinkRecord>& links, const std::string& peer) {
  for (const auto& l : links)
    if (l.peer == peer) return l;
  return std::nullopt;
}

nlohmann::json child_status(const std::string& child, const std::optional<LinkRecord>& link,
                            TimeMs now,
                            const std::vector<std::pair<LostRange, std::string>>& lost) {
  using nlohmann::json;
  json ranges = json::array();
  for (const auto& [r, via] : lost)
    if (via == child)
      ranges.push_back(
          {{"origin", r.origin}, {"epoch", r.epoch}, {"fromSeq", r.from_seq}, {"toSeq", r.to_seq}});
  if (!link)
    return json{{"node", child},         {"state", "unreachable"}, {"lastSync", nullptr},
                {"lagSeconds", nullptr}, {"complete", false},      {"lostRanges", json::array()}};
  const TimeMs silent = now - link->last_contact;
  const char* state = silent <= kFreshMs         ? "fresh"
                      : silent <= kUnreachableMs ? "stale"
                                                 : "unreachable";
  // Caught up: lag is how long ago the child last reported in. Behind: how old its newest sent
  // entry is.
  const TimeMs lag =
      link->backlog == 0 || !link->last_event_ts ? silent : now - *link->last_event_ts;
  return json{{"node", child},
              {"state", state},
              {"lastSync", format_rfc3339(link->last_contact)},
              {"lagSeconds", static_cast<double>(std::max<TimeMs>(0, lag)) / 1000.0},
              {"complete", silent <= kFreshMs && link->backlog == 0 && ranges.empty()},
              {"lostRanges", ranges}};
}

}  // namespace ioc
