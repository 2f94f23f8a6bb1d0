#pragma once

#include <string>

namespace ioc {

/// Receives live events after they are committed (alerts, incident changes, summaries), for the
/// WebSocket stream. Implementations must be thread-safe and must not block.
class EventSink {
 public:
  virtual ~EventSink() = default;
  /// `payload` is a complete JSON document: {"type": ..., "data": ...}.
  virtual void publish(const std::string& payload) = 0;
};

}  // namespace ioc
