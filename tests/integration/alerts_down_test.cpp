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
