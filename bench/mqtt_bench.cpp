// MQTT ingest benchmark: the same SenML messages, queued at a real Mosquitto broker for a
// persistent session, drained by the broker's own plain subscriber (mosquitto_sub to /dev/null)
// and by iocd, which stores every row before acknowledging its message, in turns over several
// rounds (the medians count: the machine's speed wanders). Prints HTTP ingest of the same rows
// for comparison, and the ratio to the broker's rate last; the bar is 0.5.
//
//   mqtt_bench [--messages N] [--records N] [--rounds N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "mqtt_broker.hpp"
#include "node_process.hpp"
#include "poll.hpp"
#include "temp_dir.hpp"

using namespace ioc::test;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int messages = 100'000;
  int records = 1;  // readings per SenML pack
  int rounds = 3;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

const char* kAreas[] = {"city", "city/north", "city/south", "city/health"};
const char* kMetrics[] = {"river_level", "rainfall", "pm25", "traffic_flow", "no2"};

std::string topic_of(int m) {
  return std::string("ioc/") + kAreas[m % 4] + "/sensor-" + std::to_string(m % 500);
}

// A sensor's pack: `records` readings with a base time, as devices send them.
std::string pack_of(int m, int records) {
  nlohmann::json pack = nlohmann::json::array();
  for (int r = 0; r < records; ++r) {
    nlohmann::json rec = {{"n", kMetrics[r % 5]}, {"v", ((m * records + r) % 1000) * 0.37}};
    if (r == 0) {
      rec["bt"] = 1'761'552'000 + m;
      rec["bu"] = "u";
    }
    pack.push_back(std::move(rec));
  }
  return pack.dump();
}

