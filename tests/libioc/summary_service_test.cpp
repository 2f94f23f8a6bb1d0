#include "summary_service.hpp"

#include <catch2/catch.hpp>

#include "aggregator.hpp"
#include "json_codec.hpp"
#include "test_context.hpp"

using namespace ioc;

namespace {
void store_rows(test::TestContext& t, const std::vector<Observation>& rows) {
  Aggregator agg;
  t.store.write([&](Store::Writer& w) {
    w.insert_observations(rows);
    agg.add(w, rows);
  });
}
Observation obs(const char* metric, const char* area, TimeMs ts, double v) {
  return Observation{"s", metric, ts, v, "", area, {}};
}
}  // namespace

TEST_CASE("summary windows align outward to whole buckets", "[summary]") {
  CHECK(SummaryService::align(90'000, 150'000).from == 60'000);
  CHECK(SummaryService::align(90'000, 150'000).to == 180'000);
  CHECK(SummaryService::align(60'000, 120'000).to == 120'000);
}

TEST_CASE("a node's summary covers its own subtree only", "[summary]") {
  test::TestContext city("city");
  const TimeMs t0 = 1761552000000;
  store_rows(city, {obs("rain", "city/north", t0, 10), obs("rain", "city/north", t0 + 1000, 20),
                    obs("rain", "city/south", t0, 100)});
  const auto whole = SummaryService(city.ctx).summary({t0, t0 + 60'000}, {});
  CHECK(whole.metrics.at("rain").count == 3);
  CHECK(whole.metrics.at("rain").max == 100.0);
  REQUIRE(whole.children.size() == 3);
  CHECK(whole.children[0].state == Freshness::kUnreachable);  // never called

  test::TestContext north("city/north");
  store_rows(north, {obs("rain", "city/north", t0, 10), obs("rain", "city/south", t0, 100)});
  const auto part = SummaryService(north.ctx).summary({t0, t0 + 60'000}, {});
  CHECK(part.node == "city/north");
  CHECK(part.metrics.at("rain").count == 1);
  CHECK(part.children.empty());
}

TEST_CASE("the summary filters metrics and counts incidents and requests", "[summary]") {
  test::TestContext t;
  const TimeMs t0 = 1761552000000;
  store_rows(t, {obs("rain", "city", t0, 1), obs("pm25", "city", t0, 2)});
  const auto s = SummaryService(t.ctx).summary({t0, t0 + 60'000}, {"pm25"});
  CHECK(s.metrics.size() == 1);
  CHECK(s.metrics.count("pm25") == 1);
  CHECK(s.incidents.total == 0);
  CHECK_FALSE(s.service_requests.on_time_ratio);
  CHECK(s.from == t0);
  // The document the API answers.
  const auto j = codec::to_json(s);
  CHECK(j["window"]["from"] == "2025-10-27T08:00:00.000Z");
  CHECK(j["serviceRequests"]["onTimeRatio"].is_null());
  CHECK(j["metrics"]["pm25"]["count"] == 1);
}
