#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "store.hpp"

namespace ioc::federation {

/// Parked long-polls of children (GET /federation/v1/events?wait=): each is answered as soon as
/// something is queued for its child, or empty when its wait runs out. At most kPerChild parked
/// per child; a newer poll answers the oldest empty. Thread-safe.
class OutboxWaiters {
 public:
  using Answer = std::function<void(std::vector<LoggedEvent>)>;
  /// Calls back once after a delay (the node's scheduler); must not call back once these waiters
  /// are destroyed.
  using After = std::function<void(std::chrono::milliseconds, std::function<void()>)>;
  static constexpr std::size_t kPerChild = 4;

  OutboxWaiters(const Store& store, After after);
  ~OutboxWaiters();

  void park(const std::string& child, std::int64_t after, int limit, std::chrono::milliseconds wait,
            Answer answer);
  /// Something was queued for `child`: answer its parked polls.
  void notify(const std::string& child);
  /// Answers every parked poll (empty); later polls are answered at once.
  void stop();

 private:
  struct Waiter {
    std::uint64_t id;
    std::string child;
    std::int64_t after;
    int limit;
    Answer answer;
  };
  /// The wait of poll `id` ran out: answers it empty if it is still parked.
  void expire(std::uint64_t id);

  const Store& store_;
  After after_;
  std::mutex mutex_;
  std::vector<Waiter> waiting_;
  std::uint64_t last_id_ = 0;
  bool stopping_ = false;
};

}  // namespace ioc::federation
