#include "outbox_waiters.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>

#include "temp_dir.hpp"

using namespace ioc;
using namespace ioc::federation;

namespace {

struct Answered {
  std::promise<std::vector<LoggedEvent>> promise;
  std::future<std::vector<LoggedEvent>> future = promise.get_future();
  OutboxWaiters::Answer answer() {
    return [this](std::vector<LoggedEvent> e) { promise.set_value(std::move(e)); };
  }
  bool ready(std::chrono::milliseconds wait) {
    return future.wait_for(wait) == std::future_status::ready;
  }
};

}  // namespace

TEST_CASE("a parked poll is answered when something is queued for its child", "[outbox]") {
  test::TempDir dir;
  Store store({dir / "ioc.db"});
  Answered north, south;  // before the waiters: their destructor answers what is still parked
  OutboxWaiters waiters(store);
  waiters.park("city/north", 0, 10, std::chrono::seconds(10), north.answer());
  waiters.park("city/south", 0, 10, std::chrono::seconds(10), south.answer());
  store.write(
      [](Store::Writer& w) { w.append_outbox("city/north", "command", 1, "{\"id\":\"c1\"}"); });
  waiters.notify("city/north");
  REQUIRE(north.ready(std::chrono::seconds(1)));
  const auto got = north.future.get();
  REQUIRE(got.size() == 1);
  CHECK(got[0].body == "{\"id\":\"c1\"}");
  CHECK_FALSE(south.ready(std::chrono::milliseconds(50)));  // nothing for south yet
}

TEST_CASE("a parked poll is answered empty when its wait runs out", "[outbox]") {
  test::TempDir dir;
  Store store({dir / "ioc.db"});
  Answered poll;
  OutboxWaiters waiters(store);
  waiters.park("city/north", 0, 10, std::chrono::milliseconds(50), poll.answer());
  REQUIRE(poll.ready(std::chrono::seconds(2)));
  CHECK(poll.future.get().empty());
}

TEST_CASE("a fifth poll from one child answers the oldest empty, and stop answers the rest",
          "[outbox]") {
  test::TempDir dir;
  Store store({dir / "ioc.db"});
  std::vector<std::unique_ptr<Answered>> polls;
  OutboxWaiters waiters(store);
  for (std::size_t i = 0; i <= OutboxWaiters::kPerChild; ++i) {
    polls.push_back(std::make_unique<Answered>());
    waiters.park("city/north", 0, 10, std::chrono::seconds(30), polls.back()->answer());
  }
  REQUIRE(polls[0]->ready(std::chrono::milliseconds(100)));
  CHECK(polls[0]->future.get().empty());
  CHECK_FALSE(polls[1]->ready(std::chrono::milliseconds(10)));
  waiters.stop();
  for (std::size_t i = 1; i < polls.size(); ++i)
    REQUIRE(polls[i]->ready(std::chrono::milliseconds(100)));
}
