#include "escalation_monitor.hpp"

#include "ioc/error.hpp"

namespace ioc::federation {
namespace {

// When this node became the owner: the report, or the latest escalation.
TimeMs owned_since(const Incident& i) {
  for (auto it = i.history.rbegin(); it != i.history.rend(); ++it)
    if (it->action == "escalate" || it->action == "report") return it->at;
  return i.created;
}

bool notified(const Incident& i, const std::string& grant, TimeMs since) {
  for (const auto& e : i.history)
    if (e.action == "notify" && e.grant == grant && e.at >= since) return true;
  return false;
}

// Whether `rule` is due for `i` at `now`.
bool due(const policy::EscalationRule& rule, const Incident& i, TimeMs now) {
  if (!is_open(i.status)) return false;
  if (rule.domain && *rule.domain != i.domain) return false;
  if (i.severity < rule.severity_at_least) return false;
  if (rule.status && *rule.status != i.status) return false;
  const TimeMs since = owned_since(i);
  if (rule.unacknowledged_for &&
      (i.status != IncidentStatus::kReported || now - since < *rule.unacknowledged_for))
    return false;
  if (rule.unresolved_for && now - since < *rule.unresolved_for) return false;
  if (!rule.escalate && notified(i, "rule:" + rule.id, since)) return false;
  return true;
}

}  // namespace

int EscalationMonitor::run_once() {
  const auto engine = ctx_.policies.engine();
  const auto& rules = engine->policies().escalation;
  if (rules.empty()) return 0;
  const TimeMs now = ctx_.clock.now();
  std::vector<std::string> candidates;
  for (const auto& i : ctx_.store.open_incidents())
    if (i.owner == ctx_.node_id)
      for (const auto& rule : rules)
        if ((!rule.domain || *rule.domain == i.domain) && i.severity >= rule.severity_at_least) {
          candidates.push_back(i.id);
          break;
        }
  int taken = 0;
  for (const auto& id : candidates) {
    // Decided again inside the writer: the incident may have changed since it was listed.
    ctx_.writes.run([&](WriteContext& w) {
      auto found = w.writer.incident(id);
      if (!found || found->owner != ctx_.node_id) return;
      Incident& i = *found;
      for (const auto& rule : rules)  // notices first, from the owner that is due to send them
        if (!rule.escalate && due(rule, i, now)) {
          incidents_.notify_in(w, i, "escalation@" + ctx_.node_id, "rule:" + rule.id, rule.targets);
          ++taken;
        }
      for (const auto& rule : rules)
        if (rule.escalate && due(rule, i, now)) {
          try {
            incidents_.escalate_in(w, i, "escalation@" + ctx_.node_id, "rule " + rule.id,
                                   "rule:" + rule.id);
            ++taken;
          } catch (const Error&) {
            // The root has nowhere to escalate to: the rule stays quiet here.
          }
          break;
        }
    });
  }
  return taken;
}

}  // namespace ioc::federation
