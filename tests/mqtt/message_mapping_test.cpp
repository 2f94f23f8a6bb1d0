#include "message_mapping.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

using namespace ioc;
using namespace ioc::mqtt;
using ioc::test::TempDir;
using ioc::test::write_file;

namespace {

constexpr TimeMs kNow = 1'796'000'000'000;

// The test federation's city, with the subscriptions of a Sources file `text`.
struct Mapping {
  explicit Mapping(const std::string& text) {
    const std::string fed_path = ioc::test::write_test_federation(dir.path(), false);
    write_file(dir / "sources.yaml",
               "apiVersion: ioc/v1\nkind: Sources\nbroker: tcp://x:1\n" + text);
    write_file(dir / "cameras.yaml",
               "apiVersion: ioc/v1\nkind: Cameras\ncameras:\n  - {id: ql1-km98, lat: 21.53, lon: "
               "106.34}\n");
    ioc::test::set_city_config(fed_path, {"sources.yaml", "cameras.yaml"});
    fed = load_federation(fed_path);
    local = load_node_config(fed, "city");
  }
  Mapped map(const std::string& topic, const std::string& payload) const {
    const auto m = TopicMatcher(local.sources[0].subscriptions).match(topic);
    if (!m) throw BadMessage("no match");
    return map_message(local.sources[0].subscriptions[m->subscription], *m, payload,
                       MappingScope{fed, "city", local.cameras, kNow});
  }
  std::string refusal(const std::string& topic, const std::string& payload) const {
    try {
      map(topic, payload);
    } catch (const BadMessage& e) {
      return e.what();
    }
    return "taken";
  }
  TempDir dir;
  FederationConfig fed;
  NodeLocalConfig local;
};

}  // namespace

TEST_CASE("topics match the first subscription whose pattern fits, {area} over several levels",
          "[mqtt]") {
  Mapping m(R"(subscriptions:
  - {topic: "ioc/{area}/{source}"}
  - {topic: "gauges/+/{source}/level", format: json, metric: river_level, area: city}
  - {topic: "all/#", format: json, metric: m, area: city, source: s}
)");
  const TopicMatcher subs(m.local.sources[0].subscriptions);
  auto hit = subs.match("ioc/city/north/aq-1");
  REQUIRE(hit);
  CHECK(hit->subscription == 0);
  CHECK(hit->area == "city/north");
  CHECK(hit->source == "aq-1");
  CHECK_FALSE(subs.match("ioc/aq-1"));  // {area} takes at least one level
  hit = subs.match("gauges/tamky/g7/level");
  REQUIRE(hit);
  CHECK(hit->subscription == 1);
  CHECK(hit->source == "g7");
  CHECK_FALSE(subs.match("gauges/tamky/g7/flow"));
  CHECK(subs.match("all")->subscription == 2);  // "#" also matches its parent level
  CHECK(subs.match("all/x/y")->subscription == 2);
}

TEST_CASE("SenML records become readings with base fields, units and times", "[mqtt][senml]") {
  Mapping m("");
  const auto rows = m.map("ioc/city/north/aq-1", R"([
    {"bn": "aq_", "bt": 1796000000, "bu": "ug/m3", "n": "pm25", "v": 41.5},
    {"n": "pm10", "v": 70, "t": 10},
    {"n": "no2", "u": "ppb", "v": 12, "t": -5},
    {"n": "status", "vs": "ok"},
    {"bn": "", "bt": 0, "n": "level", "bv": 1, "v": 0.25, "t": -30},
    {"n": "rain", "s": 3.5}
  ])")
                        .rows;
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].metric == "aq_pm25");
  CHECK(rows[0].unit == "ug/m3");
  CHECK(rows[0].ts == 1'796'000'000'000);
  CHECK(rows[0].area == "city/north");
  CHECK(rows[0].source == "aq-1");
  CHECK(rows[1].ts == 1'796'000'010'000);
  CHECK(rows[2].unit == "ppb");
  CHECK(rows[2].ts == 1'795'999'995'000);
  CHECK(rows[3].metric == "level");
  CHECK(rows[3].value == 1.25);
  CHECK(rows[3].ts == kNow - 30'000);  // below 2^28 s: relative to now
  CHECK(rows[4].value == 3.5);
  CHECK(m.map("ioc/city/s", R"([{"n": "x", "v": 1}])").rows[0].ts == kNow);
}

