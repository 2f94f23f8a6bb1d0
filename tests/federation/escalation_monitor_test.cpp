#include "escalation_monitor.hpp"

#include <catch2/catch.hpp>

#include "federated_context.hpp"
#include "json_codec.hpp"

using namespace ioc;
using namespace ioc::federation;

namespace {

const std::string kRules = R"(apiVersion: ioc/v1
kind: Escalation
rules:
  - id: flood-late
    when: {domain: flood, severityAtLeast: severe, unacknowledgedFor: 10m}
    action: escalate
  - id: tell-health
    when: {domain: fire-rescue, severityAtLeast: moderate}
    action: notify
    targets: [city/health]
)";

struct North {
  test::FederatedContext t{"city/north", nullptr, {{"escalation.yaml", kRules}}};
  IncidentService incidents{t.ctx};
  EscalationMonitor monitor{t.ctx, incidents};

  Incident report(Domain d, Severity s) {
    return incidents.report(Actor{"duty", Role::kOperator, "city/north"},
                            IncidentDraft{d, s, "city/north", "t", {}, ""});
  }
  Incident held(const std::string& id) { return *t.store.incident(id); }
};

}  // namespace

TEST_CASE("an unacknowledged severe flood escalates to the parent when its timer runs out",
          "[escalation]") {
  North n;
  const auto flood = n.report(Domain::kFlood, Severity::kSevere);
  const auto minor = n.report(Domain::kFlood, Severity::kMinor);
  CHECK(n.monitor.run_once() == 0);
  n.t.clock.t += 9 * 60'000;
  CHECK(n.monitor.run_once() == 0);
  n.t.clock.t += 60'000;
  CHECK(n.monitor.run_once() == 1);
  const auto i = n.held(flood.id);
  CHECK(i.owner == "city");
  CHECK(i.version == 2);
  CHECK(i.history.back().action == "escalate");
  CHECK(i.history.back().grant == "rule:flood-late");
  CHECK(i.history.back().note == "rule flood-late (to city)");
  CHECK(n.held(minor.id).owner == "city/north");
  // It is no longer this node's: nothing more happens here.
  n.t.clock.t += 60 * 60'000;
  CHECK(n.monitor.run_once() == 0);
}

TEST_CASE("an acknowledged incident does not escalate on unacknowledgedFor", "[escalation]") {
  North n;
  const auto flood = n.report(Domain::kFlood, Severity::kSevere);
  n.incidents.act(Actor{"duty", Role::kOperator, "city/north"}, flood.id,
                  IncidentAction::kAcknowledge, "");
  n.t.clock.t += 60 * 60'000;
  CHECK(n.monitor.run_once() == 0);
  CHECK(n.held(flood.id).owner == "city/north");
}

TEST_CASE("notify sends a notice up toward its targets once per owner", "[escalation]") {
  North n;
  const auto fire = n.report(Domain::kFireRescue, Severity::kModerate);
  CHECK(n.monitor.run_once() == 1);
  CHECK(n.monitor.run_once() == 0);
  const auto i = n.held(fire.id);
  CHECK(i.owner == "city/north");
  CHECK(i.history.back().action == "notify");
  CHECK(i.history.back().note == "to city/health");
  const auto log = n.t.store.events_after(0, 100);
  REQUIRE_FALSE(log.empty());
  CHECK(log.back().type == "notice");
  const auto body = nlohmann::json::parse(log.back().body);
  CHECK(body["targets"] == nlohmann::json::array({"city/health"}));
  CHECK(body["incident"]["id"] == fire.id);
}

TEST_CASE("escalation emits a CAP Update for the alert that opened the incident", "[escalation]") {
  North n;
  Alert a;
  a.identifier = "ioc-a1";
  a.sender = "city/north";
  a.sent = n.t.clock.t;
  a.headline = "River above 2.7 m";
  a.area = "city/north";
  a.severity = Severity::kSevere;
  Incident opened;
  n.t.writes.run([&](WriteContext& w) {
    w.writer.insert_alert(a);
    opened = n.incidents.report_in(
        w, "rule", IncidentDraft{Domain::kFlood, Severity::kSevere, "city/north", "t", {}, ""},
        a.identifier);
  });
  n.t.clock.t += 11 * 60'000;
  REQUIRE(n.monitor.run_once() == 1);
  const auto alerts = n.t.store.alerts(AlertQuery{}).items;
  REQUIRE(alerts.size() == 2);
  const Alert& update = alerts.back().second;
  CHECK(update.msg_type == CapMsgType::kUpdate);
  CHECK(update.headline == "Escalated to city: River above 2.7 m");
  REQUIRE(update.references.size() == 1);
  CHECK(update.references[0].rfind("city/north,ioc-a1,", 0) == 0);
  CHECK(n.t.store.active_alerts().size() == 1);  // the original stays the active one
}

TEST_CASE("the root has nowhere to escalate to", "[escalation]") {
  test::FederatedContext t{"city", nullptr, {{"escalation.yaml", kRules}}};
  IncidentService incidents{t.ctx};
  EscalationMonitor monitor{t.ctx, incidents};
  const auto flood =
      incidents.report(Actor{"duty", Role::kOperator, "city"},
                       IncidentDraft{Domain::kFlood, Severity::kSevere, "city", "t", {}, ""});
  t.clock.t += 60 * 60'000;
  CHECK(monitor.run_once() == 0);
  CHECK(t.store.incident(flood.id)->owner == "city");
  CHECK_THROWS_WITH(incidents.act(Actor{"duty", Role::kOperator, "city"}, flood.id,
                                  IncidentAction::kEscalate, ""),
                    Catch::Contains("is the root"));
}
