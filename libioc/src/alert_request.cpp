#include "alert_request.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "api_support.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"

namespace ioc {

using api::only_fields;
using api::string_field;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxAreas = 100;
constexpr std::size_t kMaxShapes = 20;     // polygons, circles, geocodes each
constexpr std::size_t kMaxPoints = 1000;   // per polygon
constexpr std::size_t kMaxLanguages = 10;  // <info> blocks

[[noreturn]] void refuse(const std::string& field, const std::string& why) {
  throw Error(ErrorCode::kBadRequest, field + ": " + why, field);
}

std::string one_of(const json& j, const char* key, std::initializer_list<const char*> values,
                   const char* fallback) {
  std::string v = string_field(j, key, fallback == nullptr, 40);
  if (v.empty()) v = fallback;
  if (std::none_of(values.begin(), values.end(), [&](const char* x) { return v == x; })) {
    std::string list;
    for (const char* x : values) list += (list.empty() ? "" : ", ") + std::string(x);
    refuse(key, "must be one of " + list + ", got '" + v + "'");
  }
  return v;
}

std::optional<TimeMs> time_field(const json& j, const char* key) {
  const std::string text = string_field(j, key, false, 64);
  if (text.empty()) return std::nullopt;
  if (const auto t = parse_rfc3339(text)) return *t;
  refuse(key, "must be an RFC 3339 time such as 2026-11-30T08:00:00+07:00, got '" + text + "'");
}

// RFC 3066: a primary tag of 1-8 letters, then subtags of 1-8 letters or digits.
bool language_tag(const std::string& s) {
  if (s.empty() || s.size() > 35) return false;
  std::size_t start = 0;
  for (bool first = true;; first = false) {
    const std::size_t end = std::min(s.find('-', start), s.size());
    const std::size_t n = end - start;
    if (n < 1 || n > 8) return false;
    for (std::size_t i = start; i < end; ++i)
      if (!std::isalpha(static_cast<unsigned char>(s[i])) &&
          (first || !std::isdigit(static_cast<unsigned char>(s[i]))))
        return false;
    if (end == s.size()) return true;
    start = end + 1;
  }
}

AlertText texts(const json& j, const std::string& prefix) {
  AlertText t;
  t.language = string_field(j, "language", false, 35, prefix);
  if (t.language.empty()) t.language = "en-US";
  if (!language_tag(t.language))
    refuse(prefix + "language", "must be a language tag such as vi-VN or en-US");
  t.event = string_field(j, "event", true, 200, prefix);
  t.headline = string_field(j, "headline", true, 200, prefix);
  t.description = string_field(j, "description", false, 8000, prefix);
  t.instruction = string_field(j, "instruction", false, 4000, prefix);
  return t;
}

const json& array_field(const json& j, const char* key, const std::string& field, std::size_t max) {
  static const json kEmpty = json::array();
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return kEmpty;
  if (!it->is_array()) refuse(field, "must be an array");
  if (it->size() > max) refuse(field, "holds more than " + std::to_string(max));
  return *it;
}

std::string string_item(const json& v, const std::string& field, std::size_t max) {
  if (!v.is_string()) refuse(field, "must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty() || s.size() > max) refuse(field, "must be 1 to " + std::to_string(max) + " bytes");
  return s;
}

// "lat,lon" within range; the number of characters read is returned through `used`.
bool point(const std::string& text, double& lat, double& lon) {
  const auto comma = text.find(',');
  if (comma == std::string::npos) return false;
  try {
    std::size_t a = 0, b = 0;
    lat = std::stod(text.substr(0, comma), &a);
    lon = std::stod(text.substr(comma + 1), &b);
    if (a != comma || b != text.size() - comma - 1) return false;
  } catch (const std::exception&) {
    return false;
  }
  return std::isfinite(lat) && std::isfinite(lon) && std::fabs(lat) <= 90 && std::fabs(lon) <= 180;
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

void check_polygon(const std::string& p, const std::string& field) {
  const auto pts = words(p);
  if (pts.size() < 4) refuse(field, "a polygon needs at least 4 points, the first repeated last");
  if (pts.size() > kMaxPoints) refuse(field, "more than " + std::to_string(kMaxPoints) + " points");
  double lat = 0, lon = 0;
  for (const auto& pt : pts)
    if (!point(pt, lat, lon))
      refuse(field, "'" + pt + "' is not a point lat,lon within +-90,+-180");
  if (pts.front() != pts.back()) refuse(field, "the first point must be repeated last");
}

void check_circle(const std::string& c, const std::string& field) {
  const auto parts = words(c);
  double lat = 0, lon = 0;
  if (parts.size() != 2 || !point(parts[0], lat, lon))
    refuse(field, "a circle reads 'lat,lon radius' with the radius in km");
  try {
    std::size_t used = 0;
    const double r = std::stod(parts[1], &used);
    if (used != parts[1].size() || !std::isfinite(r) || r <= 0 || r > 20000) throw 0;
  } catch (...) {
    refuse(field, "the radius must be a number of km above 0 and up to 20000");
  }
}

AlertGeometry geometry(const json& body) {
  AlertGeometry g;
  const auto it = body.find("geometry");
  if (it == body.end() || it->is_null()) return g;
  if (!it->is_object()) refuse("geometry", "must be an object");
  only_fields(*it, {"polygons", "circles", "geocodes"}, "geometry.");
  const auto& polygons = array_field(*it, "polygons", "geometry.polygons", kMaxShapes);
  for (std::size_t i = 0; i < polygons.size(); ++i) {
    const std::string field = "geometry.polygons[" + std::to_string(i) + "]";
    g.polygons.push_back(string_item(polygons[i], field, 64 * kMaxPoints));
    check_polygon(g.polygons.back(), field);
  }
  const auto& circles = array_field(*it, "circles", "geometry.circles", kMaxShapes);
  for (std::size_t i = 0; i < circles.size(); ++i) {
    const std::string field = "geometry.circles[" + std::to_string(i) + "]";
    g.circles.push_back(string_item(circles[i], field, 100));
    check_circle(g.circles.back(), field);
  }
  const auto& geocodes = array_field(*it, "geocodes", "geometry.geocodes", kMaxShapes);
  for (std::size_t i = 0; i < geocodes.size(); ++i) {
    const std::string prefix = "geometry.geocodes[" + std::to_string(i) + "].";
    if (!geocodes[i].is_object()) refuse(prefix.substr(0, prefix.size() - 1), "must be an object");
    only_fields(geocodes[i], {"valueName", "value"}, prefix);
    g.geocodes.emplace_back(string_field(geocodes[i], "valueName", true, 100, prefix),
                            string_field(geocodes[i], "value", true, 100, prefix));
  }
  return g;
}

}  // namespace

const std::vector<const char*>& alert_request_keys() {
  static const std::vector<const char*> keys{
      "msgType", "references", "status",      "scope",       "category",
      "urgency", "severity",   "certainty",   "domain",      "language",
      "event",   "headline",   "description", "instruction", "translations",
      "areas",   "geometry",   "effective",   "onset",       "expires"};
  return keys;
}

CapMsgType requested_msg_type(const json& body) {
  const std::string t = one_of(body, "msgType", {"Alert", "Update", "Cancel"}, "Alert");
  return t == "Update"   ? CapMsgType::kUpdate
         : t == "Cancel" ? CapMsgType::kCancel
                         : CapMsgType::kAlert;
}

Alert alert_from_request(const json& body, TimeMs now) {
  for (const auto& item : body.items())
    if (std::none_of(alert_request_keys().begin(), alert_request_keys().end(),
                     [&](const char* k) { return item.key() == k; }))
      refuse(item.key(), "unknown field");
  Alert a;
  a.msg_type = requested_msg_type(body);
  a.status = one_of(body, "status", {"Actual", "Exercise", "System", "Test", "Draft"}, "Actual");
  a.scope = one_of(body, "scope", {"Public", "Restricted"}, "Public");
  a.category = one_of(body, "category",
                      {"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
                       "Transport", "Infra", "CBRNE", "Other"},
                      nullptr);
  a.urgency =
      one_of(body, "urgency", {"Immediate", "Expected", "Future", "Past", "Unknown"}, nullptr);
  a.severity = *parse_cap_severity(
      one_of(body, "severity", {"Extreme", "Severe", "Moderate", "Minor"}, nullptr));
  a.certainty =
      one_of(body, "certainty", {"Observed", "Likely", "Possible", "Unlikely", "Unknown"}, nullptr);
  const std::string domain = string_field(body, "domain", true, 40);
  a.domain = parse_domain(domain);
  if (!a.domain) refuse("domain", "unknown domain '" + domain + "'");

  const AlertText first = texts(body, "");
  a.language = first.language;
  a.event = first.event;
  a.headline = first.headline;
  a.description = first.description;
  a.instruction = first.instruction;
  const auto& more = array_field(body, "translations", "translations", kMaxLanguages - 1);
  std::vector<std::string> languages{a.language};
  for (std::size_t i = 0; i < more.size(); ++i) {
    const std::string prefix = "translations[" + std::to_string(i) + "].";
    if (!more[i].is_object()) refuse(prefix.substr(0, prefix.size() - 1), "must be an object");
    only_fields(more[i], {"language", "event", "headline", "description", "instruction"}, prefix);
    if (!more[i].contains("language")) refuse(prefix + "language", "is required");
    a.translations.push_back(texts(more[i], prefix));
    if (std::find(languages.begin(), languages.end(), a.translations.back().language) !=
        languages.end())
      refuse(prefix + "language", "'" + a.translations.back().language + "' is given twice");
    languages.push_back(a.translations.back().language);
  }

  const auto& areas = array_field(body, "areas", "areas", kMaxAreas);
  for (std::size_t i = 0; i < areas.size(); ++i) {
    a.areas.push_back(string_item(areas[i], "areas[" + std::to_string(i) + "]", 200));
    if (std::count(a.areas.begin(), a.areas.end(), a.areas.back()) > 1)
      refuse("areas[" + std::to_string(i) + "]", "'" + a.areas.back() + "' is given twice");
  }
  a.geometry = geometry(body);
  if (a.areas.empty() && a.geometry.empty())
    refuse("areas", "name at least one node id, or give a geometry");

  a.effective = time_field(body, "effective");
  a.onset = time_field(body, "onset").value_or(a.effective.value_or(now));
  a.expires = time_field(body, "expires");
  if (a.expires && *a.expires <= std::max(a.onset, a.effective.value_or(a.onset)))
    refuse("expires", "must come after onset and effective");
  if (a.expires && *a.expires <= now && a.msg_type != CapMsgType::kCancel)
    refuse("expires", "is already past");
  return a;
}

json request_fields(const Alert& e) {
  const json all = codec::to_json(e);
  json out = json::object();
  for (const char* key : alert_request_keys())
    if (all.contains(key) && !all[key].is_null()) out[key] = all[key];
  out.erase("msgType");
  out.erase("references");
  return out;
}

}  // namespace ioc