void publish_all(const MosquittoBroker& broker, const Options& o) {
  MqttPublisher device(broker.port());
  for (int m = 0; m < o.messages; ++m) device.publish(topic_of(m), pack_of(m, o.records));
  if (!device.wait_acknowledged())
    throw std::runtime_error("the broker did not take every message");
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The broker's own delivery rate: mosquitto_sub drains the queued messages of its persistent
// session (QoS 1, acknowledging each at once) to /dev/null.
double subscriber_rate(const MosquittoBroker& broker, const Options& o) {
  const std::string port = std::to_string(broker.port());
  const std::vector<std::string> sub = {"/usr/bin/mosquitto_sub",
                                        "-h",
                                        "127.0.0.1",
                                        "-p",
                                        port,
                                        "-q",
                                        "1",
                                        "-c",
                                        "-i",
                                        "bench-plain",
                                        "-t",
                                        "ioc/#"};
  auto once = sub;
  once.insert(once.end(), {"-W", "1"});  // makes the session and its subscription, then leaves
  run_command(once);
  publish_all(broker, o);
  auto drain = sub;
  drain.insert(drain.end(), {"-C", std::to_string(o.messages)});
  const auto start = Clock::now();
  const auto r = run_command(drain);
  const double s = seconds_since(start);
  if (r.exit_code != 0) throw std::runtime_error("mosquitto_sub failed: " + r.err);
  return double(o.messages) * o.records / s;
}

struct City {
  explicit City(const MosquittoBroker& broker) {
    const std::string fed = write_test_federation(dir.path());
    write_file(dir / "sources.yaml", "apiVersion: ioc/v1\nkind: Sources\nbroker: tcp://127.0.0.1:" +
                                         std::to_string(broker.port()) + "\n");
    set_city_config(fed, {"rules.yaml", "services.yaml", "sources.yaml"});
    node = std::make_unique<NodeProcess>(fed, "city", dir / "data",
                                         std::vector<std::string>{"--key", dir / "keys/city.key"});
    viewer = issue(dir / "data", "viewer");
    ingest = issue(dir / "data", "ingest");
  }
  long long rows_taken() const {
    const auto page = HttpClient(node->port(), viewer).get("/api/v1/sources").json();
    return page["items"].empty() ? 0 : page["items"][0]["rows"].get<long long>();
  }
  TempDir dir;
  std::unique_ptr<NodeProcess> node;
  std::string viewer, ingest;
};

// iocd drains the same queued messages: from its first stored row to its last.
double iocd_rate(const MosquittoBroker& broker, const Options& o) {
  City city(broker);
  city.node->start();  // makes the session and its subscription
  if (!poll_until([&] {
        const auto page = HttpClient(city.node->port(), city.viewer).get("/api/v1/sources").json();
        return page["items"][0]["state"] == "up";
      }))
    throw std::runtime_error("iocd did not connect to the broker");
  city.node->stop();
  publish_all(broker, o);
  city.node->start();
  const long long total = static_cast<long long>(o.messages) * o.records;
  if (!poll_until([&] { return city.rows_taken() > 0; }, std::chrono::seconds(60)))
    throw std::runtime_error("iocd took nothing");
  const auto start = Clock::now();
  const long long first = city.rows_taken();
  if (!poll_until([&] { return city.rows_taken() >= total; }, std::chrono::seconds(300)))
    throw std::runtime_error("iocd did not take every row");
  return double(total - first) / seconds_since(start);
}

// The same rows posted over HTTP in 1,000-row batches from 4 keep-alive clients.
double http_rate(const MosquittoBroker& broker, const Options& o) {
  City city(broker);
  city.node->start();
  std::vector<std::string> batches;
  nlohmann::json rows = nlohmann::json::array();
  for (int m = 0; m < o.messages; ++m)
    for (int r = 0; r < o.records; ++r) {
      rows.push_back({{"source", "sensor-" + std::to_string(m % 500)},
                      {"metric", kMetrics[r % 5]},
                      {"ts", (1'761'552'000LL + m) * 1000},
                      {"value", ((m * o.records + r) % 1000) * 0.37},
                      {"unit", "u"},
                      {"area", kAreas[m % 4]}});
      if (rows.size() == 1000) {
        batches.push_back(rows.dump());
        rows = nlohmann::json::array();
      }
    }
  if (!rows.empty()) batches.push_back(rows.dump());
  const long long total = static_cast<long long>(o.messages) * o.records;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> refused{false};
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c)
    clients.emplace_back([&] {
      HttpClient client(city.node->port(), city.ingest, true);
      for (std::size_t b; (b = next++) < batches.size();)
        if (client.request("POST", "/api/v1/observations", batches[b], "application/json").status !=
            202)
          refused = true;
    });
  for (auto& t : clients) t.join();
  if (refused) throw std::runtime_error("iocd refused a batch");
  return double(total) / seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--messages")) o.messages = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--records")) o.records = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--rounds")) o.rounds = std::atoi(argv[i + 1]);
  }
  try {
    TempDir dir;
    std::printf(
        "%d SenML messages of %d readings each, queued at Mosquitto for a persistent "
        "session (QoS 1); %d rounds, each side in turn\n",
        o.messages, o.records, o.rounds);
    std::vector<double> subs, mqtts;
    for (int r = 1; r <= o.rounds; ++r) {
      MosquittoBroker plain(dir / ("plain-" + std::to_string(r)));
      subs.push_back(subscriber_rate(plain, o));
      MosquittoBroker for_iocd(dir / ("iocd-" + std::to_string(r)));
      mqtts.push_back(iocd_rate(for_iocd, o));
      std::printf("round %d: mosquitto_sub to /dev/null %.0f rows/s, iocd over MQTT %.0f rows/s\n",
                  r, subs.back(), mqtts.back());
      std::fflush(stdout);
    }
    const double sub = median(subs), mqtt = median(mqtts);
    std::printf(
        "median: mosquitto_sub %.0f rows/s (%.0f messages/s), iocd %.0f rows/s (%.0f "
        "messages/s)\n",
        sub, sub / o.records, mqtt, mqtt / o.records);
    MosquittoBroker idle(dir / "http");  // the node's Sources file names a broker
    const double http = http_rate(idle, o);
    std::printf("iocd over HTTP (1,000-row batches, 4 clients): %.0f rows/s; MQTT / HTTP %.2f\n",
                http, mqtt / http);
    std::printf("ratio (iocd MQTT rows/s / mosquitto_sub rows/s): %.2f (bar 0.5)\n", mqtt / sub);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mqtt_bench: %s\n", e.what());
    return 1;
  }
}
