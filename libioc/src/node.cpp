#include "ioc/node.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "api_router.hpp"
#include "crypto_util.hpp"
#include "down_handler.hpp"
#include "escalation_monitor.hpp"
#include "http_server.hpp"
#include "incident_service.hpp"
#include "ingest_parser.hpp"
#include "ioc/error.hpp"
#include "ioc/federation/node_keys.hpp"
#include "ioc/federation/topology.hpp"
#include "json_codec.hpp"
#include "observation_ingest.hpp"
#include "outbox_waiters.hpp"
#include "policy_distribution.hpp"
#include "service_requests.hpp"
#include "store.hpp"
#include "store_nonce_cache.hpp"
#include "summary_service.hpp"
#include "thread_guard.hpp"
#include "token_service.hpp"
#include "uplink.hpp"
#include "write_queue.hpp"

namespace ioc {
namespace {

HttpServer::Options server_options(const NodeOptions& o) {
  HttpServer::Options s;
  const auto colon = o.listen.rfind(':');
  if (colon == std::string::npos)
    throw Error(ErrorCode::kConfig, "listen must be HOST:PORT, got '" + o.listen + "'", "listen");
  s.host = o.listen.substr(0, colon);
  if (s.host.size() > 2 && s.host.front() == '[') s.host = s.host.substr(1, s.host.size() - 2);
  try {
    std::size_t used = 0;
    const int port = std::stoi(o.listen.substr(colon + 1), &used);
    if (used != o.listen.size() - colon - 1 || port < 0 || port > 65535)
      throw std::out_of_range("port");
    s.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    throw Error(ErrorCode::kConfig,
                "listen port must be 0-65535, got '" + o.listen.substr(colon + 1) + "'", "listen");
  }
  s.body_limit = o.body_limit;
  s.threads = o.threads;
  return s;
}

Store::Options store_options(const std::string& data_dir, bool power_safe) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec)
    throw Error(ErrorCode::kConfig,
                "cannot create data directory " + data_dir + ": " + ec.message(), "data");
  return Store::Options{store_path(data_dir), power_safe};
}

// fsyncs a file or a directory, so what was written (or renamed into it) survives a crash.
void sync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw Error(ErrorCode::kInternal, "cannot sync " + path + ": " + why, "out");
  }
  ::close(fd);
}

}  // namespace

/// DATA/iocd.lock, held (flock, exclusive) for the life of a node: a store belongs to one node
/// process, so a second iocd on the same data directory refuses to start. The tools that work on
/// a store while its node runs (token, backup) do not take it.
class DataDirLock {
 public:
  explicit DataDirLock(const std::string& data_dir) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    const std::string path = (std::filesystem::path(data_dir) / "iocd.lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw Error(ErrorCode::kConfig, "cannot open " + path + ": " + std::strerror(errno), "data");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      char pid[32] = {};
      const auto n = ::pread(fd_, pid, sizeof pid - 1, 0);
      ::close(fd_);
      std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      throw Error(ErrorCode::kConfig,
                  "data directory " + data_dir + " is in use by another iocd" +
                      (holder.empty() ? "" : " (pid " + holder + ")") +
                      ": a store belongs to one node process; stop it or give another --data",
                  "data");
    }
    // The pid only serves the message above: the lock is what counts, so a failed write is
    // not an error.
    const std::string pid = std::to_string(::getpid()) + "\n";
    [[maybe_unused]] const bool noted =
        ::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) >= 0;
  }
  ~DataDirLock() { ::close(fd_); }
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  int fd_ = -1;
};

std::string store_path(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "ioc.db").string();
}

