#include "json_codec.hpp"

#include "ioc/error.hpp"

namespace ioc::codec {
namespace {

json optional_number(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}
std::optional<double> read_optional_number(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<double>();
}
std::optional<TimeMs> read_optional_time(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return parse_rfc3339(it->get<std::string>());
}
TimeMs read_time(const json& j, const char* key) {
  return read_optional_time(j, key).value_or(0);
}

}  // namespace

json to_json(const Observation& o) {
  return json{{"source", o.source}, {"metric", o.metric}, {"ts", format_rfc3339(o.ts)},
              {"value", o.value},   {"unit", o.unit},     {"area", o.area},
              {"tags", o.tags}};
}

json to_json(const Alert& a) {
  json translations = json::array();
  for (const auto& t : a.translations)
    translations.push_back({{"language", t.language},
                            {"event", t.event},
                            {"headline", t.headline},
                            {"description", t.description},
                            {"instruction", t.instruction}});
  json geocodes = json::array();
  for (const auto& [name, value] : a.geometry.geocodes)
    geocodes.push_back({{"valueName", name}, {"value", value}});
  const json geometry{
      {"polygons", a.geometry.polygons}, {"circles", a.geometry.circles}, {"geocodes", geocodes}};
  return json{{"identifier", a.identifier},
              {"sender", a.sender},
              {"sent", format_rfc3339(a.sent)},
              {"status", a.status},
              {"msgType", to_string(a.msg_type)},
              {"scope", a.scope},
              {"category", a.category},
              {"event", a.event},
              {"urgency", a.urgency},
              {"severity", cap_severity(a.severity)},
              {"certainty", a.certainty},
              {"headline", a.headline},
              {"description", a.description},
              {"instruction", a.instruction},
              {"language", a.language},
              {"translations", translations},
              {"area", a.area},
              {"areas", a.areas.empty() ? std::vector<std::string>{a.area} : a.areas},
              {"geometry", geometry},
              {"domain", a.domain ? json(to_string(*a.domain)) : json(nullptr)},
              {"effective", a.effective ? json(format_rfc3339(*a.effective)) : json(nullptr)},
              {"onset", format_rfc3339(a.onset)},
              {"expires", a.expires ? json(format_rfc3339(*a.expires)) : json(nullptr)},
              {"references", a.references},
              {"rule", a.rule_id},
              {"active", a.active}};
}

Alert alert_from_json(const json& j) {
  Alert a;
  a.identifier = j.at("identifier").get<std::string>();
  a.sender = j.at("sender").get<std::string>();
  a.sent = read_time(j, "sent");
  a.status = j.at("status").get<std::string>();
  const auto mt = j.at("msgType").get<std::string>();
  a.msg_type = mt == "Cancel"   ? CapMsgType::kCancel
               : mt == "Update" ? CapMsgType::kUpdate
                                : CapMsgType::kAlert;
  a.scope = j.at("scope").get<std::string>();
  a.category = j.at("category").get<std::string>();
  a.event = j.at("event").get<std::string>();
  a.urgency = j.at("urgency").get<std::string>();
  a.severity =
      parse_cap_severity(j.at("severity").get<std::string>()).value_or(Severity::kModerate);
  a.certainty = j.at("certainty").get<std::string>();
  a.headline = j.at("headline").get<std::string>();
  a.description = j.value("description", "");
  a.instruction = j.value("instruction", "");
  a.language = j.value("language", "en-US");
  for (const auto& t : j.value("translations", json::array()))
    a.translations.push_back(AlertText{t.at("language"), t.at("event"), t.at("headline"),
                                       t.value("description", ""), t.value("instruction", "")});
  a.area = j.at("area").get<std::string>();
  a.areas = j.value("areas", std::vector<std::string>{});
  if (!a.areas.empty() && a.areas[0] != a.area)
    throw Error(ErrorCode::kBadRequest, "an alert's area is the first of its areas", "areas");
  if (a.areas.size() == 1) a.areas.clear();
  if (const auto g = j.find("geometry"); g != j.end() && g->is_object()) {
    a.geometry.polygons = g->value("polygons", std::vector<std::string>{});
    a.geometry.circles = g->value("circles", std::vector<std::string>{});
    for (const auto& c : g->value("geocodes", json::array()))
      a.geometry.geocodes.emplace_back(c.at("valueName"), c.at("value"));
  }
  if (const auto d = j.find("domain"); d != j.end() && d->is_string())
    a.domain = parse_domain(d->get<std::string>());
  a.effective = read_optional_time(j, "effective");
  a.onset = read_time(j, "onset");
  a.expires = read_optional_time(j, "expires");
  a.references = j.value("references", std::vector<std::string>{});
  a.rule_id = j.value("rule", "");
  a.active = j.value("active", true);
  return a;
}

json to_json(const AuditEntry& e) {
  return json{{"at", format_rfc3339(e.at)}, {"actor", e.actor},
              {"action", e.action},         {"note", e.note},
              {"grant", e.grant},           {"version", e.version}};
}

std::pair<Incident, AuditEntry> incident_version_from_json(const json& j) {
  return {incident_from_json(j), audit_entry_from_json(j.at("change"))};
}

AuditEntry audit_entry_from_json(const json& j) {
  return AuditEntry{read_time(j, "at"),
                    j.at("actor").get<std::string>(),
                    j.at("action").get<std::string>(),
                    j.value("note", ""),
                    j.value("grant", ""),
                    j.at("version").get<int>()};
}

json incident_head(const Incident& i) {
  return json{
      {"id", i.id},
      {"domain", to_string(i.domain)},
      {"severity", to_string(i.severity)},
      {"area", i.area},
      {"title", i.title},
      {"location",
       {{"lat", optional_number(i.location.lat)},
        {"lon", optional_number(i.location.lon)},
        {"address", i.location.address},
        {"camera", i.location.camera ? json{{"id", i.location.camera->id},
                                            {"stream", i.location.camera->stream},
                                            {"distanceMetres", i.location.camera->distance_m}}
                                     : json(nullptr)}}},
      {"origin", i.origin},
      {"owner", i.owner},
      {"version", i.version},
      {"status", to_string(i.status)},
      {"created", format_rfc3339(i.created)},
      {"updated", format_rfc3339(i.updated)},
      {"alert", i.alert_id.empty() ? json(nullptr) : json(i.alert_id)}};
}

json to_json(const Incident& i) {
  json j = incident_head(i);
  json history = json::array();
  for (const auto& e : i.history) history.push_back(to_json(e));
  j["history"] = history;
  return j;
}

Incident incident_from_json(const json& j) {
  Incident i;
  i.id = j.at("id").get<std::string>();
  i.domain = parse_domain(j.at("domain").get<std::string>()).value();
  i.severity = parse_severity(j.at("severity").get<std::string>()).value();
  i.area = j.at("area").get<std::string>();
  i.title = j.at("title").get<std::string>();
  const auto& loc = j.at("location");
  i.location.lat = read_optional_number(loc, "lat");
  i.location.lon = read_optional_number(loc, "lon");
  i.location.address = loc.value("address", "");
  if (const auto cam = loc.find("camera"); cam != loc.end() && cam->is_object())
    i.location.camera = CameraRef{cam->value("id", ""), cam->value("stream", ""),
                                  cam->value("distanceMetres", 0.0)};
  i.origin = j.at("origin").get<std::string>();
  i.owner = j.at("owner").get<std::string>();
  i.version = j.at("version").get<int>();
  i.status = parse_incident_status(j.at("status").get<std::string>()).value();
  i.created = read_time(j, "created");
  i.updated = read_time(j, "updated");
  if (const auto it = j.find("alert"); it != j.end() && it->is_string())
    i.alert_id = it->get<std::string>();
  return i;
}

json to_json(const ServiceRequest& r) {
  return json{{"service_request_id", r.id},
              {"status", r.status},
              {"status_notes", r.status_notes},
              {"service_name", r.service_name},
              {"service_code", r.service_code},
              {"description", r.description},
              {"agency_responsible", r.agency_responsible},
              {"service_notice", ""},
              {"requested_datetime", format_rfc3339(r.requested)},
              {"updated_datetime", format_rfc3339(r.updated)},
              {"expected_datetime", format_rfc3339(r.expected)},
              {"closed_datetime", r.closed ? json(format_rfc3339(*r.closed)) : json(nullptr)},
              {"address", r.address},
              {"area", r.area},
              {"lat", optional_number(r.lat)},
              {"long", optional_number(r.lon)},
              {"media_url", r.media_url}};
}

ServiceRequest service_request_from_json(const json& j) {
  ServiceRequest r;
  r.id = j.at("service_request_id").get<std::string>();
  r.status = j.at("status").get<std::string>();
  r.status_notes = j.value("status_notes", "");
  r.service_name = j.value("service_name", "");
  r.service_code = j.at("service_code").get<std::string>();
  r.description = j.value("description", "");
  r.agency_responsible = j.value("agency_responsible", "");
  r.requested = read_time(j, "requested_datetime");
  r.updated = read_time(j, "updated_datetime");
  r.expected = read_time(j, "expected_datetime");
  r.closed = read_optional_time(j, "closed_datetime");
  r.address = j.value("address", "");
  r.area = j.value("area", "");
  r.lat = read_optional_number(j, "lat");
  r.lon = read_optional_number(j, "long");
  r.media_url = j.value("media_url", "");
  return r;
}

json to_json(const Service& s) {
  return json{{"service_code", s.code}, {"service_name", s.name}, {"description", s.description},
              {"metadata", false},      {"type", "realtime"},     {"keywords", to_string(s.domain)},
              {"group", s.group}};
}

json to_json(const ChildStatus& c) {
  json ranges = json::array();
  for (const auto& r : c.lost_ranges)
    ranges.push_back(
        {{"origin", r.origin}, {"epoch", r.epoch}, {"fromSeq", r.from_seq}, {"toSeq", r.to_seq}});
  return json{{"node", c.node},
              {"state", to_string(c.state)},
              {"lastSync", c.last_sync ? json(format_rfc3339(*c.last_sync)) : json(nullptr)},
              {"lagSeconds", c.lag_seconds ? json(*c.lag_seconds) : json(nullptr)},
              {"complete", c.complete},
              {"lostRanges", ranges}};
}

json to_json(const Summary& s) {
  json metrics = json::object();
  for (const auto& [name, m] : s.metrics)
    metrics[name] = {{"count", m.count}, {"sum", m.sum},   {"min", m.min},
                     {"max", m.max},     {"mean", m.mean}, {"p50", m.p50},
                     {"p90", m.p90},     {"p99", m.p99},   {"relativeError", m.relative_error}};
  const auto as_object = [](const std::vector<std::pair<std::string, std::int64_t>>& v) {
    json o = json::object();
    for (const auto& [k, n] : v) o[k] = n;
    return o;
  };
  json children = json::array();
  for (const auto& c : s.children) children.push_back(to_json(c));
  const auto& sr = s.service_requests;
  return json{
      {"node", s.node},
      {"area", s.area},
      {"window", {{"from", format_rfc3339(s.from)}, {"to", format_rfc3339(s.to)}}},
      {"metrics", metrics},
      {"incidents",
       {{"total", s.incidents.total},
        {"byStatus", as_object(s.incidents.by_status)},
        {"byDomain", as_object(s.incidents.by_domain)},
        {"bySeverity", as_object(s.incidents.by_severity)}}},
      {"serviceRequests",
       {{"open", sr.open},
        {"closed", sr.closed},
        {"onTimeRatio", sr.on_time_ratio ? json(*sr.on_time_ratio) : json(nullptr)}}},
      {"children", children},
      {"suppressed",
       s.suppressed
           ? json{{"groups", s.suppressed->groups},
                  {"minGroupSize", s.suppressed->min_group_size},
                  {"note", "suppressed: " + std::to_string(s.suppressed->groups) +
                               (s.suppressed->groups == 1 ? " group under " : " groups under ") +
                               std::to_string(s.suppressed->min_group_size)}}
           : json(nullptr)}};
}

std::string error_body(std::string_view code, const std::string& message,
                       const std::string& field) {
  json err{{"code", code}, {"message", message}};
  err["field"] = field.empty() ? json(nullptr) : json(field);
  return dump(json{{"error", err}});
}

void check_depth(std::string_view text, const std::string& field) {
  // Strings are skipped with their escapes, so deep input costs no more than its length.
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        throw Error(ErrorCode::kBadRequest,
                    field + " nests deeper than " + std::to_string(kMaxJsonDepth) + " levels",
                    field);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

json parse_external(std::string_view text, const std::string& field) {
  check_depth(text, field);
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded())
    throw Error(ErrorCode::kBadRequest, field + " is not valid JSON (UTF-8)", field);
  return j;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ioc::codec
