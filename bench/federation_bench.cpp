// Federation benchmarks with two real iocd processes on loopback, the city and
// its north district:
//   1. a district event visible at the city: an incident reported at the district until the
//      city's WebSocket stream shows it (p50, p99; bar p99 < 100 ms);
//   2. catch-up after an outage: the city is down while the district logs N entries; then the
//      time until the district's backlog is acknowledged (bar 50,000 entries/s).
// Each prints its figure against its limit; the last line is the catch-up ratio.
//
//   federation_bench [--events N] [--backlog N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <regex>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "ioc/time.hpp"
#include "node_process.hpp"
#include "temp_dir.hpp"

using namespace ioc::test;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  int events = 300, backlog = 20'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--events")
      events = std::stoi(argv[i + 1]);
    else if (a == "--backlog")
      backlog = std::stoi(argv[i + 1]);
  }
  TempDir dir;
  const int city_port = free_port();
  const std::string fed = write_test_federation(dir.path());
  write_file(fed, std::regex_replace(read_file(fed), std::regex("http://127.0.0.1:1\""),
                                     "http://127.0.0.1:" + std::to_string(city_port) + "\""));
  NodeProcess city(
      fed, "city", dir / "city",
      {"--listen", "127.0.0.1:" + std::to_string(city_port), "--key", dir / "keys/city.key"});
  NodeProcess north(fed, "city/north", dir / "north", {"--key", dir / "keys/city_north.key"});
  const std::string city_token = issue(dir / "city", "viewer"),
                    north_token = issue(dir / "north", "admin");
  city.start();
  north.start();

  // 1. Latency: report at the district, see it on the city's stream.
  StreamClient stream(city.port(), city_token);
  HttpClient district(north.port(), north_token, true);
  std::vector<double> ms;
  for (int i = 0; i < events; ++i) {
    const auto start = Clock::now();
    const auto res = district.post("/api/v1/incidents", {{"domain", "flood"},
                                                         {"severity", "minor"},
                                                         {"area", "city/north"},
                                                         {"title", "probe " + std::to_string(i)}});
    if (res.status != 201) {
      std::fprintf(stderr, "report failed: %d %s\n", res.status, res.body.c_str());
      return 2;
    }
    const std::string id = res.json()["id"];
    for (;;) {
      const auto msg = stream.next(std::chrono::seconds(5));
      if (!msg) {
        std::fprintf(stderr, "incident %s never reached the city\n", id.c_str());
        return 2;
      }
      const auto j = json::parse(*msg);
      if (j["type"] == "incident" && j["data"]["id"] == id) break;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double p50 = percentile(ms, 0.5), p99 = percentile(ms, 0.99);
  std::printf(
      "district event visible at the city over %d incidents: p50 %.1f ms, p99 %.1f ms "
      "(limit 100 ms): ratio %.2f %s\n",
      events, p50, p99, p99 / 100.0, p99 < 100 ? "pass" : "FAIL");
  std::fflush(stdout);

  // 2. Catch-up: the city is away while the district logs `backlog` entries.
  city.stop();
  std::atomic<int> next{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c)
    clients.emplace_back([&] {
      HttpClient client(north.port(), north_token, true);
      const auto now = ioc::SystemClock().now();
      for (int i = next++; i < backlog; i = next++)
        client.post("/api/v1/observations",
                    observations("load", "city/north", {static_cast<double>(i % 100)}, now + i, 1));
    });
  for (auto& t : clients) t.join();
  const auto link = [&] { return district.get("/api/v1/federation").json()["nodes"][0]["link"]; };
  const std::int64_t logged = link()["backlog"];
  const auto down_at = Clock::now();
  city.start();
  // The link retries with backoff (up to 10 s); the rate counts from its first acknowledged batch.
  json state = link();
  while (state["backlog"].get<std::int64_t>() == logged) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    state = link();
  }
  const auto up_at = Clock::now();
  const std::int64_t remaining = state["backlog"];
  while (link()["backlog"].get<std::int64_t>() > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double seconds = std::chrono::duration<double>(Clock::now() - up_at).count();
  const double reconnect = std::chrono::duration<double>(up_at - down_at).count();
  const double rate = static_cast<double>(remaining) / seconds;
  std::printf(
      "catch-up after an outage: %lld entries logged; link back %.2f s after the city restarted; "
      "then %lld "
      "entries in %.2f s: %.0f entries/s (limit 50000/s): ratio %.2f %s\n",
      static_cast<long long>(logged), reconnect, static_cast<long long>(remaining), seconds, rate,
      rate / 50'000.0, rate >= 50'000 ? "pass" : "FAIL");
  return p99 < 100 && rate >= 50'000 ? 0 : 1;
}
