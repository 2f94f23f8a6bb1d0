#include "ioc/federation/policy_engine.hpp"

#include <limits>

#include "ioc/error.hpp"

namespace ioc::policy {
namespace {

constexpr TimeMs kOpenStart = std::numeric_limits<TimeMs>::min();
constexpr TimeMs kOpenEnd = std::numeric_limits<TimeMs>::max();

// A subtree as a range of pre-order positions: node n lies in the subtree of a iff
// lo(a) <= pos(n) < hi(a).
struct Range {
  int lo = 0, hi = 0;
  bool holds(int pos) const { return lo <= pos && pos < hi; }
};

struct CompiledDeny {
  int index;  // into PolicySet::denies
  Mask actions, domains;
  bool everywhere;
  Range area;
  Severity min_severity;
  bool matches(Action a, Domain d, int pos, Severity s) const {
    return (actions & bit(a)) && (domains & bit(d)) && (everywhere || area.holds(pos)) &&
           s >= min_severity;
  }
};

// A grant as one subject holds it.
struct Candidate {
  int grant;  // into PolicySet::grants
  Mask actions, domains;
  Range area;
  Severity max_severity;
  TimeMs from, until;
  bool revoked;             // this grant or one above it in the chain is revoked
  std::vector<int> denies;  // denies naming an issuer in the chain (narrowing what it delegates)
};

}  // namespace

struct Engine::Compiled {
  std::shared_ptr<const FederationConfig> fed_snapshot;
  const FederationConfig& fed = *fed_snapshot;
  PolicySet set;
  std::set<std::string> revoked;
  std::unordered_map<std::string, int> pos;  // node id -> pre-order position
  std::vector<Range> subtree;                // by position
  std::vector<std::string> id_at;            // by position
  std::vector<std::vector<Candidate>> held;  // by position: grants the node holds
  std::vector<std::vector<int>> own_denies;  // by position: denies naming the node
  std::vector<CompiledDeny> denies;
  std::unordered_map<std::string, int> grant_index;
  int root = 0;

  Compiled(std::shared_ptr<const FederationConfig> f, PolicySet s, std::set<std::string> r)
      : fed_snapshot(std::move(f)), set(std::move(s)), revoked(std::move(r)) {
    number(fed.root());
    const std::size_t n = id_at.size();
    held.resize(n);
    own_denies.resize(n);
    for (std::size_t i = 0; i < set.grants.size(); ++i) grant_index[set.grants[i].id] = int(i);
    for (std::size_t i = 0; i < set.denies.size(); ++i) {
      const Deny& d = set.denies[i];
      denies.push_back(CompiledDeny{int(i), d.actions, d.domains, !d.area,
                                    d.area ? subtree[pos.at(*d.area)] : Range{}, d.min_severity});
      for (const auto& t : d.to) own_denies[pos.at(t)].push_back(int(i));
    }
    for (std::size_t i = 0; i < set.grants.size(); ++i) {
      const Grant& g = set.grants[i];
      bool chain_revoked = false;
      std::vector<int> chain_denies;
      for (const Grant* link = &g; link;) {
        chain_revoked |= revoked.count(link->id) > 0;
        for (int d : own_denies[pos.at(link->issuer)]) chain_denies.push_back(d);
        link = link->parent.empty() ? nullptr : &set.grants[grant_index.at(link->parent)];
      }
      for (const auto& t : g.to) {
        const int at = pos.at(t);
        held[at].push_back(Candidate{
            int(i), g.actions, g.domains, subtree[g.area == kGranteeArea ? at : pos.at(g.area)],
            g.max_severity, g.valid_from.value_or(kOpenStart), g.valid_until.value_or(kOpenEnd),
            chain_revoked, chain_denies});
      }
    }
  }

