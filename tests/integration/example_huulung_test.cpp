// examples/huulung end to end: the cameras' AI flags traffic violations at the Huu Lung district
// IOC; each waits for an operator's confirmation before it reaches the Lang Son provincial IOC,
// false positives are counted at both, and hotline and app requests arrive as Open311.
#include <catch2/catch.hpp>

#include <thread>

#include "example_federation.hpp"
#include "ioc/time.hpp"
#include "poll.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

struct HuuLung : ExampleFederation {
  HuuLung() : ExampleFederation("huulung") {
    // The district's tokens: the cameras' AI, the duty officer, the hotline desk, the app.
    for (const char* name : {"camera-ai", "officer", "hotline", "app"})
      tokens[name] = issue(data("huu-lung"), "operator");
    start("langson");
    start("huu-lung");
  }

  HttpClient district(const std::string& who) const { return at("huu-lung", tokens.at(who)); }
  HttpClient province() const { return at("langson"); }

  std::string violation(const std::string& plate, const std::string& camera) {
    const auto res =
        district("camera-ai")
            .post("/api/v1/incidents",
                  {{"domain", "traffic"},
                   {"severity", "minor"},
                   {"area", "huu-lung"},
                   {"title", "Red light violation " + plate},
                   {"location", {{"lat", 21.53}, {"lon", 106.34}, {"address", camera}}},
                   {"note", "AI detection, " + camera}});
    REQUIRE(res.status == 201);
    return res.json()["id"];
  }

  int act(const std::string& id, const std::string& action, const std::string& note) {
    return district("officer")
        .post("/api/v1/incidents/" + id + "/actions", {{"action", action}, {"note", note}})
        .status;
  }

  // The province's incidents once it holds `n` of them (bounded wait).
  json province_incidents(std::size_t n) const {
    json items;
    ioc::test::poll_until([&] {
      items = province().get("/api/v1/incidents").json()["items"];
      return items.size() >= n;
    });
    return items;
  }

  std::map<std::string, std::string> tokens;
};

}  // namespace

TEST_CASE("Huu Lung: camera violations wait for an operator, false positives are counted",
          "[integration][example]") {
  HuuLung h;
  const std::string red_light = h.violation("12A-345.67", "camera QL1-Km98");
  const std::string wrong_way = h.violation("12B-111.02", "camera QL1-Km101");
  const std::string shadow = h.violation("unreadable", "camera DT242-Km3");
  // Camera counts sent after them: once the province has those, the link has carried everything
  // logged before them.
  REQUIRE(h.district("camera-ai")
              .request("POST", "/api/v1/observations",
                       observations("vehicles_per_minute", "huu-lung", {42, 47},
                                    ioc::SystemClock().now() - 60'000, 1, "camera QL1-Km98")
                           .dump(),
                       "application/json")
              .status == 403);  // the AI's operator token may not ingest: ingest has its own
  const std::string counter = issue(h.data("huu-lung"), "ingest");
  REQUIRE(h.at("huu-lung", counter)
              .post("/api/v1/observations",
                    observations("vehicles_per_minute", "huu-lung", {42, 47},
                                 ioc::SystemClock().now() - 60'000, 1, "camera QL1-Km98"))
              .status == 202);
  json counts;
  ioc::test::poll_until([&] {
    counts = h.province().get("/api/v1/summary?window=1h&metrics=vehicles_per_minute").json();
    return counts["metrics"].contains("vehicles_per_minute");
  });
  REQUIRE(counts["metrics"]["vehicles_per_minute"]["count"] == 2);
  CHECK(h.province().get("/api/v1/incidents").json()["items"].empty());  // all held

  // The duty officer confirms two and rejects the third.
  CHECK(h.act(red_light, "acknowledge", "plate and light phase checked") == 200);
  CHECK(h.act(wrong_way, "acknowledge", "checked") == 200);
  CHECK(h.act(wrong_way, "dispatch", "fine notice issued") == 200);
  CHECK(h.act(shadow, "cancel", "false positive: tree shadow on the stop line") == 200);

  const json all = h.province_incidents(3);
  REQUIRE(all.size() == 3);
  std::map<std::string, json> by_id;
  for (const auto& i : all) by_id[i["id"]] = i;
  CHECK(by_id[red_light]["title"] == "Red light violation 12A-345.67");
  CHECK(by_id[red_light]["status"] == "acknowledged");
  const json dispatched =
      h.wait_for("langson", "/api/v1/incidents/" + wrong_way, "status", "dispatched");
  CHECK(dispatched["status"] == "dispatched");
  CHECK(dispatched["owner"] == "huu-lung");
  // The false positive reached the province as a count only: no plate, no place, no note.
  const json bare = h.province().get("/api/v1/incidents/" + shadow).json();
  CHECK(bare["status"] == "cancelled");
  CHECK(bare["title"] == "");
  CHECK(bare["location"]["address"] == "");
  // Counted at both: the district's summary and the province's.
  CHECK(h.district("officer")
            .get("/api/v1/summary?window=1h")
            .json()["incidents"]["byStatus"]["cancelled"] == 1);
  CHECK(
      h.province().get("/api/v1/summary?window=1h").json()["incidents"]["byStatus"]["cancelled"] ==
      1);
  // The district's own copy keeps every detail and the audit history.
  const json kept = h.district("officer").get("/api/v1/incidents/" + shadow).json();
  CHECK(kept["title"] == "Red light violation unreadable");
  CHECK(kept["history"].back()["note"] == "false positive: tree shadow on the stop line");

  // Citizens: the hotline desk files a form, the app posts JSON; both reach the province without
  // the caller's address.
  const auto by_phone = h.district("hotline").request(
      "POST", "/open311/v2/requests.json",
      "service_code=road-damage&description=Pothole+on+QL1+near+Km97&address_string=Km97+QL1",
      "application/x-www-form-urlencoded");
  CHECK(by_phone.status == 201);
  const auto by_app =
      h.district("app").post("/open311/v2/requests.json", {{"service_code", "pollution"},
                                                           {"description", "Burning waste"},
                                                           {"lat", "21.52"},
                                                           {"long", "106.33"}});
  CHECK(by_app.status == 201);
  json requests;
  ioc::test::poll_until([&] {
    requests = h.province().get("/open311/v2/requests.json").json();
    return requests.size() >= 2;
  });
  REQUIRE(requests.size() == 2);
  for (const auto& r : requests) CHECK(r.value("address", "") == "");
}
