#include "store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <mutex>
#include <unordered_map>

#include "crypto_util.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"

namespace ioc {
namespace {

using codec::json;

// Each entry moves the schema one version forward; never edit an entry that has shipped.
constexpr const char* kMigrations[] = {
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

constexpr int kReadConnections = 4;

struct Connection {
  SQLite::Database db;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> cache;

  Connection(const std::string& path, int flags) : db(path, flags, 5000) {}

  // Statements are keyed by the address of their SQL literal; each is reset before reuse.
  SQLite::Statement& prepare(const char* sql) {
    auto& st = cache[sql];
    if (!st) {
      st = std::make_unique<SQLite::Statement>(db, sql);
    } else {
      // tryReset: reset() would rethrow the error of this statement's last failed step, an
      // error already reported to the job that hit it.
      st->tryReset();
      st->clearBindings();
    }
    return *st;
  }

  // A stepped but unreset statement keeps its read transaction open, which pins an old WAL
  // snapshot (and blocks checkpoints); release them all whenever the connection goes idle.
  void release() noexcept {
    for (auto& [_, st] : cache) st->tryReset();
  }
};

json parse_body(const SQLite::Column& c) {
  return json::parse(c.getString());
}

SummarySketch sketch_of(const SQLite::Column& c) {
  return SummarySketch::decode(std::string_view(static_cast<const char*>(c.getBlob()),
                                                static_cast<std::size_t>(c.getBytes())));
}

std::optional<SummarySketch> load_aggregate(Connection& conn, const std::string& metric,
                                            const std::string& area, TimeMs start) {
  auto& st = conn.prepare("SELECT sketch FROM aggregates WHERE metric=? AND area=? AND start=?");
  st.bind(1, metric);
  st.bind(2, area);
  st.bind(3, static_cast<std::int64_t>(start));
  if (!st.executeStep()) return std::nullopt;
  return sketch_of(st.getColumn(0));
}

template <typename T>
Page<std::pair<std::int64_t, T>> finish_page(std::vector<std::pair<std::int64_t, T>> rows,
                                             int limit) {
  Page<std::pair<std::int64_t, T>> page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(static_cast<std::size_t>(limit));
    page.next = rows.back().first;
  }
  page.items = std::move(rows);
  return page;
}

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

}  // namespace

struct Store::Impl {
  std::string path;
  std::mutex write_mutex;
  std::unique_ptr<Connection> writer;
  mutable std::mutex epoch_mutex;  // the epoch changes (start_epoch) while readers look at it
  std::string epoch;               // written under write_mutex and epoch_mutex
  std::int64_t own_seq_at_open = 0;
  mutable std::mutex pool_mutex;
  mutable std::vector<std::unique_ptr<Connection>> pool;

  // Borrows a read connection for the lifetime of the lease.
  class Lease {
   public:
    explicit Lease(const Impl& impl) : impl_(impl) {
      std::lock_guard lock(impl_.pool_mutex);
      if (!impl_.pool.empty()) {
        conn_ = std::move(impl_.pool.back());
        impl_.pool.pop_back();
      }
      if (!conn_) conn_ = std::make_unique<Connection>(impl_.path, SQLite::OPEN_READONLY);
    }
    ~Lease() {
      conn_->release();
      std::lock_guard lock(impl_.pool_mutex);
      if (impl_.pool.size() < kReadConnections) impl_.pool.push_back(std::move(conn_));
    }
    Connection* operator->() { return conn_.get(); }
    Connection& get() { return *conn_; }

