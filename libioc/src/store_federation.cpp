// The store: what the federation keeps (receipts and holds, relayed entries, former relays and
// hand-overs, remote buckets, quarantine, links and cursors, the outbox, policy updates, nonces,
// lost ranges). Its tables are created by the store's migrations.
#include "ioc/error.hpp"
#include "store_internal.hpp"

namespace ioc {

using namespace store_detail;

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

}  // namespace ioc
