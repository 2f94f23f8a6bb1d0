// Bad input gets the right status and a JSON error naming the field, stores nothing, and the node
// keeps serving.
#include <catch2/catch.hpp>

#include "running_node.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

void check_error(const HttpResult& res, int status, const std::string& field) {
  INFO(res.body);
  CHECK(res.status == status);
  REQUIRE(res.header("content-type") == "application/json");
  const auto err = res.json()["error"];
  CHECK(err["code"].is_string());
  CHECK_FALSE(err["message"].get<std::string>().empty());
  if (field.empty())
    CHECK(err["field"].is_null());
  else
    CHECK(err["field"] == field);
}

std::size_t stored(const RunningNode& node) {
  return node.as("viewer").get("/api/v1/observations?limit=10000").json()["items"].size();
}

const json kGood = {{"source", "s"}, {"metric", "m"}, {"ts", "2025-10-27T08:00:00Z"},
                    {"value", 1.0},  {"unit", "u"},   {"area", "city"}};

}  // namespace

TEST_CASE("bad observation batches are refused whole, naming element and field",
          "[integration][bad-input]") {
  RunningNode node;
  auto ingest = node.as("ingest");
  const auto post_raw = [&](const std::string& body, const std::string& type = "application/json") {
    return ingest.request("POST", "/api/v1/observations", body, type);
  };
  const auto with = [](const char* key, const json& value) {
    json bad = kGood;
    if (value.is_null())
      bad.erase(key);
    else
      bad[key] = value;
    return json::array({kGood, bad}).dump();
  };
  check_error(post_raw("[{\"source\":"), 400, "[0].source");  // where the document breaks off
  check_error(post_raw("not json"), 400, "body");
  check_error(post_raw("{\"not\":\"an array\"}"), 400, "body");
  check_error(post_raw(with("value", "3.2")), 400, "[1].value");
  check_error(post_raw(with("value", nullptr)), 400, "[1].value");
  check_error(
      post_raw("[" + kGood.dump() +
               ",{\"source\":\"s\",\"metric\":\"m\",\"ts\":0,\"value\":1e400,\"area\":\"city\"}]"),
      400, "[1].value");
  check_error(post_raw(with("ts", "27/10/2025")), 400, "[1].ts");
  check_error(post_raw(with("area", "atlantis")), 400, "[1].area");
  check_error(post_raw(with("metric", nullptr)), 400, "[1].metric");
  check_error(post_raw(with("tags", json::array())), 400, "[1].tags");
  check_error(post_raw(kGood.dump(), "text/plain"), 415, "content-type");
  check_error(post_raw(kGood.dump(), ""), 415, "content-type");
  check_error(post_raw(kGood.dump() + "\n{oops\n", "application/x-ndjson"), 400, "[1]");
  CHECK(stored(node) == 0);
  CHECK(ingest.post("/api/v1/observations", json::array({kGood})).status == 202);
  CHECK(stored(node) == 1);
}

TEST_CASE("tokens and roles: 401 without or with a wrong token, 403 for the wrong role",
          "[integration][bad-input]") {
  RunningNode node;
  const json batch = json::array({kGood});
  check_error(node.anonymous().post("/api/v1/observations", batch), 401, "authorization");
  check_error(HttpClient(node.process.port(), "ioc_wrong").post("/api/v1/observations", batch), 401,
              "authorization");
  const auto malformed =
      node.anonymous().request("GET", "/api/v1/alerts", "", "", {{"Authorization", "Basic abc"}});
  check_error(malformed, 401, "authorization");
  // A token in the query string is only for the WebSocket upgrade; elsewhere it would end up in
  // logs.
  check_error(node.anonymous().get("/api/v1/alerts?access_token=" + node.tokens.at("admin")), 401,
              "authorization");
  check_error(node.as("viewer").post("/api/v1/observations", batch), 403, "role");
  check_error(node.as("operator").post("/api/v1/observations", batch), 403, "role");
  check_error(node.as("ingest").post("/api/v1/incidents", {{"domain", "flood"}}), 403, "role");
  CHECK(node.as("admin").post("/api/v1/observations", batch).status == 202);
  CHECK(stored(node) == 1);
}

TEST_CASE("unknown routes, ids and methods", "[integration][bad-input]") {
  RunningNode node;
  auto viewer = node.as("viewer");
  check_error(viewer.get("/api/v1/nothing"), 404, "path");
  check_error(viewer.get("/api/v1/incidents/inc-nope"), 404, "id");
  check_error(viewer.get("/api/v1/alerts/ioc-nope"), 404, "id");
  check_error(viewer.get("/open311/v2/requests/sr-nope.json"), 404, "id");
  const auto res = viewer.request("DELETE", "/api/v1/incidents");
  CHECK(res.status == 405);
  CHECK(res.header("allow") == "POST, GET");
  check_error(
      node.as("operator").post("/api/v1/incidents/inc-nope/actions", {{"action", "acknowledge"}}),
      404, "id");
}

