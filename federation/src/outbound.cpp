#include "outbound.hpp"

#include "crypto_util.hpp"
#include "incident_service.hpp"
#include "ioc/summary_sketch.hpp"
#include "json_codec.hpp"
#include "sharing.hpp"

namespace ioc::federation {

using nlohmann::json;
using policy::DataKind;
using policy::Granularity;

Outbound::Outbound(const Store& store, const FederationConfig& federation,
                   const policy::PolicySet& set, std::string self, std::string peer)
    : store_(store),
      federation_(federation),
      set_(set),
      self_(std::move(self)),
      peer_(std::move(peer)) {}

json Outbound::to_wire(const LoggedEvent& e) {
  const bool own = e.origin.empty();
  std::string type = e.type;
  json body = json::parse(e.body);
  if (type == "observations" || type == "aggregates") {
    // Decided metric by metric: a rule may be scoped to some metrics.
    body = own ? own_observations(body) : relayed_observations(std::move(body));
    type = !body["rows"].empty()      ? "observations"
           : !body["buckets"].empty() ? "aggregates"
                                      : "skipped";
    if (type == "skipped") body = json::object();
    if (type == "aggregates") body.erase("rows");
  } else if (const auto kind = kind_of(type)) {
    Share share = share_for(set_, federation_, self_, peer_, *kind, item_of(*kind, body));
    if (*kind == DataKind::kIncidents && body.contains("owner") &&
        !federation_.in_subtree(body["owner"].get<std::string>(), self_))
      share = Share{Granularity::kRaw, 0, {}, "owned-above", std::nullopt, ""};
    if (*kind == DataKind::kIncidents && share.hold_until && !released(body, *share.hold_until)) {
      // Not confirmed yet: held here. Cancelled unconfirmed (a false positive): counted above,
      // without its details.
      if (body.value("status", "") == "cancelled")
        share = Share{Granularity::kAggregate, 0, {}, share.rule, std::nullopt, share.where};
      else
        share.granularity = Granularity::kNone;
    }
    if (share.granularity == Granularity::kNone) {
      type = "skipped";
      body = json::object();
    } else {
      redact(
          body, *kind,
          share.granularity == Granularity::kRaw ? share.redact : policy::redactable_fields(*kind));
    }
  }
  return json{{"origin", own ? self_ : e.origin},
              {"epoch", e.epoch},
              {"seq", e.origin_seq},
              {"type", type},
              {"ts", format_rfc3339(e.ts)},
              {"body", std::move(body)}};
}

std::vector<json> Outbound::to_wire(const std::vector<LoggedEvent>& events) {
  std::vector<json> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(to_wire(e));
  // Backwards: the last entry to carry a bucket keeps it, earlier ones leave it out.
  std::set<std::tuple<std::string, std::string, std::string, TimeMs>> later;
  for (auto it = out.rbegin(); it != out.rend(); ++it) {
    json& body = (*it)["body"];
    const auto buckets = body.find("buckets");
    if (buckets == body.end() || !buckets->is_array()) continue;
    const std::string& origin = (*it)["origin"].get_ref<const std::string&>();
    json kept = json::array();
    for (auto& b : *buckets)
      if (later
              .emplace(origin, b.value("metric", ""), b.value("area", ""),
                       b.value("start", TimeMs{0}))
              .second)
        kept.push_back(std::move(b));
    *buckets = std::move(kept);
  }
  return out;
}

// True when the incident version in `body` may leave a node that holds incidents until `hold`:
// it reached that status, or (cancelled) it had reached it before the cancel.
bool Outbound::released(const json& body, IncidentStatus hold) const {
  const auto status = parse_incident_status(body.value("status", ""));
  if (!status) return true;
  if (*status != IncidentStatus::kCancelled) return lifecycle_step(*status) >= lifecycle_step(hold);
  const auto held = store_.incident(body.value("id", ""));
  if (!held) return false;
  const int version = body.value("version", 0);
  for (const auto& entry : held->history) {
    if (entry.version >= version) continue;
    const auto action = parse_incident_action(entry.action);
    const auto reached = action ? IncidentService::target_status(*action) : std::nullopt;
    if (reached && *reached != IncidentStatus::kCancelled &&
        lifecycle_step(*reached) >= lifecycle_step(hold))
      return true;
  }
  return false;
}

// A bucket held back for counting fewer readings than `min_group_size`: its place, no readings.
json Outbound::held_back(const std::string& metric, const std::string& area, TimeMs start,
                         int min_group_size) {
  return {{"metric", metric}, {"area", area}, {"start", start}, {"heldBack", min_group_size}};
}

const Share& Outbound::share_of(const std::string& metric) {
  auto it = metric_shares_.find(metric);
  if (it == metric_shares_.end())
    it = metric_shares_
             .emplace(metric, share_for(set_, federation_, self_, peer_, DataKind::kObservations,
                                        SharedItem{metric, std::nullopt, std::nullopt, false}))
             .first;
  return it->second;
}

json Outbound::own_observations(const json& logged) {
  json buckets = json::array();
  bool any_raw = false;
  for (const auto& key : logged.value("buckets", json::array())) {
    const std::string metric = key.at(0), area = key.at(1);
    const TimeMs start = key.at(2);
    const Share& share = share_of(metric);
    if (share.granularity == Granularity::kNone) continue;
    any_raw |= share.granularity == Granularity::kRaw;
    auto cached = sketches_.find({metric, area, start});
    if (cached == sketches_.end()) {
      const auto sketch = store_.aggregate(metric, area, start);
      if (!sketch) continue;
      cached = sketches_
                   .emplace(std::tuple{metric, area, start},
                            std::pair{crypto::base64_encode(sketch->encode()), sketch->count()})
                   .first;
    }
    if (static_cast<std::uint64_t>(share.min_group_size) > cached->second.second)
      buckets.push_back(held_back(metric, area, start, share.min_group_size));
    else
      buckets.push_back(
          {{"metric", metric}, {"area", area}, {"start", start}, {"sketch", cached->second.first}});
  }
  json rows = json::array();
  if (any_raw) {
    ObservationQuery q;
    q.after = logged.at("firstId").get<std::int64_t>() - 1;
    q.limit = logged.at("count").get<int>();
    for (const auto& [id, o] : store_.observations(q).items) {
      const Share& share = share_of(o.metric);
      if (share.granularity != Granularity::kRaw) continue;
      json row = codec::to_json(o);
      redact(row, DataKind::kObservations, share.redact);
      rows.push_back(std::move(row));
    }
  }
  return json{{"buckets", std::move(buckets)}, {"rows", std::move(rows)}};
}

json Outbound::relayed_observations(json body) {
  json rows = json::array(), buckets = json::array();
  for (auto& row : body.value("rows", json::array())) {
    const Share& share = share_of(row.value("metric", ""));
    if (share.granularity != Granularity::kRaw) continue;
    redact(row, DataKind::kObservations, share.redact);
    rows.push_back(std::move(row));
  }
  for (auto& b : body.value("buckets", json::array())) {
    const Share& share = share_of(b.value("metric", ""));
    if (share.granularity == Granularity::kNone) continue;
    if (share.min_group_size > 1 && !b.contains("heldBack")) {
      const auto bytes = crypto::base64_decode(b.value("sketch", ""), false);
      if (!bytes ||
          SummarySketch::decode(*bytes).count() < static_cast<std::uint64_t>(share.min_group_size))
        b = held_back(b.value("metric", ""), b.value("area", ""), b.value("start", TimeMs{0}),
                      share.min_group_size);
    }
    buckets.push_back(std::move(b));
  }
  return json{{"buckets", std::move(buckets)}, {"rows", std::move(rows)}};
}

}  // namespace ioc::federation
