// Warnings going down: the city's alerts reach the district they cover, over the real link.
#include <catch2/catch.hpp>

#include "city_and_district.hpp"
#include "xml_check.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

json warning(const std::string& headline, const std::vector<std::string>& areas) {
  return json{
      {"category", "Met"},
      {"urgency", "Immediate"},
      {"severity", "Severe"},
      {"certainty", "Likely"},
      {"domain", "flood"},
      {"language", "vi-VN"},
      {"event", "L\xc5\xa9"},
      {"headline", headline},
      {"translations", {{{"language", "en-US"}, {"event", "Flood"}, {"headline", "Flood"}}}},
      {"areas", areas}};
}

std::string publish(const CityAndDistrict& f, const json& body) {
  const auto res = f.at_city().post("/api/v1/alerts", body);
  INFO(res.body);
  REQUIRE(res.status == 201);
  return res.json()["identifier"];
}

// The alert as the district holds it, or null.
json at_north(const CityAndDistrict& f, const std::string& id) {
  const auto res = f.at_north().get("/api/v1/alerts/" + id);
  return res.status == 200 ? res.json() : json();
}

bool north_holds(const CityAndDistrict& f, const std::string& id, bool active = true) {
  const json a = at_north(f, id);
  return a.is_object() && a["active"] == active;
}

}  // namespace

TEST_CASE("a city warning reaches the district it covers, with its update and cancel",
          "[integration][federation]") {
  CityAndDistrict f;
  StreamClient stream(f.north->port(), f.north_token);
  REQUIRE(stream.connected());

  // 1. A warning for the south district only, then one for the north: the north gets the second
  //    (its arrival says the first would have come before it, had it been the north's).
  const std::string south = publish(f, warning("South only", {"city/south"}));
  const std::string id = publish(f, warning("N\xc6\xb0\xe1\xbb\x9b"
                                            "c l\xc3\xaan",
                                            {"city/north"}));
  REQUIRE(poll_until([&] { return north_holds(f, id); }));
  CHECK(at_north(f, south).is_null());
  const json held = at_north(f, id);
  CHECK(held["sender"] == "city");
  CHECK(held["translations"][0]["headline"] == "Flood");
  bool streamed = false;
  while (auto m = stream.next(std::chrono::seconds(10))) {
    const json msg = json::parse(*m);
    if (msg["type"] == "alert" && msg["data"]["identifier"] == id) {
      streamed = true;
      break;
    }
  }
  CHECK(streamed);
  // In the district's public feed, as its own citizens read it.
  const auto feed = HttpClient(f.north->port()).get("/public/v1/alerts.atom");
  REQUIRE(feed.status == 200);
  CHECK(feed.body.find("<identifier>" + id + "</identifier>") != std::string::npos);
  CHECK(xml_problem(feed.body).empty());

  // 2. The update replaces it at the district, the cancel ends the update.
  const auto update = f.at_city().post(
      "/api/v1/alerts", {{"msgType", "Update"}, {"references", id}, {"severity", "Extreme"}});
  REQUIRE(update.status == 201);
  const std::string update_id = update.json()["identifier"];
  REQUIRE(poll_until([&] { return north_holds(f, update_id); }));
  CHECK(north_holds(f, id, false));
  const std::string cancel = publish(f, {{"msgType", "Cancel"}, {"references", update_id}});
  REQUIRE(poll_until([&] { return north_holds(f, cancel, false); }));
  CHECK(north_holds(f, update_id, false));
  CHECK(f.at_north().get("/api/v1/alerts?active=true").json()["items"].empty());

  // 3. Issued while the district is down: it arrives on reconnect, once.
  f.north->kill_hard();
  const std::string offline = publish(f, warning("Issued while north was down", {"city"}));
  f.north->start();
  REQUIRE(poll_until([&] { return north_holds(f, offline); }));
  const std::string after = publish(f, warning("After the restart", {"city/north"}));
  REQUIRE(poll_until([&] { return north_holds(f, after); }));
  int copies = 0;
  const json held_now = f.at_north().get("/api/v1/alerts?limit=100").json();
  for (const auto& a : held_now["items"]) copies += a["identifier"] == offline;
  CHECK(copies == 1);
  CHECK(f.at_north().get("/api/v1/federation").json()["quarantine"]["total"] == 0);
}

TEST_CASE(
    "a district's flood warning shared sideways reaches the health centre, relayed by the city",
    "[integration][federation]") {
  const std::string rules = R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - id: north-floods-to-health
    from: city/north
    to: city/health
    data: [alerts]
    granularity: raw
    domains: [flood]
)";
  CityAndDistrict f({{"sharing.yaml", rules}});
  NodeProcess health(f.federation, "city/health", f.dir / "health",
                     {"--key", f.dir / "keys/city_health.key"});
  const std::string health_token = issue(f.dir / "health", "viewer");
  health.start();
  HttpClient at_health(health.port(), health_token);

  auto warn = [&](const std::string& domain, const std::string& headline) {
    json body = warning(headline, {"city/north"});
    body["domain"] = domain;
    const auto res = f.at_north().post("/api/v1/alerts", body);
    INFO(res.body);
    REQUIRE(res.status == 201);
    return res.json()["identifier"].get<std::string>();
  };
  // 1. A traffic warning is outside the rule (its domains): it stays at the north (and goes up).
  const std::string traffic = warn("traffic", "Road closed");
  // 2. A flood warning is inside it: up to the city, which turns it down to the health centre.
  const std::string flood = warn("flood", "Flash flood in the north");
  REQUIRE(poll_until([&] { return at_health.get("/api/v1/alerts/" + flood).status == 200; }));
  const json held = at_health.get("/api/v1/alerts/" + flood).json();
  CHECK(held["sender"] == "city/north");
  CHECK(held["headline"] == "Flash flood in the north");
  // Entries reach the city in order, so the traffic warning, sent first, would have come first.
  REQUIRE(poll_until([&] { return f.at_city().get("/api/v1/alerts/" + traffic).status == 200; }));
  CHECK(at_health.get("/api/v1/alerts/" + traffic).status == 404);
  // The health centre took it without quarantining anything; the city kept both (they went up).
  CHECK(at_health.get("/api/v1/federation").json()["quarantine"]["total"] == 0);
  CHECK(f.at_city().get("/api/v1/alerts/" + flood).status == 200);
}
