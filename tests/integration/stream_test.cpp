#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "poll.hpp"
#include "running_node.hpp"

using namespace ioc::test;
using nlohmann::json;

TEST_CASE("the WebSocket stream delivers alerts and incident changes live",
          "[integration][stream]") {
  RunningNode node;
  // 1. A viewer opens the stream.
  StreamClient stream(node.process.port(), node.tokens.at("viewer"));
  REQUIRE(stream.connected());
  // 2. A crossing produces an alert and an incident, in that order.
  REQUIRE(node.as("ingest")
              .post("/api/v1/observations", observations("river_level", "city/north", {2.5}))
              .status == 202);
  const auto first = stream.next(std::chrono::seconds(5));
  REQUIRE(first);
  const auto alert = json::parse(*first);
  CHECK(alert["type"] == "alert");
  CHECK(alert["data"]["msgType"] == "Alert");
  const auto second = stream.next(std::chrono::seconds(5));
  REQUIRE(second);
  CHECK(json::parse(*second)["type"] == "incident");
  // 3. An operator action shows up too.
  const std::string id = json::parse(*second)["data"]["id"];
  REQUIRE(node.as("operator")
              .post("/api/v1/incidents/" + id + "/actions", {{"action", "acknowledge"}})
              .status == 200);
  const auto third = stream.next(std::chrono::seconds(5));
  REQUIRE(third);
  CHECK(json::parse(*third)["data"]["status"] == "acknowledged");
  CHECK(json::parse(*third)["data"]["change"]["action"] == "acknowledge");
}

TEST_CASE("the stream refuses a missing or wrong token", "[integration][stream]") {
  RunningNode node;
  StreamClient stream(node.process.port(), "ioc_nope");
  CHECK(stream.refused_status == 401);
  CHECK(node.anonymous().get("/healthz").status == 200);
}

TEST_CASE("stream clients receive the node's summary at the configured interval",
          "[integration][stream]") {
  RunningNode node({"--summary-interval", "200ms"});
  StreamClient stream(node.process.port(), node.tokens.at("viewer"));
  REQUIRE(stream.connected());
  const auto message = stream.next(std::chrono::seconds(5));
  REQUIRE(message);
  const auto summary = json::parse(*message);
  CHECK(summary["type"] == "summary");
  CHECK(summary["data"]["node"] == "city");
  CHECK(summary["data"]["children"].size() == 3);
}

namespace {

// Rows that cross the river rule's threshold back and forth: each raises or cancels an alert,
// so every row puts at least one message on every open stream.
nlohmann::json flapping(int rows) {
  std::vector<double> values;
  for (int i = 0; i < rows; ++i) values.push_back(i % 2 ? 0.5 : 2.6);
  return observations("river_level", "city/north", values, 1761552000000, 1000);
}

std::int64_t stream_clients(const RunningNode& node) {
  const std::string text = node.anonymous().get("/metrics").body;
  const auto at = text.find("ioc_stream_clients{");
  return at == std::string::npos ? -1 : std::stoll(text.substr(text.find("} ", at) + 2));
}

}  // namespace

TEST_CASE("a stream ends within a second of its token being revoked or expiring",
          "[integration][stream]") {
  RunningNode node;
  // 1. Two viewers: one whose token will be revoked, one whose token expires in 2 s.
  const auto issue = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{IOCCTL_PATH, "token",  "issue", "--data",
                                  node.data(), "--role", "viewer"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto out = run_command(args).out;
    return out.substr(0, out.size() - 1);
  };
  StreamClient revoked(node.process.port(), issue({"--name", "revoked"}));
  StreamClient expiring(node.process.port(), issue({"--name", "brief", "--expires", "2s"}));
  StreamClient other(node.process.port(), node.tokens.at("viewer"));
  REQUIRE(revoked.connected());
  REQUIRE(expiring.connected());
  // 2. Revoke the first from outside the node (id 5: the four role tokens came first).
  REQUIRE(
      run_command({IOCCTL_PATH, "token", "revoke", "--data", node.data(), "--id", "5"}).exit_code ==
      0);
  CHECK(revoked.wait_closed(std::chrono::seconds(5)) == 1008);
  CHECK(revoked.close_reason == "token revoked");
  // 3. The second closes once its expiry passes.
  CHECK(expiring.wait_closed(std::chrono::seconds(10)) == 1008);
  CHECK(expiring.close_reason == "token expired");
  // 4. The other stream still delivers.
  REQUIRE(node.as("ingest").post("/api/v1/observations", flapping(1)).status == 202);
  CHECK(other.next(std::chrono::seconds(5)));
}

TEST_CASE("a stream client that stops reading is closed while the others are served",
          "[integration][stream]") {
  RunningNode node;
  // 1. One client that never reads, one that does.
  StreamClient stalled(node.process.port(), node.tokens.at("viewer"));
  StreamClient reader(node.process.port(), node.tokens.at("viewer"));
  REQUIRE(stalled.connected());
  REQUIRE(reader.connected());
  // 2. Far more messages than the stalled client's queue (1024) and socket buffers hold, while
  //    the reader reads. Each batch is well under a queue, and the next goes once the reader has
  //    the last (an alert or a cancel per row, and the incidents they open), so the reader keeps
  //    up however busy the machine is.
  // (A read that times out spoils the test client's stream, so the reader only reads while
  // messages are due: at least one per row sent.)
  constexpr int kBatches = 60, kRows = 200;
  std::atomic<int> received{0};
  std::thread reading([&] {
    while (received < kBatches * kRows && reader.next(std::chrono::seconds(30))) ++received;
  });
  int sent = 0;
  for (int batch = 0; batch < kBatches; ++batch) {
    CHECK(node.as("ingest").post("/api/v1/observations", flapping(kRows)).status == 202);
    sent += kRows;
    CHECK(poll_until([&] { return received >= sent; }));
  }
  reading.join();
  // 3. The reader got them all.
  CHECK(received == sent);
  // 4. The stalled client is dropped (its write stuck, so no close frame reaches it in time),
  //    and the node answers as before.
  CHECK(poll_until([&] { return stream_clients(node) == 1; }));
  const auto end = stalled.wait_closed(std::chrono::seconds(20));
  REQUIRE(end);
  CHECK((*end == 0 || *end == 1013));
  CHECK(node.anonymous().get("/healthz").status == 200);
}

TEST_CASE("stream clients are capped, and count against the connection cap",
          "[integration][stream]") {
  RunningNode node;
  std::vector<std::unique_ptr<StreamClient>> open;
  for (int i = 0; i < 256; ++i) {
    open.push_back(std::make_unique<StreamClient>(node.process.port(), node.tokens.at("viewer")));
    REQUIRE(open.back()->connected());
  }
  StreamClient one_more(node.process.port(), node.tokens.at("viewer"));
  CHECK(one_more.refused_status == 503);
  open.pop_back();
  REQUIRE(poll_until([&] { return stream_clients(node) == 255; }));
  StreamClient again(node.process.port(), node.tokens.at("viewer"));
  CHECK(again.connected());
  CHECK(node.anonymous().get("/healthz").status == 200);
}
