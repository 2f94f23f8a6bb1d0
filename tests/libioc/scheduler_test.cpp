#include "scheduler.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>

#include "poll.hpp"

using namespace ioc;
using std::chrono::milliseconds;

TEST_CASE("the scheduler runs periodic, delayed and posted tasks on its thread", "[scheduler]") {
  Metrics metrics;
  Scheduler scheduler(metrics);
  std::atomic<int> ticks{0}, failures{0}, once{0}, posted{0};
  scheduler.every(milliseconds(10), "a tick", [&] { ++ticks; });
  // A task that throws is counted at the thread's edge and runs again at its next tick.
  scheduler.every(milliseconds(10), "a failing tick", [&] {
    ++failures;
    throw std::runtime_error("boom");
  });
  scheduler.start();
  scheduler.after(milliseconds(20), "a deadline", [&] { ++once; });
  scheduler.post("a hand-over", [&] { ++posted; });
  CHECK(test::poll_until([&] { return ticks >= 3 && failures >= 3 && once == 1 && posted == 1; }));
  CHECK(metrics.thread_errors[static_cast<std::size_t>(ThreadKind::kTicker)] >= 3);
  scheduler.stop();
  scheduler.stop();  // idempotent
  CHECK(once == 1);  // a deadline runs once
}

TEST_CASE("a deadline not yet due when the scheduler stops never runs", "[scheduler]") {
  Metrics metrics;
  std::atomic<bool> ran{false};
  {
    Scheduler scheduler(metrics);
    scheduler.start();
    scheduler.after(std::chrono::hours(1), "far away", [&] { ran = true; });
  }  // stops without waiting for it
  CHECK_FALSE(ran);
}
