#include "service_requests.hpp"

#include <catch2/catch.hpp>

#include "ioc/error.hpp"
#include "test_context.hpp"

using namespace ioc;

TEST_CASE("a request gets the service's SLA and is logged and published", "[open311]") {
  test::TestContext t;
  ServiceRequests requests(t.ctx);
  const auto r = requests.create({{"service_code", "flooding"},
                                  {"lat", "16.05"},
                                  {"long", "108.2"},
                                  {"description", "knee deep"},
                                  {"area", "city/north"}});
  CHECK(r.service_name == "Street flooding");
  CHECK(r.expected == r.requested + 4 * 3'600'000);
  CHECK(r.status == "open");
  CHECK(r.area == "city/north");
  CHECK(t.store.service_request(r.id)->description == "knee deep");
  CHECK(t.store.last_event_seq() == 1);
  CHECK(t.sink.messages.size() == 1);
  CHECK(requests.create({{"service_code", "pothole"}, {"address_string", "12 Bach Dang"}}).area ==
        "city");
}

TEST_CASE("closing records when, counts toward SLA compliance, and happens once", "[open311]") {
  test::TestContext t;
  ServiceRequests requests(t.ctx);
  const auto late = requests.create({{"service_code", "flooding"}, {"address_string", "a"}});
  const auto early = requests.create({{"service_code", "pothole"}, {"address_string", "b"}});
  t.clock.t += 5 * 3'600'000;  // 5 h: past the 4 h flooding SLA, inside the 72 h pothole SLA
  CHECK(requests.close(late.id, "drained").closed == t.clock.t);
  requests.close(early.id, "filled");
  const auto counts = t.store.service_request_counts();
  CHECK(counts.closed == 2);
  CHECK(counts.closed_on_time == 1);
  CHECK_THROWS_AS(requests.close(late.id, ""), Error);
  CHECK_THROWS_AS(requests.close("sr-none", ""), Error);
}

TEST_CASE("invalid requests name the field and store nothing", "[open311]") {
  test::TestContext t;
  ServiceRequests requests(t.ctx);
  const auto field_of = [&](std::map<std::string, std::string> f) {
    try {
      requests.create(f);
    } catch (const Error& e) {
      return e.field();
    }
    return std::string("no error");
  };
  CHECK(field_of({{"lat", "1"}, {"long", "1"}}) == "service_code");
  CHECK(field_of({{"service_code", "nope"}, {"lat", "1"}, {"long", "1"}}) == "service_code");
  CHECK(field_of({{"service_code", "pothole"}}) == "lat");
  CHECK(field_of({{"service_code", "pothole"}, {"lat", "x"}, {"long", "1"}}) == "lat");
  CHECK(field_of({{"service_code", "pothole"}, {"lat", "1"}, {"long", "200"}}) == "long");
  CHECK(field_of({{"service_code", "pothole"}, {"address_string", "a"}, {"area", "mars"}}) ==
        "area");
  CHECK(field_of({{"service_code", "pothole"}, {"address_string", std::string(5000, 'x')}}) ==
        "address_string");
  CHECK(t.store.service_request_counts().open == 0);
}