  // Pre-order numbering, iteratively (federations can be deep).
  void number(const std::string& top) {
    std::unordered_map<std::string, std::vector<std::string>> kids;
    for (const auto& node : fed.nodes)
      if (node.parent) kids[*node.parent].push_back(node.id);
    std::vector<std::pair<std::string, bool>> stack{{top, false}};
    subtree.resize(fed.nodes.size());
    while (!stack.empty()) {
      auto [id, done] = stack.back();
      stack.pop_back();
      if (done) {
        subtree[pos[id]].hi = int(id_at.size());
        continue;
      }
      const int p = int(id_at.size());
      pos[id] = p;
      id_at.push_back(id);
      subtree[p].lo = p;
      stack.emplace_back(id, true);
      const auto& c = kids[id];
      for (auto it = c.rbegin(); it != c.rend(); ++it) stack.emplace_back(*it, false);
    }
    root = pos.at(top);
  }

  int position(const std::string& id, const char* what) const {
    const auto it = pos.find(id);
    if (it == pos.end())
      throw Error(ErrorCode::kBadRequest,
                  std::string(what) + " '" + id + "' is not a node of the federation", what);
    return it->second;
  }

  bool deny_applies(const std::vector<int>& list, Action a, Domain d, int area, Severity s) const {
    for (int i : list)
      if (denies[i].matches(a, d, area, s)) return true;
    return false;
  }

