// Two real nodes, the city and its north district, linked over HTTP: replication, catch-up after
// outages and crashes, and the city's federated summary.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>
#include <set>
#include <thread>

#include "city_and_district.hpp"
#include "ioc/federation/request_signing.hpp"
#include "ioc/time.hpp"
#include "poll.hpp"

using namespace ioc::test;
using nlohmann::json;

TEST_CASE("a district's data reaches the city's summary once, with the child's link state",
          "[integration][sync]") {
  CityAndDistrict f;
  // 1. The district ingests three batches.
  for (int b = 0; b < 3; ++b) REQUIRE(f.ingest("pm25", 100, "batch" + std::to_string(b)) == 202);
  // 2. The city's summary counts them, merged from the district's buckets.
  CHECK(f.wait_for_city_count("pm25", 300) == 300);
  const auto summary = f.at_city().get("/api/v1/summary?window=7d").json();
  CHECK(summary["metrics"]["pm25"]["max"] == 96.0);
  // 3. Every child is listed: north fresh and complete, the others unreachable.
  REQUIRE(summary["children"].size() == 3);
  CHECK(summary["children"][0]["node"] == "city/north");
  CHECK(summary["children"][0]["state"] == "fresh");
  CHECK(summary["children"][0]["complete"] == true);
  CHECK(summary["children"][0]["lastSync"].is_string());
  CHECK(summary["children"][1]["state"] == "unreachable");
  // 4. The district's own view of its link to the city.
  const auto view = f.at_north().get("/api/v1/federation").json();
  CHECK(view["nodes"][0]["link"]["state"] == "up");
  CHECK(view["nodes"][0]["link"]["protocolVersion"] == "2");
  // 5. An incident reported at the district reaches the city with its origin and owner.
  const auto reported = f.at_north().post("/api/v1/incidents", {{"domain", "flood"},
                                                                {"severity", "moderate"},
                                                                {"area", "city/north"},
                                                                {"title", "Drain blocked"}});
  REQUIRE(reported.status == 201);
  const std::string id = reported.json()["id"];
  json at_city;
  poll_until([&] {
    const auto res = f.at_city().get("/api/v1/incidents/" + id);
    if (res.status == 200) at_city = res.json();
    return res.status == 200;
  });
  REQUIRE_FALSE(at_city.is_null());
  CHECK(at_city["origin"] == "city/north");
  CHECK(at_city["owner"] == "city/north");
  // 6. Its next version follows.
  REQUIRE(f.at_north()
              .post("/api/v1/incidents/" + id + "/actions", {{"action", "acknowledge"}})
              .status == 200);
  poll_until([&] {
    at_city = f.at_city().get("/api/v1/incidents/" + id).json();
    return at_city["version"] == 2;
  });
  CHECK(at_city["version"] == 2);
  CHECK(at_city["status"] == "acknowledged");
}

TEST_CASE("the city down and killed, then the district killed in catch-up: all held exactly once",
          "[integration][sync]") {
  CityAndDistrict f;
  REQUIRE(f.ingest("rain", 50, "before") == 202);
  REQUIRE(f.wait_for_city_count("rain", 50) == 50);
  // 1. The city crashes; the district keeps ingesting and says its link is down.
  f.city->kill_hard();
  int total = 50;
  for (int b = 0; b < 40; ++b) {
    REQUIRE(f.ingest("rain", 250, "outage" + std::to_string(b)) == 202);
    total += 250;
  }
  CHECK(poll_until([&] { return f.north_link_state() == "down"; }));
  // 2. The city comes back; once catch-up has begun the district is killed hard and restarted.
  f.city->start();
  CHECK(poll_until([&] { return f.city_count("rain") > 50; }));
  f.north->kill_hard();
  f.north->start();
  for (int b = 0; b < 4; ++b) {
    REQUIRE(f.ingest("rain", 250, "after" + std::to_string(b)) == 202);
    total += 250;
  }
  // 3. The city ends up with every row, counted once.
  CHECK(f.wait_for_city_count("rain", total, 30) == total);
}

TEST_CASE("a link that flaps still converges exactly", "[integration][sync]") {
  CityAndDistrict f;
  int total = 0;
  for (int round = 0; round < 4; ++round) {
    for (int b = 0; b < 3; ++b) {
      REQUIRE(f.ingest("flow", 100, "r" + std::to_string(round) + "b" + std::to_string(b)) == 202);
      total += 100;
    }
    if (round % 2 == 0)
      f.city->kill_hard();
    else
      f.city->stop();
    // Back once the district has noticed it is gone.
    CHECK(poll_until([&] { return f.north_link_state() == "down"; }));
    f.city->start();
  }
  CHECK(f.wait_for_city_count("flow", total, 30) == total);
}

