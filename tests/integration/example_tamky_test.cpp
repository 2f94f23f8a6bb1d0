// examples/tamky end to end: the Tam Ky ward's river gauge through alarm levels 1-3, the ward's
// escalation to the Da Nang city IOC with a CAP Update, and the cancels as the river falls.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>
#include <thread>

#include "ioc/federation/node_keys.hpp"
#include "ioc/time.hpp"
#include "running_node.hpp"

using namespace ioc::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The example copied into a temp dir with fresh keys and free ports, both nodes running.
struct TamKy {
  TamKy() : city_port(free_port()), ward_port(free_port()) {
    fs::copy(fs::path(IOC_SOURCE_DIR) / "examples/tamky", dir.path(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    fs::remove_all(dir / "keys");
    for (const char* node : {"danang", "danang/tam-ky"})
      ioc::federation::generate_keys(node, dir / "keys");
    std::string fed = read_file(dir / "federation.yaml");
    fed = std::regex_replace(fed, std::regex("127.0.0.1:7200"),
                             "127.0.0.1:" + std::to_string(city_port));
    fed = std::regex_replace(fed, std::regex("127.0.0.1:7201"),
                             "127.0.0.1:" + std::to_string(ward_port));
    write_file(dir / "federation.yaml", fed);
    city = std::make_unique<NodeProcess>(
        dir / "federation.yaml", "danang", dir / "city",
        std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(city_port), "--key",
                                 dir / "keys/danang.key"});
    ward = std::make_unique<NodeProcess>(
        dir / "federation.yaml", "danang/tam-ky", dir / "ward",
        std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(ward_port), "--key",
                                 dir / "keys/danang_tam-ky.key"});
    city_token = issue(dir / "city", "admin");
    ward_token = issue(dir / "ward", "admin");
    city->start();
    ward->start();
  }

  HttpClient at_city() const { return HttpClient(city->port(), city_token); }
  HttpClient at_ward() const { return HttpClient(ward->port(), ward_token); }

  void gauge(double metres) {
    const auto ts = ioc::SystemClock().now() + readings++;
    REQUIRE(at_ward()
                .post("/api/v1/observations",
                      observations("river_level", "danang/tam-ky", {metres}, ts, 1, "gauge-tam-ky"))
                .status == 202);
  }

  /// The CAP messages the city holds, oldest first, once there are at least `n`.
  json city_alerts(std::size_t n) const {
    json items;
    for (int i = 0; i < 200; ++i) {
      items = at_city().get("/api/v1/alerts?limit=100").json()["items"];
      if (items.size() >= n) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return items;
  }

  static json wait_for(HttpClient client, const std::string& path, const std::string& key,
                       const json& value) {
    json got;
    for (int i = 0; i < 200; ++i) {
      got = client.get(path).json();
      if (got.value(key, json()) == value) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return got;
  }

  TempDir dir;
  int city_port, ward_port;
  std::unique_ptr<NodeProcess> city, ward;
  std::string city_token, ward_token;
  int readings = 0;
};

}  // namespace

TEST_CASE("Tam Ky: alarm levels raise CAP alerts, escalation sends an Update, the fall cancels",
          "[integration][example]") {
  TamKy f;
  // 1. The river rises through all three alarm levels.
  for (double level : {1.50, 1.80, 2.30, 2.80}) f.gauge(level);
  json alerts = f.city_alerts(3);
  REQUIRE(alerts.size() == 3);
  CHECK(alerts[0]["headline"] == "Tam Ky river at alarm level 1 (1.70 m)");
  CHECK(alerts[1]["severity"] == "Severe");
  CHECK(alerts[2]["severity"] == "Extreme");
  for (const auto& a : alerts) CHECK(a["msgType"] == "Alert");
  // 2. Level 2 opened a flood incident the ward owns by the city's delegation.
  const json list = f.at_ward().get("/api/v1/incidents").json()["items"];
  REQUIRE(list.size() == 1);
  const std::string id = list[0]["id"];
  CHECK(list[0]["owner"] == "danang/tam-ky");
  // 3. At level 3 the ward's duty officer escalates: the city becomes the owner and the level-2
  //    alert gets a CAP Update saying so.
  auto res = f.at_ward().post("/api/v1/incidents/" + id + "/actions",
                              {{"action", "escalate"}, {"note", "level 3, evacuate An Phu"}});
  REQUIRE(res.status == 200);
  CHECK(res.json()["owner"] == "danang");
  CHECK(TamKy::wait_for(f.at_city(), "/api/v1/incidents/" + id, "owner", "danang")["version"] == 2);
  alerts = f.city_alerts(4);
  REQUIRE(alerts.size() == 4);
  CHECK(alerts[3]["msgType"] == "Update");
  CHECK(alerts[3]["headline"] == "Escalated to danang: Tam Ky river at alarm level 2 (2.20 m)");
  CHECK(alerts[3]["references"][0].get<std::string>().find(alerts[1]["identifier"]) !=
        std::string::npos);
  // The Update exports as CAP 1.2 XML like any other message.
  const auto xml =
      f.at_city().request("GET", "/api/v1/alerts/" + alerts[3]["identifier"].get<std::string>(), "",
                          "", {{"Accept", "application/cap+xml"}});
  CHECK(xml.body.find("<msgType>Update</msgType>") != std::string::npos);
  // 4. The river falls: each level is cancelled, and the city, the owner now, resolves the flood.
  for (double level : {2.60, 2.10, 1.60}) f.gauge(level);
  alerts = f.city_alerts(7);
  REQUIRE(alerts.size() == 7);
  for (std::size_t i = 4; i < 7; ++i) CHECK(alerts[i]["msgType"] == "Cancel");
  CHECK(f.at_city().get("/api/v1/alerts?active=true").json()["items"].empty());
  res = f.at_city().post("/api/v1/incidents/" + id + "/actions",
                         {{"action", "resolve"}, {"note", "river below level 2"}});
  REQUIRE(res.status == 200);
  CHECK(TamKy::wait_for(f.at_ward(), "/api/v1/incidents/" + id, "status", "resolved")["owner"] ==
        "danang");
  // 5. The city's summary holds every reading, raw as the ward shares them.
  const json summary = f.at_city().get("/api/v1/summary?window=1h&metrics=river_level").json();
  CHECK(summary["metrics"]["river_level"]["count"] == 7);
  CHECK(summary["metrics"]["river_level"]["max"] == Approx(2.80).epsilon(0.02));
  CHECK(f.at_city().get("/api/v1/observations?metric=river_level").json()["items"].size() == 7);
}