   private:
    const Impl& impl_;
    std::unique_ptr<Connection> conn_;
  };
};

Store::Store(const Options& options) : impl_(std::make_unique<Impl>()) {
  impl_->path = options.path;
  try {
    impl_->writer =
        std::make_unique<Connection>(options.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    auto& db = impl_->writer->db;
    db.exec("PRAGMA journal_mode=WAL");
    db.exec(options.power_safe ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db.exec("PRAGMA foreign_keys=ON");
    const int version = db.execAndGet("PRAGMA user_version").getInt();
    const int latest = static_cast<int>(std::size(kMigrations));
    if (version > latest)
      throw Error(ErrorCode::kConfig, options.path + ": schema version " + std::to_string(version) +
                                          " is newer than this build (" + std::to_string(latest) +
                                          ")");
    for (int v = version; v < latest; ++v) {
      SQLite::Transaction tx(db);
      db.exec(kMigrations[v]);
      db.exec("PRAGMA user_version=" + std::to_string(v + 1));
      tx.commit();
    }
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

bool Store::Writer::transaction_open() const {
  return sqlite3_get_autocommit(impl_.writer->db.getHandle()) == 0;
}

std::int64_t Store::Writer::insert_observations(const std::vector<Observation>& rows) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO observations(ts, metric, area, source, value, unit, tags) "
      "VALUES(?,?,?,?,?,?,?)");
  std::int64_t first = 0;
  for (const auto& o : rows) {
    st.reset();
    st.bind(1, static_cast<std::int64_t>(o.ts));
    st.bindNoCopy(2, o.metric);
    st.bindNoCopy(3, o.area);
    st.bindNoCopy(4, o.source);
    st.bind(5, o.value);
    st.bindNoCopy(6, o.unit);
    if (o.tags.empty())
      st.bind(7);
    else
      st.bind(7, json(o.tags).dump());
    st.exec();
    if (!first) first = impl_.writer->db.getLastInsertRowid();
  }
  return first;
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

void Store::Writer::prune_outbox(const std::string& child, std::int64_t through) {
  auto& st = impl_.writer->prepare("DELETE FROM outbox WHERE child = ? AND seq <= ?");
  st.bind(1, child);
  st.bind(2, static_cast<std::int64_t>(through));
  st.exec();
}

void Store::Writer::record_lost_range(const LostRange& r, const std::string& via) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO lost_ranges(origin, epoch, from_seq, to_seq, via) VALUES(?,?,?,?,?) "
      "ON CONFLICT(origin, epoch, from_seq) DO UPDATE SET to_seq = max(to_seq, excluded.to_seq)");
  st.bind(1, r.origin);
  st.bind(2, r.epoch);
  st.bind(3, static_cast<std::int64_t>(r.from_seq));
  st.bind(4, static_cast<std::int64_t>(r.to_seq));
  st.bind(5, via);
  st.exec();
}

std::vector<std::pair<LostRange, std::string>> Store::lost_ranges() const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT origin, epoch, from_seq, to_seq, via FROM lost_ranges ORDER BY origin, from_seq");
  std::vector<std::pair<LostRange, std::string>> out;
  while (st.executeStep())
    out.emplace_back(LostRange{st.getColumn(0).getString(), st.getColumn(1).getString(),
                               st.getColumn(2).getInt64(), st.getColumn(3).getInt64()},
                     st.getColumn(4).getString());
  return out;
}

std::int64_t Store::Writer::append_relayed(const std::string& origin, const std::string& epoch,
                                           std::int64_t origin_seq, const std::string& type,
                                           TimeMs ts, const std::string& body) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO events(type, ts, body, epoch, origin, origin_seq) VALUES(?,?,?,?,?,?)");
  st.bind(1, type);
  st.bind(2, static_cast<std::int64_t>(ts));
  st.bind(3, body);
  st.bind(4, epoch);
  st.bind(5, origin);
  st.bind(6, static_cast<std::int64_t>(origin_seq));
  st.exec();
  return impl_.writer->db.getLastInsertRowid();
}

std::optional<std::int64_t> Store::Writer::receipt(const std::string& origin,
                                                   const std::string& epoch) {
  auto& st = impl_.writer->prepare("SELECT seq FROM receipts WHERE origin=? AND epoch=?");
  st.bind(1, origin);
  st.bind(2, epoch);
  if (!st.executeStep()) return std::nullopt;
  return st.getColumn(0).getInt64();
}

std::vector<std::pair<std::string, std::int64_t>> Store::receipts(const std::string& origin) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare("SELECT epoch, seq FROM receipts WHERE origin=? ORDER BY epoch");
  st.bind(1, origin);
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (st.executeStep())
    out.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getInt64());
  return out;
}

void Store::Writer::set_receipt(const std::string& origin, const std::string& epoch,
                                std::int64_t seq) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO receipts(origin, epoch, seq) VALUES(?,?,?) "
      "ON CONFLICT(origin, epoch) DO UPDATE SET seq=excluded.seq");
  st.bind(1, origin);
  st.bind(2, epoch);
  st.bind(3, static_cast<std::int64_t>(seq));
  st.exec();
}

void Store::Writer::add_former_relay(const std::string& origin, const std::string& relay) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO former_relays(origin, relay) VALUES(?,?) ON CONFLICT DO NOTHING");
  st.bind(1, origin);
  st.bind(2, relay);
  st.exec();
}

bool Store::Writer::is_former_relay(const std::string& origin, const std::string& relay) {
  auto& st = impl_.writer->prepare("SELECT 1 FROM former_relays WHERE origin=? AND relay=?");
  st.bind(1, origin);
  st.bind(2, relay);
  return st.executeStep();
}

