#include "message_mapping.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "ioc/error.hpp"
#include "json_codec.hpp"
#include "utf8.hpp"

namespace ioc::mqtt {
namespace {

using json = nlohmann::json;
using Part = MessagePart;

constexpr std::size_t kMaxText = 256;              // bytes in a metric, source, unit or area
constexpr std::size_t kMaxTitle = 200;             // bytes in an incident's title
constexpr std::size_t kMaxRecords = 10'000;        // readings in one message
constexpr TimeMs kLatestTs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
constexpr double kRelativeBelow = 268'435'456;     // 2^28 s: SenML times below are relative

[[noreturn]] void bad(const std::string& why) {
  throw BadMessage(why);
}

std::vector<std::string_view> levels_of(std::string_view topic) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto slash = topic.find('/');
    out.push_back(topic.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    topic.remove_prefix(slash + 1);
  }
}

// One topic level against one pattern level (not `#`, not {area}).
bool level_fits(const std::string& pattern, std::string_view level, TopicMatch& m) {
  if (pattern == "+") return true;
  if (pattern == "{source}")
    m.source = level;
  else if (pattern == "{metric}")
    m.metric = level;
  else if (pattern == "{camera}")
    m.camera = level;
  else
    return pattern == level;
  return true;
}

bool topic_fits(const std::vector<std::string>& pattern, const std::vector<std::string_view>& topic,
                TopicMatch& m) {
  std::size_t area = pattern.size();
  for (std::size_t i = 0; i < pattern.size(); ++i)
    if (pattern[i] == "{area}") area = i;
  if (area == pattern.size()) {
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] == "#") return true;  // also the parent level itself, as MQTT matches it
      if (i >= topic.size() || !level_fits(pattern[i], topic[i], m)) return false;
    }
    return topic.size() == pattern.size();
  }
  // {area} takes the levels between the fixed prefix and the fixed suffix, at least one.
  const std::size_t suffix = pattern.size() - area - 1;
  if (topic.size() < area + suffix + 1) return false;
  for (std::size_t i = 0; i < area; ++i)
    if (!level_fits(pattern[i], topic[i], m)) return false;
  for (std::size_t i = 0; i < suffix; ++i)
    if (!level_fits(pattern[area + 1 + i], topic[topic.size() - suffix + i], m)) return false;
  m.area.clear();
  for (std::size_t i = area; i < topic.size() - suffix; ++i) {
    if (i != area) m.area += '/';
    m.area += topic[i];
  }
  return true;
}

json parse_payload(std::string_view payload) {
  try {
    codec::check_depth(payload, "the payload");
    return json::parse(payload.begin(), payload.end());
  } catch (const Error& e) {
    bad(e.what());
  } catch (const json::exception& e) {
    bad(std::string("not JSON: ") + e.what());
  }
}

// A field by its dotted path, or null.
const json* field(const json& doc, const std::string& path) {
  const json* at = &doc;
  std::size_t start = 0;
  for (;;) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!at->is_object()) return nullptr;
    const auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
    if (dot == std::string::npos) return at;
    start = dot + 1;
  }
}

std::string checked_text(const std::string& name, std::string text) {
  if (text.empty()) bad(name + " is empty");
  if (text.size() > kMaxText) bad(name + " is longer than " + std::to_string(kMaxText) + " bytes");
  if (!utf8::valid(text)) bad(name + " is not UTF-8");
  return text;
}

// A part that is text: from the topic, a fixed value or a field; nullopt when it comes from
// nowhere.
std::optional<std::string> text_part(const SourceSubscription& s, const TopicMatch& m,
                                     const json* doc, const std::string& name) {
  const auto it = s.parts.find(name);
  if (it == s.parts.end()) return std::nullopt;
  switch (it->second.from) {
    case Part::From::kTopic:
      return checked_text(name, m.level(it->second.text));
    case Part::From::kFixed:
      return it->second.text;
    case Part::From::kField: {
      const json* f = doc ? field(*doc, it->second.text) : nullptr;
      if (!f) bad(name + ": field '" + it->second.text + "' is missing");
      if (!f->is_string()) bad(name + ": field '" + it->second.text + "' is not a string");
      return checked_text(name, f->get<std::string>());
    }
    case Part::From::kNowhere:
      break;
  }
  return std::nullopt;
}

std::string area_of(const SourceSubscription& s, const TopicMatch& m, const json* doc,
                    const MappingScope& scope) {
  std::string area = *text_part(s, m, doc, "area");
  if (!scope.federation.in_subtree(area, scope.node_id))
    bad("area '" + area + "' is not this node (" + scope.node_id + ") nor a node below it");
  return area;
}

