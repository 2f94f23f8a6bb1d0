#include "observation_ingest.hpp"

#include <catch2/catch.hpp>

#include <future>

#include "incident_service.hpp"
#include "ioc/error.hpp"
#include "test_context.hpp"

using namespace ioc;

TEST_CASE("a job that fails after ingesting leaves no rule or bucket state behind, in its batch",
          "[ingest]") {
  test::TestContext t;
  IncidentService incidents{t.ctx};
  ObservationIngest ingest{t.ctx, incidents};
  const TimeMs minute = 1761552000000;
  const auto high = [&](TimeMs ts) {
    return std::vector<Observation>{{"gauge", "river_level", ts, 2.6, "m", "city/north", {}}};
  };
  // 1. Hold the writer so that the next two jobs share one commit.
  std::promise<void> release;
  auto gate = release.get_future().share();
  REQUIRE(t.writes.submit([gate](WriteContext&) { gate.wait(); }, {}));
  // 2. A job ingests a crossing (raising an alert and filling a bucket), then fails later on;
  //    the next job ingests a crossing in the same minute.
  std::promise<bool> failed, stored;
  REQUIRE(t.writes.submit(
      [&](WriteContext& w) {
        ingest.ingest_in(w, high(minute));
        throw Error(ErrorCode::kInternal, "a later step of the job failed");
      },
      [&](std::exception_ptr e) { failed.set_value(e != nullptr); }));
  REQUIRE(t.writes.submit([&](WriteContext& w) { ingest.ingest_in(w, high(minute + 1000)); },
                          [&](std::exception_ptr e) { stored.set_value(e == nullptr); }));
  release.set_value();
  REQUIRE(failed.get_future().get());
  REQUIRE(stored.get_future().get());
  // 3. The store holds the second job only: one reading in the bucket, one alert raised by it.
  CHECK(t.store.aggregate("river_level", "city/north", minute)->count() == 1);
  const auto active = t.store.active_alerts();
  REQUIRE(active.size() == 1);
  // 4. Memory agrees: the river falling cancels that alert, and a later batch in the minute
  //    counts on from the stored bucket.
  ingest.ingest({{"gauge", "river_level", minute + 2000, 1.0, "m", "city/north", {}}});
  CHECK(t.store.active_alerts().empty());
  CHECK(t.store.aggregate("river_level", "city/north", minute)->count() == 2);
  const auto alerts = t.store.alerts(AlertQuery{}).items;
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[1].second.msg_type == CapMsgType::kCancel);
  CHECK(alerts[1].second.references.at(0).find(active[0].identifier) != std::string::npos);
}
