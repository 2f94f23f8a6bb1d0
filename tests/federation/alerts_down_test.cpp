#include "alerts_down.hpp"

#include <catch2/catch.hpp>

#include "cap_xml.hpp"
#include "federated_context.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"

using namespace ioc;
using namespace ioc::federation;
using nlohmann::json;

namespace {

Alert warning(const std::string& id, const std::string& sender, std::vector<std::string> areas) {
  Alert a;
  a.identifier = id;
  a.sender = sender;
  a.sent = 1761552000000;
  a.category = "Met";
  a.event = "Flood";
  a.urgency = "Immediate";
  a.certainty = "Likely";
  a.headline = "Flood";
  a.area = areas.front();
  if (areas.size() > 1) a.areas = std::move(areas);
  a.onset = a.sent;
  return a;
}

struct North {
  test::FederatedContext t{"city/north", make_local_operator_authorizer("city/north", {"city"})};
  PrivateKey city = PrivateKey::load(t.dir / "keys/city.key");
  PrivateKey south = PrivateKey::load(t.dir / "keys/city_south.key");

  void take(const json& wire) {
    t.writes.run([&](WriteContext& w) { take_alert_from_above(t.ctx, w, wire); });
  }
  // The refusal's code and field; kInternal/"taken" if it was taken.
  std::pair<ErrorCode, std::string> refusal(const json& wire) {
    try {
      take(wire);
    } catch (const Error& e) {
      return {e.code(), e.field()};
    }
    return {ErrorCode::kInternal, "taken"};
  }
};

}  // namespace

TEST_CASE("the children an alert covers", "[alerts][federation]") {
  North n;
  const auto& fed = n.t.fed;
  CHECK(children_covered(fed, "city", warning("a", "city", {"city"})) ==
        std::vector<std::string>{"city/north", "city/south", "city/health"});
  CHECK(children_covered(fed, "city", warning("a", "city", {"city/south", "city/north"})) ==
        std::vector<std::string>{"city/north", "city/south"});
  CHECK(children_covered(fed, "city/north", warning("a", "city", {"city/north"})).empty());
}

TEST_CASE("an alert from above is taken once, signed by its sender, for this node",
          "[alerts][federation]") {
  North n;
  const Alert a = warning("ioc-1", "city", {"city/north"});
  n.take(sign_alert(n.city, a));
  const auto held = n.t.store.alert("ioc-1");
  REQUIRE(held);
  CHECK(held->active);
  REQUIRE(n.t.sink.messages.size() == 1);
  CHECK(json::parse(n.t.sink.messages[0])["type"] == "alert");
  n.take(sign_alert(n.city, a));  // again after a reconnect: nothing new
  CHECK(n.t.sink.messages.size() == 1);
  CHECK(n.t.store.alerts(AlertQuery{}).items.size() == 1);
  CHECK(n.t.store.events_after(0, 10).empty());  // not logged: it does not go back up

  // A Cancel from the same sender ends it.
  Alert cancel = warning("ioc-2", "city", {"city/north"});
  cancel.msg_type = CapMsgType::kCancel;
  cancel.active = false;
  cancel.references = {cap_reference(a)};
  n.take(sign_alert(n.city, cancel));
  CHECK_FALSE(n.t.store.alert("ioc-1")->active);
}

TEST_CASE("a forged, misdirected or overreaching alert from above is refused and changes nothing",
          "[alerts][federation][adversarial]") {
  North n;
  const Alert a = warning("ioc-1", "city", {"city/north"});
  // Signed by another node than its sender.
  CHECK(n.refusal(sign_alert(n.south, a)) ==
        std::pair{ErrorCode::kForbidden, std::string("signature")});
  // Changed after it was signed (the parent that passed it on rewrote the headline).
  json tampered = sign_alert(n.city, a);
  tampered["alert"]["headline"] = "Evacuate now";
  CHECK(n.refusal(tampered) == std::pair{ErrorCode::kForbidden, std::string("signature")});
  // From a node that is not above this one, properly signed.
  CHECK(n.refusal(sign_alert(n.south, warning("ioc-3", "city/south", {"city/south"}))) ==
        std::pair{ErrorCode::kForbidden, std::string("sender")});
  // For another district only.
  CHECK(n.refusal(sign_alert(n.city, warning("ioc-4", "city", {"city/south"}))) ==
        std::pair{ErrorCode::kForbidden, std::string("areas")});
  // A Cancel of an alert the sender did not issue.
  Alert own = warning("ioc-north", "city/north", {"city/north"});
  n.t.writes.run([&](WriteContext& w) { w.writer.insert_alert(own); });
  Alert cancel = warning("ioc-5", "city", {"city/north"});
  cancel.msg_type = CapMsgType::kCancel;
  cancel.references = {cap_reference(own)};
  CHECK(n.refusal(sign_alert(n.city, cancel)).first == ErrorCode::kForbidden);
  CHECK(n.t.store.alert("ioc-north")->active);
  // Not the wire form, or not an alert inside it.
  CHECK(n.refusal(json::array()).first == ErrorCode::kBadRequest);
  CHECK(n.refusal({{"alert", {{"identifier", 7}}}, {"signature", "AAAA"}}).first ==
        ErrorCode::kBadRequest);
  CHECK(n.refusal({{"alert", codec::to_json(a)}, {"signature", "not base64!"}}).first ==
        ErrorCode::kForbidden);
  CHECK(n.t.store.alerts(AlertQuery{}).items.size() == 1);  // only its own
  CHECK(n.t.sink.messages.empty());
}