TimeMs checked_time(double ms, const std::string& what) {
  if (!std::isfinite(ms) || ms < 0 || ms > static_cast<double>(kLatestTs))
    bad(what + " is not a time between 1970 and 9999");
  return static_cast<TimeMs>(std::llround(ms));
}

// A JSON reading's time: RFC 3339 text, or epoch seconds or milliseconds (below 10^11: seconds).
TimeMs json_time(const json* f, const std::string& path, TimeMs now) {
  if (!f) return now;
  if (f->is_string()) {
    const auto t = parse_rfc3339(f->get<std::string>());
    if (!t) bad("time: field '" + path + "' is not an RFC 3339 time");
    return checked_time(static_cast<double>(*t), "time: field '" + path + "'");
  }
  if (!f->is_number()) bad("time: field '" + path + "' is neither a number nor RFC 3339 text");
  const double v = f->get<double>();
  return checked_time(v < 1e11 ? v * 1000 : v, "time: field '" + path + "'");
}

double finite_value(const json& v, const std::string& what) {
  if (!v.is_number()) bad(what + " is not a number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) bad(what + " is not finite");
  return d;
}

// RFC 8428: base fields apply to the records after them; a record's name is bn + n, its time
// bt + t (seconds; below 2^28 relative to now), its value bv + v or bs + s. Records with a string,
// boolean or data value are not readings and are passed over.
std::vector<Observation> senml_rows(const json& pack, const std::string& area,
                                    const std::string& source, TimeMs now) {
  if (!pack.is_array()) bad("not SenML: a SenML pack is a JSON array of records");
  if (pack.empty()) bad("the SenML pack has no records");
  if (pack.size() > kMaxRecords)
    bad("more than " + std::to_string(kMaxRecords) + " records in one message");
  std::string bn, bu;
  double bt = 0, bv = 0, bs = 0;
  std::vector<Observation> rows;
  for (std::size_t i = 0; i < pack.size(); ++i) {
    const json& r = pack[i];
    const std::string at = "record " + std::to_string(i) + ": ";
    if (!r.is_object()) bad(at + "not an object");
    for (const auto& [key, value] : r.items()) {
      if (!key.empty() && key.back() == '_')
        bad(at + "'" + key + "' must be understood and is not");
      if ((key == "bn" || key == "bu" || key == "n" || key == "u" || key == "vs" || key == "vd") &&
          !value.is_string())
        bad(at + "'" + key + "' is not a string");
    }
    if (const auto it = r.find("bn"); it != r.end()) bn = it->get<std::string>();
    if (const auto it = r.find("bu"); it != r.end()) bu = it->get<std::string>();
    if (const auto it = r.find("bt"); it != r.end()) bt = finite_value(*it, at + "bt");
    if (const auto it = r.find("bv"); it != r.end()) bv = finite_value(*it, at + "bv");
    if (const auto it = r.find("bs"); it != r.end()) bs = finite_value(*it, at + "bs");
    double value = 0;
    if (const auto v = r.find("v"); v != r.end())
      value = bv + finite_value(*v, at + "v");
    else if (const auto s = r.find("s"); s != r.end())
      value = bs + finite_value(*s, at + "s");
    else
      continue;  // a string, boolean or data value, or base fields only: not a reading
    if (!std::isfinite(value)) bad(at + "the value is not finite");
    const auto n = r.find("n");
    const std::string name = bn + (n == r.end() ? std::string() : n->get<std::string>());
    const auto u = r.find("u");
    double t = bt;
    if (const auto it = r.find("t"); it != r.end()) t += finite_value(*it, at + "t");
    const bool relative = std::abs(t) < kRelativeBelow;
    Observation o;
    o.metric = checked_text(at + "name", name);
    o.unit = u == r.end() ? bu : u->get<std::string>();
    if (o.unit.size() > kMaxText) bad(at + "the unit is too long");
    o.ts = relative ? now + std::llround(t * 1000) : checked_time(t * 1000, at + "the time");
    if (relative) checked_time(static_cast<double>(o.ts), at + "the time");
    o.value = value;
    o.area = area;
    o.source = source;
    rows.push_back(std::move(o));
  }
  if (rows.empty()) bad("the SenML pack has no numeric readings");
  return rows;
}

Observation json_row(const SourceSubscription& s, const TopicMatch& m, const json& doc,
                     const MappingScope& scope, const std::string& at) {
  try {
    if (!doc.is_object()) bad("not a JSON object");
    Observation o;
    o.metric = *text_part(s, m, &doc, "metric");
    o.area = area_of(s, m, &doc, scope);
    o.source = *text_part(s, m, &doc, "source");
    o.unit = text_part(s, m, &doc, "unit").value_or("");
    const auto& value_path = s.parts.at("value").text;
    const json* v = field(doc, value_path);
    if (!v) bad("value: field '" + value_path + "' is missing");
    o.value = finite_value(*v, "value: field '" + value_path + "'");
    const auto& time_path = s.parts.at("time").text;
    o.ts = json_time(field(doc, time_path), time_path, scope.now);
    return o;
  } catch (const BadMessage& e) {
    bad(at + e.what());
  }
}

// The title with each {field} replaced by the payload's value of it.
std::string title_of(const std::string& pattern, const json& doc) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    const auto open = pattern.find('{', i);
    const auto close = open == std::string::npos ? open : pattern.find('}', open);
    if (close == std::string::npos) {
      out += pattern.substr(i);
      break;
    }
    out += pattern.substr(i, open - i);
    const std::string path = pattern.substr(open + 1, close - open - 1);
    const json* f = field(doc, path);
    if (!f) bad("title: field '" + path + "' is missing");
    if (f->is_string())
      out += f->get<std::string>();
    else if (f->is_number() || f->is_boolean())
      out += f->dump();
    else
      bad("title: field '" + path + "' is neither text nor a number");
    i = close + 1;
  }
  if (out.size() > kMaxTitle) {
    out.resize(kMaxTitle);
    while (!out.empty() && !utf8::valid(out)) out.pop_back();  // not inside a character
  }
  if (out.find_first_not_of(" \t") == std::string::npos) bad("title: empty");
  return out;
}

