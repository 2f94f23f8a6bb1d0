#include "ioc/federation/policy_engine.hpp"

#include <catch2/catch.hpp>

#include "policy_fixture.hpp"

using namespace ioc;
using namespace ioc::policy;
using ioc::test::TempDir;

namespace {

const TimeMs kJune10 = *parse_rfc3339("2026-06-10T00:00:00Z");

struct Fixture {
  TempDir dir;
  FederationConfig fed = load_federation(
      test::write_policy_federation(dir, {test::kCityAuthority, test::kNorthAuthority}));
  PolicySet set = load_policies(fed);
};

Question ask(std::string subject, Action action, Domain domain, std::string area, Severity severity,
             TimeMs at = kJune10) {
  return Question{std::move(subject), action, domain, std::move(area), severity, at};
}

}  // namespace

TEST_CASE("a grant allows inside all its conditions and explains its chain", "[policy]") {
  Fixture f;
  const Engine engine(f.fed, f.set);
  const auto q =
      ask("city/north", Action::kDispatch, Domain::kFlood, "city/north", Severity::kMinor);
  CHECK(engine.allows(q));
  const auto e = engine.explain(q);
  CHECK(e.allowed);
  CHECK(e.chain == std::vector<std::string>{"city-districts"});
  // The redelegated grant shows its whole chain from the root.
  const auto ward = engine.explain(ask("city/north/ward-1", Action::kAcknowledge, Domain::kFlood,
                                       "city/north/ward-1", Severity::kModerate));
  CHECK(ward.allowed);
  CHECK(ward.chain == std::vector<std::string>{"city-north", "north-ward"});
}

TEST_CASE("the root holds all authority", "[policy]") {
  Fixture f;
  const Engine engine(f.fed, f.set);
  const auto e = engine.explain(
      ask("city", Action::kReadRaw, Domain::kHealth, "city/south", Severity::kExtreme));
  CHECK(e.allowed);
  CHECK(e.chain.empty());
}

TEST_CASE("each failed condition is named by the nearest miss", "[policy]") {
  Fixture f;
  const Engine engine(f.fed, f.set);
  auto failed = [&](const Question& q) {
    const auto e = engine.explain(q);
    CHECK_FALSE(e.allowed);
    CHECK_FALSE(engine.allows(q));
    return e;
  };
  // city/north holds city-districts (moderate, grantee) and city-north (severe, until 2027):
  // a severe flood dispatch in its area fails only severity on the first, nothing on the second.
  CHECK(engine.allows(
      ask("city/north", Action::kDispatch, Domain::kFlood, "city/north", Severity::kSevere)));
  auto e = failed(
      ask("city/north", Action::kDispatch, Domain::kFlood, "city/north", Severity::kExtreme));
  CHECK(e.nearest == "city-districts");  // ties (one failure each) go to the earlier grant
  CHECK(e.failed == std::vector<std::string>{"severity"});
  CHECK(e.field == "severity");
  CHECK_THAT(e.reason, Catch::Contains("'extreme' is above maxSeverity 'moderate'"));

  e = failed(ask("city/south", Action::kDispatch, Domain::kFlood, "city/north", Severity::kMinor));
  CHECK(e.failed == std::vector<std::string>{"area"});

  e = failed(ask("city/south", Action::kView, Domain::kHealth, "city/south", Severity::kMinor));
  CHECK(e.failed == std::vector<std::string>{"domain"});

  e = failed(ask("city/south", Action::kEscalate, Domain::kFlood, "city/south", Severity::kMinor));
  CHECK(e.failed == std::vector<std::string>{"action"});

  const TimeMs later = *parse_rfc3339("2026-06-20T00:00:00Z");
  e = failed(ask("city/north/ward-1", Action::kDispatch, Domain::kFlood, "city/north/ward-1",
                 Severity::kMinor, later));
  CHECK(e.failed == std::vector<std::string>{"validUntil"});
  e = failed(ask("city/north/ward-1", Action::kDispatch, Domain::kFlood, "city/north/ward-1",
                 Severity::kMinor, *parse_rfc3339("2026-05-31T23:59:59Z")));
  CHECK(e.failed == std::vector<std::string>{"validFrom"});

  e = failed(
      ask("city/south", Action::kClose, Domain::kTraffic, "city/south", Severity::kModerate));
  CHECK(e.failed == std::vector<std::string>{"deny"});
  CHECK_THAT(e.reason, Catch::Contains("'no-south-close'"));
  CHECK(engine.allows(
      ask("city/south", Action::kClose, Domain::kTraffic, "city/south", Severity::kMinor)));

  e = failed(ask("city/north/ward-1", Action::kView, Domain::kHealth, "city", Severity::kMinor));
  CHECK(e.nearest == "north-ward");
  e = engine.explain(
      ask("city/north/ward-1", Action::kView, Domain::kHealth, "city", Severity::kMinor, 0));
  CHECK(e.failed.size() == 4);  // action, domain, area, validFrom
}

