#include "store.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

using namespace ioc;
using ioc::test::TempDir;

namespace {
Observation obs(const std::string& metric, TimeMs ts, double v, const std::string& area = "city") {
  return Observation{"s", metric, ts, v, "u", area, {}};
}
}  // namespace

TEST_CASE("a new store gets an epoch that survives reopening", "[store]") {
  TempDir dir;
  std::string epoch;
  {
    Store s({dir / "ioc.db"});
    epoch = s.epoch();
    CHECK(epoch.size() == 16);
  }
  Store again({dir / "ioc.db"});
  CHECK(again.epoch() == epoch);
}

TEST_CASE("observations are stored in order and paged by cursor", "[store]") {
  TempDir dir;
  Store s({dir / "ioc.db"});
  std::vector<Observation> rows;
  for (int i = 0; i < 25; ++i) rows.push_back(obs(i % 2 ? "a" : "b", i * 1000, i));
  rows[3].tags = {{"k", "v"}};
  s.write([&](Store::Writer& w) { CHECK(w.insert_observations(rows) == 1); });
  CHECK(s.observation_count() == 25);

  ObservationQuery q;
  q.limit = 10;
  auto page = s.observations(q);
  REQUIRE(page.items.size() == 10);
  REQUIRE(page.next);
  CHECK(page.items[3].second.tags.at("k") == "v");
  q.after = *page.next;
  page = s.observations(q);
  CHECK(page.items.front().second.value == 10);
  q.after = *page.next;
  page = s.observations(q);
  CHECK(page.items.size() == 5);
  CHECK_FALSE(page.next);

  ObservationQuery filtered;
  filtered.metric = "a";
  filtered.from = 5000;
  filtered.to = 11000;
  page = s.observations(filtered);
  REQUIRE(page.items.size() == 3);
  CHECK(page.items[0].second.value == 5);
  CHECK(page.items[2].second.value == 9);
}

TEST_CASE("a failed write leaves nothing behind", "[store]") {
  TempDir dir;
  Store s({dir / "ioc.db"});
  CHECK_THROWS(s.write([&](Store::Writer& w) {
    w.insert_observations({obs("m", 1, 1)});
    w.append_event("observations", 1, "{}");
    throw std::runtime_error("boom");
  }));
  CHECK(s.observation_count() == 0);
  CHECK(s.last_event_seq() == 0);
}

TEST_CASE("a savepoint undoes only its own job", "[store]") {
  TempDir dir;
  Store s({dir / "ioc.db"});
  s.write([&](Store::Writer& w) {
    w.savepoint([&] { w.insert_observations({obs("m", 1, 1)}); });
    CHECK_THROWS(w.savepoint([&] {
      w.insert_observations({obs("m", 2, 2)});
      throw std::runtime_error("job failed");
    }));
    w.savepoint([&] { w.insert_observations({obs("m", 3, 3)}); });
  });
  const auto page = s.observations({});
  REQUIRE(page.items.size() == 2);
  CHECK(page.items[0].second.value == 1);
  CHECK(page.items[1].second.value == 3);
}

TEST_CASE("the event log is append-only with a monotonic sequence", "[store]") {
  TempDir dir;
  Store s({dir / "ioc.db"});
  s.write([&](Store::Writer& w) {
    CHECK(w.append_event("a", 1, "{\"n\":1}") == 1);
    CHECK(w.append_event("b", 2, "{\"n\":2}") == 2);
  });
  s.write([&](Store::Writer& w) { CHECK(w.append_event("c", 3, "{}") == 3); });
  const auto events = s.events_after(1, 10);
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == "b");
  CHECK(events[0].body == "{\"n\":2}");
  CHECK(s.last_event_seq() == 3);
}

TEST_CASE("alerts, incidents and service requests round-trip", "[store]") {
  TempDir dir;
  Store s({dir / "ioc.db"});
  Alert a;
  a.identifier = "ioc-1";
  a.sender = "city";
  a.event = "Flood";
  a.category = "Met";
  a.urgency = "Immediate";
  a.certainty = "Observed";
  a.headline = "h";
  a.area = "city";
  a.rule_id = "r";
  a.severity = Severity::kExtreme;
  Incident i;
  i.id = "inc-1";
  i.area = "city";
  i.title = "t";
  i.origin = i.owner = "city";
  i.location.lat = 16.05;
  i.history.push_back({5, "op@city", "report", "", "", 1});
  ServiceRequest r;
  r.id = "sr-1";
  r.service_code = "pothole";
  r.expected = 100;
  s.write([&](Store::Writer& w) {
    w.insert_alert(a);
    w.insert_incident(i);
    w.insert_service_request(r);
  });
  CHECK(s.active_alerts().size() == 1);
  CHECK(s.alert("ioc-1")->severity == Severity::kExtreme);
  CHECK(s.alert("ioc-1")->rule_id == "r");
  s.write([&](Store::Writer& w) { w.deactivate_alert("ioc-1"); });
  CHECK(s.active_alerts().empty());
  CHECK_FALSE(s.alert("ioc-1")->active);
  CHECK_FALSE(s.alert("nope"));

  const auto loaded = s.incident("inc-1");
  REQUIRE(loaded);
  CHECK(loaded->location.lat == 16.05);
  CHECK_FALSE(loaded->location.lon);
  REQUIRE(loaded->history.size() == 1);
  CHECK(loaded->history[0].actor == "op@city");

  r.status = "closed";
  r.closed = 90;
  s.write([&](Store::Writer& w) { w.update_service_request(r); });
  const auto counts = s.service_request_counts();
  CHECK(counts.closed == 1);
  CHECK(counts.closed_on_time == 1);
  CHECK(s.incident_counts().total == 1);
}