void Store::Writer::note_handed(const std::string& parent, const std::string& origin,
                                const std::string& epoch, std::int64_t seq) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO handed(parent, origin, epoch, seq) VALUES(?,?,?,?) "
      "ON CONFLICT(parent, origin, epoch) DO UPDATE SET seq=max(seq, excluded.seq)");
  st.bind(1, parent);
  st.bind(2, origin);
  st.bind(3, epoch);
  st.bind(4, static_cast<std::int64_t>(seq));
  st.exec();
}

std::vector<HandedSeq> Store::Writer::handed(const std::string& parent) {
  auto& st = impl_.writer->prepare(
      "SELECT origin, epoch, seq FROM handed WHERE parent=? ORDER BY origin, epoch");
  st.bind(1, parent);
  std::vector<HandedSeq> out;
  while (st.executeStep())
    out.push_back(HandedSeq{st.getColumn(0).getString(), st.getColumn(1).getString(),
                            st.getColumn(2).getInt64()});
  st.reset();
  return out;
}

void Store::Writer::set_handover(const std::string& parent, const std::string& body) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO handovers(parent, body) VALUES(?,?) ON CONFLICT(parent) DO UPDATE SET "
      "body=excluded.body");
  st.bind(1, parent);
  st.bind(2, body);
  st.exec();
}

void Store::Writer::clear_handover(const std::string& parent) {
  auto& st = impl_.writer->prepare("DELETE FROM handovers WHERE parent=?");
  st.bind(1, parent);
  st.exec();
}

std::optional<std::int64_t> Store::Writer::receipt_hold(const std::string& origin,
                                                        const std::string& epoch) {
  auto& st = impl_.writer->prepare("SELECT seq FROM receipt_holds WHERE origin=? AND epoch=?");
  st.bind(1, origin);
  st.bind(2, epoch);
  if (!st.executeStep()) return std::nullopt;
  return st.getColumn(0).getInt64();
}

void Store::Writer::set_receipt_hold(const std::string& origin, const std::string& epoch,
                                     std::int64_t seq) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO receipt_holds(origin, epoch, seq) VALUES(?,?,?) "
      "ON CONFLICT(origin, epoch) DO UPDATE SET seq=max(seq, excluded.seq)");
  st.bind(1, origin);
  st.bind(2, epoch);
  st.bind(3, static_cast<std::int64_t>(seq));
  st.exec();
}

std::int64_t Store::Writer::hold_action(const std::string& incident, const std::string& body) {
  auto& st = impl_.writer->prepare("INSERT INTO pending_actions(incident, body) VALUES(?,?)");
  st.bind(1, incident);
  st.bind(2, body);
  st.exec();
  return impl_.writer->db.getLastInsertRowid();
}

void Store::Writer::drop_pending_action(std::int64_t seq) {
  auto& st = impl_.writer->prepare("DELETE FROM pending_actions WHERE seq=?");
  st.bind(1, static_cast<std::int64_t>(seq));
  st.exec();
}

void Store::Writer::put_remote_aggregate(const std::string& origin, const std::string& metric,
                                         const std::string& area, TimeMs start,
                                         const std::string& sketch) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO remote_aggregates(origin, metric, area, start, sketch) VALUES(?,?,?,?,?) "
      "ON CONFLICT(origin, metric, area, start) DO UPDATE SET sketch=excluded.sketch");
  st.bind(1, origin);
  st.bind(2, metric);
  st.bind(3, area);
  st.bind(4, static_cast<std::int64_t>(start));
  st.bind(5, sketch.data(), static_cast<int>(sketch.size()));
  st.exec();
}

void Store::Writer::quarantine(const std::string& origin, const std::string& epoch,
                               std::int64_t seq, const std::string& type, const std::string& reason,
                               const std::string& body, const std::string& via, TimeMs at) {
  auto& st = impl_.writer->prepare(
      "INSERT OR IGNORE INTO quarantine(origin, epoch, seq, type, reason, body, via, at) "
      "VALUES(?,?,?,?,?,?,?,?)");
  st.bind(1, origin);
  st.bind(2, epoch);
  st.bind(3, static_cast<std::int64_t>(seq));
  st.bind(4, type);
  st.bind(5, reason);
  st.bind(6, body);
  st.bind(7, via);
  st.bind(8, static_cast<std::int64_t>(at));
  st.exec();
}

