// examples/tamky end to end: the Tam Ky ward's river gauge through alarm levels 1-3, the ward's
// escalation to the Da Nang city IOC with a CAP Update, the cancels as the river falls; and the
// 2025 merger applied live, Tam Ky moving from Quang Nam to Da Nang.
#include <catch2/catch.hpp>

#include <thread>

#include "example_federation.hpp"
#include "ioc/time.hpp"
#include "mqtt_broker.hpp"
#include "poll.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

// The example with fresh keys and free ports: the Da Nang federation file, and the 2024 one
// with Tam Ky under Quang Nam. The gauge publishes to a real Mosquitto, as the example's Sources
// file says.
struct TamKy : ExampleFederation {
  TamKy() : ExampleFederation("tamky", {"federation-2024.yaml", "federation.yaml"}) {
    const std::string sources = dir / "config/tam-ky-gauges.yaml";
    std::string text = read_file(sources);
    text.replace(text.find("127.0.0.1:7283"), 14, "127.0.0.1:" + std::to_string(broker.port()));
    write_file(sources, text);
  }

  // A river gauge reading at the ward, each a millisecond after the last, published over MQTT;
  // returns once the ward has stored it.
  void gauge(double metres) {
    const auto ts = ioc::SystemClock().now() + readings++;
    if (!device) {
      // The ward's subscription must exist before the gauge's first message: a broker keeps
      // messages only for the subscriptions it holds.
      REQUIRE(ioc::test::poll_until(
          [&] { return at("tam-ky").get("/api/v1/sources").json()["items"][0]["state"] == "up"; }));
      device = std::make_unique<MqttPublisher>(broker.port());
    }
    device->publish("tamky/gauges/gauge-tam-ky/level",
                    json{{"level_m", metres}, {"ts", ts}}.dump());
    REQUIRE(device->wait_acknowledged());
    json sources;
    const bool stored = ioc::test::poll_until([&] {
      sources = at("tam-ky").get("/api/v1/sources").json();
      return sources["items"][0]["rows"] == readings;
    });
    INFO("reading " << readings << ": " << sources.dump() << "\n" << node("tam-ky").log());
    REQUIRE(stored);
  }

  /// The CAP messages `node` holds, oldest first, once there are at least `n`.
  json alerts_at(const std::string& node, std::size_t n) const {
    json items;
    ioc::test::poll_until([&] {
      items = at(node).get("/api/v1/alerts?limit=100").json()["items"];
      return items.size() >= n;
    });
    return items;
  }

  /// How many river readings `node` holds, once it holds `expected` (bounded wait).
  std::size_t readings_at(const std::string& node, std::size_t expected) const {
    std::size_t n = 0;
    ioc::test::poll_until([&] {
      n = at(node).get("/api/v1/observations?metric=river_level").json()["items"].size();
      return n == expected;
    });
    return n;
  }

  MosquittoBroker broker{dir / "broker"};
  std::unique_ptr<MqttPublisher> device;
  int readings = 0;
};

}  // namespace

TEST_CASE("Tam Ky: alarm levels raise CAP alerts, escalation sends an Update, the fall cancels",
          "[integration][example]") {
  TamKy f;
  f.start("danang");
  f.start("tam-ky");
  // 1. The river rises through all three alarm levels.
  for (double level : {1.50, 1.80, 2.30, 2.80}) f.gauge(level);
  json alerts = f.alerts_at("danang", 3);
  REQUIRE(alerts.size() == 3);
  CHECK(alerts[0]["headline"] == "Tam Ky river at alarm level 1 (1.70 m)");
  CHECK(alerts[1]["severity"] == "Severe");
  CHECK(alerts[2]["severity"] == "Extreme");
  for (const auto& a : alerts) CHECK(a["msgType"] == "Alert");
  // 2. Level 2 opened a flood incident the ward owns by the city's delegation.
  const json list = f.at("tam-ky").get("/api/v1/incidents").json()["items"];
  REQUIRE(list.size() == 1);
  const std::string id = list[0]["id"];
  CHECK(list[0]["owner"] == "tam-ky");
  // 3. At level 3 the ward's duty officer escalates: the city becomes the owner and the level-2
  //    alert gets a CAP Update saying so.
  auto res = f.at("tam-ky").post("/api/v1/incidents/" + id + "/actions",
                                 {{"action", "escalate"}, {"note", "level 3, evacuate An Phu"}});
  REQUIRE(res.status == 200);
  CHECK(res.json()["owner"] == "danang");
  CHECK(f.wait_for("danang", "/api/v1/incidents/" + id, "owner", "danang")["version"] == 2);
  alerts = f.alerts_at("danang", 4);
  REQUIRE(alerts.size() == 4);
  CHECK(alerts[3]["msgType"] == "Update");
  CHECK(alerts[3]["headline"] == "Escalated to danang: Tam Ky river at alarm level 2 (2.20 m)");
  CHECK(alerts[3]["references"][0].get<std::string>().find(alerts[1]["identifier"]) !=
        std::string::npos);
  // The Update exports as CAP 1.2 XML like any other message.
  const auto xml =
      f.at("danang").request("GET", "/api/v1/alerts/" + alerts[3]["identifier"].get<std::string>(),
                             "", "", {{"Accept", "application/cap+xml"}});
  CHECK(xml.body.find("<msgType>Update</msgType>") != std::string::npos);
  // 4. The river falls: each level is cancelled, and the city, the owner now, resolves the flood.
  for (double level : {2.60, 2.10, 1.60}) f.gauge(level);
  alerts = f.alerts_at("danang", 7);
  REQUIRE(alerts.size() == 7);
  for (std::size_t i = 4; i < 7; ++i) CHECK(alerts[i]["msgType"] == "Cancel");
  CHECK(f.at("danang").get("/api/v1/alerts?active=true").json()["items"].empty());
  res = f.at("danang").post("/api/v1/incidents/" + id + "/actions",
                            {{"action", "resolve"}, {"note", "river below level 2"}});
  REQUIRE(res.status == 200);
  CHECK(f.wait_for("tam-ky", "/api/v1/incidents/" + id, "status", "resolved")["owner"] == "danang");
  // 5. The city's summary holds every reading, raw as the ward shares them.
  const json summary = f.at("danang").get("/api/v1/summary?window=1h&metrics=river_level").json();
  CHECK(summary["metrics"]["river_level"]["count"] == 7);
  CHECK(summary["metrics"]["river_level"]["max"] == Approx(2.80).epsilon(0.02));
  CHECK(f.at("danang").get("/api/v1/observations?metric=river_level").json()["items"].size() == 7);
}

