// An anonymous client that sends what no honest client would: bytes that are not UTF-8 in every
// place a request carries text, JSON nested without end, malformed form encoding. Each gets a 4xx
// with a readable error that does not echo the bytes, changes nothing, and the node goes on.
#include <catch2/catch.hpp>

#include <string>

#include "running_node.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

// A 4xx whose body is a readable JSON error (valid UTF-8: json::parse would throw otherwise)
// naming `field`, without the raw byte 0xFF.
void check_refused(const HttpResult& res, int status, const std::string& field) {
  INFO(res.body);
  CHECK(res.status == status);
  CHECK(res.body.find('\xff') == std::string::npos);
  const auto body = json::parse(res.body);
  CHECK(body["error"]["message"].is_string());
  if (!field.empty()) CHECK(body["error"]["field"] == field);
}

std::string raw_request(const std::string& method, const std::string& target,
                        const std::string& headers = "", const std::string& body = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("bytes that are not UTF-8 anywhere in a request get a 400 and never stop the node",
          "[adversarial]") {
  RunningNode node;
  const std::string admin = "Authorization: Bearer " + node.tokens.at("admin") + "\r\n";
  const auto port = node.process.port();
  const auto healthy = [&] { CHECK(node.anonymous().get("/healthz").status == 200); };
  // 1. In the path, raw and percent-encoded.
  const auto raw_path = raw_exchange(port, raw_request("GET", "/api/v1/alerts/\xff", admin));
  CHECK(raw_path.status == 400);
  CHECK(raw_path.body.find('\xff') == std::string::npos);
  healthy();
  check_refused(raw_exchange(port, raw_request("GET", "/api/v1/alerts/%FF", admin)), 400, "path");
  healthy();
  // 2. In the query: a name and a value.
  check_refused(raw_exchange(port, raw_request("GET", "/api/v1/observations?metric=%C3%28", admin)),
                400, "metric");
  check_refused(raw_exchange(port, raw_request("GET", "/api/v1/alerts?%FE=1", admin)), 400,
                "query");
  healthy();
  // 3. In headers, before any authentication: the caller's node id, a bearer token.
  check_refused(raw_exchange(port, raw_request("GET", "/federation/v1/hello",
                                               "IOC-Node: city/\xff\r\nIOC-To: city\r\n")),
                400, "ioc-node");
  check_refused(raw_exchange(port, raw_request("GET", "/api/v1/alerts",
                                               "Authorization: Bearer \xff\xfe\r\n")),
                400, "authorization");
  healthy();
  // 4. In a JSON string of an ingest body and an incident.
  check_refused(raw_exchange(port, raw_request("POST", "/api/v1/observations",
                                               admin + "Content-Type: application/json\r\n",
                                               R"([{"source":"s)"
                                               "\xff"
                                               R"(","metric":"m",)"
                                               R"("ts":1761552000000,"value":1,"area":"city"}])")),
                400, "");
  check_refused(raw_exchange(port, raw_request("POST", "/api/v1/incidents",
                                               admin + "Content-Type: application/json\r\n",
                                               R"({"domain":"flood","severity":"minor",)"
                                               R"("area":"city","title":"x)"
                                               "\xc0\xaf"
                                               R"("})")),
                400, "body");
  healthy();
  // 5. In Open311 form fields, raw, percent-encoded, or badly encoded.
  const std::string form = admin + "Content-Type: application/x-www-form-urlencoded\r\n";
  check_refused(
      raw_exchange(port, raw_request("POST", "/open311/v2/requests.json", form,
                                     "service_code=pothole&description=%FF&lat=1&long=1")),
      400, "description");
  check_refused(
      raw_exchange(port, raw_request("POST", "/open311/v2/requests.json", form,
                                     "service_code=pothole&description=a%G1&lat=1&long=1")),
      400, "description");
  check_refused(
      raw_exchange(port, raw_request("POST", "/open311/v2/requests.json", form,
                                     "service_code=pothole&description=\xff&lat=1&long=1")),
      400, "description");
  healthy();
  // 6. Nothing was stored on the way.
  CHECK(node.as("viewer").get("/api/v1/observations").json()["items"].empty());
  CHECK(node.as("viewer").get("/api/v1/incidents").json()["items"].empty());
  CHECK(node.as("viewer").get("/open311/v2/requests.json").json().empty());
}

TEST_CASE("JSON nested without end is refused while it is parsed", "[adversarial]") {
  RunningNode node;
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  auto res = node.as("operator").request("POST", "/api/v1/incidents", deep, "application/json");
  check_refused(res, 400, "body");
  CHECK(res.json()["error"]["message"] == "body nests deeper than 64 levels");
  res = node.as("ingest").request("POST", "/api/v1/observations", deep, "application/json");
  check_refused(res, 400, "");
  const std::string objects = std::string(100'000, '{') + "\"a\":1" + std::string(100'000, '}');
  res = node.as("admin").request("POST", "/api/v1/grants", objects, "application/json");
  check_refused(res, 400, "body");
  CHECK(node.anonymous().get("/healthz").status == 200);
}

TEST_CASE("the console serves its own files and nothing else, and a stream needs a real token",
          "[adversarial]") {
  RunningNode node;
  const auto port = node.process.port();
  auto anonymous = node.anonymous();
  const auto app = anonymous.get("/console/app.js");
  REQUIRE(app.status == 200);
  CHECK_THAT(app.header("content-security-policy"), Catch::Contains("script-src 'self'"));
  CHECK(app.header("x-content-type-options") == "nosniff");
  // Out of the console's folder, raw or percent-encoded; hidden files; types it does not serve.
  for (const char* target :
       {"/console/..%2F..%2FCMakeLists.txt", "/console/%2e%2e%2fREADME.md", "/console/.gitignore",
        "/console/app.js%00.png", "/console/vendor/leaflet/..%2F..%2Fconsole%2Fapp.js",
        "/console/vendor/leaflet/images/..%2F..%2F..%2Fetc%2Fpasswd", "/console/README.md"}) {
    INFO(target);
    CHECK(anonymous.get(target).status == 404);
  }
  const auto raw = raw_exchange(port, raw_request("GET", "/console/../../etc/passwd"));
  CHECK(raw.status == 404);
  CHECK(raw.body.find("root:") == std::string::npos);
  // The console's own API routes take no parameters.
  check_refused(node.as("viewer").get("/api/v1/session?as=admin"), 400, "as");
  check_refused(node.as("viewer").get("/api/v1/map?node=city"), 400, "node");
  CHECK(anonymous.get("/api/v1/session").status == 401);
  // A stream upgrade offering a token that is not one, as a browser's subprotocol: refused.
  const std::string upgrade =
      "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Protocol: ioc.v1, ioc.bearer.not-a-token\r\n";
  const auto refused = raw_exchange(
      port, "GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n" + upgrade +
                "\r\n");
  CHECK(refused.status == 401);
  CHECK(anonymous.get("/healthz").status == 200);
}
