#pragma once

// What the store's translation units share (store.cpp: the database and the node's own log;
// store_records.cpp: what the node records; store_exchange.cpp: what it exchanges with other
// nodes). Only they include it; tables other parts own use store_table.hpp.
#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "json_codec.hpp"
#include "store.hpp"
#include "store_table.hpp"

namespace ioc {
namespace store_detail {

using codec::json;

constexpr int kReadConnections = 4;

inline json parse_body(const SQLite::Column& c) {
  return json::parse(c.getString());
}

inline SummarySketch sketch_of(const SQLite::Column& c) {
  return SummarySketch::decode(std::string_view(static_cast<const char*>(c.getBlob()),
                                                static_cast<std::size_t>(c.getBytes())));
}

inline std::optional<SummarySketch> load_aggregate(Connection& conn, const std::string& metric,
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

inline std::optional<Alert> load_alert(Connection& conn, const std::string& id) {
  auto& st = conn.prepare("SELECT body FROM alerts WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return std::nullopt;
  return codec::alert_from_json(parse_body(st.getColumn(0)));
}

inline std::optional<Incident> load_incident(Connection& conn, const std::string& id) {
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

inline std::optional<ServiceRequest> load_service_request(Connection& conn, const std::string& id) {
  auto& st = conn.prepare("SELECT body FROM service_requests WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return std::nullopt;
  return codec::service_request_from_json(parse_body(st.getColumn(0)));
}

inline std::vector<AggregateBucket> read_buckets(Connection& conn, const char* sql, TimeMs from,
                                                 TimeMs to,
                                                 const std::vector<std::string>& metrics) {
  auto& st = conn.prepare(sql);
  st.bind(1, static_cast<std::int64_t>(from));
  st.bind(2, static_cast<std::int64_t>(to));
  std::vector<AggregateBucket> out;
  while (st.executeStep()) {
    std::string metric = st.getColumn(0).getString();
    if (!metrics.empty() && std::find(metrics.begin(), metrics.end(), metric) == metrics.end())
      continue;
    const int held_back = st.getColumn(4).getInt();
    out.push_back(
        AggregateBucket{std::move(metric), st.getColumn(1).getString(), st.getColumn(2).getInt64(),
                        held_back > 0 ? SummarySketch() : sketch_of(st.getColumn(3)), held_back});
  }
  return out;
}

inline TokenRecord read_token(SQLite::Statement& st) {
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

}  // namespace store_detail

struct Store::Impl {
  std::string path;
  std::mutex write_mutex;
  std::unique_ptr<store_detail::Connection> writer;
  mutable std::mutex epoch_mutex;  // the epoch changes (start_epoch) while readers look at it
  std::string epoch;               // written under write_mutex and epoch_mutex
  std::int64_t own_seq_at_open = 0;
  mutable std::mutex pool_mutex;
  mutable std::vector<std::unique_ptr<store_detail::Connection>> pool;

  // Borrows a read connection for the lifetime of the lease.
  class Lease {
   public:
    explicit Lease(const Impl& impl) : impl_(impl) {
      std::lock_guard lock(impl_.pool_mutex);
      if (!impl_.pool.empty()) {
        conn_ = std::move(impl_.pool.back());
        impl_.pool.pop_back();
      }
      if (!conn_)
        conn_ = std::make_unique<store_detail::Connection>(impl_.path, SQLite::OPEN_READONLY);
    }
    ~Lease() {
      conn_->release();
      std::lock_guard lock(impl_.pool_mutex);
      if (impl_.pool.size() < store_detail::kReadConnections)
        impl_.pool.push_back(std::move(conn_));
    }
    store_detail::Connection* operator->() { return conn_.get(); }
    store_detail::Connection& get() { return *conn_; }

   private:
    const Impl& impl_;
    std::unique_ptr<store_detail::Connection> conn_;
  };
};

}  // namespace ioc
