#include "source_config.hpp"

#include <filesystem>
#include <fstream>
#include <set>

#include "ioc/time.hpp"

namespace ioc {
namespace {

using Part = MessagePart;
using Format = SourceSubscription::Format;

const std::set<std::string> kPlaceholders = {"{area}", "{source}", "{metric}", "{camera}"};

// Checks a topic pattern level by level; returns the filter subscribed to and notes which parts
// come from the topic.
std::string topic_filter(yaml::MapReader& r, const std::string& topic,
                         std::map<std::string, Part>& parts) {
  if (topic.empty()) r.fail_at("topic", "must not be empty");
  std::string filter;
  bool spans = false;  // {area} seen: the filter ends in # there
  std::size_t start = 0;
  for (;;) {
    const auto slash = topic.find('/', start);
    const std::string level =
        topic.substr(start, slash == std::string::npos ? slash : slash - start);
    const bool last = slash == std::string::npos;
    if (kPlaceholders.count(level)) {
      const std::string name = level.substr(1, level.size() - 2);
      if (parts.count(name)) r.fail_at("topic", "'" + level + "' appears twice");
      parts[name] = Part{Part::From::kTopic, name};
      if (name == "area") {
        if (!spans) filter += "#";
        spans = true;
      } else if (!spans) {
        filter += "+";
      }
    } else if (level == "#") {
      if (!last) r.fail_at("topic", "'#' may only be the last level");
      if (spans) r.fail_at("topic", "{area} may span levels, so the topic cannot also end in '#'");
      filter += "#";
    } else if (level.find_first_of("+#{}") != std::string::npos && level != "+") {
      r.fail_at("topic", "level '" + level +
                             "' is neither a name, '+', '#' nor one of {area}, {source}, "
                             "{metric}, {camera}");
    } else if (!spans) {
      filter += level;
    }
    if (last) break;
    if (!spans) filter += "/";
    start = slash + 1;
  }
  return filter;
}

// A part given by a fixed value (`key: value` on the subscription) or a payload field
// (`fields: {key: path}`); at most one source per part.
void take_part(yaml::MapReader& r, std::map<std::string, Part>& parts, const std::string& name,
               Part part, const std::string& key) {
  if (const auto it = parts.find(name); it != parts.end())
    r.fail_at(key, "'" + name + "' already comes from " +
                       (it->second.from == Part::From::kTopic ? "the topic's {" + name + "} level"
                        : it->second.from == Part::From::kFixed
                            ? "'" + name + ": " + it->second.text + "'"
                            : "the field '" + it->second.text + "'"));
  parts[name] = std::move(part);
}

SourceSubscription read_subscription(yaml::MapReader& r, const FederationConfig& fed,
                                     const std::string& node_id) {
  SourceSubscription s;
  s.where = yaml::location(r.file(), r.node("topic"));
  s.topic = r.str("topic");
  s.filter = topic_filter(r, s.topic, s.parts);
  s.format = r.one_of("format", {"senml", "json"}, std::string("senml")) == "senml" ? Format::kSenml
                                                                                    : Format::kJson;
  for (const char* name : {"metric", "area", "source", "unit"})
    if (const auto v = r.opt_str(name)) {
      if (v->empty()) r.fail_at(name, "must not be empty");
      take_part(r, s.parts, name, Part{Part::From::kFixed, *v}, name);
    }
  if (r.has("fields")) {
    if (s.format == Format::kSenml)
      r.fail_at("fields", "a SenML payload names its own fields; 'fields' is for format: json");
    yaml::MapReader f(r.file(), r.node("fields"), r.key_path("fields"));
    for (const char* name : {"metric", "area", "source", "value", "time", "unit", "camera"})
      if (const auto path = f.opt_str(name)) {
        if (path->empty()) f.fail_at(name, "must name a field");
        take_part(f, s.parts, name, Part{Part::From::kField, *path}, name);
      }
    f.finish();
  }
  if (const auto it = s.parts.find("area");
      it != s.parts.end() && it->second.from == Part::From::kFixed)
    if (!fed.in_subtree(it->second.text, node_id))
      r.fail_at("area",
                "'" + it->second.text + "' is not this node (" + node_id + ") nor a node below it");

  if (r.has("incident")) {
    yaml::MapReader i(r.file(), r.node("incident"), r.key_path("incident"));
    SourceSubscription::IncidentMapping m;
    m.domain = yaml::domain_at(i, "domain");
    m.severity = yaml::severity_at(i, "severity");
    m.title = i.str("title");
    if (m.title.empty()) i.fail_at("title", "must not be empty");
    i.finish();
    s.incident = m;
    for (const char* name : {"metric", "value", "unit", "time"})
      if (s.parts.count(name))
        r.fail_at("incident", std::string("an incident subscription takes no '") + name +
                                  "': each message opens one incident");
    if (s.format == Format::kSenml)
      r.fail_at("incident", "camera events are JSON objects: give format: json");
  } else if (s.format == Format::kSenml) {
    for (const char* name : {"metric", "unit"})
      if (s.parts.count(name))
        r.fail_at(s.parts[name].from == Part::From::kTopic ? "topic" : name,
                  std::string("SenML names its '") + name + "' in each record");
  } else {
    if (!s.parts.count("value")) s.parts["value"] = Part{Part::From::kField, "value"};
    if (!s.parts.count("time")) s.parts["time"] = Part{Part::From::kField, "time"};
    if (!s.parts.count("metric"))
      r.fail_at("topic",
                "a JSON reading needs its metric: a {metric} level, 'metric', or "
                "'fields: {metric: ...}'");
  }
  if (!s.parts.count("source") && s.parts.count("camera")) s.parts["source"] = s.parts["camera"];
  if (!s.parts.count("area"))
    r.fail_at("topic",
              "the messages need an area: an {area} level, 'area', or 'fields: {area: ...}'");
  if (!s.parts.count("source") && !s.incident)
    r.fail_at("topic",
              "the readings need a source: a {source} or {camera} level, 'source', or "
              "'fields: {source: ...}'");
  r.finish();
  return s;
}

// A file the connection reads, relative to the Sources file, that must exist now.
std::string existing_file(yaml::MapReader& doc, const std::string& key) {
  const auto path = yaml::resolve_path(doc.file(), doc.str(key));
  std::ifstream in(path);
  if (!in) doc.fail_at(key, "cannot read " + path);
  return path;
}

}  // namespace

SourceConnection read_source_connection(yaml::MapReader& doc, const FederationConfig& fed,
                                        const std::string& node_id) {
  SourceConnection c;
  c.where = yaml::location(doc.file(), doc.node("broker"));
  c.broker = doc.str("broker");
  const bool tls = c.broker.rfind("ssl://", 0) == 0;
  if (!tls && c.broker.rfind("tcp://", 0) != 0)
    doc.fail_at("broker", "expected tcp://HOST:PORT or ssl://HOST:PORT, got '" + c.broker + "'");
  c.tls = tls;
  const std::string authority = c.broker.substr(6);
  const auto colon = authority.rfind(':');
  c.host = colon == std::string::npos ? authority : authority.substr(0, colon);
  if (c.host.size() > 2 && c.host.front() == '[' && c.host.back() == ']')
    c.host = c.host.substr(1, c.host.size() - 2);
  c.port = tls ? 8883 : 1883;
  if (colon != std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
        std::stoi(port) > 65535)
      doc.fail_at("broker", "the port must be 1-65535, got '" + port + "'");
    c.port = std::stoi(port);
  }
  if (c.host.empty() || c.host.find_first_of("/ ?#@") != std::string::npos)
    doc.fail_at("broker", "expected tcp://HOST:PORT or ssl://HOST:PORT, got '" + c.broker + "'");
  c.name = doc.opt_str("name").value_or(c.host + ":" + std::to_string(c.port));
  if (c.name.empty()) doc.fail_at("name", "must not be empty");

