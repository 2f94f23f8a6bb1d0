#include "ioc/config.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ioc/error.hpp"
#include "temp_dir.hpp"

using namespace ioc;
using ioc::test::TempDir;
using ioc::test::write_file;

namespace {

std::string load_error(const std::string& path) {
  try {
    const auto fed = load_federation(path);
    for (const auto& n : fed.nodes) load_node_config(fed, n.id);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kConfig);
    return e.what();
  }
  return "no error";
}

const char* kHeader = "apiVersion: ioc/v1\nkind: Federation\nname: t\nnodes:\n";

}  // namespace

TEST_CASE("a valid federation loads with its tree", "[config]") {
  TempDir dir;
  const auto fed = load_federation(ioc::test::write_test_federation(dir.path()));
  CHECK(fed.name == "testcity");
  REQUIRE(fed.nodes.size() == 4);
  CHECK(fed.root() == "city");
  CHECK(fed.children("city") ==
        std::vector<std::string>{"city/north", "city/south", "city/health"});
  CHECK(fed.in_subtree("city/north", "city"));
  CHECK(fed.in_subtree("city", "city"));
  CHECK_FALSE(fed.in_subtree("city", "city/north"));
  CHECK_FALSE(fed.in_subtree("city/south", "city/north"));
  CHECK(fed.find("city")->public_keys[0] == dir / "keys/city.pub");
  const auto local = load_node_config(fed, "city");
  REQUIRE(local.rules.size() == 2);
  CHECK(local.rules[0].threshold == 2.2);
  CHECK(local.rules[0].hysteresis == Approx(0.1));
  CHECK(local.rules[0].incident->domain == Domain::kFlood);
  CHECK(local.rules[1].hold_for == 300'000);
  REQUIRE(local.services.size() == 2);
  CHECK(local.services[1].sla == 4 * 3'600'000);
  CHECK(load_node_config(fed, "city/north").rules.empty());
}

TEST_CASE("federation errors name file:line:col and the key", "[config]") {
  TempDir dir;
  const std::string f = dir / "f.yaml";
  SECTION("unknown key") {
    write_file(f, std::string(kHeader) +
                      "  - {id: a, kind: city, endpoint: e, publicKey: k, colour: red}\n");
    CHECK(load_error(f) == f + ":5:52: error: nodes[0].colour: unknown key");
  }
  SECTION("duplicate key") {
    write_file(f, std::string(kHeader) +
                      "  - id: a\n    id: b\n    kind: city\n    endpoint: e\n    publicKey: k\n");
    CHECK(load_error(f) == f + ":6:5: error: nodes[0].id: duplicate key");
  }
  SECTION("wrong type") {
    write_file(f, std::string(kHeader) + "  - {id: [a], kind: city, endpoint: e, publicKey: k}\n");
    CHECK(load_error(f) ==
          f + ":5:10: error: nodes[0].id: expected a non-empty string, got a list");
  }
  SECTION("missing key") {
    write_file(f, std::string(kHeader) + "  - {id: a, endpoint: e}\n");
    CHECK(load_error(f) == f + ":5:5: error: nodes[0].kind: required key is missing");
  }
  SECTION("a node alone needs no endpoint and no key") {
    write_file(f, std::string(kHeader) + "  - {id: a, kind: city}\n");
    const auto fed = load_federation(f);
    CHECK(fed.nodes.at(0).endpoint.empty());
    CHECK(fed.nodes.at(0).public_keys.empty());
  }
  SECTION("unknown kind") {
    write_file(f, std::string(kHeader) + "  - {id: a, kind: town, endpoint: e, publicKey: k}\n");
    CHECK(load_error(f).find(":5:19: error: nodes[0].kind: unknown node kind 'town'") !=
          std::string::npos);
  }
  SECTION("unknown parent") {
    write_file(f, std::string(kHeader) +
                      "  - {id: a, kind: city, endpoint: e, publicKey: k}\n"
                      "  - {id: b, kind: ward, parent: zz, endpoint: e, publicKey: k}\n");
    CHECK(load_error(f) == f + ":6:33: error: nodes[1].parent: unknown node 'zz'");
  }
  SECTION("two roots") {
    write_file(f, std::string(kHeader) +
                      "  - {id: a, kind: city, endpoint: e, publicKey: k}\n"
                      "  - {id: b, kind: city, endpoint: e, publicKey: k}\n");
    CHECK(load_error(f).find("nodes[1].parent: a second root 'b'") != std::string::npos);
  }
  SECTION("no root: a cycle") {
    write_file(f, std::string(kHeader) +
                      "  - {id: a, kind: city, parent: b, endpoint: e, publicKey: k}\n"
                      "  - {id: b, kind: city, parent: a, endpoint: e, publicKey: k}\n");
    CHECK(load_error(f).find("cycle through node 'a'") != std::string::npos);
  }
  SECTION("duplicate id") {
    write_file(f, std::string(kHeader) +
                      "  - {id: a, kind: city, endpoint: e, publicKey: k}\n"
                      "  - {id: a, kind: ward, parent: a, endpoint: e, publicKey: k}\n");
    CHECK(load_error(f) == f + ":6:10: error: nodes[1].id: duplicate node id 'a'");
  }
  SECTION("wrong apiVersion") {
    write_file(f, "apiVersion: ioc/v2\nkind: Federation\nname: t\nnodes: []\n");
    CHECK(load_error(f) == f + ":1:13: error: apiVersion: expected 'ioc/v1', got 'ioc/v2'");
  }
  SECTION("invalid YAML") {
    write_file(f, "apiVersion: ioc/v1\nkind: [Federation\n");
    CHECK(load_error(f).rfind(f + ":", 0) == 0);
    CHECK(load_error(f).find("invalid YAML") != std::string::npos);
  }
  SECTION("missing file") {
    CHECK(load_error(dir / "nope.yaml") == dir / "nope.yaml" + ":1:1: error: cannot open file");
  }
  SECTION("three public keys") {
    write_file(f, std::string(kHeader) +
                      "  - {id: a, kind: city, endpoint: e, publicKey: [k1, k2, k3]}\n");
    CHECK(load_error(f).find("publicKey: at most two keys") != std::string::npos);
  }
}

TEST_CASE("rules and services files are checked strictly", "[config]") {
  TempDir dir;
  const std::string f = dir / "f.yaml";
  write_file(f, std::string(kHeader) +
                    "  - {id: a, kind: city, endpoint: e, publicKey: k, config: [r.yaml]}\n");
  const std::string r = dir / "r.yaml";
  const std::string head = "apiVersion: ioc/v1\nkind: Rules\nrules:\n";
  SECTION("unknown area") {
    write_file(r, head +
                      "  - {id: x, metric: m, area: nowhere, above: 1, alert: {event: e, severity: "
                      "Minor}}\n");
    CHECK(load_error(f) == r + ":4:30: error: rules[0].area: unknown node 'nowhere'");
  }
  SECTION("both above and below") {
    write_file(r, head +
                      "  - {id: x, metric: m, area: a, above: 1, below: 0, alert: {event: e, "
                      "severity: Minor}}\n");
    CHECK(load_error(f).find("exactly one of 'above', 'below' or 'missingFor'") !=
          std::string::npos);
  }
  SECTION("missingFor with a threshold's keys, or not a duration") {
    write_file(r, head +
                      "  - {id: x, metric: m, area: a, missingFor: 26h, hysteresis: 1, alert: "
                      "{event: e, severity: Minor}}\n");
    CHECK(load_error(f).find("rules[0].hysteresis: hysteresis does not apply to a missingFor "
                             "rule") != std::string::npos);
    write_file(r, head +
                      "  - {id: x, metric: m, area: a, missingFor: daily, alert: "
                      "{event: e, severity: Minor}}\n");
    CHECK(load_error(f).find("rules[0].missingFor: expected a positive duration such as 26h, "
                             "got 'daily'") != std::string::npos);
  }
  SECTION("threshold not a number") {
    write_file(
        r,
        head +
            "  - {id: x, metric: m, area: a, above: high, alert: {event: e, severity: Minor}}\n");
    CHECK(load_error(f) ==
          r + ":4:40: error: rules[0].above: expected a finite number, got 'high'");
  }
  SECTION("bad CAP severity") {
    write_file(
        r,
        head + "  - {id: x, metric: m, area: a, above: 1, alert: {event: e, severity: severe}}\n");
    CHECK(load_error(f).find(
              "rules[0].alert.severity: expected Extreme, Severe, Moderate or Minor") !=
          std::string::npos);
  }
  SECTION("bad duration") {
    write_file(r, head +
                      "  - {id: x, metric: m, area: a, above: 1, for: soon, alert: {event: e, "
                      "severity: Minor}}\n");
    CHECK(load_error(f).find("rules[0].for: expected a duration") != std::string::npos);
  }
  SECTION("bad incident domain") {
    write_file(r,
               head +
                   "  - {id: x, metric: m, area: a, above: 1, alert: {event: e, severity: Minor},"
                   " incident: {domain: weather, severity: minor}}\n");
    CHECK(load_error(f).find("rules[0].incident.domain: unknown domain 'weather'") !=
          std::string::npos);
  }
  SECTION("duplicate rule id") {
    write_file(
        r, head +
               "  - {id: x, metric: m, area: a, above: 1, alert: {event: e, severity: Minor}}\n"
               "  - {id: x, metric: m, area: a, above: 2, alert: {event: e, severity: Minor}}\n");
    CHECK(load_error(f).find("rules[1].id: duplicate rule id 'x'") != std::string::npos);
  }
  SECTION("services with a bad sla") {
    write_file(r,
               "apiVersion: ioc/v1\nkind: Services\nservices:\n"
               "  - {code: p, name: P, group: G, domain: traffic, sla: never}\n");
    CHECK(load_error(f).find("services[0].sla: expected a positive duration") != std::string::npos);
  }
  SECTION("a config file of the wrong kind") {
    write_file(r, "apiVersion: ioc/v1\nkind: Authority\n");
    CHECK(load_error(f).find("kind: expected 'Rules', 'Services', 'Cameras', 'Sources' or "
                             "'Console'") != std::string::npos);
  }
}

TEST_CASE("a node's place on the map and its console settings load strictly", "[config]") {
  TempDir dir;
  const std::string f = dir / "f.yaml";
  const std::string square =
      R"({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": )"
      R"([[[108.2, 16.0], [108.3, 16.0], [108.3, 16.1], [108.2, 16.0]]]}})";
  write_file(dir / "a.geojson", square);
  write_file(dir / "c.yaml",
             "apiVersion: ioc/v1\nkind: Console\nlanguage: vi\n"
             "tiles: https://{s}.tiles.example/{z}/{x}/{y}.png\nattribution: Example\n");
  const std::string node = "  - {id: a, kind: city, endpoint: e, publicKey: k";
  write_file(f,
             std::string(kHeader) + node +
                 ", location: {lat: 16.05, lon: 108.2}, boundary: a.geojson, config: [c.yaml]}\n");
  const auto fed = load_federation(f);
  REQUIRE(fed.nodes[0].location);
  CHECK(fed.nodes[0].location->lat == Approx(16.05));
  CHECK(nlohmann::json::parse(fed.nodes[0].boundary)["type"] == "Polygon");
  const auto local = load_node_config(fed, "a");
  CHECK(local.console.language == "vi");
  CHECK(local.console.tiles == "https://{s}.tiles.example/{z}/{x}/{y}.png");

  write_file(f, std::string(kHeader) + node + ", location: {lat: 91, lon: 0}}\n");
  CHECK(load_error(f).find("nodes[0].location.lat: must lie within -90 to 90") !=
        std::string::npos);
  write_file(dir / "a.geojson", R"({"type": "Point", "coordinates": [108.2, 16.0]})");
  write_file(f, std::string(kHeader) + node + ", boundary: a.geojson}\n");
  CHECK(load_error(f).find(":5:") != std::string::npos);
  CHECK(load_error(f).find("nodes[0].boundary: " + (dir / "a.geojson") +
                           " is not a GeoJSON Polygon or MultiPolygon") != std::string::npos);
  write_file(f, std::string(kHeader) + node + ", config: [c.yaml]}\n");
  write_file(dir / "c.yaml", "apiVersion: ioc/v1\nkind: Console\nlanguage: fr\n");
  CHECK(load_error(f).find("language") != std::string::npos);
  write_file(dir / "c.yaml", "apiVersion: ioc/v1\nkind: Console\ntiles: \"javascript:x\"\n");
  CHECK(load_error(f).find("tiles: a tile URL starts with https:// or http://") !=
        std::string::npos);
  write_file(dir / "c.yaml",
             "apiVersion: ioc/v1\nkind: Console\ntiles: \"https://x/{z}'; script-src *\"\n");
  CHECK(load_error(f).find("tiles: a tile URL has no quotes") != std::string::npos);
}

