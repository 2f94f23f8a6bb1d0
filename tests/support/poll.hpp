#pragma once

// Waiting for a condition in a test: ask until it holds or a deadline passes (never a fixed
// sleep followed by an assertion).
#include <chrono>
#include <thread>

namespace ioc::test {

/// Asks `holds` every 20 ms until it answers true or `timeout` has passed; returns its last
/// answer, for the test to check.
template <typename F>
bool poll_until(F&& holds, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (holds()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace ioc::test
