// MQTT ingest through a real Mosquitto broker: SenML and mapped JSON reach the store and the
// rules, camera events open incidents, bad payloads are counted while the subscription flows,
// and neither kill -9 of the node nor a broker restart loses or doubles a message.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <thread>

#include "http_client.hpp"
#include "mqtt_broker.hpp"
#include "node_process.hpp"
#include "poll.hpp"
#include "temp_dir.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

// The test federation's city reading `sources` (after `broker:`) as its Sources file, with a
// camera and a missingFor rule on the gauges beside the usual rules.
struct MqttCity {
  explicit MqttCity(const std::string& sources, MosquittoBroker::Options broker_options = {},
                    const std::string& scheme = "tcp")
      : broker(dir / "broker", broker_options) {
    const std::string fed = write_test_federation(dir.path());
    write_file(dir / "sources.yaml", "apiVersion: ioc/v1\nkind: Sources\nbroker: " + scheme +
                                         "://127.0.0.1:" + std::to_string(broker.port()) + "\n" +
                                         sources);
    write_file(dir / "cameras.yaml",
               "apiVersion: ioc/v1\nkind: Cameras\ncameras:\n"
               "  - {id: ql1-km98, lat: 21.53, lon: 106.34}\n");
    write_file(dir / "quiet.yaml", R"(apiVersion: ioc/v1
kind: Rules
rules:
  - id: gauge-silent
    metric: river_level
    area: city
    missingFor: 3s
    alert: {event: Gauge silent, category: Infra, severity: Minor, headline: The river gauge stopped}
)");
    set_city_config(fed,
                    {"rules.yaml", "services.yaml", "sources.yaml", "cameras.yaml", "quiet.yaml"});
    node = std::make_unique<NodeProcess>(fed, "city", dir / "data",
                                         std::vector<std::string>{"--key", dir / "keys/city.key"});
    for (const char* role : {"viewer", "ingest"}) tokens[role] = issue(dir / "data", role);
    node->start();
  }
  HttpClient as(const std::string& role) const { return HttpClient(node->port(), tokens.at(role)); }

  json source() const {
    const json page = as("viewer").get("/api/v1/sources").json();
    return page["items"].empty() ? json() : page["items"][0];
  }
  bool source_up() const { return source().value("state", "") == "up"; }

  // The values of `metric` the city holds, with how often each is there.
  std::map<double, int> values(const std::string& metric) const {
    std::map<double, int> out;
    const json page =
        as("viewer").get("/api/v1/observations?metric=" + metric + "&limit=10000").json();
    for (const auto& row : page["items"]) ++out[row["value"].get<double>()];
    return out;
  }

  TempDir dir;
  MosquittoBroker broker;
  std::unique_ptr<NodeProcess> node;
  std::map<std::string, std::string> tokens;
};

std::string senml(const std::string& metric, double value) {
  return json::array({{{"n", metric}, {"u", "m"}, {"v", value}}}).dump();
}

// Every value 1..n exactly once.
bool each_once(const std::map<double, int>& seen, int n) {
  if (seen.size() != static_cast<std::size_t>(n)) return false;
  for (int i = 1; i <= n; ++i) {
    const auto it = seen.find(i);
    if (it == seen.end() || it->second != 1) return false;
  }
  return true;
}

const char* kGaugesAndCameras = R"(subscriptions:
  - topic: "ioc/{area}/{source}"
  - topic: "gauges/{source}/level"
    format: json
    metric: river_level
    area: city
    unit: m
    fields: {value: level}
  - topic: "cameras/{camera}/violations"
    format: json
    area: city/north
    incident: {domain: traffic, severity: minor, title: "{type} {plate}"}
)";