IncidentDraft incident_of(const SourceSubscription& s, const TopicMatch& m, const json& doc,
                          const MappingScope& scope) {
  if (!doc.is_object()) bad("a camera event is a JSON object");
  IncidentDraft d;
  d.domain = s.incident->domain;
  d.severity = s.incident->severity;
  d.area = area_of(s, m, &doc, scope);
  d.title = title_of(s.incident->title, doc);
  if (const auto camera = text_part(s, m, &doc, "camera")) {
    const Camera* known = nullptr;
    for (const auto& c : scope.cameras)
      if (c.id == *camera) known = &c;
    if (!known) bad("camera '" + *camera + "' is not in this node's Cameras file");
    d.location.lat = known->lat;
    d.location.lon = known->lon;
    d.location.address = "camera " + known->id;
  }
  return d;
}

}  // namespace

const std::string& TopicMatch::level(const std::string& name) const {
  if (name == "area") return area;
  if (name == "source") return source;
  if (name == "metric") return metric;
  return camera;
}

TopicMatcher::TopicMatcher(const std::vector<SourceSubscription>& subscriptions) {
  for (const auto& s : subscriptions) {
    std::vector<std::string> levels;
    for (const auto level : levels_of(s.topic)) levels.emplace_back(level);
    patterns_.push_back(std::move(levels));
  }
}

std::optional<TopicMatch> TopicMatcher::match(std::string_view topic) const {
  const auto levels = levels_of(topic);
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    TopicMatch m;
    m.subscription = i;
    if (topic_fits(patterns_[i], levels, m)) return m;
  }
  return std::nullopt;
}

Mapped map_message(const SourceSubscription& s, const TopicMatch& m, std::string_view payload,
                   const MappingScope& scope) {
  const json doc = parse_payload(payload);
  Mapped out;
  if (s.incident) {
    out.incident = incident_of(s, m, doc, scope);
    return out;
  }
  if (s.format == SourceSubscription::Format::kSenml) {
    out.rows = senml_rows(doc, area_of(s, m, nullptr, scope), *text_part(s, m, nullptr, "source"),
                          scope.now);
    return out;
  }
  if (doc.is_array()) {
    if (doc.empty()) bad("an empty array: no readings");
    if (doc.size() > kMaxRecords)
      bad("more than " + std::to_string(kMaxRecords) + " readings in one message");
    for (std::size_t i = 0; i < doc.size(); ++i)
      out.rows.push_back(json_row(s, m, doc[i], scope, "element " + std::to_string(i) + ": "));
  } else {
    out.rows.push_back(json_row(s, m, doc, scope, ""));
  }
  return out;
}

}  // namespace ioc::mqtt
