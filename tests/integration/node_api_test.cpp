// Black-box scenarios against a real iocd on 127.0.0.1, in numbered steps.
#include <catch2/catch.hpp>

#include "running_node.hpp"

using namespace ioc::test;
using nlohmann::json;

TEST_CASE("health, readiness and metrics need no token", "[integration]") {
  RunningNode node;
  auto client = node.anonymous();
  CHECK(client.get("/healthz").status == 200);
  const auto ready = client.get("/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.json()["node"] == "city");
  const auto metrics = client.get("/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(metrics.body.find("# TYPE ioc_observations_ingested_total counter") != std::string::npos);
}

TEST_CASE("ingest answers 202 once committed and the rows can be read back", "[integration]") {
  RunningNode node;
  auto ingest = node.as("ingest");
  // 1. Post a JSON array and an NDJSON batch.
  auto res = ingest.post("/api/v1/observations", observations("rainfall", "city/north", {1, 2, 3}));
  REQUIRE(res.status == 202);
  CHECK(res.json()["accepted"] == 3);
  std::string nd;
  for (const auto& row : observations("rainfall", "city/south", {4, 5})) nd += row.dump() + "\n";
  res = ingest.request("POST", "/api/v1/observations", nd, "application/x-ndjson");
  REQUIRE(res.status == 202);
  CHECK(res.json()["accepted"] == 2);
  // 2. Read back with filters and a cursor.
  auto viewer = node.as("viewer");
  auto page = viewer.get("/api/v1/observations?metric=rainfall&limit=2").json();
  REQUIRE(page["items"].size() == 2);
  CHECK(page["items"][0]["ts"] == "2025-10-27T08:00:00.000Z");
  CHECK(page["items"][0]["area"] == "city/north");
  REQUIRE(page["next"].is_string());
  page = viewer
             .get("/api/v1/observations?metric=rainfall&limit=10&cursor=" +
                  page["next"].get<std::string>())
             .json();
  CHECK(page["items"].size() == 3);
  CHECK(page["next"].is_null());
  page = viewer.get("/api/v1/observations?area=city%2Fsouth").json();
  CHECK(page["items"].size() == 2);
  page =
      viewer.get("/api/v1/observations?from=2025-10-27T08:01:00Z&to=2025-10-27T08:02:00Z").json();
  CHECK(page["items"].size() == 2);
  // 3. Posting the same rows again stores them again: observations are facts, not keyed records.
  ingest.post("/api/v1/observations", observations("rainfall", "city/north", {1, 2, 3}));
  CHECK(viewer.get("/api/v1/observations?metric=rainfall&limit=100").json()["items"].size() == 8);
}

TEST_CASE("a river crossing raises a CAP alert and an incident, falling back cancels",
          "[integration]") {
  RunningNode node;
  auto ingest = node.as("ingest");
  auto viewer = node.as("viewer");
  // 1. The river rises past 2.2 m in the north district.
  REQUIRE(
      ingest
          .post("/api/v1/observations", observations("river_level", "city/north", {1.8, 2.1, 2.4}))
          .status == 202);
  auto alerts = viewer.get("/api/v1/alerts?active=true").json()["items"];
  REQUIRE(alerts.size() == 1);
  const std::string id = alerts[0]["identifier"];
  CHECK(alerts[0]["msgType"] == "Alert");
  CHECK(alerts[0]["severity"] == "Severe");
  CHECK(alerts[0]["area"] == "city/north");
  // 2. The alert is also served as CAP 1.2 XML.
  const auto xml =
      viewer.request("GET", "/api/v1/alerts/" + id, "", "", {{"Accept", "application/cap+xml"}});
  CHECK(xml.status == 200);
  CHECK(xml.header("content-type") == "application/cap+xml");
  CHECK(xml.body.find("<msgType>Alert</msgType>") != std::string::npos);
  // 3. The rule opened a severe flood incident linked to the alert.
  auto incidents = viewer.get("/api/v1/incidents?domain=flood").json()["items"];
  REQUIRE(incidents.size() == 1);
  CHECK(incidents[0]["severity"] == "severe");
  CHECK(incidents[0]["alert"] == id);
  CHECK(incidents[0]["owner"] == "city");
  // 4. The river falls below 2.1 m: a Cancel referencing the alert, which is no longer active.
  REQUIRE(ingest
              .post("/api/v1/observations",
                    observations("river_level", "city/north", {2.15, 2.0}, 1761553000000))
              .status == 202);
  CHECK(viewer.get("/api/v1/alerts?active=true").json()["items"].empty());
  alerts = viewer.get("/api/v1/alerts").json()["items"];
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[1]["msgType"] == "Cancel");
  CHECK(alerts[1]["references"][0].get<std::string>().find(id) != std::string::npos);
  CHECK_FALSE(alerts[0]["active"].get<bool>());
}

TEST_CASE("an incident goes through its lifecycle with versions and audit history",
          "[integration]") {
  RunningNode node;
  auto op = node.as("operator");
  // 1. Report.
  auto res =
      op.post("/api/v1/incidents",
              {{"domain", "public-order"},
               {"severity", "moderate"},
               {"area", "city/south"},
               {"title", "Crowd at Dragon Bridge"},
               {"location", {{"lat", 16.0611}, {"lon", 108.2272}, {"address", "Cau Rong"}}}});
  REQUIRE(res.status == 201);
  const std::string id = res.json()["id"];
  CHECK(res.json()["version"] == 1);
  CHECK(res.json()["status"] == "reported");
  CHECK(res.json()["location"]["lat"] == 16.0611);
  // 2. Acknowledge, dispatch, resolve, close.
  int version = 1;
  for (const char* action : {"acknowledge", "dispatch", "resolve", "close"}) {
    res = op.post("/api/v1/incidents/" + id + "/actions",
                  {{"action", action}, {"note", std::string("step ") + action}});
    REQUIRE(res.status == 200);
    CHECK(res.json()["version"] == ++version);
  }
  CHECK(res.json()["status"] == "closed");
  // 3. A further step is refused and changes nothing.
  res = op.post("/api/v1/incidents/" + id + "/actions", {{"action", "cancel"}});
  CHECK(res.status == 409);
  CHECK(res.json()["error"]["field"] == "action");
  // 4. The history tells who did what, when, under which grant.
  const auto full = node.as("viewer").get("/api/v1/incidents/" + id).json();
  REQUIRE(full["history"].size() == 5);
  CHECK(full["history"][0]["action"] == "report");
  CHECK(full["history"][2]["action"] == "dispatch");
  CHECK(full["history"][2]["actor"] == "operator-test@city");
  CHECK(full["history"][2]["grant"] == "local-operator");
  CHECK(full["history"][4]["version"] == 5);
  // 5. Status filter.
  CHECK(node.as("viewer").get("/api/v1/incidents?status=closed").json()["items"].size() == 1);
  CHECK(node.as("viewer").get("/api/v1/incidents?status=reported").json()["items"].empty());
}

TEST_CASE("escalation needs a node above: the root answers 409", "[integration]") {
  RunningNode node;
  auto op = node.as("operator");
  const auto id =
      op.post("/api/v1/incidents",
              {{"domain", "flood"}, {"severity", "severe"}, {"area", "city"}, {"title", "t"}})
          .json()["id"]
          .get<std::string>();
  const auto res = op.post("/api/v1/incidents/" + id + "/actions", {{"action", "escalate"}});
  CHECK(res.status == 409);
  CHECK(res.json()["error"]["message"].get<std::string>().find("root") != std::string::npos);
}

TEST_CASE("Open311 services, requests and SLA compliance", "[integration]") {
  RunningNode node;
  auto op = node.as("operator");
  // 1. Services come from the node's Services file.
  const auto services = op.get("/open311/v2/services.json").json();
  REQUIRE(services.size() == 2);
  CHECK(services[0]["service_code"] == "pothole");
  // 2. A citizen app posts a form-encoded request.
  auto res = op.request(
      "POST", "/open311/v2/requests.json",
      "service_code=flooding&lat=16.05&long=108.2&description=water+knee+deep&area=city%2Fnorth",
      "application/x-www-form-urlencoded");
  REQUIRE(res.status == 201);
  const std::string id = res.json()[0]["service_request_id"];
  // 3. It is listed with its SLA-derived expected time.
  auto one = op.get("/open311/v2/requests/" + id + ".json").json();
  CHECK(one[0]["status"] == "open");
  CHECK(one[0]["description"] == "water knee deep");
  CHECK(one[0]["service_name"] == "Street flooding");
  CHECK(one[0]["agency_responsible"] == "city");
  // 4. A JSON request too, then closing one.
  res = op.post("/open311/v2/requests.json",
                {{"service_code", "pothole"}, {"address_string", "12 Bach Dang"}});
  REQUIRE(res.status == 201);
  CHECK(op.get("/open311/v2/requests.json").json().size() == 2);
  res = op.post("/api/v1/service-requests/" + id + "/close", {{"status_notes", "drained"}});
  REQUIRE(res.status == 200);
  CHECK(res.json()["status"] == "closed");
  CHECK(op.post("/api/v1/service-requests/" + id + "/close", json::object()).status == 409);
  // 5. The summary counts them.
  const auto summary = op.get("/api/v1/summary?window=1h").json();
  CHECK(summary["serviceRequests"]["open"] == 1);
  CHECK(summary["serviceRequests"]["closed"] == 1);
  CHECK(summary["serviceRequests"]["onTimeRatio"] == 1.0);
}

TEST_CASE("the summary merges sketches over the window and lists every child", "[integration]") {
  RunningNode node;
  auto ingest = node.as("ingest");
  std::vector<double> values;
  for (int i = 1; i <= 1000; ++i) values.push_back(i);
  REQUIRE(ingest
              .post("/api/v1/observations",
                    observations("pm25", "city/south", values, 1761552000000, 100))
              .status == 202);
  REQUIRE(ingest.post("/api/v1/observations", observations("rainfall", "city", {5, 7})).status ==
          202);
  auto viewer = node.as("viewer");
  auto s = viewer.get("/api/v1/summary?from=2025-10-27T08:00:30Z&to=2025-10-27T09:00:00Z").json();
  CHECK(s["node"] == "city");
  CHECK(s["window"]["from"] == "2025-10-27T08:00:00.000Z");  // aligned down to the bucket
  const auto pm = s["metrics"]["pm25"];
  CHECK(pm["count"] == 1000);
  CHECK(pm["sum"] == 500500.0);
  CHECK(pm["min"] == 1.0);
  CHECK(pm["max"] == 1000.0);
  CHECK(pm["relativeError"] == 0.01);
  CHECK(pm["p50"].get<double>() == Approx(500).epsilon(0.011));
  CHECK(pm["p99"].get<double>() == Approx(990).epsilon(0.011));
  REQUIRE(s["children"].size() == 3);
  CHECK(s["children"][0]["node"] == "city/north");
  CHECK(s["children"][0]["state"] == "unreachable");
  s = viewer
          .get("/api/v1/summary?from=2025-10-27T08:00:00Z&to=2025-10-27T09:00:00Z&metrics=rainfall")
          .json();
  CHECK(s["metrics"].size() == 1);
  CHECK(s["metrics"]["rainfall"]["mean"] == 6.0);
  s = viewer.get("/api/v1/summary?from=2025-10-27T10:00:00Z&to=2025-10-27T11:00:00Z").json();
  CHECK(s["metrics"].empty());
}

TEST_CASE("the federation view lists the topology with link states", "[integration]") {
  RunningNode node;
  const auto f = node.as("viewer").get("/api/v1/federation").json();
  CHECK(f["federation"] == "testcity");
  REQUIRE(f["nodes"].size() == 4);
  CHECK(f["nodes"][0]["self"] == true);
  CHECK(f["nodes"][1]["parent"] == "city");
  CHECK(f["nodes"][1]["link"]["state"] == "unreachable");  // a child that never called
  CHECK(f["nodes"][0]["policyVersion"].get<std::string>().size() == 16);
}

TEST_CASE("keep-alive serves many requests on one connection", "[integration]") {
  RunningNode node;
  HttpClient client(node.process.port(), node.tokens.at("viewer"), true);
  for (int i = 0; i < 20; ++i) REQUIRE(client.get("/api/v1/alerts").status == 200);
  CHECK(client.connections_opened() == 1);
}
