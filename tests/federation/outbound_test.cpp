#include "outbound.hpp"

#include <catch2/catch.hpp>

#include "crypto_util.hpp"
#include "federated_context.hpp"
#include "incident_service.hpp"
#include "ioc/summary_sketch.hpp"
#include "json_codec.hpp"
#include "observation_ingest.hpp"
#include "sharing.hpp"
#include "sharing_rule.hpp"

using namespace ioc;
using namespace ioc::federation;
using nlohmann::json;
using policy::DataKind;
using policy::Granularity;

namespace {

// A district with rows ingested: two readings in one pm25 minute bucket.
struct District {
  test::FederatedContext t{"city/north"};
  IncidentService incidents{t.ctx};
  ObservationIngest ingest{t.ctx, incidents};
  policy::PolicySet set;

  District() {
    ingest.ingest(
        {Observation{
             "sensor-7", "pm25", 1761552000000, 30, "ug/m3", "city/north", {{"street", "Le Duan"}}},
         Observation{"sensor-8", "pm25", 1761552001000, 50, "ug/m3", "city/north", {}}});
  }
  json first_to_parent() {
    Outbound out(t.store, t.fed, set, "city/north", "city");
    return out.to_wire(t.store.events_after(0, 10).at(0));
  }
  json record_to_parent(const std::string& type, const json& body) {
    Outbound out(t.store, t.fed, set, "city/north", "city");
    return out.to_wire(LoggedEvent{9, type, 1761552000000, body.dump(), "ep", "", 9});
  }
};

Alert alert() {
  Alert a;
  a.identifier = "a1";
  a.sender = "city/north";
  a.headline = "River above 2.2 m";
  a.description = "Han river at Tran Thi Ly bridge";
  a.area = "city/north";
  return a;
}

}  // namespace

TEST_CASE("without rules observations go up as aggregates and records as their heads",
          "[sharing]") {
  District d;
  const json w = d.first_to_parent();
  CHECK(w["type"] == "aggregates");
  CHECK(w["origin"] == "city/north");
  REQUIRE(w["body"]["buckets"].size() == 1);
  CHECK_FALSE(w["body"].contains("rows"));
  const json a = d.record_to_parent("alert", codec::to_json(alert()));
  CHECK(a["type"] == "alert");
  CHECK(a["body"]["headline"] == "");
  CHECK(a["body"]["description"] == "");
  CHECK(a["body"]["identifier"] == "a1");
}

TEST_CASE("raw sharing sends the rows with their buckets, redacted as the rule says", "[sharing]") {
  District d;
  d.set.sharing.push_back(test::sharing_rule("obs-raw", "*", "parent",
                                             policy::bit(DataKind::kObservations),
                                             Granularity::kRaw, 0, {"source", "tags"}));
  const json w = d.first_to_parent();
  CHECK(w["type"] == "observations");
  REQUIRE(w["body"]["rows"].size() == 2);
  CHECK(w["body"]["rows"][0]["value"] == 30);
  CHECK(w["body"]["rows"][0]["source"] == "redacted");
  CHECK(w["body"]["rows"][0]["tags"] == json::object());
  CHECK(w["body"]["buckets"].size() == 1);
}

TEST_CASE("a bucket over fewer rows than minGroupSize is held back, leaving a marker",
          "[sharing]") {
  District d;
  d.set.sharing.push_back(test::sharing_rule(
      "obs-k", "*", "parent", policy::bit(DataKind::kObservations), Granularity::kAggregate, 3));
  const json held = d.first_to_parent()["body"]["buckets"];
  REQUIRE(held.size() == 1);
  CHECK(held[0]["heldBack"] == 3);
  CHECK_FALSE(held[0].contains("sketch"));
  d.set.sharing[0].min_group_size = 2;
  const json sent = d.first_to_parent()["body"]["buckets"];
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].contains("sketch"));
  CHECK_FALSE(sent[0].contains("heldBack"));
}

TEST_CASE("data the parent may not see leaves as skipped", "[sharing]") {
  District d;
  d.set.sharing.push_back(test::sharing_rule("no-alerts", "city/north", "parent",
                                             policy::bit(DataKind::kAlerts), Granularity::kNone));
  const json a = d.record_to_parent("alert", codec::to_json(alert()));
  CHECK(a["type"] == "skipped");
  CHECK(a["body"] == json::object());
  CHECK(a["seq"] == 9);  // the cursor still advances over it
}

TEST_CASE("an incident owned above travels whole whatever Sharing says", "[sharing]") {
  District d;
  d.set.sharing.push_back(test::sharing_rule(
      "no-incidents", "*", "parent", policy::bit(DataKind::kIncidents), Granularity::kNone));
  Incident i;
  i.id = "inc-1";
  i.title = "Flooded underpass";
  i.area = i.origin = "city/north";
  i.owner = "city/north";
  CHECK(d.record_to_parent("incident", codec::incident_head(i))["type"] == "skipped");
  i.owner = "city";
  const json w = d.record_to_parent("incident", codec::incident_head(i));
  CHECK(w["type"] == "incident");
  CHECK(w["body"]["title"] == "Flooded underpass");
}

