#include "shared_records.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

#include "federated_context.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"

using namespace ioc;
using namespace ioc::federation;
using nlohmann::json;

namespace {

// The north district shares its health incidents and its pm25 readings (without their source)
// with the health centre, sideways; the city shares its incidents with its children.
constexpr const char* kRules = R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - id: north-health-to-health
    from: city/north
    to: city/health
    data: [incidents]
    granularity: raw
    domains: [health]
  - id: north-pm25-to-health
    from: city/north
    to: city/health
    data: [observations]
    granularity: raw
    metrics: [pm25]
    redact: [source]
  - id: city-incidents-down
    from: city
    to: children
    data: [incidents]
    granularity: raw
    redact: [title]
)";

// Version 1 of an incident reported at `origin` in `domain`, as it is logged.
json reported(const std::string& id, const std::string& origin, Domain domain) {
  Incident i;
  i.id = id;
  i.domain = domain;
  i.severity = Severity::kSevere;
  i.area = i.origin = i.owner = origin;
  i.title = "Heat stroke cases";
  i.version = 1;
  i.status = IncidentStatus::kReported;
  i.created = i.updated = 1761552000000;
  json body = codec::incident_head(i);
  body["change"] = codec::to_json(AuditEntry{i.updated, "duty@x", "report", "", "", 1});
  return body;
}

json readings() {
  json rows = json::array();
  for (const char* metric : {"pm25", "no2"})
    rows.push_back(codec::to_json(
        Observation{"sensor-7", metric, 1761552000000, 41.5, "ug/m3", "city/north", {}}));
  return json{{"rows", rows}};
}

// One node of the test federation, with the keys of `keys_of` when given (each context makes
// its own), so that nodes of one test verify each other's signatures.
struct Node {
  Node(const std::string& id, const std::string& key_name, const Node* keys_of = nullptr)
      : t(id, make_local_operator_authorizer(id, {"city"}), {{"sharing.yaml", kRules}}),
        key(load_key(key_name, keys_of)) {}
  test::FederatedContext t;
  PrivateKey key;

  PrivateKey load_key(const std::string& name, const Node* keys_of) {
    if (keys_of)
      std::filesystem::copy(keys_of->t.dir / "keys", t.dir / "keys",
                            std::filesystem::copy_options::overwrite_existing |
                                std::filesystem::copy_options::recursive);
    return PrivateKey::load(t.dir / ("keys/" + name + ".key"));
  }

  void send(std::string_view type, const json& body) {
    t.writes.run([&](WriteContext& w) {
      send_shares(t.ctx, w, NodeContext::LoggedRecord{type, 1761552000000, [&] { return body; }},
                  key);
    });
  }
  std::vector<json> logged(const std::string& type) const {
    std::vector<json> out;
    for (const auto& e : t.store.events_after(0, 100))
      if (e.type == type) out.push_back(json::parse(e.body));
    return out;
  }
  std::vector<json> queued_for(const std::string& child) const {
    std::vector<json> out;
    for (const auto& e : t.store.outbox_after(child, 0, 100)) {
      CHECK(e.type == "share");
      out.push_back(json::parse(e.body));
    }
    return out;
  }
  void across(const std::string& caller, const std::string& origin, const json& body) {
    t.writes.run([&](WriteContext& w) { take_shares_across(t.ctx, w, caller, origin, body); });
  }
  void from_above(const json& wire) {
    t.writes.run([&](WriteContext& w) { take_share_from_above(t.ctx, w, wire); });
  }
};

// The shares `north` logged for nodes elsewhere, after sending `type` `body`.
std::vector<json> shared_across(Node& north, std::string_view type, const json& body) {
  north.send(type, body);
  const auto entries = north.logged("share-across");
  return entries.empty() ? std::vector<json>{} : entries.back()["shares"].get<std::vector<json>>();
}

}  // namespace

TEST_CASE("a record shared sideways leaves signed, only as far as its rule's scope",
          "[sharing][federation]") {
  Node north("city/north", "city_north");
  // An incident of another domain goes nowhere but up; one of the rule's domain is shared.
  CHECK(
      shared_across(north, "incident", reported("inc-t", "city/north", Domain::kTraffic)).empty());
  const auto health =
      shared_across(north, "incident", reported("inc-h", "city/north", Domain::kHealth));
  REQUIRE(health.size() == 1);
  CHECK(health[0]["share"]["from"] == "city/north");
  CHECK(health[0]["share"]["to"] == "city/health");
  CHECK(health[0]["share"]["data"] == "incidents");
  CHECK(health[0]["share"]["record"]["title"] == "Heat stroke cases");
  // Readings: only the metrics in scope, with the fields the rule redacts cleared.
  const auto air = shared_across(north, "observations", readings());
  REQUIRE(air.size() == 1);
  const json& rows = air[0]["share"]["record"]["rows"];
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["metric"] == "pm25");
  CHECK(rows[0]["source"] == "redacted");
  // Nothing was queued down: the north has no child the rules name.
  CHECK(north.t.store.outbox_after("city/north/ward-1", 0, 10).empty());
}

