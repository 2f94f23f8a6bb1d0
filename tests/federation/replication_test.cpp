#include "replication.hpp"

#include <catch2/catch.hpp>

#include "crypto_util.hpp"
#include "federated_context.hpp"
#include "ioc/error.hpp"
#include "summary_service.hpp"

using namespace ioc;
using namespace ioc::federation;
using nlohmann::json;

namespace {

WireEvent aggregates(const std::string& origin, std::int64_t seq, double value,
                     TimeMs start = 1761552000000) {
  SummarySketch s;
  s.add(value);
  return WireEvent{
      origin,
      "ep1",
      seq,
      "aggregates",
      1761552000000,
      json{{"buckets", json::array({{{"metric", "pm25"},
                                     {"area", origin},
                                     {"start", start},
                                     {"sketch", crypto::base64_encode(s.encode())}}})}}};
}

Acked receive_all(test::FederatedContext& t, const std::string& caller,
                  std::vector<WireEvent> events) {
  Acked acked;
  t.writes.run([&](WriteContext& w) {
    acked = receive_events(t.ctx, w, caller, EventBatch{std::move(events), 0, "", std::nullopt});
  });
  return acked;
}

// The answer for single-epoch tests: ORIGIN -> {epoch, seq}.
json receive(test::FederatedContext& t, const std::string& caller, std::vector<WireEvent> events) {
  json out = json::object();
  for (const auto& [origin, epochs] : receive_all(t, caller, std::move(events)))
    for (const auto& [epoch, seq] : epochs) out[origin] = {{"epoch", epoch}, {"seq", seq}};
  return out;
}

double city_pm25_sum(test::FederatedContext& t) {
  double sum = 0;
  for (const auto& b : t.store.remote_aggregates(0, INT64_MAX / 2, {"pm25"})) sum += b.sketch.sum();
  return sum;
}

}  // namespace

TEST_CASE("receipt is idempotent per origin and answers the highest contiguous seq",
          "[replication]") {
  test::FederatedContext t("city");
  auto acked =
      receive(t, "city/north", {aggregates("city/north", 1, 10), aggregates("city/north", 2, 20)});
  CHECK(acked["city/north"]["seq"] == 2);
  CHECK(acked["city/north"]["epoch"] == "ep1");
  // The same entries again change nothing; a bucket sent twice replaces, never adds.
  acked =
      receive(t, "city/north", {aggregates("city/north", 1, 10), aggregates("city/north", 2, 20)});
  CHECK(acked["city/north"]["seq"] == 2);
  CHECK(city_pm25_sum(t) == 20);
  // The root has no parent: it keeps no relay copy.
  CHECK(t.store.events_after(0, 100).empty());
}

TEST_CASE("a middle tier relays what it receives, identity kept, once", "[replication]") {
  test::FederatedContext t("city/north");
  test::write_file(t.dir / "tiers.yaml", R"(apiVersion: ioc/v1
kind: Federation
name: tiers
nodes:
  - {id: city, kind: city, endpoint: "http://127.0.0.1:1", publicKey: keys/city.pub}
  - {id: city/north, kind: district, parent: city, endpoint: "http://127.0.0.1:2", publicKey: keys/city_north.pub}
  - {id: city/north/ward-1, kind: ward, parent: city/north, endpoint: "http://127.0.0.1:3", publicKey: keys/city.pub}
)");
  t.authority.reload(
      std::make_shared<const FederationConfig>(load_federation(t.dir / "tiers.yaml")));
  receive(t, "city/north/ward-1",
          {aggregates("city/north/ward-1", 1, 5), aggregates("city/north/ward-1", 2, 6)});
  receive(t, "city/north/ward-1", {aggregates("city/north/ward-1", 2, 6)});
  const auto log = t.store.events_after(0, 100);
  REQUIRE(log.size() == 2);
  CHECK(log[1].origin == "city/north/ward-1");
  CHECK(log[1].origin_seq == 2);
  CHECK(log[1].epoch == "ep1");
  CHECK(log[1].type == "aggregates");
}