struct Node::Impl {
  explicit Impl(NodeOptions o)
      : options(std::move(o)),
        policies(load_checked(options.federation_file, options.node_id)),
        local(load_node_config(*policies.federation(), options.node_id)),
        key(load_own_key(*policies.federation(), options.node_id, options.key_file)),
        clock(options.clock ? options.clock : std::make_shared<SystemClock>()),
        authorizer(options.authorizer
                       ? std::move(options.authorizer)
                       : federation::make_policy_authorizer(policies, options.node_id)),
        data_lock(options.data_dir),
        store(store_options(options.data_dir, options.power_safe)),
        server(
            server_options(options),
            [this](const HttpRequest& r, Respond respond) { router.handle(r, std::move(respond)); },
            [this](const HttpRequest& r) { return admit_stream(r); }, metrics),
        writes(
            store, WriteQueue::Options{1024, 256, &metrics}, [this] { ingest.on_commit_failure(); },
            [this] {
              if (auto* link = uplink_to_poke.load()) link->poke();
            }),
        nonces(store),
        peers(*policies.federation(), options.node_id, nonces),
        ctx{options.node_id, local,   store,       writes,  *clock,
            server.stream(), metrics, *authorizer, policies},
        incidents(ctx),
        requests(ctx),
        summary(ctx),
        tokens(store, options.node_id),
        waiters(store),
        ingest(ctx, incidents),
        escalations(ctx, incidents),
        router(ctx,
               ApiRouter::Services{ingest, incidents, requests, summary, tokens, peers,
                                   [this] { return uplink_state(); }, waiters,
                                   [this] { return reload(); }, key ? &*key : nullptr},
               IngestLimits{options.max_batch_rows, 256, 32}) {
    metrics.event_log_seq = store.last_event_seq();
    ctx.outbox_appended = [this](const std::string& child) { waiters.notify(child); };
    ctx.command_up = [this](const std::string& body,
                            std::function<void(NodeContext::PeerAnswer)> done) {
      std::shared_ptr<federation::PeerClient> client;
      {
        std::lock_guard lock(link_mutex);
        client = command_client;
      }
      if (!client) return done(NodeContext::PeerAnswer{0, "", "no link to a parent"});
      client->call_async(
          "POST", "/federation/v1/commands", body,
          [done = std::move(done)](federation::PeerClient::Response r) {
            done(NodeContext::PeerAnswer{r.status, std::move(r.body), std::move(r.error)});
          });
    };
    if (key)
      ctx.sign_policy = [this](const std::string& kind, const nlohmann::json& body) {
        return federation::sign_update(*key, kind, options.node_id, body);
      };
    federation::restore_policy_updates(ctx);
    catch_up_with_tree();
    federation::publish_policy_set(ctx);
  }

  // A stream lasts only as long as its token: the server asks again every round while it is
  // open, and closes it (1008) once the token is revoked or expired.
  HttpServer::StreamAdmission admit_stream(const HttpRequest& r) {
    const std::string token = ApiRouter::bearer_token(r, true);
    if (token.empty() || !tokens.authenticate(token, clock->now()))
      return {ApiRouter::error_response(Error(ErrorCode::kUnauthorized,
                                              "a valid bearer token is required for the stream",
                                              "authorization")),
              {},
              {}};
    return {std::nullopt, crypto::sha256_hex(token),
            [this, token] { return tokens.ended(token, clock->now()); }};
  }

  // The tree as this store keeps it, {"id": parent or null}, to notice a restart on a
  // reorganised federation file.
  static std::string tree_of(const FederationConfig& fed) {
    nlohmann::json tree = nlohmann::json::object();
    for (const auto& n : fed.nodes)
      tree[n.id] = n.parent ? nlohmann::json(*n.parent) : nlohmann::json(nullptr);
    return tree.dump();
  }

  static FederationConfig tree_from(const std::string& text) {
    FederationConfig fed;
    const auto tree = nlohmann::json::parse(text);
    for (const auto& item : tree.items()) {
      NodeConfig n;
      n.id = item.key();
      if (item.value().is_string()) n.parent = item.value().get<std::string>();
      fed.nodes.push_back(std::move(n));
    }
    fed.reindex();
    return fed;
  }

