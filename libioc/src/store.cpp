#include "store.hpp"

#include <sqlite3.h>

#include <array>

#include "crypto_util.hpp"
#include "ioc/error.hpp"
#include "store_internal.hpp"

namespace ioc {

using namespace store_detail;

namespace {

// The schema's history up to version 8, when the core and the federation kept their tables
// together: a store one of those releases made is brought to version 8 by these, as it always
// was. Never edit them.
constexpr const char* kSharedHistory[] = {
    R"sql(
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
)sql",
    R"sql(
CREATE TABLE nonces(node TEXT NOT NULL, nonce TEXT NOT NULL, seen INTEGER NOT NULL,
  PRIMARY KEY(node, nonce)) WITHOUT ROWID;
CREATE INDEX nonces_seen ON nonces(seen);
)sql",
    R"sql(
ALTER TABLE events ADD COLUMN epoch TEXT;
ALTER TABLE events ADD COLUMN origin TEXT;
ALTER TABLE events ADD COLUMN origin_seq INTEGER;
UPDATE events SET epoch = (SELECT value FROM meta WHERE key = 'epoch');
CREATE TABLE peer_cursors(peer TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE receipts(origin TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY(origin, epoch)) WITHOUT ROWID;
CREATE TABLE remote_aggregates(origin TEXT NOT NULL, metric TEXT NOT NULL, area TEXT NOT NULL,
  start INTEGER NOT NULL, sketch BLOB NOT NULL, PRIMARY KEY(origin, metric, area, start)) WITHOUT ROWID;
CREATE INDEX remote_aggregates_start ON remote_aggregates(start);
CREATE TABLE quarantine(origin TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
  type TEXT NOT NULL, reason TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY(origin, epoch, seq)) WITHOUT ROWID;
CREATE TABLE links(peer TEXT PRIMARY KEY, last_contact INTEGER NOT NULL, last_event_ts INTEGER,
  backlog INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
)sql",
    R"sql(
CREATE TABLE outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, child TEXT NOT NULL, type TEXT NOT NULL,
  ts INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX outbox_child ON outbox(child, seq);
)sql",
    R"sql(
CREATE TABLE policy_updates(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL, body TEXT NOT NULL);
ALTER TABLE links ADD COLUMN policy_version TEXT;
)sql",
    R"sql(
CREATE TABLE lost_ranges(origin TEXT NOT NULL, epoch TEXT NOT NULL, from_seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL, via TEXT NOT NULL, PRIMARY KEY(origin, epoch, from_seq)) WITHOUT ROWID;
INSERT INTO meta(key, value) SELECT 'own_seq', coalesce(max(seq), 0) FROM events
  WHERE origin IS NULL ON CONFLICT(key) DO NOTHING;
)sql",
    R"sql(
CREATE TABLE former_relays(origin TEXT NOT NULL, relay TEXT NOT NULL,
  PRIMARY KEY(origin, relay)) WITHOUT ROWID;
CREATE TABLE handed(parent TEXT NOT NULL, origin TEXT NOT NULL, epoch TEXT NOT NULL,
  seq INTEGER NOT NULL, PRIMARY KEY(parent, origin, epoch)) WITHOUT ROWID;
CREATE TABLE handovers(parent TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE receipt_holds(origin TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY(origin, epoch)) WITHOUT ROWID;
CREATE TABLE pending_actions(seq INTEGER PRIMARY KEY AUTOINCREMENT, incident TEXT NOT NULL,
  body TEXT NOT NULL);
CREATE INDEX pending_actions_incident ON pending_actions(incident, seq);
)sql",
    R"sql(
ALTER TABLE quarantine ADD COLUMN via TEXT;
ALTER TABLE quarantine ADD COLUMN at INTEGER;
)sql",
};

constexpr int kSharedHistoryVersion = static_cast<int>(std::size(kSharedHistory));

// A store made since the federation owns its tables starts here: the core's tables as version 8
// left them (the federation's come from its StoreSchema).
constexpr const char* kCoreAtVersion8 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE observations(
  id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, metric TEXT NOT NULL, area TEXT NOT NULL,
  source TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, tags TEXT);
