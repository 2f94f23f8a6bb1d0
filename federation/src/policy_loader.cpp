// Loading the Authority, Sharing and Escalation files of a federation (docs/policies.md).
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "crypto_util.hpp"
#include "ioc/error.hpp"
#include "ioc/federation/policy.hpp"
#include "policy_reader.hpp"
#include "yaml_reader.hpp"

namespace ioc::policy {
namespace {

constexpr std::string_view kActionNames[] = {"view",    "acknowledge",   "dispatch",
                                             "resolve", "close",         "escalate",
                                             "cancel",  "publish-alert", "read-raw"};
constexpr std::string_view kDataNames[] = {"observations", "alerts", "incidents",
                                           "service-requests", "summaries"};

std::string mask_names(Mask m, bool actions) {
  std::string out;
  const int n = actions ? kActionCount : kDomainCount;
  for (int i = 0; i < n; ++i)
    if (m & (Mask{1} << i))
      out += (out.empty() ? "" : ", ") +
             std::string(actions ? kActionNames[i] : ioc::to_string(static_cast<Domain>(i)));
  return "[" + out + "]";
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string known_node(const FederationConfig& fed, yaml::MapReader& r, const std::string& key,
                       const std::string& id) {
  if (!fed.find(id)) r.fail_at(key, "unknown node '" + id + "'");
  return id;
}

std::vector<std::string> node_list(const FederationConfig& fed, yaml::MapReader& r,
                                   const std::string& key) {
  auto ids = r.str_list(key);
  if (ids.empty()) r.fail_at(key, "must name at least one node");
  for (const auto& id : ids)
    if (!fed.find(id)) r.fail_at(key, "unknown node '" + id + "'");
  return ids;
}

Mask action_mask(yaml::MapReader& r, const std::string& key) {
  Mask m = 0;
  for (const auto& name : r.str_list(key)) {
    const auto a = parse_action(name);
    if (!a)
      r.fail_at(key, "unknown action '" + name +
                         "' (expected view, acknowledge, dispatch, resolve, close, escalate, "
                         "cancel, publish-alert or read-raw)");
    m |= bit(*a);
  }
  if (m == 0) r.fail_at(key, "must name at least one action");
  return m;
}

Mask domain_mask(yaml::MapReader& r, const std::string& key) {
  Mask m = 0;
  for (const auto& name : r.str_list(key)) {
    const auto d = parse_domain(name);
    if (!d) r.fail_at(key, "unknown domain '" + name + "'");
    m |= bit(*d);
  }
  if (m == 0) r.fail_at(key, "must name at least one domain");
  return m;
}

Severity severity(yaml::MapReader& r, const std::string& key, Severity fallback) {
  const auto s = r.one_of(key, {"minor", "moderate", "severe", "extreme"},
                          std::string(ioc::to_string(fallback)));
  return *parse_severity(s);
}

std::optional<TimeMs> instant(yaml::MapReader& r, const std::string& key) {
  const auto text = r.opt_str(key);
  if (!text) return std::nullopt;
  const auto t = parse_rfc3339(*text);
  if (!t)
    r.fail_at(key, "expected an RFC 3339 time such as 2026-01-01T00:00:00Z, got '" + *text + "'");
  return t;
}

std::optional<TimeMs> duration(yaml::MapReader& r, const std::string& key) {
  const auto text = r.opt_str(key);
  if (!text) return std::nullopt;
  const auto d = parse_duration(*text);
  if (!d || *d <= 0)
    r.fail_at(key, "expected a positive duration such as 30m, 12h or 7d, got '" + *text + "'");
  return d;
}

}  // namespace

Grant read_grant(yaml::MapReader& r, const FederationConfig& fed, const std::string& issuer) {
  Grant g;
  g.id = r.str("id");
  g.issuer = issuer;
  g.to = node_list(fed, r, "to");
  for (const auto& t : g.to)
    if (t == issuer) r.fail_at("to", "a grant to its own issuer '" + issuer + "'");
  g.actions = action_mask(r, "actions");
  g.domains = domain_mask(r, "domains");
  g.area = r.str("area");
  if (g.area != kGranteeArea && !fed.find(g.area))
    r.fail_at("area", "expected 'grantee' or a node id, got unknown node '" + g.area + "'");
  g.max_severity = severity(r, "maxSeverity", Severity::kExtreme);
  g.valid_from = instant(r, "validFrom");
  g.valid_until = instant(r, "validUntil");
  if (g.valid_from && g.valid_until && *g.valid_until <= *g.valid_from)
    r.fail_at("validUntil", "must be later than validFrom");
  if (r.has("redelegate")) {
    yaml::MapReader d(r.file(), r.node("redelegate"), r.key_path("redelegate"));
    const double depth = d.number("depth");
    if (depth < 0 || depth != static_cast<int>(depth) || depth > 16)
      d.fail_at("depth", "expected a whole number from 0 to 16");
    g.redelegate_depth = static_cast<int>(depth);
    g.redelegate_max_duration = duration(d, "maxDuration");
    d.finish();
  }
  r.finish();
  return g;
}

namespace {

// Reads state shared by every document while loading; ids are unique across the federation.
class Loader {
 public:
  explicit Loader(const FederationConfig& fed) : fed_(fed) {}

