#include "down_handler.hpp"

#include <catch2/catch.hpp>

#include "../libioc/test_context.hpp"
#include "json_codec.hpp"

using namespace ioc;
using namespace ioc::federation;
using nlohmann::json;

namespace {

struct North {
  // Without Authority policies the operators of the city, above, may act here.
  test::TestContext t{"city/north", make_local_operator_authorizer("city/north", {"city"})};
  IncidentService incidents{t.ctx};
  OutboxWaiters waiters{t.store};
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
  n.down("command", json{{"id", "cmd-1"}, {"incident", "inc-9"}});
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
  n.down("command", json{{"id", "cmd-2"},
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
  n.down("incident", version_from_city("city/north", 3));
  n.down("incident", version_from_city("city/north", 2));  // late: ignored
  const auto held = n.t.store.incident("inc-1");
  REQUIRE(held);
  CHECK(held->version == 3);
  CHECK(held->owner == "city");
  // One meant for another subtree, or malformed, is set aside.
  n.down("incident", version_from_city("city/south", 4));
  n.down("incident", json{{"id", 7}});
  CHECK(n.t.store.incident("inc-1")->version == 3);
  CHECK(n.t.metrics.events_quarantined == 2);
}

TEST_CASE("a notice is kept by its target", "[down-handler]") {
  North n;
  json incident = version_from_city("city/south", 1);
  n.down("notice", json{{"targets", {"city/north"}}, {"incident", incident}});
  CHECK(n.t.store.incident("inc-1"));
  CHECK(n.t.metrics.events_quarantined == 0);
}

TEST_CASE("a policy update that is not signed by its issuer is set aside", "[down-handler]") {
  North n;
  n.down("policy-update", json{{"kind", "revocation"},
                               {"issuer", "city"},
                               {"body", {{"id", "rev-1"}, {"grant", "g"}}},
                               {"signature", "AAAA"}});
  CHECK(n.t.metrics.events_quarantined == 1);
  CHECK(n.t.store.policy_updates().empty());
}