CREATE INDEX observations_metric_ts ON observations(metric, ts);
CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, ts INTEGER NOT NULL,
  body TEXT NOT NULL, epoch TEXT, origin TEXT, origin_seq INTEGER);
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
CREATE TABLE peer_cursors(peer TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE remote_aggregates(origin TEXT NOT NULL, metric TEXT NOT NULL, area TEXT NOT NULL,
  start INTEGER NOT NULL, sketch BLOB NOT NULL, PRIMARY KEY(origin, metric, area, start)) WITHOUT ROWID;
CREATE INDEX remote_aggregates_start ON remote_aggregates(start);
CREATE TABLE links(peer TEXT PRIMARY KEY, last_contact INTEGER NOT NULL, last_event_ts INTEGER,
  backlog INTEGER NOT NULL DEFAULT 0, policy_version TEXT) WITHOUT ROWID;
CREATE TABLE outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, child TEXT NOT NULL, type TEXT NOT NULL,
  ts INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX outbox_child ON outbox(child, seq);
CREATE TABLE lost_ranges(origin TEXT NOT NULL, epoch TEXT NOT NULL, from_seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL, via TEXT NOT NULL, PRIMARY KEY(origin, epoch, from_seq)) WITHOUT ROWID;
CREATE TABLE pending_actions(seq INTEGER PRIMARY KEY AUTOINCREMENT, incident TEXT NOT NULL,
  body TEXT NOT NULL);
CREATE INDEX pending_actions_incident ON pending_actions(incident, seq);
)sql";

// The core's migrations after version 8: entry i moves the schema to version 9 + i.
constexpr std::array<const char*, 1> kMigrations{
    // 9: a minute bucket a child held back under a Sharing rule's minGroupSize is kept as a
    // marker (no sketch), so the summaries say what they do not show.
    "ALTER TABLE remote_aggregates ADD COLUMN held_back INTEGER NOT NULL DEFAULT 0;",
};
constexpr int kLatestVersion = kSharedHistoryVersion + static_cast<int>(kMigrations.size());

std::string meta_get(SQLite::Database& db, const char* key) {
  SQLite::Statement st(db, "SELECT value FROM meta WHERE key = ?");
  st.bind(1, key);
  return st.executeStep() ? st.getColumn(0).getString() : std::string();
}

void meta_set(SQLite::Database& db, const char* key, const std::string& value) {
  SQLite::Statement st(db,
                       "INSERT INTO meta(key, value) VALUES(?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  st.bind(1, key);
  st.bind(2, value);
  st.exec();
}

void run_migration(SQLite::Database& db, const char* sql, const std::function<void()>& bump) {
  SQLite::Transaction tx(db);
  db.exec(sql);
  bump();
  tx.commit();
}

[[noreturn]] void refuse_newer(const std::string& path, const std::string& what, int version,
                               int latest) {
  throw Error(ErrorCode::kConfig, path + ": " + what + " schema version " +
                                      std::to_string(version) + " is newer than this build (" +
                                      std::to_string(latest) + ")");
}

// The core's tables: PRAGMA user_version counts its versions.
void migrate_core(SQLite::Database& db, const std::string& path) {
  int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version > kLatestVersion) refuse_newer(path, "the store's", version, kLatestVersion);
  const auto set_version = [&db](int v) {
    return [&db, v] { db.exec("PRAGMA user_version=" + std::to_string(v)); };
  };
  if (version == 0) {
    run_migration(db, kCoreAtVersion8, set_version(kSharedHistoryVersion));
    version = kSharedHistoryVersion;
  }
  for (; version < kSharedHistoryVersion; ++version)
    run_migration(db, kSharedHistory[version], set_version(version + 1));
  for (; version < kLatestVersion; ++version)
    run_migration(db, kMigrations[static_cast<std::size_t>(version - kSharedHistoryVersion)],
                  set_version(version + 1));
}

// Another part's tables: the version it reached is kept in meta under "schema:<name>".
void migrate_part(SQLite::Database& db, const std::string& path, const StoreSchema& schema) {
  const std::string key = "schema:" + schema.name;
  const std::string kept = meta_get(db, key.c_str());
  const int latest = static_cast<int>(schema.migrations.size());
  int version = kept.empty() ? 0 : std::stoi(kept);
  if (version > latest) refuse_newer(path, "the " + schema.name, version, latest);
  for (; version < latest; ++version) {
    const std::string sql(schema.migrations[static_cast<std::size_t>(version)]);
    run_migration(db, sql.c_str(),
                  [&db, &key, v = version + 1] { meta_set(db, key.c_str(), std::to_string(v)); });
  }
}

}  // namespace

Store::Store(const Options& options, const std::vector<StoreSchema>& schemas)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = options.path;
  try {
    impl_->writer =
        std::make_unique<Connection>(options.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    auto& db = impl_->writer->db;
    db.exec("PRAGMA journal_mode=WAL");
    db.exec(options.power_safe ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db.exec("PRAGMA foreign_keys=ON");
    migrate_core(db, options.path);
    for (const auto& schema : schemas) migrate_part(db, options.path, schema);
    SQLite::Transaction tx(db);
    impl_->epoch = meta_get(db, "epoch");
    if (impl_->epoch.empty() || meta_get(db, "restored") == "1") {
      impl_->epoch = crypto::random_hex(8);
      meta_set(db, "epoch", impl_->epoch);
      meta_set(db, "restored", "0");
      meta_set(db, "own_seq", "0");  // a new epoch numbers its own entries from 1
    }
    const std::string own_seq = meta_get(db, "own_seq");
    impl_->own_seq_at_open = own_seq.empty() ? 0 : std::stoll(own_seq);
    tx.commit();
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorCode::kInternal, options.path + ": " + e.what(), "data");
  }
}