TEST_CASE("a backup is consistent and starts a new epoch when opened", "[store]") {
  TempDir dir;
  Store s({dir / "ioc.db"});
  s.write([&](Store::Writer& w) { w.insert_observations({obs("m", 1, 1), obs("m", 2, 2)}); });
  s.backup(dir / "copy.db");
  s.write([&](Store::Writer& w) { w.insert_observations({obs("m", 3, 3)}); });
  Store copy({dir / "copy.db"});
  CHECK(copy.observation_count() == 2);
  CHECK(copy.epoch() != s.epoch());
  const std::string restored_epoch = copy.epoch();
  CHECK(Store({dir / "copy.db"}).epoch() == restored_epoch);  // new once, then stable
}

TEST_CASE("tokens are stored by hash and revoked once", "[store]") {
  TempDir dir;
  Store s({dir / "ioc.db"});
  std::int64_t id = 0;
  s.write([&](Store::Writer& w) {
    id = w.insert_token({0, "ops", Role::kOperator, "abc", 1, std::nullopt, false});
  });
  CHECK(s.token_by_hash("abc")->role == Role::kOperator);
  CHECK_FALSE(s.token_by_hash("abd"));
  bool first = false, second = true;
  s.write([&](Store::Writer& w) {
    first = w.revoke_token(id);
    second = w.revoke_token(id);
  });
  CHECK(first);
  CHECK_FALSE(second);
  CHECK(s.tokens().at(0).revoked);
}

TEST_CASE("own log entries are numbered on their own, relayed ones in between", "[store]") {
  TempDir dir;
  Store s({dir / "ioc.db"});
  s.write([](Store::Writer& w) {
    w.append_event("alert", 1, "{}");
    w.append_relayed("city/north/w1", "e1", 7, "alert", 2, "{}");
    w.append_event("alert", 3, "{}");
  });
  const auto log = s.events_after(0, 10);
  REQUIRE(log.size() == 3);
  CHECK(log[0].origin_seq == 1);
  CHECK(log[1].origin_seq == 7);
  CHECK(log[2].origin_seq == 2);  // contiguous for the receiver, though its local seq is 3
  // A job that fails takes its numbers back with it.
  CHECK_THROWS(s.write([](Store::Writer& w) {
    w.append_event("alert", 4, "{}");
    throw std::runtime_error("no");
  }));
  s.write([](Store::Writer& w) { w.append_event("alert", 5, "{}"); });
  CHECK(s.events_after(3, 10).at(0).origin_seq == 3);
}

TEST_CASE("retention drops the oldest unsent entries and reports them first", "[store]") {
  TempDir dir;
  Store s({dir / "ioc.db"});
  s.write([](Store::Writer& w) {
    for (int i = 0; i < 6; ++i) w.append_event("alert", i, "{}");  // own seqs 1..6
    w.append_relayed("c/w", "e9", 40, "alert", 7, "{}");
    w.append_relayed("c/w", "e9", 41, "alert", 8, "{}");
    w.append_event("alert", 9, "{}");  // own seq 7
  });
  std::vector<LostRange> lost;
  // The parent has taken local seqs 1..2; keep at most 2 of the 7 unsent.
  s.write([&](Store::Writer& w) { lost = w.drop_unsent(2, 2, "c", 100); });
  REQUIRE(lost.size() == 2);
  CHECK(lost[0].origin == "c");
  CHECK(lost[0].from_seq == 3);
  CHECK(lost[0].to_seq == 6);
  CHECK(lost[1].origin == "c/w");
  CHECK(lost[1].from_seq == 40);
  CHECK(lost[1].to_seq == 40);
  const auto log = s.events_after(2, 10);
  REQUIRE(log.size() == 3);
  CHECK(log[0].type == "loss");  // in the place of the last entry dropped, so it leaves first
  CHECK(log[1].origin_seq == 41);
  CHECK(log[2].origin_seq == 7);
  // Acknowledged entries go; the sequence carries on past them.
  s.write([](Store::Writer& w) { w.prune_events_through(100); });
  CHECK(s.events_after(0, 10).empty());
  CHECK(s.last_event_seq() == 9);
  s.write([](Store::Writer& w) { w.append_event("alert", 10, "{}"); });
  CHECK(s.events_after(0, 10).at(0).seq == 10);
}