  // Started on a federation file whose tree differs from the one this store last ran with: the
  // same moves as a reload would have made (before the link opens).
  void catch_up_with_tree() {
    const auto fed = policies.federation();
    const std::string last = store.tree();
    if (last == tree_of(*fed)) return;
    if (!last.empty()) {
      const FederationConfig before = tree_from(last);
      if (before.find(options.node_id))
        for (const auto& step : reorganise(before, *fed))
          std::cerr << "ioc: " << options.node_id
                    << " started on a reorganised federation: " << step.get<std::string>()
                    << std::endl;
    }
    writes.run([&](WriteContext& w) { w.writer.set_tree(tree_of(*fed)); });
  }

  ~Impl() { shutdown(); }

  std::uint16_t start() {
    link_up(*policies.federation());
    const auto port = server.start();
    ticker = std::thread([this] { publish_summaries(); });
    escalation_ticker = std::thread([this] { check_escalations(); });
    {
      std::lock_guard lock(link_mutex);
      if (uplink) uplink->start();
    }
    incidents.apply_pending("");  // actions held for incidents that arrived before a restart
    return port;
  }

  // Opens the link to this node's parent in `fed` (the child opens it: the parent never needs to
  // reach the child), and a separate client for commands sent up at once. Not started.
  void link_up(const FederationConfig& fed) {
    const NodeConfig* self = fed.find(options.node_id);
    if (!self->parent || !key) return;
    const NodeConfig* parent = fed.find(*self->parent);
    const auto client = [&] {
      return federation::make_http_peer_client(
          parent->endpoint, *key, options.node_id, parent->id, [this] { return peers.keys(); },
          *clock);
    };
    std::lock_guard lock(link_mutex);
    command_client = client();
    federation::Uplink::Options link;
    link.on_hello = [this](const federation::Hello& hello) { check_log_end(hello); };
    uplink = std::make_unique<federation::Uplink>(ctx, parent->id, client(), link,
                                                  federation::DownHandler(ctx, incidents, waiters));
    uplink_to_poke = uplink.get();
  }

  // At the first hello after start: if the parent holds more of this node's own log (in its
  // current epoch) than the store had when it opened, the store lost its end (a lost disk, a
  // damaged WAL, an old copy restored without a new epoch). Reusing those numbers would have the
  // parent take new entries for ones it holds: a new epoch starts instead, holding what was made
  // since the start, and the node says so (log, /readyz, metric).
  void check_log_end(const federation::Hello& hello) {
    if (log_end_checked.exchange(true)) return;
    const std::string epoch = store.epoch();
    const auto held = hello.holds.find(epoch);
    const std::int64_t had = store.own_seq_at_open();
    if (held == hello.holds.end() || held->second <= had) return;
    std::int64_t moved = 0;
    writes.run([&](WriteContext& w) {
      moved = w.writer.start_epoch(had);
      w.writer.set_note("lost-end", codec::dump({{"epoch", epoch},
                                                 {"storeEndedAt", had},
                                                 {"parentHeld", held->second},
                                                 {"newEpoch", store.epoch()},
                                                 {"at", format_rfc3339(clock->now())}}));
    });
    metrics.epoch_restarts++;
    std::cerr << "iocd: " << options.node_id << ": the store ends at entry " << had << " of epoch "
              << epoch << ", but the parent holds up to " << held->second
              << ": entries were lost here; starting epoch " << store.epoch() << " with the "
              << moved << " made since the start" << std::endl;
  }

  void link_down() {
    std::unique_ptr<federation::Uplink> old;
    std::shared_ptr<federation::PeerClient> old_client;
    {
      std::lock_guard lock(link_mutex);
      uplink_to_poke = nullptr;
      old = std::move(uplink);
      old_client = std::move(command_client);
    }
    if (old_client) old_client->cancel();
    if (old) old->stop();
  }

