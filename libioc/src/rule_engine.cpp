#include "rule_engine.hpp"

#include <cstdio>

#include "cap_xml.hpp"
#include "crypto_util.hpp"

namespace ioc {
namespace {

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

RuleEngine::RuleEngine(std::vector<Rule> rules, const FederationConfig& federation,
                       std::string node_id)
    : rules_(std::move(rules)),
      node_id_(std::move(node_id)),
      areas_(rules_.size()),
      state_(rules_.size()) {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    by_metric_[rules_[i].metric].push_back(i);
    if (rules_[i].comparison == Comparison::kMissing) missing_.push_back(i);
  }
  set_federation(federation);
}

void RuleEngine::set_federation(const FederationConfig& federation) {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    areas_[i].clear();
    for (const auto& n : federation.nodes)
      if (federation.in_subtree(n.id, rules_[i].area)) areas_[i].insert(n.id);
  }
}

void RuleEngine::restore(const std::vector<Alert>& active) {
  for (const auto& a : active) {
    // Only this node's own: alerts from other nodes may carry a rule id of theirs.
    if (a.sender != node_id_ || a.rule_id.empty() || a.msg_type == CapMsgType::kCancel) continue;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      if (rules_[i].id != a.rule_id) continue;
      auto& s = state_[i][a.area];
      s.active_alert = a.identifier;
      s.active_sent = a.sent;
    }
  }
}

std::shared_ptr<const RuleEngine::Mark> RuleEngine::mark() const {
  return std::make_shared<const Mark>(Mark{state_});
}
void RuleEngine::rewind(const Mark& mark) {
  state_ = mark.state;
}
void RuleEngine::reset(const std::vector<Alert>& active) {
  state_.assign(rules_.size(), {});
  restore(active);
}

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
  for (const std::size_t index : it->second) {
    if (!areas_[index].count(o.area)) continue;
    if (rules_[index].comparison == Comparison::kMissing) {
      evaluate_missing(index, o, now, out);
      continue;
    }
    const Rule* rule = &rules_[index];
    auto& states = state_[index];
    const bool above = rule->comparison == Comparison::kAbove;
    const bool crossing = above ? o.value >= rule->threshold : o.value <= rule->threshold;
    auto found = states.find(o.area);
    // Most observations are quiet: no state to keep, nothing to do.
    if (found == states.end() && !crossing) continue;
    State& s = found != states.end() ? found->second : states[o.area];
    const auto where = [&] {
      return o.metric + " " + format_value(o.value) + (o.unit.empty() ? "" : " " + o.unit) +
             " at " + o.area;
    };
    if (!s.active_alert.empty()) {
      const bool cleared = above ? o.value < rule->threshold - rule->hysteresis
                                 : o.value > rule->threshold + rule->hysteresis;
      if (!cleared) continue;
      out.push_back(cancel(
          *rule, s, o, now,
          where() + " is back " + (above ? "below " : "above ") + format_value(rule->threshold)));
      states.erase(o.area);
      continue;
    }
    if (!crossing) {
      states.erase(o.area);
      continue;
    }
    if (!s.pending_since || o.ts < *s.pending_since) s.pending_since = o.ts;
    if (o.ts - *s.pending_since < rule->hold_for) continue;
    RuleEffect e{rule, make_alert(*rule, o, now), "", o};
    e.message.description = where() + " is " + (above ? "at or above " : "at or below ") +
                            format_value(rule->threshold) + " (rule " + rule->id + ")";
    s.active_alert = e.message.identifier;
    s.active_sent = e.message.sent;
    s.pending_since.reset();
    out.push_back(std::move(e));
  }
}

RuleEffect RuleEngine::cancel(const Rule& rule, const State& s, const Observation& o, TimeMs now,
                              const std::string& why) const {
  RuleEffect e{&rule, make_alert(rule, o, now), s.active_alert, o};
  e.message.msg_type = CapMsgType::kCancel;
  e.message.urgency = "Past";
  e.message.active = false;
  e.message.headline = "Cancelled: " + rule.alert.headline;
  e.message.description = why;
  e.message.references = {node_id_ + "," + s.active_alert + "," + cap_time(s.active_sent)};
  return e;
}

// A missingFor rule keeps one state for its whole area: any observation of the metric in it
// counts as the report having arrived.
void RuleEngine::evaluate_missing(std::size_t index, const Observation& o, TimeMs now,
                                  std::vector<RuleEffect>& out) {
  const Rule& rule = rules_[index];
  State& s = state_[index][rule.area];
  s.last_seen = now;
  if (s.active_alert.empty()) return;
  out.push_back(
      cancel(rule, s, o, now, o.metric + " arrived for " + o.area + " at " + format_rfc3339(now)));
  s.active_alert.clear();
}

void RuleEngine::check_missing(TimeMs now, std::vector<RuleEffect>& out) {
  if (!started_) started_ = now;
  for (const std::size_t index : missing_) {
    const Rule& rule = rules_[index];
    State& s = state_[index][rule.area];
    if (!s.active_alert.empty()) continue;
    const TimeMs since = s.last_seen.value_or(*started_);
    if (now - since < rule.missing_for) continue;
    Observation quiet;
    quiet.metric = rule.metric;
    quiet.area = rule.area;
    quiet.ts = now;
    RuleEffect e{&rule, make_alert(rule, quiet, now), "", quiet};
    e.message.description = "no " + rule.metric + " for " + rule.area + " since " +
                            format_rfc3339(since) + " (rule " + rule.id + ")";
    s.active_alert = e.message.identifier;
    s.active_sent = e.message.sent;
    out.push_back(std::move(e));
  }
}

}  // namespace ioc
