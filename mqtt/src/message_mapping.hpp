#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "incident_service.hpp"
#include "ioc/config.hpp"
#include "ioc/model.hpp"

namespace ioc::mqtt {

/// A message a subscription's payload could not become readings or an incident from, with the
/// reason an operator reads in GET /api/v1/sources.
class BadMessage : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The subscription a topic belongs to and the values of its placeholders.
struct TopicMatch {
  std::size_t subscription = 0;
  std::string area, source, metric, camera;
  /// A placeholder's value by its name ("area", ...).
  const std::string& level(const std::string& name) const;
};

/// Finds the subscription a topic belongs to: the first, in file order, whose pattern fits it.
class TopicMatcher {
 public:
  explicit TopicMatcher(const std::vector<SourceSubscription>& subscriptions);
  std::optional<TopicMatch> match(std::string_view topic) const;

 private:
  std::vector<std::vector<std::string>> patterns_;  // each subscription's levels
};

/// What one message becomes: readings, or one incident to report.
struct Mapped {
  std::vector<Observation> rows;
  std::optional<IncidentDraft> incident;
};

/// What mapping a message needs besides the message: where it may report, and the cameras.
struct MappingScope {
  const FederationConfig& federation;
  const std::string& node_id;  ///< readings are for this node or a node below it
  const std::vector<Camera>& cameras;
  TimeMs now = 0;  ///< the time of readings that carry none, and what relative times add to
};

/// Maps a message's payload as its subscription says (SenML, RFC 8428, or JSON fields). Throws
/// BadMessage with the reason: not JSON, not SenML, a field missing or of the wrong type, an
/// area outside this node's subtree, an unknown camera, a value not finite, no readings.
Mapped map_message(const SourceSubscription& subscription, const TopicMatch& match,
                   std::string_view payload, const MappingScope& scope);

}  // namespace ioc::mqtt