// Once the node is up, one gauge reading a device publishes through the same broker (connecting
// with `options`) is stored, once.
void one_reading_arrives(const MqttCity& city, const MosquittoBroker::Options& options) {
  REQUIRE(poll_until([&] { return city.source_up(); }));
  MqttPublisher device(city.broker.port(), options);
  device.publish("ioc/city/south/gauge-9", senml("river_level", 1.82));
  REQUIRE(device.wait_acknowledged());
  REQUIRE(poll_until([&] {
    return city.values("river_level") == std::map<double, int>{{1.82, 1}};
  }));
}

}  // namespace

TEST_CASE("SenML and mapped JSON over MQTT reach the store and the rules, cameras open incidents",
          "[integration][mqtt]") {
  MqttCity city(kGaugesAndCameras);
  REQUIRE(poll_until([&] { return city.source_up(); }));
  MqttPublisher device(city.broker.port());
  device.publish("ioc/city/north/aq-17",
                 R"([{"bn": "", "n": "pm25", "u": "ug/m3", "v": 41.5}, {"n": "no2", "v": 12}])");
  device.publish("gauges/tk-3/level", R"({"level": 2.45})");  // above river-2's 2.2
  device.publish("cameras/ql1-km98/violations",
                 R"({"type": "Red light violation", "plate": "12A-345.67"})");
  REQUIRE(device.wait_acknowledged());

  json alerts;
  REQUIRE(poll_until([&] {
    alerts = city.as("viewer").get("/api/v1/alerts").json()["items"];
    return !alerts.empty();
  }));
  CHECK(alerts[0]["headline"] == "River at alarm level 2");
  const json gauge = city.as("viewer").get("/api/v1/observations?metric=river_level").json();
  REQUIRE(gauge["items"].size() == 1);
  CHECK(gauge["items"][0]["source"] == "tk-3");
  CHECK(gauge["items"][0]["unit"] == "m");
  const json air = city.as("viewer").get("/api/v1/observations?metric=pm25").json();
  REQUIRE(air["items"].size() == 1);
  CHECK(air["items"][0]["area"] == "city/north");
  CHECK(air["items"][0]["source"] == "aq-17");
  json incidents;
  REQUIRE(poll_until([&] {
    incidents = city.as("viewer").get("/api/v1/incidents?domain=traffic").json()["items"];
    return !incidents.empty();
  }));
  CHECK(incidents[0]["title"] == "Red light violation 12A-345.67");
  CHECK(incidents[0]["location"]["camera"]["id"] == "ql1-km98");

  // GET /api/v1/sources and /metrics say what came, per subscription.
  json s;
  REQUIRE(poll_until([&] {
    s = city.source();
    return s["messages"] == 3;
  }));
  CHECK(s["rows"] == 3);
  CHECK(s["incidents"] == 1);
  CHECK(s["bad"] == 0);
  CHECK(s["subscriptions"][1]["rows"] == 1);
  CHECK_FALSE(s["lastMessage"].is_null());
  const std::string metrics = HttpClient(city.node->port()).get("/metrics").body;
  CHECK(metrics.find("ioc_source_rows_total{node=\"city\",source=\"127.0.0.1:" +
                     std::to_string(city.broker.port()) +
                     "\",subscription=\"gauges/{source}/level\"} 1") != std::string::npos);
  CHECK(metrics.find("ioc_source_up{") != std::string::npos);

  // The gauge falls silent: the missingFor rule on its metric raises its alert.
  REQUIRE(poll_until(
      [&] {
        const json now = city.as("viewer").get("/api/v1/alerts").json()["items"];
        for (const auto& a : now)
          if (a["headline"] == "The river gauge stopped") return true;
        return false;
      },
      std::chrono::seconds(30)));
}

