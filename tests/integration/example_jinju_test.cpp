// examples/jinju end to end: the Jinju smart-city platform passes emergencies to the police (112)
// and fire (119) agency nodes with their location and the nearest CCTV camera; the agency owns
// and runs each one, and updates its dispatch system sends before the event has reached it are
// held and applied in order when it arrives.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <regex>
#include <thread>

#include "ioc/federation/node_keys.hpp"
#include "running_node.hpp"

using namespace ioc::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kNodes = {"jinju", "jinju/police-112", "jinju/fire-119"};

struct Jinju {
  Jinju() {
    fs::copy(fs::path(IOC_SOURCE_DIR) / "examples/jinju", dir.path(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    fs::remove_all(dir / "keys");
    std::string fed = read_file(dir / "federation.yaml");
    for (std::size_t i = 0; i < kNodes.size(); ++i) {
      ioc::federation::generate_keys(kNodes[i], dir / "keys");
      ports[kNodes[i]] = free_port();
      fed = std::regex_replace(fed, std::regex("127.0.0.1:750" + std::to_string(i)),
                               "127.0.0.1:" + std::to_string(ports[kNodes[i]]));
    }
    write_file(dir / "federation.yaml", fed);
    for (const auto& node : kNodes) {
      const std::string stem = ioc::federation::key_file_stem(node);
      processes[node] = std::make_unique<NodeProcess>(
          dir / "federation.yaml", node, dir / stem,
          std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(ports[node]), "--key",
                                   dir / ("keys/" + stem + ".key")});
      tokens[node] = issue(dir / stem, "operator");
      processes[node]->start();
    }
    // The platform's situation-room staff watch; the agencies act.
    tokens["jinju-viewer"] = issue(dir / "jinju", "viewer");
  }

  HttpClient at(const std::string& node, const std::string& token = "") const {
    return HttpClient(processes.at(node)->port(), tokens.at(token.empty() ? node : token));
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
  json wait_for(const std::string& node, const std::string& id, const std::string& key,
                const json& value) const {
    json got;
    for (int i = 0; i < 600; ++i) {
      const auto res = at(node).get("/api/v1/incidents/" + id);
      got = res.status == 200 ? res.json() : json();
      if (got.is_object() && got.value(key, json()) == value) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return got;
  }

  TempDir dir;
  std::map<std::string, int> ports;
  std::map<std::string, std::unique_ptr<NodeProcess>> processes;
  std::map<std::string, std::string> tokens;
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
  // It reaches 119 with its location and camera; 112 never sees it.
  const json at_119 = j.wait_for("jinju/fire-119", fire, "owner", "jinju/fire-119");
  CHECK(at_119["location"]["lat"] == Approx(35.1931));
  CHECK(at_119["location"]["camera"]["id"] == "cctv-jinju-0142");
  CHECK(j.at("jinju/police-112").get("/api/v1/incidents/" + fire).status == 404);
  // 119 runs it; the platform follows each step. Its watching staff cannot act on it.
  CHECK(j.at("jinju/fire-119")
            .post("/api/v1/incidents/" + fire + "/actions",
                  {{"action", "dispatch"}, {"note", "2 engines, 1 ladder from Jungang station"}})
            .status == 200);
  CHECK(j.wait_for("jinju", fire, "status", "dispatched")["owner"] == "jinju/fire-119");
  CHECK(j.at("jinju", "jinju-viewer")
            .post("/api/v1/incidents/" + fire + "/actions", {{"action", "resolve"}})
            .status == 403);

  // A traffic crash goes to 112. The 112 dispatch system learns of it by phone and reports on
  // it before the platform's copy has reached the 112 node (its link is down for a moment).
  j.processes.at("jinju/police-112")->stop();
  const std::string crash =
      j.report("traffic", "Multi-vehicle crash, Jinyang-ho bridge", 35.1800, 128.1090);
  CHECK(j.at("jinju").get("/api/v1/incidents/" + crash).json()["location"]["camera"]["id"] ==
        "cctv-jinju-0207");
  j.processes.at("jinju")->stop();  // the platform restarts: nothing can reach 112 meanwhile
  j.processes.at("jinju/police-112")->start();
  for (const auto& [action, note] : {std::pair{"acknowledge", "caller on the bridge"},
                                     {"dispatch", "2 patrol cars, 1 tow truck"}}) {
    const auto held =
        j.at("jinju/police-112")
            .post("/api/v1/incidents/" + crash + "/actions", {{"action", action}, {"note", note}});
    CHECK(held.status == 202);
    CHECK(held.json()["pending"]["action"] == action);
  }
  j.processes.at("jinju")->start();
  // The event arrives, then the held updates in the order they were made.
  const json run = j.wait_for("jinju/police-112", crash, "status", "dispatched");
  REQUIRE(run["history"].size() == 3);
  CHECK(run["history"][0]["action"] == "report");
  CHECK(run["history"][1]["action"] == "acknowledge");
  CHECK(run["history"][2]["action"] == "dispatch");
  CHECK(run["history"][2]["note"] == "2 patrol cars, 1 tow truck");
  CHECK(run["owner"] == "jinju/police-112");
  // And the platform sees the same lifecycle.
  const json followed = j.wait_for("jinju", crash, "status", "dispatched");
  CHECK(followed["version"] == 3);
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
