#include "ioc/node.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <utility>

#include "api_router.hpp"
#include "api_support.hpp"
#include "authority.hpp"
#include "console_routes.hpp"
#include "crypto_util.hpp"
#include "event_hub.hpp"
#include "http_server.hpp"
#include "incident_service.hpp"
#include "ingest_parser.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"
#include "node_plugin.hpp"
#include "observation_ingest.hpp"
#include "retention.hpp"
#include "scheduler.hpp"
#include "service_requests.hpp"
#include "store.hpp"
#include "summary_service.hpp"
#include "token_service.hpp"
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
        plugin(make_plugin(options)),
        local_authority(plugin ? nullptr
                               : std::make_unique<LocalAuthority>(
                                     load_checked(options.federation_file, options.node_id))),
        authority(plugin ? plugin->authority() : *local_authority),
        local(load_node_config(*authority.federation(), options.node_id)),
        clock(options.clock ? options.clock : std::make_shared<SystemClock>()),
        authorizer(make_authorizer(options, plugin.get(), *authority.federation())),
        sources(make_sources(options, local)),
        data_lock(options.data_dir),
        store(store_options(options.data_dir, options.power_safe), store_schemas()),
        server(
            server_options(options),
            [this](const HttpRequest& r, Respond respond) { router.handle(r, std::move(respond)); },
            [this](const HttpRequest& r) { return admit_stream(r); }, metrics),
        writes(
            store, WriteQueue::Options{1024, 256, &metrics}, [this] { ingest.on_commit_failure(); },
            [this] {
              if (plugin) plugin->committed();
            }),
        events(std::make_shared<EventHub>(server.stream())),
        ctx{options.node_id, local,   store,       writes,   *clock,
            *events,         metrics, *authorizer, authority},
        incidents(ctx),
        alerts(ctx),
        requests(ctx),
        summary(ctx),
        tokens(store, options.node_id),
        ingest(ctx, incidents),
        retention(ctx, options.log_limit),
        scheduler(metrics),
        router(ctx,
               ApiRouter::Services{
                   ingest, incidents, alerts, requests, summary, tokens,
                   [this](Completion<ReloadResult> done) { reload_later(std::move(done)); }},
               IngestLimits{options.max_batch_rows, 256, 32}) {
    metrics.event_log_seq = store.last_event_seq();
    add_console_routes(router, ctx, ConsoleFiles{options.console_dir, options.leaflet_dir});
    scheduler.every(std::chrono::milliseconds(options.summary_interval), "the summary ticker",
                    [this] { publish_summary(); });
    // missingFor rules are timers on quiet metrics.
    scheduler.every(std::chrono::milliseconds(options.escalation_interval), "the rule ticker",
                    [this] {
                      ingest.check_missing();
                      // Not while a reload moves the link: the new parent's cursor is not
                      // written yet.
                      std::unique_lock reloading(reload_mutex, std::try_to_lock);
                      if (reloading) retention.run_once();
                    });
    NodeParts parts{ctx, incidents, ingest, router, scheduler};
    if (plugin) plugin->attach(parts);
    if (sources)
      sources->attach(parts);
    else
      router.add_route("GET", "/api/v1/sources", {Role::kViewer},
                       [](ApiCall& call, Respond& respond) {
                         api::only_params(call.query, {});
                         respond(api::json_response(200, {{"items", nlohmann::json::array()}}));
                       });
  }

  static std::unique_ptr<NodeExtension> make_sources(const NodeOptions& o,
                                                     const NodeLocalConfig& local) {
    if (local.sources.empty()) return nullptr;
    if (!o.sources)
      throw Error(ErrorCode::kConfig,
                  local.sources.front().where +
                      ": error: kind: this program cannot connect to MQTT brokers (a Sources "
                      "file needs ioc::mqtt::sources() in NodeOptions::sources)",
                  "sources");
    return o.sources(o, local);
  }

  std::vector<StoreSchema> store_schemas() const {
    std::vector<StoreSchema> all;
    const NodeExtension* parts[] = {plugin.get(), sources.get()};
    for (const NodeExtension* e : parts)
      if (e)
        for (auto& s : e->store_schemas()) all.push_back(std::move(s));
    return all;
  }

  static std::unique_ptr<NodePlugin> make_plugin(const NodeOptions& o) {
    if (!o.plugin) {
      if (!o.key_file.empty())
        throw Error(ErrorCode::kConfig,
                    "a key (" + o.key_file +
                        ") signs a node's calls to its federation, and this node runs without "
                        "one: give it the federation plug-in, or no key",
                    "key");
      return nullptr;
    }
    return o.plugin(o, load_checked(o.federation_file, o.node_id));
  }

  static std::unique_ptr<Authorizer> make_authorizer(NodeOptions& o, NodePlugin* plugin,
                                                     const FederationConfig& fed) {
    if (o.authorizer) return std::move(o.authorizer);
    if (plugin)
      if (auto a = plugin->authorizer()) return a;
    return make_local_operator_authorizer(o.node_id, fed.ancestors(o.node_id));
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

  ~Impl() { shutdown(); }

  std::uint16_t start() {
    const auto port = server.start();
    scheduler.start();
    if (plugin) plugin->start();
    incidents.apply_pending("");  // actions held for incidents that arrived before a restart
    if (sources) sources->start();
    return port;
  }

  void shutdown() {
    router.set_draining();
    scheduler.stop();
    if (sources) sources->stop();
    if (plugin) plugin->stop();
    server.stop();
    writes.stop();
  }

  // A reload takes the federation file as it is now. Everything that can fail is checked before
  // anything changes; a refused reload leaves the running federation in force.
  ReloadResult reload() {
    std::lock_guard lock(reload_mutex);
    auto fresh = load_checked(authority.federation()->path, options.node_id);
    if (plugin) return plugin->reload(std::move(fresh));
    local_authority->replace(std::move(fresh));
    return {};
  }

  // A reload asked for over HTTP runs on the scheduler's thread (it reads files and may wait for
  // the writer) and answers from there.
  void reload_later(Completion<ReloadResult> done) {
    scheduler.post("a reload", [this, done = std::move(done)] {
      ReloadResult r;
      try {
        r = reload();
      } catch (...) {
        return done({}, std::current_exception());
      }
      done(std::move(r), nullptr);
    });
  }

  // Stream clients and subscribers get the node's recent summary every summary_interval, if
  // anyone listens.
  void publish_summary() {
    if (metrics.stream_clients.load() <= 0 && !events->has_subscribers()) return;
    const TimeMs now = clock->now();
    const auto data = summary.summary(SummaryService::align(now - 15 * 60'000, now), {});
    events->publish(codec::dump(codec::json{{"type", "summary"}, {"data", codec::to_json(data)}}));
  }

  // The federation file, with this node in it.
  static std::shared_ptr<const FederationConfig> load_checked(const std::string& path,
                                                              const std::string& id) {
    auto fed = std::make_shared<const FederationConfig>(load_federation(path));
    if (!fed->find(id))
      throw Error(ErrorCode::kConfig, fed->path + ": no node '" + id + "' in this federation",
                  "node");
    return fed;
  }

  NodeOptions options;
  // Made first (its authority is what the services decide with), destroyed last: shutdown()
  // stops it before the parts it uses go.
  std::unique_ptr<NodePlugin> plugin;
  std::unique_ptr<LocalAuthority> local_authority;  // without a plug-in
  const Authority& authority;
  NodeLocalConfig local;
  std::shared_ptr<const Clock> clock;
  std::unique_ptr<Authorizer> authorizer;
  std::unique_ptr<NodeExtension> sources;  // stopped before the writer it feeds
  Metrics metrics;
  DataDirLock data_lock;
  Store store;
  HttpServer server;
  WriteQueue writes;
  std::shared_ptr<EventHub> events;  // shared with subscriptions, which may outlive the node
  NodeContext ctx;
  IncidentService incidents;
  AlertService alerts;
  ServiceRequests requests;
  SummaryService summary;
  TokenService tokens;
  ObservationIngest ingest;
  Retention retention;
  Scheduler scheduler;
  ApiRouter router;
  std::mutex reload_mutex;  // one reload at a time; retention waits for it
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
  return impl_->authority.federation();
}
std::string Node::epoch() const {
  return impl_->store.epoch();
}

void Node::ingest(std::vector<Observation> rows) {
  const auto fed = impl_->authority.federation();
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
  return impl_->reload();
}

std::string Node::policy_version() const {
  return impl_->authority.version();
}

std::vector<Alert> Node::active_alerts() const {
  return impl_->store.active_alerts();
}

namespace {

void check_limit(int limit) {
  if (limit < 1 || limit > 10'000)
    throw Error(ErrorCode::kBadRequest, "limit must be 1 to 10000", "limit");
}

template <typename T>
std::vector<T> items_of(Page<std::pair<std::int64_t, T>> page) {
  std::vector<T> out;
  out.reserve(page.items.size());
  for (auto& [_, item] : page.items) out.push_back(std::move(item));
  return out;
}

}  // namespace

std::vector<Alert> Node::alerts(bool active_only, int limit) const {
  check_limit(limit);
  AlertQuery q;
  q.active_only = active_only;
  q.limit = limit;
  return items_of(impl_->store.alerts(q));
}

std::optional<Alert> Node::alert(const std::string& identifier) const {
  return impl_->store.alert(identifier);
}

std::vector<Incident> Node::incidents(const IncidentFilter& filter) const {
  check_limit(filter.limit);
  IncidentQuery q;
  q.status = filter.status;
  q.domain = filter.domain;
  q.limit = filter.limit;
  return items_of(impl_->store.incidents(q));
}

std::optional<Incident> Node::incident(const std::string& id) const {
  return impl_->store.incident(id);
}

Summary Node::summary(TimeMs from, TimeMs to, const std::vector<std::string>& metrics) const {
  if (to <= from) throw Error(ErrorCode::kBadRequest, "to must be after from", "to");
  return impl_->summary.summary(SummaryService::align(from, to), metrics);
}

Subscription Node::subscribe(std::function<void(const std::string& event)> on_event) {
  const auto id = impl_->events->subscribe(std::move(on_event));
  Subscription s;
  s.cancel_ = [hub = std::weak_ptr<EventHub>(impl_->events), id] {
    if (const auto h = hub.lock()) h->unsubscribe(id);
  };
  return s;
}

Subscription::Subscription(Subscription&& other) noexcept : cancel_(std::move(other.cancel_)) {
  other.cancel_ = nullptr;
}

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    cancel();
    cancel_ = std::move(other.cancel_);
    other.cancel_ = nullptr;
  }
  return *this;
}

Subscription::~Subscription() {
  cancel();
}

void Subscription::cancel() {
  if (cancel_) std::exchange(cancel_, nullptr)();
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