  PolicySet run(std::vector<std::pair<std::string, std::string>> sources) {
    std::string hashed = read_bytes(fed_.path);
    for (const auto& [file, text] : sources) {
      hashed += '\0' + text;
      yaml::MapReader doc(file, yaml::load_text(file, text), "");
      if (const auto v = doc.str("apiVersion"); v != "ioc/v1")
        doc.fail_at("apiVersion", "expected 'ioc/v1', got '" + v + "'");
      const auto kind = doc.str("kind");
      if (kind == "Authority")
        read_authority(doc);
      else if (kind == "Sharing")
        read_sharing(doc);
      else if (kind == "Escalation")
        read_escalation(doc);
      else if (kind == "PolicyTest")
        doc.fail_at("kind",
                    "a PolicyTest is run with 'iocctl policy test', not listed in policies");
      else
        doc.fail_at("kind", "expected Authority, Sharing or Escalation in a policy file, got '" +
                                kind + "'");
      doc.finish();
    }
    resolve_parents();
    out_.version = crypto::sha256_hex(hashed).substr(0, 16);
    out_.sources = std::move(sources);
    return std::move(out_);
  }

 private:
  void unique_id(yaml::MapReader& r, const std::string& id) {
    if (!ids_.insert(id).second) r.fail_at("id", "duplicate id '" + id + "' in the federation");
  }

  void read_authority(yaml::MapReader& doc) {
    const std::string issuer = known_node(fed_, doc, "issuer", doc.str("issuer"));
    const YAML::Node grants = doc.opt_list("grants");
    for (std::size_t i = 0; i < grants.size(); ++i) {
      yaml::MapReader r(doc.file(), grants[i], "grants[" + std::to_string(i) + "]");
      Grant g = read_grant(r, fed_, issuer);
      unique_id(r, g.id);
      g.where = yaml::location(doc.file(), grants[i]);
      pending_.push_back(
          Pending{out_.grants.size(), doc.file(), grants[i], "grants[" + std::to_string(i) + "]"});
      out_.grants.push_back(std::move(g));
    }
    const YAML::Node denies = doc.opt_list("denies");
    for (std::size_t i = 0; i < denies.size(); ++i) {
      yaml::MapReader r(doc.file(), denies[i], "denies[" + std::to_string(i) + "]");
      Deny d;
      d.id = r.str("id");
      unique_id(r, d.id);
      d.issuer = issuer;
      d.where = yaml::location(doc.file(), denies[i]);
      d.to = node_list(fed_, r, "to");
      for (const auto& t : d.to)
        if (!fed_.in_subtree(t, issuer) || t == issuer)
          r.fail_at("to", "a deny may only name nodes below its issuer '" + issuer + "', not '" +
                              t + "'");
      if (r.has("actions")) d.actions = action_mask(r, "actions");
      if (r.has("domains")) d.domains = domain_mask(r, "domains");
      if (const auto a = r.opt_str("area")) d.area = known_node(fed_, r, "area", *a);
      d.min_severity = severity(r, "minSeverity", Severity::kMinor);
      r.finish();
      out_.denies.push_back(std::move(d));
    }
  }

