#pragma once

// The city and its north district of the test federation as two real iocd processes, linked
// over HTTP.
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ioc/federation/node_keys.hpp"
#include "ioc/federation/request_signing.hpp"
#include "ioc/time.hpp"
#include "poll.hpp"
#include "running_node.hpp"
#include "signed_call.hpp"

namespace ioc::test {

/// The city on a fixed port (so the district can find it again after a restart) and its north
/// district, each with its own data directory, tokens and key.
struct CityAndDistrict {
  /// `policies`: (file name, text) pairs written next to the federation file and listed in it.
  /// `edit` changes the federation file's text before either node reads it.
  explicit CityAndDistrict(const std::vector<std::pair<std::string, std::string>>& policies = {},
                           const std::function<std::string(std::string)>& edit = {})
      : city_port(free_port()) {
    federation = write_test_federation(dir.path());
    write_file(federation, read_file(federation) + write_policy_files(dir.path(), policies));
    // Point the federation file at the city's real port before either node reads it.
    const std::string text =
        std::regex_replace(read_file(federation), std::regex("http://127.0.0.1:1\""),
                           "http://127.0.0.1:" + std::to_string(city_port) + "\"");
    write_file(federation, edit ? edit(text) : text);
    city = std::make_unique<NodeProcess>(
        federation, "city", dir / "city",
        std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(city_port), "--key",
                                 dir / "keys/city.key"});
    north = std::make_unique<NodeProcess>(
        federation, "city/north", dir / "north",
        std::vector<std::string>{"--key", dir / "keys/city_north.key"});
    city_token = issue(dir / "city", "admin");
    north_token = issue(dir / "north", "admin");
    city->start();
    north->start();
  }

  HttpClient at_city() const { return HttpClient(city->port(), city_token); }
  HttpClient at_north() const { return HttpClient(north->port(), north_token); }

  /// A call to the north district signed as `caller` with that node's key.
  HttpResult signed_call_at_north(const std::string& method, const std::string& caller,
                                  const std::string& target, const std::string& body = "") const {
    const auto headers = signed_headers(dir / "keys", caller, "city/north", method, target, body);
    return HttpClient(north->port())
        .request(method, target, body, body.empty() ? "" : "application/json", headers);
  }
  HttpResult signed_get_at_north(const std::string& caller, const std::string& target) const {
    return signed_call_at_north("GET", caller, target);
  }

  /// The district's link to the city as the district reports it ("up", "down", "connecting").
  std::string north_link_state() const {
    const auto res = at_north().get("/api/v1/federation");
    if (res.status != 200) return "";
    const auto link = res.json()["nodes"][0]["link"];
    return link.is_object() ? link.value("state", "") : "";
  }

  std::int64_t city_count(const std::string& metric) const {
    const auto res = at_city().get("/api/v1/summary?window=7d&metrics=" + metric);
    if (res.status != 200) return -1;
    const auto m = res.json()["metrics"];
    return m.contains(metric) ? m[metric]["count"].get<std::int64_t>() : 0;
  }

  /// Waits (bounded) until the city counts `expected` rows of `metric`; returns what it counts.
  std::int64_t wait_for_city_count(const std::string& metric, std::int64_t expected,
                                   int seconds = 20) const {
    std::int64_t seen = -1;
    test::poll_until([&] { return (seen = city_count(metric)) == expected; },
                     std::chrono::seconds(seconds));
    return seen;
  }

  int ingest(const std::string& metric, int rows, const std::string& source) const {
    std::vector<double> values(static_cast<std::size_t>(rows));
    for (int i = 0; i < rows; ++i) values[static_cast<std::size_t>(i)] = i % 97;
    const auto now = ioc::SystemClock().now();
    return at_north()
        .post("/api/v1/observations",
              observations(metric, "city/north", values, now - 60'000, 1, source))
        .status;
  }

  TempDir dir;
  int city_port;
  std::string federation;
  std::unique_ptr<NodeProcess> city, north;
  std::string city_token, north_token;
};

}  // namespace ioc::test
