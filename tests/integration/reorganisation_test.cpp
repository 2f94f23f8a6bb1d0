// Live reorganisation through real iocd processes: a ward moves from one district to another, then
// the district tier is removed, while the ward keeps ingesting. Every observation the ward
// acknowledged reaches the city exactly once, and authority over its open incident follows the
// policy in force after each step.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <regex>
#include <set>
#include <thread>

#include "ioc/federation/node_keys.hpp"
#include "ioc/time.hpp"
#include "poll.hpp"
#include "running_node.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

const char* kNodes[] = {"city", "city/north", "city/south", "ward"};

// The district tier with the ward under `ward_parent`; without districts when it is "city".
std::string federation_text(const std::string& ward_parent, const std::vector<int>& ports,
                            const std::string& authority) {
  std::string text = "apiVersion: ioc/v1\nkind: Federation\nname: reorganised\nnodes:\n";
  const auto node = [&](int i, const std::string& kind, const std::string& parent) {
    text += std::string("  - {id: ") + kNodes[i] + ", kind: " + kind +
            (parent.empty() ? "" : ", parent: " + parent) +
            ", endpoint: \"http://127.0.0.1:" + std::to_string(ports[static_cast<std::size_t>(i)]) +
            "\", publicKey: keys/" + ioc::federation::key_file_stem(kNodes[i]) + ".pub}\n";
  };
  node(0, "city", "");
  if (ward_parent != "city") {
    node(1, "district", "city");
    node(2, "district", "city");
  }
  node(3, "ward", ward_parent);
  return text + "policies: [sharing.yaml, " + authority + "]\n";
}

// Raw rows travel up, so the city can check each one arrived once.
const char* kSharing = R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - {id: rows-up, from: "*", to: parent, data: [observations], granularity: raw}
  - {id: incidents-up, from: "*", to: parent, data: [incidents, alerts], granularity: raw}
)";
// Districts run floods in their own subtree up to severe.
const char* kDistrictAuthority = R"(apiVersion: ioc/v1
kind: Authority
issuer: city
grants:
  - id: districts-flood
    to: [city/north, city/south]
    actions: [view, acknowledge, dispatch, resolve, close, escalate]
    domains: [flood]
    area: grantee
    maxSeverity: severe
)";
// Without districts the ward runs its own floods up to moderate; severe ones are the city's.
const char* kWardAuthority = R"(apiVersion: ioc/v1
kind: Authority
issuer: city
grants:
  - id: ward-flood
    to: [ward]
    actions: [view, acknowledge, dispatch, resolve, close, escalate]
    domains: [flood]
    area: grantee
    maxSeverity: moderate
)";

struct Reorganised {
  Reorganised() {
    for (int i = 0; i < 4; ++i) ports.push_back(free_port());
    for (const char* n : kNodes) ioc::federation::generate_keys(n, dir / "keys");
    write_file(dir / "sharing.yaml", kSharing);
    write_file(dir / "districts.yaml", kDistrictAuthority);
    write_file(dir / "ward.yaml", kWardAuthority);
    write_file(dir / "federation.yaml", federation_text("city/north", ports, "districts.yaml"));
    for (int i = 0; i < 4; ++i) {
      const std::string id = kNodes[i];
      const std::string data = dir / ioc::federation::key_file_stem(id);
      nodes[id] = std::make_unique<NodeProcess>(
          dir / "federation.yaml", id, data,
          std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(ports[std::size_t(i)]),
                                   "--key",
                                   dir / ("keys/" + ioc::federation::key_file_stem(id) + ".key")});
      tokens[id] = issue(data, "admin");
      nodes[id]->start();
    }
  }

  HttpClient at(const std::string& id) const {
    return HttpClient(nodes.at(id)->port(), tokens.at(id));
  }

  // Reloads `id` from the federation file as it is now; the answer's status and body.
  HttpResult reload(const std::string& id) const {
    return at(id).request("POST", "/admin/v1/policies/reload");
  }

  json incident_at(const std::string& node, const std::string& id) const {
    const auto r = at(node).get("/api/v1/incidents/" + id);
    return r.status == 200 ? r.json() : json();
  }

  // Waits (bounded) until `node` holds the incident with `owner`; returns what it holds.
  json wait_for_owner(const std::string& node, const std::string& id,
                      const std::string& owner) const {
    json got;
    ioc::test::poll_until([&] {
      got = incident_at(node, id);
      return got.is_object() && got.value("owner", "") == owner;
    });
    return got;
  }

  TempDir dir;
  std::vector<int> ports;
  std::map<std::string, std::unique_ptr<NodeProcess>> nodes;
  std::map<std::string, std::string> tokens;
};