TEST_CASE("an entry after a gap waits, an entry that cannot be applied is quarantined",
          "[replication]") {
  test::FederatedContext t("city");
  auto acked = receive(t, "city/north", {aggregates("city/north", 1, 1)});
  acked = receive(t, "city/north", {aggregates("city/north", 3, 3)});
  CHECK(acked["city/north"]["seq"] == 1);
  WireEvent broken{"city/north", "ep1", 2, "teleport", 1761552000000, json::object()};
  acked = receive(t, "city/north", {broken, aggregates("city/north", 3, 3)});
  CHECK(acked["city/north"]["seq"] == 3);
  CHECK(Quarantine::count(t.store) == 1);
}

TEST_CASE("a child may only send entries from its own subtree", "[replication]") {
  test::FederatedContext t("city");
  CHECK_THROWS_AS(receive(t, "city/north", {aggregates("city/south", 1, 1)}), Error);
  CHECK(t.store.events_after(0, 10).empty());
}

TEST_CASE("replicated incidents keep only newer versions", "[replication]") {
  test::FederatedContext t("city");
  const auto version = [](int v, const char* status, const char* action) {
    json body{{"id", "inc-1"},
              {"domain", "flood"},
              {"severity", "severe"},
              {"area", "city/north"},
              {"title", "t"},
              {"location", {{"lat", nullptr}, {"lon", nullptr}, {"address", ""}}},
              {"origin", "city/north"},
              {"owner", "city/north"},
              {"version", v},
              {"status", status},
              {"created", "2025-10-27T08:00:00.000Z"},
              {"updated", "2025-10-27T08:00:00.000Z"},
              {"alert", nullptr}};
    body["change"] = {{"at", "2025-10-27T08:00:00.000Z"},
                      {"actor", "op@city/north"},
                      {"action", action},
                      {"note", ""},
                      {"grant", "local-operator"},
                      {"version", v}};
    return WireEvent{"city/north", "ep1", v, "incident", 1761552000000, body};
  };
  receive(t, "city/north",
          {version(1, "reported", "report"), version(2, "acknowledged", "acknowledge")});
  REQUIRE(t.store.incident("inc-1"));
  CHECK(t.store.incident("inc-1")->version == 2);
  CHECK(t.store.incident("inc-1")->history.size() == 2);
  CHECK(t.sink.messages.size() == 2);
}

TEST_CASE("an aggregates entry with one bad bucket is quarantined whole", "[replication]") {
  test::FederatedContext t("city");
  WireEvent mixed = aggregates("city/north", 1, 7);
  mixed.body["buckets"].push_back({{"metric", "pm25"},
                                   {"area", "atlantis"},
                                   {"start", 1761552060000},
                                   {"sketch", mixed.body["buckets"][0]["sketch"]}});
  const auto acked = receive(t, "city/north", {mixed, aggregates("city/north", 2, 9)});
  CHECK(acked["city/north"]["seq"] == 2);
  CHECK(Quarantine::count(t.store) == 1);
  CHECK(city_pm25_sum(t) == 9);  // only the later, valid entry's bucket is held
}