TEST_CASE("ancestors and the next hop down are answered from the tree", "[config]") {
  TempDir dir;
  write_file(dir / "f.yaml",
             std::string(kHeader) +
                 "  - {id: a, kind: city, endpoint: e, publicKey: k}\n"
                 "  - {id: b, kind: district, parent: a, endpoint: e, publicKey: k}\n"
                 "  - {id: c, kind: ward, parent: b, endpoint: e, publicKey: k}\n");
  const auto fed = load_federation(dir / "f.yaml");
  CHECK(fed.ancestors("c") == std::vector<std::string>{"b", "a"});
  CHECK(fed.ancestors("a").empty());
  CHECK(fed.child_toward("a", "c") == "b");
  CHECK(fed.child_toward("b", "c") == "c");
  CHECK_THROWS_AS(fed.child_toward("c", "a"), Error);
}

namespace {

// A federation of `a` with `b` below it; `a` reads the Sources file `text`. Returns the loaded
// connection, or throws the load error.
SourceConnection sources_of(const TempDir& dir, const std::string& text) {
  write_file(dir / "s.yaml", "apiVersion: ioc/v1\nkind: Sources\n" + text);
  write_file(dir / "f.yaml", std::string(kHeader) +
                                 "  - {id: a, kind: city, endpoint: e, publicKey: k, config: "
                                 "[s.yaml]}\n  - {id: a/b, kind: ward, parent: a, endpoint: e, "
                                 "publicKey: k}\n");
  const auto fed = load_federation(dir / "f.yaml");
  auto local = load_node_config(fed, "a");
  REQUIRE(local.sources.size() == 1);
  return local.sources[0];
}

std::string sources_error(const TempDir& dir, const std::string& text) {
  try {
    sources_of(dir, text);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a Sources file of one broker line subscribes to ioc/<area>/<source> in SenML",
          "[config][sources]") {
  TempDir dir;
  const auto c = sources_of(dir, "broker: tcp://127.0.0.1:1883\n");
  CHECK(c.host == "127.0.0.1");
  CHECK(c.port == 1883);
  CHECK_FALSE(c.tls);
  CHECK(c.name == "127.0.0.1:1883");
  CHECK(c.client_id == "ioc-a-127.0.0.1-1883");
  CHECK(c.keep_alive_s == 30);
  REQUIRE(c.subscriptions.size() == 1);
  CHECK(c.subscriptions[0].topic == "ioc/{area}/{source}");
  CHECK(c.subscriptions[0].filter == "ioc/#");
  CHECK(c.subscriptions[0].format == SourceSubscription::Format::kSenml);
}

TEST_CASE("Sources subscriptions map topic levels, fields and fixed values", "[config][sources]") {
  TempDir dir;
  write_file(dir / "ca.pem", "x");
  write_file(dir / "cred", "user\npass\n");
  const auto c = sources_of(dir, R"(name: gauges
broker: ssl://broker.example:8883
ca: ca.pem
credentials: cred
clientId: tamky-ioc
keepAlive: 1m
subscriptions:
  - topic: gauges/{source}/level
    format: json
    metric: river_level
    area: a/b
    unit: m
    fields: {value: level_m, time: ts}
  - topic: cameras/{camera}/violations
    format: json
    area: a
    incident: {domain: traffic, severity: minor, title: "{type} {plate}"}
)");
  CHECK(c.tls);
  CHECK(c.port == 8883);
  CHECK(c.ca_file == dir / "ca.pem");
  CHECK(c.credentials_file == dir / "cred");
  CHECK(c.client_id == "tamky-ioc");
  CHECK(c.keep_alive_s == 60);
  REQUIRE(c.subscriptions.size() == 2);
  const auto& g = c.subscriptions[0];
  CHECK(g.filter == "gauges/+/level");
  CHECK(g.parts.at("value").text == "level_m");
  CHECK(g.parts.at("metric").from == MessagePart::From::kFixed);
  CHECK(g.parts.at("source").from == MessagePart::From::kTopic);
  const auto& cam = c.subscriptions[1];
  CHECK(cam.filter == "cameras/+/violations");
  REQUIRE(cam.incident);
  CHECK(cam.incident->title == "{type} {plate}");
  CHECK(cam.parts.at("source").text == "camera");  // the camera names the source
}

TEST_CASE("Sources errors name file:line:col and the key", "[config][sources]") {
  TempDir dir;
  const auto has = [](const std::string& error, const std::string& part) {
    UNSCOPED_INFO(error);
    return error.find(part) != std::string::npos;
  };
  CHECK(has(sources_error(dir, "broker: mqtt://x:1\n"),
            "s.yaml:3:9: error: broker: expected tcp://HOST:PORT or ssl://HOST:PORT"));
  CHECK(has(sources_error(dir, "broker: tcp://x:99999\n"), "the port must be 1-65535"));
  CHECK(has(sources_error(dir, "broker: ssl://x:1\n"), "ca: required"));
  CHECK(has(sources_error(dir, "broker: ssl://x:1\nca: nowhere.pem\n"), "cannot read"));
  CHECK(has(sources_error(dir, "broker: tcp://x:1\nca: c.pem\n"), "ca: ca is for an ssl://"));
  CHECK(has(sources_error(dir, "broker: tcp://x:1\npassword: secret\n"), "unknown key"));
  CHECK(has(sources_error(dir, "broker: tcp://x:1\nkeepAlive: 1s\n"), "keepAlive: expected"));
  CHECK(has(sources_error(dir, "broker: tcp://x:1\nsubscriptions:\n  - topic: a/#/b\n"),
            "'#' may only be the last level"));
  CHECK(has(sources_error(dir, "broker: tcp://x:1\nsubscriptions:\n  - topic: a/{area}/#\n"),
            "cannot also end in '#'"));
  CHECK(has(sources_error(dir, "broker: tcp://x:1\nsubscriptions:\n  - topic: a/{zone}\n"),
            "is neither a name"));
  CHECK(has(sources_error(dir, "broker: tcp://x:1\nsubscriptions:\n  - topic: a/{source}\n"),
            "the messages need an area"));
  CHECK(has(sources_error(dir,
                          "broker: tcp://x:1\nsubscriptions:\n  - {topic: \"a/{source}\", area: "
                          "elsewhere}\n"),
            "subscriptions[0].area: 'elsewhere' is not this node (a) nor a node below it"));
  CHECK(has(sources_error(dir,
                          "broker: tcp://x:1\nsubscriptions:\n  - {topic: \"a/{area}/{source}\", "
                          "format: json}\n"),
            "a JSON reading needs its metric"));
  CHECK(has(sources_error(dir,
                          "broker: tcp://x:1\nsubscriptions:\n  - {topic: \"a/{area}/{source}\", "
                          "metric: m, format: json, fields: {metric: x}}\n"),
            "'metric' already comes from 'metric: m'"));
  CHECK(has(sources_error(dir,
                          "broker: tcp://x:1\nsubscriptions:\n  - {topic: \"a/{area}/{source}\", "
                          "fields: {value: v}}\n"),
            "'fields' is for format: json"));
  CHECK(has(sources_error(dir,
                          "broker: tcp://x:1\nsubscriptions:\n  - {topic: \"a/{area}/{source}\", "
                          "format: json, metric: m, fields: {valeu: v}}\n"),
            "valeu"));
}