TEST_CASE("bad MQTT payloads are counted with their reasons and the subscription keeps flowing",
          "[integration][mqtt]") {
  MqttCity city("maxPayload: 1024\n" + std::string(kGaugesAndCameras));
  REQUIRE(poll_until([&] { return city.source_up(); }));
  MqttPublisher device(city.broker.port());
  device.publish("ioc/city/aq-1", "not json");
  device.publish("ioc/elsewhere/aq-1", senml("pm25", 1));
  device.publish("ioc/city/aq-1", R"([{"n": "pm25", "v": 1e999}])");
  device.publish("ioc/city/aq-1", "[" + std::string(2000, ' ') + "]");
  device.publish("gauges/tk-3/level", R"({"level": "high"})");
  device.publish("cameras/nowhere/violations", R"({"type": "t", "plate": "p"})");
  device.publish("ioc/aq-1", senml("pm25", 1));       // under ioc/#, but no area level
  device.publish("ioc/city/aq-1", senml("pm25", 7));  // after them all: still taken
  REQUIRE(device.wait_acknowledged());
  REQUIRE(poll_until([&] { return city.values("pm25") == std::map<double, int>{{7, 1}}; }));
  json s;
  REQUIRE(poll_until([&] {
    s = city.source();
    return s["bad"] == 7;
  }));
  CHECK(s["messages"] == 1);
  std::string reasons;
  for (const auto& b : s["recentBad"]) reasons += b["reason"].get<std::string>() + "\n";
  INFO(reasons);
  for (const char* why :
       {"not JSON", "area 'elsewhere' is not this node", "number overflow",
        "over maxPayload (1024)", "value: field 'level' is not a number",
        "camera 'nowhere' is not in this node's Cameras file", "no subscription's topic fits it"})
    CHECK(reasons.find(why) != std::string::npos);
  CHECK(s["unmatched"] == 1);
  // The bad messages changed nothing: one reading in all, no incident.
  CHECK(city.as("viewer").get("/api/v1/observations").json()["items"].size() == 1);
  CHECK(city.as("viewer").get("/api/v1/incidents").json()["items"].empty());
  // The route itself: a token is required, and any parameter is refused naming it.
  CHECK(HttpClient(city.node->port()).get("/api/v1/sources").status == 401);
  const auto refused = city.as("viewer").get("/api/v1/sources?name=x");
  CHECK(refused.status == 400);
  CHECK(refused.json()["error"]["field"] == "name");
}

