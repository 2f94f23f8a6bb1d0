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

namespace {

std::optional<DataKind> kind_of(const std::string& type) {
  if (type == "observations" || type == "aggregates") return DataKind::kObservations;
  if (type == "alert") return DataKind::kAlerts;
  if (type == "incident") return DataKind::kIncidents;
  if (type == "service-request") return DataKind::kServiceRequests;
  return std::nullopt;  // control entries (command results, skipped) always pass
}

}  // namespace

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
  if (const auto kind = kind_of(type)) {
    Share share = share_for(set_, federation_, self_, peer_, *kind);
    if (*kind == DataKind::kIncidents && body.contains("owner") &&
        !federation_.in_subtree(body["owner"].get<std::string>(), self_))
      share = Share{Granularity::kRaw, 0, {}, "owned-above", std::nullopt};
    if (*kind == DataKind::kIncidents && share.hold_until && !released(body, *share.hold_until)) {
      // Not confirmed yet: held here. Cancelled unconfirmed (a false positive): counted above,
      // without its details.
      if (body.value("status", "") == "cancelled")
        share = Share{Granularity::kAggregate, 0, {}, share.rule, std::nullopt};
      else
        share.granularity = Granularity::kNone;
    }
    if (share.granularity == Granularity::kNone) {
      type = "skipped";
      body = json::object();
    } else if (*kind == DataKind::kObservations) {
      const bool raw = share.granularity == Granularity::kRaw;
      if (own) {
        body = own_observations(body, share);
        type = raw ? "observations" : "aggregates";
      } else {
        if (!raw && type == "observations") {
          body.erase("rows");
          type = "aggregates";
        }
        if (body.contains("rows"))
          for (auto& row : body["rows"]) redact(row, *kind, share.redact);
        drop_small_buckets(body["buckets"], share.min_group_size);
      }
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

json Outbound::own_observations(const json& logged, const Share& share) {
  const bool raw = share.granularity == Granularity::kRaw;
  json buckets = json::array();
  for (const auto& key : logged.value("buckets", json::array())) {
    const std::string metric = key.at(0), area = key.at(1);
    const TimeMs start = key.at(2);
    auto cached = sketches_.find({metric, area, start});
    if (cached == sketches_.end()) {
      const auto sketch = store_.aggregate(metric, area, start);
      if (!sketch) continue;
      cached = sketches_
                   .emplace(std::tuple{metric, area, start},
                            std::pair{crypto::base64_encode(sketch->encode()), sketch->count()})
                   .first;
    }
    if (static_cast<std::uint64_t>(share.min_group_size) > cached->second.second) continue;
    buckets.push_back(
        {{"metric", metric}, {"area", area}, {"start", start}, {"sketch", cached->second.first}});
  }
  json out{{"buckets", std::move(buckets)}};
  if (!raw) return out;
  ObservationQuery q;
  q.after = logged.at("firstId").get<std::int64_t>() - 1;
  q.limit = logged.at("count").get<int>();
  json rows = json::array();
  for (const auto& [id, o] : store_.observations(q).items) rows.push_back(codec::to_json(o));
  for (auto& row : rows) redact(row, DataKind::kObservations, share.redact);
  out["rows"] = std::move(rows);
  return out;
}

void Outbound::drop_small_buckets(json& buckets, int min_group) {
  if (min_group <= 1 || !buckets.is_array()) return;
  json kept = json::array();
  for (auto& b : buckets) {
    const auto bytes = crypto::base64_decode(b.value("sketch", ""), false);
    if (bytes && SummarySketch::decode(*bytes).count() >= static_cast<std::uint64_t>(min_group))
      kept.push_back(std::move(b));
  }
  buckets = std::move(kept);
}

}  // namespace ioc::federation
