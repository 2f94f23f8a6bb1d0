#include <algorithm>
#include <chrono>
#include <random>

#include "ioc/federation/policy_engine.hpp"

namespace ioc::policy {

BenchReport bench(const Engine& engine, const FederationConfig& fed, std::size_t decisions,
                  unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<TimeMs> instants{SystemClock().now()};
  for (const auto& g : engine.policies().grants) {
    if (g.valid_from) instants.insert(instants.end(), {*g.valid_from - 1, *g.valid_from});
    if (g.valid_until) instants.insert(instants.end(), {*g.valid_until - 1, *g.valid_until});
  }
  auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::vector<Question> pool(std::min<std::size_t>(decisions, 1 << 16));
  for (auto& q : pool) {
    q.subject = fed.nodes[pick(fed.nodes.size())].id;
    q.action = static_cast<Action>(pick(kActionCount));
    q.domain = static_cast<Domain>(pick(kDomainCount));
    q.area = fed.nodes[pick(fed.nodes.size())].id;
    q.severity = static_cast<Severity>(pick(4));
    q.at = instants[pick(instants.size())];
  }
  using Clock = std::chrono::steady_clock;
  BenchReport out;
  out.decisions = decisions;
  const auto start = Clock::now();
  for (std::size_t i = 0; i < decisions; ++i) out.allowed += engine.allows(pool[i % pool.size()]);
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.per_second = static_cast<double>(decisions) / out.seconds;

  std::vector<double> us(std::min<std::size_t>(decisions, 200'000));
  volatile std::size_t sink = 0;  // keeps the timed calls observable
  for (std::size_t i = 0; i < us.size(); ++i) {
    const auto t0 = Clock::now();
    sink = sink + engine.allows(pool[i % pool.size()]);
    us[i] = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  }
  std::sort(us.begin(), us.end());
  if (!us.empty()) {
    out.p50_us = us[us.size() / 2];
    out.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  }
  return out;
}

}  // namespace ioc::policy
