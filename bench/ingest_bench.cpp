// Ingest benchmark: HTTP batch ingest into a running iocd against raw SQLite
// inserting the same rows, batched the same way, into the same table shape, on this machine in
// this run. Prints the ratio last; the bar is 0.5.
//
//   ingest_bench [--rows N] [--batch N] [--clients N] [--power-safe]
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "node_process.hpp"
#include "temp_dir.hpp"

using namespace ioc::test;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int rows = 400'000;
  int batch = 1000;
  int clients = 4;
  bool power_safe = false;
};

std::vector<std::string> make_batches(const Options& o) {
  std::vector<std::string> batches;
  const char* areas[] = {"city", "city/north", "city/south", "city/health"};
  const char* metrics[] = {"river_level", "rainfall", "pm25", "traffic_flow"};
  for (int b = 0; b < o.rows / o.batch; ++b) {
    nlohmann::json rows = nlohmann::json::array();
    for (int i = 0; i < o.batch; ++i) {
      const int n = b * o.batch + i;
      rows.push_back({{"source", "sensor-" + std::to_string(n % 500)},
                      {"metric", metrics[n % 4]},
                      {"ts", 1761552000000LL + n * 10LL},
                      {"value", (n % 1000) * 0.37},
                      {"unit", "u"},
                      {"area", areas[(n / 4) % 4]}});
    }
    batches.push_back(rows.dump());
  }
  return batches;
}

// The same table and index as the node's schema (libioc/src/store.cpp, migration 1).
double raw_sqlite_rate(const std::string& path, const std::vector<std::string>& batches,
                       bool power_safe) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  sqlite3_exec(db, power_safe ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", nullptr,
               nullptr, nullptr);
  sqlite3_exec(
      db,
      "CREATE TABLE observations(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, metric TEXT NOT NULL,"
      " area TEXT NOT NULL, source TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, tags "
      "TEXT);"
      "CREATE INDEX observations_metric_ts ON observations(metric, ts);",
      nullptr, nullptr, nullptr);
  // Rows are decoded up front: the baseline is SQLite's own insert rate, not JSON parsing.
  struct Row {
    std::string source, metric, area, unit;
    long long ts;
    double value;
  };
  std::vector<std::vector<Row>> decoded;
  for (const auto& b : batches) {
    std::vector<Row> rows;
    for (const auto& r : nlohmann::json::parse(b))
      rows.push_back({r["source"], r["metric"], r["area"], r["unit"], r["ts"], r["value"]});
    decoded.push_back(std::move(rows));
  }
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO observations(ts, metric, area, source, value, unit, tags) "
                     "VALUES(?,?,?,?,?,?,NULL)",
                     -1, &st, nullptr);
  std::size_t total = 0;
  const auto start = Clock::now();
  for (const auto& rows : decoded) {
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (const auto& r : rows) {
      sqlite3_reset(st);
      sqlite3_bind_int64(st, 1, r.ts);
      sqlite3_bind_text(st, 2, r.metric.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, r.area.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 4, r.source.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_double(st, 5, r.value);
      sqlite3_bind_text(st, 6, r.unit.c_str(), -1, SQLITE_STATIC);
      sqlite3_step(st);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    total += rows.size();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  sqlite3_finalize(st);
  sqlite3_close(db);
  return static_cast<double>(total) / seconds;
}

double http_rate(const TempDir& dir, const std::vector<std::string>& batches, const Options& o) {
  const std::string federation = write_test_federation(dir.path());
  std::vector<std::string> extra;
  if (o.power_safe) extra.push_back("--power-safe");
  NodeProcess node(federation, "city", dir / "node", extra);
  const std::string token = issue(dir / "node", "ingest");
  node.start();
  std::atomic<std::size_t> next{0}, rows{0}, failures{0};
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < o.clients; ++c)
    clients.emplace_back([&] {
      HttpClient client(node.port(), token, true);
      for (std::size_t i = next++; i < batches.size(); i = next++) {
        const auto res =
            client.request("POST", "/api/v1/observations", batches[i], "application/json");
        if (res.status == 202)
          rows += static_cast<std::size_t>(o.batch);
        else
          failures++;
      }
    });
  for (auto& t : clients) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (failures) std::fprintf(stderr, "warning: %zu batches were not accepted\n", failures.load());
  return static_cast<double>(rows) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc)
      o.rows = std::stoi(argv[++i]);
    else if (a == "--batch" && i + 1 < argc)
      o.batch = std::stoi(argv[++i]);
    else if (a == "--clients" && i + 1 < argc)
      o.clients = std::stoi(argv[++i]);
    else if (a == "--power-safe")
      o.power_safe = true;
    else {
      std::fprintf(stderr,
                   "usage: ingest_bench [--rows N] [--batch N] [--clients N] [--power-safe]\n");
      return 2;
    }
  }
  const auto batches = make_batches(o);
  TempDir dir;
  std::printf("ingest: %d rows in batches of %d, %d HTTP clients, %s\n", o.rows, o.batch, o.clients,
              o.power_safe ? "power-safe commits (synchronous=FULL)"
                           : "crash-safe commits (synchronous=NORMAL)");
  std::fflush(stdout);
  const double raw = raw_sqlite_rate(dir / "raw.db", batches, o.power_safe);
  std::printf("raw SQLite (prepared inserts, one transaction per batch): %.0f rows/s\n", raw);
  std::fflush(stdout);
  const double http = http_rate(dir, batches, o);
  std::printf("HTTP into iocd (JSON, auth, rules, aggregates, event log): %.0f rows/s\n", http);
  const double ratio = http / raw;
  std::printf("ratio %.2f (limit 0.50): %s\n", ratio, ratio >= 0.5 ? "pass" : "FAIL");
  return ratio >= 0.5 ? 0 : 1;
}
