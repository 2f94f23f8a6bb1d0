#include "write_queue.hpp"

#include <future>

#include "ioc/error.hpp"
#include "thread_guard.hpp"

namespace ioc {

WriteQueue::WriteQueue(Store& store, Options options, std::function<void()> on_commit_failure,
                       std::function<void()> on_commit)
    : store_(store),
      options_(options),
      on_commit_failure_(std::move(on_commit_failure)),
      on_commit_(std::move(on_commit)),
      thread_([this] { loop(); }) {}

WriteQueue::~WriteQueue() {
  stop();
}

bool WriteQueue::submit(Job job, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.max_pending) return false;
    queue_.emplace_back(std::move(job), std::move(done));
  }
  wake_.notify_one();
  return true;
}

void WriteQueue::run(Job job) {
  std::promise<void> committed;
  auto result = committed.get_future();
  const bool queued = submit(std::move(job), [&committed](std::exception_ptr error) {
    if (error)
      committed.set_exception(error);
    else
      committed.set_value();
  });
  if (!queued) throw queue_full();
  result.get();
}

Error WriteQueue::queue_full() {
  return Error(ErrorCode::kTooManyRequests, "the node's write queue is full; retry shortly");
}

void WriteQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void WriteQueue::loop() {
  std::vector<std::pair<Job, Done>> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping with nothing left
      while (!queue_.empty() && batch.size() < options_.max_per_commit) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit(batch);
    batch.clear();
  }
}

namespace {

// Where failures at the writer's edge are counted when no Metrics are given (they are logged).
Metrics& unreported() {
  static Metrics m;
  return m;
}

}  // namespace

void WriteQueue::commit(std::vector<std::pair<Job, Done>>& batch) {
  std::vector<std::exception_ptr> errors(batch.size());
  std::vector<std::function<void()>> after;
  bool commit_failed = false;
  Metrics& metrics = options_.metrics ? *options_.metrics : unreported();
  const auto safely = [&metrics](const std::function<void()>& f, const char* what) {
    if (f) guarded(metrics, ThreadKind::kWriter, what, f);
  };
  try {
    store_.write([&](Store::Writer& w) {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        WriteContext ctx{w, {}};
        try {
          w.savepoint([&] { batch[i].first(ctx); });
          for (auto& f : ctx.after_commit) after.push_back(std::move(f));
        } catch (...) {
          for (auto it = ctx.on_failure.rbegin(); it != ctx.on_failure.rend(); ++it)
            safely(*it, "undoing a failed job");
          // If SQLite dropped the whole transaction, the jobs before this one are gone too: the
          // batch fails as one (below), rather than later jobs writing outside a transaction.
          if (!w.transaction_open()) throw;
          errors[i] = std::current_exception();
        }
      }
    });
  } catch (...) {
    // The commit itself failed: nothing in this batch is durable.
    for (auto& e : errors) e = std::current_exception();
    after.clear();
    commit_failed = true;
  }
  // The hooks, the after-commit work and the completions are the writer thread's edge: none of
  // them may take it down.
  if (commit_failed)
    safely(on_commit_failure_, "the commit-failure hook");
  else
    safely(on_commit_, "the commit hook");
  // Live notifications go out before the answers, so a client never sees its 2xx ahead of the
  // event.
  for (auto& f : after) safely(f, "work after a commit");
  // A completion must not take the writer down either.
  for (std::size_t i = 0; i < batch.size(); ++i)
    if (batch[i].second) safely([&] { batch[i].second(errors[i]); }, "a job's completion");
}

}  // namespace ioc
