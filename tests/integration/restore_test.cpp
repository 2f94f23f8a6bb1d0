// A district's store restored under a running federation: from a backup (a new epoch at once), or
// from an old copy of its files (the district learns from the city what it lost, and starts a new
// epoch). Either way everything acknowledged before reaches the city once, and everything after.
#include <catch2/catch.hpp>

#include <filesystem>

#include "city_and_district.hpp"
#include "ioc/node.hpp"
#include "poll.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

constexpr ioc::TimeMs kMinute = 60'000;

// `rows` readings of "level" at the north district in the minute `minutes_ago` before now, so
// that each batch fills its own minute bucket.
int ingest_at(const CityAndDistrict& f, int rows, int minutes_ago) {
  const ioc::TimeMs start = (ioc::SystemClock().now() / kMinute - minutes_ago) * kMinute;
  return f.at_north()
      .post("/api/v1/observations",
            observations("level", "city/north", std::vector<double>(rows, 1.0), start, 10))
      .status;
}

// Replaces the north district's store with the file at `copy` (as an operator restores one).
void restore_north(CityAndDistrict& f, const std::string& copy) {
  f.north->kill_hard();
  const std::string db = ioc::store_path(f.dir / "north");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  std::filesystem::copy_file(copy, db);
}

}  // namespace

TEST_CASE("a district restored from a backup drains its old epoch beside its new one",
          "[integration][fault][restore]") {
  CityAndDistrict f;
  // 1. Rows the city takes, then a backup while both run.
  REQUIRE(ingest_at(f, 40, 5) == 202);
  REQUIRE(f.wait_for_city_count("level", 40) == 40);
  REQUIRE(run_command({IOCCTL_PATH, "backup", "--data", f.dir / "north", "--out",
                       f.dir / "north-backup.db"})
              .exit_code == 0);
  // 2. More rows, taken by the city, then the district's disk is lost: the backup comes back.
  REQUIRE(ingest_at(f, 30, 4) == 202);
  REQUIRE(f.wait_for_city_count("level", 70) == 70);
  const std::string before = f.at_north().get("/readyz").json()["epoch"];
  restore_north(f, f.dir / "north-backup.db");
  f.north->start();
  CHECK(f.at_north().get("/readyz").json()["epoch"] != before);  // a restore is a new epoch
  // 3. New rows after the restore reach the city; nothing it held is lost or counted twice.
  REQUIRE(ingest_at(f, 20, 3) == 202);
  CHECK(f.wait_for_city_count("level", 90) == 90);
  CHECK(f.at_city().get("/healthz").status == 200);
}

TEST_CASE("a district whose store lost its end learns it from the city and starts a new epoch",
          "[integration][fault][restore]") {
  CityAndDistrict f;
  // 1. Rows the city takes; then a copy of the district's files while it is stopped.
  REQUIRE(ingest_at(f, 40, 5) == 202);
  REQUIRE(f.wait_for_city_count("level", 40) == 40);
  REQUIRE(f.north->stop() == 0);
  std::filesystem::copy_file(ioc::store_path(f.dir / "north"), f.dir / "north-copy.db");
  f.north->start();
  const std::string epoch = f.at_north().get("/readyz").json()["epoch"];
  // 2. More rows, taken by the city; then the old copy comes back, same epoch, shorter log.
  REQUIRE(ingest_at(f, 30, 4) == 202);
  REQUIRE(f.wait_for_city_count("level", 70) == 70);
  restore_north(f, f.dir / "north-copy.db");
  f.north->start();
  // 3. At its first hello the district sees the city holds more of its log than it has: it
  //    says so and numbers what it makes from now on in a new epoch.
  json ready;
  REQUIRE(poll_until(
      [&] { return (ready = f.at_north().get("/readyz").json())["lostEnd"].is_object(); }));
  CHECK(ready["lostEnd"]["epoch"] == epoch);
  CHECK(ready["lostEnd"]["parentHeld"].get<std::int64_t>() >
        ready["lostEnd"]["storeEndedAt"].get<std::int64_t>());
  CHECK(ready["epoch"] != epoch);
  CHECK(ready["lostEnd"]["newEpoch"] == ready["epoch"]);
  CHECK(f.at_north()
            .get("/metrics")
            .body.find("ioc_log_epoch_restarts_total{node=\"city/north\"} 1") != std::string::npos);
  CHECK(f.north->log().find("entries were lost here; starting epoch") != std::string::npos);
  // 4. Rows made now reach the city (under the old numbers they would have been taken for rows
  //    it holds, and dropped).
  REQUIRE(ingest_at(f, 20, 3) == 202);
  CHECK(f.wait_for_city_count("level", 90) == 90);
}