  void read_sharing(yaml::MapReader& doc) {
    const YAML::Node rules = doc.list("rules");
    for (std::size_t i = 0; i < rules.size(); ++i) {
      yaml::MapReader r(doc.file(), rules[i], "rules[" + std::to_string(i) + "]");
      SharingRule s;
      s.id = r.str("id");
      unique_id(r, s.id);
      s.where = yaml::location(doc.file(), rules[i]);
      s.from = r.str("from");
      if (s.from != "*") known_node(fed_, r, "from", s.from);
      s.to = r.str("to");
      if (s.to != "parent" && s.to != "children" && s.to != "subtree" && !fed_.find(s.to))
        r.fail_at("to", "expected parent, children, subtree or a node id, got '" + s.to + "'");
      for (const auto& name : r.str_list("data")) {
        const auto k = parse_data_kind(name);
        if (!k)
          r.fail_at("data", "unknown data '" + name +
                                "' (expected observations, alerts, incidents, service-requests "
                                "or summaries)");
        s.data |= bit(*k);
      }
      if (s.data == 0) r.fail_at("data", "must name at least one kind of data");
      const auto g = r.one_of("granularity", {"raw", "aggregate", "none"});
      s.granularity = g == "raw"         ? Granularity::kRaw
                      : g == "aggregate" ? Granularity::kAggregate
                                         : Granularity::kNone;
      if (const auto m = r.opt_number("minGroupSize")) {
        if (*m < 1 || *m != static_cast<int>(*m) || *m > 1e9)
          r.fail_at("minGroupSize", "expected a whole number of at least 1");
        if (s.granularity != Granularity::kAggregate)
          r.fail_at("minGroupSize", "applies to aggregate sharing only");
        if (s.data & ~(bit(DataKind::kObservations) | bit(DataKind::kSummaries)))
          r.fail_at("minGroupSize", "applies to observations and summaries only");
        s.min_group_size = static_cast<int>(*m);
      }
      if (r.has("redact")) {
        s.redact = r.str_list("redact");
        for (const auto& field : s.redact) {
          bool known = false;
          for (int k = 0; k < kDataKindCount; ++k)
            if (s.data & bit(static_cast<DataKind>(k)))
              for (const auto& f : redactable_fields(static_cast<DataKind>(k))) known |= f == field;
          if (!known) r.fail_at("redact", "no field '" + field + "' in the data this rule shares");
        }
      }
      read_sharing_scope(r, s);
      if (r.has("holdUntil")) {
        s.hold_until = parse_incident_status(
            r.one_of("holdUntil", {"acknowledged", "dispatched", "resolved", "closed"}));
        if (s.data != bit(DataKind::kIncidents))
          r.fail_at("holdUntil", "applies to incidents only: give them a rule of their own");
        if (s.granularity == Granularity::kNone)
          r.fail_at("holdUntil", "nothing is sent under granularity none, so nothing is held");
      }
      check_enforceable(r, s);
      r.finish();
      out_.sharing.push_back(std::move(s));
    }
  }

  // metrics, domains, severityAtLeast: each only for the data it can describe.
  void read_sharing_scope(yaml::MapReader& r, SharingRule& s) {
    const Mask measured = bit(DataKind::kObservations) | bit(DataKind::kSummaries);
    const Mask records = bit(DataKind::kAlerts) | bit(DataKind::kIncidents);
    if (r.has("metrics")) {
      s.metrics = r.str_list("metrics");
      if (s.metrics.empty()) r.fail_at("metrics", "name at least one metric, or leave it out");
      for (const auto& m : s.metrics)
        if (m.empty() || m.size() > 256) r.fail_at("metrics", "a metric name is 1 to 256 bytes");
      if (s.data & ~measured)
        r.fail_at("metrics",
                  "applies to observations and summaries only: give the other data a "
                  "rule of its own");
    }
    if (r.has("domains")) {
      s.domains = domain_mask(r, "domains");
      if (s.data & ~records)
        r.fail_at("domains",
                  "applies to alerts and incidents only: give the other data a rule "
                  "of its own");
    }
    if (r.has("severityAtLeast")) {
      s.severity_at_least = severity(r, "severityAtLeast", Severity::kMinor);
      if (s.data & ~records)
        r.fail_at("severityAtLeast",
                  "applies to alerts and incidents only: give the other data "
                  "a rule of its own");
    }
  }