  // A reload takes the federation file as it is now: policies, keys, endpoints and the tree.
  // Everything that can fail is checked before anything changes; a refused reload leaves the
  // running federation and policy set in force.
  nlohmann::json reload() {
    std::lock_guard lock(reload_mutex);
    const auto before = policies.federation();
    const std::string version_before = policies.version();
    const auto fresh = load_checked(before->path, options.node_id);
    if (key) check_key_listed(*fresh, options.node_id, *key, options.key_file);
    auto keys = federation::RequestVerifier::load_keys(*fresh);
    const bool reorganised = !federation::same_tree(*before, *fresh);
    if (reorganised) refuse_undrained_removals(*before, *fresh);
    const std::string version = policies.reload(fresh);
    peers.set_keys(std::move(keys));
    // A new parent (or its new endpoint): the old link stops before the handover is written.
    const bool relink = parent_link_changed(*before, *fresh);
    if (relink) link_down();
    nlohmann::json steps = nlohmann::json::array();
    try {
      if (reorganised) steps = reorganise(*before, *fresh);
    } catch (...) {
      if (relink) relink_to(*fresh);
      throw;
    }
    if (relink) relink_to(*fresh);
    federation::publish_policy_set(ctx);
    return {
        {"policyVersion", version}, {"changed", version != version_before}, {"reorganised", steps}};
  }

  void relink_to(const FederationConfig& fed) {
    link_up(fed);
    std::lock_guard lock(link_mutex);
    if (uplink) uplink->start();
  }

  bool parent_link_changed(const FederationConfig& before, const FederationConfig& fresh) const {
    const auto parent_of = [this](const FederationConfig& f) -> const NodeConfig* {
      const NodeConfig* self = f.find(options.node_id);
      return self->parent ? f.find(*self->parent) : nullptr;
    };
    const NodeConfig *was = parent_of(before), *now = parent_of(fresh);
    if (!was || !now) return was != now;
    return was->id != now->id || was->endpoint != now->endpoint;
  }

  // A child leaves the federation only once everything it took has reached this node: what it
  // reported unsent at its last contact would otherwise be lost with it.
  void refuse_undrained_removals(const FederationConfig& before,
                                 const FederationConfig& fresh) const {
    const auto links = store.links();
    for (const auto& child : before.children(options.node_id)) {
      if (fresh.find(child)) continue;
      for (const auto& l : links)
        if (l.peer == child && l.backlog > 0)
          throw Error(ErrorCode::kConfig,
                      fresh.path + ": error: nodes: '" + child +
                          "' is removed while it still had " + std::to_string(l.backlog) +
                          " entries unsent to this node at " + format_rfc3339(l.last_contact) +
                          "; move its children first, wait until its backlog is 0 (GET "
                          "/api/v1/federation), then remove it",
                      "nodes");
    }
  }

  // What moves with a new tree; returns one line per step taken, for the operator.
  nlohmann::json reorganise(const FederationConfig& before, const FederationConfig& fresh) {
    nlohmann::json steps = nlohmann::json::array();
    // Nodes that left a subtree: the old relays may still send what they took before the move.
    std::vector<std::string> moved;
    writes.run([&](WriteContext& w) {
      for (const auto& n : fresh.nodes) {
        if (!before.find(n.id)) continue;
        const auto now_above = fresh.ancestors(n.id);
        bool left = false;
        for (const auto& a : before.ancestors(n.id))
          if (std::find(now_above.begin(), now_above.end(), a) == now_above.end()) {
            w.writer.add_former_relay(n.id, a);
            left = true;
          }
        if (left) moved.push_back(n.id);
      }
    });
    for (const auto& id : moved) steps.push_back("moved: " + id);
    const NodeConfig* self = fresh.find(options.node_id);
    const NodeConfig* was = before.find(options.node_id);
    if (self->parent != was->parent) {
      hand_over(was->parent, self->parent);
      steps.push_back("parent: " + was->parent.value_or("(none)") + " -> " +
                      self->parent.value_or("(none)"));
    }
    // Children new below this node get the runtime grants and policy sets it keeps.
    std::vector<std::string> joined;
    for (const auto& c : fresh.children(options.node_id)) {
      const NodeConfig* old = before.find(c);
      if (!old || old->parent != self->id) joined.push_back(c);
    }
    federation::pass_on_held_updates(ctx, joined);
    for (const auto& c : joined) steps.push_back("new child: " + c);
    for (const auto& line : incidents.reown_after_reorganisation())
      steps.push_back("incident owner: " + line);
    writes.run([&](WriteContext& w) { w.writer.set_tree(tree_of(fresh)); });
    return steps;
  }

