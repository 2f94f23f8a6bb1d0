#pragma once

#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "ioc/federation/policy.hpp"

namespace ioc::policy {

/// One question: may `subject` (a node) do `action` in `domain` on something in `area` (a node's
/// subtree) at `severity`, at time `at`?
struct Question {
  std::string subject;
  Action action = Action::kView;
  Domain domain = Domain::kPublicOrder;
  std::string area;
  Severity severity = Severity::kMinor;
  TimeMs at = 0;
};

/// A decision that explains itself (docs/policies.md).
struct Explanation {
  bool allowed = false;
  /// For an allow: the grants from the root's down to the one the subject holds. Empty when the
  /// subject is the root, which holds all authority.
  std::vector<std::string> chain;
  /// For a deny: the nearest miss among the grants that reach the subject (fewest failed
  /// conditions, ties by file order), empty if none reaches it, and the conditions it fails:
  /// action, domain, area, severity, validFrom, validUntil, revoked, deny.
  std::string nearest;
  std::string nearest_where;  ///< where the nearest miss is written (file:line:col)
  std::vector<std::string> failed;
  std::string reason;  ///< one line for people: "severity: 'extreme' is above maxSeverity ..."
  std::string field;   ///< the first failed condition, for a JSON error's "field"
  /// For a deny: every grant that reaches the subject, in file order, each with why it fails.
  struct Miss {
    std::string grant;
    std::string where;
    std::vector<std::string> failed;
    std::string why;  ///< "severity: 'extreme' is above maxSeverity 'moderate'; ..."
  };
  std::vector<Miss> candidates;
};

/// {"decision": "allow"|"deny", "reason", and "chain" for an allow, or "nearestMiss": {"grant",
/// "where", "failed"} and "candidates": [{"grant", "where", "failed", "why"}] for a deny}, as
/// compact JSON text: what GET /admin/v1/authorize and iocctl policy explain --json show.
std::string explanation_json(const Explanation& e);

/// The decision engine: a PolicySet compiled into per-node candidate lists with subtree ranges,
/// so a decision is a few lookups and bit tests. Immutable and thread-safe; a reload or a
/// revocation builds a new engine. The engine holds the federation it was compiled for: the tree
/// and the policies in force are one snapshot.
class Engine {
 public:
  Engine(std::shared_ptr<const FederationConfig> federation, PolicySet set,
         std::set<std::string> revoked = {});
  /// Compiles against a copy of `federation`.
  Engine(const FederationConfig& federation, PolicySet set, std::set<std::string> revoked = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  bool allows(const Question& q) const;
  Explanation explain(const Question& q) const;

  /// The nearest node from `reporter` upward (itself first) whose authority covers dispatch for
  /// an incident of this domain, area and severity: its owner. The root always qualifies.
  std::string owner_for(const std::string& reporter, Domain domain, const std::string& area,
                        Severity severity, TimeMs at) const;
  /// The nearest ancestor of `owner` with that authority; empty at the root.
  std::string escalation_target(const std::string& owner, Domain domain, const std::string& area,
                                Severity severity, TimeMs at) const;

  const PolicySet& policies() const;
  /// The federation (tree, endpoints, keys) this engine decides for.
  const FederationConfig& federation() const;
  std::shared_ptr<const FederationConfig> federation_snapshot() const;
  const std::set<std::string>& revoked() const;
  /// True when the federation lists Authority policies (grants or denies) at all.
  bool has_authority() const;

 private:
  std::string nearest_above(const std::string& node, Domain domain, const std::string& area,
                            Severity severity, TimeMs at) const;
  struct Compiled;
  std::unique_ptr<Compiled> c_;
};

/// What `iocctl policy bench` measures: throughput over every decision, and each decision timed
/// alone for the percentiles.
struct BenchReport {
  std::size_t decisions = 0;
  double seconds = 0;
  double per_second = 0;
  double p50_us = 0, p99_us = 0;
  std::size_t allowed = 0;
};

/// Times `engine.allows` on `decisions` random questions drawn from the federation's nodes, every
/// action, domain and severity, at now and at the edges of grant windows.
BenchReport bench(const Engine& engine, const FederationConfig& federation, std::size_t decisions,
                  unsigned seed = 1);

/// What happens to an incident reported at a node and left unacknowledged: who owns it, and each
/// escalation up the tree by the Escalation rules (docs/policies.md), with the notices they send.
struct EscalationPlan {
  struct Step {
    std::string from, to;     ///< owner before and after
    std::string rule, where;  ///< the escalate rule that moves it, and its file:line:col
    TimeMs after = 0;         ///< how long after `from` became the owner (0: at once)
    std::string condition;    ///< "unacknowledged for 10m", "unresolved for 4h", "at once"
  };
  struct Notice {
    std::string rule, where;
    std::vector<std::string> targets;
    TimeMs after = 0;  ///< how long after the report (0: at once)
  };
  std::string owner;  ///< who owns it when reported
  std::vector<Step> escalations;
  std::vector<Notice> notices;
};

/// The plan for an incident of `domain` and `severity` reported at `reporter` (its area), as the
/// rules and the authority in force at `at` decide it; it stays reported (unacknowledged).
EscalationPlan plan_escalation(const Engine& engine, const std::string& reporter, Domain domain,
                               Severity severity, TimeMs at);
/// One line for people: "owned by A; after 10m unacknowledged (rule R, file:line:col) to B; ...".
std::string describe(const EscalationPlan& plan);

/// What `iocctl policy test` reports for one PolicyTest file.
struct TestReport {
  int passed = 0;
  std::vector<std::string>
      failures;  ///< "file:line:col: case 'NAME': expected allow, got deny: ..."
};

/// Loads a PolicyTest file (docs/policies.md).strictly, loads the federation and policies it names,
/// and runs every case. A case without `at` is decided at the current time.
TestReport run_policy_test(const std::string& path);

}  // namespace ioc::policy
