#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "metrics.hpp"

namespace ioc {

/// The node's periodic work (summaries for the stream, escalation timers, retention, the
/// federation's checks) as Asio timers on one io_context with its own thread, so that work which
/// reads or writes the store never runs on an HTTP I/O thread. Each task runs inside its thread
/// edge (a failure is counted and logged, and the task runs again at its next tick).
class Scheduler {
 public:
  explicit Scheduler(Metrics& metrics);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Runs `task` every `interval` once started, the first time one interval after start. Only
  /// before start.
  void every(std::chrono::milliseconds interval, const char* name, std::function<void()> task);
  /// Runs `task` once on the scheduler's thread after `delay` (a deadline); dropped if the
  /// scheduler stops first.
  void after(std::chrono::milliseconds delay, const char* name, std::function<void()> task);
  /// Runs `task` once on the scheduler's thread, soon (work that may wait, handed over by a
  /// thread that must not: a reload asked for over HTTP). Dropped if the scheduler is stopped.
  void post(const char* name, std::function<void()> task);
  void start();
  /// Drops what is scheduled and waits for a task that is running. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ioc
