// Signed node-to-node calls against a real iocd (SPEC section 7).
#include <catch2/catch.hpp>

#include "ioc/federation/request_signing.hpp"
#include "running_node.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

HttpResult signed_get(const RunningNode& node, const std::string& caller, const std::string& target,
                      std::map<std::string, std::string> headers = {},
                      ioc::TimeMs at = ioc::SystemClock().now()) {
  const auto key = ioc::federation::PrivateKey::load(
      node.dir / ("keys/" + ioc::federation::key_file_stem(caller) + ".key"));
  for (auto& [k, v] : ioc::federation::sign_request(key, caller, "GET", target, "", at))
    headers[k] = v;
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
  CHECK(hello["protocolVersions"] == json::array({"1"}));
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
  const auto key = ioc::federation::PrivateKey::load(node.dir / "keys/city_north.key");
  auto headers = ioc::federation::sign_request(key, "city/north", "GET", "/federation/v1/hello", "",
                                               ioc::SystemClock().now());
  headers["IOC-Node"] = "city/south";
  check_refused(node.anonymous().request("GET", "/federation/v1/hello", "", "", headers),
                "bad signature");
  headers["IOC-Node"] = "atlantis";
  check_refused(node.anonymous().request("GET", "/federation/v1/hello", "", "", headers),
                "unknown node");
  // Replay: the same signed request twice, and again after a restart.
  headers = ioc::federation::sign_request(key, "city/north", "GET", "/federation/v1/hello", "",
                                          ioc::SystemClock().now());
  CHECK(node.anonymous().request("GET", "/federation/v1/hello", "", "", headers).status == 200);
  check_refused(node.anonymous().request("GET", "/federation/v1/hello", "", "", headers),
                "replayed request");
  node.process.stop();
  node.process.start();
  check_refused(node.anonymous().request("GET", "/federation/v1/hello", "", "", headers),
                "replayed request");
}

TEST_CASE("a peer speaking an unknown protocol version gets a clear error",
          "[integration][federation]") {
  RunningNode node;
  const auto res = signed_get(node, "city/north", "/federation/v1/hello", {{"IOC-Protocol", "7"}});
  CHECK(res.status == 400);
  CHECK(res.json()["error"]["field"] == "ioc-protocol");
  CHECK(res.json()["error"]["message"] ==
        "protocol version '7' is not spoken here; this node speaks 1");
}

TEST_CASE("a signed call built outside the project from SPEC section 7 is accepted",
          "[integration][federation]") {
  RunningNode node;
  const auto res = run_command({"/bin/sh", IOC_SOURCE_DIR "/tests/integration/signed_hello.sh",
                                node.dir / "keys/city_health.key", "city/health",
                                std::to_string(node.process.port()), node.dir / "hello.json"});
  INFO(res.err);
  REQUIRE(res.out == "200");
  CHECK(json::parse(read_file(node.dir / "hello.json"))["caller"] == "city/health");
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
