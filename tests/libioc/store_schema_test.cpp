#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "ioc/error.hpp"
#include "store.hpp"
#include "store_shape.hpp"
#include "store_table.hpp"
#include "temp_dir.hpp"

using namespace ioc;
using ioc::test::TempDir;

namespace {

bool has_table(const std::string& file, const std::string& table) {
  SQLite::Database db(file);
  SQLite::Statement st(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  st.bind(1, table);
  return st.executeStep();
}

// Counts the rows of a part's table through the store's read connection.
std::int64_t rows_in(const Store& store, const char* sql) {
  std::int64_t n = 0;
  store.read([&](store_detail::Connection& conn) {
    auto& st = conn.prepare(sql);
    st.executeStep();
    n = st.getColumn(0).getInt64();
  });
  return n;
}

const StoreSchema kNotes{"notes",
                         {"CREATE TABLE part_notes(id INTEGER PRIMARY KEY, text TEXT NOT NULL);",
                          "ALTER TABLE part_notes ADD COLUMN at INTEGER;"}};

// The first release's schema (version 1), as a store it made holds it.
constexpr const char* kFirstRelease = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE observations(
  id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, metric TEXT NOT NULL, area TEXT NOT NULL,
  source TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, tags TEXT);
CREATE INDEX observations_metric_ts ON observations(metric, ts);
CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, ts INTEGER NOT NULL,
  body TEXT NOT NULL);
CREATE TABLE aggregates(metric TEXT NOT NULL, area TEXT NOT NULL, start INTEGER NOT NULL,
  count INTEGER NOT NULL, sketch BLOB NOT NULL, PRIMARY KEY(metric, area, start)) WITHOUT ROWID;
CREATE INDEX aggregates_start ON aggregates(start);
CREATE TABLE alerts(row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, active INTEGER NOT NULL,
  body TEXT NOT NULL);
CREATE TABLE incidents(row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
  domain TEXT NOT NULL, severity TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE incident_audit(incident_id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY(incident_id, version)) WITHOUT ROWID;
CREATE TABLE service_requests(row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL, expected INTEGER NOT NULL, closed INTEGER, body TEXT NOT NULL);
CREATE TABLE tokens(id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE, created INTEGER NOT NULL, expires INTEGER, revoked INTEGER NOT NULL);
INSERT INTO meta(key, value) VALUES('epoch', 'e1');
INSERT INTO observations(ts, metric, area, source, value, unit) VALUES(1000, 'pm25', 'city', 's', 12.5, 'ug/m3');
INSERT INTO events(type, ts, body) VALUES('alert', 1000, '{}');
PRAGMA user_version=1;
)sql";

}  // namespace

TEST_CASE("a store for a node alone holds the core's tables only", "[store]") {
  TempDir dir;
  { Store s({dir / "ioc.db"}); }
  CHECK(has_table(dir / "ioc.db", "observations"));
  CHECK(has_table(dir / "ioc.db", "outbox"));
  CHECK_FALSE(has_table(dir / "ioc.db", "nonces"));
  CHECK_FALSE(has_table(dir / "ioc.db", "quarantine"));
  SQLite::Database db(dir / "ioc.db");
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 9);
}

TEST_CASE("a part's tables are migrated once and its version kept under its name", "[store]") {
  TempDir dir;
  const StoreSchema first{kNotes.name, {kNotes.migrations[0]}};
  {
    Store s({dir / "ioc.db"}, {first});
    s.write([](Store::Writer& w) {
      w.connection().prepare("INSERT INTO part_notes(text) VALUES('kept')").exec();
    });
  }
  {
    // Reopened with a newer build of the part: only its second entry runs.
    Store s({dir / "ioc.db"}, {kNotes});
    CHECK(rows_in(s, "SELECT count(*) FROM part_notes WHERE at IS NULL") == 1);
  }
  // A core-only program (iocctl's token commands) opens the same store and leaves the part be.
  { Store s({dir / "ioc.db"}); }
  Store s({dir / "ioc.db"}, {kNotes});
  CHECK(rows_in(s, "SELECT count(*) FROM part_notes") == 1);
  SQLite::Database db(dir / "ioc.db");
  CHECK(db.execAndGet("SELECT value FROM meta WHERE key = 'schema:notes'").getString() == "2");
}

TEST_CASE("a store whose part is newer than this build is refused and left as it was", "[store]") {
  TempDir dir;
  { Store s({dir / "ioc.db"}, {kNotes}); }
  const StoreSchema older{kNotes.name, {kNotes.migrations[0]}};
  try {
    Store s({dir / "ioc.db"}, {older});
    FAIL("opened");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kConfig);
    CHECK_THAT(e.what(), Catch::Contains("notes schema version 2 is newer than this build (1)"));
  }
  Store s({dir / "ioc.db"}, {kNotes});
  CHECK(rows_in(s, "SELECT count(*) FROM part_notes") == 0);
}

TEST_CASE("a failing migration changes nothing and names the store", "[store]") {
  TempDir dir;
  const StoreSchema broken{"broken", {"CREATE TABLE half(x INTEGER); CREATE TABLE half(y);"}};
  CHECK_THROWS_WITH(Store({dir / "ioc.db"}, {broken}), Catch::Contains(dir / "ioc.db"));
  CHECK_FALSE(has_table(dir / "ioc.db", "half"));
}

TEST_CASE("a statement on a table that is not there fails its write and leaves the store usable",
          "[store]") {
  TempDir dir;
  Store s({dir / "ioc.db"});  // without the part that would own "part_notes"
  CHECK_THROWS_AS(s.write([](Store::Writer& w) {
    w.connection().prepare("SELECT count(*) FROM part_notes").executeStep();
  }),
                  Error);
  s.write([](Store::Writer& w) { w.set_note("after", "ok"); });
  CHECK(s.note("after") == "ok");
}

TEST_CASE("a store the first release made opens, keeps its rows and numbers its log", "[store]") {
  TempDir dir;
  {
    SQLite::Database db(dir / "ioc.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(kFirstRelease);
  }
  Store s({dir / "ioc.db"});
  CHECK(s.observation_count() == 1);
  // Its core tables are those a store made now has (it also has the federation's, which the
  // shared history made).
  TempDir fresh;
  { Store made_now({fresh / "ioc.db"}); }
  auto upgraded = test::store_shape(dir / "ioc.db");
  for (const auto& [object, columns] : test::store_shape(fresh / "ioc.db"))
    CHECK(upgraded[object] == columns);
  CHECK(s.epoch() == "e1");
  const auto events = s.events_after(0, 10);
  REQUIRE(events.size() == 1);
  CHECK(events[0].epoch == "e1");
  SQLite::Database db(dir / "ioc.db");
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 9);
}
