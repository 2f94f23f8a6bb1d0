#include "down_handler.hpp"

#include <catch2/catch.hpp>

#include "federated_context.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"

using namespace ioc;
using namespace ioc::federation;
using nlohmann::json;

namespace {

struct North {
  // Without Authority policies the operators of the city, above, may act here.
  test::FederatedContext t{"city/north", make_local_operator_authorizer("city/north", {"city"})};
  IncidentService incidents{t.ctx};
  OutboxWaiters waiters{t.store, [](std::chrono::milliseconds, std::function<void()>) {}};
  DownHandler down{t.ctx, incidents, waiters};

  json last_logged(const std::string& type) {
    for (const auto& e : t.store.events_after(0, 1000))
      if (e.type == type) return json::parse(e.body);
    return nullptr;
  }
};

json version_from_city(const std::string& origin, int version) {
  Incident i;
  i.id = "inc-1";
  i.domain = Domain::kFlood;
  i.severity = Severity::kSevere;
  i.area = i.origin = origin;
  i.owner = "city";
  i.title = "Dyke breach";
  i.version = version;
  i.status = IncidentStatus::kDispatched;
  i.created = i.updated = 1761552000000;
  json body = codec::incident_head(i);
  body["change"] =
      codec::to_json(AuditEntry{i.updated, "duty@city", "dispatch", "", "root", version});
  return body;
}

}  // namespace

TEST_CASE("a malformed command from the parent is answered as failed, not retried",
          "[down-handler]") {
  North n;
  n.down(1, "command", json{{"id", "cmd-1"}, {"incident", "inc-9"}});
  const json result = n.last_logged("command-result");
  REQUIRE(result.is_object());
  CHECK(result["command"] == "cmd-1");
  CHECK(result["ok"] == false);
  CHECK(result["reason"] == "malformed command");
}

TEST_CASE("a command for an incident this node owns is decided and answered", "[down-handler]") {
  North n;
  const auto mine = n.incidents.report(
      Actor{"duty", Role::kOperator, "city/north"},
      IncidentDraft{Domain::kFlood, Severity::kModerate, "city/north", "t", {}, ""});
  n.down(2, "command",
         json{{"id", "cmd-2"},
              {"incident", mine.id},
              {"owner", "city/north"},
              {"action", "dispatch"},
              {"actor", {{"name", "duty"}, {"role", "operator"}, {"node", "city"}}}});
  CHECK(n.t.store.incident(mine.id)->status == IncidentStatus::kDispatched);
  const json result = n.last_logged("command-result");
  CHECK(result["ok"] == true);
  CHECK(result["version"] == 2);
}

TEST_CASE("versions of an incident owned above are kept by the origin, newest only",
          "[down-handler]") {
  North n;
  n.down(3, "incident", version_from_city("city/north", 3));
  n.down(4, "incident", version_from_city("city/north", 2));  // late: ignored
  const auto held = n.t.store.incident("inc-1");
  REQUIRE(held);
  CHECK(held->version == 3);
  CHECK(held->owner == "city");
  // One meant for another subtree, or malformed, is set aside.
  n.down(5, "incident", version_from_city("city/south", 4));
  n.down(6, "incident", json{{"id", 7}});
  CHECK(n.t.store.incident("inc-1")->version == 3);
  CHECK(n.t.metrics.events_quarantined == 2);
}

TEST_CASE("a notice is kept by its target", "[down-handler]") {
  North n;
  json incident = version_from_city("city/south", 1);
  n.down(7, "notice", json{{"targets", {"city/north"}}, {"incident", incident}});
  CHECK(n.t.store.incident("inc-1"));
  CHECK(n.t.metrics.events_quarantined == 0);
}

TEST_CASE("a policy update that is not signed by its issuer is set aside", "[down-handler]") {
  North n;
  n.down(8, "policy-update",
         json{{"kind", "revocation"},
              {"issuer", "city"},
              {"body", {{"id", "rev-1"}, {"grant", "g"}}},
              {"signature", "AAAA"}});
  CHECK(n.t.metrics.events_quarantined == 1);
  CHECK(PolicyUpdates::all(n.t.store).empty());
}

