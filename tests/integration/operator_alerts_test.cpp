// Operators' alerts and the public feed, against a real iocd over HTTP.
#include <catch2/catch.hpp>

#include "running_node.hpp"
#include "xml_check.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

json storm(const std::string& headline, const std::string& scope = "Public") {
  return json{
      {"category", "Met"},
      {"urgency", "Expected"},
      {"severity", "Severe"},
      {"certainty", "Likely"},
      {"domain", "flood"},
      {"scope", scope},
      {"language", "vi-VN"},
      {"event", "B\xc3\xa3o"},
      {"headline", headline},
      {"translations", {{{"language", "en-US"}, {"event", "Storm"}, {"headline", "Storm"}}}},
      {"areas", {"city/north"}}};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("an operator issues, updates and cancels an alert and the public feed follows",
          "[integration]") {
  RunningNode node;
  auto op = node.as("operator");
  auto viewer = node.as("viewer");
  auto anyone = node.anonymous();

  // 1. Only operators issue; a bad field is named; nothing is stored for either.
  CHECK(viewer.post("/api/v1/alerts", storm("x")).status == 403);
  CHECK(node.as("ingest").post("/api/v1/alerts", storm("x")).status == 403);
  CHECK(anyone.post("/api/v1/alerts", storm("x")).status == 401);
  auto bad = storm("x");
  bad["areas"] = {"city/north", "atlantis"};
  auto res = op.post("/api/v1/alerts", bad);
  CHECK(res.status == 400);
  CHECK(res.json()["error"]["field"] == "areas[1]");
  CHECK(op.request("POST", "/api/v1/alerts", "{\"headline\":", "application/json").status == 400);
  CHECK(viewer.get("/api/v1/alerts").json()["items"].empty());

  // 2. A public warning in two languages, answered from its commit.
  res = op.post("/api/v1/alerts",
                storm("B\xc3\xa3o s\xe1\xbb\x91 9 <s\xe1\xba\xafp> \xc4\x91\xe1\xba\xbfn"));
  REQUIRE(res.status == 201);
  const json alert = res.json();
  const std::string id = alert["identifier"];
  CHECK(res.header("location") == "/api/v1/alerts/" + id);
  CHECK(alert["sender"] == "city");
  CHECK(alert["translations"][0]["language"] == "en-US");
  CHECK(viewer.get("/api/v1/alerts/" + id).json()["headline"] == alert["headline"]);
  // A restricted one, which the public never sees.
  res = op.post("/api/v1/alerts", storm("Operators only", "Restricted"));
  REQUIRE(res.status == 201);
  const std::string restricted = res.json()["identifier"];

  // 3. The feed: no token, Atom with the CAP inline, cacheable, well-formed.
  auto feed = anyone.get("/public/v1/alerts.atom");
  REQUIRE(feed.status == 200);
  CHECK(feed.header("content-type") == "application/atom+xml; charset=utf-8");
  CHECK(feed.header("cache-control") == "public, max-age=60");
  CHECK(xml_problem(feed.body).empty());
  CHECK(count(feed.body, "<entry>") == 1);
  CHECK(feed.body.find("&lt;s\xe1\xba\xafp&gt;") != std::string::npos);
  CHECK(feed.body.find("Operators only") == std::string::npos);
  const std::string etag = feed.header("etag");
  REQUIRE(!etag.empty());
  auto again = anyone.request("GET", "/public/v1/alerts.atom", "", "", {{"If-None-Match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.header("etag") == etag);

  auto cap = anyone.get("/public/v1/alerts/" + id + ".xml");
  REQUIRE(cap.status == 200);
  CHECK(cap.header("content-type") == "application/cap+xml; charset=utf-8");
  CHECK(xml_problem(cap.body).empty());
  CHECK(count(cap.body, "<info>") == 2);
  CHECK(anyone.get("/public/v1/alerts/" + restricted + ".xml").status == 404);
  CHECK(anyone.get("/public/v1/alerts/ioc-none.xml").status == 404);
  CHECK(anyone.post("/public/v1/alerts.atom", json::object()).status == 405);

  // 4. An update replaces it; a cancel ends it; the feed shows each message, newest first.
  res = op.post("/api/v1/alerts",
                {{"msgType", "Update"}, {"references", id}, {"severity", "Extreme"}});
  REQUIRE(res.status == 201);
  const std::string update = res.json()["identifier"];
  CHECK(res.json()["references"][0].get<std::string>().rfind("city," + id + ",", 0) == 0);
  res = op.post("/api/v1/alerts", {{"msgType", "Cancel"}, {"references", id}});
  CHECK(res.status == 409);
  CHECK(res.json()["error"]["field"] == "references");
  REQUIRE(op.post("/api/v1/alerts", {{"msgType", "Cancel"}, {"references", update}}).status == 201);
  auto active = viewer.get("/api/v1/alerts?active=true").json()["items"];
  REQUIRE(active.size() == 1);
  CHECK(active[0]["identifier"] == restricted);
  feed = anyone.request("GET", "/public/v1/alerts.atom", "", "", {{"If-None-Match", etag}});
  REQUIRE(feed.status == 200);
  CHECK(feed.header("etag") != etag);
  CHECK(count(feed.body, "<entry>") == 3);
  CHECK(feed.body.find("<msgType>Cancel</msgType>") < feed.body.find("<msgType>Update</msgType>"));
  CHECK(xml_problem(feed.body).empty());
}
