#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ioc/config.hpp"
#include "ioc/time.hpp"

namespace ioc::mqtt {

/// What one connection has done, for GET /api/v1/sources and /metrics: its state, per
/// subscription what came and what was bad, the last bad messages with their reasons, and rates
/// over the last ten seconds. Thread-safe.
class SourceStats {
 public:
  SourceStats(const SourceConnection& config, const Clock& clock);

  /// The connection's state: "connecting", "up" or "down", with the reason when down.
  void set_state(const std::string& state, const std::string& error = "");
  void count_reconnect();
  /// Messages of a subscription committed, and the readings and incidents stored from them.
  void count_taken(std::size_t subscription, std::size_t messages, std::size_t rows,
                   std::size_t incidents);
  /// Messages the broker delivered again after a reconnect, already stored: acknowledged, not
  /// stored again.
  void count_duplicates(std::size_t messages);
  /// A message that could not be taken, kept with its reason; `subscription` is none when no
  /// subscription's pattern fits its topic.
  void count_bad(std::optional<std::size_t> subscription, const std::string& topic,
                 const std::string& reason);

  nlohmann::json to_json() const;
  /// The connection's lines of each series, labelled with `node`.
  struct Lines {
    std::string up, messages, rows, bad, duplicates, reconnects, last_message;
  };
  void add_metrics(const std::string& node, Lines& lines) const;

 private:
  struct Counts {
    std::uint64_t messages = 0, rows = 0, incidents = 0, bad = 0;
  };
  struct Bad {
    TimeMs at;
    std::string topic, subscription, reason;
  };
  // Per-second counts of the last ten seconds, for the rates.
  struct Second {
    TimeMs second = -1;
    std::uint64_t messages = 0, rows = 0;
  };
  Second& this_second();

  const SourceConnection& config_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::string state_ = "connecting";
  std::string error_;
  TimeMs since_;
  std::optional<TimeMs> last_message_;
  std::uint64_t duplicates_ = 0, reconnects_ = 0, unmatched_ = 0;
  std::vector<Counts> by_subscription_;
  std::deque<Bad> recent_bad_;
  std::array<Second, 10> seconds_{};
};

}  // namespace ioc::mqtt
