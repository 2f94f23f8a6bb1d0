#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ioc/model.hpp"
#include "ioc/summary.hpp"
#include "ioc/summary_sketch.hpp"

namespace ioc {

namespace store_detail {
struct Connection;
}

/// Tables a part of the library other than the core owns (the federation's), with their
/// migrations: each entry moves that part's schema one version forward, and the version reached
/// is kept in the store under the part's name. Never edit an entry that has shipped.
struct StoreSchema {
  std::string name;
  std::vector<std::string_view> migrations;
};

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

/// Which incidents a list holds; every filter left unset matches all.
struct IncidentQuery {
  std::optional<IncidentStatus> status;
  std::optional<Domain> domain;
  std::optional<Severity> severity;
  std::optional<std::vector<std::string>> areas;  ///< reported in one of these (a subtree)
  std::optional<std::string> origin, owner;
  std::optional<TimeMs> from, to;  ///< reported in [from, to)
  int limit = 100;
  std::int64_t after = 0;
};

/// Which alerts a list holds; every filter left unset matches all.
struct AlertQuery {
  bool active_only = false;
  std::optional<std::vector<std::string>> areas;  ///< covering one of these (a subtree)
  std::optional<std::string> sender;
  std::optional<Severity> severity;
  std::optional<TimeMs> from, to;  ///< sent in [from, to)
  int limit = 100;
  std::int64_t after = 0;
};

/// One entry of the append-only event log the federation replicates.
struct LoggedEvent {
  std::int64_t seq = 0;  ///< position in this node's log
  std::string type;
  TimeMs ts = 0;
  std::string body;             ///< JSON
  std::string epoch;            ///< the origin's epoch when the event was made
  std::string origin;           ///< empty for this node's own events; else the node it came from
  std::int64_t origin_seq = 0;  ///< the event's seq in its origin's log (== seq for own events)
};

/// When a child last reached this node, and how recent the newest event it sent was.
struct LinkRecord {
  std::string peer;
  TimeMs last_contact = 0;
  std::optional<TimeMs> last_event_ts;
  std::int64_t backlog = 0;    ///< events the peer still had to send at last contact
  std::string policy_version;  ///< the policy version the peer said it enforces
};

struct AggregateBucket {
  std::string metric;
  std::string area;
  TimeMs start = 0;
  SummarySketch sketch;
  /// A child's bucket held back below by a Sharing rule's minGroupSize of this many readings:
  /// a marker, its sketch empty. 0 for a bucket that holds its readings.
  int held_back = 0;
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
    std::optional<Alert> alert(const std::string& id);
    std::int64_t insert_token(const TokenRecord& token);
    bool revoke_token(std::int64_t id);
    /// Appends an event received from `origin` to this node's log, keeping its identity.
    std::int64_t append_relayed(const std::string& origin, const std::string& epoch,
                                std::int64_t origin_seq, const std::string& type, TimeMs ts,
                                const std::string& body);
    /// An action on an incident this node has not received yet (an agency's), kept in arrival
    /// order until it arrives; returns its number.
    std::int64_t hold_action(const std::string& incident, const std::string& body);
    void drop_pending_action(std::int64_t seq);
    /// Starts a new epoch: this node's own entries numbered after `after_seq` in the current one
    /// (made since the store's end, which came before what the parent holds) move into it,
    /// numbered from 1, and later ones follow them. Returns how many moved. Entries up to
    /// `after_seq` keep their epoch and drain as before.
    std::int64_t start_epoch(std::int64_t after_seq);
    /// Keeps a small note (a JSON text) for the operator, read back with Store::note.
    void set_note(const std::string& key, const std::string& value);
    /// Stores an aggregate bucket received from `origin` (an encoded SummarySketch the caller has
    /// validated), replacing an earlier copy; or, with `held_back` > 0 and no sketch, the marker
    /// of a bucket held back below for counting fewer readings than that.
    void put_remote_aggregate(const std::string& origin, const std::string& metric,
                              const std::string& area, TimeMs start, const std::string& sketch,
                              int held_back = 0);
    void touch_link(const std::string& peer, TimeMs contact, std::optional<TimeMs> last_event_ts,
                    std::int64_t backlog, const std::string& policy_version = "");
    void set_cursor(const std::string& peer, std::int64_t seq);
    /// Stores a replicated incident version if it is newer than the one held; false if not.
    bool apply_incident_version(const Incident& incident, const AuditEntry& change);
    /// Stores an alert from another node if unknown, and deactivates the one it replaces
    /// (`replaces`, replaced_alert in cap_xml.hpp; empty for none).
    void apply_alert(const Alert& alert, const std::string& replaces);
    void upsert_service_request(const ServiceRequest& request);
    /// Retention: if more than `keep` entries wait after `cursor`, drops the oldest of them and
    /// puts a "loss" entry (with the ranges, per origin and epoch) in their place, so it is the
    /// next to leave. Returns the ranges dropped (empty if none).
    std::vector<LostRange> drop_unsent(std::int64_t cursor, std::int64_t keep,
                                       const std::string& self, TimeMs ts);
    /// Deletes log entries up to `seq` (acknowledged by the parent, or never sent anywhere).
    void prune_events_through(std::int64_t seq);
    /// Deletes what `child` has confirmed taking from its outbox.
    void prune_outbox(const std::string& child, std::int64_t through);
    /// Remembers a range a child reported lost (`via` is the child that reported it).
    void record_lost_range(const LostRange& range, const std::string& via);
    std::int64_t append_outbox(const std::string& child, const std::string& type, TimeMs ts,
                               const std::string& body);
    /// Runs `fn` under a savepoint: if it throws, its writes are undone and the exception passes
    /// on.
    void savepoint(const std::function<void()>& fn);
    /// False once SQLite has rolled back the whole transaction after an error (a full disk, an
    /// I/O error): nothing written in it so far will commit.
    bool transaction_open() const;
    /// The write connection, for tables another part owns (StoreSchema): only inside this
    /// transaction.
    store_detail::Connection& connection();

