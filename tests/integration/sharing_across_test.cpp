// Records shared sideways and down by Sharing rules, over real links between real iocd processes.
#include <catch2/catch.hpp>

#include "city_and_district.hpp"
#include "three_tiers.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

// The north district lets the health centre see its health incidents and its pm25 readings (not
// their source); the city tells its children of its own incidents.
const std::string kRules = R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - id: north-health-to-health
    from: city/north
    to: city/health
    data: [incidents]
    granularity: raw
    domains: [health]
  - id: north-air-to-health
    from: city/north
    to: city/health
    data: [observations]
    granularity: raw
    metrics: [pm25]
    redact: [source]
  - id: city-incidents-down
    from: city
    to: children
    data: [incidents]
    granularity: raw
)";

std::string report(HttpClient&& at, const std::string& area, const std::string& domain,
                   const std::string& title) {
  const auto res =
      at.post("/api/v1/incidents",
              {{"domain", domain}, {"severity", "moderate"}, {"area", area}, {"title", title}});
  INFO(res.body);
  REQUIRE(res.status == 201);
  return res.json()["id"];
}

}  // namespace

TEST_CASE("a district shares health incidents and air readings sideways, and nothing else",
          "[integration][federation]") {
  CityAndDistrict f({{"sharing.yaml", kRules}});
  NodeProcess health(f.federation, "city/health", f.dir / "health",
                     {"--key", f.dir / "keys/city_health.key"});
  const std::string health_token = issue(f.dir / "health", "viewer");
  health.start();
  HttpClient at_health(health.port(), health_token);
  HttpClient at_north = f.at_north();

  // 1. Outside the rules first, then inside them: the health centre gets only the second.
  const std::string traffic = report(f.at_north(), "city/north", "traffic", "Lights out");
  const std::string heat = report(f.at_north(), "city/north", "health", "Heat stroke cases");
  const auto now = ioc::SystemClock().now();
  REQUIRE(at_north
              .post("/api/v1/observations",
                    observations("no2", "city/north", {31.0, 33.0}, now - 120'000))
              .status == 202);
  REQUIRE(at_north
              .post("/api/v1/observations",
                    observations("pm25", "city/north", {41.5, 43.0}, now - 120'000))
              .status == 202);
  REQUIRE(poll_until([&] { return at_health.get("/api/v1/incidents/" + heat).status == 200; }));
  const json held = at_health.get("/api/v1/incidents/" + heat).json();
  CHECK(held["origin"] == "city/north");
  CHECK(held["title"] == "Heat stroke cases");
  REQUIRE(poll_until([&] {
    return at_health.get("/api/v1/observations?metric=pm25").json()["items"].size() == 2;
  }));
  const json air = at_health.get("/api/v1/observations?metric=pm25").json();
  for (const auto& row : air["items"]) {
    CHECK(row["area"] == "city/north");
    CHECK(row["source"] == "redacted");
  }
  // Entries leave the north in order, so what came before the shared ones would be there now.
  CHECK(at_health.get("/api/v1/incidents/" + traffic).status == 404);
  CHECK(at_health.get("/api/v1/observations?metric=no2").json()["items"].empty());
  CHECK(at_health.get("/api/v1/federation").json()["quarantine"]["total"] == 0);

  // 2. The north's next step on its incident follows the first.
  const auto step = at_north.post("/api/v1/incidents/" + heat + "/actions",
                                  {{"action", "acknowledge"}, {"note", "ambulances out"}});
  INFO(step.body);
  REQUIRE(step.status == 200);
  CHECK(poll_until([&] {
    return at_health.get("/api/v1/incidents/" + heat).json()["status"] == "acknowledged";
  }));

  // 3. Down: the city's own incident reaches each child, the health centre through a restart.
  health.stop();
  const std::string storm = report(f.at_city(), "city", "flood", "Storm surge expected");
  CHECK(poll_until([&] { return at_north.get("/api/v1/incidents/" + storm).status == 200; }));
  health.start();
  HttpClient again(health.port(), health_token);
  CHECK(poll_until([&] { return again.get("/api/v1/incidents/" + storm).status == 200; }));
  CHECK(again.get("/api/v1/federation").json()["quarantine"]["total"] == 0);
}

TEST_CASE("the city shares its incidents with every node below it, a ward through a restart",
          "[integration][federation]") {
  ThreeTiers t(
      std::vector<std::pair<std::string, std::string>>{{"sharing.yaml", R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - id: city-incidents-below
    from: city
    to: subtree
    data: [incidents]
    granularity: raw
    domains: [flood]
    redact: [notes]
)"}});
  const auto operator_token = issue(t.dir / "city", "operator");
  HttpClient at_city(t.city->port(), operator_token);
  const auto report_at_city = [&](const std::string& domain, const std::string& title) {
    return report(HttpClient(t.city->port(), operator_token), "city", domain, title);
  };

  // 1. The ward is down: what the city shares waits for it at its district.
  t.ward->stop();
  const std::string storm = report_at_city("flood", "Storm surge expected");
  const std::string traffic = report_at_city("traffic", "Bridge closed");
  REQUIRE(poll_until([&] { return t.at_north().get("/api/v1/incidents/" + storm).status == 200; }));
  t.ward->start();
  HttpClient at_ward = t.at_ward();
  REQUIRE(poll_until([&] { return at_ward.get("/api/v1/incidents/" + storm).status == 200; }));
  CHECK(at_ward.get("/api/v1/incidents/" + storm).json()["origin"] == "city");

  // 2. Its next version follows, with its note cleared; the other domain never came.
  const auto step = at_city.post("/api/v1/incidents/" + storm + "/actions",
                                 {{"action", "acknowledge"}, {"note", "sandbags at Bach Dang"}});
  INFO(step.body);
  REQUIRE(step.status == 200);
  REQUIRE(poll_until([&] {
    return at_ward.get("/api/v1/incidents/" + storm).json()["status"] == "acknowledged";
  }));
  const json held = at_ward.get("/api/v1/incidents/" + storm).json();
  for (const auto& change : held["history"]) CHECK(change.value("note", "") == "");
  for (const auto* node : {t.north.get(), t.ward.get()}) {
    INFO(node->log());
    HttpClient at(node->port(), node == t.ward.get() ? t.ward_token : t.north_token);
    CHECK(at.get("/api/v1/incidents/" + traffic).status == 404);
    CHECK(at.get("/api/v1/federation").json()["quarantine"]["total"] == 0);
    // Kept once, however it came.
    CHECK(at.get("/api/v1/incidents?origin=city").json()["items"].size() == 1);
  }
}
