// PolicyTest files: expectations about decisions, run by `iocctl policy test` and CI.
#include "ioc/error.hpp"
#include "ioc/federation/policy_engine.hpp"
#include "ioc/federation/sharing.hpp"
#include "yaml_reader.hpp"

namespace ioc::policy {
namespace {

// A Sharing case: `share: {data, from, to, metric?, domain?, severity?}` and `expect: raw,
// aggregate or none`. Empty when it holds, else what the rules decide instead.
std::string sharing_case(const FederationConfig& fed, const PolicySet& set, yaml::MapReader& r) {
  yaml::MapReader sh(r.file(), r.node("share"), r.key_path("share"));
  const std::string data = sh.str("data");
  const auto kind = parse_data_kind(data);
  if (!kind) sh.fail_at("data", "unknown data '" + data + "'");
  const auto node = [&](const char* key) {
    const std::string id = sh.str(key);
    if (!fed.find(id)) sh.fail_at(key, "unknown node '" + id + "'");
    return id;
  };
  const std::string from = node("from"), to = node("to");
  federation::SharedItem item;
  if (const auto m = sh.opt_str("metric")) item.metric = *m;
  if (const auto d = sh.opt_str("domain")) {
    item.domain = parse_domain(*d);
    if (!item.domain) sh.fail_at("domain", "unknown domain '" + *d + "'");
    item.has_domain = true;
  }
  if (sh.has("severity"))
    item.severity =
        parse_severity(sh.one_of("severity", {"minor", "moderate", "severe", "extreme"}));
  sh.finish();
  const std::string expect = r.one_of("expect", {"raw", "aggregate", "none"});
  const auto share = federation::share_for(set, fed, from, to, *kind, item);
  if (to_string(share.granularity) == expect) return "";
  return "expected " + expect + ", got " + federation::describe(share);
}

// An Escalation case: `escalation: {reported, domain, severity}` and `expect: {owner,
// escalatesTo: [owners in turn], notifies: [targets]}` (the lists default to empty). Empty when
// it holds, else the plan the rules make instead.
std::string escalation_case(const Engine& engine, yaml::MapReader& r, TimeMs at) {
  const auto& fed = engine.federation();
  yaml::MapReader e(r.file(), r.node("escalation"), r.key_path("escalation"));
  const std::string reporter = e.str("reported");
  if (!fed.find(reporter)) e.fail_at("reported", "unknown node '" + reporter + "'");
  const std::string domain = e.str("domain");
  const auto d = parse_domain(domain);
  if (!d) e.fail_at("domain", "unknown domain '" + domain + "'");
  const auto severity =
      parse_severity(e.one_of("severity", {"minor", "moderate", "severe", "extreme"}));
  e.finish();
  yaml::MapReader x(r.file(), r.node("expect"), r.key_path("expect"));
  const std::string owner = x.str("owner");
  const auto to = x.has("escalatesTo") ? x.str_list("escalatesTo") : std::vector<std::string>{};
  const auto told = x.has("notifies") ? x.str_list("notifies") : std::vector<std::string>{};
  x.finish();
  const auto plan = plan_escalation(engine, reporter, *d, *severity, at);
  std::vector<std::string> got_to, got_told;
  for (const auto& s : plan.escalations) got_to.push_back(s.to);
  for (const auto& n : plan.notices)
    got_told.insert(got_told.end(), n.targets.begin(), n.targets.end());
  if (plan.owner == owner && got_to == to && got_told == told) return "";
  return "got " + describe(plan);
}

// An Authority case: `as`, `action`, `resource: {domain, area, severity}` and `expect: allow or
// deny`. Empty when it holds, else the decision and its reason.
std::string authority_case(const Engine& engine, yaml::MapReader& r, TimeMs at) {
  const auto& fed = engine.federation();
  Question q;
  q.subject = r.str("as");
  if (!fed.find(q.subject)) r.fail_at("as", "unknown node '" + q.subject + "'");
  const std::string action = r.str("action");
  const auto a = parse_action(action);
  if (!a) r.fail_at("action", "unknown action '" + action + "'");
  q.action = *a;
  yaml::MapReader res(r.file(), r.node("resource"), r.key_path("resource"));
  const std::string domain = res.str("domain");
  const auto d = parse_domain(domain);
  if (!d) res.fail_at("domain", "unknown domain '" + domain + "'");
  q.domain = *d;
  q.area = res.str("area");
  if (!fed.find(q.area)) res.fail_at("area", "unknown node '" + q.area + "'");
  q.severity = *parse_severity(res.one_of("severity", {"minor", "moderate", "severe", "extreme"}));
  res.finish();
  q.at = at;
  const bool expect_allow = r.one_of("expect", {"allow", "deny"}) == "allow";
  const Explanation e = engine.explain(q);
  if (e.allowed == expect_allow) return "";
  return std::string("expected ") + (expect_allow ? "allow" : "deny") + ", got " +
         (e.allowed ? "allow" : "deny") + ": " + e.reason;
}

}  // namespace

TestReport run_policy_test(const std::string& path) {
  yaml::MapReader doc(path, yaml::load_file(path), "");
  yaml::expect_kind(doc, "PolicyTest");
  const FederationConfig fed = load_federation(yaml::resolve_path(path, doc.str("federation")));
  const Engine engine(fed, load_policies(fed));
  const YAML::Node cases = doc.list("cases");
  const TimeMs now = SystemClock().now();
  TestReport report;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    yaml::MapReader r(path, cases[i], "cases[" + std::to_string(i) + "]");
    const std::string name = r.str("name");
    TimeMs at = now;
    if (const auto a = r.opt_str("at")) {
      const auto t = parse_rfc3339(*a);
      if (!t) r.fail_at("at", "expected an RFC 3339 time, got '" + *a + "'");
      at = *t;
    }
    const std::string failed = r.has("escalation") ? escalation_case(engine, r, at)
                               : r.has("share")    ? sharing_case(fed, engine.policies(), r)
                                                   : authority_case(engine, r, at);
    r.finish();
    if (failed.empty())
      ++report.passed;
    else
      report.failures.push_back(yaml::location(path, cases[i]) + ": case '" + name +
                                "': " + failed);
  }
  doc.finish();
  return report;
}

}  // namespace ioc::policy