TEST_CASE("incidents held until confirmed: held, released whole, a false positive counted bare",
          "[sharing]") {
  District d;
  auto held = test::sharing_rule("violations", "*", "parent", policy::bit(DataKind::kIncidents),
                                 Granularity::kRaw);
  held.hold_until = IncidentStatus::kAcknowledged;
  d.set.sharing = {held};
  const Actor camera{"camera-ai", Role::kOperator, "city/north"};
  const Actor officer{"officer", Role::kOperator, "city/north"};
  const auto wire_of_last = [&] {
    Outbound out(d.t.store, d.t.fed, d.set, "city/north", "city");
    const auto log = d.t.store.events_after(0, 100);
    return out.to_wire(log.back());
  };
  const IncidentDraft draft{
      Domain::kTraffic,   Severity::kMinor, "city/north", "Red light violation 12A-345.67", {},
      "camera 4, Le Duan"};
  // Reported by the camera's AI: held at the district.
  const Incident confirmed = d.incidents.report(camera, draft);
  CHECK(wire_of_last()["type"] == "skipped");
  // Confirmed by an operator: leaves whole, title and all.
  d.incidents.act(officer, confirmed.id, IncidentAction::kAcknowledge, "plate checked");
  json w = wire_of_last();
  CHECK(w["type"] == "incident");
  CHECK(w["body"]["title"] == "Red light violation 12A-345.67");
  CHECK(w["body"]["status"] == "acknowledged");
  // Cancelled after confirmation: the parent holds it, so the cancel leaves whole too.
  d.incidents.act(officer, confirmed.id, IncidentAction::kCancel, "paid on the spot");
  CHECK(wire_of_last()["body"]["title"] == "Red light violation 12A-345.67");
  // A false positive: cancelled unconfirmed, it leaves as a bare countable head.
  const Incident wrong = d.incidents.report(camera, draft);
  CHECK(wire_of_last()["type"] == "skipped");
  d.incidents.act(officer, wrong.id, IncidentAction::kCancel, "false positive: a shadow");
  w = wire_of_last();
  CHECK(w["type"] == "incident");
  CHECK(w["body"]["status"] == "cancelled");
  CHECK(w["body"]["domain"] == "traffic");
  CHECK(w["body"]["title"] == "");
  CHECK(w["body"]["change"]["note"] == "");
}

TEST_CASE("a batch carries each minute bucket once, with the last entry that touched it",
          "[sharing]") {
  District d;
  // Two more batches: one in the same minute as the first, one in the next minute.
  d.ingest.ingest({Observation{"sensor-9", "pm25", 1761552002000, 70, "ug/m3", "city/north", {}}});
  d.ingest.ingest({Observation{"sensor-9", "pm25", 1761552062000, 10, "ug/m3", "city/north", {}}});
  Outbound out(d.t.store, d.t.fed, d.set, "city/north", "city");
  const auto wire = out.to_wire(d.t.store.events_after(0, 10));
  REQUIRE(wire.size() == 3);
  CHECK(wire[0]["type"] == "aggregates");
  CHECK(wire[0]["body"]["buckets"].empty());  // its bucket travels with the second entry
  REQUIRE(wire[1]["body"]["buckets"].size() == 1);
  const auto bytes =
      crypto::base64_decode(wire[1]["body"]["buckets"][0]["sketch"].get<std::string>(), false);
  CHECK(SummarySketch::decode(*bytes).count() == 3);  // the state after both batches
  REQUIRE(wire[2]["body"]["buckets"].size() == 1);
  CHECK(wire[2]["body"]["buckets"][0]["start"] == 1761552060000);
  // Alone, each entry carries its buckets.
  CHECK(out.to_wire(d.t.store.events_after(0, 10).at(0))["body"]["buckets"].size() == 1);
}

TEST_CASE("a batch leaves metric by metric when a rule is scoped to some metrics", "[sharing]") {
  District d;
  d.ingest.ingest({Observation{"s", "noise", 1761552000000, 61, "dB", "city/north", {}},
                   Observation{"s", "pm25", 1761552002000, 40, "ug/m3", "city/north", {}}});
  auto raw_air = test::sharing_rule("raw-air", "city/north", "parent",
                                    policy::bit(DataKind::kObservations), Granularity::kRaw);
  raw_air.metrics = {"pm25"};
  d.set.sharing.push_back(raw_air);
  auto no_noise = test::sharing_rule("no-noise", "city/north", "parent",
                                     policy::bit(DataKind::kObservations), Granularity::kNone);
  no_noise.metrics = {"noise"};
  d.set.sharing.push_back(no_noise);
  Outbound out(d.t.store, d.t.fed, d.set, "city/north", "city");
  const json wire = out.to_wire(d.t.store.events_after(0, 10).at(1));
  CHECK(wire["type"] == "observations");
  REQUIRE(wire["body"]["rows"].size() == 1);
  CHECK(wire["body"]["rows"][0]["metric"] == "pm25");
  REQUIRE(wire["body"]["buckets"].size() == 1);
  CHECK(wire["body"]["buckets"][0]["metric"] == "pm25");

  // Only noise in a batch that may not leave: skipped, so the parent's cursor still moves.
  d.ingest.ingest({Observation{"s", "noise", 1761552060000, 70, "dB", "city/north", {}}});
  CHECK(out.to_wire(d.t.store.events_after(0, 10).at(2))["type"] == "skipped");
}
