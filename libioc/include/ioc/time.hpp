#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ioc {

/// Milliseconds since the Unix epoch, UTC. All timestamps inside libioc use it.
using TimeMs = std::int64_t;

/// Parses RFC 3339 ("2025-10-27T08:00:00Z", "2025-10-27T15:00:00.250+07:00"); nullopt if invalid.
std::optional<TimeMs> parse_rfc3339(std::string_view text);
/// Formats as RFC 3339 UTC with milliseconds: "2025-10-27T08:00:00.000Z".
std::string format_rfc3339(TimeMs t);
/// Parses a duration such as "90s", "5m", "48h", "7d" or "250ms" into milliseconds.
std::optional<TimeMs> parse_duration(std::string_view text);

/// Time source; tests inject a manual clock. Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now() const = 0;
};

/// The wall clock.
class SystemClock final : public Clock {
 public:
  TimeMs now() const override;
};

}  // namespace ioc
