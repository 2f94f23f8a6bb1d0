#include "aggregator.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

using namespace ioc;

TEST_CASE("bucket_of floors to the minute, also before 1970", "[aggregator]") {
  CHECK(Aggregator::bucket_of(0) == 0);
  CHECK(Aggregator::bucket_of(59'999) == 0);
  CHECK(Aggregator::bucket_of(60'000) == 60'000);
  CHECK(Aggregator::bucket_of(-1) == -60'000);
  CHECK(Aggregator::bucket_of(-60'000) == -60'000);
}

TEST_CASE("batches fold into per-metric, per-area minute buckets", "[aggregator]") {
  ioc::test::TempDir dir;
  Store store({dir / "ioc.db"});
  Aggregator agg;
  const auto o = [](const char* m, const char* area, TimeMs ts, double v) {
    return Observation{"s", m, ts, v, "", area, {}};
  };
  store.write([&](Store::Writer& w) {
    agg.add(w, {o("rain", "a", 1000, 1), o("rain", "a", 2000, 3), o("rain", "b", 1000, 10),
                o("rain", "a", 61'000, 5)});
  });
  store.write([&](Store::Writer& w) { agg.add(w, {o("rain", "a", 3000, 2)}); });
  agg.reset();  // the next batch must read the bucket back from the store
  store.write([&](Store::Writer& w) { agg.add(w, {o("rain", "a", 4000, 4)}); });
  const auto buckets = store.aggregates(0, 120'000, {});
  REQUIRE(buckets.size() == 3);
  for (const auto& b : buckets) {
    if (b.area == "a" && b.start == 0) {
      CHECK(b.sketch.count() == 4);
      CHECK(b.sketch.sum() == 10);
      CHECK(b.sketch.max() == 4);
    } else if (b.area == "a") {
      CHECK(b.start == 60'000);
      CHECK(b.sketch.count() == 1);
    } else {
      CHECK(b.sketch.sum() == 10);
    }
  }
  CHECK(store.aggregates(0, 120'000, {"other"}).empty());
  CHECK(store.aggregates(60'000, 120'000, {}).size() == 1);
}
