#include "http_server.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <vector>

#include "http_client.hpp"
#include "poll.hpp"

using namespace ioc;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A server whose every route answers 200 and whose streams are always allowed.
struct SmallServer {
  explicit SmallServer(HttpServer::Options o)
      : server(
            o,
            [](const HttpRequest&, Respond respond) {
              respond(HttpResponse{200, "text/plain", "ok", {}});
            },
            [](const HttpRequest&) {
              return HttpServer::StreamAdmission{std::nullopt, "t", [] { return std::string(); }};
            },
            metrics),
        port(server.start()) {}
  Metrics metrics;
  HttpServer server;
  std::uint16_t port;
};

}  // namespace

TEST_CASE("connections and streams over their caps get 503, and room frees up again",
          "[http_server]") {
  HttpServer::Options o;
  o.max_connections = 4;
  o.max_streams = 2;
  SmallServer s(o);
  // 1. Two streams and two idle connections fill the four places.
  auto a = std::make_unique<test::StreamClient>(s.port, "t");
  test::StreamClient b(s.port, "t");
  REQUIRE(a->connected());
  REQUIRE(b.connected());
  CHECK(test::StreamClient(s.port, "t").refused_status == 503);  // a third stream
  // The refused upgrades' connections close gracefully; wait until they are gone.
  const auto connections_are = [&](std::int64_t n) {
    return test::poll_until([&] { return s.metrics.open_connections.load() == n; });
  };
  REQUIRE(connections_are(0));
  net::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (int i = 0; i < 2; ++i) {
    idle.push_back(std::make_unique<tcp::socket>(ioc));
    idle.back()->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), s.port));
  }
  REQUIRE(connections_are(2));
  // 2. The next connection is answered 503 (and closed gracefully, so the answer is read).
  const auto status_is = [&](int want) {
    return test::poll_until([&] { return test::HttpClient(s.port).get("/x").status == want; });
  };
  CHECK(status_is(503));
  // 3. A stream that ends frees its place.
  a.reset();
  CHECK(status_is(200));
}
