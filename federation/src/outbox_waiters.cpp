#include "outbox_waiters.hpp"

#include <algorithm>

namespace ioc::federation {
namespace {

// Answers run on the writer or the timer thread: one that fails must not stop either.
void answer_safely(const OutboxWaiters::Answer& answer, std::vector<LoggedEvent> entries) {
  try {
    answer(std::move(entries));
  } catch (...) {
  }
}

}  // namespace

OutboxWaiters::OutboxWaiters(const Store& store) : store_(store), timer_([this] { expire(); }) {}

OutboxWaiters::~OutboxWaiters() {
  stop();
}

void OutboxWaiters::park(const std::string& child, std::int64_t after, int limit,
                         std::chrono::milliseconds wait, Answer answer) {
  std::vector<Answer> crowded_out;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      crowded_out.push_back(std::move(answer));
    } else {
      const auto mine = std::count_if(waiting_.begin(), waiting_.end(),
                                      [&](const Waiter& w) { return w.child == child; });
      if (static_cast<std::size_t>(mine) >= kPerChild) {
        const auto oldest = std::find_if(waiting_.begin(), waiting_.end(),
                                         [&](const Waiter& w) { return w.child == child; });
        crowded_out.push_back(std::move(oldest->answer));
        waiting_.erase(oldest);
      }
      waiting_.push_back(
          Waiter{child, after, limit, std::chrono::steady_clock::now() + wait, std::move(answer)});
    }
  }
  for (auto& a : crowded_out) answer_safely(a, {});
  // Something may have been queued between the caller's look and parking: look again.
  notify(child);
}

void OutboxWaiters::notify(const std::string& child) {
  std::vector<Waiter> mine;
  {
    std::lock_guard lock(mutex_);
    auto split = std::stable_partition(waiting_.begin(), waiting_.end(),
                                       [&](const Waiter& w) { return w.child != child; });
    mine.assign(std::make_move_iterator(split), std::make_move_iterator(waiting_.end()));
    waiting_.erase(split, waiting_.end());
  }
  std::vector<Waiter> still_waiting;
  for (auto& w : mine) {
    std::vector<LoggedEvent> entries;
    try {
      entries = store_.outbox_after(w.child, w.after, w.limit);
    } catch (...) {
      // A failed read answers empty: the child asks again.
    }
    if (entries.empty())
      still_waiting.push_back(std::move(w));
    else
      answer_safely(w.answer, std::move(entries));
  }
  if (still_waiting.empty()) return;
  std::lock_guard lock(mutex_);
  for (auto& w : still_waiting) waiting_.push_back(std::move(w));
}

void OutboxWaiters::stop() {
  std::vector<Waiter> all;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !timer_.joinable()) return;
    stopping_ = true;
    all.swap(waiting_);
  }
  wake_.notify_all();
  if (timer_.joinable()) timer_.join();
  for (auto& w : all) answer_safely(w.answer, {});
}

void OutboxWaiters::expire() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(100));
    const auto now = std::chrono::steady_clock::now();
    std::vector<Waiter> due;
    auto split = std::stable_partition(waiting_.begin(), waiting_.end(),
                                       [&](const Waiter& w) { return w.deadline > now; });
    due.assign(std::make_move_iterator(split), std::make_move_iterator(waiting_.end()));
    waiting_.erase(split, waiting_.end());
    lock.unlock();
    for (auto& w : due) answer_safely(w.answer, {});
    lock.lock();
  }
}

}  // namespace ioc::federation