void Store::Writer::touch_link(const std::string& peer, TimeMs contact,
                               std::optional<TimeMs> last_event_ts, std::int64_t backlog,
                               const std::string& policy_version) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO links(peer, last_contact, last_event_ts, backlog, policy_version) "
      "VALUES(?1,?2,?3,?4,?5) ON CONFLICT(peer) DO "
      "UPDATE SET last_contact=excluded.last_contact, backlog=excluded.backlog, "
      "last_event_ts=coalesce(excluded.last_event_ts, last_event_ts), "
      "policy_version=coalesce(excluded.policy_version, policy_version)");
  if (!policy_version.empty()) st.bind(5, policy_version);
  st.bind(1, peer);
  st.bind(2, static_cast<std::int64_t>(contact));
  if (last_event_ts) st.bind(3, static_cast<std::int64_t>(*last_event_ts));
  st.bind(4, static_cast<std::int64_t>(backlog));
  st.exec();
}

void Store::Writer::set_cursor(const std::string& peer, std::int64_t seq) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO peer_cursors(peer, seq) VALUES(?,?) ON CONFLICT(peer) DO UPDATE SET "
      "seq=excluded.seq");
  st.bind(1, peer);
  st.bind(2, static_cast<std::int64_t>(seq));
  st.exec();
}

bool Store::Writer::apply_incident_version(const Incident& incident, const AuditEntry& change) {
  const auto held = this->incident(incident.id);
  if (held && held->version >= incident.version) return false;
  if (held) {
    update_incident(incident, change);
  } else {
    Incident first = incident;
    first.history = {change};
    insert_incident(first);
  }
  return true;
}

void Store::Writer::apply_alert(const Alert& alert, const std::string& cancels) {
  auto& st = impl_.writer->prepare("INSERT OR IGNORE INTO alerts(id, active, body) VALUES(?,?,?)");
  st.bind(1, alert.identifier);
  st.bind(2, alert.active ? 1 : 0);
  st.bind(3, codec::to_json(alert).dump());
  st.exec();
  if (!cancels.empty()) deactivate_alert(cancels);
}

void Store::Writer::upsert_service_request(const ServiceRequest& r) {
  if (service_request(r.id))
    update_service_request(r);
  else
    insert_service_request(r);
}

std::optional<SummarySketch> Store::Writer::aggregate(const std::string& metric,
                                                      const std::string& area, TimeMs start) {
  return load_aggregate(*impl_.writer, metric, area, start);
}

void Store::Writer::put_aggregate(const AggregateBucket& b) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO aggregates(metric, area, start, count, sketch) VALUES(?,?,?,?,?) "
      "ON CONFLICT(metric, area, start) DO UPDATE SET count=excluded.count, "
      "sketch=excluded.sketch");
  const std::string bytes = b.sketch.encode();
  st.bind(1, b.metric);
  st.bind(2, b.area);
  st.bind(3, static_cast<std::int64_t>(b.start));
  st.bind(4, static_cast<std::int64_t>(b.sketch.count()));
  st.bind(5, bytes.data(), static_cast<int>(bytes.size()));
  st.exec();
}

void Store::Writer::insert_alert(const Alert& a) {
  auto& st = impl_.writer->prepare("INSERT INTO alerts(id, active, body) VALUES(?,?,?)");
  st.bind(1, a.identifier);
  st.bind(2, a.active ? 1 : 0);
  st.bind(3, codec::to_json(a).dump());
  st.exec();
}

void Store::Writer::deactivate_alert(const std::string& id) {
  auto& st = impl_.writer->prepare(
      "UPDATE alerts SET active=0, body=json_set(body, '$.active', json('false')) WHERE id=?");
  st.bind(1, id);
  st.exec();
}

void Store::Writer::insert_incident(const Incident& i) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO incidents(id, status, domain, severity, body) VALUES(?,?,?,?,?)");
  const json body = codec::incident_head(i);
  st.bind(1, i.id);
  st.bind(2, std::string(to_string(i.status)));
  st.bind(3, std::string(to_string(i.domain)));
  st.bind(4, std::string(to_string(i.severity)));
  st.bind(5, body.dump());
  st.exec();
  for (const auto& e : i.history) {
    auto& audit = impl_.writer->prepare(
        "INSERT INTO incident_audit(incident_id, version, body) VALUES(?,?,?)");
    audit.bind(1, i.id);
    audit.bind(2, e.version);
    audit.bind(3, codec::to_json(e).dump());
    audit.exec();
  }
}

void Store::Writer::update_incident(const Incident& i, const AuditEntry& entry) {
  auto& st = impl_.writer->prepare(
      "UPDATE incidents SET status=?, domain=?, severity=?, body=? WHERE id=?");
  const json body = codec::incident_head(i);
  st.bind(1, std::string(to_string(i.status)));
  st.bind(2, std::string(to_string(i.domain)));
  st.bind(3, std::string(to_string(i.severity)));
  st.bind(4, body.dump());
  st.bind(5, i.id);
  st.exec();
  auto& audit =
      impl_.writer->prepare("INSERT INTO incident_audit(incident_id, version, body) VALUES(?,?,?)");
  audit.bind(1, i.id);
  audit.bind(2, entry.version);
  audit.bind(3, codec::to_json(entry).dump());
  audit.exec();
}

