// The store: what the node records (observations and their minute buckets, alerts, incidents
// with their audit and held actions, service requests, tokens).
#include "ioc/error.hpp"
#include "store_internal.hpp"

namespace ioc {

using namespace store_detail;

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

namespace {

// Binds an optional filter: NULL (matches all) when unset.
void bind_opt(SQLite::Statement& st, int index, const std::optional<std::string>& v) {
  if (v) st.bind(index, *v);
}
void bind_opt(SQLite::Statement& st, int index, const std::optional<TimeMs>& t) {
  if (t) st.bind(index, format_rfc3339(*t));
}
void bind_opt(SQLite::Statement& st, int index,
              const std::optional<std::vector<std::string>>& nodes) {
  if (nodes) st.bind(index, nlohmann::json(*nodes).dump());
}

}  // namespace

Page<std::pair<std::int64_t, Alert>> Store::alerts(const AlertQuery& q) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT row, body FROM alerts WHERE row > ?1 AND (?2 = 0 OR active = 1) "
      "AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(body, '$.areas') AS a "
      "  WHERE a.value IN (SELECT value FROM json_each(?3)))) "
      "AND (?4 IS NULL OR json_extract(body, '$.sender') = ?4) "
      "AND (?5 IS NULL OR json_extract(body, '$.severity') = ?5) "
      "AND (?6 IS NULL OR json_extract(body, '$.sent') >= ?6) "
      "AND (?7 IS NULL OR json_extract(body, '$.sent') < ?7) ORDER BY row LIMIT ?8");
  st.bind(1, static_cast<std::int64_t>(q.after));
  st.bind(2, q.active_only ? 1 : 0);
  bind_opt(st, 3, q.areas);
  bind_opt(st, 4, q.sender);
  if (q.severity) st.bind(5, std::string(cap_severity(*q.severity)));
  bind_opt(st, 6, q.from);
  bind_opt(st, 7, q.to);
  st.bind(8, q.limit + 1);
  std::vector<std::pair<std::int64_t, Alert>> rows;
  while (st.executeStep())
    rows.emplace_back(st.getColumn(0).getInt64(),
                      codec::alert_from_json(parse_body(st.getColumn(1))));
  return finish_page(std::move(rows), q.limit);
}

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

std::vector<Alert> Store::recent_public_alerts(int limit) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT body FROM alerts WHERE json_extract(body, '$.scope') = 'Public' "
      "ORDER BY row DESC LIMIT ?");
  st.bind(1, limit);
  std::vector<Alert> out;
  while (st.executeStep()) out.push_back(codec::alert_from_json(parse_body(st.getColumn(0))));
  return out;
}

Page<std::pair<std::int64_t, Incident>> Store::incidents(const IncidentQuery& q) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT row, body FROM incidents WHERE row > ?1 AND (?2 IS NULL OR status = ?2) "
      "AND (?3 IS NULL OR domain = ?3) AND (?4 IS NULL OR severity = ?4) "
      "AND (?5 IS NULL OR json_extract(body, '$.area') IN (SELECT value FROM json_each(?5))) "
      "AND (?6 IS NULL OR json_extract(body, '$.origin') = ?6) "
      "AND (?7 IS NULL OR json_extract(body, '$.owner') = ?7) "
      "AND (?8 IS NULL OR json_extract(body, '$.created') >= ?8) "
      "AND (?9 IS NULL OR json_extract(body, '$.created') < ?9) ORDER BY row LIMIT ?10");
  st.bind(1, static_cast<std::int64_t>(q.after));
  if (q.status) st.bind(2, std::string(to_string(*q.status)));
  if (q.domain) st.bind(3, std::string(to_string(*q.domain)));
  if (q.severity) st.bind(4, std::string(to_string(*q.severity)));
  bind_opt(st, 5, q.areas);
  bind_opt(st, 6, q.origin);
  bind_opt(st, 7, q.owner);
  bind_opt(st, 8, q.from);
  bind_opt(st, 9, q.to);
  st.bind(10, q.limit + 1);
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

namespace {

// Binds a list of areas as a JSON array (read back with json_each), or NULL for every area.
void bind_areas(SQLite::Statement& st, int index,
                const std::optional<std::vector<std::string>>& areas) {
  if (areas)
    st.bind(index, json(*areas).dump());
  else
    st.bind(index);
}

}  // namespace

IncidentCounts Store::incident_counts(const std::optional<std::vector<std::string>>& areas) const {
  Impl::Lease conn(*impl_);
  IncidentCounts c;
  const auto group = [&](const char* sql, std::vector<std::pair<std::string, std::int64_t>>& out) {
    auto& st = conn->prepare(sql);
    bind_areas(st, 1, areas);
    while (st.executeStep())
      out.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getInt64());
  };
  group(
      "SELECT status, count(*) FROM incidents WHERE ?1 IS NULL OR json_extract(body, '$.area') "
      "IN (SELECT value FROM json_each(?1)) GROUP BY status",
      c.by_status);
  group(
      "SELECT domain, count(*) FROM incidents WHERE ?1 IS NULL OR json_extract(body, '$.area') "
      "IN (SELECT value FROM json_each(?1)) GROUP BY domain",
      c.by_domain);
  group(
      "SELECT severity, count(*) FROM incidents WHERE ?1 IS NULL OR json_extract(body, "
      "'$.area') IN (SELECT value FROM json_each(?1)) GROUP BY severity",
      c.by_severity);
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

ServiceRequestCounts Store::service_request_counts(
    const std::optional<std::vector<std::string>>& areas) const {
  Impl::Lease conn(*impl_);
  auto& st = conn->prepare(
      "SELECT coalesce(sum(status = 'open'), 0), coalesce(sum(status = 'closed'), 0), "
      "coalesce(sum(status = 'closed' AND closed <= expected), 0) FROM service_requests "
      "WHERE ?1 IS NULL OR json_extract(body, '$.area') IN (SELECT value FROM json_each(?1))");
  bind_areas(st, 1, areas);
  st.executeStep();
  return {st.getColumn(0).getInt64(), st.getColumn(1).getInt64(), st.getColumn(2).getInt64()};
}

std::vector<AggregateBucket> Store::aggregates(TimeMs from, TimeMs to,
                                               const std::vector<std::string>& metrics) const {
  Impl::Lease conn(*impl_);
  return read_buckets(
      conn.get(),
      "SELECT metric, area, start, sketch, 0 FROM aggregates WHERE start >= ? AND start < ?", from,
      to, metrics);
}

std::vector<AggregateBucket> Store::remote_aggregates(
    TimeMs from, TimeMs to, const std::vector<std::string>& metrics) const {
  Impl::Lease conn(*impl_);
  return read_buckets(conn.get(),
                      "SELECT metric, area, start, sketch, held_back FROM remote_aggregates "
                      "WHERE start >= ? AND start < ?",
                      from, to, metrics);
}

std::optional<SummarySketch> Store::aggregate(const std::string& metric, const std::string& area,
                                              TimeMs start) const {
  Impl::Lease conn(*impl_);
  return load_aggregate(conn.get(), metric, area, start);
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

}  // namespace ioc