TEST_CASE("bad SenML is refused with its reason", "[mqtt][senml]") {
  Mapping m("");
  const auto has = [&](const std::string& payload, const std::string& part) {
    const auto why = m.refusal("ioc/city/s1", payload);
    UNSCOPED_INFO(why);
    return why.find(part) != std::string::npos;
  };
  CHECK(has("not json", "not JSON"));
  CHECK(has(R"({"n": "x", "v": 1})", "a SenML pack is a JSON array"));
  CHECK(has("[]", "no records"));
  CHECK(has(R"([{"n": "x", "v": 1e999}])", "number overflow"));
  CHECK(has(R"([{"n": "x", "bv": 1e308, "v": 1e308}])", "the value is not finite"));
  CHECK(has(R"([{"n": "x", "v": "3"}])", "record 0: v is not a number"));
  CHECK(has(R"([{"n": "x", "v": 1, "crit_": 1}])", "must be understood"));
  CHECK(has(R"([{"v": 1}])", "name is empty"));
  CHECK(has(R"([{"n": "x", "vs": "on"}])", "no numeric readings"));
  CHECK(has(R"([{"n": 7, "v": 1}])", "'n' is not a string"));
  CHECK(has(R"([{"n": "x", "v": 1, "t": 1e300}])", "not a time"));
  CHECK(has(std::string(100, '[') + std::string(100, ']'), "the payload nests deeper than 64"));
  CHECK(m.refusal("ioc/elsewhere/s1", R"([{"n": "x", "v": 1}])") ==
        "area 'elsewhere' is not this node (city) nor a node below it");
  CHECK(m.refusal("ioc/city/" + std::string(300, 's'), R"([{"n": "x", "v": 1}])") ==
        "source is longer than 256 bytes");
}

TEST_CASE("JSON payloads map their fields, one object or an array", "[mqtt][json]") {
  Mapping m(R"(subscriptions:
  - topic: "sensors/{area}/{metric}"
    format: json
    fields: {source: device.id, value: reading, time: at}
    unit: m
)");
  auto rows = m.map("sensors/city/south/river_level",
                    R"({"device": {"id": "g-7"}, "reading": 1.82, "at": "2026-11-30T10:00:00Z"})")
                  .rows;
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].metric == "river_level");
  CHECK(rows[0].area == "city/south");
  CHECK(rows[0].source == "g-7");
  CHECK(rows[0].unit == "m");
  CHECK(rows[0].value == 1.82);
  CHECK(rows[0].ts == *parse_rfc3339("2026-11-30T10:00:00Z"));
  rows = m.map("sensors/city/x",
               R"([{"device": {"id": "a"}, "reading": 1, "at": 1796000000},
                   {"device": {"id": "a"}, "reading": 2, "at": 1796000000123},
                   {"device": {"id": "a"}, "reading": 3}])")
             .rows;
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].ts == 1'796'000'000'000);  // seconds
  CHECK(rows[1].ts == 1'796'000'000'123);  // milliseconds
  CHECK(rows[2].ts == kNow);
  CHECK(m.refusal("sensors/city/x", R"({"device": {"id": "a"}})") ==
        "value: field 'reading' is missing");
  CHECK(m.refusal("sensors/city/x", R"({"device": {"id": "a"}, "reading": "high"})") ==
        "value: field 'reading' is not a number");
  CHECK(m.refusal("sensors/city/x", R"([{"device": {"id": "a"}, "reading": 1}, {"reading": 1}])") ==
        "element 1: source: field 'device.id' is missing");
  CHECK(m.refusal("sensors/city/x", R"({"device": {"id": "a"}, "reading": 1, "at": "noon"})") ==
        "time: field 'at' is not an RFC 3339 time");
  CHECK(m.refusal("sensors/city/x", "42") == "not a JSON object");
  CHECK(m.refusal("sensors/city/x",
                  R"({"device": {"id": "a"}, "reading": 1, "at": "0903-11-30T10:00:00Z"})") ==
        "time: field 'at' is not a time between 1970 and 9999");  // found by the fuzzer
}

TEST_CASE("camera events open incidents at the camera, titled from their fields",
          "[mqtt][camera]") {
  Mapping m(R"(subscriptions:
  - topic: "cameras/{camera}/violations"
    format: json
    area: city/north
    incident: {domain: traffic, severity: minor, title: "{type} {plate}"}
)");
  const auto made =
      m.map("cameras/ql1-km98/violations",
            R"({"type": "Red light violation", "plate": "12A-345.67", "score": 0.93})");
  REQUIRE(made.incident);
  CHECK(made.rows.empty());
  CHECK(made.incident->title == "Red light violation 12A-345.67");
  CHECK(made.incident->area == "city/north");
  CHECK(made.incident->domain == Domain::kTraffic);
  CHECK(*made.incident->location.lat == 21.53);
  CHECK(made.incident->location.address == "camera ql1-km98");
  CHECK(m.refusal("cameras/km1/violations", R"({"type": "t", "plate": "p"})") ==
        "camera 'km1' is not in this node's Cameras file");
  CHECK(m.refusal("cameras/ql1-km98/violations", R"({"type": "t"})") ==
        "title: field 'plate' is missing");
  const auto hostile =
      m.map("cameras/ql1-km98/violations",
            R"({"type": "<script>alert(1)</script>", "plate": ")" + std::string(400, 'x') + "\"}");
  CHECK(hostile.incident->title.size() == 200);  // kept as text, cut to the title's limit
}
