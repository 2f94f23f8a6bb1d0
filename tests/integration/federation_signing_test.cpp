// Signed node-to-node calls against a real iocd (docs/protocol.md).
#include <catch2/catch.hpp>

#include "ioc/federation/request_signing.hpp"
#include "running_node.hpp"
#include "signed_call.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

HttpResult signed_get(const RunningNode& node, const std::string& caller, const std::string& target,
                      std::map<std::string, std::string> headers = {},
                      ioc::TimeMs at = ioc::SystemClock().now()) {
  for (auto& [k, v] : signed_headers(node.dir / "keys", caller, "city", "GET", target, "", at))
    headers.emplace(k, v);  // a header the test gives wins
  return node.anonymous().request("GET", target, "", "", headers);
}

void check_refused(const HttpResult& res, const std::string& reason_start) {
  INFO(res.body);
  CHECK(res.status == 401);
  CHECK(res.json()["error"]["field"] == "signature");
  CHECK(res.json()["error"]["message"].get<std::string>().rfind(reason_start, 0) == 0);
}

}  // namespace

TEST_CASE("hello answers a signed peer with versions and the policy it enforces",
          "[integration][federation]") {
  RunningNode node;
  const auto res = signed_get(node, "city/north", "/federation/v1/hello");
  REQUIRE(res.status == 200);
  const auto hello = res.json();
  CHECK(hello["node"] == "city");
  CHECK(hello["caller"] == "city/north");
  CHECK(hello["protocolVersions"] == json::array({"2"}));
  CHECK(hello["holds"] == json::array());  // nothing of city/north's log is held yet
  // The answer is signed by the city for this call.
  CHECK(res.headers.count("ioc-signature") == 1);
  CHECK(hello["software"].get<std::string>().rfind("libioc/", 0) == 0);
  CHECK(hello["policyVersion"].get<std::string>().size() == 16);
}

TEST_CASE("unsigned, stale, forged, unknown-node and replayed calls get 401 with a reason",
          "[integration][federation]") {
  RunningNode node;
  check_refused(node.anonymous().get("/federation/v1/hello"), "unsigned request");
  // A bearer token is no substitute for a signature.
  check_refused(node.as("admin").get("/federation/v1/hello"), "unsigned request");
  check_refused(signed_get(node, "city/north", "/federation/v1/hello", {},
                           ioc::SystemClock().now() - 400'000),
                "stale request");
  // Forged: signed by city/north, claiming to be city/south.
  auto headers =
      signed_headers(node.dir / "keys", "city/north", "city", "GET", "/federation/v1/hello");
  headers["IOC-Node"] = "city/south";
  check_refused(node.anonymous().request("GET", "/federation/v1/hello", "", "", headers),
                "bad signature");
  headers["IOC-Node"] = "atlantis";
  check_refused(node.anonymous().request("GET", "/federation/v1/hello", "", "", headers),
                "unknown node");
  // Made for another node: refused here even though it is signed and fresh.
  check_refused(
      node.anonymous().request("GET", "/federation/v1/hello", "", "",
                               signed_headers(node.dir / "keys", "city/north", "city/south", "GET",
                                              "/federation/v1/hello")),
      "misdirected call");
  // Replay: the same signed request twice, and again after a restart.
  headers = signed_headers(node.dir / "keys", "city/north", "city", "GET", "/federation/v1/hello");
  CHECK(node.anonymous().request("GET", "/federation/v1/hello", "", "", headers).status == 200);
  check_refused(node.anonymous().request("GET", "/federation/v1/hello", "", "", headers),
                "replayed request");
  node.process.stop();
  node.process.start();
  check_refused(node.anonymous().request("GET", "/federation/v1/hello", "", "", headers),
                "replayed request");
}

TEST_CASE("a call answered before a crash is still refused when replayed after it",
          "[integration][federation]") {
  RunningNode node;
  // A child's batch: its nonce is kept through the writer, ahead of what the batch writes.
  const std::string body = R"({"events":[],"backlog":0})";
  const auto headers = signed_headers(node.dir / "keys", "city/north", "city", "POST",
                                      "/federation/v1/events", body);
  const auto post = [&] {
    return node.anonymous().request("POST", "/federation/v1/events", body, "application/json",
                                    headers);
  };
  REQUIRE(post().status == 200);
  node.process.kill_hard();
  node.process.start();
  check_refused(post(), "replayed request");
}

TEST_CASE("a peer speaking an unknown protocol version gets a clear error",
          "[integration][federation]") {
  RunningNode node;
  const auto res = signed_get(node, "city/north", "/federation/v1/hello", {{"IOC-Protocol", "7"}});
  CHECK(res.status == 400);
  CHECK(res.json()["error"]["field"] == "ioc-protocol");
  CHECK(res.json()["error"]["message"] ==
        "protocol version '7' is not spoken here; this node speaks 2");
  // A version 1 peer (no receiver in its signature) is told the same.
  const auto old = signed_get(node, "city/north", "/federation/v1/hello", {{"IOC-Protocol", "1"}});
  CHECK(old.json()["error"]["message"] ==
        "protocol version '1' is not spoken here; this node speaks 2");
}

TEST_CASE("a signed call built outside the project with openssl and curl is accepted",
          "[integration][federation]") {
  RunningNode node;
  const auto res = run_command({"/bin/sh", IOC_SOURCE_DIR "/tests/integration/signed_hello.sh",
                                node.dir / "keys/city_health.key", "city/health", "city",
                                std::to_string(node.process.port()), node.dir / "hello.json"});
  INFO(res.err);
  REQUIRE(res.out == "200");
  CHECK(json::parse(read_file(node.dir / "hello.json"))["caller"] == "city/health");
  // The answer carries the city's signature over this call's nonce.
  CHECK(read_file(node.dir / "hello.json.headers").find("IOC-Signature: ") != std::string::npos);
}

TEST_CASE("iocd refuses a private key that does not match its listed public key",
          "[integration][federation]") {
  TempDir dir;
  const std::string fed = write_test_federation(dir.path());
  auto res = run_command({IOCD_PATH, "--federation", fed, "--node", "city", "--data", dir / "d",
                          "--key", dir / "keys/city_north.key"});
  CHECK(res.exit_code == 1);
  CHECK(res.err.find("does not match the public key the federation lists for 'city'") !=
        std::string::npos);
}
