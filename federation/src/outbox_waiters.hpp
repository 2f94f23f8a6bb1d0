#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store.hpp"

namespace ioc::federation {

/// Parked long-polls of children (GET /federation/v1/events?wait=): each is answered as soon as
/// something is queued for its child, or empty when its wait runs out. At most kPerChild parked
/// per child; a newer poll answers the oldest empty. Thread-safe.
class OutboxWaiters {
 public:
  using Answer = std::function<void(std::vector<LoggedEvent>)>;
  static constexpr std::size_t kPerChild = 4;

  explicit OutboxWaiters(const Store& store);
  ~OutboxWaiters();

  void park(const std::string& child, std::int64_t after, int limit, std::chrono::milliseconds wait,
            Answer answer);
  /// Something was queued for `child`: answer its parked polls.
  void notify(const std::string& child);
  /// Answers every parked poll (empty) and stops the timer.
  void stop();

 private:
  struct Waiter {
    std::string child;
    std::int64_t after;
    int limit;
    std::chrono::steady_clock::time_point deadline;
    Answer answer;
  };
  void expire();

  const Store& store_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Waiter> waiting_;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace ioc::federation