// Posts one row at a time to the ward, each with its own value, and every 10th time a minor
// incident; remembers what was acknowledged (202, 201) until stopped.
struct Ingest {
  explicit Ingest(const Reorganised& r) : thread([this, &r] { run(r); }) {}
  void run(const Reorganised& r) {
    const auto start = ioc::SystemClock().now() - 3'600'000;
    for (int i = 1; !stop; ++i) {
      const auto res = r.at("ward").post(
          "/api/v1/observations", observations("level", "ward", {double(i)}, start + i * 1000, 1));
      if (res.status == 202) {
        acked.push_back(i);
        ++acked_count;
      }
      sent = i;
      if (i % 10 == 0) {
        const auto reported = r.at("ward").post(
            "/api/v1/incidents", json{{"domain", "traffic"},
                                      {"severity", "minor"},
                                      {"area", "ward"},
                                      {"title", "Stalled bus " + std::to_string(i)}});
        if (reported.status == 201) incidents.push_back(reported.json()["id"]);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a steady load, not a flood
    }
  }
  ~Ingest() { finish(); }
  void finish() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
  /// Lets the ingest go on until `rows` more are acknowledged.
  bool run_for(int rows) const {
    const int target = acked_count + rows;
    return poll_until([&] { return acked_count >= target; });
  }
  std::atomic<bool> stop{false};
  std::atomic<int> acked_count{0};
  std::vector<int> acked;
  int sent = 0;
  std::vector<std::string> incidents;
  std::thread thread;
};

std::multiset<int> city_values(const Reorganised& r) {
  std::multiset<int> seen;
  const auto page = r.at("city").get("/api/v1/observations?metric=level&limit=10000").json();
  for (const auto& row : page["items"]) seen.insert(static_cast<int>(row["value"].get<double>()));
  return seen;
}

// Every row the ward acknowledged is at the city exactly once (waiting for them, bounded); a row
// whose answer a kill lost may be there too, once; nothing the ingest did not send is.
void check_rows_at_city(const Reorganised& r, const Ingest& ingest) {
  std::multiset<int> seen;
  const auto all_acked = [&] {
    return std::all_of(ingest.acked.begin(), ingest.acked.end(),
                       [&](int v) { return seen.count(v) == 1; });
  };
  ioc::test::poll_until([&] {
    seen = city_values(r);
    return all_acked();
  });
  CHECK(all_acked());
  for (const int v : seen) {
    INFO("row " << v);
    CHECK(seen.count(v) == 1);
    CHECK((v >= 1 && v <= ingest.sent));
  }
}

}  // namespace

