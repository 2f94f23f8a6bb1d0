#include "policy_state.hpp"

#include <catch2/catch.hpp>

#include "ioc/error.hpp"
#include "policy_fixture.hpp"

using namespace ioc;
using namespace ioc::federation;
using ioc::test::TempDir;

namespace {

const TimeMs kNow = *parse_rfc3339("2026-06-10T00:00:00Z");

struct State {
  explicit State(std::vector<std::string> policies = {test::kCityAuthority, test::kNorthAuthority})
      : fed(load_federation(test::write_policy_federation(dir, policies))), state(fed) {}
  TempDir dir;
  FederationConfig fed;
  PolicyState state;

  policy::Grant grant(const std::string& issuer, std::vector<std::string> to, TimeMs until) {
    policy::Grant g;
    g.id = "rt-1";
    g.issuer = issuer;
    g.to = std::move(to);
    g.actions = policy::bit(policy::Action::kView);
    g.domains = policy::bit(Domain::kFlood);
    g.area = std::string(policy::kGranteeArea);
    g.max_severity = Severity::kMinor;
    g.valid_until = until;
    return g;
  }
};

std::string field_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.field();
  }
  return "none";
}

}  // namespace

TEST_CASE("a reload takes a changed tree and drops delegations that no longer fit it",
          "[policy-state]") {
  State s({test::kCityAuthority});
  const TimeMs week = 7 * 86'400'000LL;
  // North delegates to its ward; then the ward moves under south, outside north's authority.
  const auto g =
      s.state.check_grant(s.grant("city/north", {"city/north/ward-1"}, kNow + week), kNow);
  REQUIRE(s.state.adopt(PolicyUpdate{"grant", "city/north", grant_to_json(g), ""}, kNow));
  std::string text = test::read_file(s.fed.path);
  text.replace(text.find("parent: city/north,"), 19, "parent: city/south,");
  text.replace(text.find("  - {id: city/south"), 0,
               "  - {id: city/east, kind: district, parent: city, endpoint: "
               "'http://127.0.0.1:9', publicKey: k}\n");
  test::write_file(s.fed.path, text);
  s.state.reload();
  const auto fed = s.state.federation();
  CHECK(fed->find("city/east"));
  CHECK(fed->find("city/north/ward-1")->parent == "city/south");
  CHECK(&s.state.engine()->federation() == fed.get());
  for (const auto& kept : s.state.engine()->policies().grants) CHECK(kept.id != "rt-1");
}

TEST_CASE("a runtime grant is placed under the issuer's grant or refused naming the key",
          "[policy-state]") {
  State s;
  const TimeMs week = 7 * 86'400'000LL;
  // North holds city-north (depth 1, 30 days, until 2027): a week's grant to its ward fits.
  const auto g =
      s.state.check_grant(s.grant("city/north", {"city/north/ward-1"}, kNow + week), kNow);
  CHECK(g.parent == "city-north");
  CHECK(g.valid_from == kNow);
  // Longer than 30 days, wider than its authority, an id already taken, or no end: refused.
  CHECK(field_of([&] {
          s.state.check_grant(s.grant("city", {"city/south"}, kNow + 31 * 86'400'000LL), kNow);
        }) == "validUntil");
  auto wide = s.grant("city/north", {"city/north/ward-1"}, kNow + week);
  wide.domains |= policy::bit(Domain::kHealth);
  CHECK(field_of([&] { s.state.check_grant(wide, kNow); }) == "domains");
  auto taken = s.grant("city", {"city/south"}, kNow + week);
  taken.id = "city-north";
  CHECK(field_of([&] { s.state.check_grant(taken, kNow); }) == "id");
  CHECK(field_of([&] {
          auto open = s.grant("city", {"city/south"}, kNow);
          open.valid_until.reset();
          s.state.check_grant(open, kNow);
        }) == "validUntil");
  // The south district's grant has no redelegate: inside it in every other way, still refused.
  auto lent = s.grant("city/south", {"city/health"}, kNow + week);
  lent.area = "city/south";
  CHECK(field_of([&] { s.state.check_grant(lent, kNow); }) == "id");
}

