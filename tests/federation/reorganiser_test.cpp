#include "reorganiser.hpp"

#include <catch2/catch.hpp>

#include "federated_context.hpp"
#include "ioc/error.hpp"
#include "link_status.hpp"

using namespace ioc;
using namespace ioc::federation;

namespace {

// The city of the test federation, asked to remove its south district.
struct City {
  test::FederatedContext t{"city"};
  IncidentService incidents{t.ctx};
  Reorganiser reorganiser{t.ctx, incidents};
  FederationConfig without_south = [this] {
    FederationConfig fed = t.fed;
    std::erase_if(fed.nodes, [](const NodeConfig& n) { return n.id == "city/south"; });
    fed.reindex();
    return fed;
  }();

  // The south's call at `at`, reporting `backlog` entries still to send.
  void south_calls(TimeMs at, std::int64_t backlog) {
    t.writes.run([&](WriteContext& w) { w.writer.touch_link("city/south", at, at, backlog); });
  }
  // The reload's answer: empty when the removal is taken, else why it is refused.
  std::string remove_south() {
    try {
      reorganiser.refuse_undrained_removals(t.fed, without_south);
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kConfig);
      return e.what();
    }
    return "";
  }
};

}  // namespace

TEST_CASE("a child still calling is removed only on a call made after the removal was asked",
          "[reorganise]") {
  City city;
  const TimeMs t0 = city.t.clock.t;
  city.south_calls(t0, 0);
  city.t.clock.t = t0 + 1'000;
  CHECK_THAT(city.remove_south(), Catch::Contains("'city/south' is removed while its last call") &&
                                      Catch::Contains("came before the removal was asked for"));
  // Asked again before it called: still refused, counted from the first time it was asked.
  city.t.clock.t = t0 + 2'000;
  CHECK_THAT(city.remove_south(), Catch::Contains("came before the removal was asked for"));
  // Its next call with nothing left to send covers everything it took: the removal is taken.
  city.south_calls(t0 + 3'000, 0);
  city.t.clock.t = t0 + 3'500;
  CHECK(city.remove_south().empty());
}

TEST_CASE("a child with entries unsent is not removed, however long it has been silent",
          "[reorganise]") {
  City city;
  const TimeMs t0 = city.t.clock.t;
  city.south_calls(t0, 12);
  city.t.clock.t = t0 + kFreshMs * 100;
  CHECK_THAT(city.remove_south(), Catch::Contains("it still had 12 entries unsent"));
}

TEST_CASE("a child silent for longer than a fresh link is removed on its last report",
          "[reorganise]") {
  City city;
  const TimeMs t0 = city.t.clock.t;
  city.south_calls(t0, 0);
  city.t.clock.t = t0 + kFreshMs + 1;
  CHECK(city.remove_south().empty());
  // A child that never called has nothing this node waits for.
  City fresh;
  CHECK(fresh.remove_south().empty());
}
