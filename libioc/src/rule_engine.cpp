#include "rule_engine.hpp"

#include <cstdio>

#include "crypto_util.hpp"

namespace ioc {
namespace {

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

RuleEngine::RuleEngine(std::vector<Rule> rules, const FederationConfig& federation, std::string node_id)
    : rules_(std::move(rules)), federation_(federation), node_id_(std::move(node_id)) {
  for (const auto& r : rules_) by_metric_[r.metric].push_back(&r);
}

void RuleEngine::restore(const std::vector<Alert>& active) {
  for (const auto& a : active) {
    if (a.rule_id.empty() || a.msg_type == CapMsgType::kCancel) continue;
    auto& s = state_[{a.rule_id, a.area}];
    s.active_alert = a.identifier;
    s.active_sent = a.sent;
  }
}

void RuleEngine::checkpoint() { saved_ = state_; }
void RuleEngine::rollback() { state_ = saved_; }

Alert RuleEngine::make_alert(const Rule& rule, const Observation& o, TimeMs now) const {
  Alert a;
  a.identifier = "ioc-" + crypto::random_hex(10);
  a.sender = node_id_;
  a.sent = now;
  a.category = rule.alert.category;
  a.event = rule.alert.event;
  a.urgency = rule.alert.urgency;
  a.severity = rule.alert.severity;
  a.certainty = rule.alert.certainty;
  a.headline = rule.alert.headline;
  a.area = o.area;
  a.onset = o.ts;
  a.rule_id = rule.id;
  return a;
}

void RuleEngine::evaluate(const Observation& o, TimeMs now, std::vector<RuleEffect>& out) {
  const auto it = by_metric_.find(o.metric);
  if (it == by_metric_.end()) return;
  for (const Rule* rule : it->second) {
    if (!federation_.in_subtree(o.area, rule->area)) continue;
    auto& s = state_[{rule->id, o.area}];
    const bool above = rule->comparison == Comparison::kAbove;
    const bool crossing = above ? o.value >= rule->threshold : o.value <= rule->threshold;
    const std::string where = o.metric + " " + format_value(o.value) + (o.unit.empty() ? "" : " " + o.unit) +
                              " at " + o.area;
    if (!s.active_alert.empty()) {
      const bool cleared = above ? o.value < rule->threshold - rule->hysteresis
                                 : o.value > rule->threshold + rule->hysteresis;
      if (!cleared) continue;
      RuleEffect e{rule, make_alert(*rule, o, now), s.active_alert, o};
      e.message.msg_type = CapMsgType::kCancel;
      e.message.urgency = "Past";
      e.message.active = false;
      e.message.headline = "Cancelled: " + rule->alert.headline;
      e.message.description = where + " is back " + (above ? "below " : "above ") + format_value(rule->threshold);
      e.message.references = {node_id_ + "," + s.active_alert + "," + format_rfc3339(s.active_sent)};
      out.push_back(std::move(e));
      s = State{};
      continue;
    }
    if (!crossing) {
      s.pending_since.reset();
      continue;
    }
    if (!s.pending_since || o.ts < *s.pending_since) s.pending_since = o.ts;
    if (o.ts - *s.pending_since < rule->hold_for) continue;
    RuleEffect e{rule, make_alert(*rule, o, now), "", o};
    e.message.description = where + " is " + (above ? "at or above " : "at or below ") +
                            format_value(rule->threshold) + " (rule " + rule->id + ")";
    s.active_alert = e.message.identifier;
    s.active_sent = e.message.sent;
    s.pending_since.reset();
    out.push_back(std::move(e));
  }
}

}  // namespace ioc
