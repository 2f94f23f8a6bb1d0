#pragma once

#include <exception>
#include <iostream>

#include "metrics.hpp"

namespace ioc {

/// Logs and counts a failure caught at a thread's edge (`ioc_thread_errors_total`). Never throws.
inline void report_thread_error(Metrics& metrics, ThreadKind kind, const char* what,
                                const char* reason) noexcept {
  metrics.thread_errors[static_cast<std::size_t>(kind)]++;
  try {
    std::cerr << "iocd: " << what << " failed and recovered: " << reason << std::endl;
  } catch (...) {
  }
}

/// The edge of a node thread's unit of work: runs `fn`; whatever escapes it is logged and
/// counted, and never passed on, so the thread goes on (a link goes down and retries, a ticker
/// ticks again) instead of terminating the process. False if `fn` failed.
template <typename F>
bool guarded(Metrics& metrics, ThreadKind kind, const char* what, F&& fn) noexcept {
  try {
    fn();
    return true;
  } catch (const std::exception& e) {
    report_thread_error(metrics, kind, what, e.what());
  } catch (...) {
    report_thread_error(metrics, kind, what, "unknown exception");
  }
  return false;
}

}  // namespace ioc
