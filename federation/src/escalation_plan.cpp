// What the Escalation rules do to an incident left unacknowledged, for iocctl and PolicyTest.
#include <algorithm>
#include <optional>

#include "ioc/federation/policy_engine.hpp"

namespace ioc::policy {
namespace {

std::string duration_text(TimeMs ms) {
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  return std::to_string(ms / 1000) + "s";
}

// When `rule` would fire for an incident still reported, counted from when its owner took it;
// nullopt if it never does (another domain, a lower severity, a status other than reported).
std::optional<TimeMs> fires_after(const EscalationRule& rule, Domain domain, Severity severity) {
  if (rule.domain && *rule.domain != domain) return std::nullopt;
  if (severity < rule.severity_at_least) return std::nullopt;
  if (rule.status && *rule.status != IncidentStatus::kReported) return std::nullopt;
  TimeMs after = 0;
  if (rule.unacknowledged_for) after = std::max(after, *rule.unacknowledged_for);
  if (rule.unresolved_for) after = std::max(after, *rule.unresolved_for);
  return after;
}

}  // namespace

EscalationPlan plan_escalation(const Engine& engine, const std::string& reporter, Domain domain,
                               Severity severity, TimeMs at) {
  EscalationPlan plan;
  plan.owner = engine.owner_for(reporter, domain, reporter, severity, at);
  const auto& rules = engine.policies().escalation;
  for (const auto& rule : rules)
    if (const auto after = fires_after(rule, domain, severity); !rule.escalate && after)
      plan.notices.push_back({rule.id, rule.where, rule.targets, *after});
  // The escalation monitor takes the first rule due; with the incident left alone, the one with
  // the shortest wait (ties by file order). Each new owner's timers start again.
  const EscalationRule* first = nullptr;
  TimeMs wait = 0;
  for (const auto& rule : rules) {
    if (!rule.escalate) continue;
    const auto after = fires_after(rule, domain, severity);
    if (after && (!first || *after < wait)) first = &rule, wait = *after;
  }
  if (!first) return plan;
  const std::string condition =
      wait == 0 ? "at once"
                : (first->unacknowledged_for ? "unacknowledged for " : "unresolved for ") +
                      duration_text(wait);
  std::string owner = plan.owner;
  for (std::size_t hops = 0; hops < engine.federation().nodes.size(); ++hops) {
    const std::string next = engine.escalation_target(owner, domain, reporter, severity, at);
    if (next.empty()) break;  // the root: nowhere to go
    plan.escalations.push_back({owner, next, first->id, first->where, wait, condition});
    owner = next;
  }
  return plan;
}

std::string describe(const EscalationPlan& plan) {
  std::string out = "owned by " + plan.owner;
  for (const auto& s : plan.escalations)
    out += "; " + s.condition + " (rule " + s.rule + ", " + s.where + ") to " + s.to;
  if (plan.escalations.empty()) out += "; no Escalation rule moves it on";
  for (const auto& n : plan.notices) {
    out += "; notifies";
    for (const auto& t : n.targets) out += " " + t;
    out += (n.after == 0 ? " at once" : " after " + duration_text(n.after)) + " (rule " + n.rule +
           ", " + n.where + ")";
  }
  return out;
}

}  // namespace ioc::policy
