#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "ioc/authorizer.hpp"
#include "node_context.hpp"

namespace ioc {

/// Stores an alert this node issues (from a rule, an escalation or an operator) inside a write
/// job: deactivates the one it replaces (`replaces`, empty if none), appends it to the event log
/// (which carries it up the federation), publishes it on the live stream after the commit and
/// hands it to NodeContext::alert_recorded (which carries it down). Returns its log seq.
std::int64_t record_alert(NodeContext& ctx, WriteContext& w, const Alert& alert,
                          const std::string& replaces);

/// Alerts operators issue by hand (POST /api/v1/alerts): CAP Alert, Update and Cancel, decided
/// by the authorizer (`publish-alert`) for every node the alert covers.
class AlertService {
 public:
  explicit AlertService(NodeContext& ctx) : ctx_(ctx) {}

  /// Checks `body` (docs/api.md), asks the authorizer and stores the alert; `done` gets it once
  /// committed, or the error (400 naming the field, 403, 404 or 409 for what it references).
  void publish(const Actor& actor, const nlohmann::json& body, Completion<Alert> done);

 private:
  NodeContext& ctx_;
};

}  // namespace ioc