void Store::Writer::insert_service_request(const ServiceRequest& r) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO service_requests(id, status, expected, closed, body) VALUES(?,?,?,?,?)");
  st.bind(1, r.id);
  st.bind(2, r.status);
  st.bind(3, static_cast<std::int64_t>(r.expected));
  if (r.closed)
    st.bind(4, static_cast<std::int64_t>(*r.closed));
  else
    st.bind(4);
  st.bind(5, codec::to_json(r).dump());
  st.exec();
}

void Store::Writer::update_service_request(const ServiceRequest& r) {
  auto& st =
      impl_.writer->prepare("UPDATE service_requests SET status=?, closed=?, body=? WHERE id=?");
  st.bind(1, r.status);
  if (r.closed)
    st.bind(2, static_cast<std::int64_t>(*r.closed));
  else
    st.bind(2);
  st.bind(3, codec::to_json(r).dump());
  st.bind(4, r.id);
  st.exec();
}

std::int64_t Store::Writer::insert_token(const TokenRecord& t) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO tokens(name, role, hash, created, expires, revoked) VALUES(?,?,?,?,?,0)");
  st.bind(1, t.name);
  st.bind(2, std::string(to_string(t.role)));
  st.bind(3, t.hash);
  st.bind(4, static_cast<std::int64_t>(t.created));
  if (t.expires)
    st.bind(5, static_cast<std::int64_t>(*t.expires));
  else
    st.bind(5);
  st.exec();
  return impl_.writer->db.getLastInsertRowid();
}

std::int64_t Store::Writer::append_outbox(const std::string& child, const std::string& type,
                                          TimeMs ts, const std::string& body) {
  auto& st = impl_.writer->prepare("INSERT INTO outbox(child, type, ts, body) VALUES(?,?,?,?)");
  st.bind(1, child);
  st.bind(2, type);
  st.bind(3, static_cast<std::int64_t>(ts));
  st.bind(4, body);
  st.exec();
  return impl_.writer->db.getLastInsertRowid();
}

bool Store::Writer::put_policy_update(const std::string& id, const std::string& kind,
                                      const std::string& body) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO policy_updates(id, kind, body) VALUES(?,?,?) ON CONFLICT(id) DO NOTHING");
  st.bind(1, id);
  st.bind(2, kind);
  st.bind(3, body);
  return st.exec() == 1;
}

std::vector<std::pair<std::string, std::string>> Store::policy_updates() const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare("SELECT kind, body FROM policy_updates ORDER BY seq");
  std::vector<std::pair<std::string, std::string>> out;
  while (st.executeStep())
    out.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getString());
  return out;
}

std::vector<SeenNonce> Store::nonces_since(TimeMs since) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare("SELECT node, nonce, seen FROM nonces WHERE seen >= ?");
  st.bind(1, static_cast<std::int64_t>(since));
  std::vector<SeenNonce> out;
  while (st.executeStep())
    out.push_back(SeenNonce{st.getColumn(0).getString(), st.getColumn(1).getString(),
                            st.getColumn(2).getInt64()});
  return out;
}

bool Store::Writer::remember_nonce(const std::string& node, const std::string& nonce, TimeMs seen,
                                   TimeMs forget_before) {
  auto& prune = impl_.writer->prepare("DELETE FROM nonces WHERE seen < ?");
  prune.bind(1, static_cast<std::int64_t>(forget_before));
  prune.exec();
  auto& st = impl_.writer->prepare("INSERT OR IGNORE INTO nonces(node, nonce, seen) VALUES(?,?,?)");
  st.bind(1, node);
  st.bind(2, nonce);
  st.bind(3, static_cast<std::int64_t>(seen));
  return st.exec() == 1;
}

bool Store::Writer::revoke_token(std::int64_t id) {
  auto& st = impl_.writer->prepare("UPDATE tokens SET revoked=1 WHERE id=? AND revoked=0");
  st.bind(1, id);
  return st.exec() == 1;
}