Store::~Store() = default;

std::string Store::epoch() const {
  std::lock_guard lock(impl_->epoch_mutex);
  return impl_->epoch;
}

std::int64_t Store::own_seq_at_open() const {
  return impl_->own_seq_at_open;
}

std::string Store::note(const std::string& key) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare("SELECT value FROM meta WHERE key = ?");
  st.bind(1, "note:" + key);
  return st.executeStep() ? st.getColumn(0).getString() : std::string();
}

void Store::Writer::set_note(const std::string& key, const std::string& value) {
  meta_set(impl_.writer->db, ("note:" + key).c_str(), value);
}

std::int64_t Store::Writer::start_epoch(std::int64_t after_seq) {
  const std::string fresh = crypto::random_hex(8);
  auto& move = impl_.writer->prepare(
      "UPDATE events SET epoch = ?1, origin_seq = origin_seq - ?2 "
      "WHERE origin IS NULL AND type <> 'loss' AND epoch = ?3 AND origin_seq > ?2");
  move.bind(1, fresh);
  move.bind(2, static_cast<std::int64_t>(after_seq));
  move.bind(3, impl_.epoch);
  move.exec();
  const std::int64_t moved = impl_.writer->db.getChanges();
  meta_set(impl_.writer->db, "epoch", fresh);
  meta_set(impl_.writer->db, "own_seq", std::to_string(moved));
  std::lock_guard lock(impl_.epoch_mutex);
  impl_.epoch = fresh;
  return moved;
}

void Store::write(const std::function<void(Writer&)>& fn) {
  std::lock_guard lock(impl_->write_mutex);
  try {
    SQLite::Transaction tx(impl_->writer->db, SQLite::TransactionBehavior::IMMEDIATE);
    Writer w(*impl_);
    try {
      fn(w);
    } catch (...) {
      impl_->writer->release();
      throw;
    }
    impl_->writer->release();
    tx.commit();
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorCode::kInternal, std::string("store write failed: ") + e.what());
  }
}

void Store::Writer::savepoint(const std::function<void()>& fn) {
  // Prepared once: federation receipt opens one savepoint per received entry.
  impl_.writer->prepare("SAVEPOINT job").exec();
  try {
    fn();
  } catch (...) {
    // Some errors (a full disk, an I/O error) make SQLite roll the whole transaction back: then
    // there is no savepoint left to roll back to, and the caller learns it from
    // transaction_open().
    if (transaction_open()) {
      impl_.writer->prepare("ROLLBACK TO job").exec();
      impl_.writer->prepare("RELEASE job").exec();
    }
    throw;
  }
  impl_.writer->prepare("RELEASE job").exec();
}

store_detail::Connection& Store::Writer::connection() {
  return *impl_.writer;
}

void Store::read(const std::function<void(Connection&)>& fn) const {
  Impl::Lease conn(*impl_);
  fn(conn.get());
}

bool Store::Writer::transaction_open() const {
  return sqlite3_get_autocommit(impl_.writer->db.getHandle()) == 0;
}

std::int64_t Store::Writer::append_event(const std::string& type, TimeMs ts,
                                         const std::string& body) {
  // This node's own entries are numbered on their own, without the relayed ones in between, so
  // a receiver sees (origin, epoch, seq) contiguous. The counter lives in the transaction.
  auto& next = impl_.writer->prepare(
      "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'own_seq' RETURNING value");
  next.executeStep();
  const std::int64_t own_seq = next.getColumn(0).getInt64();
  next.reset();
  auto& st = impl_.writer->prepare(
      "INSERT INTO events(type, ts, body, epoch, origin_seq) VALUES(?,?,?,?,?)");
  st.bind(1, type);
  st.bind(2, static_cast<std::int64_t>(ts));
  st.bind(3, body);
  st.bind(4, impl_.epoch);
  st.bind(5, own_seq);
  st.exec();
  return impl_.writer->db.getLastInsertRowid();
}

