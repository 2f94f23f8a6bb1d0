// iocctl policy lint | test | explain | diff | bench.
#include "policy_command.hpp"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>
#include <set>

#include "cli_args.hpp"
#include "ioc/error.hpp"
#include "ioc/federation/federation_diff.hpp"
#include "ioc/federation/policy_engine.hpp"
#include "ioc/federation/sharing.hpp"

namespace ioc::cli {
namespace {

using policy::Engine;
using policy::Explanation;
using policy::Question;

std::string required(const Args& args, const std::string& name) {
  const auto v = args.get(name);
  if (!v || v->empty()) throw Error(ErrorCode::kBadRequest, "--" + name + " is required", name);
  return *v;
}

template <typename T>
T parsed(const std::optional<T>& v, const std::string& option, const std::string& text) {
  if (!v)
    throw Error(ErrorCode::kBadRequest, "--" + option + ": unknown value '" + text + "'", option);
  return *v;
}

int lint(const Args& args) {
  if (args.positional().size() != 1)
    throw Error(ErrorCode::kBadRequest, "policy lint takes one FEDERATION_FILE");
  const auto fed = load_federation(args.positional()[0]);
  for (const auto& n : fed.nodes) load_node_config(fed, n.id);
  const auto set = policy::load_policies(fed);
  std::cout << fed.path << ": ok: " << set.grants.size() << " grants, " << set.denies.size()
            << " denies, " << set.sharing.size() << " sharing rules, " << set.escalation.size()
            << " escalation rules; policy version " << set.version << "\n";
  return 0;
}

int test(const Args& args) {
  if (args.positional().empty())
    throw Error(ErrorCode::kBadRequest, "policy test takes one or more PolicyTest files");
  int passed = 0, failed = 0;
  for (const auto& file : args.positional()) {
    const auto report = policy::run_policy_test(file);
    passed += report.passed;
    failed += static_cast<int>(report.failures.size());
    for (const auto& f : report.failures) std::cout << f << "\n";
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

Question question(const Args& args) {
  Question q;
  q.subject = required(args, "as");
  const auto action = required(args, "action");
  q.action = parsed(policy::parse_action(action), "action", action);
  const auto domain = required(args, "domain");
  q.domain = parsed(parse_domain(domain), "domain", domain);
  q.area = required(args, "area");
  const auto severity = required(args, "severity");
  q.severity = parsed(parse_severity(severity), "severity", severity);
  q.at = SystemClock().now();
  if (const auto at = args.get("at")) q.at = parsed(parse_rfc3339(*at), "at", *at);
  return q;
}

TimeMs when(const Args& args) {
  if (const auto a = args.get("at")) return parsed(parse_rfc3339(*a), "at", *a);
  return SystemClock().now();
}

// "May health see pm25 of Hai Chau, and at what granularity?": the Sharing decision with the
// rule and where it is. Exit 0 when something leaves, 3 for none.
int explain_sharing(const FederationConfig& fed, const policy::PolicySet& set, const Args& args) {
  const auto data = required(args, "data");
  const auto kind = parsed(policy::parse_data_kind(data), "data", data);
  const auto node = [&](const char* option) {
    const auto id = required(args, option);
    if (!fed.find(id))
      throw Error(ErrorCode::kBadRequest,
                  std::string("--") + option + ": unknown node '" + id + "'", option);
    return id;
  };
  const std::string from = node("from"), to = node("to");
  federation::SharedItem item;
  item.metric = args.get_or("metric", "");
  if (const auto d = args.get("domain")) {
    item.domain = parsed(parse_domain(*d), "domain", *d);
    item.has_domain = true;
  }
  if (const auto s = args.get("severity"))
    item.severity = parsed(parse_severity(*s), "severity", *s);
  const auto share = federation::share_for(set, fed, from, to, kind, item);
  if (args.flag("json")) {
    std::cout << nlohmann::json{{"granularity", policy::to_string(share.granularity)},
                                {"rule", share.rule.empty() ? nlohmann::json()
                                                            : nlohmann::json(share.rule)},
                                {"where", share.where.empty() ? nlohmann::json()
                                                              : nlohmann::json(share.where)},
                                {"minGroupSize", share.min_group_size},
                                {"redact", share.redact}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << data << " from " << from << " to " << to
              << (item.metric.empty() ? "" : " (" + item.metric + ")") << ": "
              << federation::describe(share) << "\n";
  }
  return share.granularity == policy::Granularity::kNone ? 3 : 0;
}

// "Who owns a severe flood reported at this ward, and when does it escalate?"
int explain_escalation(const FederationConfig& fed, const Args& args) {
  const auto reporter = required(args, "reported");
  if (!fed.find(reporter))
    throw Error(ErrorCode::kBadRequest, "--reported: unknown node '" + reporter + "'", "reported");
  const auto domain = required(args, "domain");
  const auto severity = required(args, "severity");
  const Engine engine(fed, policy::load_policies(fed));
  const auto plan =
      policy::plan_escalation(engine, reporter, parsed(parse_domain(domain), "domain", domain),
                              parsed(parse_severity(severity), "severity", severity), when(args));
  std::cout << "a " << severity << " " << domain << " incident reported at " << reporter << ": "
            << policy::describe(plan) << "\n";
  return 0;
}

int explain(const Args& args) {
  if (args.positional().size() != 1)
    throw Error(ErrorCode::kBadRequest, "policy explain takes one FEDERATION_FILE");
  const auto fed = load_federation(args.positional()[0]);
  if (args.get("data")) return explain_sharing(fed, policy::load_policies(fed), args);
  if (args.get("reported")) return explain_escalation(fed, args);
  const Engine engine(fed, policy::load_policies(fed));
  const Question q = question(args);
  const Explanation e = engine.explain(q);
  if (args.flag("json")) {
    std::cout << nlohmann::json::parse(policy::explanation_json(e)).dump(2) << "\n";
  } else if (e.allowed) {
    std::cout << "allow";
    for (std::size_t i = 0; i < e.chain.size(); ++i) std::cout << (i ? " -> " : ": ") << e.chain[i];
    std::cout << (e.chain.empty() ? ": " + e.reason : "") << "\n";
  } else {
    std::cout << "deny: " << e.reason << "\n";
    if (!e.candidates.empty()) std::cout << "grants that reach " << q.subject << ":\n";
    for (const auto& m : e.candidates)
      std::cout << "  " << m.grant << " (" << m.where << "): " << m.why << "\n";
  }
  return e.allowed ? 0 : 3;
}

std::string granted_by(const Explanation& e) {
  return e.chain.empty() ? "the root's own authority" : "grant '" + e.chain.back() + "'";
}

struct Flips {
  std::size_t compared = 0, flipped = 0;
  bool partial = false;  // some nodes are in only one of the files
};

// Every question about `subjects` acting in `areas`, at `at`: each action, domain and severity.
template <typename F>
void each_question(const std::vector<std::string>& subjects, const std::vector<std::string>& areas,
                   TimeMs at, F&& ask) {
  Question q;
  q.at = at;
  for (const auto& subject : subjects)
    for (int a = 0; a < policy::kActionCount; ++a)
      for (int d = 0; d < policy::kDomainCount; ++d)
        for (const auto& area : areas)
          for (int s = 0; s < 4; ++s) {
            q.subject = subject;
            q.action = static_cast<policy::Action>(a);
            q.domain = static_cast<Domain>(d);
            q.area = area;
            q.severity = static_cast<Severity>(s);
            ask(q);
          }
}

// Every decision over the nodes both federations hold whose answer differs at `at`; `print`
// each one, after `prefix`.
Flips compare_decisions(const Engine& before, const Engine& after, TimeMs at, bool print,
                        const std::string& prefix = "") {
  const auto& old_fed = before.federation();
  const auto& new_fed = after.federation();
  std::vector<std::string> nodes;
  for (const auto& n : old_fed.nodes)
    if (new_fed.find(n.id)) nodes.push_back(n.id);
  Flips out;
  out.partial = nodes.size() < new_fed.nodes.size() || nodes.size() < old_fed.nodes.size();
  each_question(nodes, nodes, at, [&](const Question& q) {
    ++out.compared;
    const bool was = before.allows(q), now = after.allows(q);
    if (was == now) return;
    ++out.flipped;
    if (!print) return;
    const auto why = (now ? after : before).explain(q);
    std::cout << prefix << (was ? "allow -> deny: " : "deny -> allow: ") << q.subject << " "
              << policy::to_string(q.action) << " " << to_string(q.domain) << " in " << q.area
              << " at " << to_string(q.severity) << " (" << (now ? "by " : "was by ")
              << granted_by(why) << ")\n";
  });
  return out;
}

Flips compare_decisions(const FederationConfig& old_fed, const FederationConfig& new_fed, TimeMs at,
                        bool print) {
  const Engine before(old_fed, policy::load_policies(old_fed));
  const Engine after(new_fed, policy::load_policies(new_fed));
  return compare_decisions(before, after, at, print);
}

// The instants at which decisions can change: now, and each edge of a grant window in either set
// (a window is [validFrom, validUntil)), with the moment before the first edge.
std::vector<TimeMs> grant_edges(const Engine& before, const Engine& after, TimeMs now) {
  std::set<TimeMs> edges;
  for (const Engine* e : {&before, &after})
    for (const auto& g : e->policies().grants) {
      if (g.valid_from) edges.insert(*g.valid_from);
      if (g.valid_until) edges.insert(*g.valid_until);
    }
  if (!edges.empty()) edges.insert(*edges.begin() - 1);
  edges.insert(now);
  return {edges.begin(), edges.end()};
}

// What a node in only one of the files may do there, as subject (it is not compared).
void describe_one_sided(const Engine& in, const Engine& other, const char* which, TimeMs at) {
  std::vector<std::string> all;
  for (const auto& n : in.federation().nodes) all.push_back(n.id);
  for (const auto& n : in.federation().nodes) {
    if (other.federation().find(n.id)) continue;
    std::size_t allowed = 0, asked = 0;
    each_question({n.id}, all, at, [&](const Question& q) {
      ++asked;
      allowed += in.allows(q);
    });
    std::cout << "only in the " << which << " file: " << n.id << " (as subject there, " << allowed
              << " of " << asked << " decisions allowed now; not compared)\n";
  }
}

int diff(const Args& args) {
  if (args.positional().size() != 2)
    throw Error(ErrorCode::kBadRequest, "policy diff takes OLD_FEDERATION NEW_FEDERATION");
  const auto old_fed = load_federation(args.positional()[0]);
  const auto new_fed = load_federation(args.positional()[1]);
  const Engine before(old_fed, policy::load_policies(old_fed));
  const Engine after(new_fed, policy::load_policies(new_fed));
  const TimeMs now = SystemClock().now();
  describe_one_sided(before, after, "old", now);
  describe_one_sided(after, before, "new", now);
  if (args.get("at")) {
    const Flips f = compare_decisions(before, after, when(args), true);
    std::cout << f.compared << " decisions compared, " << f.flipped << " flipped"
              << (f.partial ? " (nodes in only one file are not compared)" : "") << "\n";
    return 0;
  }
  // Without --at: now and every grant edge, so a change to a window that is not open now shows.
  const auto instants = grant_edges(before, after, now);
  Flips total;
  for (const TimeMs t : instants) {
    const Flips f = compare_decisions(
        before, after, t, true, "at " + format_rfc3339(t) + (t == now ? " (now)" : "") + ": ");
    total.compared += f.compared;
    total.flipped += f.flipped;
    total.partial = f.partial;
  }
  std::cout << total.compared << " decisions compared at " << instants.size()
            << " instants (now and every grant edge), " << total.flipped << " flipped"
            << (total.partial ? " (nodes in only one file are not compared)" : "") << "\n";
  return 0;
}

int bench(const Args& args) {
  if (args.positional().size() != 1)
    throw Error(ErrorCode::kBadRequest, "policy bench takes one FEDERATION_FILE");
  std::size_t n = 1'000'000;
  if (const auto d = args.get("decisions")) {
    try {
      n = std::stoull(*d);
    } catch (const std::exception&) {
      n = 0;
    }
    if (n == 0)
      throw Error(ErrorCode::kBadRequest, "--decisions takes a positive number", "decisions");
  }
  const auto fed = load_federation(args.positional()[0]);
  const Engine engine(fed, policy::load_policies(fed));
  const auto r = policy::bench(engine, fed, n);
  std::cout << std::fixed << std::setprecision(3) << r.allowed << " of " << r.decisions
            << " allowed\n"
            << r.decisions << " decisions in " << r.seconds << " s: " << std::setprecision(0)
            << r.per_second << " decisions/s, p50 " << std::setprecision(2) << r.p50_us
            << " us, p99 " << r.p99_us << " us\n";
  return 0;
}

}  // namespace

int federation_diff(int argc, char** argv) {
  Args args(argc, argv, 3, {"at"}, {});
  if (!args.ok()) throw Error(ErrorCode::kBadRequest, args.error());
  if (args.positional().size() != 2)
    throw Error(ErrorCode::kBadRequest, "federation diff takes OLD_FEDERATION NEW_FEDERATION");
  const auto old_fed = load_federation(args.positional()[0]);
  const auto new_fed = load_federation(args.positional()[1]);
  const auto changes = federation::diff_federations(old_fed, new_fed);
  for (const auto& c : changes) std::cout << federation::describe(c) << "\n";
  // What the new tree and policies do to authority: subtrees (areas) move with the nodes.
  const Flips f = compare_decisions(old_fed, new_fed, when(args), false);
  std::cout << changes.size() << " change(s) to the tree; " << f.flipped << " of " << f.compared
            << " decisions flip over the nodes in both (iocctl policy diff lists them)\n";
  const auto plan = federation::apply_plan(changes, old_fed, new_fed);
  if (!plan.empty()) std::cout << "To apply it while the federation runs:\n";
  for (const auto& step : plan) std::cout << "  " << step << "\n";
  return 0;
}

int policy_command(const std::string& verb, int argc, char** argv) {
  Args args(argc, argv, 3,
            {"as", "action", "domain", "area", "severity", "at", "decisions", "data", "from", "to",
             "metric", "reported"},
            {"json"});
  if (!args.ok()) throw Error(ErrorCode::kBadRequest, args.error());
  if (verb == "lint") return lint(args);
  if (verb == "test") return test(args);
  if (verb == "explain") return explain(args);
  if (verb == "diff") return diff(args);
  if (verb == "bench") return bench(args);
  throw Error(ErrorCode::kBadRequest, "unknown policy command '" + verb + "'");
}

}  // namespace ioc::cli