  // Before the link to a new parent opens: the new link starts where the old parent's
  // acknowledgement ended (what it took travels on its own path), and the new parent is told,
  // per origin, how far that is, so that nothing is taken twice or skipped.
  void hand_over(const std::optional<std::string>& from, const std::optional<std::string>& to) {
    if (!to) return;  // this node is the root now: nothing to send
    writes.run([&](WriteContext& w) {
      if (!from) {
        // A former root never sent its log: its history stays here, the new link starts now.
        w.writer.set_cursor(*to, store.last_event_seq());
        return;
      }
      w.writer.set_cursor(*to, store.cursor(*from));
      if (const auto unsent = store.handover(*from)) {
        // Moved again before the last parent took anything: the old path is still the one
        // before it.
        w.writer.set_handover(*to, *unsent);
        w.writer.clear_handover(*from);
        return;
      }
      nlohmann::json through = nlohmann::json::array();
      for (const auto& h : w.writer.handed(*from))
        through.push_back({{"origin", h.origin}, {"epoch", h.epoch}, {"seq", h.seq}});
      w.writer.set_handover(*to, nlohmann::json{{"from", *from}, {"through", through}}.dump());
    });
  }

  nlohmann::json uplink_state() const {
    const auto fed = policies.federation();
    if (!fed->find(options.node_id)->parent) return nullptr;
    std::lock_guard lock(link_mutex);
    if (!uplink)
      return {{"state", "down"},
              {"error", "no private key given (--key): this node cannot sign calls to its parent"}};
    const auto s = uplink->state();
    return {{"state", s.state},
            {"lastContact", s.last_contact ? nlohmann::json(format_rfc3339(*s.last_contact))
                                           : nlohmann::json(nullptr)},
            {"protocolVersion", s.protocol_version.empty() ? nlohmann::json(nullptr)
                                                           : nlohmann::json(s.protocol_version)},
            {"policyVersion", s.parent_policy_version.empty()
                                  ? nlohmann::json(nullptr)
                                  : nlohmann::json(s.parent_policy_version)},
            {"acknowledgedSeq", s.cursor},
            {"backlog", store.last_event_seq() - s.cursor},
            {"error", s.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.error)}};
  }

  void shutdown() {
    router.set_draining();
    waiters.stop();
    {
      std::lock_guard lock(ticker_mutex);
      stopping = true;
    }
    ticker_wake.notify_all();
    if (ticker.joinable()) ticker.join();
    if (escalation_ticker.joinable()) escalation_ticker.join();
    link_down();
    server.stop();
    writes.stop();
  }

  // Retention: entries the parent acknowledged (at the root: every entry, nothing reads them
  // again) leave the log; past log_limit unsent entries the oldest are dropped and reported.
  void retain() {
    // Not while a reload moves the link: the new parent's cursor is not written yet.
    std::unique_lock reloading(reload_mutex, std::try_to_lock);
    if (!reloading) return;
    const auto fed = policies.federation();
    const NodeConfig* self = fed->find(options.node_id);
    const std::int64_t last = store.last_event_seq();
    const std::int64_t cursor = self->parent ? store.cursor(*self->parent) : last;
    // At most last - cursor entries wait unsent: no write at all while there is nothing to do.
    const bool prune = cursor > pruned_through;
    const bool over_limit = self->parent && last - cursor > options.log_limit;
    if (!prune && !over_limit) return;
    std::vector<LostRange> lost;
    writes.run([&](WriteContext& w) {
      if (prune) w.writer.prune_events_through(cursor);
      if (over_limit)
        lost = w.writer.drop_unsent(cursor, options.log_limit, options.node_id, clock->now());
    });
    pruned_through = cursor;
    for (const auto& r : lost)
      std::cerr << "iocd: retention dropped unsent entries " << r.origin << " " << r.epoch << " "
                << r.from_seq << "-" << r.to_seq << " (log limit " << options.log_limit
                << "); the parent is told" << std::endl;
  }

  // Escalation rules are timers on open incidents, missingFor rules timers on quiet metrics:
  // both checked every escalation_interval.
  void check_escalations() {
    std::unique_lock lock(ticker_mutex);
    while (!ticker_wake.wait_for(lock, std::chrono::milliseconds(options.escalation_interval),
                                 [this] { return stopping; })) {
      lock.unlock();
      // A failed check (a full write queue, a store error) is retried at the next tick.
      guarded(metrics, ThreadKind::kTicker, "the escalation ticker", [this] {
        escalations.run_once();
        ingest.check_missing();
        retain();
      });
      lock.lock();
    }
  }

  // Stream clients get the node's recent summary every summary_interval, if anyone listens.
  void publish_summaries() {
    std::unique_lock lock(ticker_mutex);
    while (!ticker_wake.wait_for(lock, std::chrono::milliseconds(options.summary_interval),
                                 [this] { return stopping; })) {
      if (metrics.stream_clients.load() <= 0) continue;
      const TimeMs now = clock->now();
      // A failed read is retried at the next tick; the stream must not take the node down.
      lock.unlock();
      guarded(metrics, ThreadKind::kTicker, "the summary ticker", [&] {
        const auto data = summary.summary(SummaryService::align(now - 15 * 60'000, now), {});
        server.stream().publish(codec::dump(codec::json{{"type", "summary"}, {"data", data}}));
      });
      lock.lock();
    }
  }

  // The federation file, checked, with this node in it.
  static std::shared_ptr<const FederationConfig> load_checked(const std::string& path,
                                                              const std::string& id) {
    auto fed = std::make_shared<const FederationConfig>(load_federation(path));
    if (!fed->find(id))
      throw Error(ErrorCode::kConfig, fed->path + ": no node '" + id + "' in this federation",
                  "node");
    federation::check_federation(*fed);
    return fed;
  }

  // The node's private key must match the public key the federation lists for it, or every call
  // it signs would be refused by its peers.
  static std::optional<federation::PrivateKey> load_own_key(const FederationConfig& fed,
                                                            const std::string& id,
                                                            const std::string& file) {
    if (file.empty()) return std::nullopt;
    auto key = federation::PrivateKey::load(file);
    check_key_listed(fed, id, key, file);
    return key;
  }

  static void check_key_listed(const FederationConfig& fed, const std::string& id,
                               const federation::PrivateKey& key, const std::string& file) {
    const std::string probe = "ioc key check";
    const std::string sig = key.sign(probe);
    for (const auto& pub : fed.find(id)->public_keys)
      if (federation::PublicKey::load(pub).verify(probe, sig)) return;
    throw Error(ErrorCode::kConfig,
                file +
                    ": this private key does not match the public key the federation lists for '" +
                    id + "'",
                "key");
  }

  NodeOptions options;
  federation::PolicyState policies;  // the federation and policy set in force
  NodeLocalConfig local;
  std::optional<federation::PrivateKey> key;
  std::shared_ptr<const Clock> clock;
  std::unique_ptr<Authorizer> authorizer;
  Metrics metrics;
  DataDirLock data_lock;
  Store store;
  HttpServer server;
  WriteQueue writes;
  federation::StoreNonceCache nonces;
  federation::RequestVerifier peers;
  NodeContext ctx;
  IncidentService incidents;
  ServiceRequests requests;
  SummaryService summary;
  TokenService tokens;
  federation::OutboxWaiters waiters;
  ObservationIngest ingest;
  federation::EscalationMonitor escalations;
  ApiRouter router;
  std::mutex ticker_mutex;
  std::condition_variable ticker_wake;
  bool stopping = false;
  std::thread ticker;
  std::thread escalation_ticker;
  std::int64_t pruned_through = 0;  // retention's last prune (the escalation ticker's only)
  std::mutex reload_mutex;          // one reload at a time
  mutable std::mutex link_mutex;    // guards uplink and command_client, replaced when moved
  std::unique_ptr<federation::Uplink> uplink;
  std::shared_ptr<federation::PeerClient> command_client;
  std::atomic<federation::Uplink*> uplink_to_poke{nullptr};  // read by the writer thread
  std::atomic<bool> log_end_checked{false};
};

Node::Node(NodeOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Node::~Node() = default;

std::uint16_t Node::start() {
  return impl_->start();
}
void Node::stop() {
  impl_->shutdown();
}
const std::string& Node::id() const {
  return impl_->options.node_id;
}
std::shared_ptr<const FederationConfig> Node::federation() const {
  return impl_->policies.federation();
}
std::string Node::epoch() const {
  return impl_->store.epoch();
}

void Node::ingest(std::vector<Observation> rows) {
  const auto fed = impl_->policies.federation();
  const auto own = [&](const std::string& area) { return fed->in_subtree(area, id()); };
  for (std::size_t i = 0; i < rows.size(); ++i) check_observation(rows[i], i, own);
  impl_->ingest.ingest(std::move(rows));
}

Incident Node::report_incident(const Actor& actor, Domain domain, Severity severity,
                               const std::string& area, const std::string& title) {
  return impl_->incidents.report(actor, IncidentDraft{domain, severity, area, title, {}, ""});
}

Incident Node::act_on_incident(const Actor& actor, const std::string& id, IncidentAction action,
                               const std::string& note) {
  return impl_->incidents.act(actor, id, action, note).incident;
}

ReloadResult Node::reload() {
  const auto r = impl_->reload();
  ReloadResult out{r.at("policyVersion"), r.at("changed"), {}};
  for (const auto& step : r.at("reorganised")) out.reorganised.push_back(step);
  return out;
}

std::string Node::policy_version() const {
  return impl_->policies.version();
}

std::vector<Alert> Node::active_alerts() const {
  return impl_->store.active_alerts();
}

std::string issue_token(const std::string& data_dir, Role role, const std::string& name,
                        std::optional<TimeMs> expires) {
  Store store(store_options(data_dir, false));
  return TokenService::issue(store, role, name, expires, SystemClock().now());
}

std::vector<TokenInfo> list_tokens(const std::string& data_dir) {
  Store store(store_options(data_dir, false));
  std::vector<TokenInfo> out;
  for (const auto& t : store.tokens())
    out.push_back(TokenInfo{t.id, t.name, t.role, t.created, t.expires, t.revoked});
  return out;
}

bool revoke_token(const std::string& data_dir, std::int64_t id) {
  Store store(store_options(data_dir, false));
  bool revoked = false;
  store.write([&](Store::Writer& w) { revoked = w.revoke_token(id); });
  return revoked;
}

void backup_store(const std::string& data_dir, const std::string& out_file) {
  if (!std::filesystem::exists(store_path(data_dir)))
    throw Error(ErrorCode::kNotFound, "no store at " + store_path(data_dir), "data");
  if (std::filesystem::exists(out_file))
    throw Error(ErrorCode::kConflict, out_file + " already exists", "out");
  // Written beside the target, synced, then renamed into place: an interrupted backup leaves a
  // .partial file, never one that looks finished.
  const std::string partial = out_file + ".partial-" + crypto::random_hex(4);
  const auto remove_partial = [&partial] {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(partial + suffix, ignored);
  };
  try {
    Store store(store_options(data_dir, false));
    store.backup(partial);
    sync_path(partial);
    std::filesystem::rename(partial, out_file);
  } catch (const std::filesystem::filesystem_error& e) {
    remove_partial();
    throw Error(ErrorCode::kInternal, "cannot finish " + out_file + ": " + e.what(), "out");
  } catch (...) {
    remove_partial();
    throw;
  }
  const auto dir = std::filesystem::path(out_file).parent_path();
  sync_path(dir.empty() ? "." : dir.string());
}

}  // namespace ioc