TEST_CASE("who may revoke: the issuer, an issuer above it in the chain, or the root",
          "[policy-state]") {
  State s;
  CHECK_NOTHROW(s.state.check_revocation("north-ward", "city/north"));  // its issuer
  CHECK_NOTHROW(s.state.check_revocation("north-ward", "city"));        // the root
  CHECK(field_of([&] { s.state.check_revocation("north-ward", "city/south"); }) == "grant");
  CHECK(field_of([&] { s.state.check_revocation("city-north", "city/north"); }) == "grant");
  CHECK_THROWS_WITH(s.state.check_revocation("no-such", "city"), Catch::Contains("no grant"));
}

TEST_CASE("an update is adopted only within its issuer's rights, however it arrives",
          "[policy-state]") {
  State s;
  const auto revocation = [](const std::string& issuer, const std::string& grant) {
    return PolicyUpdate{"revocation", issuer,
                        nlohmann::json{{"id", "rev-" + issuer}, {"grant", grant}, {"at", "x"}}, ""};
  };
  // A sibling, a leaf, cannot revoke what the city or north issued; north can revoke its own.
  CHECK(field_of([&] { s.state.check_update(revocation("city/south", "north-ward"), kNow); }) ==
        "grant");
  CHECK_FALSE(s.state.adopt(revocation("city/south", "north-ward"), kNow));
  CHECK_FALSE(s.state.adopt(revocation("city/north/ward-1", "city-north"), kNow));
  CHECK_FALSE(s.state.adopt(revocation("city", "no-such-grant"), kNow));
  CHECK(s.state.adopt(revocation("city/north", "north-ward"), kNow));
  // A revocation body is strict.
  auto odd = revocation("city", "city-north");
  odd.body["extra"] = 1;
  CHECK(field_of([&] { s.state.check_update(odd, kNow); }) == "extra");
  // A policy set only from the root.
  const PolicyUpdate set{"policy-set", "city/north", nlohmann::json{{"id", "set-x"}}, ""};
  CHECK(field_of([&] { s.state.check_update(set, kNow); }) == "issuer");
  CHECK_FALSE(s.state.adopt(set, kNow));
}

TEST_CASE("a policy set is adopted only after the one the root sent before it", "[policy-state]") {
  State s;
  const auto set_from_root = [](const std::string& version, TimeMs sent,
                                const std::string& max_severity) {
    std::string authority = test::kCityAuthority;
    authority.replace(authority.find("maxSeverity: moderate"), 21, "maxSeverity: " + max_severity);
    return PolicyUpdate{
        "policy-set", "city",
        nlohmann::json{{"id", "set-" + version + "-" + std::to_string(sent)},
                       {"version", version},
                       {"sent", sent},
                       {"files", {{{"path", "policy-0.yaml"}, {"text", authority}}}}},
        ""};
  };
  const auto version = [&] { return s.state.version(); };
  REQUIRE(s.state.adopt(set_from_root("narrow", kNow, "minor"), kNow));
  CHECK(version() == "narrow");
  // The same set sent again later (files put back as they were) is adopted again.
  REQUIRE(s.state.adopt(set_from_root("wide", kNow + 1000, "moderate"), kNow));
  REQUIRE(s.state.adopt(set_from_root("narrow", kNow + 2000, "minor"), kNow));
  CHECK(version() == "narrow");
  // One sent before the set in force (a relay replaying an old set) is not.
  CHECK_FALSE(s.state.adopt(set_from_root("wide", kNow + 1500, "moderate"), kNow));
  CHECK_FALSE(s.state.adopt(set_from_root("wide", kNow + 2000, "moderate"), kNow));
  // Nor one whose time of sending is not a number.
  auto odd = set_from_root("wide", kNow + 3000, "moderate");
  odd.body["sent"] = "later";
  CHECK_FALSE(s.state.adopt(odd, kNow));
  CHECK(version() == "narrow");
}
