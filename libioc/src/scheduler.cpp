#include "scheduler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <list>
#include <thread>

#include "thread_guard.hpp"

namespace ioc {

namespace asio = boost::asio;

struct Scheduler::Impl {
  struct Task {
    Task(asio::io_context& io, std::chrono::milliseconds every, const char* what,
         std::function<void()> fn)
        : timer(io), interval(every), name(what), run(std::move(fn)) {}
    asio::steady_timer timer;
    std::chrono::milliseconds interval;
    const char* name;
    std::function<void()> run;
  };

  explicit Impl(Metrics& m) : metrics(m) {}

  void arm(Task& task) {
    task.timer.expires_after(task.interval);
    task.timer.async_wait([this, &task](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: stopping
      guarded(metrics, ThreadKind::kTicker, task.name, task.run);
      arm(task);
    });
  }

  Metrics& metrics;
  asio::io_context io;
  std::list<Task> tasks;  // stable addresses for the handlers
  std::thread thread;
};

Scheduler::Scheduler(Metrics& metrics) : impl_(std::make_unique<Impl>(metrics)) {}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::every(std::chrono::milliseconds interval, const char* name,
                      std::function<void()> task) {
  impl_->tasks.emplace_back(impl_->io, interval, name, std::move(task));
}

void Scheduler::after(std::chrono::milliseconds delay, const char* name,
                      std::function<void()> task) {
  auto timer = std::make_shared<asio::steady_timer>(impl_->io, delay);
  timer->async_wait(
      [this, timer, name, task = std::move(task)](const boost::system::error_code& ec) {
        if (!ec) guarded(impl_->metrics, ThreadKind::kTicker, name, task);
      });
}

void Scheduler::post(const char* name, std::function<void()> task) {
  asio::post(impl_->io, [this, name, task = std::move(task)] {
    guarded(impl_->metrics, ThreadKind::kTicker, name, task);
  });
}

void Scheduler::start() {
  for (auto& task : impl_->tasks) impl_->arm(task);
  impl_->thread = std::thread([this] {
    // The periodic timers keep the context busy until stop.
    guarded(impl_->metrics, ThreadKind::kTicker, "the scheduler", [this] { impl_->io.run(); });
  });
}

void Scheduler::stop() {
  if (!impl_->thread.joinable()) return;
  // A task that is running finishes; nothing else runs.
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace ioc
