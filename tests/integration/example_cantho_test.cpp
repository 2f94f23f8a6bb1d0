// examples/cantho end to end: six department centres report their daily indicators to the Can Tho
// city IOC; the city reads them as KPI summaries, sees a late-submission alert for a department
// that has not reported (cancelled when its report arrives), holds the incidents the departments
// own, and takes citizen feedback through Open311. The 26-hour deadline is shortened to seconds.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <regex>
#include <thread>

#include "example_federation.hpp"
#include "ioc/time.hpp"
#include "poll.hpp"

using namespace ioc::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kDepartments = {"cantho/finance",      "cantho/home-affairs",
                                               "cantho/police",       "cantho/tourism",
                                               "cantho/science-tech", "cantho/environment"};

// The city and every department running, the 26-hour deadline shortened to 3 s.
struct CanTho : ExampleFederation {
  CanTho() : ExampleFederation("cantho") {
    for (const auto& entry : fs::directory_iterator(dir / "config"))
      write_file(entry.path(), std::regex_replace(read_file(entry.path()),
                                                  std::regex("missingFor: 26h"), "missingFor: 3s"));
    start("cantho", "federation.yaml", {"--escalation-interval", "200ms"});
    for (const auto& node : kDepartments)
      start(node, "federation.yaml", {"--escalation-interval", "200ms"});
  }

  void report(const std::string& node, const std::vector<std::pair<std::string, double>>& kpis) {
    json rows = json::array();
    for (const auto& [metric, value] : kpis)
      rows.push_back({{"source", "daily-report"},
                      {"metric", metric},
                      {"ts", ioc::SystemClock().now()},
                      {"value", value},
                      {"area", node}});
    REQUIRE(at(node).post("/api/v1/observations", rows).status == 202);
  }

  // The city's active alerts' headlines, once `pred` holds (bounded wait).
  template <typename Pred>
  std::vector<std::string> city_active(Pred pred) const {
    std::vector<std::string> headlines;
    ioc::test::poll_until([&] {
      headlines.clear();
      const json page = at("cantho").get("/api/v1/alerts?active=true").json();
      for (const auto& a : page["items"]) headlines.push_back(a["headline"]);
      return pred(headlines);
    });
    return headlines;
  }
};

bool has(const std::vector<std::string>& list, const std::string& text) {
  return std::find(list.begin(), list.end(), text) != list.end();
}

}  // namespace

TEST_CASE("Can Tho: departments report KPIs, a late one is flagged, the city sees it all",
          "[integration][example]") {
  CanTho c;
  const std::string late_tourism =
      "Late daily indicator report: Department of Culture, Sports and Tourism";
  const std::string late_home_affairs = "Late daily indicator report: Department of Home Affairs";
  // Four departments report on time, again and again (a day is a second here); tourism and home
  // affairs stay silent.
  std::atomic<bool> stop{false};
  std::thread daily([&] {
    while (!stop) {
      c.report("cantho/finance", {{"budget_disbursement_pct", 72.5}, {"grdp_growth_pct", 7.1}});
      c.report("cantho/police", {{"traffic_accidents", 6}, {"traffic_deaths", 4}});
      c.report("cantho/science-tech", {{"cyber_attacks_blocked", 420}});
      c.report("cantho/environment", {{"aqi", 88}, {"river_salinity_gpl", 4.6}});
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // half a day
    }
  });
  // Past the deadline the silent departments are flagged, and the city sees both flags.
  auto active = c.city_active(
      [&](const auto& h) { return has(h, late_tourism) && has(h, late_home_affairs); });
  CHECK(has(active, late_tourism));
  CHECK(has(active, late_home_affairs));
  // Home affairs submits: its flag is cancelled at the city; tourism's stays.
  c.report("cantho/home-affairs", {{"procedures_on_time_pct", 97.8}});
  active = c.city_active([&](const auto& h) { return !has(h, late_home_affairs); });
  CHECK_FALSE(has(active, late_home_affairs));
  CHECK(has(active, late_tourism));
  for (const auto& h : active)
    CHECK(h.find("Late daily indicator report: Department of Fin") == std::string::npos);
  stop = true;
  daily.join();

  // KPI summaries at the city, from the departments' raw indicators.
  const json summary = c.at("cantho")
                           .get(
                               "/api/v1/summary?window=1h&metrics=budget_disbursement_pct,aqi,"
                               "procedures_on_time_pct,cyber_attacks_blocked")
                           .json();
  CHECK(summary["metrics"]["budget_disbursement_pct"]["mean"] == Approx(72.5).epsilon(0.02));
  CHECK(summary["metrics"]["aqi"]["max"] == Approx(88).epsilon(0.02));
  CHECK(summary["metrics"]["procedures_on_time_pct"]["count"] == 1);
  CHECK(summary["metrics"]["cyber_attacks_blocked"]["count"].get<int>() >= 1);
  // Incidents the departments' rules opened are theirs to run, and the city holds each.
  json incidents;
  ioc::test::poll_until([&] {
    incidents = c.at("cantho").get("/api/v1/incidents").json()["items"];
    return incidents.size() >= 2;
  });
  REQUIRE(incidents.size() == 2);
  std::map<std::string, std::string> owner_by_domain;
  for (const auto& i : incidents) owner_by_domain[i["domain"]] = i["owner"];
  CHECK(owner_by_domain["public-order"] == "cantho/police");
  CHECK(owner_by_domain["environment"] == "cantho/environment");
  // Citizen feedback goes straight to the city.
  const auto filed = c.at("cantho").request(
      "POST", "/open311/v2/requests.json",
      "service_code=admin-complaint&description=Land+certificate+delayed+three+weeks"
      "&address_string=2+Hoa+Binh+Ninh+Kieu"
      "&area=cantho",
      "application/x-www-form-urlencoded");
  CHECK(filed.status == 201);
  CHECK(c.at("cantho").get("/api/v1/summary?window=1h").json()["serviceRequests"]["open"] == 1);
  // Every department's link is in the city's summary: none silently left out.
  CHECK(summary["children"].size() == kDepartments.size());
}
