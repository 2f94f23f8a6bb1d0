#include <catch2/catch.hpp>

#include <filesystem>

#include "ioc/error.hpp"
#include "ioc/federation/policy.hpp"
#include "policy_fixture.hpp"
#include "policy_update.hpp"
#include "temp_dir.hpp"

using namespace ioc;
using namespace ioc::policy;
using ioc::test::TempDir;

namespace {

std::string load_error(const TempDir& dir, const std::vector<std::string>& files) {
  try {
    const auto fed = load_federation(test::write_policy_federation(dir, files));
    load_policies(fed);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kConfig);
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("policy files load with grants resolved to the grant they lie inside", "[policy]") {
  TempDir dir;
  const auto fed = load_federation(test::write_policy_federation(
      dir, {test::kCityAuthority, test::kNorthAuthority, test::kSharing, test::kEscalation}));
  const PolicySet set = load_policies(fed);
  REQUIRE(set.grants.size() == 4);
  CHECK(set.grants[0].parent.empty());
  CHECK(set.grants[3].id == "north-ward");
  CHECK(set.grants[3].parent == "city-north");
  CHECK(set.grants[3].issuer == "city/north");
  CHECK(set.denies.size() == 1);
  CHECK(set.sharing.size() == 3);
  CHECK(set.sharing[0].granularity == Granularity::kRaw);
  CHECK(set.sharing[1].min_group_size == 3);
  CHECK(set.escalation.size() == 2);
  CHECK_FALSE(set.escalation[1].escalate);
  CHECK(set.version.size() == 16);
}

TEST_CASE("the policy version changes with any policy file", "[policy]") {
  TempDir a, b;
  const auto fa = load_federation(test::write_policy_federation(a, {test::kCityAuthority}));
  const auto fb = load_federation(test::write_policy_federation(
      b, {std::string(test::kCityAuthority) + "# a comment is a change too\n"}));
  CHECK(load_policies(fa).version != load_policies(fb).version);
}

TEST_CASE("policy loading names file, line, column and key", "[policy]") {
  TempDir dir;
  const std::string head = "apiVersion: ioc/v1\nkind: Authority\nissuer: city\ngrants:\n";
  const std::string g = "  - id: g1\n    to: [city/north]\n    actions: [view]\n";
  SECTION("unknown key") {
    const auto e =
        load_error(dir, {head + g + "    domains: [flood]\n    area: grantee\n    colour: red\n"});
    CHECK_THAT(e, Catch::Contains("policy-0.yaml:10:5: error: grants[0].colour: unknown key"));
  }
  SECTION("an unknown key near a valid one is answered with it") {
    auto e = load_error(
        dir, {head + g + "    domains: [flood]\n    area: grantee\n    maxseverity: minor\n"});
    CHECK_THAT(e,
               Catch::Contains("grants[0].maxseverity: unknown key; did you mean 'maxSeverity'?"));
    e = load_error(dir, {"apiVersion: ioc/v1\nkind: Sharing\nrules:\n  - id: s1\n    from: '*'\n"
                         "    to: parent\n    data: [observations]\n    granularity: aggregate\n"
                         "    metric: [pm25]\n"});
    CHECK_THAT(e, Catch::Contains("rules[0].metric: unknown key; did you mean 'metrics'?"));
  }
  SECTION("unknown node") {
    const auto e = load_error(dir, {head + "  - id: g1\n    to: [city/west]\n    actions: [view]\n"
                                           "    domains: [flood]\n    area: grantee\n"});
    CHECK_THAT(e, Catch::Contains(":6:9: error: grants[0].to: unknown node 'city/west'"));
  }
  SECTION("bad severity") {
    const auto e = load_error(
        dir, {head + g + "    domains: [flood]\n    area: grantee\n    maxSeverity: huge\n"});
    CHECK_THAT(e, Catch::Contains("grants[0].maxSeverity: expected minor, moderate, severe or "
                                  "extreme, got 'huge'"));
  }
  SECTION("wrong type") {
    const auto e = load_error(dir, {head + g + "    domains: flood\n    area: grantee\n"});
    CHECK_THAT(e, Catch::Contains("grants[0].domains: expected a list, got 'flood'"));
  }
  SECTION("duplicate id across files") {
    const auto e = load_error(dir, {head + g + "    domains: [flood]\n    area: grantee\n",
                                    head + g + "    domains: [flood]\n    area: grantee\n"});
    CHECK_THAT(e, Catch::Contains("policy-1.yaml:5:9: error: grants[0].id: duplicate id 'g1'"));
  }
  SECTION("unknown action") {
    const auto e = load_error(dir, {head + "  - id: g1\n    to: [city/north]\n    actions: [fly]\n"
                                           "    domains: [flood]\n    area: grantee\n"});
    CHECK_THAT(e, Catch::Contains("grants[0].actions: unknown action 'fly'"));
  }
  SECTION("a deny naming a node not below its issuer") {
    const auto e = load_error(dir, {test::kCityAuthority,
                                    "apiVersion: ioc/v1\nkind: Authority\nissuer: city/north\n"
                                    "denies:\n  - id: d1\n    to: [city/south]\n"});
    CHECK_THAT(e, Catch::Contains("denies[0].to: a deny may only name nodes below its issuer"));
  }
  SECTION("alerts go down by their areas, not by a rule for children or the subtree") {
    for (const char* to : {"children", "subtree"}) {
      INFO(to);
      const auto e =
          load_error(dir, {"apiVersion: ioc/v1\nkind: Sharing\nrules:\n  - id: s1\n"
                           "    from: city\n    to: " +
                           std::string(to) + "\n    data: [alerts]\n    granularity: raw\n"});
      CHECK_THAT(e,
                 Catch::Contains("rules[0].data: alerts go down to the nodes their areas cover"));
    }
  }
  SECTION("a target that is neither a node nor parent, children or subtree") {
    const auto e = load_error(dir, {"apiVersion: ioc/v1\nkind: Sharing\nrules:\n  - id: s1\n"
                                    "    from: city\n    to: below\n    data: [incidents]\n"
                                    "    granularity: raw\n"});
    CHECK_THAT(e, Catch::Contains("rules[0].to: expected parent, children, subtree or a node id, "
                                  "got 'below'"));
  }
  SECTION("a scope for data it cannot describe, or an empty one") {
    const std::string rule =
        "apiVersion: ioc/v1\nkind: Sharing\nrules:\n  - id: s1\n"
        "    from: '*'\n    to: parent\n    granularity: raw\n";
    CHECK_THAT(load_error(dir, {rule + "    data: [incidents]\n    metrics: [pm25]\n"}),
               Catch::Contains("rules[0].metrics: applies to observations and summaries only"));
    CHECK_THAT(load_error(dir, {rule + "    data: [observations]\n    metrics: []\n"}),
               Catch::Contains("rules[0].metrics: name at least one metric"));
    CHECK_THAT(load_error(dir, {rule + "    data: [observations]\n    domains: [flood]\n"}),
               Catch::Contains("rules[0].domains: applies to alerts and incidents only"));
    CHECK_THAT(load_error(dir, {rule + "    data: [alerts]\n    domains: [weather]\n"}),
               Catch::Contains("rules[0].domains"));
    CHECK_THAT(load_error(dir, {rule + "    data: [summaries]\n    severityAtLeast: severe\n"}),
               Catch::Contains("rules[0].severityAtLeast: applies to alerts and incidents only"));
  }
  SECTION("data shared down or sideways travels whole, and never to a node above") {
    const std::string sharing = "apiVersion: ioc/v1\nkind: Sharing\nrules:\n  - id: s1\n";
    const std::string rule = sharing + "    from: city/north\n    to: city/health\n";
    CHECK_THAT(load_error(dir, {rule + "    data: [alerts]\n    granularity: aggregate\n"}),
               Catch::Contains("rules[0].granularity: data shared down or sideways travels whole"));
    CHECK_THAT(load_error(dir, {rule + "    data: [incidents]\n    granularity: aggregate\n"}),
               Catch::Contains("rules[0].granularity: data shared down or sideways travels whole"));
    CHECK_THAT(
        load_error(dir,
                   {rule + "    data: [alerts]\n    granularity: raw\n    redact: [headline]\n"}),
        Catch::Contains("rules[0].redact: alerts shared with a node other than the parent travel "
                        "whole"));
    CHECK_THAT(load_error(dir, {rule + "    data: [incidents]\n    granularity: raw\n"
                                       "    holdUntil: acknowledged\n"}),
               Catch::Contains("rules[0].holdUntil: applies to sharing with the parent only"));
    for (const char* data : {"alerts", "incidents", "observations", "service-requests"}) {
      INFO(data);
      CHECK(load_error(dir, {rule + "    data: [" + data + "]\n    granularity: raw\n"}) ==
            "no error");
    }
    CHECK(load_error(dir, {rule + "    data: [incidents]\n    granularity: raw\n"
                                  "    redact: [title]\n"}) == "no error");
    for (const char* below : {"children", "subtree"}) {
      INFO(below);
      CHECK(load_error(dir, {sharing + "    from: city\n    to: " + below +
                             "\n    data: [incidents]\n    granularity: raw\n"}) == "no error");
      CHECK_THAT(load_error(dir, {sharing + "    from: city\n    to: " + below +
                                  "\n    data: [incidents]\n    granularity: aggregate\n"}),
                 Catch::Contains("rules[0].granularity: data shared down or sideways"));
    }
    // Up to a node above the parent: through the parent, as the rule for the parent says.
    CHECK_THAT(load_error(dir, {sharing + "    from: city/north/ward-1\n    to: city\n"
                                          "    data: [incidents]\n    granularity: raw\n"}),
               Catch::Contains("rules[0].to: 'city' is above 'city/north/ward-1'"));
    CHECK_THAT(load_error(dir, {sharing + "    from: city/north\n    to: city/north\n"
                                          "    data: [incidents]\n    granularity: raw\n"}),
               Catch::Contains("rules[0].to: a node does not share with itself"));
    // Every node to the city: the ward's data would reach it only through its district.
    CHECK_THAT(load_error(dir, {sharing + "    from: '*'\n    to: city\n"
                                          "    data: [incidents]\n    granularity: raw\n"}),
               Catch::Contains("rules[0].from: 'city' is above nodes other than its children"));
    CHECK(load_error(dir, {sharing + "    from: '*'\n    to: city/health\n"
                                     "    data: [incidents]\n    granularity: raw\n"}) ==
          "no error");
  }
  SECTION("minGroupSize on raw sharing") {
    const auto e = load_error(dir, {"apiVersion: ioc/v1\nkind: Sharing\nrules:\n  - id: s1\n"
                                    "    from: '*'\n    to: parent\n    data: [observations]\n"
                                    "    granularity: raw\n    minGroupSize: 3\n"});
    CHECK_THAT(e, Catch::Contains("minGroupSize: applies to aggregate sharing only"));
  }
  SECTION("holdUntil on data other than incidents, or an unknown status") {
    auto e = load_error(dir, {"apiVersion: ioc/v1\nkind: Sharing\nrules:\n  - id: s1\n"
                              "    from: '*'\n    to: parent\n    data: [incidents, alerts]\n"
                              "    granularity: raw\n    holdUntil: acknowledged\n"});
    CHECK_THAT(e, Catch::Contains("holdUntil: applies to incidents only"));
    e = load_error(dir, {"apiVersion: ioc/v1\nkind: Sharing\nrules:\n  - id: s1\n"
                         "    from: '*'\n    to: parent\n    data: [incidents]\n"
                         "    granularity: raw\n    holdUntil: confirmed\n"});
    CHECK_THAT(e, Catch::Contains(":9:16: error: rules[0].holdUntil: expected acknowledged, "
                                  "dispatched, resolved or closed, got 'confirmed'"));
  }
  SECTION("redacting a field the data does not have") {
    const auto e = load_error(dir, {"apiVersion: ioc/v1\nkind: Sharing\nrules:\n  - id: s1\n"
                                    "    from: '*'\n    to: parent\n    data: [alerts]\n"
                                    "    granularity: raw\n    redact: [address]\n"});
    CHECK_THAT(e, Catch::Contains("redact: no field 'address' in the data this rule shares"));
  }
  SECTION("notify without targets") {
    const auto e = load_error(dir, {"apiVersion: ioc/v1\nkind: Escalation\nrules:\n  - id: e1\n"
                                    "    when: {severityAtLeast: severe}\n    action: notify\n"});
    CHECK_THAT(e, Catch::Contains("rules[0].targets: notify needs the nodes to notify"));
  }
  SECTION("a PolicyTest listed among policies") {
    const auto e = load_error(dir, {"apiVersion: ioc/v1\nkind: PolicyTest\n"});
    CHECK_THAT(e, Catch::Contains("kind: a PolicyTest is run with 'iocctl policy test'"));
  }
}

// Every way a grant can be wider than its issuer's, from the Da Nang reference fixtures: each
// file's first line says which key the error must name.
TEST_CASE("every too-wide grant in the reference fixtures is refused naming its key", "[policy]") {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(IOC_SOURCE_DIR);
  std::vector<fs::path> fixtures;
  for (const auto& e : fs::directory_iterator(root / "policies/danang/too-wide"))
    fixtures.push_back(e.path());
  std::sort(fixtures.begin(), fixtures.end());
  REQUIRE(fixtures.size() >= 12);
  for (const auto& f : fixtures) {
    const std::string text = test::read_file(f.string());
    const std::string key = text.substr(10, text.find('\n') - 10);  // "# expect: KEY"
    TempDir dir;
    std::string fed = test::read_file((root / "examples/danang/federation.yaml").string());
    fed = fed.substr(0, fed.find("policies:")) + "policies:\n  - " +
          (root / "policies/danang/authority-city.yaml").string() + "\n  - " +
          (root / "policies/danang/authority-hai-chau.yaml").string() + "\n  - " + f.string() +
          "\n";
    test::write_file(dir / "federation.yaml", fed);
    fs::copy(root / "examples/danang/geo", dir / "geo");  // the outlines it names
    INFO(f.filename().string());
    try {
      load_policies(load_federation(dir / "federation.yaml"));
      FAIL("loaded a grant wider than its issuer's");
    } catch (const Error& e) {
      CHECK_THAT(e.what(), Catch::StartsWith(f.string() + ":"));
      CHECK_THAT(e.what(), Catch::Contains("error: grants[0]." + key + ": grant '"));
      CHECK_THAT(e.what(), Catch::Contains("wider than its issuer's authority"));
    }
  }
}

TEST_CASE("the Da Nang reference policies load", "[policy]") {
  const auto fed =
      load_federation(std::string(IOC_SOURCE_DIR) + "/examples/danang/federation.yaml");
  const auto set = load_policies(fed);
  CHECK(set.grants.size() >= 6);
  CHECK(set.grants.back().parent == "city-districts-operate");
}

TEST_CASE("a runtime grant in JSON is read by the same grammar as a policy file", "[policy]") {
  TempDir dir;
  const auto fed = load_federation(test::write_policy_federation(dir, {test::kCityAuthority}));
  const nlohmann::json good{
      {"id", "g9"},          {"to", {"city/south"}},
      {"actions", {"view"}}, {"domains", {"flood"}},
      {"area", "grantee"},   {"redelegate", {{"depth", 1}, {"maxDuration", "7d"}}}};
  const Grant g = federation::grant_from_json(good, fed, "city");
  CHECK(g.to == std::vector<std::string>{"city/south"});
  CHECK(g.redelegate_max_duration == 7 * 86'400'000LL);
  CHECK(g.where == "runtime grant by city");
  nlohmann::json bad = good;
  bad["actions"] = {"fly"};
  try {
    federation::grant_from_json(bad, fed, "city");
    FAIL("accepted an unknown action");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kBadRequest);
    CHECK(e.field() == "actions");
    CHECK_THAT(e.what(), Catch::StartsWith("actions: unknown action 'fly'"));
  }
  bad = good;
  bad["colour"] = "red";
  CHECK_THROWS_WITH(federation::grant_from_json(bad, fed, "city"),
                    Catch::StartsWith("colour: unknown key"));
}

TEST_CASE("a Sharing rule's scope is read: metrics, domains and a least severity", "[policy]") {
  TempDir dir;
  const auto fed = load_federation(test::write_policy_federation(
      dir, {"apiVersion: ioc/v1\nkind: Sharing\nrules:\n"
            "  - id: air\n    from: city/north\n    to: city/health\n    data: [summaries]\n"
            "    granularity: aggregate\n    metrics: [pm25, pm10]\n"
            "  - id: severe-health\n    from: '*'\n    to: parent\n    data: [incidents]\n"
            "    granularity: raw\n    domains: [health]\n    severityAtLeast: severe\n"}));
  const PolicySet set = load_policies(fed);
  REQUIRE(set.sharing.size() == 2);
  CHECK(set.sharing[0].metrics == std::vector<std::string>{"pm25", "pm10"});
  CHECK(set.sharing[0].domains == policy::kAllDomains);
  CHECK(set.sharing[1].domains == policy::bit(Domain::kHealth));
  CHECK(set.sharing[1].severity_at_least == Severity::kSevere);
}
