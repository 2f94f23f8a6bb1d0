#include "write_rights.hpp"

#include <catch2/catch.hpp>

#include "ioc/error.hpp"
#include "temp_dir.hpp"

using namespace ioc;
using namespace ioc::federation;

namespace {

struct Tree {
  test::TempDir dir;
  FederationConfig fed = load_federation(test::write_test_federation(dir.path()));
};

// An incident reported at `origin`, owned by `owner`, at `version` with `status`.
Incident incident(const std::string& origin, const std::string& owner, int version = 1,
                  IncidentStatus status = IncidentStatus::kReported) {
  Incident i;
  i.id = "inc-1";
  i.domain = Domain::kFlood;
  i.severity = Severity::kSevere;
  i.area = origin;
  i.origin = origin;
  i.owner = owner;
  i.version = version;
  i.status = status;
  i.created = 1000;
  return i;
}

AuditEntry change(const std::string& action, int version) {
  return AuditEntry{2000, "duty@x", action, "", "", version};
}

// The reason a check refuses with, or "" if it passes.
template <typename F>
std::string refusal(F&& check) {
  try {
    check();
    return "";
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kForbidden);
    return e.what();
  }
}

}  // namespace

TEST_CASE("an incident version is taken from its owner, its reporter, or up its chain",
          "[write_rights]") {
  Tree t;
  const auto up = [&](const std::string& writer, std::optional<Incident> held, const Incident& next,
                      const AuditEntry& c) {
    return refusal([&] {
      check_incident_version(t.fed, IncidentSource{writer, "city", false}, held, next, c);
    });
  };
  const Incident reported = incident("city/north", "city/north");
  SECTION("a report comes from its reporter, owned on its chain") {
    CHECK(up("city/north", std::nullopt, reported, change("report", 1)).empty());
    CHECK(up("city/south", std::nullopt, reported, change("report", 1)).find("only its reporter") !=
          std::string::npos);
    CHECK(up("city/north", std::nullopt, incident("city/north", "city/south"), change("report", 1))
              .find("neither on the reporter's chain") != std::string::npos);
    CHECK(up("city/north", reported, reported, change("report", 1)).find("not newer") !=
          std::string::npos);
  }
  SECTION("the owner changes it; nobody else does, whatever version they claim") {
    const Incident acked = incident("city/north", "city/north", 2, IncidentStatus::kAcknowledged);
    CHECK(up("city/north", reported, acked, change("acknowledge", 2)).empty());
    CHECK(up("city/south", reported, acked, change("acknowledge", 2))
              .find("is owned by 'city/north'") != std::string::npos);
    Incident inflated = incident("city/north", "city/north", 1000, IncidentStatus::kClosed);
    CHECK(!up("city/south", reported, inflated, change("close", 1000)).empty());
    // A new incident claimed by a node off its reporter's chain.
    CHECK(up("city/south", std::nullopt, incident("city/north", "city/south", 5),
             change("acknowledge", 5))
              .find("neither on the reporter's chain") != std::string::npos);
  }
  SECTION("its history grows by its own audit entry; fixed fields stay fixed") {
    const Incident acked = incident("city/north", "city/north", 2, IncidentStatus::kAcknowledged);
    CHECK(up("city/north", reported, acked, change("acknowledge", 7)).find("audit entry") !=
          std::string::npos);
    Incident moved = acked;
    moved.area = "city/south";
    CHECK(up("city/north", reported, moved, change("acknowledge", 2)).find("never change") !=
          std::string::npos);
  }
  SECTION("status moves only as the action says") {
    const Incident closed = incident("city/north", "city/north", 2, IncidentStatus::kClosed);
    CHECK(up("city/north", reported, closed, change("acknowledge", 2)).find("leads to") !=
          std::string::npos);
    const Incident back = incident("city/north", "city/north", 3, IncidentStatus::kAcknowledged);
    CHECK(up("city/north", incident("city/north", "city/north", 2, IncidentStatus::kDispatched),
             back, change("acknowledge", 3))
              .find("already dispatched") != std::string::npos);
    CHECK(up("city/north", reported, closed, change("frobnicate", 2)).find("unknown action") !=
          std::string::npos);
  }
  SECTION("ownership moves up the reporter's chain by escalation, and nowhere else") {
    CHECK(up("city/north", reported, incident("city/north", "city", 2), change("escalate", 2))
              .empty());
    CHECK(up("city/north", reported, incident("city/north", "city/south", 2), change("escalate", 2))
              .find("moves ownership up the reporter's chain") != std::string::npos);
    CHECK(up("city/north", reported, incident("city/north", "city", 2), change("notify", 2))
              .find("does not change the owner") != std::string::npos);
  }
}

