// A node built from ioc::core alone: this executable links no federation code (see
// tests/CMakeLists.txt), so it fails to link if the core ever calls into the federation. It runs
// a node from a Federation file that lists only it, without keys or endpoints.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "ioc/error.hpp"
#include "ioc/node.hpp"

namespace fs = std::filesystem;
using namespace ioc;

namespace {

struct Scratch {
  Scratch() {
    std::string pattern = (fs::temp_directory_path() / "ioc-core-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  fs::path path;
};

void write(const fs::path& file, const std::string& text) {
  std::ofstream(file) << text;
}

// One node, its rules beside it: no endpoint, no key, no peer.
std::string write_harbour(const fs::path& dir) {
  write(dir / "rules.yaml", R"(apiVersion: ioc/v1
kind: Rules
rules:
  - id: tide
    metric: water_level
    area: harbour
    above: 2.2
    alert: {event: Storm tide, category: Met, severity: Severe, urgency: Immediate,
            certainty: Observed, headline: Storm tide above 2.2 m}
    incident: {domain: flood, severity: severe}
)");
  write(dir / "federation.yaml", R"(apiVersion: ioc/v1
kind: Federation
name: harbour
nodes:
  - {id: harbour, kind: city, config: [rules.yaml]}
)");
  return (dir / "federation.yaml").string();
}

NodeOptions options_for(const fs::path& dir) {
  NodeOptions o;
  o.federation_file = write_harbour(dir);
  o.node_id = "harbour";
  o.data_dir = (dir / "data").string();
  o.listen = "127.0.0.1:0";
  return o;
}

// The status line and body of GET `path` on 127.0.0.1:`port`.
std::string http_get(std::uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

}  // namespace

TEST_CASE("a node alone serves, raises alerts, keeps incidents and tells its subscribers",
          "[core]") {
  Scratch dir;
  std::string incident_id;
  {
    Node node(options_for(dir.path));
    std::atomic<int> alert_events{0};
    const auto subscription = node.subscribe([&](const std::string& event) {
      if (event.find("\"type\":\"alert\"") != std::string::npos) ++alert_events;
    });
    const auto port = node.start();
    const std::string ready = http_get(port, "/readyz");
    CHECK(ready.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(ready.find("\"node\":\"harbour\"") != std::string::npos);
    // No federation here: its routes are not served.
    CHECK(http_get(port, "/federation/v1/hello").rfind("HTTP/1.1 404", 0) == 0);

    const TimeMs t0 = SystemClock().now();
    node.ingest({{"tide-1", "water_level", t0, 1.9, "m", "harbour", {}},
                 {"tide-1", "water_level", t0 + 60'000, 2.4, "m", "harbour", {}}});
    REQUIRE(node.active_alerts().size() == 1);
    CHECK(node.alerts().size() == 1);
    CHECK(node.alert(node.active_alerts()[0].identifier));
    CHECK(alert_events.load() == 1);  // published once committed, before ingest returned

    const auto open = node.incidents(IncidentFilter{IncidentStatus::kReported, Domain::kFlood});
    REQUIRE(open.size() == 1);
    CHECK(open[0].owner == "harbour");  // alone, a node owns what it reports
    incident_id = open[0].id;
    const Actor duty{"duty", Role::kOperator, "harbour"};
    node.act_on_incident(duty, incident_id, IncidentAction::kDispatch, "pumps");
    // Alone, there is no one above to escalate to.
    CHECK_THROWS_WITH(node.act_on_incident(duty, incident_id, IncidentAction::kEscalate, ""),
                      Catch::Contains("no node above"));

    const Summary summary = node.summary(t0 - 60'000, t0 + 120'000, {"water_level"});
    REQUIRE(summary.metrics.count("water_level") == 1);
    CHECK(summary.metrics.at("water_level").count == 2);
    CHECK(summary.metrics.at("water_level").max == 2.4);
    CHECK(summary.incidents.total == 1);
    CHECK(summary.children.empty());
    CHECK_THROWS_AS(node.summary(t0, t0), Error);
    CHECK_THROWS_AS(node.incidents(IncidentFilter{{}, {}, 0}), Error);
    CHECK_THROWS_AS(node.alerts(false, 10'001), Error);
    node.stop();
  }
  // What was committed is there after a restart.
  Node again(options_for(dir.path));
  const auto incident = again.incident(incident_id);
  REQUIRE(incident);
  CHECK(incident->status == IncidentStatus::kDispatched);
  CHECK(again.policy_version().empty());
  CHECK_FALSE(again.incident("inc-none"));
}

TEST_CASE("a node alone refuses a key it could not use", "[core]") {
  Scratch dir;
  auto o = options_for(dir.path);
  o.key_file = (dir.path / "harbour.key").string();
  try {
    Node node(std::move(o));
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kConfig);
    CHECK(e.field() == "key");
  }
}

TEST_CASE("a subscription ends when cancelled or destroyed, and may outlive its node", "[core]") {
  Scratch dir;
  std::atomic<int> seen{0};
  Subscription outliving;
  {
    Node node(options_for(dir.path));
    {
      const auto s = node.subscribe([&](const std::string&) { ++seen; });
    }
    outliving = node.subscribe([&](const std::string&) { ++seen; });
    outliving.cancel();
    node.ingest({{"tide-1", "water_level", SystemClock().now(), 2.5, "m", "harbour", {}}});
    CHECK(node.active_alerts().size() == 1);
    outliving = node.subscribe([&](const std::string&) { ++seen; });
  }
  outliving.cancel();  // the node is gone: nothing to do, nothing breaks
  CHECK(seen.load() == 0);
}
