#include "outbox_waiters.hpp"

#include <algorithm>

namespace ioc::federation {
namespace {

// Answers run on the writer's or the scheduler's thread: one that fails must not stop either.
void answer_safely(const OutboxWaiters::Answer& answer, std::vector<LoggedEvent> entries) {
  try {
    answer(std::move(entries));
  } catch (...) {
  }
}

}  // namespace

OutboxWaiters::OutboxWaiters(const Store& store, After after)
    : store_(store), after_(std::move(after)) {}

OutboxWaiters::~OutboxWaiters() {
  stop();
}

void OutboxWaiters::park(const std::string& child, std::int64_t after, int limit,
                         std::chrono::milliseconds wait, Answer answer) {
  std::vector<Answer> crowded_out;
  std::uint64_t id = 0;
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
      id = ++last_id_;
      waiting_.push_back(Waiter{id, child, after, limit, std::move(answer)});
    }
  }
  for (auto& a : crowded_out) answer_safely(a, {});
  if (id) after_(wait, [this, id] { expire(id); });
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
    stopping_ = true;
    all.swap(waiting_);
  }
  for (auto& w : all) answer_safely(w.answer, {});
}

void OutboxWaiters::expire(std::uint64_t id) {
  Answer due;
  {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(waiting_.begin(), waiting_.end(),
                                 [id](const Waiter& w) { return w.id == id; });
    if (it == waiting_.end()) return;  // answered already
    due = std::move(it->answer);
    waiting_.erase(it);
  }
  answer_safely(due, {});
}

}  // namespace ioc::federation
