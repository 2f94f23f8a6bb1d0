// The store: what the node exchanges with other nodes (entries relayed from below, buckets and
// lost ranges reported from below, links and cursors, the outbox to children, replicated
// records). What only the federation's protocol keeps is in its own tables (StoreSchema).
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

void Store::Writer::put_remote_aggregate(const std::string& origin, const std::string& metric,
                                         const std::string& area, TimeMs start,
                                         const std::string& sketch, int held_back) {
  auto& st = impl_.writer->prepare(
      "INSERT INTO remote_aggregates(origin, metric, area, start, sketch, held_back) "
      "VALUES(?,?,?,?,?,?) ON CONFLICT(origin, metric, area, start) "
      "DO UPDATE SET sketch=excluded.sketch, held_back=excluded.held_back");
  st.bind(1, origin);
  st.bind(2, metric);
  st.bind(3, area);
  st.bind(4, static_cast<std::int64_t>(start));
  st.bind(5, sketch.data(), static_cast<int>(sketch.size()));
  st.bind(6, held_back);
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

void Store::Writer::apply_alert(const Alert& alert, const std::string& replaces) {
  auto& st = impl_.writer->prepare("INSERT OR IGNORE INTO alerts(id, active, body) VALUES(?,?,?)");
  st.bind(1, alert.identifier);
  st.bind(2, alert.active ? 1 : 0);
  st.bind(3, codec::to_json(alert).dump());
  st.exec();
  if (!replaces.empty()) deactivate_alert(replaces);
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

}  // namespace ioc