  // Data goes up the links as the rules say. Down and sideways it travels whole, signed by the
  // node that wrote it, so that no relay can change it: raw only (summaries give aggregates to
  // any node). A rule that would need more is refused rather than silently not enforced.
  void check_enforceable(yaml::MapReader& r, const SharingRule& s) {
    if (s.granularity == Granularity::kNone || s.data == bit(DataKind::kSummaries)) return;
    if (s.to == "parent") return;
    const NodeConfig* from = s.from == "*" ? nullptr : fed_.find(s.from);
    if (from && from->parent && *from->parent == s.to) return;
    if (s.granularity != Granularity::kRaw)
      r.fail_at("granularity",
                "data shared down or sideways travels whole, signed by the node that wrote it: "
                "granularity raw, with redact to hide fields (summaries give aggregates to any "
                "node)");
    if ((s.data & bit(DataKind::kAlerts)) && !s.redact.empty())
      r.fail_at("redact",
                "alerts shared with a node other than the parent travel whole, signed by their "
                "issuer: give them a rule without redact");
    if (s.hold_until) r.fail_at("holdUntil", "applies to sharing with the parent only");
    if (s.to == "children" || s.to == "subtree") {
      if (s.data & bit(DataKind::kAlerts))
        r.fail_at("data",
                  "alerts go down to the nodes their areas cover: name a node to share alerts "
                  "with another");
      return;
    }
    if (s.to == s.from) r.fail_at("to", "a node does not share with itself");
    if (from && fed_.in_subtree(s.from, s.to))
      r.fail_at("to", "'" + s.to + "' is above '" + s.from +
                          "': data goes up through the parent (share with parent)");
    if (!from)
      for (const auto& child : fed_.children(s.to))
        if (!fed_.children(child).empty())
          r.fail_at("from", "'" + s.to +
                                "' is above nodes other than its children, whose data goes up "
                                "through their parents: name the nodes that share with it");
  }

  void read_escalation(yaml::MapReader& doc) {
    const YAML::Node rules = doc.list("rules");
    for (std::size_t i = 0; i < rules.size(); ++i) {
      yaml::MapReader r(doc.file(), rules[i], "rules[" + std::to_string(i) + "]");
      EscalationRule e;
      e.id = r.str("id");
      unique_id(r, e.id);
      e.where = yaml::location(doc.file(), rules[i]);
      yaml::MapReader w(doc.file(), r.node("when"), r.key_path("when"));
      if (const auto d = w.opt_str("domain")) {
        e.domain = parse_domain(*d);
        if (!e.domain) w.fail_at("domain", "unknown domain '" + *d + "'");
      }
      e.severity_at_least = severity(w, "severityAtLeast", Severity::kMinor);
      if (const auto s = w.opt_str("status")) {
        e.status = parse_incident_status(*s);
        if (!e.status) w.fail_at("status", "unknown status '" + *s + "'");
      }
      e.unacknowledged_for = duration(w, "unacknowledgedFor");
      e.unresolved_for = duration(w, "unresolvedFor");
      w.finish();
      e.escalate = r.one_of("action", {"escalate", "notify"}) == "escalate";
      if (r.has("targets")) e.targets = node_list(fed_, r, "targets");
      if (!e.escalate && e.targets.empty())
        r.fail_at("targets", "notify needs the nodes to notify");
      if (e.escalate && !e.targets.empty())
        r.fail_at("targets",
                  "escalate goes to the nearest ancestor with authority; targets are "
                  "for notify");
      r.finish();
      out_.escalation.push_back(std::move(e));
    }
  }

