#include <catch2/catch.hpp>

#include "running_node.hpp"

using namespace ioc::test;
using nlohmann::json;

TEST_CASE("the WebSocket stream delivers alerts and incident changes live",
          "[integration][stream]") {
  RunningNode node;
  // 1. A viewer opens the stream.
  StreamClient stream(node.process.port(), node.tokens.at("viewer"));
  REQUIRE(stream.connected());
  // 2. A crossing produces an alert and an incident, in that order.
  REQUIRE(node.as("ingest")
              .post("/api/v1/observations", observations("river_level", "city/north", {2.5}))
              .status == 202);
  const auto first = stream.next(std::chrono::seconds(5));
  REQUIRE(first);
  const auto alert = json::parse(*first);
  CHECK(alert["type"] == "alert");
  CHECK(alert["data"]["msgType"] == "Alert");
  const auto second = stream.next(std::chrono::seconds(5));
  REQUIRE(second);
  CHECK(json::parse(*second)["type"] == "incident");
  // 3. An operator action shows up too.
  const std::string id = json::parse(*second)["data"]["id"];
  REQUIRE(node.as("operator")
              .post("/api/v1/incidents/" + id + "/actions", {{"action", "acknowledge"}})
              .status == 200);
  const auto third = stream.next(std::chrono::seconds(5));
  REQUIRE(third);
  CHECK(json::parse(*third)["data"]["status"] == "acknowledged");
  CHECK(json::parse(*third)["data"]["change"]["action"] == "acknowledge");
}

TEST_CASE("the stream refuses a missing or wrong token", "[integration][stream]") {
  RunningNode node;
  StreamClient stream(node.process.port(), "ioc_nope");
  CHECK(stream.refused_status == 401);
  CHECK(node.anonymous().get("/healthz").status == 200);
}

TEST_CASE("stream clients receive the node's summary at the configured interval",
          "[integration][stream]") {
  RunningNode node({"--summary-interval", "200ms"});
  StreamClient stream(node.process.port(), node.tokens.at("viewer"));
  REQUIRE(stream.connected());
  const auto message = stream.next(std::chrono::seconds(5));
  REQUIRE(message);
  const auto summary = json::parse(*message);
  CHECK(summary["type"] == "summary");
  CHECK(summary["data"]["node"] == "city");
  CHECK(summary["data"]["children"].size() == 3);
}