Page<std::pair<std::int64_t, Observation>> Store::observations(const ObservationQuery& q) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT id, ts, metric, area, source, value, unit, tags FROM observations "
      "WHERE id > ?1 AND (?2 IS NULL OR metric = ?2) AND (?3 IS NULL OR area = ?3) "
      "AND (?4 IS NULL OR ts >= ?4) AND (?5 IS NULL OR ts < ?5) ORDER BY id LIMIT ?6");
  st.bind(1, static_cast<std::int64_t>(q.after));
  if (q.metric) st.bind(2, *q.metric);
  if (q.area) st.bind(3, *q.area);
  if (q.from) st.bind(4, static_cast<std::int64_t>(*q.from));
  if (q.to) st.bind(5, static_cast<std::int64_t>(*q.to));
  st.bind(6, q.limit + 1);
  std::vector<std::pair<std::int64_t, Observation>> rows;
  while (st.executeStep()) {
    Observation o;
    o.ts = st.getColumn(1).getInt64();
    o.metric = st.getColumn(2).getString();
    o.area = st.getColumn(3).getString();
    o.source = st.getColumn(4).getString();
    o.value = st.getColumn(5).getDouble();
    o.unit = st.getColumn(6).getString();
    if (!st.getColumn(7).isNull()) o.tags = json::parse(st.getColumn(7).getString()).get<Tags>();
    rows.emplace_back(st.getColumn(0).getInt64(), std::move(o));
  }
  return finish_page(std::move(rows), q.limit);
}

std::int64_t Store::observation_count() const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare("SELECT count(*) FROM observations");
  st.executeStep();
  return st.getColumn(0).getInt64();
}

Page<std::pair<std::int64_t, Alert>> Store::alerts(bool active_only, int limit,
                                                   std::int64_t after) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT row, body FROM alerts WHERE row > ? AND (? = 0 OR active = 1) ORDER BY row LIMIT ?");
  st.bind(1, static_cast<std::int64_t>(after));
  st.bind(2, active_only ? 1 : 0);
  st.bind(3, limit + 1);
  std::vector<std::pair<std::int64_t, Alert>> rows;
  while (st.executeStep())
    rows.emplace_back(st.getColumn(0).getInt64(),
                      codec::alert_from_json(parse_body(st.getColumn(1))));
  return finish_page(std::move(rows), limit);
}

namespace {

std::optional<Alert> load_alert(Connection& conn, const std::string& id) {
  auto& st = conn.prepare("SELECT body FROM alerts WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return std::nullopt;
  return codec::alert_from_json(parse_body(st.getColumn(0)));
}

}  // namespace

std::optional<Alert> Store::alert(const std::string& id) const {
  Impl::Lease conn(*impl_);
  return load_alert(conn.get(), id);
}

std::optional<Alert> Store::Writer::alert(const std::string& id) {
  return load_alert(*impl_.writer, id);
}

std::vector<Alert> Store::active_alerts() const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare("SELECT body FROM alerts WHERE active = 1 ORDER BY row");
  std::vector<Alert> out;
  while (st.executeStep()) out.push_back(codec::alert_from_json(parse_body(st.getColumn(0))));
  return out;
}

Page<std::pair<std::int64_t, Incident>> Store::incidents(const IncidentQuery& q) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT row, body FROM incidents WHERE row > ?1 AND (?2 IS NULL OR status = ?2) "
      "AND (?3 IS NULL OR domain = ?3) ORDER BY row LIMIT ?4");
  st.bind(1, static_cast<std::int64_t>(q.after));
  if (q.status) st.bind(2, std::string(to_string(*q.status)));
  if (q.domain) st.bind(3, std::string(to_string(*q.domain)));
  st.bind(4, q.limit + 1);
  std::vector<std::pair<std::int64_t, Incident>> rows;
  while (st.executeStep())
    rows.emplace_back(st.getColumn(0).getInt64(),
                      codec::incident_from_json(parse_body(st.getColumn(1))));
  return finish_page(std::move(rows), q.limit);
}

std::vector<Incident> Store::open_incidents() const {
  Impl::Lease conn(*impl_);
  // The open states, as is_open says.
  static const std::string query = [] {
    std::string in;
    for (const auto s :
         {IncidentStatus::kReported, IncidentStatus::kAcknowledged, IncidentStatus::kDispatched,
          IncidentStatus::kResolved, IncidentStatus::kClosed, IncidentStatus::kCancelled})
      if (is_open(s)) in += std::string(in.empty() ? "'" : ", '") + std::string(to_string(s)) + "'";
    return "SELECT body FROM incidents WHERE status IN (" + in + ") ORDER BY row";
  }();
  auto& st = conn->prepare(query.c_str());
  std::vector<Incident> out;
  while (st.executeStep()) out.push_back(codec::incident_from_json(parse_body(st.getColumn(0))));
  return out;
}