  // A grant issued by a node other than the root must lie inside a grant its issuer holds. Grants
  // may name parents in any file, so resolve to a fixed point; what is left over is too wide.
  void resolve_parents() {
    const std::string& root = fed_.root();
    std::vector<bool> resolved(out_.grants.size(), false);
    for (const auto& p : pending_)
      if (out_.grants[p.index].issuer == root) resolved[p.index] = true;
    for (bool progress = true; progress;) {
      progress = false;
      for (const auto& p : pending_) {
        if (resolved[p.index]) continue;
        Grant& g = out_.grants[p.index];
        const auto fit =
            place_grant(fed_, g, out_.grants, [&resolved](std::size_t j) { return resolved[j]; });
        if (fit.parent) {
          g.parent = fit.parent->id;
          resolved[p.index] = progress = true;
        }
      }
    }
    for (const auto& p : pending_) {
      if (resolved[p.index]) continue;
      const Grant& g = out_.grants[p.index];
      yaml::MapReader r(p.file, p.node, p.path);
      // The nearest miss among the issuer's grants names the limiting key.
      const auto nearest = place_grant(fed_, g, out_.grants, [&resolved](std::size_t j) {
                             return resolved[j];
                           }).nearest_miss;
      if (nearest)
        r.fail_at(nearest->key,
                  "grant '" + g.id + "' is wider than its issuer's authority: " + nearest->message);
      r.fail_at("id", "grant '" + g.id + "': issuer '" + g.issuer +
                          "' holds no grant to delegate from (only the root grants on its own)");
    }
  }

