#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ioc/time.hpp"

namespace ioc::federation {

/// Events per POST at most; a receiver refuses larger batches.
inline constexpr std::size_t kMaxEventsPerBatch = 1000;

/// One log entry as it travels between nodes.
struct WireEvent {
  std::string origin;
  std::string epoch;
  std::int64_t seq = 0;
  std::string type;
  TimeMs ts = 0;
  nlohmann::json body;
};

struct EventBatch {
  std::vector<WireEvent> events;
  std::int64_t backlog = 0;    ///< entries the sender still holds after these
  std::string policy_version;  ///< the policy version the sender enforces, if it said
  /// The state of the nodes below the sender as it sees them: its children's links and what
  /// they relayed of theirs ({"node", "state", "lastSync", "lagSeconds"}); only in some batches
  /// (every heartbeat interval), absent from the others. Which nodes it names is checked by the
  /// receiver.
  std::optional<nlohmann::json> subtree;
};

/// At most this many nodes in a batch's subtree.
inline constexpr std::size_t kMaxSubtreeNodes = 10'000;

/// Parses the body of POST /federation/v1/events: {"events": [...], "backlog": N}. Throws
/// Error(kBadRequest, or kPayloadTooLarge over kMaxEventsPerBatch) whose field names the entry,
/// e.g. "events[3].seq". Does not look at bodies beyond requiring an object.
EventBatch parse_event_batch(std::string_view text);

}  // namespace ioc::federation