  bool allows(int subject, Action a, Domain d, int area, Severity s, TimeMs at) const {
    if (deny_applies(own_denies[subject], a, d, area, s)) return false;
    if (subject == root) return true;
    for (const Candidate& c : held[subject])
      if ((c.actions & bit(a)) && (c.domains & bit(d)) && c.area.holds(area) &&
          s <= c.max_severity && c.from <= at && at < c.until && !c.revoked &&
          !deny_applies(c.denies, a, d, area, s))
        return true;
    return false;
  }
};

Engine::Engine(std::shared_ptr<const FederationConfig> federation, PolicySet set,
               std::set<std::string> revoked)
    : c_(std::make_unique<Compiled>(std::move(federation), std::move(set), std::move(revoked))) {}

Engine::Engine(const FederationConfig& federation, PolicySet set, std::set<std::string> revoked)
    : Engine(std::make_shared<const FederationConfig>(federation), std::move(set),
             std::move(revoked)) {}

const FederationConfig& Engine::federation() const {
  return c_->fed;
}

std::shared_ptr<const FederationConfig> Engine::federation_snapshot() const {
  return c_->fed_snapshot;
}

Engine::~Engine() = default;

bool Engine::allows(const Question& q) const {
  return c_->allows(c_->position(q.subject, "subject"), q.action, q.domain,
                    c_->position(q.area, "area"), q.severity, q.at);
}

namespace {

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

}  // namespace

Explanation Engine::explain(const Question& q) const {
  const Compiled& c = *c_;
  const int subject = c.position(q.subject, "subject");
  const int area = c.position(q.area, "area");
  Explanation out;
  std::vector<std::string> own_denied;
  for (int i : c.own_denies[subject])
    if (c.denies[i].matches(q.action, q.domain, area, q.severity))
      own_denied.push_back(c.set.denies[i].id);
  if (subject == c.root && own_denied.empty()) {
    out.allowed = true;
    out.reason = "'" + q.subject + "' is the root and holds all authority over the federation";
    return out;
  }
  std::size_t best_fails = std::numeric_limits<std::size_t>::max();
  for (const Candidate& cand : c.held[subject]) {
    const Grant& g = c.set.grants[cand.grant];
    std::vector<std::string> failed, why;
    if (!(cand.actions & bit(q.action))) {
      failed.push_back("action");
      why.push_back("action: " + quoted(to_string(q.action)) + " is not granted");
    }
    if (!(cand.domains & bit(q.domain))) {
      failed.push_back("domain");
      why.push_back("domain: " + quoted(ioc::to_string(q.domain)) + " is not granted");
    }
    if (!cand.area.holds(area)) {
      failed.push_back("area");
      why.push_back("area: " + quoted(q.area) + " lies outside " + quoted(c.id_at[cand.area.lo]) +
                    " and below");
    }
    if (q.severity > cand.max_severity) {
      failed.push_back("severity");
      why.push_back("severity: " + quoted(ioc::to_string(q.severity)) + " is above maxSeverity " +
                    quoted(ioc::to_string(cand.max_severity)));
    }
    if (q.at < cand.from) {
      failed.push_back("validFrom");
      why.push_back("validFrom: not valid before " + format_rfc3339(cand.from));
    }
    if (q.at >= cand.until) {
      failed.push_back("validUntil");
      why.push_back("validUntil: expired at " + format_rfc3339(cand.until));
    }
    if (cand.revoked) {
      failed.push_back("revoked");
      why.push_back("revoked: this grant or one above it was revoked");
    }
    std::vector<std::string> denied = own_denied;
    for (int i : cand.denies)
      if (c.denies[i].matches(q.action, q.domain, area, q.severity))
        denied.push_back(c.set.denies[i].id);
    for (const auto& d : denied) {
      failed.push_back("deny");
      why.push_back("deny: " + quoted(d) + " applies");
    }
    if (failed.empty()) {
      out = Explanation{};
      out.allowed = true;
      for (const Grant* link = &g; link;
           link = link->parent.empty() ? nullptr : &c.set.grants[c.grant_index.at(link->parent)])
        out.chain.insert(out.chain.begin(), link->id);
      out.reason = "allowed by grant " + quoted(g.id);
      return out;
    }
    std::string all_why;
    for (std::size_t i = 0; i < why.size(); ++i) all_why += (i ? "; " : "") + why[i];
    out.candidates.push_back(Explanation::Miss{g.id, g.where, failed, all_why});
    if (failed.size() < best_fails) {  // strict: ties keep the earlier grant in file order
      best_fails = failed.size();
      out.nearest = g.id;
      out.nearest_where = g.where;
      out.failed = failed;
      out.field = failed.front() == "action" ? "action" : failed.front();
      out.reason = "nearest grant " + quoted(g.id) + " fails " + all_why;
    }
  }
  if (out.nearest.empty()) {
    if (!own_denied.empty()) {
      out.failed.assign(own_denied.size(), "deny");
      out.field = "deny";
      out.reason = "deny " + quoted(own_denied.front()) + " applies to " + quoted(q.subject);
    } else {
      out.field = "subject";
      out.reason = "no grant reaches " + quoted(q.subject);
    }
  }
  return out;
}

std::string Engine::owner_for(const std::string& reporter, Domain domain, const std::string& area,
                              Severity severity, TimeMs at) const {
  const int a = c_->position(area, "area");
  c_->position(reporter, "reporter");
  if (c_->allows(c_->pos.at(reporter), Action::kDispatch, domain, a, severity, at)) return reporter;
  return nearest_above(reporter, domain, area, severity, at);
}

std::string Engine::nearest_above(const std::string& node, Domain domain, const std::string& area,
                                  Severity severity, TimeMs at) const {
  const int a = c_->position(area, "area");
  // The path upward, nearest ancestor first.
  for (const auto& up : c_->fed.ancestors(node))
    if (c_->allows(c_->pos.at(up), Action::kDispatch, domain, a, severity, at)) return up;
  return {};
}

std::string Engine::escalation_target(const std::string& owner, Domain domain,
                                      const std::string& area, Severity severity, TimeMs at) const {
  c_->position(owner, "owner");
  return nearest_above(owner, domain, area, severity, at);
}

const PolicySet& Engine::policies() const {
  return c_->set;
}

const std::set<std::string>& Engine::revoked() const {
  return c_->revoked;
}

bool Engine::has_authority() const {
  return !c_->set.grants.empty() || !c_->set.denies.empty();
}

}  // namespace ioc::policy