TEST_CASE("a parent sends versions only of incidents owned above", "[write_rights]") {
  Tree t;
  const auto down = [&](std::optional<Incident> held, const Incident& next, const AuditEntry& c) {
    return refusal([&] {
      check_incident_version(t.fed, IncidentSource{"", "city/north", true}, held, next, c);
    });
  };
  const Incident owned_above = incident("city/north", "city", 2, IncidentStatus::kDispatched);
  CHECK(down(std::nullopt, owned_above, change("dispatch", 2)).empty());
  const Incident mine = incident("city/north", "city/north");
  CHECK(down(mine, incident("city/north", "city/north", 2, IncidentStatus::kClosed),
             change("close", 2))
            .find("at or below this node") != std::string::npos);
  CHECK(down(incident("city/north", "city"), incident("city/north", "city/north", 2),
             change("escalate", 2))
            .find("may not make 'city/north'") != std::string::npos);
}

TEST_CASE("alerts come from their sender, for its own subtree and its own alerts",
          "[write_rights]") {
  Tree t;
  Alert city_alert;
  city_alert.identifier = "a-city";
  city_alert.sender = "city";
  city_alert.area = "city";
  city_alert.sent = 1000;
  const auto held = [&](const std::string& id) -> std::optional<Alert> {
    if (id == city_alert.identifier) return city_alert;
    return std::nullopt;
  };
  Alert mine;
  mine.identifier = "a-north";
  mine.sender = "city/north";
  mine.area = "city/north";
  CHECK(refusal([&] { check_alert(t.fed, "city/north", mine, held); }).empty());
  Alert posing = mine;
  posing.sender = "city";
  CHECK(refusal([&] { check_alert(t.fed, "city/north", posing, held); }).find("names sender") !=
        std::string::npos);
  Alert wide = mine;
  wide.area = "city";
  CHECK(refusal([&] { check_alert(t.fed, "city/north", wide, held); }).find("not in the subtree") !=
        std::string::npos);
  Alert cancel = mine;
  cancel.msg_type = CapMsgType::kCancel;
  cancel.references = {"city,a-city,2025-10-27T08:00:00.000Z"};
  CHECK(refusal([&] {
          check_alert(t.fed, "city/north", cancel, held);
        }).find("may only update or cancel alerts it issued") != std::string::npos);
  cancel.references = {"city/north,a-city,2025-10-27T08:00:00.000Z"};  // lying about the sender
  CHECK(!refusal([&] { check_alert(t.fed, "city/north", cancel, held); }).empty());
  cancel.references = {"malformed"};
  CHECK(refusal([&] {
          check_alert(t.fed, "city/north", cancel, held);
        }).find("sender,identifier") != std::string::npos);
  cancel.references.clear();
  CHECK(!refusal([&] { check_alert(t.fed, "city/north", cancel, held); }).empty());
  Alert taken = mine;
  taken.identifier = "a-city";  // another sender's identifier
  CHECK(refusal([&] { check_alert(t.fed, "city/north", taken, held); }).find("was issued by") !=
        std::string::npos);
}

TEST_CASE("service requests change only at the node that holds them", "[write_rights]") {
  Tree t;
  ServiceRequest r;
  r.id = "sr-1";
  r.service_code = "pothole";
  r.area = "city";
  r.agency_responsible = "city";
  r.requested = 1000;
  ServiceRequest closed = r;
  closed.status = "closed";
  CHECK(refusal([&] { check_service_request(t.fed, "city", r, closed); }).empty());
  CHECK(refusal([&] {
          check_service_request(t.fed, "city/south", r, closed);
        }).find("is held by 'city'") != std::string::npos);
  ServiceRequest reopened = r;
  CHECK(refusal([&] {
          check_service_request(t.fed, "city", closed, reopened);
        }).find("is closed") != std::string::npos);
  ServiceRequest other = closed;
  other.service_code = "flooding";
  CHECK(refusal([&] { check_service_request(t.fed, "city", r, other); }).find("never change") !=
        std::string::npos);
}

TEST_CASE("data describes areas in its writer's subtree", "[write_rights]") {
  Tree t;
  CHECK(refusal([&] { check_area(t.fed, "city/north", "city/north"); }).empty());
  CHECK(refusal([&] { check_area(t.fed, "city", "city/north"); }).empty());
  CHECK(!refusal([&] { check_area(t.fed, "city/north", "city"); }).empty());
  CHECK(!refusal([&] { check_area(t.fed, "city/north", "city/south"); }).empty());
  CHECK(!refusal([&] { check_area(t.fed, "city/north", "atlantis"); }).empty());
}