TEST_CASE("bad incident reports and actions", "[integration][bad-input]") {
  RunningNode node;
  auto op = node.as("operator");
  const json good = {{"domain", "flood"},
                     {"severity", "severe"},
                     {"area", "city/north"},
                     {"title", "Flooded underpass"}};
  const auto without = [&](const char* key) {
    json j = good;
    j.erase(key);
    return j;
  };
  const auto with = [&](const char* key, const json& v) {
    json j = good;
    j[key] = v;
    return j;
  };
  check_error(op.post("/api/v1/incidents", without("title")), 400, "title");
  check_error(op.post("/api/v1/incidents", with("domain", "weather")), 400, "domain");
  check_error(op.post("/api/v1/incidents", with("severity", "Severe")), 400, "severity");
  check_error(op.post("/api/v1/incidents", with("severity", 3)), 400, "severity");
  check_error(op.post("/api/v1/incidents", with("area", "mars")), 400, "area");
  check_error(op.post("/api/v1/incidents", with("priority", "high")), 400, "priority");
  check_error(op.post("/api/v1/incidents", with("location", {{"lat", 123.0}})), 400,
              "location.lat");
  check_error(op.request("POST", "/api/v1/incidents", good.dump(), "text/plain"), 415,
              "content-type");
  check_error(op.request("POST", "/api/v1/incidents", "[1,2]", "application/json"), 400, "body");
  CHECK(node.as("viewer").get("/api/v1/incidents").json()["items"].empty());

  const std::string id = op.post("/api/v1/incidents", good).json()["id"];
  check_error(op.post("/api/v1/incidents/" + id + "/actions", {{"action", "explode"}}), 400,
              "action");
  check_error(op.post("/api/v1/incidents/" + id + "/actions", json::object()), 400, "action");
  check_error(op.post("/api/v1/incidents/" + id + "/actions", {{"action", "close"}, {"by", "me"}}),
              400, "by");
  CHECK(node.as("viewer").get("/api/v1/incidents/" + id).json()["version"] == 1);
}

TEST_CASE("bad query parameters", "[integration][bad-input]") {
  RunningNode node;
  auto viewer = node.as("viewer");
  check_error(viewer.get("/api/v1/observations?limit=0"), 400, "limit");
  check_error(viewer.get("/api/v1/observations?limit=10001"), 400, "limit");
  check_error(viewer.get("/api/v1/observations?limit=ten"), 400, "limit");
  check_error(viewer.get("/api/v1/observations?cursor=abc"), 400, "cursor");
  check_error(viewer.get("/api/v1/observations?from=yesterday"), 400, "from");
  check_error(viewer.get("/api/v1/observations?area=mars"), 400, "area");
  check_error(viewer.get("/api/v1/alerts?active=yes"), 400, "active");
  check_error(viewer.get("/api/v1/incidents?status=open"), 400, "status");
  check_error(viewer.get("/api/v1/summary?window=forever"), 400, "window");
  check_error(viewer.get("/api/v1/summary?window=1h&from=2025-10-27T08:00:00Z"), 400, "window");
  check_error(viewer.get("/api/v1/summary?from=2025-10-27T09:00:00Z&to=2025-10-27T08:00:00Z"), 400,
              "to");
}

TEST_CASE("bad Open311 requests", "[integration][bad-input]") {
  RunningNode node;
  auto op = node.as("operator");
  const auto form = [&](const std::string& body) {
    return op.request("POST", "/open311/v2/requests.json", body,
                      "application/x-www-form-urlencoded");
  };
  check_error(form("lat=1&long=2"), 400, "service_code");
  check_error(form("service_code=unicorn&lat=1&long=2"), 400, "service_code");
  check_error(form("service_code=pothole"), 400, "lat");
  check_error(form("service_code=pothole&lat=91&long=2"), 400, "lat");
  check_error(form("service_code=pothole&lat=1"), 400, "long");
  check_error(form("service_code=pothole&lat=1&long=2&area=mars"), 400, "area");
  check_error(op.request("POST", "/open311/v2/requests.json", "x", "text/plain"), 415,
              "content-type");
  CHECK(op.get("/open311/v2/requests.json").json().empty());
}

TEST_CASE("an oversized body gets a readable 413 and the node keeps serving",
          "[integration][bad-input]") {
  RunningNode node({"--body-limit", "1048576"});
  auto ingest = node.as("ingest");
  // 1. Twenty times the limit: the client can still send it all and read the answer.
  const std::string huge(20 * 1024 * 1024, ' ');
  const auto res =
      ingest.request("POST", "/api/v1/observations", "[" + huge + "]", "application/json");
  check_error(res, 413, "body");
  // 2. Nothing stored, and the node answers the next request.
  CHECK(stored(node) == 0);
  CHECK(ingest.post("/api/v1/observations", json::array({kGood})).status == 202);
}

TEST_CASE("a batch over the row limit is refused with 413", "[integration][bad-input]") {
  RunningNode node;
  json rows = json::array();
  for (int i = 0; i < 50'001; ++i) rows.push_back(kGood);
  check_error(node.as("ingest").post("/api/v1/observations", rows), 413, "body");
  CHECK(stored(node) == 0);
}

TEST_CASE("garbage on the socket gets a 400 and does not disturb other clients",
          "[integration][bad-input]") {
  RunningNode node;
  const auto res = node.anonymous().request("GET", "/healthz\x01 junk");
  CHECK((res.status == 400 || res.status == -1));
  CHECK(node.anonymous().get("/healthz").status == 200);
}