TEST_CASE("a ward moves to another district, then the district tier goes, while it ingests",
          "[integration][reorganise]") {
  Reorganised r;
  Ingest ingest(r);
  const auto reported = r.at("ward").post(
      "/api/v1/incidents",
      json{{"domain", "flood"}, {"severity", "severe"}, {"area", "ward"}, {"title", "Canal over"}});
  REQUIRE(reported.status == 201);
  const std::string id = reported.json()["id"];
  CHECK(reported.json()["owner"] == "city/north");  // the nearest node with authority
  CHECK(r.wait_for_owner("city/north", id, "city/north").is_object());

  // Step 1: the ward moves under south. The ward reloads first, while the others still run the
  // old tree; its open incident gets the owner the policy gives along its new chain.
  write_file(r.dir / "federation.yaml", federation_text("city/south", r.ports, "districts.yaml"));
  const auto moved = r.reload("ward");
  REQUIRE(moved.status == 200);
  CHECK(moved.body.find("parent: city/north -> city/south") != std::string::npos);
  CHECK(moved.body.find(id + ": city/north -> city/south") != std::string::npos);
  for (const char* n : {"city", "city/north", "city/south"}) REQUIRE(r.reload(n).status == 200);
  // The ward crashes right after its move: the handover and the new link survive the restart.
  r.nodes.at("ward")->kill_hard();
  r.nodes.at("ward")->start();
  CHECK(r.wait_for_owner("city/south", id, "city/south").value("owner", "") == "city/south");
  CHECK(r.wait_for_owner("city", id, "city/south").value("owner", "") == "city/south");
  // South runs it now; north's authority no longer reaches the ward.
  CHECK(r.at("city/south")
            .post("/api/v1/incidents/" + id + "/actions", json{{"action", "acknowledge"}})
            .status == 200);
  const auto north_acts =
      r.at("city/north").post("/api/v1/incidents/" + id + "/actions", json{{"action", "dispatch"}});
  CHECK(north_acts.status == 403);
  CHECK(north_acts.json()["error"]["field"] == "area");

  // Step 2: no more districts; the ward hangs under the city, under a policy without districts.
  REQUIRE(ingest.run_for(20));
  write_file(r.dir / "federation.yaml", federation_text("city", r.ports, "ward.yaml"));
  REQUIRE(r.reload("ward").status == 200);
  // The city removes the districts only once what they took has reached it: on a report of
  // theirs made after it was asked, so the first asking is refused, saying why.
  const auto asked = r.reload("city");
  CHECK(asked.status == 400);
  CHECK(asked.body.find("move its children first, wait until its backlog is 0") !=
        std::string::npos);
  HttpResult city_reload;
  poll_until([&] {
    city_reload = r.reload("city");
    if (city_reload.status != 200)
      CHECK(city_reload.json()["error"]["message"].get<std::string>().find("backlog") !=
            std::string::npos);
    return city_reload.status == 200;
  });
  REQUIRE(city_reload.status == 200);
  r.nodes.at("city/north")->stop();
  r.nodes.at("city/south")->stop();
  // A severe flood is beyond the ward's authority now: the city owns it and may act on it.
  CHECK(r.wait_for_owner("city", id, "city").value("owner", "") == "city");
  const auto ward_acts =
      r.at("ward").post("/api/v1/incidents/" + id + "/actions", json{{"action", "dispatch"}});
  CHECK(ward_acts.status == 403);
  CHECK(r.at("city")
            .post("/api/v1/incidents/" + id + "/actions", json{{"action", "dispatch"}})
            .status == 200);

  // Ingest a little longer over the new link, stop, and count at the city: every acknowledged
  // row once. A row whose answer was lost (the ward was killed after its commit) may be there too,
  // once; nothing else is.
  REQUIRE(ingest.run_for(20));
  ingest.finish();
  REQUIRE(ingest.acked.size() > 20);
  check_rows_at_city(r, ingest);
  // Every incident the ward reported (the flood and the ingest's own) is at the city once.
  std::vector<std::string> opened = ingest.incidents;
  opened.push_back(id);
  std::multiset<std::string> ids;
  const auto all_there = [&] {
    return std::all_of(opened.begin(), opened.end(),
                       [&](const std::string& x) { return ids.count(x) == 1; });
  };
  ioc::test::poll_until([&] {
    ids.clear();
    const json page = r.at("city").get("/api/v1/incidents?limit=1000").json();
    for (const auto& item : page["items"]) ids.insert(item["id"].get<std::string>());
    return all_there();
  });
  CHECK(all_there());
  for (const auto& x : ids) CHECK(ids.count(x) == 1);
  CHECK(ingest.incidents.size() > 3);
}

TEST_CASE("a reload that would remove a node from under itself is refused and changes nothing",
          "[integration][reorganise]") {
  Reorganised r;
  write_file(r.dir / "federation.yaml", federation_text("city", r.ports, "ward.yaml"));
  const auto refused = r.reload("city/north");
  CHECK(refused.status == 400);
  CHECK(refused.json()["error"]["message"].get<std::string>().find("no node 'city/north'") !=
        std::string::npos);
  const auto fed = r.at("city/north").get("/api/v1/federation").json();
  CHECK(fed.dump().find("city/south") != std::string::npos);  // the running tree stays
}

TEST_CASE("a node restarted on a reorganised file moves as a reload would have moved it",
          "[integration][reorganise]") {
  Reorganised r;
  Ingest ingest(r);
  REQUIRE(ingest.run_for(10));
  // The ward is stopped, the file changed, the others reloaded; the ward then starts on it.
  r.nodes.at("ward")->stop();
  write_file(r.dir / "federation.yaml", federation_text("city/south", r.ports, "districts.yaml"));
  for (const char* n : {"city", "city/north", "city/south"}) REQUIRE(r.reload(n).status == 200);
  r.nodes.at("ward")->start();
  REQUIRE(ingest.run_for(10));  // over the new link
  ingest.finish();
  CHECK(r.nodes.at("ward")->log().find(
            "started on a reorganised federation: parent: city/north -> city/south") !=
        std::string::npos);
  // Every acknowledged row reaches the city once, over the old path and the new.
  REQUIRE(ingest.acked.size() > 5);
  check_rows_at_city(r, ingest);
}
