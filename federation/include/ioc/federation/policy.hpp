#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ioc/authorizer.hpp"
#include "ioc/config.hpp"
#include "ioc/model.hpp"

namespace ioc::policy {

/// What a grant may allow (docs/policies.md). The first six are the incident actions.
enum class Action : std::uint8_t {
  kView,
  kAcknowledge,
  kDispatch,
  kResolve,
  kClose,
  kEscalate,
  kCancel,
  kPublishAlert,
  kReadRaw,
};
inline constexpr int kActionCount = 9;
inline constexpr int kDomainCount = 14;

std::string_view to_string(Action a);
std::optional<Action> parse_action(std::string_view s);
Action from_operator_action(OperatorAction a);

/// A set of actions or domains, one bit each.
using Mask = std::uint32_t;
inline constexpr Mask bit(Action a) {
  return Mask{1} << static_cast<int>(a);
}
inline constexpr Mask bit(Domain d) {
  return Mask{1} << static_cast<int>(d);
}
inline constexpr Mask kAllActions = (Mask{1} << kActionCount) - 1;
inline constexpr Mask kAllDomains = (Mask{1} << kDomainCount) - 1;

/// `area: grantee` (each grantee's own subtree) or a node id (that node's subtree).
inline constexpr std::string_view kGranteeArea = "grantee";

struct Grant {
  std::string id;
  std::string issuer;
  std::vector<std::string> to;  ///< exactly these nodes, never their descendants
  Mask actions = 0;
  Mask domains = 0;
  std::string area;  ///< kGranteeArea or a node id
  Severity max_severity = Severity::kExtreme;
  std::optional<TimeMs> valid_from, valid_until;  ///< [from, until); absent = open on that side
  int redelegate_depth = 0;
  std::optional<TimeMs> redelegate_max_duration;
  std::string parent;  ///< the issuer's grant this one lies inside; empty when the root issued it
  std::string where;   ///< file:line:col of the grant, or "runtime grant by NODE"
};

struct Deny {
  std::string id;
  std::string issuer;
  std::vector<std::string> to;
  Mask actions = kAllActions;
  Mask domains = kAllDomains;
  std::optional<std::string> area;  ///< a node id (that subtree); absent matches everywhere
  Severity min_severity = Severity::kMinor;
  std::string where;
};

enum class DataKind : std::uint8_t {
  kObservations,
  kAlerts,
  kIncidents,
  kServiceRequests,
  kSummaries
};
inline constexpr int kDataKindCount = 5;
std::string_view to_string(DataKind k);
std::optional<DataKind> parse_data_kind(std::string_view s);
inline constexpr Mask bit(DataKind k) {
  return Mask{1} << static_cast<int>(k);
}

/// Ordered: raw shows more than aggregate, aggregate more than none.
enum class Granularity : std::uint8_t { kNone, kAggregate, kRaw };
std::string_view to_string(Granularity g);

struct SharingRule {
  std::string id;
  std::string from;  ///< a node id or "*"
  std::string to;    ///< "parent", "children", "subtree" (every node below) or a node id
  Mask data = 0;     ///< DataKind bits
  Granularity granularity = Granularity::kAggregate;
  int min_group_size = 0;           ///< aggregates over fewer rows are not sent
  std::vector<std::string> redact;  ///< field names removed from what is sent
  /// Incidents only: held at the node until they reach this status (an operator confirmed them);
  /// one cancelled before that (a false positive) leaves as a countable head, details cleared.
  std::optional<IncidentStatus> hold_until;
  /// What the rule is about; data outside it is decided by the next matching rule (or the
  /// default). Observations and summaries: these metrics only (all when empty). Alerts and
  /// incidents: these domains only, at or above this severity (an alert without a domain
  /// matches only a rule without `domains`).
  std::vector<std::string> metrics;
  Mask domains = kAllDomains;
  Severity severity_at_least = Severity::kMinor;
  std::string where;
};

struct EscalationRule {
  std::string id;
  std::optional<Domain> domain;
  Severity severity_at_least = Severity::kMinor;
  std::optional<IncidentStatus> status;
  std::optional<TimeMs> unacknowledged_for, unresolved_for;
  bool escalate = true;              ///< `action: escalate`; false for `notify`
  std::vector<std::string> targets;  ///< nodes to notify
  std::string where;
};

/// Everything the `policies` files of a federation say, checked.
struct PolicySet {
  std::vector<Grant> grants;  ///< in file order; each grant's parent comes earlier or from the root
  std::vector<Deny> denies;
  std::vector<SharingRule> sharing;
  std::vector<EscalationRule> escalation;
  std::string version;  ///< content hash of the federation file and every policy file
  std::vector<std::pair<std::string, std::string>> sources;  ///< (path, text) of each file read
};

/// Loads the Authority, Sharing and Escalation files the federation lists, strictly: unknown or
/// duplicate keys, wrong types, unknown nodes, duplicate ids, bad severities and any grant wider
/// than its issuer's own authority throw Error(kConfig) "file:line:col: error: KEY: ...".
PolicySet load_policies(const FederationConfig& federation);
/// The same from texts already in hand, (path, text) in order, instead of the files the
/// federation lists: a set the root sent down.
PolicySet load_policies(const FederationConfig& federation,
                        std::vector<std::pair<std::string, std::string>> sources);

/// The fields `redact` may name for each kind of data.
const std::vector<std::string>& redactable_fields(DataKind k);

/// How a grant is wider than the grant it was issued under: the offending key of the new grant
/// and a message naming the limiting key of the grant above.
struct Widening {
  std::string key;
  std::string message;
};
/// Why `child` is not inside `parent` (a grant its issuer holds), or nullopt if it is. The same
/// check guards policy files and runtime grants.
std::optional<Widening> wider_than(const FederationConfig& federation, const Grant& child,
                                   const Grant& parent);

/// Where a new grant by `g.issuer` fits: the first of `grants` the issuer holds (and `usable`
/// allows) that `g` lies inside, or else the nearest miss among them (the one whose check fails
/// latest, ties by order). Both empty when the issuer holds no usable grant.
struct Placement {
  const Grant* parent = nullptr;
  std::optional<Widening> nearest_miss;
};
Placement place_grant(const FederationConfig& federation, const Grant& g,
                      const std::vector<Grant>& grants,
                      const std::function<bool(std::size_t index)>& usable);

}  // namespace ioc::policy