TEST_CASE("a bucket held back below is kept as a marker, which the summary reports",
          "[replication]") {
  test::FederatedContext t("city");
  const auto marker = [](std::int64_t seq, const json& bucket) {
    return WireEvent{"city/north", "ep1",         seq,
                     "aggregates", 1761552000000, json{{"buckets", {bucket}}}};
  };
  json held{{"metric", "pm25"}, {"area", "city/north"}, {"start", 1761552060000}, {"heldBack", 5}};
  json forged = held;
  forged["heldBack"] = 1;  // a group of one is no group held back
  json both = held;
  both["sketch"] = aggregates("city/north", 1, 7).body["buckets"][0]["sketch"];
  receive(t, "city/north",
          {aggregates("city/north", 1, 7), marker(2, held), marker(3, forged), marker(4, both)});
  CHECK(Quarantine::count(t.store) == 2);
  const auto buckets = t.store.remote_aggregates(0, INT64_MAX / 2, {"pm25"});
  REQUIRE(buckets.size() == 2);
  CHECK(city_pm25_sum(t) == 7);
  const Summary s = SummaryService(t.ctx).summary({1761552000000, 1761552120000}, {}, "");
  CHECK(s.metrics.at("pm25").count == 1);
  REQUIRE(s.suppressed);
  CHECK(s.suppressed->groups == 1);
  CHECK(s.suppressed->min_group_size == 5);
  // The bucket's readings arrive once there are enough of them: the marker is replaced.
  WireEvent grown = aggregates("city/north", 5, 9, 1761552060000);
  receive(t, "city/north", {grown});
  CHECK_FALSE(SummaryService(t.ctx).summary({1761552000000, 1761552120000}, {}, "").suppressed);
}

TEST_CASE("raw observations are stored as rows and counted through their buckets once",
          "[replication]") {
  test::FederatedContext t("city");
  WireEvent e = aggregates("city/north", 1, 42);
  e.type = "observations";
  e.body["rows"] = json::array({{{"source", "redacted"},
                                 {"metric", "pm25"},
                                 {"ts", "2025-10-27T08:00:00.000Z"},
                                 {"value", 42},
                                 {"unit", "ug/m3"},
                                 {"area", "city/north"},
                                 {"tags", json::object()}}});
  receive(t, "city/north", {e});
  receive(t, "city/north", {e});  // idempotent
  CHECK(t.store.observation_count() == 1);
  CHECK(city_pm25_sum(t) == 42);
  // A row that does not parse sets the entry aside, rows and buckets together.
  WireEvent bad = e;
  bad.seq = 2;
  bad.body["rows"][0]["value"] = "high";
  receive(t, "city/north", {bad});
  CHECK(t.store.observation_count() == 1);
  CHECK(t.metrics.events_quarantined == 1);
}

TEST_CASE("a loss report lets receipt continue past what retention dropped", "[replication]") {
  test::FederatedContext t("city");
  receive(t, "city/north", {aggregates("city/north", 1, 10)});
  // Entries 2..4 were dropped unsent: 5 alone would wait forever for them.
  auto acked = receive(t, "city/north", {aggregates("city/north", 5, 50)});
  CHECK(acked["city/north"]["seq"] == 1);
  WireEvent loss{
      "city/north",
      "ep1",
      9,
      "loss",
      1761552000000,
      json{{"ranges",
            json::array(
                {{{"origin", "city/north"}, {"epoch", "ep1"}, {"fromSeq", 2}, {"toSeq", 4}}})}}};
  acked = receive(t, "city/north", {loss, aggregates("city/north", 5, 50)});
  CHECK(acked["city/north"]["seq"] == 5);
  const auto lost = t.store.lost_ranges();
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].first.from_seq == 2);
  CHECK(lost[0].first.to_seq == 4);
  CHECK(lost[0].second == "city/north");
  // A range outside the sender's subtree is refused (counted as set aside), nothing recorded.
  loss.body["ranges"][0]["origin"] = "city/south";
  receive(t, "city/north", {loss});
  CHECK(t.store.lost_ranges().size() == 1);
}

namespace {

// The test city with a ward: under north before, under south after a move.
void move_ward(test::FederatedContext& t, const std::string& parent) {
  test::write_file(t.dir / "moved.yaml",
                   R"(apiVersion: ioc/v1
kind: Federation
name: moved
nodes:
  - {id: city, kind: city, endpoint: "http://127.0.0.1:1", publicKey: keys/city.pub}
  - {id: city/north, kind: district, parent: city, endpoint: "http://127.0.0.1:2", publicKey: keys/city_north.pub}
  - {id: city/south, kind: district, parent: city, endpoint: "http://127.0.0.1:3", publicKey: keys/city_south.pub}
  - {id: ward, kind: ward, parent: )" +
                       parent + R"(, endpoint: "http://127.0.0.1:5", publicKey: keys/city.pub}
)");
  t.authority.reload(
      std::make_shared<const FederationConfig>(load_federation(t.dir / "moved.yaml")));
}

WireEvent handover(const std::string& from, std::int64_t through) {
  return WireEvent{
      "ward",
      "ep1",
      1,
      "handover",
      1761552000000,
      json{{"from", from},
           {"through", json::array({{{"origin", "ward"}, {"epoch", "ep1"}, {"seq", through}}})}}};
}

}  // namespace