namespace {

// The city between its districts and its health centre, with `rules` (Sharing) in force.
struct City {
  explicit City(const std::string& rules)
      : t("city", make_local_operator_authorizer("city"), {{"sharing.yaml", rules}}) {}
  test::FederatedContext t;
  PrivateKey north = PrivateKey::load(t.dir / "keys/city_north.key");

  std::vector<LoggedEvent> queued_for(const std::string& child) {
    return t.store.outbox_after(child, 0, 10);
  }
};

constexpr const char* kNorthFloodsToHealth = R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - id: north-floods-to-health
    from: city/north
    to: city/health
    data: [alerts]
    granularity: raw
    domains: [flood]
)";

json across(const PrivateKey& key, const Alert& a, std::vector<std::string> to) {
  json wire = sign_alert(key, a);
  wire["to"] = std::move(to);
  return wire;
}

}  // namespace

TEST_CASE("the nearest common ancestor turns an alert shared sideways down toward its target",
          "[alerts][federation]") {
  City c(kNorthFloodsToHealth);
  Alert flood = warning("ioc-n1", "city/north", {"city/north"});
  flood.domain = Domain::kFlood;
  c.t.writes.run([&](WriteContext& w) {
    take_alert_across(c.t.ctx, w, "city/north", "city/north",
                      across(c.north, flood, {"city/health"}));
  });
  const auto queued = c.queued_for("city/health");
  REQUIRE(queued.size() == 1);
  CHECK(queued[0].type == "alert");
  const json entry = json::parse(queued[0].body);
  CHECK(entry["to"] == "city/health");
  CHECK(entry["alert"]["identifier"] == "ioc-n1");
  CHECK(c.queued_for("city/south").empty());

  // Outside the rule's scope, or written by another node than its sender: refused, nothing queued.
  Alert traffic = warning("ioc-n2", "city/north", {"city/north"});
  traffic.domain = Domain::kTraffic;
  CHECK_THROWS_WITH(c.t.writes.run([&](WriteContext& w) {
    take_alert_across(c.t.ctx, w, "city/north", "city/north",
                      across(c.north, traffic, {"city/health"}));
  }),
                    Catch::Contains("no Sharing rule in force here lets 'city/north' send alerts "
                                    "to 'city/health'"));
  CHECK_THROWS_WITH(c.t.writes.run([&](WriteContext& w) {
    take_alert_across(c.t.ctx, w, "city/south", "city/south",
                      across(c.north, flood, {"city/health"}));
  }),
                    Catch::Contains("names sender 'city/north', but 'city/south' wrote it"));
  CHECK(c.queued_for("city/health").size() == 1);

  // Not this node's to turn down (its target lies in the subtree it came from): relayed as it is,
  // without a look at its signature. A malformed list of targets is refused.
  json elsewhere{{"alert", "not checked here"}, {"signature", "x"}, {"to", {"city/north"}}};
  c.t.writes.run([&](WriteContext& w) {
    take_alert_across(c.t.ctx, w, "city/north", "city/north", elsewhere);
  });
  CHECK(c.queued_for("city/north").empty());
  elsewhere["to"] = "city/health";
  CHECK_THROWS_WITH(c.t.writes.run([&](WriteContext& w) {
    take_alert_across(c.t.ctx, w, "city/north", "city/north", elsewhere);
  }),
                    Catch::Contains("names its targets in to"));
}

TEST_CASE("an alert shared by a rule is kept only by the node it names, when the rules allow it",
          "[alerts][federation]") {
  test::FederatedContext health{"city/health",
                                make_local_operator_authorizer("city/health", {"city"}),
                                {{"sharing.yaml", kNorthFloodsToHealth}}};
  const PrivateKey north = PrivateKey::load(health.dir / "keys/city_north.key");
  const auto take = [&](const json& wire) {
    health.writes.run([&](WriteContext& w) { take_alert_from_above(health.ctx, w, wire); });
  };
  Alert flood = warning("ioc-n1", "city/north", {"city/north"});
  flood.domain = Domain::kFlood;
  json wire = sign_alert(north, flood);
  wire["to"] = "city/health";
  take(wire);
  REQUIRE(health.store.alert("ioc-n1"));
  CHECK(health.sink.messages.size() == 1);

  Alert traffic = warning("ioc-n2", "city/north", {"city/north"});
  traffic.domain = Domain::kTraffic;
  wire = sign_alert(north, traffic);
  wire["to"] = "city/health";
  CHECK_THROWS_WITH(take(wire), Catch::Contains("no Sharing rule in force here"));
  wire = sign_alert(north, flood);
  wire["to"] = "city/south";  // not this node, nor below it
  CHECK_THROWS_WITH(take(wire), Catch::Contains("is for 'city/south', not below 'city/health'"));
  CHECK_FALSE(health.store.alert("ioc-n2"));
}