std::vector<LostRange> Store::Writer::drop_unsent(std::int64_t cursor, std::int64_t keep,
                                                  const std::string& self, TimeMs ts) {
  auto& count = impl_.writer->prepare("SELECT count(*) FROM events WHERE seq > ?");
  count.bind(1, static_cast<std::int64_t>(cursor));
  count.executeStep();
  const std::int64_t unsent = count.getColumn(0).getInt64();
  count.reset();
  if (unsent <= keep) return {};
  auto& st = impl_.writer->prepare(
      "SELECT seq, coalesce(origin, ''), epoch, coalesce(origin_seq, seq), type, body FROM events "
      "WHERE seq > ? ORDER BY seq LIMIT ?");
  st.bind(1, static_cast<std::int64_t>(cursor));
  st.bind(2, static_cast<std::int64_t>(unsent - keep));
  std::vector<LostRange> ranges;
  std::int64_t last = cursor;
  while (st.executeStep()) {
    last = st.getColumn(0).getInt64();
    if (st.getColumn(4).getString() == "loss") {
      // An earlier report not yet sent: its ranges go into this one.
      const json earlier = json::parse(st.getColumn(5).getString());
      for (const auto& r : earlier.at("ranges"))
        ranges.push_back(LostRange{r.at("origin"), r.at("epoch"), r.at("fromSeq"), r.at("toSeq")});
      continue;
    }
    std::string origin = st.getColumn(1).getString();
    if (origin.empty()) origin = self;
    const std::string epoch = st.getColumn(2).getString();
    const std::int64_t seq = st.getColumn(3).getInt64();
    bool merged = false;  // extend the run this origin's previous entry ended
    for (auto it = ranges.rbegin(); it != ranges.rend() && !merged; ++it)
      if (it->origin == origin && it->epoch == epoch) {
        if (it->to_seq + 1 == seq) it->to_seq = seq, merged = true;
        break;
      }
    if (!merged) ranges.push_back(LostRange{origin, epoch, seq, seq});
  }
  st.reset();
  auto& del = impl_.writer->prepare("DELETE FROM events WHERE seq > ? AND seq <= ?");
  del.bind(1, static_cast<std::int64_t>(cursor));
  del.bind(2, static_cast<std::int64_t>(last));
  del.exec();
  // The report of what was lost takes the place of the last entry dropped, so it leaves first.
  json body{{"ranges", json::array()}};
  for (const auto& r : ranges)
    body["ranges"].push_back(
        {{"origin", r.origin}, {"epoch", r.epoch}, {"fromSeq", r.from_seq}, {"toSeq", r.to_seq}});
  auto& ins = impl_.writer->prepare(
      "INSERT INTO events(seq, type, ts, body, epoch, origin, origin_seq) "
      "VALUES(?, 'loss', ?, ?, ?, NULL, ?)");
  ins.bind(1, static_cast<std::int64_t>(last));
  ins.bind(2, static_cast<std::int64_t>(ts));
  ins.bind(3, body.dump());
  ins.bind(4, impl_.epoch);
  ins.bind(5, static_cast<std::int64_t>(last));  // outside every sequence; positive for the wire
  ins.exec();
  return ranges;
}

void Store::Writer::prune_events_through(std::int64_t seq) {
  auto& st = impl_.writer->prepare("DELETE FROM events WHERE seq <= ?");
  st.bind(1, static_cast<std::int64_t>(seq));
  st.exec();
}

std::vector<LoggedEvent> Store::events_after(std::int64_t seq, int limit) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT seq, type, ts, body, epoch, coalesce(origin, ''), coalesce(origin_seq, seq) FROM "
      "events "
      "WHERE seq > ? ORDER BY seq LIMIT ?");
  st.bind(1, static_cast<std::int64_t>(seq));
  st.bind(2, limit);
  std::vector<LoggedEvent> out;
  while (st.executeStep())
    out.push_back({st.getColumn(0).getInt64(), st.getColumn(1).getString(),
                   st.getColumn(2).getInt64(), st.getColumn(3).getString(),
                   st.getColumn(4).getString(), st.getColumn(5).getString(),
                   st.getColumn(6).getInt64()});
  return out;
}

std::int64_t Store::last_event_seq() const {
  Impl::Lease conn(*impl_);
  // The last seq handed out, even when retention has pruned every entry since.
  auto& st = conn->prepare(
      "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), "
      "coalesce((SELECT max(seq) FROM events), 0))");
  st.executeStep();
  return st.getColumn(0).getInt64();
}

void Store::backup(const std::string& file) const {
  try {
    Impl::Lease conn(*impl_);
    conn->db.backup(file.c_str(), SQLite::Database::Save);
    SQLite::Database copy(file, SQLite::OPEN_READWRITE);
    meta_set(copy, "restored", "1");
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorCode::kInternal, "backup to " + file + " failed: " + e.what(), "out");
  }
}

}  // namespace ioc
