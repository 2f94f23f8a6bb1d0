#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ioc/error.hpp"
#include "metrics.hpp"
#include "store.hpp"

namespace ioc {

/// Completes an asynchronous operation exactly once, on any thread: with its result, or with the
/// error that stopped it.
template <typename T>
using Completion = std::function<void(T, std::exception_ptr)>;

/// Waits for an asynchronous operation that `start(done)` begins, and returns its result or
/// throws its error: for threads that may wait (an embedding program's, the scheduler's, the
/// link's), never an HTTP I/O thread.
template <typename T, typename Start>
T wait_for(Start&& start) {
  std::promise<T> finished;
  auto result = finished.get_future();
  start(Completion<T>([&finished](T value, std::exception_ptr error) {
    if (error)
      finished.set_exception(error);
    else
      finished.set_value(std::move(value));
  }));
  return result.get();
}

/// What a job may do inside the shared transaction besides writing: queue work for after commit
/// (live notifications), which is dropped if the job fails, and work for if it fails (putting
/// back in-memory state it changed with the store), run newest first right after its savepoint
/// rolled back.
struct WriteContext {
  Store::Writer& writer;
  std::vector<std::function<void()>> after_commit;
  std::vector<std::function<void()>> on_failure = {};
};

/// The node's single writer. Jobs from any thread run in order on one thread; everything queued
/// at the moment the writer wakes is committed in one transaction, each job under its own
/// savepoint so a failing job changes nothing and does not hold back the others. A job's `done`
/// runs once its effects are committed (or with the error that stopped it). Thread-safe.
class WriteQueue {
 public:
  using Job = std::function<void(WriteContext&)>;
  using Done = std::function<void(std::exception_ptr)>;

  struct Options {
    std::size_t max_pending = 1024;    ///< jobs queued at most; submit refuses beyond
    std::size_t max_per_commit = 256;  ///< jobs grouped into one transaction at most
    /// Where a failure caught at the writer thread's edge (a hook, after-commit work, a
    /// completion) is counted and logged; none if null.
    Metrics* metrics = nullptr;
  };

  /// `on_commit_failure` runs on the writer thread when a commit fails (nothing of its batch is
  /// durable), so in-memory state its jobs changed can be taken from the store again. A job that
  /// fails alone puts back its own state (WriteContext::on_failure).
  /// `on_commit` runs on the writer thread after each successful commit (to wake the federation
  /// link at once).
  WriteQueue(Store& store, Options options, std::function<void()> on_commit_failure = {},
             std::function<void()> on_commit = {});
  ~WriteQueue();

  /// Queues a job; false (nothing queued) when the queue is full or stopped.
  bool submit(Job job, Done done);
  /// Runs a job and waits for its commit; rethrows its error. Throws kTooManyRequests when full.
  void run(Job job);
  /// Runs `job` in the writer; `done` gets what it returns once committed, or its error (at once
  /// an Error(kTooManyRequests) when the queue is full). Does not wait.
  template <typename T>
  void submit_for(std::function<T(WriteContext&)> job, Completion<T> done);
  /// Commits what is queued, then stops the thread. Later submits are refused.
  void stop();

 private:
  static class Error queue_full();
  void loop();
  void commit(std::vector<std::pair<Job, Done>>& batch);

  Store& store_;
  Options options_;
  std::function<void()> on_commit_failure_;
  std::function<void()> on_commit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<Job, Done>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

template <typename T>
void WriteQueue::submit_for(std::function<T(WriteContext&)> job, Completion<T> done) {
  auto out = std::make_shared<T>();
  const bool queued =
      submit([out, job = std::move(job)](WriteContext& w) { *out = job(w); },
             [out, done](std::exception_ptr error) { done(error ? T{} : std::move(*out), error); });
  if (!queued) done(T{}, std::make_exception_ptr(queue_full()));
}

}  // namespace ioc
