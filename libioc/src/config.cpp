#include "ioc/config.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include "ioc/error.hpp"
#include "source_config.hpp"
#include "yaml_reader.hpp"

namespace ioc {

const NodeConfig* FederationConfig::find(const std::string& id) const {
  if (const auto it = index_.find(id);
      it != index_.end() && it->second < nodes.size() && nodes[it->second].id == id)
    return &nodes[it->second];
  // Not indexed (nodes edited since, or being loaded): fall back to a scan.
  for (const auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

void FederationConfig::reindex() {
  index_.clear();
  for (std::size_t i = 0; i < nodes.size(); ++i) index_.emplace(nodes[i].id, i);
}

bool FederationConfig::in_subtree(const std::string& node, const std::string& ancestor) const {
  const NodeConfig* n = find(node);
  // The hop bound protects against a cycle even though loading rejects them.
  for (std::size_t hops = 0; n && hops <= nodes.size(); ++hops) {
    if (n->id == ancestor) return true;
    n = n->parent ? find(*n->parent) : nullptr;
  }
  return false;
}

std::vector<std::string> FederationConfig::ancestors(const std::string& id) const {
  std::vector<std::string> out;
  for (const NodeConfig* n = find(id); n && n->parent && out.size() < nodes.size();
       n = find(*n->parent))
    out.push_back(*n->parent);
  return out;
}

std::string FederationConfig::child_toward(const std::string& node,
                                           const std::string& descendant) const {
  std::string hop = descendant;
  for (const NodeConfig* n = find(hop); n && n->parent; n = find(hop)) {
    if (*n->parent == node) return hop;
    hop = *n->parent;
  }
  throw Error(ErrorCode::kInternal, "'" + descendant + "' is not below '" + node + "'");
}

std::vector<std::string> FederationConfig::children(const std::string& id) const {
  std::vector<std::string> out;
  for (const auto& n : nodes)
    if (n.parent && *n.parent == id) out.push_back(n.id);
  return out;
}

const std::string& FederationConfig::root() const {
  for (const auto& n : nodes)
    if (!n.parent) return n.id;
  throw Error(ErrorCode::kInternal, "federation has no root");
}

namespace {

bool is_position(const nlohmann::json& p) {
  return p.is_array() && p.size() >= 2 && p[0].is_number() && p[1].is_number() &&
         p[0].get<double>() >= -180 && p[0].get<double>() <= 180 && p[1].get<double>() >= -90 &&
         p[1].get<double>() <= 90;
}

bool is_polygon(const nlohmann::json& rings) {
  if (!rings.is_array() || rings.empty()) return false;
  for (const auto& ring : rings) {
    if (!ring.is_array() || ring.size() < 4) return false;
    for (const auto& p : ring)
      if (!is_position(p)) return false;
  }
  return true;
}

// The geometry of a GeoJSON file: a Polygon or MultiPolygon, bare or in a Feature (or a
// FeatureCollection of one Feature). Throws std::runtime_error saying what is wrong.
nlohmann::json boundary_geometry(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > (1 << 20)) throw std::runtime_error(file + " is over 1 MiB");
  nlohmann::json g = nlohmann::json::parse(text, nullptr, false);
  if (g.is_discarded()) throw std::runtime_error(file + " is not JSON");
  if (g.value("type", "") == "FeatureCollection" && g.contains("features") &&
      g["features"].is_array() && g["features"].size() == 1)
    g = g["features"][0];
  if (g.value("type", "") == "Feature" && g.contains("geometry")) g = g["geometry"];
  const std::string type = g.value("type", "");
  const auto& coords = g.contains("coordinates") ? g["coordinates"] : nlohmann::json();
  bool ok = false;
  if (type == "Polygon") {
    ok = is_polygon(coords);
  } else if (type == "MultiPolygon") {
    ok = coords.is_array() && !coords.empty();
    for (const auto& p : coords) ok = ok && is_polygon(p);
  }
  if (!ok)
    throw std::runtime_error(file +
                             " is not a GeoJSON Polygon or MultiPolygon of [lon, lat] positions");
  return nlohmann::json{{"type", type}, {"coordinates", coords}};
}

// `location: {lat, lon}` and `boundary: FILE` of a node, both optional.
void read_place(yaml::MapReader& r, const YAML::Node& entry, const std::string& path,
                NodeConfig& n) {
  if (r.has("location")) {
    yaml::MapReader l(path, r.node("location"), r.key_path("location"));
    NodeConfig::Place p{l.number("lat"), l.number("lon")};
    if (p.lat < -90 || p.lat > 90) l.fail_at("lat", "must lie within -90 to 90");
    if (p.lon < -180 || p.lon > 180) l.fail_at("lon", "must lie within -180 to 180");
    l.finish();
    n.location = p;
  }
  if (const auto file = r.opt_str("boundary")) {
    try {
      n.boundary = boundary_geometry(yaml::resolve_path(path, *file)).dump();
    } catch (const std::exception& e) {
      yaml::fail(path, entry["boundary"], r.key_path("boundary"), e.what());
    }
  }
}

}  // namespace

FederationConfig load_federation(const std::string& path) {
  const YAML::Node root = yaml::load_file(path);
  yaml::MapReader doc(path, root, "");
  yaml::expect_kind(doc, "Federation");
  FederationConfig fed;
  fed.path = path;
  fed.name = doc.str("name");
  const YAML::Node nodes = doc.list("nodes");
  std::vector<YAML::Node> parent_marks;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    yaml::MapReader r(path, nodes[i], "nodes[" + std::to_string(i) + "]");
    NodeConfig n;
    n.id = r.str("id");
    if (!ids.insert(n.id).second) r.fail_at("id", "duplicate node id '" + n.id + "'");
    const auto kind = r.str("kind");
    const auto parsed = parse_node_kind(kind);
    if (!parsed)
      r.fail_at("kind", "unknown node kind '" + kind +
                            "' (expected city, district, "
                            "ward, sector or agency)");
    n.kind = *parsed;
    n.parent = r.opt_str("parent");
    n.where = yaml::location(path, nodes[i]);
    // Where peers reach it and how they verify it: what a federation needs (and checks), not a
    // node alone. A missing key has no position of its own: its node's is taken.
    n.endpoint = r.opt_str("endpoint").value_or("");
    n.endpoint_where = r.has("endpoint") ? yaml::location(path, nodes[i]["endpoint"]) : n.where;
    if (r.has("publicKey")) {
      for (const auto& k : r.str_or_list("publicKey"))
        n.public_keys.push_back(yaml::resolve_path(path, k));
      n.key_where = yaml::location(path, nodes[i]["publicKey"]);
    } else {
      n.key_where = n.where;
    }
    if (n.public_keys.size() > 2) r.fail_at("publicKey", "at most two keys (during rotation)");
    read_place(r, nodes[i], path, n);
    if (r.has("config"))
      for (const auto& c : r.str_list("config"))
        n.config_files.push_back(yaml::resolve_path(path, c));
    else
      r.opt_list("config");
    r.finish();
    parent_marks.push_back(nodes[i]["parent"].IsDefined() ? nodes[i]["parent"] : nodes[i]);
    fed.nodes.push_back(std::move(n));
  }
  if (fed.nodes.empty()) doc.fail_at("nodes", "a federation needs at least one node");
  fed.reindex();
  if (doc.has("policies"))
    for (const auto& p : doc.str_list("policies"))
      fed.policy_files.push_back(yaml::resolve_path(path, p));
  else
    doc.opt_list("policies");
  doc.finish();

  int roots = 0;
  for (std::size_t i = 0; i < fed.nodes.size(); ++i) {
    const auto& n = fed.nodes[i];
    const std::string key = "nodes[" + std::to_string(i) + "].parent";
    if (!n.parent) {
      if (++roots > 1)
        yaml::fail(path, parent_marks[i], key,
                   "a second root '" + n.id + "' (only one node may have no parent)");
      continue;
    }
    if (*n.parent == n.id)
      yaml::fail(path, parent_marks[i], key, "node '" + n.id + "' is its own parent");
    if (!fed.find(*n.parent))
      yaml::fail(path, parent_marks[i], key, "unknown node '" + *n.parent + "'");
    // Walk up: reaching this node again means a cycle.
    const NodeConfig* p = fed.find(*n.parent);
    for (std::size_t hops = 0; p && p->parent; ++hops) {
      if (p->id == n.id || hops > fed.nodes.size())
        yaml::fail(path, parent_marks[i], key, "cycle through node '" + n.id + "'");
      p = fed.find(*p->parent);
    }
    if (p && p->id == n.id)
      yaml::fail(path, parent_marks[i], key, "cycle through node '" + n.id + "'");
  }
  if (roots == 0) doc.fail_at("nodes", "no root: exactly one node must have no parent");
  fed.reindex();
  return fed;
}

namespace {

Rule read_rule(yaml::MapReader& r, const FederationConfig& fed) {
  Rule rule;
  rule.id = r.str("id");
  rule.metric = r.str("metric");
  rule.area = r.str("area");
  if (!fed.find(rule.area)) r.fail_at("area", "unknown node '" + rule.area + "'");
  const bool above = r.has("above"), below = r.has("below"), missing = r.has("missingFor");
  if (int(above) + int(below) + int(missing) != 1)
    r.fail_at(below || missing ? (missing ? "missingFor" : "below") : "above",
              "exactly one of 'above', 'below' or 'missingFor' is required");
  if (missing) {
    const auto m = r.str("missingFor");
    const auto d = parse_duration(m);
    if (!d || *d == 0)
      r.fail_at("missingFor", "expected a positive duration such as 26h, got '" + m + "'");
    rule.comparison = Comparison::kMissing;
    rule.missing_for = *d;
    for (const char* key : {"for", "hysteresis"})
      if (r.has(key)) r.fail_at(key, std::string(key) + " does not apply to a missingFor rule");
  } else {
    rule.comparison = above ? Comparison::kAbove : Comparison::kBelow;
    rule.threshold = r.number(above ? "above" : "below");
  }
  if (const auto f = r.opt_str("for")) {
    const auto d = parse_duration(*f);
    if (!d) r.fail_at("for", "expected a duration such as 90s, 5m or 1h, got '" + *f + "'");
    rule.hold_for = *d;
  }
  rule.hysteresis = r.opt_number("hysteresis").value_or(0);
  if (rule.hysteresis < 0) r.fail_at("hysteresis", "must not be negative");

  yaml::MapReader a(r.file(), r.node("alert"), r.key_path("alert"));
  rule.alert.event = a.str("event");
  rule.alert.category = a.one_of("category",
                                 {"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health",
                                  "Env", "Transport", "Infra", "CBRNE", "Other"},
                                 "Other");
  rule.alert.severity =
      *parse_cap_severity(a.one_of("severity", {"Extreme", "Severe", "Moderate", "Minor"}));
  rule.alert.urgency =
      a.one_of("urgency", {"Immediate", "Expected", "Future", "Past", "Unknown"}, "Expected");
  rule.alert.certainty =
      a.one_of("certainty", {"Observed", "Likely", "Possible", "Unlikely", "Unknown"}, "Observed");
  rule.alert.headline = a.opt_str("headline").value_or(rule.alert.event);
  a.finish();

  if (r.has("incident")) {
    yaml::MapReader i(r.file(), r.node("incident"), r.key_path("incident"));
    Rule::IncidentSpec spec;
    spec.domain = yaml::domain_at(i, "domain");
    spec.severity = yaml::severity_at(i, "severity");
    i.finish();
    rule.incident = spec;
  }
  r.finish();
  return rule;
}

Service read_service(yaml::MapReader& r) {
  Service s;
  s.code = r.str("code");
  s.name = r.str("name");
  s.group = r.str("group");
  s.domain = yaml::domain_at(r, "domain");
  const auto sla = r.str("sla");
  const auto ms = parse_duration(sla);
  if (!ms || *ms == 0)
    r.fail_at("sla", "expected a positive duration such as 48h, got '" + sla + "'");
  s.sla = *ms;
  s.description = r.opt_str("description").value_or("");
  r.finish();
  return s;
}

}  // namespace

NodeLocalConfig load_node_config(const FederationConfig& fed, const std::string& node_id) {
  const NodeConfig* node = fed.find(node_id);
  if (!node)
    throw Error(ErrorCode::kConfig,
                fed.path + ": error: node '" + node_id + "' is not in the federation", "node");
  NodeLocalConfig out;
  std::set<std::string> rule_ids, codes, camera_ids;
  for (const auto& file : node->config_files) {
    yaml::MapReader doc(file, yaml::load_file(file), "");
    if (doc.str("apiVersion") != "ioc/v1") doc.fail_at("apiVersion", "expected 'ioc/v1'");
    const auto kind = doc.str("kind");
    if (kind == "Rules") {
      const YAML::Node list = doc.list("rules");
      for (std::size_t i = 0; i < list.size(); ++i) {
        yaml::MapReader r(file, list[i], "rules[" + std::to_string(i) + "]");
        Rule rule = read_rule(r, fed);
        if (!rule_ids.insert(rule.id).second)
          r.fail_at("id", "duplicate rule id '" + rule.id + "'");
        out.rules.push_back(std::move(rule));
      }
    } else if (kind == "Services") {
      const YAML::Node list = doc.list("services");
      for (std::size_t i = 0; i < list.size(); ++i) {
        yaml::MapReader r(file, list[i], "services[" + std::to_string(i) + "]");
        Service s = read_service(r);
        if (!codes.insert(s.code).second)
          r.fail_at("code", "duplicate service code '" + s.code + "'");
        out.services.push_back(std::move(s));
      }
    } else if (kind == "Cameras") {
      const YAML::Node list = doc.list("cameras");
      for (std::size_t i = 0; i < list.size(); ++i) {
        yaml::MapReader r(file, list[i], "cameras[" + std::to_string(i) + "]");
        Camera c;
        c.id = r.str("id");
        if (!camera_ids.insert(c.id).second) r.fail_at("id", "duplicate camera id '" + c.id + "'");
        c.lat = r.number("lat");
        c.lon = r.number("lon");
        if (c.lat < -90 || c.lat > 90) r.fail_at("lat", "must lie within -90 to 90");
        if (c.lon < -180 || c.lon > 180) r.fail_at("lon", "must lie within -180 to 180");
        c.stream = r.opt_str("stream").value_or("");
        r.finish();
        out.cameras.push_back(std::move(c));
      }
    } else if (kind == "Sources") {
      SourceConnection c = read_source_connection(doc, fed, node_id);
      for (const auto& other : out.sources)
        if (other.name == c.name)
          doc.fail_at(doc.has("name") ? "name" : "broker", "a second connection named '" + c.name +
                                                               "' (the first is at " + other.where +
                                                               "); give each a 'name'");
      out.sources.push_back(std::move(c));
    } else if (kind == "Console") {
      out.console.language = doc.one_of("language", {"vi", "en"}, std::string("en"));
      out.console.tiles = doc.opt_str("tiles").value_or("");
      if (!out.console.tiles.empty() && out.console.tiles.rfind("https://", 0) != 0 &&
          out.console.tiles.rfind("http://", 0) != 0)
        doc.fail_at("tiles", "a tile URL starts with https:// or http://");
      if (out.console.tiles.find_first_of("\"' ;,") != std::string::npos)
        doc.fail_at("tiles", "a tile URL has no quotes, spaces, commas or semicolons");
      out.console.attribution = doc.opt_str("attribution").value_or("");
    } else {
      doc.fail_at(
          "kind",
          "expected 'Rules', 'Services', 'Cameras', 'Sources' or 'Console' in a node config "
          "file, "
          "got '" +
              kind + "'");
    }
    doc.finish();
  }
  return out;
}

}  // namespace ioc
