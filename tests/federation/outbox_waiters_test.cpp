#include "outbox_waiters.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <future>
#include <utility>
#include <vector>

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
  bool ready(std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
    return future.wait_for(wait) == std::future_status::ready;
  }
};

/// Deadlines the test runs by hand: each parked poll's expiry, with its wait.
struct ManualDeadlines {
  std::vector<std::pair<std::chrono::milliseconds, std::function<void()>>> due;
  OutboxWaiters::After after() {
    return [this](std::chrono::milliseconds wait, std::function<void()> expire) {
      due.emplace_back(wait, std::move(expire));
    };
  }
};

}  // namespace

TEST_CASE("a parked poll is answered when something is queued for its child", "[outbox]") {
  test::TempDir dir;
  Store store({dir / "ioc.db"});
  Answered north, south;  // before the waiters: their destructor answers what is still parked
  ManualDeadlines deadlines;
  OutboxWaiters waiters(store, deadlines.after());
  waiters.park("city/north", 0, 10, std::chrono::seconds(10), north.answer());
  waiters.park("city/south", 0, 10, std::chrono::seconds(10), south.answer());
  store.write(
      [](Store::Writer& w) { w.append_outbox("city/north", "command", 1, "{\"id\":\"c1\"}"); });
  waiters.notify("city/north");
  REQUIRE(north.ready());  // answered by notify, on this thread
  const auto got = north.future.get();
  REQUIRE(got.size() == 1);
  CHECK(got[0].body == "{\"id\":\"c1\"}");
  CHECK_FALSE(south.ready());  // nothing for south yet
  // North's deadline comes after its answer: nothing happens.
  deadlines.due.at(0).second();
  CHECK_FALSE(south.ready());
}

TEST_CASE("a parked poll is answered empty when its wait runs out", "[outbox]") {
  test::TempDir dir;
  Store store({dir / "ioc.db"});
  Answered poll;
  ManualDeadlines deadlines;
  OutboxWaiters waiters(store, deadlines.after());
  waiters.park("city/north", 0, 10, std::chrono::milliseconds(50), poll.answer());
  REQUIRE(deadlines.due.size() == 1);
  CHECK(deadlines.due[0].first == std::chrono::milliseconds(50));
  CHECK_FALSE(poll.ready());
  deadlines.due[0].second();
  REQUIRE(poll.ready());
  CHECK(poll.future.get().empty());
}

TEST_CASE("a fifth poll from one child answers the oldest empty, and stop answers the rest",
          "[outbox]") {
  test::TempDir dir;
  Store store({dir / "ioc.db"});
  std::vector<std::unique_ptr<Answered>> polls;
  ManualDeadlines deadlines;
  OutboxWaiters waiters(store, deadlines.after());
  for (std::size_t i = 0; i <= OutboxWaiters::kPerChild; ++i) {
    polls.push_back(std::make_unique<Answered>());
    waiters.park("city/north", 0, 10, std::chrono::seconds(30), polls.back()->answer());
  }
  REQUIRE(polls[0]->ready());
  CHECK(polls[0]->future.get().empty());
  CHECK_FALSE(polls[1]->ready());
  waiters.stop();
  for (std::size_t i = 1; i < polls.size(); ++i) REQUIRE(polls[i]->ready());
  // After stop, a poll is answered at once and deadlines find nothing.
  Answered late;
  waiters.park("city/north", 0, 10, std::chrono::seconds(30), late.answer());
  CHECK(late.ready());
  for (auto& [wait, expire] : deadlines.due) expire();
}