TEST_CASE("a node killed -9 mid-stream loses no message the broker delivered and stores none twice",
          "[integration][mqtt][fault]") {
  MqttCity city("");
  REQUIRE(poll_until([&] { return city.source_up(); }));
  constexpr int kMessages = 3000;
  MqttPublisher device(city.broker.port());
  std::atomic<int> sent{0};
  std::thread publishing([&] {
    for (int i = 1; i <= kMessages; ++i) {
      device.publish("ioc/city/north/gauge-1", senml("level", i));
      sent = i;
      if (i % 100 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  // Killed twice while messages arrive, each time once some of them are stored.
  for (int round = 1; round <= 2; ++round) {
    REQUIRE(poll_until([&] { return city.values("level").size() >= std::size_t(round) * 600; }));
    city.node->kill_hard();
    city.node->start();
  }
  publishing.join();
  REQUIRE(device.wait_acknowledged());
  std::map<double, int> seen;
  CHECK(poll_until(
      [&] {
        seen = city.values("level");
        return each_once(seen, kMessages);
      },
      std::chrono::seconds(60)));
  INFO("rows " << seen.size() << " of " << kMessages);
  CHECK(each_once(seen, kMessages));
}

TEST_CASE("MQTT ingest rides out a broker restart while HTTP ingest goes on",
          "[integration][mqtt][fault]") {
  MqttCity city("");
  REQUIRE(poll_until([&] { return city.source_up(); }));
  {
    MqttPublisher device(city.broker.port());
    for (int i = 1; i <= 50; ++i) device.publish("ioc/city/gauge-1", senml("level", i));
    REQUIRE(device.wait_acknowledged());
  }
  REQUIRE(poll_until([&] { return each_once(city.values("level"), 50); }));
  city.broker.stop();
  REQUIRE(poll_until([&] { return city.source().value("state", "") == "down"; }));
  CHECK_FALSE(city.source()["error"].is_null());
  // The rest of the node does not wait for the broker.
  CHECK(city.as("ingest")
            .post("/api/v1/observations",
                  observations("level", "city", {1000}, 1'796'000'000'000, 1, "http"))
            .status == 202);
  city.broker.start();
  REQUIRE(poll_until([&] { return city.source_up(); }, std::chrono::seconds(30)));
  CHECK(city.source()["reconnects"] == 1);
  CHECK(city.node->log().find("connected again") != std::string::npos);
  // Published while the node is away: the broker keeps them for its session, across its own
  // restart too.
  city.node->stop();
  {
    MqttPublisher device(city.broker.port());
    for (int i = 51; i <= 100; ++i) device.publish("ioc/city/gauge-1", senml("level", i));
    REQUIRE(device.wait_acknowledged());
  }
  city.broker.stop();
  city.broker.start();
  city.node->start();
  std::map<double, int> seen;
  const bool all_there = poll_until([&] {
    seen = city.values("level");
    return seen.size() == 101;
  });
  INFO("rows " << seen.size() << "; the node's log:\n"
               << city.node->log() << "\nthe broker's:\n"
               << city.broker.log());
  REQUIRE(all_there);
  seen.erase(1000);
  CHECK(each_once(seen, 100));
}

TEST_CASE("MQTT over TLS with a CA the test makes, and credentials from a file",
          "[integration][mqtt]") {
  TempDir certs;
  const TestCa ca(certs.path());
  const MosquittoBroker::Options options{&ca, "tamky-ioc", "s3cret pass"};
  write_file(certs / "credentials", "tamky-ioc\ns3cret pass\n");
  MqttCity city("ca: " + ca.ca + "\ncredentials: " + certs / "credentials" + "\n", options, "ssl");
  one_reading_arrives(city, options);
}

TEST_CASE("MQTT over TLS with a client certificate, and without one the broker refuses the node",
          "[integration][mqtt]") {
  TempDir certs;
  const TestCa ca(certs.path());
  MosquittoBroker::Options options;
  options.tls = &ca;
  options.client_certificates = true;
  MqttCity city("ca: " + ca.ca + "\ncert: " + ca.client_cert + "\nkey: " + ca.client_key + "\n",
                options, "ssl");
  one_reading_arrives(city, options);

  // The same node started without its certificate never gets in, and says so.
  city.node->stop();
  const std::string sources = read_file(city.dir / "sources.yaml");
  write_file(city.dir / "sources.yaml", sources.substr(0, sources.find("cert:")));
  city.node->start();
  json s;
  REQUIRE(poll_until([&] {
    s = city.source();
    return s.value("state", "") == "down" && s["error"].is_string();
  }));
  CHECK_THAT(s["error"].get<std::string>(),
             Catch::StartsWith("the broker closed the connection before accepting it") &&
                 Catch::EndsWith("it may require a client certificate: set cert and key"));
  CHECK(city.source()["messages"] == 0);
}

TEST_CASE("a broker refusing the node's credentials is shown as the connection's error",
          "[integration][mqtt]") {
  TempDir certs;
  write_file(certs / "credentials", "tamky-ioc\nwrong\n");
  MqttCity city("credentials: " + certs / "credentials" + "\n",
                MosquittoBroker::Options{nullptr, "tamky-ioc", "right"});
  json s;
  REQUIRE(poll_until([&] {
    s = city.source();
    return s.value("state", "") == "down" && s["error"].is_string();
  }));
  CHECK(s["error"] == "the broker refused the connection: Connection Refused: not authorised.");
  // HTTP goes on regardless.
  CHECK(city.as("ingest")
            .post("/api/v1/observations",
                  observations("level", "city", {1}, 1'796'000'000'000, 1, "h"))
            .status == 202);
}