TEST_CASE("clock skew: a call signed over 300 s off is refused as stale, within it is taken",
          "[integration][sync]") {
  CityAndDistrict f;
  // The district's calls as its clock would date them: ten minutes fast or slow, two fast.
  const auto call_at = [&](ioc::TimeMs offset, const std::string& method, const std::string& target,
                           const std::string& body) {
    const auto headers = signed_headers(f.dir / "keys", "city/north", "city", method, target, body,
                                        ioc::SystemClock().now() + offset);
    return HttpClient(f.city->port())
        .request(method, target, body, body.empty() ? "" : "application/json", headers);
  };
  const std::string empty_batch = R"({"events":[],"backlog":0})";
  for (const ioc::TimeMs off : {10 * 60'000LL, -10 * 60'000LL}) {
    const auto hello = call_at(off, "GET", "/federation/v1/hello", "");
    CHECK(hello.status == 401);
    CHECK(hello.json()["error"]["message"].get<std::string>().find("stale request") !=
          std::string::npos);
    CHECK(call_at(off, "POST", "/federation/v1/events", empty_batch).status == 401);
  }
  CHECK(call_at(2 * 60'000, "GET", "/federation/v1/hello", "").status == 200);
  CHECK(call_at(-2 * 60'000, "POST", "/federation/v1/events", empty_batch).status == 200);
  // The district's own link, on its true clock, still takes its rows up.
  REQUIRE(f.ingest("skew", 10, "true-clock") == 202);
  CHECK(f.wait_for_city_count("skew", 10) == 10);
}

TEST_CASE("a city operator's action on a district-owned incident goes down to the owner",
          "[integration][sync]") {
  CityAndDistrict f;
  // 1. The district reports an incident; it reaches the city, owned by the district.
  const auto reported = f.at_north().post("/api/v1/incidents", {{"domain", "flood"},
                                                                {"severity", "severe"},
                                                                {"area", "city/north"},
                                                                {"title", "Underpass flooded"}});
  REQUIRE(reported.status == 201);
  const std::string id = reported.json()["id"];
  REQUIRE(poll_until([&] { return f.at_city().get("/api/v1/incidents/" + id).status == 200; }));
  StreamClient stream(f.city->port(), f.city_token);
  REQUIRE(stream.connected());
  // 2. The city's operator dispatches it: the city forwards the command and answers 202.
  const auto forwarded = f.at_city().post("/api/v1/incidents/" + id + "/actions",
                                          {{"action", "dispatch"}, {"note", "city sends pumps"}});
  REQUIRE(forwarded.status == 202);
  CHECK(forwarded.json()["forwarded"]["owner"] == "city/north");
  CHECK(forwarded.json()["forwarded"]["via"] == "city/north");
  // 3. The owner applies it as the single writer; the new version comes back up to the city.
  json at_city;
  ioc::test::poll_until([&] {
    at_city = f.at_city().get("/api/v1/incidents/" + id).json();
    return at_city["version"] == 2;
  });
  CHECK(at_city["version"] == 2);
  CHECK(at_city["status"] == "dispatched");
  CHECK(at_city["history"][1]["actor"] == "admin-test@city");
  CHECK(at_city["history"][1]["grant"] == "ancestor-operator");
  const auto at_owner = f.at_north().get("/api/v1/incidents/" + id).json();
  CHECK(at_owner["version"] == 2);
  CHECK(at_owner["history"][1]["note"] == "city sends pumps");
  // 4. A command the owner refuses (a step backwards) comes back as a failed command-result.
  REQUIRE(f.at_city()
              .post("/api/v1/incidents/" + id + "/actions", {{"action", "acknowledge"}})
              .status == 202);
  json result;
  for (int i = 0; i < 20 && result.is_null(); ++i) {
    const auto msg = stream.next(std::chrono::seconds(1));
    if (msg && json::parse(*msg)["type"] == "command-result" &&
        json::parse(*msg)["data"]["action"] == "acknowledge")
      result = json::parse(*msg)["data"];
  }
  REQUIRE_FALSE(result.is_null());
  CHECK(result["ok"] == false);
  CHECK(result["code"] == "conflict");
  CHECK(f.at_north().get("/api/v1/incidents/" + id).json()["version"] == 2);
}

TEST_CASE("a node's summary over the federation API is for the nodes above it",
          "[integration][sync]") {
  CityAndDistrict f;
  REQUIRE(f.ingest("noise", 40, "meter") == 202);
  const auto signed_get = [&](const std::string& caller, const std::string& target) {
    return f.signed_get_at_north(caller, target);
  };
  // 1. The city, above the district, reads it.
  const auto res = signed_get("city", "/federation/v1/summary?window=1h&metrics=noise");
  REQUIRE(res.status == 200);
  CHECK(res.json()["node"] == "city/north");
  CHECK(res.json()["metrics"]["noise"]["count"] == 40);
  // 2. A sibling district may not.
  const auto sibling = signed_get("city/south", "/federation/v1/summary?window=1h");
  CHECK(sibling.status == 403);
  CHECK_THAT(sibling.json()["error"]["message"].get<std::string>(),
             Catch::Contains("by default only nodes above may"));
  // 3. Bad queries get the same errors as the node API.
  CHECK(signed_get("city", "/federation/v1/summary?window=forever").json()["error"]["field"] ==
        "window");
}

TEST_CASE("past its log limit a district drops the oldest unsent entries and the city is told",
          "[integration][sync]") {
  CityAndDistrict f;
  REQUIRE(f.ingest("rain", 10, "before") == 202);
  REQUIRE(f.wait_for_city_count("rain", 10) == 10);
  f.north->stop();
  NodeProcess north(f.federation, "city/north", f.dir / "north",
                    {"--key", f.dir / "keys/city_north.key", "--log-limit", "5",
                     "--escalation-interval", "100ms"});
  north.start();
  f.city->stop();
  // 1. The city is away; twenty batches wait at the district, which keeps only five of them.
  HttpClient at_north(north.port(), f.north_token);
  const auto now = ioc::SystemClock().now();
  for (int b = 0; b < 20; ++b)
    REQUIRE(at_north
                .post("/api/v1/observations",
                      observations("rain", "city/north", std::vector<double>(10, 1.0), now, 1,
                                   "outage" + std::to_string(b)))
                .status == 202);
  CHECK(poll_until([&] {
    return north.log().find("retention dropped unsent entries city/north") != std::string::npos;
  }));
  // 2. The city returns: it is told the lost range and does not wait for it. Minute buckets
  //    carry their whole state, so the readings themselves still arrive complete.
  f.city->start();
  CHECK(f.wait_for_city_count("rain", 210) == 210);
  json child;
  ioc::test::poll_until([&] {
    child = f.at_city().get("/api/v1/summary?window=1h").json()["children"][0];
    return !child["lostRanges"].empty();
  });
  REQUIRE(child["lostRanges"].size() == 1);
  CHECK(child["lostRanges"][0]["origin"] == "city/north");
  CHECK(child["lostRanges"][0]["fromSeq"] == 2);
  CHECK(child["lostRanges"][0]["toSeq"] == 16);
  CHECK(child["complete"] == false);
  // 3. What comes after flows as usual.
  REQUIRE(
      at_north
          .post("/api/v1/observations",
                observations("rain", "city/north", std::vector<double>(5, 1.0), now, 1, "after"))
          .status == 202);
  CHECK(f.wait_for_city_count("rain", 215) == 215);
}

TEST_CASE("the city's summary narrowed to a subtree and split by child, unknown parameters refused",
          "[integration][sync]") {
  CityAndDistrict f;
  REQUIRE(f.ingest("pm25", 40, "gauge") == 202);
  REQUIRE(f.at_north()
              .post("/api/v1/incidents", {{"domain", "flood"},
                                          {"severity", "moderate"},
                                          {"area", "city/north"},
                                          {"title", "Drain blocked"}})
              .status == 201);
  REQUIRE(f.wait_for_city_count("pm25", 40) == 40);
  REQUIRE(poll_until([&] {
    return f.at_city().get("/api/v1/summary?area=city%2Fnorth").json()["incidents"]["total"] == 1;
  }));
  // A city reading of its own stays out of the north's subtree.
  REQUIRE(f.at_city()
              .post("/api/v1/observations",
                    observations("pm25", "city", {500}, ioc::SystemClock().now() - 60'000))
              .status == 202);

  auto s = f.at_city().get("/api/v1/summary?window=7d&area=city%2Fnorth").json();
  CHECK(s["area"] == "city/north");
  CHECK(s["metrics"]["pm25"]["count"] == 40);
  CHECK(s["incidents"]["total"] == 1);
  REQUIRE(s["children"].size() == 1);
  CHECK(s["children"][0]["node"] == "city/north");
  s = f.at_city().get("/api/v1/summary?window=7d&area=city%2Fsouth").json();
  CHECK(s["metrics"].empty());
  CHECK(s["incidents"]["total"] == 0);
  CHECK(f.at_city().get("/api/v1/summary?window=7d").json()["metrics"]["pm25"]["count"] == 41);

  s = f.at_city().get("/api/v1/summary?window=7d&by=child").json();
  REQUIRE(s["byChild"].size() == 3);
  CHECK(s["byChild"][0]["node"] == "city/north");
  CHECK(s["byChild"][0]["state"] == "fresh");
  CHECK(s["byChild"][0]["metrics"]["pm25"]["count"] == 40);
  CHECK(s["byChild"][0]["incidents"]["total"] == 1);
  CHECK(s["byChild"][1]["state"] == "unreachable");
  CHECK(s["byChild"][1]["metrics"].empty());

  // Refused, naming the parameter: unknown ones, a bad split, an area outside the subtree.
  const auto field = [&](const std::string& target) {
    const auto res = f.at_city().get(target);
    return res.status == 400 ? res.json()["error"]["field"].get<std::string>() : "";
  };
  CHECK(field("/api/v1/summary?window=1h&node=city%2Fnorth") == "node");
  CHECK(field("/api/v1/summary?by=district") == "by");
  CHECK(field("/api/v1/summary?area=atlantis") == "area");
  CHECK(f.at_north().get("/api/v1/summary?area=city").json()["error"]["field"] == "area");
  CHECK(field("/api/v1/incidents?area=atlantis") == "area");
  CHECK(f.at_north().get("/api/v1/incidents?area=city").json()["error"]["field"] == "area");
  CHECK(field("/api/v1/alerts?severity=severe") == "severity");
  CHECK(field("/api/v1/observations?metrics=pm25") == "metrics");
}

TEST_CASE("the city's lists answer by area, origin, owner, status, severity and time",
          "[integration][federation]") {
  CityAndDistrict f;
  const auto report = [&](HttpClient at, const std::string& area, const std::string& severity) {
    const auto res = at.post("/api/v1/incidents", {{"domain", "traffic"},
                                                   {"severity", severity},
                                                   {"area", area},
                                                   {"title", "Crash on " + area}});
    REQUIRE(res.status == 201);
    return res.json()["id"].get<std::string>();
  };
  const auto before = ioc::SystemClock().now() - 1000;
  const std::string at_north = report(f.at_north(), "city/north", "moderate");
  const std::string at_city = report(f.at_city(), "city/south", "severe");
  REQUIRE(
      poll_until([&] { return f.at_city().get("/api/v1/incidents/" + at_north).status == 200; }));
  const auto ids = [&](const std::string& query) {
    std::set<std::string> out;
    const auto res = f.at_city().get("/api/v1/incidents?" + query);
    INFO(query << ": " << res.body);
    REQUIRE(res.status == 200);
    const json body = res.json();
    for (const auto& i : body["items"]) out.insert(i["id"].get<std::string>());
    return out;
  };
  using Ids = std::set<std::string>;
  CHECK(ids("area=city%2Fnorth") == Ids{at_north});
  CHECK(ids("area=city") == Ids{at_north, at_city});
  CHECK(ids("origin=city%2Fnorth") == Ids{at_north});
  CHECK(ids("owner=city") == Ids{at_city});
  CHECK(ids("severity=severe") == Ids{at_city});
  CHECK(ids("status=reported&area=city%2Fsouth") == Ids{at_city});
  CHECK(ids("from=" + ioc::format_rfc3339(before)) == Ids{at_north, at_city});
  CHECK(ids("to=" + ioc::format_rfc3339(before)).empty());

  // Alerts the same way: by the area they cover, their sender, severity and time.
  json warning{{"category", "Met"},   {"urgency", "Immediate"}, {"severity", "Severe"},
               {"domain", "flood"},   {"certainty", "Likely"},  {"event", "Flood"},
               {"headline", "Flood"}, {"areas", {"city/south"}}};
  const auto issued = f.at_city().post("/api/v1/alerts", warning);
  INFO(issued.body);
  REQUIRE(issued.status == 201);
  const auto alerts = [&](const std::string& query) {
    return f.at_city().get("/api/v1/alerts?" + query).json()["items"].size();
  };
  CHECK(alerts("area=city%2Fsouth") == 1);
  CHECK(alerts("area=city%2Fnorth") == 0);
  CHECK(alerts("origin=city&severity=Severe") == 1);
  CHECK(alerts("severity=Minor") == 0);
  CHECK(alerts("to=" + ioc::format_rfc3339(before)) == 0);
  CHECK(f.at_city().get("/api/v1/alerts?severity=bad").status == 400);
  CHECK(f.at_city().get("/api/v1/incidents?owner=").status == 400);
  CHECK(f.at_city().get("/api/v1/incidents?from=yesterday").status == 400);
}
