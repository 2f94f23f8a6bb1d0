#include "sharing.hpp"

#include <algorithm>

namespace ioc::federation {

using policy::DataKind;
using policy::Granularity;

namespace {

bool in_scope(const policy::SharingRule& r, const SharedItem& item) {
  if (!item.metric.empty() && !r.metrics.empty() &&
      std::find(r.metrics.begin(), r.metrics.end(), item.metric) == r.metrics.end())
    return false;
  if (r.domains != policy::kAllDomains && item.has_domain &&
      (!item.domain || !(r.domains & policy::bit(*item.domain))))
    return false;
  if (item.severity && *item.severity < r.severity_at_least) return false;
  return true;
}

}  // namespace

std::optional<DataKind> kind_of(std::string_view type) {
  if (type == "alert") return DataKind::kAlerts;
  if (type == "incident") return DataKind::kIncidents;
  if (type == "service-request") return DataKind::kServiceRequests;
  if (type == "observations") return DataKind::kObservations;
  return std::nullopt;
}

SharedItem item_of(DataKind kind, const nlohmann::json& record) {
  SharedItem item;
  if (kind != DataKind::kAlerts && kind != DataKind::kIncidents) return item;
  item.has_domain = true;
  if (const auto d = record.find("domain"); d != record.end() && d->is_string())
    item.domain = parse_domain(d->get<std::string>());
  const std::string severity = record.value("severity", "");
  item.severity =
      kind == DataKind::kAlerts ? parse_cap_severity(severity) : parse_severity(severity);
  return item;
}

Share share_for(const policy::PolicySet& set, const FederationConfig& fed, const std::string& from,
                const std::string& to, DataKind kind, const SharedItem& item) {
  const NodeConfig* sender = fed.find(from);
  const NodeConfig* receiver = fed.find(to);
  const bool to_parent = sender && sender->parent && *sender->parent == to;
  const bool to_child = receiver && receiver->parent && *receiver->parent == from;
  const policy::SharingRule* best = nullptr;
  int best_score = -1;
  for (const auto& r : set.sharing) {
    if (!(r.data & policy::bit(kind))) continue;
    if (r.from != "*" && r.from != from) continue;
    const bool to_matches =
        r.to == to || (r.to == "parent" && to_parent) || (r.to == "children" && to_child) ||
        (r.to == "subtree" && receiver && to != from && fed.in_subtree(to, from));
    if (!to_matches || !in_scope(r, item)) continue;
    const int score = (r.from == from ? 2 : 0) + (r.to == to ? 1 : 0);
    if (score > best_score) best = &r, best_score = score;
  }
  if (best)
    return Share{best->granularity, best->min_group_size, best->redact,
                 best->id,          best->hold_until,     best->where};
  const bool above =
      kind == DataKind::kSummaries ? fed.in_subtree(from, to) && from != to : to_parent;
  return Share{above ? Granularity::kAggregate : Granularity::kNone, 0, {}, "", std::nullopt, ""};
}

std::string describe(const Share& s) {
  std::string out(policy::to_string(s.granularity));
  if (s.rule.empty())
    return out +
           " (no rule matches; by default data goes to the parent as aggregates and "
           "summaries to the nodes above)";
  out += " by rule " + s.rule + " (" + s.where + ")";
  if (s.min_group_size > 0) out += ", minGroupSize " + std::to_string(s.min_group_size);
  for (std::size_t i = 0; i < s.redact.size(); ++i)
    out += (i == 0 ? ", redact " : ", ") + s.redact[i];
  if (s.hold_until) out += ", held until " + std::string(to_string(*s.hold_until));
  return out;
}

namespace {

bool has(const std::vector<std::string>& fields, const char* name) {
  for (const auto& f : fields)
    if (f == name) return true;
  return false;
}

}  // namespace

void redact(nlohmann::json& r, DataKind kind, const std::vector<std::string>& fields) {
  if (fields.empty() || !r.is_object()) return;
  switch (kind) {
    case DataKind::kObservations:
      if (has(fields, "source")) r["source"] = "redacted";  // a row must name a source
      if (has(fields, "tags")) r["tags"] = nlohmann::json::object();
      break;
    case DataKind::kAlerts:
      if (has(fields, "headline")) r["headline"] = "";
      if (has(fields, "description")) r["description"] = "";
      break;
    case DataKind::kIncidents:
      if (has(fields, "title")) r["title"] = "";
      if (has(fields, "location"))
        r["location"] = {{"lat", nullptr}, {"lon", nullptr}, {"address", ""}, {"camera", nullptr}};
      if (has(fields, "notes") && r.contains("change") && r["change"].is_object())
        r["change"]["note"] = "";
      break;
    case DataKind::kServiceRequests:
      if (has(fields, "description")) r["description"] = "";
      if (has(fields, "address")) r["address"] = "";
      if (has(fields, "location")) r["lat"] = r["long"] = nullptr;
      if (has(fields, "media")) r["media_url"] = "";
      if (has(fields, "notes")) r["status_notes"] = "";
      break;
    case DataKind::kSummaries:
      break;
  }
}

}  // namespace ioc::federation