namespace {

std::optional<Incident> load_incident(Connection& conn, const std::string& id) {
  auto& st = conn.prepare("SELECT body FROM incidents WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return std::nullopt;
  Incident i = codec::incident_from_json(parse_body(st.getColumn(0)));
  auto& audit =
      conn.prepare("SELECT body FROM incident_audit WHERE incident_id = ? ORDER BY version");
  audit.bind(1, id);
  while (audit.executeStep())
    i.history.push_back(codec::audit_entry_from_json(parse_body(audit.getColumn(0))));
  return i;
}

std::optional<ServiceRequest> load_service_request(Connection& conn, const std::string& id) {
  auto& st = conn.prepare("SELECT body FROM service_requests WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return std::nullopt;
  return codec::service_request_from_json(parse_body(st.getColumn(0)));
}

}  // namespace

std::optional<Incident> Store::incident(const std::string& id) const {
  Impl::Lease conn(*impl_);
  return load_incident(conn.get(), id);
}

std::optional<Incident> Store::Writer::incident(const std::string& id) {
  return load_incident(*impl_.writer, id);
}

std::optional<ServiceRequest> Store::Writer::service_request(const std::string& id) {
  return load_service_request(*impl_.writer, id);
}

IncidentCounts Store::incident_counts() const {
  Impl::Lease conn(*impl_);
  IncidentCounts c;
  const auto group = [&](const char* sql, std::vector<std::pair<std::string, std::int64_t>>& out) {
    auto& st = conn->prepare(sql);
    while (st.executeStep())
      out.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getInt64());
  };
  group("SELECT status, count(*) FROM incidents GROUP BY status", c.by_status);
  group("SELECT domain, count(*) FROM incidents GROUP BY domain", c.by_domain);
  group("SELECT severity, count(*) FROM incidents GROUP BY severity", c.by_severity);
  for (const auto& [_, n] : c.by_status) c.total += n;
  return c;
}

Page<std::pair<std::int64_t, ServiceRequest>> Store::service_requests(int limit,
                                                                      std::int64_t after) const {
  Impl::Lease conn(*impl_);
  auto& st =
      conn->prepare("SELECT row, body FROM service_requests WHERE row > ? ORDER BY row LIMIT ?");
  st.bind(1, static_cast<std::int64_t>(after));
  st.bind(2, limit + 1);
  std::vector<std::pair<std::int64_t, ServiceRequest>> rows;
  while (st.executeStep())
    rows.emplace_back(st.getColumn(0).getInt64(),
                      codec::service_request_from_json(parse_body(st.getColumn(1))));
  return finish_page(std::move(rows), limit);
}

std::optional<ServiceRequest> Store::service_request(const std::string& id) const {
  Impl::Lease conn(*impl_);
  return load_service_request(conn.get(), id);
}

ServiceRequestCounts Store::service_request_counts() const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT coalesce(sum(status = 'open'), 0), coalesce(sum(status = 'closed'), 0), "
      "coalesce(sum(status = 'closed' AND closed <= expected), 0) FROM service_requests");
  st.executeStep();
  return {st.getColumn(0).getInt64(), st.getColumn(1).getInt64(), st.getColumn(2).getInt64()};
}

namespace {

std::vector<AggregateBucket> read_buckets(Connection& conn, const char* sql, TimeMs from, TimeMs to,
                                          const std::vector<std::string>& metrics) {
  auto& st = conn.prepare(sql);
  st.bind(1, static_cast<std::int64_t>(from));
  st.bind(2, static_cast<std::int64_t>(to));
  std::vector<AggregateBucket> out;
  while (st.executeStep()) {
    std::string metric = st.getColumn(0).getString();
    if (!metrics.empty() && std::find(metrics.begin(), metrics.end(), metric) == metrics.end())
      continue;
    out.push_back(AggregateBucket{std::move(metric), st.getColumn(1).getString(),
                                  st.getColumn(2).getInt64(), sketch_of(st.getColumn(3))});
  }
  return out;
}

}  // namespace

std::vector<AggregateBucket> Store::aggregates(TimeMs from, TimeMs to,
                                               const std::vector<std::string>& metrics) const {
  Impl::Lease conn(*impl_);
  return read_buckets(
      conn.get(),
      "SELECT metric, area, start, sketch FROM aggregates WHERE start >= ? AND start < ?", from, to,
      metrics);
}

