// examples/jinju end to end: the Jinju smart-city platform passes emergencies to the police (112)
// and fire (119) agency nodes with their location and the nearest CCTV camera; the agency owns
// and runs each one, and updates its dispatch system sends before the event has reached it are
// held and applied in order when it arrives.
#include <catch2/catch.hpp>

#include <thread>

#include "example_federation.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

struct Jinju : ExampleFederation {
  Jinju() : ExampleFederation("jinju") {
    for (const char* node : {"jinju", "jinju/police-112", "jinju/fire-119"}) start(node);
    // The platform's situation-room staff watch; the agencies act.
    viewer = issue(data("jinju"), "viewer");
  }

  std::string report(const std::string& domain, const std::string& title, double lat, double lon) {
    const auto res = at("jinju").post(
        "/api/v1/incidents", {{"domain", domain},
                              {"severity", "severe"},
                              {"area", "jinju"},
                              {"title", title},
                              {"location", {{"lat", lat}, {"lon", lon}, {"address", title}}}});
    REQUIRE(res.status == 201);
    return res.json()["id"];
  }

  // The incident as `node` holds it once `key` reads `value` (bounded wait).
  json incident_when(const std::string& node, const std::string& id, const std::string& key,
                     const json& value) const {
    return wait_for(node, "/api/v1/incidents/" + id, key, value);
  }

  std::string viewer;
};

}  // namespace

TEST_CASE("Jinju: emergencies reach the right agency with a camera, and stay in order",
          "[integration][example]") {
  Jinju j;
  // CCTV analytics at the platform see smoke at Jungang market: a fire-rescue emergency.
  const std::string fire =
      j.report("fire-rescue", "Smoke from a building, Jungang market", 35.1931, 128.0850);
  const json at_platform = j.at("jinju").get("/api/v1/incidents/" + fire).json();
  CHECK(at_platform["owner"] == "jinju/fire-119");
  CHECK(at_platform["location"]["camera"]["id"] == "cctv-jinju-0142");
  CHECK(at_platform["location"]["camera"]["stream"] == "rtsp://cctv.jinju.local/0142");
  CHECK(at_platform["location"]["camera"]["distanceMetres"].get<double>() < 60);
  // It reaches 119 with its location and camera; 112 sees it only once 119 runs it.
  const json at_119 = j.incident_when("jinju/fire-119", fire, "owner", "jinju/fire-119");
  CHECK(at_119["location"]["lat"] == Approx(35.1931));
  CHECK(at_119["location"]["camera"]["id"] == "cctv-jinju-0142");
  CHECK(j.at("jinju/police-112").get("/api/v1/incidents/" + fire).status == 404);
  // 119 runs it; the platform follows each step. Its watching staff cannot act on it.
  CHECK(j.at("jinju/fire-119")
            .post("/api/v1/incidents/" + fire + "/actions",
                  {{"action", "dispatch"}, {"note", "2 engines, 1 ladder from Jungang station"}})
            .status == 200);
  CHECK(j.incident_when("jinju", fire, "status", "dispatched")["owner"] == "jinju/fire-119");
  // 119's steps reach 112 across the tree (the agencies share with each other), for traffic
  // control around the fire; 112 cannot act on them.
  CHECK(j.incident_when("jinju/police-112", fire, "status", "dispatched")["owner"] ==
        "jinju/fire-119");
  CHECK(j.at("jinju/police-112")
            .post("/api/v1/incidents/" + fire + "/actions", {{"action", "resolve"}})
            .status == 403);
  CHECK(j.at("jinju", j.viewer)
            .post("/api/v1/incidents/" + fire + "/actions", {{"action", "resolve"}})
            .status == 403);

  // A traffic crash goes to 112. The 112 dispatch system learns of it by phone and reports on
  // it before the platform's copy has reached the 112 node (its link is down for a moment).
  j.node("jinju/police-112").stop();
  const std::string crash =
      j.report("traffic", "Multi-vehicle crash, Jinyang-ho bridge", 35.1800, 128.1090);
  CHECK(j.at("jinju").get("/api/v1/incidents/" + crash).json()["location"]["camera"]["id"] ==
        "cctv-jinju-0207");
  j.node("jinju").stop();  // the platform restarts: nothing can reach 112 meanwhile
  j.node("jinju/police-112").start();
  for (const auto& [action, note] : {std::pair{"acknowledge", "caller on the bridge"},
                                     {"dispatch", "2 patrol cars, 1 tow truck"}}) {
    const auto held =
        j.at("jinju/police-112")
            .post("/api/v1/incidents/" + crash + "/actions", {{"action", action}, {"note", note}});
    CHECK(held.status == 202);
    CHECK(held.json()["pending"]["action"] == action);
  }
  j.node("jinju").start();
  // The event arrives, then the held updates in the order they were made.
  const json run = j.incident_when("jinju/police-112", crash, "status", "dispatched");
  REQUIRE(run["history"].size() == 3);
  CHECK(run["history"][0]["action"] == "report");
  CHECK(run["history"][1]["action"] == "acknowledge");
  CHECK(run["history"][2]["action"] == "dispatch");
  CHECK(run["history"][2]["note"] == "2 patrol cars, 1 tow truck");
  CHECK(run["owner"] == "jinju/police-112");
  // And the platform sees the same lifecycle.
  const json followed = j.incident_when("jinju", crash, "status", "dispatched");
  CHECK(followed["version"] == 3);
  // And 119, from 112 across the tree.
  CHECK(j.incident_when("jinju/fire-119", crash, "status", "dispatched")["version"] == 3);
  // The platform's summary: both emergencies, each with its agency, both dispatched.
  const json summary = j.at("jinju").get("/api/v1/summary?window=1h").json();
  CHECK(summary["incidents"]["total"] == 2);
  CHECK(summary["incidents"]["byDomain"]["fire-rescue"] == 1);
  CHECK(summary["incidents"]["byDomain"]["traffic"] == 1);
  CHECK(summary["incidents"]["byStatus"]["dispatched"] == 2);
  CHECK(summary["children"].size() == 2);
  // An unknown event at a node that is not an agency is still a plain 404.
  CHECK(j.at("jinju")
            .post("/api/v1/incidents/inc-00000000/actions", {{"action", "acknowledge"}})
            .status == 404);
}
