#include "federation_tables.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "../libioc/store_shape.hpp"
#include "temp_dir.hpp"

using namespace ioc;
using namespace ioc::federation;
using ioc::test::TempDir;

namespace {

Store open_store(const TempDir& dir) {
  return Store({dir / "ioc.db"}, {federation_schema()});
}

}  // namespace

TEST_CASE("a store made now has the tables a store made before the federation owned its own has",
          "[store][federation]") {
  TempDir made_now, made_before;
  { Store s = open_store(made_now); }
  {
    // Version 7 of the shared history, as a release of that time left it, with a tree kept
    // under meta's "tree" and a receipt.
    { Store core_only({made_before / "ioc.db"}); }
    SQLite::Database db(made_before / "ioc.db", SQLite::OPEN_READWRITE);
    db.exec(R"sql(
CREATE TABLE nonces(node TEXT NOT NULL, nonce TEXT NOT NULL, seen INTEGER NOT NULL,
  PRIMARY KEY(node, nonce)) WITHOUT ROWID;
CREATE INDEX nonces_seen ON nonces(seen);
CREATE TABLE receipts(origin TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY(origin, epoch)) WITHOUT ROWID;
CREATE TABLE quarantine(origin TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
  type TEXT NOT NULL, reason TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY(origin, epoch, seq)) WITHOUT ROWID;
CREATE TABLE policy_updates(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE former_relays(origin TEXT NOT NULL, relay TEXT NOT NULL,
  PRIMARY KEY(origin, relay)) WITHOUT ROWID;
CREATE TABLE handed(parent TEXT NOT NULL, origin TEXT NOT NULL, epoch TEXT NOT NULL,
  seq INTEGER NOT NULL, PRIMARY KEY(parent, origin, epoch)) WITHOUT ROWID;
CREATE TABLE handovers(parent TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE receipt_holds(origin TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY(origin, epoch)) WITHOUT ROWID;
ALTER TABLE quarantine ADD COLUMN via TEXT;
ALTER TABLE quarantine ADD COLUMN at INTEGER;
INSERT INTO receipts VALUES('city/north', 'e1', 41);
INSERT INTO meta VALUES('tree', '{"city":null}');
)sql");
  }
  Store before = open_store(made_before);
  CHECK(test::store_shape(made_now / "ioc.db") == test::store_shape(made_before / "ioc.db"));
  CHECK(Receipts::of(before, "city/north") ==
        std::vector<std::pair<std::string, std::int64_t>>{{"e1", 41}});
  CHECK(before.note("tree") == R"({"city":null})");
}

TEST_CASE("receipts, holds and former relays", "[store][federation]") {
  TempDir dir;
  Store s = open_store(dir);
  s.write([](Store::Writer& w) {
    Receipts r(w);
    CHECK_FALSE(r.held("ward", "e1"));
    r.set_held("ward", "e1", 5);
    r.set_held("ward", "e1", 3);  // a receipt is what the caller computed: it may go back
    CHECK(r.held("ward", "e1") == 3);
    r.set_hold("ward", "e2", 9);
    r.set_hold("ward", "e2", 4);  // a hold only grows
    CHECK(r.hold("ward", "e2") == 9);
    r.add_former_relay("ward", "city/north");
    r.add_former_relay("ward", "city/north");
    CHECK(r.is_former_relay("ward", "city/north"));
    CHECK_FALSE(r.is_former_relay("ward", "city/south"));
  });
  s.write([](Store::Writer& w) { Receipts(w).set_held("ward", "e0", 1); });
  CHECK(Receipts::of(s, "ward") ==
        std::vector<std::pair<std::string, std::int64_t>>{{"e0", 1}, {"e1", 3}});
  CHECK(Receipts::of(s, "other").empty());
}

TEST_CASE("what each parent took and the pending handover", "[store][federation]") {
  TempDir dir;
  Store s = open_store(dir);
  s.write([](Store::Writer& w) {
    Handovers h(w);
    h.note_handed("city", "ward", "e1", 7);
    h.note_handed("city", "ward", "e1", 6);  // an older acknowledgement moves nothing back
    h.note_handed("city", "self", "e9", 2);
    h.note_handed("other", "ward", "e1", 1);
    const auto handed = h.handed("city");
    REQUIRE(handed.size() == 2);
    CHECK((handed[0].origin == "self" && handed[0].seq == 2));
    CHECK((handed[1].origin == "ward" && handed[1].seq == 7));
    h.set_pending("city2", "first");
    h.set_pending("city2", "second");
  });
  CHECK(Handovers::pending(s, "city2") == "second");
  s.write([](Store::Writer& w) { Handovers(w).clear_pending("city2"); });
  CHECK_FALSE(Handovers::pending(s, "city2"));
}

TEST_CASE("nonces are remembered once and forgotten by age", "[store][federation]") {
  TempDir dir;
  Store s = open_store(dir);
  s.write([](Store::Writer& w) {
    Nonces n(w);
    CHECK(n.remember("north", "a", 100, 0));
    CHECK_FALSE(n.remember("north", "a", 150, 0));
    CHECK(n.remember("south", "a", 200, 0));
    CHECK(n.remember("south", "b", 300, 150));  // forgets north's
  });
  const auto kept = Nonces::since(s, 0);
  CHECK(kept.size() == 2);
  CHECK(Nonces::since(s, 250).size() == 1);
}

TEST_CASE("policy updates are kept once each, in order", "[store][federation]") {
  TempDir dir;
  Store s = open_store(dir);
  s.write([](Store::Writer& w) {
    PolicyUpdates p(w);
    CHECK(p.put("grant:1", "grant", "g1"));
    CHECK(p.put("revocation:1", "revocation", "r1"));
    CHECK_FALSE(p.put("grant:1", "grant", "changed"));
  });
  CHECK(PolicyUpdates::all(s) ==
        std::vector<std::pair<std::string, std::string>>{{"grant", "g1"}, {"revocation", "r1"}});
}

TEST_CASE("quarantine keeps the first copy and lists the newest first", "[store][federation]") {
  TempDir dir;
  Store s = open_store(dir);
  s.write([](Store::Writer& w) {
    Quarantine q(w);
    q.put({"ward", "e1", 1, "alert", "bad", "city/north", 10}, "{}");
    q.put({"ward", "e1", 1, "alert", "again", "city/north", 30}, "{}");
    q.put({"ward", "e1", 2, "incident", "worse", "city/north", 20}, "{}");
  });
  CHECK(Quarantine::count(s) == 2);
  const auto recent = Quarantine::recent(s, 5);
  REQUIRE(recent.size() == 2);
  CHECK((recent[0].seq == 2 && recent[0].reason == "worse" && recent[0].at == 20));
  CHECK((recent[1].reason == "bad" && recent[1].via == "city/north"));
  CHECK(Quarantine::recent(s, 1).size() == 1);
}
