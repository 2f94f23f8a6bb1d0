#include "ioc/federation/plugin.hpp"

#include <optional>

#include "alerts_down.hpp"
#include "child_watch.hpp"
#include "escalation_monitor.hpp"
#include "federation_routes.hpp"
#include "federation_tables.hpp"
#include "ioc/error.hpp"
#include "ioc/federation/topology.hpp"
#include "link_manager.hpp"
#include "node_plugin.hpp"
#include "policy_distribution.hpp"
#include "reorganiser.hpp"
#include "shared_records.hpp"
#include "store_nonce_cache.hpp"

namespace ioc::federation {
namespace {

// The node's private key must match the public key the federation lists for it, or every call it
// signs would be refused by its peers.
void check_key_listed(const FederationConfig& fed, const std::string& id, const PrivateKey& key,
                      const std::string& file) {
  const std::string probe = "ioc key check";
  const std::string sig = key.sign(probe);
  for (const auto& pub : fed.find(id)->public_keys)
    if (PublicKey::load(pub).verify(probe, sig)) return;
  throw Error(ErrorCode::kConfig,
              file + ": this private key does not match the public key the federation lists for '" +
                  id + "'",
              "key");
}

std::optional<PrivateKey> load_own_key(const FederationConfig& fed, const std::string& id,
                                       const std::string& file) {
  if (file.empty()) return std::nullopt;
  auto key = PrivateKey::load(file);
  check_key_listed(fed, id, key, file);
  return key;
}

std::shared_ptr<const FederationConfig> checked(std::shared_ptr<const FederationConfig> fed) {
  check_federation(*fed);
  return fed;
}

/// The federation as a node plug-in: what the node's own parts do not (the link, the peer
/// routes, policies, reorganisation), wired to them.
class FederationPlugin final : public NodePlugin {
 public:
  FederationPlugin(const NodeOptions& options, std::shared_ptr<const FederationConfig> running)
      : node_id_(options.node_id),
        key_file_(options.key_file),
        escalation_interval_(options.escalation_interval),
        policies_(checked(std::move(running))),
        key_(load_own_key(*policies_.federation(), node_id_, key_file_)) {}

  ~FederationPlugin() override { stop(); }

  const Authority& authority() const override { return policies_; }

  std::unique_ptr<Authorizer> authorizer() override {
    return make_policy_authorizer(policies_, node_id_);
  }

  std::vector<StoreSchema> store_schemas() const override { return {federation_schema()}; }

  void attach(NodeParts& parts) override {
    nonces_.emplace(parts.ctx.store, parts.ctx.writes, parts.ctx.clock.now());
    peers_.emplace(*policies_.federation(), node_id_, *nonces_);
    waiters_.emplace(parts.ctx.store, [&scheduler = parts.scheduler](std::chrono::milliseconds wait,
                                                                     std::function<void()> expire) {
      scheduler.after(wait, "a long-poll's deadline", std::move(expire));
    });
    parts.ctx.outbox_appended = [this](const std::string& child) { waiters_->notify(child); };
    parts.ctx.alert_recorded = [this](WriteContext& w, const Alert& alert) {
      if (key_) send_alert_down(*ctx_, w, alert, *key_);
    };
    parts.ctx.record_logged = [this](WriteContext& w, const NodeContext::LoggedRecord& record) {
      if (key_) send_shares(*ctx_, w, record, *key_);
    };
    parts.ctx.command_up = [this](const std::string& body,
                                  std::function<void(NodeContext::PeerAnswer)> done) {
      link_->command_up(body, std::move(done));
    };
    // Made after the hooks above are set: it carries them.
    ctx_.emplace(parts.ctx, policies_);
    if (key_)
      ctx_->sign_policy = [this](const std::string& kind, const nlohmann::json& body) {
        return sign_update(*key_, kind, node_id_, body);
      };
    link_.emplace(*ctx_, parts.incidents, *waiters_, key_ ? &*key_ : nullptr, *peers_);
    reorganiser_.emplace(*ctx_, parts.incidents);
    watch_.emplace(*ctx_);
    escalations_.emplace(*ctx_, parts.incidents);
    routes_.emplace(
        *ctx_, parts.router,
        FederationRoutes::Parts{parts.incidents, *peers_, *waiters_, key_ ? &*key_ : nullptr,
                                [this] { return link_->state(); }});
    // Escalation rules are timers on open incidents.
    parts.scheduler.every(std::chrono::milliseconds(escalation_interval_), "the escalation ticker",
                          [this] { escalations_->run_once(); });
    parts.scheduler.every(std::chrono::seconds(1), "the child watch",
                          [this] { watch_->run_once(); });
    restore_policy_updates(*ctx_);
    reorganiser_->catch_up();
    publish_policy_set(*ctx_);
  }

  void start() override {
    link_->up(*policies_.federation());
    link_->start();
  }

  void stop() override {
    if (waiters_) waiters_->stop();
    if (link_) link_->down();
  }

  void committed() override {
    if (link_) link_->poke();
  }

  // The federation file as it is now: policies, keys, endpoints and the tree. Everything that can
  // fail is checked before anything changes.
  ReloadResult reload(std::shared_ptr<const FederationConfig> fresh) override {
    check_federation(*fresh);
    const auto before = policies_.federation();
    const std::string version_before = policies_.version();
    if (key_) check_key_listed(*fresh, node_id_, *key_, key_file_);
    auto keys = RequestVerifier::load_keys(*fresh);
    const bool reorganised = !same_tree(*before, *fresh);
    if (reorganised) reorganiser_->refuse_undrained_removals(*before, *fresh);
    ReloadResult result;
    result.policy_version = policies_.reload(fresh);
    result.changed = result.policy_version != version_before;
    peers_->set_keys(std::move(keys));
    // A new parent (or its new endpoint): the old link stops before the handover is written.
    const bool relink = link_->parent_changed(*before, *fresh);
    if (relink) link_->down();
    try {
      if (reorganised) result.reorganised = reorganiser_->reorganise(*before, *fresh);
    } catch (...) {
      if (relink) relink_to(*fresh);
      throw;
    }
    if (relink) relink_to(*fresh);
    publish_policy_set(*ctx_);
    return result;
  }

 private:
  void relink_to(const FederationConfig& fed) {
    link_->up(fed);
    link_->start();
  }

  std::string node_id_;
  std::string key_file_;
  TimeMs escalation_interval_;
  PolicyState policies_;
  std::optional<PrivateKey> key_;
  // Made when attached, in this order; destroyed in reverse.
  std::optional<StoreNonceCache> nonces_;
  std::optional<RequestVerifier> peers_;
  std::optional<OutboxWaiters> waiters_;
  std::optional<FederationContext> ctx_;
  std::optional<LinkManager> link_;
  std::optional<Reorganiser> reorganiser_;
  std::optional<EscalationMonitor> escalations_;
  std::optional<ChildWatch> watch_;
  std::optional<FederationRoutes> routes_;
};

}  // namespace

NodePluginFactory plugin() {
  return [](const NodeOptions& options, std::shared_ptr<const FederationConfig> federation) {
    return std::make_unique<FederationPlugin>(options, std::move(federation));
  };
}

}  // namespace ioc::federation
