// A parent that takes calls but never answers (a hung process, a black-holing firewall) must not
// hold up its child: actions on incidents owned above wait for the owner's answer without a
// thread of the child's waiting with them, so its API (readiness, ingest) goes on answering.
#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "city_and_district.hpp"
#include "poll.hpp"

using namespace ioc::test;
using nlohmann::json;
namespace net = boost::asio;

namespace {

const std::string kAuthority = R"(apiVersion: ioc/v1
kind: Authority
issuer: city
grants:
  - id: north-acknowledges
    to: [city/north]
    actions: [view, acknowledge]
    domains: [flood]
    area: grantee
)";

// Accepts connections on `port` and keeps them open without ever answering.
class BlackHole {
 public:
  explicit BlackHole(int port) : acceptor_(ioc_) {
    const net::ip::tcp::endpoint at(net::ip::make_address("127.0.0.1"),
                                    static_cast<unsigned short>(port));
    acceptor_.open(at.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~BlackHole() {
    ioc_.stop();
    thread_.join();
  }
  int accepted() const { return accepted_.load(); }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, net::ip::tcp::socket s) {
      if (ec) return;
      held_.push_back(std::move(s));
      ++accepted_;
      accept();
    });
  }
  net::io_context ioc_;
  net::ip::tcp::acceptor acceptor_;
  std::vector<net::ip::tcp::socket> held_;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("50 actions waiting on an owner that never answers do not hold up the district",
          "[integration][sync]") {
  CityAndDistrict f({{"authority.yaml", kAuthority}});
  // 1. A flood at north, which north may acknowledge but not dispatch: the city owns it.
  const auto res = f.at_north().post(
      "/api/v1/incidents",
      {{"domain", "flood"}, {"severity", "severe"}, {"area", "city/north"}, {"title", "Dyke"}});
  REQUIRE(res.status == 201);
  const std::string id = res.json()["id"];
  REQUIRE(res.json()["owner"] == "city");
  // 2. The city hangs: its address takes calls and never answers.
  REQUIRE(f.city->stop() == 0);
  BlackHole hung(f.city_port);
  // 3. 50 operators act at once; each action goes up to the owner and waits for it.
  std::atomic<int> answered{0};
  std::vector<std::thread> operators;
  for (int i = 0; i < 50; ++i)
    operators.emplace_back([&] {
      f.at_north().post("/api/v1/incidents/" + id + "/actions", {{"action", "acknowledge"}});
      ++answered;
    });
  CHECK(poll_until([&] { return hung.accepted() >= 50; }));  // all 50 are on their way up
  // 4. Meanwhile the district answers: readiness and ingest, while none of the 50 has its answer.
  CHECK(answered == 0);
  CHECK(f.at_north().get("/readyz").status == 200);
  CHECK(f.at_north()
            .post("/api/v1/observations",
                  observations("level", "city/north", {1, 2, 3}, ioc::SystemClock().now(), 1))
            .status == 202);
  CHECK(answered == 0);
  // 5. Stopping the district cancels what is in flight; every operator gets an answer.
  CHECK(f.north->stop() == 0);
  for (auto& t : operators) t.join();
  CHECK(answered == 50);
}
