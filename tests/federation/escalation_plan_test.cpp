#include <catch2/catch.hpp>

#include "ioc/federation/policy_engine.hpp"
#include "policy_fixture.hpp"

using namespace ioc;
using namespace ioc::policy;

namespace {

const TimeMs kJune10 = *parse_rfc3339("2026-06-10T00:00:00Z");

struct Plans {
  test::TempDir dir;
  FederationConfig fed = load_federation(test::write_policy_federation(
      dir, {test::kCityAuthority, test::kNorthAuthority, test::kEscalation}));
  Engine engine{fed, load_policies(fed)};
};

}  // namespace

TEST_CASE("the plan for an incident left unacknowledged: its owner and each escalation",
          "[policy][escalation]") {
  Plans p;
  // A severe flood at the ward: the ward holds up to moderate, the district up to severe.
  auto plan =
      plan_escalation(p.engine, "city/north/ward-1", Domain::kFlood, Severity::kSevere, kJune10);
  CHECK(plan.owner == "city/north");
  REQUIRE(plan.escalations.size() == 1);
  CHECK(plan.escalations[0].from == "city/north");
  CHECK(plan.escalations[0].to == "city");
  CHECK(plan.escalations[0].rule == "flood-late");
  CHECK(plan.escalations[0].after == 600'000);
  CHECK_THAT(describe(plan),
             Catch::StartsWith("owned by city/north; unacknowledged for 10m (rule flood-late, ") &&
                 Catch::EndsWith(") to city"));
  // A moderate one stays with the ward: no rule is about it.
  plan =
      plan_escalation(p.engine, "city/north/ward-1", Domain::kFlood, Severity::kModerate, kJune10);
  CHECK(plan.owner == "city/north/ward-1");
  CHECK(plan.escalations.empty());
  // After the ward's grant ends, the district owns it.
  plan = plan_escalation(p.engine, "city/north/ward-1", Domain::kFlood, Severity::kModerate,
                         *parse_rfc3339("2026-07-01T00:00:00Z"));
  CHECK(plan.owner == "city/north");
  // A fire: only the root may dispatch it, and the health centre hears at once.
  plan = plan_escalation(p.engine, "city/south", Domain::kFireRescue, Severity::kMinor, kJune10);
  CHECK(plan.owner == "city");
  CHECK(plan.escalations.empty());
  REQUIRE(plan.notices.size() == 1);
  CHECK(plan.notices[0].targets == std::vector<std::string>{"city/health"});
  CHECK_THAT(describe(plan), Catch::Contains("notifies city/health at once (rule tell-health, "));
}