   private:
    friend class Store;
    explicit Writer(Impl& impl) : impl_(impl) {}
    Impl& impl_;
  };

  /// Opens or creates the store and brings the core's tables and then each of `schemas` (other
  /// parts' tables) to their latest version.
  explicit Store(const Options& options, const std::vector<StoreSchema>& schemas = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// The log epoch: random, made when the store is created or restored from a backup, or when
  /// the node learns that its store ended before what its parent had taken (start_epoch).
  std::string epoch() const;
  /// The last seq of this node's own entries when the store was opened.
  std::int64_t own_seq_at_open() const;
  /// A value set_note kept under `key`; empty if none.
  std::string note(const std::string& key) const;
  /// Runs `fn` in one IMMEDIATE transaction and commits; rolls back if it throws.
  void write(const std::function<void(Writer&)>& fn);
  /// Runs `fn` on a read connection, for tables another part owns (StoreSchema).
  void read(const std::function<void(store_detail::Connection&)>& fn) const;

  Page<std::pair<std::int64_t, Observation>> observations(const ObservationQuery& q) const;
  std::int64_t observation_count() const;
  Page<std::pair<std::int64_t, Alert>> alerts(const AlertQuery& q) const;
  std::optional<Alert> alert(const std::string& id) const;
  std::vector<Alert> active_alerts() const;
  /// The newest `limit` alerts of scope Public (in force or not), newest first: the public feed.
  std::vector<Alert> recent_public_alerts(int limit) const;
  Page<std::pair<std::int64_t, Incident>> incidents(const IncidentQuery& q) const;
  /// Every incident still open (reported, acknowledged or dispatched), oldest first, without
  /// history: what the timers and a reorganisation look through.
  std::vector<Incident> open_incidents() const;
  /// The incident with its audit history.
  std::optional<Incident> incident(const std::string& id) const;
  /// Counts of the incidents held, of those in `areas` only when given.
  IncidentCounts incident_counts(
      const std::optional<std::vector<std::string>>& areas = std::nullopt) const;
  Page<std::pair<std::int64_t, ServiceRequest>> service_requests(int limit,
                                                                 std::int64_t after) const;
  std::optional<ServiceRequest> service_request(const std::string& id) const;
  ServiceRequestCounts service_request_counts(
      const std::optional<std::vector<std::string>>& areas = std::nullopt) const;
  std::vector<AggregateBucket> aggregates(TimeMs from, TimeMs to,
                                          const std::vector<std::string>& metrics) const;
  std::vector<LoggedEvent> events_after(std::int64_t seq, int limit) const;
  /// This node's own aggregate bucket, if any.
  std::optional<SummarySketch> aggregate(const std::string& metric, const std::string& area,
                                         TimeMs start) const;
  /// Every lost range reported from below, with the child that reported it.
  std::vector<std::pair<LostRange, std::string>> lost_ranges() const;
  /// Entries queued for `child` after `after`, oldest first.
  std::vector<LoggedEvent> outbox_after(const std::string& child, std::int64_t after,
                                        int limit) const;
  /// How far `peer` has acknowledged this node's log.
  std::int64_t cursor(const std::string& peer) const;
  std::vector<AggregateBucket> remote_aggregates(TimeMs from, TimeMs to,
                                                 const std::vector<std::string>& metrics) const;
  std::vector<LinkRecord> links() const;
  /// Actions held for `incident` (every incident's when empty), oldest first: (number, body).
  std::vector<std::pair<std::int64_t, std::string>> pending_actions(
      const std::string& incident) const;
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
