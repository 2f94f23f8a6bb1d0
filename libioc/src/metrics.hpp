#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace ioc {

/// The threads a node runs, for counting what escaped a thread's work and was recovered.
enum class ThreadKind { kIo, kWriter, kUplink, kLongPoll, kTicker };
inline constexpr std::size_t kThreadKinds = 5;

/// Counters and gauges exported at /metrics in Prometheus text format. Lock-free; thread-safe.
struct Metrics {
  std::atomic<std::uint64_t> observations_ingested{0};
  std::atomic<std::uint64_t> ingest_batches{0};
  std::atomic<std::uint64_t> ingest_rejected{0};
  std::atomic<std::uint64_t> alerts_raised{0};
  std::atomic<std::uint64_t> alerts_cancelled{0};
  std::atomic<std::uint64_t> incidents_opened{0};
  std::atomic<std::uint64_t> incident_actions{0};
  std::atomic<std::uint64_t> service_requests{0};
  std::atomic<std::uint64_t> auth_failures{0};
  std::atomic<std::uint64_t> events_received{0};
  std::atomic<std::uint64_t> events_sent{0};
  std::atomic<std::uint64_t> events_quarantined{0};
  /// New epochs started because the parent held more of this node's log than its store did.
  std::atomic<std::uint64_t> epoch_restarts{0};
  std::atomic<std::int64_t> open_connections{0};
  std::atomic<std::int64_t> stream_clients{0};
  std::atomic<std::int64_t> event_log_seq{0};
  /// Responses by status class: index 1..5 for 1xx..5xx.
  std::array<std::atomic<std::uint64_t>, 6> responses{};
  /// Failures caught at a thread's edge (logged; the thread went on), by ThreadKind.
  std::array<std::atomic<std::uint64_t>, kThreadKinds> thread_errors{};

  void count_response(int status) { responses[static_cast<std::size_t>(status / 100 % 6)]++; }
  /// Renders every metric with HELP and TYPE lines; `node` labels them.
  std::string render(const std::string& node) const;
};

/// `value` as a Prometheus label value: backslash, double quote and newline escaped.
std::string metric_label(const std::string& value);

}  // namespace ioc
