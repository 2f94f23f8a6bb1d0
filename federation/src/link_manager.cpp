#include "link_manager.hpp"

#include <iostream>

#include "json_codec.hpp"

namespace ioc::federation {

LinkManager::LinkManager(FederationContext& ctx, IncidentService& incidents, OutboxWaiters& waiters,
                         const PrivateKey* key, const RequestVerifier& peers)
    : ctx_(ctx), incidents_(incidents), waiters_(waiters), key_(key), peers_(peers) {}

LinkManager::~LinkManager() {
  down();
}

void LinkManager::up(const FederationConfig& fed) {
  const NodeConfig* self = fed.find(ctx_.node_id);
  if (!self->parent || !key_) return;
  const NodeConfig* parent = fed.find(*self->parent);
  const auto client = [&] {
    return make_http_peer_client(
        parent->endpoint, *key_, ctx_.node_id, parent->id, [this] { return peers_.keys(); },
        ctx_.clock);
  };
  std::lock_guard lock(mutex_);
  command_client_ = client();
  Uplink::Options link;
  link.on_hello = [this](const Hello& hello) { check_log_end(hello); };
  uplink_ = std::make_unique<Uplink>(ctx_, parent->id, client(), link,
                                     DownHandler(ctx_, incidents_, waiters_));
  to_poke_ = uplink_.get();
}

void LinkManager::start() {
  std::lock_guard lock(mutex_);
  if (uplink_) uplink_->start();
}

void LinkManager::down() {
  std::unique_ptr<Uplink> old;
  std::shared_ptr<PeerClient> old_client;
  {
    std::lock_guard lock(mutex_);
    to_poke_ = nullptr;
    old = std::move(uplink_);
    old_client = std::move(command_client_);
  }
  if (old_client) old_client->cancel();
  if (old) old->stop();
}

void LinkManager::poke() {
  if (auto* link = to_poke_.load()) link->poke();
}

void LinkManager::command_up(const std::string& body,
                             std::function<void(NodeContext::PeerAnswer)> done) {
  std::shared_ptr<PeerClient> client;
  {
    std::lock_guard lock(mutex_);
    client = command_client_;
  }
  if (!client) return done(NodeContext::PeerAnswer{0, "", "no link to a parent"});
  client->call_async(
      "POST", "/federation/v1/commands", body, [done = std::move(done)](PeerClient::Response r) {
        done(NodeContext::PeerAnswer{r.status, std::move(r.body), std::move(r.error)});
      });
}

nlohmann::json LinkManager::state() const {
  const auto fed = ctx_.federation();
  if (!fed->find(ctx_.node_id)->parent) return nullptr;
  std::lock_guard lock(mutex_);
  if (!uplink_)
    return {{"state", "down"},
            {"error", "no private key given (--key): this node cannot sign calls to its parent"}};
  const auto s = uplink_->state();
  const auto or_null = [](const std::string& v) {
    return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v);
  };
  return {{"state", s.state},
          {"lastContact", s.last_contact ? nlohmann::json(format_rfc3339(*s.last_contact))
                                         : nlohmann::json(nullptr)},
          {"protocolVersion", or_null(s.protocol_version)},
          {"policyVersion", or_null(s.parent_policy_version)},
          {"acknowledgedSeq", s.cursor},
          {"backlog", ctx_.store.last_event_seq() - s.cursor},
          {"error", or_null(s.error)}};
}

bool LinkManager::parent_changed(const FederationConfig& before,
                                 const FederationConfig& fresh) const {
  const auto parent_of = [this](const FederationConfig& f) -> const NodeConfig* {
    const NodeConfig* self = f.find(ctx_.node_id);
    return self->parent ? f.find(*self->parent) : nullptr;
  };
  const NodeConfig *was = parent_of(before), *now = parent_of(fresh);
  if (!was || !now) return was != now;
  return was->id != now->id || was->endpoint != now->endpoint;
}

// If the parent holds more of this node's own log (in its current epoch) than the store had when
// it opened, the store lost its end (a lost disk, a damaged WAL, an old copy restored without a
// new epoch). Reusing those numbers would have the parent take new entries for ones it holds: a
// new epoch starts instead, holding what was made since the start, and the node says so (log,
// /readyz, metric).
void LinkManager::check_log_end(const Hello& hello) {
  if (log_end_checked_.exchange(true)) return;
  const std::string epoch = ctx_.store.epoch();
  const auto held = hello.holds.find(epoch);
  const std::int64_t had = ctx_.store.own_seq_at_open();
  if (held == hello.holds.end() || held->second <= had) return;
  std::int64_t moved = 0;
  ctx_.writes.run([&](WriteContext& w) {
    moved = w.writer.start_epoch(had);
    w.writer.set_note("lost-end", codec::dump({{"epoch", epoch},
                                               {"storeEndedAt", had},
                                               {"parentHeld", held->second},
                                               {"newEpoch", ctx_.store.epoch()},
                                               {"at", format_rfc3339(ctx_.clock.now())}}));
  });
  ctx_.metrics.epoch_restarts++;
  std::cerr << "iocd: " << ctx_.node_id << ": the store ends at entry " << had << " of epoch "
            << epoch << ", but the parent holds up to " << held->second
            << ": entries were lost here; starting epoch " << ctx_.store.epoch() << " with the "
            << moved << " made since the start" << std::endl;
}

}  // namespace ioc::federation
