#include "ioc/model.hpp"

#include <catch2/catch.hpp>

using namespace ioc;

TEST_CASE("wire names round-trip for every enumeration", "[model]") {
  for (int i = 0; i <= 3; ++i) {
    const auto s = static_cast<Severity>(i);
    CHECK(parse_severity(to_string(s)) == s);
    CHECK(parse_cap_severity(cap_severity(s)) == s);
  }
  for (int i = 0; i <= static_cast<int>(Domain::kGovernmentPerformance); ++i) {
    const auto d = static_cast<Domain>(i);
    CHECK(parse_domain(to_string(d)) == d);
  }
  for (int i = 0; i <= static_cast<int>(IncidentStatus::kCancelled); ++i) {
    const auto s = static_cast<IncidentStatus>(i);
    CHECK(parse_incident_status(to_string(s)) == s);
  }
  CHECK(parse_domain("public-order") == Domain::kPublicOrder);
  CHECK(parse_domain("Flood") == std::nullopt);
  CHECK(parse_severity("Severe") == std::nullopt);
  CHECK(parse_node_kind("agency") == NodeKind::kAgency);
  CHECK(parse_incident_action("escalate") == IncidentAction::kEscalate);
}

TEST_CASE("severity order is minor < moderate < severe < extreme", "[model]") {
  CHECK(Severity::kMinor < Severity::kModerate);
  CHECK(Severity::kModerate < Severity::kSevere);
  CHECK(Severity::kSevere < Severity::kExtreme);
}

TEST_CASE("roles include viewer and admin includes all", "[model]") {
  CHECK(role_allows(Role::kOperator, Role::kViewer));
  CHECK(role_allows(Role::kIngest, Role::kViewer));
  CHECK(role_allows(Role::kAdmin, Role::kIngest));
  CHECK(role_allows(Role::kAdmin, Role::kOperator));
  CHECK_FALSE(role_allows(Role::kViewer, Role::kOperator));
  CHECK_FALSE(role_allows(Role::kIngest, Role::kOperator));
  CHECK_FALSE(role_allows(Role::kOperator, Role::kIngest));
}

TEST_CASE("the incident lifecycle has one order, and open means not yet resolved", "[model]") {
  CHECK(lifecycle_step(IncidentStatus::kReported) < lifecycle_step(IncidentStatus::kAcknowledged));
  CHECK(lifecycle_step(IncidentStatus::kAcknowledged) <
        lifecycle_step(IncidentStatus::kDispatched));
  CHECK(lifecycle_step(IncidentStatus::kDispatched) < lifecycle_step(IncidentStatus::kResolved));
  CHECK(lifecycle_step(IncidentStatus::kResolved) < lifecycle_step(IncidentStatus::kClosed));
  CHECK(lifecycle_step(IncidentStatus::kCancelled) < 0);
  CHECK(is_open(IncidentStatus::kReported));
  CHECK(is_open(IncidentStatus::kDispatched));
  CHECK_FALSE(is_open(IncidentStatus::kResolved));
  CHECK_FALSE(is_open(IncidentStatus::kClosed));
  CHECK_FALSE(is_open(IncidentStatus::kCancelled));
}