TEST_CASE("after a move the old relay may still send what it took, no other node may",
          "[replication][reorganise]") {
  test::FederatedContext t("city");
  move_ward(t, "city/south");
  CHECK_THROWS_AS(receive(t, "city/north", {aggregates("ward", 1, 1)}), Error);
  t.writes.run([](WriteContext& w) { Receipts(w.writer).add_former_relay("ward", "city/north"); });
  CHECK(receive(t, "city/north", {aggregates("ward", 1, 1)})["ward"]["seq"] == 1);
  CHECK_THROWS_AS(receive(t, "city/health", {aggregates("ward", 2, 2)}), Error);
}

TEST_CASE("a handover whose old path runs below holds the start until that path delivers",
          "[replication][reorganise]") {
  // The ward moved from north to south; north had taken its entries 1-2, not yet relayed here.
  test::FederatedContext t("city");
  move_ward(t, "city/south");
  t.writes.run([](WriteContext& w) { Receipts(w.writer).add_former_relay("ward", "city/north"); });
  // One bucket per entry (a minute apart), so the sum counts each entry that was taken.
  const auto entry = [](std::int64_t seq) { return aggregates("ward", seq, seq, seq * 60'000); };
  auto acked = receive(t, "city/south", {handover("city/north", 2), entry(3)});
  CHECK_FALSE(acked.contains("ward"));  // 3 waits: 1-2 are still on their way through north
  acked = receive(t, "city/north", {entry(1), entry(2)});
  CHECK(acked["ward"]["seq"] == 2);
  acked = receive(t, "city/south", {entry(3)});
  CHECK(acked["ward"]["seq"] == 3);
  CHECK(city_pm25_sum(t) == 6);  // each entry counted once
}

TEST_CASE("a handover whose old path runs elsewhere starts the sequence after it",
          "[replication][reorganise]") {
  // At south, the new parent: the ward's entries 1-2 went up through north, never through here.
  test::FederatedContext t("city/south");
  move_ward(t, "city/south");
  auto acked = receive(t, "ward", {handover("city/north", 2), aggregates("ward", 3, 3)});
  CHECK(acked["ward"]["seq"] == 3);
  const auto log = t.store.events_after(0, 10);  // relayed up: the handover first, then 3
  REQUIRE(log.size() == 2);
  CHECK(log[0].type == "handover");
  CHECK(log[1].origin_seq == 3);
  // A malformed handover is set aside and blocks nothing.
  auto bad = handover("city/north", 0);
  acked = receive(t, "ward", {bad, aggregates("ward", 4, 4)});
  CHECK(acked["ward"]["seq"] == 4);
}

TEST_CASE("an origin's old and new epochs are acknowledged side by side", "[replication]") {
  test::FederatedContext t("city");
  receive(t, "city/north", {aggregates("city/north", 1, 1), aggregates("city/north", 2, 2)});
  // Restored from a backup: the old epoch's last entries and the new epoch's first in one batch.
  WireEvent fresh = aggregates("city/north", 1, 3);
  fresh.epoch = "ep2";
  const auto acked = receive_all(
      t, "city/north", {aggregates("city/north", 2, 2), aggregates("city/north", 3, 4), fresh});
  CHECK(acked.at("city/north") == std::map<std::string, std::int64_t>{{"ep1", 3}, {"ep2", 1}});
  CHECK(parse_acked(acked_to_json(acked)) == acked);
}