TEST_CASE("an agency holds actions on an event not yet received and applies them in order",
          "[down]") {
  test::FederatedContext t{"city/fire", make_local_operator_authorizer("city/fire", {"city"})};
  test::write_file(t.dir / "agency.yaml", R"(apiVersion: ioc/v1
kind: Federation
name: agency
nodes:
  - {id: city, kind: city, endpoint: "http://127.0.0.1:1", publicKey: keys/city.pub}
  - {id: city/fire, kind: agency, parent: city, endpoint: "http://127.0.0.1:2", publicKey: keys/city.pub}
)");
  t.authority.reload(
      std::make_shared<const FederationConfig>(load_federation(t.dir / "agency.yaml")));
  IncidentService incidents{t.ctx};
  OutboxWaiters waiters{t.store, [](std::chrono::milliseconds, std::function<void()>) {}};
  DownHandler down{t.ctx, incidents, waiters};
  const Actor dispatcher{"dispatcher", Role::kOperator, "city/fire"};
  const std::string id = "inc-0123456789abcdef";
  // Before the event: held, in order; the second will be a step backwards once the first applies.
  CHECK(incidents.act(dispatcher, id, IncidentAction::kDispatch, "engine 3").pending);
  CHECK(incidents.act(dispatcher, id, IncidentAction::kAcknowledge, "late").pending);
  // A mistyped id is no incident at all.
  CHECK_THROWS_AS(incidents.act(dispatcher, "inc-nope", IncidentAction::kDispatch, ""), Error);
  // The event arrives from the city, for its owner here.
  Incident i;
  i.id = id;
  i.domain = Domain::kFireRescue;
  i.severity = Severity::kSevere;
  i.area = i.origin = "city";
  i.owner = "city/fire";
  i.title = "Fire at the market";
  i.created = i.updated = 1761552000000;
  json body = codec::incident_head(i);
  body["change"] = codec::to_json(AuditEntry{i.updated, "cctv@city", "report", "", "", 1});
  down(9, "incident", body);
  const auto run = t.store.incident(id);
  REQUIRE(run);
  CHECK(run->status == IncidentStatus::kDispatched);
  CHECK(run->version == 2);
  REQUIRE(run->history.size() == 2);
  CHECK(run->history[1].note == "engine 3");
  // The held action that no longer applies is dropped and reported up as a failed result.
  CHECK(t.store.pending_actions("").empty());
  json failed;
  for (const auto& e : t.store.events_after(0, 100))
    if (e.type == "command-result") failed = json::parse(e.body);
  REQUIRE(failed.is_object());
  CHECK(failed["ok"] == false);
  CHECK(failed["action"] == "acknowledge");
  CHECK(failed["code"] == "conflict");
  CHECK(failed["incident"] == id);
}

TEST_CASE("a parent may not change an incident this node owns, and it is set aside with why",
          "[down-handler]") {
  North n;
  const auto mine = n.incidents.report(
      Actor{"duty", Role::kOperator, "city/north"},
      IncidentDraft{Domain::kFlood, Severity::kModerate, "city/north", "t", {}, ""});
  json rewrite = codec::incident_head(mine);
  rewrite["version"] = 9;
  rewrite["owner"] = "city";
  rewrite["status"] = "closed";
  rewrite["change"] = codec::to_json(AuditEntry{mine.updated, "x@city", "close", "", "", 9});
  n.down(20, "incident", rewrite);
  const auto held = n.t.store.incident(mine.id);
  CHECK(held->version == 1);
  CHECK(held->owner == "city/north");
  CHECK(held->status == IncidentStatus::kReported);
  const auto q = Quarantine::recent(n.t.store, 1);
  REQUIRE(q.size() == 1);
  CHECK(q[0].epoch == "down");
  CHECK(q[0].seq == 20);
  CHECK(q[0].reason.find("at or below this node") != std::string::npos);
  // An entry about what this node does not hold (a revocation of an unknown grant) is set aside
  // too, not retried forever.
  n.down(21, "policy-update",
         json{{"kind", "revocation"},
              {"issuer", "city"},
              {"body", {{"id", "rev-2"}, {"grant", "nope"}}},
              {"signature", "AAAA"}});
  CHECK(Quarantine::recent(n.t.store, 1)[0].seq == 21);
}