TEST_CASE("a node no grant reaches is denied with that reason", "[policy]") {
  TempDir dir;
  const auto fed = load_federation(test::write_policy_federation(dir, {test::kCityAuthority}));
  const Engine engine(fed, load_policies(fed));
  const auto e = engine.explain(ask("city/north/ward-1", Action::kView, Domain::kFlood,
                                    "city/north/ward-1", Severity::kMinor));
  CHECK_FALSE(e.allowed);
  CHECK(e.nearest.empty());
  CHECK(e.reason == "no grant reaches 'city/north/ward-1'");
}

TEST_CASE("a revoked grant stops working, with everything delegated from it", "[policy]") {
  Fixture f;
  const Engine engine(f.fed, f.set, {"city-north"});
  const auto ward = engine.explain(ask("city/north/ward-1", Action::kDispatch, Domain::kFlood,
                                       "city/north/ward-1", Severity::kMinor));
  CHECK_FALSE(ward.allowed);
  CHECK(ward.failed == std::vector<std::string>{"revoked"});
  // city/north keeps what its other grant gives it.
  CHECK(engine.allows(
      ask("city/north", Action::kDispatch, Domain::kFlood, "city/north", Severity::kModerate)));
  CHECK_FALSE(engine.allows(
      ask("city/north", Action::kDispatch, Domain::kFlood, "city/north", Severity::kSevere)));
}

TEST_CASE("a deny on an issuer narrows everything it delegated", "[policy]") {
  TempDir dir;
  const std::string deny_north = std::string(test::kCityAuthority) +
                                 "  - id: no-north-dispatch\n    to: [city/north]\n"
                                 "    actions: [dispatch]\n";
  const auto fed =
      load_federation(test::write_policy_federation(dir, {deny_north, test::kNorthAuthority}));
  const Engine engine(fed, load_policies(fed));
  const auto e = engine.explain(ask("city/north/ward-1", Action::kDispatch, Domain::kFlood,
                                    "city/north/ward-1", Severity::kMinor));
  CHECK_FALSE(e.allowed);
  CHECK(e.failed == std::vector<std::string>{"deny"});
  CHECK(engine.allows(ask("city/north/ward-1", Action::kAcknowledge, Domain::kFlood,
                          "city/north/ward-1", Severity::kMinor)));
}

TEST_CASE("ownership goes to the nearest node upward with dispatch authority", "[policy]") {
  Fixture f;
  const Engine engine(f.fed, f.set);
  CHECK(engine.owner_for("city/north/ward-1", Domain::kFlood, "city/north/ward-1",
                         Severity::kModerate, kJune10) == "city/north/ward-1");
  CHECK(engine.owner_for("city/north/ward-1", Domain::kFlood, "city/north/ward-1",
                         Severity::kSevere, kJune10) == "city/north");
  CHECK(engine.owner_for("city/north/ward-1", Domain::kFlood, "city/north/ward-1",
                         Severity::kExtreme, kJune10) == "city");
  CHECK(engine.owner_for("city/south", Domain::kHealth, "city/south", Severity::kMinor, kJune10) ==
        "city");
  CHECK(engine.escalation_target("city/north/ward-1", Domain::kFlood, "city/north/ward-1",
                                 Severity::kModerate, kJune10) == "city/north");
  CHECK(engine.escalation_target("city", Domain::kFlood, "city", Severity::kModerate, kJune10)
            .empty());
}

TEST_CASE("a question about an unknown node is an error naming it", "[policy]") {
  Fixture f;
  const Engine engine(f.fed, f.set);
  CHECK_THROWS_WITH(
      engine.allows(ask("city/west", Action::kView, Domain::kFlood, "city", Severity::kMinor)),
      Catch::Contains("subject 'city/west' is not a node"));
}

TEST_CASE("policy bench decides and reports percentiles", "[policy]") {
  Fixture f;
  const Engine engine(f.fed, f.set);
  const auto r = bench(engine, f.fed, 20'000);
  CHECK(r.decisions == 20'000);
  CHECK(r.allowed > 0);
  CHECK(r.allowed < r.decisions);
  CHECK(r.p50_us <= r.p99_us);
}
