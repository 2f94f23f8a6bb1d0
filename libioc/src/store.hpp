#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ioc/model.hpp"
#include "ioc/summary_sketch.hpp"

namespace ioc {

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::int64_t> next;  ///< cursor for the following page, if any
};

struct ObservationQuery {
  std::optional<std::string> metric;
  std::optional<std::string> area;
  std::optional<TimeMs> from;  ///< inclusive
  std::optional<TimeMs> to;    ///< exclusive
  int limit = 100;
  std::int64_t after = 0;  ///< cursor: the last row id already seen
};

struct IncidentQuery {
  std::optional<IncidentStatus> status;
  std::optional<Domain> domain;
  int limit = 100;
  std::int64_t after = 0;
};

/// One entry of the append-only event log the federation replicates.
struct LoggedEvent {
  std::int64_t seq = 0;
  std::string type;
  TimeMs ts = 0;
  std::string body;  ///< JSON
};

struct AggregateBucket {
  std::string metric;
  std::string area;
  TimeMs start = 0;
  SummarySketch sketch;
};

struct TokenRecord {
  std::int64_t id = 0;
  std::string name;
  Role role = Role::kViewer;
  std::string hash;  ///< hex SHA-256 of the token
  TimeMs created = 0;
  std::optional<TimeMs> expires;
  bool revoked = false;
};

struct IncidentCounts {
  std::int64_t total = 0;
  std::vector<std::pair<std::string, std::int64_t>> by_status, by_domain, by_severity;
};

struct ServiceRequestCounts {
  std::int64_t open = 0;
  std::int64_t closed = 0;
  std::int64_t closed_on_time = 0;
};

/// The node's SQLite store: WAL, versioned migrations, prepared statements only. Writes go through
/// `write`, one transaction at a time on a single connection; reads use a pool of connections
/// and are safe from any thread.
class Store {
  struct Impl;

 public:
  struct Options {
    std::string path;         ///< the database file
    bool power_safe = false;  ///< synchronous=FULL: commits survive power loss, not only crashes
  };

  /// Write access inside one transaction. Only valid within the `write` callback.
  class Writer {
   public:
    /// Inserts rows in order; returns the id of the first (ids are consecutive).
    std::int64_t insert_observations(const std::vector<Observation>& rows);
    /// Appends to the event log; returns its sequence number.
    std::int64_t append_event(const std::string& type, TimeMs ts, const std::string& body);
    std::optional<SummarySketch> aggregate(const std::string& metric, const std::string& area,
                                           TimeMs start);
    void put_aggregate(const AggregateBucket& bucket);
    void insert_alert(const Alert& alert);
    void deactivate_alert(const std::string& id);
    void insert_incident(const Incident& incident);
    /// Stores the incident's new state and the audit entry that produced it.
    void update_incident(const Incident& incident, const AuditEntry& entry);
    void insert_service_request(const ServiceRequest& request);
    void update_service_request(const ServiceRequest& request);
    /// Reads through the write connection, so it sees this transaction's own writes.
    std::optional<Incident> incident(const std::string& id);
    std::optional<ServiceRequest> service_request(const std::string& id);
    std::int64_t insert_token(const TokenRecord& token);
    bool revoke_token(std::int64_t id);
    /// Records a request nonce; false if (node, nonce) is already remembered. Forgets nonces
    /// seen before `forget_before`.
    bool remember_nonce(const std::string& node, const std::string& nonce, TimeMs seen,
                        TimeMs forget_before);
    /// Runs `fn` under a savepoint: if it throws, its writes are undone and the exception passes
    /// on.
    void savepoint(const std::function<void()>& fn);

   private:
    friend class Store;
    explicit Writer(Impl& impl) : impl_(impl) {}
    Impl& impl_;
  };

  explicit Store(const Options& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// The log epoch: random, made when the store is created or restored from a backup.
  const std::string& epoch() const;
  /// Runs `fn` in one IMMEDIATE transaction and commits; rolls back if it throws.
  void write(const std::function<void(Writer&)>& fn);

  Page<std::pair<std::int64_t, Observation>> observations(const ObservationQuery& q) const;
  std::int64_t observation_count() const;
  Page<std::pair<std::int64_t, Alert>> alerts(bool active_only, int limit,
                                              std::int64_t after) const;
  std::optional<Alert> alert(const std::string& id) const;
  std::vector<Alert> active_alerts() const;
  Page<std::pair<std::int64_t, Incident>> incidents(const IncidentQuery& q) const;
  /// The incident with its audit history.
  std::optional<Incident> incident(const std::string& id) const;
  IncidentCounts incident_counts() const;
  Page<std::pair<std::int64_t, ServiceRequest>> service_requests(int limit,
                                                                 std::int64_t after) const;
  std::optional<ServiceRequest> service_request(const std::string& id) const;
  ServiceRequestCounts service_request_counts() const;
  std::vector<AggregateBucket> aggregates(TimeMs from, TimeMs to,
                                          const std::vector<std::string>& metrics) const;
  std::vector<LoggedEvent> events_after(std::int64_t seq, int limit) const;
  std::int64_t last_event_seq() const;
  std::optional<TokenRecord> token_by_hash(const std::string& hash) const;
  std::vector<TokenRecord> tokens() const;

  /// Writes a consistent copy to `file` while the store stays in use; the copy starts a new
  /// epoch when opened.
  void backup(const std::string& file) const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ioc