std::vector<AggregateBucket> Store::remote_aggregates(
    TimeMs from, TimeMs to, const std::vector<std::string>& metrics) const {
  Impl::Lease conn(*impl_);
  return read_buckets(
      conn.get(),
      "SELECT metric, area, start, sketch FROM remote_aggregates WHERE start >= ? AND start < ?",
      from, to, metrics);
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

std::optional<SummarySketch> Store::aggregate(const std::string& metric, const std::string& area,
                                              TimeMs start) const {
  Impl::Lease conn(*impl_);
  return load_aggregate(conn.get(), metric, area, start);
}

std::vector<LoggedEvent> Store::outbox_after(const std::string& child, std::int64_t after,
                                             int limit) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT seq, type, ts, body FROM outbox WHERE child = ? AND seq > ? ORDER BY seq LIMIT ?");
  st.bind(1, child);
  st.bind(2, static_cast<std::int64_t>(after));
  st.bind(3, limit);
  std::vector<LoggedEvent> out;
  while (st.executeStep()) {
    LoggedEvent e;
    e.seq = st.getColumn(0).getInt64();
    e.type = st.getColumn(1).getString();
    e.ts = st.getColumn(2).getInt64();
    e.body = st.getColumn(3).getString();
    out.push_back(std::move(e));
  }
  return out;
}

std::int64_t Store::cursor(const std::string& peer) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare("SELECT seq FROM peer_cursors WHERE peer = ?");
  st.bind(1, peer);
  return st.executeStep() ? st.getColumn(0).getInt64() : 0;
}

std::vector<std::pair<std::int64_t, std::string>> Store::pending_actions(
    const std::string& incident) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT seq, body FROM pending_actions WHERE incident = ? OR ? = '' ORDER BY seq");
  st.bind(1, incident);
  st.bind(2, incident);
  std::vector<std::pair<std::int64_t, std::string>> out;
  while (st.executeStep())
    out.emplace_back(st.getColumn(0).getInt64(), st.getColumn(1).getString());
  return out;
}

void Store::Writer::set_tree(const std::string& tree) {
  meta_set(impl_.writer->db, "tree", tree);
}

std::string Store::tree() const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare("SELECT value FROM meta WHERE key = 'tree'");
  return st.executeStep() ? st.getColumn(0).getString() : std::string();
}

std::optional<std::string> Store::handover(const std::string& parent) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare("SELECT body FROM handovers WHERE parent = ?");
  st.bind(1, parent);
  if (!st.executeStep()) return std::nullopt;
  return st.getColumn(0).getString();
}

std::vector<LinkRecord> Store::links() const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT peer, last_contact, last_event_ts, backlog, policy_version FROM links "
      "ORDER BY peer");
  std::vector<LinkRecord> out;
  while (st.executeStep()) {
    LinkRecord l{st.getColumn(0).getString(),
                 st.getColumn(1).getInt64(),
                 std::nullopt,
                 st.getColumn(3).getInt64(),
                 {}};
    if (!st.getColumn(2).isNull()) l.last_event_ts = st.getColumn(2).getInt64();
    if (!st.getColumn(4).isNull()) l.policy_version = st.getColumn(4).getString();
    out.push_back(std::move(l));
  }
  return out;
}

std::int64_t Store::quarantined() const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare("SELECT count(*) FROM quarantine");
  st.executeStep();
  return st.getColumn(0).getInt64();
}

std::vector<QuarantinedEntry> Store::recent_quarantine(int limit) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT origin, epoch, seq, type, reason, coalesce(via, ''), coalesce(at, 0) "
      "FROM quarantine ORDER BY coalesce(at, 0) DESC, seq DESC LIMIT ?");
  st.bind(1, limit);
  std::vector<QuarantinedEntry> out;
  while (st.executeStep())
    out.push_back(QuarantinedEntry{st.getColumn(0).getString(), st.getColumn(1).getString(),
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

namespace {
TokenRecord read_token(SQLite::Statement& st) {
  TokenRecord t;
  t.id = st.getColumn(0).getInt64();
  t.name = st.getColumn(1).getString();
  t.role = parse_role(st.getColumn(2).getString()).value_or(Role::kViewer);
  t.hash = st.getColumn(3).getString();
  t.created = st.getColumn(4).getInt64();
  if (!st.getColumn(5).isNull()) t.expires = st.getColumn(5).getInt64();
  t.revoked = st.getColumn(6).getInt() != 0;
  return t;
}
}  // namespace

std::optional<TokenRecord> Store::token_by_hash(const std::string& hash) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT id, name, role, hash, created, expires, revoked FROM tokens WHERE hash = ?");
  st.bind(1, hash);
  if (!st.executeStep()) return std::nullopt;
  return read_token(st);
}

std::vector<TokenRecord> Store::tokens() const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT id, name, role, hash, created, expires, revoked FROM tokens ORDER BY id");
  std::vector<TokenRecord> out;
  while (st.executeStep()) out.push_back(read_token(st));
  return out;
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