TEST_CASE("Tam Ky: Quang Nam merges into Da Nang and Tam Ky becomes a ward while it runs",
          "[integration][example][reorganise]") {
  TamKy m;
  write_file(m.dir / "running.yaml", read_file(m.dir / "federation-2024.yaml"));
  for (const char* node : {"quangnam", "tam-ky"}) m.start(node, "running.yaml");
  // 2024: a level-2 flood in Tam Ky, escalated to the provincial IOC at level 3.
  for (double level : {2.30, 2.80}) m.gauge(level);
  const json list = m.at("tam-ky").get("/api/v1/incidents").json()["items"];
  REQUIRE(list.size() == 1);
  const std::string id = list[0]["id"];
  auto res = m.at("tam-ky").post("/api/v1/incidents/" + id + "/actions",
                                 {{"action", "escalate"}, {"note", "level 3"}});
  REQUIRE(res.status == 200);
  CHECK(res.json()["owner"] == "quangnam");
  CHECK(m.wait_for("quangnam", "/api/v1/incidents/" + id, "owner", "quangnam").is_object());
  REQUIRE(m.readings_at("quangnam", 2) == 2);
  // The provincial centre closes as the merger takes effect; Tam Ky keeps reading the river.
  m.node("quangnam").stop();
  for (double level : {2.75, 2.65, 2.40}) m.gauge(level);

  // What the change will do, before it is applied.
  const auto diff = run_command({IOCCTL_PATH, "federation", "diff", m.dir / "federation-2024.yaml",
                                 m.dir / "federation.yaml"});
  CHECK(diff.exit_code == 0);
  CHECK(diff.out.find("~ moved tam-ky: quangnam -> danang") != std::string::npos);
  CHECK(diff.out.find("- merged quangnam into danang") != std::string::npos);
  CHECK(diff.out.find("1. start the new nodes with the new file: danang") != std::string::npos);

  // 2025: the Da Nang federation file takes its place; Da Nang starts, Tam Ky reloads.
  write_file(m.dir / "running.yaml", read_file(m.dir / "federation.yaml"));
  m.start("danang", "running.yaml");
  res = m.at("tam-ky").request("POST", "/admin/v1/policies/reload");
  REQUIRE(res.status == 200);
  const std::string steps = res.json()["reorganised"].dump();
  CHECK(steps.find("parent: quangnam -> danang") != std::string::npos);
  CHECK(steps.find(id + ": quangnam -> danang") != std::string::npos);
  // The incident the province held is the city's now, at Da Nang and at the ward alike.
  CHECK(m.wait_for("danang", "/api/v1/incidents/" + id, "owner", "danang")["owner"] == "danang");
  CHECK(m.at("tam-ky").get("/api/v1/incidents/" + id).json()["owner"] == "danang");
  // The readings Quang Nam never took reach Da Nang, once; those it took stay in its store.
  CHECK(m.readings_at("danang", 3) == 3);
  // Da Nang's policy set reaches the ward: it runs the river under Da Nang's delegation now.
  const json fed = m.wait_for("tam-ky", "/api/v1/federation", "policyVersion",
                              m.at("danang").get("/api/v1/federation").json()["policyVersion"]);
  CHECK(fed["federation"] == "tamky");
  m.gauge(1.60);
  CHECK(m.readings_at("danang", 4) == 4);
  res = m.at("danang").post("/api/v1/incidents/" + id + "/actions",
                            {{"action", "resolve"}, {"note", "river below level 2"}});
  CHECK(res.status == 200);
  CHECK(m.wait_for("tam-ky", "/api/v1/incidents/" + id, "status", "resolved")["owner"] == "danang");
}
