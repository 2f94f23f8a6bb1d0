// The federation watching itself: a parent raises an Infra alert, a stream notice, a log line and
// per-child metrics when a child goes quiet, and cancels it when the child returns; nodes below
// the children are shown at the top as last relayed, not as down.
#include <catch2/catch.hpp>

#include <csignal>

#include "poll.hpp"
#include "three_tiers.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

// How the city shows node `id` in its federation view.
json node_at_city(const ThreeTiers& t, const std::string& id) {
  const json view = t.at_city().get("/api/v1/federation").json();
  for (const auto& n : view["nodes"])
    if (n["id"] == id) return n;
  return json::object();
}

// The Infra alerts the city holds about `child`, newest last.
std::vector<json> infra_alerts(const ThreeTiers& t, const std::string& child) {
  std::vector<json> out;
  const json alerts = t.at_city().get("/api/v1/alerts?area=" + child).json();
  for (const auto& a : alerts["items"])
    if (a["category"] == "Infra") out.push_back(a);
  return out;
}

}  // namespace

TEST_CASE("a district gone quiet raises an Infra alert at the city, cancelled when it returns",
          "[integration][federation]") {
  ThreeTiers t;
  // 1. Everything fresh: the ward is shown at the city as the district last relayed it.
  REQUIRE(poll_until([&] {
    const json ward = node_at_city(t, "city/north/ward-1");
    return ward.contains("link") && ward["link"].is_object() &&
           ward["link"].value("state", "") == "fresh";
  }));
  const json ward = node_at_city(t, "city/north/ward-1")["link"];
  CHECK(ward["relayed"] == true);
  CHECK(ward["via"] == "city/north");
  const std::string metrics = HttpClient(t.city->port()).get("/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("ioc_child_state{node=\"city\",child=\"city/north\"} 0"));
  CHECK_THAT(metrics, Catch::Contains("ioc_child_last_sync_timestamp_seconds{node=\"city\","
                                      "child=\"city/north\"}"));
  CHECK(infra_alerts(t, "city%2Fnorth").empty());

  // 2. The district dies: once it is stale (15 s without a call) the city says so four ways.
  StreamClient stream(t.city->port(), t.city_token);
  REQUIRE(stream.connected());
  t.north->kill_hard();
  // Messages come at least every summary interval (10 s), so a read waits for one, however long.
  std::optional<json> notice;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!notice && std::chrono::steady_clock::now() < deadline) {
    const auto m = stream.next(std::chrono::seconds(60));
    REQUIRE(m);
    const json j = json::parse(*m);
    if (j["type"] == "notice" && j["data"].value("node", "") == "city/north") notice = j["data"];
  }
  INFO(t.city->log());
  REQUIRE(notice);
  CHECK(notice->value("state", "") == "stale");
  const auto raised = infra_alerts(t, "city%2Fnorth");
  REQUIRE(raised.size() == 1);
  CHECK(raised[0]["active"] == true);
  CHECK(raised[0]["scope"] == "Restricted");
  CHECK(raised[0]["severity"] == "Moderate");
  // The log line is written once the alert is committed, just after the notice went out.
  CHECK(poll_until([&] {
    return t.city->log().find("iocd: federation: city/north is stale") != std::string::npos;
  }));
  CHECK_THAT(HttpClient(t.city->port()).get("/metrics").body,
             Catch::Contains("ioc_child_state{node=\"city\",child=\"city/north\"} 1"));
  // The ward, which the city has no link to, is still shown as last relayed, not as down.
  CHECK(node_at_city(t, "city/north/ward-1")["link"]["relayed"] == true);

  // 3. The district returns: the alert is cancelled.
  t.north->start();
  INFO(t.city->log() << t.north->log());
  REQUIRE(poll_until(
      [&] {
        const auto all = infra_alerts(t, "city%2Fnorth");
        return all.size() == 2 && all[0]["active"] == false;
      },
      std::chrono::seconds(60)));
  CHECK(infra_alerts(t, "city%2Fnorth")[1]["msgType"] == "Cancel");
}
