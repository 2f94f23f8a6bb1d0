#include "federation_tables.hpp"

#include "store_table.hpp"

namespace ioc::federation {

using store_detail::Connection;

namespace {

// Version 1 is what stores made before the federation owned its tables already hold (the
// core's shared history created them), hence IF NOT EXISTS; the tree kept under meta's "tree"
// becomes the note it is now. Each entry moves the schema one version forward; never edit one
// that has shipped.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE IF NOT EXISTS nonces(node TEXT NOT NULL, nonce TEXT NOT NULL, seen INTEGER NOT NULL,
  PRIMARY KEY(node, nonce)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonces_seen ON nonces(seen);
CREATE TABLE IF NOT EXISTS receipts(origin TEXT NOT NULL, epoch TEXT NOT NULL,
  seq INTEGER NOT NULL, PRIMARY KEY(origin, epoch)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS receipt_holds(origin TEXT NOT NULL, epoch TEXT NOT NULL,
  seq INTEGER NOT NULL, PRIMARY KEY(origin, epoch)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS former_relays(origin TEXT NOT NULL, relay TEXT NOT NULL,
  PRIMARY KEY(origin, relay)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS handed(parent TEXT NOT NULL, origin TEXT NOT NULL,
  epoch TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(parent, origin, epoch)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS handovers(parent TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS policy_updates(seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quarantine(origin TEXT NOT NULL, epoch TEXT NOT NULL,
  seq INTEGER NOT NULL, type TEXT NOT NULL, reason TEXT NOT NULL, body TEXT NOT NULL, via TEXT,
  at INTEGER, PRIMARY KEY(origin, epoch, seq)) WITHOUT ROWID;
INSERT INTO meta(key, value) SELECT 'note:tree', value FROM meta WHERE key = 'tree'
  ON CONFLICT(key) DO NOTHING;
DELETE FROM meta WHERE key = 'tree';
)sql";

// Records shared down or across by a Sharing rule, by the id their writer gave them: one
// delivered again after a crash is taken once.
constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE shares_taken(id TEXT PRIMARY KEY, taken INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX shares_taken_at ON shares_taken(taken);
)sql";

}  // namespace

StoreSchema federation_schema() {
  return StoreSchema{"federation", {kVersion1, kVersion2}};
}

std::optional<std::int64_t> Receipts::held(const std::string& origin, const std::string& epoch) {
  auto& st = w_.connection().prepare("SELECT seq FROM receipts WHERE origin=? AND epoch=?");
  st.bind(1, origin);
  st.bind(2, epoch);
  if (!st.executeStep()) return std::nullopt;
  return st.getColumn(0).getInt64();
}

void Receipts::set_held(const std::string& origin, const std::string& epoch, std::int64_t seq) {
  auto& st = w_.connection().prepare(
      "INSERT INTO receipts(origin, epoch, seq) VALUES(?,?,?) "
      "ON CONFLICT(origin, epoch) DO UPDATE SET seq=excluded.seq");
  st.bind(1, origin);
  st.bind(2, epoch);
  st.bind(3, static_cast<std::int64_t>(seq));
  st.exec();
}

std::optional<std::int64_t> Receipts::hold(const std::string& origin, const std::string& epoch) {
  auto& st = w_.connection().prepare("SELECT seq FROM receipt_holds WHERE origin=? AND epoch=?");
  st.bind(1, origin);
  st.bind(2, epoch);
  if (!st.executeStep()) return std::nullopt;
  return st.getColumn(0).getInt64();
}

void Receipts::set_hold(const std::string& origin, const std::string& epoch, std::int64_t seq) {
  auto& st = w_.connection().prepare(
      "INSERT INTO receipt_holds(origin, epoch, seq) VALUES(?,?,?) "
      "ON CONFLICT(origin, epoch) DO UPDATE SET seq=max(seq, excluded.seq)");
  st.bind(1, origin);
  st.bind(2, epoch);
  st.bind(3, static_cast<std::int64_t>(seq));
  st.exec();
}

void Receipts::add_former_relay(const std::string& origin, const std::string& relay) {
  auto& st = w_.connection().prepare(
      "INSERT INTO former_relays(origin, relay) VALUES(?,?) ON CONFLICT DO NOTHING");
  st.bind(1, origin);
  st.bind(2, relay);
  st.exec();
}

bool Receipts::is_former_relay(const std::string& origin, const std::string& relay) {
  auto& st = w_.connection().prepare("SELECT 1 FROM former_relays WHERE origin=? AND relay=?");
  st.bind(1, origin);
  st.bind(2, relay);
  return st.executeStep();
}

std::vector<std::pair<std::string, std::int64_t>> Receipts::of(const Store& store,
                                                               const std::string& origin) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  store.read([&](Connection& conn) {
    auto& st = conn.prepare("SELECT epoch, seq FROM receipts WHERE origin=? ORDER BY epoch");
    st.bind(1, origin);
    while (st.executeStep())
      out.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getInt64());
  });
  return out;
}

void Handovers::note_handed(const std::string& parent, const std::string& origin,
                            const std::string& epoch, std::int64_t seq) {
  auto& st = w_.connection().prepare(
      "INSERT INTO handed(parent, origin, epoch, seq) VALUES(?,?,?,?) "
      "ON CONFLICT(parent, origin, epoch) DO UPDATE SET seq=max(seq, excluded.seq)");
  st.bind(1, parent);
  st.bind(2, origin);
  st.bind(3, epoch);
  st.bind(4, static_cast<std::int64_t>(seq));
  st.exec();
}

std::vector<HandedSeq> Handovers::handed(const std::string& parent) {
  auto& st = w_.connection().prepare(
      "SELECT origin, epoch, seq FROM handed WHERE parent=? ORDER BY origin, epoch");
  st.bind(1, parent);
  std::vector<HandedSeq> out;
  while (st.executeStep())
    out.push_back(HandedSeq{st.getColumn(0).getString(), st.getColumn(1).getString(),
                            st.getColumn(2).getInt64()});
  st.reset();
  return out;
}

void Handovers::set_pending(const std::string& parent, const std::string& body) {
  auto& st = w_.connection().prepare(
      "INSERT INTO handovers(parent, body) VALUES(?,?) ON CONFLICT(parent) DO UPDATE SET "
      "body=excluded.body");
  st.bind(1, parent);
  st.bind(2, body);
  st.exec();
}

void Handovers::clear_pending(const std::string& parent) {
  auto& st = w_.connection().prepare("DELETE FROM handovers WHERE parent=?");
  st.bind(1, parent);
  st.exec();
}

std::optional<std::string> Handovers::pending(const Store& store, const std::string& parent) {
  std::optional<std::string> out;
  store.read([&](Connection& conn) {
    auto& st = conn.prepare("SELECT body FROM handovers WHERE parent = ?");
    st.bind(1, parent);
    if (st.executeStep()) out = st.getColumn(0).getString();
  });
  return out;
}

bool Nonces::remember(const std::string& node, const std::string& nonce, TimeMs seen,
                      TimeMs forget_before) {
  auto& conn = w_.connection();
  auto& prune = conn.prepare("DELETE FROM nonces WHERE seen < ?");
  prune.bind(1, static_cast<std::int64_t>(forget_before));
  prune.exec();
  auto& st = conn.prepare("INSERT OR IGNORE INTO nonces(node, nonce, seen) VALUES(?,?,?)");
  st.bind(1, node);
  st.bind(2, nonce);
  st.bind(3, static_cast<std::int64_t>(seen));
  return st.exec() == 1;
}

bool SharesTaken::take(const std::string& id, TimeMs now, TimeMs forget_before) {
  auto& conn = w_.connection();
  auto& prune = conn.prepare("DELETE FROM shares_taken WHERE taken < ?");
  prune.bind(1, static_cast<std::int64_t>(forget_before));
  prune.exec();
  auto& st = conn.prepare("INSERT OR IGNORE INTO shares_taken(id, taken) VALUES(?,?)");
  st.bind(1, id);
  st.bind(2, static_cast<std::int64_t>(now));
  return st.exec() == 1;
}

std::vector<SeenNonce> Nonces::since(const Store& store, TimeMs since) {
  std::vector<SeenNonce> out;
  store.read([&](Connection& conn) {
    auto& st = conn.prepare("SELECT node, nonce, seen FROM nonces WHERE seen >= ?");
    st.bind(1, static_cast<std::int64_t>(since));
    while (st.executeStep())
      out.push_back(SeenNonce{st.getColumn(0).getString(), st.getColumn(1).getString(),
                              st.getColumn(2).getInt64()});
  });
  return out;
}

bool PolicyUpdates::put(const std::string& id, const std::string& kind, const std::string& body) {
  auto& st = w_.connection().prepare(
      "INSERT INTO policy_updates(id, kind, body) VALUES(?,?,?) ON CONFLICT(id) DO NOTHING");
  st.bind(1, id);
  st.bind(2, kind);
  st.bind(3, body);
  return st.exec() == 1;
}

std::vector<std::pair<std::string, std::string>> PolicyUpdates::all(const Store& store) {
  std::vector<std::pair<std::string, std::string>> out;
  store.read([&](Connection& conn) {
    auto& st = conn.prepare("SELECT kind, body FROM policy_updates ORDER BY seq");
    while (st.executeStep())
      out.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getString());
  });
  return out;
}

std::optional<std::string> PolicyUpdates::last(const Store& store, const std::string& kind) {
  std::optional<std::string> out;
  store.read([&](Connection& conn) {
    auto& st =
        conn.prepare("SELECT body FROM policy_updates WHERE kind = ? ORDER BY seq DESC LIMIT 1");
    st.bind(1, kind);
    if (st.executeStep()) out = st.getColumn(0).getString();
  });
  return out;
}

void Quarantine::put(const QuarantinedEntry& e, const std::string& body) {
  auto& st = w_.connection().prepare(
      "INSERT OR IGNORE INTO quarantine(origin, epoch, seq, type, reason, body, via, at) "
      "VALUES(?,?,?,?,?,?,?,?)");
  st.bind(1, e.origin);
  st.bind(2, e.epoch);
  st.bind(3, static_cast<std::int64_t>(e.seq));
  st.bind(4, e.type);
  st.bind(5, e.reason);
  st.bind(6, body);
  st.bind(7, e.via);
  st.bind(8, static_cast<std::int64_t>(e.at));
  st.exec();
}

std::int64_t Quarantine::count(const Store& store) {
  std::int64_t n = 0;
  store.read([&](Connection& conn) {
    auto& st = conn.prepare("SELECT count(*) FROM quarantine");
    st.executeStep();
    n = st.getColumn(0).getInt64();
  });
  return n;
}

std::vector<QuarantinedEntry> Quarantine::recent(const Store& store, int limit) {
  std::vector<QuarantinedEntry> out;
  store.read([&](Connection& conn) {
    auto& st = conn.prepare(
        "SELECT origin, epoch, seq, type, reason, coalesce(via, ''), coalesce(at, 0) "
        "FROM quarantine ORDER BY coalesce(at, 0) DESC, seq DESC LIMIT ?");
    st.bind(1, limit);
    while (st.executeStep())
      out.push_back(QuarantinedEntry{st.getColumn(0).getString(), st.getColumn(1).getString(),
                                     st.getColumn(2).getInt64(), st.getColumn(3).getString(),
                                     st.getColumn(4).getString(), st.getColumn(5).getString(),
                                     st.getColumn(6).getInt64()});
  });
  return out;
}

}  // namespace ioc::federation