TEST_CASE("the nearest common ancestor checks a share and turns it down toward its target",
          "[sharing][federation]") {
  Node north("city/north", "city_north");
  Node city("city", "city", &north);
  const json incident =
      shared_across(north, "incident", reported("inc-h", "city/north", Domain::kHealth))[0];
  city.across("city/north", "city/north", json{{"shares", {incident}}});
  const auto queued = city.queued_for("city/health");
  REQUIRE(queued.size() == 1);
  CHECK(queued[0] == incident);

  // Each refused, changing nothing: another writer than the entry's origin, a forged signature,
  // a field the rule redacts, a metric outside its scope, a target the rules do not allow.
  const auto refused = [&](const std::string& origin, const json& share) {
    try {
      city.across(origin, origin, json{{"shares", {share}}});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("taken");
  };
  CHECK_THAT(refused("city/south", incident),
             Catch::Contains("names writer 'city/north', but 'city/south' wrote the entry"));
  json forged = incident;
  forged["share"]["record"]["title"] = "Changed on the way";
  CHECK_THAT(refused("city/north", forged), Catch::Contains("is not signed by 'city/north'"));
  json air = shared_across(north, "observations", readings())[0];
  json share = air["share"];
  share["record"]["rows"][0]["source"] = "sensor-7";
  CHECK_THAT(refused("city/north", sign_share(north.key, share)),
             Catch::Contains("holds fields rule north-pm25-to-health redacts"));
  share = air["share"];
  share["record"]["rows"][0]["metric"] = "no2";
  share["record"]["rows"][0]["source"] = "redacted";
  CHECK_THAT(refused("city/north", sign_share(north.key, share)),
             Catch::Contains("lets 'city/north' send readings of no2 to 'city/health'"));
  share = incident["share"];
  share["to"] = "city/south";
  CHECK_THAT(refused("city/north", sign_share(north.key, share)),
             Catch::Contains("lets 'city/north' send incidents to 'city/south'"));
  CHECK(city.queued_for("city/health").size() == 1);
  CHECK(city.queued_for("city/south").empty());

  // A target in the subtree the entry came from is not this node's to turn down: relayed
  // unchecked. A malformed entry is refused.
  city.across("city/north", "city/north",
              json{{"shares", {{{"share", {{"to", "city/north"}}}, {"signature", "x"}}}}});
  CHECK(city.queued_for("city/north").empty());
  CHECK_THROWS_AS(city.across("city/north", "city/north", json{{"shares", "all"}}), Error);
}

TEST_CASE("the target keeps a shared record once, and only one the rules let reach it",
          "[sharing][federation]") {
  Node north("city/north", "city_north");
  Node health("city/health", "city_health", &north);
  const json incident =
      shared_across(north, "incident", reported("inc-h", "city/north", Domain::kHealth))[0];
  health.from_above(incident);
  health.from_above(incident);  // delivered again after a crash: taken as done
  const auto held = health.t.store.incident("inc-h");
  REQUIRE(held);
  CHECK(held->origin == "city/north");
  CHECK(health.t.sink.messages.size() == 1);

  const json air = shared_across(north, "observations", readings())[0];
  health.from_above(air);
  health.from_above(air);
  CHECK(health.t.store.observation_count() == 1);

  // Meant for another node, or outside what the rules here allow: refused, nothing kept.
  json share = incident["share"];
  share["to"] = "city/south";
  CHECK_THROWS_WITH(health.from_above(sign_share(north.key, share)),
                    Catch::Contains("is for 'city/south', not at or below 'city/health'"));
  share = reported("inc-x", "city/north", Domain::kTraffic);
  CHECK_THROWS_WITH(
      health.from_above(sign_share(north.key, json{{"id", "s-1"},
                                                   {"from", "city/north"},
                                                   {"to", "city/health"},
                                                   {"data", "incidents"},
                                                   {"ts", 1761552000000},
                                                   {"record", share}})),
      Catch::Contains("no Sharing rule in force here lets 'city/north' send incidents"));
  // The writer may share only what it may write: an incident reported at another district.
  CHECK_THROWS_WITH(
      health.from_above(sign_share(
          north.key, json{{"id", "s-2"},
                          {"from", "city/north"},
                          {"to", "city/health"},
                          {"data", "incidents"},
                          {"ts", 1761552000000},
                          {"record", reported("inc-s", "city/south", Domain::kHealth)}})),
      Catch::Contains("only its reporter 'city/south' writes version 1"));
  CHECK_FALSE(health.t.store.incident("inc-x"));
  CHECK_FALSE(health.t.store.incident("inc-s"));
}

TEST_CASE("a record shared with children goes down signed, redacted, to each of them",
          "[sharing][federation]") {
  Node city("city", "city");
  city.send("incident", reported("inc-c", "city", Domain::kFlood));
  CHECK(city.logged("share-across").empty());
  for (const char* child : {"city/north", "city/south", "city/health"}) {
    INFO(child);
    const auto queued = city.queued_for(child);
    REQUIRE(queued.size() == 1);
    CHECK(queued[0]["share"]["to"] == child);
    CHECK(queued[0]["share"]["record"]["title"] == "");
  }
  Node north("city/north", "city_north", &city);
  north.from_above(city.queued_for("city/north")[0]);
  REQUIRE(north.t.store.incident("inc-c"));
  CHECK(north.t.store.incident("inc-c")->title.empty());
  // The south's share is not the north's to keep, nor below it.
  CHECK_THROWS_WITH(north.from_above(city.queued_for("city/south")[0]),
                    Catch::Contains("not at or below 'city/north'"));
}
