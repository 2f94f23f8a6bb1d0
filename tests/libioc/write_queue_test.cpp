#include "write_queue.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>

#include "ioc/error.hpp"
#include "temp_dir.hpp"

using namespace ioc;

namespace {
Observation obs(double v) {
  return Observation{"s", "m", 1, v, "u", "city", {}};
}
}  // namespace

TEST_CASE("run waits for the commit and rethrows a job's error", "[write_queue]") {
  ioc::test::TempDir dir;
  Store store({dir / "ioc.db"});
  WriteQueue q(store, {});
  q.run([](WriteContext& w) { w.writer.insert_observations({obs(1)}); });
  CHECK(store.observation_count() == 1);
  CHECK_THROWS_WITH(q.run([](WriteContext&) { throw Error(ErrorCode::kConflict, "nope"); }),
                    "nope");
}

TEST_CASE("a failing job neither blocks nor spoils the others in its commit", "[write_queue]") {
  ioc::test::TempDir dir;
  Store store({dir / "ioc.db"});
  std::atomic<int> commit_failures{0};
  WriteQueue q(store, {}, [&] { commit_failures++; });
  std::atomic<int> after{0};
  std::vector<std::future<bool>> done;
  for (int i = 0; i < 50; ++i) {
    auto p = std::make_shared<std::promise<bool>>();
    done.push_back(p->get_future());
    REQUIRE(q.submit(
        [i, &after](WriteContext& w) {
          w.writer.insert_observations({obs(i)});
          w.after_commit.push_back([&after] { after++; });
          if (i % 10 == 3) throw Error(ErrorCode::kBadRequest, "bad job");
        },
        [p](std::exception_ptr e) { p->set_value(e == nullptr); }));
  }
  int ok = 0;
  for (auto& f : done) ok += f.get() ? 1 : 0;
  CHECK(ok == 45);
  CHECK(store.observation_count() == 45);
  CHECK(after == 45);           // after-commit work of failed jobs is dropped
  CHECK(commit_failures == 0);  // each failed job rolled back alone; every commit went through
}

TEST_CASE("a full queue refuses instead of growing without bound", "[write_queue]") {
  ioc::test::TempDir dir;
  Store store({dir / "ioc.db"});
  WriteQueue q(store, WriteQueue::Options{2, 1});
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::promise<void> started;
  REQUIRE(q.submit(
      [gate, &started](WriteContext&) {
        started.set_value();
        gate.wait();
      },
      {}));
  started.get_future().wait();
  CHECK(q.submit([](WriteContext&) {}, {}));
  CHECK(q.submit([](WriteContext&) {}, {}));
  CHECK_FALSE(q.submit([](WriteContext&) {}, {}));
  CHECK_THROWS_AS(q.run([](WriteContext&) {}), Error);
  release.set_value();
  q.stop();
  CHECK_FALSE(q.submit([](WriteContext&) {}, {}));
}

TEST_CASE("stop commits everything already queued", "[write_queue]") {
  ioc::test::TempDir dir;
  Store store({dir / "ioc.db"});
  {
    WriteQueue q(store, {});
    for (int i = 0; i < 100; ++i)
      q.submit([i](WriteContext& w) { w.writer.insert_observations({obs(i)}); }, {});
    q.stop();
  }
  CHECK(store.observation_count() == 100);
}

TEST_CASE("an SQLite error inside a batch fails its job only and the statement works again",
          "[write_queue]") {
  ioc::test::TempDir dir;
  Store store({dir / "ioc.db"});
  WriteQueue q(store, {});
  const auto token = [](const std::string& hash) {
    TokenRecord t;
    t.name = "t-" + hash;
    t.hash = hash;
    return t;
  };
  q.run([&](WriteContext& w) { w.writer.insert_token(token("aa")); });
  // One commit: a job before, the job whose INSERT violates UNIQUE(hash) inside SQLite, and jobs
  // after that run the same cached statement again.
  std::vector<std::future<bool>> done;
  for (const std::string hash : {"bb", "aa", "cc", "dd"}) {
    auto p = std::make_shared<std::promise<bool>>();
    done.push_back(p->get_future());
    REQUIRE(q.submit([&token, hash](WriteContext& w) { w.writer.insert_token(token(hash)); },
                     [p](std::exception_ptr e) { p->set_value(e == nullptr); }));
  }
  std::vector<bool> ok;
  for (auto& f : done) ok.push_back(f.get());
  CHECK(ok == std::vector<bool>{true, false, true, true});
  CHECK(store.tokens().size() == 4);  // aa, bb, cc, dd: the failed job left nothing
  q.run([&](WriteContext& w) { w.writer.insert_token(token("ee")); });
  CHECK(store.tokens().size() == 5);
}

TEST_CASE("work after a commit that throws is counted and logged, and the writer goes on",
          "[write_queue]") {
  ioc::test::TempDir dir;
  Store store({dir / "ioc.db"});
  Metrics metrics;
  WriteQueue q(store, WriteQueue::Options{16, 4, &metrics});
  q.run([](WriteContext& w) {
    w.writer.insert_observations({obs(1)});
    w.after_commit.push_back([] { throw std::runtime_error("a publisher failed"); });
  });
  CHECK(metrics.thread_errors[static_cast<std::size_t>(ThreadKind::kWriter)] == 1);
  q.run([](WriteContext& w) { w.writer.insert_observations({obs(2)}); });
  CHECK(store.observation_count() == 2);
}
