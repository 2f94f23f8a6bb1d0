#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ioc/config.hpp"
#include "ioc/model.hpp"

namespace ioc {

/// A CAP message a rule produced, with the rule that produced it.
struct RuleEffect {
  const Rule* rule = nullptr;
  Alert message;        ///< msgType Alert when raised, Cancel when cleared
  std::string cancels;  ///< for a Cancel: the identifier of the alert it ends
  Observation trigger;  ///< the observation that crossed or cleared
};

/// Evaluates threshold rules over observations in arrival order. Each rule holds at most one
/// active alert per area node. Pending `for` timers live in memory only: after a restart a
/// condition must hold for the full duration again. Not thread-safe: the single writer owns it.
class RuleEngine {
 public:
  RuleEngine(std::vector<Rule> rules, const FederationConfig& federation, std::string node_id);

  /// Takes the tree after a reorganisation: a rule's area covers the nodes below it now.
  void set_federation(const FederationConfig& federation);
  /// Marks alerts that are still active in the store, so a restart neither raises them twice nor
  /// forgets to cancel them.
  void restore(const std::vector<Alert>& active);
  /// Appends the CAP messages `o` causes to `out`. `now` stamps the messages' `sent`.
  void evaluate(const Observation& o, TimeMs now, std::vector<RuleEffect>& out);
  /// Raises the alerts of `missingFor` rules whose area has had no observation of their metric
  /// for that long (counted from the last arrival, or from `since_start` after a start).
  void check_missing(TimeMs now, std::vector<RuleEffect>& out);
  bool has_missing_rules() const { return !missing_.empty(); }
  /// The rules' state now, to rewind to if the job that changes it next fails (its savepoint
  /// undid what it stored).
  struct Mark;
  std::shared_ptr<const Mark> mark() const;
  void rewind(const Mark& mark);
  /// After a failed commit: forgets everything and takes the active alerts from the store again
  /// (pending `for` timers start again, as after a restart).
  void reset(const std::vector<Alert>& active);

  const std::vector<Rule>& rules() const { return rules_; }

 private:
  struct State {
    std::optional<TimeMs> pending_since;
    std::string active_alert;  ///< identifier, empty when none
    TimeMs active_sent = 0;
    std::optional<TimeMs> last_seen;  ///< missingFor rules: when the last observation arrived
  };
  void evaluate_missing(std::size_t index, const Observation& o, TimeMs now,
                        std::vector<RuleEffect>& out);
  RuleEffect cancel(const Rule& rule, const State& s, const Observation& o, TimeMs now,
                    const std::string& why) const;
  Alert make_alert(const Rule& rule, const Observation& o, TimeMs now) const;

  using States = std::vector<std::unordered_map<std::string, State>>;  ///< [rule index][area]

  std::vector<Rule> rules_;
  std::string node_id_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_metric_;  ///< metric -> rule indexes
  std::vector<std::unordered_set<std::string>> areas_;  ///< [rule index]: node ids in its subtree
  std::vector<std::size_t> missing_;                    ///< indexes of missingFor rules
  std::optional<TimeMs> started_;  ///< the first check_missing: timers count from here at most
  States state_;
};

struct RuleEngine::Mark {
  States state;
};

}  // namespace ioc
