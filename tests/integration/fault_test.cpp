// Fault tests: crash the node (SIGKILL) and check that nothing acknowledged is lost or duplicated.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "ioc/node.hpp"
#include "poll.hpp"
#include "running_node.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

constexpr int kRowsPerBatch = 500;

std::map<std::string, int> rows_per_source(const std::string& data_dir) {
  SQLite::Database db(ioc::store_path(data_dir), SQLite::OPEN_READONLY);
  SQLite::Statement st(db, "SELECT source, count(*) FROM observations GROUP BY source");
  std::map<std::string, int> out;
  while (st.executeStep()) out[st.getColumn(0).getString()] = st.getColumn(1).getInt();
  return out;
}

}  // namespace

TEST_CASE("kill -9 in the middle of ingest loses no acknowledged row and splits no batch",
          "[integration][fault]") {
  RunningNode node;
  const auto port = node.process.port();
  const std::string token = node.tokens.at("ingest");
  std::mutex mutex;
  std::set<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> acked_count{0};
  // 1. Four clients post 500-row batches as fast as they can, each batch with its own source.
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c)
    clients.emplace_back([&, c] {
      HttpClient client(port, token);
      for (int b = 0; !stop; ++b) {
        const std::string source = "client" + std::to_string(c) + "-batch" + std::to_string(b);
        std::vector<double> values(kRowsPerBatch, 1.0);
        const auto res = client.post(
            "/api/v1/observations", observations("load", "city", values, 1761552000000, 1, source));
        if (res.status == 202) {
          std::lock_guard lock(mutex);
          acknowledged.insert(source);
          acked_count++;
        } else if (res.status == -1) {
          return;  // the node is gone
        }
      }
    });
  // 2. Kill the node hard while they are sending.
  REQUIRE(ioc::test::poll_until([&] { return acked_count >= 40; }));
  node.process.kill_hard();
  stop = true;
  for (auto& t : clients) t.join();
  // 3. Restart on the same data and stop it cleanly (recovery must succeed).
  node.process.start();
  CHECK(node.as("viewer").get("/readyz").status == 200);
  node.process.stop();
  // 4. Every acknowledged batch is there exactly once; no batch is there in part.
  const auto stored = rows_per_source(node.data());
  for (const auto& source : acknowledged) {
    INFO(source);
    REQUIRE(stored.count(source));
    CHECK(stored.at(source) == kRowsPerBatch);
  }
  for (const auto& [source, n] : stored) CHECK(n == kRowsPerBatch);
  CHECK(stored.size() >= acknowledged.size());
}

TEST_CASE("after a crash an active alert is still known and is cancelled when the value falls",
          "[integration][fault]") {
  RunningNode node;
  REQUIRE(node.as("ingest")
              .post("/api/v1/observations", observations("river_level", "city/north", {2.6}))
              .status == 202);
  node.process.kill_hard();
  node.process.start();
  auto viewer = node.as("viewer");
  REQUIRE(viewer.get("/api/v1/alerts?active=true").json()["items"].size() == 1);
  // Still above: no second alert.
  REQUIRE(node.as("ingest")
              .post("/api/v1/observations", observations("river_level", "city/north", {2.7}))
              .status == 202);
  CHECK(viewer.get("/api/v1/alerts").json()["items"].size() == 1);
  REQUIRE(node.as("ingest")
              .post("/api/v1/observations", observations("river_level", "city/north", {1.0}))
              .status == 202);
  CHECK(viewer.get("/api/v1/alerts?active=true").json()["items"].empty());
  CHECK(viewer.get("/api/v1/alerts").json()["items"][1]["msgType"] == "Cancel");
}

TEST_CASE("a backup taken while the node runs restores with all its rows and a new epoch",
          "[integration][fault]") {
  RunningNode node;
  REQUIRE(node.as("ingest")
              .post("/api/v1/observations", observations("rainfall", "city", {1, 2, 3}))
              .status == 202);
  const std::string epoch = node.as("viewer").get("/readyz").json()["epoch"];
  // 1. Back up through iocctl while the node keeps serving.
  const auto backup =
      run_command({IOCCTL_PATH, "backup", "--data", node.data(), "--out", node.dir / "backup.db"});
  REQUIRE(backup.exit_code == 0);
  CHECK(node.as("viewer").get("/healthz").status == 200);
  // It was written beside the target and renamed into place: nothing partial is left.
  for (const auto& entry : std::filesystem::directory_iterator(node.dir.path()))
    CHECK(entry.path().filename().string().find(".partial") == std::string::npos);
  // 2. Restore into a fresh data directory and start a node on it.
  std::filesystem::create_directories(node.dir / "restored");
  std::filesystem::copy_file(node.dir / "backup.db", ioc::store_path(node.dir / "restored"));
  NodeProcess restored(node.federation, "city", node.dir / "restored");
  restored.start();
  const auto ready = HttpClient(restored.port()).get("/readyz").json();
  CHECK(ready["epoch"] != epoch);
  // 3. The tokens and rows came along.
  CHECK(HttpClient(restored.port(), node.tokens.at("viewer"))
            .get("/api/v1/observations")
            .json()["items"]
            .size() == 3);
  // 4. Refuses to overwrite an existing file.
  CHECK(run_command({IOCCTL_PATH, "backup", "--data", node.data(), "--out", node.dir / "backup.db"})
            .exit_code == 1);
}

TEST_CASE("power-safe mode serves and survives a crash", "[integration][fault]") {
  RunningNode node({"--power-safe"});
  REQUIRE(node.as("ingest")
              .post("/api/v1/observations", observations("rainfall", "city", {1, 2}))
              .status == 202);
  node.process.kill_hard();
  node.process.start();
  CHECK(node.as("viewer").get("/api/v1/observations").json()["items"].size() == 2);
}

TEST_CASE("SIGTERM drains: a clean stop exits 0 and keeps everything", "[integration][fault]") {
  RunningNode node;
  REQUIRE(node.as("ingest")
              .post("/api/v1/observations", observations("rainfall", "city", {1}))
              .status == 202);
  CHECK(node.process.stop() == 0);
  CHECK(rows_per_source(node.data()).at("sensor-1") == 1);
}

TEST_CASE("a second iocd on the same data directory refuses to start", "[integration][fault]") {
  RunningNode node;
  auto res = run_command({IOCD_PATH, "--federation", node.federation, "--node", "city", "--data",
                          node.data(), "--listen", "127.0.0.1:0"});
  CHECK(res.exit_code == 1);
  CHECK(res.err.find("is in use by another iocd (pid ") != std::string::npos);
  // The first is untouched, and once it stops the directory is free again.
  CHECK(node.as("viewer").get("/healthz").status == 200);
  REQUIRE(node.process.stop() == 0);
  node.process.start();
  CHECK(node.as("viewer").get("/readyz").status == 200);
}