  if (tls) c.ca_file = existing_file(doc, "ca");
  for (const char* key : {"ca", "cert", "key"})
    if (!tls && doc.has(key)) doc.fail_at(key, std::string(key) + " is for an ssl:// broker");
  if (tls && doc.has("cert") != doc.has("key"))
    doc.fail_at(doc.has("cert") ? "cert" : "key",
                "a client certificate needs both 'cert' and 'key'");
  if (tls && doc.has("cert")) {
    c.cert_file = existing_file(doc, "cert");
    c.key_file = existing_file(doc, "key");
  }
  if (doc.has("credentials")) c.credentials_file = existing_file(doc, "credentials");

  std::string default_id = "ioc-" + node_id + "-" + c.name;
  for (char& ch : default_id)
    if (ch == '/' || ch == ':') ch = '-';
  c.client_id = doc.opt_str("clientId").value_or(default_id);
  if (c.client_id.empty() || c.client_id.size() > 128)
    doc.fail_at("clientId", "must be 1 to 128 characters");
  if (const auto k = doc.opt_str("keepAlive")) {
    const auto ms = parse_duration(*k);
    if (!ms || *ms < 5'000 || *ms > 65'535'000)
      doc.fail_at("keepAlive", "expected a duration from 5s to 18h, such as 30s, got '" + *k + "'");
    c.keep_alive_s = static_cast<int>(*ms / 1000);
  }
  if (const auto m = doc.opt_number("maxPayload")) {
    if (*m < 64 || *m > 16 * 1024 * 1024 || *m != static_cast<double>(static_cast<long>(*m)))
      doc.fail_at("maxPayload", "expected a whole number of bytes from 64 to 16777216");
    c.max_payload = static_cast<std::size_t>(*m);
  }
  const YAML::Node list = doc.opt_list("subscriptions");
  for (std::size_t i = 0; i < list.size(); ++i) {
    yaml::MapReader r(doc.file(), list[i], "subscriptions[" + std::to_string(i) + "]");
    c.subscriptions.push_back(read_subscription(r, fed, node_id));
  }
  if (list.size() == 0) {
    // The convention: ioc/<area>/<source>, SenML.
    SourceSubscription s;
    s.topic = "ioc/{area}/{source}";
    s.filter = "ioc/#";
    s.parts["area"] = MessagePart{MessagePart::From::kTopic, "area"};
    s.parts["source"] = MessagePart{MessagePart::From::kTopic, "source"};
    s.where = c.where;
    c.subscriptions.push_back(std::move(s));
  }
  return c;
}

}  // namespace ioc