  struct Pending {
    std::size_t index;
    std::string file;
    YAML::Node node;
    std::string path;  // "grants[i]"
  };
  const FederationConfig& fed_;
  PolicySet out_;
  std::set<std::string> ids_;
  std::vector<Pending> pending_;
};

std::string duration_text(TimeMs ms) {
  if (ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  return std::to_string(ms / 1000) + "s";
}

std::string area_name(const Grant& g) {
  return g.area == kGranteeArea ? "grantee" : g.area;
}

}  // namespace

std::string_view to_string(Action a) {
  return kActionNames[static_cast<int>(a)];
}

std::optional<Action> parse_action(std::string_view s) {
  for (int i = 0; i < kActionCount; ++i)
    if (kActionNames[i] == s) return static_cast<Action>(i);
  return std::nullopt;
}

Action from_operator_action(OperatorAction a) {
  switch (a) {
    case OperatorAction::kAcknowledge:
      return Action::kAcknowledge;
    case OperatorAction::kDispatch:
      return Action::kDispatch;
    case OperatorAction::kResolve:
      return Action::kResolve;
    case OperatorAction::kClose:
      return Action::kClose;
    case OperatorAction::kEscalate:
      return Action::kEscalate;
    case OperatorAction::kCancel:
      return Action::kCancel;
    case OperatorAction::kPublishAlert:
      return Action::kPublishAlert;
  }
  return Action::kView;
}

std::string_view to_string(DataKind k) {
  return kDataNames[static_cast<int>(k)];
}

std::optional<DataKind> parse_data_kind(std::string_view s) {
  for (int i = 0; i < kDataKindCount; ++i)
    if (kDataNames[i] == s) return static_cast<DataKind>(i);
  return std::nullopt;
}

std::string_view to_string(Granularity g) {
  switch (g) {
    case Granularity::kNone:
      return "none";
    case Granularity::kAggregate:
      return "aggregate";
    case Granularity::kRaw:
      return "raw";
  }
  return "none";
}

const std::vector<std::string>& redactable_fields(DataKind k) {
  static const std::vector<std::string> fields[kDataKindCount] = {
      {"source", "tags"},
      {"headline", "description"},
      {"title", "location", "notes"},
      {"description", "address", "location", "media", "notes"},
      {},
  };
  return fields[static_cast<int>(k)];
}

std::optional<Widening> wider_than(const FederationConfig& fed, const Grant& g, const Grant& p) {
  const std::string in = " in grant '" + p.id + "'";
  if (g.actions & ~p.actions)
    return Widening{"actions", mask_names(g.actions & ~p.actions, true) + " not among actions " +
                                   mask_names(p.actions, true) + in};
  if (g.domains & ~p.domains)
    return Widening{"domains", mask_names(g.domains & ~p.domains, false) + " not among domains " +
                                   mask_names(p.domains, false) + in};
  // The parent's area as held by this issuer; the new grant's area for each of its grantees.
  const std::string limit = p.area == kGranteeArea ? g.issuer : p.area;
  const std::vector<std::string> areas =
      g.area == kGranteeArea ? g.to : std::vector<std::string>{g.area};
  for (const auto& a : areas)
    if (!fed.in_subtree(a, limit))
      return Widening{"area", "'" + a + "' lies outside area '" + area_name(p) + "' ('" + limit +
                                  "' and below)" + in};
  if (g.max_severity > p.max_severity)
    return Widening{"maxSeverity", "'" + std::string(ioc::to_string(g.max_severity)) +
                                       "' is above maxSeverity '" +
                                       std::string(ioc::to_string(p.max_severity)) + "'" + in};
  if (!g.valid_from)
    return Widening{"validFrom", "required: a delegated grant is bounded on both ends"};
  if (!g.valid_until)
    return Widening{"validUntil", "required: a delegated grant is bounded on both ends"};
  if (p.valid_from && *g.valid_from < *p.valid_from)
    return Widening{"validFrom", "starts before validFrom " + format_rfc3339(*p.valid_from) + in};
  if (p.valid_until && *g.valid_until > *p.valid_until)
    return Widening{"validUntil", "ends after validUntil " + format_rfc3339(*p.valid_until) + in};
  if (p.redelegate_max_duration && *g.valid_until - *g.valid_from > *p.redelegate_max_duration)
    return Widening{"validUntil", "lasts longer than redelegate.maxDuration (" +
                                      duration_text(*p.redelegate_max_duration) + ")" + in};
  if (p.redelegate_depth < 1)
    return Widening{"id", "grant '" + p.id + "' may not be redelegated (its redelegate.depth is " +
                              std::to_string(p.redelegate_depth) + ")"};
  if (g.redelegate_depth > p.redelegate_depth - 1)
    return Widening{"redelegate", "depth " + std::to_string(g.redelegate_depth) +
                                      " is above redelegate.depth " +
                                      std::to_string(p.redelegate_depth) + " - 1" + in};
  return std::nullopt;
}

namespace {

// How far a grant got through wider_than's checks before failing on `key` (higher is nearer).
int widening_rank(const std::string& key) {
  static const char* const order[] = {"actions",   "domains",    "area", "maxSeverity",
                                      "validFrom", "validUntil", "id",   "redelegate"};
  for (int i = 0; i < 8; ++i)
    if (key == order[i]) return i;
  return -1;
}

}  // namespace

Placement place_grant(const FederationConfig& fed, const Grant& g, const std::vector<Grant>& grants,
                      const std::function<bool(std::size_t)>& usable) {
  Placement out;
  for (std::size_t i = 0; i < grants.size(); ++i) {
    const Grant& held = grants[i];
    if (std::find(held.to.begin(), held.to.end(), g.issuer) == held.to.end() || !usable(i))
      continue;
    auto why = wider_than(fed, g, held);
    if (!why) {
      out.parent = &held;
      return out;
    }
    if (!out.nearest_miss || widening_rank(why->key) > widening_rank(out.nearest_miss->key))
      out.nearest_miss = std::move(why);
  }
  return out;
}

PolicySet load_policies(const FederationConfig& federation) {
  std::vector<std::pair<std::string, std::string>> sources;
  for (const auto& file : federation.policy_files) {
    if (!std::ifstream(file))
      throw Error(ErrorCode::kConfig, file + ":1:1: error: cannot open file", file);
    sources.emplace_back(file, read_bytes(file));
  }
  return Loader(federation).run(std::move(sources));
}

PolicySet load_policies(const FederationConfig& federation,
                        std::vector<std::pair<std::string, std::string>> sources) {
  return Loader(federation).run(std::move(sources));
}

}  // namespace ioc::policy
